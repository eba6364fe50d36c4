package core_test

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// ship encodes d, decodes it (as a peer would) and applies it to e.
func ship(t *testing.T, d *core.Delta, e *core.Entry) {
	t.Helper()
	buf := core.AppendDelta(nil, d)
	var got core.Delta
	if _, err := core.DecodeDelta(buf, &got, core.DefaultDecodeLimits); err != nil {
		t.Fatal(err)
	}
	e.Apply(&got)
}

// TestSemantics8_ConcurrentTypesLaterCreationWins: "Two regions
// concurrently create one key with different types: the type of the
// LWW-later creating write wins; the other type's data is dropped." Both
// delivery orders, both winners.
func TestSemantics8_ConcurrentTypesLaterCreationWins(t *testing.T) {
	for _, hashLater := range []bool{true, false} {
		strTS, hashTS := core.MakeTimestamp(2000, 0), core.MakeTimestamp(1000, 0)
		if hashLater {
			strTS, hashTS = hashTS, strTS
		}
		var a, b core.Entry // A writes a string, B a hash, concurrently
		var da, db core.Delta
		a.SetString(&da, core.Dot{Replica: 1, Seq: 1}, strTS, []byte("s"), false, 0)
		b.SetField(&db, core.KindHash, core.Dot{Replica: 2, Seq: 1}, hashTS, []byte("f"), []byte("v"))
		ship(t, &db, &a)
		ship(t, &da, &b)
		for name, e := range map[string]*core.Entry{"A": &a, "B": &b} {
			switch {
			case hashLater && (e.Kind != core.KindHash || e.Fields.Get([]byte("f")) == nil):
				t.Errorf("hash created later: %s shows kind %v", name, e.Kind)
			case !hashLater && e.Kind != core.KindString:
				t.Errorf("string created later: %s shows kind %v", name, e.Kind)
			case !hashLater:
				if v, _ := e.Value(nil); string(v) != "s" {
					t.Errorf("string created later: %s reads %q", name, v)
				}
			}
		}
	}
}

// ---- Every type on one key, as the shard runs the commands

// tcSim is a simulation whose regions write a few keys with commands of
// every type, the way package shard runs them (the checker's "mix" keys):
// a write of another type than the key's is refused (WRONGTYPE) unless it
// replaces any type (SET); a removal that empties the key's collection
// deletes the key; DEL, expiry and a write to a key past its deadline
// delete the key as shard.Exec.Delete composes it (keyDelete). Deltas
// cross in any order with duplicates, regions full-sync keys from each
// other through the state codec, and tombstones are collected when
// causally stable, one round behind, as package replication does.
type tcSim struct {
	*sim
	retain bool
	// prevC and prevF are the previous collection round's received and
	// written vectors, per partition (see gcRound).
	prevC, prevF []core.VV
	// forgot[key] holds the regions that collected key's whole tombstone
	// while others still hold it (see counterOK).
	forgot map[string]map[int]bool
}

// counterOK reports whether r may run an increment or a PFADD on key. Not
// while r has collected the key's tombstone and another region has not:
// r's running increment sums restart at zero and its HLL forgets its
// delete epochs, and the regions that still hold the tombstone read the
// write against the old sums (a wrong total) or the old epochs (the PFADD
// dies). That is a known limitation of whole-key collection, not of type
// conflicts: fixing it needs the write to tell it restarted (a delta flag
// and a register rule, outside this package's entry machinery).
func (m *tcSim) counterOK(r *simRegion, key string) bool {
	f := m.forgot[key]
	return len(f) == 0 || !f[r.idx] || len(f) == len(m.regions)
}

func newTCSim(t *rapid.T, minRegions, maxRegions int, retain bool) *tcSim {
	n := rapid.IntRange(minRegions, maxRegions).Draw(t, "regions")
	ids := rapid.Permutation(replicaIDs()).Draw(t, "ids")[:n]
	m := &tcSim{sim: newSim(t, ids, nil, false), retain: retain}
	for _, r := range m.regions {
		r.wall += rapid.Int64Range(-50, 50).Draw(t, "skew")
		for _, k := range simKeys {
			r.keys[k] = &core.Entry{Retain: retain}
		}
	}
	return m
}

