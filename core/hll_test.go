package core_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// Tests of the HyperLogLog CRDT (core/hll.go): Redis compatibility of the
// sketch (counts and strings checked against Redis 7.0.15, whose HLL code
// 7.2 shares), the delete-wins rule of SEMANTICS.md section 6 as named
// scripts, property tests over the simulated regions of sim_test.go
// against a naive model, the merge laws, and fuzzing of the two decoders
// (delta values from peers, Redis strings from clients).

// hllDelHooked reports whether core/entry.go routes a DEL to the HLL
// (Entry.Delete calls DescribeObjectDel, Entry.Apply calls
// ApplyObjectDel). Until it does, the tests below make those two calls
// themselves around Entry.Delete and Entry.Apply, which is exactly what
// the hooks do.
func hllDelHooked() bool {
	var e core.Entry
	var d core.Delta
	var p core.HLLPatch
	p.AddElement([]byte("x"))
	e.HLLWrite(&d, core.Dot{Replica: 1, Seq: 1}, 1, &p)
	e.Delete(&d, core.Dot{Replica: 1, Seq: 2}, 2)
	return !e.Live()
}

// hllDelete is a local DEL of an HLL entry, as Entry.Delete does it once
// hooked.
func hllDelete(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp, hooked bool) {
	e.Delete(d, dot, ts)
	if !hooked {
		e.DescribeObjectDel(d)
		e.ApplyObjectDel(d)
	}
}

// hllApply is Entry.Apply of a delta, with the DEL hook when missing.
func hllApply(e *core.Entry, d *core.Delta, hooked bool) {
	e.Apply(d)
	if !hooked && d.Op == core.OpDel {
		e.ApplyObjectDel(d)
	}
}

