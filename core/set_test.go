package core_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// Sets over the simulated regions of sim_test.go (SEMANTICS.md section 3):
// each example of the section as its own test, then convergence under any
// delivery order with duplicates, by deltas and by full-state merge, and a
// check of every region's membership against a naive observed-remove model.
//
// A set member is a field whose register holds an empty value; the local
// writes below are what package shard does for SADD, SREM, SPOP, SMOVE,
// DEL and the *STORE commands, one delta per field write.

// Events of set writes, for the model (values past the string ones).
const (
	evSetAdd evKind = 100 + iota // a member's add (event.value)
	evSetRem                     // a member's observed-remove
	evSetDel                     // the key-level part of a delete
)

// setSim is a simulation of regions writing sets. With the model on, it
// keeps per event what the write knew of its member's history: a member's
// register learns only through deltas of that member (its adds and
// removes), each carrying its writer's context, so knowledge is the
// member's events applied at the writer when it wrote, and transitively
// everything they knew.
type setSim struct {
	*sim
	know map[int]map[int]bool
}

func newSetSim(s *sim) *setSim { return &setSim{sim: s, know: map[int]map[int]bool{}} }

// setCommit ships r.delta as event ev (see sim.commit), recording its
// knowledge first.
func (s *setSim) setCommit(r *simRegion, key string, p int, ev *event) {
	var know map[int]bool
	if s.model {
		know = map[int]bool{}
		for k := range r.appliedSet(key) {
			if y := s.events[k]; (y.kind == evSetAdd || y.kind == evSetRem) && y.value == ev.value {
				know[k] = true
				for j := range s.know[k] {
					know[j] = true
				}
			}
		}
	}
	s.commit(r, key, p, ev)
	if s.model {
		s.know[ev.id] = know
	}
}

// setPrepare gives every region an entry for each key that keeps
// tombstones, as a region with peers does: a removal that arrives before
// the add it covers must be remembered.
func (s *setSim) setPrepare(keys ...string) {
	for _, r := range s.regions {
		for _, k := range keys {
			if r.keys[k] == nil {
				r.keys[k] = &core.Entry{Retain: true}
			}
		}
	}
}

// setMembers is the sorted membership of e (nil: empty).
func setMembers(e *core.Entry) []string {
	if e == nil || e.Kind != core.KindSet || e.Fields == nil {
		return nil
	}
	var out []string
	e.Fields.Each(func(name string, _ *core.Register) bool {
		out = append(out, name)
		return true
	})
	sort.Strings(out)
	return out
}

// sadd adds members at r and returns how many were new (SADD). Every
// member is written, present or not: a re-add is what makes the set
// add-wins.
func (s *setSim) sadd(r *simRegion, key string, members ...string) int {
	s.logf("%s: SADD %s %v", r.name, key, members)
	e := r.entry(key)
	n := 0
	for _, m := range members {
		dot, p := r.nextDot(key)
		if e.SetField(&r.delta, core.KindSet, dot, r.clock.Now(r.wall), []byte(m), nil) {
			n++
		}
		s.setCommit(r, key, p, &event{kind: evSetAdd, value: m})
	}
	return n
}

// srem removes members at r and returns how many were members (SREM,
// and SPOP of the members r chose). The key goes with its last member.
func (s *setSim) srem(r *simRegion, key string, members ...string) int {
	s.logf("%s: SREM %s %v", r.name, key, members)
	e := r.entry(key)
	n := 0
	for _, m := range members {
		if e.Kind != core.KindSet || e.Fields == nil || e.Fields.Get([]byte(m)) == nil {
			continue
		}
		dot, p := r.nextDot(key)
		e.DeleteField(&r.delta, dot, r.clock.Now(r.wall), []byte(m))
		s.setCommit(r, key, p, &event{kind: evSetRem, value: m})
		n++
		if !e.Live() {
			s.keyDelete(r, key)
			break
		}
	}
	return n
}

// keyDelete ships the key-level part of a delete (value and TTL).
func (s *setSim) keyDelete(r *simRegion, key string) {
	dot, p := r.nextDot(key)
	r.entry(key).Delete(&r.delta, dot, r.clock.Now(r.wall))
	s.setCommit(r, key, p, &event{kind: evSetDel})
}

