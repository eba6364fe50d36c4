package main

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Integration tests of the set family: every command with its errors in
// RESP2 and RESP3, the reply shapes on the wire, SSCAN and the random
// commands, and a replay against redis-server when it is installed.

// setSorted runs a command and prints its reply with array elements
// sorted, for commands whose order Redis leaves open.
func setSorted(c *redis.Client, args ...any) string {
	v, err := do(c, args...)
	if err != nil && err != redis.Nil {
		return "error: " + err.Error()
	}
	if xs, ok := v.([]any); ok {
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = fmt.Sprint(x)
		}
		sort.Strings(s)
		return fmt.Sprint(s)
	}
	return fmt.Sprint(v)
}

func setWantSorted(t *testing.T, c *redis.Client, expect string, args ...any) {
	t.Helper()
	if got := setSorted(c, args...); got != expect {
		t.Fatalf("%v: got %q, want %q", args, got, expect)
	}
}

func TestSetCommands(t *testing.T) {
	const wrongType = "error: WRONGTYPE Operation against a key holding the wrong kind of value"
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		runCases(t, c, []case1{
			{[]any{"set", "str", "x"}, "OK"},
			{[]any{"sadd", "s", "a", "b", "c"}, "3"},
			{[]any{"sadd", "s", "a", "d", "d", "e"}, "2"},
			{[]any{"srem", "s", "e", "zz", "e"}, "1"},
			{[]any{"scard", "s"}, "4"},
			{[]any{"scard", "nosuch"}, "0"},
			{[]any{"sismember", "s", "a"}, "1"},
			{[]any{"sismember", "s", "zz"}, "0"},
			{[]any{"sismember", "nosuch", "a"}, "0"},
			{[]any{"smismember", "s", "a", "zz", "b"}, "[1 0 1]"},
			{[]any{"smismember", "nosuch", "a", "b"}, "[0 0]"},
			{[]any{"smembers", "nosuch"}, "[]"},
			{[]any{"type", "s"}, "set"},
			// WRONGTYPE against a string key.
			{[]any{"sadd", "str", "a"}, wrongType},
			{[]any{"srem", "str", "a"}, wrongType},
			{[]any{"scard", "str"}, wrongType},
			{[]any{"sismember", "str", "a"}, wrongType},
			{[]any{"smismember", "str", "a"}, wrongType},
			{[]any{"smembers", "str"}, wrongType},
			{[]any{"spop", "str"}, wrongType},
			{[]any{"spop", "str", "0"}, wrongType},
			{[]any{"srandmember", "str"}, wrongType},
			{[]any{"srandmember", "str", "0"}, wrongType},
			{[]any{"sinter", "nosuch", "str"}, wrongType},
			{[]any{"sunion", "nosuch", "str"}, wrongType},
			{[]any{"sdiff", "nosuch", "str"}, wrongType},
			{[]any{"sintercard", "2", "nosuch", "str"}, wrongType},
			{[]any{"sinterstore", "d", "nosuch", "str"}, wrongType},
			{[]any{"sunionstore", "d", "nosuch", "str"}, wrongType},
			{[]any{"sdiffstore", "d", "nosuch", "str"}, wrongType},
			{[]any{"smove", "str", "s", "a"}, wrongType},
			{[]any{"smove", "s", "str", "a"}, wrongType},
			{[]any{"smove", "nosuch", "str", "a"}, "0"}, // a missing source answers first
			{[]any{"sscan", "str", "0"}, wrongType},
			{[]any{"sscan", "str", "0", "bogus"}, wrongType}, // the type before the options
			// SPOP: the count before the key.
			{[]any{"spop", "s", "-1"}, "error: ERR value is out of range, must be positive"},
			{[]any{"spop", "s", "abc"}, "error: ERR value is out of range, must be positive"},
			{[]any{"spop", "str", "-1"}, "error: ERR value is out of range, must be positive"},
			{[]any{"spop", "s", "1", "2"}, "error: ERR syntax error"},
			{[]any{"spop", "nosuch"}, "<nil>"},
			{[]any{"spop", "nosuch", "3"}, "[]"},
			{[]any{"spop", "s", "0"}, "[]"},
			// SRANDMEMBER.
			{[]any{"srandmember", "s", "-9223372036854775808"}, "error: ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"},
			{[]any{"srandmember", "s", "abc"}, "error: ERR value is not an integer or out of range"},
			{[]any{"srandmember", "s", "1", "2"}, "error: ERR syntax error"},
			{[]any{"srandmember", "nosuch"}, "<nil>"},
			{[]any{"srandmember", "nosuch", "5"}, "[]"},
			{[]any{"srandmember", "nosuch", "-5"}, "[]"},
			{[]any{"srandmember", "s", "0"}, "[]"},
			{[]any{"srandmember", "s", "-100000000"}, "error: ERR value is out of range"},
			// SINTERCARD: numkeys, then the options, then the keys.
			{[]any{"sintercard", "0", "s"}, "error: ERR numkeys should be greater than 0"},
			{[]any{"sintercard", "abc", "s"}, "error: ERR numkeys should be greater than 0"},
			{[]any{"sintercard", "-1", "s"}, "error: ERR numkeys should be greater than 0"},
			{[]any{"sintercard", "9223372036854775808", "s"}, "error: ERR numkeys should be greater than 0"},
			{[]any{"sintercard", "3", "s"}, "error: ERR Number of keys can't be greater than number of args"},
			{[]any{"sintercard", "1", "s", "limit", "-1"}, "error: ERR LIMIT can't be negative"},
			{[]any{"sintercard", "1", "s", "limit", "abc"}, "error: ERR LIMIT can't be negative"},
			{[]any{"sintercard", "1", "s", "limit"}, "error: ERR syntax error"},
			{[]any{"sintercard", "1", "s", "foo", "1"}, "error: ERR syntax error"},
			{[]any{"sintercard", "1", "str", "foo"}, "error: ERR syntax error"},
			{[]any{"sintercard", "1", "nosuch", "limit", "-1"}, "error: ERR LIMIT can't be negative"},
			{[]any{"sintercard", "1", "s", "limit", "0"}, "4"},
			{[]any{"sintercard", "1", "s", "limit", "2"}, "2"},
			{[]any{"sintercard", "1", "s", "limit", "5", "limit", "1"}, "1"},
			{[]any{"sintercard", "2", "s", "s"}, "4"},
			{[]any{"sintercard", "1", "nosuch"}, "0"},
			// SSCAN: the cursor, then the key, then the options.
			{[]any{"sscan", "s", "abc"}, "error: ERR invalid cursor"},
			{[]any{"sscan", "str", "abc"}, "error: ERR invalid cursor"},
			{[]any{"sscan", "s", "18446744073709551616"}, "error: ERR invalid cursor"},
			{[]any{"sscan", "s", "0", "count", "0"}, "error: ERR syntax error"},
			{[]any{"sscan", "s", "0", "count", "-1"}, "error: ERR syntax error"},
			{[]any{"sscan", "s", "0", "count", "abc"}, "error: ERR value is not an integer or out of range"},
			{[]any{"sscan", "s", "0", "match"}, "error: ERR syntax error"},
			{[]any{"sscan", "s", "0", "type", "string"}, "error: ERR syntax error"},
			{[]any{"sscan", "s", "0", "novalues"}, "error: ERR syntax error"},
			{[]any{"sscan", "nosuch", "0", "bogus"}, "[0 []]"},
			{[]any{"sscan", "s", "0", "match", "b"}, "[0 [b]]"},
			{[]any{"sscan", "s", "0", "MATCH", "b", "COUNT", "5"}, "[0 [b]]"},
			// SMOVE.
			{[]any{"smove", "s", "s", "a"}, "1"},
			{[]any{"smove", "s", "s", "zz"}, "0"},
			{[]any{"smove", "s", "s2", "zz"}, "0"},
			{[]any{"smove", "s", "s2", "a"}, "1"},
			{[]any{"sismember", "s", "a"}, "0"},
			{[]any{"smembers", "s2"}, "[a]"},
			{[]any{"smove", "s2", "s", "a"}, "1"},
			{[]any{"exists", "s2"}, "0"},
			// Arity.
			{[]any{"sadd", "s"}, "error: ERR wrong number of arguments for 'sadd' command"},
			{[]any{"srem", "s"}, "error: ERR wrong number of arguments for 'srem' command"},
			{[]any{"sismember", "s"}, "error: ERR wrong number of arguments for 'sismember' command"},
			{[]any{"smismember", "s"}, "error: ERR wrong number of arguments for 'smismember' command"},
			{[]any{"smembers"}, "error: ERR wrong number of arguments for 'smembers' command"},
			{[]any{"scard"}, "error: ERR wrong number of arguments for 'scard' command"},
			{[]any{"spop"}, "error: ERR wrong number of arguments for 'spop' command"},
			{[]any{"srandmember"}, "error: ERR wrong number of arguments for 'srandmember' command"},
			{[]any{"smove", "a", "b"}, "error: ERR wrong number of arguments for 'smove' command"},
			{[]any{"sinter"}, "error: ERR wrong number of arguments for 'sinter' command"},
			{[]any{"sintercard", "1"}, "error: ERR wrong number of arguments for 'sintercard' command"},
			{[]any{"sinterstore", "d"}, "error: ERR wrong number of arguments for 'sinterstore' command"},
			{[]any{"sunion"}, "error: ERR wrong number of arguments for 'sunion' command"},
			{[]any{"sunionstore", "d"}, "error: ERR wrong number of arguments for 'sunionstore' command"},
			{[]any{"sdiff"}, "error: ERR wrong number of arguments for 'sdiff' command"},
			{[]any{"sdiffstore", "d"}, "error: ERR wrong number of arguments for 'sdiffstore' command"},
			{[]any{"sscan", "s"}, "error: ERR wrong number of arguments for 'sscan' command"},
			// The last member leaving deletes the key.
			{[]any{"srem", "s", "a", "b", "c", "d", "zz"}, "4"},
			{[]any{"exists", "s"}, "0"},
		})
	})
}

