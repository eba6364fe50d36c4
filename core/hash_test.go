package core_test

import (
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// Hashes over the simulated regions of sim_test.go (SEMANTICS.md section
// 2): each example of the section as its own test; convergence of random
// hash workloads under any delivery order with duplicates, by deltas and by
// full-state merge; and, field by field, a check of every region's visible
// hash against a naive event model (section 1's rules per field, fields
// forming an add-wins observed-remove map).
//
// A hash write is what package shard does: HSET, HINCRBY, HINCRBYFLOAT and
// HDEL are one field write each (Entry.SetField, IncrField,
// IncrFieldFloat, DeleteField), an HDEL that empties the hash also deletes
// the key, and DEL removes every live field one by one, then the key.
// Entries keep tombstones (Retain), as in a region with peers: without it
// a field's remove that arrives before the write it observed is forgotten.

// hashKeys are the keys of the random hash workloads; hashFields their
// fields.
var (
	hashKeys   = []string{"k0", "k1"}
	hashFields = []string{"f", "g", "h"}
)

// hashValues are HSET values: integers (the extremes included), a
// non-numeric one and the empty string. The model covers all of them.
var hashValues = []string{"0", "1", "5", "-3", "abc", "", "9223372036854775807", "-9223372036854775808"}

// hashEntry returns region r's entry of key, created as a region with peers
// creates it: keeping removed fields' contexts.
func hashEntry(r *simRegion, key string) *core.Entry {
	e := r.keys[key]
	if e == nil {
		e = &core.Entry{Retain: true}
		r.keys[key] = e
	}
	return e
}

// hashRetain creates key's entry in every region (a remote delta finds the
// entry that keeps tombstones).
func hashRetain(s *sim, key string) {
	for _, r := range s.regions {
		hashEntry(r, key)
	}
}

// hashOp says what a hash event did to its field.
type hashOp uint8

const (
	hashSet hashOp = iota
	hashIncr
	hashIncrFloat
	hashDel
)

// hashEvent is what the model needs of one hash write, by event id: obs
// holds the events its region had applied to the key when it was made
// (what it observed directly; with two regions, and deltas of a key in
// order per origin, that is also everything causally before it).
type hashEvent struct {
	op    hashOp
	field string
	value string
	by    int64
	obs   map[int]bool
}

// hashSim runs hash writes on a sim and remembers, with the model on, what
// each event did to which field.
type hashSim struct {
	*sim
	ev map[int]hashEvent
}

func newHashSim(s *sim) *hashSim {
	for _, k := range hashKeys {
		hashRetain(s, k)
	}
	return &hashSim{sim: s, ev: map[int]hashEvent{}}
}

// commitField commits r.delta as an event and records its hash meaning.
func (h *hashSim) commitField(r *simRegion, key string, p int, kind evKind, he hashEvent) {
	if h.model {
		he.obs = map[int]bool{}
		for id := range r.applied[key] {
			he.obs[id] = true
		}
	}
	ev := &event{kind: kind}
	h.commit(r, key, p, ev)
	if h.model {
		h.ev[ev.id] = he
	}
}

// wrongType reports whether key holds a live value of another type (the
// shard refuses the write with WRONGTYPE).
func (h *hashSim) wrongType(r *simRegion, key string) bool {
	e := hashEntry(r, key)
	return e.Live() && e.Kind != core.KindHash
}

// hset is HSET key field value; it reports whether the field was new.
func (h *hashSim) hset(r *simRegion, key, field, value string) bool {
	if h.wrongType(r, key) {
		h.logf("%s: HSET %s %s %q (WRONGTYPE)", r.name, key, field, value)
		return false
	}
	dot, p := r.nextDot(key)
	created := hashEntry(r, key).SetField(&r.delta, core.KindHash, dot, r.clock.Now(r.wall), []byte(field), []byte(value))
	h.logf("%s: HSET %s %s %q -> %v", r.name, key, field, value, created)
	h.commitField(r, key, p, evSet, hashEvent{op: hashSet, field: field, value: value})
	return created
}

// hincr is HINCRBY key field by; a failing increment ships nothing.
func (h *hashSim) hincr(r *simRegion, key, field string, by int64) (int64, error) {
	if h.wrongType(r, key) {
		return 0, errors.New("WRONGTYPE")
	}
	dot, p := r.nextDot(key)
	n, err := hashEntry(r, key).IncrField(&r.delta, core.KindHash, dot, r.clock.Now(r.wall), []byte(field), by)
	h.logf("%s: HINCRBY %s %s %d -> %d, %v", r.name, key, field, by, n, err)
	if err != nil {
		return 0, err
	}
	h.commitField(r, key, p, evIncr, hashEvent{op: hashIncr, field: field, by: by})
	return n, nil
}

// hincrFloat is HINCRBYFLOAT key field by, the amount parsed as the server
// parses it.
func (h *hashSim) hincrFloat(r *simRegion, key, field, by string) (string, error) {
	if h.wrongType(r, key) {
		return "", errors.New("WRONGTYPE")
	}
	amount, ok := core.ParseDD([]byte(by))
	if !ok {
		h.fatalf("bad float %q", by)
	}
	dot, p := r.nextDot(key)
	v, err := hashEntry(r, key).IncrFieldFloat(&r.delta, core.KindHash, dot, r.clock.Now(r.wall), []byte(field), amount, nil)
	h.logf("%s: HINCRBYFLOAT %s %s %s -> %s, %v", r.name, key, field, by, v, err)
	if err != nil {
		return "", err
	}
	h.commitField(r, key, p, evIncrFloat, hashEvent{op: hashIncrFloat, field: field})
	return string(v), nil
}

// hdel is HDEL key field: an observed-remove of a live field; the key goes
// with its last field, as the shard deletes it.
func (h *hashSim) hdel(r *simRegion, key, field string) bool {
	e := hashEntry(r, key)
	if e.Kind != core.KindHash || !e.Live() || e.Fields.Get([]byte(field)) == nil {
		h.logf("%s: HDEL %s %s (absent: no-op)", r.name, key, field)
		return false
	}
	h.logf("%s: HDEL %s %s", r.name, key, field)
	dot, p := r.nextDot(key)
	e.DeleteField(&r.delta, dot, r.clock.Now(r.wall), []byte(field))
	h.commitField(r, key, p, evDel, hashEvent{op: hashDel, field: field})
	if !e.Live() {
		h.delKeyPart(r, key)
	}
	return true
}

// delKeyPart is the key-level half of a delete: the key's own value and
// TTL (for a hash, the TTL).
func (h *hashSim) delKeyPart(r *simRegion, key string) {
	h.logf("%s: DEL %s (key part)", r.name, key)
	dot, p := r.nextDot(key)
	hashEntry(r, key).Delete(&r.delta, dot, r.clock.Now(r.wall))
	h.commit(r, key, p, &event{kind: evDel})
}

// hdelKey is DEL of a hash: every live field (in name order), then the key.
func (h *hashSim) hdelKey(r *simRegion, key string) bool {
	e := hashEntry(r, key)
	if !e.Live() || e.Kind != core.KindHash {
		return false
	}
	var names []string
	e.Fields.Each(func(n string, _ *core.Register) bool { names = append(names, n); return true })
	sort.Strings(names)
	for _, n := range names {
		dot, p := r.nextDot(key)
		e.DeleteField(&r.delta, dot, r.clock.Now(r.wall), []byte(n))
		h.logf("%s: DEL %s: field %s", r.name, key, n)
		h.commitField(r, key, p, evDel, hashEvent{op: hashDel, field: n})
	}
	h.delKeyPart(r, key)
	return true
}

// hashView is what a user sees of a key that is a hash: its fields and
// values sorted by name, and its deadline; other types show their kind.
func hashView(e *core.Entry) string {
	if e == nil || !e.Live() {
		return "(nil)"
	}
	if e.Kind != core.KindHash {
		v, _ := e.Value(nil)
		return fmt.Sprintf("%s %q deadline=%d", e.Kind, v, e.Deadline())
	}
	var parts []string
	e.Fields.Each(func(n string, r *core.Register) bool {
		v, _ := r.Value(nil)
		parts = append(parts, n+"="+string(v))
		return true
	})
	if len(parts) != e.Fields.Len() {
		return fmt.Sprintf("BROKEN: Each gave %d fields, Len says %d", len(parts), e.Fields.Len())
	}
	sort.Strings(parts)
	s := strings.Join(parts, " ")
	if d := e.Deadline(); d != 0 {
		s += fmt.Sprintf(" deadline=%d", d)
	}
	return s
}

// hashDigest is the canonical text of an entry's whole state, fields
// included (sim_test.go's digest covers the key-level parts).
func hashDigest(e *core.Entry) string {
	if e == nil {
		return "<nil>"
	}
	var b strings.Builder
	e = e.General()
	fmt.Fprintf(&b, "%s kindstamp=%d@%d fields{", digest(e), e.KindRep, e.KindTS)
	if e.Fields != nil {
		var names []string
		for n := range e.Fields.M {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			r := e.Fields.M[n]
			els := append([]core.Elem[core.BaseValue](nil), r.Base.Elems...)
			sort.Slice(els, func(i, j int) bool { return dotLess(els[i].Dot, els[j].Dot) })
			fmt.Fprintf(&b, " %s:{ctx=%v", n, []core.Dot(r.Base.Ctx))
			for _, el := range els {
				fmt.Fprintf(&b, " %v@%d=%q obs=%s", el.Dot, el.TS, el.V.Value, countersText(el.V.Obs))
			}
			fmt.Fprintf(&b, " incs=%s rem=%s}", countersText(r.Incs), countersText(r.Rem))
		}
		fmt.Fprintf(&b, " live=%d", e.Fields.Len())
	}
	b.WriteString("}")
	return b.String()
}

// checkHashesConverged requires every region to show the same thing for
// every key.
func (h *hashSim) checkHashesConverged() {
	h.t.Helper()
	for _, k := range h.keysSeen() {
		want := hashView(h.regions[0].keys[k])
		for _, r := range h.regions[1:] {
			if got := hashView(r.keys[k]); got != want {
				h.fatalf("key %s diverged: %s sees %s, %s sees %s\n%s: %s\n%s: %s", k,
					h.regions[0].name, want, r.name, got,
					h.regions[0].name, hashDigest(h.regions[0].keys[k]), r.name, hashDigest(r.keys[k]))
			}
		}
	}
}

// --- The model -------------------------------------------------------------------

// fieldModel computes, from nothing but the hash events region r has
// applied for key and what each observed, what r must show for field:
// section 1 per field. A base write (HSET) survives unless an HSET or HDEL
// of the field applied at r had observed it; the visible base is the
// LWW-latest survivor; an increment counts unless the visible base's writer
// or an HDEL of the field applied at r had observed it. ok is false when
// the model cannot say (float increments).
func (h *hashSim) fieldModel(r *simRegion, key, field string) (value string, live bool, total *big.Int, base *event, ok bool) {
	var evs []*event
	for id := range r.applied[key] {
		if he, isHash := h.ev[id]; isHash && he.field == field {
			if he.op == hashIncrFloat {
				return "", false, nil, nil, false
			}
			evs = append(evs, h.events[id])
		}
	}
	observedBy := func(x *event, ops ...hashOp) bool {
		for _, y := range evs {
			if y == x || !h.ev[y.id].obs[x.id] {
				continue
			}
			for _, op := range ops {
				if h.ev[y.id].op == op {
					return true
				}
			}
		}
		return false
	}
	for _, x := range evs {
		if h.ev[x.id].op == hashSet && !observedBy(x, hashSet, hashDel) {
			if base == nil || core.LWWLater(x.ts, x.dot.Replica, base.ts, base.dot.Replica) {
				base = x
			}
		}
	}
	total = new(big.Int)
	pending := false
	for _, x := range evs {
		if h.ev[x.id].op != hashIncr || (base != nil && h.ev[base.id].obs[x.id]) || observedBy(x, hashDel) {
			continue
		}
		pending = true
		total.Add(total, big.NewInt(h.ev[x.id].by))
	}
	live = base != nil || pending
	switch {
	case !live:
		return "", false, total, nil, true
	case base == nil:
		return total.String(), true, total, nil, true
	}
	bv := h.ev[base.id].value
	n, isInt := core.ParseInt([]byte(bv))
	if !pending {
		if isInt {
			total.SetInt64(n)
		}
		return bv, true, total, base, true
	}
	if !isInt {
		return bv, true, total, base, true // a non-numeric base hides increments
	}
	total.Add(total, big.NewInt(n))
	return total.String(), true, total, base, true
}

// modelHash is the model's view of key at r, in hashView's form without
// the deadline; ok false when some field is out of the model's reach.
func (h *hashSim) modelHash(r *simRegion, key string) (string, bool) {
	var parts []string
	for _, f := range hashFields {
		v, live, _, _, ok := h.fieldModel(r, key, f)
		if !ok {
			return "", false
		}
		if live {
			parts = append(parts, f+"="+v)
		}
	}
	if len(parts) == 0 {
		return "(nil)", true
	}
	return strings.Join(parts, " "), true
}

// modelHIncr predicts a local HINCRBY: the current value must be an
// integer in the 64-bit range (ErrNotInteger), and so must the result
// (ErrOverflow).
func (h *hashSim) modelHIncr(r *simRegion, key, field string, by int64) (int64, error) {
	_, live, total, base, ok := h.fieldModel(r, key, field)
	if !ok {
		return 0, core.ErrNotInteger
	}
	if !live {
		return by, nil
	}
	if base != nil {
		if _, isInt := core.ParseInt([]byte(h.ev[base.id].value)); !isInt {
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

// checkHashModel compares what region r shows of every hash key, without
// its deadline, with the model.
func (h *hashSim) checkHashModel(r *simRegion) {
	h.t.Helper()
	for _, k := range hashKeys {
		want, ok := h.modelHash(r, k)
		if !ok {
			continue
		}
		got := hashView(r.keys[k])
		if i := strings.Index(got, " deadline="); i >= 0 {
			got = got[:i]
		} else if strings.HasPrefix(got, "deadline=") {
			got = "(nil)"
		}
		if got != want {
			h.fatalf("%s key %s shows %s, model says %s\nstate: %s", r.name, k, got, want, hashDigest(r.keys[k]))
		}
	}
}

// --- Random workloads ----------------------------------------------------------

type hashOpts struct {
	minRegions, maxRegions, maxSteps int
	floats                           bool // HINCRBYFLOAT too (the model skips those fields)
	model                            bool
}

func drawHashSim(t *rapid.T, o hashOpts) *hashSim {
	n := rapid.IntRange(o.minRegions, o.maxRegions).Draw(t, "regions")
	ids := rapid.Permutation(replicaIDs()).Draw(t, "ids")[:n]
	h := newHashSim(newSim(t, ids, nil, o.model))
	for i := range h.regions {
		h.regions[i].wall += rapid.Int64Range(-50, 50).Draw(t, "skew")
	}
	for i, steps := 0, rapid.IntRange(0, o.maxSteps).Draw(t, "steps"); i < steps; i++ {
		h.hstep(t, o)
	}
	return h
}

// hstep draws and runs one action: a hash write at a random region, an
// in-order delivery, or a duplicate of an earlier delivery.
func (h *hashSim) hstep(t *rapid.T, o hashOpts) {
	r := h.regions[rapid.IntRange(0, len(h.regions)-1).Draw(t, "region")]
	r.wall += rapid.Int64Range(-3, 10).Draw(t, "tick")
	key := rapid.SampledFrom(hashKeys).Draw(t, "key")
	field := rapid.SampledFrom(hashFields).Draw(t, "field")
	switch op := rapid.IntRange(0, 10).Draw(t, "op"); op {
	case 0, 1:
		h.hset(r, key, field, rapid.SampledFrom(hashValues).Draw(t, "value"))
	case 2, 3:
		if op == 3 && o.floats {
			h.hincrFloat(r, key, field, rapid.SampledFrom(floatSteps).Draw(t, "byfloat"))
			break
		}
		by := incrAmount().Draw(t, "by")
		if !h.model {
			h.hincr(r, key, field, by)
			break
		}
		wantN, wantErr := h.modelHIncr(r, key, field, by)
		n, err := h.hincr(r, key, field, by)
		if !errors.Is(err, wantErr) || (err == nil && n != wantN) {
			h.fatalf("%s: HINCRBY %s %s %d returned (%d, %v), model says (%d, %v)", r.name, key, field, by, n, err, wantN, wantErr)
		}
	case 4, 5:
		h.hdel(r, key, field)
	case 6:
		h.hdelKey(r, key)
	case 7:
		h.expire(r, key, rapid.SampledFrom(deadlines).Draw(t, "deadline"))
	case 8, 9:
		from := rapid.IntRange(0, len(h.regions)-1).Draw(t, "from")
		h.deliver(r, from, rapid.IntRange(0, simParts-1).Draw(t, "part"))
	case 10:
		from := rapid.IntRange(0, len(h.regions)-1).Draw(t, "from")
		p := rapid.IntRange(0, simParts-1).Draw(t, "part")
		if n := r.next[from][p]; n > 0 {
			h.redeliver(r, from, p, rapid.IntRange(0, n-1).Draw(t, "dup"))
		}
	}
	if h.model {
		h.checkHashModel(r)
	}
}

// hfinish delivers everything everywhere in a random order, with random
// duplicates, checking the model after each delivery.
func (h *hashSim) hfinish(t *rapid.T) {
	for {
		q := h.pending()
		if len(q) == 0 {
			return
		}
		x := q[rapid.IntRange(0, len(q)-1).Draw(t, "final")]
		to := h.regions[x[0]]
		h.deliver(to, x[1], x[2])
		if rapid.IntRange(0, 4).Draw(t, "finaldup") == 0 {
			h.redeliver(to, x[1], x[2], rapid.IntRange(0, to.next[x[1]][x[2]]-1).Draw(t, "dupidx"))
		}
		if h.model {
			h.checkHashModel(to)
		}
	}
}

// TestHashConverge_DeltasAnyOrderWithDuplicates: 2-5 regions run random
// HSET, HINCRBY, HINCRBYFLOAT, HDEL, DEL and EXPIRE on a few hashes and
// fields; deltas travel in any order across origins (FIFO per origin and
// partition) with duplicates; once everything is delivered every region
// shows the same fields, values and deadline for every key.
func TestHashConverge_DeltasAnyOrderWithDuplicates(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawHashSim(t, hashOpts{minRegions: 2, maxRegions: 5, maxSteps: 80, floats: true})
		h.hfinish(t)
		h.checkHashesConverged()
	})
}

// TestHashConverge_FullStateMergeEqualsDeltas: the same workloads synced by
// full-state Entry.Merge (random gossip, then every region merging every
// other in random orders) end in exactly the state, fields and tombstones
// included, that delivering the deltas gives; and Merge of hash entries is
// commutative and idempotent.
func TestHashConverge_FullStateMergeEqualsDeltas(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawHashSim(t, hashOpts{minRegions: 2, maxRegions: 4, maxSteps: 60, floats: true})
		n := len(h.regions)
		states := make([]map[string]*core.Entry, n)
		for i, r := range h.regions {
			states[i] = map[string]*core.Entry{}
			for k, e := range r.keys {
				states[i][k] = e.Clone()
			}
		}
		for _, k := range hashKeys {
			a, b := states[0][k], states[n-1][k]
			if ab, ba := hashDigest(merged(a, b)), hashDigest(merged(b, a)); ab != ba {
				h.fatalf("key %s: merge not commutative:\na+b=%s\nb+a=%s", k, ab, ba)
			}
			if aa := hashDigest(merged(a, a)); aa != hashDigest(a) {
				h.fatalf("key %s: a+a != a:\n%s\n%s", k, aa, hashDigest(a))
			}
		}
		mergeInto := func(dst, src int) {
			h.logf("merge %s<-%s", h.regions[dst].name, h.regions[src].name)
			for k, e := range states[src] {
				if states[dst][k] == nil {
					states[dst][k] = &core.Entry{Retain: true}
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
		for pass := 0; pass < 2; pass++ {
			for _, a := range rapid.Permutation(idx).Draw(t, "order") {
				for _, b := range rapid.Permutation(idx).Draw(t, "srcorder") {
					mergeInto(a, b)
				}
			}
		}
		h.hfinish(t)
		h.checkHashesConverged()
		for _, k := range h.keysSeen() {
			ref := h.regions[0].keys[k]
			for i := range states {
				if got, want := hashView(states[i][k]), hashView(ref); got != want {
					h.fatalf("key %s: full-state sync at %s shows %s, delta sync %s", k, h.regions[i].name, got, want)
				}
				if got, want := hashDigest(states[i][k]), hashDigest(ref); got != want {
					h.fatalf("key %s: full-state sync at %s holds\n%s\ndelta sync holds\n%s", k, h.regions[i].name, got, want)
				}
			}
		}
	})
}

// TestHashModel_FieldsMatchEventModel: two regions run random HSET
// (integers, the extremes, non-numeric), HINCRBY (up to the 64-bit
// extremes), HDEL, DEL and EXPIRE with random delivery and duplicates;
// after every step the acting region shows exactly the hash the event
// model computes field by field, and every local HINCRBY reply or error is
// the model's. (Two regions: then what a write observed directly is its
// whole causal past. With more, a write can know of an increment only
// through a third region's write, which is the string model's subject in
// crdt_test.go.)
func TestHashModel_FieldsMatchEventModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawHashSim(t, hashOpts{minRegions: 2, maxRegions: 2, maxSteps: 80, model: true})
		h.hfinish(t)
		h.checkHashesConverged()
	})
}