// local runs one local write at r: fn describes and applies it and reports
// whether there is anything to ship (a write that does nothing takes no
// dot).
func (m *tcSim) local(r *simRegion, key, what string, fn func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool) bool {
	e := r.entry(key)
	dot, p := r.nextDot(key)
	if !fn(e, &r.delta, dot, r.clock.Now(r.wall)) {
		m.logf("%s: %s %s (nothing)", r.name, what, key)
		return false
	}
	m.logf("%s: %s %s", r.name, what, key)
	m.commit(r, key, p, &event{})
	return true
}

// visible reports the key's type as a read sees it (KindNone: absent).
func (m *tcSim) visible(r *simRegion, key string) core.Kind {
	if e := r.entry(key); e.Live() {
		return e.Kind
	}
	return core.KindNone
}

// writable reports whether a write of kind k may run on key at r.
func (m *tcSim) writable(r *simRegion, key string, k core.Kind) bool {
	v := m.visible(r, key)
	return v == core.KindNone || v == k
}

// keyDelete is shard.Exec.Delete: every live field of every collection
// the key holds, then every element of its list, each as its own
// observed-remove, then the key-level delete (value, HLL, TTL).
func (m *tcSim) keyDelete(r *simRegion, key, why string) {
	e := r.entry(key)
	for _, k := range []core.Kind{core.KindHash, core.KindSet, core.KindZSet} {
		f := e.FieldsOf(k)
		if f == nil || f.Len() == 0 {
			continue
		}
		var names []string
		f.Each(func(n string, _ *core.Register) bool { names = append(names, n); return true })
		sort.Strings(names)
		for _, n := range names {
			m.local(r, key, fmt.Sprintf("%s: %s field %s", why, k, n), func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
				return e.DeleteFieldOf(d, k, dot, ts, []byte(n))
			})
		}
	}
	if l := e.ListData(); l != nil && l.Len() > 0 {
		m.local(r, key, why+": list", func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
			e.ListClear(d, dot, ts)
			return true
		})
	}
	m.local(r, key, why, func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
		e.Delete(d, dot, ts)
		return true
	})
}

// removed is what the shard does after a removal from the key's
// collection: a collection left empty goes, key and all (shard
// DeleteField, listDone).
func (m *tcSim) removed(r *simRegion, key string, was core.Kind) {
	if e := r.entry(key); !e.Live() || e.Kind != was {
		m.keyDelete(r, key, "emptied")
	}
}

// fieldDel is HDEL, SREM or ZREM of a live member of the key's collection.
func (m *tcSim) fieldDel(r *simRegion, key string, k core.Kind, name string) {
	e := r.entry(key)
	if m.visible(r, key) != k || e.Fields.Get([]byte(name)) == nil {
		return
	}
	m.local(r, key, fmt.Sprintf("DEL-FIELD %s %s", k, name), func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
		return e.DeleteField(d, dot, ts, []byte(name))
	})
	m.removed(r, key, k)
}

var tcValues = []string{"v0", "v1", "3", "-2", ""}

// tcCmd is one command of the mix: op and its arguments.
type tcCmd struct {
	op       string
	val      string // SET, APPEND, HSET, PUSH values; the field or member; the PFADD element
	field    string
	amount   int64 // INCRBY, HINCRBY, ZADD, ZINCRBY
	keep     bool  // SET ... KEEPTTL
	deadline int64 // EXPIRE (0: PERSIST)
	then     *tcCmd
}

// parseCmd reads a scripted command: "SET v [KEEPTTL]", "APPEND v",
// "INCRBY n", "HSET f v", "HINCRBY f n", "HDEL f", "SADD m", "SREM m",
// "ZADD n m", "ZINCRBY n m", "ZREM m", "LPUSH v", "RPUSH v", "LPOP",
// "PFADD e", "DEL", "EXPIRE deadline", "EXPIRED" (the deadline passes:
// the region deletes the key), "LAZY cmd..." (a write to a key past its
// deadline).
func parseCmd(words []string) tcCmd {
	c := tcCmd{op: words[0]}
	arg := func(i int) string {
		if i < len(words) {
			return words[i]
		}
		return ""
	}
	num := func(i int) int64 {
		n, _ := strconv.ParseInt(arg(i), 10, 64)
		return n
	}
	switch c.op {
	case "SET":
		c.val, c.keep = arg(1), arg(2) == "KEEPTTL"
	case "APPEND", "LPUSH", "RPUSH", "PFADD":
		c.val = arg(1)
	case "INCRBY":
		c.amount = num(1)
	case "HSET":
		c.field, c.val = arg(1), arg(2)
	case "HINCRBY":
		c.field, c.amount = arg(1), num(2)
	case "HDEL", "SADD", "SREM", "ZREM":
		c.field = arg(1)
	case "ZADD", "ZINCRBY":
		c.amount, c.field = num(1), arg(2)
	case "EXPIRE":
		c.deadline = num(1)
	case "LAZY":
		then := parseCmd(words[1:])
		c.then = &then
	}
	return c
}

