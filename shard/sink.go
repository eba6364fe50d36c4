package shard

import "github.com/meridiandb/meridian/core"

// Sink receives every delta a shard produces, in order, while the shard is
// held. It must not keep d or its slices after returning: a backlog encodes
// it into its own buffer.
type Sink interface {
	Append(partition int, d *core.Delta)
}

// CountingSink counts deltas and drops them: the sink of a region that has
// no peers. Owning shard only.
type CountingSink struct {
	Deltas uint64
	Bytes  uint64
}

// Append counts d.
func (c *CountingSink) Append(partition int, d *core.Delta) {
	c.Deltas++
	c.Bytes += uint64(len(d.Key) + len(d.Value))
}
