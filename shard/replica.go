package shard

import "github.com/meridiandb/meridian/core"

// What the replication layer needs from a shard beyond Apply: the
// partitions it owns, its own write sequence per partition, a key-by-key
// walk for full sync, and the merge of a whole key state received by one.

// ShardOfPartition returns the shard that owns partition p.
func (s *Store) ShardOfPartition(p int) *Shard { return s.shards[shardOf(p, len(s.shards))] }

// ShardIndexOfPartition is the index of the shard that owns partition p.
func (s *Store) ShardIndexOfPartition(p int) int { return shardOf(p, len(s.shards)) }

// Owns reports whether this shard owns partition p.
func (x *Exec) Owns(p int) bool { return p >= 0 && p < NumPartitions && shardOf(p, x.shards) == x.id }

// Seq is the sequence of the last dot this region took in partition p.
func (x *Exec) Seq(p int) uint64 { return x.seqs[p] }

// Replica is this region's replica id.
func (x *Exec) Replica() core.ReplicaID { return x.replica }

// SnapshotFrom calls fn for the live keys of db (expired ones too: their
// state is what a full sync ships) whose hash cursor is at least cursor, in
// hash order, walking at most count keys, and returns the cursor to resume
// from (0 when the walk is over). want filters by partition. It is the
// chunk of a full sync taken under one hold of the shard, so a large
// keyspace never stalls the shard's clients for long; keys written between
// chunks are either walked later or already covered by the live stream
// from the sequence recorded before the walk (merges are idempotent, so
// seeing a write twice is harmless).
func (x *Exec) SnapshotFrom(db int, cursor uint64, count int, want func(p int) bool, fn func(key string, e *core.Entry)) uint64 {
	d := x.dbs[db]
	n := 0
	next := uint64(0)
	d.keys.Ascend(cursor, func(hash uint64, key string, e *core.Entry) bool {
		if n >= count {
			next = hash
			return false
		}
		n++
		if want(PartitionOf(Hash([]byte(key)))) {
			fn(key, e)
		}
		return true
	})
	return next
}

// EachTombstone calls fn for every tombstone of db in a wanted partition:
// a full sync ships them so the receiver drops what the deletes observed.
func (x *Exec) EachTombstone(db int, want func(p int) bool, fn func(key string, e *core.Entry)) {
	for k, e := range x.dbs[db].tombs {
		if want(PartitionOf(Hash([]byte(k)))) {
			fn(k, e)
		}
	}
}

// MergeState joins a key's whole CRDT state received by a full sync into
// the keyspace (st is the receiver's to keep or drop; it is not retained).
// Blocked clients wake as for a delta.
func (x *Exec) MergeState(db int, key []byte, st *core.Entry) {
	if db < 0 || db >= len(x.dbs) {
		return
	}
	// Every timestamp the state holds, not only its type's: a local write
	// made next must order after all of them (an LPUSH after a list whose
	// elements were stamped later than its creation).
	x.clock.Observe(st.MaxTimestamp())
	e := x.dbs[db].keys.Get(key)
	if e == nil {
		e = x.LookupWrite(db, key)
	}
	e.Merge(st)
	if x.retain {
		x.noteInner(db, key, core.OpDel)
	}
	x.settle(db, key, e)
}

// Conflict is a data-losing conflict: concurrent writes of which only one
// shows (a last-writer-wins loser, or a type that lost its key).
type Conflict struct {
	Kind            string // "string", "field" or "type"
	DB              int
	Key, Field      string
	Winner, Loser   core.ReplicaID
	WinnerV, LoserV string // the values (or types), cut short
}

// conflictValueMax bounds the values a Conflict quotes.
const conflictValueMax = 64

func cut(b []byte) string {
	if len(b) > conflictValueMax {
		return string(b[:conflictValueMax]) + "..."
	}
	return string(b)
}

