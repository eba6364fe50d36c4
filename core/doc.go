// Package core holds Meridian's replicated data model: hybrid logical clocks,
// dots and compact version vectors, the per-key CRDT envelope (Entry), and the
// deltas that writes produce and that remote regions merge.
//
// Everything here is pure: no I/O, no goroutines, no wall clock. The caller
// (package shard) passes "now", the replica id and the next dot in, so every
// function is deterministic and can be tested against a model.
//
// # The envelope
//
// A key's state is a set of components, each a small CRDT with its own causal
// context:
//
//   - Base: a multi-value register of whole-value writes (SET, APPEND, ...).
//     Concurrent writes are all kept; reads pick the last writer (LWW by HLC
//     timestamp, ties to the smaller replica id). Keeping the losers until a
//     later write observes them is what makes an observed-remove DEL converge:
//     a DEL that saw only the winner must leave a concurrent loser standing.
//   - Incs: per-region running sums of increments (INCR, INCRBYFLOAT), each a
//     register that only its own region writes, merged by highest sequence.
//   - Rem: the increments that deletes observed (per region, merged the same
//     way). A base write records the increments it observed too (Register.Obs).
//     The visible number is base + every increment neither observed.
//   - Exp: a multi-value register of expiry writes; concurrent TTLs resolve to
//     the longest, an explicit "no TTL" beating any finite one.
//
// Each multi-value register carries a version vector context that says which
// dots it has seen; a delta replaces the elements its context covers. Deltas
// of one origin reach a region in order per partition (the replication layer
// guarantees it), which is what lets a version vector stand for a dot set.
package core
