package core

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
