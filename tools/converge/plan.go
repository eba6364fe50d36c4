package converge

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/meridiandb/meridian/tools/chaoslink"
)

// FaultKind names one kind of schedule step.
type FaultKind string

// The steps a schedule is made of. Links are named as tools/regions does:
// link i<-j is the one region i pulls region j's writes through, so cutting
// its Backward direction stops j's deltas reaching i while i's beats still
// reach j, and cutting Forward does the reverse (the asymmetric partitions
// that a symmetric-only test would never produce).
const (
	FaultCutLink   FaultKind = "cut-link"  // one link, one or both directions
	FaultCutPair   FaultKind = "cut-pair"  // both links between two regions, both directions
	FaultIsolate   FaultKind = "isolate"   // every link of one region
	FaultDelay     FaultKind = "delay"     // latency with jitter on one link, or on all (I = -1)
	FaultBandwidth FaultKind = "bandwidth" // a throughput cap on one link
	FaultReset     FaultKind = "reset"     // every connection of one link closed mid-stream
	FaultHealLink  FaultKind = "heal-link" // one link back to normal
	FaultHealAll   FaultKind = "heal-all"  // every link back to normal
	FaultKill      FaultKind = "kill"      // SIGKILL one region
	FaultRestart   FaultKind = "restart"   // start a killed region again, empty
)

// FaultKinds lists every kind in report order.
var FaultKinds = []FaultKind{FaultCutLink, FaultCutPair, FaultIsolate, FaultDelay, FaultBandwidth,
	FaultReset, FaultHealLink, FaultHealAll, FaultKill, FaultRestart}

// Step is one fault at an offset from the start of the workload. I and J
// are 0-based region indexes; for link faults the link is Link(I, J).
type Step struct {
	At     time.Duration
	Kind   FaultKind
	I, J   int
	Dir    chaoslink.Dir
	Delay  time.Duration
	Jitter time.Duration
	BPS    int64
}

// String renders a step with its planned offset, as plans are printed.
func (s Step) String() string {
	return fmt.Sprintf("+%.3fs %s", s.At.Seconds(), s.What())
}

// What renders a step without its offset (the events log prints the
// actual one).
func (s Step) What() string {
	link := fmt.Sprintf("r%d<-r%d", s.I+1, s.J+1)
	switch s.Kind {
	case FaultCutLink:
		return "cut-link " + link + " " + s.Dir.String()
	case FaultCutPair:
		return fmt.Sprintf("cut-pair r%d r%d", s.I+1, s.J+1)
	case FaultIsolate, FaultKill, FaultRestart:
		return fmt.Sprintf("%s r%d", s.Kind, s.I+1)
	case FaultDelay:
		if s.I < 0 {
			link = "all"
		}
		return fmt.Sprintf("delay %s %v jitter %v", link, s.Delay, s.Jitter)
	case FaultBandwidth:
		return fmt.Sprintf("bandwidth %s %d B/s", link, s.BPS)
	case FaultReset, FaultHealLink:
		return string(s.Kind) + " " + link
	}
	return string(s.Kind)
}

// Plan is one schedule: everything about it that is decided before it
// runs, derived from Seed alone so that it can be replayed.
type Plan struct {
	Seed     int64
	Regions  int
	Clients  int // per region
	Duration time.Duration
	// Compression is every region's --aa-compression.
	Compression string
	// Backlog is every region's --aa-backlog (0: the server's default).
	// A small one makes cut links fall out of the backlog, so full syncs
	// are exercised as well as partial ones.
	Backlog int64
	Kills   bool // this schedule kills and restarts regions
	Steps   []Step
}

// smallBacklog is 512 bytes per partition (256 partitions): a few deltas.
const smallBacklog = 256 * 512

var compressions = []string{"none", "s2", "zstd", "zstd:1"}

