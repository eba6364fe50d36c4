package main

// The integration tests start the real meridian-server binary and talk to it
// with go-redis (RESP2 and RESP3) and redis-cli, as users do.

import (
	"context"
	"fmt"
	stdnet "net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/meridiandb/meridian/tools/regions"
	"github.com/redis/go-redis/v9"
)

var serverBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "meridian-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if serverBin, err = regions.BuildServer(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is one running meridian-server.
type proc struct {
	Addr string
	Port int
	cmd  *exec.Cmd
	log  *strings.Builder
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := stdnet.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*stdnet.TCPAddr).Port
}

// startServer starts a server on a free loopback port with extra arguments
// and stops it when the test ends.
func startServer(t testing.TB, args ...string) *proc {
	t.Helper()
	port := freePort(t)
	argv := append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1"}, args...)
	return startServerArgs(t, port, argv...)
}

func startServerArgs(t testing.TB, port int, argv ...string) *proc {
	t.Helper()
	p := &proc{Addr: fmt.Sprintf("127.0.0.1:%d", port), Port: port, log: &strings.Builder{}}
	p.cmd = exec.Command(serverBin, argv...)
	p.cmd.Stdout = p.log
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		if strings.Contains(p.log.String(), "DATA RACE") {
			t.Errorf("the server reported a data race:\n%s", p.log.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := stdnet.DialTimeout("tcp", p.Addr, 100*time.Millisecond)
		if err == nil {
			c.Close()
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %v\n%s", err, p.log.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// client returns a go-redis client speaking RESP proto (2 or 3).
func (p *proc) client(t testing.TB, proto int) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: p.Addr, Protocol: proto, DisableIdentity: true, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

// cli runs redis-cli against the server and returns its trimmed output.
func (p *proc) cli(t testing.TB, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Fatal("redis-cli is missing: apt-get install -y redis-tools")
	}
	argv := append([]string{"-p", fmt.Sprint(p.Port)}, args...)
	out, err := exec.Command(path, argv...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
	}
	return strings.TrimRight(string(out), "\n")
}

// do runs one command and returns its result and error.
func do(c *redis.Client, args ...any) (any, error) {
	return c.Do(context.Background(), args...).Result()
}

// mustDo runs a command that must succeed.
func mustDo(t testing.TB, c *redis.Client, args ...any) any {
	t.Helper()
	v, err := do(c, args...)
	if err != nil && err != redis.Nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

// wantErr checks that a command fails with exactly Redis's text.
func wantErr(t testing.TB, c *redis.Client, text string, args ...any) {
	t.Helper()
	_, err := do(c, args...)
	if err == nil || err.Error() != text {
		t.Fatalf("%v: got error %v, want %q", args, err, text)
	}
}

// want checks a command's result by its printed form (fmt %v), which keeps
// table tests short for strings, integers, nils and arrays.
func want(t testing.TB, c *redis.Client, expect string, args ...any) {
	t.Helper()
	v, err := do(c, args...)
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

// case1 is one row of a command table test: args and the expected printed
// result ("<nil>" for a null, "error: <text>" for an error).
type case1 struct {
	args   []any
	expect string
}

func runCases(t *testing.T, c *redis.Client, cases []case1) {
	t.Helper()
	for _, tc := range cases {
		want(t, c, tc.expect, tc.args...)
	}
}

// bothProtocols runs fn against one server with a RESP2 and a RESP3 client.
func bothProtocols(t *testing.T, fn func(t *testing.T, c *redis.Client)) {
	p := startServer(t)
	for _, proto := range []int{2, 3} {
		proto := proto
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			c := p.client(t, proto)
			mustDo(t, c, "flushall")
			fn(t, c)
		})
	}
}

func ctx() context.Context { return context.Background() }

// startRedis starts Debian's redis-server on a free loopback port for the
// tests that compare Meridian's replies with Redis's, and returns a client
// speaking RESP proto; extra arguments go to redis-server (settings it
// cannot change at run time, such as enable-debug-command).
func startRedis(t *testing.T, proto int, extra ...string) *redis.Client {
	t.Helper()
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is missing: apt-get install -y redis-server")
	}
	port := freePort(t)
	args := append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}, extra...)
	cmd := exec.Command(path, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	c := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), Protocol: proto, DisableIdentity: true, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	for i := 0; ; i++ {
		if _, err := do(c, "ping"); err == nil {
			return c
		}
		if i > 200 {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