func TestSetAlgebra(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "sadd", "x1", "a", "b", "c", "d")
		mustDo(t, c, "sadd", "x2", "c", "d", "e")
		mustDo(t, c, "sadd", "x3", "d", "e", "f")
		mustDo(t, c, "set", "str", "v")
		for _, tc := range []struct {
			expect string
			args   []any
		}{
			{"[a b c d]", []any{"smembers", "x1"}},
			{"[c d]", []any{"sinter", "x1", "x2"}},
			{"[d]", []any{"sinter", "x1", "x2", "x3"}},
			{"[]", []any{"sinter", "x1", "nosuch"}},
			{"[a b c d e f]", []any{"sunion", "x1", "x2", "x3", "nosuch"}},
			{"[a b c d]", []any{"sunion", "x1", "x1"}},
			{"[a b]", []any{"sdiff", "x1", "x2"}},
			{"[a b]", []any{"sdiff", "x1", "x2", "x3"}},
			{"[a b c d]", []any{"sdiff", "x1", "nosuch"}},
			{"[]", []any{"sdiff", "x1", "x2", "x1"}},
			{"[]", []any{"sdiff", "nosuch", "x1"}},
			{"2", []any{"sintercard", "2", "x1", "x2"}},
			{"1", []any{"sintercard", "3", "x1", "x2", "x3", "limit", "1"}},
			{"2", []any{"sinterstore", "d", "x1", "x2"}},
			{"[c d]", []any{"smembers", "d"}},
			{"6", []any{"sunionstore", "d", "x1", "x3"}},
			{"[a b c d e f]", []any{"smembers", "d"}},
			{"2", []any{"sdiffstore", "d", "x1", "x2"}},
			{"[a b]", []any{"smembers", "d"}},
			{"0", []any{"sdiffstore", "d", "x1", "x1"}},
			{"0", []any{"exists", "d"}},
			// A destination of another type is replaced; an empty result
			// deletes it.
			{"2", []any{"sinterstore", "str", "x1", "x2"}},
			{"set", []any{"type", "str"}},
			{"[c d]", []any{"smembers", "str"}},
			{"OK", []any{"set", "str", "v"}},
			{"0", []any{"sunionstore", "str", "nosuch"}},
			{"0", []any{"exists", "str"}},
			// The destination as a source.
			{"5", []any{"sunionstore", "x1", "x1", "x2"}},
			{"[a b c d e]", []any{"smembers", "x1"}},
			{"3", []any{"sdiffstore", "x1", "x1", "x3"}},
			{"[a b c]", []any{"smembers", "x1"}},
		} {
			setWantSorted(t, c, tc.expect, tc.args...)
		}
		// A store drops the destination's TTL, as Redis's setKey does.
		mustDo(t, c, "sadd", "ttl", "1")
		mustDo(t, c, "expire", "ttl", "100")
		want(t, c, "3", "sunionstore", "ttl", "x1")
		want(t, c, "-1", "ttl", "ttl")
	})
}

