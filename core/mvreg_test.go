package core_test

import (
	"fmt"
	"sort"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// MVReg against a naive model: a set of (dot, value) elements and an
// explicit set of seen dots, with no version vectors. Replicas write
// (replace what they have seen, adding a value) or remove (replace without
// adding); their ops travel FIFO per origin with duplicates, and replicas
// also merge each other's full state. After every step the real register
// must hold exactly the model's elements, and its context must cover
// exactly the dots the model has seen.

type naiveReg struct {
	elems map[core.Dot]core.Deadline
	seen  map[core.Dot]bool
}

// replace applies an op made by a replica that had seen obs: the elements
// it had seen go, and everything it had seen, its own dot included, is
// seen here now.
func (n *naiveReg) replace(obs map[core.Dot]bool, own core.Dot) {
	for d := range n.elems {
		if obs[d] {
			delete(n.elems, d)
		}
	}
	for d := range obs {
		n.seen[d] = true
	}
	n.seen[own] = true
}

// mvOp is one write as shipped: its context and element for the real
// register, and for the model the explicit set of dots its replica had
// seen before it.
type mvOp struct {
	ctx core.VV
	el  core.Elem[core.Deadline]
	has bool
	obs map[core.Dot]bool
}

type mvReplica struct {
	id    core.ReplicaID
	seq   uint64
	reg   core.MVReg[core.Deadline]
	model naiveReg
	out   []mvOp
	next  []int // next[o]: next op of replica o to deliver here
}

func TestMVReg_AgainstNaiveModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(2, 4).Draw(t, "replicas")
		ids := rapid.Permutation(replicaIDs()).Draw(t, "ids")[:n]
		rs := make([]*mvReplica, n)
		for i := range rs {
			rs[i] = &mvReplica{id: ids[i], next: make([]int, n),
				model: naiveReg{elems: map[core.Dot]core.Deadline{}, seen: map[core.Dot]bool{}}}
		}
		var all []core.Dot // every dot ever made
		var log []string
		fail := func(format string, args ...any) {
			t.Fatalf("%s\nlog:\n  %v", fmt.Sprintf(format, args...), log)
		}
		for step, steps := 0, rapid.IntRange(1, 60).Draw(t, "steps"); step < steps; step++ {
			i := rapid.IntRange(0, n-1).Draw(t, "at")
			r := rs[i]
			switch rapid.IntRange(0, 5).Draw(t, "action") {
			case 0, 1: // local write or removal
				r.seq += 1 + rapid.Uint64Range(0, 2).Draw(t, "gap") // other keys share the sequence
				dot := core.Dot{Replica: r.id, Seq: r.seq}
				has := rapid.IntRange(0, 3).Draw(t, "remove") != 0
				v := core.Deadline(rapid.Int64Range(0, 3).Draw(t, "v"))
				ctx := r.reg.Ctx.AppendTo(nil)
				ctx.Add(dot)
				obs := map[core.Dot]bool{}
				for d := range r.model.seen {
					obs[d] = true
				}
				op := mvOp{ctx: ctx, el: core.Elem[core.Deadline]{Dot: dot, TS: core.Timestamp(step), V: v}, has: has, obs: obs}
				r.reg.Apply(op.ctx, op.el, op.has)
				r.model.replace(obs, dot)
				if has {
					r.model.elems[dot] = v
				}
				r.out = append(r.out, op)
				all = append(all, dot)
				log = append(log, fmt.Sprintf("%d: write %v has=%v v=%d", r.id, dot, has, v))
			case 2, 3: // in-order delivery
				o := rapid.IntRange(0, n-1).Draw(t, "from")
				if o == i || r.next[o] >= len(rs[o].out) {
					continue
				}
				op := rs[o].out[r.next[o]]
				r.next[o]++
				deliverMV(r, op)
				log = append(log, fmt.Sprintf("%d <- %d: %v", r.id, rs[o].id, op.el.Dot))
			case 4: // duplicate
				o := rapid.IntRange(0, n-1).Draw(t, "from")
				if o == i || r.next[o] == 0 {
					continue
				}
				op := rs[o].out[rapid.IntRange(0, r.next[o]-1).Draw(t, "dup")]
				deliverMV(r, op)
				log = append(log, fmt.Sprintf("%d <- %d: dup %v", r.id, rs[o].id, op.el.Dot))
			case 5: // full-state merge from another replica
				o := rs[rapid.IntRange(0, n-1).Draw(t, "mergefrom")]
				mergeNaive(&r.model, &o.model)
				r.reg.Merge(&o.reg)
				// A full sync carries the sender's state through its last
				// op: what it covers need not be delivered again (it
				// would be harmless), so deliveries go on from there.
				log = append(log, fmt.Sprintf("%d merges %d", r.id, o.id))
			}
			for _, x := range rs {
				if err := checkMV(x, all); err != "" {
					fail("replica %d: %s", x.id, err)
				}
			}
		}
	})
}

func deliverMV(r *mvReplica, op mvOp) {
	seenBefore := r.model.seen[op.el.Dot]
	r.reg.Apply(op.ctx, op.el, op.has)
	r.model.replace(op.obs, op.el.Dot)
	if op.has && !seenBefore {
		r.model.elems[op.el.Dot] = op.el.V
	}
}

// mergeNaive: an element survives if both hold it or the other has not
// seen it; seen sets unite.
func mergeNaive(a, b *naiveReg) {
	out := map[core.Dot]core.Deadline{}
	for d, v := range a.elems {
		if _, ok := b.elems[d]; ok || !b.seen[d] {
			out[d] = v
		}
	}
	for d, v := range b.elems {
		if !a.seen[d] {
			out[d] = v
		}
	}
	a.elems = out
	for d := range b.seen {
		a.seen[d] = true
	}
}

