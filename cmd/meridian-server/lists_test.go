package main

// Integration tests of the list family against the real binary, with Redis
// 7.2's replies and error texts (checked against redis-server), over RESP2
// and RESP3.

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	lsWrongType = "error: WRONGTYPE Operation against a key holding the wrong kind of value"
	lsNotInt    = "error: ERR value is not an integer or out of range"
	lsSyntax    = "error: ERR syntax error"
)

// lsBoth runs fn against a fresh server per protocol (RESP2, RESP3), so no
// test depends on FLUSHDB having emptied the lists of the previous one.
func lsBoth(t *testing.T, fn func(t *testing.T, c *redis.Client)) {
	for _, proto := range []int{2, 3} {
		t.Run("resp"+strconv.Itoa(proto), func(t *testing.T) {
			fn(t, startServer(t).client(t, proto))
		})
	}
}

func lsArity(cmd string) string {
	return "error: ERR wrong number of arguments for '" + cmd + "' command"
}

// lsReset makes L = [a b c a] and a string s.
func lsReset(t *testing.T, c *redis.Client) {
	t.Helper()
	mustDo(t, c, "rpush", "L", "a", "b", "c", "a")
	mustDo(t, c, "set", "s", "x")
}

func TestListsPush(t *testing.T) {
	lsBoth(t, func(t *testing.T, c *redis.Client) {
		lsReset(t, c)
		runCases(t, c, []case1{
			{[]any{"lpush", "P", "a"}, "1"},
			{[]any{"lpush", "P", "b", "c"}, "3"},
			{[]any{"rpush", "P", "x", "y"}, "5"},
			{[]any{"lrange", "P", "0", "-1"}, "[c b a x y]"},
			{[]any{"lpushx", "P", "h"}, "6"},
			{[]any{"rpushx", "P", "t1", "t2"}, "8"},
			{[]any{"lpushx", "nokey", "a"}, "0"},
			{[]any{"rpushx", "nokey", "a", "b"}, "0"},
			{[]any{"exists", "nokey"}, "0"},
			{[]any{"lpush", "s", "a"}, lsWrongType},
			{[]any{"rpush", "s", "a"}, lsWrongType},
			{[]any{"lpushx", "s", "a"}, lsWrongType},
			{[]any{"rpushx", "s", "a"}, lsWrongType},
			{[]any{"lpush", "P"}, lsArity("lpush")},
			{[]any{"rpush", "P"}, lsArity("rpush")},
			{[]any{"lpushx", "P"}, lsArity("lpushx")},
			{[]any{"rpushx", "P"}, lsArity("rpushx")},
			{[]any{"type", "P"}, "list"},
			{[]any{"rpush", "E", ""}, "1"},
			{[]any{"lindex", "E", "0"}, ""},
		})
	})
}

func TestListsPop(t *testing.T) {
	lsBoth(t, func(t *testing.T, c *redis.Client) {
		lsReset(t, c)
		runCases(t, c, []case1{
			{[]any{"lpop", "L"}, "a"},
			{[]any{"rpop", "L"}, "a"},
			{[]any{"rpush", "L", "d", "e"}, "4"},
			{[]any{"lpop", "L", "2"}, "[b c]"},
			{[]any{"rpop", "L", "1"}, "[e]"},
			{[]any{"lpop", "L", "0"}, "[]"},
			{[]any{"rpop", "L", "0"}, "[]"},
			{[]any{"rpop", "L", "10"}, "[d]"},
			{[]any{"exists", "L"}, "0"},
			{[]any{"lpop", "L"}, "<nil>"},
			{[]any{"rpop", "L"}, "<nil>"},
			{[]any{"lpop", "L", "2"}, "<nil>"},
			{[]any{"lpop", "L", "0"}, "<nil>"},
			{[]any{"lpop", "L", "abc"}, "error: ERR value is out of range, must be positive"},
			{[]any{"rpop", "L", "-1"}, "error: ERR value is out of range, must be positive"},
			{[]any{"lpop", "L", "1", "2"}, lsArity("lpop")},
			{[]any{"rpop", "L", "1", "2"}, lsArity("rpop")},
			{[]any{"lpop"}, lsArity("lpop")},
			{[]any{"lpop", "s"}, lsWrongType},
			{[]any{"rpop", "s", "0"}, lsWrongType},
			{[]any{"rpush", "M", "1", "2", "3"}, "3"},
			{[]any{"rpop", "M", "9223372036854775807"}, "[3 2 1]"},
		})
	})
}

