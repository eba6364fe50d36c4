package main

// Integration tests of the generic keyspace family (DEL, EXISTS, TYPE,
// RENAME, COPY, KEYS, SCAN, RANDOMKEY, TOUCH, EXPIRE..., TTL..., PERSIST)
// and the whole-database commands (DBSIZE, FLUSHDB, FLUSHALL, SWAPDB),
// against the real binary, with Redis 7.2's replies and error texts.

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func wrongArity(cmd string) string {
	return "error: ERR wrong number of arguments for '" + cmd + "' command"
}

// strs turns a reply that is an array of strings into a sorted []string.
func strs(t testing.TB, v any) []string {
	t.Helper()
	arr, ok := v.([]any)
	if !ok {
		t.Fatalf("reply %#v is not an array", v)
	}
	out := make([]string, 0, len(arr))
	for _, x := range arr {
		s, ok := x.(string)
		if !ok {
			t.Fatalf("element %#v is not a string", x)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// scanAll runs a whole SCAN iteration with the given options and returns
// the keys seen (sorted, duplicates kept) and the number of calls.
func scanAll(t testing.TB, c *redis.Client, opts ...any) ([]string, int) {
	t.Helper()
	cursor := "0"
	var keys []string
	calls := 0
	for {
		v := mustDo(t, c, append([]any{"scan", cursor}, opts...)...)
		calls++
		page, ok := v.([]any)
		if !ok || len(page) != 2 {
			t.Fatalf("SCAN reply %#v", v)
		}
		cursor, ok = page[0].(string)
		if !ok {
			t.Fatalf("SCAN cursor %#v is not a bulk string", page[0])
		}
		if _, err := strconv.ParseUint(cursor, 10, 64); err != nil {
			t.Fatalf("SCAN cursor %q: %v", cursor, err)
		}
		keys = append(keys, strs(t, page[1])...)
		if cursor == "0" {
			break
		}
		if calls > 100000 {
			t.Fatal("SCAN does not end")
		}
	}
	sort.Strings(keys)
	return keys, calls
}

func TestKeysDelUnlink(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "mset", "a", "1", "b", "2", "c", "3", "d", "4")
		runCases(t, c, []case1{
			{[]any{"del", "a", "b", "a", "nokey"}, "2"},
			{[]any{"del", "a"}, "0"},
			{[]any{"exists", "a", "b", "c"}, "1"},
			{[]any{"unlink", "c", "nokey"}, "1"},
			{[]any{"UNLINK", "c"}, "0"},
			{[]any{"DeL", "d"}, "1"},
			{[]any{"dbsize"}, "0"},
			{[]any{"del"}, wrongArity("del")},
			{[]any{"unlink"}, wrongArity("unlink")},
		})
	})
}

func TestKeysExistsTouch(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "set", "a", "1")
		runCases(t, c, []case1{
			{[]any{"exists", "a"}, "1"},
			{[]any{"exists", "a", "a", "nokey", "a"}, "3"},
			{[]any{"exists", "nokey"}, "0"},
			{[]any{"exists"}, wrongArity("exists")},
			{[]any{"touch", "a", "a", "nokey"}, "2"},
			{[]any{"touch", "nokey"}, "0"},
			{[]any{"touch"}, wrongArity("touch")},
		})
	})
}

func TestKeysType(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "set", "s", "v")
		mustDo(t, c, "incr", "n")
		runCases(t, c, []case1{
			{[]any{"type", "s"}, "string"},
			{[]any{"type", "n"}, "string"},
			{[]any{"type", "nokey"}, "none"},
			{[]any{"type"}, wrongArity("type")},
			{[]any{"type", "a", "b"}, wrongArity("type")},
		})
	})
}

