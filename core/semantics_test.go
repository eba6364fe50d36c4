package core_test

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/core"
)

// Each example of SEMANTICS.md sections 0, 1, 7 and 8 that concerns
// strings, counters, expiry and deletion, as its own test, written as a
// small script over the simulated regions: do(region, command) runs a
// local write or read and returns its reply, deliver(to, from) hands over
// everything from one region to another, sync() delivers everything
// everywhere, and expect(key, value) requires every region to read value.
// Every region's wall clock starts at the same millisecond and advances by
// one per command it runs, unless a test sets it with wall().

type script struct {
	t      *testing.T
	s      *sim
	byName map[string]*simRegion
}

// newScript makes regions named by specs: "A" (replica ids 1, 2, ... in
// order) or "A=7" (replica id 7).
func newScript(t *testing.T, specs ...string) *script {
	t.Helper()
	var ids []core.ReplicaID
	var names []string
	for i, sp := range specs {
		name, id := sp, core.ReplicaID(i+1)
		if n, v, ok := strings.Cut(sp, "="); ok {
			x, err := strconv.Atoi(v)
			if err != nil {
				t.Fatalf("bad region spec %q", sp)
			}
			name, id = n, core.ReplicaID(x)
		}
		ids = append(ids, id)
		names = append(names, name)
	}
	w := &script{t: t, s: newSim(t, ids, names, false), byName: map[string]*simRegion{}}
	for _, r := range w.s.regions {
		w.byName[r.name] = r
	}
	return w
}

func (w *script) region(name string) *simRegion {
	w.t.Helper()
	r := w.byName[name]
	if r == nil {
		w.t.Fatalf("no region %q", name)
	}
	return r
}

// wall sets a region's wall clock (ms); its next command runs at ms+1.
func (w *script) wall(name string, ms int64) { w.region(name).wall = ms }

// do runs one command at region name and returns its reply: "OK", an
// integer, a float, a bulk value, "(nil)", or "ERR <core error>".
func (w *script) do(name, cmd string) string {
	w.t.Helper()
	r := w.region(name)
	r.wall++
	f := strings.Fields(cmd)
	arg := func(i int) string {
		if i >= len(f) {
			w.t.Fatalf("%s: %q: missing argument %d", name, cmd, i)
		}
		return f[i]
	}
	num := func(i int) int64 {
		n, err := strconv.ParseInt(arg(i), 10, 64)
		if err != nil {
			w.t.Fatalf("%s: %q: bad integer %q", name, cmd, arg(i))
		}
		return n
	}
	errReply := func(err error) string { return "ERR " + err.Error() }
	switch strings.ToUpper(arg(0)) {
	case "SET": // SET key value [KEEPTTL] [PXAT ms]
		keep, deadline := false, int64(0)
		for i := 3; i < len(f); i++ {
			switch strings.ToUpper(f[i]) {
			case "KEEPTTL":
				keep = true
			case "PXAT":
				deadline = num(i + 1)
				i++
			default:
				w.t.Fatalf("SET option %q", f[i])
			}
		}
		w.s.set(r, arg(1), arg(2), keep, deadline)
		return "OK"
	case "APPEND": // a whole-value write that keeps the TTL
		cur := w.get(r, arg(1))
		if cur == "(nil)" {
			cur = ""
		}
		w.s.set(r, arg(1), cur+arg(2), true, 0)
		return strconv.Itoa(len(cur) + len(arg(2)))
	case "INCR", "DECR", "INCRBY", "DECRBY":
		by := int64(1)
		switch strings.ToUpper(arg(0)) {
		case "DECR":
			by = -1
		case "INCRBY":
			by = num(2)
		case "DECRBY":
			by = -num(2)
		}
		n, err := w.s.incr(r, arg(1), by)
		if err != nil {
			return errReply(err)
		}
		return strconv.FormatInt(n, 10)
	case "INCRBYFLOAT":
		reply, err := w.s.incrFloat(r, arg(1), arg(2))
		if err != nil {
			return errReply(err)
		}
		return reply
	case "DEL":
		if w.s.del(r, arg(1)) {
			return "1"
		}
		return "0"
	case "PEXPIREAT":
		if w.s.expire(r, arg(1), num(2)) {
			return "1"
		}
		return "0"
	case "PERSIST":
		e := r.keys[arg(1)]
		if e == nil || !e.Live() || e.Deadline() == 0 {
			return "0"
		}
		w.s.expire(r, arg(1), 0)
		return "1"
	case "GET":
		return w.get(r, arg(1))
	}
	w.t.Fatalf("unknown command %q", cmd)
	return ""
}