// --- SEMANTICS.md section 2, example by example ------------------------------

// hashScript is semantics_test.go's script with the hash commands: HSET
// key field value [field value ...], HSETNX, HGET, HDEL key field
// [field ...], HINCRBY, HINCRBYFLOAT, HLEN, HGETALL (fields sorted,
// "(empty)" when absent) and DEL of a hash; anything else goes to
// script.do.
type hashScript struct {
	*script
	h *hashSim
}

func newHashScript(t *testing.T, specs ...string) *hashScript {
	w := newScript(t, specs...)
	return &hashScript{script: w, h: &hashSim{sim: w.s, ev: map[int]hashEvent{}}}
}

func (w *hashScript) hdo(name, cmd string) string {
	w.t.Helper()
	f := strings.Fields(cmd)
	if len(f) < 2 {
		w.t.Fatalf("%q: missing key", cmd)
	}
	key := f[1]
	hashRetain(w.s, key)
	r := w.region(name)
	arg := func(i int) string {
		if i >= len(f) {
			w.t.Fatalf("%s: %q: missing argument %d", name, cmd, i)
		}
		return f[i]
	}
	switch strings.ToUpper(f[0]) {
	case "HSET":
		r.wall++
		n := 0
		for i := 2; i < len(f); i += 2 {
			if w.h.hset(r, key, arg(i), arg(i+1)) {
				n++
			}
		}
		return strconv.Itoa(n)
	case "HSETNX":
		e := hashEntry(r, key)
		if e.Kind == core.KindHash && e.Live() && e.Fields.Get([]byte(arg(2))) != nil {
			return "0"
		}
		r.wall++
		w.h.hset(r, key, arg(2), arg(3))
		return "1"
	case "HGET":
		e := hashEntry(r, key)
		if e.Kind != core.KindHash || !e.Live() {
			return "(nil)"
		}
		fr := e.Fields.Get([]byte(arg(2)))
		if fr == nil {
			return "(nil)"
		}
		v, _ := fr.Value(nil)
		return string(v)
	case "HLEN":
		e := hashEntry(r, key)
		if e.Kind != core.KindHash || !e.Live() {
			return "0"
		}
		return strconv.Itoa(e.Fields.Len())
	case "HGETALL":
		v := hashView(r.keys[key])
		if v == "(nil)" {
			return "(empty)"
		}
		return v
	case "HDEL":
		r.wall++
		n := 0
		for _, fld := range f[2:] {
			if w.h.hdel(r, key, fld) {
				n++
			}
		}
		return strconv.Itoa(n)
	case "HINCRBY":
		r.wall++
		by, err := strconv.ParseInt(arg(3), 10, 64)
		if err != nil {
			w.t.Fatalf("%q: bad increment", cmd)
		}
		n, err := w.h.hincr(r, key, arg(2), by)
		if err != nil {
			return "ERR " + err.Error()
		}
		return strconv.FormatInt(n, 10)
	case "HINCRBYFLOAT":
		r.wall++
		v, err := w.h.hincrFloat(r, key, arg(2), arg(3))
		if err != nil {
			return "ERR " + err.Error()
		}
		return v
	case "DEL":
		if e := hashEntry(r, key); e.Kind == core.KindHash {
			r.wall++
			if w.h.hdelKey(r, key) {
				return "1"
			}
			return "0"
		}
	}
	return w.do(name, cmd)
}