func TestKeysRenameRenameNX(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "set", "a", "1", "ex", "100")
		mustDo(t, c, "set", "b", "2")
		mustDo(t, c, "incrby", "n", "41")
		mustDo(t, c, "incr", "n")
		runCases(t, c, []case1{
			{[]any{"rename", "nokey", "x"}, "error: ERR no such key"},
			{[]any{"renamenx", "nokey", "x"}, "error: ERR no such key"},
			{[]any{"rename", "nokey", "nokey"}, "error: ERR no such key"},
			{[]any{"rename", "a", "a"}, "OK"},
			{[]any{"renamenx", "a", "a"}, "0"},
			{[]any{"renamenx", "a", "b"}, "0"},
			{[]any{"get", "b"}, "2"},
			// RENAME carries the TTL and overwrites the destination.
			{[]any{"rename", "a", "b"}, "OK"},
			{[]any{"exists", "a"}, "0"},
			{[]any{"get", "b"}, "1"},
			{[]any{"ttl", "b"}, "100"},
			{[]any{"renamenx", "b", "c"}, "1"},
			{[]any{"get", "c"}, "1"},
			{[]any{"exists", "b"}, "0"},
			// A counter moves with its visible value; the destination
			// loses its TTL to the source's (none).
			{[]any{"rename", "n", "c"}, "OK"},
			{[]any{"get", "c"}, "42"},
			{[]any{"ttl", "c"}, "-1"},
			{[]any{"incr", "c"}, "43"},
			{[]any{"rename", "a"}, wrongArity("rename")},
			{[]any{"rename", "a", "b", "c"}, wrongArity("rename")},
			{[]any{"renamenx", "a"}, wrongArity("renamenx")},
		})
		// Many keys, so that sources and destinations land on different shards.
		for i := 0; i < 50; i++ {
			k := fmt.Sprintf("src%d", i)
			mustDo(t, c, "set", k, k)
			want(t, c, "OK", "rename", k, fmt.Sprintf("dst%d", i))
			want(t, c, k, "get", fmt.Sprintf("dst%d", i))
			want(t, c, "0", "exists", k)
		}
	})
}

func TestKeysCopy(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "set", "a", "va", "px", "100000")
		mustDo(t, c, "set", "b", "vb")
		runCases(t, c, []case1{
			{[]any{"copy", "a", "a"}, "error: ERR source and destination objects are the same"},
			{[]any{"copy", "a", "a", "db", "0"}, "error: ERR source and destination objects are the same"},
			{[]any{"copy", "a", "x", "db", "16"}, "error: ERR DB index is out of range"},
			{[]any{"copy", "a", "x", "db", "-1"}, "error: ERR DB index is out of range"},
			{[]any{"copy", "a", "x", "db", "x"}, "error: ERR value is not an integer or out of range"},
			{[]any{"copy", "a", "x", "db", "99999999999"}, "error: ERR value is out of range, value must between -2147483648 and 2147483647"},
			{[]any{"copy", "a", "x", "db", "-2147483649"}, "error: ERR value is out of range, value must between -2147483648 and 2147483647"},
			{[]any{"copy", "a", "x", "db", "-2147483648"}, "error: ERR DB index is out of range"},
			{[]any{"copy", "a", "x", "db", "99", "foo"}, "error: ERR DB index is out of range"},
			{[]any{"copy", "a", "x", "foo"}, "error: ERR syntax error"},
			{[]any{"copy", "a", "x", "db"}, "error: ERR syntax error"},
			{[]any{"copy", "a", "x", "replace", "foo"}, "error: ERR syntax error"},
			{[]any{"copy", "a"}, wrongArity("copy")},
			{[]any{"copy", "nokey", "x"}, "0"},
			{[]any{"copy", "a", "b"}, "0"},
			{[]any{"get", "b"}, "vb"},
			{[]any{"copy", "a", "b", "REPLACE"}, "1"},
			{[]any{"get", "b"}, "va"},
			{[]any{"get", "a"}, "va"},
			{[]any{"copy", "a", "c"}, "1"},
			{[]any{"get", "c"}, "va"},
			// Same key, other database: allowed.
			{[]any{"copy", "a", "a", "db", "1"}, "1"},
			{[]any{"copy", "a", "a", "db", "1"}, "0"},
			{[]any{"copy", "b", "z", "db", "1", "replace"}, "1"},
			{[]any{"dbsize"}, "3"},
			{[]any{"swapdb", "0", "1"}, "OK"},
			{[]any{"dbsize"}, "2"},
			{[]any{"get", "a"}, "va"},
			{[]any{"get", "z"}, "va"},
			{[]any{"swapdb", "0", "1"}, "OK"},
		})
		// The copy keeps the TTL.
		for _, k := range []string{"b", "c"} {
			v := mustDo(t, c, "pttl", k).(int64)
			if v <= 0 || v > 100000 {
				t.Fatalf("pttl %s = %d, want the source's TTL", k, v)
			}
		}
		mustDo(t, c, "flushall")
	})
}