// sdel deletes a live set at r (DEL): its members one by one, then the key.
func (s *setSim) sdel(r *simRegion, key string) bool {
	e := r.entry(key)
	if !e.Live() {
		return false
	}
	s.logf("%s: DEL %s", r.name, key)
	for _, m := range setMembers(e) {
		dot, p := r.nextDot(key)
		e.DeleteField(&r.delta, dot, r.clock.Now(r.wall), []byte(m))
		s.setCommit(r, key, p, &event{kind: evSetRem, value: m})
	}
	s.keyDelete(r, key)
	return true
}

// smove moves member from src to dst at r (SMOVE): a remove of what r had
// seen of it in src, and an add to dst.
func (s *setSim) smove(r *simRegion, src, dst, member string) bool {
	if src == dst || s.srem(r, src, member) == 0 {
		return false
	}
	s.sadd(r, dst, member)
	return true
}

// sstore writes members into dst at r (the *STORE commands): an observed
// delete of dst, then an add of each member.
func (s *setSim) sstore(r *simRegion, dst string, members []string) int {
	s.logf("%s: STORE %s %v", r.name, dst, members)
	s.sdel(r, dst)
	if len(members) > 0 {
		s.sadd(r, dst, members...)
	}
	return len(members)
}

// setScript runs SEMANTICS.md examples on sets over a script's regions.
type setScript struct {
	*script
	ss *setSim
}

func newSetScript(t *testing.T, keys []string, specs ...string) *setScript {
	t.Helper()
	w := &setScript{script: newScript(t, specs...)}
	w.ss = newSetSim(w.s)
	w.ss.setPrepare(keys...)
	return w
}

// sdo runs one set command at region name and returns its reply: an
// integer, a sorted member list "{a b}", a member, or "(nil)". SPOP pops
// the smallest member, so a script decides which member a region chose.
func (w *setScript) sdo(name, cmd string) string {
	w.t.Helper()
	r := w.region(name)
	r.wall++
	f := strings.Fields(cmd)
	num := func(n int) string { return fmt.Sprint(n) }
	local := func(key string) []string { return setMembers(r.keys[key]) }
	switch strings.ToUpper(f[0]) {
	case "SADD":
		return num(w.ss.sadd(r, f[1], f[2:]...))
	case "SREM":
		return num(w.ss.srem(r, f[1], f[2:]...))
	case "SPOP":
		ms := local(f[1])
		if len(ms) == 0 {
			return "(nil)"
		}
		w.ss.srem(r, f[1], ms[0])
		return ms[0]
	case "SMOVE":
		if w.ss.smove(r, f[1], f[2], f[3]) {
			return "1"
		}
		return "0"
	case "DEL":
		if w.ss.sdel(r, f[1]) {
			return "1"
		}
		return "0"
	case "SUNIONSTORE", "SINTERSTORE", "SDIFFSTORE":
		res := map[string]bool{}
		for _, m := range local(f[2]) {
			res[m] = true
		}
		for _, k := range f[3:] {
			other := map[string]bool{}
			for _, m := range local(k) {
				other[m] = true
			}
			for m := range other {
				if strings.ToUpper(f[0]) == "SUNIONSTORE" {
					res[m] = true
				}
			}
			for m := range res {
				switch strings.ToUpper(f[0]) {
				case "SINTERSTORE":
					if !other[m] {
						delete(res, m)
					}
				case "SDIFFSTORE":
					if other[m] {
						delete(res, m)
					}
				}
			}
		}
		var members []string
		for m := range res {
			members = append(members, m)
		}
		sort.Strings(members)
		return num(w.ss.sstore(r, f[1], members))
	case "SMEMBERS":
		return "{" + strings.Join(local(f[1]), " ") + "}"
	}
	w.t.Fatalf("unknown set command %q", cmd)
	return ""
}

func (w *setScript) swant(name, cmd, reply string) {
	w.t.Helper()
	if got := w.sdo(name, cmd); got != reply {
		w.t.Fatalf("%s: %s = %q, want %q", name, cmd, got, reply)
	}
}

// expectSet requires every region to hold exactly members for key.
func (w *setScript) expectSet(key string, members ...string) {
	w.t.Helper()
	sort.Strings(members)
	want := "{" + strings.Join(members, " ") + "}"
	for _, r := range w.s.regions {
		if got := "{" + strings.Join(setMembers(r.keys[key]), " ") + "}"; got != want {
			w.t.Errorf("%s: SMEMBERS %s = %s, want %s\n%s", r.name, key, got, want, setDigest(r.keys[key]))
		}
	}
}

// --- Section 3: sets ---------------------------------------------------------

