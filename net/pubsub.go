package net

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meridiandb/meridian/net/config"
	"github.com/meridiandb/meridian/net/resp"
	"github.com/panjf2000/gnet/v2"
)

// Pub/sub: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE, their UNSUBSCRIBEs, PUBLISH,
// SPUBLISH and PUBSUB, with Redis 7.2's replies (src/pubsub.c). Shard
// channels are a namespace of their own that behaves like plain channels,
// as on a Redis server without cluster mode; patterns never see them.
//
// Who owns what. A client's own subscriptions (pubsubState) belong to its
// event loop, like the rest of Client. What a publisher on any loop needs —
// channel → subscribers and the patterns — is the server-wide registry
// (pubsubRegistry) behind one RWMutex: PUBLISH only reads it, so publishers
// on different loops do not serialise, and (un)subscribing, which is rare
// next to publishing, takes the write lock.
//
// Delivery. A subscriber's socket may only be written by its own loop, so
// PUBLISH encodes the message once per RESP version and hands the same
// bytes to every subscriber's conn.AsyncWrite, which queues a write on that
// subscriber's loop (gnet copies whatever the socket does not take at once
// into the connection's outbound buffer; the frame is never modified after
// it is queued, so one frame serves every subscriber). The publisher never
// waits for a subscriber: a slow reader only grows its own outbound buffer,
// and the pubsub class of client-output-buffer-limit closes it, as Redis
// does. The one exception is the publisher itself subscribed to the channel
// (RESP3 allows that): its message goes into its own reply buffer, before
// PUBLISH's reply, which is the order Redis writes them in.
//
// Across regions. PUBLISH reports each local message to Options.OnPublish;
// the active-active layer carries it and hands it to the other regions'
// Server.Deliver, which delivers without reporting it again.

// Subscription kinds; they index pubsubState.sets, pubsubRegistry.subs and
// psKinds.
const (
	kindChannel = iota
	kindPattern
	kindShard
	numKinds
)

// psKinds are each kind's words on the wire.
var psKinds = [numKinds]struct{ sub, unsub, msg string }{
	kindChannel: {"subscribe", "unsubscribe", "message"},
	kindPattern: {"psubscribe", "punsubscribe", "pmessage"},
	kindShard:   {"ssubscribe", "sunsubscribe", "smessage"},
}

// errPubSubContext is processCommand's refusal of a command in RESP2
// subscribed mode (src/server.c); %s is the command's full name
// ("get", "client|list").
const errPubSubContext = "ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"

// pubsubState is one client's subscriptions. sets, on and softSince belong
// to the owning loop; n mirrors the sets' sizes for other goroutines (CLIENT
// LIST, CLIENT KILL TYPE pubsub).
type pubsubState struct {
	sets [numKinds]map[string]struct{}
	n    [numKinds]atomic.Int32
	// on is Redis's CLIENT_PUBSUB flag: set by a subscribe, cleared once an
	// unsubscribe leaves nothing. In RESP2 it restricts the commands the
	// client may run.
	on bool
	// softSince is when (Unix s) the outbound buffer went over the pubsub
	// soft limit; 0 while it is under.
	softSince int64
}

// total is the number of subscriptions of every kind.
func (p *pubsubState) total() int {
	return len(p.sets[kindChannel]) + len(p.sets[kindPattern]) + len(p.sets[kindShard])
}

// count is the number a (un)subscribe confirmation carries: channels plus
// patterns for those, shard channels alone for shard channels (Redis's
// clientSubscriptionsCount and clientShardSubscriptionsCount).
func (p *pubsubState) count(k int) int {
	if k == kindShard {
		return len(p.sets[kindShard])
	}
	return len(p.sets[kindChannel]) + len(p.sets[kindPattern])
}

// counts returns CLIENT LIST's sub=, psub= and ssub=. Any goroutine.
func (p *pubsubState) counts() (sub, psub, ssub int32) {
	return p.n[kindChannel].Load(), p.n[kindPattern].Load(), p.n[kindShard].Load()
}

// subscribers are the clients subscribed to one channel or pattern.
type subscribers struct {
	name    []byte // the channel or pattern, to match without converting
	clients map[*Client]struct{}
}

// pubsubRegistry is the server-wide index PUBLISH reads. Any goroutine.
type pubsubRegistry struct {
	mu   sync.RWMutex
	subs [numKinds]map[string]*subscribers // guarded by mu; empty entries are removed

	limitsOnce sync.Once
	limits     atomic.Pointer[obufLimit] // the pubsub class of client-output-buffer-limit
}

