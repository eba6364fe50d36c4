package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestStringCommands(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		runCases(t, c, []case1{
			{[]any{"get", "nosuch"}, "<nil>"},
			{[]any{"set", "k", "v"}, "OK"},
			{[]any{"get", "k"}, "v"},
			{[]any{"set", "k", "v2", "nx"}, "<nil>"},
			{[]any{"set", "k", "v2", "xx"}, "OK"},
			{[]any{"set", "k2", "v", "xx"}, "<nil>"},
			{[]any{"set", "k", "v3", "get"}, "v2"},
			{[]any{"set", "new", "v", "nx", "get"}, "<nil>"},
			{[]any{"get", "new"}, "v"},
			{[]any{"set", "k", "v", "nx", "xx"}, "error: ERR syntax error"},
			{[]any{"set", "k", "v", "ex", "10", "px", "100"}, "error: ERR syntax error"},
			{[]any{"set", "k", "v", "ex", "10", "keepttl"}, "error: ERR syntax error"},
			{[]any{"set", "k", "v", "ex", "0"}, "error: ERR invalid expire time in 'set' command"},
			{[]any{"set", "k", "v", "ex", "-5"}, "error: ERR invalid expire time in 'set' command"},
			{[]any{"set", "k", "v", "ex", "abc"}, "error: ERR value is not an integer or out of range"},
			{[]any{"set", "k", "v", "ex", "9223372036854775807"}, "error: ERR invalid expire time in 'set' command"},
			{[]any{"set", "k", "v", "bogus"}, "error: ERR syntax error"},
			{[]any{"set", "k", "v", "px", "1", "px", "100000"}, "OK"}, // the same form twice: the last counts
			{[]any{"ttl", "k"}, "100"},
			{[]any{"set", "k", "v", "ex", "abc", "nx", "xx"}, "error: ERR syntax error"}, // options before the number
			{[]any{"set", "k", "v", "keepttl", "keepttl"}, "OK"},
			{[]any{"set", "k"}, "error: ERR wrong number of arguments for 'set' command"},
			{[]any{"get"}, "error: ERR wrong number of arguments for 'get' command"},
			{[]any{"get", "a", "b"}, "error: ERR wrong number of arguments for 'get' command"},
			{[]any{"setnx", "sn", "1"}, "1"},
			{[]any{"setnx", "sn", "2"}, "0"},
			{[]any{"get", "sn"}, "1"},
			{[]any{"setex", "se", "100", "v"}, "OK"},
			{[]any{"ttl", "se"}, "100"},
			{[]any{"setex", "se", "0", "v"}, "error: ERR invalid expire time in 'setex' command"},
			{[]any{"psetex", "se", "-1", "v"}, "error: ERR invalid expire time in 'psetex' command"},
			{[]any{"setex", "se", "x", "v"}, "error: ERR value is not an integer or out of range"},
			{[]any{"getset", "gs", "a"}, "<nil>"},
			{[]any{"getset", "gs", "b"}, "a"},
			{[]any{"getdel", "gs"}, "b"},
			{[]any{"getdel", "gs"}, "<nil>"},
			{[]any{"exists", "gs"}, "0"},
			{[]any{"set", "ge", "v"}, "OK"},
			{[]any{"getex", "ge", "ex", "100"}, "v"},
			{[]any{"ttl", "ge"}, "100"},
			{[]any{"getex", "ge", "persist"}, "v"},
			{[]any{"ttl", "ge"}, "-1"},
			{[]any{"getex", "ge", "ex", "0"}, "error: ERR invalid expire time in 'getex' command"},
			{[]any{"getex", "ge", "persist", "ex", "1"}, "error: ERR syntax error"},
			{[]any{"getex", "ge", "persist", "persist"}, "v"},
			{[]any{"getex", "ge", "nx"}, "error: ERR syntax error"},
			{[]any{"getex", "ge", "pxat", "1"}, "v"},
			{[]any{"exists", "ge"}, "0"},
			{[]any{"getex", "nosuch"}, "<nil>"},
			{[]any{"mset", "a", "1", "b", "2", "c", "3"}, "OK"},
			{[]any{"mget", "a", "b", "nosuch", "c"}, "[1 2 <nil> 3]"},
			{[]any{"mset", "a", "1", "b"}, "error: ERR wrong number of arguments for 'mset' command"},
			{[]any{"msetnx", "a", "9", "zz", "9"}, "0"},
			{[]any{"get", "zz"}, "<nil>"},
			{[]any{"msetnx", "y1", "9", "y2", "8"}, "1"},
			{[]any{"mget", "y1", "y2"}, "[9 8]"},
			{[]any{"append", "ap", "hello"}, "5"},
			{[]any{"append", "ap", " world"}, "11"},
			{[]any{"get", "ap"}, "hello world"},
			{[]any{"strlen", "ap"}, "11"},
			{[]any{"strlen", "nosuch"}, "0"},
			{[]any{"getrange", "ap", "0", "4"}, "hello"},
			{[]any{"getrange", "ap", "-5", "-1"}, "world"},
			{[]any{"getrange", "ap", "5", "3"}, ""},
			{[]any{"getrange", "ap", "-1", "-5"}, ""},
			{[]any{"getrange", "ap", "0", "100"}, "hello world"},
			{[]any{"getrange", "nosuch", "0", "1"}, ""},
			{[]any{"getrange", "ap", "a", "1"}, "error: ERR value is not an integer or out of range"},
			{[]any{"substr", "ap", "0", "0"}, "h"},
			{[]any{"setrange", "sr", "5", "abc"}, "8"},
			{[]any{"get", "sr"}, "\x00\x00\x00\x00\x00abc"},
			{[]any{"setrange", "ap", "6", "WORLD"}, "11"},
			{[]any{"get", "ap"}, "hello WORLD"},
			{[]any{"setrange", "ap", "-1", "x"}, "error: ERR offset is out of range"},
			{[]any{"setrange", "empty", "0", ""}, "0"},
			{[]any{"exists", "empty"}, "0"},
			{[]any{"setrange", "ap", "0", ""}, "11"},
			{[]any{"setrange", "ap", "536870911", "xx"}, "error: ERR string exceeds maximum allowed size (proto-max-bulk-len)"},
			{[]any{"set", "l1", "ohmytext"}, "OK"},
			{[]any{"set", "l2", "mynewtext"}, "OK"},
			{[]any{"lcs", "l1", "l2"}, "mytext"},
			{[]any{"lcs", "l1", "l2", "len"}, "6"},
			{[]any{"lcs", "l1", "l2", "len", "idx"}, "error: ERR If you want both the length and indexes, please just use IDX."},
			{[]any{"lcs", "l1", "l2", "foo"}, "error: ERR syntax error"},
			{[]any{"lcs", "l1", "nosuch"}, ""},
		})
	})
}

