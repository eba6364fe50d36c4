package net

import (
	"testing"

	"github.com/meridiandb/meridian/net/resp"
	"github.com/meridiandb/meridian/replication"
	"github.com/meridiandb/meridian/shard"
)

// newTestClientAA is newTestClient in a region of an active-active
// database: every write also lands in the replication backlog.
func newTestClientAA(tb testing.TB) *Client {
	r, err := replication.NewRegion(replication.Config{Database: "d", Self: replication.Member{ID: 1, Name: "a"},
		PartitionBytes: 64 << 10}, 2)
	if err != nil {
		tb.Fatal(err)
	}
	store := shard.New(shard.Config{Shards: 2, Replica: 1, NewSink: r.Sink, SeqBase: r.SeqBase(), RetainTombstones: true})
	tb.Cleanup(store.Close)
	s := NewServer(Options{Store: store, Replicator: r})
	c := &Client{srv: s, parser: resp.NewParser(resp.DefaultLimits()), stats: newLoopStats(s.table.Len()), buf: make([]byte, 0, 256)}
	c.W.Proto = 2
	return c
}

// TestHotPathAllocatesNothingReplicated: the backlog append adds no
// allocation to a write.
func TestHotPathAllocatesNothingReplicated(t *testing.T) {
	for name, wire := range hotCommands {
		c := newTestClientAA(t)
		w := []byte(wire)
		c.run(w)
		c.run(w)
		if a := testing.AllocsPerRun(1000, func() { c.run(w) }); a != 0 {
			t.Errorf("%s: %.1f allocations per command, want 0", name, a)
		}
	}
}

func BenchmarkDispatchReplicated(b *testing.B) {
	for _, name := range []string{"SET", "GET", "INCR", "HSET", "HGET", "ZADD"} {
		b.Run(name, func(b *testing.B) {
			c := newTestClientAA(b)
			w := []byte(hotCommands[name])
			c.run(w)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c.run(w)
			}
		})
	}
}
