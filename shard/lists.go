package shard

import (
	"bytes"

	"github.com/meridiandb/meridian/core"
)

// List operations (LPUSH, LPOP, LRANGE, ...). Each returns a typed result or
// Status; package net maps it to Redis's reply. Every element inserted is
// its own write (a dot and a delta), as every field of HSET is; removals
// ship the removed elements' ids, at most core.MaxListRefs per delta.
//
// Values handed out (ListIndex, ListRange, ListPop...) alias the list's
// memory: they stay valid until the next write to that key or until the
// shard is released, whichever comes first. Write the reply before Unlock,
// or copy.
//
// The blocking commands (BLPOP, BLMOVE, ...) are built on ListPop, ListMPop
// and Multi.ListMove: each either pops and returns what it popped, or
// reports NotFound, so a blocked client can be served when a push arrives.

// listRead returns the list of key for a read (counts hits and misses).
func (x *Exec) listRead(db int, key []byte) (*core.List, Status) {
	e := x.Lookup(db, key)
	if e == nil {
		return nil, NotFound
	}
	if e.Kind != core.KindList {
		return nil, WrongType
	}
	l := e.List()
	if l == nil || l.Len() == 0 {
		return nil, NotFound
	}
	return l, OK
}

// listWrite returns the live list entry of key for a write (no stats).
func (x *Exec) listWrite(db int, key []byte) (*core.Entry, Status) {
	e := x.Peek(db, key)
	if e == nil {
		return nil, NotFound
	}
	if e.Kind != core.KindList {
		return nil, WrongType
	}
	if l := e.List(); l == nil || l.Len() == 0 {
		return nil, NotFound
	}
	return e, OK
}

// normIndex turns a Redis index (negative from the end) into a position,
// ok=false when it falls outside the list.
func normIndex(i int64, n int) (int, bool) {
	if i < 0 {
		i += int64(n)
	}
	if i < 0 || i >= int64(n) {
		return 0, false
	}
	return int(i), true
}

// normRange turns LRANGE/LTRIM's start and stop into a first position and a
// count (0: empty), as Redis's addListRangeReply and ltrimCommand do.
func normRange(start, stop int64, n int) (from, count int) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= ln {
		return 0, 0
	}
	if stop >= ln {
		stop = ln - 1
	}
	return int(start), int(stop - start + 1)
}

// listInsert inserts v at position at of e's list as one write.
func (x *Exec) listInsert(db int, key []byte, e *core.Entry, at int, v []byte) {
	dot, ts, p := x.write(db, key)
	e.ListInsert(&x.delta, dot, ts, at, v)
	x.emit(db, key, p)
}

func listLen(e *core.Entry) int {
	if l := e.List(); l != nil {
		return l.Len()
	}
	return 0
}

// ListPush inserts values one by one at the head (left) or the tail and
// returns the new length (LPUSH, RPUSH). With existing (LPUSHX, RPUSHX) an
// absent key is left alone: NotFound.
func (x *Exec) ListPush(db int, key []byte, left, existing bool, values [][]byte) (int, Status) {
	e := x.Peek(db, key)
	if e != nil && e.Kind != core.KindList {
		return 0, WrongType
	}
	if e == nil {
		if existing {
			return 0, NotFound
		}
		e = x.LookupWrite(db, key)
	}
	for _, v := range values {
		at := 0
		if !left {
			at = listLen(e)
		}
		x.listInsert(db, key, e, at, v)
	}
	x.settle(db, key, e)
	return listLen(e), OK
}

// ListLen is LLEN: 0 with NotFound when the key is absent.
func (x *Exec) ListLen(db int, key []byte) (int, Status) {
	l, st := x.listRead(db, key)
	if st != OK {
		return 0, st
	}
	return l.Len(), OK
}

// ListIndex is LINDEX. NotDone when the index is out of range.
func (x *Exec) ListIndex(db int, key []byte, index int64) ([]byte, Status) {
	l, st := x.listRead(db, key)
	if st != OK {
		return nil, st
	}
	k, ok := normIndex(index, l.Len())
	if !ok {
		return nil, NotDone
	}
	return l.Index(k), OK
}

// ListRange is LRANGE: it calls n with the number of elements in range
// (unless the key is absent or of another type), then each with every one.
func (x *Exec) ListRange(db int, key []byte, start, stop int64, n func(count int), each func(v []byte)) Status {
	l, st := x.listRead(db, key)
	if st != OK {
		return st
	}
	from, count := normRange(start, stop, l.Len())
	n(count)
	l.Range(from, count, func(v []byte) bool {
		each(v)
		return true
	})
	return OK
}

// ListSet is LSET. NotFound: no such key; NotDone: index out of range.
func (x *Exec) ListSet(db int, key []byte, index int64, value []byte) Status {
	e, st := x.listWrite(db, key)
	if st != OK {
		return st
	}
	k, ok := normIndex(index, listLen(e))
	if !ok {
		return NotDone
	}
	dot, ts, p := x.write(db, key)
	e.ListSet(&x.delta, dot, ts, k, value)
	x.emit(db, key, p)
	x.settle(db, key, e)
	return OK
}

