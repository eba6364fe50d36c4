package shard

import (
	"runtime"
	"sync"
	"time"

	"github.com/meridiandb/meridian/core"
)

// Config describes a Store.
type Config struct {
	// Shards is the number of shards; 0 means one per core.
	Shards int
	// Databases is the number of numbered databases (SELECT); 0 means 16.
	Databases int
	// Replica is this region's replica id.
	Replica core.ReplicaID
	// NewSink makes the sink of each shard; nil counts and drops deltas.
	NewSink func(shard int) Sink
	// RetainTombstones keeps deleted keys' contexts until CollectTombstones
	// says every region has seen the delete. A region without peers has no
	// one to wait for, so it drops them at once.
	RetainTombstones bool
	// SeqBase is the sequence every partition's dots start after. A region
	// that restarts empty must not reuse the sequences of its previous run
	// (peers would take new writes for ones they already hold), so a
	// replicating server starts from a base taken from the clock.
	SeqBase uint64
	// OnConflict, when set, hears of every data-losing conflict a remote
	// delta reveals (SEMANTICS.md section 10). It runs with the shard
	// held: record and return.
	OnConflict func(c Conflict)
	// ActsForExpiry reports whether this region deletes expired keys whose
	// expiry another region owns (SEMANTICS.md 7: the owner was removed
	// and this is the live region with the smallest id). Called with the
	// shard held; nil: never.
	ActsForExpiry func(owner core.ReplicaID) bool
}

// Store is the keyspace of one region: its shards and the routing to them.
// Safe for use by any goroutine.
type Store struct {
	shards    []*Shard
	databases int
	start     time.Time
	stop      chan struct{}
	done      sync.WaitGroup
	closeOnce sync.Once
}

// Shard is one serial executor of commands: a mutex and the state it guards.
type Shard struct {
	mu sync.Mutex
	x  Exec
}

// Exec is a held shard: every method runs with the shard's mutex held, so
// having an *Exec means owning the shard. Owning shard only; never keep one
// after Unlock.
type Exec struct {
	id         int
	shards     int
	replica    core.ReplicaID
	dbs        []*DB
	clock      core.Clock
	seqs       [NumPartitions]uint64
	delta      core.Delta
	sink       Sink
	retain     bool
	onConflict func(Conflict)
	actsFor    func(core.ReplicaID) bool
	now        int64 // frozen "now" of the current command, Unix ms
	lru        uint32
	scratch    []byte
	spare      []byte
	names      []string // reusable list of a collection's field names
	waiting    map[waitKey][]Waiter
	Stats      Stats
	storeBase  time.Time
}

// Stats are the shard's counters for INFO. Owning shard only.
type Stats struct {
	Hits, Misses     uint64
	ExpiredKeys      uint64
	ExpireCycles     uint64
	Deltas           uint64
	TombstonesFreed  uint64
	ExpiredStaleHits uint64
}

// New builds a Store and starts its active-expiry cycle.
func New(cfg Config) *Store {
	n := cfg.Shards
	if n <= 0 {
		n = runtime.NumCPU()
	}
	if n > 64 {
		n = 64 // LockMany's mask is 64 bits
	}
	dbs := cfg.Databases
	if dbs <= 0 {
		dbs = 16
	}
	s := &Store{databases: dbs, start: time.Now(), stop: make(chan struct{})}
	for i := 0; i < n; i++ {
		sh := &Shard{}
		sh.x = Exec{id: i, shards: n, replica: cfg.Replica, onConflict: cfg.OnConflict, actsFor: cfg.ActsForExpiry, retain: cfg.RetainTombstones, storeBase: s.start,
			scratch: make([]byte, 0, 512), spare: make([]byte, 0, 512)}
		for p := range sh.x.seqs {
			sh.x.seqs[p] = cfg.SeqBase
		}
		sh.x.dbs = make([]*DB, dbs)
		for d := range sh.x.dbs {
			sh.x.dbs[d] = newDB()
		}
		if cfg.NewSink != nil {
			sh.x.sink = cfg.NewSink(i)
		} else {
			sh.x.sink = &CountingSink{}
		}
		s.shards = append(s.shards, sh)
	}
	s.done.Add(1)
	go s.expireLoop()
	return s
}