func (w *script) get(r *simRegion, key string) string {
	e := r.keys[key]
	if e == nil || !e.Live() {
		return "(nil)"
	}
	v, ok := e.Value(nil)
	if !ok {
		return "(nil)"
	}
	return string(v)
}

// want runs cmd at name and requires reply.
func (w *script) want(name, cmd, reply string) {
	w.t.Helper()
	if got := w.do(name, cmd); got != reply {
		w.t.Fatalf("%s: %s = %q, want %q", name, cmd, got, reply)
	}
}

// deliver hands everything pending from region from to region to.
func (w *script) deliver(to, from string) {
	w.s.deliverFrom(w.region(to), w.region(from).idx)
}

// sync delivers everything everywhere, then every delta once more (a
// duplicate must change nothing).
func (w *script) sync() {
	w.s.syncAll()
	for _, to := range w.s.regions {
		for o := range w.s.regions {
			for p := 0; p < simParts; p++ {
				for i := 0; i < to.next[o][p]; i++ {
					w.s.redeliver(to, o, p, i)
				}
			}
		}
	}
}

// expect requires every region to read value for key ("(nil)": absent).
func (w *script) expect(key, value string) {
	w.t.Helper()
	for _, r := range w.s.regions {
		if got := w.get(r, key); got != value {
			w.t.Errorf("%s: GET %s = %q, want %q\n%s", r.name, key, got, value, digest(r.keys[key]))
		}
	}
}

// expectAt requires region name to read value for key.
func (w *script) expectAt(name, key, value string) {
	w.t.Helper()
	if got := w.get(w.region(name), key); got != value {
		w.t.Errorf("%s: GET %s = %q, want %q", name, key, got, value)
	}
}

// expectDeadline requires every region to hold deadline (0: none) for key.
func (w *script) expectDeadline(key string, deadline int64) {
	w.t.Helper()
	for _, r := range w.s.regions {
		var got int64
		if e := r.keys[key]; e != nil {
			got = e.Deadline()
		}
		if got != deadline {
			w.t.Errorf("%s: deadline of %s = %d, want %d\n%s", r.name, key, got, deadline, digest(r.keys[key]))
		}
	}
}

// --- Section 0: clocks, ties and words -------------------------------------

// "LWW: the write with the larger HLC timestamp wins." B has the smaller
// replica id, so only the timestamp can make A win.
func TestSemantics0_LWWLargerHLCWins(t *testing.T) {
	w := newScript(t, "A=2", "B=1")
	w.wall("A", 2000)
	w.wall("B", 1000)
	w.do("A", "SET k a")
	w.do("B", "SET k b")
	w.sync()
	w.expect("k", "a")
}

// "Equal timestamps: the smaller replica id wins."
func TestSemantics0_LWWTieGoesToSmallerReplicaID(t *testing.T) {
	for _, order := range []string{"AB", "BA"} {
		t.Run(order, func(t *testing.T) {
			w := newScript(t, "A=7", "B=3")
			w.wall("A", 5000)
			w.wall("B", 5000)
			w.do("A", "SET k a") // both stamped 5001.0: a tie
			w.do("B", "SET k b")
			if order == "AB" {
				w.deliver("B", "A")
				w.deliver("A", "B")
			} else {
				w.deliver("A", "B")
				w.deliver("B", "A")
			}
			w.expect("k", "b")
		})
	}
}

// "HLC = max(wall clock, highest timestamp seen) ..., so a region whose
// clock runs behind still orders after what it has seen." B's wall clock
// is far behind C's, but B has seen A's write stamped after C's.
func TestSemantics0_HLCRegionBehindOrdersAfterWhatItSaw(t *testing.T) {
	w := newScript(t, "A", "B", "C")
	w.wall("A", 9000)
	w.wall("B", 1000)
	w.wall("C", 5000)
	w.do("A", "SET other x")
	w.deliver("B", "A")
	w.do("C", "SET k c")
	w.do("B", "SET k b") // concurrent with C's, stamped after 9001
	w.sync()
	w.expect("k", "b")
}