// hwant runs cmd at name and requires reply.
func (w *hashScript) hwant(name, cmd, reply string) {
	w.t.Helper()
	if got := w.hdo(name, cmd); got != reply {
		w.t.Fatalf("%s: %s = %q, want %q", name, cmd, got, reply)
	}
}

// hexpect requires every region to show key as want (HGETALL's form).
func (w *hashScript) hexpect(key, want string) {
	w.t.Helper()
	for _, r := range w.s.regions {
		if got := w.hdo(r.name, "HGETALL "+key); got != want {
			w.t.Errorf("%s: HGETALL %s = %q, want %q\n%s", r.name, key, got, want, hashDigest(r.keys[key]))
		}
	}
}

// "A: HSET h f1 a, B: HSET h f2 b → both: f1=a, f2=b."
func TestSemantics2_ConcurrentHSetsOfDifferentFieldsUnion(t *testing.T) {
	w := newHashScript(t, "A", "B")
	w.hwant("A", "HSET h f1 a", "1")
	w.hwant("B", "HSET h f2 b", "1")
	w.sync()
	w.hexpect("h", "f1=a f2=b")
	w.hwant("A", "HLEN h", "2")
	w.hwant("B", "HGET h f1", "a")
}

// "Fields form an add-wins observed-remove map": HDEL concurrent with an
// HSET of the same field loses, whichever region's clock is ahead.
func TestSemantics2_HDelVersusConcurrentHSetAddWins(t *testing.T) {
	for _, ahead := range []string{"A", "B"} {
		t.Run("clock ahead at "+ahead, func(t *testing.T) {
			w := newHashScript(t, "A", "B")
			w.hwant("A", "HSET h f a", "1")
			w.sync()
			w.wall(ahead, 9_000_000)
			w.hwant("A", "HDEL h f", "1")
			w.hwant("A", "HGETALL h", "(empty)") // the last field took the key
			w.hwant("B", "HSET h f b", "0")
			w.sync()
			w.hexpect("h", "f=b")
		})
	}
}

