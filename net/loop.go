package net

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meridiandb/meridian/net/config"
	"github.com/meridiandb/meridian/net/resp"
	"github.com/meridiandb/meridian/shard"
	"github.com/panjf2000/gnet/v2"
)

// Version is the Redis version Meridian reports to clients (INFO, HELLO):
// the Redis 7 command set it implements.
const Version = "7.2.0"

// MeridianVersion is Meridian's own version.
const MeridianVersion = "0.1.0"

// Options configure a Server.
type Options struct {
	// Addrs are the listen addresses, host:port.
	Addrs []string
	// Loops is the number of event loops; 0 means one per core.
	Loops  int
	Store  *shard.Store
	Config *config.Store
	Logger *slog.Logger
	// ConfigFile is the path of the config file the server started with
	// ("" when none), for INFO and CONFIG REWRITE.
	ConfigFile string
	// Replicator is the active-active layer; nil for a region without
	// peers (AA then answers that it is not enabled).
	Replicator Replicator
	// OnPublish, when set, is told of every PUBLISH (shard false) and
	// SPUBLISH (shard true) run here, after local delivery, so the
	// active-active layer can carry the message to the other regions (which
	// hand it to their Server.Deliver). It runs on the publisher's event
	// loop and must not block; channel and message are valid only during
	// the call.
	OnPublish func(channel, message []byte, shard bool)
}

// Server serves RESP on gnet event loops and runs each command on the shard
// that owns its key. Safe for use by any goroutine.
type Server struct {
	gnet.BuiltinEventEngine

	store  *shard.Store
	cfg    *config.Store
	repl   Replicator
	table  *Table
	log    *slog.Logger
	opts   Options
	engine gnet.Engine
	booted chan struct{}
	start  time.Time

	nextID     atomic.Uint64
	connected  atomic.Int64
	totalConns atomic.Uint64
	rejected   atomic.Uint64
	maxClients atomic.Int64
	qbufLimit  atomic.Int64
	limits     atomic.Pointer[resp.Limits]

	info infoState // INFO's samples and peaks

	ps pubsubRegistry // who is subscribed to what: see pubsub.go

	halt shutdownHook // how SHUTDOWN stops the program: see shutdown.go

	mu      sync.Mutex
	clients map[uint64]*Client
	loops   map[gnet.EventLoop]*loopStats
}

// loopStats are counters one event loop writes and INFO reads.
type loopStats struct {
	calls  []atomic.Uint64 // per command id
	nsec   []atomic.Uint64
	failed []atomic.Uint64
	errors atomic.Uint64
	netIn  atomic.Uint64
	netOut atomic.Uint64
}

func newLoopStats(n int) *loopStats {
	return &loopStats{calls: make([]atomic.Uint64, n), nsec: make([]atomic.Uint64, n), failed: make([]atomic.Uint64, n)}
}

// NewServer builds a server over a store.
func NewServer(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Config == nil {
		o.Config = config.New()
	}
	s := &Server{
		store:   o.Store,
		cfg:     o.Config,
		repl:    o.Replicator,
		log:     o.Logger,
		opts:    o,
		booted:  make(chan struct{}),
		start:   time.Now(),
		clients: make(map[uint64]*Client),
		loops:   make(map[gnet.EventLoop]*loopStats),
	}
	s.table = newTable(commandFamilies()...)
	s.applyConfig()
	s.cfg.OnChange(func(string, string) { s.applyConfig() })
	return s
}

// applyConfig reads the parameters the hot path uses into atomics.
func (s *Server) applyConfig() {
	s.maxClients.Store(s.cfg.Int("maxclients"))
	s.qbufLimit.Store(s.cfg.Int("client-query-buffer-limit"))
	l := resp.DefaultLimits()
	if v := s.cfg.Int("proto-max-bulk-len"); v > 0 {
		l.MaxBulkLen = v
	}
	s.limits.Store(&l)
}

// Table is the command table.
func (s *Server) Table() *Table { return s.table }

