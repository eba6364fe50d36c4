package shard

import (
	"fmt"
	"sort"
	"sync"
	"testing"

	"github.com/meridiandb/meridian/core"
)

// recSink keeps an encoded copy of every delta, so a test can check what a
// command replicates and replay it into another region.
type recSink struct {
	mu     sync.Mutex
	deltas [][]byte
}

func (r *recSink) Append(_ int, d *core.Delta) {
	r.mu.Lock()
	r.deltas = append(r.deltas, core.AppendDelta(nil, d))
	r.mu.Unlock()
}

// take returns and forgets the deltas recorded so far, decoded.
func (r *recSink) take(t *testing.T) []core.Delta {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []core.Delta
	for _, b := range r.deltas {
		var d core.Delta
		if _, err := core.DecodeDelta(b, &d, core.DefaultDecodeLimits); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	r.deltas = nil
	return out
}

const now = int64(1_700_000_000_000)

func newTestStore(t *testing.T, replica core.ReplicaID) (*Store, *recSink) {
	t.Helper()
	rec := &recSink{}
	s := New(Config{Shards: 2, Replica: replica, NewSink: func(int) Sink { return rec }})
	t.Cleanup(s.Close)
	return s, rec
}

// keysOnShards returns two keys owned by different shards.
func keysOnShards(t *testing.T, s *Store) (a, b []byte) {
	t.Helper()
	a = []byte("a")
	for i := 0; i < 1000; i++ {
		k := []byte(fmt.Sprintf("b%d", i))
		if s.ShardIndex(k) != s.ShardIndex(a) {
			return a, k
		}
	}
	t.Fatal("no key on another shard")
	return nil, nil
}

func set(s *Store, db int, key, val string, deadline int64) {
	sh := s.ShardFor([]byte(key))
	x := sh.Lock(now)
	x.Set(db, []byte(key), []byte(val), SetOptions{Deadline: deadline}, nil)
	sh.Unlock()
}

func incr(s *Store, db int, key string, by int64) {
	sh := s.ShardFor([]byte(key))
	x := sh.Lock(now)
	x.Incr(db, []byte(key), by)
	sh.Unlock()
}

// get returns the value and deadline of key ("<none>" when absent).
func get(s *Store, db int, key string) (string, int64) {
	sh := s.ShardFor([]byte(key))
	x := sh.Lock(now)
	defer sh.Unlock()
	e := x.Peek(db, []byte(key))
	if e == nil {
		return "<none>", 0
	}
	v, _ := e.Value(nil)
	return string(v), e.Deadline()
}

func lockKeys(s *Store, keys ...string) Multi {
	var bs [][]byte
	for _, k := range keys {
		bs = append(bs, []byte(k))
	}
	return s.LockKeys(bs, now)
}

func replay(s *Store, ds []core.Delta) {
	for i := range ds {
		sh := s.ShardFor(ds[i].Key)
		x := sh.Lock(now)
		x.Apply(&ds[i])
		sh.Unlock()
	}
}

func TestDelCountsLiveKeysOnceAcrossShards(t *testing.T) {
	s, rec := newTestStore(t, 0)
	a, b := keysOnShards(t, s)
	set(s, 0, string(a), "1", 0)
	set(s, 0, string(b), "2", 0)
	rec.take(t)
	m := lockKeys(s, string(a), string(b), string(a), "missing")
	n := m.Del(0, [][]byte{a, b, a, []byte("missing")})
	m.Unlock()
	if n != 2 {
		t.Fatalf("Del = %d, want 2", n)
	}
	ds := rec.take(t)
	if len(ds) != 2 || ds[0].Op != core.OpDel || ds[1].Op != core.OpDel {
		t.Fatalf("deltas = %+v, want two deletes", ds)
	}
	if v, _ := get(s, 0, string(a)); v != "<none>" {
		t.Fatalf("a = %q after DEL", v)
	}
}

func TestExistsCountsDuplicatesAndTouch(t *testing.T) {
	s, _ := newTestStore(t, 0)
	a, b := keysOnShards(t, s)
	set(s, 0, string(a), "1", 0)
	m := lockKeys(s, string(a), string(b))
	defer m.Unlock()
	keys := [][]byte{a, a, b, a}
	if n := m.Exists(0, keys); n != 3 {
		t.Fatalf("Exists = %d, want 3", n)
	}
	if n := m.Touch(0, keys); n != 3 {
		t.Fatalf("Touch = %d, want 3", n)
	}
	if n := m.Exists(1, keys); n != 0 {
		t.Fatalf("Exists in db 1 = %d, want 0", n)
	}
}

func TestKindOfAndExpiry(t *testing.T) {
	s, _ := newTestStore(t, 0)
	set(s, 0, "k", "v", now+5000)
	set(s, 0, "p", "v", 0)
	sh := s.ShardFor([]byte("k"))
	x := sh.Lock(now)
	if k := x.KindOf(0, []byte("k")); k != core.KindString {
		t.Errorf("KindOf(k) = %v", k)
	}
	if k := x.KindOf(0, []byte("nope")); k != core.KindNone || k.String() != "none" {
		t.Errorf("KindOf(nope) = %v", k)
	}
	if dl, st := x.Expiry(0, []byte("k")); st != OK || dl != now+5000 {
		t.Errorf("Expiry(k) = %d, %v", dl, st)
	}
	if _, st := x.Expiry(0, []byte("nope")); st != NotFound {
		t.Errorf("Expiry(nope) status = %v", st)
	}
	sh.Unlock()
	sh = s.ShardFor([]byte("p"))
	x = sh.Lock(now)
	if dl, st := x.Expiry(0, []byte("p")); st != OK || dl != 0 {
		t.Errorf("Expiry(p) = %d, %v", dl, st)
	}
	sh.Unlock()
	// Past its deadline the key reads as absent.
	sh = s.ShardFor([]byte("k"))
	x = sh.Lock(now + 5001)
	if k := x.KindOf(0, []byte("k")); k != core.KindNone {
		t.Errorf("KindOf(expired k) = %v", k)
	}
	sh.Unlock()
}

func TestExpireConditions(t *testing.T) {
	const ttl = now + 10_000
	cases := []struct {
		name    string
		cur     int64 // current deadline, 0 none
		cond    ExpireCond
		when    int64
		st      Status
		wantDL  int64
		deleted bool
	}{
		{"plain sets", 0, ExpireCond{}, now + 500, OK, now + 500, false},
		{"plain replaces", ttl, ExpireCond{}, now + 500, OK, now + 500, false},
		{"NX without ttl", 0, ExpireCond{NX: true}, now + 500, OK, now + 500, false},
		{"NX with ttl", ttl, ExpireCond{NX: true}, now + 500, NotDone, ttl, false},
		{"XX without ttl", 0, ExpireCond{XX: true}, now + 500, NotDone, 0, false},
		{"XX with ttl", ttl, ExpireCond{XX: true}, now + 500, OK, now + 500, false},
		{"GT without ttl is never greater", 0, ExpireCond{GT: true}, now + 500, NotDone, 0, false},
		{"GT greater", ttl, ExpireCond{GT: true}, ttl + 1, OK, ttl + 1, false},
		{"GT equal", ttl, ExpireCond{GT: true}, ttl, NotDone, ttl, false},
		{"GT smaller", ttl, ExpireCond{GT: true}, ttl - 1, NotDone, ttl, false},
		{"LT without ttl is always less", 0, ExpireCond{LT: true}, now + 500, OK, now + 500, false},
		{"LT smaller", ttl, ExpireCond{LT: true}, ttl - 1, OK, ttl - 1, false},
		{"LT equal", ttl, ExpireCond{LT: true}, ttl, NotDone, ttl, false},
		{"XX GT", ttl, ExpireCond{XX: true, GT: true}, ttl + 1, OK, ttl + 1, false},
		{"XX LT without ttl", 0, ExpireCond{XX: true, LT: true}, now + 1, NotDone, 0, false},
		{"past deletes", 0, ExpireCond{}, now - 1, OK, 0, true},
		{"now deletes", ttl, ExpireCond{}, now, OK, 0, true},
		{"negative deletes", ttl, ExpireCond{}, -5000, OK, 0, true},
		{"LT past deletes", ttl, ExpireCond{LT: true}, -5000, OK, 0, true},
		{"GT past refused", ttl, ExpireCond{GT: true}, -5000, NotDone, ttl, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, rec := newTestStore(t, 0)
			set(s, 0, "k", "v", tc.cur)
			rec.take(t)
			sh := s.ShardFor([]byte("k"))
			x := sh.Lock(now)
			st := x.Expire(0, []byte("k"), tc.when, tc.cond)
			sh.Unlock()
			if st != tc.st {
				t.Fatalf("status = %v, want %v", st, tc.st)
			}
			v, dl := get(s, 0, "k")
			if tc.deleted != (v == "<none>") {
				t.Fatalf("value = %q, deleted want %v", v, tc.deleted)
			}
			if !tc.deleted && dl != tc.wantDL {
				t.Fatalf("deadline = %d, want %d", dl, tc.wantDL)
			}
			ds := rec.take(t)
			switch {
			case st == NotDone && len(ds) != 0:
				t.Fatalf("refused EXPIRE replicated %d deltas", len(ds))
			case tc.deleted && (len(ds) != 1 || ds[0].Op != core.OpDel):
				t.Fatalf("deltas = %+v, want one delete", ds)
			case st == OK && !tc.deleted && (len(ds) != 1 || ds[0].Op != core.OpExpire || ds[0].Deadline != tc.wantDL):
				t.Fatalf("deltas = %+v, want one expire to %d", ds, tc.wantDL)
			}
		})
	}
}

