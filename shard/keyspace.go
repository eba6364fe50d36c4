package shard

import "github.com/meridiandb/meridian/core"

// DB is one numbered database's part of a shard's keyspace. Owning shard only.
type DB struct {
	// keys holds the live keys (tombstones live in tombs), in an order
	// SCAN can resume from a cursor (the hash of the next key) however the
	// table changes between calls (see table).
	keys table
	// expires holds the keys that have a deadline, for the active cycle to
	// sample without scanning every key.
	expires map[string]*core.Entry
	// tombs holds deleted keys whose delete not every region has seen yet.
	tombs map[string]*core.Entry
	// inner names live keys that may hold removed fields or list elements
	// (tombstones inside a collection), so collecting them visits those
	// keys only rather than the whole keyspace.
	inner map[string]struct{}
}

func newDB() *DB {
	return &DB{
		expires: make(map[string]*core.Entry),
		tombs:   make(map[string]*core.Entry),
		inner:   make(map[string]struct{}),
	}
}

// scanHash is the SCAN cursor of a key: its hash, never 0 (0 ends a scan).
// It is also the hash the keyspace table orders and buckets keys by.
func scanHash(key []byte) uint64 {
	h := Hash(key)
	if h == 0 {
		h = 1
	}
	return h
}

// Now is the frozen time of the current command (Unix ms).
func (x *Exec) Now() int64 { return x.now }

// ID is the shard's index.
func (x *Exec) ID() int { return x.id }

// DB returns database i of this shard.
func (x *Exec) DB(i int) *DB { return x.dbs[i] }

// Len is the number of live keys in database db of this shard.
func (x *Exec) Len(db int) int { return x.dbs[db].keys.Len() }

// ExpiresLen is the number of keys with a deadline in database db.
func (x *Exec) ExpiresLen(db int) int { return len(x.dbs[db].expires) }

// Tombstones is the number of tombstones held in every database.
func (x *Exec) Tombstones() (n int) {
	for _, d := range x.dbs {
		n += len(d.tombs)
	}
	return n
}

// Lookup returns the live entry of key for a read, or nil. A key past its
// deadline reads as absent; when this region owns its expiry it is deleted
// (and the delete replicates), otherwise the owner will ship the delete.
func (x *Exec) Lookup(db int, key []byte) *core.Entry {
	d := x.dbs[db]
	e := d.keys.Get(key)
	if e == nil {
		x.Stats.Misses++
		return nil
	}
	if e.Expired(x.now) {
		x.expire(db, key, e)
		x.Stats.Misses++
		return nil
	}
	x.Stats.Hits++
	e.Access = x.lru
	return e
}

// Peek is Lookup without statistics or access-time updates: the lookup of
// writes (Redis's lookupKeyWrite) and of checks inside other commands.
func (x *Exec) Peek(db int, key []byte) *core.Entry {
	e := x.dbs[db].keys.Get(key)
	if e == nil {
		return nil
	}
	if e.Expired(x.now) {
		x.expire(db, key, e)
		return nil
	}
	return e
}

// expire handles a key found past its deadline.
func (x *Exec) expire(db int, key []byte, e *core.Entry) {
	if !x.ownsExpiry(e) {
		x.Stats.ExpiredStaleHits++
		return
	}
	x.Delete(db, key, e)
	x.Stats.ExpiredKeys++
}

// ownsExpiry reports whether this region deletes e at its deadline: it
// owns the expiry, or acts for an owner that was removed.
func (x *Exec) ownsExpiry(e *core.Entry) bool {
	owner, ok := e.ExpiryOwner()
	return !ok || owner == x.replica || (x.actsFor != nil && x.actsFor(owner))
}

// LookupWrite returns the entry a write to key should modify, creating it
// when absent. A key past its deadline is first deleted (observed-remove),
// so the write starts from an empty key as in Redis. The returned entry may
// be a tombstone brought back: its contexts must survive the new write.
func (x *Exec) LookupWrite(db int, key []byte) *core.Entry {
	return x.lookupWriteFor(db, key, 0)
}