func elems(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

// hllOf builds a live HLL entry holding elements, 1000 per write.
func hllOf(es [][]byte) *core.Entry {
	var e core.Entry
	var d core.Delta
	var p core.HLLPatch
	seq := uint64(0)
	for i := 0; i == 0 || i < len(es); i += 1000 {
		p.Reset()
		for _, el := range es[i:min(len(es), i+1000)] {
			p.AddElement(el)
		}
		seq++
		e.HLLWrite(&d, core.Dot{Replica: 1, Seq: seq}, core.Timestamp(seq), &p)
	}
	return &e
}

// TestHLL_CountsAndStringsMatchRedis: PFADD of "e0".."e<n-1>" then PFCOUNT
// then GET, on Redis 7.0.15: the count and the whole string (sparse while
// Redis keeps it sparse, then dense; the cached count in the header)
// match byte for byte.
func TestHLL_CountsAndStringsMatchRedis(t *testing.T) {
	cases := []struct {
		n     int
		count uint64
		sha   string // sha256 of GET's reply, first 8 bytes
		len   int
	}{
		{1, 1, "ccda8ba82764c30e", 21},
		{2, 2, "", 0},
		{3, 3, "", 0},
		{10, 10, "0bba112db5cc118c", 48},
		{100, 100, "aebee27e50c67272", 285},
		{1000, 1008, "ab6313e24c05ff99", 1906},
		{5000, 4968, "bd470063c39f632f", 12304},
		{10000, 9973, "", 12304},
		{100000, 100853, "548dba672576d8a2", 12304},
		{1000000, 991657, "", 12304},
	}
	for _, c := range cases {
		e := hllOf(elems("e", c.n))
		h := e.HLL()
		if got := h.Count(); got != c.count {
			t.Errorf("n=%d: PFCOUNT %d, Redis %d", c.n, got, c.count)
		}
		s := h.RedisString(nil)
		sum := sha256.Sum256(s)
		if c.sha != "" && hex.EncodeToString(sum[:8]) != c.sha {
			t.Errorf("n=%d: GET differs from Redis's (%d bytes)", c.n, len(s))
		}
		if c.len != 0 && len(s) != c.len {
			t.Errorf("n=%d: GET is %d bytes, Redis's %d", c.n, len(s), c.len)
		}
	}
}

// TestHLL_StringAfterPFAddMatchesRedis: GET right after PFADD h a b c
// shows the stale cached count, as Redis's bytes do; after PFCOUNT the
// count is cached; a further change marks it stale again.
func TestHLL_StringAfterPFAddMatchesRedis(t *testing.T) {
	e := hllOf([][]byte{[]byte("a"), []byte("b"), []byte("c")})
	h := e.HLL()
	want, _ := hex.DecodeString("48594c4c01000000000000000000008060f38050b1844bfb80425a")
	if got := h.RedisString(nil); !bytes.Equal(got, want) {
		t.Fatalf("GET after PFADD:\n got %x\nwant %x", got, want)
	}
	if n := h.Count(); n != 3 {
		t.Fatalf("PFCOUNT %d", n)
	}
	want[8], want[15] = 3, 0
	if got := h.RedisString(nil); !bytes.Equal(got, want) {
		t.Fatalf("GET after PFCOUNT:\n got %x\nwant %x", got, want)
	}
	var p core.HLLPatch
	var d core.Delta
	p.AddElement([]byte("d"))
	if !e.HLLWrite(&d, core.Dot{Replica: 1, Seq: 9}, 9, &p) {
		t.Fatal("PFADD d changed nothing")
	}
	want, _ = hex.DecodeString("48594c4c0100000003000000000000805c7b8044768050b1844bfb80425a")
	if got := h.RedisString(nil); !bytes.Equal(got, want) {
		t.Fatalf("GET after PFADD d:\n got %x\nwant %x", got, want)
	}
	// An empty HLL (PFADD h with no element), as Redis shows it.
	empty := hllOf(nil)
	want, _ = hex.DecodeString("48594c4c0100000000000000000000807fff")
	if got := empty.HLL().RedisString(nil); !bytes.Equal(got, want) {
		t.Fatalf("GET of an empty HLL:\n got %x\nwant %x", got, want)
	}
	if n := empty.HLL().Count(); n != 0 {
		t.Fatalf("PFCOUNT of an empty HLL: %d", n)
	}
}

// TestHLL_ParseRedisStrings: dense and sparse strings parse back to the
// registers they came from; what Redis refuses is refused with the error
// Redis gives.
func TestHLL_ParseRedisStrings(t *testing.T) {
	for _, n := range []int{0, 1, 50, 1000, 20000} {
		e := hllOf(elems("p", n))
		h := e.HLL()
		var want, got core.HLLRegs
		h.MaxInto(&want)
		s := h.RedisString(nil)
		hdr, err := core.ParseHLLString(s, &got)
		if err != nil || got != want {
			t.Fatalf("n=%d: parse of our own string: %v", n, err)
		}
		if hdr.Dense != (s[4] == 0) {
			t.Fatalf("n=%d: header says dense=%v", n, hdr.Dense)
		}
		if got.Count() != h.Count() {
			t.Fatalf("n=%d: counts differ after parsing", n)
		}
	}
	const hdr0 = "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
	bad := map[string]error{
		"":     core.ErrNotHLL,
		"HYLL": core.ErrNotHLL,
		"HYLX\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff": core.ErrNotHLL,
		"HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff": core.ErrNotHLL,
		"HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff": core.ErrNotHLL, // dense of the wrong length
		hdr0 + "\x7f\xfe":     core.ErrCorruptHLL,
		hdr0 + "\x7f\xff\x00": core.ErrCorruptHLL,
		hdr0 + "\x7f\xfc\x83": core.ErrCorruptHLL, // a VAL run past the end
		hdr0:                  core.ErrCorruptHLL, // no registers
	}
	for s, want := range bad {
		var r core.HLLRegs
		if _, err := core.ParseHLLString([]byte(s), &r); err != want {
			t.Errorf("%q: got %v, want %v", s, err, want)
		}
	}
	// A truncated XZERO reads the terminating NUL, as in Redis: 0x7f with
	// a zero low byte is 16129 zeros, plus 255 before make the sketch.
	var r core.HLLRegs
	if _, err := core.ParseHLLString([]byte(hdr0+"\x40\xfe"+"\x7f"), &r); err != nil {
		t.Fatalf("truncated XZERO: %v", err)
	}
	// The header's cached cardinality and its stale flag.
	h, _ := core.CheckHLLString([]byte("HYLL\x01\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x7f\xff"))
	if !h.CardValid() || h.CardValue() != 5 {
		t.Fatalf("cached cardinality: %v %d", h.CardValid(), h.CardValue())
	}
}

// TestHLL_DenseWhereRedisIsDense: the string is dense once the sparse one
// would pass hll-sparse-max-bytes, or a register passes 32, or a dense
// source was merged in (Redis's PFMERGE).
func TestHLL_DenseWhereRedisIsDense(t *testing.T) {
	small := hllOf(elems("s", 20))
	if small.HLL().RedisDense() {
		t.Fatal("20 elements: dense")
	}
	var p core.HLLPatch
	var d core.Delta
	p.Raise(5, 33)
	small.HLLWrite(&d, core.Dot{Replica: 1, Seq: 100}, 100, &p)
	if !small.HLL().RedisDense() || len(small.HLL().RedisString(nil)) != 12304 {
		t.Fatal("a register of 33 stays sparse")
	}
	other := hllOf(elems("s", 20))
	p.Reset()
	p.Dense = true
	if !other.HLLWrite(&d, core.Dot{Replica: 1, Seq: 100}, 100, &p) {
		t.Fatal("a dense merge with no new register changed nothing")
	}
	if !other.HLL().RedisDense() {
		t.Fatal("a dense merge left the string sparse")
	}
	if big := hllOf(elems("s", 2000)); !big.HLL().RedisDense() {
		t.Fatal("2000 elements: sparse")
	}
}

// TestSemantics6_ConcurrentPFAddsMerge: A: PFADD h x, B: PFADD h y →
// PFCOUNT 2 on both (SEMANTICS.md section 6).
func TestSemantics6_ConcurrentPFAddsMerge(t *testing.T) {
	w := newHLLScript(t, "A", "B")
	w.pfadd("A", "h", "x")
	w.pfadd("B", "h", "y")
	w.sync()
	w.expectCount("h", 2)
}

// TestSemantics6_DelWinsOverConcurrentPFAdd: h={e1} in sync; A: PFADD h e2,
// B: DEL h → the key is gone everywhere, whatever the delivery order
// (SEMANTICS.md section 6).
func TestSemantics6_DelWinsOverConcurrentPFAdd(t *testing.T) {
	for _, order := range [][2]string{{"A", "B"}, {"B", "A"}} {
		w := newHLLScript(t, "A", "B", "C")
		w.pfadd("A", "h", "e1")
		w.sync()
		w.pfadd("A", "h", "e2")
		w.del("B", "h")
		w.deliver("C", order[0])
		w.deliver("C", order[1])
		w.sync()
		w.expectAbsent("h")
	}
}

// TestHLL_PFAddAfterSeeingDelSurvives: a PFADD made after its region saw the
// DEL is causally later and survives it, even where the DEL arrives after
// it (the PFADD's epoch carries the DEL).
func TestHLL_PFAddAfterSeeingDelSurvives(t *testing.T) {
	w := newHLLScript(t, "A", "B", "C")
	w.pfadd("A", "h", "e1")
	w.sync()
	w.del("B", "h")
	w.deliver("A", "B")
	w.pfadd("A", "h", "e3")
	w.deliver("C", "A") // C learns of the DEL through A's epoch first
	w.expectCountAt("C", "h", 1)
	w.sync()
	w.expectCount("h", 1)
}

// TestHLL_DelWinsOverConcurrentRecreate: DEL wins over every concurrent
// write, a re-creation after another DEL included: A: DEL h, PFADD h e3;
// B concurrently: DEL h → gone everywhere.
func TestHLL_DelWinsOverConcurrentRecreate(t *testing.T) {
	w := newHLLScript(t, "A", "B")
	w.pfadd("A", "h", "e1")
	w.sync()
	w.del("A", "h")
	w.pfadd("A", "h", "e3")
	w.del("B", "h")
	w.sync()
	w.expectAbsent("h")
}

// TestHLL_ConcurrentCreationsMerge: two regions create the key concurrently
// (no DEL known to either): both writes belong to the same epoch, so the
// registers merge.
func TestHLL_ConcurrentCreationsMerge(t *testing.T) {
	w := newHLLScript(t, "A", "B")
	w.pfadd("A", "h", "a", "b")
	w.pfadd("B", "h", "c")
	w.pfadd("B", "h", "a")
	w.sync()
	w.expectCount("h", 3)
}

// hllScript runs scripted HLL commands over simulated regions.
type hllScript struct {
	t      *testing.T
	h      *hllSim
	byName map[string]*simRegion
}

func newHLLScript(t *testing.T, names ...string) *hllScript {
	var ids []core.ReplicaID
	for i := range names {
		ids = append(ids, core.ReplicaID(i+1))
	}
	w := &hllScript{t: t, h: newHLLSim(t, ids, names), byName: map[string]*simRegion{}}
	for _, r := range w.h.s.regions {
		w.byName[r.name] = r
	}
	return w
}

func (w *hllScript) pfadd(region, key string, els ...string) {
	r := w.byName[region]
	r.wall++
	var bs [][]byte
	for _, e := range els {
		bs = append(bs, []byte(e))
	}
	w.h.pfadd(r, key, bs)
}

func (w *hllScript) del(region, key string) {
	w.t.Helper()
	r := w.byName[region]
	r.wall++
	if !w.h.del(r, key) {
		w.t.Fatalf("%s: DEL %s: key absent", region, key)
	}
}

func (w *hllScript) deliver(to, from string) {
	w.h.deliverFrom(w.byName[to], w.byName[from].idx)
}

func (w *hllScript) sync() { w.h.syncAll() }

func (w *hllScript) expectCountAt(region, key string, n uint64) {
	w.t.Helper()
	e := w.byName[region].keys[key]
	var got uint64
	if e != nil && e.HLL() != nil {
		got = e.HLL().Count()
	}
	if got != n {
		w.t.Fatalf("%s: PFCOUNT %s = %d, want %d\n%s", region, key, got, n, strings.Join(w.h.s.log, "\n"))
	}
}

func (w *hllScript) expectCount(key string, n uint64) {
	w.t.Helper()
	for name := range w.byName {
		w.expectCountAt(name, key, n)
	}
	w.h.checkConverged()
}

func (w *hllScript) expectAbsent(key string) {
	w.t.Helper()
	for name, r := range w.byName {
		if e := r.keys[key]; e != nil && e.Live() {
			w.t.Fatalf("%s: %s is live\n%s", name, key, strings.Join(w.h.s.log, "\n"))
		}
	}
	w.h.checkConverged()
}

// hllSim drives HLL writes over the simulated regions of sim_test.go and
// keeps a model: every write is an event that records the DELs its writer
// knew (applied there, or known to the writer of a write applied there),
// and for a PFADD the registers its delta carries.
type hllSim struct {
	s       *sim
	hooked  bool
	events  []*hllEvent
	applied []map[string]map[int]bool // region index → key → event ids
}

type hllEvent struct {
	del   bool
	dot   core.Dot
	known map[int]bool // DEL events known to the writer (a DEL knows itself)
	elems [][]byte     // PFADD's elements
	regs  core.HLLRegs // PFADD: the registers its delta carries
}

func newHLLSim(t tb, ids []core.ReplicaID, names []string) *hllSim {
	h := &hllSim{s: newSim(t, ids, names, false), hooked: hllDelHooked()}
	for range ids {
		h.applied = append(h.applied, map[string]map[int]bool{})
	}
	return h
}

func (h *hllSim) appliedAt(r *simRegion, key string) map[int]bool {
	m := h.applied[r.idx][key]
	if m == nil {
		m = map[int]bool{}
		h.applied[r.idx][key] = m
	}
	return m
}

// known is the model's D at region r.
func (h *hllSim) known(r *simRegion, key string) map[int]bool {
	k := map[int]bool{}
	for id := range h.applied[r.idx][key] {
		for x := range h.events[id].known {
			k[x] = true
		}
	}
	return k
}

// record commits region r's delta (its dot taken) as event ev.
func (h *hllSim) record(r *simRegion, key string, p int, ev *hllEvent) int {
	id := len(h.events)
	ev.dot = r.delta.Dot
	h.events = append(h.events, ev)
	h.s.commit(r, key, p, nil)
	r.out[p][len(r.out[p])-1].ev = id
	h.appliedAt(r, key)[id] = true
	return id
}

func (h *hllSim) pfadd(r *simRegion, key string, els [][]byte) bool {
	names := make([]string, len(els))
	for i, e := range els {
		names[i] = string(e)
	}
	dot, p := r.nextDot(key)
	var patch core.HLLPatch
	for _, e := range els {
		patch.AddElement(e)
	}
	known := h.known(r, key)
	if !r.entry(key).HLLWrite(&r.delta, dot, r.clock.Now(r.wall), &patch) {
		h.s.logf("%s: PFADD %s %v (no change)", r.name, key, names)
		return false
	}
	h.s.logf("%s: PFADD %s %v", r.name, key, names)
	ev := &hllEvent{known: known, elems: els}
	core.DecodeHLLValue(r.delta.Value, &ev.regs)
	h.record(r, key, p, ev)
	return true
}

func (h *hllSim) del(r *simRegion, key string) bool {
	e := r.keys[key]
	if e == nil || !e.Live() {
		h.s.logf("%s: DEL %s (absent: no-op)", r.name, key)
		return false
	}
	h.s.logf("%s: DEL %s", r.name, key)
	ev := &hllEvent{del: true, known: h.known(r, key)}
	dot, p := r.nextDot(key)
	hllDelete(e, &r.delta, dot, r.clock.Now(r.wall), h.hooked)
	ev.known[h.record(r, key, p, ev)] = true
	return true
}

func (h *hllSim) apply(to *simRegion, m msg) {
	cp := append([]byte(nil), m.buf...)
	var d core.Delta
	if n, err := core.DecodeDelta(cp, &d, core.DefaultDecodeLimits); err != nil || n != len(cp) {
		h.s.fatalf("DecodeDelta of our own encoding: n=%d of %d, err=%v", n, len(cp), err)
	}
	to.clock.Observe(d.TS)
	hllApply(to.entry(string(d.Key)), &d, h.hooked)
	h.appliedAt(to, string(d.Key))[m.ev] = true
	for i := range cp {
		cp[i] = 0xEE
	}
}

func (h *hllSim) deliver(to *simRegion, origin, p int) bool {
	if origin == to.idx {
		return false
	}
	o := h.s.regions[origin]
	i := to.next[origin][p]
	if i >= len(o.out[p]) {
		return false
	}
	to.next[origin][p]++
	h.s.logf("deliver %s<-%s p%d #%d", to.name, o.name, p, i)
	h.apply(to, o.out[p][i])
	return true
}

func (h *hllSim) redeliver(to *simRegion, origin, p, i int) {
	if origin == to.idx || i >= to.next[origin][p] {
		return
	}
	h.s.logf("duplicate %s<-%s p%d #%d", to.name, h.s.regions[origin].name, p, i)
	h.apply(to, h.s.regions[origin].out[p][i])
}

func (h *hllSim) deliverFrom(to *simRegion, origin int) {
	for p := 0; p < simParts; p++ {
		for h.deliver(to, origin, p) {
		}
	}
}

func (h *hllSim) syncAll() {
	for _, to := range h.s.regions {
		for o := range h.s.regions {
			h.deliverFrom(to, o)
		}
	}
}

// hllState is what a region holds of an HLL key, internal context included.
type hllState struct {
	live bool
	del  string
	regs core.HLLRegs
}

func hllStateOf(e *core.Entry) hllState {
	var st hllState
	if e == nil {
		return st
	}
	if h, ok := e.Obj.(*core.HLL); ok && len(h.Deletes()) > 0 {
		st.del = fmt.Sprint([]core.Dot(h.Deletes()))
	}
	if h := e.HLL(); h != nil {
		st.live = true
		h.MaxInto(&st.regs)
	}
	if st.live != e.Live() {
		panic("BUG: Entry.Live and its HLL disagree")
	}
	return st
}

// modelState is what the model says region r holds of key: D is the join
// of the dots of the DELs known there; the writes that survive are those
// whose writer knew exactly those DELs; the registers are the maximum of
// what their deltas carry.
func (h *hllSim) modelState(r *simRegion, key string) hllState {
	var st hllState
	k := h.known(r, key)
	var vv core.VV
	for id := range k {
		vv.Add(h.events[id].dot)
	}
	if len(vv) > 0 {
		st.del = fmt.Sprint([]core.Dot(vv))
	}
	for id := range h.applied[r.idx][key] {
		ev := h.events[id]
		if ev.del || !sameSet(ev.known, k) {
			continue
		}
		st.live = true
		for i, v := range ev.regs {
			st.regs[i] = max(st.regs[i], v)
		}
	}
	return st
}

func sameSet(a, b map[int]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for x := range a {
		if !b[x] {
			return false
		}
	}
	return true
}

func (h *hllSim) checkModel(r *simRegion) {
	for _, key := range simKeys {
		got, want := hllStateOf(r.keys[key]), h.modelState(r, key)
		if got != want {
			h.s.fatalf("%s key %s: live=%v D=%s, model says live=%v D=%s (registers equal: %v)",
				r.name, key, got.live, got.del, want.live, want.del, got.regs == want.regs)
		}
	}
}

func (h *hllSim) checkConverged() {
	for _, key := range h.s.keysSeen() {
		want := hllStateOf(h.s.regions[0].keys[key])
		for _, r := range h.s.regions[1:] {
			if got := hllStateOf(r.keys[key]); got != want {
				h.s.fatalf("key %s diverged: %s live=%v D=%s, %s live=%v D=%s", key,
					h.s.regions[0].name, want.live, want.del, r.name, got.live, got.del)
			}
		}
	}
}

// checkSurvivors requires, once everything is delivered, that the visible
// registers are exactly those of the elements of the surviving PFADDs.
func (h *hllSim) checkSurvivors() {
	r := h.s.regions[0]
	for _, key := range simKeys {
		k := h.known(r, key)
		var els [][]byte
		survivors := false
		for id := range h.applied[r.idx][key] {
			if ev := h.events[id]; !ev.del && sameSet(ev.known, k) {
				survivors = true
				els = append(els, ev.elems...)
			}
		}
		got := hllStateOf(r.keys[key])
		if !survivors {
			if got.live {
				h.s.fatalf("key %s live with no surviving PFADD", key)
			}
			continue
		}
		var want core.HLLRegs
		hllOf(els).HLL().MaxInto(&want)
		if got.regs != want {
			h.s.fatalf("key %s: registers are not those of the surviving elements", key)
		}
	}
}

var hllElems = []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}