// "Add-wins observed-remove set. A: SADD s a, B: SADD s b → {a, b}."
func TestSemantics3_ConcurrentAddsUnion(t *testing.T) {
	for _, order := range []string{"AB", "BA"} {
		t.Run(order, func(t *testing.T) {
			w := newSetScript(t, []string{"s"}, "A", "B")
			w.swant("A", "SADD s a", "1")
			w.swant("B", "SADD s b", "1")
			w.swant("A", "SMEMBERS s", "{a}")
			if order == "AB" {
				w.deliver("B", "A")
				w.deliver("A", "B")
			} else {
				w.deliver("A", "B")
				w.deliver("B", "A")
			}
			w.expectSet("s", "a", "b")
			w.sync()
			w.expectSet("s", "a", "b")
		})
	}
}

// "{a,b} in sync; A: SREM s a, B: SADD s c, then A: SREM s c (A has not
// seen c: no effect) → both {b, c}."
func TestSemantics3_RemoveOnlyWhatWasObserved(t *testing.T) {
	w := newSetScript(t, []string{"s"}, "A", "B")
	w.sdo("A", "SADD s a b")
	w.sync()
	w.swant("A", "SREM s a", "1")
	w.swant("B", "SADD s c", "1")
	w.swant("A", "SREM s c", "0")
	w.sync()
	w.expectSet("s", "b", "c")
}

// "s={e1} in sync; A: SADD s e2, B: DEL s → both {e2}."
func TestSemantics3_DelConcurrentWithAdd(t *testing.T) {
	for _, order := range []string{"AB", "BA"} {
		t.Run(order, func(t *testing.T) {
			w := newSetScript(t, []string{"s"}, "A", "B")
			w.sdo("A", "SADD s e1")
			w.sync()
			w.swant("A", "SADD s e2", "1")
			w.swant("B", "DEL s", "1")
			w.swant("B", "SMEMBERS s", "{}")
			if order == "AB" {
				w.deliver("B", "A")
				w.deliver("A", "B")
			} else {
				w.deliver("A", "B")
				w.deliver("B", "A")
			}
			w.sync()
			w.expectSet("s", "e2")
		})
	}
}

// "SPOP and SMOVE are a remove of the element the local region chose ...:
// two regions may pop the same element concurrently." Both get it; it is
// gone everywhere, and so is the key, whatever the order.
func TestSemantics3_ConcurrentSPopOfSameElement(t *testing.T) {
	w := newSetScript(t, []string{"s"}, "A", "B", "C")
	w.sdo("A", "SADD s x y")
	w.sync()
	w.swant("A", "SPOP s", "x")
	w.swant("B", "SPOP s", "x")
	w.deliver("C", "B")
	w.deliver("C", "A")
	w.sync()
	w.expectSet("s", "y")
	w.swant("A", "SPOP s", "y")
	w.swant("C", "SPOP s", "y")
	w.sync()
	w.expectSet("s")
	for _, r := range w.s.regions {
		if r.keys["s"].Live() {
			t.Errorf("%s: s is still live", r.name)
		}
	}
}

// A pop removes only what its region had seen: a re-add of the popped
// member made concurrently elsewhere survives (add-wins), and so does an
// SADD of a member that already was there.
func TestSemantics3_ReAddWinsOverConcurrentRemove(t *testing.T) {
	w := newSetScript(t, []string{"s"}, "A", "B")
	w.sdo("A", "SADD s x")
	w.sync()
	w.swant("A", "SPOP s", "x")
	w.swant("B", "SADD s x", "0")
	w.sync()
	w.expectSet("s", "x")
	w.swant("A", "SREM s x", "1")
	w.swant("B", "SADD s x", "0")
	w.sync()
	w.expectSet("s", "x")
}

// SMOVE is a remove from the source plus an add to the destination: two
// regions moving one member concurrently to different sets both succeed;
// the member leaves the source and is in both destinations.
func TestSemantics3_ConcurrentSMove(t *testing.T) {
	w := newSetScript(t, []string{"src", "d1", "d2"}, "A", "B")
	w.sdo("A", "SADD src m n")
	w.sync()
	w.swant("A", "SMOVE src d1 m", "1")
	w.swant("B", "SMOVE src d2 m", "1")
	w.sync()
	w.expectSet("src", "n")
	w.expectSet("d1", "m")
	w.expectSet("d2", "m")
}

