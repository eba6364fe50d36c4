package shard

import (
	"errors"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// Test helpers of this package's tests carry the fx prefix (fixture) so
// they cannot collide with other test files of package shard.

// fxNow is the frozen "now" of most tests (Unix ms).
const fxNow = int64(1_700_000_000_000)

// fxOtherKind stands for a non-string type until other families exist:
// tests stamp it on an entry to see the WrongType paths.
const fxOtherKind = core.Kind(200)

// fxStore builds a Store whose background expiry is stopped: tests drive
// time themselves through the "now" they lock with.
func fxStore(t testing.TB, cfg Config) *Store {
	t.Helper()
	s := New(cfg)
	s.Close()
	return s
}

// fxDo runs fn holding key's shard with now frozen.
func fxDo(s *Store, key string, now int64, fn func(x *Exec)) {
	sh := s.ShardFor([]byte(key))
	x := sh.Lock(now)
	defer sh.Unlock()
	fn(x)
}

// fxGet reads a string key, copying the value before the shard is released.
func fxGet(s *Store, key string, now int64) (string, Status) {
	var v string
	var st Status
	fxDo(s, key, now, func(x *Exec) {
		b, status := x.GetString(0, []byte(key))
		v, st = string(b), status
	})
	return v, st
}

func fxSet(s *Store, key, value string, o SetOptions, now int64) SetResult {
	var r SetResult
	fxDo(s, key, now, func(x *Exec) { r = x.Set(0, []byte(key), []byte(value), o, nil) })
	return r
}

func fxIncr(s *Store, key string, by int64, now int64) (int64, Status, error) {
	var n int64
	var st Status
	var err error
	fxDo(s, key, now, func(x *Exec) { n, st, err = x.Incr(0, []byte(key), by) })
	return n, st, err
}

// fxDeadline is key's deadline (0: none) and whether it is live.
func fxDeadline(s *Store, key string, now int64) (int64, bool) {
	var dl int64
	var ok bool
	fxDo(s, key, now, func(x *Exec) {
		if e := x.Peek(0, []byte(key)); e != nil {
			dl, ok = e.Deadline(), true
		}
	})
	return dl, ok
}

// fxDD parses a float argument as the server does.
func fxDD(s string) core.DD {
	d, ok := core.ParseDD([]byte(s))
	if !ok {
		panic("BUG: bad float literal " + s)
	}
	return d
}

// fxStats is the summed Stats of every shard.
func fxStats(s *Store) Stats { return s.SnapshotStats() }

// fxWant checks a string key's value (or absence, with want "(nil)").
func fxWant(t *testing.T, s *Store, key, want string, now int64) {
	t.Helper()
	v, st := fxGet(s, key, now)
	switch {
	case want == "(nil)" && st != NotFound:
		t.Fatalf("GET %s = %q (status %d), want absent", key, v, st)
	case want != "(nil)" && (st != OK || v != want):
		t.Fatalf("GET %s = %q (status %d), want %q", key, v, st, want)
	}
}

// fxMakeOtherKind turns an existing key into a non-string.
func fxMakeOtherKind(t *testing.T, s *Store, key string) {
	t.Helper()
	fxDo(s, key, fxNow, func(x *Exec) {
		e := x.Lookup(0, []byte(key))
		if e == nil {
			t.Fatalf("no key %s", key)
		}
		e.Kind = fxOtherKind
	})
}

func TestStrings_SetAndGet(t *testing.T) {
	s := fxStore(t, Config{Shards: 2})
	if r := fxSet(s, "k", "v", SetOptions{}, fxNow); r.Status != OK || r.HadOld {
		t.Fatalf("SET = %+v", r)
	}
	fxWant(t, s, "k", "v", fxNow)
	fxSet(s, "k", "w", SetOptions{}, fxNow)
	fxWant(t, s, "k", "w", fxNow)
	fxWant(t, s, "missing", "(nil)", fxNow)
	if st := fxStats(s); st.Deltas != 2 {
		t.Fatalf("%d deltas for two SETs", st.Deltas)
	}
}

func TestStrings_SetNX(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	if r := fxSet(s, "k", "v1", SetOptions{NX: true}, fxNow); r.Status != OK {
		t.Fatalf("SET NX on absent = %+v", r)
	}
	before := fxStats(s).Deltas
	if r := fxSet(s, "k", "v2", SetOptions{NX: true}, fxNow); r.Status != NotDone {
		t.Fatalf("SET NX on present = %+v", r)
	}
	fxWant(t, s, "k", "v1", fxNow)
	if fxStats(s).Deltas != before {
		t.Fatalf("a refused SET NX shipped a delta")
	}
	// An expired key is absent for NX.
	fxSet(s, "e", "old", SetOptions{Deadline: fxNow + 10}, fxNow)
	if r := fxSet(s, "e", "new", SetOptions{NX: true}, fxNow+11); r.Status != OK {
		t.Fatalf("SET NX on an expired key = %+v", r)
	}
	fxWant(t, s, "e", "new", fxNow+1_000_000)
}

func TestStrings_SetXX(t *testing.T) {
	s := fxStore(t, Config{Shards: 1, RetainTombstones: true})
	if r := fxSet(s, "k", "v", SetOptions{XX: true}, fxNow); r.Status != NotDone {
		t.Fatalf("SET XX on absent = %+v", r)
	}
	fxWant(t, s, "k", "(nil)", fxNow)
	fxDo(s, "k", fxNow, func(x *Exec) {
		if x.Len(0) != 0 || x.Tombstones() != 0 {
			t.Fatalf("a refused SET XX left %d keys, %d tombstones", x.Len(0), x.Tombstones())
		}
	})
	if fxStats(s).Deltas != 0 {
		t.Fatalf("a refused SET XX shipped a delta")
	}
	fxSet(s, "k", "v", SetOptions{}, fxNow)
	if r := fxSet(s, "k", "w", SetOptions{XX: true}, fxNow); r.Status != OK {
		t.Fatalf("SET XX on present = %+v", r)
	}
	fxWant(t, s, "k", "w", fxNow)
}

func TestStrings_SetGet(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	buf := make([]byte, 0, 16)
	var r SetResult
	fxDo(s, "k", fxNow, func(x *Exec) { r = x.Set(0, []byte("k"), []byte("v1"), SetOptions{Get: true}, buf) })
	if r.Status != OK || r.HadOld {
		t.Fatalf("SET GET on absent = %+v", r)
	}
	fxDo(s, "k", fxNow, func(x *Exec) { r = x.Set(0, []byte("k"), []byte("v2"), SetOptions{Get: true}, buf) })
	if r.Status != OK || !r.HadOld || string(r.Old) != "v1" {
		t.Fatalf("SET GET on present = %+v", r)
	}
	old := r.Old
	fxSet(s, "k", "XX", SetOptions{}, fxNow)
	if string(old) != "v1" {
		t.Fatalf("the old value aliases shard memory: now %q", old)
	}
	// NX GET on a present key: not set, old value returned (Redis 7).
	fxDo(s, "k", fxNow, func(x *Exec) { r = x.Set(0, []byte("k"), []byte("v3"), SetOptions{NX: true, Get: true}, nil) })
	if r.Status != NotDone || !r.HadOld || string(r.Old) != "XX" {
		t.Fatalf("SET NX GET on present = %+v", r)
	}
	fxWant(t, s, "k", "XX", fxNow)
	// The old value of a counter is its formatted number.
	fxIncr(s, "c", 41, fxNow)
	fxIncr(s, "c", 1, fxNow)
	fxDo(s, "c", fxNow, func(x *Exec) { r = x.Set(0, []byte("c"), []byte("x"), SetOptions{Get: true}, nil) })
	if string(r.Old) != "42" {
		t.Fatalf("SET GET on a counter: old = %q", r.Old)
	}
	// GET on another type fails and writes nothing.
	fxMakeOtherKind(t, s, "k")
	fxDo(s, "k", fxNow, func(x *Exec) { r = x.Set(0, []byte("k"), []byte("v4"), SetOptions{Get: true}, nil) })
	if r.Status != WrongType {
		t.Fatalf("SET GET on another type = %+v", r)
	}
}

func TestStrings_SetKeepTTLAndDeadlines(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	dl := fxNow + 1000
	fxSet(s, "k", "v", SetOptions{Deadline: dl}, fxNow)
	if got, _ := fxDeadline(s, "k", fxNow); got != dl {
		t.Fatalf("deadline = %d, want %d", got, dl)
	}
	fxSet(s, "k", "v2", SetOptions{KeepTTL: true}, fxNow)
	if got, _ := fxDeadline(s, "k", fxNow); got != dl {
		t.Fatalf("KEEPTTL: deadline = %d, want %d", got, dl)
	}
	fxWant(t, s, "k", "v2", fxNow)
	fxDo(s, "k", fxNow, func(x *Exec) {
		if x.ExpiresLen(0) != 1 {
			t.Fatalf("expires table holds %d keys", x.ExpiresLen(0))
		}
	})
	// Alive at the deadline millisecond, gone after (Redis: now > when).
	fxWant(t, s, "k", "v2", dl)
	fxWant(t, s, "k", "(nil)", dl+1)
	fxDo(s, "k", dl+1, func(x *Exec) {
		if x.Len(0) != 0 || x.ExpiresLen(0) != 0 {
			t.Fatalf("an expired key read lazily stays: %d keys, %d expires", x.Len(0), x.ExpiresLen(0))
		}
	})
	if st := fxStats(s); st.ExpiredKeys != 1 {
		t.Fatalf("ExpiredKeys = %d", st.ExpiredKeys)
	}
	// A SET without KEEPTTL drops the TTL and leaves the expires table.
	fxSet(s, "k", "v", SetOptions{Deadline: dl + 5000}, dl+1)
	fxSet(s, "k", "v3", SetOptions{}, dl+1)
	if got, ok := fxDeadline(s, "k", dl+1); !ok || got != 0 {
		t.Fatalf("SET without KEEPTTL: deadline = %d (live %v)", got, ok)
	}
	fxDo(s, "k", fxNow, func(x *Exec) {
		if x.ExpiresLen(0) != 0 {
			t.Fatalf("expires table still holds %d keys", x.ExpiresLen(0))
		}
	})
}

func TestStrings_SetExpired(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	fxSet(s, "k", "old", SetOptions{}, fxNow)
	before := fxStats(s).Deltas
	var r SetResult
	fxDo(s, "k", fxNow, func(x *Exec) {
		r = x.Set(0, []byte("k"), []byte("new"), SetOptions{Get: true, Deadline: fxNow - 1, Expired: true}, nil)
	})
	if r.Status != OK || string(r.Old) != "old" {
		t.Fatalf("SET ... PXAT <past> GET = %+v", r)
	}
	fxWant(t, s, "k", "(nil)", fxNow)
	if d := fxStats(s).Deltas - before; d != 2 {
		t.Fatalf("SET with a past deadline shipped %d deltas, want a SET and a DEL", d)
	}
}

func TestStrings_Incr(t *testing.T) {
	s := fxStore(t, Config{Shards: 2})
	if n, st, err := fxIncr(s, "c", 5, fxNow); n != 5 || st != OK || err != nil {
		t.Fatalf("INCRBY on absent = %d %d %v", n, st, err)
	}
	if n, _, _ := fxIncr(s, "c", -7, fxNow); n != -2 {
		t.Fatalf("DECRBY = %d", n)
	}
	fxWant(t, s, "c", "-2", fxNow)

	fxSet(s, "s", "abc", SetOptions{}, fxNow)
	before := fxStats(s).Deltas
	if _, st, err := fxIncr(s, "s", 1, fxNow); st != OK || !errors.Is(err, core.ErrNotInteger) {
		t.Fatalf("INCR on abc = %d %v", st, err)
	}
	fxWant(t, s, "s", "abc", fxNow)

	fxSet(s, "max", strconv.FormatInt(math.MaxInt64, 10), SetOptions{}, fxNow)
	before = fxStats(s).Deltas
	if _, _, err := fxIncr(s, "max", 1, fxNow); !errors.Is(err, core.ErrOverflow) {
		t.Fatalf("INCR past MaxInt64: %v", err)
	}
	if fxStats(s).Deltas != before {
		t.Fatalf("a failed INCR shipped a delta")
	}
	fxSet(s, "min", strconv.FormatInt(math.MinInt64, 10), SetOptions{}, fxNow)
	if _, _, err := fxIncr(s, "min", -1, fxNow); !errors.Is(err, core.ErrOverflow) {
		t.Fatalf("DECR past MinInt64: %v", err)
	}

	// A failed write does not consume a sequence: the next dot follows on.
	var seqBefore, seqAfter uint64
	p := PartitionOf(Hash([]byte("max")))
	fxDo(s, "max", fxNow, func(x *Exec) { seqBefore = x.seqs[p] })
	fxIncr(s, "max", 1, fxNow)
	fxDo(s, "max", fxNow, func(x *Exec) { seqAfter = x.seqs[p] })
	if seqAfter != seqBefore {
		t.Fatalf("a failed INCR took sequence %d -> %d", seqBefore, seqAfter)
	}

	fxMakeOtherKind(t, s, "c")
	if _, st, _ := fxIncr(s, "c", 1, fxNow); st != WrongType {
		t.Fatalf("INCR on another type: status %d", st)
	}
}

func TestStrings_IncrFloat(t *testing.T) {
	for _, retain := range []bool{false, true} {
		s := fxStore(t, Config{Shards: 1, RetainTombstones: retain})
		fxSet(s, "f", "10.50", SetOptions{}, fxNow)
		var out []byte
		var st Status
		var err error
		fxDo(s, "f", fxNow, func(x *Exec) {
			out, st, err = x.IncrFloat(0, []byte("f"), fxDD("0.1"), nil)
			out = append([]byte(nil), out...)
		})
		if string(out) != "10.6" || st != OK || err != nil {
			t.Fatalf("INCRBYFLOAT = %q %d %v", out, st, err)
		}
		fxWant(t, s, "f", "10.6", fxNow)
		fxSet(s, "s", "abc", SetOptions{}, fxNow)
		fxDo(s, "s", fxNow, func(x *Exec) { _, _, err = x.IncrFloat(0, []byte("s"), fxDD("1"), nil) })
		if !errors.Is(err, core.ErrNotFloat) {
			t.Fatalf("INCRBYFLOAT on abc: %v", err)
		}
		// A failing INCRBYFLOAT on an absent key leaves it absent.
		fxDo(s, "nan", fxNow, func(x *Exec) { _, _, err = x.IncrFloat(0, []byte("nan"), core.DD{Hi: math.Inf(1)}, nil) })
		if !errors.Is(err, core.ErrNaN) {
			t.Fatalf("INCRBYFLOAT +inf: %v", err)
		}
		fxWant(t, s, "nan", "(nil)", fxNow)
		fxDo(s, "nan", fxNow, func(x *Exec) {
			if x.Len(0) != 2 {
				t.Fatalf("retain=%v: %d keys, want f and s", retain, x.Len(0))
			}
			items, _ := x.ScanFrom(nil, 0, 0, 100)
			if len(items) != 2 {
				t.Fatalf("retain=%v: SCAN sees %v", retain, items)
			}
		})
	}
}

func TestStrings_GetEx(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	get := func(key string, ch ExpiryChange, now int64) (string, Status) {
		var v []byte
		var st Status
		fxDo(s, key, now, func(x *Exec) { v, st = x.GetEx(0, []byte(key), ch, nil) })
		return string(v), st
	}
	if _, st := get("missing", ExpiryChange{}, fxNow); st != NotFound {
		t.Fatalf("GETEX on absent: %d", st)
	}
	fxSet(s, "k", "v", SetOptions{}, fxNow)
	before := fxStats(s).Deltas
	if v, st := get("k", ExpiryChange{}, fxNow); v != "v" || st != OK {
		t.Fatalf("GETEX = %q %d", v, st)
	}
	if v, _ := get("k", ExpiryChange{Set: true, Deadline: 0}, fxNow); v != "v" {
		t.Fatalf("GETEX PERSIST = %q", v)
	}
	if fxStats(s).Deltas != before {
		t.Fatalf("GETEX without change, or PERSIST of a key without TTL, shipped a delta")
	}
	get("k", ExpiryChange{Set: true, Deadline: fxNow + 500}, fxNow)
	if dl, _ := fxDeadline(s, "k", fxNow); dl != fxNow+500 {
		t.Fatalf("GETEX PXAT: deadline %d", dl)
	}
	get("k", ExpiryChange{Set: true, Deadline: 0}, fxNow)
	if dl, _ := fxDeadline(s, "k", fxNow); dl != 0 {
		t.Fatalf("GETEX PERSIST: deadline %d", dl)
	}
	fxDo(s, "k", fxNow, func(x *Exec) {
		if x.ExpiresLen(0) != 0 {
			t.Fatalf("PERSIST left the key in the expires table")
		}
	})
	if v, st := get("k", ExpiryChange{Set: true, Deadline: fxNow - 1, Expired: true}, fxNow); v != "v" || st != OK {
		t.Fatalf("GETEX with a past deadline = %q %d", v, st)
	}
	fxWant(t, s, "k", "(nil)", fxNow)
	fxSet(s, "o", "v", SetOptions{}, fxNow)
	fxMakeOtherKind(t, s, "o")
	if _, st := get("o", ExpiryChange{}, fxNow); st != WrongType {
		t.Fatalf("GETEX on another type: %d", st)
	}
}

// appendFn is APPEND as a Modify callback.
func appendFn(suffix string) func(cur []byte, exists bool, buf []byte) ([]byte, bool) {
	return func(cur []byte, exists bool, buf []byte) ([]byte, bool) {
		return append(append(buf, cur...), suffix...), true
	}
}

func TestStrings_Modify(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	modify := func(key string, fn func(cur []byte, exists bool, buf []byte) ([]byte, bool)) Status {
		var st Status
		fxDo(s, key, fxNow, func(x *Exec) { st = x.Modify(0, []byte(key), fn) })
		return st
	}
	var sawExists bool
	st := modify("k", func(cur []byte, exists bool, buf []byte) ([]byte, bool) {
		sawExists = exists || cur != nil
		return append(buf, "abc"...), true
	})
	if st != OK || sawExists {
		t.Fatalf("Modify on absent: %d, saw a value: %v", st, sawExists)
	}
	fxWant(t, s, "k", "abc", fxNow)
	fxDo(s, "k", fxNow, func(x *Exec) { x.SetExpiry(0, []byte("k"), x.Lookup(0, []byte("k")), fxNow+9000) })
	for i := 0; i < 3; i++ {
		if st := modify("k", appendFn("de")); st != OK {
			t.Fatalf("APPEND: %d", st)
		}
	}
	fxWant(t, s, "k", "abcdedede", fxNow)
	if dl, _ := fxDeadline(s, "k", fxNow); dl != fxNow+9000 {
		t.Fatalf("Modify dropped the TTL: %d", dl)
	}
	before := fxStats(s).Deltas
	if st := modify("k", func(cur []byte, exists bool, buf []byte) ([]byte, bool) { return nil, false }); st != NotDone {
		t.Fatalf("Modify declined: %d", st)
	}
	if fxStats(s).Deltas != before {
		t.Fatalf("a declined Modify shipped a delta")
	}
	fxWant(t, s, "k", "abcdedede", fxNow)
	// A counter's current value is its formatted number.
	fxIncr(s, "c", 42, fxNow)
	modify("c", appendFn("!"))
	fxWant(t, s, "c", "42!", fxNow)
	fxMakeOtherKind(t, s, "k")
	if st := modify("k", appendFn("x")); st != WrongType {
		t.Fatalf("Modify on another type: %d", st)
	}
}

func TestStrings_GetDel(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	fxSet(s, "k", "v", SetOptions{}, fxNow)
	var v []byte
	var st Status
	fxDo(s, "k", fxNow, func(x *Exec) { v, st = x.GetDel(0, []byte("k"), nil) })
	if string(v) != "v" || st != OK {
		t.Fatalf("GETDEL = %q %d", v, st)
	}
	fxWant(t, s, "k", "(nil)", fxNow)
	fxDo(s, "k", fxNow, func(x *Exec) { _, st = x.GetDel(0, []byte("k"), nil) })
	if st != NotFound {
		t.Fatalf("GETDEL on absent: %d", st)
	}
}

// TestStrings_HitsMissesLikeRedis: Redis counts keyspace_hits/misses on
// read lookups only; a write's lookup (lookupKeyWrite: SET, INCR,
// INCRBYFLOAT, APPEND) counts neither, while GET, GETEX, GETDEL and
// SET ... GET (which reads the old value) do.
func TestStrings_HitsMissesLikeRedis(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	step := func(name string, fn func(x *Exec), hits, misses uint64) {
		t.Helper()
		before := fxStats(s)
		fxDo(s, "k", fxNow, fn)
		after := fxStats(s)
		if dh, dm := after.Hits-before.Hits, after.Misses-before.Misses; dh != hits || dm != misses {
			t.Errorf("%s: hits +%d misses +%d, Redis counts +%d +%d", name, dh, dm, hits, misses)
		}
	}
	k := []byte("k")
	step("SET on absent", func(x *Exec) { x.Set(0, k, []byte("1"), SetOptions{}, nil) }, 0, 0)
	step("SET on present", func(x *Exec) { x.Set(0, k, []byte("1"), SetOptions{}, nil) }, 0, 0)
	step("INCR", func(x *Exec) { x.Incr(0, k, 1) }, 0, 0)
	step("INCRBYFLOAT", func(x *Exec) { x.IncrFloat(0, k, fxDD("1.5"), nil) }, 0, 0)
	step("APPEND", func(x *Exec) { x.Modify(0, k, appendFn("x")) }, 0, 0)
	step("GET", func(x *Exec) { x.GetString(0, k) }, 1, 0)
	step("SET GET", func(x *Exec) { x.Set(0, k, []byte("2"), SetOptions{Get: true}, nil) }, 1, 0)
	step("GETEX", func(x *Exec) { x.GetEx(0, k, ExpiryChange{}, nil) }, 1, 0)
	step("GETDEL", func(x *Exec) { x.GetDel(0, k, nil) }, 1, 0)
	step("GET absent", func(x *Exec) { x.GetString(0, k) }, 0, 1)
	step("INCR absent", func(x *Exec) { x.Incr(0, k, 1) }, 0, 0)
}

// TestStrings_Tombstones: with RetainTombstones a deleted key keeps its
// contexts until CollectTombstones is told every region has seen them; a
// write in between revives it with those contexts; without it nothing is
// kept.
func TestStrings_Tombstones(t *testing.T) {
	s := fxStore(t, Config{Shards: 1, Replica: 4, RetainTombstones: true})
	key := []byte("k")
	fxSet(s, "k", "v", SetOptions{}, fxNow)
	fxDo(s, "k", fxNow, func(x *Exec) { x.GetDel(0, key, nil) })
	var delCtx core.VV
	fxDo(s, "k", fxNow, func(x *Exec) {
		tomb := x.Tombstone(0, key)
		if tomb == nil || x.Tombstones() != 1 || x.Len(0) != 0 {
			t.Fatalf("after DEL: tomb=%v tombstones=%d keys=%d", tomb != nil, x.Tombstones(), x.Len(0))
		}
		delCtx = tomb.Base.Ctx.AppendTo(nil)
	})
	fxWant(t, s, "k", "(nil)", fxNow)
	// A write revives the tombstone: its contexts survive the write.
	fxSet(s, "k", "again", SetOptions{}, fxNow)
	fxDo(s, "k", fxNow, func(x *Exec) {
		if x.Tombstones() != 0 {
			t.Fatalf("revived key still listed as a tombstone")
		}
		e := x.Lookup(0, key)
		if !delCtx.LessEq(e.Base.Ctx) {
			t.Fatalf("revived key forgot the delete: %v vs %v", e.Base.Ctx, delCtx)
		}
	})
	fxDo(s, "k", fxNow, func(x *Exec) { x.GetDel(0, key, nil) })
	var full core.VV
	fxDo(s, "k", fxNow, func(x *Exec) {
		tomb := x.Tombstone(0, key)
		full = tomb.Base.Ctx.AppendTo(nil)
		full.Merge(tomb.Exp.Ctx)
	})
	wantPart := PartitionOf(Hash(key))
	collect := func(stable core.VV) (n int) {
		fxDo(s, "k", fxNow, func(x *Exec) {
			n = x.CollectTombstones(func(p int) core.VV {
				if p != wantPart {
					t.Errorf("stability asked for partition %d, the key is in %d", p, wantPart)
				}
				return stable
			})
		})
		return n
	}
	if n := collect(nil); n != 0 {
		t.Fatalf("collected %d with nothing stable", n)
	}
	behind := full.AppendTo(nil)
	behind[len(behind)-1].Seq--
	if n := collect(behind); n != 0 {
		t.Fatalf("collected %d with the last delete not stable", n)
	}
	if n := collect(full); n != 1 {
		t.Fatalf("collected %d with everything stable", n)
	}
	fxDo(s, "k", fxNow, func(x *Exec) {
		if x.Tombstones() != 0 || x.Tombstone(0, key) != nil || x.Stats.TombstonesFreed != 1 {
			t.Fatalf("after collection: %d tombstones, freed %d", x.Tombstones(), x.Stats.TombstonesFreed)
		}
	})

	plain := fxStore(t, Config{Shards: 1})
	fxSet(plain, "k", "v", SetOptions{}, fxNow)
	fxDo(plain, "k", fxNow, func(x *Exec) {
		x.GetDel(0, key, nil)
		if x.Tombstones() != 0 {
			t.Fatalf("a region without peers kept a tombstone")
		}
	})
}

// --- Remote deltas -------------------------------------------------------------

// fxRemote is a second region built from core alone, writing one key.
type fxRemote struct {
	id    core.ReplicaID
	e     map[string]*core.Entry
	d     core.Delta
	clock core.Clock
	seq   [NumPartitions]uint64
}

func newFxRemote(id core.ReplicaID) *fxRemote {
	return &fxRemote{id: id, e: map[string]*core.Entry{}}
}

func (r *fxRemote) entry(key string) *core.Entry {
	if r.e[key] == nil {
		r.e[key] = &core.Entry{}
	}
	return r.e[key]
}

func (r *fxRemote) dot(key string) core.Dot {
	p := PartitionOf(Hash([]byte(key)))
	r.seq[p]++
	return core.Dot{Replica: r.id, Seq: r.seq[p]}
}

// wire encodes the remote's last delta and decodes it again, as a peer
// link would.
func (r *fxRemote) wire(t *testing.T, key string) *core.Delta {
	t.Helper()
	r.d.DB = 0
	r.d.Key = []byte(key)
	buf := core.AppendDelta(nil, &r.d)
	var d core.Delta
	if _, err := core.DecodeDelta(buf, &d, core.DefaultDecodeLimits); err != nil {
		t.Fatal(err)
	}
	return &d
}

func (r *fxRemote) set(t *testing.T, key, value string, wallMs, deadline int64) *core.Delta {
	r.entry(key).SetString(&r.d, r.dot(key), r.clock.Now(wallMs), []byte(value), false, deadline)
	return r.wire(t, key)
}

func (r *fxRemote) del(t *testing.T, key string, wallMs int64) *core.Delta {
	r.entry(key).Delete(&r.d, r.dot(key), r.clock.Now(wallMs))
	return r.wire(t, key)
}

func fxApply(s *Store, d *core.Delta, now int64) {
	fxDo(s, string(d.Key), now, func(x *Exec) { x.Apply(d) })
}

// fxSink records every delta a shard ships, encoded.
type fxSink struct {
	msgs []fxMsg
}

type fxMsg struct {
	part int
	buf  []byte
}

func (s *fxSink) Append(partition int, d *core.Delta) {
	s.msgs = append(s.msgs, fxMsg{part: partition, buf: core.AppendDelta(nil, d)})
}

// fxSinks makes a Config.NewSink that keeps the sinks for the test.
func fxSinks() (func(int) Sink, *[]*fxSink) {
	var sinks []*fxSink
	return func(int) Sink {
		s := &fxSink{}
		sinks = append(sinks, s)
		return s
	}, &sinks
}

func TestStrings_ApplyRemote(t *testing.T) {
	s := fxStore(t, Config{Shards: 2, Replica: 1, RetainTombstones: true})
	b := newFxRemote(2)

	fxApply(s, b.set(t, "k", "remote", fxNow, 0), fxNow)
	fxWant(t, s, "k", "remote", fxNow)

	// A remote write stamped far ahead: our next write still orders after
	// it, because applying it advanced our clock.
	fxApply(s, b.set(t, "k", "from-the-future", fxNow+3_600_000, 0), fxNow)
	fxSet(s, "k", "local", SetOptions{}, fxNow)
	fxWant(t, s, "k", "local", fxNow)
	fxDo(s, "k", fxNow, func(x *Exec) {
		if x.clock.Last().Millis() < fxNow+3_600_000 {
			t.Fatalf("clock did not observe the remote stamp")
		}
	})

	// DEL at B concurrent with INCR here: c=4; B: DEL c, we: INCRBY c 2 → 2.
	fxApply(s, b.set(t, "c", "4", fxNow, 0), fxNow)
	del := b.del(t, "c", fxNow)
	fxIncr(s, "c", 2, fxNow)
	fxApply(s, del, fxNow)
	fxWant(t, s, "c", "2", fxNow)

	// A remote TTL lands in the expires table.
	fxApply(s, b.set(t, "t", "v", fxNow, fxNow+5000), fxNow)
	fxDo(s, "t", fxNow, func(x *Exec) {
		if x.ExpiresLen(0) != 1 {
			t.Fatalf("remote TTL: expires holds %d", x.ExpiresLen(0))
		}
	})

	// A remote DEL of a key we never had leaves no live key.
	fxApply(s, b.del(t, "never", fxNow), fxNow)
	fxWant(t, s, "never", "(nil)", fxNow)

	// A delta for a database we do not have is ignored.
	bad := b.set(t, "x", "v", fxNow, 0)
	bad.DB = 1000
	fxApply(s, bad, fxNow)
	fxWant(t, s, "x", "(nil)", fxNow)

	// Applying the same delta twice changes nothing.
	again := b.set(t, "d", "v1", fxNow, 0)
	fxApply(s, again, fxNow)
	fxSet(s, "d", "v2", SetOptions{}, fxNow)
	fxApply(s, again, fxNow)
	fxWant(t, s, "d", "v2", fxNow)
}

// TestStrings_TwoStoresConverge: two regions (different shard counts) run
// random string commands; their sinks' deltas travel FIFO per (origin,
// partition) in any interleaving, with duplicates; once everything is
// delivered both read the same value and deadline for every key.
func TestStrings_TwoStoresConverge(t *testing.T) {
	keys := []string{"a", "b", "c", "d", "e"}
	rapid.Check(t, func(rt *rapid.T) {
		type region struct {
			s     *Store
			sinks *[]*fxSink
			// queue[p] holds the encoded deltas of partition p in order,
			// next[p] how many the other region has received.
			queue map[int][][]byte
			next  map[int]int
			taken []int // per sink: messages moved into queue
		}
		mk := func(id core.ReplicaID) *region {
			ns, sinks := fxSinks()
			cfg := Config{Shards: rapid.IntRange(1, 3).Draw(rt, "shards"), Replica: id, NewSink: ns, RetainTombstones: true}
			s := New(cfg)
			s.Close()
			return &region{s: s, sinks: sinks, queue: map[int][][]byte{}, next: map[int]int{}, taken: make([]int, len(*sinks))}
		}
		rs := []*region{mk(1), mk(2)}
		collect := func(r *region) {
			for i, sk := range *r.sinks {
				for ; r.taken[i] < len(sk.msgs); r.taken[i]++ {
					m := sk.msgs[r.taken[i]]
					r.queue[m.part] = append(r.queue[m.part], m.buf)
				}
			}
		}
		applyTo := func(dst *region, buf []byte) {
			var d core.Delta
			if _, err := core.DecodeDelta(append([]byte(nil), buf...), &d, core.DefaultDecodeLimits); err != nil {
				rt.Fatalf("decode: %v", err)
			}
			sh := dst.s.ShardFor(d.Key)
			x := sh.Lock(fxNow)
			x.Apply(&d)
			sh.Unlock()
		}
		deliver := func(from, to *region, p int) {
			if from.next[p] < len(from.queue[p]) {
				applyTo(to, from.queue[p][from.next[p]])
				from.next[p]++
			}
		}
		for i, n := 0, rapid.IntRange(0, 60).Draw(rt, "steps"); i < n; i++ {
			ri := rapid.IntRange(0, 1).Draw(rt, "region")
			r, other := rs[ri], rs[1-ri]
			key := []byte(rapid.SampledFrom(keys).Draw(rt, "key"))
			sh := r.s.ShardFor(key)
			x := sh.Lock(fxNow)
			switch rapid.IntRange(0, 8).Draw(rt, "op") {
			case 0:
				o := SetOptions{NX: rapid.Bool().Draw(rt, "nx"), KeepTTL: rapid.Bool().Draw(rt, "keepttl")}
				if !o.KeepTTL && rapid.Bool().Draw(rt, "ttl") {
					o.Deadline = fxNow + rapid.Int64Range(1, 4).Draw(rt, "dl")*1000
				}
				x.Set(0, key, []byte(rapid.SampledFrom([]string{"1", "7", "x", "-4"}).Draw(rt, "v")), o, nil)
			case 1, 2:
				x.Incr(0, key, rapid.Int64Range(-5, 5).Draw(rt, "by"))
			case 3:
				x.IncrFloat(0, key, fxDD("0.5"), nil)
			case 4:
				x.GetDel(0, key, nil)
			case 5:
				ch := ExpiryChange{Set: true}
				if rapid.Bool().Draw(rt, "persist") {
					ch.Deadline = 0
				} else {
					ch.Deadline = fxNow + rapid.Int64Range(1, 4).Draw(rt, "exdl")*1000
				}
				x.GetEx(0, key, ch, nil)
			case 6:
				x.Modify(0, key, appendFn("+"))
			case 7, 8:
				sh.Unlock()
				collect(other)
				var parts []int
				for p := range other.queue {
					if other.next[p] < len(other.queue[p]) {
						parts = append(parts, p)
					}
				}
				if len(parts) > 0 {
					sortInts(parts)
					p := rapid.SampledFrom(parts).Draw(rt, "part")
					deliver(other, r, p)
					if rapid.IntRange(0, 3).Draw(rt, "dup") == 0 {
						applyTo(r, other.queue[p][rapid.IntRange(0, other.next[p]-1).Draw(rt, "dupidx")])
					}
				}
				continue
			}
			sh.Unlock()
		}
		for _, from := range rs {
			collect(from)
		}
		for i, from := range rs {
			to := rs[1-i]
			for p := range from.queue {
				for from.next[p] < len(from.queue[p]) {
					deliver(from, to, p)
				}
			}
		}
		for _, k := range keys {
			v0, s0 := fxGet(rs[0].s, k, fxNow)
			v1, s1 := fxGet(rs[1].s, k, fxNow)
			d0, _ := fxDeadline(rs[0].s, k, fxNow)
			d1, _ := fxDeadline(rs[1].s, k, fxNow)
			if v0 != v1 || s0 != s1 || d0 != d1 {
				rt.Fatalf("key %s: region 1 reads %q (status %d, deadline %d), region 2 reads %q (status %d, deadline %d)",
					k, v0, s0, d0, v1, s1, d1)
			}
		}
	})
}

func sortInts(s []int) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// --- Active expiry ---------------------------------------------------------------

func TestStrings_ExpireCycle(t *testing.T) {
	s := fxStore(t, Config{Shards: 1, Replica: 1})
	for i := 0; i < 100; i++ {
		fxSet(s, "exp:"+strconv.Itoa(i), "v", SetOptions{Deadline: fxNow + 10}, fxNow)
	}
	for i := 0; i < 20; i++ {
		fxSet(s, "ttl:"+strconv.Itoa(i), "v", SetOptions{Deadline: fxNow + 1_000_000}, fxNow)
		fxSet(s, "plain:"+strconv.Itoa(i), "v", SetOptions{}, fxNow)
	}
	later := fxNow + 100
	total := 0
	for cycle := 0; cycle < 100; cycle++ {
		sh := s.Shard(0)
		x := sh.Lock(later)
		n := x.ExpireCycle(time.Second)
		left := x.ExpiresLen(0)
		sh.Unlock()
		if cycle == 0 && n == 0 {
			t.Fatalf("the first cycle deleted nothing")
		}
		total += n
		if left == 20 {
			break
		}
	}
	if total != 100 {
		t.Fatalf("expire cycles deleted %d keys, want 100", total)
	}
	sh := s.Shard(0)
	x := sh.Lock(later)
	if x.Len(0) != 40 || x.ExpiresLen(0) != 20 || x.Stats.ExpiredKeys != 100 {
		t.Errorf("after expiry: %d keys, %d with TTL, ExpiredKeys %d", x.Len(0), x.ExpiresLen(0), x.Stats.ExpiredKeys)
	}
	sh.Unlock()
	for i := 0; i < 20; i++ {
		fxWant(t, s, "ttl:"+strconv.Itoa(i), "v", later)
		fxWant(t, s, "plain:"+strconv.Itoa(i), "v", later)
	}
}

// TestStrings_ExpireCycleAllExpired: when every sampled key is expired the
// cycle keeps going until none is left (within its budget).
func TestStrings_ExpireCycleAllExpired(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	for i := 0; i < 500; i++ {
		fxSet(s, "k"+strconv.Itoa(i), "v", SetOptions{Deadline: fxNow + 1}, fxNow)
	}
	sh := s.Shard(0)
	x := sh.Lock(fxNow + 2)
	n := x.ExpireCycle(time.Minute)
	left := x.Len(0)
	sh.Unlock()
	if n != 500 || left != 0 {
		t.Fatalf("one cycle deleted %d of 500, %d left", n, left)
	}
}

// TestStrings_ExpiryOwnedElsewhere: a key whose TTL another region wrote
// reads as absent here once past its deadline, but only the owner deletes
// it (SEMANTICS.md section 7); its delete, when it arrives, removes it.
func TestStrings_ExpiryOwnedElsewhere(t *testing.T) {
	s := fxStore(t, Config{Shards: 1, Replica: 1, RetainTombstones: true})
	b := newFxRemote(2)
	fxApply(s, b.set(t, "k", "v", fxNow, fxNow+10), fxNow)
	later := fxNow + 100
	sh := s.Shard(0)
	x := sh.Lock(later)
	n := x.ExpireCycle(time.Second)
	keys := x.Len(0)
	sh.Unlock()
	if n != 0 || keys != 1 {
		t.Fatalf("the cycle deleted a key another region owns: n=%d keys=%d", n, keys)
	}
	fxWant(t, s, "k", "(nil)", later)
	if st := fxStats(s); st.ExpiredStaleHits == 0 || st.Deltas != 0 {
		t.Fatalf("stale hit not counted, or a delete shipped: %+v", st)
	}
	fxApply(s, b.del(t, "k", later), later)
	fxDo(s, "k", later, func(x *Exec) {
		if x.Len(0) != 0 || x.ExpiresLen(0) != 0 {
			t.Fatalf("the owner's delete did not remove the key")
		}
	})
}

// --- Allocations and benchmarks ------------------------------------------------

func TestAllocs_ShardSetOverwrite(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	key, val := []byte("key:000001"), []byte("value-0001")
	sh := s.ShardFor(key)
	fxSet(s, string(key), string(val), SetOptions{}, fxNow)
	n := testing.AllocsPerRun(1000, func() {
		x := sh.Lock(fxNow)
		x.Set(0, key, val, SetOptions{}, nil)
		sh.Unlock()
	})
	if n != 0 {
		t.Fatalf("SET overwrite: %.1f allocations", n)
	}
}

func TestAllocs_ShardGetString(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	key := []byte("key:000001")
	sh := s.ShardFor(key)
	fxSet(s, string(key), "value-0001", SetOptions{}, fxNow)
	fxIncr(s, "counter", 5, fxNow)
	fxIncr(s, "counter", 5, fxNow)
	n := testing.AllocsPerRun(1000, func() {
		x := sh.Lock(fxNow)
		if _, st := x.GetString(0, key); st != OK {
			t.Fatal("missing")
		}
		sh.Unlock()
	})
	if n != 0 {
		t.Fatalf("GET: %.1f allocations", n)
	}
	ck := []byte("counter")
	csh := s.ShardFor(ck)
	n = testing.AllocsPerRun(1000, func() {
		x := csh.Lock(fxNow)
		if v, st := x.GetString(0, ck); st != OK || string(v) != "10" {
			t.Fatal("counter")
		}
		csh.Unlock()
	})
	if n != 0 {
		t.Fatalf("GET of a counter: %.1f allocations", n)
	}
}

func TestAllocs_ShardIncr(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	key := []byte("counter")
	sh := s.ShardFor(key)
	fxIncr(s, "counter", 1, fxNow)
	n := testing.AllocsPerRun(1000, func() {
		x := sh.Lock(fxNow)
		if _, _, err := x.Incr(0, key, 1); err != nil {
			t.Fatal(err)
		}
		sh.Unlock()
	})
	if n != 0 {
		t.Fatalf("INCR: %.1f allocations", n)
	}
}

func BenchmarkStrings_SetOverwrite(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	key, val := []byte("key:000001"), []byte("value-0001")
	sh := s.ShardFor(key)
	b.ReportAllocs()
	for b.Loop() {
		x := sh.Lock(fxNow)
		x.Set(0, key, val, SetOptions{}, nil)
		sh.Unlock()
	}
}

func BenchmarkStrings_GetString(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	key := []byte("key:000001")
	sh := s.ShardFor(key)
	fxSet(s, string(key), "value-0001", SetOptions{}, fxNow)
	b.ReportAllocs()
	for b.Loop() {
		x := sh.Lock(fxNow)
		x.GetString(0, key)
		sh.Unlock()
	}
}

func BenchmarkStrings_Incr(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	key := []byte("counter")
	sh := s.ShardFor(key)
	b.ReportAllocs()
	for b.Loop() {
		x := sh.Lock(fxNow)
		x.Incr(0, key, 1)
		sh.Unlock()
	}
}

// BenchmarkStrings_SetParallel: SETs of distinct keys from every P, through
// the store's routing and per-shard locks.
func BenchmarkStrings_SetParallel(b *testing.B) {
	s := fxStore(b, Config{})
	val := []byte("value-0001")
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		keys := make([][]byte, 1024)
		for i := range keys {
			keys[i] = []byte("key:" + strconv.Itoa(i))
		}
		i := 0
		for pb.Next() {
			k := keys[i&1023]
			i++
			sh := s.ShardFor(k)
			x := sh.Lock(fxNow)
			x.Set(0, k, val, SetOptions{}, nil)
			sh.Unlock()
		}
	})
}
