package net

import (
	"testing"
	"time"

	"github.com/meridiandb/meridian/net/resp"
	"github.com/meridiandb/meridian/shard"
)

// newTestClient builds a server over a fresh store and a client with no
// socket, to drive parse → dispatch → reply without the network.
func newTestClient(tb testing.TB) *Client {
	store := shard.New(shard.Config{Shards: 2})
	tb.Cleanup(store.Close)
	s := NewServer(Options{Store: store})
	c := &Client{srv: s, parser: resp.NewParser(resp.DefaultLimits()), stats: newLoopStats(s.table.Len()), buf: make([]byte, 0, 256)}
	c.W.Proto = 2
	return c
}

// run parses every command in wire and dispatches it, as OnTraffic does.
func (c *Client) run(wire []byte) {
	c.Now = time.Now().UnixMilli()
	c.W.Reset()
	for off := 0; off < len(wire); {
		n, args, err := c.parser.Next(wire[off:])
		if err != nil || n == 0 {
			panic("BUG: test input must be complete, valid commands")
		}
		off += n
		c.srv.dispatch(c, args)
	}
}

var hotCommands = map[string]string{
	"SET":  "*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000042\r\n$3\r\nxxx\r\n",
	"GET":  "*2\r\n$3\r\nGET\r\n$16\r\nkey:000000000042\r\n",
	"INCR": "*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n",
	"HSET": "*4\r\n$4\r\nHSET\r\n$1\r\nh\r\n$1\r\nf\r\n$3\r\nxxx\r\n",
	"HGET": "*3\r\n$4\r\nHGET\r\n$1\r\nh\r\n$1\r\nf\r\n",
	"ZADD": "*4\r\n$4\r\nZADD\r\n$1\r\nz\r\n$1\r\n1\r\n$1\r\nm\r\n",
}

// TestHotPathAllocatesNothing is the zero-allocation promise for GET, SET
// and INCR in steady state: parse, execute, encode.
func TestHotPathAllocatesNothing(t *testing.T) {
	for name, wire := range hotCommands {
		c := newTestClient(t)
		w := []byte(wire)
		c.run(w) // create the key; the first write allocates it
		c.run(w)
		if a := testing.AllocsPerRun(1000, func() { c.run(w) }); a != 0 {
			t.Errorf("%s: %.1f allocations per command, want 0", name, a)
		}
	}
}

func BenchmarkDispatch(b *testing.B) {
	for _, name := range []string{"SET", "GET", "INCR", "HSET", "HGET", "ZADD"} {
		b.Run(name, func(b *testing.B) {
			c := newTestClient(b)
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