func (h *hllSim) step(t *rapid.T) {
	s := h.s
	r := s.regions[rapid.IntRange(0, len(s.regions)-1).Draw(t, "region")]
	r.wall += rapid.Int64Range(-3, 10).Draw(t, "tick")
	key := rapid.SampledFrom(simKeys).Draw(t, "key")
	switch op := rapid.IntRange(0, 9).Draw(t, "op"); op {
	case 0, 1, 2, 3:
		n := rapid.IntRange(0, 3).Draw(t, "n")
		var els [][]byte
		for i := 0; i < n; i++ {
			els = append(els, []byte(rapid.SampledFrom(hllElems).Draw(t, "elem")))
		}
		h.pfadd(r, key, els)
	case 4:
		h.del(r, key)
	case 5, 6, 7:
		from := rapid.IntRange(0, len(s.regions)-1).Draw(t, "from")
		h.deliver(r, from, rapid.IntRange(0, simParts-1).Draw(t, "part"))
	default:
		from := rapid.IntRange(0, len(s.regions)-1).Draw(t, "from")
		p := rapid.IntRange(0, simParts-1).Draw(t, "part")
		if n := r.next[from][p]; n > 0 {
			h.redeliver(r, from, p, rapid.IntRange(0, n-1).Draw(t, "dup"))
		}
	}
	h.checkModel(r)
}

