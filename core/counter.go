package core

// Counter is one region's running sum of increments on a value, stamped with
// the sequence of that region's latest increment. Only the named region ever
// changes its Counter, so two copies merge by keeping the higher Seq.
//
// Int sums wrap at 64 bits on purpose: the amount a region added since an
// observed baseline is Int-base.Int in two's complement, which is exact as
// long as that difference fits in 64 bits (a local increment that would push
// the visible value out of range is refused before it happens).
type Counter struct {
	Replica ReplicaID
	Seq     uint64
	Int     int64
	Float   float64
}

// Counters is a set of Counter sorted by Replica, one per region.
type Counters []Counter

// Get returns r's counter (zero value when absent).
func (cs Counters) Get(r ReplicaID) Counter {
	for _, c := range cs {
		if c.Replica == r {
			return c
		}
		if c.Replica > r {
			break
		}
	}
	return Counter{Replica: r}
}

// Merge keeps, per region, the counter with the higher Seq.
func (cs *Counters) Merge(c Counter) {
	s := *cs
	for i := range s {
		if s[i].Replica == c.Replica {
			if c.Seq > s[i].Seq {
				s[i] = c
			}
			return
		}
		if s[i].Replica > c.Replica {
			s = append(s, Counter{})
			copy(s[i+1:], s[i:])
			s[i] = c
			*cs = s
			return
		}
	}
	*cs = append(s, c)
}

// MergeAll merges every counter of o.
func (cs *Counters) MergeAll(o Counters) {
	for _, c := range o {
		cs.Merge(c)
	}
}

// AppendTo copies cs into dst[:0].
func (cs Counters) AppendTo(dst Counters) Counters { return append(dst[:0], cs...) }
