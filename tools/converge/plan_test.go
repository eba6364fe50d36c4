package converge

import (
	"testing"
	"time"
)

// A plan is a function of its seed: the same seed gives the same faults,
// which is what makes "rerun with --seed" meaningful.
func TestPlanDeterministic(t *testing.T) {
	for seed := int64(1); seed < 50; seed++ {
		a := NewPlan(seed, 3, 2, 3*time.Second, true).String()
		b := NewPlan(seed, 3, 2, 3*time.Second, true).String()
		if a != b {
			t.Fatalf("seed %d gives two plans:\n%s\n%s", seed, a, b)
		}
	}
}

// The invariants Run relies on: steps in time order within the schedule,
// valid region indexes, at most one region down at a time, every kill
// restarted before the end, no kills unless allowed, and kills in some
// but not all schedules when allowed.
func TestPlanInvariants(t *testing.T) {
	const d = 2 * time.Second
	withKills := 0
	for seed := int64(0); seed < 500; seed++ {
		n := 2 + int(seed%4)
		allow := seed%3 != 0
		p := NewPlan(seed, n, 2, d, allow)
		if p.Kills {
			withKills++
			if !allow {
				t.Fatalf("seed %d kills without being allowed", seed)
			}
		}
		dead := -1
		var last time.Duration
		kills := 0
		for _, s := range p.Steps {
			if s.At < last || s.At > d {
				t.Fatalf("seed %d: step %s out of order or past the end", seed, s)
			}
			last = s.At
			oneRegion := s.Kind == FaultIsolate || s.Kind == FaultKill || s.Kind == FaultRestart || s.Kind == FaultHealAll
			if s.I >= n || s.J >= n || (s.I < 0 && s.Kind != FaultDelay) || (!oneRegion && s.I == s.J) {
				t.Fatalf("seed %d: step %s names bad regions", seed, s)
			}
			switch s.Kind {
			case FaultKill:
				kills++
				if dead >= 0 {
					t.Fatalf("seed %d: %s while r%d is down", seed, s, dead+1)
				}
				dead = s.I
			case FaultRestart:
				if dead != s.I {
					t.Fatalf("seed %d: %s of a region that is not down", seed, s)
				}
				dead = -1
			}
		}
		if dead >= 0 {
			t.Fatalf("seed %d: r%d never restarted:\n%s", seed, dead+1, p)
		}
		if p.Kills && kills == 0 {
			t.Fatalf("seed %d: a killing schedule without a kill:\n%s", seed, p)
		}
	}
	if withKills < 100 || withKills > 300 {
		t.Fatalf("%d of 500 schedules kill", withKills)
	}
}
