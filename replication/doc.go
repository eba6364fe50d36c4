// Package replication carries a region's local writes to its peers
// (DESIGN.md, "Replication"). This first brick is the Backlog: the
// per-partition ring of recent deltas a peer's partial sync is served from.
//
// # What the backlog is for
//
// Every local write makes a shard emit one core.Delta through shard.Sink,
// tagged with its partition and a dot whose sequence is the partition's own
// counter at this replica (shard/keyspace.go dot). A peer that has received
// this region's deltas of partition p up to sequence s asks for "p after
// s"; when the backlog still holds everything after s it answers from
// memory (partial sync), otherwise it reports Gone and the peer needs a
// full sync of p (its current state, which merges idempotently, then the
// stream from the sequence that state covers).
//
// # Layout and sizing
//
// Each owned partition has its own byte ring of a fixed size (New's
// partitionBytes). Records are framed [seq uvarint][len uvarint][delta]
// with the delta in core.AppendDelta form, and ReadFrom hands them out in
// that same framing, so the syncer ships them without re-encoding and the
// receiver splits them with Next.
//
// A capacity per partition rather than one budget shared by the shard's
// partitions, because a peer's position is per partition: with a shared
// budget a hot partition would evict the history of cold ones and force
// full syncs of partitions that barely changed, and eviction would need a
// cross-partition age order. Per partition, memory is fixed and known at
// start (NumPartitions x partitionBytes for the whole process, whatever the
// shard count) and each partition's catch-up window is independent. The
// price is memory left idle under skewed load; a shared budget with
// per-partition floors is the refinement if that matters.
//
// # Invariants
//
//   - Sequences in a ring strictly grow (Append drops and counts a delta
//     whose sequence does not; the shard never produces one).
//   - lost is the highest sequence evicted (or refused as larger than the
//     ring); every sequence in (lost, LastSeq] the shard emitted is held.
//     So a reader at position s is served iff s >= lost; sequences may have
//     gaps (a dot taken by a write that then emitted nothing) without
//     making a reader look behind.
//   - A delta larger than the whole ring empties it and sets lost to its
//     sequence: readers behind it must full-sync, readers at it are current.
//   - Append never blocks, never fails, and allocates nothing once the
//     encoding scratch buffer has grown to the largest delta seen.
//
// # Concurrency
//
// A Backlog belongs to one shard and has no lock of its own. Append runs
// with the shard held (it is the shard's Sink). ReadFrom, FirstSeq,
// LastSeq, Used, Len and Stats must also be called with that shard held:
// the syncer locks the shard, copies a batch with ReadFrom into its own
// buffer, unlocks, and only then compresses and sends. Copying 64 KB takes
// microseconds, far less than compressing or writing it.
//
// # Frames
//
// frame.go is the wire form of one batch: a partition's records from
// ReadFrom, compressed (none, S2 or zstd), with a CRC-32C and limits checked
// before anything is allocated, decoded as a stream.
//
// # What comes next
//
//   - The syncer: per peer, a cursor per partition, batches built from
//     ReadFrom into frames (keeping ReadFrom's maxBytes under the frame
//     limit), and heartbeats with received vectors for tombstone stability
//     and lag figures.
//   - The handshake: database id, replica id, protocol version,
//     credentials, and per partition the last sequence held, answered per
//     partition by partial sync or full sync.
//   - Full sync: stream a partition's current entries (their full CRDT
//     state), then continue from the partition's LastSeq at that moment.
//   - A sparse seq->position index if ReadFrom's header walk for readers far
//     behind shows up in profiles.
package replication