// TestSetWireShapes: SMEMBERS, SINTER, SUNION, SDIFF and SPOP with a count
// reply RESP3 sets ('~'), SRANDMEMBER with a count an array, nulls as
// the protocol has them.
func TestSetWireShapes(t *testing.T) {
	p := startServer(t)
	conn, r := raw(t, p)
	send := func(args ...string) {
		var b strings.Builder
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := conn.Write([]byte(b.String())); err != nil {
			t.Fatal(err)
		}
	}
	expect := func(lines ...string) {
		t.Helper()
		for _, want := range lines {
			if got := readLine(t, r); got != want {
				t.Fatalf("got %q, want %q", got, want)
			}
		}
	}
	for _, proto := range []string{"2", "3"} {
		send("hello", proto)
		skipReply(t, r)
		set := "*"
		null := "$-1"
		if proto == "3" {
			set, null = "~", "_"
		}
		send("sadd", "s", "a")
		expect(":1")
		for _, cmd := range [][]string{{"smembers", "s"}, {"sinter", "s"}, {"sunion", "s", "nosuch"}, {"sdiff", "s"}} {
			send(cmd...)
			expect(set+"1", "$1", "a")
		}
		for _, cmd := range [][]string{{"smembers", "nosuch"}, {"sinter", "s", "nosuch"}, {"spop", "nosuch", "2"}, {"spop", "s", "0"}} {
			send(cmd...)
			expect(set + "0")
		}
		send("srandmember", "s", "5")
		expect("*1", "$1", "a")
		send("srandmember", "s", "-2")
		expect("*2", "$1", "a", "$1", "a")
		send("srandmember", "nosuch", "2")
		expect("*0")
		send("srandmember", "nosuch")
		expect(null)
		send("spop", "nosuch")
		expect(null)
		send("smismember", "s", "a", "zz")
		expect("*2", ":1", ":0")
		send("sscan", "s", "0")
		expect("*2", "$1", "0", "*1", "$1", "a")
		send("sscan", "nosuch", "0")
		expect("*2", "$1", "0", "*0")
		send("spop", "s", "5")
		expect(set+"1", "$1", "a")
		send("exists", "s")
		expect(":0")
	}
}