func TestListsLenIndexRange(t *testing.T) {
	lsBoth(t, func(t *testing.T, c *redis.Client) {
		lsReset(t, c)
		runCases(t, c, []case1{
			{[]any{"llen", "L"}, "4"},
			{[]any{"llen", "nokey"}, "0"},
			{[]any{"llen", "s"}, lsWrongType},
			{[]any{"llen"}, lsArity("llen")},
			{[]any{"lindex", "L", "0"}, "a"},
			{[]any{"lindex", "L", "-1"}, "a"},
			{[]any{"lindex", "L", "2"}, "c"},
			{[]any{"lindex", "L", "-4"}, "a"},
			{[]any{"lindex", "L", "4"}, "<nil>"},
			{[]any{"lindex", "L", "-5"}, "<nil>"},
			{[]any{"lindex", "nokey", "0"}, "<nil>"},
			{[]any{"lindex", "nokey", "abc"}, "<nil>"},
			{[]any{"lindex", "s", "abc"}, lsWrongType},
			{[]any{"lindex", "L", "abc"}, lsNotInt},
			{[]any{"lindex", "L"}, lsArity("lindex")},
			{[]any{"lrange", "L", "0", "-1"}, "[a b c a]"},
			{[]any{"lrange", "L", "1", "2"}, "[b c]"},
			{[]any{"lrange", "L", "-2", "100"}, "[c a]"},
			{[]any{"lrange", "L", "-100", "0"}, "[a]"},
			{[]any{"lrange", "L", "3", "1"}, "[]"},
			{[]any{"lrange", "L", "5", "10"}, "[]"},
			{[]any{"lrange", "L", "0", "-5"}, "[]"},
			{[]any{"lrange", "nokey", "0", "-1"}, "[]"},
			{[]any{"lrange", "nokey", "a", "b"}, lsNotInt},
			{[]any{"lrange", "s", "0", "1"}, lsWrongType},
			{[]any{"lrange", "L", "0"}, lsArity("lrange")},
		})
	})
}

func TestListsSet(t *testing.T) {
	lsBoth(t, func(t *testing.T, c *redis.Client) {
		lsReset(t, c)
		runCases(t, c, []case1{
			{[]any{"lset", "L", "0", "A"}, "OK"},
			{[]any{"lset", "L", "-1", "Z"}, "OK"},
			{[]any{"lrange", "L", "0", "-1"}, "[A b c Z]"},
			{[]any{"lset", "L", "4", "x"}, "error: ERR index out of range"},
			{[]any{"lset", "L", "-5", "x"}, "error: ERR index out of range"},
			{[]any{"lset", "L", "abc", "x"}, lsNotInt},
			{[]any{"lset", "nokey", "0", "x"}, "error: ERR no such key"},
			{[]any{"lset", "nokey", "abc", "x"}, "error: ERR no such key"},
			{[]any{"lset", "s", "abc", "x"}, lsWrongType},
			{[]any{"lset", "L", "0"}, lsArity("lset")},
			{[]any{"lset", "L", "1", strings.Repeat("x", 10000)}, "OK"},
			{[]any{"strlen", "s"}, "1"},
		})
		if v := mustDo(t, c, "lindex", "L", "1"); v != strings.Repeat("x", 10000) {
			t.Fatalf("big LSET value reads back %d bytes", len(v.(string)))
		}
	})
}