// drawCmd draws one command of the checker's mix.
func drawCmd(t *rapid.T) tcCmd {
	ops := []string{"SET", "APPEND", "INCRBY", "HSET", "HINCRBY", "HDEL", "SADD", "SREM", "ZADD", "ZINCRBY",
		"ZREM", "LPUSH", "RPUSH", "LPOP", "PFADD", "DEL", "EXPIRE", "EXPIRED", "LAZY", "GETDEL"}
	c := tcCmd{op: rapid.SampledFrom(ops).Draw(t, "cmd")}
	switch c.op {
	case "SET", "APPEND", "LPUSH", "RPUSH":
		c.val = rapid.SampledFrom(tcValues).Draw(t, "value")
		c.keep = c.op == "SET" && rapid.Bool().Draw(t, "keepttl")
	case "PFADD":
		c.val = rapid.SampledFrom(hllElems).Draw(t, "elem")
	case "HSET":
		c.field = rapid.SampledFrom([]string{"f0", "f1", "f2"}).Draw(t, "field")
		c.val = rapid.SampledFrom(tcValues).Draw(t, "value")
	case "INCRBY", "HINCRBY", "ZADD", "ZINCRBY", "HDEL", "SADD", "SREM", "ZREM":
		c.field = rapid.SampledFrom([]string{"f0", "f1", "f2"}).Draw(t, "field")
		c.amount = rapid.Int64Range(-5, 15).Draw(t, "amount")
	case "EXPIRE":
		c.deadline = rapid.SampledFrom([]int64{0, 5_000_000, 6_000_000}).Draw(t, "deadline")
	case "LAZY":
		then := drawCmd(t)
		c.then = &then
	}
	return c
}