func TestExpireMissingKey(t *testing.T) {
	s, rec := newTestStore(t, 0)
	sh := s.ShardFor([]byte("k"))
	x := sh.Lock(now)
	st := x.Expire(0, []byte("k"), now+100, ExpireCond{})
	sh.Unlock()
	if st != NotFound {
		t.Fatalf("status = %v", st)
	}
	if ds := rec.take(t); len(ds) != 0 {
		t.Fatalf("deltas on a missing key: %+v", ds)
	}
}

func TestPersist(t *testing.T) {
	s, _ := newTestStore(t, 0)
	set(s, 0, "t", "v", now+100)
	set(s, 0, "p", "v", 0)
	for _, tc := range []struct {
		key  string
		want bool
	}{{"t", true}, {"t", false}, {"p", false}, {"nope", false}} {
		sh := s.ShardFor([]byte(tc.key))
		x := sh.Lock(now)
		got := x.Persist(0, []byte(tc.key))
		sh.Unlock()
		if got != tc.want {
			t.Fatalf("Persist(%s) = %v, want %v", tc.key, got, tc.want)
		}
	}
	if v, dl := get(s, 0, "t"); v != "v" || dl != 0 {
		t.Fatalf("t = %q, deadline %d", v, dl)
	}
}

func TestRenameAcrossShardsReplicates(t *testing.T) {
	s, rec := newTestStore(t, 0)
	src, dst := keysOnShards(t, s)
	set(s, 0, string(src), "10", now+60_000)
	incr(s, 0, string(src), 5) // value = base + increment
	set(s, 0, string(dst), "7", 0)
	incr(s, 0, string(dst), 3) // the destination's increments must go too
	// A second region that has seen everything so far.
	r2, _ := newTestStore(t, 1)
	replay(r2, rec.take(t))

	m := lockKeys(s, string(src), string(dst))
	st := m.Rename(0, src, dst, false)
	m.Unlock()
	if st != OK {
		t.Fatalf("Rename = %v", st)
	}
	if v, dl := get(s, 0, string(dst)); v != "15" || dl != now+60_000 {
		t.Fatalf("dst = %q deadline %d, want 15 with the source's deadline", v, dl)
	}
	if v, _ := get(s, 0, string(src)); v != "<none>" {
		t.Fatalf("src = %q after RENAME", v)
	}
	ds := rec.take(t)
	if len(ds) != 2 || ds[0].Op != core.OpStrSet || string(ds[0].Key) != string(dst) ||
		ds[0].Flags&core.FlagExpiry == 0 || ds[0].Deadline != now+60_000 || string(ds[0].Value) != "15" ||
		ds[1].Op != core.OpDel || string(ds[1].Key) != string(src) {
		t.Fatalf("deltas = %+v, want SET dst 15 PXAT deadline, then DEL src", ds)
	}
	replay(r2, ds)
	for _, k := range []string{string(src), string(dst)} {
		v1, d1 := get(s, 0, k)
		v2, d2 := get(r2, 0, k)
		if v1 != v2 || d1 != d2 {
			t.Fatalf("%s: region 1 %q/%d, region 2 %q/%d", k, v1, d1, v2, d2)
		}
	}
}

