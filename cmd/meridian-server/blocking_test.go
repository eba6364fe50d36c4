package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// result of a command run in the background.
type result struct {
	v   any
	err error
}

func async(c *redis.Client, args ...any) <-chan result {
	ch := make(chan result, 1)
	go func() {
		v, err := do(c, args...)
		ch <- result{v, err}
	}()
	return ch
}

// waitBlocked waits until n clients are blocked (INFO blocked_clients).
func waitBlocked(t *testing.T, c *redis.Client, n int) {
	t.Helper()
	want := fmt.Sprintf("blocked_clients:%d", n)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		info := mustDo(t, c, "info", "clients").(string)
		if strings.Contains(info, want) {
			return
		}
	}
	t.Fatalf("never saw %s", want)
}

func recv(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("blocked command was never served")
	}
	return result{}
}

func TestBlockingPopServedByPush(t *testing.T) {
	p := startServer(t)
	admin := p.client(t, 2)
	for _, proto := range []int{2, 3} {
		a := p.client(t, proto)
		ch := async(a, "blpop", "q1", "q2", 5)
		waitBlocked(t, admin, 1)
		mustDo(t, admin, "rpush", "q2", "x")
		if r := recv(t, ch); r.err != nil || fmt.Sprint(r.v) != "[q2 x]" {
			t.Fatalf("resp%d: BLPOP = %v, %v", proto, r.v, r.err)
		}
		waitBlocked(t, admin, 0)
		want(t, admin, "0", "exists", "q2")
	}
}

func TestBlockingFirstBlockedFirstServed(t *testing.T) {
	p := startServer(t)
	admin := p.client(t, 2)
	a, b := p.client(t, 2), p.client(t, 2)
	cha := async(a, "brpop", "q", 5)
	waitBlocked(t, admin, 1)
	chb := async(b, "brpop", "q", 5)
	waitBlocked(t, admin, 2)
	mustDo(t, admin, "lpush", "q", "1", "2") // q = [2 1]: BRPOP takes 1, then 2
	if r := recv(t, cha); fmt.Sprint(r.v) != "[q 1]" {
		t.Fatalf("first blocked got %v, %v", r.v, r.err)
	}
	if r := recv(t, chb); fmt.Sprint(r.v) != "[q 2]" {
		t.Fatalf("second blocked got %v, %v", r.v, r.err)
	}
}

func TestBlockingTimeoutAndErrors(t *testing.T) {
	p := startServer(t)
	for _, proto := range []int{2, 3} {
		c := p.client(t, proto)
		start := time.Now()
		want(t, c, "<nil>", "blpop", "empty", "0.2")
		if el := time.Since(start); el < 150*time.Millisecond || el > 3*time.Second {
			t.Fatalf("BLPOP 0.2 returned after %v", el)
		}
		want(t, c, "<nil>", "blmove", "empty", "dst", "left", "right", "0.05")
		want(t, c, "<nil>", "blmpop", "0.05", "1", "empty", "left")
		wantErr(t, c, "ERR timeout is negative", "blpop", "k", "-1")
		wantErr(t, c, "ERR timeout is not a float or out of range", "blpop", "k", "abc")
		mustDo(t, c, "set", "str", "v")
		wantErr(t, c, "WRONGTYPE Operation against a key holding the wrong kind of value", "blpop", "str", "0")
		wantErr(t, c, "ERR syntax error", "blmove", "a", "b", "up", "left", "0")
		mustDo(t, c, "rpush", "src", "a", "b")
		want(t, c, "b", "brpoplpush", "src", "dst", "0")
		want(t, c, "[dst [b]]", "blmpop", "0", "2", "nosuch", "dst", "left", "count", "5")
	}
}

func TestBlockingHoldsThePipeline(t *testing.T) {
	p := startServer(t)
	admin := p.client(t, 2)
	conn, r := raw(t, p)
	fmt.Fprint(conn, "BLPOP pq 5\r\nPING\r\n")
	waitBlocked(t, admin, 1)
	mustDo(t, admin, "rpush", "pq", "v")
	for _, w := range []string{"*2", "$2", "pq", "$1", "v", "+PONG"} {
		if got := readLine(t, r); got != w {
			t.Fatalf("got %q want %q", got, w)
		}
	}
}

func TestClientUnblock(t *testing.T) {
	p := startServer(t)
	admin := p.client(t, 2)
	a := p.client(t, 2)
	id := mustDo(t, a, "client", "id").(int64)
	ch := async(a, "blpop", "never", 0)
	waitBlocked(t, admin, 1)
	want(t, admin, "1", "client", "unblock", id)
	if r := recv(t, ch); r.err != redis.Nil {
		t.Fatalf("unblocked BLPOP = %v, %v; want nil", r.v, r.err)
	}
	want(t, admin, "0", "client", "unblock", id) // no longer blocked
	ch = async(a, "blpop", "never", 0)
	waitBlocked(t, admin, 1)
	want(t, admin, "1", "client", "unblock", id, "error")
	if r := recv(t, ch); r.err == nil || r.err.Error() != "UNBLOCKED client unblocked via CLIENT UNBLOCK" {
		t.Fatalf("unblocked with error: %v, %v", r.v, r.err)
	}
}

func TestBlockedClientDisconnects(t *testing.T) {
	p := startServer(t)
	admin := p.client(t, 2)
	conn, _ := raw(t, p)
	fmt.Fprint(conn, "BLPOP gone 0\r\n")
	waitBlocked(t, admin, 1)
	conn.Close()
	waitBlocked(t, admin, 0)
	// The element is not handed to the departed client.
	mustDo(t, admin, "rpush", "gone", "kept")
	want(t, admin, "[kept]", "lrange", "gone", "0", "-1")
}

func TestBlockingSortedSetPops(t *testing.T) {
	p := startServer(t)
	admin := p.client(t, 2)
	for _, proto := range []int{2, 3} {
		a := p.client(t, proto)
		ch := async(a, "bzpopmin", "z1", "z2", 5)
		waitBlocked(t, admin, 1)
		mustDo(t, admin, "zadd", "z2", "2", "b", "1", "a")
		if r := recv(t, ch); r.err != nil || fmt.Sprint(r.v) != "[z2 a 1]" {
			t.Fatalf("resp%d: BZPOPMIN = %v, %v", proto, r.v, r.err)
		}
		want(t, a, "[z2 b 2]", "bzpopmax", "z2", "0")
		want(t, a, "<nil>", "bzpopmin", "z2", "0.05")
		ch = async(a, "bzmpop", "5", "2", "z3", "z4", "max", "count", "2")
		waitBlocked(t, admin, 1)
		mustDo(t, admin, "zadd", "z4", "1", "x", "2", "y", "3", "z")
		if r := recv(t, ch); r.err != nil || fmt.Sprint(r.v) != "[z4 [[z 3] [y 2]]]" {
			t.Fatalf("resp%d: BZMPOP = %v, %v", proto, r.v, r.err)
		}
		mustDo(t, admin, "del", "z4")
	}
}
