package core_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// Tests of core.List (SEMANTICS.md section 5): a single region against a
// []string model, many regions converging under any delivery order with
// duplicates (and full-state merges), and each section 5 example as its own
// test, over the simulated regions of sim_test.go.

// ---- a single region against a naive model

// lregion is one region's list key written directly (no simulation).
type lregion struct {
	e   core.Entry
	d   core.Delta
	rep core.ReplicaID
	seq uint64
	ts  core.Timestamp
}

func (r *lregion) next() (core.Dot, core.Timestamp) {
	r.seq++
	r.ts += 3
	return core.Dot{Replica: r.rep, Seq: r.seq}, r.ts
}

func (r *lregion) len() int {
	if l := r.e.List(); l != nil {
		return l.Len()
	}
	return 0
}

func (r *lregion) insert(at int, v string) {
	dot, ts := r.next()
	r.e.ListInsert(&r.d, dot, ts, at, []byte(v))
}

func (r *lregion) remove(at, n int) {
	dot, ts := r.next()
	r.e.ListRemove(&r.d, dot, ts, at, n)
}

func (r *lregion) values() []string {
	l := r.e.List()
	if l == nil {
		return nil
	}
	var out []string
	l.Range(0, l.Len(), func(v []byte) bool {
		out = append(out, string(v))
		return true
	})
	return out
}

func listValue(t *rapid.T) string {
	return rapid.OneOf(
		rapid.SampledFrom([]string{"a", "b", "c", "", "x"}),
		rapid.StringN(0, 40, 40),
		rapid.Map(rapid.IntRange(0, 9000), func(n int) string { return strings.Repeat("v", n) }),
	).Draw(t, "value")
}

// TestListModel runs random local writes and reads on one list and checks
// every read against a plain slice, with and without tombstones kept.
func TestListModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := &lregion{rep: 3}
		r.e.Retain = rapid.Bool().Draw(t, "retain")
		var model []string
		big := rapid.IntRange(0, 3).Draw(t, "bulk") == 0
		steps := rapid.IntRange(1, 200).Draw(t, "steps")
		for s := 0; s < steps; s++ {
			n := len(model)
			switch op := rapid.IntRange(0, 9).Draw(t, "op"); {
			case op <= 2 || n == 0:
				// push or insert anywhere, sometimes many at once
				count := 1
				if big {
					count = rapid.IntRange(1, 300).Draw(t, "count")
				}
				where := rapid.IntRange(0, 2).Draw(t, "where") // head, tail, anywhere
				for c := 0; c < count; c++ {
					v := listValue(t)
					at := 0
					switch where {
					case 1:
						at = len(model)
					case 2:
						at = rapid.IntRange(0, len(model)).Draw(t, "at")
					}
					r.insert(at, v)
					model = slices.Insert(model, at, v)
				}
			case op <= 4:
				at := rapid.IntRange(0, n-1).Draw(t, "at")
				k := rapid.IntRange(1, n-at).Draw(t, "n")
				r.remove(at, k)
				model = slices.Delete(model, at, at+k)
			case op == 5:
				// remove scattered indexes
				var idx []int
				for i := 0; i < n; i++ {
					if rapid.IntRange(0, 3).Draw(t, "pick") == 0 {
						idx = append(idx, i)
					}
				}
				dot, ts := r.next()
				r.e.ListRemoveAt(&r.d, dot, ts, idx)
				for j := len(idx) - 1; j >= 0; j-- {
					model = slices.Delete(model, idx[j], idx[j]+1)
				}
			case op == 6:
				at := rapid.IntRange(0, n-1).Draw(t, "at")
				v := listValue(t)
				dot, ts := r.next()
				r.e.ListSet(&r.d, dot, ts, at, []byte(v))
				model[at] = v
			case op == 7 && rapid.IntRange(0, 4).Draw(t, "clear") == 0:
				dot, ts := r.next()
				r.e.ListClear(&r.d, dot, ts)
				model = nil
			default:
				// reads
				if n > 0 {
					k := rapid.IntRange(0, n-1).Draw(t, "index")
					if got := string(r.e.List().Index(k)); got != model[k] {
						t.Fatalf("Index(%d) = %.20q, want %.20q", k, got, model[k])
					}
					cnt := rapid.IntRange(1, n).Draw(t, "cnt")
					var back []string
					r.e.List().RangeRev(k, cnt, func(v []byte) bool { back = append(back, string(v)); return true })
					for j, v := range back {
						if v != model[k-j] {
							t.Fatalf("RangeRev(%d,%d)[%d] = %.20q, want %.20q", k, cnt, j, v, model[k-j])
						}
					}
				}
			}
			if r.len() != len(model) {
				t.Fatalf("Len = %d, want %d", r.len(), len(model))
			}
			if len(model) > 0 != r.e.Live() {
				t.Fatalf("Live = %v with %d elements", r.e.Live(), len(model))
			}
		}
		if got := r.values(); !slices.Equal(got, model) && !(len(got) == 0 && len(model) == 0) {
			t.Fatalf("values differ:\n got %.200q\nwant %.200q", got, model)
		}
	})
}

