package converge

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Report is the outcome of a run of several schedules.
type Report struct {
	Options Options
	Seed    int64 // the first schedule's seed; schedule i has Seed+i
	Results []*Result
}

// Failed reports whether any schedule failed.
func (rp *Report) Failed() bool {
	for _, r := range rp.Results {
		if r.Failed() {
			return true
		}
	}
	return false
}

// Rerun is the command line that replays the schedule of one seed with
// the same options (the faults repeat exactly; the interleaving of the
// workload with them depends on timing).
func (o Options) Rerun(seed int64) string {
	o.defaults()
	s := fmt.Sprintf("go run ./cmd/meridian-converge --seed %d --schedules 1 --regions %d --clients %d --seconds %g --keys %d",
		seed, o.Regions, o.Clients, o.Duration.Seconds(), o.Keys)
	if o.Kill {
		s += " --kill"
	}
	if o.Rate > 0 {
		s += fmt.Sprintf(" --rate %d", o.Rate)
	}
	if len(o.Only) > 0 {
		s += " --only " + strings.Join(o.Only, ",")
	}
	return s + " --log-dir /tmp/meridian-converge"
}

// Line is a schedule's one-line summary.
func (r *Result) Line() string {
	status := "PASS"
	if r.Failed() {
		status = "FAIL"
	}
	faults := 0
	for _, n := range r.Faults {
		faults += n
	}
	s := fmt.Sprintf("seed %d %s: %d faults (%d kills), %d commands (%d ok, %d error replies, %d unknown)",
		r.Plan.Seed, status, faults, r.Faults[FaultKill], r.Ops.Sent, r.Ops.Acked, r.Ops.Errors, r.Ops.Unknown)
	if r.Converged {
		s += fmt.Sprintf(", converged in %v, tombstones collected in %v", r.ConvergeTime.Round(time.Millisecond), r.TombstoneTime.Round(time.Millisecond))
	} else if r.Err == nil {
		s += fmt.Sprintf(", NOT converged after %v (%d divergent keys)", r.ConvergeTime.Round(time.Millisecond), r.DivergentTotal)
	}
	if len(r.Violations) > 0 {
		s += fmt.Sprintf(", %d violations", len(r.Violations))
	}
	if r.Err != nil {
		s += ", error: " + r.Err.Error()
	}
	return s
}

// maxViolationLines bounds the violations printed per schedule.
const maxViolationLines = 50