func checkMV(r *mvReplica, all []core.Dot) string {
	got := map[core.Dot]core.Deadline{}
	for _, el := range r.reg.Elems {
		if _, dup := got[el.Dot]; dup {
			return fmt.Sprintf("element %v held twice", el.Dot)
		}
		got[el.Dot] = el.V
	}
	if len(got) != len(r.model.elems) {
		return fmt.Sprintf("elements %v, model %v", sortedElems(got), sortedElems(r.model.elems))
	}
	for d, v := range r.model.elems {
		if gv, ok := got[d]; !ok || gv != v {
			return fmt.Sprintf("elements %v, model %v", sortedElems(got), sortedElems(r.model.elems))
		}
	}
	for _, d := range all {
		if r.reg.Ctx.Covers(d) != r.model.seen[d] {
			return fmt.Sprintf("ctx %v covers %v = %v, model seen = %v", []core.Dot(r.reg.Ctx), d, r.reg.Ctx.Covers(d), r.model.seen[d])
		}
	}
	return ""
}

func sortedElems(m map[core.Dot]core.Deadline) []string {
	var s []string
	for d, v := range m {
		s = append(s, fmt.Sprintf("%v=%d", d, v))
	}
	sort.Strings(s)
	return s
}

// TestMVReg_ApplyIsIdempotentAndCopies: applying the same op twice changes
// nothing, and Apply copies the value (the caller's buffer may die).
func TestMVReg_ApplyIsIdempotentAndCopies(t *testing.T) {
	var m core.MVReg[core.BaseValue]
	buf := []byte("hello")
	obs := core.Counters{{Replica: 1, Seq: 1, Int: 3}}
	ctx := core.VV{{Replica: 1, Seq: 2}}
	el := core.Elem[core.BaseValue]{Dot: core.Dot{Replica: 1, Seq: 2}, TS: 9, V: core.BaseValue{Value: buf, Obs: obs}}
	m.Apply(ctx, el, true)
	m.Apply(ctx, el, true)
	if len(m.Elems) != 1 {
		t.Fatalf("%d elements after a duplicate apply", len(m.Elems))
	}
	copy(buf, "XXXXX")
	obs[0].Int = 99
	if string(m.Elems[0].V.Value) != "hello" || m.Elems[0].V.Obs[0].Int != 3 {
		t.Fatalf("the register aliases the caller's buffers: %q %v", m.Elems[0].V.Value, m.Elems[0].V.Obs)
	}
	// A removal covering it empties the register; the context remembers.
	m.Apply(core.VV{{Replica: 1, Seq: 3}}, core.Elem[core.BaseValue]{}, false)
	if len(m.Elems) != 0 || !m.Ctx.Covers(core.Dot{Replica: 1, Seq: 2}) {
		t.Fatalf("after removal: %d elements, ctx %v", len(m.Elems), m.Ctx)
	}
	// The old write arriving again is not resurrected.
	m.Apply(ctx, el, true)
	if len(m.Elems) != 0 {
		t.Fatalf("a removed write came back")
	}
	m.Reset()
	if len(m.Elems) != 0 || len(m.Ctx) != 0 {
		t.Fatalf("Reset left %v %v", m.Elems, m.Ctx)
	}
}

// TestVV_Basics: Add keeps the vector sorted with one entry per replica
// and never lowers an entry; Merge is the pointwise maximum; Covers and
// LessEq agree with it.
func TestVV_Basics(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var v core.VV
		model := map[core.ReplicaID]uint64{}
		for i, n := 0, rapid.IntRange(0, 30).Draw(t, "n"); i < n; i++ {
			d := core.Dot{Replica: core.ReplicaID(rapid.Uint8Range(0, 7).Draw(t, "r")), Seq: rapid.Uint64Range(0, 9).Draw(t, "s")}
			v.Add(d)
			if d.Seq > model[d.Replica] {
				model[d.Replica] = d.Seq
			}
		}
		for i := range v {
			if v[i].Seq == 0 || (i > 0 && v[i-1].Replica >= v[i].Replica) {
				t.Fatalf("not a compact sorted vector: %v", v)
			}
		}
		for r := core.ReplicaID(0); r < 8; r++ {
			if v.Get(r) != model[r] {
				t.Fatalf("Get(%d) = %d, want %d (%v)", r, v.Get(r), model[r], v)
			}
			for s := uint64(0); s <= 10; s++ {
				if want := s != 0 && s <= model[r]; v.Covers(core.Dot{Replica: r, Seq: s}) != want {
					t.Fatalf("Covers(%d,%d) != %v", r, s, want)
				}
			}
		}
		var o core.VV
		for i, n := 0, rapid.IntRange(0, 10).Draw(t, "m"); i < n; i++ {
			o.Add(core.Dot{Replica: core.ReplicaID(rapid.Uint8Range(0, 7).Draw(t, "or")), Seq: rapid.Uint64Range(1, 9).Draw(t, "os")})
		}
		m := v.AppendTo(nil)
		m.Merge(o)
		if !v.LessEq(m) || !o.LessEq(m) {
			t.Fatalf("merge %v of %v and %v is not an upper bound", m, v, o)
		}
		for r := core.ReplicaID(0); r < 8; r++ {
			if m.Get(r) != max(v.Get(r), o.Get(r)) {
				t.Fatalf("merge is not the pointwise max at %d", r)
			}
		}
		if !m.Equal(m.AppendTo(nil)) {
			t.Fatalf("Equal on a copy")
		}
	})
}