// "HDEL ... removes only the fields, and field writes, that it observed":
// A's HDEL of f1 leaves B's concurrent f2 alone, and A's HDEL of f2 before
// A has seen it removes nothing.
func TestSemantics2_HDelRemovesOnlyObservedFields(t *testing.T) {
	w := newHashScript(t, "A", "B")
	w.hwant("A", "HSET h f1 a", "1")
	w.sync()
	w.hwant("B", "HSET h f2 b", "1")
	w.hwant("A", "HDEL h f1 f2", "1")
	w.sync()
	w.hexpect("h", "f2=b")
}

// "(or DEL of the key)": h={f1} in sync; A: DEL h, B: HSET h f2 b → both
// {f2=b}; B's concurrent rewrite of the observed field f1 survives too.
func TestSemantics2_DelOfHashVersusConcurrentHSet(t *testing.T) {
	w := newHashScript(t, "A", "B")
	w.hwant("A", "HSET h f1 a f3 c", "2")
	w.sync()
	w.hwant("A", "DEL h", "1")
	w.hwant("B", "HSET h f2 b f1 z", "1")
	w.sync()
	w.hexpect("h", "f1=z f2=b")
}

// Section 1 per field: "Concurrent increments: they add up. A: INCRBY c 7,
// B: INCRBY c 3 → both read 10. Then A: DECRBY c 3, B: INCRBY c 6 → both
// read 13."
func TestSemantics2_ConcurrentHIncrByAddUp(t *testing.T) {
	w := newHashScript(t, "A", "B")
	w.hwant("A", "HINCRBY h c 7", "7")
	w.hwant("B", "HINCRBY h c 3", "3")
	w.sync()
	w.hexpect("h", "c=10")
	w.hwant("A", "HINCRBY h c -3", "7")
	w.hwant("B", "HINCRBY h c 6", "16")
	w.sync()
	w.hexpect("h", "c=13")
}

