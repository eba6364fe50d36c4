package main

// DEBUG POPULATE against the real binary, reply for reply with Debian's
// redis-server: the memory benchmark fills both with it, so the two must
// create the same keys with the same values.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// startRedisDebug is startRedis with DEBUG enabled for local clients:
// redis-server refuses DEBUG by default and cannot be told otherwise at
// run time.
func startRedisDebug(t *testing.T) *redis.Client {
	t.Helper()
	return startRedis(t, 2, "--enable-debug-command", "local")
}

// doer is a go-redis client or a single connection of one: the
// comparison runs on single connections so SELECT sticks.
type doer interface {
	Do(ctx context.Context, args ...any) *redis.Cmd
}

// printed is a reply as the comparison sees it: the value, or the error.
func printed(v any, err error) string {
	switch {
	case err == redis.Nil:
		return "<nil>"
	case err != nil:
		return "error: " + err.Error()
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}

// sameOnBoth runs each command on both servers and fails on the first
// reply that differs.
func sameOnBoth(t *testing.T, m, r doer, cmds ...[]any) {
	t.Helper()
	for _, args := range cmds {
		got, want := printed(m.Do(ctx(), args...).Result()), printed(r.Do(ctx(), args...).Result())
		if got != want {
			t.Fatalf("%q: meridian %s, redis %s", args, got, want)
		}
	}
}

// sameKeys compares the two keyspaces (names, types and string values).
func sameKeys(t *testing.T, m, r doer) {
	t.Helper()
	list := func(c doer) []string {
		keys, err := c.Do(ctx(), "keys", "*").StringSlice()
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(keys)
		return keys
	}
	mk, rk := list(m), list(r)
	if !slices.Equal(mk, rk) {
		t.Fatalf("keys differ:\nmeridian %q\nredis    %q", mk, rk)
	}
	for _, k := range mk {
		sameOnBoth(t, m, r, []any{"type", k})
		if typ, _ := r.Do(ctx(), "type", k).Text(); typ == "string" {
			sameOnBoth(t, m, r, []any{"get", k})
		}
	}
}

func TestDebugPopulateLikeRedis(t *testing.T) {
	m := startServer(t, "--enable-debug-command", "local").client(t, 2).Conn()
	r := startRedisDebug(t).Conn()
	t.Cleanup(func() { m.Close(); r.Close() })
	long := strings.Repeat("a", 130)
	edge := strings.Repeat("b", 125) // keys 10 and 11 are cut to "b...:1"
	steps := []struct {
		name string
		cmds [][]any
	}{
		{"defaults", [][]any{{"debug", "populate", "3"}, {"dbsize"}}},
		{"prefix", [][]any{{"debug", "populate", "2", "p"}}},
		{"padded", [][]any{{"debug", "populate", "2", "pad", "10"}, {"strlen", "pad:1"}}},
		{"cut", [][]any{{"debug", "populate", "12", "cut", "3"}, {"get", "cut:11"}}},
		{"size zero", [][]any{{"debug", "populate", "1", "zero", "0"}}},
		{"count zero", [][]any{{"debug", "populate", "0"}, {"debug", "populate", "0", "none", "5"}}},
		{"empty prefix", [][]any{{"debug", "populate", "2", ""}}},
		{"nul in prefix", [][]any{{"debug", "populate", "2", "nu\x00ll"}}},
		{"long prefix", [][]any{{"debug", "populate", "2", long}}},
		{"cut names collide", [][]any{{"debug", "populate", "12", edge}, {"dbsize"}}},
		{"existing keys stay", [][]any{
			{"set", "key:1", "mine"}, {"rpush", "key:4", "a", "b"}, {"hset", "key:5", "f", "v"},
			{"debug", "populate", "7"}, {"get", "key:1"}, {"lrange", "key:4", "0", "-1"}, {"get", "key:6"},
		}},
		{"expired key is replaced", [][]any{
			{"set", "exp:1", "old", "px", "1"}, {"debug", "sleep", "0.02"}, {"debug", "populate", "3", "exp"}, {"get", "exp:1"}, {"ttl", "exp:1"},
		}},
		{"bad counts", [][]any{
			{"debug", "populate", "-1"}, {"debug", "populate", "abc"}, {"debug", "populate", "1.5"},
			{"debug", "populate", "+1"}, {"debug", "populate", " 1"}, {"debug", "populate", ""},
			{"debug", "populate", "99999999999999999999"},
		}},
		{"bad sizes", [][]any{
			{"debug", "populate", "1", "s", "-3"}, {"debug", "populate", "1", "s", "abc"}, {"debug", "populate", "1", "s", "3.0"},
			{"debug", "populate", "1", "s", "+3"},
		}},
		{"arity", [][]any{{"debug", "populate"}, {"debug", "populate", "1", "x", "1", "2"}, {"DEBUG", "POPULATE", "1", "Up", "2"}}},
		{"another database", [][]any{{"select", "3"}, {"debug", "populate", "4", "db3"}, {"dbsize"}, {"exists", "db3:0", "db3:3", "db3:4"}, {"select", "0"}, {"dbsize"}}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			sameOnBoth(t, m, r, s.cmds...)
			sameKeys(t, m, r)
		})
	}
}

func TestDebugPopulateLarge(t *testing.T) {
	m := startServer(t, "--enable-debug-command", "local").client(t, 2)
	r := startRedisDebug(t)
	const n = 200000
	sameOnBoth(t, m, r, []any{"debug", "populate", n, "big", "20"}, []any{"dbsize"},
		[]any{"get", "big:0"}, []any{"get", "big:123456"}, []any{"get", fmt.Sprintf("big:%d", n-1)},
		[]any{"exists", fmt.Sprintf("big:%d", n)}, []any{"debug", "populate", n, "big", "20"}, []any{"dbsize"})
	// SCAN sees every key once (the index is kept, not only the map).
	seen := map[string]bool{}
	var cur uint64
	for {
		keys, next, err := m.Scan(ctx(), cur, "*", 1000).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			seen[k] = true
		}
		if cur = next; cur == 0 {
			break
		}
	}
	if len(seen) != n {
		t.Fatalf("SCAN saw %d keys, want %d", len(seen), n)
	}
}

func TestDebugPopulateRefusals(t *testing.T) {
	m := startServer(t, "--enable-debug-command", "local").client(t, 2)
	// Beyond 2^32 keys Redis's dict cannot be sized; Meridian answers the
	// same error rather than trying.
	wantErr(t, m, "ERR OOM in dictTryExpand", "debug", "populate", "5000000000")
	wantErr(t, m, "ERR string exceeds maximum allowed size (proto-max-bulk-len)", "debug", "populate", "1", "k", "600000000")
	want(t, m, "0", "dbsize")
	help := fmt.Sprint(mustDo(t, m, "debug", "help"))
	if !strings.Contains(help, "POPULATE <count> [<prefix>] [<size>]") {
		t.Fatalf("DEBUG HELP lacks POPULATE: %s", help)
	}
	off := startServer(t).client(t, 2)
	wantErr(t, off, `ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`, "debug", "populate", "1")
}

func TestDebugPopulateReplicates(t *testing.T) {
	d := startAA(t, 2, "--enable-debug-command", "local")
	mustAA(t, d.c[0], "debug", "populate", "1000", "aa", "8")
	d.settle(t)
	want(t, d.c[1], "1000", "dbsize")
	want(t, d.c[1], "value:99", "get", "aa:99")
}
