package shard

import (
	"unsafe"

	"github.com/meridiandb/meridian/core"
)

// table is a database's live keyspace: key → entry, findable by key and
// walkable in (hash, key) order, which is what SCAN's cursor (the hash of
// the next key) needs. It replaces a Go map plus a btree kept beside it
// for SCAN, at a fraction of the memory: the entries are chained through
// themselves (core.Entry.Next, and each holds its own key), so a key costs
// its entry and 8 to 16 bytes of bucket array (see BenchmarkTableMemory),
// and a lookup follows bucket → entry → key, one cache miss fewer than a
// separate node would cost. Owning shard only.
//
// It chains with separate lists, and a key's bucket is the TOP bits of its
// hash: bucket order is hash order, so walking buckets in order and sorting
// each short chain visits keys in hash order, with no second index. (Keys
// reach a shard by the LOW bits of the same hash (PartitionOf), so the top
// bits stay uniform inside a shard.) Entries do not hold the hash: it is
// recomputed (xxhash, a few ns on a short key) where needed, when a grow
// moves an entry and when a walk sorts a chain.
//
// The table doubles past one key per bucket and shrinks below one per
// eight, and rehashes incrementally as Redis's dict does, so no single
// command pays for moving a million keys: while rehashing, every Get, Put
// and Delete moves a few buckets from buckets into target. With top-bit
// indexing, moving bucket i of a table with b bits fills exactly the target
// buckets that cover i's hash range, so at any moment the hashes below
// moved<<(64-b) live in target and the rest in buckets; lookups and the
// ordered walk pick the table by that boundary.
type table struct {
	// buckets is the table (nil until the first Put); while rehashing, the
	// one being emptied: buckets[:moved] are empty.
	buckets []*core.Entry
	// bits is log2(len(buckets)).
	bits uint
	// target is the table being filled while rehashing, else nil.
	target []*core.Entry
	// tbits is log2(len(target)).
	tbits uint
	// moved counts the buckets already moved to target.
	moved int
	// n is the number of keys.
	n int
	// paused is non-zero during Each and Ascend: no bucket moves then, so
	// a walk sees every key once even if its callback looks keys up or
	// deletes the key it is given.
	paused int
	// forced gives chosen keys a chosen hash instead of scanHash: tests
	// use it to make the hash ties real keys almost never produce. (A map,
	// not a hash function field: calling through a func value would make
	// every key passed to Get escape to the heap.)
	forced map[string]uint64
}

const (
	// tableMinBits is the smallest table a non-empty table shrinks to.
	tableMinBits = 2
	// rehashVisits and rehashNodes bound one incremental rehash step: it
	// visits at most rehashVisits buckets and stops once it has moved
	// rehashNodes keys. A grow starts at n = len(buckets) and the next one
	// is due n Puts later, so a step moving at least one bucket per Put
	// finishes first; a shrink starts below one key per eight buckets, so
	// eight visits per Delete keep up with deletes too.
	rehashVisits = 8
	rehashNodes  = 2
)

func (t *table) hash(key []byte) uint64 {
	if t.forced != nil {
		if h, ok := t.forced[string(key)]; ok {
			return h
		}
	}
	return scanHash(key)
}

// hashString hashes a string without copying it (the hash only reads).
func (t *table) hashString(key string) uint64 {
	return t.hash(unsafe.Slice(unsafe.StringData(key), len(key)))
}

// Len is the number of keys.
func (t *table) Len() int { return t.n }

// slot is the head of the chain that holds (or would hold) hash h. The
// table must have buckets.
func (t *table) slot(h uint64) **core.Entry {
	i := h >> (64 - t.bits)
	if t.target != nil && i < uint64(t.moved) {
		return &t.target[h>>(64-t.tbits)]
	}
	return &t.buckets[i]
}

// Get returns key's entry, or nil.
func (t *table) Get(key []byte) *core.Entry {
	if t.n == 0 {
		return nil
	}
	t.step()
	for n := *t.slot(t.hash(key)); n != nil; n = n.Next() {
		if n.Key() == string(key) {
			return n
		}
	}
	return nil
}