// TestListLarge checks positional reads on a list of many leaves built from
// both ends and the middle.
func TestListLarge(t *testing.T) {
	r := &lregion{rep: 1}
	var model []string
	for i := 0; i < 20000; i++ {
		v := fmt.Sprint(i)
		switch i % 3 {
		case 0:
			r.insert(0, v)
			model = slices.Insert(model, 0, v)
		case 1:
			r.insert(len(model), v)
			model = append(model, v)
		default:
			at := (i * 7919) % (len(model) + 1)
			r.insert(at, v)
			model = slices.Insert(model, at, v)
		}
	}
	for k := 0; k < len(model); k += 37 {
		if got := string(r.e.List().Index(k)); got != model[k] {
			t.Fatalf("Index(%d) = %q, want %q", k, got, model[k])
		}
	}
	// Pop from both ends down to nothing.
	for len(model) > 0 {
		r.remove(0, 1)
		model = model[1:]
		if len(model) > 0 {
			r.remove(len(model)-1, 1)
			model = model[:len(model)-1]
		}
		if len(model) > 0 && string(r.e.List().Index(len(model)/2)) != model[len(model)/2] {
			t.Fatalf("middle differs at len %d", len(model))
		}
	}
	if r.e.Live() {
		t.Fatal("empty list is live")
	}
}

// ---- many regions

// lsim wraps the region simulation with list writes. Every entry keeps
// tombstones, as a region with peers does.
type lsim struct{ *sim }

func newListSim(t tb, ids []core.ReplicaID, names []string) lsim {
	s := newSim(t, ids, names, false)
	for _, r := range s.regions {
		for _, k := range append(simKeys, "L") {
			r.keys[k] = &core.Entry{Retain: true}
		}
	}
	return lsim{s}
}

func (s lsim) list(r *simRegion, key string) *core.List {
	if e := r.keys[key]; e != nil && e.Kind == core.KindList {
		return e.List()
	}
	return nil
}

func (s lsim) llen(r *simRegion, key string) int {
	if l := s.list(r, key); l != nil {
		return l.Len()
	}
	return 0
}

// write runs one local list write and ships its delta.
func (s lsim) write(r *simRegion, key, what string, fn func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp)) {
	s.logf("%s: %s %s", r.name, what, key)
	dot, p := r.nextDot(key)
	fn(r.entry(key), &r.delta, dot, r.clock.Now(r.wall))
	s.commit(r, key, p, &event{})
}

func (s lsim) insert(r *simRegion, key string, at int, v string) {
	s.write(r, key, fmt.Sprintf("INSERT@%d %q", at, v), func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) {
		e.ListInsert(d, dot, ts, at, []byte(v))
	})
}

func (s lsim) lpush(r *simRegion, key, v string) { s.insert(r, key, 0, v) }
func (s lsim) rpush(r *simRegion, key, v string) { s.insert(r, key, s.llen(r, key), v) }