func TestListsInsert(t *testing.T) {
	lsBoth(t, func(t *testing.T, c *redis.Client) {
		lsReset(t, c)
		runCases(t, c, []case1{
			{[]any{"linsert", "L", "before", "a", "x"}, "5"},
			{[]any{"linsert", "L", "AFTER", "a", "y"}, "6"},
			{[]any{"linsert", "L", "after", "c", "z"}, "7"},
			{[]any{"lrange", "L", "0", "-1"}, "[x a y b c z a]"},
			{[]any{"linsert", "L", "before", "nope", "q"}, "-1"},
			{[]any{"linsert", "nokey", "before", "a", "q"}, "0"},
			{[]any{"exists", "nokey"}, "0"},
			{[]any{"linsert", "nokey", "middle", "a", "q"}, "error: ERR syntax error"},
			{[]any{"linsert", "s", "before", "a", "q"}, lsWrongType},
			{[]any{"linsert", "L", "before", "a"}, lsArity("linsert")},
		})
	})
}

func TestListsRem(t *testing.T) {
	lsBoth(t, func(t *testing.T, c *redis.Client) {
		lsReset(t, c)
		mustDo(t, c, "rpush", "L", "a", "b", "a")
		// L = a b c a a b a
		runCases(t, c, []case1{
			{[]any{"lrem", "L", "2", "a"}, "2"},
			{[]any{"lrange", "L", "0", "-1"}, "[b c a b a]"},
			{[]any{"lrem", "L", "-1", "b"}, "1"},
			{[]any{"lrange", "L", "0", "-1"}, "[b c a a]"},
			{[]any{"lrem", "L", "0", "a"}, "2"},
			{[]any{"lrem", "L", "0", "zz"}, "0"},
			{[]any{"lrange", "L", "0", "-1"}, "[b c]"},
			{[]any{"lrem", "L", "-10", "b"}, "1"},
			{[]any{"lrem", "L", "1", "c"}, "1"},
			{[]any{"exists", "L"}, "0"},
			{[]any{"lrem", "nokey", "0", "a"}, "0"},
			{[]any{"lrem", "nokey", "abc", "a"}, lsNotInt},
			{[]any{"lrem", "s", "0", "x"}, lsWrongType},
			{[]any{"lrem", "L", "0"}, lsArity("lrem")},
		})
	})
}

func TestListsTrim(t *testing.T) {
	lsBoth(t, func(t *testing.T, c *redis.Client) {
		lsReset(t, c)
		runCases(t, c, []case1{
			{[]any{"ltrim", "L", "1", "-1"}, "OK"},
			{[]any{"lrange", "L", "0", "-1"}, "[b c a]"},
			{[]any{"ltrim", "L", "0", "1"}, "OK"},
			{[]any{"lrange", "L", "0", "-1"}, "[b c]"},
			{[]any{"ltrim", "L", "-100", "100"}, "OK"},
			{[]any{"lrange", "L", "0", "-1"}, "[b c]"},
			{[]any{"ltrim", "L", "1", "0"}, "OK"},
			{[]any{"exists", "L"}, "0"},
			{[]any{"ltrim", "nokey", "0", "1"}, "OK"},
			{[]any{"ltrim", "nokey", "a", "1"}, lsNotInt},
			{[]any{"ltrim", "s", "0", "1"}, lsWrongType},
			{[]any{"ltrim", "L", "0"}, lsArity("ltrim")},
		})
	})
}

