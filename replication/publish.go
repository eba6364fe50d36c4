package replication

import (
	"encoding/binary"
	"fmt"
	"sync"
)

// PUBLISH across regions (SEMANTICS.md 9): messages travel with the deltas
// but are not stored. Each local PUBLISH lands in a small ring; every
// serving link sends what was added since it last looked, on the same
// stream as the deltas; the puller hands each message to its server's
// subscribers. A link that falls behind the ring, or is down, loses
// messages, as a Redis subscriber that is not connected does.

// Ring bounds: messages and bytes held for links that have not sent them.
const (
	pubRingLen   = 4096
	pubRingBytes = 8 << 20
)

type pubMsg struct {
	seq              uint64
	channel, message []byte
	shard            bool
}

type pubRing struct {
	mu    sync.Mutex
	msgs  []pubMsg // msgs[i % pubRingLen]
	next  uint64   // sequence of the next message; held: [next-len, next)
	held  int      // messages held
	bytes int
	lost  uint64 // messages a link missed because the ring moved on
}

// Publish is the server's OnPublish hook: a local PUBLISH (or SPUBLISH,
// shard set) to send to every region. The slices are copied.
func (r *Region) Publish(channel, message []byte, shard bool) {
	g := &r.pubs
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.msgs == nil {
		g.msgs = make([]pubMsg, pubRingLen)
	}
	size := len(channel) + len(message)
	for g.held > 0 && (g.held == pubRingLen || g.bytes+size > pubRingBytes) {
		old := &g.msgs[(g.next-uint64(g.held))%pubRingLen]
		g.bytes -= len(old.channel) + len(old.message)
		*old = pubMsg{}
		g.held--
	}
	if size > pubRingBytes {
		return
	}
	g.msgs[g.next%pubRingLen] = pubMsg{seq: g.next, channel: append([]byte(nil), channel...),
		message: append([]byte(nil), message...), shard: shard}
	g.next++
	g.held++
	g.bytes += size
}

// pubCursor is where a new link starts: after every message so far (a
// subscriber elsewhere sees messages published once it is reachable).
func (r *Region) pubCursor() uint64 {
	r.pubs.mu.Lock()
	defer r.pubs.mu.Unlock()
	return r.pubs.next
}

// appendPubs appends the messages after cursor as msgPublish messages and
// returns the new cursor.
func (r *Region) appendPubs(dst []byte, cursor uint64) ([]byte, uint64) {
	g := &r.pubs
	g.mu.Lock()
	defer g.mu.Unlock()
	if cursor >= g.next {
		return dst, cursor
	}
	if oldest := g.next - uint64(g.held); cursor < oldest {
		g.lost += oldest - cursor
		cursor = oldest
	}
	for ; cursor < g.next; cursor++ {
		m := &g.msgs[cursor%pubRingLen]
		var at int
		dst, at = beginMessage(dst, msgPublish)
		flags := byte(0)
		if m.shard {
			flags = 1
		}
		dst = append(dst, flags)
		dst = binary.AppendUvarint(dst, uint64(len(m.channel)))
		dst = append(dst, m.channel...)
		dst = append(dst, m.message...)
		dst = endMessage(dst, at)
	}
	return dst, cursor
}

// SetDeliver sets how messages from other regions reach this server's
// subscribers (the network layer's Deliver).
func (r *Region) SetDeliver(fn func(channel, message []byte, shard bool) int) {
	r.mu.Lock()
	r.deliver = fn
	r.mu.Unlock()
}

// deliverPub hands a msgPublish body to the subscribers.
func (r *Region) deliverPub(body []byte) error {
	if len(body) < 1 || body[0] > 1 {
		return fmt.Errorf("%w: publish flags", errMessage)
	}
	channel, rest, ok := bytesField(body[1:])
	if !ok {
		return fmt.Errorf("%w: publish channel", errMessage)
	}
	r.mu.Lock()
	fn := r.deliver
	r.mu.Unlock()
	if fn != nil {
		fn(channel, rest, body[0] == 1)
	}
	return nil
}
