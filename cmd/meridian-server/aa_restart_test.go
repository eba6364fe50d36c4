package main

import (
	"testing"
	"time"

	"github.com/meridiandb/meridian/tools/chaoslink"
)

// TestAAEarlierRunWriteArrivingLateIsDroppedEverywhere: a region writes a
// hash field that reaches no peer (its links are cut, the bytes held in the
// network), is killed and restarted empty; its new run gathers its peers'
// data. Only then does one peer receive the dead run's write. The key's TTL
// belongs to a third region, which deletes what it observed at the
// deadline. Every region must end the same: the late write came after the
// new run had taken that peer's data, so it can reach no other region and
// must be dropped, not kept by the one peer that got it (the convergence
// checker once found hash:0 absent in four regions and holding the dead
// run's fields, with no TTL, in the fifth).
func TestAAEarlierRunWriteArrivingLateIsDroppedEverywhere(t *testing.T) {
	d := startAA(t, 3)
	mustAA(t, d.c[2], "hset", "h", "base", "1")
	d.settle(t)
	// Region 1's writes from now on reach neither peer: regions 2 and 3
	// pull them through links that hold every byte.
	d.Link(1, 0).Cut(chaoslink.Both)
	d.Link(2, 0).Cut(chaoslink.Both)
	mustAA(t, d.c[0], "hset", "h", "late", "x")
	time.Sleep(100 * time.Millisecond) // the write is on its way, held in the links
	d.Kill(0)
	// Region 3 never gets it: its link resets, losing what it held.
	d.Link(2, 0).ResetAll()
	d.Link(2, 0).Heal()
	if err := d.Restart(0); err != nil {
		t.Fatal(err)
	}
	// The new run takes writes once it holds both peers' data (it pulled
	// from region 2 through a link that was never cut).
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, err := do(d.c[0], "set", "probe", "1"); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("the restarted region still refuses writes: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	want(t, d.c[0], "[base 1]", "hgetall", "h")
	// Region 3 owns the TTL: at the deadline it deletes what it observed.
	mustAA(t, d.c[2], "pexpire", "h", 400)
	// Region 2's link from region 1 heals: the dead run's held write
	// arrives there now, after the new run took region 2's data.
	d.HealAll()
	time.Sleep(600 * time.Millisecond)
	d.settle(t)
	for i := range d.Regions {
		want(t, d.c[i], "0", "exists", "h")
		want(t, d.c[i], "1", "get", "probe")
	}
}

// TestAAEarlierRunWriteReachesARegionRestartedMeanwhile: region 1 writes
// w, which reaches region 2 only after region 3, restarted empty, has taken
// region 2's data; then region 1 is killed and restarted. Region 3 can get
// w neither from region 1's dead run nor from region 2's stream (its own
// writes only), and region 1's new run may serve region 3 before it has
// gathered w: so region 2, once it sees region 1's new run, sends its other
// peers every partition whole again (w stayed out of region 3 for good
// before).
func TestAAEarlierRunWriteReachesARegionRestartedMeanwhile(t *testing.T) {
	d := startAA(t, 3)
	mustAA(t, d.c[0], "sadd", "s", "base")
	d.settle(t)
	d.Kill(2)
	d.Link(1, 0).Cut(chaoslink.Both) // region 2 pulls region 1 through it: w waits there
	d.Link(2, 0).Cut(chaoslink.Both) // region 3 will not reach region 1's first run
	mustAA(t, d.c[0], "sadd", "s", "w")
	if err := d.Restart(2); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "region 3 to take region 2's data", func() bool {
		v, err := d.client(t, 2, 0).SMembers(ctx(), "s").Result()
		return err == nil && len(v) == 1
	})
	d.Kill(0)
	d.Link(1, 0).Heal() // the dead run's w reaches region 2 now
	waitFor(t, "w to reach region 2", func() bool {
		ok, err := d.c[1].SIsMember(ctx(), "s", "w").Result()
		return err == nil && ok
	})
	d.Link(0, 1).Cut(chaoslink.Both) // region 1's new run cannot gather from region 2 yet
	if err := d.Restart(0); err != nil {
		t.Fatal(err)
	}
	d.Link(2, 0).Heal() // region 3 asks region 1's new run for its data
	time.Sleep(500 * time.Millisecond)
	d.HealAll()
	d.settle(t)
	for i := range d.Regions {
		want(t, d.c[i], "2", "scard", "s")
		want(t, d.c[i], "1", "sismember", "s", "w")
	}
}
