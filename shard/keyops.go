package shard

import (
	"math/rand/v2"

	"github.com/meridiandb/meridian/core"
)

// Operations of the generic keyspace family (DEL, EXISTS, TYPE, RENAME,
// COPY, EXPIRE, TTL, PERSIST, RANDOMKEY, DBSIZE, FLUSHDB, SWAPDB). Each
// returns a typed result or Status; package net maps it to Redis's reply.
//
// Single-key operations are methods of *Exec (owning shard only). Those that
// touch several keys or every shard are methods of Multi, so the caller has
// to hold every shard involved, which is what makes them atomic: lock with
// Store.LockKeys for the keys named, or Store.LockAll for whole-database
// operations.

// LookupNoTouch is a read that counts as a keyspace hit or miss but leaves
// the key's access time alone, as Redis's LOOKUP_NOTOUCH reads do (TYPE,
// EXISTS, TTL): asking about a key is not using it, so OBJECT IDLETIME and
// LRU eviction must not see it as recent.
func (x *Exec) LookupNoTouch(db int, key []byte) *core.Entry {
	e := x.Peek(db, key)
	if e == nil {
		x.Stats.Misses++
		return nil
	}
	x.Stats.Hits++
	return e
}

// DeleteKey deletes key (observed-remove) and reports whether it was live
// (DEL, UNLINK). Like Redis's write lookups it counts no hit or miss.
func (x *Exec) DeleteKey(db int, key []byte) bool {
	e := x.Peek(db, key)
	if e == nil {
		return false
	}
	x.Delete(db, key, e)
	return true
}

// Exists reports whether key is live (EXISTS).
func (x *Exec) Exists(db int, key []byte) bool { return x.LookupNoTouch(db, key) != nil }

// Touch reports whether key is live and marks it as just used (TOUCH).
func (x *Exec) Touch(db int, key []byte) bool { return x.Lookup(db, key) != nil }

// KindOf is the type key holds, core.KindNone when it is absent (TYPE).
func (x *Exec) KindOf(db int, key []byte) core.Kind {
	if e := x.LookupNoTouch(db, key); e != nil {
		return e.Kind
	}
	return core.KindNone
}

// Expiry returns key's deadline in Unix ms, 0 when it has none; NotFound
// when the key is absent (TTL, PTTL, EXPIRETIME, PEXPIRETIME).
func (x *Exec) Expiry(db int, key []byte) (int64, Status) {
	e := x.LookupNoTouch(db, key)
	if e == nil {
		return 0, NotFound
	}
	return e.Deadline(), OK
}

// ExpireCond holds EXPIRE's conditions. The parser refuses the combinations
// Redis refuses (NX with anything, GT with LT); XX may join GT or LT.
type ExpireCond struct {
	NX bool // only when the key has no TTL
	XX bool // only when the key has a TTL
	GT bool // only when the new deadline is later (no TTL counts as infinite)
	LT bool // only when the new deadline is earlier (no TTL counts as infinite)
}

// Expire gives key the absolute deadline when (Unix ms) if cond holds
// (EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT). Status: NotFound when the key is
// absent, NotDone when cond refused, OK when done. A deadline at or before
// now deletes the key at once, as Redis does (checkAlreadyExpired), and the
// delete is what replicates; otherwise the absolute deadline replicates.
func (x *Exec) Expire(db int, key []byte, when int64, cond ExpireCond) Status {
	e := x.Peek(db, key)
	if e == nil {
		return NotFound
	}
	cur := e.Deadline() // 0: no TTL, compared as infinite
	if cond.NX && cur != 0 {
		return NotDone
	}
	if cond.XX && cur == 0 {
		return NotDone
	}
	if cond.GT && (cur == 0 || when <= cur) {
		return NotDone
	}
	if cond.LT && cur != 0 && when >= cur {
		return NotDone
	}
	if when <= x.now {
		x.Delete(db, key, e)
		return OK
	}
	x.SetExpiry(db, key, e, when)
	return OK
}

// Persist removes key's TTL and reports whether it had one (PERSIST). The
// removal replicates as an expiry write of "none", which SEMANTICS.md
// section 7 makes win over any concurrent finite TTL.
func (x *Exec) Persist(db int, key []byte) bool {
	e := x.Peek(db, key)
	if e == nil || e.Deadline() == 0 {
		return false
	}
	x.SetExpiry(db, key, e, 0)
	return true
}

