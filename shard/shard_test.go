package shard

import (
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/meridiandb/meridian/core"
)

// TestShard_Routing: a key's partition and shard are stable functions of
// the key, every key of a partition lives on one shard, and indexes stay
// in range.
func TestShard_Routing(t *testing.T) {
	for _, shards := range []int{1, 2, 3, 7, 64} {
		s := fxStore(t, Config{Shards: shards})
		partShard := map[int]int{}
		for i := 0; i < 5000; i++ {
			k := []byte("key:" + strconv.Itoa(i))
			p := PartitionOf(Hash(k))
			idx := s.ShardIndex(k)
			if p < 0 || p >= NumPartitions || idx < 0 || idx >= s.Shards() {
				t.Fatalf("key %s: partition %d, shard %d of %d", k, p, idx, s.Shards())
			}
			if s.ShardFor(k) != s.Shard(idx) {
				t.Fatalf("ShardFor and ShardIndex disagree for %s", k)
			}
			if prev, ok := partShard[p]; ok && prev != idx {
				t.Fatalf("partition %d on shards %d and %d", p, prev, idx)
			}
			partShard[p] = idx
		}
	}
	// The hash is part of the wire identity: freeze one value.
	if h := Hash([]byte("meridian")); h != Hash([]byte("meridian")) || PartitionOf(h) != int(h&255) {
		t.Fatalf("hash/partition not stable")
	}
}

// TestShard_ShardCountCapped: more than 64 shards is capped (the lock mask
// is 64 bits) and LockAll still takes and releases every shard.
func TestShard_ShardCountCapped(t *testing.T) {
	s := fxStore(t, Config{Shards: 100, Databases: 2})
	if s.Shards() != 64 || s.Databases() != 2 {
		t.Fatalf("shards=%d databases=%d", s.Shards(), s.Databases())
	}
	m := s.LockAll(fxNow)
	n := 0
	m.Each(func(x *Exec) {
		if x.Now() != fxNow || x.ID() != n {
			t.Errorf("shard %d: now %d id %d", n, x.Now(), x.ID())
		}
		n++
	})
	m.Unlock()
	if n != 64 {
		t.Fatalf("LockAll held %d shards", n)
	}
	// Every shard is free again.
	for i := 0; i < s.Shards(); i++ {
		if !s.Shard(i).mu.TryLock() {
			t.Fatalf("shard %d still held after Unlock", i)
		}
		s.Shard(i).mu.Unlock()
	}
}

// TestShard_MultiForUnheldShardPanics: For on a shard the Multi does not
// hold is a programming error and says so.
func TestShard_MultiForUnheldShardPanics(t *testing.T) {
	s := fxStore(t, Config{Shards: 4})
	var a, b []byte
	for i := 0; a == nil || b == nil; i++ {
		k := []byte("k" + strconv.Itoa(i))
		switch {
		case a == nil:
			a = k
		case s.ShardIndex(k) != s.ShardIndex(a):
			b = k
		}
	}
	m := s.LockKeys([][]byte{a}, fxNow)
	defer m.Unlock()
	if m.For(a) == nil {
		t.Fatal("For of a held key")
	}
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("For on an unheld shard did not panic")
		}
	}()
	m.For(b)
}