// Section 1 per field: "SET concurrent with INCR: the SET replaces what it
// observed; the unobserved increment is added on top. c=3; A: SET c 10, B:
// INCRBY c 5 → both read 15."
func TestSemantics2_HSetConcurrentWithHIncrBy(t *testing.T) {
	for _, start := range []string{"HSET h c 3", "HINCRBY h c 3"} {
		t.Run(start, func(t *testing.T) {
			w := newHashScript(t, "A", "B")
			w.hdo("A", start)
			w.sync()
			w.hwant("A", "HSET h c 10", "0")
			w.hwant("B", "HINCRBY h c 5", "8")
			w.sync()
			w.hexpect("h", "c=15")
		})
	}
}

// Section 1 per field: "DEL concurrent with INCR: the DEL removes what it
// observed; the unobserved increment survives as the value. c=4; A: DEL c,
// B: INCRBY c 2 → both read 2", for HDEL of the field and DEL of the hash.
func TestSemantics2_DeleteConcurrentWithHIncrBy(t *testing.T) {
	for _, del := range []string{"HDEL h c", "DEL h"} {
		t.Run(del, func(t *testing.T) {
			w := newHashScript(t, "A", "B")
			w.hwant("A", "HSET h c 4", "1")
			w.sync()
			w.hwant("A", del, "1")
			w.hwant("B", "HINCRBY h c 2", "6")
			w.sync()
			w.hexpect("h", "c=2")
		})
	}
}