func (h *hllSim) finish(t *rapid.T) {
	for {
		q := h.s.pending()
		if len(q) == 0 {
			return
		}
		x := q[rapid.IntRange(0, len(q)-1).Draw(t, "final")]
		to := h.s.regions[x[0]]
		h.deliver(to, x[1], x[2])
		if rapid.IntRange(0, 4).Draw(t, "finaldup") == 0 {
			h.redeliver(to, x[1], x[2], rapid.IntRange(0, to.next[x[1]][x[2]]-1).Draw(t, "dupidx"))
		}
		h.checkModel(to)
	}
}

func drawHLLSim(t *rapid.T, maxSteps int) *hllSim {
	n := rapid.IntRange(2, 4).Draw(t, "regions")
	ids := rapid.Permutation(replicaIDs()).Draw(t, "ids")[:n]
	h := newHLLSim(t, ids, nil)
	for i := range h.s.regions {
		h.s.regions[i].wall += rapid.Int64Range(-50, 50).Draw(t, "skew")
	}
	for i, steps := 0, rapid.IntRange(0, maxSteps).Draw(t, "steps"); i < steps; i++ {
		h.step(t)
	}
	return h
}

// allDeltas lists every delta a run produced.
func (h *hllSim) allDeltas() []msg {
	var all []msg
	for _, r := range h.s.regions {
		for p := range r.out {
			all = append(all, r.out[p]...)
		}
	}
	return all
}

