package core_test

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// Tests of the full-state codec (core/state.go) over random histories of
// every type at once, built by the simulated regions of sim_test.go with
// the writers of the per-type tests (strings, hashes, sets, sorted sets,
// lists, HLLs): keys change type, regions create them concurrently with
// different types (dormant containers), list writes cross on the way
// (buffered inserts and early removes/LSETs), and regions full-sync each
// other by Entry.Merge mid-run. The codec must carry a state so that
// nothing Merge or a later delta can see tells the copy from the original.

// mixKinds are the types a mixed workload writes.
var mixKinds = []core.Kind{core.KindString, core.KindHash, core.KindSet, core.KindZSet, core.KindList, core.KindHLL}

// mixSim runs writes of every type on one simulation.
type mixSim struct {
	*sim
	h  *hashSim
	ss *setSim
	ls lsim
	// kinds are the types an absent key is created with: every type, or
	// mostly lists (list writes must cross often for inserts to wait for
	// their anchors and removes to arrive before their elements).
	kinds []core.Kind
	keys  []string // the keys steps draw from
	// slow is a link (to, from) that in-run deliveries skip, as a link
	// that lags: what crosses it arrives after what depends on it. -1: none.
	slow [2]int
	// after, when set, runs after every step.
	after func()
}

// drawMixSim builds n regions whose entries all keep tombstones or all
// drop them (retain), and runs maxSteps/4 to maxSteps random actions, calling
// after (when not nil) after each.
func drawMixSim(t *rapid.T, retain bool, minRegions, maxRegions, maxSteps int, after func(*mixSim)) *mixSim {
	n := rapid.IntRange(minRegions, maxRegions).Draw(t, "regions")
	ids := rapid.Permutation(replicaIDs()).Draw(t, "ids")[:n]
	s := newSim(t, ids, nil, false)
	for _, r := range s.regions {
		r.wall += rapid.Int64Range(-50, 50).Draw(t, "skew")
		for _, k := range simKeys {
			r.keys[k] = &core.Entry{Retain: retain}
		}
	}
	m := &mixSim{sim: s, h: &hashSim{sim: s, ev: map[int]hashEvent{}}, ss: newSetSim(s), ls: lsim{s}, kinds: mixKinds, keys: simKeys}
	m.slow = [2]int{-1, -1}
	if n >= 3 && rapid.Bool().Draw(t, "listheavy") {
		m.kinds = append([]core.Kind{core.KindList, core.KindList, core.KindList, core.KindList}, mixKinds...)
		m.keys = append([]string{"k0", "k0", "k0"}, simKeys...)
		to := rapid.IntRange(0, n-1).Draw(t, "slowto")
		m.slow = [2]int{to, (to + rapid.IntRange(1, n-1).Draw(t, "slowfrom")) % n}
	}
	if after != nil {
		m.after = func() { after(m) }
	}
	for i, steps := 0, rapid.IntRange(maxSteps/4, maxSteps).Draw(t, "steps"); i < steps; i++ {
		m.step(t)
	}
	return m
}

func (m *mixSim) pfadd(t *rapid.T, r *simRegion, key string) {
	var p core.HLLPatch
	var names []string
	for i, n := 0, rapid.IntRange(0, 3).Draw(t, "n"); i < n; i++ {
		el := rapid.SampledFrom(hllElems).Draw(t, "elem")
		names = append(names, el)
		p.AddElement([]byte(el))
	}
	if rapid.IntRange(0, 9).Draw(t, "bulk") == 0 {
		// Enough elements to make the sketch dense.
		for i := 0; i < 3000; i++ {
			p.AddElement([]byte(fmt.Sprint("bulk", i)))
		}
		names = append(names, "bulk×3000")
	}
	dot, part := r.nextDot(key)
	if r.entry(key).HLLWrite(&r.delta, dot, r.clock.Now(r.wall), &p) {
		m.logf("%s: PFADD %s %v", r.name, key, names)
		m.commit(r, key, part, &event{})
	}
}