// Section 1 per field: "Concurrent SETs: LWW"; the tie goes to the smaller
// replica id.
func TestSemantics2_ConcurrentHSetsOfOneFieldLWW(t *testing.T) {
	w := newHashScript(t, "A=2", "B=1")
	w.wall("A", 2000)
	w.wall("B", 1000)
	w.hwant("A", "HSET h f a", "1")
	w.hwant("B", "HSET h f b", "1")
	w.sync()
	w.hexpect("h", "f=a")

	w = newHashScript(t, "A=7", "B=3")
	w.wall("A", 5000)
	w.wall("B", 5000)
	w.hwant("A", "HSET h f a", "1")
	w.hwant("B", "HSET h f b", "1")
	w.sync()
	w.hexpect("h", "f=b")
}

// Section 1 per field: "If the winning base is not a number, concurrent
// increments are not shown ... A local INCR on a non-numeric value fails."
func TestSemantics2_NonNumericFieldHidesIncrements(t *testing.T) {
	w := newHashScript(t, "A", "B")
	w.hwant("A", "HSET h f 3", "1")
	w.sync()
	w.hwant("A", "HSET h f abc", "0")
	w.hwant("B", "HINCRBY h f 1", "4")
	w.sync()
	w.hexpect("h", "f=abc")
	w.hwant("A", "HINCRBY h f 1", "ERR "+core.ErrNotInteger.Error())
	w.hwant("A", "HINCRBYFLOAT h f 1", "ERR "+core.ErrNotFloat.Error())
}