func TestKeysKeys(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		want(t, c, "[]", "keys", "*")
		var all []string
		for i := 0; i < 40; i++ {
			k := fmt.Sprintf("key:%d", i)
			all = append(all, k)
			mustDo(t, c, "set", k, "v")
		}
		mustDo(t, c, "set", "other", "v")
		mustDo(t, c, "set", "", "empty")
		// Past its deadline but not yet deleted (the active cycle samples
		// every 100 ms): KEYS must not show it. The margin covers the
		// server's cached clock lagging under load.
		mustDo(t, c, "set", "gone", "v", "px", "1")
		time.Sleep(60 * time.Millisecond)
		sort.Strings(all)
		got := strs(t, mustDo(t, c, "keys", "key:*"))
		if strings.Join(got, ",") != strings.Join(all, ",") {
			t.Fatalf("keys key:* = %v", got)
		}
		got = strs(t, mustDo(t, c, "keys", "*"))
		if len(got) != 42 || got[0] != "" {
			t.Fatalf("keys * = %d keys %q", len(got), got)
		}
		runCases(t, c, []case1{
			{[]any{"keys", "key:3"}, "[key:3]"},
			{[]any{"keys", "key:\\3"}, "[key:3]"},
			{[]any{"keys", "o[st]her"}, "[other]"},
			{[]any{"keys", "KEY:*"}, "[]"},
			{[]any{"keys", "gone"}, "[]"},
			{[]any{"keys"}, wrongArity("keys")},
			{[]any{"keys", "a", "b"}, wrongArity("keys")},
		})
		for _, pat := range []string{"key:1?", "key:1[0-9]", "key:[1]*", "key:?[^0-9]", "key:?[!0-9]"} {
			n := len(strs(t, mustDo(t, c, "keys", pat)))
			if wantN := map[string]int{"key:1?": 10, "key:1[0-9]": 10, "key:[1]*": 11, "key:?[^0-9]": 0, "key:?[!0-9]": 30}[pat]; n != wantN {
				t.Fatalf("keys %s = %d keys, want %d", pat, n, wantN)
			}
		}
	})
}

func TestKeysScan(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		keys, calls := scanAll(t, c)
		if len(keys) != 0 || calls != 1 {
			t.Fatalf("empty SCAN: %v in %d calls", keys, calls)
		}
		var all []string
		for i := 0; i < 300; i++ {
			k := fmt.Sprintf("k%d", i)
			all = append(all, k)
			mustDo(t, c, "set", k, "v")
		}
		sort.Strings(all)
		for _, count := range []any{nil, 1, 7, 1000} {
			var opts []any
			if count != nil {
				opts = []any{"count", count}
			}
			keys, calls := scanAll(t, c, opts...)
			if strings.Join(keys, ",") != strings.Join(all, ",") {
				t.Fatalf("SCAN %v returned %d keys, want each of %d once", opts, len(keys), len(all))
			}
			if count == 1000 && calls != 1 {
				t.Fatalf("SCAN COUNT 1000 over 300 keys took %d calls", calls)
			}
		}
		keys, _ = scanAll(t, c, "match", "k1?", "count", 5)
		if len(keys) != 10 || keys[0] != "k10" {
			t.Fatalf("SCAN MATCH k1? = %v", keys)
		}
		keys, _ = scanAll(t, c, "type", "STRING", "match", "*")
		if len(keys) != 300 {
			t.Fatalf("SCAN TYPE string = %d keys", len(keys))
		}
		for _, typ := range []string{"hash", "none", "nosuchtype"} {
			if keys, _ = scanAll(t, c, "type", typ); len(keys) != 0 {
				t.Fatalf("SCAN TYPE %s = %v", typ, keys)
			}
		}
		// Keys that exist for the whole iteration are returned even while
		// others are added and deleted between calls.
		cursor, seen := "0", map[string]bool{}
		for i := 0; ; i++ {
			page := mustDo(t, c, "scan", cursor, "count", 10).([]any)
			cursor = page[0].(string)
			for _, k := range strs(t, page[1]) {
				seen[k] = true
			}
			mustDo(t, c, "set", fmt.Sprintf("new%d", i), "v")
			mustDo(t, c, "del", fmt.Sprintf("new%d", i-1))
			if cursor == "0" {
				break
			}
		}
		for _, k := range all {
			if !seen[k] {
				t.Fatalf("SCAN under writes missed %s", k)
			}
		}
		runCases(t, c, []case1{
			{[]any{"scan", "abc"}, "error: ERR invalid cursor"},
			{[]any{"scan", "1x"}, "error: ERR invalid cursor"},
			{[]any{"scan", " 1"}, "error: ERR invalid cursor"},
			{[]any{"scan", "-"}, "error: ERR invalid cursor"},
			{[]any{"scan", "18446744073709551616"}, "error: ERR invalid cursor"},
			{[]any{"scan", "0", "count", "0"}, "error: ERR syntax error"},
			{[]any{"scan", "0", "count", "-1"}, "error: ERR syntax error"},
			{[]any{"scan", "0", "count", "x"}, "error: ERR value is not an integer or out of range"},
			{[]any{"scan", "0", "count"}, "error: ERR syntax error"},
			{[]any{"scan", "0", "match"}, "error: ERR syntax error"},
			{[]any{"scan", "0", "foo", "bar"}, "error: ERR syntax error"},
			{[]any{"scan", "abc", "count", "0"}, "error: ERR invalid cursor"},
			{[]any{"scan"}, wrongArity("scan")},
			// The top of the cursor space is a valid (finished) position.
			{[]any{"scan", "18446744073709551615", "match", "nomatch"}, "[0 []]"},
			{[]any{"scan", "-1", "match", "nomatch"}, "[0 []]"},
		})
	})
}