// "Every merge is commutative, associative and idempotent": deliveries in
// opposite orders, each twice, end equal.
func TestSemantics0_DeliveryOrderAndDuplicatesDoNotMatter(t *testing.T) {
	w := newScript(t, "A", "B", "C")
	w.do("A", "SET k a")
	w.do("B", "INCRBY n 2")
	w.do("C", "SET k c")
	w.do("C", "INCRBY n 5")
	w.deliver("A", "C")
	w.deliver("A", "B")
	w.deliver("B", "A")
	w.deliver("B", "C")
	w.deliver("C", "B")
	w.deliver("C", "A")
	w.sync()
	w.expect("n", "7")
	if a, c := w.get(w.region("A"), "k"), w.get(w.region("C"), "k"); a != c || a == "(nil)" {
		t.Fatalf("k: A=%q C=%q", a, c)
	}
}

// --- Section 1: strings and counters ---------------------------------------

// "Concurrent increments: they add up. A: INCRBY c 7, B: INCRBY c 3 → both
// read 10. Then A: DECRBY c 3, B: INCRBY c 6 → both read 13."
func TestSemantics1_ConcurrentIncrementsAddUp(t *testing.T) {
	w := newScript(t, "A", "B")
	w.want("A", "INCRBY c 7", "7")
	w.want("B", "INCRBY c 3", "3")
	w.sync()
	w.expect("c", "10")
	w.want("A", "DECRBY c 3", "7")
	w.want("B", "INCRBY c 6", "16")
	w.sync()
	w.expect("c", "13")
}

// "SET concurrent with INCR: the SET replaces what it observed; the
// unobserved increment is added on top. c=3; A: SET c 10, B: INCRBY c 5 →
// both read 15."
func TestSemantics1_SetConcurrentWithIncr(t *testing.T) {
	for _, start := range []string{"SET c 3", "INCRBY c 3"} {
		t.Run(start, func(t *testing.T) {
			w := newScript(t, "A", "B")
			w.do("A", start)
			w.sync()
			w.do("A", "SET c 10")
			w.want("B", "INCRBY c 5", "8")
			w.sync()
			w.expect("c", "15")
		})
	}
}

// "Value = base + every increment that the base's writer had not
// observed": a SET that saw an increment replaces it.
func TestSemantics1_SetReplacesObservedIncrements(t *testing.T) {
	w := newScript(t, "A", "B")
	w.do("B", "INCRBY c 5")
	w.deliver("A", "B")
	w.do("A", "SET c 10")
	w.sync()
	w.expect("c", "10")
	w.want("B", "INCR c", "11")
	w.sync()
	w.expect("c", "11")
}

// "Concurrent SETs: LWW."
func TestSemantics1_ConcurrentSetsLWW(t *testing.T) {
	w := newScript(t, "A", "B")
	w.wall("A", 3000)
	w.wall("B", 2000)
	w.do("A", "SET k from-a")
	w.do("B", "SET k from-b")
	w.expectAt("B", "k", "from-b")
	w.sync()
	w.expect("k", "from-a")
}

// "If the winning base is not a number, concurrent increments are not
// shown (the value is the base)... A local INCR on a non-numeric value
// fails as in Redis."
func TestSemantics1_NonNumericWinningBaseHidesIncrements(t *testing.T) {
	w := newScript(t, "A", "B")
	w.do("A", "SET c 1")
	w.sync()
	w.do("A", "SET c abc")
	w.want("B", "INCRBY c 5", "6")
	w.sync()
	w.expect("c", "abc")
	w.want("A", "INCR c", "ERR "+core.ErrNotInteger.Error())
	w.want("B", "INCR c", "ERR "+core.ErrNotInteger.Error())
	w.expect("c", "abc")
}

// "A local INCR on a non-numeric value fails as in Redis" and leaves the
// value alone.
func TestSemantics1_LocalIncrOnNonNumericFails(t *testing.T) {
	w := newScript(t, "A")
	for _, v := range []string{"hello", "1.5", " 1", "01", "+1", "", "99999999999999999999"} {
		w.s.set(w.region("A"), "s", v, false, 0)
		w.want("A", "INCR s", "ERR "+core.ErrNotInteger.Error())
		w.expect("s", v)
	}
}

