package core

// Timestamp is a hybrid logical clock reading: wall-clock milliseconds in the
// high 48 bits and a logical counter in the low 16. Comparing two Timestamps
// as integers orders them, and a region whose wall clock runs behind still
// stamps its writes after everything it has observed.
type Timestamp uint64

const logicalBits = 16

// MakeTimestamp builds a Timestamp from milliseconds and a logical counter.
func MakeTimestamp(ms int64, logical uint16) Timestamp {
	return Timestamp(uint64(ms)<<logicalBits | uint64(logical))
}

// Millis is the wall-clock part of t.
func (t Timestamp) Millis() int64 { return int64(uint64(t) >> logicalBits) }

// Clock is a hybrid logical clock. It is a plain value: owning shard only.
type Clock struct {
	last Timestamp
}

// Now returns a timestamp greater than every one this clock returned or
// observed, as close to wallMs as that allows.
func (c *Clock) Now(wallMs int64) Timestamp {
	t := MakeTimestamp(wallMs, 0)
	if t <= c.last {
		t = c.last + 1
	}
	c.last = t
	return t
}

// Observe folds a timestamp seen on a remote delta into the clock, so later
// local writes order after it.
func (c *Clock) Observe(t Timestamp) {
	if t > c.last {
		c.last = t
	}
}

// Last is the greatest timestamp issued or observed.
func (c *Clock) Last() Timestamp { return c.last }

// LWWLater reports whether write (ta, ra) beats write (tb, rb) under
// last-writer-wins: the larger timestamp wins, equal timestamps go to the
// smaller replica id.
func LWWLater(ta Timestamp, ra ReplicaID, tb Timestamp, rb ReplicaID) bool {
	if ta != tb {
		return ta > tb
	}
	return ra < rb
}
