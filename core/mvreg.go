package core

// Copier is a register value that can deep-copy another into its own
// storage, reusing what it already holds (so a shard never keeps a slice of
// a network buffer, and overwrites do not allocate).
type Copier[T any] interface {
	CopyFrom(src T) T
}

// Elem is one write held by a multi-value register: its dot, its HLC
// timestamp and its value.
type Elem[T any] struct {
	Dot Dot
	TS  Timestamp
	V   T
}

// MVReg is a multi-value register with a causal context: Elems are the writes
// no later write has observed (usually one), Ctx every dot this register has
// seen, kept or replaced. Owning shard only.
//
// A write replaces exactly the elements its context covers, so writes that
// were concurrent stay side by side until a later write observes them; the
// owner decides how to read several (LWW for values, longest for TTLs).
type MVReg[T Copier[T]] struct {
	Ctx   VV
	Elems []Elem[T]
}

// Apply merges one replacing write: every element covered by ctx is dropped,
// and el, when has is set and el was not seen before, is added, copying its
// value (so the caller's buffers may die after the call); has=false applies a
// pure removal. Removed elements'
// storage is reused for the new one, which keeps steady-state overwrites
// free of allocation.
func (m *MVReg[T]) Apply(ctx VV, el Elem[T], has bool) {
	add := has && !m.Ctx.Covers(el.Dot)
	n := 0
	for i := range m.Elems {
		if ctx.Covers(m.Elems[i].Dot) && (!has || m.Elems[i].Dot != el.Dot) {
			continue
		}
		if i != n {
			m.Elems[i], m.Elems[n] = m.Elems[n], m.Elems[i]
		}
		n++
	}
	m.Elems = m.Elems[:n]
	if add {
		m.put(&el)
	}
	m.Ctx.Merge(ctx)
	if has {
		m.Ctx.Add(el.Dot)
	}
}

func (m *MVReg[T]) put(el *Elem[T]) {
	n := len(m.Elems)
	if n < cap(m.Elems) {
		m.Elems = m.Elems[:n+1]
	} else {
		m.Elems = append(m.Elems, Elem[T]{})
	}
	slot := &m.Elems[n]
	slot.Dot, slot.TS = el.Dot, el.TS
	slot.V = slot.V.CopyFrom(el.V)
}

// Merge joins another register's full state into m (used by full sync): an
// element survives if both hold it, or if one holds it and the other has not
// seen it. Commutative, associative and idempotent.
func (m *MVReg[T]) Merge(o *MVReg[T]) {
	n := 0
	for i := range m.Elems {
		d := m.Elems[i].Dot
		if o.Ctx.Covers(d) && !o.has(d) {
			continue
		}
		if i != n {
			m.Elems[i], m.Elems[n] = m.Elems[n], m.Elems[i]
		}
		n++
	}
	m.Elems = m.Elems[:n]
	for i := range o.Elems {
		d := o.Elems[i].Dot
		if !m.Ctx.Covers(d) && !m.has(d) {
			m.put(&o.Elems[i])
		}
	}
	m.Ctx.Merge(o.Ctx)
}

func (m *MVReg[T]) has(d Dot) bool {
	for i := range m.Elems {
		if m.Elems[i].Dot == d {
			return true
		}
	}
	return false
}

// Reset empties the register, context included; used when a tombstone is
// collected and its memory reused.
func (m *MVReg[T]) Reset() {
	m.Ctx = m.Ctx[:0]
	m.Elems = m.Elems[:0]
}
