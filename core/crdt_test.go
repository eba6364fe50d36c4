package core_test

import (
	"errors"
	"math"
	"math/big"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// Property tests of the string envelope over the simulated regions of
// sim_test.go: convergence under any delivery order with duplicates, by
// deltas and by full-state merge; the merge laws; and a check of every
// region's visible state, at every step, against a naive event model.

// simOpts says which random workload drawSim builds.
type simOpts struct {
	minRegions, maxRegions int
	maxSteps               int
	onlyIncr               bool // INCRBY only (no SET, DEL, EXPIRE)
	floats                 bool // INCRBYFLOAT too (the model is then off)
	model                  bool // record events and check against modelView
	smallIncr              bool // INCRBY amounts in -10..10 only
	values                 []string
}

// mixedValues are SET values: integers (the extremes included), a
// non-numeric one, the empty string, and float-looking ones.
var mixedValues = []string{"0", "1", "5", "-3", "10", "abc", "", "1.5", "007",
	"9223372036854775807", "-9223372036854775808"}

// modelValues leave out the float-looking values the model does not cover.
var modelValues = []string{"0", "1", "5", "-3", "10", "abc", "", "9223372036854775807", "-9223372036854775808"}

var deadlines = []int64{0, 5_000_000, 6_000_000, 7_000_000}

var floatSteps = []string{"0.5", "-0.25", "1.1", "2.5", "-3.75", "0.1", "1e3", "3.0e-2"}

// incrAmount draws small amounts most of the time and the extremes often
// enough to cross the 64-bit range.
func incrAmount() *rapid.Generator[int64] {
	return rapid.OneOf(
		rapid.Int64Range(-10, 10),
		rapid.Int64Range(-10, 10),
		rapid.SampledFrom([]int64{math.MaxInt64, math.MinInt64, math.MaxInt64 / 2, math.MinInt64 / 2, math.MaxInt64 - 1}),
		rapid.Int64(),
	)
}

func replicaIDs() []core.ReplicaID {
	ids := make([]core.ReplicaID, core.MaxReplicas)
	for i := range ids {
		ids[i] = core.ReplicaID(i)
	}
	return ids
}

func drawSim(t *rapid.T, o simOpts) *sim {
	n := rapid.IntRange(o.minRegions, o.maxRegions).Draw(t, "regions")
	ids := rapid.Permutation(replicaIDs()).Draw(t, "ids")[:n]
	s := newSim(t, ids, nil, o.model)
	for i := range s.regions {
		// Clocks start skewed: a region behind still orders after what it saw.
		s.regions[i].wall += rapid.Int64Range(-50, 50).Draw(t, "skew")
	}
	steps := rapid.IntRange(0, o.maxSteps).Draw(t, "steps")
	for i := 0; i < steps; i++ {
		s.step(t, o)
	}
	return s
}

// step draws and runs one random action: a local write at a random region,
// an in-order delivery, or a duplicate of an earlier delivery.
func (s *sim) step(t *rapid.T, o simOpts) {
	r := s.regions[rapid.IntRange(0, len(s.regions)-1).Draw(t, "region")]
	r.wall += rapid.Int64Range(-3, 10).Draw(t, "tick") // wall time may go back
	key := rapid.SampledFrom(simKeys).Draw(t, "key")
	values := o.values
	if values == nil {
		values = mixedValues
	}
	op := rapid.IntRange(0, 9).Draw(t, "op")
	if o.onlyIncr && op <= 6 {
		op = 2
	}
	switch op {
	case 0, 1:
		s.set(r, key, rapid.SampledFrom(values).Draw(t, "value"),
			rapid.Bool().Draw(t, "keepttl"), rapid.SampledFrom(deadlines).Draw(t, "deadline"))
	case 2, 3, 4:
		if op == 4 && o.floats {
			s.incrFloat(r, key, rapid.SampledFrom(floatSteps).Draw(t, "byfloat"))
			break
		}
		gen := incrAmount()
		if o.smallIncr {
			gen = rapid.Int64Range(-10, 10)
		}
		by := gen.Draw(t, "by")
		if !s.model {
			s.incr(r, key, by)
			break
		}
		wantN, wantErr := s.modelIncr(r, key, by)
		n, err := s.incr(r, key, by)
		if !errors.Is(err, wantErr) || (err == nil && n != wantN) {
			s.fatalf("%s: INCRBY %s %d returned (%d, %v), model says (%d, %v)", r.name, key, by, n, err, wantN, wantErr)
		}
	case 5:
		s.del(r, key)
	case 6:
		s.expire(r, key, rapid.SampledFrom(deadlines).Draw(t, "deadline"))
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
		s.checkModel(r)
	}
}

// finish delivers everything everywhere in a random order, with random
// duplicates along the way.
func (s *sim) finish(t *rapid.T) {
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
			s.checkModel(to)
		}
	}
}