// WriteDetail writes everything needed to reproduce and study a failed
// schedule.
func (r *Result) WriteDetail(w io.Writer, o Options) {
	fmt.Fprintf(w, "--- %s\n", r.Line())
	fmt.Fprintf(w, "rerun: %s\n", o.Rerun(r.Plan.Seed))
	if r.Dir != "" {
		fmt.Fprintf(w, "logs: %s (r<N>.log; plan.txt; events.log: faults at their actual times; violations.txt; divergent.txt: whole values; history.txt: every command sent to those keys)\n", r.Dir)
	}
	fmt.Fprintf(w, "plan: %s", r.Plan)
	fmt.Fprintf(w, "judged writes: %s\n", r.Judged)
	if len(r.Violations) > 0 {
		byKind := map[string]int{}
		for _, v := range r.Violations {
			where := "all"
			if v.Region >= 0 {
				where = fmt.Sprintf("r%d", v.Region+1)
			}
			byKind[v.Kind+" at "+where]++
		}
		var parts []string
		for _, k := range sortedKeys(byKind) {
			parts = append(parts, fmt.Sprintf("%s %d", k, byKind[k]))
		}
		fmt.Fprintf(w, "violations (%d: %s; all of them in violations.txt):\n", len(r.Violations), strings.Join(parts, ", "))
		for i, v := range r.Violations {
			if i == maxViolationLines {
				fmt.Fprintf(w, "  ... %d more\n", len(r.Violations)-i)
				break
			}
			fmt.Fprintf(w, "  %s\n", v)
		}
	}
	if r.DivergentTotal > 0 {
		fmt.Fprintf(w, "divergent keys (%d; final digests %v):\n", r.DivergentTotal, r.Digests)
		for _, d := range r.Divergent {
			fmt.Fprintf(w, "  %s\n", d.Key)
			for i, st := range d.Regions {
				fmt.Fprintf(w, "    r%d digest %s type %s pttl %d: %s\n", i+1, st.Digest, st.Type, st.PTTL, st.Value)
			}
		}
		if len(r.Divergent) < r.DivergentTotal {
			fmt.Fprintf(w, "  ... %d more\n", r.DivergentTotal-len(r.Divergent))
		}
	}
	if len(r.Links) > 0 {
		fmt.Fprintln(w, "links and tombstones at the end:")
		for _, l := range r.Links {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
}

// String renders the judged writes' outcomes.
func (c Counts) String() string {
	return fmt.Sprintf("%d sent: %d acknowledged (%d of them confirmed by AA WAIT), %d may be lost to a kill, %d unknown, %d failed",
		c.Writes, c.Acked, c.Confirmed, c.MaybeLost, c.Unknown+c.Pending, c.Failed)
}

// Write prints the report: totals over every schedule, then the detail
// of each failed one.
func (rp *Report) Write(w io.Writer) {
	o := rp.Options
	kills := "no kills"
	if o.Kill {
		kills = "kills allowed"
	}
	fmt.Fprintf(w, "\nmeridian-converge: %d schedules of %v, %d regions x %d clients, %d keys per family, %s, seeds %d..%d\n",
		len(rp.Results), o.Duration, o.Regions, o.Clients, o.Keys, kills, rp.Seed, rp.Seed+int64(max(len(rp.Results)-1, 0)))
	var ops OpCounts
	var judged Counts
	faults := map[FaultKind]int{}
	failed, notConverged, divergent := 0, 0, 0
	var conv, tomb []time.Duration
	kinds := map[string]int{}
	for _, r := range rp.Results {
		ops.add(&r.Ops)
		judged.Writes += r.Judged.Writes
		judged.Acked += r.Judged.Acked
		judged.Confirmed += r.Judged.Confirmed
		judged.MaybeLost += r.Judged.MaybeLost
		judged.Unknown += r.Judged.Unknown + r.Judged.Pending
		judged.Failed += r.Judged.Failed
		for k, n := range r.Faults {
			faults[k] += n
		}
		if r.Failed() {
			failed++
		}
		if r.Err == nil && !r.Converged {
			notConverged++
		}
		divergent += r.DivergentTotal
		if r.Converged {
			conv = append(conv, r.ConvergeTime)
			tomb = append(tomb, r.TombstoneTime)
		}
		for _, v := range r.Violations {
			kinds[v.Kind]++
		}
	}
	row := func(name, format string, args ...any) {
		fmt.Fprintf(w, "  %-22s %s\n", name+":", fmt.Sprintf(format, args...))
	}
	row("schedules", "%d run, %d failed", len(rp.Results), failed)
	row("operations", "%d sent: %d acknowledged, %d error replies (not executed), %d unknown (timeouts, dropped connections, region down)",
		ops.Sent, ops.Acked, ops.Errors, ops.Unknown)
	row("  by family", "%s", ops.familyString())
	row("judged writes", "%s", judged)
	var fs []string
	total := 0
	for _, k := range FaultKinds {
		if faults[k] > 0 {
			fs = append(fs, fmt.Sprintf("%s %d", k, faults[k]))
			total += faults[k]
		}
	}
	row("faults injected", "%d: %s", total, strings.Join(fs, ", "))
	row("divergent keys", "%d (%d schedules did not converge)", divergent, notConverged)
	row("lost writes", "%d", kinds[ViolationLost])
	row("resurrected elements", "%d", kinds[ViolationResurrected])
	row("phantom/duplicate", "%d phantom, %d duplicated, %d bad values", kinds[ViolationPhantom], kinds[ViolationDuplicate], kinds[ViolationBadValue])
	row("tombstones left", "%d regions", kinds[ViolationTombstones])
	row("crashes", "%d", kinds[ViolationCrash])
	row("replication stuck", "%d", kinds[ViolationStuck])
	errs := 0
	for _, r := range rp.Results {
		if r.Err != nil {
			errs++
		}
	}
	if errs > 0 {
		row("could not run", "%d schedules", errs)
	}
	row("time to converge", "%s", percentiles(conv))
	row("tombstones collected", "%s (after convergence)", percentiles(tomb))
	status := "PASS"
	if failed > 0 {
		status = "FAIL"
	}
	row("result", "%s", status)
	for _, r := range rp.Results {
		if r.Failed() {
			fmt.Fprintln(w)
			r.WriteDetail(w, o)
		}
	}
}

// percentiles renders p50, p90 and max of ds.
func percentiles(ds []time.Duration) string {
	if len(ds) == 0 {
		return "n/a"
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(p float64) time.Duration { return s[int(p*float64(len(s)-1)+0.5)].Round(time.Millisecond) }
	return fmt.Sprintf("p50 %v, p90 %v, max %v (%d schedules)", at(0.5), at(0.9), s[len(s)-1].Round(time.Millisecond), len(s))
}