func TestListsPos(t *testing.T) {
	lsBoth(t, func(t *testing.T, c *redis.Client) {
		lsReset(t, c)
		runCases(t, c, []case1{
			{[]any{"lpos", "L", "a"}, "0"},
			{[]any{"lpos", "L", "c"}, "2"},
			{[]any{"lpos", "L", "zz"}, "<nil>"},
			{[]any{"lpos", "L", "a", "rank", "2"}, "3"},
			{[]any{"lpos", "L", "a", "rank", "3"}, "<nil>"},
			{[]any{"lpos", "L", "a", "rank", "-1"}, "3"},
			{[]any{"lpos", "L", "a", "count", "0"}, "[0 3]"},
			{[]any{"lpos", "L", "a", "rank", "-1", "count", "0"}, "[3 0]"},
			{[]any{"lpos", "L", "a", "count", "1"}, "[0]"},
			{[]any{"lpos", "L", "zz", "count", "0"}, "[]"},
			{[]any{"lpos", "L", "a", "maxlen", "1", "count", "0"}, "[0]"},
			{[]any{"lpos", "L", "a", "rank", "2", "maxlen", "3"}, "<nil>"},
			{[]any{"lpos", "nokey", "a"}, "<nil>"},
			{[]any{"lpos", "nokey", "a", "count", "0"}, "[]"},
			{[]any{"lpos", "s", "a"}, lsWrongType},
			{[]any{"lpos", "L", "a", "rank", "0"}, "error: ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"},
			{[]any{"lpos", "L", "a", "rank", "abc"}, lsNotInt},
			{[]any{"lpos", "L", "a", "count", "-1"}, "error: ERR COUNT can't be negative"},
			{[]any{"lpos", "L", "a", "count", "abc"}, "error: ERR COUNT can't be negative"},
			{[]any{"lpos", "L", "a", "maxlen", "-1"}, "error: ERR MAXLEN can't be negative"},
			{[]any{"lpos", "L", "a", "foo"}, lsSyntax},
			{[]any{"lpos", "L", "a", "rank"}, lsSyntax},
			{[]any{"lpos", "L"}, lsArity("lpos")},
		})
	})
}

func TestListsMove(t *testing.T) {
	lsBoth(t, func(t *testing.T, c *redis.Client) {
		lsReset(t, c)
		runCases(t, c, []case1{
			{[]any{"lmove", "L", "D", "left", "right"}, "a"},
			{[]any{"lmove", "L", "D", "RIGHT", "LEFT"}, "a"},
			{[]any{"lrange", "D", "0", "-1"}, "[a a]"},
			{[]any{"rpoplpush", "L", "D"}, "c"},
			{[]any{"lrange", "D", "0", "-1"}, "[c a a]"},
			{[]any{"lmove", "L", "L", "left", "right"}, "b"},
			{[]any{"lrange", "L", "0", "-1"}, "[b]"},
			{[]any{"rpoplpush", "L", "D"}, "b"},
			{[]any{"exists", "L"}, "0"},
			{[]any{"lmove", "nokey", "D", "left", "left"}, "<nil>"},
			{[]any{"rpoplpush", "nokey", "D"}, "<nil>"},
			{[]any{"lmove", "nokey", "s", "left", "left"}, "<nil>"},
			{[]any{"lmove", "D", "s", "left", "left"}, lsWrongType},
			{[]any{"lmove", "s", "D", "left", "left"}, lsWrongType},
			{[]any{"rpoplpush", "D", "s"}, lsWrongType},
			{[]any{"llen", "D"}, "4"},
			{[]any{"lmove", "D", "X", "middle", "left"}, lsSyntax},
			{[]any{"lmove", "D", "X", "left", "up"}, lsSyntax},
			{[]any{"lmove", "D", "X", "left"}, lsArity("lmove")},
			{[]any{"rpoplpush", "D"}, lsArity("rpoplpush")},
		})
	})
}