// obufLimit is one client class's client-output-buffer-limit; 0 disables
// a limit.
type obufLimit struct {
	hard, soft int
	softSecs   int64
}

func (r *pubsubRegistry) add(k int, name string, c *Client) {
	r.mu.Lock()
	m := r.subs[k]
	if m == nil {
		m = make(map[string]*subscribers)
		r.subs[k] = m
	}
	s := m[name]
	if s == nil {
		s = &subscribers{name: []byte(name), clients: make(map[*Client]struct{}, 1)}
		m[name] = s
	}
	s.clients[c] = struct{}{}
	r.mu.Unlock()
}

func (r *pubsubRegistry) remove(k int, name string, c *Client) {
	r.mu.Lock()
	if s := r.subs[k][name]; s != nil {
		delete(s.clients, c)
		if len(s.clients) == 0 {
			delete(r.subs[k], name)
		}
	}
	r.mu.Unlock()
}

// watchLimits loads the pubsub output limit and follows CONFIG SET. It runs
// once, at the first subscription: a server nobody subscribes to never
// delivers, so it needs no limits.
func (r *pubsubRegistry) watchLimits(cfg *config.Store) {
	r.limitsOnce.Do(func() {
		load := func() {
			v, _ := cfg.Get("client-output-buffer-limit")
			r.limits.Store(parsePubSubLimit(v))
		}
		cfg.OnChange(func(name, _ string) {
			if name == "client-output-buffer-limit" {
				load()
			}
		})
		load()
	})
}

// parsePubSubLimit reads the pubsub class out of client-output-buffer-limit's
// canonical value ("normal 0 0 0 slave ... pubsub <hard> <soft> <secs>").
func parsePubSubLimit(v string) *obufLimit {
	f := strings.Fields(v)
	for i := 0; i+3 < len(f); i += 4 {
		if f[i] != "pubsub" {
			continue
		}
		hard, _ := strconv.ParseInt(f[i+1], 10, 64)
		soft, _ := strconv.ParseInt(f[i+2], 10, 64)
		secs, _ := strconv.ParseInt(f[i+3], 10, 64)
		return &obufLimit{hard: int(hard), soft: int(soft), softSecs: secs}
	}
	return &obufLimit{}
}

// pubsubCounts are INFO's pubsub_channels, pubsub_patterns and
// pubsubshard_channels. Any goroutine.
func (s *Server) pubsubCounts() (channels, patterns, shardChannels int) {
	r := &s.ps
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.subs[kindChannel]), len(r.subs[kindPattern]), len(r.subs[kindShard])
}

// Deliver delivers a message published in another region to this server's
// subscribers of channel (shard channel when shard), and to the patterns
// matching it unless shard. It returns the number of deliveries, counted as
// PUBLISH counts them, and does not call Options.OnPublish. channel and
// message may be reused once it returns. Any goroutine.
func (s *Server) Deliver(channel, message []byte, shard bool) int {
	return s.publish(nil, channel, message, shard)
}

// publish delivers a message to every subscriber and returns how many
// deliveries it made: one per subscribed client plus one per (client,
// matching pattern), as Redis's pubsubPublishMessage counts. self is the
// publishing client (nil for Deliver); it must be running on its own loop.
// Any goroutine.
func (s *Server) publish(self *Client, channel, msg []byte, shard bool) int {
	r := &s.ps
	k := kindChannel
	if shard {
		k = kindShard
	}
	n := 0
	var frames [2][]byte // the message as RESP2 and RESP3, encoded on first use
	r.mu.RLock()
	if subs := r.subs[k][string(channel)]; subs != nil {
		for cl := range subs.clients {
			deliver(self, cl, &frames, psKinds[k].msg, false, nil, channel, msg)
		}
		n += len(subs.clients)
	}
	// Redis's matcher never matches the empty channel, not even with "*"
	// (config.GlobMatch does, for KEYS); so the empty channel skips patterns.
	if !shard && len(channel) > 0 {
		for _, p := range r.subs[kindPattern] {
			if !config.GlobMatchBytes(p.name, channel, false) {
				continue
			}
			frames = [2][]byte{}
			for cl := range p.clients {
				deliver(self, cl, &frames, psKinds[kindPattern].msg, true, p.name, channel, msg)
			}
			n += len(p.clients)
		}
	}
	r.mu.RUnlock()
	return n
}