// SEMANTICS.md section 8: RENAME deletes only what it observed of the
// source, so an increment made concurrently in another region survives at
// the source.
func TestRenameConcurrentIncrementSurvives(t *testing.T) {
	s1, rec1 := newTestStore(t, 0)
	s2, rec2 := newTestStore(t, 1)
	set(s1, 0, "c", "4", 0)
	base := rec1.take(t)
	replay(s2, base)
	m := lockKeys(s1, "c", "d")
	m.Rename(0, []byte("c"), []byte("d"), false)
	m.Unlock()
	incr(s2, 0, "c", 2)
	replay(s1, rec2.take(t))
	replay(s2, rec1.take(t))
	for _, s := range []*Store{s1, s2} {
		if v, _ := get(s, 0, "c"); v != "2" {
			t.Fatalf("c = %q, want the unobserved increment 2", v)
		}
		if v, _ := get(s, 0, "d"); v != "4" {
			t.Fatalf("d = %q, want 4", v)
		}
	}
}

func TestRenameCases(t *testing.T) {
	s, rec := newTestStore(t, 0)
	set(s, 0, "a", "1", 0)
	set(s, 0, "b", "2", 0)
	rec.take(t)
	check := func(src, dst string, nx bool, want Status) {
		t.Helper()
		m := lockKeys(s, src, dst)
		got := m.Rename(0, []byte(src), []byte(dst), nx)
		m.Unlock()
		if got != want {
			t.Fatalf("Rename(%s, %s, nx=%v) = %v, want %v", src, dst, nx, got, want)
		}
	}
	check("missing", "x", false, NotFound)
	check("missing", "x", true, NotFound)
	check("a", "a", false, OK)
	check("a", "a", true, NotDone)
	if ds := rec.take(t); len(ds) != 0 {
		t.Fatalf("no-op renames replicated %+v", ds)
	}
	check("a", "b", true, NotDone)
	if v, _ := get(s, 0, "b"); v != "2" {
		t.Fatalf("b = %q after refused RENAMENX", v)
	}
	check("a", "b", false, OK)
	if v, _ := get(s, 0, "b"); v != "1" {
		t.Fatalf("b = %q after RENAME", v)
	}
	check("b", "c", true, OK)
	if v, dl := get(s, 0, "c"); v != "1" || dl != 0 {
		t.Fatalf("c = %q/%d after RENAMENX", v, dl)
	}
	// The destination's TTL is replaced by the source's (none here).
	set(s, 0, "ttl", "x", now+999)
	check("c", "ttl", false, OK)
	if v, dl := get(s, 0, "ttl"); v != "1" || dl != 0 {
		t.Fatalf("ttl = %q/%d, want 1 without TTL", v, dl)
	}
}

