package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The HyperLogLog family against the real server, RESP2 and RESP3. The
// expected replies were produced by Redis 7.0.15 (same HLL code as 7.2):
// every count, every string GET shows, every error. TestHLLMatchesRedis
// also replays random workloads on both servers when redis-server is
// installed.

// hllProtocols is bothProtocols with a fresh server per protocol, so a
// table does not depend on FLUSHALL deleting HLL keys (it needs the DEL
// hooks of core/entry.go).
func hllProtocols(t *testing.T, fn func(t *testing.T, c *redis.Client)) {
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			fn(t, startServer(t).client(t, proto))
		})
	}
}

func TestHLLCommands(t *testing.T) {
	hllProtocols(t, func(t *testing.T, c *redis.Client) {
		runCases(t, c, []case1{
			{[]any{"pfadd", "h", "a", "b", "c"}, "1"},
			{[]any{"pfadd", "h", "a"}, "0"},
			{[]any{"pfadd", "h"}, "0"},
			{[]any{"pfcount", "h"}, "3"},
			{[]any{"get", "h"}, "HYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00`\xf3\x80P\xb1\x84K\xfb\x80BZ"},
			{[]any{"pfadd", "h", "d"}, "1"},
			{[]any{"get", "h"}, "HYLL\x01\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x80\\{\x80Dv\x80P\xb1\x84K\xfb\x80BZ"},
			{[]any{"strlen", "h"}, "30"},
			{[]any{"getrange", "h", "0", "3"}, "HYLL"},
			{[]any{"type", "h"}, "string"},
			{[]any{"pfadd", "e"}, "1"},
			{[]any{"pfadd", "e"}, "0"},
			{[]any{"exists", "e"}, "1"},
			{[]any{"pfcount", "e"}, "0"},
			{[]any{"get", "e"}, "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff"},
			{[]any{"pfcount", "nosuch"}, "0"},
			{[]any{"exists", "nosuch"}, "0"},
			{[]any{"pfcount", "h", "nosuch", "e"}, "4"},
			{[]any{"pfmerge", "m", "h", "e"}, "OK"},
			{[]any{"pfcount", "m"}, "4"},
			{[]any{"get", "m"}, "HYLL\x01\x00\x00\x00\x04\x00\x00\x00\x00\x00\x00\x00\\{\x80Dv\x80P\xb1\x84K\xfb\x80BZ"},
			{[]any{"pfmerge", "fresh"}, "OK"},
			{[]any{"get", "fresh"}, "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"},
			{[]any{"pfmerge", "m2", "nosuch"}, "OK"},
			{[]any{"exists", "m2"}, "1"},
			{[]any{"pfadd", "m", "z"}, "1"},
			{[]any{"pfmerge", "m", "h"}, "OK"},
			{[]any{"pfcount", "m"}, "5"},
			// Strings that are not HLLs
			{[]any{"set", "s", "foo"}, "OK"},
			{[]any{"pfadd", "s", "a"}, "error: WRONGTYPE Key is not a valid HyperLogLog string value."},
			{[]any{"pfcount", "s"}, "error: WRONGTYPE Key is not a valid HyperLogLog string value."},
			{[]any{"pfcount", "h", "s"}, "error: WRONGTYPE Key is not a valid HyperLogLog string value."},
			{[]any{"pfcount", "s", "h"}, "error: WRONGTYPE Key is not a valid HyperLogLog string value."},
			{[]any{"pfmerge", "s", "h"}, "error: WRONGTYPE Key is not a valid HyperLogLog string value."},
			{[]any{"pfmerge", "d", "s"}, "error: WRONGTYPE Key is not a valid HyperLogLog string value."},
			{[]any{"exists", "d"}, "0"},
			{[]any{"pfmerge", "h", "s"}, "error: WRONGTYPE Key is not a valid HyperLogLog string value."},
			{[]any{"set", "c", "HYLL"}, "OK"},
			{[]any{"pfcount", "c"}, "error: WRONGTYPE Key is not a valid HyperLogLog string value."},
			// A Redis HLL string (SET from a dump) works, and its cached count is used
			{[]any{"set", "blob", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"}, "OK"},
			{[]any{"pfcount", "blob"}, "0"},
			{[]any{"pfadd", "blob", "x", "y"}, "1"},
			{[]any{"pfcount", "blob"}, "2"},
			{[]any{"get", "blob"}, "HYLL\x01\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00zS\x88E\xa0\x84\x08"},
			{[]any{"type", "blob"}, "string"},
			{[]any{"set", "cached", "HYLL\x01\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x7f\xff"}, "OK"},
			{[]any{"pfcount", "cached"}, "5"},
			{[]any{"pfadd", "cached"}, "0"},
			{[]any{"pfcount", "cached", "h"}, "4"},
			{[]any{"set", "dense", "HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"}, "OK"},
			{[]any{"pfcount", "dense"}, "error: WRONGTYPE Key is not a valid HyperLogLog string value."},
			// Corrupt sparse encodings
			{[]any{"set", "bad", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe"}, "OK"},
			{[]any{"pfcount", "bad"}, "error: INVALIDOBJ Corrupted HLL object detected"},
			{[]any{"pfcount", "bad", "h"}, "error: INVALIDOBJ Corrupted HLL object detected"},
			{[]any{"pfmerge", "bad2", "bad"}, "error: INVALIDOBJ Corrupted HLL object detected"},
			{[]any{"exists", "bad2"}, "0"},
			{[]any{"set", "bad3", "HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff"}, "OK"},
			{[]any{"pfcount", "bad3"}, "error: WRONGTYPE Key is not a valid HyperLogLog string value."},
			// TTLs and type changes
			{[]any{"expire", "h", "100"}, "1"},
			{[]any{"pfadd", "h", "zz"}, "1"},
			{[]any{"ttl", "h"}, "100"},
			{[]any{"set", "h", "x"}, "OK"},
			{[]any{"get", "h"}, "x"},
			{[]any{"pfadd", "h", "a"}, "error: WRONGTYPE Key is not a valid HyperLogLog string value."},
			// Arity
			{[]any{"pfadd"}, "error: ERR wrong number of arguments for 'pfadd' command"},
			{[]any{"pfcount"}, "error: ERR wrong number of arguments for 'pfcount' command"},
			{[]any{"pfmerge"}, "error: ERR wrong number of arguments for 'pfmerge' command"},
		})
	})
}

// hllAddMany adds prefix0..prefix<n-1> in batches of 1000.
func hllAddMany(t *testing.T, c *redis.Client, key, prefix string, n int) {
	t.Helper()
	for i := 0; i < n; i += 1000 {
		args := []any{"pfadd", key}
		for j := i; j < min(n, i+1000); j++ {
			args = append(args, fmt.Sprintf("%s%d", prefix, j))
		}
		mustDo(t, c, args...)
	}
}

// TestHLLCounts: PFCOUNT of the same elements as on Redis gives the same
// numbers, single keys and unions, sparse and dense.
func TestHLLCounts(t *testing.T) {
	hllProtocols(t, func(t *testing.T, c *redis.Client) {
		for _, n := range []int{10, 100, 1000, 100000} {
			hllAddMany(t, c, fmt.Sprintf("h%d", n), "e", n)
		}
		runCases(t, c, []case1{
			{[]any{"pfcount", "h10"}, "10"},
			{[]any{"pfcount", "h100"}, "100"},
			{[]any{"pfcount", "h1000"}, "1008"},
			{[]any{"pfcount", "h100000"}, "100853"},
			{[]any{"pfcount", "h10", "h100", "h1000"}, "1008"},
			{[]any{"strlen", "h1000"}, "1906"},
			{[]any{"strlen", "h100000"}, "12304"},
			{[]any{"pfmerge", "u", "h100000", "h10"}, "OK"},
			{[]any{"pfcount", "u"}, "100853"},
		})
	})
}

// hllOtherType makes key a non-string with the first collection command
// this build has, and reports false when it has none yet.
func hllOtherType(t *testing.T, c *redis.Client, key string) bool {
	t.Helper()
	for _, args := range [][]any{{"hset", key, "f", "v"}, {"sadd", key, "m"}, {"rpush", key, "x"}, {"zadd", key, "1", "m"}} {
		if _, err := do(c, args...); err == nil {
			return true
		}
	}
	t.Log("no collection type to check WRONGTYPE against")
	return false
}

func TestHLLWrongType(t *testing.T) {
	hllProtocols(t, func(t *testing.T, c *redis.Client) {
		if !hllOtherType(t, c, "o") {
			return
		}
		const wrong = "error: WRONGTYPE Operation against a key holding the wrong kind of value"
		runCases(t, c, []case1{
			{[]any{"pfadd", "h", "a"}, "1"},
			{[]any{"pfadd", "o", "a"}, wrong},
			{[]any{"pfcount", "o"}, wrong},
			{[]any{"pfcount", "h", "o"}, wrong},
			{[]any{"pfmerge", "o", "h"}, wrong},
			{[]any{"pfmerge", "h", "o"}, wrong},
			{[]any{"pfcount", "h"}, "1"},
		})
	})
}

// hllDelWorks reports whether DEL removes an HLL key (it needs the DEL hooks
// of core/entry.go).
func hllDelWorks(t *testing.T, c *redis.Client) bool {
	t.Helper()
	mustDo(t, c, "pfadd", "hll:probe", "x")
	mustDo(t, c, "del", "hll:probe")
	return fmt.Sprint(mustDo(t, c, "exists", "hll:probe")) == "0"
}

// TestHLLKeyspace: DEL, EXPIRE, RENAME and COPY of an HLL key.
func TestHLLKeyspace(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		if !hllDelWorks(t, c) {
			t.Fatal("DEL/RENAME/COPY of this type is broken: the DEL hooks in core/entry.go (DescribeObjectDel, ApplyObjectDel)")
		}
		runCases(t, c, []case1{
			{[]any{"pfadd", "h", "a", "b", "c"}, "1"},
			{[]any{"del", "h"}, "1"},
			{[]any{"exists", "h"}, "0"},
			{[]any{"pfcount", "h"}, "0"},
			{[]any{"pfadd", "h", "a"}, "1"},
			{[]any{"pfcount", "h"}, "1"},
			{[]any{"pexpire", "h", "50"}, "1"},
		})
		time.Sleep(120 * time.Millisecond)
		runCases(t, c, []case1{
			{[]any{"exists", "h"}, "0"},
			{[]any{"pfadd", "h", "a", "b"}, "1"},
			{[]any{"expire", "h", "100"}, "1"},
			{[]any{"pfadd", "h", "c"}, "1"},
			{[]any{"ttl", "h"}, "100"},
			{[]any{"rename", "h", "r"}, "OK"},
			{[]any{"exists", "h"}, "0"},
		})
		if v, _ := do(c, "pfcount", "r"); fmt.Sprint(v) != "3" {
			t.Fatal("DEL/RENAME/COPY of this type is broken: the HLL case in shard/keyops.go WriteFrom (writeFromHLL)")
		}
		runCases(t, c, []case1{
			{[]any{"ttl", "r"}, "100"},
			{[]any{"pfadd", "other", "x", "y", "z", "w"}, "1"},
			{[]any{"copy", "r", "other", "replace"}, "1"},
			{[]any{"pfcount", "other"}, "3"},
			{[]any{"type", "other"}, "string"},
			{[]any{"flushdb"}, "OK"},
			{[]any{"pfcount", "r"}, "0"},
		})
	})
}

// TestHLLCommandInfo: the table rows, as COMMAND INFO shows them.
func TestHLLCommandInfo(t *testing.T) {
	p := startServer(t)
	c := p.client(t, 2)
	for name, want := range map[string]string{
		"pfadd":   "[pfadd -2 [write denyoom fast] 1 1 1 [@write @hyperloglog @fast]",
		"pfcount": "[pfcount -2 [readonly] 1 -1 1 [@read @hyperloglog @slow]",
		"pfmerge": "[pfmerge -2 [write denyoom] 1 -1 1 [@write @hyperloglog @slow]",
	} {
		v := mustDo(t, c, "command", "info", name).([]any)[0]
		if got := fmt.Sprint(v); !strings.HasPrefix(got, want) {
			t.Errorf("COMMAND INFO %s = %s\nwant prefix %s", name, got, want)
		}
	}
}

// hllCompare runs one command on both servers and fails when the replies
// differ.
func hllCompare(t *testing.T, redisC, ours *redis.Client, args ...any) {
	t.Helper()
	show := func(c *redis.Client) string {
		v, err := do(c, args...)
		if err != nil && err != redis.Nil {
			return "error: " + err.Error()
		}
		return fmt.Sprintf("%q", fmt.Sprint(v))
	}
	if a, b := show(redisC), show(ours); a != b {
		desc := fmt.Sprint([]any(args))
		if len(desc) > 200 {
			desc = desc[:200] + "..."
		}
		t.Fatalf("%s:\n redis:    %.300s\n meridian: %.300s", desc, a, b)
	}
}

// TestHLLMatchesRedis replays random PFADD, PFCOUNT, PFMERGE, GET and DEL
// on redis-server and on Meridian and requires identical replies, the
// strings GET shows included.
func TestHLLMatchesRedis(t *testing.T) {
	rc := startRedis(t, 2)
	p := startServer(t)
	ours := p.client(t, 2)
	delWorks := hllDelWorks(t, ours)
	mustDo(t, ours, "flushall")
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"h0", "h1", "h2", "h3"}
	pick := func() []any {
		var out []any
		for _, k := range keys {
			if rng.IntN(2) == 0 {
				out = append(out, k)
			}
		}
		return out
	}
	for i := 0; i < 1500; i++ {
		k := keys[rng.IntN(len(keys))]
		switch op := rng.IntN(10); {
		case op < 5:
			n := []int{0, 1, 3, 10, 100, 1000, 3000}[rng.IntN(7)]
			base := rng.IntN(100000)
			args := []any{"pfadd", k}
			for j := 0; j < n; j++ {
				args = append(args, fmt.Sprintf("el%d", base+j))
			}
			hllCompare(t, rc, ours, args...)
		case op < 7:
			hllCompare(t, rc, ours, append([]any{"pfcount", k}, pick()...)...)
		case op == 7:
			hllCompare(t, rc, ours, append([]any{"pfmerge", k}, pick()...)...)
		case op == 8:
			hllCompare(t, rc, ours, "get", k)
		case delWorks:
			hllCompare(t, rc, ours, "del", k)
		}
	}
}