// checkModel compares what region r shows for every key with the model.
func (s *sim) checkModel(r *simRegion) {
	s.t.Helper()
	for _, k := range simKeys {
		want, _, _, ok := s.modelView(r, k)
		if !ok {
			continue
		}
		if got := viewOf(r.keys[k]); got != want {
			s.fatalf("%s key %s shows %v, model says %v\nstate: %s", r.name, k, got, want, digest(r.keys[k]))
		}
	}
}

// modelIncr predicts a local INCRBY: the exact current value must be an
// integer inside the 64-bit range (else ErrNotInteger), and so must the
// result (else ErrOverflow).
func (s *sim) modelIncr(r *simRegion, key string, by int64) (int64, error) {
	v, total, base, ok := s.modelView(r, key)
	if !ok {
		return 0, core.ErrNotInteger
	}
	if !v.Live {
		return by, nil
	}
	if base != nil {
		if _, isInt := core.ParseInt([]byte(base.value)); !isInt {
			return 0, core.ErrNotInteger
		}
	}
	if !total.IsInt64() {
		return 0, core.ErrNotInteger
	}
	n := new(big.Int).Add(total, big.NewInt(by))
	if !n.IsInt64() {
		return 0, core.ErrOverflow
	}
	return n.Int64(), nil
}

// TestConverge_DeltasAnyOrderWithDuplicates: 2-5 regions write random
// strings, counters, floats, deletes and TTLs; deltas travel in any order
// across origins (FIFO per origin and partition) with duplicates; once
// everything is delivered every region shows the same value, liveness and
// deadline for every key (SEMANTICS.md section 0).
func TestConverge_DeltasAnyOrderWithDuplicates(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawSim(t, simOpts{minRegions: 2, maxRegions: 5, maxSteps: 80, floats: true})
		s.finish(t)
		s.checkConverged()
	})
}

// TestConverge_FullStateMergeAnyOrder: the same workloads, with the final
// sync done by full-state Entry.Merge (random gossip, then every region
// merging every other in a random order) instead of the remaining deltas.
// All regions must converge, and to exactly the state (visible and
// internal) that delivering the deltas gives.
func TestConverge_FullStateMergeAnyOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawSim(t, simOpts{minRegions: 2, maxRegions: 5, maxSteps: 80, floats: true})
		n := len(s.regions)
		states := make([]map[string]*core.Entry, n)
		for i, r := range s.regions {
			states[i] = map[string]*core.Entry{}
			for k, e := range r.keys {
				states[i][k] = e.Clone()
			}
		}
		mergeInto := func(dst, src int) {
			s.logf("merge %s<-%s", s.regions[dst].name, s.regions[src].name)
			for k, e := range states[src] {
				if states[dst][k] == nil {
					states[dst][k] = &core.Entry{}
				}
				states[dst][k].Merge(e)
			}
		}
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		for i, g := 0, rapid.IntRange(0, 10).Draw(t, "gossip"); i < g; i++ {
			mergeInto(rapid.IntRange(0, n-1).Draw(t, "gossipdst"), rapid.IntRange(0, n-1).Draw(t, "gossipsrc"))
		}
		// Two passes in which every region merges every other: after the
		// first, the last region merged holds everything.
		for pass := 0; pass < 2; pass++ {
			for _, a := range rapid.Permutation(idx).Draw(t, "order") {
				for _, b := range rapid.Permutation(idx).Draw(t, "srcorder") {
					mergeInto(a, b)
				}
			}
		}
		// The reference: the same states synced by their deltas.
		s.finish(t)
		s.checkConverged()
		for _, k := range s.keysSeen() {
			ref := s.regions[0].keys[k]
			for i := range states {
				if got, want := viewOf(states[i][k]), viewOf(ref); got != want {
					s.fatalf("key %s: full-state sync at %s shows %v, delta sync %v", k, s.regions[i].name, got, want)
				}
				if got, want := digest(states[i][k]), digest(ref); got != want {
					s.fatalf("key %s: full-state sync at %s holds\n%s\ndelta sync holds\n%s", k, s.regions[i].name, got, want)
				}
			}
		}
	})
}

func merged(a, b *core.Entry) *core.Entry {
	m := a.Clone()
	m.Merge(b)
	return m
}

func orEmpty(e *core.Entry) *core.Entry {
	if e == nil {
		return &core.Entry{}
	}
	return e
}

