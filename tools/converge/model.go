package converge

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Class is the kind of key a judged write touches. Each class restricts
// its writes so that the final state is decidable from the outcomes of
// the writes alone, whatever was concurrent with what:
//
//   - Counters are only ever incremented by positive amounts: concurrent
//     increments add up (SEMANTICS.md 1, 2, 4), so the final value is the
//     sum of the increments that happened, and an increment whose outcome
//     is unknown widens the allowed range upwards only.
//   - Members and elements are unique per write (a name no other write
//     uses), so an add has exactly one dot, and a remove of a member that
//     its region had observed covers that dot: observed-remove with no
//     concurrent add of the same member to win over it (SEMANTICS.md 3).
type Class uint8

// The judged classes; the name prefix of their keys is in classPrefix.
const (
	Counter     Class = iota // INCRBY of positive amounts only
	HashCounter              // HINCRBY of positive amounts on a few fields
	ZsetCounter              // ZINCRBY of positive whole amounts on a few members
	GrowSet                  // SADD of unique members only
	RemoveSet                // SADD of unique members, SREM of observed members, DEL
	PushList                 // LPUSH and RPUSH of unique elements only
	numClasses
)

var classPrefix = [numClasses]string{"ctr", "hctr", "zctr", "gset", "rset", "plist"}

// Prefix is the key name prefix of the class ("ctr" for "ctr:3").
func (c Class) Prefix() string { return classPrefix[c] }

// Op is what a judged write does.
type Op uint8

// The judged operations.
const (
	OpIncr   Op = iota // INCRBY, HINCRBY, ZINCRBY
	OpAdd              // SADD of one unique member
	OpRemove           // SREM of one observed member
	OpDelKey           // DEL of the whole key
	OpPush             // LPUSH or RPUSH of one unique element
)

// Outcome is what the checker knows about a write.
type Outcome uint8

// Outcomes. Only Acked writes are promised; MaybeLost and Unknown ones may
// or may not be in the final state; Failed ones must not be.
const (
	Pending   Outcome = iota // sent, no reply yet
	Acked                    // acknowledged by a region that kept it (never killed since, or AA WAIT confirmed it first)
	MaybeLost                // acknowledged by a region killed before AA WAIT confirmed it
	Unknown                  // no reply: a timeout or a dropped connection
	Failed                   // an error reply: Redis did not execute it
)

// Write is one judged write, as the workload made it.
type Write struct {
	Class  Class
	Op     Op
	Key    string
	Member string // hash field, zset member, set member or list element; "" for Counter
	Amount int64  // increments only
	Region int    // 0-based index of the region it was sent to
	// Sent is when, from the start of the workload: violations show it,
	// so that a lost write can be placed among the faults of events.log.
	Sent time.Duration

	epoch     int // the region's incarnation when the write was sent
	outcome   Outcome
	confirmed bool // AA WAIT confirmed it reached every region
}

// describe says where a write went and what became of it.
func (w *Write) describe() string {
	s := fmt.Sprintf("sent to r%d at +%.3fs (run %d of r%d)", w.Region+1, w.Sent.Seconds(), w.epoch+1, w.Region+1)
	switch {
	case w.confirmed:
		s += ", acknowledged and confirmed by AA WAIT"
	case w.outcome == Acked:
		s += ", acknowledged, not confirmed by AA WAIT, its region never killed after it"
	case w.outcome == MaybeLost:
		s += ", acknowledged, then its region was killed before AA WAIT confirmed it"
	}
	return s
}

// Model records every judged write and its outcome, and knows which
// acknowledged writes a region kill may have taken away. It does no I/O;
// every method is safe for any goroutine.
//
// Bookkeeping of kills: each region has an epoch, bumped when it is
// killed. A write remembers the epoch it was sent in; an acknowledgement
// that arrives in a later epoch may have come from the killed process, so
// it counts as MaybeLost. Acknowledged writes wait in their region's
// pending list until AA WAIT confirms them (they then reached every other
// region and survive the loss of this one) or the region is killed (they
// become MaybeLost).
type Model struct {
	mu        sync.Mutex
	epoch     []int
	pending   [][]*Write // per region: acknowledged, not yet confirmed, in acknowledgement order
	writes    []*Write
	confirmed int
}

