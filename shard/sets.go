package shard

import (
	"math/rand/v2"

	"github.com/meridiandb/meridian/core"
)

// Operations of the set family (SADD, SREM, SPOP, SMOVE, SINTER, ...).
// A set keeps its members in the entry's core.Fields: a member is a field
// whose register holds an empty value, present while the register is live.
// That makes the set the add-wins observed-remove set of SEMANTICS.md
// section 3 with no code of its own in core: SADD is a field write, SREM a
// field delete that removes exactly the adds its region had seen.
//
// Choices this file makes, and why:
//   - SADD of a member already present still writes it (a new dot; the
//     reply counts it as not added, as Redis does). That write is what
//     makes the set add-wins: an SREM or SPOP of the member in another
//     region concurrent with the SADD does not remove it. Repeats of one
//     member inside a single SADD write it once.
//   - SPOP and SMOVE remove the members this region chose, like an SREM:
//     two regions may pop the same member concurrently (both get it).
//   - SINTERSTORE, SUNIONSTORE and SDIFFSTORE replace the destination by
//     an observed delete of what it held, then adds of the result.
//
// Reads look keys up with Lookup (keyspace hits and misses, Redis's
// lookupKeyRead) and writes with Peek (lookupKeyWrite). Names handed out
// are the fields' map keys: immutable strings, valid after the shard is
// released. Owning shard only, like every Exec method; methods of Multi
// need every key's shard held.

// setSmall is the size up to which a random pick walks the set to a
// uniformly drawn position, exactly as fair as Redis's listpack sets
// (which go up to 128 members), at O(size) per pick.
const setSmall = 128

// setFairWindow is how many consecutive members a pick in a larger set
// chooses among, from where a fresh map iteration starts. Go starts an
// iteration at a random slot, which favours members that follow empty
// slots; the second draw evens that out, at O(1) per pick (Redis's
// dictGetFairRandomKey does the same with 15 samples).
const setFairWindow = 16

// LookupSet returns the set at key for a read (SMEMBERS, SCARD, SSCAN,
// SRANDMEMBER, ...): NotFound when absent, WrongType when key holds
// another type. It counts a keyspace hit or miss.
func (x *Exec) LookupSet(db int, key []byte) (*core.Entry, Status) {
	e := x.Lookup(db, key)
	if e == nil {
		return nil, NotFound
	}
	if e.Kind != core.KindSet {
		return nil, WrongType
	}
	return e, OK
}

// peekSet is LookupSet for writes: no statistics.
func (x *Exec) peekSet(db int, key []byte) (*core.Entry, Status) {
	e := x.Peek(db, key)
	if e == nil {
		return nil, NotFound
	}
	if e.Kind != core.KindSet {
		return nil, WrongType
	}
	return e, OK
}

// SetContains reports whether name is a live member of the set e (nil: an
// empty set).
func SetContains(e *core.Entry, name string) bool {
	if e == nil || e.Fields == nil {
		return false
	}
	r := e.Fields.M[name]
	return r != nil && r.Live()
}

// SetLen is the number of members of the set e (nil: 0).
func SetLen(e *core.Entry) int {
	if e == nil || e.Fields == nil {
		return 0
	}
	return e.Fields.Len()
}

// SetNames appends the members of the set e to out, in map order.
func SetNames(e *core.Entry, out []string) []string {
	if e == nil || e.Fields == nil {
		return out
	}
	for name, r := range e.Fields.M {
		if r.Live() {
			out = append(out, name)
		}
	}
	return out
}

// SAdd adds members to the set at key, creating it, and returns how many
// were not members before (SADD).
func (x *Exec) SAdd(db int, key []byte, members [][]byte) (int, Status) {
	if _, st := x.peekSet(db, key); st == WrongType {
		return 0, WrongType
	}
	e := x.LookupWrite(db, key)
	p := PartitionOf(Hash(key))
	start := x.seqs[p] // dots above this one are this command's writes
	added := 0
	for i, m := range members {
		if i > 0 && x.wroteSince(e, m, start) {
			continue // named twice: one write is enough
		}
		if x.SetField(db, key, e, core.KindSet, m, nil) {
			added++
		}
	}
	return added, OK
}

// wroteSince reports whether member's current write in e is one of this
// region's writes after sequence start of the key's partition.
func (x *Exec) wroteSince(e *core.Entry, member []byte, start uint64) bool {
	if e.Fields == nil {
		return false
	}
	r := e.Fields.M[string(member)]
	if r == nil {
		return false
	}
	for i := range r.Base.Elems {
		if d := r.Base.Elems[i].Dot; d.Replica == x.replica && d.Seq > start {
			return true
		}
	}
	return false
}