// "A local INCR that would take the local value past the 64-bit range
// fails as in Redis."
func TestSemantics1_LocalIncrPastInt64Fails(t *testing.T) {
	w := newScript(t, "A")
	w.do("A", "SET c 9223372036854775806")
	w.want("A", "INCR c", "9223372036854775807")
	w.want("A", "INCR c", "ERR "+core.ErrOverflow.Error())
	w.expect("c", "9223372036854775807")
	w.do("A", "SET c -9223372036854775807")
	w.want("A", "DECR c", "-9223372036854775808")
	w.want("A", "DECRBY c 1", "ERR "+core.ErrOverflow.Error())
	w.expect("c", "-9223372036854775808")
}

// "Integer totals are exact: per-region contributions are 64-bit, the total
// is computed without overflow." One region swings across the whole
// range without ever leaving it, as Redis allows; its reads must be exact.
func TestSemantics1_IntegerTotalsExactAcrossFullRangeSwing(t *testing.T) {
	w := newScript(t, "A", "B")
	w.do("A", "SET c -9223372036854775808")
	w.want("A", "INCRBY c 9223372036854775807", "-1")
	w.want("A", "INCRBY c 9223372036854775807", "9223372036854775806")
	w.expectAt("A", "c", "9223372036854775806")
	w.sync()
	w.expect("c", "9223372036854775806")
}

// The same swing made of increments only, with another region's
// contribution delivered in between.
func TestSemantics1_IntegerTotalsExactWithRemoteContribution(t *testing.T) {
	w := newScript(t, "A", "B")
	w.want("B", "INCRBY c -9223372036854775808", "-9223372036854775808")
	w.want("A", "INCRBY c 9223372036854775807", "9223372036854775807")
	w.deliver("A", "B")
	w.expectAt("A", "c", "-1")
	w.want("A", "INCRBY c 9223372036854775807", "9223372036854775806")
	w.expectAt("A", "c", "9223372036854775806")
	w.sync()
	w.expect("c", "9223372036854775806")
}

// "A merged total past that range reads back as its exact decimal string,
// and a further INCR on it fails with Redis's out-of-range error."
func TestSemantics1_MergedTotalPastInt64ReadsExact(t *testing.T) {
	w := newScript(t, "A", "B")
	w.do("A", "SET c 9223372036854775000")
	w.sync()
	w.want("A", "INCRBY c 800", "9223372036854775800")
	w.want("B", "INCRBY c 800", "9223372036854775800")
	w.sync()
	w.expect("c", "9223372036854776600")
	for _, r := range w.s.regions {
		if n, err := r.keys["c"].IntValue(); !errors.Is(err, core.ErrNotInteger) {
			t.Errorf("%s: IntValue = %d, %v; want ErrNotInteger", r.name, n, err)
		}
	}
	w.want("A", "INCR c", "ERR "+core.ErrNotInteger.Error())
	w.want("B", "DECRBY c 1000", "ERR "+core.ErrNotInteger.Error())
	w.expect("c", "9223372036854776600")
	// A SET brings the key back into range.
	w.do("A", "SET c 1")
	w.sync()
	w.want("B", "INCR c", "2")
}

// The negative side of the exact total.
func TestSemantics1_MergedTotalBelowInt64MinReadsExact(t *testing.T) {
	w := newScript(t, "A", "B", "C")
	w.want("A", "INCRBY c -9223372036854775808", "-9223372036854775808")
	w.want("B", "INCRBY c -9223372036854775808", "-9223372036854775808")
	w.want("C", "DECRBY c 5", "-5")
	w.sync()
	w.expect("c", "-18446744073709551621")
	w.want("C", "INCR c", "ERR "+core.ErrNotInteger.Error())
}