// lookupWriteFor is LookupWrite for a write of a string value of room
// bytes: a new entry keeps the key and the value in one allocation.
func (x *Exec) lookupWriteFor(db int, key []byte, room int) *core.Entry {
	d := x.dbs[db]
	e := d.keys.Get(key)
	if e != nil {
		if !e.Expired(x.now) {
			e.Access = x.lru
			return e
		}
		x.Delete(db, key, e)
		x.Stats.ExpiredKeys++
	}
	e = d.tombs[string(key)]
	if e != nil {
		delete(d.tombs, string(key)) // filed under its own key (settle)
	} else {
		e = core.NewEntry(key, room, x.retain)
	}
	e.Access = x.lru
	d.keys.Put(e)
	return e
}

// dot assigns the next dot of key's partition.
func (x *Exec) dot(key []byte) (core.Dot, int) {
	p := PartitionOf(Hash(key))
	x.seqs[p]++
	return core.Dot{Replica: x.replica, Seq: x.seqs[p]}, p
}

// write prepares x.delta for a local write to key and returns the dot,
// timestamp and partition to use.
func (x *Exec) write(db int, key []byte) (core.Dot, core.Timestamp, int) {
	dot, p := x.dot(key)
	return dot, x.clock.Now(x.now), p
}

// emit hands the finished delta to the sink.
func (x *Exec) emit(db int, key []byte, p int) {
	x.delta.DB = uint32(db)
	x.delta.Key = key
	x.Stats.Deltas++
	x.sink.Append(p, &x.delta)
	if x.retain {
		x.noteInner(db, key, x.delta.Op)
	}
}

// noteInner remembers a key whose write may have left a tombstone inside
// it (see DB.inner).
func (x *Exec) noteInner(db int, key []byte, op core.Op) {
	switch op {
	case core.OpFieldDel, core.OpListRemove, core.OpDel:
		d := x.dbs[db]
		if _, ok := d.inner[string(key)]; !ok {
			d.inner[string(key)] = struct{}{}
		}
	}
}

// settle files e after a write changed it: into the expires table when it
// has a deadline, out of the live table when it shows nothing any more.
func (x *Exec) settle(db int, key []byte, e *core.Entry) {
	d := x.dbs[db]
	if !e.Live() {
		x.unlink(d, key)
		if x.retain {
			d.tombs[e.Key()] = e // the entry's own key: no copy
		}
		return
	}
	if e.Deadline() != 0 {
		if _, ok := d.expires[string(key)]; !ok {
			d.expires[string(key)] = e
		}
	} else if len(d.expires) > 0 {
		delete(d.expires, string(key))
	}
	if len(x.waiting) > 0 {
		x.wakeHead(db, key)
	}
}

func (x *Exec) unlink(d *DB, key []byte) {
	if d.keys.Delete(key) {
		delete(d.expires, string(key))
	}
}

// Delete is an observed-remove of key (DEL, UNLINK, expiry, FLUSHDB) of
// everything this region holds of it, of every type: the fields of every
// collection one by one, the list's elements, then the key's string value,
// HLL and TTL. Data of a type that lost a type conflict goes too, though it
// does not show: left behind, it would show wherever the key's type later
// changed back, in some regions and not in others (core.Entry.target).
func (x *Exec) Delete(db int, key []byte, e *core.Entry) {
	x.deleteFields(db, key, e)
	x.deleteList(db, key, e)
	dot, ts, p := x.write(db, key)
	e.Delete(&x.delta, dot, ts)
	x.emit(db, key, p)
	x.settle(db, key, e)
}

// SetExpiry sets (deadline > 0) or removes (0) the TTL of a live key.
func (x *Exec) SetExpiry(db int, key []byte, e *core.Entry, deadline int64) {
	dot, ts, p := x.write(db, key)
	e.SetExpiry(&x.delta, dot, ts, deadline)
	x.emit(db, key, p)
	x.settle(db, key, e)
}

// SetString writes a whole string value: keepTTL leaves the expiry alone,
// else deadline (0: none) replaces it. Create e with LookupWrite.
func (x *Exec) SetString(db int, key []byte, e *core.Entry, value []byte, keepTTL bool, deadline int64) {
	dot, ts, p := x.write(db, key)
	e.SetString(&x.delta, dot, ts, value, keepTTL, deadline)
	x.emit(db, key, p)
	x.settle(db, key, e)
}

