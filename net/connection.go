package net

import (
	"crypto/subtle"
	"fmt"
	"math"
	"slices"
)

// The connection family: PING, ECHO, QUIT, RESET, HELLO, SELECT and the
// CLIENT container, with Redis 7.2's replies and error texts.

// defaultUser is the one ACL user Meridian has, Redis's "default".
const defaultUser = "default"

func cmdPing(c *Client, args [][]byte) {
	if pingSubscribed(c, args) {
		return
	}
	switch len(args) {
	case 1:
		c.W.AppendSimple("PONG")
	case 2:
		c.W.AppendBulk(args[1])
	default:
		c.Error(wrongArgs("ping"))
	}
}

func cmdEcho(c *Client, args [][]byte) { c.W.AppendBulk(args[1]) }

// cmdQuit replies +OK and closes the connection once the reply is out, as
// Redis 7.2 still does (the command is deprecated, clients just close).
func cmdQuit(c *Client, _ [][]byte) {
	c.W.AppendOK()
	c.CloseAfterReply()
}

// cmdReset is Redis's clearClientConnectionState: database 0, RESP2, no
// name, replies on, no-evict and no-touch off, no subscriptions (dropped
// without confirmations). The library name and version stay: they still
// describe the client library behind the connection.
func cmdReset(c *Client, _ [][]byte) {
	c.Select(0)
	c.SetProto(2)
	c.SetName("")
	c.replyMode = replyOn
	c.noEvict.Store(false)
	c.noTouch.Store(false)
	c.pubsubReset()
	c.W.AppendSimple("RESET")
}

// cmdHello serves HELLO [protover [AUTH username password] [SETNAME name]].
// Options are all checked before anything changes, as in Redis's
// helloCommand: a bad option or failed AUTH leaves protocol and name as
// they were.
func cmdHello(c *Client, args [][]byte) {
	var ver int64
	next := 1
	if len(args) >= 2 {
		v, ok := argInt(args[1])
		if !ok {
			c.Error(errProtoVersion)
			return
		}
		if v < 2 || v > 3 {
			c.Error(ErrNoProto)
			return
		}
		ver, next = v, 2
	}
	var user, pass, name []byte
	auth, setName := false, false
	for j := next; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case is(args[j], "auth") && more >= 2:
			user, pass, auth = args[j+1], args[j+2], true
			j += 2
		case is(args[j], "setname") && more >= 1:
			if !validClientName(args[j+1]) {
				c.Error(errClientName)
				return
			}
			name, setName = args[j+1], true
			j++
		default:
			c.Error(fmt.Sprintf(errHelloOption, args[j]))
			return
		}
	}
	if auth && !checkPassword(c, user, pass) {
		c.Error(errWrongPass)
		return
	}
	if setName {
		c.SetName(string(name))
	}
	if ver != 0 {
		c.SetProto(int(ver))
	}
	c.W.AppendMapLen(7)
	c.W.AppendBulkString("server")
	c.W.AppendBulkString("redis")
	c.W.AppendBulkString("version")
	c.W.AppendBulkString(Version)
	c.W.AppendBulkString("proto")
	c.W.AppendInt(int64(c.W.Proto))
	c.W.AppendBulkString("id")
	c.W.AppendUint(c.ID)
	c.W.AppendBulkString("mode")
	c.W.AppendBulkString("standalone")
	c.W.AppendBulkString("role")
	c.W.AppendBulkString("master")
	c.W.AppendBulkString("modules")
	c.W.AppendArrayLen(0)
}

// checkPassword is ACLAuthenticateUser for the one user Meridian has:
// "default", which takes any password while requirepass is empty (Redis's
// nopass default user) and exactly requirepass otherwise.
func checkPassword(c *Client, user, pass []byte) bool {
	if string(user) != defaultUser {
		return false
	}
	want, _ := c.srv.cfg.Get("requirepass")
	if want == "" {
		return true
	}
	return subtle.ConstantTimeCompare([]byte(want), pass) == 1
}

func cmdSelect(c *Client, args [][]byte) {
	id, ok := argInt(args[1])
	if !ok || id < math.MinInt32 || id > math.MaxInt32 {
		c.Error(ErrNotInteger)
		return
	}
	if id < 0 || id >= int64(c.srv.store.Databases()) {
		c.Error(ErrDBIndex)
		return
	}
	c.Select(int(id))
	c.W.AppendOK()
}

