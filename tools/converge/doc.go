// Package converge is Meridian's convergence checker: it starts a local
// active-active database (tools/regions), drives a random workload of every
// supported data type from several clients per region over a small key
// space, so that concurrent writes to one key are the rule, while a fault
// schedule cuts, delays, throttles and resets the links between regions and
// kills and restarts regions. Then it heals everything, waits for quiet and
// checks two things:
//
//   - Convergence: every region holds the same visible data (AA DIGEST of
//     the whole database; on a mismatch, AA DIGEST of every key lists the
//     keys that differ and what each region shows for them).
//   - A model of SEMANTICS.md that stays sound under concurrency. A full
//     model of every merge rule would have to know which writes were
//     concurrent, which the checker cannot observe from outside; so the
//     keys that the model judges are designed so that the rule is decidable
//     from acknowledgements alone (see Class): counters that are only ever
//     incremented, sets of unique members that only grow, sets whose
//     members are unique and removed only after being observed, lists of
//     unique elements that are only pushed. All other keys ("chaos" keys,
//     every command of every type including DEL, EXPIRE and type clashes)
//     are judged by convergence alone.
//
// A write's outcome is one of: acknowledged (a reply came), failed (an
// error reply: Redis did not execute it), or unknown (a timeout or a
// dropped connection: it may or may not have happened). A region killed
// and restarted comes back empty and rebuilds from its peers, so its own
// acknowledged writes that no AA WAIT had confirmed to have reached every
// other region before the kill "may be lost": the model widens its bounds
// for them instead of reporting them. Writes confirmed by AA WAIT must
// survive.
//
// A schedule is generated from its seed alone (Plan), so a failure can be
// replayed with the same faults at the same offsets; the workload's
// operations are also derived from the seed, though their interleaving
// with the faults depends on timing.
//
// The library is split as: plan.go (fault schedules), workload.go (clients
// and keys), model.go (pure bookkeeping and checks, no I/O), inspect.go
// (reading regions after quiet), run.go (one schedule end to end) and
// report.go (results and the printed report). cmd/meridian-converge is the
// program around it.
package converge