// write runs one write of kind k on key at r.
func (m *mixSim) write(t *rapid.T, r *simRegion, key string, k core.Kind) {
	e := r.entry(key)
	op := rapid.IntRange(0, 3).Draw(t, "sub")
	switch k {
	case core.KindString:
		switch op {
		case 0, 1:
			m.set(r, key, rapid.SampledFrom(mixedValues).Draw(t, "value"),
				rapid.Bool().Draw(t, "keepttl"), rapid.SampledFrom(deadlines).Draw(t, "deadline"))
		case 2:
			m.incr(r, key, incrAmount().Draw(t, "by"))
		default:
			m.incrFloat(r, key, rapid.SampledFrom(floatSteps).Draw(t, "byfloat"))
		}
	case core.KindHash:
		field := rapid.SampledFrom(hashFields).Draw(t, "field")
		switch op {
		case 0:
			m.h.hset(r, key, field, rapid.SampledFrom(hashValues).Draw(t, "value"))
		case 1:
			m.h.hincr(r, key, field, incrAmount().Draw(t, "by"))
		case 2:
			m.h.hincrFloat(r, key, field, rapid.SampledFrom(floatSteps).Draw(t, "byfloat"))
		default:
			m.h.hdel(r, key, field)
		}
	case core.KindSet:
		member := rapid.SampledFrom(setPool).Draw(t, "member")
		if op <= 1 {
			m.ss.sadd(r, key, member)
		} else {
			m.ss.srem(r, key, member)
		}
	case core.KindZSet:
		member := rapid.SampledFrom(zsetMembers).Draw(t, "member")
		switch op {
		case 0, 1:
			m.zadd(r, key, member, rapid.SampledFrom(zsetScores).Draw(t, "score"))
		case 2:
			if cur, ok := e.ZSet().Score([]byte(member)); !ok || !isInf(cur) {
				m.zincr(r, key, member, rapid.SampledFrom(zsetSteps).Draw(t, "by"))
			}
		default:
			m.zrem(r, key, member)
		}
	case core.KindList:
		ln := m.ls.llen(r, key)
		switch {
		case op <= 1 || ln == 0:
			m.ls.insert(r, key, rapid.IntRange(0, ln).Draw(t, "at"), rapid.SampledFrom([]string{"a", "b", "c", ""}).Draw(t, "v"))
		case op == 2:
			at := rapid.IntRange(0, ln-1).Draw(t, "at")
			m.ls.remove(r, key, at, rapid.IntRange(1, ln-at).Draw(t, "n"))
		default:
			m.ls.set(r, key, rapid.IntRange(0, ln-1).Draw(t, "at"), rapid.SampledFrom([]string{"S", "T"}).Draw(t, "v"))
		}
	case core.KindHLL:
		m.pfadd(t, r, key)
	}
}

// listable reports whether key at r is a list or absent.
func (m *mixSim) listable(r *simRegion, key string) bool {
	e := r.entry(key)
	return e.Kind == core.KindList || !e.Live()
}

// liveIndex is the index of element id among l's live elements.
func liveIndex(l *core.List, id core.Dot) (int, bool) {
	if l == nil {
		return 0, false
	}
	k, found := 0, false
	l.Nodes(func(x core.Dot, _ []byte, dead bool) bool {
		if x == id {
			found = !dead
			return false
		}
		if !dead {
			k++
		}
		return true
	})
	return k, found
}

func isInf(f float64) bool { return f > 1e308 || f < -1e308 }

// del is DEL as the shard runs it for the key's type.
func (m *mixSim) del(r *simRegion, key string) {
	e := r.entry(key)
	if !e.Live() {
		return
	}
	switch e.Kind {
	case core.KindString:
		m.sim.del(r, key)
	case core.KindHash:
		m.h.hdelKey(r, key)
	case core.KindSet:
		m.ss.sdel(r, key)
	case core.KindZSet:
		m.zdel(r, key)
	case core.KindList:
		m.ls.del(r, key)
	case core.KindHLL:
		m.logf("%s: DEL %s (hll)", r.name, key)
		dot, p := r.nextDot(key)
		e.Delete(&r.delta, dot, r.clock.Now(r.wall))
		m.commit(r, key, p, &event{})
	}
}