// deliver sends one message to cl. frames caches the encoded message per
// RESP version across cl's of one publish; a frame handed to AsyncWrite is
// never written to again, so sharing it is safe. Called with the registry
// read-locked, which keeps cl subscribed (and its conn open or closing).
func deliver(self, cl *Client, frames *[2][]byte, kind string, withPattern bool, pattern, channel, msg []byte) {
	if cl == self && self.replyMode == replyOn {
		// The publisher's own subscription: in its reply buffer, ahead of
		// PUBLISH's reply. (Under CLIENT REPLY OFF/SKIP that buffer is cut
		// back after the command; Redis still sends pushes then, so those go
		// the asynchronous way below.)
		self.W.B = appendMessage(self.W.B, self.W.Proto, kind, withPattern, pattern, channel, msg)
		return
	}
	if cl.conn == nil {
		return // a test client without a socket
	}
	proto := cl.Proto()
	i := 0
	if proto == 3 {
		i = 1
	}
	if frames[i] == nil {
		size := len(kind) + len(pattern) + len(channel) + len(msg) + 64
		frames[i] = appendMessage(make([]byte, 0, size), proto, kind, withPattern, pattern, channel, msg)
	}
	_ = cl.conn.AsyncWrite(frames[i], pushWritten)
}

// appendMessage encodes a message, pmessage or smessage: a push in RESP3, an
// array in RESP2 (Redis's addReplyPubsubMessage, addReplyPubsubPatMessage).
func appendMessage(b []byte, proto int, kind string, withPattern bool, pattern, channel, msg []byte) []byte {
	w := resp.Writer{B: b, Proto: proto}
	if withPattern {
		w.AppendPushLen(4)
		w.AppendBulkString(kind)
		w.AppendBulk(pattern)
	} else {
		w.AppendPushLen(3)
		w.AppendBulkString(kind)
	}
	w.AppendBulk(channel)
	w.AppendBulk(msg)
	return w.B
}

// pushWritten runs on the subscriber's loop once a message was written or
// queued: it applies the pubsub output buffer limit there, where the
// outbound buffer may be read. A package function, so delivering allocates
// no closure.
func pushWritten(gc gnet.Conn, err error) error {
	if err != nil || gc == nil {
		return nil
	}
	if c, ok := gc.Context().(*Client); ok {
		c.checkPubSubOutput(gc.OutboundBuffered())
	}
	return nil
}

// checkPubSubOutput is Redis's checkClientOutputBufferLimits for the pubsub
// class: over the hard limit, or over the soft limit for longer than its
// seconds, the client is closed. A client that unsubscribed from everything
// is a normal client again, which Meridian does not limit. Owning loop only.
func (c *Client) checkPubSubOutput(used int) {
	if used == 0 || !c.ps.on {
		c.ps.softSince = 0
		return
	}
	l := c.srv.ps.limits.Load()
	if l == nil || c.killed.Load() {
		return
	}
	over := l.hard > 0 && used >= l.hard
	if l.soft > 0 && used >= l.soft {
		now := time.Now().Unix()
		switch {
		case c.ps.softSince == 0:
			c.ps.softSince = now
		case now-c.ps.softSince > l.softSecs:
			over = true
		}
	} else {
		c.ps.softSince = 0
	}
	if over {
		c.srv.log.Warn("Client scheduled to be closed ASAP for overcoming of output buffer limits.",
			"client", c.Addr, "id", c.ID, "class", "pubsub", "buffered", used)
		c.srv.Kill(c)
	}
}

// subscribe adds one subscription and confirms it, already subscribed or
// not (pubsubSubscribeChannel, pubsubSubscribePattern).
func (c *Client) subscribe(k int, name []byte) {
	set := &c.ps.sets[k]
	if _, ok := (*set)[string(name)]; !ok {
		if *set == nil {
			*set = make(map[string]struct{})
			c.srv.ps.watchLimits(c.srv.cfg)
		}
		key := string(name)
		(*set)[key] = struct{}{}
		c.srv.ps.add(k, key, c)
		c.ps.n[k].Add(1)
	}
	c.W.AppendPushLen(3)
	c.W.AppendBulkString(psKinds[k].sub)
	c.W.AppendBulk(name)
	c.W.AppendInt(int64(c.ps.count(k)))
}

