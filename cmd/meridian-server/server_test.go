package main

// Integration tests of the connection and server command families (PING,
// ECHO, QUIT, RESET, HELLO, SELECT, CLIENT, INFO, CONFIG, TIME, COMMAND,
// DEBUG, MEMORY, OBJECT) against the real binary, through go-redis in RESP2
// and RESP3, raw TCP where the wire bytes matter, and redis-cli.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	stdnet "net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// srvDoer is what go-redis clients and single connections share.
type srvDoer interface {
	Do(ctx context.Context, args ...any) *redis.Cmd
}

func srvDo(c srvDoer, args ...any) (any, error) { return c.Do(context.Background(), args...).Result() }

// srvWant is want for any srvDoer (a redis.Conn keeps per-connection state).
func srvWant(t testing.TB, c srvDoer, expect string, args ...any) {
	t.Helper()
	v, err := srvDo(c, args...)
	got := fmt.Sprint(v)
	if err == redis.Nil {
		got = "<nil>"
	} else if err != nil {
		got = "error: " + err.Error()
	}
	if got != expect {
		t.Fatalf("%v: got %q, want %q", args, got, expect)
	}
}

// srvStr runs a command that must reply with a string.
func srvStr(t testing.TB, c srvDoer, args ...any) string {
	t.Helper()
	v, err := srvDo(c, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%v: got %T %v, want a string", args, v, v)
	}
	return s
}

func srvInt(t testing.TB, c srvDoer, args ...any) int64 {
	t.Helper()
	v, err := srvDo(c, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	n, ok := v.(int64)
	if !ok {
		t.Fatalf("%v: got %T %v, want an integer", args, v, v)
	}
	return n
}

// conn returns one pooled connection of c, for commands with connection state.
func srvConn(t testing.TB, c *redis.Client) *redis.Conn {
	t.Helper()
	cn := c.Conn()
	t.Cleanup(func() { cn.Close() })
	return cn
}

// srvEachProtocol runs fn with a RESP2 and a RESP3 client, each against its own
// fresh server started with args.
func srvEachProtocol(t *testing.T, args []string, fn func(t *testing.T, p *proc, c *redis.Client)) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			p := startServer(t, args...)
			fn(t, p, p.client(t, proto))
		})
	}
}

// raw is a plain TCP connection speaking RESP by hand.
type srvRaw struct {
	t  testing.TB
	c  stdnet.Conn
	rd *bufio.Reader
}

func srvDial(t testing.TB, p *proc) *srvRaw {
	t.Helper()
	c, err := stdnet.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &srvRaw{t: t, c: c, rd: bufio.NewReader(c)}
}