// Put adds e under its key (e.Key()), which must be absent: an entry is
// in one table at most, and its key does not change while it is there.
func (t *table) Put(e *core.Entry) {
	if t.buckets == nil {
		t.buckets = make([]*core.Entry, 1<<tableMinBits)
		t.bits = tableMinBits
	}
	t.step()
	p := t.slot(t.hashString(e.Key()))
	e.SetNext(*p)
	*p = e
	t.n++
	t.resize()
}

// Delete removes key and reports whether it was there.
func (t *table) Delete(key []byte) bool {
	if t.n == 0 {
		return false
	}
	t.step()
	head := t.slot(t.hash(key))
	var prev *core.Entry
	for n := *head; n != nil; prev, n = n, n.Next() {
		if n.Key() != string(key) {
			continue
		}
		if prev == nil {
			*head = n.Next()
		} else {
			prev.SetNext(n.Next())
		}
		n.SetNext(nil)
		t.n--
		t.resize()
		return true
	}
	return false
}

// resize starts a grow or shrink when the load calls for one, unless a
// rehash is under way or a walk holds the table still.
func (t *table) resize() {
	if t.paused > 0 {
		return
	}
	if t.n == 0 {
		// Emptied (FLUSHDB, or the last key deleted): drop a big table
		// and any rehash at once, but keep a minimal one, so one key
		// coming and going allocates no bucket array.
		if t.target != nil || t.bits > tableMinBits {
			*t = table{forced: t.forced}
		}
		return
	}
	if t.target != nil {
		return
	}
	size := 1 << t.bits
	switch {
	case t.n > size:
		t.start(bitsFor(t.n))
	case t.n < size/8 && t.bits > tableMinBits:
		t.start(bitsFor(t.n))
	}
}

// bitsFor is the log2 of the smallest table (not below the minimum) with
// a bucket per key for n keys.
func bitsFor(n int) uint {
	b := uint(tableMinBits)
	for 1<<b < n {
		b++
	}
	return b
}

func (t *table) start(bits uint) {
	t.target = make([]*core.Entry, 1<<bits)
	t.tbits = bits
	t.moved = 0
}

// step moves a few buckets of a rehash under way (see rehashVisits).
func (t *table) step() {
	if t.target == nil || t.paused > 0 {
		return
	}
	nodes := 0
	for v := 0; v < rehashVisits && nodes < rehashNodes; v++ {
		nodes += t.moveBucket()
		if t.target == nil {
			return
		}
	}
}

// moveBucket moves bucket t.moved into target, finishing the rehash after
// the last one, and returns how many keys it moved.
func (t *table) moveBucket() int {
	i := t.moved
	n := t.buckets[i]
	t.buckets[i] = nil
	moved := 0
	if t.tbits < t.bits {
		// Shrinking: a target bucket covers several whole old buckets,
		// so the chain goes as is, without hashing.
		dst := &t.target[uint(i)>>(t.bits-t.tbits)]
		for n != nil {
			next := n.Next()
			n.SetNext(*dst)
			*dst = n
			n = next
			moved++
		}
	} else {
		for n != nil {
			next := n.Next()
			dst := &t.target[t.hashString(n.Key())>>(64-t.tbits)]
			n.SetNext(*dst)
			*dst = n
			n = next
			moved++
		}
	}
	t.moved++
	if t.moved == len(t.buckets) {
		t.buckets, t.bits = t.target, t.tbits
		t.target, t.tbits, t.moved = nil, 0, 0
	}
	return moved
}

// pause holds the table still for a walk; unpause ends that and catches up
// with a resize the walk's deletes called for.
func (t *table) pause() { t.paused++ }

func (t *table) unpause() {
	t.paused--
	t.resize()
}

