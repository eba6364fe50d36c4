package core

// ReplicaID names a region inside one database (0..MaxReplicas-1).
type ReplicaID uint8

// MaxReplicas bounds the regions of one database.
const MaxReplicas = 64

// Dot names one write: the region that made it and that region's sequence
// number in the key's partition. Sequences are per (region, partition), so
// a dot is unique and grows with every write of its region to the key.
type Dot struct {
	Replica ReplicaID
	Seq     uint64
}

// VV is a compact version vector: (replica, highest sequence) pairs sorted by
// replica, with no zero entries. Most keys are written by one region, so most
// VVs hold one pair.
type VV []Dot

// Get is the highest sequence of r in v (0 when absent).
func (v VV) Get(r ReplicaID) uint64 {
	for _, d := range v {
		if d.Replica == r {
			return d.Seq
		}
		if d.Replica > r {
			break
		}
	}
	return 0
}

// Covers reports whether v has seen dot d.
func (v VV) Covers(d Dot) bool { return d.Seq != 0 && d.Seq <= v.Get(d.Replica) }

// Add raises v's entry for d.Replica to at least d.Seq.
func (v *VV) Add(d Dot) {
	if d.Seq == 0 {
		return
	}
	s := *v
	for i := range s {
		if s[i].Replica == d.Replica {
			if d.Seq > s[i].Seq {
				s[i].Seq = d.Seq
			}
			return
		}
		if s[i].Replica > d.Replica {
			s = append(s, Dot{})
			copy(s[i+1:], s[i:])
			s[i] = d
			*v = s
			return
		}
	}
	*v = append(s, d)
}

// Merge raises v to the pointwise maximum of v and o.
func (v *VV) Merge(o VV) {
	for _, d := range o {
		v.Add(d)
	}
}

// AppendTo appends a copy of v to dst[:0] and returns it; callers reuse dst
// to avoid allocating.
func (v VV) AppendTo(dst VV) VV { return append(dst[:0], v...) }

// Equal reports whether v and o hold the same pairs.
func (v VV) Equal(o VV) bool {
	if len(v) != len(o) {
		return false
	}
	for i := range v {
		if v[i] != o[i] {
			return false
		}
	}
	return true
}

// LessEq reports whether every entry of v is at most o's (v happened before
// or equals o).
func (v VV) LessEq(o VV) bool {
	for _, d := range v {
		if d.Seq > o.Get(d.Replica) {
			return false
		}
	}
	return true
}