// SRem removes members from the set at key and returns how many were
// members (SREM). The key goes when its last member does.
func (x *Exec) SRem(db int, key []byte, members [][]byte) (int, Status) {
	e, st := x.peekSet(db, key)
	if st != OK {
		return 0, st
	}
	n := 0
	for _, m := range members {
		if x.DeleteField(db, key, e, m) {
			n++
			if !e.Live() {
				break
			}
		}
	}
	return n, OK
}

// SIsMember reports whether member belongs to the set at key (SISMEMBER).
func (x *Exec) SIsMember(db int, key, member []byte) (bool, Status) {
	e, st := x.LookupSet(db, key)
	if st != OK {
		return false, st
	}
	return e.Fields.Get(member) != nil, OK
}

// SCard is the number of members of the set at key (SCARD).
func (x *Exec) SCard(db int, key []byte) (int, Status) {
	e, st := x.LookupSet(db, key)
	if st != OK {
		return 0, st
	}
	return SetLen(e), OK
}

// SPopOne removes one random member of the set at key and returns it
// (SPOP without a count).
func (x *Exec) SPopOne(db int, key []byte) (string, Status) {
	e, st := x.peekSet(db, key)
	if st != OK {
		return "", st
	}
	name := setRandomName(e.Fields)
	x.deleteMember(db, key, e, name)
	return name, OK
}

// SPop removes count random members of the set at key and appends them to
// out (SPOP key count): the whole set, and the key, when count reaches its
// size. Each removal is an observed-remove of the member this region drew.
func (x *Exec) SPop(db int, key []byte, count int64, out []string) ([]string, Status) {
	e, st := x.peekSet(db, key)
	if st != OK || count == 0 {
		return out, st
	}
	size := SetLen(e)
	if count >= int64(size) {
		out = SetNames(e, out)
		x.Delete(db, key, e)
		return out, OK
	}
	k := int(count)
	from := len(out)
	if size <= setSmall || k*3 > size {
		// Many picks, or a small set: an exact uniform sample.
		out = setSample(e.Fields, k, out)
		for _, name := range out[from:] {
			x.deleteMember(db, key, e, name)
		}
		return out, OK
	}
	// Few picks from a large set: draw one at a time; each leaves the set.
	for i := 0; i < k; i++ {
		name := setRandomName(e.Fields)
		out = append(out, name)
		x.deleteMember(db, key, e, name)
	}
	return out, OK
}

// deleteMember removes the member name of e, copying the name into a
// scratch buffer so the delta never points into the map being changed.
func (x *Exec) deleteMember(db int, key []byte, e *core.Entry, name string) {
	b := append(x.scratch2(), name...)
	x.DeleteField(db, key, e, b)
	x.keep(b)
}

// addMember adds the member name to e (see deleteMember).
func (x *Exec) addMember(db int, key []byte, e *core.Entry, name string) {
	b := append(x.scratch2(), name...)
	x.SetField(db, key, e, core.KindSet, b, nil)
	x.keep(b)
}

// SetRandomMember returns a random member of a non-empty set e
// (SRANDMEMBER without a count).
func SetRandomMember(e *core.Entry) string { return setRandomName(e.Fields) }

// SetRandomDistinct appends min(count, size) distinct random members of the
// set e to out (SRANDMEMBER with a positive count): the whole set when
// count reaches its size (in map order), else a uniform sample when the set
// is small or count is a large part of it, else near-uniform draws until
// count distinct (Redis's cases 2, 3 and 4).
func SetRandomDistinct(e *core.Entry, count int64, out []string) []string {
	size := SetLen(e)
	switch {
	case count <= 0 || size == 0:
		return out
	case count >= int64(size):
		return SetNames(e, out)
	case size <= setSmall || count*3 > int64(size):
		return setSample(e.Fields, int(count), out)
	}
	seen := make(map[string]struct{}, count)
	for int64(len(seen)) < count {
		name := setRandomName(e.Fields)
		if _, dup := seen[name]; !dup {
			seen[name] = struct{}{}
			out = append(out, name)
		}
	}
	return out
}

// SetRandomDraws calls fn with count independent random members of the set
// e, repetitions allowed (SRANDMEMBER with a negative count), until fn
// returns false. A small set, or a count that reaches the size, lists the
// members once and draws exactly uniformly from the list.
func SetRandomDraws(e *core.Entry, count uint64, fn func(name string) bool) {
	size := SetLen(e)
	if size == 0 {
		return
	}
	if size <= setSmall || count >= uint64(size) {
		names := SetNames(e, make([]string, 0, size))
		for ; count > 0; count-- {
			if !fn(names[rand.IntN(len(names))]) {
				return
			}
		}
		return
	}
	for ; count > 0; count-- {
		if !fn(setRandomName(e.Fields)) {
			return
		}
	}
}