func (s lsim) remove(r *simRegion, key string, at, n int) {
	s.write(r, key, fmt.Sprintf("REMOVE@%d+%d", at, n), func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) {
		e.ListRemove(d, dot, ts, at, n)
	})
}

func (s lsim) set(r *simRegion, key string, at int, v string) {
	s.write(r, key, fmt.Sprintf("LSET@%d %q", at, v), func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) {
		e.ListSet(d, dot, ts, at, []byte(v))
	})
}

// del is DEL as the shard runs it on a list: the elements, then the key.
func (s lsim) del(r *simRegion, key string) {
	if s.llen(r, key) == 0 {
		return
	}
	s.write(r, key, "CLEAR", func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) {
		e.ListClear(d, dot, ts)
	})
	s.write(r, key, "DEL", func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) {
		e.Delete(d, dot, ts)
	})
}

// lpop pops the head and returns it.
func (s lsim) lpop(r *simRegion, key string) string {
	l := s.list(r, key)
	if l == nil || l.Len() == 0 {
		return ""
	}
	v := string(l.Index(0))
	s.remove(r, key, 0, 1)
	return v
}

// show is what a user sees of key at r.
func (s lsim) show(r *simRegion, key string) string {
	l := s.list(r, key)
	if l == nil || l.Len() == 0 {
		return "[]"
	}
	var vs []string
	l.Range(0, l.Len(), func(v []byte) bool { vs = append(vs, string(v)); return true })
	return "[" + strings.Join(vs, " ") + "]"
}

// ldigest is the whole sequence with ids and tombstones.
func (s lsim) ldigest(r *simRegion, key string) string {
	l := s.list(r, key)
	if l == nil {
		return "-"
	}
	var b strings.Builder
	l.Nodes(func(id core.Dot, v []byte, dead bool) bool {
		if dead {
			fmt.Fprintf(&b, "%d.%d† ", id.Replica, id.Seq)
		} else {
			fmt.Fprintf(&b, "%d.%d=%.12q ", id.Replica, id.Seq, v)
		}
		return true
	})
	fmt.Fprintf(&b, "pending=%d", l.Pending())
	return b.String()
}

func (s lsim) checkListsConverged() {
	s.t.Helper()
	for _, k := range s.keysSeen() {
		want := s.ldigest(s.regions[0], k)
		for _, r := range s.regions[1:] {
			if got := s.ldigest(r, k); got != want {
				s.fatalf("list %s diverged:\n%s: %s\n%s: %s", k, s.regions[0].name, want, r.name, got)
			}
		}
		if l := s.list(s.regions[0], k); l != nil && l.Pending() != 0 {
			s.fatalf("list %s: %d writes still buffered after full delivery", k, l.Pending())
		}
	}
}