// send writes commands as RESP arrays, all in one write.
func (r *srvRaw) send(cmds ...[]string) {
	r.t.Helper()
	var b strings.Builder
	for _, cmd := range cmds {
		fmt.Fprintf(&b, "*%d\r\n", len(cmd))
		for _, a := range cmd {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	if _, err := r.c.Write([]byte(b.String())); err != nil {
		r.t.Fatal(err)
	}
}

// read returns exactly n bytes of reply.
func (r *srvRaw) read(n int) string {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, n)
	if _, err := io.ReadFull(r.rd, buf); err != nil {
		r.t.Fatalf("reading %d bytes: %v (got %q)", n, err, buf)
	}
	return string(buf)
}

// expect reads len(want) bytes and compares.
func (r *srvRaw) expect(want string) {
	r.t.Helper()
	if got := r.read(len(want)); got != want {
		r.t.Fatalf("got %q, want %q", got, want)
	}
}

// line reads one CRLF-terminated line.
func (r *srvRaw) line() string {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	s, err := r.rd.ReadString('\n')
	if err != nil {
		r.t.Fatalf("reading a line: %v (got %q)", err, s)
	}
	return s
}

// bulk reads a bulk or verbatim string reply and returns its payload.
func (r *srvRaw) bulk() string {
	r.t.Helper()
	h := r.line()
	if len(h) < 2 || (h[0] != '$' && h[0] != '=') {
		r.t.Fatalf("not a bulk header: %q", h)
	}
	n, err := strconv.Atoi(strings.TrimSpace(h[1:]))
	if err != nil {
		r.t.Fatal(err)
	}
	s := r.read(n + 2)
	return s[:n]
}

// expectClosed checks that the server closes the connection.
func (r *srvRaw) expectClosed() {
	r.t.Helper()
	_ = r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := r.rd.ReadByte()
	if err != io.EOF {
		r.t.Fatalf("connection still open: read %q, %v", b, err)
	}
}

func TestServerPingEchoTime(t *testing.T) {
	srvEachProtocol(t, nil, func(t *testing.T, p *proc, c *redis.Client) {
		runCases(t, c, []case1{
			{[]any{"ping"}, "PONG"},
			{[]any{"PING", "hello"}, "hello"},
			{[]any{"ping", "a", "b"}, "error: ERR wrong number of arguments for 'ping' command"},
			{[]any{"echo", "hi there"}, "hi there"},
			{[]any{"echo", ""}, ""},
			{[]any{"echo"}, "error: ERR wrong number of arguments for 'echo' command"},
			{[]any{"time", "x"}, "error: ERR wrong number of arguments for 'time' command"},
		})
		v := mustDo(t, c, "time").([]any)
		if len(v) != 2 {
			t.Fatalf("TIME: %v", v)
		}
		sec, err1 := strconv.ParseInt(v[0].(string), 10, 64)
		usec, err2 := strconv.ParseInt(v[1].(string), 10, 64)
		if err1 != nil || err2 != nil || usec < 0 || usec > 999999 {
			t.Fatalf("TIME: %v", v)
		}
		if d := time.Now().Unix() - sec; d < -2 || d > 2 {
			t.Fatalf("TIME seconds %d, now %d", sec, time.Now().Unix())
		}
	})
}

func TestServerSelect(t *testing.T) {
	srvEachProtocol(t, nil, func(t *testing.T, p *proc, c *redis.Client) {
		cn := srvConn(t, c)
		srvWant(t, cn, "OK", "set", "k", "db0")
		srvWant(t, cn, "OK", "select", "15")
		srvWant(t, cn, "<nil>", "get", "k")
		srvWant(t, cn, "OK", "set", "k", "db15")
		srvWant(t, cn, "error: ERR DB index is out of range", "select", "16")
		srvWant(t, cn, "error: ERR DB index is out of range", "select", "-1")
		srvWant(t, cn, "error: ERR value is not an integer or out of range", "select", "x")
		srvWant(t, cn, "error: ERR value is not an integer or out of range", "select", "4294967296")
		srvWant(t, cn, "db15", "get", "k")
		srvWant(t, cn, "OK", "select", "0")
		srvWant(t, cn, "db0", "get", "k")
	})
}

func TestServerHello(t *testing.T) {
	p := startServer(t)
	// RESP3: the map go-redis receives.
	c3 := p.client(t, 3)
	v := mustDo(t, c3, "hello", "3").(map[any]any)
	want := map[string]string{"server": "redis", "version": "7.2.0", "proto": "3", "mode": "standalone", "role": "master", "modules": "[]"}
	for k, w := range want {
		if got := fmt.Sprint(v[k]); got != w {
			t.Errorf("HELLO 3 %s = %q, want %q", k, got, w)
		}
	}
	if id, ok := v["id"].(int64); !ok || id <= 0 {
		t.Errorf("HELLO 3 id = %v", v["id"])
	}
	if len(v) != 7 {
		t.Errorf("HELLO 3 has %d fields: %v", len(v), v)
	}
	// RESP2: HELLO without a version keeps RESP2 and answers a flat array.
	c2 := p.client(t, 2)
	flat := mustDo(t, c2, "hello").([]any)
	if len(flat) != 14 || flat[0] != "server" || flat[5] != int64(2) {
		t.Fatalf("HELLO: %v", flat)
	}
	runCases(t, c2, []case1{
		{[]any{"hello", "4"}, "error: NOPROTO unsupported protocol version"},
		{[]any{"hello", "1"}, "error: NOPROTO unsupported protocol version"},
		{[]any{"hello", "x"}, "error: ERR Protocol version is not an integer or out of range"},
		{[]any{"hello", "2", "foo"}, "error: ERR Syntax error in HELLO option 'foo'"},
		{[]any{"hello", "2", "auth", "default"}, "error: ERR Syntax error in HELLO option 'auth'"},
		{[]any{"hello", "2", "auth", "bob", "pw"}, "error: WRONGPASS invalid username-password pair or user is disabled."},
		{[]any{"hello", "2", "setname", "a b"}, "error: ERR Client names cannot contain spaces, newlines or special characters."},
	})
	// AUTH as the default user takes any password while requirepass is
	// empty; SETNAME names the connection.
	cn := srvConn(t, c2)
	if v := fmt.Sprint(srvMustDo(t, cn, "hello", "2", "AUTH", "default", "whatever", "SETNAME", "app-1")); !strings.HasPrefix(v, "[server redis version 7.2.0 proto 2 id ") {
		t.Fatalf("HELLO 2 AUTH SETNAME: %s", v)
	}
	srvWant(t, cn, "app-1", "client", "getname")

	// The wire: HELLO 3 answers a RESP3 map and switches the connection.
	r := srvDial(t, p)
	r.send([]string{"HELLO", "3"})
	r.expect("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$5\r\n7.2.0\r\n$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:")
	r.line() // the id
	r.expect("$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n")
	r.send([]string{"GET", "nosuchkey"})
	r.expect("_\r\n")
	// A failed HELLO changes nothing.
	r.send([]string{"HELLO", "2", "bogus"}, []string{"GET", "nosuchkey"})
	r.expect("-ERR Syntax error in HELLO option 'bogus'\r\n_\r\n")
	r.send([]string{"HELLO", "2"})
	r.expect("*14\r\n")
}

func srvMustDo(t testing.TB, c srvDoer, args ...any) any {
	t.Helper()
	v, err := srvDo(c, args...)
	if err != nil && err != redis.Nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

func TestServerResetQuit(t *testing.T) {
	p := startServer(t)
	r := srvDial(t, p)
	r.send([]string{"HELLO", "3"})
	r.line()
	for r.line() != "*0\r\n" { // to the end of the HELLO map (modules)
	}
	r.send([]string{"SELECT", "2"}, []string{"CLIENT", "SETNAME", "before"}, []string{"CLIENT", "SETINFO", "LIB-NAME", "mylib"},
		[]string{"CLIENT", "NO-EVICT", "on"}, []string{"CLIENT", "REPLY", "OFF"}, []string{"PING"}, []string{"RESET"})
	r.expect("+OK\r\n+OK\r\n+OK\r\n+OK\r\n+RESET\r\n")
	r.send([]string{"CLIENT", "GETNAME"}, []string{"GET", "nosuchkey"})
	r.expect("$-1\r\n$-1\r\n") // RESP2 again, no name, replies on
	r.send([]string{"CLIENT", "INFO"})
	info := r.bulk()
	for _, w := range []string{" db=0 ", " flags=N ", " resp=2 ", " name= ", " lib-name=mylib "} {
		if !strings.Contains(info, w) {
			t.Errorf("CLIENT INFO after RESET lacks %q: %s", w, info)
		}
	}
	r.send([]string{"QUIT"}, []string{"PING"})
	r.expect("+OK\r\n")
	r.expectClosed()

	c := p.client(t, 2)
	wantErr(t, c, "ERR wrong number of arguments for 'reset' command", "reset", "x")
}

func TestServerClient(t *testing.T) {
	srvEachProtocol(t, nil, func(t *testing.T, p *proc, c *redis.Client) {
		a := srvConn(t, c)
		id := srvInt(t, a, "client", "id")
		srvWant(t, a, "<nil>", "client", "getname")
		srvWant(t, a, "OK", "client", "setname", "alice")
		srvWant(t, a, "alice", "CLIENT", "GETNAME")
		srvWant(t, a, "error: ERR Client names cannot contain spaces, newlines or special characters.", "client", "setname", "a b")
		srvWant(t, a, "error: ERR Client names cannot contain spaces, newlines or special characters.", "client", "setname", "a\nb")
		srvWant(t, a, "alice", "client", "getname")
		srvWant(t, a, "OK", "client", "setinfo", "lib-name", "mylib")
		srvWant(t, a, "OK", "client", "setinfo", "LIB-VER", "1.2.3")
		srvWant(t, a, "error: ERR Unrecognized option 'lib'", "client", "setinfo", "lib", "x")
		srvWant(t, a, "error: ERR lib-name cannot contain spaces, newlines or special characters.", "client", "setinfo", "lib-name", "a b")
		srvWant(t, a, "OK", "client", "no-evict", "on")
		srvWant(t, a, "OK", "client", "no-touch", "ON")
		srvWant(t, a, "error: ERR syntax error", "client", "no-evict", "maybe")

		info := srvStr(t, a, "client", "info")
		wantPrefix := fmt.Sprintf("id=%d addr=", id)
		if !strings.HasPrefix(info, wantPrefix) || !strings.HasSuffix(info, "\n") {
			t.Fatalf("CLIENT INFO: %q", info)
		}
		fields := strings.Fields(info)
		var names []string
		for _, f := range fields {
			names = append(names, f[:strings.IndexByte(f, '=')])
		}
		const layout = "id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp lib-name lib-ver"
		if got := strings.Join(names, " "); got != layout {
			t.Fatalf("CLIENT INFO fields:\n got %s\nwant %s", got, layout)
		}
		for _, w := range []string{" name=alice ", " flags=eT ", " cmd=client|info ", " user=default ", " lib-name=mylib ", " lib-ver=1.2.3", fmt.Sprintf(" resp=%d ", c.Options().Protocol)} {
			if !strings.Contains(info, w) {
				t.Errorf("CLIENT INFO lacks %q: %s", w, info)
			}
		}

		// Another connection sees a's state in CLIENT LIST.
		b := srvConn(t, c)
		bid := srvInt(t, b, "client", "id")
		list := srvStr(t, b, "client", "list")
		lines := strings.Split(strings.TrimSuffix(list, "\n"), "\n")
		if len(lines) < 2 {
			t.Fatalf("CLIENT LIST: %q", list)
		}
		var aLine, bLine string
		for _, l := range lines {
			switch {
			case strings.HasPrefix(l, fmt.Sprintf("id=%d ", id)):
				aLine = l
			case strings.HasPrefix(l, fmt.Sprintf("id=%d ", bid)):
				bLine = l
			}
		}
		for _, w := range []string{" name=alice ", " flags=eT ", " cmd=client|info ", " lib-name=mylib ", fmt.Sprintf(" resp=%d ", c.Options().Protocol)} {
			if !strings.Contains(aLine, w) {
				t.Errorf("CLIENT LIST line of a lacks %q: %s", w, aLine)
			}
		}
		if !strings.Contains(bLine, " cmd=client|list ") {
			t.Errorf("CLIENT LIST line of b: %s", bLine)
		}
		if got := srvStr(t, b, "client", "list", "id", strconv.FormatInt(id, 10), "999999"); !strings.HasPrefix(got, fmt.Sprintf("id=%d ", id)) || strings.Count(got, "\n") != 1 {
			t.Errorf("CLIENT LIST ID: %q", got)
		}
		if got := srvStr(t, b, "client", "list", "type", "normal"); strings.Count(got, "\n") != len(lines) {
			t.Errorf("CLIENT LIST TYPE normal: %q", got)
		}
		srvWant(t, b, "", "client", "list", "type", "pubsub")
		srvWant(t, b, "error: ERR Unknown client type 'bogus'", "client", "list", "type", "bogus")
		srvWant(t, b, "error: ERR Invalid client ID", "client", "list", "id", "x")
		srvWant(t, b, "error: ERR syntax error", "client", "list", "foo")

		srvWant(t, b, "0", "client", "unblock", strconv.FormatInt(id, 10))
		srvWant(t, b, "0", "client", "unblock", "424242", "error")
		srvWant(t, b, "error: ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR", "client", "unblock", "1", "later")
		srvWant(t, b, "error: ERR value is not an integer or out of range", "client", "unblock", "x")

		srvWant(t, b, "error: ERR unknown subcommand 'foo'. Try CLIENT HELP.", "client", "foo")
		srvWant(t, b, "error: ERR unknown subcommand 'foo'. Try CLIENT HELP.", "CLIENT", "foo", "bar")
		srvWant(t, b, "error: ERR wrong number of arguments for 'client' command", "client")
		srvWant(t, b, "error: ERR wrong number of arguments for 'client|setname' command", "client", "setname")
		srvWant(t, b, "error: ERR wrong number of arguments for 'client|id' command", "client", "id", "x")
		help := srvMustDo(t, b, "client", "help").([]any)
		if help[0] != "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" || help[len(help)-1] != "    Print this help." {
			t.Errorf("CLIENT HELP: %v", help)
		}
	})
}

func TestServerClientKill(t *testing.T) {
	p := startServer(t)
	c := p.client(t, 2)
	admin := srvConn(t, c)

	// New form by ID: the victim's connection closes, the count is 1.
	victim := srvDial(t, p)
	victim.send([]string{"CLIENT", "ID"})
	vid := strings.TrimSpace(victim.line()[1:])
	srvWant(t, admin, "1", "client", "kill", "id", vid)
	victim.expectClosed()
	srvWant(t, admin, "0", "client", "kill", "id", vid)
	srvWant(t, admin, "error: ERR client-id should be greater than 0", "client", "kill", "id", "0")

	// Old form by address: OK, or an error when nobody matches.
	v2 := srvDial(t, p)
	v2.send([]string{"PING"})
	v2.expect("+PONG\r\n")
	srvWant(t, admin, "OK", "client", "kill", v2.c.LocalAddr().String())
	v2.expectClosed()
	srvWant(t, admin, "error: ERR No such client", "client", "kill", "1.2.3.4:5")

	// ADDR filter, SKIPME, USER and bad options.
	v3 := srvDial(t, p)
	v3.send([]string{"PING"})
	v3.expect("+PONG\r\n")
	srvWant(t, admin, "1", "client", "kill", "addr", v3.c.LocalAddr().String(), "skipme", "yes")
	v3.expectClosed()
	srvWant(t, admin, "0", "client", "kill", "user", "default", "laddr", "1.2.3.4:5")
	srvWant(t, admin, "error: ERR No such user 'bob'", "client", "kill", "user", "bob")
	srvWant(t, admin, "error: ERR Unknown client type 'x'", "client", "kill", "type", "x")
	srvWant(t, admin, "error: ERR syntax error", "client", "kill", "skipme", "maybe")
	srvWant(t, admin, "error: ERR syntax error", "client", "kill", "id", "1", "bogus")
	srvWant(t, admin, "error: ERR syntax error", "client", "kill", "nosuchfilter", "1")
	srvWant(t, admin, "0", "client", "kill", "type", "pubsub")

	// Killing itself: the reply arrives, then the connection closes.
	self := srvDial(t, p)
	self.send([]string{"CLIENT", "ID"})
	sid := strings.TrimSpace(self.line()[1:])
	self.send([]string{"CLIENT", "KILL", "ID", sid, "SKIPME", "no"})
	self.expect(":1\r\n")
	self.expectClosed()

	// CLIENT KILL with SKIPME yes (the default) spares the caller.
	srvWant(t, admin, "0", "client", "kill", "id", strconv.FormatInt(srvInt(t, admin, "client", "id"), 10))
	srvWant(t, admin, "PONG", "ping")
}

func TestServerClientReply(t *testing.T) {
	p := startServer(t)
	r := srvDial(t, p)
	r.send([]string{"CLIENT", "REPLY", "OFF"}, []string{"SET", "k", "v"}, []string{"PING"}, []string{"GET", "nosuch", "extra"},
		[]string{"CLIENT", "REPLY", "ON"}, []string{"GET", "k"})
	r.expect("+OK\r\n$1\r\nv\r\n")
	r.send([]string{"CLIENT", "REPLY", "bogus"})
	r.expect("-ERR syntax error\r\n")
	// Nothing else was pending on the wire.
	r.send([]string{"PING"})
	r.expect("+PONG\r\n")
}

func TestServerConfig(t *testing.T) {
	srvEachProtocol(t, nil, func(t *testing.T, p *proc, c *redis.Client) {
		proto3 := c.Options().Protocol == 3
		get := func(args ...any) string {
			v := mustDo(t, c, append([]any{"config", "get"}, args...)...)
			if proto3 {
				m, ok := v.(map[any]any)
				if !ok {
					t.Fatalf("CONFIG GET in RESP3: %T %v", v, v)
				}
				var parts []string
				for k, val := range m {
					parts = append(parts, fmt.Sprint(k, "=", val))
				}
				return strings.Join(srvSort(parts), " ")
			}
			flat := v.([]any)
			var parts []string
			for i := 0; i+1 < len(flat); i += 2 {
				parts = append(parts, fmt.Sprint(flat[i], "=", flat[i+1]))
			}
			return strings.Join(srvSort(parts), " ")
		}
		if got := get("maxmemory*"); got != "maxmemory-clients=0 maxmemory-eviction-tenacity=10 maxmemory-policy=noeviction maxmemory-samples=5 maxmemory=0" {
			t.Errorf("CONFIG GET maxmemory*: %s", got)
		}
		if got := get("MAXCLIENTS", "port"); got != fmt.Sprintf("MAXCLIENTS=10000 port=%d", p.Port) {
			t.Errorf("CONFIG GET MAXCLIENTS port: %s", got)
		}
		if got := get("nosuch*"); got != "" {
			t.Errorf("CONFIG GET nosuch*: %s", got)
		}
		mustDo(t, c, "config", "set", "maxclients", "50", "maxmemory", "10mb")
		if got := get("maxclients", "maxmemory"); got != "maxclients=50 maxmemory=10485760" {
			t.Errorf("after CONFIG SET: %s", got)
		}
		if got := srvStr(t, c, "info", "clients"); !strings.Contains(got, "maxclients:50\r\n") {
			t.Errorf("INFO clients after CONFIG SET maxclients: %s", got)
		}
		runCases(t, c, []case1{
			{[]any{"config", "set", "maxmemory", "lots"}, "error: ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value"},
			{[]any{"config", "set", "databases", "3"}, "error: ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"},
			{[]any{"config", "set", "nosuch", "1"}, "error: ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"},
			{[]any{"config", "set", "maxclients", "1", "maxclients", "2"}, "error: ERR CONFIG SET failed (possibly related to argument 'maxclients') - duplicate parameter"},
			{[]any{"config", "set", "maxclients", "60", "maxmemory"}, "error: ERR syntax error"},
			{[]any{"config", "set", "maxclients"}, "error: ERR wrong number of arguments for 'config|set' command"},
			{[]any{"config", "get"}, "error: ERR wrong number of arguments for 'config|get' command"},
			{[]any{"config", "rewrite"}, "error: ERR The server is running without a config file"},
			{[]any{"config", "bogus"}, "error: ERR unknown subcommand 'bogus'. Try CONFIG HELP."},
			{[]any{"config"}, "error: ERR wrong number of arguments for 'config' command"},
			{[]any{"config", "resetstat"}, "OK"},
		})
		// The failed multi-pair SET changed nothing.
		if got := get("maxclients"); got != "maxclients=50" {
			t.Errorf("after failed CONFIG SET: %s", got)
		}
		help := mustDo(t, c, "config", "help").([]any)
		if help[0] != "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" || help[1] != "GET <pattern>" {
			t.Errorf("CONFIG HELP: %v", help)
		}
	})
}

func srvSort(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

func TestServerInfo(t *testing.T) {
	srvEachProtocol(t, nil, func(t *testing.T, p *proc, c *redis.Client) {
		cn := srvConn(t, c)
		srvWant(t, cn, "OK", "set", "a", "1")
		srvWant(t, cn, "OK", "set", "b", "2", "ex", "100")
		srvWant(t, cn, "OK", "select", "3")
		srvWant(t, cn, "OK", "set", "c", "3")
		for i := 0; i < 3; i++ {
			srvWant(t, cn, "<nil>", "get", "a") // db 3 has no a: still three calls
		}

		info := srvStr(t, c, "info")
		if !strings.HasPrefix(info, "# Server\r\nredis_version:7.2.0\r\n") {
			t.Fatalf("INFO starts %q", info[:40])
		}
		if strings.Contains(strings.ReplaceAll(info, "\r\n", ""), "\n") {
			t.Fatalf("INFO has bare newlines: %q", info)
		}
		var order []string
		for _, l := range strings.Split(info, "\r\n") {
			if strings.HasPrefix(l, "# ") {
				order = append(order, l[2:])
			}
		}
		if got := strings.Join(order, ","); got != "Server,Clients,Memory,Persistence,Stats,Replication,CPU,Modules,Cluster,Keyspace" {
			t.Errorf("INFO sections: %s", got)
		}
		for _, w := range []string{
			"redis_mode:standalone\r\n", "arch_bits:64\r\n", "process_id:", fmt.Sprintf("tcp_port:%d\r\n", p.Port), "uptime_in_seconds:",
			"uptime_in_days:0\r\n", "hz:10\r\n", "executable:", "config_file:\r\n", "meridian_version:", "run_id:",
			"\r\n\r\n# Clients\r\nconnected_clients:", "blocked_clients:0\r\n", "maxclients:10000\r\n",
			"used_memory:", "used_memory_human:", "used_memory_rss:", "maxmemory:0\r\n", "maxmemory_policy:noeviction\r\n", "mem_fragmentation_ratio:",
			"loading:0\r\n", "aof_enabled:0\r\n", "rdb_changes_since_last_save:",
			"total_connections_received:", "total_commands_processed:", "instantaneous_ops_per_sec:", "total_net_input_bytes:",
			"total_net_output_bytes:", "rejected_connections:0\r\n", "expired_keys:", "keyspace_hits:", "keyspace_misses:", "total_error_replies:",
			"role:master\r\n", "connected_slaves:0\r\n", "used_cpu_sys:", "used_cpu_user:", "cluster_enabled:0\r\n",
			"# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n",
		} {
			if !strings.Contains(info, w) {
				t.Errorf("INFO lacks %q", w)
			}
		}
		if strings.Contains(info, "# Commandstats") {
			t.Error("default INFO includes commandstats")
		}

		cs := srvStr(t, c, "info", "commandstats")
		if !strings.HasPrefix(cs, "# Commandstats\r\n") || strings.Contains(cs, "# Server") {
			t.Fatalf("INFO commandstats: %q", cs)
		}
		for _, w := range []string{"cmdstat_get:calls=3,usec=", "cmdstat_set:calls=3,", "cmdstat_select:calls=1,", ",rejected_calls=0,failed_calls=0\r\n", "usec_per_call="} {
			if !strings.Contains(cs, w) {
				t.Errorf("INFO commandstats lacks %q: %s", w, cs)
			}
		}
		wantErr(t, c, "ERR DB index is out of range", "select", "99") // a failed call
		if cs := srvStr(t, c, "info", "commandstats"); !strings.Contains(cs, "cmdstat_select:calls=2,") || !strings.Contains(cs, "failed_calls=1\r\n") {
			t.Errorf("INFO commandstats after a failure: %s", cs)
		}

		two := srvStr(t, c, "INFO", "Server", "keyspace")
		if !strings.HasPrefix(two, "# Server\r\n") || !strings.Contains(two, "\r\n\r\n# Keyspace\r\ndb0:") || strings.Contains(two, "# Clients") {
			t.Errorf("INFO server keyspace: %q", two)
		}
		if got := srvStr(t, c, "info", "nosuchsection"); got != "" {
			t.Errorf("INFO nosuchsection: %q", got)
		}
		all := srvStr(t, c, "info", "all")
		for _, w := range []string{"# Server\r\n", "# Commandstats\r\n", "# Keyspace\r\n"} {
			if !strings.Contains(all, w) {
				t.Errorf("INFO all lacks %q", w)
			}
		}
		if got := srvStr(t, c, "info", "everything"); !strings.Contains(got, "# Commandstats\r\n") {
			t.Error("INFO everything lacks commandstats")
		}

		// go-redis parses the text into sections.
		parsed, err := c.InfoMap(context.Background(), "server", "stats").Result()
		if err != nil || parsed["Server"]["redis_version"] != "7.2.0" || parsed["Stats"]["total_commands_processed"] == "" {
			t.Errorf("go-redis Info: %v %v", parsed, err)
		}

		// CONFIG RESETSTAT zeroes the counters.
		mustDo(t, c, "config", "resetstat")
		if cs := srvStr(t, c, "info", "commandstats"); strings.Contains(cs, "cmdstat_get:") {
			t.Errorf("commandstats after RESETSTAT: %s", cs)
		}
		if st := srvStr(t, c, "info", "stats"); !strings.Contains(st, "keyspace_hits:0\r\n") || !strings.Contains(st, "total_error_replies:0\r\n") {
			t.Errorf("stats after RESETSTAT: %s", st)
		}
	})
}

func TestServerCommand(t *testing.T) {
	srvEachProtocol(t, nil, func(t *testing.T, p *proc, c *redis.Client) {
		all := mustDo(t, c, "command").([]any)
		if n := srvInt(t, c, "command", "count"); n != int64(len(all)) || n < 20 {
			t.Fatalf("COMMAND COUNT %d, len(COMMAND) %d", n, len(all))
		}
		wantInfo := map[string]string{
			"get":    "[get 2 [readonly fast] 1 1 1 [@read @string @fast] [] [] []]",
			"mset":   "[mset -3 [write denyoom] 1 -1 2 [@write @string @slow] [request_policy:multi_shard response_policy:all_succeeded] [] []]",
			"ping":   "[ping -1 [fast] 0 0 0 [@fast @connection] [request_policy:all_shards response_policy:all_succeeded] [] []]",
			"select": "[select 2 [loading stale fast] 0 0 0 [@fast @connection] [] [] []]",
		}
		for name, w := range wantInfo {
			v := mustDo(t, c, "command", "info", name).([]any)
			if got := fmt.Sprint(v[0]); got != w {
				t.Errorf("COMMAND INFO %s:\n got %s\nwant %s", name, got, w)
			}
		}
		v := mustDo(t, c, "command", "info", "GET", "nosuchcommand", "config|get").([]any)
		if len(v) != 3 || v[1] != nil || fmt.Sprint(v[2].([]any)[:3]) != "[config|get -3 [admin noscript loading stale]]" {
			t.Errorf("COMMAND INFO GET nosuch config|get: %v", v)
		}
		cfg := mustDo(t, c, "command", "info", "config").([]any)[0].([]any)
		if cfg[1] != int64(-2) || len(cfg[9].([]any)) != 5 {
			t.Errorf("COMMAND INFO config: %v", cfg)
		}
		if n := len(mustDo(t, c, "command", "info").([]any)); n != len(all) {
			t.Errorf("COMMAND INFO without names: %d entries", n)
		}

		runCases(t, c, []case1{
			{[]any{"command", "getkeys", "mset", "a", "1", "b", "2"}, "[a b]"},
			{[]any{"command", "getkeys", "get", "k"}, "[k]"},
			{[]any{"command", "getkeys", "object", "encoding", "k"}, "[k]"},
			{[]any{"command", "getkeys", "lcs", "x", "y", "len"}, "[x y]"},
			{[]any{"command", "getkeys", "nosuch", "k"}, "error: ERR Invalid command specified"},
			{[]any{"command", "getkeys", "object", "nosuch", "k"}, "error: ERR Invalid command specified"},
			// COMMAND GETKEYS takes at least the command and one argument
			// (arity -4, as Redis 7.0.15 reports).
			{[]any{"command", "getkeys", "get"}, "error: ERR wrong number of arguments for 'command|getkeys' command"},
			{[]any{"command", "getkeys", "get", "a", "b"}, "error: ERR Invalid number of arguments specified for command"},
			{[]any{"command", "getkeys", "ping", "x"}, "error: ERR The command has no key arguments"},
			{[]any{"command", "getkeys"}, "error: ERR wrong number of arguments for 'command|getkeys' command"},
			{[]any{"command", "bogus"}, "error: ERR unknown subcommand 'bogus'. Try COMMAND HELP."},
			{[]any{"command", "count", "x"}, "error: ERR wrong number of arguments for 'command|count' command"},
			{[]any{"command", "list", "filterby", "pattern", "client|*et*"}, "[client|setname client|getname client|setinfo]"},
			{[]any{"command", "list", "filterby", "module", "x"}, "[]"},
			{[]any{"command", "list", "filterby", "bogus", "x"}, "error: ERR syntax error"},
			{[]any{"command", "list", "x"}, "error: ERR syntax error"},
		})
		list := mustDo(t, c, "command", "list").([]any)
		seen := map[any]bool{}
		for _, n := range list {
			seen[n] = true
		}
		for _, n := range []string{"get", "client", "client|list", "config|set", "command|docs", "object|encoding", "memory|usage"} {
			if !seen[n] {
				t.Errorf("COMMAND LIST lacks %s", n)
			}
		}
		if cats := fmt.Sprint(mustDo(t, c, "command", "list", "filterby", "aclcat", "string")); !strings.Contains(cats, "get") || strings.Contains(cats, "ping") {
			t.Errorf("COMMAND LIST FILTERBY ACLCAT string: %s", cats)
		}

		// DOCS: a map of name to doc map.
		docs := mustDo(t, c, "command", "docs", "get", "nosuch", "client")
		get := srvField(t, docs, "get")
		if fmt.Sprint(srvField(t, get, "summary")) != "Returns the string value of a key." ||
			fmt.Sprint(srvField(t, get, "since")) != "1.0.0" || fmt.Sprint(srvField(t, get, "group")) != "string" {
			t.Errorf("COMMAND DOCS get: %v", get)
		}
		args := srvField(t, get, "arguments").([]any)
		if len(args) != 1 || fmt.Sprint(srvField(t, args[0], "name"), " ", srvField(t, args[0], "type")) != "key key" {
			t.Errorf("COMMAND DOCS get arguments: %v", args)
		}
		if srvField(t, docs, "nosuch") != nil {
			t.Error("COMMAND DOCS lists an unknown command")
		}
		subs := srvField(t, srvField(t, docs, "client"), "subcommands")
		if srvField(t, subs, "client|kill") == nil {
			t.Errorf("COMMAND DOCS client subcommands: %v", subs)
		}
		if n := srvLen(mustDo(t, c, "command", "docs")); n != len(all) {
			t.Errorf("COMMAND DOCS has %d commands, COMMAND %d", n, len(all))
		}
		help := mustDo(t, c, "command", "help").([]any)
		if help[0] != "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" {
			t.Errorf("COMMAND HELP: %v", help)
		}

		// go-redis parses COMMAND into its CommandInfo table.
		infos, err := c.Command(context.Background()).Result()
		if err != nil {
			t.Fatalf("go-redis Command: %v", err)
		}
		if g := infos["get"]; g == nil || g.Arity != 2 || g.FirstKeyPos != 1 || g.LastKeyPos != 1 || !g.ReadOnly {
			t.Errorf("go-redis CommandInfo get: %+v", g)
		}
		if m := infos["mset"]; m == nil || m.StepCount != 2 || m.LastKeyPos != -1 {
			t.Errorf("go-redis CommandInfo mset: %+v", m)
		}
	})
}

// srvField reads key from a RESP2 flat array or a RESP3 map.
func srvField(t testing.TB, v any, key string) any {
	t.Helper()
	switch m := v.(type) {
	case map[any]any:
		return m[key]
	case []any:
		for i := 0; i+1 < len(m); i += 2 {
			if m[i] == key {
				return m[i+1]
			}
		}
		return nil
	}
	t.Fatalf("not a map: %T %v", v, v)
	return nil
}

func srvLen(v any) int {
	switch m := v.(type) {
	case map[any]any:
		return len(m)
	case []any:
		return len(m) / 2
	}
	return -1
}

func TestServerDebug(t *testing.T) {
	off := startServer(t)
	wantErr(t, off.client(t, 2), `ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`, "debug", "sleep", "0")

	srvEachProtocol(t, []string{"--enable-debug-command", "local"}, func(t *testing.T, p *proc, c *redis.Client) {
		runCases(t, c, []case1{
			{[]any{"debug", "sleep", "0"}, "OK"},
			{[]any{"debug", "sleep", "abc"}, "OK"},
			{[]any{"debug", "bogus"}, "error: ERR unknown subcommand or wrong number of arguments for 'bogus'. Try DEBUG HELP."},
			{[]any{"debug", "sleep"}, "error: ERR unknown subcommand or wrong number of arguments for 'sleep'. Try DEBUG HELP."},
			{[]any{"debug"}, "error: ERR wrong number of arguments for 'debug' command"},
			{[]any{"debug", "object", "nosuch"}, "error: ERR no such key"},
			{[]any{"set", "k", "12"}, "OK"},
		})
		start := time.Now()
		mustDo(t, c, "debug", "sleep", "0.2")
		if d := time.Since(start); d < 200*time.Millisecond {
			t.Errorf("DEBUG SLEEP 0.2 took %v", d)
		}
		obj := srvStr(t, c, "debug", "object", "k")
		if !strings.HasPrefix(obj, "Value at:") || !strings.Contains(obj, " refcount:2147483647 encoding:int serializedlength:2 lru:") || !strings.Contains(obj, " lru_seconds_idle:") {
			t.Errorf("DEBUG OBJECT: %q", obj)
		}
		help := mustDo(t, c, "debug", "help").([]any)
		if help[0] != "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" {
			t.Errorf("DEBUG HELP: %v", help)
		}
	})
}

func TestServerObjectMemory(t *testing.T) {
	srvEachProtocol(t, nil, func(t *testing.T, p *proc, c *redis.Client) {
		long := strings.Repeat("x", 45)
		for k, v := range map[string]string{"int": "12345", "small": "7", "neg": "-3", "emb": "hello", "emb44": strings.Repeat("y", 44), "raw": long,
			"lead0": "012", "big": "123456789012345678901"} {
			mustDo(t, c, "set", k, v)
		}
		runCases(t, c, []case1{
			{[]any{"object", "encoding", "int"}, "int"},
			{[]any{"object", "encoding", "neg"}, "int"},
			{[]any{"object", "encoding", "emb"}, "embstr"},
			{[]any{"object", "encoding", "emb44"}, "embstr"},
			{[]any{"object", "encoding", "raw"}, "raw"},
			{[]any{"object", "encoding", "lead0"}, "embstr"},
			{[]any{"object", "encoding", "big"}, "embstr"},
			{[]any{"object", "encoding", "nosuch"}, "<nil>"},
			{[]any{"OBJECT", "ENCODING", "int"}, "int"},
			{[]any{"object", "refcount", "small"}, "2147483647"},
			{[]any{"object", "refcount", "int"}, "1"},
			{[]any{"object", "refcount", "emb"}, "1"},
			{[]any{"object", "refcount", "nosuch"}, "<nil>"},
			{[]any{"object", "idletime", "emb"}, "0"},
			{[]any{"object", "idletime", "nosuch"}, "<nil>"},
			{[]any{"object", "freq", "emb"}, "error: ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."},
			{[]any{"object", "freq", "nosuch"}, "<nil>"},
			{[]any{"object", "bogus", "emb"}, "error: ERR unknown subcommand 'bogus'. Try OBJECT HELP."},
			{[]any{"object", "encoding"}, "error: ERR wrong number of arguments for 'object|encoding' command"},
			{[]any{"object"}, "error: ERR wrong number of arguments for 'object' command"},

			{[]any{"set", "foo", "bar"}, "OK"},
			{[]any{"memory", "usage", "foo"}, "56"},
			{[]any{"memory", "usage", "foo", "samples", "0"}, "56"},
			{[]any{"memory", "usage", "nosuch"}, "<nil>"},
			{[]any{"memory", "usage", "foo", "samples", "-1"}, "error: ERR syntax error"},
			{[]any{"memory", "usage", "foo", "samples", "x"}, "error: ERR value is not an integer or out of range"},
			{[]any{"memory", "usage", "foo", "bogus"}, "error: ERR syntax error"},
			{[]any{"memory", "usage"}, "error: ERR wrong number of arguments for 'memory|usage' command"},
			{[]any{"memory", "purge"}, "OK"},
			{[]any{"memory", "bogus"}, "error: ERR unknown subcommand 'bogus'. Try MEMORY HELP."},

			{[]any{"config", "set", "maxmemory-policy", "allkeys-lfu"}, "OK"},
			{[]any{"object", "freq", "emb"}, "0"},
			{[]any{"object", "idletime", "emb"}, "error: ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."},
			{[]any{"config", "set", "maxmemory", "100mb"}, "OK"},
			{[]any{"object", "refcount", "small"}, "1"},
		})
		if n := srvInt(t, c, "memory", "usage", "raw"); n <= srvInt(t, c, "memory", "usage", "emb") {
			t.Errorf("MEMORY USAGE raw %d not above embstr", n)
		}
		help := mustDo(t, c, "object", "help").([]any)
		if help[0] != "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:" || help[1] != "ENCODING <key>" {
			t.Errorf("OBJECT HELP: %v", help)
		}
	})
}

func TestServerRedisCLI(t *testing.T) {
	p := startServer(t)
	if out := p.cli(t, "info", "server"); !strings.Contains(out, "redis_version:7.2.0") || !strings.Contains(out, "# Server") {
		t.Errorf("redis-cli info server: %s", out)
	}
	if out := p.cli(t, "-3", "hello", "3"); !strings.Contains(out, "proto") || !strings.Contains(out, "3") || !strings.Contains(out, "standalone") {
		t.Errorf("redis-cli -3 hello 3: %s", out)
	}
	if out := p.cli(t, "client", "list"); !strings.HasPrefix(out, "id=") || !strings.Contains(out, "cmd=client|list") {
		t.Errorf("redis-cli client list: %s", out)
	}
	// Interactive mode loads COMMAND DOCS for its hints at start: it must
	// neither fail nor fall back, in RESP2 and RESP3.
	for _, extra := range [][]string{nil, {"-3"}} {
		cmd := exec.Command("redis-cli", append([]string{"-p", strconv.Itoa(p.Port)}, extra...)...)
		cmd.Stdin = strings.NewReader("ping\necho hi\n")
		out, err := cmd.CombinedOutput()
		if err != nil || string(out) != "PONG\nhi\n" {
			t.Errorf("redis-cli %v interactive: %v %q", extra, err, out)
		}
	}
}
