package core_test

import (
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// realisticMs bounds wall times to what a clock can read (up to year
// ~6400), leaving the 48-bit millisecond field room to carry into.
const realisticMs = int64(1) << 47

// TestClock_NowStrictlyIncreasing: whatever the wall clock does (stand
// still, jump back, jump ahead) and whatever is observed, every Now is
// greater than every earlier Now and every earlier Observe, and never
// below the wall clock.
func TestClock_NowStrictlyIncreasing(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var c core.Clock
		wall := rapid.Int64Range(0, realisticMs).Draw(t, "wall0")
		var last core.Timestamp
		for i, n := 0, rapid.IntRange(1, 200).Draw(t, "steps"); i < n; i++ {
			switch rapid.IntRange(0, 3).Draw(t, "what") {
			case 0: // observe a remote timestamp, before or after ours
				ts := core.MakeTimestamp(rapid.Int64Range(0, realisticMs).Draw(t, "obsms"), rapid.Uint16().Draw(t, "obslog"))
				c.Observe(ts)
				if ts > last {
					last = ts
				}
			case 1: // wall clock goes back
				wall -= rapid.Int64Range(0, 10_000).Draw(t, "back")
				if wall < 0 {
					wall = 0
				}
			default: // wall clock stands still or goes on
				wall += rapid.Int64Range(0, 3).Draw(t, "fwd")
			}
			now := c.Now(wall)
			if now <= last {
				t.Fatalf("Now(%d) = %d (%d ms), not after %d (%d ms)", wall, now, now.Millis(), last, last.Millis())
			}
			if now < core.MakeTimestamp(wall, 0) {
				t.Fatalf("Now(%d) = %d is behind the wall clock", wall, now)
			}
			if c.Last() != now {
				t.Fatalf("Last = %d after Now returned %d", c.Last(), now)
			}
			last = now
		}
	})
}

// TestClock_ManyWritesInOneMillisecond: more writes in one millisecond than
// the logical counter holds still get strictly increasing stamps.
func TestClock_ManyWritesInOneMillisecond(t *testing.T) {
	var c core.Clock
	prev := c.Now(5000)
	for i := 0; i < 70_000; i++ {
		now := c.Now(5000)
		if now <= prev {
			t.Fatalf("write %d: %d not after %d", i, now, prev)
		}
		prev = now
	}
}

// TestClock_ObserveThenNow: after observing t, Now is greater than t even
// with a wall clock far behind, and Observe of an older stamp changes
// nothing.
func TestClock_ObserveThenNow(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var c core.Clock
		c.Now(rapid.Int64Range(0, realisticMs).Draw(t, "first"))
		ts := core.MakeTimestamp(rapid.Int64Range(0, realisticMs).Draw(t, "ms"), rapid.Uint16().Draw(t, "logical"))
		c.Observe(ts)
		before := c.Last()
		c.Observe(ts / 2)
		if c.Last() != before {
			t.Fatalf("observing an older stamp moved the clock from %d to %d", before, c.Last())
		}
		if now := c.Now(rapid.Int64Range(0, realisticMs).Draw(t, "wall")); now <= ts {
			t.Fatalf("Now = %d not after observed %d", now, ts)
		}
	})
}

// TestTimestamp_Parts: the millisecond and logical parts round-trip and
// the integer order is (ms, logical) order.
func TestTimestamp_Parts(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ms1, ms2 := rapid.Int64Range(0, realisticMs).Draw(t, "ms1"), rapid.Int64Range(0, realisticMs).Draw(t, "ms2")
		l1, l2 := rapid.Uint16().Draw(t, "l1"), rapid.Uint16().Draw(t, "l2")
		a, b := core.MakeTimestamp(ms1, l1), core.MakeTimestamp(ms2, l2)
		if a.Millis() != ms1 {
			t.Fatalf("Millis(MakeTimestamp(%d, %d)) = %d", ms1, l1, a.Millis())
		}
		if want := ms1 < ms2 || (ms1 == ms2 && l1 < l2); (a < b) != want {
			t.Fatalf("order of (%d,%d) < (%d,%d) = %v", ms1, l1, ms2, l2, a < b)
		}
	})
}

type stamped struct {
	ts core.Timestamp
	r  core.ReplicaID
}

// TestLWWLater_StrictTotalOrder: LWWLater is irreflexive, asymmetric,
// transitive and total on distinct (timestamp, replica) pairs, so every
// region picks the same winner among any set of concurrent writes.
func TestLWWLater_StrictTotalOrder(t *testing.T) {
	gen := rapid.Custom(func(t *rapid.T) stamped {
		// Few distinct values, so ties are common.
		return stamped{core.Timestamp(rapid.Uint64Range(0, 3).Draw(t, "ts")), core.ReplicaID(rapid.Uint8Range(0, 3).Draw(t, "r"))}
	})
	later := func(a, b stamped) bool { return core.LWWLater(a.ts, a.r, b.ts, b.r) }
	rapid.Check(t, func(t *rapid.T) {
		a, b, c := gen.Draw(t, "a"), gen.Draw(t, "b"), gen.Draw(t, "c")
		if later(a, a) {
			t.Fatalf("%v later than itself", a)
		}
		if a != b && later(a, b) == later(b, a) {
			t.Fatalf("%v and %v: later both ways or neither (%v)", a, b, later(a, b))
		}
		if later(a, b) && later(b, c) && !later(a, c) {
			t.Fatalf("not transitive: %v > %v > %v", a, b, c)
		}
		if a.ts != b.ts && later(a, b) != (a.ts > b.ts) {
			t.Fatalf("%v vs %v: the larger timestamp must win", a, b)
		}
		if a.ts == b.ts && a.r != b.r && later(a, b) != (a.r < b.r) {
			t.Fatalf("%v vs %v: a tie goes to the smaller replica id", a, b)
		}
	})
}