// TestListConvergence: random list writes at random regions, deliveries in
// any order across origins (FIFO per origin), duplicates and full-state
// merges; after delivering everything every region holds the same sequence.
func TestListConvergence(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 4).Draw(t, "regions")
		ids := rapid.Permutation(replicaIDs()).Draw(t, "ids")[:n]
		s := newListSim(t, ids, nil)
		for _, r := range s.regions {
			r.wall += rapid.Int64Range(-50, 50).Draw(t, "skew")
		}
		keys := simKeys[:2]
		steps := rapid.IntRange(0, 120).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			r := s.regions[rapid.IntRange(0, n-1).Draw(t, "region")]
			r.wall += rapid.Int64Range(-3, 10).Draw(t, "tick")
			key := rapid.SampledFrom(keys).Draw(t, "key")
			ln := s.llen(r, key)
			switch op := rapid.IntRange(0, 12).Draw(t, "op"); {
			case op <= 3:
				s.insert(r, key, rapid.IntRange(0, ln).Draw(t, "at"), rapid.SampledFrom([]string{"a", "b", "c", "d"}).Draw(t, "v"))
			case op == 4 && ln > 0:
				at := rapid.IntRange(0, ln-1).Draw(t, "at")
				s.remove(r, key, at, rapid.IntRange(1, ln-at).Draw(t, "n"))
			case op == 5 && ln > 0:
				s.set(r, key, rapid.IntRange(0, ln-1).Draw(t, "at"), rapid.SampledFrom([]string{"S", "T"}).Draw(t, "v"))
			case op == 6 && rapid.IntRange(0, 3).Draw(t, "del") == 0:
				s.del(r, key)
			case op <= 9:
				if q := s.pending(); len(q) > 0 {
					x := q[rapid.IntRange(0, len(q)-1).Draw(t, "queue")]
					s.deliver(s.regions[x[0]], x[1], x[2])
				}
			case op == 10:
				to := s.regions[rapid.IntRange(0, n-1).Draw(t, "to")]
				o := rapid.IntRange(0, n-1).Draw(t, "origin")
				p := rapid.IntRange(0, simParts-1).Draw(t, "part")
				if k := to.next[o][p]; k > 0 {
					s.redeliver(to, o, p, rapid.IntRange(0, k-1).Draw(t, "dup"))
				}
			case op == 11 && rapid.IntRange(0, 3).Draw(t, "merge") == 0:
				// full sync of one key from another region's state
				from := s.regions[rapid.IntRange(0, n-1).Draw(t, "from")]
				if from != r && from.keys[key] != nil {
					s.logf("merge %s<-%s %s", r.name, from.name, key)
					r.entry(key).Merge(from.keys[key])
				}
			}
		}
		s.syncAll()
		s.checkListsConverged()
		// A region built only by merging every state agrees too.
		for _, k := range keys {
			fresh := &core.Entry{Retain: true}
			for _, j := range rapid.Permutation(seqInts(n)).Draw(t, "mergeorder") {
				if e := s.regions[j].keys[k]; e != nil {
					fresh.Merge(e)
				}
			}
			var got string
			if l := fresh.List(); l != nil {
				tmp := lsim{s.sim}
				x := &simRegion{keys: map[string]*core.Entry{k: fresh}}
				got = tmp.ldigest(x, k)
			} else {
				got = "-"
			}
			if want := s.ldigest(s.regions[0], k); got != want && !(got == "-" && !strings.Contains(want, "=")) {
				s.fatalf("merged state of %s differs:\nmerged: %s\nregion: %s", k, got, want)
			}
		}
	})
}

