package net

import (
	"sync/atomic"
	"time"

	"github.com/meridiandb/meridian/net/resp"
	"github.com/panjf2000/gnet/v2"
)

// Reply modes of CLIENT REPLY.
const (
	replyOn = iota
	replyOff
	replySkip
)

// Client is one connection's state. Its event loop owns it: handlers run on
// that loop and touch the plain fields freely. Fields other goroutines read
// (CLIENT LIST, CLIENT KILL, INFO) are atomics.
type Client struct {
	srv    *Server
	conn   gnet.Conn
	ID     uint64
	parser *resp.Parser
	// W collects the replies of the commands of one read; the loop writes
	// it to the socket once per read (one write per pipeline).
	W resp.Writer
	// DB is the selected database.
	DB int
	// Now is the frozen time of the current batch of commands (Unix ms).
	Now int64
	// Addr and LocalAddr are the peer and local addresses, as host:port.
	Addr, LocalAddr string
	Created         time.Time

	replyMode int
	closing   bool // close after this batch's replies are written
	stats     *loopStats
	batch     []*Command // commands of the current read, for timing
	reads     uint64     // reads served, to time one in 64
	keys      [][]byte   // reusable list of a multi-key command's keys
	block     blockState // BLPOP and friends: see blocking.go
	buf       []byte     // scratch for values copied out of a shard
	link      *linkState // set once AA SYNC made this connection a replication link
	cmdCache  *Command   // the table row this connection looked up last (see dispatch)
	aaWait    aaWait     // AA WAIT's target while it blocks
	// loadingHold: a write waits (parked) for the region to take writes
	// (see holdForLoading).
	loadingHold bool

	// ps is the client's subscriptions (SUBSCRIBE and friends): see pubsub.go.
	ps pubsubState

	name    atomic.Pointer[string]
	db      atomic.Int32
	lastCmd atomic.Pointer[Command]
	lastAt  atomic.Int64 // Unix ms of the last command
	killed  atomic.Bool
	// proto mirrors W.Proto for other goroutines; libName and libVer are
	// CLIENT SETINFO's; noEvict and noTouch are CLIENT NO-EVICT/NO-TOUCH.
	proto            atomic.Int32
	libName, libVer  atomic.Pointer[string]
	noEvict, noTouch atomic.Bool
}

// SetProto switches the client's RESP version (HELLO, RESET).
func (c *Client) SetProto(p int) {
	c.W.Proto = p
	c.proto.Store(int32(p))
}

// Proto is the client's RESP version. Any goroutine.
func (c *Client) Proto() int { return int(c.proto.Load()) }

// Lib returns CLIENT SETINFO's library name and version. Any goroutine.
func (c *Client) Lib() (name, ver string) {
	if p := c.libName.Load(); p != nil {
		name = *p
	}
	if p := c.libVer.Load(); p != nil {
		ver = *p
	}
	return name, ver
}

// Name is the client's name (CLIENT SETNAME), "" when unset. Any goroutine.
func (c *Client) Name() string {
	if p := c.name.Load(); p != nil {
		return *p
	}
	return ""
}

// SetName sets the client's name.
func (c *Client) SetName(n string) { c.name.Store(&n) }

// Select switches the client's database.
func (c *Client) Select(db int) {
	c.DB = db
	c.db.Store(int32(db))
}

// Srv is the server the client is connected to.
func (c *Client) Srv() *Server { return c.srv }

// CloseAfterReply closes the connection once this batch's replies are out.
func (c *Client) CloseAfterReply() { c.closing = true }

// Error writes an error reply and counts it for INFO errorstats.
func (c *Client) Error(msg string) {
	c.W.AppendError(msg)
	c.stats.errors.Add(1)
}

// Buf returns the client's scratch buffer, emptied.
func (c *Client) Buf() []byte { return c.buf[:0] }

// KeepBuf stores a (possibly grown) scratch buffer for reuse.
func (c *Client) KeepBuf(b []byte) {
	if cap(b) > cap(c.buf) && cap(b) <= 1<<20 {
		c.buf = b[:0]
	}
}