// Section 1 per field: "INCRBYFLOAT ... per-region float contributions are
// summed in replica-id order so every region computes the identical float."
func TestSemantics2_HIncrByFloatSummedIdentically(t *testing.T) {
	w := newHashScript(t, "A", "B", "C")
	w.hwant("A", "HSET h f 10.5", "1")
	w.sync()
	w.hwant("A", "HINCRBYFLOAT h f 0.1", "10.6")
	w.hwant("B", "HINCRBYFLOAT h f 0.2", "10.7")
	w.hwant("C", "HINCRBYFLOAT h f -5e-3", "10.495")
	w.deliver("C", "B")
	w.deliver("C", "A")
	w.deliver("A", "C")
	w.deliver("B", "A")
	w.sync()
	w.hexpect("h", "f=10.795")
}

// Section 1 per field: "Integer totals are exact ... a merged total past
// that range reads back as its exact decimal string, and a further INCR on
// it fails with Redis's out-of-range error" (HINCRBY: "hash value is not
// an integer" at the net layer).
func TestSemantics2_MergedFieldTotalPastInt64(t *testing.T) {
	w := newHashScript(t, "A", "B")
	w.hwant("A", "HINCRBY h f 9223372036854775807", "9223372036854775807")
	w.hwant("B", "HINCRBY h f 9223372036854775807", "9223372036854775807")
	w.sync()
	w.hexpect("h", "f=18446744073709551614")
	w.hwant("A", "HINCRBY h f -1", "ERR "+core.ErrNotInteger.Error())
	w.hwant("A", "HINCRBY h g 1", "1") // the other fields are unaffected
}