// ListInsertAt is LINSERT: value goes before (or after) the first element
// equal to pivot. It returns the new length, or -1 with NotDone when there
// is no pivot; NotFound (reply 0) when the key is absent.
func (x *Exec) ListInsertAt(db int, key []byte, after bool, pivot, value []byte) (int, Status) {
	e, st := x.listWrite(db, key)
	if st != OK {
		return 0, st
	}
	l := e.List()
	at := -1
	i := 0
	l.Range(0, l.Len(), func(v []byte) bool {
		if bytes.Equal(v, pivot) {
			at = i
			return false
		}
		i++
		return true
	})
	if at < 0 {
		return -1, NotDone
	}
	if after {
		at++
	}
	x.listInsert(db, key, e, at, value)
	x.settle(db, key, e)
	return l.Len(), OK
}

// listRemoveRange removes n elements from position at, in deltas of at
// most core.MaxListRefs, the highest positions first.
func (x *Exec) listRemoveRange(db int, key []byte, e *core.Entry, at, n int) {
	for n > 0 {
		b := min(n, core.MaxListRefs)
		dot, ts, p := x.write(db, key)
		e.ListRemove(&x.delta, dot, ts, at+n-b, b)
		x.emit(db, key, p)
		n -= b
	}
}

// listDone files e after removals: a list left empty is deleted, as in
// Redis (its TTL goes with it).
func (x *Exec) listDone(db int, key []byte, e *core.Entry) {
	if !e.Live() || e.Kind != core.KindList { // (another type's data would show: see DeleteField)
		x.Delete(db, key, e)
		return
	}
	x.settle(db, key, e)
}

// popInto reads up to count elements from one end of e's list into dst (in
// pop order) and removes them, without deleting an emptied key.
func (x *Exec) popInto(db int, key []byte, e *core.Entry, left bool, count int, dst [][]byte) [][]byte {
	l := e.List()
	n := min(count, l.Len())
	if n <= 0 {
		return dst
	}
	if left {
		l.Range(0, n, func(v []byte) bool { dst = append(dst, v); return true })
		x.listRemoveRange(db, key, e, 0, n)
	} else {
		l.RangeRev(l.Len()-1, n, func(v []byte) bool { dst = append(dst, v); return true })
		x.listRemoveRange(db, key, e, l.Len()-n, n)
	}
	return dst
}

// ListPop removes up to count elements from the head (left) or the tail and
// appends them to dst in pop order (LPOP, RPOP; and the blocking pops once
// woken). The values alias the list's memory (see the top of this file). A
// list left empty is deleted.
func (x *Exec) ListPop(db int, key []byte, left bool, count int, dst [][]byte) ([][]byte, Status) {
	e, st := x.listWrite(db, key)
	if st != OK {
		return dst, st
	}
	dst = x.popInto(db, key, e, left, count, dst)
	x.listDone(db, key, e)
	return dst, OK
}

// ListRem is LREM: removes up to |count| elements equal to value (all when
// count is 0), from the head when count ≥ 0, from the tail when negative,
// and returns how many went.
func (x *Exec) ListRem(db int, key []byte, count int64, value []byte) (int, Status) {
	e, st := x.listWrite(db, key)
	if st != OK {
		return 0, st
	}
	l := e.List()
	var stack [32]int
	idx := stack[:0]
	limit := count
	if limit < 0 {
		limit = -limit
	}
	if count >= 0 {
		i := 0
		l.Range(0, l.Len(), func(v []byte) bool {
			if bytes.Equal(v, value) {
				idx = append(idx, i)
			}
			i++
			return limit == 0 || int64(len(idx)) < limit
		})
	} else {
		i := l.Len() - 1
		l.RangeRev(i, l.Len(), func(v []byte) bool {
			if bytes.Equal(v, value) {
				idx = append(idx, i)
			}
			i--
			return int64(len(idx)) < limit
		})
		for a, b := 0, len(idx)-1; a < b; a, b = a+1, b-1 {
			idx[a], idx[b] = idx[b], idx[a]
		}
	}
	n := len(idx)
	// Highest positions first, so the lower ones stay where they are.
	for rest := idx; len(rest) > 0; {
		b := min(len(rest), core.MaxListRefs)
		dot, ts, p := x.write(db, key)
		e.ListRemoveAt(&x.delta, dot, ts, rest[len(rest)-b:])
		x.emit(db, key, p)
		rest = rest[:len(rest)-b]
	}
	if n > 0 {
		x.listDone(db, key, e)
	}
	return n, OK
}

// ListTrim is LTRIM: keeps the elements from start to stop. Trimming
// everything deletes the key. An absent key is NotFound (reply OK).
func (x *Exec) ListTrim(db int, key []byte, start, stop int64) Status {
	e, st := x.listWrite(db, key)
	if st != OK {
		return st
	}
	n := listLen(e)
	from, count := normRange(start, stop, n)
	if count == 0 {
		// Everything goes: one observed-remove, as DEL.
		x.deleteList(db, key, e)
		x.Delete(db, key, e)
		return OK
	}
	x.listRemoveRange(db, key, e, from+count, n-from-count)
	x.listRemoveRange(db, key, e, 0, from)
	x.listDone(db, key, e)
	return OK
}

