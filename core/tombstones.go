package core

import (
	"fmt"
	"strconv"
)

// Tombstones counts the removed names f still remembers (kept while
// Retain is set, until CollectTombstones drops them).
func (f *Fields) Tombstones() int { return len(f.M) - f.live }

// HasTombstones reports whether l still holds removed elements.
func (l *List) HasTombstones() bool {
	for s := l.lo; s < l.hi; s++ {
		if lf := l.slots[s]; lf != nil && lf.live != len(lf.nodes) {
			return true
		}
	}
	return false
}

// Stable reports whether a dead entry can be dropped: everything it knows
// of — every write its contexts name, every increment its registers count
// or removed, every list write, every HLL delete, in every slot and
// dormant container — is covered by stable, the version vector every region
// has received. Nothing it observed can then still arrive anywhere, so
// forgetting it changes no future merge.
func (e *Entry) Stable(stable VV) bool { return e.Unstable(stable) == "" }

// Unstable names the first part of e that stable does not cover yet ("":
// none), for Stable and for operators asking why a tombstone stays.
//
// A dead entry that still holds expiry writes (an EXPIRE or PERSIST that
// the delete which killed the key had not observed survives it, as any
// concurrent write does) stays too, however stable: forgotten in one
// region and kept in another, that TTL would apply to a later write of the
// key in the second only. The region OrphanExpiry names deletes them (a
// replicated observed-remove), and the tombstone goes once that delete is
// stable.
func (e *Entry) Unstable(stable VV) string {
	if e.body == nil {
		return e.General().Unstable(stable)
	}
	if why := e.unstable(stable); why != "" {
		return why
	}
	if len(e.Exp.Elems) > 0 && !e.Live() {
		rep, _ := e.orphanExpiryOwner()
		return fmt.Sprintf("expiry written concurrently with the delete, until region %d deletes it", rep)
	}
	return ""
}

// OrphanExpiry reports whether e is a dead entry that only expiry writes
// a concurrent delete did not observe keep (everything else is covered by
// stable), and names the region that should delete them: the smallest
// replica id among their writers, a region that holds them all once they
// are stable, so one delete from it removes them everywhere.
func (e *Entry) OrphanExpiry(stable VV) (ReplicaID, bool) {
	if e.body == nil {
		return 0, false // a packed key is live
	}
	if len(e.Exp.Elems) == 0 || e.Live() || e.unstable(stable) != "" {
		return 0, false
	}
	return e.orphanExpiryOwner()
}

func (e *Entry) orphanExpiryOwner() (ReplicaID, bool) {
	if len(e.Exp.Elems) == 0 {
		return 0, false
	}
	rep := e.Exp.Elems[0].Dot.Replica
	for _, el := range e.Exp.Elems[1:] {
		rep = min(rep, el.Dot.Replica)
	}
	return rep, true
}

// unstable is Unstable but for the expiry writes a dead entry holds.
func (e *Entry) unstable(stable VV) string {
	switch {
	case !e.Register.Base.Ctx.LessEq(stable):
		return "value context " + e.Register.Base.Ctx.String()
	case !countersStable(e.Register.Incs, stable):
		return "increments " + e.Register.Incs.String()
	case !countersStable(e.Register.Rem, stable):
		return "removed increments " + e.Register.Rem.String()
	case !e.Exp.Ctx.LessEq(stable):
		return "expiry context " + e.Exp.Ctx.String()
	}
	if e.Fields != nil {
		for name, r := range e.Fields.M {
			if !r.Stable(stable) {
				return "field " + name
			}
		}
	}
	switch o := e.Obj.(type) {
	case *List:
		switch {
		case o.buf != nil && (len(o.buf.where) > 0 || len(o.buf.early) > 0):
			why := fmt.Sprintf("list writes waiting: %d inserts, %d removes or sets", len(o.buf.where), len(o.buf.early))
			for id, a := range o.buf.where {
				why += fmt.Sprintf("; insert %d:%d waits for %d:%d", id.Replica, id.Seq, a.Replica, a.Seq)
				break
			}
			for id := range o.buf.early {
				why += fmt.Sprintf("; a write waits for %d:%d", id.Replica, id.Seq)
				break
			}
			return why + "; received " + o.received.String()
		case !o.received.LessEq(stable):
			return "list writes " + o.received.String()
		case !o.cleared.LessEq(stable):
			return "list deletes " + o.cleared.String()
		}
	case *HLL:
		if !o.del.LessEq(stable) {
			return "hyperloglog deletes " + o.del.String()
		}
	}
	for _, c := range e.dormant {
		if why := c.unstable(stable); why != "" {
			return c.Kind.String() + " data of a lost type conflict: " + why
		}
	}
	return ""
}

// String writes v as {replica:seq ...}.
func (v VV) String() string {
	b := []byte{'{'}
	for i, d := range v {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendUint(b, uint64(d.Replica), 10)
		b = append(b, ':')
		b = strconv.AppendUint(b, d.Seq, 10)
	}
	return string(append(b, '}'))
}

// String writes cs as {replica@seq ...}.
func (cs Counters) String() string {
	b := []byte{'{'}
	for i, c := range cs {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendUint(b, uint64(c.Replica), 10)
		b = append(b, '@')
		b = strconv.AppendUint(b, c.Seq, 10)
	}
	return string(append(b, '}'))
}