// IncrBy adds by to key's integer value; e comes from LookupWrite.
func (x *Exec) IncrBy(db int, key []byte, e *core.Entry, by int64) (int64, error) {
	dot, p := x.peekDot(key)
	n, err := e.IncrBy(&x.delta, dot, x.clock.Now(x.now), by)
	if err != nil {
		x.settle(db, key, e) // a freshly created entry that failed goes away
		return 0, err
	}
	x.seqs[p] = dot.Seq
	x.emit(db, key, p)
	x.settle(db, key, e)
	return n, nil
}

// IncrByFloat adds by to key's value as a float and returns the new value
// formatted into buf.
func (x *Exec) IncrByFloat(db int, key []byte, e *core.Entry, by core.DD, buf []byte) ([]byte, error) {
	dot, p := x.peekDot(key)
	n, err := e.IncrByFloat(&x.delta, dot, x.clock.Now(x.now), by, buf)
	if err != nil {
		x.settle(db, key, e)
		return nil, err
	}
	x.seqs[p] = dot.Seq
	x.emit(db, key, p)
	x.settle(db, key, e)
	return n, nil
}

// peekDot is the dot the next write would take, without taking it, for
// writes that may fail after validating.
func (x *Exec) peekDot(key []byte) (core.Dot, int) {
	p := PartitionOf(Hash(key))
	return core.Dot{Replica: x.replica, Seq: x.seqs[p] + 1}, p
}

// Abandon undoes a LookupWrite whose write did not happen (the key was
// absent and stays absent).
func (x *Exec) Abandon(db int, key []byte, e *core.Entry) {
	if !e.Live() {
		x.settle(db, key, e)
	}
}

// Apply merges a remote delta into the keyspace (the replication layer's
// entry point). Owning shard only.
func (x *Exec) Apply(d *core.Delta) {
	db := int(d.DB)
	if db >= len(x.dbs) {
		return
	}
	x.clock.Observe(d.TS)
	dbp := x.dbs[db]
	e := dbp.keys.Get(d.Key)
	if e == nil {
		room := 0
		if d.Op == core.OpStrSet {
			room = len(d.Value)
		}
		e = x.lookupWriteFor(db, d.Key, room)
	}
	kind := e.Kind
	rep, _ := e.KindStamp()
	e.Apply(d)
	if x.retain {
		x.noteInner(db, d.Key, d.Op)
	}
	if x.onConflict != nil {
		x.noticeConflict(db, d, e, kind, rep)
	}
	x.settle(db, d.Key, e)
}

// Tombstone returns key's tombstone, if one is held (tests, digests).
func (x *Exec) Tombstone(db int, key []byte) *core.Entry { return x.dbs[db].tombs[string(key)] }

// CollectTombstones drops every tombstone whose contexts stable covers:
// stable(p) is the version vector every region has received for partition p.
func (x *Exec) CollectTombstones(stable func(partition int) core.VV) int {
	n := 0
	for db, d := range x.dbs {
		for k, e := range d.tombs {
			s := stable(PartitionOf(Hash([]byte(k))))
			if e.Stable(s) {
				delete(d.tombs, k)
				n++
				continue
			}
			// A TTL written concurrently with the delete outlives it
			// (core.Entry.Unstable): one region deletes it, everywhere.
			if rep, ok := e.OrphanExpiry(s); ok && (rep == x.replica || (x.actsFor != nil && x.actsFor(rep))) {
				x.Delete(db, []byte(k), e)
			}
		}
	}
	// Inside live keys: removed fields and list elements.
	for _, d := range x.dbs {
		for k := range d.inner {
			e := d.keys.Get([]byte(k))
			left := false
			if e == nil {
				delete(d.inner, k)
				continue
			}
			if f := e.FieldsOf(e.Kind); f != nil {
				n += f.CollectTombstones(stable(PartitionOf(Hash([]byte(k)))))
				left = f.Tombstones() > 0
			} else if l := e.List(); l != nil {
				n += l.CollectTombstones(stable(PartitionOf(Hash([]byte(k)))))
				left = l.HasTombstones()
			}
			if !left {
				delete(d.inner, k)
			}
		}
	}
	x.Stats.TombstonesFreed += uint64(n)
	return n
}