func TestListsMPop(t *testing.T) {
	lsBoth(t, func(t *testing.T, c *redis.Client) {
		lsReset(t, c)
		runCases(t, c, []case1{
			{[]any{"lmpop", "2", "nokey", "L", "left"}, "[L [a]]"},
			{[]any{"lmpop", "1", "L", "right", "count", "2"}, "[L [a c]]"},
			{[]any{"lmpop", "1", "L", "LEFT", "COUNT", "10"}, "[L [b]]"},
			{[]any{"exists", "L"}, "0"},
			{[]any{"lmpop", "1", "L", "left"}, "<nil>"},
			{[]any{"lmpop", "2", "nokey", "s", "left"}, lsWrongType},
			{[]any{"lmpop", "0", "L", "left"}, "error: ERR numkeys should be greater than 0"},
			{[]any{"lmpop", "abc", "L", "left"}, "error: ERR numkeys should be greater than 0"},
			{[]any{"lmpop", "-1", "L", "left"}, "error: ERR numkeys should be greater than 0"},
			{[]any{"lmpop", "2", "L", "left"}, lsSyntax},
			{[]any{"lmpop", "9223372036854775807", "L", "left"}, lsSyntax},
			{[]any{"lmpop", "1", "L", "middle"}, lsSyntax},
			{[]any{"lmpop", "1", "L", "left", "count", "0"}, "error: ERR count should be greater than 0"},
			{[]any{"lmpop", "1", "L", "left", "count", "abc"}, "error: ERR count should be greater than 0"},
			{[]any{"lmpop", "1", "L", "left", "count", "1", "count", "1"}, lsSyntax},
			{[]any{"lmpop", "1", "L", "left", "foo"}, lsSyntax},
			{[]any{"lmpop", "1", "L"}, lsArity("lmpop")},
		})
	})
}

// TestListsLong: a list of many leaves reads back exactly, from both ends
// and the middle, and positions stay right after inserts and removals.
func TestListsLong(t *testing.T) {
	p := startServer(t)
	c := p.client(t, 2)
	const n = 20000
	args := []any{"rpush", "big"}
	for i := 0; i < n; i++ {
		args = append(args, strconv.Itoa(i))
	}
	want(t, c, strconv.Itoa(n), args...)
	want(t, c, "12345", "lindex", "big", "12345")
	want(t, c, "[19998 19999]", "lrange", "big", "-2", "-1")
	want(t, c, "[10000 10001 10002]", "lrange", "big", "10000", "10002")
	want(t, c, strconv.Itoa(n+1), "linsert", "big", "before", "10001", "mid")
	want(t, c, "[10000 mid 10001]", "lrange", "big", "10000", "10002")
	want(t, c, "OK", "ltrim", "big", "5000", "-5000")
	want(t, c, "5000", "lindex", "big", "0")
	want(t, c, "[4999]", "lpos", "big", "9999", "count", "0")
	want(t, c, "1", "lrem", "big", "0", "mid")
	want(t, c, strconv.Itoa(n-10000+1), "llen", "big")
}

// TestListsKeyOps: DEL, RENAME, COPY and expiry of lists (shard.Delete
// removes a list's elements, WriteFrom copies them).
func TestListsKeyOps(t *testing.T) {
	lsBoth(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "rpush", "probe", "x")
		mustDo(t, c, "del", "probe")
		if mustDo(t, c, "exists", "probe") != int64(0) {
			t.Fatal("DEL of a list left it alive (shard.Delete must remove list elements)")
		}
		lsReset(t, c)
		runCases(t, c, []case1{
			{[]any{"rename", "L", "R"}, "OK"},
			{[]any{"exists", "L"}, "0"},
			{[]any{"lrange", "R", "0", "-1"}, "[a b c a]"},
			{[]any{"copy", "R", "C"}, "1"},
			{[]any{"lrange", "C", "0", "-1"}, "[a b c a]"},
			{[]any{"rpush", "C", "z"}, "5"},
			{[]any{"llen", "R"}, "4"},
			{[]any{"copy", "C", "R", "replace"}, "1"},
			{[]any{"lrange", "R", "0", "-1"}, "[a b c a z]"},
			{[]any{"del", "R", "C"}, "2"},
			{[]any{"rpush", "R", "new"}, "1"},
			{[]any{"lrange", "R", "0", "-1"}, "[new]"},
			{[]any{"pexpire", "R", "1"}, "1"},
		})
		for i := 0; i < 200 && mustDo(t, c, "exists", "R") != int64(0); i++ {
			time.Sleep(5 * time.Millisecond)
		}
		want(t, c, "0", "exists", "R")
	})
}