// exec runs c on key at r as the shard runs it.
func (m *tcSim) exec(r *simRegion, key string, c tcCmd) {
	e := r.entry(key)
	val, field, amount := c.val, c.field, c.amount
	switch c.op {
	case "SET":
		m.local(r, key, fmt.Sprintf("SET %q keepttl=%v", val, c.keep), func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
			e.SetString(d, dot, ts, []byte(val), c.keep, 0)
			return true
		})
	case "APPEND": // a whole-value write of a string
		if !m.writable(r, key, core.KindString) {
			return
		}
		var cur []byte
		if e.Live() {
			cur, _ = e.Value(nil)
		}
		v := string(cur) + val
		m.local(r, key, fmt.Sprintf("APPEND -> %q", v), func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
			e.SetString(d, dot, ts, []byte(v), true, 0)
			return true
		})
	case "INCRBY":
		if !m.writable(r, key, core.KindString) || !m.counterOK(r, key) {
			return
		}
		m.local(r, key, fmt.Sprintf("INCRBY %d", amount), func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
			_, err := e.IncrBy(d, dot, ts, amount)
			return err == nil
		})
	case "HSET":
		if !m.writable(r, key, core.KindHash) {
			return
		}
		m.local(r, key, fmt.Sprintf("HSET %s %q", field, val), func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
			e.SetField(d, core.KindHash, dot, ts, []byte(field), []byte(val))
			return true
		})
	case "HINCRBY":
		if !m.writable(r, key, core.KindHash) || !m.counterOK(r, key) {
			return
		}
		m.local(r, key, fmt.Sprintf("HINCRBY %s %d", field, amount), func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
			_, err := e.IncrField(d, core.KindHash, dot, ts, []byte(field), amount)
			return err == nil
		})
	case "HDEL":
		m.fieldDel(r, key, core.KindHash, field)
	case "SADD":
		if !m.writable(r, key, core.KindSet) {
			return
		}
		m.local(r, key, "SADD "+field, func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
			e.SetField(d, core.KindSet, dot, ts, []byte(field), nil)
			return true
		})
	case "SREM":
		m.fieldDel(r, key, core.KindSet, field)
	case "ZADD":
		if !m.writable(r, key, core.KindZSet) {
			return
		}
		m.local(r, key, fmt.Sprintf("ZADD %d %s", amount, field), func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
			e.SetField(d, core.KindZSet, dot, ts, []byte(field), core.AppendScore(nil, float64(amount)))
			return true
		})
	case "ZINCRBY":
		if !m.writable(r, key, core.KindZSet) || !m.counterOK(r, key) {
			return
		}
		m.local(r, key, fmt.Sprintf("ZINCRBY %d %s", amount, field), func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
			e.IncrScore(d, dot, ts, []byte(field), float64(amount))
			return true
		})
	case "ZREM":
		m.fieldDel(r, key, core.KindZSet, field)
	case "LPUSH", "RPUSH":
		if !m.writable(r, key, core.KindList) {
			return
		}
		at := 0
		if l := e.List(); c.op == "RPUSH" && l != nil && e.Kind == core.KindList {
			at = l.Len()
		}
		m.local(r, key, fmt.Sprintf("PUSH@%d %q", at, val), func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
			e.ListInsert(d, dot, ts, at, []byte(val))
			return true
		})
	case "LPOP":
		if m.visible(r, key) != core.KindList {
			return
		}
		m.local(r, key, "LPOP", func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
			e.ListRemove(d, dot, ts, 0, 1)
			return true
		})
		m.removed(r, key, core.KindList)
	case "PFADD":
		if !m.writable(r, key, core.KindHLL) || !m.counterOK(r, key) {
			return
		}
		var p core.HLLPatch
		p.AddElement([]byte(val))
		m.local(r, key, "PFADD "+val, func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
			return e.HLLWrite(d, dot, ts, &p)
		})
	case "DEL", "GETDEL":
		if m.visible(r, key) != core.KindNone {
			m.keyDelete(r, key, c.op)
		}
	case "EXPIRE": // deadline 0: PERSIST
		if m.visible(r, key) == core.KindNone || (c.deadline == 0 && e.Deadline() == 0) {
			return
		}
		m.local(r, key, fmt.Sprintf("EXPIRE %d", c.deadline), func(e *core.Entry, d *core.Delta, dot core.Dot, ts core.Timestamp) bool {
			e.SetExpiry(d, dot, ts, c.deadline)
			return true
		})
	case "EXPIRED": // the key reaches its deadline: the region deletes it
		if m.visible(r, key) != core.KindNone && e.Deadline() != 0 {
			m.keyDelete(r, key, "EXPIRED")
		}
	case "LAZY": // a write to a key past its deadline deletes it first
		if m.visible(r, key) != core.KindNone && e.Deadline() != 0 {
			m.keyDelete(r, key, "EXPIRED (lazy)")
		}
		m.exec(r, key, *c.then)
	default:
		m.fatalf("unknown command %q", c.op)
	}
}