// HSETNX is decided on the local state; what replicates is an HSET, so two
// regions that both set an absent field concurrently resolve it by LWW.
func TestSemantics2_ConcurrentHSetNXResolvesByLWW(t *testing.T) {
	w := newHashScript(t, "A=1", "B=2")
	w.wall("A", 1000)
	w.wall("B", 2000)
	w.hwant("A", "HSETNX h f a", "1")
	w.hwant("B", "HSETNX h f b", "1")
	w.hwant("A", "HSETNX h f c", "0")
	w.sync()
	w.hexpect("h", "f=b")
}

// Section 8: a key's expiry is key-level for a hash as for a string; the
// longest concurrent TTL wins, and HSET keeps the TTL (as in Redis).
func TestSemantics2_HashTTLIsKeyLevel(t *testing.T) {
	w := newHashScript(t, "A", "B")
	w.hwant("A", "HSET h f a", "1")
	w.sync()
	w.hwant("A", "PEXPIREAT h 5000000", "1")
	w.hwant("B", "PEXPIREAT h 7000000", "1")
	w.hwant("A", "HSET h g b", "1")
	w.sync()
	w.hexpect("h", "f=a g=b deadline=7000000")
}

// TestHashMerge_DeadFieldsStayDeadAcrossFullSync: a field removed in one
// region and merged by full state into a region that never saw it stays
// removed (its tombstone travels), while a field written concurrently
// survives.
func TestHashMerge_DeadFieldsStayDeadAcrossFullSync(t *testing.T) {
	w := newHashScript(t, "A", "B", "C")
	w.hwant("A", "HSET h f 1 g 2", "2")
	w.deliver("B", "A")
	w.hwant("B", "HDEL h f", "1")
	w.hwant("C", "HSET h k 3", "1")
	// C merges B's full state (B has A's writes and its HDEL), then A's.
	c := hashEntry(w.region("C"), "h")
	c.Merge(hashEntry(w.region("B"), "h").Clone())
	c.Merge(hashEntry(w.region("A"), "h").Clone())
	if got := hashView(c); got != "g=2 k=3" {
		t.Fatalf("C after full sync shows %s\n%s", got, hashDigest(c))
	}
	w.sync()
	w.hexpect("h", "g=2 k=3")
}
