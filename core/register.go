package core

// The writes of a Register, as pure descriptions into a delta (describe*)
// and as merges of a delta (apply*). Entry uses them for string keys and for
// each field of a hash, set or sorted set; d.Dot and d.TS are set already.

// describeSet fills d with a whole-value write: the value, the increments
// it observes, and the base writes it replaces.
func (r *Register) describeSet(d *Delta, value []byte) {
	d.Value = value
	d.Counters = r.observed(d.Counters)
	d.Ctx = r.Base.Ctx.AppendTo(d.Ctx)
	d.Ctx.Add(d.Dot)
}

// describeIncr fills d with an integer increment and returns the new value.
func (r *Register) describeIncr(d *Delta, by int64) (int64, error) {
	cur, err := r.IntValue()
	if err != nil {
		return 0, err
	}
	n := cur + by
	if (by > 0 && n < cur) || (by < 0 && n > cur) {
		return 0, ErrOverflow
	}
	c := r.Incs.Get(d.Dot.Replica)
	c.Seq = d.Dot.Seq
	c.setInts(c.ints().add(i128Of(by)))
	d.Counters = append(d.Counters[:0], c)
	r.describeRem(d)
	return n, nil
}

// describeRem adds the origin's Rem entry to an increment (FlagRem), or
// marks a sum that starts from nothing (FlagFresh).
func (r *Register) describeRem(d *Delta) {
	if rm := r.Rem.Get(d.Dot.Replica); rm.Seq > 0 {
		d.Rem = rm
		d.Flags |= FlagRem
	} else if r.Incs.Get(d.Dot.Replica).Seq == 0 {
		d.Flags |= FlagFresh
	}
}

// describeIncrFloat fills d with a float increment.
func (r *Register) describeIncrFloat(d *Delta, by DD) error {
	cur, err := r.FloatValue()
	if err != nil {
		return err
	}
	if n := cur.Add(by); !n.Finite() || !by.Finite() {
		return ErrNaN
	}
	c := r.Incs.Get(d.Dot.Replica)
	c.Seq = d.Dot.Seq
	c.setFloats(c.floats().Add(by))
	d.Counters = append(d.Counters[:0], c)
	r.describeRem(d)
	return nil
}

// describeDel fills d with an observed-remove: the base writes and the
// increments this register has seen.
func (r *Register) describeDel(d *Delta) {
	d.Counters = r.observed(d.Counters)
	d.Ctx = r.Base.Ctx.AppendTo(d.Ctx)
	d.Ctx.Add(d.Dot)
}

// observed is every increment this register knows to have happened: those
// it received, and those that the writes and deletes it received had
// observed (knowledge is transitive: a SET that saw C's increment, once
// received here, makes our next write come after that increment too, even
// before the increment itself arrives). A write or delete observes all of
// it. The result reuses dst.
func (r *Register) observed(dst Counters) Counters {
	dst = r.Incs.AppendTo(dst)
	for i := range r.Base.Elems {
		dst.MergeAll(r.Base.Elems[i].V.Obs)
	}
	dst.MergeAll(r.Rem)
	return dst
}

func (r *Register) applySet(d *Delta) {
	r.Base.Apply(d.Ctx, Elem[BaseValue]{Dot: d.Dot, TS: d.TS, V: BaseValue{Value: d.Value, Obs: d.Counters}}, true)
}

func (r *Register) applyIncr(d *Delta) {
	if d.Flags&FlagFresh != 0 && len(d.Counters) > 0 {
		// A removed share older than the fresh sum's first increment
		// belonged to a sum its origin has since forgotten; one at or past
		// it observed this very increment and stays.
		if c := d.Counters[0]; r.Rem.Get(c.Replica).Seq < c.Seq {
			r.Rem.drop(c.Replica)
		}
	}
	r.Incs.MergeAll(d.Counters)
	if d.Flags&FlagRem != 0 {
		r.Rem.Merge(d.Rem)
	}
}

func (r *Register) applyDel(d *Delta) {
	r.Base.Apply(d.Ctx, Elem[BaseValue]{}, false)
	r.Rem.MergeAll(d.Counters)
}

// merge joins another register's full state.
func (r *Register) merge(o *Register) {
	r.Base.Merge(&o.Base)
	r.Incs.MergeAll(o.Incs)
	r.Rem.MergeAll(o.Rem)
}

// Stable reports whether everything r knows of is covered by stable, the
// version vector every region has received: its base writes' contexts and
// every increment it counts or removed. A dead register can then go: no
// delta it knows of is still on its way anywhere, and later increments
// bring their origin's Rem back (FlagRem).
func (r *Register) Stable(stable VV) bool {
	return r.Base.Ctx.LessEq(stable) && countersStable(r.Incs, stable) && countersStable(r.Rem, stable)
}

func countersStable(cs Counters, stable VV) bool {
	for _, c := range cs {
		if c.Seq > stable.Get(c.Replica) {
			return false
		}
	}
	return true
}