// Each calls fn for every key, in no particular order, until fn returns
// false. fn may delete the key it is given (FLUSHDB does) and look keys
// up, but must not add keys or delete others.
func (t *table) Each(fn func(key string, e *core.Entry) bool) {
	if t.n == 0 {
		return
	}
	t.pause()
	defer t.unpause()
	if !eachIn(t.buckets[t.moved:], fn) {
		return
	}
	eachIn(t.target, fn)
}

func eachIn(tab []*core.Entry, fn func(key string, e *core.Entry) bool) bool {
	for _, n := range tab {
		for n != nil {
			next := n.Next() // n may be deleted by fn
			if !fn(n.Key(), n) {
				return false
			}
			n = next
		}
	}
	return true
}

// Ascend calls fn for every key whose hash is at least from, in (hash,
// key) order, until fn returns false. fn must not change the table.
func (t *table) Ascend(from uint64, fn func(hash uint64, key string, e *core.Entry) bool) {
	if t.n == 0 {
		return
	}
	t.pause()
	defer t.unpause()
	if t.target == nil {
		t.ascendIn(t.buckets, t.bits, from, 0, fn)
		return
	}
	// Hashes below boundary have moved to target; the rest are in buckets.
	boundary := uint64(t.moved) << (64 - t.bits)
	if from < boundary {
		if !t.ascendIn(t.target, t.tbits, from, boundary, fn) {
			return
		}
		from = boundary
	}
	t.ascendIn(t.buckets, t.bits, from, 0, fn)
}

// hashed is an entry with its hash, for sorting a chain.
type hashed struct {
	h uint64
	n *core.Entry
}

// ascendIn walks tab (of 1<<bits buckets) from the bucket of hash from,
// stopping before the first bucket that starts at or past limit (0: no
// limit), and reports whether fn asked for more.
func (t *table) ascendIn(tab []*core.Entry, bits uint, from, limit uint64, fn func(uint64, string, *core.Entry) bool) bool {
	var arr [8]hashed
	for i := from >> (64 - bits); i < uint64(len(tab)); i++ {
		if limit != 0 && i<<(64-bits) >= limit {
			break
		}
		buf := arr[:0]
		for n := tab[i]; n != nil; n = n.Next() {
			if h := t.hashString(n.Key()); h >= from {
				buf = append(buf, hashed{h, n})
			}
		}
		sortChain(buf)
		for _, hn := range buf {
			if !fn(hn.h, hn.n.Key(), hn.n) {
				return false
			}
		}
	}
	return true
}

// sortChain orders a chain's entries by (hash, key): chains are short (about
// one key each), so an insertion sort is the cheapest.
func sortChain(s []hashed) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && hashedLess(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func hashedLess(a, b hashed) bool {
	if a.h != b.h {
		return a.h < b.h
	}
	return a.n.Key() < b.n.Key()
}

// Random returns some key, drawn by picking a random non-empty bucket and
// a random key of its chain (rnd(n) is uniform in [0, n)): each key is
// about equally likely, as with Redis's dictGetRandomKey.
func (t *table) Random(rnd func(n int) int) (string, *core.Entry, bool) {
	if t.n == 0 {
		return "", nil, false
	}
	t.step()
	old := t.buckets[t.moved:]
	total := len(old) + len(t.target)
	at := func(i int) *core.Entry {
		if i < len(old) {
			return old[i]
		}
		return t.target[i-len(old)]
	}
	// Outside walks the load stays above 1/8, so 100 draws all but always
	// find a key (a walk's deletes can leave it lower until the next
	// resize); the walk from a random bucket after them always does.
	start := -1
	for tries := 0; tries < 100 && start < 0; tries++ {
		if i := rnd(total); at(i) != nil {
			start = i
		}
	}
	if start < 0 {
		for i, r := 0, rnd(total); i < total; i++ {
			if at((r+i)%total) != nil {
				start = (r + i) % total
				break
			}
		}
	}
	head := at(start)
	l := 0
	for n := head; n != nil; n = n.Next() {
		l++
	}
	n := head
	for k := rnd(l); k > 0; k-- {
		n = n.Next()
	}
	return n.Key(), n, true
}