// unsubscribe drops one subscription; with notify it confirms, subscribed
// or not, as Redis does.
func (c *Client) unsubscribe(k int, name string, notify bool) {
	if _, ok := c.ps.sets[k][name]; ok {
		delete(c.ps.sets[k], name)
		c.srv.ps.remove(k, name, c)
		c.ps.n[k].Add(-1)
	}
	if notify {
		c.W.AppendPushLen(3)
		c.W.AppendBulkString(psKinds[k].unsub)
		c.W.AppendBulkString(name)
		c.W.AppendInt(int64(c.ps.count(k)))
	}
}

// unsubscribeEvery drops every subscription of kind k. With notify it
// confirms each, or, when there was none, answers one confirmation with a
// null name and the count (pubsubUnsubscribeAllChannelsInternal). Redis
// goes in hash order; Meridian in byte order, which is as good and
// repeatable.
func (c *Client) unsubscribeEvery(k int, notify bool) {
	set := c.ps.sets[k]
	if len(set) == 0 {
		if notify {
			c.W.AppendPushLen(3)
			c.W.AppendBulkString(psKinds[k].unsub)
			c.W.AppendNull()
			c.W.AppendInt(int64(c.ps.count(k)))
		}
		return
	}
	names := make([]string, 0, len(set))
	for name := range set {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		c.unsubscribe(k, name, notify)
	}
}

// pubsubReset drops every subscription silently: RESET, and the
// connection's close. Owning loop only.
func (c *Client) pubsubReset() {
	if c.ps.total() == 0 {
		return
	}
	for k := range numKinds {
		c.unsubscribeEvery(k, false)
	}
	c.ps.on = false
}

// pubsubRefused is processCommand's pub/sub context check, for a RESP2
// client with subscriptions (the caller checks that): only the
// (un)subscribe commands, PING, QUIT and RESET run; anything else is
// refused with Redis's error naming the full command name. It runs after
// the lookup and arity checks, as in Redis; so does a container's
// subcommand lookup, which its handler then reports. Owning loop only.
func pubsubRefused(c *Client, cmd *Command, args [][]byte) bool {
	switch cmd.Name {
	case "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "ping", "quit", "reset":
		return false
	}
	name := cmd.Name
	if len(cmd.Subcommands) > 0 && len(args) > 1 {
		sub := findSub(cmd.Subcommands, args[1])
		if sub == nil || !checkArity(sub.Arity, len(args)) {
			return false // the handler answers Redis's unknown-subcommand or arity error
		}
		name = sub.Name
	}
	c.Error(fmt.Sprintf(errPubSubContext, name))
	return true
}

// pingSubscribed is PING in RESP2 subscribed mode, which answers
// ["pong", message] (message "" when none) rather than +PONG, so that a
// client reading pushes can tell the reply apart. It reports whether it
// answered. Owning loop only.
func pingSubscribed(c *Client, args [][]byte) bool {
	if !c.ps.on || c.W.Proto != 2 || len(args) > 2 {
		return false
	}
	c.W.AppendArrayLen(2)
	c.W.AppendBulkString("pong")
	if len(args) == 2 {
		c.W.AppendBulk(args[1])
	} else {
		c.W.AppendBulkString("")
	}
	return true
}

// The commands.

func cmdSubscribe(c *Client, args [][]byte)  { subscribeAll(c, args, kindChannel) }
func cmdPSubscribe(c *Client, args [][]byte) { subscribeAll(c, args, kindPattern) }
func cmdSSubscribe(c *Client, args [][]byte) { subscribeAll(c, args, kindShard) }

func subscribeAll(c *Client, args [][]byte, k int) {
	for _, name := range args[1:] {
		c.subscribe(k, name)
	}
	c.ps.on = true
}

func cmdUnsubscribe(c *Client, args [][]byte)  { unsubscribeAll(c, args, kindChannel) }
func cmdPUnsubscribe(c *Client, args [][]byte) { unsubscribeAll(c, args, kindPattern) }
func cmdSUnsubscribe(c *Client, args [][]byte) { unsubscribeAll(c, args, kindShard) }

// unsubscribeAll serves the UNSUBSCRIBEs: the names given, or every
// subscription of the kind when none is.
func unsubscribeAll(c *Client, args [][]byte, k int) {
	if len(args) == 1 {
		c.unsubscribeEvery(k, true)
	} else {
		for _, name := range args[1:] {
			c.unsubscribe(k, string(name), true)
		}
	}
	c.ps.on = c.ps.total() > 0
}

