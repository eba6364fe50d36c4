package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	stdnet "net"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// raw opens a plain TCP connection for byte-level protocol tests.
func raw(t *testing.T, p *proc) (stdnet.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := stdnet.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	return conn, bufio.NewReader(conn)
}

func readLine(t *testing.T, r *bufio.Reader) string {
	t.Helper()
	l, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, l)
	}
	return strings.TrimRight(l, "\r\n")
}

func TestDeepPipeline(t *testing.T) {
	p := startServer(t)
	conn, r := raw(t, p)
	const n = 10000
	var buf bytes.Buffer
	for i := 0; i < n; i++ {
		fmt.Fprintf(&buf, "*3\r\n$3\r\nSET\r\n$%d\r\nk%d\r\n$%d\r\nv%d\r\n", len(fmt.Sprint("k", i)), i, len(fmt.Sprint("v", i)), i)
		fmt.Fprintf(&buf, "*2\r\n$3\r\nGET\r\n$%d\r\nk%d\r\n", len(fmt.Sprint("k", i)), i)
	}
	if _, err := conn.Write(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if l := readLine(t, r); l != "+OK" {
			t.Fatalf("reply %d to SET: %q", i, l)
		}
		v := fmt.Sprint("v", i)
		if l := readLine(t, r); l != fmt.Sprintf("$%d", len(v)) {
			t.Fatalf("reply %d to GET: %q", i, l)
		}
		if l := readLine(t, r); l != v {
			t.Fatalf("reply %d to GET: %q want %q", i, l, v)
		}
	}
}

func TestInlineCommands(t *testing.T) {
	p := startServer(t)
	conn, r := raw(t, p)
	fmt.Fprint(conn, "PING\r\nset greeting \"hello world\"\r\nget greeting\nset q 'it\\'s'\r\n\r\nget q\r\n")
	for _, want := range []string{"+PONG", "+OK", "$11", "hello world", "+OK", "$4", "it's"} {
		if got := readLine(t, r); got != want {
			t.Fatalf("got %q want %q", got, want)
		}
	}
}

func TestProtocolErrors(t *testing.T) {
	p := startServer(t)
	cases := []struct{ send, want string }{
		{"*abc\r\n", "-ERR Protocol error: invalid multibulk length"},
		{"*1\r\n$x\r\n", "-ERR Protocol error: invalid bulk length"},
		{"*1\r\n+PING\r\n", "-ERR Protocol error: expected '$', got '+'"},
		{"*1\r\n$536870913\r\n", "-ERR Protocol error: invalid bulk length"},
		{"set a \"unbalanced\r\n", "-ERR Protocol error: unbalanced quotes in request"},
	}
	for _, tc := range cases {
		conn, r := raw(t, p)
		fmt.Fprint(conn, tc.send)
		if got := readLine(t, r); got != tc.want {
			t.Fatalf("%q: got %q want %q", tc.send, got, tc.want)
		}
		// The server closes the connection after a protocol error.
		if _, err := r.ReadByte(); err != io.EOF {
			t.Fatalf("%q: connection still open after protocol error (%v)", tc.send, err)
		}
	}
}

func TestQueryBufferLimit(t *testing.T) {
	p := startServer(t, "--client-query-buffer-limit", "1mb")
	conn, r := raw(t, p)
	// A 100 MB bulk that never completes: the server must cut the client
	// off once its query buffer passes the limit, not buffer forever.
	fmt.Fprint(conn, "*2\r\n$3\r\nGET\r\n$100000000\r\n")
	chunk := bytes.Repeat([]byte("x"), 64<<10)
	closed := false
	for i := 0; i < 100 && !closed; i++ {
		if _, err := conn.Write(chunk); err != nil {
			closed = true
		}
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	data, _ := io.ReadAll(r)
	if !strings.Contains(string(data), "query buffer") && !closed {
		t.Fatalf("connection not closed at the query buffer limit: %q", data)
	}
	// The server itself is fine.
	c := p.client(t, 2)
	want(t, c, "PONG", "ping")
}

func TestRedisBenchmarkCompletes(t *testing.T) {
	path, err := exec.LookPath("redis-benchmark")
	if err != nil {
		t.Fatal("redis-benchmark is missing: apt-get install -y redis-tools")
	}
	p := startServer(t)
	out, err := exec.Command(path, "-p", fmt.Sprint(p.Port), "-q", "-n", "20000", "-t", "ping,set,get,incr,mset").CombinedOutput()
	if err != nil {
		t.Fatalf("redis-benchmark: %v\n%s", err, out)
	}
	for _, name := range []string{"PING_INLINE: ", "PING_MBULK: ", "SET: ", "GET: ", "INCR: ", "MSET (10 keys): "} {
		if !strings.Contains(string(out), name) || strings.Contains(string(out), "ERR") {
			t.Fatalf("redis-benchmark output lacks a clean %s line:\n%s", name, out)
		}
	}
	// Without -r, redis-benchmark uses two keys, and every INCR counted.
	c := p.client(t, 2)
	want(t, c, "2", "dbsize")
	want(t, c, "20000", "get", "counter:__rand_int__")
}

func TestClientReplySkipAndOff(t *testing.T) {
	p := startServer(t)
	conn, r := raw(t, p)
	// SKIP silences itself and the next command; OFF silences until ON.
	fmt.Fprint(conn, "CLIENT REPLY SKIP\r\nSET a 1\r\nGET a\r\nCLIENT REPLY OFF\r\nGET a\r\nCLIENT REPLY ON\r\nPING\r\n")
	for _, want := range []string{"$1", "1", "+OK", "+PONG"} {
		if got := readLine(t, r); got != want {
			t.Fatalf("got %q want %q", got, want)
		}
	}
}
