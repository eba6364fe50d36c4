package core_test

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strings"

	"github.com/meridiandb/meridian/core"
)

// This file is a test-only simulation of several regions writing the same
// keys: each region has its own entries, HLC, per-(region, partition)
// sequence counters and outboxes of encoded deltas, exactly as package shard
// and the replication layer arrange them. Deltas travel through
// core.AppendDelta and core.DecodeDelta, so the codec is on every path.
//
// Delivery is FIFO per (origin, partition), the one ordering the design
// guarantees; any interleaving across origins and partitions, and duplicate
// re-delivery of anything already delivered, are allowed.
//
// With model recording on, every write is also kept as an event with the
// set of events its region had applied when it was made (what it observed),
// so a naive model can compute the visible state of any region from the set
// of events it has applied (see modelView).

// simParts is the number of partitions of the simulated keyspace: enough for
// keys to share a partition's sequence (gaps in a key's dots) and for two
// partitions of one origin to be delivered out of order with each other.
const simParts = 2

// simKeys are the keys the simulations write. Partition = index % simParts.
var simKeys = []string{"k0", "k1", "k2"}

func simPart(key string) int {
	for i, k := range simKeys {
		if k == key {
			return i % simParts
		}
	}
	// Scripted tests use free-form key names: hash them onto a partition.
	h := 0
	for i := 0; i < len(key); i++ {
		h = h*31 + int(key[i])
	}
	if h < 0 {
		h = -h
	}
	return h % simParts
}

// tb is what the harness needs of *testing.T and *rapid.T.
type tb interface {
	Helper()
	Fatalf(format string, args ...any)
	Logf(format string, args ...any)
}

type evKind uint8

const (
	evSet evKind = iota
	evIncr
	evIncrFloat
	evDel
	evExpire
)

// event is one successful local write, for the model.
type event struct {
	id       int
	origin   int // region index
	kind     evKind
	key      string
	dot      core.Dot
	ts       core.Timestamp
	value    string // evSet
	by       int64  // evIncr
	keepTTL  bool   // evSet
	deadline int64  // evSet without keepTTL, evExpire
	// What the write knew of, per component, as the implementation's
	// deltas carry it: kb the base writes (SETs), ke the expiry writes, ki
	// the increments. Knowledge is transitive, but only through the
	// deltas that carry that component's context: base writes and
	// increments through SETs and DELs, expiry writes through expiry
	// writers (SET without KEEPTTL, EXPIRE, PERSIST) and DELs.
	kb, ke, ki map[int]bool
}

func (e *event) writesExpiry() bool {
	return e.kind == evExpire || (e.kind == evSet && !e.keepTTL)
}

// msg is one encoded delta in an outbox.
type msg struct {
	buf []byte
	ev  int // event id, -1 when the model is off
}

type simRegion struct {
	idx   int
	name  string
	id    core.ReplicaID
	wall  int64
	clock core.Clock
	seq   [simParts]uint64
	keys  map[string]*core.Entry
	delta core.Delta // reused scratch, as a shard reuses Exec.delta
	out   [simParts][]msg
	// next[o][p] is the index in region o's outbox p of the next delta to
	// deliver here in order.
	next [][simParts]int
	// applied[key] is the set of events applied here (model only).
	applied map[string]map[int]bool
}

type sim struct {
	t       tb
	regions []*simRegion
	model   bool
	events  []*event
	log     []string
}

func newSim(t tb, ids []core.ReplicaID, names []string, model bool) *sim {
	s := &sim{t: t, model: model}
	for i, id := range ids {
		name := fmt.Sprintf("r%d", id)
		if names != nil {
			name = names[i]
		}
		s.regions = append(s.regions, &simRegion{
			idx: i, name: name, id: id, wall: 1_000_000,
			keys:    map[string]*core.Entry{},
			next:    make([][simParts]int, len(ids)),
			applied: map[string]map[int]bool{},
		})
	}
	return s
}

func (s *sim) logf(format string, args ...any) {
	s.log = append(s.log, fmt.Sprintf(format, args...))
}

// fatalf fails with the operation log, so a failing (shrunk) case reads as
// a script.
func (s *sim) fatalf(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("%s\nscript:\n  %s", fmt.Sprintf(format, args...), strings.Join(s.log, "\n  "))
}

func (r *simRegion) entry(key string) *core.Entry {
	e := r.keys[key]
	if e == nil {
		e = &core.Entry{}
		r.keys[key] = e
	}
	return e
}

func (r *simRegion) appliedSet(key string) map[int]bool {
	m := r.applied[key]
	if m == nil {
		m = map[int]bool{}
		r.applied[key] = m
	}
	return m
}

