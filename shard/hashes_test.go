package shard

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// Tests of the hash family's shard operations. Helpers carry the fxHash
// prefix (see strings_test.go for the fx convention).

func fxBytes(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func fxHSet(s *Store, key string, pairs ...string) (int, Status) {
	var n int
	var st Status
	fxDo(s, key, fxNow, func(x *Exec) { n, st = x.HSet(0, []byte(key), fxBytes(pairs...)) })
	return n, st
}

func fxHDel(s *Store, key string, fields ...string) (int, Status) {
	var n int
	var st Status
	fxDo(s, key, fxNow, func(x *Exec) { n, st = x.HDel(0, []byte(key), fxBytes(fields...)) })
	return n, st
}

func fxHIncr(s *Store, key, field string, by int64) (int64, Status, error) {
	var n int64
	var st Status
	var err error
	fxDo(s, key, fxNow, func(x *Exec) { n, st, err = x.HIncrBy(0, []byte(key), []byte(field), by) })
	return n, st, err
}

func fxHIncrFloat(s *Store, key, field, by string) (string, Status, error) {
	var v string
	var st Status
	var err error
	fxDo(s, key, fxNow, func(x *Exec) {
		b, status, e := x.HIncrByFloat(0, []byte(key), []byte(field), fxDD(by), nil)
		v, st, err = string(b), status, e
	})
	return v, st, err
}

// fxHashAll renders a hash as "f=v f=v" sorted by field ("(nil)" when
// absent, "WRONGTYPE" for another type).
func fxHashAll(s *Store, key string) string {
	var out string
	fxDo(s, key, fxNow, func(x *Exec) {
		e, st := x.Hash(0, []byte(key))
		switch st {
		case NotFound:
			out = "(nil)"
			return
		case WrongType:
			out = "WRONGTYPE"
			return
		}
		var parts []string
		x.HashEach(e, func(name string, v []byte) bool {
			parts = append(parts, name+"="+string(v))
			return true
		})
		if len(parts) != HashLen(e) {
			out = fmt.Sprintf("HashEach gave %d fields, HashLen says %d", len(parts), HashLen(e))
			return
		}
		sort.Strings(parts)
		out = strings.Join(parts, " ")
	})
	return out
}

func fxHashWant(t *testing.T, s *Store, key, want string) {
	t.Helper()
	if got := fxHashAll(s, key); got != want {
		t.Fatalf("hash %s = %q, want %q", key, got, want)
	}
}

func TestHashes_SetGetLenExistsStrLen(t *testing.T) {
	s := fxStore(t, Config{Shards: 2})
	if n, st := fxHSet(s, "h", "f1", "a", "f2", "bb"); n != 2 || st != OK {
		t.Fatalf("HSET new = %d, %d", n, st)
	}
	// A field named twice counts once and keeps the last value.
	if n, _ := fxHSet(s, "h", "f1", "x", "f3", "c", "f3", "cc"); n != 1 {
		t.Fatalf("HSET f1 x f3 c f3 cc = %d, want 1", n)
	}
	fxHashWant(t, s, "h", "f1=x f2=bb f3=cc")
	fxDo(s, "h", fxNow, func(x *Exec) {
		if v, st := x.HGet(0, []byte("h"), []byte("f2")); st != OK || string(v) != "bb" {
			t.Fatalf("HGET f2 = %q, %d", v, st)
		}
		if _, st := x.HGet(0, []byte("h"), []byte("nope")); st != NotFound {
			t.Fatalf("HGET nope: %d", st)
		}
		if _, st := x.HGet(0, []byte("nokey"), []byte("f")); st != NotFound {
			t.Fatalf("HGET on an absent key: %d", st)
		}
		if n, st := x.HLen(0, []byte("h")); n != 3 || st != OK {
			t.Fatalf("HLEN = %d, %d", n, st)
		}
		if n, st := x.HLen(0, []byte("nokey")); n != 0 || st != NotFound {
			t.Fatalf("HLEN absent = %d, %d", n, st)
		}
		if ok, _ := x.HExists(0, []byte("h"), []byte("f3")); !ok {
			t.Fatal("HEXISTS f3")
		}
		if ok, _ := x.HExists(0, []byte("h"), []byte("f9")); ok {
			t.Fatal("HEXISTS f9")
		}
		if n, _ := x.HStrLen(0, []byte("h"), []byte("f3")); n != 2 {
			t.Fatalf("HSTRLEN f3 = %d", n)
		}
		if n, _ := x.HStrLen(0, []byte("h"), []byte("f9")); n != 0 {
			t.Fatalf("HSTRLEN f9 = %d", n)
		}
		var got []string
		st := x.HMGet(0, []byte("h"), fxBytes("f1", "nope", "f3"), func(v []byte, ok bool) {
			got = append(got, fmt.Sprintf("%s/%v", v, ok))
		})
		if st != OK || strings.Join(got, " ") != "x/true /false cc/true" {
			t.Fatalf("HMGET = %v, %d", got, st)
		}
		got = nil
		x.HMGet(0, []byte("nokey"), fxBytes("a", "b"), func(v []byte, ok bool) { got = append(got, fmt.Sprint(ok)) })
		if strings.Join(got, " ") != "false false" {
			t.Fatalf("HMGET on an absent key = %v", got)
		}
	})
	if k := kindOf(s, "h"); k != core.KindHash || k.String() != "hash" {
		t.Fatalf("TYPE = %v", k)
	}
}

func kindOf(s *Store, key string) core.Kind {
	var k core.Kind
	fxDo(s, key, fxNow, func(x *Exec) { k = x.KindOf(0, []byte(key)) })
	return k
}

func TestHashes_HSetNX(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	var st Status
	fxDo(s, "h", fxNow, func(x *Exec) { st = x.HSetNX(0, []byte("h"), []byte("f"), []byte("1")) })
	if st != OK {
		t.Fatalf("HSETNX new = %d", st)
	}
	fxDo(s, "h", fxNow, func(x *Exec) { st = x.HSetNX(0, []byte("h"), []byte("f"), []byte("2")) })
	if st != NotDone {
		t.Fatalf("HSETNX existing = %d", st)
	}
	fxHashWant(t, s, "h", "f=1")
}

func TestHashes_HDelRemovesKeyWithLastField(t *testing.T) {
	s := fxStore(t, Config{Shards: 1, RetainTombstones: true})
	fxHSet(s, "h", "a", "1", "b", "2", "c", "3")
	if n, st := fxHDel(s, "h", "a", "nope", "a"); n != 1 || st != OK {
		t.Fatalf("HDEL a nope a = %d, %d", n, st)
	}
	// Redis stops at the field that empties the hash: b counts, c goes
	// with it, and nothing named after counts.
	if n, _ := fxHDel(s, "h", "b", "c", "b"); n != 2 {
		t.Fatalf("HDEL b c b = %d, want 2", n)
	}
	fxHashWant(t, s, "h", "(nil)")
	if n, st := fxHDel(s, "h", "a"); n != 0 || st != OK {
		t.Fatalf("HDEL on an absent key = %d, %d", n, st)
	}
	fxDo(s, "h", fxNow, func(x *Exec) {
		if x.Len(0) != 0 || x.Tombstone(0, []byte("h")) == nil {
			t.Fatalf("the emptied hash is not a tombstone: keys=%d", x.Len(0))
		}
	})
	// The tombstone comes back as a fresh hash.
	if n, _ := fxHSet(s, "h", "b", "new"); n != 1 {
		t.Fatalf("HSET on the tombstone = %d", n)
	}
	fxHashWant(t, s, "h", "b=new")
}

func TestHashes_WrongType(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	fxSet(s, "str", "v", SetOptions{}, fxNow)
	fxDo(s, "str", fxNow, func(x *Exec) {
		k := []byte("str")
		f := []byte("f")
		if _, st := x.HSet(0, k, fxBytes("f", "v")); st != WrongType {
			t.Fatal("HSET")
		}
		if st := x.HSetNX(0, k, f, f); st != WrongType {
			t.Fatal("HSETNX")
		}
		if _, st := x.HGet(0, k, f); st != WrongType {
			t.Fatal("HGET")
		}
		if st := x.HMGet(0, k, fxBytes("f"), func([]byte, bool) { t.Fatal("HMGET called fn") }); st != WrongType {
			t.Fatal("HMGET")
		}
		if _, st := x.HLen(0, k); st != WrongType {
			t.Fatal("HLEN")
		}
		if _, st := x.HExists(0, k, f); st != WrongType {
			t.Fatal("HEXISTS")
		}
		if _, st := x.HStrLen(0, k, f); st != WrongType {
			t.Fatal("HSTRLEN")
		}
		if _, st := x.HDel(0, k, fxBytes("f")); st != WrongType {
			t.Fatal("HDEL")
		}
		if _, st, _ := x.HIncrBy(0, k, f, 1); st != WrongType {
			t.Fatal("HINCRBY")
		}
		if _, st, _ := x.HIncrByFloat(0, k, f, fxDD("1"), nil); st != WrongType {
			t.Fatal("HINCRBYFLOAT")
		}
		if _, st := x.Hash(0, k); st != WrongType {
			t.Fatal("Hash")
		}
	})
	fxWant(t, s, "str", "v", fxNow)
	// And the other way round: string commands refuse a hash.
	fxHSet(s, "h", "f", "v")
	if _, st := fxGet(s, "h", fxNow); st != WrongType {
		t.Fatalf("GET of a hash: %d", st)
	}
}

func TestHashes_HIncrBy(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	if n, _, err := fxHIncr(s, "h", "c", 5); n != 5 || err != nil {
		t.Fatalf("HINCRBY new = %d, %v", n, err)
	}
	if n, _, err := fxHIncr(s, "h", "c", -7); n != -2 || err != nil {
		t.Fatalf("HINCRBY -7 = %d, %v", n, err)
	}
	fxHSet(s, "h", "s", "abc", "big", "9223372036854775807", "neg", "-9223372036854775808", "f", "1.5", "sp", " 1")
	for _, tc := range []struct {
		field string
		by    int64
		err   error
	}{
		{"s", 1, core.ErrNotInteger},
		{"f", 1, core.ErrNotInteger},
		{"sp", 1, core.ErrNotInteger},
		{"big", 1, core.ErrOverflow},
		{"neg", -1, core.ErrOverflow},
	} {
		if _, _, err := fxHIncr(s, "h", tc.field, tc.by); !errors.Is(err, tc.err) {
			t.Errorf("HINCRBY %s %d: %v, want %v", tc.field, tc.by, err, tc.err)
		}
	}
	if n, _, err := fxHIncr(s, "h", "big", 0); n != math.MaxInt64 || err != nil {
		t.Fatalf("HINCRBY big 0 = %d, %v", n, err)
	}
	// Failed increments wrote nothing: one key, the fields as they were.
	fxDo(s, "h", fxNow, func(x *Exec) {
		if x.Len(0) != 1 {
			t.Fatalf("keys = %d", x.Len(0))
		}
	})
	fxHashWant(t, s, "h", "big=9223372036854775807 c=-2 f=1.5 neg=-9223372036854775808 s=abc sp= 1")
}

func TestHashes_HIncrByFloat(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	fxHSet(s, "h", "f", "10.5", "s", "abc", "inf", "inf", "e", "5.0e3", "i", "3")
	for _, tc := range []struct {
		field, by, want string
		err             error
	}{
		{"f", "0.1", "10.6", nil},
		{"f", "-5", "5.6", nil},
		{"e", "1", "5001", nil},
		{"i", "1.5", "4.5", nil},
		{"new", "3.0", "3", nil},
		{"s", "1", "", core.ErrNotFloat},
		{"inf", "1", "", core.ErrNaN}, // Redis: "increment would produce NaN or Infinity"
		{"f", "1.7e308", "", nil},
	} {
		v, _, err := fxHIncrFloat(s, "h", tc.field, tc.by)
		if !errors.Is(err, tc.err) || (tc.want != "" && v != tc.want) {
			t.Errorf("HINCRBYFLOAT %s %s = %q, %v; want %q, %v", tc.field, tc.by, v, err, tc.want, tc.err)
		}
	}
	if _, _, err := fxHIncrFloat(s, "h", "f", "1.7e308"); !errors.Is(err, core.ErrNaN) {
		t.Fatalf("past the float range: %v", err)
	}
}

func TestHashes_ExpiryAndDelete(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	fxHSet(s, "h", "a", "1")
	fxDo(s, "h", fxNow, func(x *Exec) {
		if st := x.Expire(0, []byte("h"), fxNow+1000, ExpireCond{}); st != OK {
			t.Fatalf("EXPIRE = %d", st)
		}
	})
	fxHSet(s, "h", "b", "2") // HSET keeps the TTL, as in Redis
	if dl, ok := fxDeadline(s, "h", fxNow); !ok || dl != fxNow+1000 {
		t.Fatalf("deadline = %d, %v", dl, ok)
	}
	var st Status
	fxDo(s, "h", fxNow+1001, func(x *Exec) { _, st = x.HLen(0, []byte("h")) })
	if st != NotFound {
		t.Fatalf("HLEN past the deadline: %d", st)
	}
	// A write to a key past its deadline starts from an empty hash.
	fxDo(s, "h", fxNow+1001, func(x *Exec) { x.HSet(0, []byte("h"), fxBytes("c", "3")) })
	fxHashWant(t, s, "h", "c=3")
	if dl, _ := fxDeadline(s, "h", fxNow); dl != 0 {
		t.Fatalf("the revived hash kept a deadline: %d", dl)
	}
	fxDo(s, "h", fxNow, func(x *Exec) {
		if !x.DeleteKey(0, []byte("h")) {
			t.Fatal("DEL")
		}
	})
	fxHashWant(t, s, "h", "(nil)")
}

func TestHashes_RenameAndCopyKeepFields(t *testing.T) {
	s, _ := newTestStore(t, 0)
	src, dst := keysOnShards(t, s)
	fxHSet(s, string(src), "a", "1", "b", "x")
	fxHIncr(s, string(src), "a", 4)
	set(s, 0, string(dst), "a string", 0)
	m := lockKeys(s, string(src), string(dst))
	if st := m.Rename(0, src, dst, false); st != OK {
		t.Fatalf("RENAME = %d", st)
	}
	m.Unlock()
	fxHashWant(t, s, string(dst), "a=5 b=x")
	fxHashWant(t, s, string(src), "(nil)")
	m = lockKeys(s, string(dst), "copy")
	if st := m.Copy(0, dst, 0, []byte("copy"), false); st != OK {
		t.Fatalf("COPY = %d", st)
	}
	m.Unlock()
	fxHashWant(t, s, "copy", "a=5 b=x")
}

// fxCountRand runs RandomFields on key and returns the picks.
func fxCountRand(t *testing.T, s *Store, key string, count int64) []string {
	t.Helper()
	var picks []string
	fxDo(s, key, fxNow, func(x *Exec) {
		e, st := x.Hash(0, []byte(key))
		if st != OK {
			t.Fatalf("Hash: %d", st)
		}
		n := x.RandomFields(e, count, func(name string, v []byte) {
			if r := e.Fields.Get([]byte(name)); r == nil {
				t.Fatalf("picked %q, not a live field", name)
			}
			if want := "v" + strings.TrimPrefix(name, "f"); string(v) != want {
				t.Fatalf("field %s came with %q", name, v)
			}
			picks = append(picks, name)
		})
		if n != len(picks) {
			t.Fatalf("RandomFields said %d, gave %d", n, len(picks))
		}
	})
	return picks
}

func fxFillHash(s *Store, key string, n int) {
	fxDo(s, key, fxNow, func(x *Exec) {
		for i := 0; i < n; i++ {
			x.HSet(0, []byte(key), fxBytes("f"+strconv.Itoa(i), "v"+strconv.Itoa(i)))
		}
	})
}

// TestHashes_RandomFieldsRules: Redis's HRANDFIELD counts for small and
// large hashes, across every branch: positive = distinct and at most the
// size, negative = exactly -count and may repeat.
func TestHashes_RandomFieldsRules(t *testing.T) {
	for _, size := range []int{1, 5, randWindow, randWindow + 1, 1000, 20000} {
		s := fxStore(t, Config{Shards: 1})
		fxFillHash(s, "h", size)
		for _, count := range []int64{1, 2, int64(size) / 3, int64(size)/3 + 1, int64(size) - 1, int64(size), int64(size) + 5, -1, -3, -int64(size) * 2} {
			if count == 0 {
				continue
			}
			picks := fxCountRand(t, s, "h", count)
			want := int(count)
			if count < 0 {
				want = int(-count)
			} else if want > size {
				want = size
			}
			if len(picks) != want {
				t.Fatalf("size %d count %d: %d picks, want %d", size, count, len(picks), want)
			}
			if count > 0 {
				seen := map[string]bool{}
				for _, p := range picks {
					if seen[p] {
						t.Fatalf("size %d count %d: %s picked twice", size, count, p)
					}
					seen[p] = true
				}
			}
		}
		if picks := fxCountRand(t, s, "h", 0); len(picks) != 0 {
			t.Fatalf("count 0 picked %v", picks)
		}
	}
}

// fxRandHits counts the picks of rounds calls of RandomFields(count).
func fxRandHits(t *testing.T, s *Store, key string, count int64, rounds int) map[string]int {
	t.Helper()
	hits := map[string]int{}
	for i := 0; i < rounds; i++ {
		for _, p := range fxCountRand(t, s, key, count) {
			hits[p]++
		}
	}
	return hits
}

// fxWantSpread requires every one of size fields to have about the
// expected 100 hits. The bounds (40 to 200) are loose enough never to
// flake on a fair draw and tight enough to catch a skewed one.
func fxWantSpread(t *testing.T, what string, size int, hits map[string]int) {
	t.Helper()
	for i := 0; i < size; i++ {
		if n := hits["f"+strconv.Itoa(i)]; n < 40 || n > 200 {
			t.Fatalf("%s, size %d: f%d picked %d times of an expected 100", what, size, i, n)
		}
	}
}

// TestHashes_RandomFieldsSpread: every field gets picked about equally
// often by every way RandomFields draws: walked single picks (exactly
// uniform below randWindow fields, nearly so above), many picks from a
// listed hash, and distinct picks both walked and listed.
func TestHashes_RandomFieldsSpread(t *testing.T) {
	for _, size := range []int{3, 20, 300, 2000} {
		s := fxStore(t, Config{Shards: 1})
		fxFillHash(s, "h", size)
		fxWantSpread(t, "single picks", size, fxRandHits(t, s, "h", -1, 100*size))
		fxWantSpread(t, "repeating picks", size, fxRandHits(t, s, "h", -100*int64(size), 1))
		if size >= 2000 {
			// 5 distinct of 2000 are walked, 700 distinct are listed.
			fxWantSpread(t, "few distinct picks", size, fxRandHits(t, s, "h", 5, 100*size/5))
			fxWantSpread(t, "many distinct picks", size, fxRandHits(t, s, "h", 700, 100*size/700+1))
		}
	}
	// With peers, removed fields stay in the table as tombstones: walks
	// skip them and stay fair, and a hash that is mostly tombstones is
	// listed instead.
	for _, removed := range []int{500, 1800} {
		s := fxStore(t, Config{Shards: 1, RetainTombstones: true})
		fxFillHash(s, "h", 2000)
		var gone []string
		for i := 0; i < removed; i++ {
			gone = append(gone, "f"+strconv.Itoa(2000-removed+i))
		}
		fxHDel(s, "h", gone...)
		left := 2000 - removed
		what := fmt.Sprintf("single picks, %d tombstones", removed)
		fxWantSpread(t, what, left, fxRandHits(t, s, "h", -1, 100*left))
		fxWantSpread(t, "distinct "+what, left, fxRandHits(t, s, "h", 3, 100*left/3))
	}
}

// TestHashes_ScanEveryFieldOnce: a full HSCAN of a large hash returns every
// field exactly once with its value, whatever COUNT; a small hash comes
// whole in one page whatever the cursor, as a Redis listpack does.
func TestHashes_ScanEveryFieldOnce(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	fxFillHash(s, "big", 3000)
	fxFillHash(s, "small", 10)
	for _, count := range []int{1, 10, 500} {
		seen := map[string]int{}
		cursor, pages := uint64(0), 0
		for {
			fxDo(s, "big", fxNow, func(x *Exec) {
				e, _ := x.Hash(0, []byte("big"))
				cursor = x.HScan(e, cursor, count, func(name string, v []byte) {
					if "v"+strings.TrimPrefix(name, "f") != string(v) {
						t.Fatalf("%s=%q", name, v)
					}
					seen[name]++
				})
			})
			pages++
			if cursor == 0 || pages > 10_000 {
				break
			}
		}
		if len(seen) != 3000 {
			t.Fatalf("count %d: %d fields seen", count, len(seen))
		}
		for k, n := range seen {
			if n != 1 {
				t.Fatalf("count %d: %s seen %d times", count, k, n)
			}
		}
	}
	for _, cursor := range []uint64{0, 1, math.MaxUint64} {
		n := 0
		var next uint64
		fxDo(s, "small", fxNow, func(x *Exec) {
			e, _ := x.Hash(0, []byte("small"))
			next = x.HScan(e, cursor, 1, func(string, []byte) { n++ })
		})
		if n != 10 || next != 0 {
			t.Fatalf("small hash, cursor %d: %d fields, next %d", cursor, n, next)
		}
	}
}

func TestHashes_ReadsCountHitsWritesDoNot(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	fxHSet(s, "h", "f", "v")
	fxHIncr(s, "h", "n", 1)
	fxHDel(s, "h", "n")
	if st := fxStats(s); st.Hits != 0 || st.Misses != 0 {
		t.Fatalf("writes counted: %+v", st)
	}
	fxDo(s, "h", fxNow, func(x *Exec) {
		x.HGet(0, []byte("h"), []byte("f"))
		x.HGet(0, []byte("nokey"), []byte("f"))
	})
	if st := fxStats(s); st.Hits != 1 || st.Misses != 1 {
		t.Fatalf("reads: %+v", st)
	}
}

// --- Replication ---------------------------------------------------------------

// fxHashPair is two regions whose every delta is recorded, so a test can
// decide what each has received.
type fxHashPair struct {
	a, b       *Store
	recA, recB *recSink
}

func newFxHashPair(t *testing.T) *fxHashPair {
	a, ra := newTestStore(t, 1)
	b, rb := newTestStore(t, 2)
	for _, s := range []*Store{a, b} {
		for i := 0; i < s.Shards(); i++ {
			s.Shard(i).x.retain = true // regions with a peer keep tombstones
		}
	}
	return &fxHashPair{a: a, b: b, recA: ra, recB: rb}
}

// sync delivers what each region wrote to the other, twice (a duplicate
// changes nothing).
func (p *fxHashPair) sync(t *testing.T) {
	da, db := p.recA.take(t), p.recB.take(t)
	replay(p.b, da)
	replay(p.a, db)
	replay(p.b, da)
	replay(p.a, db)
}

func (p *fxHashPair) want(t *testing.T, key, want string) {
	t.Helper()
	fxHashWant(t, p.a, key, want)
	fxHashWant(t, p.b, key, want)
}

// SEMANTICS.md section 2: "A: HSET h f1 a, B: HSET h f2 b → both: f1=a,
// f2=b", through the shards and the delta codec.
func TestHashes_ReplicatedConcurrentHSetsUnion(t *testing.T) {
	p := newFxHashPair(t)
	fxHSet(p.a, "h", "f1", "a")
	fxHSet(p.b, "h", "f2", "b")
	p.sync(t)
	p.want(t, "h", "f1=a f2=b")
}

// HDEL removes only the field writes it observed: a concurrent HSET of the
// same field survives, and so does a concurrent write of another field.
func TestHashes_ReplicatedHDelVersusConcurrentHSet(t *testing.T) {
	p := newFxHashPair(t)
	fxHSet(p.a, "h", "f", "old", "g", "1")
	p.sync(t)
	fxHDel(p.a, "h", "f", "g")
	fxHSet(p.b, "h", "f", "new")
	p.sync(t)
	p.want(t, "h", "f=new")
}

// DEL of a hash removes the fields it observed; a field written
// concurrently elsewhere survives, and the key with it.
func TestHashes_ReplicatedDelVersusConcurrentHSet(t *testing.T) {
	p := newFxHashPair(t)
	fxHSet(p.a, "h", "f1", "x")
	p.sync(t)
	fxDo(p.a, "h", fxNow, func(x *Exec) { x.DeleteKey(0, []byte("h")) })
	fxHSet(p.b, "h", "f2", "y")
	p.sync(t)
	p.want(t, "h", "f2=y")
}

// Concurrent HINCRBYs add up, and an HSET concurrent with an HINCRBY keeps
// the unobserved increment (section 1 per field).
func TestHashes_ReplicatedIncrements(t *testing.T) {
	p := newFxHashPair(t)
	fxHIncr(p.a, "h", "c", 7)
	fxHIncr(p.b, "h", "c", 3)
	p.sync(t)
	p.want(t, "h", "c=10")
	fxHSet(p.a, "h", "c", "100")
	fxHIncr(p.b, "h", "c", 5)
	p.sync(t)
	p.want(t, "h", "c=105")
	fxHDel(p.a, "h", "c")
	fxHIncr(p.b, "h", "c", 2)
	p.sync(t)
	p.want(t, "h", "c=2")
}

// TestHashes_TwoStoresConverge: two regions (1-3 shards each) run random
// hash commands, DEL and EXPIRE; deltas travel FIFO per (origin, partition) in any interleaving,
// with duplicates; once everything is delivered both regions show the same
// type, fields, values and deadline for every key.
func TestHashes_TwoStoresConverge(t *testing.T) {
	keys := []string{"a", "b", "c"}
	fields := []string{"f", "g", "h"}
	rapid.Check(t, func(rt *rapid.T) {
		type region struct {
			s     *Store
			sinks *[]*fxSink
			queue map[int][][]byte
			next  map[int]int
			taken []int
		}
		mk := func(id core.ReplicaID) *region {
			ns, sinks := fxSinks()
			s := New(Config{Shards: rapid.IntRange(1, 3).Draw(rt, "shards"), Replica: id, NewSink: ns, RetainTombstones: true})
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
			fxDo(dst.s, string(d.Key), fxNow, func(x *Exec) { x.Apply(&d) })
		}
		deliver := func(from, to *region, p int) {
			if from.next[p] < len(from.queue[p]) {
				applyTo(to, from.queue[p][from.next[p]])
				from.next[p]++
			}
		}
		for i, n := 0, rapid.IntRange(0, 80).Draw(rt, "steps"); i < n; i++ {
			ri := rapid.IntRange(0, 1).Draw(rt, "region")
			r, other := rs[ri], rs[1-ri]
			key := []byte(rapid.SampledFrom(keys).Draw(rt, "key"))
			field := []byte(rapid.SampledFrom(fields).Draw(rt, "field"))
			op := rapid.IntRange(0, 10).Draw(rt, "op")
			if op >= 9 {
				collect(other)
				var parts []int
				for p := range other.queue {
					if other.next[p] < len(other.queue[p]) {
						parts = append(parts, p)
					}
				}
				if len(parts) > 0 {
					sort.Ints(parts)
					p := rapid.SampledFrom(parts).Draw(rt, "part")
					deliver(other, r, p)
					if rapid.IntRange(0, 3).Draw(rt, "dup") == 0 {
						applyTo(r, other.queue[p][rapid.IntRange(0, other.next[p]-1).Draw(rt, "dupidx")])
					}
				}
				continue
			}
			fxDo(r.s, string(key), fxNow, func(x *Exec) {
				switch op {
				case 0, 1:
					x.HSet(0, key, [][]byte{field, []byte(rapid.SampledFrom([]string{"1", "7", "x", "-4"}).Draw(rt, "v"))})
				case 2, 3:
					x.HIncrBy(0, key, field, rapid.Int64Range(-5, 5).Draw(rt, "by"))
				case 4:
					x.HIncrByFloat(0, key, field, fxDD("0.5"), nil)
				case 5, 6:
					x.HDel(0, key, [][]byte{field})
				case 7:
					x.DeleteKey(0, key)
				case 8:
					x.Expire(0, key, fxNow+rapid.Int64Range(1, 4).Draw(rt, "dl")*1000, ExpireCond{})
				}
			})
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
			h0, h1 := fxHashAll(rs[0].s, k), fxHashAll(rs[1].s, k)
			v0, _ := fxGet(rs[0].s, k, fxNow)
			v1, _ := fxGet(rs[1].s, k, fxNow)
			d0, _ := fxDeadline(rs[0].s, k, fxNow)
			d1, _ := fxDeadline(rs[1].s, k, fxNow)
			if h0 != h1 || v0 != v1 || d0 != d1 {
				rt.Fatalf("key %s: region 1 shows %q/%q deadline %d, region 2 %q/%q deadline %d", k, h0, v0, d0, h1, v1, d1)
			}
		}
	})
}

// TestHashes_TypeConflictThenSameTypeAgain (SEMANTICS.md section 8): B
// creates a hash; concurrently A writes a string, deletes it and creates a
// hash again. Both regions must end with the same fields: the losing
// type's data is kept apart, not dropped, so B still has its field write
// when A's second hash arrives (core.Entry.target).
func TestHashes_TypeConflictThenSameTypeAgain(t *testing.T) {
	p := newFxHashPair(t)
	fxHIncrFloat(p.b, "k", "f", "0.5")
	fxSet(p.a, "k", "s", SetOptions{}, fxNow)
	fxDo(p.a, "k", fxNow, func(x *Exec) { x.DeleteKey(0, []byte("k")) })
	fxHSet(p.a, "k", "f", "1")
	p.sync(t)
	if a, b := fxHashAll(p.a, "k"), fxHashAll(p.b, "k"); a != b {
		t.Fatalf("A reads %q, B reads %q", a, b)
	}
}

// --- Allocations and benchmarks ------------------------------------------------

func TestAllocs_ShardHSetOverwrite(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	key := []byte("hash:000001")
	pairs := fxBytes("field:0001", "value-0001")
	sh := s.ShardFor(key)
	fxHSet(s, string(key), "field:0001", "value-0001", "other", "x")
	n := testing.AllocsPerRun(1000, func() {
		x := sh.Lock(fxNow)
		x.HSet(0, key, pairs)
		sh.Unlock()
	})
	if n != 0 {
		t.Fatalf("HSET overwrite: %.1f allocations", n)
	}
}

func TestAllocs_ShardHGetAndHIncrBy(t *testing.T) {
	s := fxStore(t, Config{Shards: 1})
	key, field, ctr := []byte("hash:000001"), []byte("field:0001"), []byte("counter")
	sh := s.ShardFor(key)
	fxHSet(s, string(key), string(field), "value-0001")
	fxHIncr(s, string(key), string(ctr), 1)
	fxHIncr(s, string(key), string(ctr), 1)
	n := testing.AllocsPerRun(1000, func() {
		x := sh.Lock(fxNow)
		if v, st := x.HGet(0, key, field); st != OK || len(v) == 0 {
			t.Fatal("HGET")
		}
		if _, st := x.HGet(0, key, ctr); st != OK {
			t.Fatal("HGET counter")
		}
		sh.Unlock()
	})
	if n != 0 {
		t.Fatalf("HGET: %.1f allocations", n)
	}
	n = testing.AllocsPerRun(1000, func() {
		x := sh.Lock(fxNow)
		if _, _, err := x.HIncrBy(0, key, ctr, 1); err != nil {
			t.Fatal(err)
		}
		sh.Unlock()
	})
	if n != 0 {
		t.Fatalf("HINCRBY: %.1f allocations", n)
	}
}

func BenchmarkHashes_HSetOverwrite(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	key := []byte("hash:000001")
	pairs := fxBytes("field:0001", "value-0001")
	sh := s.ShardFor(key)
	b.ReportAllocs()
	for b.Loop() {
		x := sh.Lock(fxNow)
		x.HSet(0, key, pairs)
		sh.Unlock()
	}
}

func BenchmarkHashes_HGet(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	key, field := []byte("hash:000001"), []byte("field:0001")
	sh := s.ShardFor(key)
	fxHSet(s, string(key), string(field), "value-0001")
	b.ReportAllocs()
	for b.Loop() {
		x := sh.Lock(fxNow)
		x.HGet(0, key, field)
		sh.Unlock()
	}
}

func BenchmarkHashes_HIncrBy(b *testing.B) {
	s := fxStore(b, Config{Shards: 1})
	key, field := []byte("hash:000001"), []byte("counter")
	sh := s.ShardFor(key)
	b.ReportAllocs()
	for b.Loop() {
		x := sh.Lock(fxNow)
		x.HIncrBy(0, key, field, 1)
		sh.Unlock()
	}
}

// BenchmarkHashes_HSetLargeHash: HSET of new fields into a hash that
// already holds size fields, and of fields it holds. The time per HSET must
// not grow with the size (beyond cache effects): no step of a write walks
// the hash.
func BenchmarkHashes_HSetLargeHash(b *testing.B) {
	for _, size := range []int{1_000, 1_000_000} {
		s := fxStore(b, Config{Shards: 1})
		key := []byte("big")
		sh := s.ShardFor(key)
		fields := make([][]byte, size)
		for i := range fields {
			fields[i] = []byte("field:" + strconv.Itoa(i))
		}
		val := []byte("value")
		x := sh.Lock(fxNow)
		pair := make([][]byte, 2)
		for _, f := range fields {
			pair[0], pair[1] = f, val
			x.HSet(0, key, pair)
		}
		sh.Unlock()
		b.Run(fmt.Sprintf("overwrite/size=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			pair := make([][]byte, 2)
			for b.Loop() {
				pair[0], pair[1] = fields[i%size], val
				i += 7919 // a prime stride: touch the whole table
				x := sh.Lock(fxNow)
				x.HSet(0, key, pair)
				sh.Unlock()
			}
		})
		b.Run(fmt.Sprintf("hrandfield/size=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				x := sh.Lock(fxNow)
				e, _ := x.Hash(0, key)
				x.RandomFields(e, -1, func(string, []byte) {})
				sh.Unlock()
			}
		})
		// Last: it grows the hash by b.N fields.
		b.Run(fmt.Sprintf("new/size=%d", size), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			pair := make([][]byte, 2)
			var name []byte
			for b.Loop() {
				name = strconv.AppendInt(append(name[:0], "new:"...), int64(i), 10)
				pair[0], pair[1] = name, val
				i++
				x := sh.Lock(fxNow)
				x.HSet(0, key, pair)
				sh.Unlock()
			}
		})
	}
}