// step draws and runs one action: a write of the key's type (a random
// type when the key is absent, so regions that create it concurrently
// disagree), a DEL, an EXPIRE, an in-order delivery (never over the slow
// link but rarely), a duplicate, a list crossing (list-heavy runs), or a
// full-state merge of another region's key (whose timestamps the clock
// then observes, as a region must after a full sync).
func (m *mixSim) step(t *rapid.T) {
	r := m.regions[rapid.IntRange(0, len(m.regions)-1).Draw(t, "region")]
	r.wall += rapid.Int64Range(-3, 10).Draw(t, "tick")
	key := rapid.SampledFrom(m.keys).Draw(t, "key")
	e := r.entry(key)
	switch op := rapid.IntRange(0, 14).Draw(t, "op"); {
	case op <= 5:
		k := e.Kind
		if !e.Live() {
			k = rapid.SampledFrom(m.kinds).Draw(t, "kind")
		}
		m.write(t, r, key, k)
	case op == 6:
		m.del(r, key)
	case op == 7:
		m.expire(r, key, rapid.SampledFrom(deadlines).Draw(t, "deadline"))
	case op <= 11:
		q := m.pending()
		for i := 0; i < len(q); i++ {
			if x := q[i]; x[0] == m.slow[0] && x[1] == m.slow[1] && rapid.IntRange(0, 39).Draw(t, "release") != 0 {
				q = append(q[:i], q[i+1:]...)
				i--
			}
		}
		if len(q) > 0 {
			x := q[rapid.IntRange(0, len(q)-1).Draw(t, "queue")]
			m.deliver(m.regions[x[0]], x[1], x[2])
		}
	case op == 12:
		from := rapid.IntRange(0, len(m.regions)-1).Draw(t, "from")
		p := rapid.IntRange(0, simParts-1).Draw(t, "part")
		if n := r.next[from][p]; n > 0 {
			m.redeliver(r, from, p, rapid.IntRange(0, n-1).Draw(t, "dup"))
		}
	case op == 13 && m.slow[0] >= 0:
		// A crossing: region c inserts an element, a hears of it and
		// writes right after it (or removes or LSETs it), and x hears
		// from a first: the insert waits for its anchor, the remove or
		// LSET arrives before its element.
		n := len(m.regions)
		c := rapid.IntRange(0, n-1).Draw(t, "c")
		a := (c + rapid.IntRange(1, n-1).Draw(t, "a")) % n
		x := (c + rapid.IntRange(1, n-1).Draw(t, "x")) % n
		rc, ra, rx := m.regions[c], m.regions[a], m.regions[x]
		if x == a || !m.listable(rc, key) || !m.listable(ra, key) {
			break
		}
		m.logf("crossing %s -> %s -> %s", rc.name, ra.name, rx.name)
		m.ls.insert(rc, key, rapid.IntRange(0, m.ls.llen(rc, key)).Draw(t, "at"), "x")
		id := core.Dot{Replica: rc.id, Seq: rc.seq[simPart(key)]}
		m.deliverFrom(ra, c)
		k, ok := liveIndex(ra.keys[key].List(), id)
		if !ok || !m.listable(ra, key) {
			break
		}
		switch rapid.IntRange(0, 2).Draw(t, "crossop") {
		case 0:
			m.ls.insert(ra, key, k+1, "y")
		case 1:
			m.ls.remove(ra, key, k, 1)
		default:
			m.ls.set(ra, key, k, "Y")
		}
		m.deliverFrom(rx, a)
	default:
		if rapid.IntRange(0, 2).Draw(t, "merge") == 0 {
			from := m.regions[rapid.IntRange(0, len(m.regions)-1).Draw(t, "from")]
			if from != r {
				m.logf("merge %s<-%s %s", r.name, from.name, key)
				e.Merge(from.keys[key])
				r.clock.Observe(from.keys[key].MaxTimestamp())
			}
		}
	}
	if m.after != nil {
		m.after()
	}
}