// NewModel is an empty model of a database of n regions.
func NewModel(n int) *Model {
	return &Model{epoch: make([]int, n), pending: make([][]*Write, n)}
}

// Begin records a write about to be sent.
func (m *Model) Begin(w *Write) {
	m.mu.Lock()
	w.epoch = m.epoch[w.Region]
	w.outcome = Pending
	m.writes = append(m.writes, w)
	m.mu.Unlock()
}

// Ack records a write's acknowledgement.
func (m *Model) Ack(w *Write) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.epoch[w.Region] != w.epoch {
		w.outcome = MaybeLost
		return
	}
	w.outcome = Acked
	m.pending[w.Region] = append(m.pending[w.Region], w)
}

// Fail records a write that got no acknowledgement: definite is an error
// reply (not executed), otherwise the outcome is unknown.
func (m *Model) Fail(w *Write, definite bool) {
	m.mu.Lock()
	if definite {
		w.outcome = Failed
	} else {
		w.outcome = Unknown
	}
	m.mu.Unlock()
}

// Killed records that region r was killed: call it after the process is
// dead, so that nothing acknowledged later can have come from it while
// carrying the new epoch.
func (m *Model) Killed(r int) {
	m.mu.Lock()
	m.epoch[r]++
	for _, w := range m.pending[r] {
		w.outcome = MaybeLost
	}
	m.pending[r] = nil
	m.mu.Unlock()
}

// Point is a region's acknowledged writes up to some moment.
type Point struct {
	Region, epoch, n int
}

// Empty reports that nothing waits for confirmation at the point.
func (p Point) Empty() bool { return p.n == 0 }

// ConfirmPoint is region r's acknowledged writes so far: take it before
// sending AA WAIT to r, so that every write it names was applied at r
// before AA WAIT arrived (its reply had come back).
func (m *Model) ConfirmPoint(r int) Point {
	m.mu.Lock()
	defer m.mu.Unlock()
	return Point{Region: r, epoch: m.epoch[r], n: len(m.pending[r])}
}

// Confirm records that AA WAIT, sent after p was taken, reported that
// every other region had received r's writes: they survive r's death.
// Nothing happens if r was killed meanwhile.
func (m *Model) Confirm(p Point) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.epoch[p.Region] != p.epoch || p.n > len(m.pending[p.Region]) {
		return
	}
	m.confirmed += p.n
	for _, w := range m.pending[p.Region][:p.n] {
		w.confirmed = true
	}
	m.pending[p.Region] = append([]*Write(nil), m.pending[p.Region][p.n:]...)
}

// Counts is how many judged writes ended in each outcome.
type Counts struct {
	Writes, Acked, Confirmed, MaybeLost, Unknown, Failed, Pending int
}

// Counts tallies the outcomes so far.
func (m *Model) Counts() Counts {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := Counts{Writes: len(m.writes), Confirmed: m.confirmed}
	for _, w := range m.writes {
		switch w.outcome {
		case Acked:
			c.Acked++
		case MaybeLost:
			c.MaybeLost++
		case Unknown:
			c.Unknown++
		case Failed:
			c.Failed++
		default:
			c.Pending++
		}
	}
	return c
}

// Violation is one broken promise found by a check.
type Violation struct {
	Kind   string // one of the Violation* constants
	Region int    // 0-based; -1 when it is not about one region
	Key    string
	Member string
	Detail string
}