// "INCRBYFLOAT makes the value a float; per-region float contributions are
// summed in replica-id order so every region computes the identical float."
// Three regions receive the contributions in three different orders.
func TestSemantics1_IncrByFloatSummedIdentically(t *testing.T) {
	w := newScript(t, "A", "B", "C")
	w.do("A", "SET f 1")
	w.sync()
	w.do("A", "INCRBYFLOAT f 0.1")
	w.do("B", "INCRBYFLOAT f 0.2")
	w.do("C", "INCRBYFLOAT f 0.3")
	// As in Redis, INCRBY refuses a value that is now a float.
	w.want("C", "INCRBY f 1", "ERR "+core.ErrNotInteger.Error())
	w.deliver("A", "B")
	w.deliver("A", "C")
	w.deliver("B", "C")
	w.deliver("B", "A")
	w.deliver("C", "A")
	w.deliver("C", "B")
	w.sync()
	got := w.get(w.region("A"), "f")
	w.expect("f", got)
	if f, err := strconv.ParseFloat(got, 64); err != nil || math.Abs(f-1.6) > 1e-9 {
		t.Fatalf("f = %q, want about 1.6", got)
	}
}

// "Replies use Redis's float formatting": the INCRBYFLOAT example of the
// Redis documentation, replies and the value read back.
func TestSemantics1_IncrByFloatRedisDocExample(t *testing.T) {
	w := newScript(t, "A")
	w.do("A", "SET mykey 10.50")
	w.want("A", "INCRBYFLOAT mykey 0.1", "10.6")
	w.expect("mykey", "10.6")
	w.want("A", "INCRBYFLOAT mykey -5", "5.6")
	w.expect("mykey", "5.6")
	w.do("A", "SET mykey 5.0e3")
	w.want("A", "INCRBYFLOAT mykey 2.0e2", "5200")
	w.expect("mykey", "5200")
}

// "Replies use Redis's float formatting": Redis 7.2 adds in long double
// and prints 17 decimals with trailing zeros removed (ld2string,
// LD_STR_HUMAN), so INCRBYFLOAT by 0.1 three times from 0 replies 0.1,
// 0.2, 0.3, and GET reads 0.3 (float64 arithmetic would say
// 0.30000000000000004).
func TestSemantics1_IncrByFloatTenthsLikeRedis(t *testing.T) {
	w := newScript(t, "A")
	w.want("A", "INCRBYFLOAT f 0.1", "0.1")
	w.want("A", "INCRBYFLOAT f 0.1", "0.2")
	w.want("A", "INCRBYFLOAT f 0.1", "0.3")
	w.expect("f", "0.3")
}

// "APPEND, SETRANGE, ... whole-value LWW writes on the base (concurrent
// APPENDs: one wins, as for any string write)."
func TestSemantics1_ConcurrentAppendsOneWins(t *testing.T) {
	w := newScript(t, "A", "B")
	w.do("A", "SET s x")
	w.sync()
	w.wall("A", 9000)
	w.wall("B", 8000)
	w.want("A", "APPEND s a", "2")
	w.want("B", "APPEND s b", "2")
	w.sync()
	w.expect("s", "xa")
}

// "DEL concurrent with INCR: the DEL removes what it observed; the
// unobserved increment survives as the value. c=4; A: DEL c, B: INCRBY c 2
// → both read 2."
func TestSemantics1_DelConcurrentWithIncr(t *testing.T) {
	for _, start := range []string{"A: SET c 4", "A: INCRBY c 4", "B: INCRBY c 4"} {
		t.Run(start, func(t *testing.T) {
			w := newScript(t, "A", "B")
			who, cmd, _ := strings.Cut(start, ": ")
			w.do(who, cmd)
			w.sync()
			w.want("A", "DEL c", "1")
			w.want("B", "INCRBY c 2", "6")
			w.sync()
			w.expect("c", "2")
		})
	}
}

// "DEL concurrent with SET: the SET survives."
func TestSemantics1_DelConcurrentWithSet(t *testing.T) {
	w := newScript(t, "A", "B")
	w.do("A", "SET k v")
	w.sync()
	w.wall("A", 9000) // the DEL is even stamped later
	w.do("A", "DEL k")
	w.do("B", "SET k w")
	w.sync()
	w.expect("k", "w")
}

// A DEL that observed everything removes the key everywhere, and a DEL
// that observed increments removes exactly those.
func TestSemantics1_DelRemovesWhatItObserved(t *testing.T) {
	w := newScript(t, "A", "B")
	w.do("A", "SET k v")
	w.do("A", "INCRBY c 5")
	w.sync()
	w.want("B", "DEL k", "1")
	w.want("B", "DEL c", "1")
	w.sync()
	w.expect("k", "(nil)")
	w.expect("c", "(nil)")
	w.want("A", "INCR c", "1")
	w.sync()
	w.expect("c", "1")
}