// mixView is what a user can see of a key of any type.
func mixView(e *core.Entry) string {
	if e == nil || !e.Live() {
		return "(nil)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "kind=%d deadline=%d ", e.Kind, e.Deadline())
	switch e.Kind {
	case core.KindString:
		v, _ := e.Value(nil)
		fmt.Fprintf(&b, "%q", v)
	case core.KindHash, core.KindSet:
		var parts []string
		e.Fields.Each(func(n string, r *core.Register) bool {
			v, _ := r.Value(nil)
			parts = append(parts, fmt.Sprintf("%q=%q", n, v))
			return true
		})
		sort.Strings(parts)
		b.WriteString(strings.Join(parts, " "))
	case core.KindZSet:
		b.WriteString(zview(e))
		if got := zitemsText(zindexItems(e)); got != zview(e) {
			fmt.Fprintf(&b, " BROKEN index %s", got)
		}
	case core.KindList:
		l := e.List()
		l.Range(0, l.Len(), func(v []byte) bool { fmt.Fprintf(&b, "%q ", v); return true })
	case core.KindHLL:
		fmt.Fprintf(&b, "count=%d", e.HLL().Count())
	}
	return b.String()
}

// roundTrip encodes e, decodes it, and requires the copy to be exactly
// e, the decoding to use every byte, a re-encoding of the copy to decode
// to the same again, and, with cuts, every proper prefix of the encoding
// to be refused. It returns the copy and e's digest.
func roundTrip(m *mixSim, where string, e *core.Entry, cuts bool) (*core.Entry, string) {
	m.t.Helper()
	enc := core.AppendEntryState(nil, e)
	d, n, err := core.DecodeEntryState(enc, core.DefaultDecodeLimits, e.Retain)
	if err != nil || n != len(enc) {
		m.fatalf("%s: decode of our own encoding: n=%d of %d, err=%v\n%s", where, n, len(enc), err, core.StateDigest(e, true))
	}
	want := core.StateDigest(e, true)
	if strings.Contains(want, "BROKEN") {
		m.fatalf("%s: the original is inconsistent:\n%s", where, want)
	}
	if got := core.StateDigest(d, true); got != want {
		m.fatalf("%s: decode(encode(e)) differs from e:\n%s\nwant\n%s", where, got, want)
	}
	if got, want := d.MaxTimestamp(), e.MaxTimestamp(); got != want {
		m.fatalf("%s: MaxTimestamp %d, the original's %d", where, got, want)
	}
	enc2 := core.AppendEntryState(nil, d)
	d2, n2, err := core.DecodeEntryState(enc2, core.DefaultDecodeLimits, e.Retain)
	if err != nil || n2 != len(enc2) {
		m.fatalf("%s: re-encoding refused: n=%d of %d, err=%v", where, n2, len(enc2), err)
	}
	if got := core.StateDigest(d2, true); got != want {
		m.fatalf("%s: decode(encode(decode(encode(e)))) differs:\n%s\nwant\n%s", where, got, want)
	}
	for k := 0; cuts && k < len(enc); k++ {
		if _, _, err := core.DecodeEntryState(enc[:k:k], core.DefaultDecodeLimits, e.Retain); !errors.Is(err, core.ErrCorrupt) {
			m.fatalf("%s: encoding cut at %d of %d: err=%v", where, k, len(enc), err)
		}
	}
	return d, want
}

// twin is two entries that must stay indistinguishable. loose twins may
// keep a losing type's data in different places (see
// core.StateDigestConverged): a clone against an exact copy.
type twin struct {
	key   string
	where string
	a, b  *core.Entry
	loose bool
}

// sameTwins requires each twin's entries to show and hold the same.
func sameTwins(m *mixSim, what string, ts []twin) {
	m.t.Helper()
	for _, tw := range ts {
		if va, vb := mixView(tw.a), mixView(tw.b); va != vb || strings.Contains(va, "BROKEN") {
			m.fatalf("%s %s key %s shows\n%s\nvs\n%s\nstates:\n%s\nvs\n%s", what, tw.where, tw.key, va, vb,
				core.StateDigest(tw.a, false), core.StateDigest(tw.b, false))
		}
		digest := func(e *core.Entry) string { return core.StateDigest(e, false) }
		if tw.loose {
			digest = core.StateDigestConverged
		}
		if da, db := digest(tw.a), digest(tw.b); da != db || strings.Contains(da, "BROKEN") {
			m.fatalf("%s %s key %s holds\n%s\nvs\n%s", what, tw.where, tw.key, da, db)
		}
	}
}

// future runs more random steps, then applies every delta the run made
// (each origin's in order, origins interleaved at random, most of them
// duplicates of what the twins hold already) to both entries of every
// twin, checking after each that they still agree.
func future(t *rapid.T, m *mixSim, ts []twin) {
	for i, n := 0, rapid.IntRange(0, 40).Draw(t, "futuresteps"); i < n; i++ {
		m.step(t)
	}
	type queue struct{ origin, part, next int }
	var qs []*queue
	for o, r := range m.regions {
		for p := range r.out {
			if len(r.out[p]) > 0 {
				qs = append(qs, &queue{origin: o, part: p})
			}
		}
	}
	for len(qs) > 0 {
		i := rapid.IntRange(0, len(qs)-1).Draw(t, "futurequeue")
		q := qs[i]
		buf := m.regions[q.origin].out[q.part][q.next].buf
		if q.next++; q.next == len(m.regions[q.origin].out[q.part]) {
			qs = append(qs[:i], qs[i+1:]...)
		}
		var d core.Delta
		if _, err := core.DecodeDelta(buf, &d, core.DefaultDecodeLimits); err != nil {
			m.fatalf("DecodeDelta: %v", err)
		}
		var touched []twin
		for _, tw := range ts {
			if tw.key == string(d.Key) {
				tw.a.Apply(&d)
				tw.b.Apply(&d)
				touched = append(touched, tw)
			}
		}
		sameTwins(m, "after a later delta", touched)
	}
}

// TestStateRoundTrip: every key of every region of a random mixed run, at
// every step of it (buffered list writes, tombstones and dormant
// containers come and go), survives the codec exactly: decode(encode(e))
// is e, and encoding the copy again changes nothing. At the end, and at
// the first steps where a state holds buffered list writes or a dormant
// container: an empty entry merged with the copy equals one merged with
// the original, the copy installed as is equals a clone of the original,
// and both pairs stay equal under every delta of the run and of more
// writes after it. Every proper prefix of the final encodings is refused.
func TestStateRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		retain := rapid.Bool().Draw(t, "retain")
		var ts []twin
		twins := func(r *simRegion, k string, e, d *core.Entry) {
			ma, mb := &core.Entry{Retain: retain}, &core.Entry{Retain: retain}
			ma.Merge(e)
			mb.Merge(d)
			ts = append(ts, twin{key: k, where: r.name + " merged", a: ma, b: mb},
				twin{key: k, where: r.name + " installed", a: e.Clone(), b: d, loose: true})
		}
		special := 0
		last := map[string][]byte{} // region and key → the last encoding checked
		m := drawMixSim(t, retain, 2, 4, 120, func(m *mixSim) {
			for _, r := range m.regions {
				for _, k := range simKeys {
					e := r.keys[k]
					enc := core.AppendEntryState(nil, e)
					if bytes.Equal(enc, last[r.name+k]) {
						continue // unchanged since checked
					}
					last[r.name+k] = enc
					d, dg := roundTrip(m, r.name, e, false)
					if special < 6 && (strings.Contains(dg, "buffer n=") || strings.Contains(dg, "dormant")) {
						special++
						twins(r, k, e, d)
					}
				}
			}
		})
		for _, r := range m.regions {
			for _, k := range simKeys {
				e := r.keys[k]
				d, _ := roundTrip(m, r.name, e, true)
				twins(r, k, e, d)
			}
		}
		sameTwins(m, "merged into an empty entry", ts)
		future(t, m, ts)
	})
}