func TestKeysRandomKey(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		runCases(t, c, []case1{
			{[]any{"randomkey"}, "<nil>"},
			{[]any{"set", "only", "v"}, "OK"},
			{[]any{"randomkey"}, "only"},
			{[]any{"randomkey", "x"}, wrongArity("randomkey")},
		})
		for i := 0; i < 20; i++ {
			mustDo(t, c, "set", fmt.Sprintf("k%d", i), "v")
		}
		seen := map[any]bool{}
		for i := 0; i < 200; i++ {
			seen[mustDo(t, c, "randomkey")] = true
		}
		if len(seen) < 10 {
			t.Fatalf("RANDOMKEY returned only %d distinct keys of 21", len(seen))
		}
	})
}

func TestKeysExpireFamily(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		base := time.Now().Unix() + 10000
		mustDo(t, c, "set", "k", "v")
		runCases(t, c, []case1{
			{[]any{"expire", "nokey", "10"}, "0"},
			{[]any{"pexpire", "nokey", "10"}, "0"},
			{[]any{"expire", "k", "100"}, "1"},
			{[]any{"ttl", "k"}, "100"},
			{[]any{"expire", "k", "200", "nx"}, "0"},
			{[]any{"expire", "k", "200", "xx"}, "1"},
			{[]any{"ttl", "k"}, "200"},
			// Absolute deadlines, so that equal means equal.
			{[]any{"expireat", "k", base}, "1"},
			{[]any{"expireat", "k", base + 100, "nx"}, "0"},
			{[]any{"expireat", "k", base + 100, "xx"}, "1"},
			{[]any{"expireat", "k", base, "gt"}, "0"},
			{[]any{"expireat", "k", base + 100, "gt"}, "0"},
			{[]any{"expireat", "k", base + 200, "GT"}, "1"},
			{[]any{"expireat", "k", base + 300, "lt"}, "0"},
			{[]any{"expireat", "k", base + 200, "lt"}, "0"},
			{[]any{"expireat", "k", base + 150, "xx", "lt"}, "1"},
			{[]any{"expiretime", "k"}, fmt.Sprint(base + 150)},
			{[]any{"pexpireat", "k", (base+150)*1000 + 1, "gt"}, "1"},
			{[]any{"pexpiretime", "k"}, fmt.Sprint((base+150)*1000 + 1)},
			{[]any{"expire", "k", "100", "gt"}, "0"},
			{[]any{"pexpire", "k", "100000", "lt"}, "1"},
			{[]any{"ttl", "k"}, "100"},
			{[]any{"persist", "k"}, "1"},
			{[]any{"ttl", "k"}, "-1"},
			{[]any{"expire", "k", "10", "xx"}, "0"},
			// GT and LT treat "no TTL" as infinite.
			{[]any{"expire", "k", "10", "gt"}, "0"},
			{[]any{"expire", "k", "10", "lt"}, "1"},
			{[]any{"expire", "k", "10", "nx"}, "0"},
			{[]any{"persist", "k"}, "1"},
			{[]any{"expire", "k", "10", "nx"}, "1"},
			{[]any{"ttl", "k"}, "10"},
			// Options are checked before the value, in Redis's order.
			{[]any{"expire", "k", "abc"}, "error: ERR value is not an integer or out of range"},
			{[]any{"expire", "k", "1.5"}, "error: ERR value is not an integer or out of range"},
			{[]any{"expire", "k", "abc", "foo"}, "error: ERR Unsupported option foo"},
			{[]any{"expire", "k", "10", "FOO"}, "error: ERR Unsupported option FOO"},
			{[]any{"expire", "k", "abc", "nx", "xx"}, "error: ERR NX and XX, GT or LT options at the same time are not compatible"},
			{[]any{"expire", "k", "10", "nx", "gt"}, "error: ERR NX and XX, GT or LT options at the same time are not compatible"},
			{[]any{"pexpire", "k", "10", "lt", "nx"}, "error: ERR NX and XX, GT or LT options at the same time are not compatible"},
			{[]any{"expire", "k", "10", "gt", "lt"}, "error: ERR GT and LT options at the same time are not compatible"},
			{[]any{"expire", "nokey", "10", "gt", "lt"}, "error: ERR GT and LT options at the same time are not compatible"},
			{[]any{"expire", "k", "9223372036854775807"}, "error: ERR invalid expire time in 'expire' command"},
			{[]any{"expire", "k", "-9223372036854775808"}, "error: ERR invalid expire time in 'expire' command"},
			{[]any{"expire", "k", "9223372036854775"}, "error: ERR invalid expire time in 'expire' command"},
			{[]any{"pexpire", "k", "9223372036854775807"}, "error: ERR invalid expire time in 'pexpire' command"},
			{[]any{"EXPIREAT", "k", "9223372036854775807"}, "error: ERR invalid expire time in 'expireat' command"},
			{[]any{"expire", "k"}, wrongArity("expire")},
			{[]any{"pexpire", "k"}, wrongArity("pexpire")},
			{[]any{"expireat", "k"}, wrongArity("expireat")},
			{[]any{"pexpireat", "k"}, wrongArity("pexpireat")},
			{[]any{"ttl", "k"}, "10"},
			// The largest absolute deadline is valid.
			{[]any{"pexpireat", "k", "9223372036854775807"}, "1"},
			{[]any{"pexpiretime", "k"}, "9223372036854775807"},
			{[]any{"expireat", "k", "9223372036854775"}, "1"},
			{[]any{"expiretime", "k"}, "9223372036854775"},
			// A deadline in the past deletes the key and answers 1.
			{[]any{"expire", "k", "-1"}, "1"},
			{[]any{"exists", "k"}, "0"},
			{[]any{"set", "k", "v"}, "OK"},
			{[]any{"expire", "k", "0"}, "1"},
			{[]any{"exists", "k"}, "0"},
			{[]any{"set", "k", "v"}, "OK"},
			{[]any{"pexpireat", "k", "1"}, "1"},
			{[]any{"exists", "k"}, "0"},
			{[]any{"set", "k", "v", "ex", "100"}, "OK"},
			{[]any{"expireat", "k", "100", "gt"}, "0"},
			{[]any{"exists", "k"}, "1"},
			{[]any{"expireat", "k", "100", "lt"}, "1"},
			{[]any{"exists", "k"}, "0"},
			{[]any{"expire", "k", "-9223372036854775"}, "0"},
		})
		// Relative times are counted from now; PEXPIRE really expires.
		mustDo(t, c, "set", "p", "v")
		want(t, c, "1", "pexpire", "p", "100")
		if v := mustDo(t, c, "pttl", "p").(int64); v < 50 || v > 100 {
			t.Fatalf("pttl after PEXPIRE 100 = %d", v)
		}
		time.Sleep(200 * time.Millisecond)
		want(t, c, "<nil>", "get", "p")
		want(t, c, "-2", "pttl", "p")
		mustDo(t, c, "set", "p", "v")
		at := time.Now().Unix() + 1000
		want(t, c, "1", "expireat", "p", at)
		want(t, c, fmt.Sprint(at), "expiretime", "p")
		want(t, c, fmt.Sprint(at*1000), "pexpiretime", "p")
		if v := mustDo(t, c, "ttl", "p").(int64); v < 998 || v > 1001 {
			t.Fatalf("ttl after EXPIREAT now+1000 = %d", v)
		}
	})
}