func (r *simRegion) nextDot(key string) (core.Dot, int) {
	p := simPart(key)
	return core.Dot{Replica: r.id, Seq: r.seq[p] + 1}, p
}

// commit takes the dot, encodes r.delta into the outbox and records the
// event.
func (s *sim) commit(r *simRegion, key string, p int, ev *event) {
	r.seq[p]++
	d := &r.delta
	d.DB = 0
	d.Key = append(d.Key[:0], key...)
	buf := core.AppendDelta(nil, d)
	id := -1
	if s.model {
		ev.id = len(s.events)
		ev.origin = r.idx
		ev.key = key
		ev.dot = d.Dot
		ev.ts = d.TS
		// What a write observed is everything that happened before it:
		// the events applied here and, transitively, what they observed
		// (a DEL received from C that had seen B's SET makes a later write
		// here come after B's SET, even before B's SET itself arrives).
		applied := r.appliedSet(key)
		ev.kb, ev.ke, ev.ki = map[int]bool{}, map[int]bool{}, map[int]bool{}
		for k := range applied {
			y := s.events[k]
			if y.kind == evSet {
				ev.kb[k] = true
			}
			if y.writesExpiry() {
				ev.ke[k] = true
			}
			if y.kind == evIncr {
				ev.ki[k] = true
			}
			if y.kind == evSet || y.kind == evDel {
				for j := range y.kb {
					ev.kb[j] = true
				}
				for j := range y.ki {
					ev.ki[j] = true
				}
			}
			if y.writesExpiry() || y.kind == evDel {
				for j := range y.ke {
					ev.ke[j] = true
				}
			}
		}
		applied[ev.id] = true
		s.events = append(s.events, ev)
		id = ev.id
	}
	r.out[p] = append(r.out[p], msg{buf: buf, ev: id})
}

// Local writes. Like package shard, DEL and EXPIRE only write to a live key,
// and a failing INCR takes no dot and ships nothing.

func (s *sim) set(r *simRegion, key, value string, keepTTL bool, deadline int64) {
	s.logf("%s: SET %s %q keepttl=%v deadline=%d", r.name, key, value, keepTTL, deadline)
	dot, p := r.nextDot(key)
	r.entry(key).SetString(&r.delta, dot, r.clock.Now(r.wall), []byte(value), keepTTL, deadline)
	s.commit(r, key, p, &event{kind: evSet, value: value, keepTTL: keepTTL, deadline: deadline})
}

func (s *sim) incr(r *simRegion, key string, by int64) (int64, error) {
	dot, p := r.nextDot(key)
	n, err := r.entry(key).IncrBy(&r.delta, dot, r.clock.Now(r.wall), by)
	s.logf("%s: INCRBY %s %d -> %d, %v", r.name, key, by, n, err)
	if err != nil {
		return 0, err
	}
	s.commit(r, key, p, &event{kind: evIncr, by: by})
	return n, nil
}

// incrFloat runs INCRBYFLOAT with the amount parsed from its text as the
// server parses an argument, and returns the reply.
func (s *sim) incrFloat(r *simRegion, key string, by string) (string, error) {
	amount, ok := core.ParseDD([]byte(by))
	if !ok {
		s.fatalf("bad float %q", by)
	}
	dot, p := r.nextDot(key)
	reply, err := r.entry(key).IncrByFloat(&r.delta, dot, r.clock.Now(r.wall), amount, nil)
	s.logf("%s: INCRBYFLOAT %s %s -> %s, %v", r.name, key, by, reply, err)
	if err != nil {
		return "", err
	}
	s.commit(r, key, p, &event{kind: evIncrFloat})
	return string(reply), nil
}

func (s *sim) del(r *simRegion, key string) bool {
	e := r.keys[key]
	if e == nil || !e.Live() {
		s.logf("%s: DEL %s (absent: no-op)", r.name, key)
		return false
	}
	s.logf("%s: DEL %s", r.name, key)
	dot, p := r.nextDot(key)
	e.Delete(&r.delta, dot, r.clock.Now(r.wall))
	s.commit(r, key, p, &event{kind: evDel})
	return true
}

func (s *sim) expire(r *simRegion, key string, deadline int64) bool {
	e := r.keys[key]
	if e == nil || !e.Live() {
		s.logf("%s: PEXPIREAT %s %d (absent: no-op)", r.name, key, deadline)
		return false
	}
	s.logf("%s: PEXPIREAT %s %d", r.name, key, deadline)
	dot, p := r.nextDot(key)
	e.SetExpiry(&r.delta, dot, r.clock.Now(r.wall), deadline)
	s.commit(r, key, p, &event{kind: evExpire, deadline: deadline})
	return true
}