func TestCopy(t *testing.T) {
	s, _ := newTestStore(t, 0)
	src, dst := keysOnShards(t, s)
	set(s, 0, string(src), "v", now+1000)
	set(s, 1, string(dst), "other", 0)
	cp := func(srcDB int, dstDB int, replace bool) Status {
		m := lockKeys(s, string(src), string(dst))
		defer m.Unlock()
		return m.Copy(srcDB, src, dstDB, dst, replace)
	}
	if st := cp(0, 1, false); st != NotDone {
		t.Fatalf("COPY onto existing = %v", st)
	}
	if st := cp(0, 1, true); st != OK {
		t.Fatalf("COPY REPLACE = %v", st)
	}
	if v, dl := get(s, 1, string(dst)); v != "v" || dl != now+1000 {
		t.Fatalf("copy = %q/%d", v, dl)
	}
	if v, _ := get(s, 0, string(src)); v != "v" {
		t.Fatalf("source = %q after COPY", v)
	}
	if st := cp(2, 0, false); st != NotFound {
		t.Fatalf("COPY of missing = %v", st)
	}
	if st := cp(0, 0, false); st != OK {
		t.Fatalf("COPY to db 0 = %v", st)
	}
	// Same key, other database.
	m := lockKeys(s, string(src))
	st := m.Copy(0, src, 3, src, false)
	m.Unlock()
	if v, _ := get(s, 3, string(src)); st != OK || v != "v" {
		t.Fatalf("COPY to db 3 = %v, %q", st, v)
	}
}