// WriteFrom writes key in db as a copy of src's visible state: the
// destination half of RENAME and COPY (SEMANTICS.md section 8: "a write of
// the destination"). src must be live; it may belong to another held shard
// or another database, and it is only read.
//
// The copy is made of ordinary local writes, so it replicates as deltas
// like any other write and carries none of src's causal history: for a
// string, one whole-value write of the visible value (base plus unobserved
// increments) with src's deadline replacing key's TTL, i.e. SET key v PXAT d.
// That write observes whatever key held, so the previous value and its
// increments are replaced as a SET would replace them. A destination of
// another type is first deleted (observed-remove), as Redis deletes the
// destination before adding the copy.
func (x *Exec) WriteFrom(db int, key []byte, src *core.Entry) {
	dl := src.Deadline()
	e := x.LookupWrite(db, key)
	if e == src {
		return // same key in the same database: nothing to copy
	}
	if e.Live() && (e.Kind != src.Kind || src.Kind.HasFields()) {
		x.Delete(db, key, e) // the destination is replaced whole
		e = x.LookupWrite(db, key)
	}
	switch {
	case src.Kind.HasFields() && src.Fields != nil && src.Fields.Len() > 0:
		src.Fields.Each(func(name string, r *core.Register) bool {
			v, _ := r.Value(x.scratch[:0])
			if src.Kind == core.KindZSet {
				// The score as the index holds it (rounded once), so a
				// copy orders exactly like its source.
				v = core.AppendScore(x.scratch[:0], core.ScoreOf(r))
			}
			x.SetField(db, key, e, src.Kind, []byte(name), v)
			return true
		})
		if dl != 0 {
			x.SetExpiry(db, key, e, dl)
		}
	case src.Kind == core.KindList:
		x.writeListFrom(db, key, e, src)
	case src.Kind == core.KindHLL:
		x.writeFromHLL(db, key, e, src)
	case src.Kind == core.KindString:
		// The value aliases src's storage or this shard's scratch; the
		// write copies it before either can change.
		v, ok := src.Value(x.scratch[:0])
		if !ok {
			x.Abandon(db, key, e)
			return
		}
		x.SetString(db, key, e, v, false, dl)
	default:
		x.Abandon(db, key, e)
	}
}

// Rename moves src to dst in db (RENAME; RENAMENX with nx). Status:
// NotFound when src is absent, NotDone when nx and dst exists (or src and
// dst are the same key), OK when done. Renaming a key to itself is OK
// without any write, as in Redis. The move is a write of dst (WriteFrom)
// then an observed delete of src (SEMANTICS.md section 8), atomic because
// the caller holds both keys' shards.
func (m Multi) Rename(db int, src, dst []byte, nx bool) Status {
	xs := m.For(src)
	e := xs.Peek(db, src)
	if e == nil {
		return NotFound
	}
	if string(src) == string(dst) {
		if nx {
			return NotDone
		}
		return OK
	}
	xd := m.For(dst)
	if nx && xd.Peek(db, dst) != nil {
		return NotDone
	}
	xd.WriteFrom(db, dst, e)
	xs.Delete(db, src, e)
	return OK
}

// Copy writes dst in dstDB as a copy of src in srcDB (COPY). Status:
// NotFound when src is absent, NotDone when dst exists and replace is not
// set, OK when done. The caller refuses src == dst in one database.
func (m Multi) Copy(srcDB int, src []byte, dstDB int, dst []byte, replace bool) Status {
	e := m.For(src).Lookup(srcDB, src)
	if e == nil {
		return NotFound
	}
	xd := m.For(dst)
	if !replace && xd.Peek(dstDB, dst) != nil {
		return NotDone
	}
	xd.WriteFrom(dstDB, dst, e)
	return OK
}

// Del deletes keys and returns how many were live (DEL, UNLINK); a key
// named twice counts once.
func (m Multi) Del(db int, keys [][]byte) int {
	n := 0
	for _, k := range keys {
		if m.For(k).DeleteKey(db, k) {
			n++
		}
	}
	return n
}

// Exists counts the live keys among keys; a key named twice counts twice,
// as in Redis (EXISTS).
func (m Multi) Exists(db int, keys [][]byte) int {
	n := 0
	for _, k := range keys {
		if m.For(k).Exists(db, k) {
			n++
		}
	}
	return n
}

// Touch counts the live keys among keys and marks them used (TOUCH).
func (m Multi) Touch(db int, keys [][]byte) int {
	n := 0
	for _, k := range keys {
		if m.For(k).Touch(db, k) {
			n++
		}
	}
	return n
}

// Len is the number of keys of db in the held shards (DBSIZE with LockAll).
// Like Redis's DBSIZE it counts keys past their deadline that nothing has
// deleted yet.
func (m Multi) Len(db int) int {
	n := 0
	m.Each(func(x *Exec) { n += x.Len(db) })
	return n
}

// Flush deletes every key of db in the held shards and returns how many
// there were (FLUSHDB, and FLUSHALL per database, with LockAll). Each key
// goes as its own observed-remove (SEMANTICS.md section 8), so writes
// concurrent with the flush survive it in every region.
func (m Multi) Flush(db int) int {
	n := 0
	m.Each(func(x *Exec) { n += x.Flush(db) })
	return n
}

// SwapDB exchanges databases a and b in every held shard (SWAPDB, with
// LockAll so no command sees one shard swapped and another not).
func (m Multi) SwapDB(a, b int) {
	m.Each(func(x *Exec) { x.SwapDB(a, b) })
}

// RandomKey returns a random live key of db ("", false when there is none)
// (RANDOMKEY, with LockAll). A shard is drawn with probability proportional
// to its key count, then a key inside it, so every key is about equally
// likely whatever the shard sizes. Keys found past their deadline are
// expired on the way (as Redis's dbRandomKey does), so the loop ends: each
// failed draw removes keys or finds the shard empty.
func (m Multi) RandomKey(db int) (string, bool) {
	var xs []*Exec
	m.Each(func(x *Exec) { xs = append(xs, x) })
	for tries := 0; tries < 100; tries++ {
		total := 0
		for _, x := range xs {
			total += x.Len(db)
		}
		if total == 0 {
			return "", false
		}
		r := rand.IntN(total)
		for _, x := range xs {
			if n := x.Len(db); r >= n {
				r -= n
				continue
			}
			if k, ok := x.RandomKey(db); ok {
				return k, true
			}
			break
		}
	}
	return "", false
}
