package shard

import "github.com/cespare/xxhash/v2"

// NumPartitions is the number of keyspace partitions of every database. It is
// part of the database's identity: every region must use the same count,
// because partitions are the unit of replication order and of full sync.
const NumPartitions = 256

// Hash is the one hash of a key: xxhash64 is fast on short keys (a few ns),
// well distributed, and stable across versions and machines, which matters
// because partition numbers travel between regions.
func Hash(key []byte) uint64 { return xxhash.Sum64(key) }

// PartitionOf maps a key hash to its partition.
func PartitionOf(h uint64) int { return int(h & (NumPartitions - 1)) }

// shardOf maps a partition to a shard: a local choice, so regions may run
// different shard counts.
func shardOf(partition, shards int) int { return partition % shards }
