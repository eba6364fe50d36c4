package shard

import (
	"sync"
	"testing"
	"time"
)

// These benchmarks are the measurement behind the execution model (see
// doc.go and docs/ARCHITECTURE.md): running a command on the caller's
// goroutine under the shard's mutex, against handing it to a goroutine that
// owns the shard and waiting for the answer.

func benchStore(b *testing.B) (*Store, []byte) {
	s := New(Config{Shards: 2})
	b.Cleanup(s.Close)
	key := []byte("key:000000000042")
	sh := s.ShardFor(key)
	x := sh.Lock(time.Now().UnixMilli())
	x.Set(0, key, []byte("xxx"), SetOptions{}, nil)
	sh.Unlock()
	return s, key
}

func BenchmarkExecUnderMutex(b *testing.B) {
	s, key := benchStore(b)
	now := time.Now().UnixMilli()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			sh := s.ShardFor(key)
			x := sh.Lock(now)
			if _, st := x.GetString(0, key); st != OK {
				b.Fatal("missing key")
			}
			sh.Unlock()
		}
	})
}

func BenchmarkExecByChannelHandoff(b *testing.B) {
	s, key := benchStore(b)
	now := time.Now().UnixMilli()
	type req struct{ done chan Status }
	reqs := make(chan req, 1024)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // the goroutine that owns the shard
		defer wg.Done()
		for r := range reqs {
			sh := s.ShardFor(key)
			x := sh.Lock(now)
			_, st := x.GetString(0, key)
			sh.Unlock()
			r.done <- st
		}
	}()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		done := make(chan Status, 1)
		for pb.Next() {
			reqs <- req{done: done}
			if <-done != OK {
				b.Fatal("missing key")
			}
		}
	})
	close(reqs)
	wg.Wait()
}
