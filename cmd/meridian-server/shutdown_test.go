package main

// SHUTDOWN against the real process: a successful one ends the process with
// status 0 and closes the client's connection without a reply; a refused
// one answers Redis's error and the server keeps serving.

import (
	"errors"
	"fmt"
	"io"
	stdnet "net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// waitExit waits for the server to exit on its own and returns its exit
// status and log. The harness's cleanup still runs afterwards: its Kill and
// second Wait then fail, and it ignores both. On a timeout the process is
// killed and reaped here before the test fails, so the two Waits never run
// at once.
func (p *proc) waitExit(t *testing.T, within time.Duration) (int, string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(within):
		_ = p.cmd.Process.Kill()
		<-done
		t.Fatalf("the server did not exit within %v:\n%s", within, p.log.String())
	}
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("wait: %v", err)
	}
	return p.cmd.ProcessState.ExitCode(), p.log.String()
}

// wantExited checks a clean exit: status 0, Redis's log lines, the port
// closed.
func (p *proc) wantExited(t *testing.T) string {
	t.Helper()
	code, log := p.waitExit(t, 10*time.Second)
	if code != 0 {
		t.Fatalf("exit status %d, want 0:\n%s", code, log)
	}
	for _, line := range []string{"User requested shutdown...", "ready to exit, bye bye..."} {
		if !strings.Contains(log, line) {
			t.Fatalf("the log lacks %q:\n%s", line, log)
		}
	}
	if c, err := stdnet.DialTimeout("tcp", p.Addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("port %d still accepts connections after the exit", p.Port)
	}
	return log
}

// wantClosed checks that a command got no reply: the connection closed.
func wantClosed(t *testing.T, err error) {
	t.Helper()
	var reply redis.Error
	if err == nil || errors.As(err, &reply) {
		t.Fatalf("got %v, want the connection closed without a reply", err)
	}
	if !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("got %v, want EOF", err)
	}
}

func TestShutdownNoSaveRedisCli(t *testing.T) {
	p := startServer(t)
	// Plain SHUTDOWN under the default save points: nothing is saved (there
	// is no persistence), as in Redis with save "".
	if out := p.cli(t, "set", "k", "v"); out != "OK" {
		t.Fatalf("SET: %q", out)
	}
	// redis-cli expects no reply to SHUTDOWN: it prints nothing, exits 0.
	if out := p.cli(t, "shutdown", "nosave"); out != "" {
		t.Fatalf("redis-cli SHUTDOWN NOSAVE printed %q, want nothing", out)
	}
	p.wantExited(t)
}

func TestShutdownGoRedis(t *testing.T) {
	for _, tc := range []struct {
		proto int
		args  []any
	}{
		{2, []any{"shutdown"}},
		{3, []any{"SHUTDOWN", "now", "NOSAVE", "force"}},
		{2, []any{"shutdown", "save", "force"}}, // FORCE exits though nothing can be saved
	} {
		t.Run(fmt.Sprint(tc.args...), func(t *testing.T) {
			p := startServer(t)
			c := p.client(t, tc.proto)
			mustDo(t, c, "set", "k", "v")
			other, err := stdnet.Dial("tcp", p.Addr)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			_, err = do(c, tc.args...)
			wantClosed(t, err)
			log := p.wantExited(t)
			if len(tc.args) > 1 && tc.args[1] == "save" && !strings.Contains(log, "Error trying to save the DB. Exit anyway.") {
				t.Fatalf("SAVE FORCE did not log the failed save:\n%s", log)
			}
			// Every other client lost its connection too.
			_ = other.SetDeadline(time.Now().Add(5 * time.Second))
			if n, err := other.Read(make([]byte, 16)); err == nil {
				t.Fatalf("another client's connection is still open (read %d bytes)", n)
			}
		})
	}
}

// TestShutdownRefused covers the replies of a SHUTDOWN that does not stop the
// server; the first cases are compared with Redis 7's own replies too.
func TestShutdownRefused(t *testing.T) {
	p := startServer(t)
	c := p.client(t, 2)
	mustDo(t, c, "set", "k", "v")
	syntax := [][]any{
		{"shutdown", "bogus"},
		{"shutdown", "save", "nosave"},
		{"shutdown", "NOSAVE", "now", "save"},
		{"shutdown", "nosave", "bogus"},
		{"shutdown", "abort", "now"},
		{"shutdown", "force", "abort"},
		{"shutdown", "abort", "nosave"},
	}
	for _, args := range syntax {
		wantErr(t, c, "ERR syntax error", args...)
	}
	wantErr(t, c, "ERR No shutdown in progress.", "shutdown", "abort")
	wantErr(t, c, "ERR No shutdown in progress.", "SHUTDOWN", "ABORT", "abort")
	if out := p.cli(t, "shutdown", "abort"); out != "ERR No shutdown in progress." {
		t.Fatalf("redis-cli SHUTDOWN ABORT: %q", out)
	}

	// An explicit SAVE cannot be honoured: Redis's failed save, which keeps
	// the server running unless FORCE is given.
	for _, args := range [][]any{{"shutdown", "save"}, {"shutdown", "save", "now"}, {"shutdown", "save", "save"}} {
		wantErr(t, c, "ERR Errors trying to SHUTDOWN. Check logs.", args...)
	}

	want(t, c, "v", "get", "k")
	want(t, p.client(t, 3), "PONG", "ping")
	want(t, c, "[[shutdown -1 [admin noscript loading stale] 0 0 0 [@admin @slow @dangerous] [] [] []]]", "command", "info", "shutdown")

	if _, err := exec.LookPath("redis-server"); err == nil {
		r := startRedis(t, 2)
		for _, args := range append(syntax, []any{"shutdown", "abort"}) {
			_, mine := do(c, args...)
			_, theirs := do(r, args...)
			if fmt.Sprint(mine) != fmt.Sprint(theirs) {
				t.Errorf("%v: Meridian %v, Redis %v", args, mine, theirs)
			}
		}
	}
}

// TestShutdownActiveActive stops one region of two with SHUTDOWN: it exits
// cleanly (replication closed, no panic) and the other keeps serving.
func TestShutdownActiveActive(t *testing.T) {
	d := startAA(t, 2)
	mustDo(t, d.c[0], "set", "k", "v")
	d.settle(t)
	_, err := do(d.c[1], "shutdown")
	wantClosed(t, err)
	logFile := d.dir + "/" + d.Regions[1].Name + ".log"
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(logFile)
		if strings.Contains(string(b), "ready to exit, bye bye...") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("region %s did not exit:\n%s", d.Regions[1].Name, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if c, err := stdnet.DialTimeout("tcp", d.Regions[1].Addr(), time.Second); err == nil {
		c.Close()
		t.Fatal("the region's port still accepts connections after SHUTDOWN")
	}
	want(t, d.c[0], "v", "get", "k")
	mustDo(t, d.c[0], "set", "k2", "v2")
}