func TestLCSIdx(t *testing.T) {
	p := startServer(t)
	for _, proto := range []int{2, 3} {
		c := p.client(t, proto)
		mustDo(t, c, "mset", "key1", "ohmytext", "key2", "mynewtext")
		res, err := c.LCS(ctx(), &redis.LCSQuery{Key1: "key1", Key2: "key2", Idx: true, MinMatchLen: 4, WithMatchLen: true}).Result()
		if err != nil {
			t.Fatal(err)
		}
		if res.Len != 6 || len(res.Matches) != 1 || res.Matches[0].Key1 != (redis.LCSPosition{Start: 4, End: 7}) ||
			res.Matches[0].Key2 != (redis.LCSPosition{Start: 5, End: 8}) || res.Matches[0].MatchLen != 4 {
			t.Fatalf("resp%d: LCS IDX = %+v", proto, res)
		}
		res, err = c.LCS(ctx(), &redis.LCSQuery{Key1: "key1", Key2: "key2", Idx: true}).Result()
		if err != nil || len(res.Matches) != 2 || res.Matches[1].Key1 != (redis.LCSPosition{Start: 2, End: 3}) {
			t.Fatalf("resp%d: LCS IDX = %+v %v", proto, res, err)
		}
	}
}

func TestCounters(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		runCases(t, c, []case1{
			{[]any{"incr", "n"}, "1"},
			{[]any{"incrby", "n", "41"}, "42"},
			{[]any{"decr", "n"}, "41"},
			{[]any{"decrby", "n", "40"}, "1"},
			{[]any{"get", "n"}, "1"},
			{[]any{"incrby", "n", "x"}, "error: ERR value is not an integer or out of range"},
			{[]any{"incrby", "n", "1.5"}, "error: ERR value is not an integer or out of range"},
			{[]any{"set", "s", "abc"}, "OK"},
			{[]any{"incr", "s"}, "error: ERR value is not an integer or out of range"},
			{[]any{"set", "s", " 1"}, "OK"},
			{[]any{"incr", "s"}, "error: ERR value is not an integer or out of range"},
			{[]any{"set", "s", "01"}, "OK"},
			{[]any{"incr", "s"}, "error: ERR value is not an integer or out of range"},
			{[]any{"set", "big", "9223372036854775807"}, "OK"},
			{[]any{"incr", "big"}, "error: ERR increment or decrement would overflow"},
			{[]any{"set", "small", "-9223372036854775808"}, "OK"},
			{[]any{"decr", "small"}, "error: ERR increment or decrement would overflow"},
			{[]any{"decrby", "small", "-9223372036854775808"}, "error: ERR decrement would overflow"},
			{[]any{"set", "n", "10"}, "OK"},
			{[]any{"incr", "n"}, "11"},
			{[]any{"set", "n", "10", "ex", "100"}, "OK"},
			{[]any{"incr", "n"}, "11"},
			{[]any{"ttl", "n"}, "100"},
			{[]any{"set", "f", "10.50"}, "OK"},
			{[]any{"incrbyfloat", "f", "0.1"}, "10.6"},
			{[]any{"incrbyfloat", "f", "-5"}, "5.6"},
			{[]any{"set", "f", "5.0e3"}, "OK"},
			{[]any{"incrbyfloat", "f", "2.0e2"}, "5200"},
			{[]any{"incr", "f"}, "5201"},
			{[]any{"incrbyfloat", "f", "0.5"}, "5201.5"},
			{[]any{"incr", "f"}, "error: ERR value is not an integer or out of range"},
			{[]any{"incrbyfloat", "f", "abc"}, "error: ERR value is not a valid float"},
			{[]any{"incrbyfloat", "s", "1"}, "2"}, // s is "01": a valid float, as in Redis
			{[]any{"set", "s", "abc"}, "OK"},
			{[]any{"incrbyfloat", "s", "1"}, "error: ERR value is not a valid float"},
			{[]any{"set", "t", "0.1"}, "OK"},
			{[]any{"incrbyfloat", "t", "0.1"}, "0.2"},
			{[]any{"incrbyfloat", "t", "0.1"}, "0.3"},
			{[]any{"incrbyfloat", "nf", "1e400"}, "error: ERR increment would produce NaN or Infinity"},
			{[]any{"incrbyfloat", "nf", "3"}, "3"},
			{[]any{"set", "infv", "inf"}, "OK"},
			{[]any{"incrbyfloat", "infv", "1"}, "error: ERR increment would produce NaN or Infinity"},
			{[]any{"append", "nf", "0"}, "2"},
			{[]any{"get", "nf"}, "30"},
			{[]any{"incr", "nf"}, "31"},
		})
	})
}