// setRandomName picks a member of a non-empty f: exactly uniformly for a
// small set (the k-th live member, k uniform below the size, of an
// iteration: whatever order the iteration takes, an independent uniform
// position in it is uniform), else the k-th of a window of setFairWindow
// members from a random starting point.
func setRandomName(f *core.Fields) string {
	size := f.Len()
	k := 0
	if size == 0 {
		return ""
	} else if size <= setSmall {
		k = rand.IntN(size)
	} else {
		k = rand.IntN(setFairWindow)
	}
	last := ""
	for name, r := range f.M {
		if !r.Live() {
			continue
		}
		if k == 0 {
			return name
		}
		last = name
		k--
	}
	return last // the window ran past the end of a short iteration
}

// setSample appends k distinct members of f drawn exactly uniformly
// (0 < k < size): a partial Fisher-Yates shuffle of the list of members.
func setSample(f *core.Fields, k int, out []string) []string {
	from := len(out)
	for name, r := range f.M {
		if r.Live() {
			out = append(out, name)
		}
	}
	names := out[from:]
	for i := 0; i < k; i++ {
		j := i + rand.IntN(len(names)-i)
		names[i], names[j] = names[j], names[i]
	}
	clear(names[k:])
	return out[:from+k]
}

// SMove moves member from the set at src to the set at dst (SMOVE) and
// reports whether it was a member of src. The move is an observed-remove
// from src plus an add to dst (add-wins there, even when dst already held
// the member). Status WrongType when either key holds another type; a
// missing src answers false before dst's type is looked at, as in Redis.
func (m Multi) SMove(db int, src, dst, member []byte) (bool, Status) {
	xs := m.For(src)
	es := xs.Peek(db, src)
	if es == nil {
		return false, OK
	}
	xd := m.For(dst)
	ed := xd.Peek(db, dst)
	if es.Kind != core.KindSet || (ed != nil && ed.Kind != core.KindSet) {
		return false, WrongType
	}
	if string(src) == string(dst) {
		return es.Fields.Get(member) != nil, OK
	}
	if !xs.DeleteField(db, src, es, member) {
		return false, OK
	}
	ed = xd.LookupWrite(db, dst)
	xd.SetField(db, dst, ed, core.KindSet, member, nil)
	return true, OK
}

// SetOp is an operation of set algebra.
type SetOp uint8

// Set operations.
const (
	SetUnion SetOp = iota // SUNION: members of any set
	SetInter              // SINTER: members of every set
	SetDiff               // SDIFF: members of the first set and of no other
)

// setSources looks up the sets at keys for a read: a missing key is a nil
// entry (an empty set). Like Redis it looks every key up, so a key of
// another type is WrongType even after a missing one.
func (m Multi) setSources(db int, keys [][]byte) ([]*core.Entry, Status) {
	srcs := make([]*core.Entry, len(keys))
	for i, k := range keys {
		e, st := m.For(k).LookupSet(db, k)
		if st == WrongType {
			return nil, WrongType
		}
		srcs[i] = e
	}
	return srcs, OK
}

// SetCombine appends to out the members of op over the sets at keys
// (SUNION, SINTER, SDIFF).
func (m Multi) SetCombine(db int, op SetOp, keys [][]byte, out []string) ([]string, Status) {
	srcs, st := m.setSources(db, keys)
	if st != OK {
		return out, st
	}
	return setCombine(op, srcs, out), OK
}

// SetInterCard counts the members of the intersection of the sets at keys,
// stopping at limit when limit > 0 (SINTERCARD).
func (m Multi) SetInterCard(db int, keys [][]byte, limit int) (int, Status) {
	srcs, st := m.setSources(db, keys)
	if st != OK {
		return 0, st
	}
	n := 0
	setInter(srcs, func(string) bool {
		n++
		return limit <= 0 || n < limit
	})
	return n, OK
}