func TestSetRandom(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		var members []any
		in := map[string]bool{}
		for i := 0; i < 300; i++ {
			m := "m" + strconv.Itoa(i)
			members = append(members, m)
			in[m] = true
		}
		mustDo(t, c, append([]any{"sadd", "s"}, members...)...)
		check := func(args []any, n int, distinct bool) {
			t.Helper()
			got := mustDo(t, c, args...).([]any)
			seen := map[string]bool{}
			for _, x := range got {
				m := fmt.Sprint(x)
				if !in[m] {
					t.Fatalf("%v returned %q, not a member", args, m)
				}
				if distinct && seen[m] {
					t.Fatalf("%v returned %q twice", args, m)
				}
				seen[m] = true
			}
			if len(got) != n {
				t.Fatalf("%v returned %d members, want %d", args, len(got), n)
			}
		}
		check([]any{"srandmember", "s", "10"}, 10, true)
		check([]any{"srandmember", "s", "200"}, 200, true)
		check([]any{"srandmember", "s", "1000"}, 300, true)
		check([]any{"srandmember", "s", "-1000"}, 1000, false)
		if m := fmt.Sprint(mustDo(t, c, "srandmember", "s")); !in[m] {
			t.Fatalf("SRANDMEMBER = %q", m)
		}
		want(t, c, "300", "scard", "s")
		// SPOP removes what it returns.
		popped := map[string]bool{}
		for _, n := range []int{1, 5, 200} {
			got := mustDo(t, c, "spop", "s", n).([]any)
			if len(got) != n {
				t.Fatalf("SPOP %d returned %d", n, len(got))
			}
			for _, x := range got {
				m := fmt.Sprint(x)
				if popped[m] || !in[m] {
					t.Fatalf("SPOP returned %q (popped before: %v)", m, popped[m])
				}
				popped[m] = true
				want(t, c, "0", "sismember", "s", m)
			}
		}
		m := fmt.Sprint(mustDo(t, c, "spop", "s"))
		if popped[m] || !in[m] {
			t.Fatalf("SPOP = %q", m)
		}
		want(t, c, "93", "scard", "s")
		check([]any{"spop", "s", "1000"}, 93, true)
		want(t, c, "0", "exists", "s")
	})
}