// TestMergeLaws: Entry.Merge on reachable states is commutative,
// associative and idempotent, a state merged with one of its own pasts is
// itself, and a merged result shares no memory with its inputs.
func TestMergeLaws(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := simOpts{minRegions: 3, maxRegions: 5, maxSteps: 40, floats: true}
		s := drawSim(t, o)
		// Snapshot a past of every region, then go on.
		past := make([]map[string]*core.Entry, len(s.regions))
		for i, r := range s.regions {
			past[i] = map[string]*core.Entry{}
			for k, e := range r.keys {
				past[i][k] = e.Clone()
			}
		}
		more := rapid.IntRange(0, 30).Draw(t, "moresteps")
		for i := 0; i < more; i++ {
			s.step(t, o)
		}
		pick := func(label string) *simRegion {
			return s.regions[rapid.IntRange(0, len(s.regions)-1).Draw(t, label)]
		}
		for _, k := range simKeys {
			ra, rb, rc := pick("a"), pick("b"), pick("c")
			a, b, c := orEmpty(ra.keys[k]), orEmpty(rb.keys[k]), orEmpty(rc.keys[k])
			if got, want := digest(a.Clone()), digest(a); got != want {
				s.fatalf("Clone changed the state:\n%s\n%s", got, want)
			}
			if ab, ba := digest(merged(a, b)), digest(merged(b, a)); ab != ba {
				s.fatalf("key %s: merge not commutative (%s, %s):\na+b=%s\nb+a=%s", k, ra.name, rb.name, ab, ba)
			}
			if l, r := digest(merged(merged(a, b), c)), digest(merged(a, merged(b, c))); l != r {
				s.fatalf("key %s: merge not associative:\n(a+b)+c=%s\na+(b+c)=%s", k, l, r)
			}
			if aa := digest(merged(a, a)); aa != digest(a) {
				s.fatalf("key %s: a+a != a:\n%s\n%s", k, aa, digest(a))
			}
			self := a.Clone()
			self.Merge(self)
			if digest(self) != digest(a) {
				s.fatalf("key %s: merging an entry into itself changed it:\n%s\n%s", k, digest(self), digest(a))
			}
			ab := merged(a, b)
			if abb := digest(merged(ab, b)); abb != digest(ab) {
				s.fatalf("key %s: (a+b)+b != a+b", k)
			}
			if p := past[ra.idx][k]; p != nil {
				if got := digest(merged(a, p)); got != digest(a) {
					s.fatalf("key %s at %s: merging a past state changed it:\nnow=%s\npast=%s\nmerged=%s", k, ra.name, digest(a), digest(p), got)
				}
			}
			// The merged entry owns its memory: overwriting b's value in
			// place must not show through.
			before := digest(ab)
			bb := b.Clone()
			ab2 := merged(a, bb)
			var d core.Delta
			if w := bb.General().Base.Elems; len(w) > 0 {
				for i := range w[0].V.Value {
					w[0].V.Value[i] = '#'
				}
				bb.SetString(&d, core.Dot{Replica: 63, Seq: math.MaxUint32}, core.MakeTimestamp(1<<40, 0), []byte("overwritten"), false, 1)
			}
			if digest(ab2) != before {
				s.fatalf("key %s: merged state aliases its input:\n%s\n%s", k, digest(ab2), before)
			}
		}
	})
}

// TestModel_IncrementsOnlySumUp: with nothing but INCRBY (amounts up to the
// 64-bit extremes), every local reply matches the exact model, and once
// everything is delivered every region reads the exact sum of all the
// increments that succeeded, as a decimal string even past the 64-bit
// range (SEMANTICS.md section 1: "No increment is ever lost", "Integer
// totals are exact").
func TestModel_IncrementsOnlySumUp(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawSim(t, simOpts{minRegions: 2, maxRegions: 4, maxSteps: 60, onlyIncr: true, model: true})
		s.finish(t)
		sum := map[string]*big.Int{}
		for _, ev := range s.events {
			if sum[ev.key] == nil {
				sum[ev.key] = new(big.Int)
			}
			sum[ev.key].Add(sum[ev.key], big.NewInt(ev.by))
		}
		for k, want := range sum {
			for _, r := range s.regions {
				if got := viewOf(r.keys[k]); !got.Live || got.Value != want.String() {
					s.fatalf("%s reads %s as %v, the increments add up to %s", r.name, k, got, want)
				}
			}
		}
	})
}

// TestModel_EntryMatchesEventModel: SET (integers, extremes, non-numeric),
// INCRBY, DEL, EXPIRE and PERSIST at random regions, random delivery with
// duplicates; after every step every touched region shows exactly what
// the naive event model computes from the events it has applied: base =
// LWW among the writes no later write or delete observed, plus every
// increment neither the base's writer nor a delete observed; TTL = longest
// unobserved expiry write, "none" winning. Local INCRBY replies and errors
// are checked against the model too.
func TestModel_EntryMatchesEventModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := drawSim(t, simOpts{minRegions: 2, maxRegions: 4, maxSteps: 60, model: true, values: modelValues})
		s.finish(t)
		s.checkConverged()
	})
}

// TestModel_SmallIncrementsEntryMatchesModel is the model check with small
// amounts only, so it explores the SET / DEL / increment interplay without
// the 64-bit edge.
func TestModel_SmallIncrementsEntryMatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		o := simOpts{minRegions: 2, maxRegions: 4, maxSteps: 60, model: true, smallIncr: true,
			values: []string{"0", "1", "5", "-3", "10", "abc"}}
		s := drawSim(t, o)
		s.finish(t)
		s.checkConverged()
	})
}
