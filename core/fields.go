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
type Fields struct {
	M    map[string]*Register
	live int
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
	r := f.M[string(d.Field)]
	was := false
	if r == nil {
		if d.Op == OpFieldDel && !retain {
			return // nothing here to remove, and no one to remember for
		}
		r = &Register{}
		f.M[string(d.Field)] = r
	} else {
		was = r.Live()
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
		r.merge(or)
		f.settle(k, r, was, retain)
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