// TestSetScan: a full SSCAN of a large set returns every member exactly
// once, whatever COUNT; MATCH filters pages.
func TestSetScan(t *testing.T) {
	p := startServer(t)
	c := p.client(t, 3)
	var members []any
	for i := 0; i < 2000; i++ {
		members = append(members, "m"+strconv.Itoa(i))
	}
	mustDo(t, c, append([]any{"sadd", "s"}, members...)...)
	for _, count := range []int{1, 10, 500} {
		seen := map[string]int{}
		matched := 0
		cursor := "0"
		for calls := 0; ; calls++ {
			if calls > 5000 {
				t.Fatal("SSCAN does not end")
			}
			v := mustDo(t, c, "sscan", "s", cursor, "count", count).([]any)
			cursor = fmt.Sprint(v[0])
			for _, x := range v[1].([]any) {
				seen[fmt.Sprint(x)]++
			}
			if cursor == "0" {
				break
			}
		}
		cursor = "0"
		for {
			v := mustDo(t, c, "sscan", "s", cursor, "match", "m1?", "count", count).([]any)
			cursor = fmt.Sprint(v[0])
			for _, x := range v[1].([]any) {
				if s := fmt.Sprint(x); len(s) != 3 || s[:2] != "m1" {
					t.Fatalf("MATCH m1? returned %q", s)
				}
				matched++
			}
			if cursor == "0" {
				break
			}
		}
		if len(seen) != 2000 || matched != 10 {
			t.Fatalf("COUNT %d: %d members seen, %d matched m1?", count, len(seen), matched)
		}
		for m, n := range seen {
			if n != 1 {
				t.Fatalf("COUNT %d: %q returned %d times", count, m, n)
			}
		}
	}
}

func TestSetCommandInfo(t *testing.T) {
	p := startServer(t)
	c := p.client(t, 2)
	for name, want := range map[string]string{
		"sadd":        "[sadd -3 [write denyoom fast] 1 1 1 [@write @set @fast]",
		"srem":        "[srem -3 [write fast] 1 1 1 [@write @set @fast]",
		"smove":       "[smove 4 [write fast] 1 2 1 [@write @set @fast]",
		"sismember":   "[sismember 3 [readonly fast] 1 1 1 [@read @set @fast]",
		"smismember":  "[smismember -3 [readonly fast] 1 1 1 [@read @set @fast]",
		"scard":       "[scard 2 [readonly fast] 1 1 1 [@read @set @fast]",
		"smembers":    "[smembers 2 [readonly] 1 1 1 [@read @set @slow] [nondeterministic_output_order]",
		"spop":        "[spop -2 [write fast] 1 1 1 [@write @set @fast] [nondeterministic_output]",
		"srandmember": "[srandmember -2 [readonly] 1 1 1 [@read @set @slow] [nondeterministic_output]",
		"sinter":      "[sinter -2 [readonly] 1 -1 1 [@read @set @slow] [nondeterministic_output_order]",
		"sintercard":  "[sintercard -3 [readonly movablekeys] 0 0 0 [@read @set @slow]",
		"sinterstore": "[sinterstore -3 [write denyoom] 1 -1 1 [@write @set @slow]",
		"sunion":      "[sunion -2 [readonly] 1 -1 1 [@read @set @slow] [nondeterministic_output_order]",
		"sunionstore": "[sunionstore -3 [write denyoom] 1 -1 1 [@write @set @slow]",
		"sdiff":       "[sdiff -2 [readonly] 1 -1 1 [@read @set @slow] [nondeterministic_output_order]",
		"sdiffstore":  "[sdiffstore -3 [write denyoom] 1 -1 1 [@write @set @slow]",
		"sscan":       "[sscan -3 [readonly] 1 1 1 [@read @set @slow] [nondeterministic_output]",
	} {
		v := mustDo(t, c, "command", "info", name).([]any)[0]
		if got := fmt.Sprint(v); !strings.HasPrefix(got, want) {
			t.Errorf("COMMAND INFO %s = %s\nwant prefix %s", name, got, want)
		}
	}
	want(t, c, "[x y]", "command", "getkeys", "sintercard", "2", "x", "y", "limit", "1")
	docs := fmt.Sprint(mustDo(t, c, "command", "docs", "sintercard"))
	for _, part := range []string{"name numkeys type integer", "name key type key flags [multiple]", "name limit type integer token LIMIT flags [optional]"} {
		if !strings.Contains(docs, part) {
			t.Errorf("COMMAND DOCS sintercard = %s\nmissing %q", docs, part)
		}
	}
}