// Kinds of violation.
const (
	ViolationLost        = "lost-write"         // an acknowledged write is missing
	ViolationResurrected = "resurrected"        // an observed, acknowledged remove was undone
	ViolationPhantom     = "phantom"            // state that no write made (or more than was written)
	ViolationDuplicate   = "duplicate"          // a pushed element appears more than once
	ViolationBadValue    = "bad-value"          // a judged key has a value of the wrong form
	ViolationTombstones  = "tombstones-pending" // tombstones not collected after quiet
	ViolationCrash       = "crash"              // a region died, or logged a panic or a race
	ViolationDivergence  = "divergence"         // regions do not agree after quiet
	ViolationStuck       = "replication-stuck"  // AA WAIT never reported every region after healing
)

func (v Violation) String() string {
	where := "all regions"
	if v.Region >= 0 {
		where = fmt.Sprintf("r%d", v.Region+1)
	}
	what := v.Key
	if v.Member != "" {
		what += " " + v.Member
	}
	if what != "" {
		what = " " + what
	}
	return fmt.Sprintf("%s at %s:%s: %s", v.Kind, where, what, v.Detail)
}

// Expect is what the model allows each judged key to hold, computed once
// the workload has stopped.
type Expect struct {
	counters map[string]map[string]*bounds // key -> member ("" for Counter) -> bounds
	sets     map[string]*setExpect
	lists    map[string]*listExpect
	class    map[string]Class
}

// bounds: the value must lie in [lower, lower+maybe].
type bounds struct {
	lower, maybe int64 // maybe: increments that may or may not have happened
	acked        int
}

type setExpect struct {
	added    map[string]*Write // each unique member's one SADD
	removed  map[string]*Write // an acknowledged SREM that kept its ack (the member must be gone)
	touched  map[string]bool   // any SREM not known to have failed (presence no longer promised)
	keyDeled bool              // a DEL not known to have failed (presence no longer promised)
}

type listExpect struct {
	pushed map[string]*Write
}

// Expectations snapshots the model into what each key may hold. Writes
// still Pending (none, once the workload has stopped) count as Unknown.
func (m *Model) Expectations() *Expect {
	m.mu.Lock()
	defer m.mu.Unlock()
	e := &Expect{counters: map[string]map[string]*bounds{}, sets: map[string]*setExpect{},
		lists: map[string]*listExpect{}, class: map[string]Class{}}
	for _, w := range m.writes {
		e.class[w.Key] = w.Class
		if w.outcome == Pending {
			w.outcome = Unknown
		}
		out := w.outcome
		switch w.Class {
		case Counter, HashCounter, ZsetCounter:
			mm := e.counters[w.Key]
			if mm == nil {
				mm = map[string]*bounds{}
				e.counters[w.Key] = mm
			}
			b := mm[w.Member]
			if b == nil {
				b = &bounds{}
				mm[w.Member] = b
			}
			switch out {
			case Acked:
				b.lower += w.Amount
				b.acked++
			case MaybeLost, Unknown:
				b.maybe += w.Amount
			}
		case GrowSet, RemoveSet:
			s := e.sets[w.Key]
			if s == nil {
				s = &setExpect{added: map[string]*Write{}, removed: map[string]*Write{}, touched: map[string]bool{}}
				e.sets[w.Key] = s
			}
			switch w.Op {
			case OpAdd:
				s.added[w.Member] = w
			case OpRemove:
				if out != Failed {
					s.touched[w.Member] = true
				}
				if out == Acked {
					s.removed[w.Member] = w
				}
			case OpDelKey:
				if out != Failed {
					s.keyDeled = true
				}
			}
		case PushList:
			l := e.lists[w.Key]
			if l == nil {
				l = &listExpect{pushed: map[string]*Write{}}
				e.lists[w.Key] = l
			}
			l.pushed[w.Member] = w
		}
	}
	return e
}

// Target is one judged key to read from every region.
type Target struct {
	Class Class
	Key   string
}

// Targets lists the judged keys, sorted.
func (e *Expect) Targets() []Target {
	ts := make([]Target, 0, len(e.class))
	for k, c := range e.class {
		ts = append(ts, Target{Class: c, Key: k})
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Key < ts[j].Key })
	return ts
}