// gcRound is one round of tombstone collection at region r: the vectors
// every region has received (C) and written (F) now; the previous round's
// C is applied where every region has since received what every region
// had written at the previous round (replication.Region.CollectTombstones).
// It collects as shard.Exec.CollectTombstones: whole dead keys, and removed
// fields and list elements inside live ones.
func (m *tcSim) gcRound(r *simRegion) {
	c, f := make([]core.VV, simParts), make([]core.VV, simParts)
	for p := 0; p < simParts; p++ {
		for o, ro := range m.regions {
			low := ro.seq[p]
			for _, to := range m.regions {
				if to.idx != o {
					low = min(low, uint64(to.next[o][p]))
				}
			}
			if low > 0 {
				c[p].Add(core.Dot{Replica: ro.id, Seq: low})
			}
			if ro.seq[p] > 0 {
				f[p].Add(core.Dot{Replica: ro.id, Seq: ro.seq[p]})
			}
		}
	}
	prevC, prevF := m.prevC, m.prevF
	m.prevC, m.prevF = c, f
	if prevC == nil {
		return
	}
	n := 0
	for _, k := range simKeys {
		p := simPart(k)
		if !prevF[p].LessEq(c[p]) {
			continue
		}
		stable := prevC[p]
		e := r.keys[k]
		switch {
		case !e.Live():
			if e.Stable(stable) {
				r.keys[k] = &core.Entry{Retain: m.retain}
				if m.forgot == nil {
					m.forgot = map[string]map[int]bool{}
				}
				if m.forgot[k] == nil || len(m.forgot[k]) == len(m.regions) {
					m.forgot[k] = map[int]bool{}
				}
				m.forgot[k][r.idx] = true
				m.logf("gc %s %s: key collected (stable %v)", r.name, k, stable)
				n++
			} else if rep, ok := e.OrphanExpiry(stable); ok && rep == r.id {
				m.keyDelete(r, k, "orphan TTL")
			}
		case e.FieldsOf(e.Kind) != nil:
			n += e.FieldsOf(e.Kind).CollectTombstones(stable)
		case e.List() != nil:
			n += e.List().CollectTombstones(stable)
		}
	}
	if n > 0 {
		m.logf("gc %s: %d collected", r.name, n)
	}
}

// tcStep draws and runs one action: a command, an in-order delivery, a
// duplicate, a full sync of a key through the state codec, or a round of
// tombstone collection.
func (m *tcSim) tcStep(t *rapid.T, full, gc bool) {
	r := m.regions[rapid.IntRange(0, len(m.regions)-1).Draw(t, "region")]
	r.wall += rapid.Int64Range(-3, 10).Draw(t, "tick")
	key := rapid.SampledFrom(simKeys).Draw(t, "key")
	switch op := rapid.IntRange(0, 15).Draw(t, "op"); {
	case op <= 7:
		m.exec(r, key, drawCmd(t))
	case op <= 12:
		if q := m.pending(); len(q) > 0 {
			x := q[rapid.IntRange(0, len(q)-1).Draw(t, "queue")]
			m.deliver(m.regions[x[0]], x[1], x[2])
		}
	case op == 13 && !gc:
		// (The replication layer skips what it holds: a duplicate after
		// collection would be a delta from before a collected delete.)
		from := rapid.IntRange(0, len(m.regions)-1).Draw(t, "from")
		p := rapid.IntRange(0, simParts-1).Draw(t, "part")
		if n := r.next[from][p]; n > 0 {
			m.redeliver(r, from, p, rapid.IntRange(0, n-1).Draw(t, "dup"))
		}
	case op == 14 && full:
		from := m.regions[rapid.IntRange(0, len(m.regions)-1).Draw(t, "from")]
		if from != r {
			m.logf("full sync %s<-%s %s", r.name, from.name, key)
			st, _, err := core.DecodeEntryState(core.AppendEntryState(nil, from.keys[key]), core.DefaultDecodeLimits, m.retain)
			if err != nil {
				m.fatalf("state codec: %v", err)
			}
			r.clock.Observe(st.MaxTimestamp())
			r.entry(key).Merge(st)
		}
	case op == 15 && gc:
		m.gcRound(r)
	}
}

// tcFinish delivers everything everywhere in a random order, with
// duplicates and, when gc is set, collection rounds along the way.
func (m *tcSim) tcFinish(t *rapid.T, gc bool) {
	for {
		q := m.pending()
		if len(q) == 0 {
			return
		}
		x := q[rapid.IntRange(0, len(q)-1).Draw(t, "final")]
		to := m.regions[x[0]]
		m.deliver(to, x[1], x[2])
		if !gc && rapid.IntRange(0, 4).Draw(t, "finaldup") == 0 {
			m.redeliver(to, x[1], x[2], rapid.IntRange(0, to.next[x[1]][x[2]]-1).Draw(t, "dupidx"))
		}
		if gc && rapid.IntRange(0, 3).Draw(t, "finalgc") == 0 {
			m.gcRound(m.regions[rapid.IntRange(0, len(m.regions)-1).Draw(t, "gcregion")])
		}
	}
}