func seqInts(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// ---- SEMANTICS.md section 5, one test per example

func listScript(t *testing.T, names ...string) (lsim, map[string]*simRegion) {
	ids := make([]core.ReplicaID, len(names))
	for i := range ids {
		ids[i] = core.ReplicaID(i + 1)
	}
	s := newListSim(t, ids, names)
	by := map[string]*simRegion{}
	for _, r := range s.regions {
		by[r.name] = r
	}
	return s, by
}

func (s lsim) expectAll(key, want string) {
	s.t.Helper()
	for _, r := range s.regions {
		if got := s.show(r, key); got != want {
			s.fatalf("%s reads %s = %s, want %s", r.name, key, got, want)
		}
	}
}

// Section 5: "[x] in sync; A: LINSERT L AFTER x y1, B: LINSERT L AFTER x y2
// → both x, y1, y2 or x, y2, y1, the same everywhere".
func TestSemantics5ConcurrentInsertAfterSamePivot(t *testing.T) {
	for _, later := range []string{"A", "B"} {
		s, r := listScript(t, "A", "B")
		s.rpush(r["A"], "L", "x")
		s.syncAll()
		r[later].wall += 5 // either region's insert may carry the larger key
		s.insert(r["A"], "L", 1, "y1")
		s.insert(r["B"], "L", 1, "y2")
		s.syncAll()
		s.checkListsConverged()
		got := s.show(r["A"], "L")
		if got != "[x y1 y2]" && got != "[x y2 y1]" {
			s.fatalf("got %s", got)
		}
		// The larger id (order key) comes first.
		if want := map[string]string{"A": "[x y1 y2]", "B": "[x y2 y1]"}[later]; got != want {
			s.fatalf("later writer %s: got %s, want %s", later, got, want)
		}
	}
}

// Section 5: "[x] in sync; A: LPUSH L y, B: DEL L → both [y]".
func TestSemantics5PushConcurrentWithDel(t *testing.T) {
	for _, order := range []string{"AB", "BA"} {
		s, r := listScript(t, "A", "B")
		s.rpush(r["A"], "L", "x")
		s.syncAll()
		s.lpush(r["A"], "L", "y")
		s.del(r["B"], "L")
		if order == "AB" {
			s.deliverFrom(r["B"], 0)
			s.deliverFrom(r["A"], 1)
		} else {
			s.deliverFrom(r["A"], 1)
			s.deliverFrom(r["B"], 0)
		}
		s.expectAll("L", "[y]")
		s.checkListsConverged()
	}
}

// Section 5: "Pops are at-least-once across regions: two regions can pop
// the same element concurrently".
func TestSemantics5ConcurrentPopsOfTheSameElement(t *testing.T) {
	s, r := listScript(t, "A", "B")
	for _, v := range []string{"a", "b", "c"} {
		s.rpush(r["A"], "L", v)
	}
	s.syncAll()
	pa, pb := s.lpop(r["A"], "L"), s.lpop(r["B"], "L")
	if pa != "a" || pb != "a" {
		t.Fatalf("A popped %q, B popped %q; both should pop a", pa, pb)
	}
	s.syncAll()
	s.expectAll("L", "[b c]")
	s.checkListsConverged()
}

// Section 5 ("LSET is an LWW write of that element's value"): concurrent
// LSETs of one element, the later HLC wins; an LSET concurrent with a pop
// of the element does not bring it back.
func TestSemantics5LSetIsLWW(t *testing.T) {
	s, r := listScript(t, "A", "B")
	s.rpush(r["A"], "L", "x")
	s.rpush(r["A"], "L", "z")
	s.syncAll()
	r["B"].wall += 10
	s.set(r["A"], "L", 0, "fromA")
	s.set(r["B"], "L", 0, "fromB")
	s.syncAll()
	s.expectAll("L", "[fromB z]")

	s.set(r["A"], "L", 1, "Z2")
	s.remove(r["B"], "L", 1, 1)
	s.syncAll()
	s.expectAll("L", "[fromB]")
	s.checkListsConverged()
}

// An insert whose anchor was made by a third region and has not reached
// this one waits for it (A inserts after C's element; B gets A's insert
// first), duplicates included; a remove of an element not received yet is
// remembered.
func TestListAnchorFromAnotherOrigin(t *testing.T) {
	s, r := listScript(t, "A", "B", "C")
	s.rpush(r["C"], "L", "c")
	s.deliverFrom(r["A"], 2) // A has c, B not yet
	s.insert(r["A"], "L", 1, "a1")
	s.insert(r["A"], "L", 2, "a2") // anchored on a1, itself waiting at B
	s.remove(r["A"], "L", 0, 1)    // removes c, which B has not seen
	s.deliverFrom(r["B"], 0)
	s.redeliver(r["B"], 0, simPart("L"), 0)
	s.redeliver(r["B"], 0, simPart("L"), 1)
	if got := s.show(r["B"], "L"); got != "[]" {
		t.Fatalf("B shows %s before c arrives", got)
	}
	if p := s.list(r["B"], "L").Pending(); p != 3 {
		t.Fatalf("B buffers %d writes, want 3 (two inserts, one early remove)", p)
	}
	s.deliverFrom(r["B"], 2)
	s.syncAll()
	s.expectAll("L", "[a1 a2]")
	s.checkListsConverged()
}

// A DEL's vector covers an element the deleting region had and this one
// has not yet: it is born removed when it arrives.
func TestListDelCoversLateElement(t *testing.T) {
	s, r := listScript(t, "A", "B", "C")
	s.rpush(r["C"], "L", "c")
	s.deliverFrom(r["B"], 2)
	s.rpush(r["B"], "L", "b")
	s.del(r["B"], "L")
	s.deliverFrom(r["A"], 1) // A gets B's DEL before C's c
	s.deliverFrom(r["A"], 2)
	s.syncAll()
	s.expectAll("L", "[]")
	s.checkListsConverged()
}

// Tombstones whose removes every region has seen are collected, and the
// list still reads the same.
func TestListCollectTombstones(t *testing.T) {
	s, r := listScript(t, "A", "B")
	for i := 0; i < 200; i++ {
		s.rpush(r["A"], "L", fmt.Sprint(i))
	}
	s.remove(r["A"], "L", 0, 150)
	s.syncAll()
	for _, x := range s.regions {
		l := s.list(x, "L")
		stable := core.VV{{Replica: 1, Seq: 1 << 40}, {Replica: 2, Seq: 1 << 40}}
		if n := l.CollectTombstones(stable); n != 150 {
			t.Fatalf("%s collected %d tombstones, want 150", x.name, n)
		}
	}
	s.rpush(r["B"], "L", "tail")
	s.lpush(r["A"], "L", "head")
	s.syncAll()
	s.checkListsConverged()
	if got := s.llen(r["A"], "L"); got != 52 {
		t.Fatalf("len %d", got)
	}
}

// The delta of a removal names at most MaxListRefs elements; the shard
// ships bigger removals in several deltas.
func TestListRemoveRefsBound(t *testing.T) {
	r := &lregion{rep: 1}
	for i := 0; i < 10; i++ {
		r.insert(i, "v")
	}
	r.remove(2, 5)
	if len(r.d.Refs) != 5 || r.d.Op != core.OpListRemove {
		t.Fatalf("refs %v", r.d.Refs)
	}
}

// FuzzListApply feeds a list arbitrary deltas, as a hostile or broken peer
// could (ids, anchors and refs from a small space so they collide, refs to
// itself, cycles, duplicates), through the codec, and checks that nothing
// panics and the list's counts stay consistent.
func FuzzListApply(f *testing.F) {
	f.Add([]byte{0, 1, 1, 0, 0, 8, 1, 2, 1, 1, 9, 1, 2, 1, 1}, true)
	f.Add([]byte{8, 2, 3, 2, 3, 8, 2, 2, 2, 3, 10, 1, 4, 2, 2, 9, 0, 5, 0, 0}, false)
	f.Fuzz(func(t *testing.T, b []byte, retain bool) {
		e := &core.Entry{Retain: retain}
		var enc []byte
		for len(b) >= 5 {
			op := core.Op(8 + b[0]%3)
			d := core.Delta{Op: op, Kind: core.KindList, KindRep: 1, KindTS: 1,
				Dot: core.Dot{Replica: core.ReplicaID(b[1] % 4), Seq: uint64(b[2] % 16)},
				TS:  core.Timestamp(b[2] % 8)}
			if b[3]%4 != 0 {
				d.Refs = append(d.Refs, core.Dot{Replica: core.ReplicaID(b[3] % 4), Seq: uint64(b[4]%16) + 1})
			}
			if op == core.OpListRemove && b[4]%5 == 0 {
				d.Ctx = core.VV{{Replica: core.ReplicaID(b[3] % 4), Seq: uint64(b[4] % 16)}}
				if d.Ctx[0].Seq == 0 {
					d.Ctx = nil
				}
			}
			d.Value = b[:int(b[0]%5)]
			enc = core.AppendDelta(enc[:0], &d)
			var got core.Delta
			if _, err := core.DecodeDelta(enc, &got, core.DefaultDecodeLimits); err == nil {
				e.Apply(&got)
			}
			b = b[5:]
		}
		l := e.List()
		if l == nil {
			return
		}
		live := 0
		l.Nodes(func(_ core.Dot, _ []byte, dead bool) bool {
			if !dead {
				live++
			}
			return true
		})
		if live != l.Len() {
			t.Fatalf("Len %d, live nodes %d", l.Len(), live)
		}
		for k := 0; k < l.Len(); k++ {
			l.Index(k)
		}
		n := 0
		l.Range(0, l.Len(), func([]byte) bool { n++; return true })
		if n != l.Len() {
			t.Fatalf("Range saw %d of %d", n, l.Len())
		}
	})
}