// TestStateJoinLaw: for two regions' states a and b of a key,
// a.Merge(decode(encode(b))) equals a.Merge(b.Clone()), now and under
// every later delta.
func TestStateJoinLaw(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		retain := rapid.Bool().Draw(t, "retain")
		m := drawMixSim(t, retain, 2, 4, 120, nil)
		var ts []twin
		for _, k := range simKeys {
			ra := m.regions[rapid.IntRange(0, len(m.regions)-1).Draw(t, "a")]
			rb := m.regions[rapid.IntRange(0, len(m.regions)-1).Draw(t, "b")]
			b := rb.keys[k]
			enc := core.AppendEntryState(nil, b)
			d, _, err := core.DecodeEntryState(enc, core.DefaultDecodeLimits, b.Retain)
			if err != nil {
				m.fatalf("decode: %v", err)
			}
			x, y := ra.keys[k].Clone(), ra.keys[k].Clone()
			x.Merge(d)
			y.Merge(b.Clone())
			ts = append(ts, twin{key: k, where: ra.name + "<-" + rb.name, a: x, b: y})
		}
		sameTwins(m, "joined", ts)
		future(t, m, ts)
	})
}

// TestStateFullSyncConverges: region A's state of every key, streamed
// through the codec, is merged into region B, which holds some of the same
// writes and some concurrent ones of its own; then every remaining delta is
// delivered everywhere (any order, duplicates). All regions converge, to
// the state that applying every delta of the run to an empty entry gives.
func TestStateFullSyncConverges(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := drawMixSim(t, true, 2, 4, 120, nil)
		n := len(m.regions)
		ra := m.regions[rapid.IntRange(0, n-1).Draw(t, "A")]
		rb := m.regions[rapid.IntRange(0, n-1).Draw(t, "B")]
		if ra == rb {
			rb = m.regions[(ra.idx+1)%n]
		}
		var stream []byte
		for _, k := range simKeys {
			stream = core.AppendEntryState(stream, ra.keys[k])
		}
		m.logf("full sync %s<-%s", rb.name, ra.name)
		for _, k := range simKeys {
			d, used, err := core.DecodeEntryState(stream, core.DefaultDecodeLimits, true)
			if err != nil {
				m.fatalf("full sync stream: %v", err)
			}
			stream = stream[used:]
			rb.keys[k].Merge(d)
			rb.clock.Observe(d.MaxTimestamp())
		}
		if len(stream) != 0 {
			m.fatalf("%d bytes left in the stream", len(stream))
		}
		for i, steps := 0, rapid.IntRange(0, 30).Draw(t, "moresteps"); i < steps; i++ {
			m.step(t)
		}
		m.finish(t)
		ref := map[string]*core.Entry{}
		for _, k := range simKeys {
			ref[k] = &core.Entry{Retain: true}
		}
		for _, r := range m.regions {
			for p := range r.out {
				for _, msg := range r.out[p] {
					var d core.Delta
					if _, err := core.DecodeDelta(msg.buf, &d, core.DefaultDecodeLimits); err != nil {
						m.fatalf("DecodeDelta: %v", err)
					}
					ref[string(d.Key)].Apply(&d)
				}
			}
		}
		for _, k := range simKeys {
			want := mixView(ref[k])
			for _, r := range m.regions {
				if got := mixView(r.keys[k]); got != want {
					m.fatalf("key %s at %s shows\n%s\nthe deltas alone give\n%s\nstate:\n%s", k, r.name, got, want, core.StateDigest(r.keys[k], false))
				}
			}
			// Every region holds the same state (what depends on
			// delivery order aside: see StateDigestConverged).
			first := core.StateDigestConverged(m.regions[0].keys[k])
			for _, r := range m.regions[1:] {
				if got := core.StateDigestConverged(r.keys[k]); got != first {
					m.fatalf("key %s: %s holds\n%s\n%s holds\n%s", k, m.regions[0].name, first, r.name, got)
				}
			}
		}
	})
}