// apply decodes one encoded delta from a private copy and merges it into
// region to, then scribbles over the copy: an entry that kept a slice of
// the network buffer would show garbage later.
func (s *sim) apply(to *simRegion, m msg) {
	s.t.Helper()
	cp := append([]byte(nil), m.buf...)
	var d core.Delta
	n, err := core.DecodeDelta(cp, &d, core.DefaultDecodeLimits)
	if err != nil || n != len(cp) {
		s.fatalf("DecodeDelta of our own encoding: n=%d of %d, err=%v", n, len(cp), err)
	}
	to.clock.Observe(d.TS)
	to.entry(string(d.Key)).Apply(&d)
	if s.model && m.ev >= 0 {
		to.appliedSet(string(d.Key))[m.ev] = true
	}
	for i := range cp {
		cp[i] = 0xEE
	}
}

// deliver hands the next in-order delta of (origin, p) to region to; false
// when there is none.
func (s *sim) deliver(to *simRegion, origin, p int) bool {
	if origin == to.idx {
		return false
	}
	o := s.regions[origin]
	i := to.next[origin][p]
	if i >= len(o.out[p]) {
		return false
	}
	to.next[origin][p]++
	s.logf("deliver %s<-%s p%d #%d", to.name, o.name, p, i)
	s.apply(to, o.out[p][i])
	return true
}

// redeliver hands region to a duplicate of an already delivered delta.
func (s *sim) redeliver(to *simRegion, origin, p, i int) bool {
	if origin == to.idx || i >= to.next[origin][p] {
		return false
	}
	o := s.regions[origin]
	s.logf("duplicate %s<-%s p%d #%d", to.name, o.name, p, i)
	s.apply(to, o.out[p][i])
	return true
}

// deliverFrom delivers everything pending from origin to region to.
func (s *sim) deliverFrom(to *simRegion, origin int) {
	for p := 0; p < simParts; p++ {
		for s.deliver(to, origin, p) {
		}
	}
}

// pending lists the (to, origin, partition) queues that still hold deltas.
func (s *sim) pending() [][3]int {
	var q [][3]int
	for _, to := range s.regions {
		for o := range s.regions {
			if o == to.idx {
				continue
			}
			for p := 0; p < simParts; p++ {
				if to.next[o][p] < len(s.regions[o].out[p]) {
					q = append(q, [3]int{to.idx, o, p})
				}
			}
		}
	}
	return q
}

// syncAll delivers everything everywhere, in a fixed order.
func (s *sim) syncAll() {
	for _, to := range s.regions {
		for o := range s.regions {
			s.deliverFrom(to, o)
		}
	}
}

// view is what a user can see of a key.
type view struct {
	Live     bool
	HasValue bool
	Value    string
	Deadline int64
}

func (v view) String() string {
	if !v.Live && !v.HasValue {
		return fmt.Sprintf("(nil) deadline=%d", v.Deadline)
	}
	return fmt.Sprintf("live=%v %q deadline=%d", v.Live, v.Value, v.Deadline)
}

func viewOf(e *core.Entry) view {
	if e == nil {
		return view{}
	}
	v := view{Live: e.Live(), Deadline: e.Deadline()}
	if b, ok := e.Value(nil); ok {
		v.HasValue, v.Value = true, string(b)
	}
	return v
}