// noticeConflict reports what applying d to e (of kind before) lost: a
// type replaced by a concurrent one, or a string or field write that now
// sits beside a concurrent write it did not observe, where only the later
// one shows.
func (x *Exec) noticeConflict(db int, d *core.Delta, e *core.Entry, before core.Kind, beforeRep core.ReplicaID) {
	switch {
	case before != core.KindNone && d.Kind != core.KindNone && d.Kind != before &&
		d.Op != core.OpDel && d.Op != core.OpFieldDel && d.Op != core.OpListRemove:
		// (Removals of another type's hidden data are deletes, not
		// conflicts.)
		rep, _ := e.KindStamp()
		win, lose, wr, lr := e.Kind, before, rep, beforeRep
		if e.Kind == before {
			lose, lr = d.Kind, d.KindRep
		}
		x.onConflict(Conflict{Kind: "type", DB: db, Key: string(d.Key), Winner: wr, Loser: lr,
			WinnerV: win.String(), LoserV: lose.String()})
	case d.Op == core.OpStrSet && !e.Packed():
		// (A packed key holds one write: nothing sits beside it.)
		x.lwwConflict("string", db, d, &e.Register, "")
	case d.Op == core.OpFieldSet && e.FieldsOf(d.Kind) != nil:
		if r := e.FieldsOf(d.Kind).M[string(d.Field)]; r != nil {
			x.lwwConflict("field", db, d, r, string(d.Field))
		}
	}
}

func (x *Exec) lwwConflict(kind string, db int, d *core.Delta, r *core.Register, field string) {
	els := r.Base.Elems
	if len(els) < 2 {
		return
	}
	// The write just applied is one of the concurrent elements; the
	// visible one is the LWW winner among them.
	w := 0
	for i := 1; i < len(els); i++ {
		if core.LWWLater(els[i].TS, els[i].Dot.Replica, els[w].TS, els[w].Dot.Replica) {
			w = i
		}
	}
	l := 0
	if w == 0 {
		l = 1
	}
	for i := range els {
		if els[i].Dot == d.Dot && i != w {
			l = i
		}
	}
	x.onConflict(Conflict{Kind: kind, DB: db, Key: string(d.Key), Field: field,
		Winner: els[w].Dot.Replica, Loser: els[l].Dot.Replica,
		WinnerV: cut(els[w].V.Value), LoserV: cut(els[l].V.Value)})
}

// DigestKey hashes key's visible state in db (core.Entry.AppendVisible);
// 0 when the key is absent or expired.
func (x *Exec) DigestKey(db int, key []byte) uint64 {
	e := x.dbs[db].keys.Get(key)
	if e == nil || !e.Live() || e.Expired(x.now) {
		return 0
	}
	x.scratch = e.AppendVisible(x.scratch[:0], x.now)
	return Hash(x.scratch)
}

// Digest counts db's visible keys and sums the hashes of each one's name
// and visible state: order-free, so two regions holding the same data get
// the same figures whatever order it arrived in.
func (x *Exec) Digest(db int) (n int, sum uint64) {
	x.dbs[db].keys.Each(func(k string, e *core.Entry) bool {
		if !e.Live() || e.Expired(x.now) {
			return true
		}
		x.scratch = append(x.scratch[:0], k...)
		x.scratch = append(x.scratch, 0)
		x.scratch = e.AppendVisible(x.scratch, x.now)
		sum += Hash(x.scratch)
		n++
		return true
	})
	return n, sum
}

// PendingTombstones calls fn for up to max tombstones of every database
// (whole deleted keys) with what keeps each (core.Entry.Unstable).
func (x *Exec) PendingTombstones(max int, stable func(p int) core.VV, fn func(db int, key, why string)) int {
	n := 0
	for db, d := range x.dbs {
		for k, e := range d.tombs {
			if n >= max {
				return n
			}
			fn(db, k, e.Unstable(stable(PartitionOf(Hash([]byte(k))))))
			n++
		}
	}
	return n
}