// Observed is what one region holds for the judged keys: for counter
// classes the raw reply strings per member (GET: member ""; HGETALL;
// ZRANGE WITHSCORES), for sets the members, for lists the elements in
// order. A key absent from the maps is absent from the region.
type Observed struct {
	Region   int
	Counters map[string]map[string]string
	Sets     map[string][]string
	Lists    map[string][]string
}

// Check judges one region's state against the model.
func (e *Expect) Check(obs *Observed) []Violation {
	var out []Violation
	add := func(kind, key, member, format string, args ...any) {
		out = append(out, Violation{Kind: kind, Region: obs.Region, Key: key, Member: member, Detail: fmt.Sprintf(format, args...)})
	}
	for _, t := range e.Targets() {
		switch t.Class {
		case Counter, HashCounter, ZsetCounter:
			want := e.counters[t.Key]
			got := obs.Counters[t.Key]
			for _, member := range sortedKeys(want) {
				b := want[member]
				raw, present := got[member]
				var v int64
				if present {
					var ok bool
					if v, ok = parseWhole(raw, t.Class == ZsetCounter); !ok {
						add(ViolationBadValue, t.Key, member, "value %q is not a whole number", raw)
						continue
					}
				}
				switch {
				case v < b.lower:
					add(ViolationLost, t.Key, member, "value %d below the %d acknowledged increments' sum %d (%d more may or may not have happened)",
						v, b.acked, b.lower, b.maybe)
				case v > b.lower+b.maybe:
					add(ViolationPhantom, t.Key, member, "value %d above every increment ever sent: acknowledged %d, unknown or maybe lost %d",
						v, b.lower, b.maybe)
				}
			}
			for _, member := range sortedKeys(got) {
				if _, ok := want[member]; !ok {
					add(ViolationPhantom, t.Key, member, "never written, holds %q", got[member])
				}
			}
		case GrowSet, RemoveSet:
			s := e.sets[t.Key]
			present := map[string]bool{}
			for _, m := range obs.Sets[t.Key] {
				present[m] = true
				w, ok := s.added[m]
				switch {
				case !ok || w.outcome == Failed:
					add(ViolationPhantom, t.Key, m, "member present but never added (or its SADD failed)")
				case s.removed[m] != nil:
					add(ViolationResurrected, t.Key, m, "member present after an acknowledged SREM that had observed it: SADD %s; SREM %s",
						w.describe(), s.removed[m].describe())
				}
			}
			for _, m := range sortedKeys(s.added) {
				w := s.added[m]
				if w.outcome == Acked && !s.touched[m] && !s.keyDeled && !present[m] {
					add(ViolationLost, t.Key, m, "SADD missing (never removed, key never deleted): %s", w.describe())
				}
			}
		case PushList:
			l := e.lists[t.Key]
			count := map[string]int{}
			for _, el := range obs.Lists[t.Key] {
				count[el]++
			}
			for _, el := range sortedKeys(count) {
				w, ok := l.pushed[el]
				switch {
				case !ok || w.outcome == Failed:
					add(ViolationPhantom, t.Key, el, "element present but never pushed (or its push failed)")
				case count[el] > 1:
					add(ViolationDuplicate, t.Key, el, "element pushed once appears %d times: %s", count[el], w.describe())
				}
			}
			for _, el := range sortedKeys(l.pushed) {
				if w := l.pushed[el]; w.outcome == Acked && count[el] == 0 {
					add(ViolationLost, t.Key, el, "push missing: %s", w.describe())
				}
			}
		}
	}
	return out
}

// parseWhole reads an integer reply, or for a score a float that must be
// whole (increments are whole and below 2^53, so float sums stay exact).
func parseWhole(s string, score bool) (int64, bool) {
	if !score {
		v, err := strconv.ParseInt(s, 10, 64)
		return v, err == nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int64(f), true
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