// Store is the keyspace.
func (s *Server) Store() *shard.Store { return s.store }

// ConfigFile is the config file the server started with ("" when none).
func (s *Server) ConfigFile() string { return s.opts.ConfigFile }

// Config is the parameter store.
func (s *Server) Config() *config.Store { return s.cfg }

// Serve listens and runs the event loops until Stop. It blocks.
func (s *Server) Serve() error {
	loops := s.opts.Loops
	if loops <= 0 {
		loops = runtime.NumCPU()
	}
	addrs := make([]string, len(s.opts.Addrs))
	for i, a := range s.opts.Addrs {
		addrs[i] = "tcp://" + a
	}
	opts := []gnet.Option{
		gnet.WithMulticore(true),
		gnet.WithNumEventLoop(loops),
		gnet.WithReusePort(false),
		// SO_REUSEADDR, as Redis sets it: a restarted server binds its port
		// again while the old connections sit in TIME_WAIT.
		gnet.WithReuseAddr(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithLogger(gnetLogger{s.log}),
	}
	var err error
	if len(addrs) == 1 {
		err = gnet.Run(s, addrs[0], opts...)
	} else {
		err = gnet.Rotate(s, addrs, opts...)
	}
	if err != nil {
		select {
		case <-s.booted:
		default:
			close(s.booted)
		}
		return fmt.Errorf("cannot serve on %s: %w", strings.Join(s.opts.Addrs, " "), err)
	}
	return nil
}

// Ready is closed once the server accepts connections (or failed to start).
func (s *Server) Ready() <-chan struct{} { return s.booted }

// Stop closes every connection and stops the event loops.
func (s *Server) Stop(ctx context.Context) error {
	<-s.booted
	return s.engine.Stop(ctx)
}

// OnBoot records the engine.
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.engine = eng
	close(s.booted)
	return gnet.None
}

// OnOpen creates the client's state, or refuses it past maxclients.
func (s *Server) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	s.totalConns.Add(1)
	if n := s.connected.Add(1); s.maxClients.Load() > 0 && n > s.maxClients.Load() {
		s.rejected.Add(1)
		s.connected.Add(-1)
		return []byte("-" + ErrMaxClients + "\r\n"), gnet.Close
	}
	c := &Client{
		srv:     s,
		conn:    gc,
		ID:      s.nextID.Add(1),
		parser:  resp.NewParser(*s.limits.Load()),
		Created: time.Now(),
		buf:     make([]byte, 0, 256),
	}
	c.SetProto(2)
	if a := gc.RemoteAddr(); a != nil {
		c.Addr = a.String()
	}
	if a := gc.LocalAddr(); a != nil {
		c.LocalAddr = a.String()
	}
	c.lastAt.Store(c.Created.UnixMilli())
	s.mu.Lock()
	st := s.loops[gc.EventLoop()]
	if st == nil {
		st = newLoopStats(s.table.Len())
		s.loops[gc.EventLoop()] = st
	}
	c.stats = st
	s.clients[c.ID] = c
	s.mu.Unlock()
	gc.SetContext(c)
	return nil, gnet.None
}

// OnClose forgets the client.
func (s *Server) OnClose(gc gnet.Conn, _ error) gnet.Action {
	c, ok := gc.Context().(*Client)
	if !ok {
		return gnet.None
	}
	s.connected.Add(-1)
	c.Now = time.Now().UnixMilli()
	if c.aaWait.waiting && s.repl != nil {
		s.repl.RemoveWaiter(c.Waiter())
	}
	c.Unpark(nil)
	c.pubsubReset()
	if c.link != nil && c.link.closed != nil {
		c.link.closed()
	}
	s.mu.Lock()
	delete(s.clients, c.ID)
	s.mu.Unlock()
	return gnet.None
}