func TestKeysTTLPersist(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "set", "plain", "v")
		mustDo(t, c, "set", "vol", "v", "pxat", "4102444800123") // 2100-01-01T00:00:00.123Z
		runCases(t, c, []case1{
			{[]any{"ttl", "nokey"}, "-2"},
			{[]any{"pttl", "nokey"}, "-2"},
			{[]any{"expiretime", "nokey"}, "-2"},
			{[]any{"pexpiretime", "nokey"}, "-2"},
			{[]any{"ttl", "plain"}, "-1"},
			{[]any{"pttl", "plain"}, "-1"},
			{[]any{"expiretime", "plain"}, "-1"},
			{[]any{"pexpiretime", "plain"}, "-1"},
			{[]any{"pexpiretime", "vol"}, "4102444800123"},
			{[]any{"expiretime", "vol"}, "4102444800"},
			{[]any{"persist", "nokey"}, "0"},
			{[]any{"persist", "plain"}, "0"},
			{[]any{"persist", "vol"}, "1"},
			{[]any{"persist", "vol"}, "0"},
			{[]any{"ttl", "vol"}, "-1"},
			{[]any{"get", "vol"}, "v"},
			{[]any{"ttl"}, wrongArity("ttl")},
			{[]any{"pttl", "a", "b"}, wrongArity("pttl")},
			{[]any{"expiretime"}, wrongArity("expiretime")},
			{[]any{"pexpiretime"}, wrongArity("pexpiretime")},
			{[]any{"persist"}, wrongArity("persist")},
		})
		// Seconds round to the nearest, as Redis's (ttl+500)/1000.
		mustDo(t, c, "set", "r", "v", "px", "1700")
		want(t, c, "2", "ttl", "r")
		mustDo(t, c, "set", "r", "v", "px", "1400")
		want(t, c, "1", "ttl", "r")
		mustDo(t, c, "set", "r", "v", "pxat", "4102444800499")
		want(t, c, "4102444800", "expiretime", "r")
		mustDo(t, c, "set", "r", "v", "pxat", "4102444800500")
		want(t, c, "4102444801", "expiretime", "r")
	})
}

