package net

import (
	"encoding/hex"
	"strings"
	"sync/atomic"

	"github.com/meridiandb/meridian/net/resp"
	"github.com/meridiandb/meridian/shard"
	"github.com/panjf2000/gnet/v2"
)

// The AA command: the active-active layer's RESP face. The layer itself
// (replication) is wired in by the program as a Replicator; this file
// routes the subcommands, turns a connection into a replication link on AA
// SYNC, and computes digests (which need only the keyspace).

// Replicator is the active-active layer as the network layer sees it.
type Replicator interface {
	// Sync serves AA SYNC (args after SYNC): on success the connection
	// becomes a link, send writes to it (owning the slice), buffered
	// reports the bytes waiting for the socket, closeConn closes it; recv
	// then takes every byte the peer sends, and closed is called when the
	// connection ends. On failure errText is the error reply.
	Sync(args [][]byte, send func([]byte) error, buffered func() int, closeConn func()) (recv func([]byte) error, closed func(), errText string)
	// Admin serves STATUS, PEER, PAUSE, RESUME and CONFLICTS.
	Admin(w *resp.Writer, args [][]byte)
	// Info appends INFO's crdt section lines.
	Info(dst []byte) []byte
	// WaitTarget, Reached, AddWaiter and RemoveWaiter serve AA WAIT.
	WaitTarget() []uint64
	Reached(target []uint64) int
	AddWaiter(w shard.Waiter)
	RemoveWaiter(w shard.Waiter)
	// Writable reports whether clients may write: a region that restarted
	// empty takes writes only once it holds its peers' data (its own
	// earlier writes among it), or its sequences would start over what
	// peers hold. Called for every write: it must be cheap.
	Writable() bool
}

// linkState is a connection that AA SYNC turned into a replication link.
type linkState struct {
	recv     func([]byte) error
	closed   func()
	buffered atomic.Int64 // the connection's outbound buffer, as last seen by its loop
	probing  atomic.Bool  // a refresh of buffered is queued on the loop
}

// aaWait is a client's pending AA WAIT.
type aaWait struct {
	target  []uint64
	n       int
	waiting bool
}

const errAALoading = "LOADING Meridian is loading the dataset from its peer regions"

const errSwapDBActiveActive = "ERR SWAPDB is not supported in an active-active database"

const aaNotEnabled = "ERR active-active is not enabled on this server (start it with --aa-database and --aa-region)"

func cmdAA(c *Client, args [][]byte) {
	sub := strings.ToLower(string(args[1]))
	r := c.srv.repl
	switch sub {
	case "help":
		c.W.AppendArrayLen(len(aaHelp))
		for _, l := range aaHelp {
			c.W.AppendSimple(l)
		}
		return
	case "digest":
		aaDigest(c, args)
		return
	}
	if r == nil {
		c.Error(aaNotEnabled)
		return
	}
	switch sub {
	case "sync":
		aaSync(c, args[2:])
	case "wait":
		aaWaitCmd(c, args)
	default:
		mark := len(c.W.B)
		r.Admin(&c.W, args[1:])
		if len(c.W.B) > mark && c.W.B[mark] == '-' {
			c.stats.errors.Add(1)
		}
	}
}

var aaHelp = []string{
	"AA <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
	"STATUS",
	"    This region, its database and every peer link's figures.",
	"PEER ADD <id> <name> <host:port>",
	"    Make a region a member of the database, and start pulling from it.",
	"PEER REMOVE <id> [FORCE]",
	"    Remove a region (refused while it is behind, unless FORCE); its id is refused afterwards.",
	"PAUSE <id>",
	"    Stop pulling from a peer.",
	"RESUME <id>",
	"    Resume pulling from a peer.",
	"WAIT <nregions> <timeout-ms>",
	"    Wait until this region's writes so far have reached nregions other regions; reply how many did.",
	"CONFLICTS [<count>]",
	"    The most recent data-losing conflicts (last writer wins losers, type conflicts).",
	"TOMBSTONES [<count>]",
	"    Deleted keys still remembered, each with what holds it back (a member that has not received it).",
	"DIGEST [<key>]",
	"    A digest of the visible data of the selected database, or of one key.",
	"SYNC ...",
	"    Used by peer regions to pull this region's writes.",
	"HELP",
	"    Print this help.",
}