// checkVisible requires every region to show the same for every key, as
// AA DIGEST compares them.
func (m *tcSim) checkVisible(what string) {
	m.t.Helper()
	for _, k := range simKeys {
		want := m.regions[0].keys[k].AppendVisible(nil, 0)
		for _, r := range m.regions[1:] {
			if got := r.keys[k].AppendVisible(nil, 0); !bytes.Equal(got, want) {
				m.fatalf("%s: key %s diverged:\n%s: %s\n%s: %s\nstates:\n%s: %s\n%s: %s", what, k,
					m.regions[0].name, mixView(m.regions[0].keys[k]), r.name, mixView(r.keys[k]),
					m.regions[0].name, core.StateDigest(m.regions[0].keys[k], false), r.name, core.StateDigest(r.keys[k], false))
			}
		}
	}
}

// checkStates requires every region to hold the same state of every key
// but for where a type's invisible data sits (core.StateDigestConverged):
// what shows nothing now must not differ either, as a later write or
// delete may show it.
func (m *tcSim) checkStates() {
	m.t.Helper()
	for _, k := range simKeys {
		want := core.StateDigestConverged(m.regions[0].keys[k])
		for _, r := range m.regions[1:] {
			if got := core.StateDigestConverged(r.keys[k]); got != want {
				m.fatalf("key %s: %s holds\n%s\n%s holds\n%s", k, m.regions[0].name, want, r.name, got)
			}
		}
	}
}

// TestTypeConflict_MixConverges: 2-4 regions run the checker's mix of
// commands of every type on the same keys (type conflicts, DEL composed as
// the shard composes it, expiry deletes, removals that empty a key), with
// deltas in any order with duplicates, full syncs of keys through the
// state codec and tombstone collection; once everything is delivered
// every region shows the same for every key.
func TestTypeConflict_MixConverges(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		full := rapid.Bool().Draw(t, "fullsync")
		gc := rapid.Bool().Draw(t, "gc")
		m := newTCSim(t, 2, 4, true)
		for i, n := 0, rapid.IntRange(60, 300).Draw(t, "steps"); i < n; i++ {
			m.tcStep(t, full, gc)
		}
		m.tcFinish(t, gc)
		m.checkVisible("all delivered")
		if !gc {
			m.checkStates()
		}
	})
}

// tcScript runs a scripted history on regions r0, r1, ... (replica ids 0,
// 1, ...): "r1 HSET f v" runs a command on key k0 at r1 (see parseCmd),
// "r1<-r0" delivers everything r0 wrote to r1, "wall r1 2000" sets r1's
// wall clock, "merge r1<-r0" full-syncs k0 from r0 into r1, "gc r1" runs a
// collection round at r1. Then everything is delivered everywhere and
// every region must show the same.
func tcScript(t *testing.T, regions int, lines ...string) *tcSim {
	t.Helper()
	var ids []core.ReplicaID
	for i := 0; i < regions; i++ {
		ids = append(ids, core.ReplicaID(i))
	}
	m := &tcSim{sim: newSim(t, ids, nil, false), retain: true}
	for _, r := range m.regions {
		for _, k := range simKeys {
			r.keys[k] = &core.Entry{Retain: true}
		}
	}
	region := func(name string) *simRegion {
		for _, r := range m.regions {
			if r.name == name {
				return r
			}
		}
		t.Fatalf("no region %q", name)
		return nil
	}
	for _, line := range lines {
		w := strings.Fields(line)
		switch {
		case w[0] == "wall":
			ms, _ := strconv.ParseInt(w[2], 10, 64)
			region(w[1]).wall = ms
		case w[0] == "gc":
			m.gcRound(region(w[1]))
		case w[0] == "merge":
			to, from, _ := strings.Cut(w[1], "<-")
			m.logf("full sync %s<-%s", to, from)
			region(to).clock.Observe(region(from).keys["k0"].MaxTimestamp())
			region(to).keys["k0"].Merge(region(from).keys["k0"])
		case strings.Contains(w[0], "<-"):
			to, from, _ := strings.Cut(w[0], "<-")
			m.deliverFrom(region(to), region(from).idx)
		default:
			r := region(w[0])
			r.wall++
			m.exec(r, "k0", parseCmd(w[1:]))
		}
	}
	m.syncAll()
	m.checkVisible("all delivered")
	return m
}