func TestKeysDBSizeFlushSwapDB(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "mset", "a", "1", "b", "2", "c", "3")
		runCases(t, c, []case1{
			{[]any{"dbsize"}, "3"},
			{[]any{"dbsize", "x"}, wrongArity("dbsize")},
			{[]any{"copy", "a", "a", "db", "5"}, "1"},
			{[]any{"flushdb", "foo"}, "error: ERR syntax error"},
			{[]any{"flushdb", "async", "async"}, "error: ERR syntax error"},
			{[]any{"flushall", "foo"}, "error: ERR syntax error"},
			{[]any{"flushall", "sync", "async"}, "error: ERR syntax error"},
			{[]any{"dbsize"}, "3"},
			{[]any{"flushdb", "ASYNC"}, "OK"},
			{[]any{"dbsize"}, "0"},
			{[]any{"swapdb", "0", "5"}, "OK"},
			{[]any{"dbsize"}, "1"},
			{[]any{"get", "a"}, "1"},
			{[]any{"swapdb", "5", "0"}, "OK"},
			{[]any{"dbsize"}, "0"},
			{[]any{"set", "x", "y"}, "OK"},
			{[]any{"flushdb", "sync"}, "OK"},
			{[]any{"flushdb"}, "OK"},
			{[]any{"swapdb", "0", "5"}, "OK"},
			{[]any{"dbsize"}, "1"},
			{[]any{"swapdb", "0", "5"}, "OK"},
			{[]any{"flushall", "SYNC"}, "OK"},
			{[]any{"swapdb", "0", "5"}, "OK"},
			{[]any{"dbsize"}, "0"},
			{[]any{"set", "x", "y"}, "OK"},
			{[]any{"flushall"}, "OK"},
			{[]any{"flushall", "async"}, "OK"},
			{[]any{"dbsize"}, "0"},
			{[]any{"swapdb", "0", "0"}, "OK"},
			{[]any{"swapdb", "15", "0"}, "OK"},
			{[]any{"swapdb", "x", "1"}, "error: ERR invalid first DB index"},
			{[]any{"swapdb", "1", "x"}, "error: ERR invalid second DB index"},
			{[]any{"swapdb", "x", "y"}, "error: ERR invalid first DB index"},
			{[]any{"swapdb", "99999999999", "0"}, "error: ERR invalid first DB index"},
			{[]any{"swapdb", "0", "1.0"}, "error: ERR invalid second DB index"},
			{[]any{"swapdb", "0", "16"}, "error: ERR DB index is out of range"},
			{[]any{"swapdb", "-1", "0"}, "error: ERR DB index is out of range"},
			{[]any{"swapdb", "0"}, wrongArity("swapdb")},
			{[]any{"swapdb", "0", "1", "2"}, wrongArity("swapdb")},
		})
	})
}

