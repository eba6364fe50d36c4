package net

import (
	"sync/atomic"
	"time"

	"github.com/meridiandb/meridian/shard"
)

// Blocking commands (BLPOP, BZPOPMIN, ...) park their client instead of
// replying. The command's bytes stay at the head of the connection's input
// (nothing after it runs, as in Redis), the client waits on each key's shard
// (see shard.Waiter), and a wake-up — data on a key, the timeout, CLIENT
// UNBLOCK — makes the event loop parse the command again. The handler then
// knows it is a retry (c.Blocked()) and keeps the original deadline.

// Reasons a blocked client is let go without data.
const (
	unblockNone = iota
	unblockTimeout
	unblockError
)

// blockState is a client's blocking bookkeeping. Owning loop only, but for
// the atomics, which timers and other loops set.
type blockState struct {
	parked   bool  // the handler just parked the client: stop this batch
	blocked  bool  // a blocking command waits at the head of the input
	deadline int64 // Unix ms; 0 waits forever
	timer    *time.Timer
	keys     [][]byte // copies of the keys waited on
	db       int

	isBlocked atomic.Bool  // blocked, for INFO and CLIENT UNBLOCK
	woken     atomic.Bool  // a wake-up is scheduled and not yet served
	reason    atomic.Int32 // unblock* set by the timer or CLIENT UNBLOCK
}

// waiter adapts a Client to shard.Waiter.
type waiter Client

// Wake schedules a retry of the blocked command on the client's loop. Any
// goroutine; called with a shard held, so it only asks gnet to wake the
// connection.
func (w *waiter) Wake() {
	c := (*Client)(w)
	if c.block.woken.CompareAndSwap(false, true) && c.conn != nil {
		_ = c.conn.Wake(nil)
	}
}

// Waiter is the client as a shard.Waiter.
func (c *Client) Waiter() shard.Waiter { return (*waiter)(c) }

// Blocked reports whether this run of the handler is a retry of a command
// that blocked before.
func (c *Client) Blocked() bool { return c.block.blocked }

// BlockDeadline parses a blocking command's timeout (seconds, a float;
// 0 = forever) into a deadline, or returns the stored one on a retry.
// It writes the error reply and returns ok=false on a bad timeout.
func (c *Client) BlockDeadline(arg []byte) (int64, bool) {
	if c.block.blocked {
		return c.block.deadline, true
	}
	f, ok := argFloat(arg)
	if !ok {
		c.Error(ErrTimeoutInvalid)
		return 0, false
	}
	if f < 0 {
		c.Error(ErrTimeoutNeg)
		return 0, false
	}
	if f == 0 {
		return 0, true
	}
	ms := int64(f * 1000)
	if ms < 1 {
		ms = 1
	}
	return c.Now + ms, true
}

// BlockGiveUp reports whether a blocked client must stop waiting now: its
// deadline passed, or CLIENT UNBLOCK said so. It writes the reply for that
// case: timeoutReply for a timeout (Redis answers a null array, or a null
// for the zset pops in RESP3), the UNBLOCKED error for CLIENT UNBLOCK ERROR.
func (c *Client) BlockGiveUp(deadline int64, timeoutReply func()) bool {
	r := c.block.reason.Load()
	if r == unblockNone && (deadline == 0 || c.Now < deadline) {
		return false
	}
	if r == unblockError {
		c.Error(errUnblocked)
	} else {
		timeoutReply()
	}
	return true
}

// Park blocks the client on keys (already registered with each key's shard
// through Waiter, under the same lock as the check that found them empty).
func (c *Client) Park(keys [][]byte, deadline int64) {
	b := &c.block
	b.parked = true
	if b.blocked {
		return // a retry that found nothing: same keys, same deadline
	}
	b.blocked, b.deadline, b.db = true, deadline, c.DB
	b.keys = b.keys[:0]
	for _, k := range keys {
		b.keys = append(b.keys, append([]byte(nil), k...))
	}
	b.reason.Store(unblockNone)
	b.isBlocked.Store(true)
	if deadline > 0 {
		b.timer = time.AfterFunc(time.Duration(deadline-c.Now)*time.Millisecond, func() {
			b.reason.CompareAndSwap(unblockNone, unblockTimeout)
			c.Waiter().Wake()
		})
	}
}

// Unpark ends a client's blocking after a retry served it (or gave up):
// it leaves every key's queue. Call it with none of the keys' shards held,
// or pass the held shards as m.
func (c *Client) Unpark(m *shard.Multi) {
	b := &c.block
	if !b.blocked {
		return
	}
	for _, k := range b.keys {
		if m != nil {
			m.For(k).Unblock(b.db, k, c.Waiter())
			continue
		}
		sh := c.srv.store.ShardFor(k)
		x := sh.Lock(c.Now)
		x.Unblock(b.db, k, c.Waiter())
		sh.Unlock()
	}
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	b.blocked = false
	b.isBlocked.Store(false)
	b.woken.Store(false)
	b.reason.Store(unblockNone)
}

// unblockRemote is CLIENT UNBLOCK's part: any goroutine.
func (c *Client) unblockRemote(reason int32) bool {
	if !c.block.isBlocked.Load() {
		return false
	}
	c.block.reason.CompareAndSwap(unblockNone, reason)
	c.Waiter().Wake()
	return true
}

// BlockedClients counts clients waiting in a blocking command.
func (s *Server) BlockedClients() (n int) {
	for _, c := range s.Clients() {
		if c.block.isBlocked.Load() {
			n++
		}
	}
	return n
}
