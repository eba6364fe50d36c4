package core

// Counter is one region's running sum of increments on a value, stamped with
// the sequence of that region's latest increment. Only the named region ever
// changes its Counter, so two copies merge by keeping the higher Seq.
//
// The integer sum is 128 bits wide (IntHi:Int): a region's own sum may pass
// the int64 range while the visible total does not. The float sum is a
// double-double (Float+FloatLo), see DD.
type Counter struct {
	Replica ReplicaID
	Seq     uint64
	Int     int64 // low 64 bits of the integer sum
	IntHi   int64 // high 64 bits
	Float   float64
	FloatLo float64
}

func (c Counter) ints() i128 { return i128{hi: c.IntHi, lo: uint64(c.Int)} }

func (c *Counter) setInts(v i128) { c.IntHi, c.Int = v.hi, int64(v.lo) }

func (c Counter) floats() DD { return DD{c.Float, c.FloatLo} }

func (c *Counter) setFloats(v DD) { c.Float, c.FloatLo = v.Hi, v.Lo }

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

// drop removes r's counter.
func (cs *Counters) drop(r ReplicaID) {
	s := *cs
	for i := range s {
		if s[i].Replica == r {
			*cs = append(s[:i], s[i+1:]...)
			return
		}
	}
}

// MergeAll merges every counter of o.
func (cs *Counters) MergeAll(o Counters) {
	for _, c := range o {
		cs.Merge(c)
	}
}

// AppendTo copies cs into dst[:0].
func (cs Counters) AppendTo(dst Counters) Counters { return append(dst[:0], cs...) }