// Close stops background work. Any goroutine.
func (s *Store) Close() {
	s.closeOnce.Do(func() {
		close(s.stop)
		s.done.Wait()
	})
}

// Shards is the number of shards.
func (s *Store) Shards() int { return len(s.shards) }

// Databases is the number of numbered databases.
func (s *Store) Databases() int { return s.databases }

// ShardFor returns the shard that owns key.
func (s *Store) ShardFor(key []byte) *Shard {
	return s.shards[shardOf(PartitionOf(Hash(key)), len(s.shards))]
}

// ShardIndex returns the index of the shard that owns key.
func (s *Store) ShardIndex(key []byte) int {
	return shardOf(PartitionOf(Hash(key)), len(s.shards))
}

// Shard returns shard i.
func (s *Store) Shard(i int) *Shard { return s.shards[i] }

// Lock takes the shard and freezes "now" (Unix ms) for the command about to
// run, so every read inside it sees the same time.
func (sh *Shard) Lock(nowMs int64) *Exec {
	sh.mu.Lock()
	x := &sh.x
	x.now = nowMs
	x.lru = uint32((nowMs - x.storeBase.UnixMilli()) / 1000)
	return x
}

// LRU is the store's LRU clock (seconds since start) at the frozen now:
// OBJECT IDLETIME is LRU minus an entry's Access.
func (x *Exec) LRU() uint32 { return x.lru }

// Unlock releases the shard.
func (sh *Shard) Unlock() { sh.mu.Unlock() }

// Multi is a set of shards held together for a command on several keys.
type Multi struct {
	s    *Store
	mask uint64
}

// LockMask locks the shards whose bits are set in mask, in ascending order
// (so two multi-key commands can never deadlock), freezing now for all.
func (s *Store) LockMask(mask uint64, nowMs int64) Multi {
	for i := range s.shards {
		if mask&(1<<uint(i)) != 0 {
			s.shards[i].Lock(nowMs)
		}
	}
	return Multi{s: s, mask: mask}
}

// LockKeys locks every shard that owns one of keys.
func (s *Store) LockKeys(keys [][]byte, nowMs int64) Multi {
	var mask uint64
	for _, k := range keys {
		mask |= 1 << uint(s.ShardIndex(k))
	}
	return s.LockMask(mask, nowMs)
}

// LockAll locks every shard (whole-database commands).
func (s *Store) LockAll(nowMs int64) Multi {
	mask := uint64(1)<<uint(len(s.shards)) - 1
	if len(s.shards) == 64 {
		mask = ^uint64(0)
	}
	return s.LockMask(mask, nowMs)
}

// For returns the held shard that owns key. The key's shard must be held.
func (m Multi) For(key []byte) *Exec {
	i := m.s.ShardIndex(key)
	if m.mask&(1<<uint(i)) == 0 {
		panic("BUG: shard.Multi.For on a shard not held")
	}
	return &m.s.shards[i].x
}

// Each calls fn for every held shard in ascending order.
func (m Multi) Each(fn func(x *Exec)) {
	for i := range m.s.shards {
		if m.mask&(1<<uint(i)) != 0 {
			fn(&m.s.shards[i].x)
		}
	}
}

// Unlock releases every held shard.
func (m Multi) Unlock() {
	for i := len(m.s.shards) - 1; i >= 0; i-- {
		if m.mask&(1<<uint(i)) != 0 {
			m.s.shards[i].mu.Unlock()
		}
	}
}

// SnapshotStats adds every shard's Stats (taking each shard briefly).
func (s *Store) SnapshotStats() (t Stats) {
	for _, sh := range s.shards {
		sh.mu.Lock()
		st := sh.x.Stats
		sh.mu.Unlock()
		t.Hits += st.Hits
		t.Misses += st.Misses
		t.ExpiredKeys += st.ExpiredKeys
		t.ExpireCycles += st.ExpireCycles
		t.Deltas += st.Deltas
		t.TombstonesFreed += st.TombstonesFreed
		t.ExpiredStaleHits += st.ExpiredStaleHits
	}
	return t
}

// ResetStats zeroes every shard's Stats (CONFIG RESETSTAT).
func (s *Store) ResetStats() {
	for _, sh := range s.shards {
		sh.mu.Lock()
		sh.x.Stats = Stats{}
		sh.mu.Unlock()
	}
}