// "*STORE commands ... write the destination as: delete what was observed
// of it, then add the result." A member added to the destination
// concurrently survives; the destination's observed members go.
func TestSemantics3_StoreDeletesObservedThenAdds(t *testing.T) {
	for _, cmd := range []string{"SUNIONSTORE d x y", "SINTERSTORE d x y", "SDIFFSTORE d x y"} {
		t.Run(cmd, func(t *testing.T) {
			w := newSetScript(t, []string{"x", "y", "d"}, "A", "B")
			w.sdo("A", "SADD x a b")
			w.sdo("A", "SADD y b c")
			w.sdo("A", "SADD d old b")
			w.sync()
			reply := w.sdo("A", cmd)
			w.swant("B", "SADD d new", "1")
			w.sync()
			want := map[string][]string{
				"SUNIONSTORE d x y": {"a", "b", "c"},
				"SINTERSTORE d x y": {"b"},
				"SDIFFSTORE d x y":  {"a"},
			}[cmd]
			if reply != fmt.Sprint(len(want)) {
				t.Fatalf("%s = %s", cmd, reply)
			}
			w.expectSet("d", append(want, "new")...)
		})
	}
}

// --- Model and convergence ----------------------------------------------------

// setDigest is a canonical text of a set entry's whole CRDT state, every
// register included (tombstones too), so states compare exactly.
func setDigest(e *core.Entry) string {
	if e == nil {
		return "<nil>"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "kind=%d live=%v", e.Kind, e.Live())
	if e.Kind != core.KindSet || e.Fields == nil {
		return b.String()
	}
	names := make([]string, 0, len(e.Fields.M))
	for n := range e.Fields.M {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		r := e.Fields.M[n]
		dots := make([]core.Dot, 0, len(r.Base.Elems))
		for _, el := range r.Base.Elems {
			dots = append(dots, el.Dot)
		}
		slices.SortFunc(dots, func(a, b core.Dot) int {
			if dotLess(a, b) {
				return -1
			}
			if dotLess(b, a) {
				return 1
			}
			return 0
		})
		fmt.Fprintf(&b, " %s{ctx=%v live=%v elems=%v}", n, []core.Dot(r.Base.Ctx), r.Live(), dots)
	}
	return b.String()
}

