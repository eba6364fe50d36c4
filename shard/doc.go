// Package shard owns the keyspace. A Store splits keys into a fixed number of
// partitions (xxhash of the key; the count is part of the database identity
// and the same in every region) and partitions among shards, about one per
// core.
//
// # Concurrency
//
// Each Shard is guarded by one mutex, and the network's event loops run a
// command directly on the owning shard while holding it: Lock returns an
// *Exec, and holding an *Exec is holding the shard. With one event loop and
// one shard per core the mutex is almost never contended, so a command costs
// one uncontended lock (about 15 ns) instead of a hand-off to another
// goroutine and back (a channel round trip costs microseconds and a context
// switch). docs/ARCHITECTURE.md records the measurement. Commands on several
// keys lock the shards they touch in ascending order, which makes them
// atomic and deadlock free.
//
// Every write assigns a dot (replica, next sequence of the key's partition),
// applies its delta to the key's core.Entry, and hands the delta to the
// partition's Sink (the replication backlog; until replication exists, a
// counter).
package shard