// TestKeysMultiKeyConcurrency runs multi-key commands over keys of every
// shard from many connections at once: each must stay atomic and none may
// deadlock (shards are always locked in ascending order).
func TestKeysMultiKeyConcurrency(t *testing.T) {
	p := startServer(t, "--shards", "4")
	const workers, rounds = 8, 200
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := p.client(t, 2)
			for i := 0; i < rounds; i++ {
				a, b := fmt.Sprintf("x%d", i%7), fmt.Sprintf("y%d", (i+w)%5)
				var err error
				switch i % 5 {
				case 0:
					_, err = do(c, "mset", a, "1", b, "2")
				case 1:
					_, err = do(c, "rename", a, b)
					if err != nil && err.Error() == "ERR no such key" {
						err = nil
					}
				case 2:
					_, err = do(c, "copy", b, a, "replace")
				case 3:
					_, err = do(c, "del", a, b, "z")
				case 4:
					_, err = do(c, "exists", a, b, a)
				}
				if err != nil && err != redis.Nil {
					errs <- fmt.Errorf("worker %d round %d: %w", w, i, err)
					return
				}
			}
		}(w)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("multi-key commands deadlocked")
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// A rename moves a value, never duplicates or loses it.
	c := p.client(t, 2)
	mustDo(t, c, "flushall")
	mustDo(t, c, "set", "ball", "1")
	var wg2 sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg2.Add(1)
		go func(w int) {
			defer wg2.Done()
			cw := p.client(t, 2)
			for i := 0; i < 100; i++ {
				_, _ = do(cw, "rename", fmt.Sprintf("ball%d", w), fmt.Sprintf("ball%d", (w+1)%4))
				_, _ = do(cw, "rename", "ball", fmt.Sprintf("ball%d", w))
			}
		}(w)
	}
	wg2.Wait()
	if n := mustDo(t, c, "dbsize").(int64); n != 1 {
		t.Fatalf("after concurrent renames dbsize = %d, want the one value", n)
	}
}

func TestKeysRedisCli(t *testing.T) {
	p := startServer(t)
	checks := []struct {
		args []string
		want string
	}{
		{[]string{"set", "a", "1"}, "OK"},
		{[]string{"type", "a"}, "string"},
		{[]string{"type", "nokey"}, "none"},
		{[]string{"keys", "*"}, "a"},
		{[]string{"randomkey"}, "a"},
		{[]string{"exists", "a", "a"}, "2"},
		{[]string{"expire", "a", "100"}, "1"},
		{[]string{"ttl", "a"}, "100"},
		{[]string{"rename", "a", "b"}, "OK"},
		{[]string{"rename", "a", "b"}, "ERR no such key"},
		{[]string{"scan", "0"}, "0\nb"},
		{[]string{"dbsize"}, "1"},
		{[]string{"swapdb", "0", "16"}, "ERR DB index is out of range"},
		{[]string{"flushall"}, "OK"},
		{[]string{"randomkey"}, ""},
		{[]string{"dbsize"}, "0"},
	}
	for _, ck := range checks {
		if got := strings.TrimSpace(p.cli(t, ck.args...)); got != ck.want {
			t.Fatalf("redis-cli %v = %q, want %q", ck.args, got, ck.want)
		}
	}
}