// setModel is what region r must show for key, computed from nothing but
// the events r has applied: a member is present when an add of it
// survives, and an add survives unless an add or remove of the same member
// applied at r knew of it.
func (s *setSim) setModel(r *simRegion, key string) []string {
	applied := r.applied[key]
	present := map[string]bool{}
	for x := range applied {
		ex := s.events[x]
		if ex.kind != evSetAdd || present[ex.value] {
			continue
		}
		covered := false
		for y := range applied {
			if y != x && s.know[y][x] {
				covered = true
				break
			}
		}
		if !covered {
			present[ex.value] = true
		}
	}
	var out []string
	for m := range present {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

var setPool = []string{"a", "b", "c", "d"}

// setStep draws and runs one random action: a set command at a random
// region (SADD, SREM, SPOP, SMOVE, DEL, *STORE), an in-order delivery, or a
// duplicate of an earlier delivery. With the model on, the region's
// membership of every key is checked after the step.
func (s *setSim) setStep(t *rapid.T) {
	r := s.regions[rapid.IntRange(0, len(s.regions)-1).Draw(t, "region")]
	r.wall += rapid.Int64Range(-3, 10).Draw(t, "tick")
	key := rapid.SampledFrom(simKeys).Draw(t, "key")
	member := rapid.SampledFrom(setPool).Draw(t, "member")
	switch rapid.IntRange(0, 9).Draw(t, "op") {
	case 0, 1:
		s.sadd(r, key, member)
	case 2:
		s.srem(r, key, member)
	case 3:
		if ms := setMembers(r.keys[key]); len(ms) > 0 {
			s.srem(r, key, ms[rapid.IntRange(0, len(ms)-1).Draw(t, "pop")])
		}
	case 4:
		s.smove(r, key, rapid.SampledFrom(simKeys).Draw(t, "dst"), member)
	case 5:
		s.sdel(r, key)
	case 6:
		src := setMembers(r.keys[rapid.SampledFrom(simKeys).Draw(t, "src")])
		s.sstore(r, key, src)
	case 7, 8:
		from := rapid.IntRange(0, len(s.regions)-1).Draw(t, "from")
		s.deliver(r, from, rapid.IntRange(0, simParts-1).Draw(t, "part"))
	case 9:
		from := rapid.IntRange(0, len(s.regions)-1).Draw(t, "from")
		p := rapid.IntRange(0, simParts-1).Draw(t, "part")
		if n := r.next[from][p]; n > 0 {
			s.redeliver(r, from, p, rapid.IntRange(0, n-1).Draw(t, "dup"))
		}
	}
	if s.model {
		s.checkSetModel(r)
	}
}

func (s *setSim) checkSetModel(r *simRegion) {
	s.t.Helper()
	for _, k := range simKeys {
		if got, want := setMembers(r.keys[k]), s.setModel(r, k); !slices.Equal(got, want) {
			s.fatalf("%s: %s holds %v, the model says %v\nstate: %s", r.name, k, got, want, setDigest(r.keys[k]))
		}
	}
}

// drawSetSim builds 2-5 regions (random replica ids, skewed clocks) and
// runs up to maxSteps random set actions.
func drawSetSim(t *rapid.T, maxSteps int, model bool) *setSim {
	n := rapid.IntRange(2, 5).Draw(t, "regions")
	ids := rapid.Permutation(replicaIDs()).Draw(t, "ids")[:n]
	s := newSetSim(newSim(t, ids, nil, model))
	s.setPrepare(simKeys...)
	for i := range s.regions {
		s.regions[i].wall += rapid.Int64Range(-50, 50).Draw(t, "skew")
	}
	steps := rapid.IntRange(0, maxSteps).Draw(t, "steps")
	for i := 0; i < steps; i++ {
		s.setStep(t)
	}
	return s
}

// finishSets delivers everything everywhere in a random order, with
// duplicates, checking the model on the way when it is on.
func (s *setSim) finishSets(t *rapid.T) {
	for {
		q := s.pending()
		if len(q) == 0 {
			return
		}
		x := q[rapid.IntRange(0, len(q)-1).Draw(t, "final")]
		to := s.regions[x[0]]
		s.deliver(to, x[1], x[2])
		if rapid.IntRange(0, 4).Draw(t, "finaldup") == 0 {
			s.redeliver(to, x[1], x[2], rapid.IntRange(0, to.next[x[1]][x[2]]-1).Draw(t, "dupidx"))
		}
		if s.model {
			s.checkSetModel(to)
		}
	}
}

// checkSetsConverged requires every region to hold the same members, and
// the same CRDT state, for every key.
func (s *setSim) checkSetsConverged() {
	s.t.Helper()
	for _, k := range simKeys {
		want := setDigest(s.regions[0].keys[k])
		for _, r := range s.regions[1:] {
			if got := setDigest(r.keys[k]); got != want {
				s.fatalf("key %s diverged:\n%s: %s\n%s: %s", k, s.regions[0].name, want, r.name, got)
			}
		}
	}
}

// TestConvergeSets_DeltasAnyOrderWithDuplicates: 2-5 regions run random
// set commands; deltas travel in any order across origins (FIFO per origin
// and partition) with duplicates; after every step every region's
// membership matches the observed-remove model, and once everything is
// delivered all regions hold identical states.
func TestConvergeSets_DeltasAnyOrderWithDuplicates(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawSetSim(t, 80, true)
		s.finishSets(t)
		s.checkSetsConverged()
	})
}

// TestConvergeSets_FullStateMergeAnyOrder: the same workloads synced by
// full-state Entry.Merge in random orders end in exactly the state that
// delivering the deltas gives.
func TestConvergeSets_FullStateMergeAnyOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawSetSim(t, 80, false)
		n := len(s.regions)
		states := make([]map[string]*core.Entry, n)
		for i, r := range s.regions {
			states[i] = map[string]*core.Entry{}
			for k, e := range r.keys {
				states[i][k] = e.Clone()
			}
		}
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		for pass := 0; pass < 2; pass++ {
			for _, a := range rapid.Permutation(idx).Draw(t, "order") {
				for _, b := range rapid.Permutation(idx).Draw(t, "srcorder") {
					for k, e := range states[b] {
						states[a][k].Merge(e)
					}
				}
			}
		}
		s.finishSets(t)
		s.checkSetsConverged()
		for _, k := range simKeys {
			want := setDigest(s.regions[0].keys[k])
			for i := range states {
				if got := setDigest(states[i][k]); got != want {
					s.fatalf("key %s: full-state sync at %s holds\n%s\ndelta sync holds\n%s", k, s.regions[i].name, got, want)
				}
			}
		}
	})
}