// validClientName is Redis's validateClientAttr: printable ASCII without
// spaces ('!' to '~'). The empty name is valid and clears the name.
func validClientName(b []byte) bool {
	for _, ch := range b {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

// clientView is what CLIENT LIST shows of a client. Any goroutine.
func clientView(cl *Client) (proto int, libName, libVer string, noEvict, noTouch bool) {
	libName, libVer = cl.Lib()
	return cl.Proto(), libName, libVer, cl.noEvict.Load(), cl.noTouch.Load()
}

// appendClientInfo appends Redis 7.2's CLIENT LIST line for cl (without the
// newline). Fields Meridian does not track (buffers, memory) are zero.
func appendClientInfo(b []byte, cl, self *Client, nowMs int64) []byte {
	proto, libName, libVer, noEvict, noTouch := clientView(cl)
	fd := -1
	if cl.conn != nil {
		fd = cl.conn.Fd()
	}
	idle := (nowMs - cl.lastAt.Load()) / 1000
	if cl == self || idle < 0 {
		idle = 0
	}
	age := nowMs/1000 - cl.Created.Unix()
	if age < 0 {
		age = 0
	}
	sub, psub, ssub := cl.ps.counts()
	flags := ""
	if sub+psub+ssub > 0 {
		flags += "P"
	}
	if cl == self && self.closing { // only the owning loop may read closing
		flags += "c"
	}
	if noEvict {
		flags += "e"
	}
	if noTouch {
		flags += "T"
	}
	if flags == "" {
		flags = "N"
	}
	cmd := "NULL"
	if lc := cl.lastCmd.Load(); lc != nil {
		cmd = lc.Name
	}
	return fmt.Appendf(b, "id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d ssub=%d multi=-1 "+
		"qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=%s user=%s redir=-1 resp=%d lib-name=%s lib-ver=%s",
		cl.ID, cl.Addr, cl.LocalAddr, fd, cl.Name(), age, idle, flags, cl.db.Load(), sub, psub, ssub, cmd, defaultUser, proto, libName, libVer)
}

// sortedClients is the connected clients by id, the caller included,
// without the ones already killed.
func sortedClients(s *Server) []*Client {
	cls := s.Clients()
	out := cls[:0]
	for _, cl := range cls {
		if !cl.killed.Load() {
			out = append(out, cl)
		}
	}
	slices.SortFunc(out, func(a, b *Client) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

// The CLIENT container.

func cmdClient(c *Client, args [][]byte) { runSub(c, args, clientSubcommands) }

func cmdClientID(c *Client, _ [][]byte) { c.W.AppendUint(c.ID) }

func cmdClientSetName(c *Client, args [][]byte) {
	if !validClientName(args[2]) {
		c.Error(errClientName)
		return
	}
	c.SetName(string(args[2]))
	c.W.AppendOK()
}

func cmdClientGetName(c *Client, _ [][]byte) {
	if n := c.Name(); n != "" {
		c.W.AppendBulkString(n)
		return
	}
	c.W.AppendNull()
}

// Client types of CLIENT LIST TYPE and CLIENT KILL TYPE. Meridian has no
// replica or master clients: they are clientOther, which no client is.
const (
	clientNormal = iota
	clientPubSub
	clientOther
)

// clientTypeKnown is getClientTypeByName: the words CLIENT LIST TYPE and
// CLIENT KILL TYPE accept.
func clientTypeKnown(t []byte) (typ int, ok bool) {
	switch {
	case is(t, "normal"):
		return clientNormal, true
	case is(t, "pubsub"):
		return clientPubSub, true
	case is(t, "slave"), is(t, "replica"), is(t, "master"):
		return clientOther, true
	}
	return 0, false
}

// clientTypeOf is getClientType: a client with subscriptions (Redis's
// CLIENT_PUBSUB) is "pubsub", any other "normal". Any goroutine.
func clientTypeOf(cl *Client) int {
	if sub, psub, ssub := cl.ps.counts(); sub+psub+ssub > 0 {
		return clientPubSub
	}
	return clientNormal
}

// cmdClientList serves CLIENT LIST [TYPE type | ID id [id ...]].
func cmdClientList(c *Client, args [][]byte) {
	var out []byte
	switch {
	case len(args) == 4 && is(args[2], "type"):
		typ, ok := clientTypeKnown(args[3])
		if !ok {
			c.Error(fmt.Sprintf(errClientType, args[3]))
			return
		}
		for _, cl := range sortedClients(c.srv) {
			if clientTypeOf(cl) == typ {
				out = appendClientInfo(out, cl, c, c.Now)
				out = append(out, '\n')
			}
		}
	case len(args) > 3 && is(args[2], "id"):
		byID := make(map[uint64]*Client)
		for _, cl := range sortedClients(c.srv) {
			byID[cl.ID] = cl
		}
		for _, a := range args[3:] {
			id, ok := argInt(a)
			if !ok {
				c.Error(errInvalidID)
				return
			}
			if cl := byID[uint64(id)]; cl != nil && id > 0 {
				out = appendClientInfo(out, cl, c, c.Now)
				out = append(out, '\n')
			}
		}
	case len(args) != 2:
		c.Error(ErrSyntax)
		return
	default:
		for _, cl := range sortedClients(c.srv) {
			out = appendClientInfo(out, cl, c, c.Now)
			out = append(out, '\n')
		}
	}
	c.W.AppendVerbatim("txt", out)
}

func cmdClientInfo(c *Client, _ [][]byte) {
	out := appendClientInfo(nil, c, c, c.Now)
	c.W.AppendVerbatim("txt", append(out, '\n'))
}

// cmdClientKill serves both forms: CLIENT KILL addr:port (+OK or an error;
// may kill the caller) and CLIENT KILL <filter> <value> ... (the number
// killed; SKIPME defaults to yes). The caller is closed after its reply;
// others are closed from here, which gnet hands to their own loops.
func cmdClientKill(c *Client, args [][]byte) {
	var (
		addr, laddr       []byte
		id                uint64
		typeSet           bool
		typ               int
		skipMe            = true
		maxAge            int64
		hasAddr, hasLaddr bool
	)
	switch {
	case len(args) == 3:
		addr, hasAddr, skipMe = args[2], true, false
	case len(args) > 3 && len(args)%2 == 0:
		for i := 2; i < len(args); i += 2 {
			opt, val := args[i], args[i+1]
			switch {
			case is(opt, "id"):
				v, ok := argInt(val)
				if !ok || v < 1 {
					c.Error(errClientIDRange)
					return
				}
				id = uint64(v)
			case is(opt, "type"):
				t, ok := clientTypeKnown(val)
				if !ok {
					c.Error(fmt.Sprintf(errClientType, val))
					return
				}
				typeSet, typ = true, t
			case is(opt, "addr"):
				addr, hasAddr = val, true
			case is(opt, "laddr"):
				laddr, hasLaddr = val, true
			case is(opt, "user"):
				if string(val) != defaultUser {
					c.Error(fmt.Sprintf(errNoSuchUser, val))
					return
				}
			case is(opt, "skipme"):
				switch {
				case is(val, "yes"):
					skipMe = true
				case is(val, "no"):
					skipMe = false
				default:
					c.Error(ErrSyntax)
					return
				}
			case is(opt, "maxage"):
				v, ok := argInt(val)
				if !ok {
					c.Error(ErrNotInteger)
					return
				}
				maxAge = v
			default:
				c.Error(ErrSyntax)
				return
			}
		}
	default:
		c.Error(ErrSyntax)
		return
	}
	killed := 0
	killSelf := false
	for _, cl := range sortedClients(c.srv) {
		switch {
		case hasAddr && cl.Addr != string(addr),
			hasLaddr && cl.LocalAddr != string(laddr),
			typeSet && clientTypeOf(cl) != typ,
			id != 0 && cl.ID != id,
			maxAge > 0 && c.Now/1000-cl.Created.Unix() < maxAge,
			cl == c && skipMe:
			continue
		}
		if cl == c {
			killSelf = true
		} else {
			c.srv.Kill(cl)
		}
		killed++
	}
	if len(args) == 3 {
		if killed == 0 {
			c.Error(errNoSuchClient)
		} else {
			c.W.AppendOK()
		}
	} else {
		c.W.AppendInt(int64(killed))
	}
	if killSelf {
		c.CloseAfterReply()
	}
}

// cmdClientSetInfo serves CLIENT SETINFO LIB-NAME|LIB-VER value.
func cmdClientSetInfo(c *Client, args [][]byte) {
	attr, val := args[2], args[3]
	nameAttr := is(attr, "lib-name")
	if !nameAttr && !is(attr, "lib-ver") {
		c.Error(fmt.Sprintf(errUnrecognized, attr))
		return
	}
	if !validClientName(val) {
		c.Error(fmt.Sprintf(errClientAttr, attr))
		return
	}
	v := string(val)
	if nameAttr {
		c.libName.Store(&v)
	} else {
		c.libVer.Store(&v)
	}
	c.W.AppendOK()
}

// cmdClientReply serves CLIENT REPLY ON|OFF|SKIP. Only ON replies; the
// dispatcher drops the replies that OFF and SKIP suppress.
func cmdClientReply(c *Client, args [][]byte) {
	switch {
	case is(args[2], "on"):
		c.replyMode = replyOn
		c.W.AppendOK()
	case is(args[2], "off"):
		c.replyMode = replyOff
	case is(args[2], "skip"):
		if c.replyMode != replyOff {
			c.replyMode = replySkip
		}
	default:
		c.Error(ErrSyntax)
	}
}

// cmdClientUnblock serves CLIENT UNBLOCK id [TIMEOUT|ERROR]. No Meridian
// command blocks yet, so no client is ever unblocked: the reply is 0.
func cmdClientUnblock(c *Client, args [][]byte) {
	if len(args) > 4 {
		subSyntaxError(c, args)
		return
	}
	if len(args) == 4 && !is(args[3], "timeout") && !is(args[3], "error") {
		c.Error(errUnblockReason)
		return
	}
	id, ok := argInt(args[2])
	if !ok {
		c.Error(ErrNotInteger)
		return
	}
	reason := int32(unblockTimeout)
	if len(args) == 4 && is(args[3], "error") {
		reason = unblockError
	}
	for _, o := range c.srv.Clients() {
		if int64(o.ID) == id && o.unblockRemote(reason) {
			c.W.AppendInt(1)
			return
		}
	}
	c.W.AppendInt(0)
}

// cmdClientNoEvict serves CLIENT NO-EVICT and CLIENT NO-TOUCH on|off: the
// modes are recorded (CLIENT LIST shows them as flags e and T).
func cmdClientNoEvict(c *Client, args [][]byte) {
	var on bool
	switch {
	case is(args[2], "on"):
		on = true
	case is(args[2], "off"):
	default:
		c.Error(ErrSyntax)
		return
	}
	if is(args[1], "no-evict") {
		c.noEvict.Store(on)
	} else {
		c.noTouch.Store(on)
	}
	c.W.AppendOK()
}

var clientHelp = []string{
	"GETNAME",
	"    Return the name of the current connection.",
	"ID",
	"    Return the ID of the current connection.",
	"INFO",
	"    Return information about the current client connection.",
	"KILL <ip:port>",
	"    Kill connection made from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]",
	"    Kill connections. Options are:",
	"    * ADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made from the specified address",
	"    * LADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made to specified local address",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Kill connections by type.",
	"    * USER <username>",
	"      Kill connections authenticated by <username>.",
	"    * SKIPME (YES|NO)",
	"      Skip killing current connection (default: yes).",
	"    * ID <client-id>",
	"      Kill connections by client id.",
	"    * MAXAGE <maxage>",
	"      Kill connections older than the specified age.",
	"LIST [options ...]",
	"    Return information about client connections. Options:",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Return clients of specified type.",
	"REPLY (ON|OFF|SKIP)",
	"    Control the replies sent to the current connection.",
	"SETNAME <name>",
	"    Assign the name <name> to the current connection.",
	"SETINFO <option> <value>",
	"    Set client meta attr. Options are:",
	"    * LIB-NAME: the client lib name.",
	"    * LIB-VER: the client lib version.",
	"UNBLOCK <clientid> [TIMEOUT|ERROR]",
	"    Unblock the specified blocked client.",
	"NO-EVICT (ON|OFF)",
	"    Protect current client connection from eviction.",
	"NO-TOUCH (ON|OFF)",
	"    Will not touch LRU/LFU stats when this mode is on.",
}

func cmdClientHelp(c *Client, args [][]byte) { replyHelp(c, args, clientHelp) }

const flagsConn = FlagNoScript | FlagLoading | FlagStale

var clientSubcommands = []*Command{
	{Name: "client|id", Arity: 2, Flags: flagsConn, Group: "connection", Since: "5.0.0", Summary: "Returns the unique client ID of the connection.", Handler: cmdClientID},
	{Name: "client|setname", Arity: 3, Flags: flagsConn, Group: "connection", Since: "2.6.9", Summary: "Sets the connection name.", Syntax: "connection-name", Handler: cmdClientSetName},
	{Name: "client|getname", Arity: 2, Flags: flagsConn, Group: "connection", Since: "2.6.9", Summary: "Returns the name of the connection.", Handler: cmdClientGetName},
	{Name: "client|list", Arity: -2, Flags: FlagAdmin | flagsConn, Group: "connection", Since: "2.4.0", Summary: "Lists open connections.", Syntax: "[TYPE client-type:(NORMAL | MASTER | REPLICA | PUBSUB)] [ID client-id:int [client-id:int ...]]", Tips: []string{"nondeterministic_output"}, Handler: cmdClientList},
	{Name: "client|info", Arity: 2, Flags: flagsConn, Group: "connection", Since: "6.2.0", Summary: "Returns information about the connection.", Tips: []string{"nondeterministic_output"}, Handler: cmdClientInfo},
	{Name: "client|kill", Arity: -3, Flags: FlagAdmin | flagsConn, Group: "connection", Since: "2.4.0", Summary: "Terminates open connections.", Syntax: "filter:(ip:port | new-format:([ID client-id:int] [TYPE client-type:(NORMAL | MASTER | SLAVE | REPLICA | PUBSUB)] [USER username] [ADDR ip:port] [LADDR ip:port] [SKIPME skipme:(YES | NO)] [MAXAGE maxage:int]))", Handler: cmdClientKill},
	{Name: "client|setinfo", Arity: 4, Flags: flagsConn, Group: "connection", Since: "7.2.0", Summary: "Sets information specific to the client or connection.", Syntax: "attr:(LIB-NAME libname | LIB-VER libver)", Handler: cmdClientSetInfo},
	{Name: "client|reply", Arity: 3, Flags: flagsConn, Group: "connection", Since: "3.2.0", Summary: "Instructs the server whether to reply to commands.", Syntax: "action:(ON | OFF | SKIP)", Handler: cmdClientReply},
	{Name: "client|unblock", Arity: -3, Flags: FlagAdmin | flagsConn, Group: "connection", Since: "5.0.0", Summary: "Unblocks a client blocked by a blocking command from a different connection.", Syntax: "client-id:int [unblock-type:(TIMEOUT | ERROR)]", Handler: cmdClientUnblock},
	{Name: "client|no-evict", Arity: 3, Flags: FlagAdmin | flagsConn, Group: "connection", Since: "7.0.0", Summary: "Sets the client eviction mode of the connection.", Syntax: "enabled:(ON | OFF)", Handler: cmdClientNoEvict},
	{Name: "client|no-touch", Arity: 3, Flags: flagsConn, Group: "connection", Since: "7.2.0", Summary: "Controls whether commands sent by the client affect the LRU/LFU of accessed keys.", Syntax: "enabled:(ON | OFF)", Handler: cmdClientNoEvict},
	{Name: "client|help", Arity: 2, Flags: FlagLoading | FlagStale, Group: "connection", Since: "5.0.0", Summary: "Returns helpful text about the different subcommands.", Handler: cmdClientHelp},
}

var connectionCommands = []*Command{
	{Name: "ping", Arity: -1, Flags: FlagFast, Group: "connection", Since: "1.0.0", Summary: "Returns the server's liveliness response.", Syntax: "[message]", Tips: []string{"request_policy:all_shards", "response_policy:all_succeeded"}, Handler: cmdPing},
	{Name: "echo", Arity: 2, Flags: FlagFast, Group: "connection", Since: "1.0.0", Summary: "Returns the given string.", Syntax: "message", Handler: cmdEcho},
	{Name: "quit", Arity: -1, Flags: FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagNoAuth, Group: "connection", Since: "1.0.0", Summary: "Closes the connection.", Handler: cmdQuit},
	{Name: "reset", Arity: 1, Flags: FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagNoAuth, Group: "connection", Since: "6.2.0", Summary: "Resets the connection.", Handler: cmdReset},
	{Name: "hello", Arity: -1, Flags: FlagNoScript | FlagLoading | FlagStale | FlagFast | FlagNoAuth, Group: "connection", Since: "6.0.0", Summary: "Handshakes with the Redis server.", Syntax: "[arguments:(protover:int [AUTH username password] [SETNAME clientname])]", Handler: cmdHello},
	{Name: "select", Arity: 2, Flags: FlagLoading | FlagStale | FlagFast, Group: "connection", Since: "1.0.0", Summary: "Changes the selected database.", Syntax: "index:int", Handler: cmdSelect},
	{Name: "client", Arity: -2, Group: "connection", Since: "2.4.0", Summary: "A container for client connection commands.", Subcommands: clientSubcommands, Handler: cmdClient},
}