// PosOptions are LPOS's options: Rank (not 0; negative searches from the
// tail), Count (-1: not given, 0: all) and MaxLen (0: no limit).
type PosOptions struct {
	Rank, Count, MaxLen int64
}

// ListPos is LPOS: it appends the positions of matching elements to dst.
func (x *Exec) ListPos(db int, key, value []byte, o PosOptions, dst []int64) ([]int64, Status) {
	l, st := x.listRead(db, key)
	if st != OK {
		return dst, st
	}
	n := l.Len()
	rank, fromTail := o.Rank, false
	if rank < 0 {
		rank, fromTail = -rank, true
	}
	want := o.Count
	if want < 0 {
		want = 1
	}
	var scanned, matches int64
	fn := func(v []byte) bool {
		if o.MaxLen != 0 && scanned >= o.MaxLen {
			return false
		}
		p := scanned
		if fromTail {
			p = int64(n) - 1 - scanned
		}
		scanned++
		if bytes.Equal(v, value) {
			matches++
			if matches >= rank {
				dst = append(dst, p)
				if want != 0 && matches-rank+1 >= want {
					return false
				}
			}
		}
		return true
	}
	if fromTail {
		l.RangeRev(n-1, n, fn)
	} else {
		l.Range(0, n, fn)
	}
	return dst, OK
}

// ListMove pops one element from src (the head when fromLeft) and pushes
// it onto dst (the head when toLeft), atomically (LMOVE, RPOPLPUSH, and
// BLMOVE once woken). The value is copied into buf and returned. Status:
// NotFound when src is absent, WrongType when src or an existing dst is not
// a list (nothing is popped then). src and dst may be the same key.
func (m Multi) ListMove(db int, src, dst []byte, fromLeft, toLeft bool, buf []byte) ([]byte, Status) {
	xs := m.For(src)
	e, st := xs.listWrite(db, src)
	if st != OK {
		return nil, st
	}
	xd := m.For(dst)
	if de := xd.Peek(db, dst); de != nil && de.Kind != core.KindList {
		return nil, WrongType
	}
	var one [1][]byte
	got := xs.popInto(db, src, e, fromLeft, 1, one[:0])
	v := append(buf[:0], got[0]...) // the push may reuse the popped bytes' memory
	de := xd.LookupWrite(db, dst)
	at := 0
	if !toLeft {
		at = listLen(de)
	}
	xd.listInsert(db, dst, de, at, v)
	xd.settle(db, dst, de)
	if de != e {
		xs.listDone(db, src, e)
	}
	return v, OK
}

// ListMPop is LMPOP: it pops up to count elements from the first non-empty
// list among keys and returns that key's index (-1 with NotFound when all
// are absent). A key of another type met before a list stops the search
// with WrongType, as in Redis.
func (m Multi) ListMPop(db int, keys [][]byte, left bool, count int, dst [][]byte) (int, [][]byte, Status) {
	for i, k := range keys {
		x := m.For(k)
		e := x.Peek(db, k)
		if e == nil {
			continue
		}
		if e.Kind != core.KindList {
			return -1, dst, WrongType
		}
		if listLen(e) == 0 {
			continue
		}
		dst = x.popInto(db, k, e, left, count, dst)
		x.listDone(db, k, e)
		return i, dst, OK
	}
	return -1, dst, NotFound
}

// deleteList is the list part of a key delete (DEL, UNLINK, expiry,
// FLUSHDB, RENAME's source, LTRIM to nothing): one observed-remove of every
// element this region has received, as a version vector, whether the key
// shows the list or holds it invisible after a type conflict (as
// deleteFields). Delete must run it before the key-level delete, as it
// runs deleteFields.
func (x *Exec) deleteList(db int, key []byte, e *core.Entry) {
	if e.Kind != core.KindList && !e.HasDormant() {
		return
	}
	if l := e.ListData(); l == nil || l.Len() == 0 {
		return
	}
	dot, ts, p := x.write(db, key)
	e.ListClear(&x.delta, dot, ts)
	x.emit(db, key, p)
}

// writeListFrom writes key (entry e, from LookupWrite) as a copy of the
// list src: the destination half of RENAME and COPY for lists (WriteFrom's
// list case). A live destination is deleted first, then every element is
// pushed in order, then src's deadline is set.
func (x *Exec) writeListFrom(db int, key []byte, e, src *core.Entry) {
	if e == src {
		return
	}
	if e.Live() {
		x.deleteList(db, key, e)
		x.Delete(db, key, e)
		e = x.LookupWrite(db, key)
	}
	l := src.List()
	if l == nil || l.Len() == 0 {
		x.Abandon(db, key, e)
		return
	}
	l.Range(0, l.Len(), func(v []byte) bool {
		x.listInsert(db, key, e, listLen(e), v)
		return true
	})
	if dl := src.Deadline(); dl != 0 {
		x.SetExpiry(db, key, e, dl)
		return
	}
	x.settle(db, key, e)
}