// Type conflicts with deletes, each a minimal case the random test found.

// A DEL removes the fields of a hash that lost to a concurrent string:
// they must go wherever they sit in a region that saw the writes in
// another order (r2 keeps the hash dormant until the hash wins again).
func TestTypeConflict_DelRemovesLosingHash(t *testing.T) {
	tcScript(t, 3,
		"wall r1 1000", "r1 HSET f0 a",
		"wall r0 2000", "r0 SET s",
		"r0<-r1", // r0: string s wins, hash f0 kept invisible
		"r0 DEL", // observes both
		"r2<-r0", // r2: the DEL's deltas before the hash write
		"r2<-r1",
		"r1<-r0",
		"wall r2 3000", "r2 HSET f1 b", // the hash wins again: f0 must stay gone
	)
}

// expectView requires every region to show want for k0 (mixView).
func (m *tcSim) expectView(t *testing.T, want string) {
	t.Helper()
	for _, r := range m.regions {
		if got := mixView(r.keys["k0"]); got != want {
			t.Fatalf("%s shows %s, want %s\nscript:\n  %s", r.name, got, want, strings.Join(m.log, "\n  "))
		}
	}
}

// A DEL clears a list that lost a type conflict: left alive, it showed
// again where the key's tombstone had been kept, and not where it had
// been collected.
func TestTypeConflict_DelClearsLosingList(t *testing.T) {
	tcScript(t, 2,
		"wall r1 1000", "r1 LPUSH a",
		"wall r0 2000", "r0 SET s",
		"r0<-r1", "r0 DEL", "r1<-r0", "r0<-r1",
		"gc r0", "gc r0", // r0 collects the dead key, r1 keeps it
		"wall r0 3000", "r0 LPUSH b",
	).expectView(t, `kind=5 deadline=0 "b" `)
}

// A write that a DEL did not observe survives it whatever its type: once
// the type that won the key is removed, the concurrent hash shows (it used
// to stay invisible under a dead string, in a tombstone that one region
// collected and another did not).
func TestTypeConflict_UnobservedLoserSurvivesDel(t *testing.T) {
	tcScript(t, 2,
		"wall r0 1000", "r0 HSET f a",
		"wall r1 2000", "r1 SET s",
		"r1 DEL", // before the hash arrives
		"r0<-r1", "r1<-r0",
	).expectView(t, `kind=2 deadline=0 "f"="a"`)
}

// An increment of a field whose hash was removed while it had lost a type
// conflict carries on from its region's running sum, so the part the
// delete removed does not count against it.
func TestTypeConflict_IncrementAfterRemovedLoser(t *testing.T) {
	tcScript(t, 2,
		"wall r0 1000", "r0 HINCRBY f 5",
		"wall r1 2000", "r1 SET s",
		"r0<-r1", // the string wins; the hash is kept invisible
		"r0 DEL", "r0 HINCRBY f 2",
	).expectView(t, `kind=2 deadline=0 "f"="2"`)
}

// A DEL kills an HLL that lost a type conflict (delete-wins, as for a
// visible one), and a later PFADD starts a new epoch after it: it used to
// bring the deleted registers back.
func TestTypeConflict_DelKillsLosingHLL(t *testing.T) {
	tcScript(t, 2,
		"wall r0 1000", "r0 PFADD a",
		"wall r1 2000", "r1 HSET f v",
		"r1<-r0", "r1 DEL", "r0<-r1",
		"wall r0 3000", "r0 PFADD b",
	).expectView(t, "kind=6 deadline=0 count=1")
}

// A TTL that a concurrent DEL did not observe outlives it in the key's
// tombstone; the tombstone stays until the region of that TTL deletes it
// everywhere, instead of being collected in one region while another
// keeps the TTL for the key's next write.
func TestTypeConflict_OrphanTTLRemovedBeforeCollection(t *testing.T) {
	tcScript(t, 2,
		"r0 SET a", "r1<-r0",
		"r0 EXPIRE 5000000", "r1 DEL",
		"r1<-r0", "r0<-r1",
		"gc r0", "gc r0", // r0 owns the TTL: it deletes it
		"r1<-r0", "r0 SET b KEEPTTL",
	).expectView(t, `kind=1 deadline=0 "b"`)
}
