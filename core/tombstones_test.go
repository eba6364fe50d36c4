package core

import "testing"

// TestFreshSumAfterCollection: r0's counter is deleted everywhere; r0
// collects the tombstone and increments again (a sum from zero) before r1
// has collected its copy: r1 must read the new sum, not the new sum minus
// the old removal.
func TestFreshSumAfterCollection(t *testing.T) {
	var d Delta
	a, b := &Entry{Retain: true}, &Entry{Retain: true}
	if _, err := a.IncrBy(&d, Dot{0, 1}, 1, 5); err != nil {
		t.Fatal(err)
	}
	b.Apply(&d)
	a.Delete(&d, Dot{0, 2}, 2)
	b.Apply(&d)
	// r0 collected its tombstone: it starts over.
	a = &Entry{Retain: true}
	if _, err := a.IncrBy(&d, Dot{0, 3}, 3, 2); err != nil {
		t.Fatal(err)
	}
	if d.Flags&FlagFresh == 0 {
		t.Fatal("a sum from nothing is not marked fresh")
	}
	b.Apply(&d)
	for name, e := range map[string]*Entry{"r0": a, "r1": b} {
		if v, _ := e.Value(nil); string(v) != "2" {
			t.Fatalf("%s reads %q, want 2", name, v)
		}
	}
}