func TestWholeDatabaseOps(t *testing.T) {
	s, rec := newTestStore(t, 0)
	for i := 0; i < 50; i++ {
		set(s, 0, fmt.Sprintf("k%d", i), "v", 0)
	}
	set(s, 1, "one", "v", 0)
	rec.take(t)

	m := s.LockAll(now)
	if n := m.Len(0); n != 50 {
		t.Fatalf("Len(0) = %d", n)
	}
	seen := map[string]bool{}
	for i := 0; i < 500; i++ {
		k, ok := m.RandomKey(0)
		if !ok {
			t.Fatal("RandomKey found nothing")
		}
		seen[k] = true
	}
	if len(seen) < 40 {
		t.Fatalf("RandomKey saw only %d of 50 keys in 500 draws", len(seen))
	}
	if _, ok := m.RandomKey(5); ok {
		t.Fatal("RandomKey in an empty database")
	}
	m.SwapDB(0, 1)
	if m.Len(0) != 1 || m.Len(1) != 50 {
		t.Fatalf("after SwapDB: %d, %d", m.Len(0), m.Len(1))
	}
	if k, ok := m.RandomKey(0); !ok || k != "one" {
		t.Fatalf("RandomKey(0) = %q, %v", k, ok)
	}
	if n := m.Flush(1); n != 50 {
		t.Fatalf("Flush = %d", n)
	}
	if m.Len(1) != 0 || m.Len(0) != 1 {
		t.Fatalf("after Flush: %d, %d", m.Len(0), m.Len(1))
	}
	m.Unlock()
	ds := rec.take(t)
	if len(ds) != 50 {
		t.Fatalf("Flush replicated %d deltas, want 50 deletes", len(ds))
	}
	var keys []string
	for _, d := range ds {
		if d.Op != core.OpDel || d.DB != 1 {
			t.Fatalf("flush delta %+v", d)
		}
		keys = append(keys, string(d.Key))
	}
	sort.Strings(keys)
	if keys[0] != "k0" {
		t.Fatalf("flushed keys %v", keys)
	}
}

func TestRandomKeySkipsExpired(t *testing.T) {
	s, _ := newTestStore(t, 0)
	for i := 0; i < 20; i++ {
		set(s, 0, fmt.Sprintf("gone%d", i), "v", now+10)
	}
	set(s, 0, "stay", "v", 0)
	m := s.LockAll(now + 1000)
	k, ok := m.RandomKey(0)
	n := m.Len(0)
	m.Unlock()
	if !ok || k != "stay" {
		t.Fatalf("RandomKey = %q, %v", k, ok)
	}
	if n > 20 {
		t.Fatalf("Len = %d", n)
	}
}