// OnTraffic parses every complete command in the inbound buffer, runs them
// in order, and writes all their replies with one write.
func (s *Server) OnTraffic(gc gnet.Conn) gnet.Action {
	c := gc.Context().(*Client)
	buf, _ := gc.Peek(-1)
	if c.link != nil {
		// A replication link: its bytes are the peer's, not commands.
		err := c.link.recv(buf)
		_, _ = gc.Discard(len(buf))
		if err != nil {
			s.log.Warn("AA link closed", "peer", c.Addr, "err", err)
			return gnet.Close
		}
		return gnet.None
	}
	// One clock read per read event, frozen for its commands, as Redis
	// caches its clock; a read costs ~70 ns here, so the end of the batch is
	// timed for one read in 64 only (scaled up: enough for commandstats).
	start := time.Now()
	c.Now = start.UnixMilli()
	c.reads++
	timed := c.reads&63 == 0
	c.stats.netIn.Add(uint64(len(buf)))
	c.W.Reset()
	consumed := 0
	c.batch = c.batch[:0]
	if c.block.blocked {
		// A retry of the blocked command starts now: a wake-up from here
		// on must schedule another one.
		c.block.woken.Store(false)
	}
	for !c.closing {
		n, args, err := c.parser.Next(buf[consumed:])
		if err != nil {
			c.Error("ERR " + err.Error())
			c.closing = true
			s.log.Debug("protocol error", "client", c.Addr, "err", err)
			break
		}
		if n == 0 {
			break
		}
		consumed += n
		if len(args) == 0 {
			continue
		}
		cmd := s.dispatch(c, args)
		if c.link != nil {
			break // AA SYNC: what follows belongs to the link
		}
		if c.block.parked {
			// A blocking command waits: leave its bytes at the head of
			// the input and run nothing after it until it is served.
			c.block.parked = false
			consumed -= n
			break
		}
		if cmd != nil {
			c.batch = append(c.batch, cmd)
		}
	}
	if consumed > 0 {
		_, _ = gc.Discard(consumed)
	}
	if len(c.batch) > 0 {
		if timed {
			// Share the read's time out among its commands.
			per := 64 * uint64(time.Since(start).Nanoseconds()) / uint64(len(c.batch))
			for _, cmd := range c.batch {
				c.stats.nsec[cmd.id].Add(per)
			}
		}
		c.lastAt.Store(c.Now)
	}
	if len(c.W.B) > 0 {
		c.stats.netOut.Add(uint64(len(c.W.B)))
		_, _ = gc.Write(c.W.B)
		if cap(c.W.B) > 1<<20 {
			c.W.B = nil // do not pin a big reply's buffer to an idle client
		}
	}
	if c.closing || c.killed.Load() {
		return gnet.Close
	}
	if rest := gc.InboundBuffered(); rest > 0 && int64(rest) > s.qbufLimit.Load() && s.qbufLimit.Load() > 0 {
		c.Error(ErrQueryBuffer)
		_, _ = gc.Write(c.W.B)
		return gnet.Close
	}
	return gnet.None
}

// dispatch is the one gate every command passes: lookup, arity, then the
// handler. It returns the command run (nil when refused).
func (s *Server) dispatch(c *Client, args [][]byte) *Command {
	// A connection mostly repeats one command (a benchmark, a pipeline of
	// SETs): comparing the name with the last one costs a few nanoseconds
	// where the table's map costs twenty.
	cmd := c.cmdCache
	if cmd == nil || !sameName(args[0], cmd.Name) {
		if cmd = s.table.Lookup(args[0]); cmd != nil {
			c.cmdCache = cmd
		}
	}
	mark, mode := len(c.W.B), c.replyMode
	if cmd == nil {
		c.Error(unknownCommandError(args))
		c.applyReplyMode(mark, mode)
		return nil
	}
	if !checkArity(cmd.Arity, len(args)) {
		c.Error(wrongArgs(cmd.Name))
		c.applyReplyMode(mark, mode)
		return nil
	}
	if c.ps.on && c.W.Proto == 2 && pubsubRefused(c, cmd, args) {
		c.applyReplyMode(mark, mode)
		return nil
	}
	if cmd.Flags&FlagWrite != 0 && s.repl != nil {
		if !s.repl.Writable() {
			if !c.holdForLoading() {
				c.Error(errAALoading)
				c.applyReplyMode(mark, mode)
			}
			return nil
		}
		if c.loadingHold {
			c.releaseLoadingHold()
		}
	}
	c.stats.calls[cmd.id].Add(1) // total_commands_processed is their sum (Totals)
	if c.lastCmd.Load() != cmd {
		c.lastCmd.Store(cmd) // a swap and a write barrier: skipped when it is the same
	}
	errs := c.stats.errors.Load()
	cmd.Handler(c, args)
	if c.stats.errors.Load() != errs {
		c.stats.failed[cmd.id].Add(1)
	}
	c.applyReplyMode(mark, mode)
	return cmd
}