// SetStore writes op over the sets at keys into dst and returns the size of
// the result (SINTERSTORE, SUNIONSTORE, SDIFFSTORE). An empty result
// deletes dst, as Redis does. dst is replaced whatever it held: an
// observed delete of what it held, then an add of each member of the
// result (SEMANTICS.md section 3), so members added to dst concurrently in
// another region survive. When dst is a set without a TTL this is done
// member by member: a member of the result is re-added (its write observes
// what dst held of it, which is what delete-then-add leaves), a member dst
// held beyond the result is removed; each is one delta, and dst is never
// empty in between. A destination of another type, or with a TTL (which the
// store drops), is deleted whole first.
func (m Multi) SetStore(db int, op SetOp, dst []byte, keys [][]byte) (int, Status) {
	srcs, st := m.setSources(db, keys)
	if st != OK {
		return 0, st
	}
	result := setCombine(op, srcs, nil)
	x := m.For(dst)
	e := x.Peek(db, dst)
	if len(result) == 0 {
		if e != nil {
			x.Delete(db, dst, e)
		}
		return 0, OK
	}
	var stale []string
	if e != nil && (e.Kind != core.KindSet || len(e.Exp.Elems) > 0) {
		x.Delete(db, dst, e)
	} else if e != nil {
		// Decided before any write: dst may be one of the sources.
		for name, r := range e.Fields.M {
			if r.Live() && !setOpHas(op, srcs, name) {
				stale = append(stale, name)
			}
		}
	}
	e = x.LookupWrite(db, dst)
	for _, name := range result {
		x.addMember(db, dst, e, name)
	}
	for _, name := range stale {
		x.deleteMember(db, dst, e, name)
	}
	return len(result), OK
}

// setCombine appends the members of op over srcs to out.
func setCombine(op SetOp, srcs []*core.Entry, out []string) []string {
	emit := func(name string) bool {
		out = append(out, name)
		return true
	}
	switch op {
	case SetInter:
		setInter(srcs, emit)
	case SetDiff:
		setDiff(srcs, emit)
	default:
		setUnion(srcs, emit)
	}
	return out
}

// setOpHas reports whether name belongs to op over srcs.
func setOpHas(op SetOp, srcs []*core.Entry, name string) bool {
	switch op {
	case SetInter:
		for _, e := range srcs {
			if !SetContains(e, name) {
				return false
			}
		}
		return len(srcs) > 0
	case SetDiff:
		if len(srcs) == 0 || !SetContains(srcs[0], name) {
			return false
		}
		for _, e := range srcs[1:] {
			if SetContains(e, name) {
				return false
			}
		}
		return true
	}
	for _, e := range srcs {
		if SetContains(e, name) {
			return true
		}
	}
	return false
}

// setInter calls emit with every member of the intersection until emit
// returns false: it walks the smallest set and probes the others. A
// missing set makes it empty.
func setInter(srcs []*core.Entry, emit func(string) bool) {
	if len(srcs) == 0 {
		return
	}
	small := srcs[0]
	for _, e := range srcs {
		if e == nil {
			return
		}
		if SetLen(e) < SetLen(small) {
			small = e
		}
	}
	for name, r := range small.Fields.M {
		if !r.Live() {
			continue
		}
		in := true
		for _, e := range srcs {
			if e != small && !SetContains(e, name) {
				in = false
				break
			}
		}
		if in && !emit(name) {
			return
		}
	}
}

// setDiff calls emit with every member of the first set that no other set
// holds. A later key naming the first set again empties the result.
func setDiff(srcs []*core.Entry, emit func(string) bool) {
	if len(srcs) == 0 || srcs[0] == nil {
		return
	}
	first := srcs[0]
	for _, e := range srcs[1:] {
		if e == first {
			return
		}
	}
	for name, r := range first.Fields.M {
		if !r.Live() {
			continue
		}
		in := true
		for _, e := range srcs[1:] {
			if SetContains(e, name) {
				in = false
				break
			}
		}
		if in && !emit(name) {
			return
		}
	}
}

// setUnion calls emit once with every member of any set. Two sets are
// merged by probing the earlier one; more are deduplicated with a map, so
// the cost stays linear in the total size.
func setUnion(srcs []*core.Entry, emit func(string) bool) {
	var live []*core.Entry
	total := 0
	for _, e := range srcs {
		if e == nil {
			continue
		}
		dup := false
		for _, o := range live {
			dup = dup || o == e
		}
		if !dup {
			live = append(live, e)
			total += SetLen(e)
		}
	}
	var seen map[string]struct{}
	if len(live) > 2 {
		seen = make(map[string]struct{}, total)
	}
	for i, e := range live {
		for name, r := range e.Fields.M {
			if !r.Live() {
				continue
			}
			if seen != nil {
				if _, ok := seen[name]; ok {
					continue
				}
				seen[name] = struct{}{}
			} else if i == 1 && SetContains(live[0], name) {
				continue
			}
			if !emit(name) {
				return
			}
		}
	}
}

// SScan returns one page of SSCAN over a set returned by LookupSet: the
// members of the page are appended to out (see ScanFields for the cursor).
func SScan(e *core.Entry, cursor uint64, count int, out []string) ([]string, uint64) {
	next := ScanFields(e, cursor, count, func(name string, _ *core.Register) {
		out = append(out, name)
	})
	return out, next
}
