package shard

import (
	"math/rand/v2"
	"sort"

	"github.com/meridiandb/meridian/core"
)

// ScanItem is one key returned by a shard's part of a SCAN.
type ScanItem struct {
	Hash uint64
	Key  string
	Kind core.Kind
}

// ScanFrom appends to dst up to count live keys of db whose cursor hash is
// at least cursor, in hash order, and reports whether more remain. Keys with
// equal hashes are never split across two calls (so the next cursor, the
// hash of the first key not returned, skips none of them).
func (x *Exec) ScanFrom(dst []ScanItem, db int, cursor uint64, count int) ([]ScanItem, bool) {
	d := x.dbs[db]
	more := false
	n := 0
	var last uint64
	d.keys.Ascend(cursor, func(hash uint64, key string, e *core.Entry) bool {
		if n >= count && hash != last {
			more = true
			return false
		}
		if e.Expired(x.now) {
			return true
		}
		dst = append(dst, ScanItem{Hash: hash, Key: key, Kind: e.Kind})
		last = hash
		n++
		return true
	})
	return dst, more
}

// MergeScan combines the shards' ScanFrom results (each sorted by hash) into
// one page of about count keys and the next cursor (0 when every shard is
// exhausted). A shard that stopped early bounds the page: nothing at or past
// the hash after its last returned key may be included, or its unreturned
// keys below that point would be skipped.
func MergeScan(parts [][]ScanItem, mores []bool, count int) ([]ScanItem, uint64) {
	limit := ^uint64(0)
	bounded := false
	for i, p := range parts {
		if mores[i] && len(p) > 0 {
			if h := p[len(p)-1].Hash + 1; h < limit {
				limit = h
			}
			bounded = true
		}
	}
	var all []ScanItem
	for _, p := range parts {
		for _, it := range p {
			if !bounded || it.Hash < limit {
				all = append(all, it)
			}
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Hash != all[j].Hash {
			return all[i].Hash < all[j].Hash
		}
		return all[i].Key < all[j].Key
	})
	n := len(all)
	if n > count {
		n = count
		for n < len(all) && all[n].Hash == all[n-1].Hash {
			n++
		}
	}
	var next uint64
	switch {
	case n < len(all):
		next = all[n].Hash
	case bounded:
		next = limit
	}
	return all[:n], next
}

// EachKey calls fn for every live key of db until fn returns false.
func (x *Exec) EachKey(db int, fn func(key string, e *core.Entry) bool) {
	x.dbs[db].keys.Each(func(k string, e *core.Entry) bool {
		return e.Expired(x.now) || fn(k, e)
	})
}

// RandomKey returns some live key of db ("" when none), drawn by the
// keyspace table (table.Random). Keys found past their deadline are
// expired on the way, as Redis's dbRandomKey does.
func (x *Exec) RandomKey(db int) (string, bool) {
	for tries := 0; tries < 100; tries++ {
		k, e, ok := x.dbs[db].keys.Random(rand.IntN)
		if !ok {
			return "", false
		}
		if !e.Expired(x.now) {
			return k, true
		}
		x.expire(db, []byte(k), e)
	}
	return "", false
}

// Flush deletes every key of db as observed-removes (FLUSHDB): each delete
// replicates, so writes concurrent with the flush survive it elsewhere.
func (x *Exec) Flush(db int) int {
	d := x.dbs[db]
	n := d.keys.Len()
	d.keys.Each(func(k string, e *core.Entry) bool {
		x.Delete(db, []byte(k), e) // deletes k only: allowed during Each
		return true
	})
	return n
}

// SwapDB exchanges databases a and b of this shard (SWAPDB; local only).
func (x *Exec) SwapDB(a, b int) { x.dbs[a], x.dbs[b] = x.dbs[b], x.dbs[a] }