// TestSetsMatchRedis replays random set commands (and DEL, EXPIRE, string
// writes for WRONGTYPE) on redis-server and on Meridian, RESP3, and
// requires identical replies, order-free ones compared sorted; SPOP and
// SRANDMEMBER, whose picks are random, are compared by size only, and
// SPOP's picks are then removed from Redis too, so the two stay equal.
func TestSetsMatchRedis(t *testing.T) {
	rc := startRedis(t, 3)
	ours := startServer(t).client(t, 3)
	rng := rand.New(rand.NewPCG(7, 3))
	keys := []string{"s0", "s1", "s2", "str"}
	members := []string{"a", "b", "c", "d", "e", "1", "2", "10"}
	key := func() string { return keys[rng.IntN(len(keys))] }
	mem := func() string { return members[rng.IntN(len(members))] }
	count := func() string {
		return []string{"0", "1", "2", "5", "-1", "-3", "abc", "100"}[rng.IntN(8)]
	}
	mustDo(t, rc, "flushall")
	for i := 0; i < 3000; i++ {
		var args []any
		sorted, random := false, false
		switch rng.IntN(20) {
		case 0, 1, 2:
			args = []any{"sadd", key(), mem(), mem()}
		case 3:
			args = []any{"srem", key(), mem(), mem()}
		case 4:
			args = []any{"sismember", key(), mem()}
		case 5:
			args = []any{"smismember", key(), mem(), mem()}
		case 6:
			args, sorted = []any{"smembers", key()}, true
		case 7:
			args = []any{"scard", key()}
		case 8:
			args, random = []any{"spop", key(), count()}, true
		case 9:
			args, random = []any{"srandmember", key(), count()}, true
		case 10:
			args = []any{"smove", key(), key(), mem()}
		case 11:
			args, sorted = []any{[]string{"sinter", "sunion", "sdiff"}[rng.IntN(3)], key(), key(), key()}, true
		case 12:
			args = []any{[]string{"sinterstore", "sunionstore", "sdiffstore"}[rng.IntN(3)], key(), key(), key()}
		case 13:
			args = []any{"sintercard", "2", key(), key(), "limit", []string{"0", "1", "-1"}[rng.IntN(3)]}
		case 14:
			args, sorted = []any{"sscan", key(), "0", "match", []string{"*", "a*", "1*"}[rng.IntN(3)]}, true
		case 15:
			args = []any{"del", key()}
		case 16:
			args = []any{"set", "str", "v"}
		case 17:
			args = []any{"type", key()}
		case 18:
			args = []any{"expire", key(), "100"}
		case 19:
			args = []any{"spop", key()}
			random = true
		}
		if random {
			got, gerr := do(ours, args...)
			exp, eerr := do(rc, args...)
			if fmt.Sprint(gerr) != fmt.Sprint(eerr) || setShape(got) != setShape(exp) {
				t.Fatalf("step %d %v: Meridian %v %v (%s), Redis %v %v (%s)", i, args, got, gerr, setShape(got), exp, eerr, setShape(exp))
			}
			if args[0] == "spop" && gerr == nil {
				// Both popped as many; make them hold the same members.
				k := args[1].(string)
				mustDo(t, rc, "del", k)
				if ms := mustDo(t, ours, "smembers", k).([]any); len(ms) > 0 {
					mustDo(t, rc, append([]any{"sadd", k}, ms...)...)
				}
			}
			continue
		}
		var got, exp string
		if sorted {
			got, exp = setShow(ours, args...), setShow(rc, args...)
		} else {
			got, exp = setSorted(ours, args...), setSorted(rc, args...)
		}
		if got != exp {
			t.Fatalf("step %d %v: Meridian %s, Redis %s", i, args, got, exp)
		}
	}
}

// setShape is the size of a reply: nil, a count of elements, or a value.
func setShape(v any) string {
	switch x := v.(type) {
	case nil:
		return "nil"
	case []any:
		return fmt.Sprintf("array of %d", len(x))
	}
	return "value"
}

// setShow prints a reply with nested arrays sorted (SSCAN's page too).
func setShow(c *redis.Client, args ...any) string {
	v, err := do(c, args...)
	if err != nil && err != redis.Nil {
		return "error: " + err.Error()
	}
	var show func(v any, top bool) string
	show = func(v any, top bool) string {
		xs, ok := v.([]any)
		if !ok {
			return fmt.Sprint(v)
		}
		s := make([]string, len(xs))
		for i, x := range xs {
			s[i] = show(x, false)
		}
		if !top || args[0] != "sscan" {
			sort.Strings(s)
		}
		return "[" + strings.Join(s, " ") + "]"
	}
	return show(v, true)
}
