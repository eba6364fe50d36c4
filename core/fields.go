package core

// Fields is the state of a hash (field → value), a set (member → presence,
// an empty value) or a sorted set (member → score as text plus increments):
// one Register per name. SEMANTICS.md gives hash fields and sorted-set
// scores exactly the string rules, and set membership is a register whose
// presence is all that matters, so one structure serves the three: an
// add-wins observed-remove map of registers. Owning shard only.
//
// A removed name's register stays as a tombstone while Retain is set (a
// region with peers), so a late delta it covers is recognised; Len counts
// only live names.
//
// A sorted set's Fields also orders its live members by (score, member) in
// z (see zindex.go), which apply and merge keep in step with every
// register change; hashes and sets leave z nil and pay nothing for it.
type Fields struct {
	M    map[string]*Register
	kind Kind // hash, set or sorted set: whose data this is
	live int
	z    *ztree
}

// Len is the number of live names.
func (f *Fields) Len() int { return f.live }

// Get returns the live register of name, or nil.
func (f *Fields) Get(name []byte) *Register {
	r := f.M[string(name)]
	if r == nil || !r.Live() {
		return nil
	}
	return r
}

// Each calls fn for every live name until fn returns false. The order is
// Go's map order (arbitrary, as a Redis hash table's).
func (f *Fields) Each(fn func(name string, r *Register) bool) {
	for k, r := range f.M {
		if r.Live() && !fn(k, r) {
			return
		}
	}
}

func (f *Fields) apply(d *Delta, retain bool) {
	if f.z == nil && d.Kind == KindZSet {
		f.zbuild()
	}
	r := f.M[string(d.Field)]
	was := false
	name := "" // the map's key when this write creates it, shared by the index
	if r == nil {
		if d.Op == OpFieldDel && !retain {
			return // nothing here to remove, and no one to remember for
		}
		r = &Register{}
		name = string(d.Field)
		f.M[name] = r
	} else {
		was = r.Live()
	}
	var old float64
	if f.z != nil && was {
		old = ScoreOf(r)
	}
	switch d.Op {
	case OpFieldSet:
		r.applySet(d)
	case OpFieldIncr:
		r.applyIncr(d)
	case OpFieldDel:
		r.applyDel(d)
	}
	f.settle(string(d.Field), r, was, retain)
	if f.z != nil {
		zupdate(f, name, d.Field, r, was, old)
	}
}

// settle keeps the live count and drops a dead register when no region
// needs its tombstone.
func (f *Fields) settle(name string, r *Register, was, retain bool) {
	now := r.Live()
	switch {
	case was && !now:
		f.live--
	case !was && now:
		f.live++
	}
	if !now && !retain {
		delete(f.M, name)
	}
}

func (f *Fields) merge(o *Fields, retain bool) {
	for k, or := range o.M {
		r := f.M[k]
		was := false
		if r == nil {
			r = &Register{}
			f.M[k] = r
		} else {
			was = r.Live()
		}
		var old float64
		if f.z != nil && was {
			old = ScoreOf(r)
		}
		r.merge(or)
		f.settle(k, r, was, retain)
		if f.z != nil {
			zupdate(f, k, k, r, was, old)
		}
	}
	if f.z == nil && o.z != nil {
		f.zbuild() // a sorted set's first full state
	}
}

// CollectTombstones drops dead registers whose contexts stable covers and
// returns how many went.
func (f *Fields) CollectTombstones(stable VV) int {
	n := 0
	for k, r := range f.M {
		if !r.Live() && r.Stable(stable) {
			delete(f.M, k)
			n++
		}
	}
	return n
}