// --- Section 7: expiry -------------------------------------------------------

// "Concurrent EXPIREs: the longest TTL wins."
func TestSemantics7_ConcurrentExpiresLongestWins(t *testing.T) {
	w := newScript(t, "A", "B")
	w.do("A", "SET k v")
	w.sync()
	w.wall("A", 9000) // the shorter one is even stamped later
	w.want("A", "PEXPIREAT k 5000000", "1")
	w.want("B", "PEXPIREAT k 7000000", "1")
	w.sync()
	w.expectDeadline("k", 7000000)
	w.expect("k", "v")
}

// "PERSIST ... counts as an infinite TTL and wins over any concurrent
// finite one."
func TestSemantics7_PersistBeatsConcurrentFiniteTTL(t *testing.T) {
	w := newScript(t, "A", "B")
	w.do("A", "SET k v PXAT 5000000")
	w.sync()
	w.want("A", "PERSIST k", "1")
	w.wall("B", 9000) // the TTL is even stamped later
	w.want("B", "PEXPIREAT k 7000000", "1")
	w.sync()
	w.expectDeadline("k", 0)
}

// "... and a SET without KEEPTTL, count as an infinite TTL and win over any
// concurrent finite one."
func TestSemantics7_SetWithoutKeepTTLBeatsConcurrentFiniteTTL(t *testing.T) {
	w := newScript(t, "A", "B")
	w.do("A", "SET k v")
	w.sync()
	w.do("A", "SET k v2")
	w.wall("B", 9000)
	w.want("B", "PEXPIREAT k 7000000", "1")
	w.sync()
	w.expectDeadline("k", 0)
	w.expect("k", "v2")
}

// A SET with KEEPTTL does not touch the TTL, so a concurrent EXPIRE stands.
func TestSemantics7_SetKeepTTLLeavesConcurrentTTL(t *testing.T) {
	w := newScript(t, "A", "B")
	w.do("A", "SET k v")
	w.sync()
	w.do("A", "SET k v2 KEEPTTL")
	w.want("B", "PEXPIREAT k 7000000", "1")
	w.sync()
	w.expectDeadline("k", 7000000)
	w.expect("k", "v2")
}

// "A causally later EXPIRE replaces the TTL, shorter or longer, as in
// Redis."
func TestSemantics7_CausallyLaterExpireReplaces(t *testing.T) {
	for _, tc := range []struct {
		name         string
		first, later int64
	}{{"shorter", 7000000, 5000000}, {"longer", 5000000, 7000000}} {
		t.Run(tc.name, func(t *testing.T) {
			w := newScript(t, "A", "B")
			w.do("A", "SET k v PXAT "+strconv.FormatInt(tc.first, 10))
			w.sync()
			w.want("B", "PEXPIREAT k "+strconv.FormatInt(tc.later, 10), "1")
			w.sync()
			w.expectDeadline("k", tc.later)
		})
	}
}

// A causally later SET with a TTL, or without one, replaces the TTL too.
func TestSemantics7_CausallyLaterSetReplacesTTL(t *testing.T) {
	w := newScript(t, "A", "B")
	w.do("A", "SET k v PXAT 7000000")
	w.sync()
	w.do("B", "SET k v2 PXAT 5000000")
	w.sync()
	w.expectDeadline("k", 5000000)
	w.do("A", "SET k v3")
	w.sync()
	w.expectDeadline("k", 0)
}

// "TTLs replicate as absolute deadlines."
func TestSemantics7_TTLReplicatesAsAbsoluteDeadline(t *testing.T) {
	w := newScript(t, "A", "B")
	w.wall("B", 123456) // a different clock must not shift the deadline
	w.do("A", "SET k v PXAT 5000000")
	w.sync()
	w.expectDeadline("k", 5000000)
}

// --- Section 8: keys ---------------------------------------------------------

// "DEL/UNLINK: observed-remove": a DEL removes the write it saw, not a
// later one of another region it had not seen.
func TestSemantics8_DelIsObservedRemove(t *testing.T) {
	w := newScript(t, "A", "B")
	w.do("A", "SET k v1")
	w.sync()
	w.do("A", "SET k v2") // not yet seen by B
	w.wall("B", 9000)
	w.want("B", "DEL k", "1")
	w.sync()
	w.expect("k", "v2")
}