// buildHLL applies deltas, in the order given, to fresh entries.
func buildHLL(t *rapid.T, ms []msg, hooked bool) map[string]*core.Entry {
	st := map[string]*core.Entry{}
	for _, m := range ms {
		var d core.Delta
		if _, err := core.DecodeDelta(m.buf, &d, core.DefaultDecodeLimits); err != nil {
			t.Fatal(err)
		}
		e := st[string(d.Key)]
		if e == nil {
			e = &core.Entry{}
			st[string(d.Key)] = e
		}
		hllApply(e, &d, hooked)
	}
	return st
}

func sameHLLStates(t *rapid.T, what string, a, b map[string]*core.Entry) {
	for _, k := range simKeys {
		if ga, gb := hllStateOf(a[k]), hllStateOf(b[k]); ga != gb {
			t.Fatalf("%s: key %s: live=%v D=%s vs live=%v D=%s", what, k, ga.live, ga.del, gb.live, gb.del)
		}
	}
}

// TestHLL_ConvergesWithModel: 2-4 regions PFADD and DEL random keys; deltas
// travel in any order across origins with duplicates. At every step every
// region holds what the model says (D, liveness, registers); once
// everything is delivered all regions hold the same, and the registers are
// exactly those of the surviving PFADDs' elements.
func TestHLL_ConvergesWithModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawHLLSim(t, 60)
		h.finish(t)
		h.checkConverged()
		h.checkSurvivors()
	})
}