// NewPlan derives a schedule from seed. allowKill lets about half of the
// schedules kill regions (at most one region is down at a time, and each
// kill is followed by its restart within the schedule, so that "writes
// confirmed by AA WAIT survive" stays a statement about one failure).
func NewPlan(seed int64, regions, clients int, d time.Duration, allowKill bool) *Plan {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6d6572696469616e))
	p := &Plan{Seed: seed, Regions: regions, Clients: clients, Duration: d,
		Compression: compressions[rng.IntN(len(compressions))]}
	if rng.IntN(3) == 0 {
		p.Backlog = smallBacklog
	}
	p.Kills = allowKill && regions >= 2 && rng.IntN(2) == 0
	if regions < 2 {
		return p
	}
	dead := -1
	var restartAt time.Duration
	at := time.Duration(0)
	end := d * 9 / 10
	// A schedule that kills kills at least once: the first kill comes
	// no later than here, whatever the dice say.
	killBy := time.Duration(-1)
	if p.Kills {
		killBy = end / 10 * time.Duration(1+rng.IntN(5))
	}
	for {
		at += time.Duration(80+rng.IntN(400)) * time.Millisecond
		if dead >= 0 && at >= restartAt {
			p.Steps = append(p.Steps, Step{At: restartAt, Kind: FaultRestart, I: dead})
			dead = -1
		}
		if at >= end {
			break
		}
		i, j := pair(rng, regions)
		s := Step{At: at, I: i, J: j}
		r := rng.IntN(100)
		if killBy >= 0 && at >= killBy {
			r, killBy = 99, -1
		}
		switch {
		case r < 20:
			s.Kind = FaultCutLink
			s.Dir = []chaoslink.Dir{chaoslink.Forward, chaoslink.Backward, chaoslink.Both}[rng.IntN(3)]
		case r < 30:
			s.Kind = FaultCutPair
		case r < 37:
			s.Kind = FaultIsolate
		case r < 50:
			s.Kind = FaultDelay
			s.Delay = time.Duration(1+rng.IntN(150)) * time.Millisecond
			s.Jitter = time.Duration(rng.IntN(100)) * time.Millisecond
			if rng.IntN(4) == 0 {
				s.I = -1
			}
		case r < 58:
			s.Kind = FaultBandwidth
			s.BPS = int64(1+rng.IntN(64)) << 10
		case r < 70:
			s.Kind = FaultReset
		case r < 80:
			s.Kind = FaultHealLink
		case r < 90:
			s.Kind = FaultHealAll
		default:
			if !p.Kills || dead >= 0 {
				s.Kind = FaultReset
				break
			}
			s.Kind = FaultKill
			killBy = -1
			dead = i
			// Down for 0.2 to 1.2 s, but back before the schedule ends so
			// the restart's full sync happens under the same faults.
			restartAt = min(at+time.Duration(200+rng.IntN(1000))*time.Millisecond, end)
		}
		p.Steps = append(p.Steps, s)
	}
	if dead >= 0 {
		p.Steps = append(p.Steps, Step{At: restartAt, Kind: FaultRestart, I: dead})
	}
	return p
}

// pair picks two different regions.
func pair(rng *rand.Rand, n int) (int, int) {
	i := rng.IntN(n)
	j := rng.IntN(n - 1)
	if j >= i {
		j++
	}
	return i, j
}

// ServerArgs are the extra meridian-server arguments of every region.
func (p *Plan) ServerArgs() []string {
	args := []string{"--aa-compression", p.Compression}
	if p.Backlog > 0 {
		args = append(args, "--aa-backlog", fmt.Sprint(p.Backlog))
	}
	return args
}

// String renders the whole plan, one step a line.
func (p *Plan) String() string {
	var b strings.Builder
	backlog := "default"
	if p.Backlog > 0 {
		backlog = fmt.Sprint(p.Backlog)
	}
	fmt.Fprintf(&b, "seed %d: %d regions, %d clients each, %v, compression %s, backlog %s, kills %v, %d steps\n",
		p.Seed, p.Regions, p.Clients, p.Duration, p.Compression, backlog, p.Kills, len(p.Steps))
	for _, s := range p.Steps {
		b.WriteString("  " + s.String() + "\n")
	}
	return b.String()
}