// aaDigest serves AA DIGEST [key]: a 16-hex-digit digest of one key's
// visible state, or of the whole selected database with its key count.
func aaDigest(c *Client, args [][]byte) {
	store := c.srv.store
	var tmp [8]byte
	put := func(v uint64) []byte {
		for i := 7; i >= 0; i-- {
			tmp[i] = byte(v)
			v >>= 8
		}
		return []byte(hex.EncodeToString(tmp[:]))
	}
	switch len(args) {
	case 3:
		sh := store.ShardFor(args[2])
		x := sh.Lock(c.Now)
		d := x.DigestKey(c.DB, args[2])
		sh.Unlock()
		c.W.AppendBulk(put(d))
	case 2:
		var n int
		var sum uint64
		m := store.LockAll(c.Now)
		m.Each(func(x *shard.Exec) {
			k, s := x.Digest(c.DB)
			n += k
			sum += s
		})
		m.Unlock()
		c.W.AppendBulk(append(put(sum), ":"+itoa(n)...))
	default:
		c.Error(wrongArgs("aa|digest"))
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	if n == 0 {
		return "0"
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// aaSync turns this connection into a replication link.
func aaSync(c *Client, args [][]byte) {
	gc := c.conn
	ls := &linkState{}
	send := func(b []byte) error {
		return gc.AsyncWrite(b, func(conn gnet.Conn, err error) error {
			if err == nil {
				ls.buffered.Store(int64(conn.OutboundBuffered()))
			}
			return nil
		})
	}
	// The outbound buffer belongs to the event loop and drains there, with
	// no callback: a sender that waits for it to drain must ask the loop to
	// read it again, or it would wait forever on the figure of its last
	// send. An empty write queued behind the data reads it on the loop.
	buffered := func() int {
		n := ls.buffered.Load()
		if n > 0 && ls.probing.CompareAndSwap(false, true) {
			err := gc.AsyncWrite(nil, func(conn gnet.Conn, err error) error {
				if err == nil {
					ls.buffered.Store(int64(conn.OutboundBuffered()))
				}
				ls.probing.Store(false)
				return nil
			})
			if err != nil {
				ls.probing.Store(false)
			}
		}
		return int(n)
	}
	closeConn := func() { _ = gc.Close() }
	recv, closed, errText := c.srv.repl.Sync(args, send, buffered, closeConn)
	if errText != "" {
		c.Error(errText)
		return
	}
	ls.recv, ls.closed = recv, closed
	c.link = ls
	c.W.AppendOK()
	c.srv.log.Info("AA SYNC: serving a peer's pull", "peer", c.Addr)
}

// aaWaitCmd serves AA WAIT <nregions> <timeout-ms>: block until this
// region's writes so far (at the first call) have reached nregions other
// regions or the timeout passes; reply how many regions have them.
func aaWaitCmd(c *Client, args [][]byte) {
	r := c.srv.repl
	if len(args) != 4 {
		c.Error(wrongArgs("aa|wait"))
		return
	}
	w := &c.aaWait
	if !c.block.blocked {
		n, ok := argInt(args[2])
		if !ok || n < 0 {
			c.Error(ErrNotInteger)
			return
		}
		ms, ok := argInt(args[3])
		if !ok || ms < 0 {
			c.Error(ErrTimeoutNeg)
			return
		}
		w.target, w.n = r.WaitTarget(), int(n)
		deadline := int64(0)
		if ms > 0 {
			deadline = c.Now + ms
		}
		c.block.deadline = deadline
	}
	reached := r.Reached(w.target)
	done := reached >= w.n || w.n == 0
	if !done && c.block.blocked {
		done = c.block.reason.Load() != unblockNone || (c.block.deadline != 0 && c.Now >= c.block.deadline)
	}
	if done {
		if w.waiting {
			r.RemoveWaiter(c.Waiter())
			w.waiting = false
		}
		c.Unpark(nil)
		c.W.AppendInt(int64(reached))
		return
	}
	if !w.waiting {
		r.AddWaiter(c.Waiter())
		w.waiting = true
	}
	c.Park(nil, c.block.deadline)
}

var aaCommands = []*Command{
	{Name: "aa", Arity: -2, Flags: flagsAdmin, Group: "server", Since: "meridian-0.1", Summary: "Active-active replication: status, membership, sync, conflicts and digests.", Handler: cmdAA},
}

// loadingHoldMax bounds how long a write waits for a region that does not
// take writes yet before it is answered LOADING.
const loadingHoldMax = 2000 // ms

// holdForLoading parks a write while the region does not take writes yet
// (just started: its links come up within milliseconds; restarted: until
// it holds its peers' data). The command stays at the head of the input
// and runs again when the region wakes its waiters. It returns false when
// the wait is over without success: the caller answers LOADING.
func (c *Client) holdForLoading() bool {
	r := c.srv.repl
	if c.loadingHold {
		b := &c.block
		if b.reason.Load() != unblockNone || (b.deadline != 0 && c.Now >= b.deadline) {
			c.releaseLoadingHold()
			return false
		}
		c.Park(nil, b.deadline)
		return true
	}
	if c.block.blocked {
		return false // a blocking command's retry: not ours to hold
	}
	c.loadingHold = true
	if !c.aaWait.waiting {
		r.AddWaiter(c.Waiter())
		c.aaWait.waiting = true
	}
	c.Park(nil, c.Now+loadingHoldMax)
	return true
}

// releaseLoadingHold ends a hold, so the command runs as if first seen.
func (c *Client) releaseLoadingHold() {
	c.loadingHold = false
	if c.aaWait.waiting {
		c.srv.repl.RemoveWaiter(c.Waiter())
		c.aaWait.waiting = false
	}
	c.Unpark(nil)
}