func cmdPublish(c *Client, args [][]byte)  { publishCmd(c, args, false) }
func cmdSPublish(c *Client, args [][]byte) { publishCmd(c, args, true) }

// publishCmd delivers locally, replies with the number of deliveries, then
// tells the active-active layer (whose callback must copy what it keeps:
// the arguments live in the connection's input buffer).
func publishCmd(c *Client, args [][]byte, shard bool) {
	n := c.srv.publish(c, args[1], args[2], shard)
	c.W.AppendInt(int64(n))
	if f := c.srv.opts.OnPublish; f != nil {
		f(args[1], args[2], shard)
	}
}

func cmdPubSub(c *Client, args [][]byte) { runSub(c, args, pubsubSubcommands) }

// pubsubList serves PUBSUB CHANNELS and SHARDCHANNELS [pattern]: the
// channels with at least one subscriber, matching the pattern if given (the
// empty channel never matches one, as in Redis). Redis lists them in hash
// order; Meridian in byte order.
func pubsubList(c *Client, args [][]byte, k int) {
	if len(args) > 3 {
		subSyntaxError(c, args)
		return
	}
	var pat []byte
	if len(args) == 3 {
		pat = args[2]
	}
	r := &c.srv.ps
	var names []string
	r.mu.RLock()
	for name, s := range r.subs[k] {
		if pat == nil || (len(name) > 0 && config.GlobMatchBytes(pat, s.name, false)) {
			names = append(names, name)
		}
	}
	r.mu.RUnlock()
	slices.Sort(names)
	c.W.AppendArrayLen(len(names))
	for _, name := range names {
		c.W.AppendBulkString(name)
	}
}

// pubsubNumSub serves PUBSUB NUMSUB and SHARDNUMSUB [channel ...]: a flat
// array of channel, subscriber count (an array in RESP3 too, as in Redis).
// Pattern subscriptions are not counted.
func pubsubNumSub(c *Client, args [][]byte, k int) {
	r := &c.srv.ps
	c.W.AppendArrayLen(2 * (len(args) - 2))
	r.mu.RLock()
	for _, name := range args[2:] {
		n := 0
		if s := r.subs[k][string(name)]; s != nil {
			n = len(s.clients)
		}
		c.W.AppendBulk(name)
		c.W.AppendInt(int64(n))
	}
	r.mu.RUnlock()
}

func cmdPubSubChannels(c *Client, args [][]byte)      { pubsubList(c, args, kindChannel) }
func cmdPubSubShardChannels(c *Client, args [][]byte) { pubsubList(c, args, kindShard) }
func cmdPubSubNumSub(c *Client, args [][]byte)        { pubsubNumSub(c, args, kindChannel) }
func cmdPubSubShardNumSub(c *Client, args [][]byte)   { pubsubNumSub(c, args, kindShard) }

// cmdPubSubNumPat is PUBSUB NUMPAT: the number of distinct patterns
// subscribed to, by any client.
func cmdPubSubNumPat(c *Client, _ [][]byte) {
	_, patterns, _ := c.srv.pubsubCounts()
	c.W.AppendInt(int64(patterns))
}

var pubsubHelp = []string{
	"CHANNELS [<pattern>]",
	"    Return the currently active channels matching a <pattern> (default: '*').",
	"NUMPAT",
	"    Return number of subscriptions to patterns.",
	"NUMSUB [<channel> ...]",
	"    Return the number of subscribers for the specified channels, excluding",
	"    pattern subscriptions(default: no channels).",
	"SHARDCHANNELS [<pattern>]",
	"    Return the currently active shard level channels matching a <pattern> (default: '*').",
	"SHARDNUMSUB [<shardchannel> ...]",
	"    Return the number of subscribers for the specified shard level channel(s)",
}

func cmdPubSubHelp(c *Client, args [][]byte) { replyHelp(c, args, pubsubHelp) }

// flagsSub are the (un)subscribe commands' flags.
const flagsSub = FlagPubSub | FlagNoScript | FlagLoading | FlagStale