// TestHLL_MergeLaws: full-state merges of HLLs built from random subsets of
// a run's deltas, applied in random orders, are commutative, associative
// and idempotent, and merging two states equals applying the union of
// their deltas.
func TestHLL_MergeLaws(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawHLLSim(t, 40)
		all := h.allDeltas()
		subset := func(label string) []msg {
			var out []msg
			for _, m := range all {
				if rapid.Bool().Draw(t, label) {
					out = append(out, m)
				}
			}
			return rapid.Permutation(out).Draw(t, label+"order")
		}
		merge := func(a, b map[string]*core.Entry) map[string]*core.Entry {
			out := map[string]*core.Entry{}
			for _, src := range []map[string]*core.Entry{a, b} {
				for k, e := range src {
					if out[k] == nil {
						out[k] = &core.Entry{}
					}
					out[k].Merge(e)
				}
			}
			return out
		}
		s1, s2, s3 := subset("s1"), subset("s2"), subset("s3")
		a, b, c := buildHLL(t, s1, h.hooked), buildHLL(t, s2, h.hooked), buildHLL(t, s3, h.hooked)
		sameHLLStates(t, "commutative", merge(a, b), merge(b, a))
		sameHLLStates(t, "associative", merge(merge(a, b), c), merge(a, merge(b, c)))
		sameHLLStates(t, "idempotent", merge(a, a), a)
		sameHLLStates(t, "merge = union of deltas", merge(a, b), buildHLL(t, append(slices.Clone(s1), s2...), h.hooked))
	})
}

