package shard

import (
	"testing"

	"github.com/meridiandb/meridian/core"
)

type countingWaiter struct{ wakes int }

func (w *countingWaiter) Wake() { w.wakes++ }

// TestRemoteDeltaWakesWaiter: a blocked client wakes when data arrives
// from another region, not only from a local write (SEMANTICS.md 5:
// blocking pops wake on remote pushes).
func TestRemoteDeltaWakesWaiter(t *testing.T) {
	s := New(Config{Shards: 1})
	defer s.Close()
	key := []byte("q")
	w := &countingWaiter{}
	x := s.Shard(0).Lock(1000)
	x.Block(0, key, w)
	// A write made in region 2.
	var remote core.Entry
	var d core.Delta
	remote.SetString(&d, core.Dot{Replica: 2, Seq: 1}, core.MakeTimestamp(1000, 0), []byte("v"), false, 0)
	d.Key = key
	x.Apply(&d)
	s.Shard(0).Unlock()
	if w.wakes != 1 {
		t.Fatalf("remote delta woke the waiter %d times, want 1", w.wakes)
	}
	// Once it leaves the queue, writes no longer wake it; a second waiter
	// is woken at once when it leaves data behind.
	w2 := &countingWaiter{}
	x = s.Shard(0).Lock(1000)
	x.Block(0, key, w2)
	x.Unblock(0, key, w)
	x.Unblock(0, key, w2)
	e := x.LookupWrite(0, key)
	x.SetString(0, key, e, []byte("w"), false, 0)
	s.Shard(0).Unlock()
	if w.wakes != 1 || w2.wakes != 1 {
		t.Fatalf("wakes after unblocking: %d, %d; want 1, 1", w.wakes, w2.wakes)
	}
}