func TestExpiryOfStrings(t *testing.T) {
	p := startServer(t)
	c := p.client(t, 2)
	mustDo(t, c, "set", "k", "v", "px", "100")
	want(t, c, "v", "get", "k")
	time.Sleep(200 * time.Millisecond)
	want(t, c, "<nil>", "get", "k")
	// The active cycle removes keys nobody reads.
	for i := 0; i < 50; i++ {
		mustDo(t, c, "set", fmt.Sprint("e", i), "v", "px", "50")
	}
	mustDo(t, c, "set", "keep", "v")
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := mustDo(t, c, "dbsize").(int64)
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("dbsize stayed %d: active expiry did not run", n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// SET with an absolute time in the past writes nothing visible.
	want(t, c, "OK", "set", "past", "v", "pxat", "1")
	want(t, c, "<nil>", "get", "past")
	// KEEPTTL keeps, a plain SET clears.
	mustDo(t, c, "set", "t", "v", "ex", "100")
	mustDo(t, c, "set", "t", "w", "keepttl")
	want(t, c, "100", "ttl", "t")
	mustDo(t, c, "set", "t", "x")
	want(t, c, "-1", "ttl", "t")
}

func TestRedisCliStrings(t *testing.T) {
	p := startServer(t)
	if got := p.cli(t, "set", "greeting", "hello"); got != "OK" {
		t.Fatalf("set: %q", got)
	}
	if got := p.cli(t, "get", "greeting"); got != "hello" {
		t.Fatalf("get: %q", got)
	}
	if got := p.cli(t, "incrby", "visits", "5"); got != "5" {
		t.Fatalf("incrby: %q", got)
	}
	if got := p.cli(t, "nosuchcommand", "a"); !strings.Contains(got, "ERR unknown command 'nosuchcommand', with args beginning with: 'a'") {
		t.Fatalf("unknown: %q", got)
	}
	if got := p.cli(t, "-3", "get", "greeting"); got != "hello" {
		t.Fatalf("resp3 get: %q", got)
	}
}