// TestHLL_ApplyInAnyOrder: a run's deltas applied to fresh entries in any
// order at all (not even FIFO per origin), with duplicates, give one state.
func TestHLL_ApplyInAnyOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := drawHLLSim(t, 40)
		all := h.allDeltas()
		ref := buildHLL(t, all, h.hooked)
		order := rapid.Permutation(all).Draw(t, "order")
		order = append(order, order[:rapid.IntRange(0, len(order)).Draw(t, "dups")]...)
		sameHLLStates(t, "reordered", buildHLL(t, order, h.hooked), ref)
	})
}

// TestHLL_DeleteWinsUnit: the rule inside the HLL, without Entry: a write
// whose epoch lacks a known delete is ignored, and a delete kills the
// epoch unless its writer knew of it.
func TestHLL_DeleteWinsUnit(t *testing.T) {
	var h core.HLL
	add := func(ctx core.VV, i int, v uint8) {
		var p core.HLLPatch
		p.Raise(i, v)
		var e core.Entry
		var d core.Delta
		e.HLLWrite(&d, core.Dot{Replica: 9, Seq: 1}, 1, &p)
		d.Ctx = ctx
		h.Apply(&d, true)
	}
	add(nil, 1, 3)
	if !h.Live() {
		t.Fatal("the first write did not create the key")
	}
	del := core.VV{{Replica: 2, Seq: 5}}
	h.ApplyDelete(del)
	if h.Live() {
		t.Fatal("the delete did not win")
	}
	add(nil, 2, 3) // concurrent with the delete: loses
	if h.Live() {
		t.Fatal("a write concurrent with the delete survived it")
	}
	add(del, 4, 1) // made after seeing the delete: lives
	if !h.Live() {
		t.Fatal("a write after the delete did not survive")
	}
	h.ApplyDelete(del) // a duplicate of the delete changes nothing
	if !h.Live() {
		t.Fatal("a duplicate delete killed a later write")
	}
	var r core.HLLRegs
	h.MaxInto(&r)
	if r[1] != 0 || r[2] != 0 || r[4] != 1 {
		t.Fatalf("registers of dead epochs leaked: %v %v %v", r[1], r[2], r[4])
	}
}

// TestHLL_WriteReportsChange: PFADD's reply — a write of registers already
// at least as high changes nothing and ships no delta; creating the key is
// a change even with no element.
func TestHLL_WriteReportsChange(t *testing.T) {
	var e core.Entry
	var d core.Delta
	var p core.HLLPatch
	if !e.HLLWrite(&d, core.Dot{Replica: 1, Seq: 1}, 1, &p) || !e.Live() {
		t.Fatal("PFADD of a new key with no element did not create it")
	}
	p.AddElement([]byte("x"))
	if !e.HLLWrite(&d, core.Dot{Replica: 1, Seq: 2}, 2, &p) {
		t.Fatal("a new element changed nothing")
	}
	p.Reset()
	p.AddElement([]byte("x"))
	d.Op = 0
	if e.HLLWrite(&d, core.Dot{Replica: 1, Seq: 3}, 3, &p) || d.Op != 0 {
		t.Fatal("re-adding an element wrote a delta")
	}
}

// TestHLL_DeltaValueEncodings: a small write ships index/value pairs, a
// large one the packed array; both decode to the registers written.
func TestHLL_DeltaValueEncodings(t *testing.T) {
	for _, n := range []int{1, 100, 5000, 100000} {
		var e core.Entry
		var d core.Delta
		var p core.HLLPatch
		for _, el := range elems("v", n) {
			p.AddElement(el)
		}
		e.HLLWrite(&d, core.Dot{Replica: 1, Seq: 1}, 1, &p)
		var got, want core.HLLRegs
		if _, ok := core.DecodeHLLValue(d.Value, &got); !ok {
			t.Fatalf("n=%d: our own value does not decode", n)
		}
		e.HLL().MaxInto(&want)
		if got != want {
			t.Fatalf("n=%d: decoded registers differ", n)
		}
		if len(d.Value) > 1+12288 {
			t.Fatalf("n=%d: value of %d bytes", n, len(d.Value))
		}
	}
}