func (s *sim) keysSeen() []string {
	seen := map[string]bool{}
	for _, r := range s.regions {
		for k := range r.keys {
			seen[k] = true
		}
	}
	var ks []string
	for k := range seen {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// checkConverged requires every region to show the same thing for every key.
func (s *sim) checkConverged() {
	s.t.Helper()
	for _, k := range s.keysSeen() {
		want := viewOf(s.regions[0].keys[k])
		for _, r := range s.regions[1:] {
			if got := viewOf(r.keys[k]); got != want {
				s.fatalf("key %s diverged: %s sees %v, %s sees %v\n%s: %s\n%s: %s", k,
					s.regions[0].name, want, r.name, got,
					s.regions[0].name, digest(s.regions[0].keys[k]), r.name, digest(r.keys[k]))
			}
		}
	}
}

// digest is a canonical text of an entry's whole CRDT state (elements
// sorted by dot), so two states compare equal whatever the order merges
// left their slices in. Access (LRU clock) is not replicated state.
func digest(e *core.Entry) string {
	if e == nil {
		return "<nil>"
	}
	e = e.General()
	var b strings.Builder
	fmt.Fprintf(&b, "kind=%d base{ctx=%v", e.Kind, []core.Dot(e.Base.Ctx))
	els := append([]core.Elem[core.BaseValue](nil), e.Base.Elems...)
	sort.Slice(els, func(i, j int) bool { return dotLess(els[i].Dot, els[j].Dot) })
	for _, el := range els {
		fmt.Fprintf(&b, " %v@%d=%q obs=%s", el.Dot, el.TS, el.V.Value, countersText(el.V.Obs))
	}
	fmt.Fprintf(&b, "} incs=%s rem=%s exp{ctx=%v", countersText(e.Incs), countersText(e.Rem), []core.Dot(e.Exp.Ctx))
	xs := append([]core.Elem[core.Deadline](nil), e.Exp.Elems...)
	sort.Slice(xs, func(i, j int) bool { return dotLess(xs[i].Dot, xs[j].Dot) })
	for _, el := range xs {
		fmt.Fprintf(&b, " %v@%d=%d", el.Dot, el.TS, el.V)
	}
	b.WriteString("}")
	return b.String()
}

func dotLess(a, b core.Dot) bool {
	if a.Replica != b.Replica {
		return a.Replica < b.Replica
	}
	return a.Seq < b.Seq
}

func countersText(cs core.Counters) string {
	var b strings.Builder
	b.WriteString("[")
	for i, c := range cs {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%d:%d:%d/%d:%x/%x", c.Replica, c.Seq, c.IntHi, c.Int, math.Float64bits(c.Float), math.Float64bits(c.FloatLo))
	}
	b.WriteString("]")
	return b.String()
}

// modelView computes, from nothing but the events region r has applied and
// what each of them observed, what r must show for key (integer and
// non-numeric values only; the model does not do floats):
//
//   - a base write survives unless a base write or delete applied at r had
//     observed it; the visible base is the LWW-latest survivor;
//   - an increment counts unless the visible base's writer or a delete
//     applied at r had observed it;
//   - an expiry write (SET without KEEPTTL, EXPIRE, PERSIST) survives unless
//     an expiry write or delete applied at r had observed it; the deadline
//     is 0 if any survivor says 0, else the largest.
//
// ok is false when the model cannot say (a float-looking base with
// increments on top).
func (s *sim) modelView(r *simRegion, key string) (v view, total *big.Int, base *event, ok bool) {
	applied := r.applied[key]
	var evs []*event
	for id := range applied {
		evs = append(evs, s.events[id])
	}
	// observedBy reports whether an event applied here that satisfies
	// remover had observed x.
	// known picks the component of a remover's knowledge that x is in.
	observedBy := func(x *event, remover func(y *event) bool, known func(y *event) map[int]bool) bool {
		for _, y := range evs {
			if y != x && known(y)[x.id] && remover(y) {
				return true
			}
		}
		return false
	}
	knownBase := func(y *event) map[int]bool { return y.kb }
	knownIncr := func(y *event) map[int]bool { return y.ki }
	knownExp := func(y *event) map[int]bool { return y.ke }
	baseRemover := func(y *event) bool { return y.kind == evSet || y.kind == evDel }
	delRemover := func(y *event) bool { return y.kind == evDel }
	expRemover := func(y *event) bool {
		return y.kind == evDel || y.kind == evExpire || (y.kind == evSet && !y.keepTTL)
	}
	for _, x := range evs {
		if x.kind == evSet && !observedBy(x, baseRemover, knownBase) {
			if base == nil || core.LWWLater(x.ts, x.dot.Replica, base.ts, base.dot.Replica) {
				base = x
			}
		}
	}
	total = new(big.Int)
	unobserved := false
	for _, x := range evs {
		if x.kind != evIncr {
			continue
		}
		if base != nil && base.ki[x.id] {
			continue
		}
		if observedBy(x, delRemover, knownIncr) {
			continue
		}
		unobserved = true
		total.Add(total, big.NewInt(x.by))
	}
	v.Live = base != nil || unobserved
	v.HasValue = v.Live
	switch {
	case !v.Live:
	case !unobserved:
		v.Value = base.value
	case base == nil:
		v.Value = total.String()
	default:
		if n, isInt := core.ParseInt([]byte(base.value)); isInt {
			total.Add(total, big.NewInt(n))
			v.Value = total.String()
		} else if _, isFloat := core.ParseFloat([]byte(base.value)); isFloat {
			return v, nil, base, false
		} else {
			v.Value = base.value
		}
	}
	if base != nil && !unobserved {
		if n, isInt := core.ParseInt([]byte(base.value)); isInt {
			total.SetInt64(n)
		}
	}
	persist := false
	for _, x := range evs {
		if !expRemover(x) || x.kind == evDel || observedBy(x, expRemover, knownExp) {
			continue
		}
		if x.deadline == 0 {
			persist = true
		} else if x.deadline > v.Deadline {
			v.Deadline = x.deadline
		}
	}
	if persist {
		v.Deadline = 0
	}
	return v, total, base, true
}