// TestShard_ConcurrentMultiKeyLocking: goroutines run multi-key commands
// (LockKeys over random key sets), whole-store commands (LockAll) and
// single-key commands at once, with the background expiry running. They
// must neither deadlock (bounded in time) nor lose an update: the sum of
// all counters equals the increments made.
func TestShard_ConcurrentMultiKeyLocking(t *testing.T) {
	s := New(Config{Shards: 4})
	defer s.Close()
	keys := make([][]byte, 40)
	for i := range keys {
		keys[i] = []byte("ctr:" + strconv.Itoa(i))
	}
	const workers, rounds = 8, 3000
	var wg sync.WaitGroup
	incs := make([]int64, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for r := 0; r < rounds; r++ {
				now := time.Now().UnixMilli()
				switch rng.IntN(10) {
				case 0: // whole-store command
					m := s.LockAll(now)
					total := 0
					m.Each(func(x *Exec) { total += x.Len(0) })
					m.Unlock()
				case 1, 2: // single key
					k := keys[rng.IntN(len(keys))]
					sh := s.ShardFor(k)
					x := sh.Lock(now)
					if _, _, err := x.Incr(0, k, 1); err != nil {
						t.Error(err)
					}
					sh.Unlock()
					incs[w]++
				default: // several keys, in random order, possibly repeated
					n := 1 + rng.IntN(6)
					set := make([][]byte, n)
					for i := range set {
						set[i] = keys[rng.IntN(len(keys))]
					}
					m := s.LockKeys(set, now)
					for _, k := range set {
						if _, _, err := m.For(k).Incr(0, k, 1); err != nil {
							t.Error(err)
						}
						incs[w]++
					}
					m.Unlock()
				}
			}
		}(w)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatal("multi-key locking deadlocked (or is far too slow)")
	}
	var want, got int64
	for _, n := range incs {
		want += n
	}
	for _, k := range keys {
		v, st := fxGet(s, string(k), time.Now().UnixMilli())
		if st == OK {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("%s = %q", k, v)
			}
			got += n
		}
	}
	if got != want {
		t.Fatalf("counters add up to %d, %d increments were made", got, want)
	}
}

// TestShard_LockMaskOrder: LockMask takes shards in ascending order, so a
// goroutine holding a higher shard and waiting for a lower one cannot
// exist; checked by holding shard 0 and seeing that a LockMask of {0, 3}
// has not taken shard 3 yet.
func TestShard_LockMaskOrder(t *testing.T) {
	s := fxStore(t, Config{Shards: 4})
	first := s.Shard(0)
	first.Lock(fxNow)
	started := make(chan struct{})
	acquired := make(chan Multi)
	go func() {
		close(started)
		acquired <- s.LockMask(1<<0|1<<3, fxNow)
	}()
	<-started
	time.Sleep(20 * time.Millisecond)
	if !s.Shard(3).mu.TryLock() {
		t.Fatal("LockMask took shard 3 before shard 0")
	}
	s.Shard(3).mu.Unlock()
	first.Unlock()
	select {
	case m := <-acquired:
		m.Unlock()
	case <-time.After(10 * time.Second):
		t.Fatal("LockMask never acquired")
	}
}

// TestShard_StatsSnapshotAndReset sums every shard's counters and zeroes
// them.
func TestShard_StatsSnapshotAndReset(t *testing.T) {
	s := fxStore(t, Config{Shards: 3})
	for i := 0; i < 10; i++ {
		fxSet(s, "k"+strconv.Itoa(i), "v", SetOptions{}, fxNow)
	}
	before := s.SnapshotStats()
	for i := 0; i < 10; i++ {
		k := "k" + strconv.Itoa(i)
		fxGet(s, k, fxNow)
		fxGet(s, "missing"+k, fxNow)
	}
	st := s.SnapshotStats()
	if st.Hits-before.Hits != 10 || st.Misses-before.Misses != 10 || st.Deltas != 10 {
		t.Fatalf("stats %+v (before the GETs %+v)", st, before)
	}
	s.ResetStats()
	if st := s.SnapshotStats(); st != (Stats{}) {
		t.Fatalf("after reset %+v", st)
	}
}

// TestShard_DotsPerPartition: every local write takes the next sequence of
// its key's partition, and the deltas a shard ships carry that dot.
func TestShard_DotsPerPartition(t *testing.T) {
	ns, sinks := fxSinks()
	s := fxStore(t, Config{Shards: 2, Replica: 9, NewSink: ns})
	next := map[int]uint64{}
	for i := 0; i < 200; i++ {
		k := "k" + strconv.Itoa(i%17)
		fxSet(s, k, "v", SetOptions{}, fxNow)
	}
	for _, sk := range *sinks {
		for _, m := range sk.msgs {
			var d core.Delta
			if _, err := core.DecodeDelta(m.buf, &d, core.DefaultDecodeLimits); err != nil {
				t.Fatal(err)
			}
			if p := PartitionOf(Hash(d.Key)); p != m.part {
				t.Fatalf("delta of %s shipped on partition %d, key is in %d", d.Key, m.part, p)
			}
			next[m.part]++
			if d.Dot != (core.Dot{Replica: 9, Seq: next[m.part]}) {
				t.Fatalf("partition %d: dot %v, want seq %d", m.part, d.Dot, next[m.part])
			}
		}
	}
}