var pubsubSubcommands = []*Command{
	{Name: "pubsub|channels", Arity: -2, Flags: FlagPubSub | FlagLoading | FlagStale, Group: "pubsub", Since: "2.8.0", Summary: "Returns the active channels.", Syntax: "[pattern:pattern]", Handler: cmdPubSubChannels},
	{Name: "pubsub|numpat", Arity: 2, Flags: FlagPubSub | FlagLoading | FlagStale, Group: "pubsub", Since: "2.8.0", Summary: "Returns a count of unique pattern subscriptions.", Handler: cmdPubSubNumPat},
	{Name: "pubsub|numsub", Arity: -2, Flags: FlagPubSub | FlagLoading | FlagStale, Group: "pubsub", Since: "2.8.0", Summary: "Returns a count of subscribers to channels.", Syntax: "[channel [channel ...]]", Handler: cmdPubSubNumSub},
	{Name: "pubsub|shardchannels", Arity: -2, Flags: FlagPubSub | FlagLoading | FlagStale, Group: "pubsub", Since: "7.0.0", Summary: "Returns the active shard channels.", Syntax: "[pattern:pattern]", Handler: cmdPubSubShardChannels},
	{Name: "pubsub|shardnumsub", Arity: -2, Flags: FlagPubSub | FlagLoading | FlagStale, Group: "pubsub", Since: "7.0.0", Summary: "Returns the count of subscribers of shard channels.", Syntax: "[shardchannel [shardchannel ...]]", Handler: cmdPubSubShardNumSub},
	{Name: "pubsub|help", Arity: 2, Flags: FlagLoading | FlagStale, Group: "pubsub", Since: "6.2.0", Summary: "Returns helpful text about the different subcommands.", Handler: cmdPubSubHelp},
}

// pubsubCommands is the family's registration table. SSUBSCRIBE,
// SUNSUBSCRIBE and SPUBLISH declare their shard channels as keys, as
// Redis's COMMAND INFO shows them (for cluster clients' routing).
var pubsubCommands = []*Command{
	{Name: "subscribe", Arity: -2, Flags: flagsSub, Group: "pubsub", Since: "2.0.0", Summary: "Listens for messages published to channels.", Syntax: "channel [channel ...]", Handler: cmdSubscribe},
	{Name: "unsubscribe", Arity: -1, Flags: flagsSub, Group: "pubsub", Since: "2.0.0", Summary: "Stops listening to messages posted to channels.", Syntax: "[channel [channel ...]]", Handler: cmdUnsubscribe},
	{Name: "psubscribe", Arity: -2, Flags: flagsSub, Group: "pubsub", Since: "2.0.0", Summary: "Listens for messages published to channels that match one or more patterns.", Syntax: "pattern:pattern [pattern:pattern ...]", Handler: cmdPSubscribe},
	{Name: "punsubscribe", Arity: -1, Flags: flagsSub, Group: "pubsub", Since: "2.0.0", Summary: "Stops listening to messages published to channels that match one or more patterns.", Syntax: "[pattern:pattern [pattern:pattern ...]]", Handler: cmdPUnsubscribe},
	{Name: "publish", Arity: 3, Flags: FlagPubSub | FlagLoading | FlagStale | FlagFast, Group: "pubsub", Since: "2.0.0", Summary: "Posts a message to a channel.", Syntax: "channel message", Handler: cmdPublish},
	{Name: "pubsub", Arity: -2, Group: "pubsub", Since: "2.8.0", Summary: "A container for Pub/Sub commands.", Subcommands: pubsubSubcommands, Handler: cmdPubSub},
	{Name: "ssubscribe", Arity: -2, Flags: flagsSub, First: 1, Last: -1, Step: 1, Group: "pubsub", Since: "7.0.0", Summary: "Listens for messages published to shard channels.", Syntax: "shardchannel [shardchannel ...]", Handler: cmdSSubscribe},
	{Name: "sunsubscribe", Arity: -1, Flags: flagsSub, First: 1, Last: -1, Step: 1, Group: "pubsub", Since: "7.0.0", Summary: "Stops listening to messages posted to shard channels.", Syntax: "[shardchannel [shardchannel ...]]", Handler: cmdSUnsubscribe},
	{Name: "spublish", Arity: 3, Flags: FlagPubSub | FlagLoading | FlagStale | FlagFast, First: 1, Last: 1, Step: 1, Group: "pubsub", Since: "7.0.0", Summary: "Posts a message to a shard channel.", Syntax: "shardchannel message", Handler: cmdSPublish},
}