// TestStateDecode_Refuses: inputs no encoder writes are refused with
// ErrCorrupt: another version, unknown flags and kinds, a count the input
// cannot hold, a type's slot holding another type's data.
func TestStateDecode_Refuses(t *testing.T) {
	var d core.Delta
	e := &core.Entry{Retain: true}
	e.SetField(&d, core.KindHash, core.Dot{Replica: 1, Seq: 1}, core.MakeTimestamp(1000, 0), []byte("f"), []byte("v"))
	good := core.AppendEntryState(nil, e)
	if _, _, err := core.DecodeEntryState(good, core.DefaultDecodeLimits, true); err != nil {
		t.Fatal(err)
	}
	// good: version | kind | kindrep | kindts (zz, 3+ bytes) | has | ...
	cases := map[string][]byte{
		"empty":      {},
		"version 2":  append([]byte{2}, good[1:]...),
		"kind 7":     append([]byte{1, 7}, good[2:]...),
		"replica 64": append([]byte{1, 2, 64}, good[3:]...),
		"huge field count": func() []byte {
			// A string entry with the fields flag and 2^40 fields.
			return []byte{1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, byte(core.KindHash), 0x80, 0x80, 0x80, 0x80, 0x80, 0x20}
		}(),
		"fields of a string kind": {1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, byte(core.KindString), 0},
		"unknown entry flag":      {1, 1, 0, 0, 8, 0, 0, 0, 0, 0, 0},
		"unsorted counters":       {1, 1, 0, 0, 0, 0, 0, 2, 5, 0, 1, 0, 3, 0, 1, 0, 0, 0, 0},
		"dead hll with registers": {1, byte(core.KindHLL), 0, 0, 2, 0, 0, 0, 0, 0, 0, byte(core.KindHLL), 0, 0, 1, 0},
	}
	for name, b := range cases {
		if _, _, err := core.DecodeEntryState(b, core.DefaultDecodeLimits, true); !errors.Is(err, core.ErrCorrupt) {
			t.Errorf("%s: err=%v", name, err)
		}
	}
	// The same layouts, made valid, are accepted (so the cases above fail
	// for the reason their names give).
	ok := map[string][]byte{
		"string":                             {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0},
		"a hash in a string key's free slot": {1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, byte(core.KindHash), 0},
		"sorted counters":                    {1, 1, 0, 0, 0, 0, 0, 2, 3, 0, 1, 0, 5, 0, 1, 0, 0, 0, 0},
		"list":                               {1, byte(core.KindList), 0, 0, 2, 0, 0, 0, 0, 0, 0, byte(core.KindList), 0, 0, 0, 0, 0, 0},
		"dead hll":                           {1, byte(core.KindHLL), 0, 0, 2, 0, 0, 0, 0, 0, 0, byte(core.KindHLL), 0, 0, 0},
		// What a region holds after a local write stamped before the key's
		// type (its clock behind a merged state) is carried as it is.
		"hash key holding a set": {1, byte(core.KindHash), 0, 0, 1, 0, 0, 0, 0, 0, 0, byte(core.KindSet), 0},
		"list object of an hll":  {1, byte(core.KindHLL), 0, 0, 2, 0, 0, 0, 0, 0, 0, byte(core.KindList), 0, 0, 0, 0, 0, 0},
	}
	for name, b := range ok {
		if _, n, err := core.DecodeEntryState(b, core.DefaultDecodeLimits, true); err != nil || n != len(b) {
			t.Errorf("%s: n=%d of %d, err=%v", name, n, len(b), err)
		}
	}
	if _, _, err := core.DecodeEntryState(good, core.DecodeLimits{MaxValue: 0}, true); !errors.Is(err, core.ErrCorrupt) {
		t.Errorf("a value past MaxValue: err=%v", err)
	}
}