// applyReplyMode drops the reply just written when CLIENT REPLY said so
// before the command ran (mode): OFF drops every reply, SKIP the next one.
// CLIENT REPLY OFF and SKIP are themselves silent; CLIENT REPLY ON answers.
func (c *Client) applyReplyMode(mark, mode int) {
	if c.replyMode == replyOn && mode != replyOn {
		return // CLIENT REPLY ON answers whatever came before
	}
	if mode != replyOn || c.replyMode != replyOn {
		c.W.B = c.W.B[:mark]
	}
	if mode == replySkip && c.replyMode == replySkip {
		c.replyMode = replyOn
	}
}

// Clients returns a snapshot of the connected clients.
func (s *Server) Clients() []*Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*Client, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, c)
	}
	return out
}

// Kill closes a client's connection from any goroutine.
func (s *Server) Kill(c *Client) {
	c.killed.Store(true)
	_ = c.conn.Close()
}

// Uptime is the time since the server started.
func (s *Server) Uptime() time.Duration { return time.Since(s.start) }

// StartTime is when the server started.
func (s *Server) StartTime() time.Time { return s.start }

// Connected is the number of connected clients.
func (s *Server) Connected() int64 { return s.connected.Load() }

// CommandStat is one command's INFO commandstats line.
type CommandStat struct {
	Cmd                 *Command
	Calls, Usec, Failed uint64
}

// CommandStats sums every loop's per-command counters.
func (s *Server) CommandStats() []CommandStat {
	s.mu.Lock()
	loops := make([]*loopStats, 0, len(s.loops))
	for _, l := range s.loops {
		loops = append(loops, l)
	}
	s.mu.Unlock()
	out := make([]CommandStat, s.table.Len())
	for i, cmd := range s.table.All() {
		out[i].Cmd = cmd
		for _, l := range loops {
			out[i].Calls += l.calls[i].Load()
			out[i].Usec += l.nsec[i].Load() / 1000
			out[i].Failed += l.failed[i].Load()
		}
	}
	return out
}

// Totals are the server-wide counters for INFO stats.
type Totals struct {
	Connections, Rejected, Commands, Errors, NetIn, NetOut uint64
}

// Totals sums the loops' counters.
func (s *Server) Totals() Totals {
	t := Totals{Connections: s.totalConns.Load(), Rejected: s.rejected.Load()}
	s.mu.Lock()
	for _, l := range s.loops {
		for i := range l.calls {
			t.Commands += l.calls[i].Load()
		}
		t.Errors += l.errors.Load()
		t.NetIn += l.netIn.Load()
		t.NetOut += l.netOut.Load()
	}
	s.mu.Unlock()
	return t
}

// ResetStats zeroes the counters (CONFIG RESETSTAT).
func (s *Server) ResetStats() {
	s.mu.Lock()
	for _, l := range s.loops {
		for i := range l.calls {
			l.calls[i].Store(0)
			l.nsec[i].Store(0)
			l.failed[i].Store(0)
		}
		l.errors.Store(0)
		l.netIn.Store(0)
		l.netOut.Store(0)
	}
	s.mu.Unlock()
	s.totalConns.Store(0)
	s.rejected.Store(0)
	s.store.ResetStats()
}