// FuzzHLLDeltaValue: any bytes as an OpHLLAdd value from a peer: decoding
// never panics; a value that decodes creates the key with exactly the
// decoded registers, one that does not is ignored.
func FuzzHLLDeltaValue(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 0, 5})
	f.Add([]byte{1})
	f.Add([]byte{2})
	f.Add([]byte{0, 0xff, 0x3f, 63, 0, 0x40, 1})
	f.Add(append([]byte{3}, make([]byte, 12288)...))
	for _, n := range []int{3, 5000} {
		var e core.Entry
		var d core.Delta
		var p core.HLLPatch
		for _, el := range elems("f", n) {
			p.AddElement(el)
		}
		e.HLLWrite(&d, core.Dot{Replica: 1, Seq: 1}, 1, &p)
		f.Add(append([]byte(nil), d.Value...))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		var want core.HLLRegs
		_, ok := core.DecodeHLLValue(v, &want)
		d := core.Delta{Op: core.OpHLLAdd, Kind: core.KindHLL, KindRep: 1, KindTS: 1, Dot: core.Dot{Replica: 1, Seq: 1}, TS: 1, Value: v}
		var e core.Entry
		e.Apply(&d)
		h := e.HLL()
		if !ok {
			if h != nil {
				t.Fatal("a value that does not decode created the key")
			}
			return
		}
		if h == nil {
			t.Fatal("a value that decodes did not create the key")
		}
		var got core.HLLRegs
		h.MaxInto(&got)
		if got != want {
			t.Fatal("applied registers differ from decoded ones")
		}
		_ = h.Count()
		var back core.HLLRegs
		if _, err := core.ParseHLLString(h.RedisString(nil), &back); err != nil || back != got {
			t.Fatalf("our string does not parse back: %v", err)
		}
	})
}

// FuzzHLLString: any bytes as a Redis HLL string (SET by a client, then
// PFCOUNT or PFADD): parsing never panics; what parses renders back to a
// string of the same registers.
func FuzzHLLString(f *testing.F) {
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"))
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x60\xf3\x80\x50\xb1\x84\x4b\xfb\x80\x42\x5a"))
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f"))
	f.Add([]byte("HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\xff\xff\xff"))
	f.Add(hllOf(elems("z", 4000)).HLL().RedisString(nil))
	f.Add([]byte("HYLL"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r core.HLLRegs
		if _, err := core.ParseHLLString(b, &r); err != nil {
			return
		}
		_ = r.Count()
		var p core.HLLPatch
		p.AddRegs(&r)
		var e core.Entry
		var d core.Delta
		e.HLLWrite(&d, core.Dot{Replica: 1, Seq: 1}, 1, &p)
		var back core.HLLRegs
		if _, err := core.ParseHLLString(e.HLL().RedisString(nil), &back); err != nil || back != r {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// TestAllocs_HLLWrite: a steady-state PFADD, of a new element or of one
// already counted, allocates nothing once the key, the delta and the patch
// are warm.
func TestAllocs_HLLWrite(t *testing.T) {
	for _, size := range []int{5000, 100} { // dense, sparse
		e := hllOf(elems("w", size))
		var d core.Delta
		var p core.HLLPatch
		seq := uint64(100)
		els := elems("w", size)
		i := 0
		assertNoAllocs(t, fmt.Sprintf("PFADD (%d elements)", size), func() {
			p.Reset()
			p.AddElement(els[i%len(els)])
			i++
			seq++
			e.HLLWrite(&d, core.Dot{Replica: 1, Seq: seq}, core.Timestamp(seq), &p)
		})
	}
}

func BenchmarkHLLAddElement(b *testing.B) {
	e := hllOf(elems("w", 5000))
	var d core.Delta
	var p core.HLLPatch
	els := elems("n", 1<<16)
	seq := uint64(100)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.Reset()
		p.AddElement(els[i&(1<<16-1)])
		i++
		seq++
		e.HLLWrite(&d, core.Dot{Replica: 1, Seq: seq}, core.Timestamp(seq), &p)
	}
}

// BenchmarkHLLCountDense is PFCOUNT of a dense HLL whose cached count is
// stale (the estimate over every register).
func BenchmarkHLLCountDense(b *testing.B) {
	e := hllOf(elems("w", 100000))
	h := e.HLL()
	var r core.HLLRegs
	h.MaxInto(&r)
	b.ReportAllocs()
	for b.Loop() {
		h.InvalidateCache()
		h.Count()
	}
}