func benchEntries() map[string]*core.Entry {
	var d core.Delta
	ts := core.MakeTimestamp(1_700_000_000_000, 0)
	s := &core.Entry{Retain: true}
	s.SetString(&d, core.Dot{Replica: 1, Seq: 1}, ts, []byte("a string value of some length"), false, 1_700_000_600_000)
	h := &core.Entry{Retain: true}
	for i := 0; i < 1000; i++ {
		ts += 1 << 16
		h.SetField(&d, core.KindHash, core.Dot{Replica: 1, Seq: uint64(i + 1)}, ts,
			[]byte(fmt.Sprintf("field:%04d", i)), []byte(fmt.Sprintf("value-%d", i)))
	}
	return map[string]*core.Entry{"string": s, "hash1000": h}
}

// BenchmarkAppendEntryState encodes a plain string and a 1000-field hash
// into a reused buffer.
func BenchmarkAppendEntryState(b *testing.B) {
	es := benchEntries()
	for _, name := range []string{"string", "hash1000"} {
		e := es[name]
		b.Run(name, func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				buf = core.AppendEntryState(buf[:0], e)
			}
			b.ReportMetric(float64(len(buf)), "state-bytes")
		})
	}
}

// BenchmarkDecodeEntryState decodes the same states.
func BenchmarkDecodeEntryState(b *testing.B) {
	es := benchEntries()
	for _, name := range []string{"string", "hash1000"} {
		enc := core.AppendEntryState(nil, es[name])
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := core.DecodeEntryState(enc, core.DefaultDecodeLimits, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// listOf is the live values of e's list.
func listOf(e *core.Entry) []string {
	l := e.List()
	if l == nil {
		return nil
	}
	var out []string
	l.Range(0, l.Len(), func(v []byte) bool { out = append(out, string(v)); return true })
	return out
}

func wantList(t *testing.T, what string, e *core.Entry, want ...string) {
	t.Helper()
	if got := listOf(e); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s: list is %q, want %q (%d writes still buffered)", what, got, want, e.List().Pending())
	}
}

// TestListMerge_AnchorDroppedByTheSource: an element whose anchor its list
// no longer holds (removed without peers, or a collected tombstone) keeps
// its place in a full-state merge into a list without that anchor: COPY
// of such a list, and a full sync after tombstones were collected. (Merge
// used to buffer the element for an anchor that would never come.)
func TestListMerge_AnchorDroppedByTheSource(t *testing.T) {
	var d core.Delta
	ts := core.Timestamp(100)
	next := func() core.Timestamp { ts += 10; return ts }
	// Without peers: x, a, b (b inserted after a), then a is removed and
	// dropped.
	e := &core.Entry{}
	e.ListInsert(&d, core.Dot{Replica: 1, Seq: 1}, next(), 0, []byte("x"))
	e.ListInsert(&d, core.Dot{Replica: 1, Seq: 2}, next(), 1, []byte("a"))
	e.ListInsert(&d, core.Dot{Replica: 1, Seq: 3}, next(), 2, []byte("b"))
	e.ListRemove(&d, core.Dot{Replica: 1, Seq: 4}, next(), 1, 1)
	wantList(t, "source", e, "x", "b")
	wantList(t, "clone", e.Clone(), "x", "b")
	// LPOP of the head: the next element's anchor is gone.
	e.ListRemove(&d, core.Dot{Replica: 1, Seq: 5}, next(), 0, 1)
	wantList(t, "clone after LPOP", e.Clone(), "b")

	// With peers: the same, then the tombstone of a collected once stable;
	// a region that joins empty gets the list by full sync.
	p := &core.Entry{Retain: true}
	p.ListInsert(&d, core.Dot{Replica: 1, Seq: 1}, next(), 0, []byte("x"))
	p.ListInsert(&d, core.Dot{Replica: 1, Seq: 2}, next(), 1, []byte("a"))
	p.ListInsert(&d, core.Dot{Replica: 1, Seq: 3}, next(), 2, []byte("b"))
	p.ListRemove(&d, core.Dot{Replica: 1, Seq: 4}, next(), 1, 1)
	if n := p.List().CollectTombstones(core.VV{{Replica: 1, Seq: 4}}); n != 1 {
		t.Fatalf("collected %d tombstones", n)
	}
	st, _, err := core.DecodeEntryState(core.AppendEntryState(nil, p), core.DefaultDecodeLimits, true)
	if err != nil {
		t.Fatal(err)
	}
	joined := &core.Entry{Retain: true}
	joined.Merge(st)
	wantList(t, "full sync after collection", joined, "x", "b")
	// A later write there lands where it should.
	joined.ListInsert(&d, core.Dot{Replica: 2, Seq: 1}, next(), 2, []byte("c"))
	wantList(t, "write after full sync", joined, "x", "b", "c")
}

// TestListMerge_ClearedVectorOfAnotherOrigin: a list that a DEL cleared and
// that then received a concurrent element keeps it through a full-state
// merge into an empty list. (Merge used to test the DEL's vector against
// a received vector it had not joined yet, and drop every element.)
func TestListMerge_ClearedVectorOfAnotherOrigin(t *testing.T) {
	var d core.Delta
	a := &core.Entry{}
	a.ListInsert(&d, core.Dot{Replica: 1, Seq: 1}, 10, 0, []byte("a"))
	b := &core.Entry{}
	b.ListInsert(&d, core.Dot{Replica: 2, Seq: 1}, 20, 0, []byte("b"))
	var db core.Delta
	b.ListInsert(&db, core.Dot{Replica: 2, Seq: 2}, 25, 1, []byte("bb"))
	a.ListClear(&core.Delta{}, core.Dot{Replica: 1, Seq: 2}, 30)
	a.Apply(&d)
	a.Apply(&db)
	wantList(t, "source", a, "b", "bb")
	wantList(t, "clone", a.Clone(), "b", "bb")
}

// TestListMerge_WaitingChainOfOneOrigin: a list holding two inserts of one
// origin that wait, the second for the first, the first for an element not
// received yet, merges into an empty list as the same two waiting inserts,
// whatever order Merge visits them in (maps); both are placed when the
// element arrives. (Merge used to mark the later one received before the
// earlier one was visited, and then drop the earlier one and put the later
// one at the head.)
func TestListMerge_WaitingChainOfOneOrigin(t *testing.T) {
	var dc, d1, d2 core.Delta
	c := &core.Entry{Retain: true}
	c.ListInsert(&dc, core.Dot{Replica: 3, Seq: 1}, 10, 0, []byte("c"))
	a := &core.Entry{Retain: true}
	a.Apply(&dc)
	a.ListInsert(&d1, core.Dot{Replica: 1, Seq: 1}, 20, 1, []byte("a1"))
	a.ListInsert(&d2, core.Dot{Replica: 1, Seq: 2}, 30, 2, []byte("a2"))
	x := &core.Entry{Retain: true}
	x.Apply(&d1)
	x.Apply(&d2)
	if x.List().Pending() != 2 {
		t.Fatalf("%d writes buffered, want 2", x.List().Pending())
	}
	for i := 0; i < 50; i++ { // map order varies from run to run
		y := x.Clone()
		if y.List().Pending() != 2 {
			t.Fatalf("clone buffers %d writes, want 2 (list %q)", y.List().Pending(), listOf(y))
		}
		y.Apply(&dc)
		wantList(t, "clone, then the anchor", y, "c", "a1", "a2")
	}
}
