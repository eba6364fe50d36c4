package main

// Integration tests of the hash family against the real binary, over RESP2
// and RESP3. The expected replies and error texts were produced by
// redis-server 7.0.15 (t_hash.c is the same as 7.2's for these commands);
// TestHashesMatchRedis also replays random workloads on both servers when
// redis-server is installed.

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	hWrongType = "error: WRONGTYPE Operation against a key holding the wrong kind of value"
	hNotInt    = "error: ERR value is not an integer or out of range"
	hSyntax    = "error: ERR syntax error"
)

// hashBoth runs fn against a fresh server per protocol (RESP2, RESP3).
func hashBoth(t *testing.T, fn func(t *testing.T, c *redis.Client, proto int)) {
	for _, proto := range []int{2, 3} {
		t.Run("resp"+strconv.Itoa(proto), func(t *testing.T) {
			fn(t, startServer(t).client(t, proto), proto)
		})
	}
}

// hashFlat turns an HGETALL, HRANDFIELD or HSCAN-page reply into sorted
// "field=value" strings (RESP2 flat array, RESP3 map or array of pairs).
func hashFlat(t testing.TB, v any) []string {
	t.Helper()
	var out []string
	switch x := v.(type) {
	case map[any]any:
		for k, val := range x {
			out = append(out, fmt.Sprint(k)+"="+fmt.Sprint(val))
		}
	case []any:
		if len(x) > 0 {
			if _, pairs := x[0].([]any); pairs {
				for _, p := range x {
					pp := p.([]any)
					if len(pp) != 2 {
						t.Fatalf("pair %#v", p)
					}
					out = append(out, fmt.Sprint(pp[0])+"="+fmt.Sprint(pp[1]))
				}
				break
			}
		}
		if len(x)%2 != 0 {
			t.Fatalf("odd flat reply %#v", v)
		}
		for i := 0; i < len(x); i += 2 {
			out = append(out, fmt.Sprint(x[i])+"="+fmt.Sprint(x[i+1]))
		}
	default:
		t.Fatalf("reply %#v is not a hash reply", v)
	}
	sort.Strings(out)
	return out
}

func hashAll(t testing.TB, c *redis.Client, key string) string {
	t.Helper()
	return strings.Join(hashFlat(t, mustDo(t, c, "hgetall", key)), " ")
}

func TestHashSetGetDel(t *testing.T) {
	hashBoth(t, func(t *testing.T, c *redis.Client, proto int) {
		runCases(t, c, []case1{
			{[]any{"hset", "h", "f1", "a", "f2", "b"}, "2"},
			{[]any{"hset", "h", "f1", "x", "f1", "y", "f3", "c"}, "1"},
			{[]any{"hget", "h", "f1"}, "y"},
			{[]any{"hget", "h", "nope"}, "<nil>"},
			{[]any{"hget", "nokey", "f"}, "<nil>"},
			{[]any{"hmset", "h", "f4", "d"}, "OK"},
			{[]any{"hmset", "h", "f4"}, wrongArity("hmset")},
			{[]any{"hset", "h", "f4"}, wrongArity("hset")},
			{[]any{"hset", "h", "f4", "v", "f5"}, wrongArity("hset")},
			{[]any{"hset", "h"}, wrongArity("hset")},
			{[]any{"hsetnx", "h", "f1", "z"}, "0"},
			{[]any{"hsetnx", "h", "f5", "e"}, "1"},
			{[]any{"hsetnx", "h", "f5"}, wrongArity("hsetnx")},
			{[]any{"hlen", "h"}, "5"},
			{[]any{"hlen", "nokey"}, "0"},
			{[]any{"hexists", "h", "f1"}, "1"},
			{[]any{"hexists", "h", "nope"}, "0"},
			{[]any{"hexists", "nokey", "f"}, "0"},
			{[]any{"hstrlen", "h", "f1"}, "1"},
			{[]any{"hstrlen", "h", "nope"}, "0"},
			{[]any{"hstrlen", "nokey", "f"}, "0"},
			{[]any{"hmget", "h", "f1", "nope", "f3"}, "[y <nil> c]"},
			{[]any{"hmget", "nokey", "a", "b"}, "[<nil> <nil>]"},
			{[]any{"hmget", "h"}, wrongArity("hmget")},
			{[]any{"hget", "h"}, wrongArity("hget")},
			{[]any{"hdel", "h"}, wrongArity("hdel")},
			{[]any{"hdel", "h", "f1", "nope", "f1"}, "1"},
			{[]any{"hdel", "nokey", "f"}, "0"},
			{[]any{"type", "h"}, "hash"},
			{[]any{"hset", "e", "", ""}, "1"},
			{[]any{"hget", "e", ""}, ""},
			{[]any{"hstrlen", "e", ""}, "0"},
			// The last field takes the key with it; Redis counts no field
			// after that one.
			{[]any{"hdel", "e", "", "", "x"}, "1"},
			{[]any{"exists", "e"}, "0"},
			{[]any{"hset", "one", "a", "1", "b", "2"}, "2"},
			{[]any{"hdel", "one", "a", "b", "a"}, "2"},
			{[]any{"exists", "one"}, "0"},
		})
		if got := hashAll(t, c, "h"); got != "f2=b f3=c f4=d f5=e" {
			t.Fatalf("HGETALL = %s", got)
		}
		if got := strs(t, mustDo(t, c, "hkeys", "h")); strings.Join(got, " ") != "f2 f3 f4 f5" {
			t.Fatalf("HKEYS = %v", got)
		}
		if got := strs(t, mustDo(t, c, "hvals", "h")); strings.Join(got, " ") != "b c d e" {
			t.Fatalf("HVALS = %v", got)
		}
		// HGETALL is a map in RESP3 (an empty one for an absent key), a
		// flat array in RESP2; HKEYS and HVALS are arrays.
		empty := "[]"
		if proto == 3 {
			empty = "map[]"
		}
		runCases(t, c, []case1{
			{[]any{"hgetall", "nokey"}, empty},
			{[]any{"hkeys", "nokey"}, "[]"},
			{[]any{"hvals", "nokey"}, "[]"},
			{[]any{"hgetall"}, wrongArity("hgetall")},
			{[]any{"hkeys", "a", "b"}, wrongArity("hkeys")},
		})
		mustDo(t, c, "hset", "m", "k", "v")
		if proto == 3 {
			want(t, c, "map[k:v]", "hgetall", "m")
		} else {
			want(t, c, "[k v]", "hgetall", "m")
		}
	})
}

// TestHashWireShapes checks the bytes of the aggregate replies: HGETALL a
// RESP3 map, HRANDFIELD WITHVALUES an array of pairs in RESP3 and a flat
// array in RESP2, HSCAN a flat array in both.
func TestHashWireShapes(t *testing.T) {
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
	send("hset", "h", "f", "v")
	expect(":1")
	for _, proto := range []string{"2", "3"} {
		send("hello", proto)
		skipReply(t, r)
		send("hgetall", "h")
		if proto == "3" {
			expect("%1", "$1", "f", "$1", "v")
		} else {
			expect("*2", "$1", "f", "$1", "v")
		}
		send("hgetall", "nokey")
		if proto == "3" {
			expect("%0")
		} else {
			expect("*0")
		}
		send("hrandfield", "h", "-2", "withvalues")
		if proto == "3" {
			expect("*2", "*2", "$1", "f", "$1", "v", "*2", "$1", "f", "$1", "v")
		} else {
			expect("*4", "$1", "f", "$1", "v", "$1", "f", "$1", "v")
		}
		send("hrandfield", "h", "5", "withvalues")
		if proto == "3" {
			expect("*1", "*2", "$1", "f", "$1", "v")
		} else {
			expect("*2", "$1", "f", "$1", "v")
		}
		send("hrandfield", "h", "1")
		expect("*1", "$1", "f")
		send("hrandfield", "h")
		expect("$1", "f")
		send("hrandfield", "nokey")
		if proto == "3" {
			expect("_")
		} else {
			expect("$-1")
		}
		send("hrandfield", "nokey", "3", "withvalues")
		expect("*0")
		send("hscan", "h", "0")
		expect("*2", "$1", "0", "*2", "$1", "f", "$1", "v")
		send("hscan", "nokey", "0")
		expect("*2", "$1", "0", "*0")
		send("hmget", "h", "f", "x")
		if proto == "3" {
			expect("*2", "$1", "v", "_")
		} else {
			expect("*2", "$1", "v", "$-1")
		}
	}
}

// skipReply reads one whole reply of any shape.
func skipReply(t *testing.T, r *bufio.Reader) {
	t.Helper()
	l := readLine(t, r)
	if l == "" {
		t.Fatal("empty reply line")
	}
	n, _ := strconv.Atoi(l[1:])
	switch l[0] {
	case '$', '=', '!':
		if n >= 0 {
			readLine(t, r)
		}
	case '*', '~', '>':
		for i := 0; i < n; i++ {
			skipReply(t, r)
		}
	case '%', '|':
		for i := 0; i < 2*n; i++ {
			skipReply(t, r)
		}
	}
}

func TestHashIncr(t *testing.T) {
	hashBoth(t, func(t *testing.T, c *redis.Client, proto int) {
		mustDo(t, c, "hset", "n", "i", "10", "f", "1.5", "s", "abc", "big", "9223372036854775807",
			"neg", "-9223372036854775808", "sp", " 1", "e", "1e3", "inf", "inf")
		mustDo(t, c, "set", "str", "v")
		runCases(t, c, []case1{
			{[]any{"hincrby", "n", "i", "x"}, hNotInt},
			{[]any{"hincrby", "n", "i", "1.5"}, hNotInt},
			{[]any{"hincrby", "n", "i", ""}, hNotInt},
			{[]any{"hincrby", "n", "i", "9223372036854775808"}, hNotInt},
			{[]any{"hincrby", "n", "s", "1"}, "error: ERR hash value is not an integer"},
			{[]any{"hincrby", "n", "f", "1"}, "error: ERR hash value is not an integer"},
			{[]any{"hincrby", "n", "sp", "1"}, "error: ERR hash value is not an integer"},
			{[]any{"hincrby", "n", "e", "1"}, "error: ERR hash value is not an integer"},
			{[]any{"hincrby", "n", "big", "1"}, "error: ERR increment or decrement would overflow"},
			{[]any{"hincrby", "n", "neg", "-1"}, "error: ERR increment or decrement would overflow"},
			{[]any{"hincrby", "n", "big", "0"}, "9223372036854775807"},
			{[]any{"hincrby", "n", "i", "-15"}, "-5"},
			{[]any{"hincrby", "n", "new", "5"}, "5"},
			{[]any{"hincrby", "nokey", "c", "-3"}, "-3"},
			{[]any{"hincrby", "str", "f", "1"}, hWrongType},
			{[]any{"hincrby", "str", "f", "x"}, hNotInt}, // the increment is parsed first
			{[]any{"hincrby", "n", "i"}, wrongArity("hincrby")},
			{[]any{"hincrbyfloat", "n", "i", "x"}, "error: ERR value is not a valid float"},
			{[]any{"hincrbyfloat", "n", "i", "nan"}, "error: ERR value is not a valid float"},
			{[]any{"hincrbyfloat", "n", "i", ""}, "error: ERR value is not a valid float"},
			{[]any{"hincrbyfloat", "n", "i", "inf"}, "error: ERR value is NaN or Infinity"},
			{[]any{"hincrbyfloat", "n", "i", "-inf"}, "error: ERR value is NaN or Infinity"},
			{[]any{"hincrbyfloat", "str", "f", "inf"}, "error: ERR value is NaN or Infinity"},
			{[]any{"hincrbyfloat", "str", "f", "1"}, hWrongType},
			{[]any{"hincrbyfloat", "n", "s", "1"}, "error: ERR hash value is not a float"},
			{[]any{"hincrbyfloat", "n", "sp", "1"}, "error: ERR hash value is not a float"},
			{[]any{"hincrbyfloat", "n", "inf", "1"}, "error: ERR increment would produce NaN or Infinity"},
			{[]any{"hincrbyfloat", "n", "f", "0.1"}, "1.6"},
			{[]any{"hincrbyfloat", "n", "e", "1"}, "1001"},
			{[]any{"hincrbyfloat", "n", "i", "2.5"}, "-2.5"},
			{[]any{"hincrbyfloat", "n", "new2", "3.0"}, "3"},
			{[]any{"hincrbyfloat", "n", "new3", "5.0e3"}, "5000"},
			{[]any{"hget", "n", "new3"}, "5000"},
			{[]any{"hincrbyfloat", "n", "big", "1"}, "9223372036854775808"},
			{[]any{"hincrbyfloat", "n", "f", "-1.6"}, "0"},
			{[]any{"hincrbyfloat", "n", "f", "1e-5"}, "0.00001"},
			{[]any{"hincrbyfloat", "n", "i"}, wrongArity("hincrbyfloat")},
			// An integer that HINCRBYFLOAT wrote is an integer to HINCRBY.
			{[]any{"hincrby", "n", "new2", "1"}, "4"},
			{[]any{"hincrbyfloat", "n", "new2", "0.5"}, "4.5"},
			{[]any{"hincrby", "n", "new2", "1"}, "error: ERR hash value is not an integer"},
			{[]any{"hstrlen", "n", "new2"}, "3"},
		})
	})
}

func TestHashWrongType(t *testing.T) {
	hashBoth(t, func(t *testing.T, c *redis.Client, proto int) {
		mustDo(t, c, "set", "s", "v")
		mustDo(t, c, "hset", "h", "f", "v")
		runCases(t, c, []case1{
			{[]any{"hset", "s", "f", "v"}, hWrongType},
			{[]any{"hmset", "s", "f", "v"}, hWrongType},
			{[]any{"hsetnx", "s", "f", "v"}, hWrongType},
			{[]any{"hget", "s", "f"}, hWrongType},
			{[]any{"hmget", "s", "f"}, hWrongType},
			{[]any{"hgetall", "s"}, hWrongType},
			{[]any{"hkeys", "s"}, hWrongType},
			{[]any{"hvals", "s"}, hWrongType},
			{[]any{"hlen", "s"}, hWrongType},
			{[]any{"hdel", "s", "f"}, hWrongType},
			{[]any{"hexists", "s", "f"}, hWrongType},
			{[]any{"hstrlen", "s", "f"}, hWrongType},
			{[]any{"hincrby", "s", "f", "1"}, hWrongType},
			{[]any{"hincrbyfloat", "s", "f", "1"}, hWrongType},
			{[]any{"hrandfield", "s"}, hWrongType},
			{[]any{"hrandfield", "s", "0"}, hWrongType},
			{[]any{"hrandfield", "s", "2", "withvalues"}, hWrongType},
			{[]any{"hscan", "s", "0"}, hWrongType},
			{[]any{"hscan", "s", "0", "count", "0"}, hWrongType}, // the key before the options
			{[]any{"get", "h"}, hWrongType},
			{[]any{"incr", "h"}, hWrongType},
			{[]any{"append", "h", "x"}, hWrongType},
			{[]any{"get", "s"}, "v"},
		})
	})
}

func TestHashRandField(t *testing.T) {
	hashBoth(t, func(t *testing.T, c *redis.Client, proto int) {
		runCases(t, c, []case1{
			{[]any{"hrandfield", "nokey"}, "<nil>"},
			{[]any{"hrandfield", "nokey", "5"}, "[]"},
			{[]any{"hrandfield", "nokey", "-5", "withvalues"}, "[]"},
			{[]any{"hrandfield", "nokey", "0"}, "[]"},
			{[]any{"hrandfield", "nokey", "x"}, hNotInt},
			{[]any{"hrandfield", "nokey", "5", "bogus"}, hSyntax},
			{[]any{"hrandfield", "nokey", "0", "bogus"}, hSyntax},
			{[]any{"hrandfield", "nokey", "1", "withvalues", "x"}, hSyntax},
			{[]any{"hrandfield", "nokey", "x", "withvalues"}, hNotInt},
			{[]any{"hrandfield", "nokey", "1.5"}, hNotInt},
			{[]any{"hrandfield", "nokey", "-9223372036854775808"}, "error: ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"},
			{[]any{"hrandfield", "nokey", "9223372036854775807", "withvalues"}, "error: ERR value is out of range"},
			{[]any{"hrandfield", "nokey", "-4611686018427387904", "withvalues"}, "error: ERR value is out of range"},
			{[]any{"hrandfield", "nokey", "4611686018427387903", "withvalues"}, "[]"},
			{[]any{"hrandfield", "nokey", "-9223372036854775807"}, "[]"},
			{[]any{"hrandfield"}, wrongArity("hrandfield")},
		})
		mustDo(t, c, "hset", "h", "a", "1", "b", "2", "c", "3")
		runCases(t, c, []case1{
			{[]any{"hrandfield", "h", "0"}, "[]"},
			{[]any{"hrandfield", "h", "0", "withvalues"}, "[]"},
			// Meridian refuses a repeat count whose reply would take the
			// server's memory (Redis builds it and runs out).
			{[]any{"hrandfield", "h", "-100000000"}, "error: ERR value is out of range"},
		})
		all := map[string]string{"a": "1", "b": "2", "c": "3"}
		for _, count := range []int{1, 2, 3, 4, 100, -1, -2, -3, -10} {
			for _, wv := range []bool{false, true} {
				args := []any{"hrandfield", "h", count}
				if wv {
					args = append(args, "withvalues")
				}
				v := mustDo(t, c, args...).([]any)
				var picks []string
				if wv {
					for _, kv := range hashFlat(t, v) {
						f, val, _ := strings.Cut(kv, "=")
						if all[f] != val {
							t.Fatalf("%v: %s came with %q", args, f, val)
						}
						picks = append(picks, f)
					}
				} else {
					picks = strs(t, v)
				}
				n := count
				if n < 0 {
					n = -n
				} else if n > 3 {
					n = 3
				}
				if len(picks) != n {
					t.Fatalf("%v: %d picks %v, want %d", args, len(picks), picks, n)
				}
				for i, p := range picks {
					if all[p] == "" {
						t.Fatalf("%v: picked %q", args, p)
					}
					if count > 0 && i > 0 && picks[i-1] == p {
						t.Fatalf("%v: %q picked twice from a positive count", args, p)
					}
				}
			}
		}
		// Negative counts repeat; single picks reach every field.
		seen := map[string]int{}
		for _, p := range strs(t, mustDo(t, c, "hrandfield", "h", "-300")) {
			seen[p]++
		}
		for f := range all {
			if seen[f] < 50 {
				t.Fatalf("HRANDFIELD h -300 picked %s %d times", f, seen[f])
			}
		}
		seen = map[string]int{}
		for i := 0; i < 300; i++ {
			seen[mustDo(t, c, "hrandfield", "h").(string)]++
		}
		for f := range all {
			if seen[f] < 50 {
				t.Fatalf("300 HRANDFIELD h picked %s %d times", f, seen[f])
			}
		}
		// A large hash: every branch of the picker (walks, lists, whole).
		args := []any{"hset", "big"}
		for i := 0; i < 3000; i++ {
			args = append(args, "f"+strconv.Itoa(i), "v"+strconv.Itoa(i))
		}
		mustDo(t, c, args...)
		for _, count := range []int{1, 5, 999, 1001, 2999, 3000, 5000, -1, -7, -20, -5000} {
			v := mustDo(t, c, "hrandfield", "big", count, "withvalues").([]any)
			kvs := hashFlat(t, v)
			n := count
			if n < 0 {
				n = -n
			} else if n > 3000 {
				n = 3000
			}
			if len(kvs) != n {
				t.Fatalf("HRANDFIELD big %d: %d picks", count, len(kvs))
			}
			for i, kv := range kvs {
				f, val, _ := strings.Cut(kv, "=")
				if "v"+strings.TrimPrefix(f, "f") != val {
					t.Fatalf("HRANDFIELD big %d: %s", count, kv)
				}
				if count > 0 && i > 0 && kvs[i-1] == kv {
					t.Fatalf("HRANDFIELD big %d: %s twice", count, kv)
				}
			}
		}
	})
}

// hashScanAll runs a whole HSCAN iteration and returns the field=value
// pairs seen (sorted, duplicates kept) and the number of calls.
func hashScanAll(t testing.TB, c *redis.Client, key string, opts ...any) ([]string, int) {
	t.Helper()
	cursor := "0"
	var out []string
	calls := 0
	for {
		page := mustDo(t, c, append([]any{"hscan", key, cursor}, opts...)...).([]any)
		calls++
		if len(page) != 2 {
			t.Fatalf("HSCAN reply %#v", page)
		}
		cursor = page[0].(string)
		out = append(out, hashFlat(t, page[1])...)
		if cursor == "0" {
			break
		}
		if calls > 100000 {
			t.Fatal("HSCAN does not end")
		}
	}
	sort.Strings(out)
	return out, calls
}

func TestHashScan(t *testing.T) {
	hashBoth(t, func(t *testing.T, c *redis.Client, proto int) {
		mustDo(t, c, "set", "s", "v")
		mustDo(t, c, "hset", "h", "a", "1", "b", "2", "ab", "3")
		runCases(t, c, []case1{
			{[]any{"hscan", "s", "x"}, "error: ERR invalid cursor"},
			{[]any{"hscan", "nokey", "x"}, "error: ERR invalid cursor"},
			{[]any{"hscan", "nokey", "0", "count", "0"}, "[0 []]"}, // an absent key before the options
			{[]any{"hscan", "h", "0", "count", "0"}, hSyntax},
			{[]any{"hscan", "h", "0", "count", "-1"}, hSyntax},
			{[]any{"hscan", "h", "0", "count", "x"}, hNotInt},
			{[]any{"hscan", "h", "0", "count"}, hSyntax},
			{[]any{"hscan", "h", "0", "match"}, hSyntax},
			{[]any{"hscan", "h", "0", "type", "string"}, hSyntax},
			{[]any{"hscan", "h", "0", "novalues"}, hSyntax}, // Redis 7.4
			{[]any{"hscan", "h", "0", "bogus", "x"}, hSyntax},
			{[]any{"hscan", "h", "18446744073709551616"}, "error: ERR invalid cursor"},
			{[]any{"hscan", "h"}, wrongArity("hscan")},
		})
		for _, opts := range [][]any{nil, {"count", "1"}, {"match", "*"}, {"count", "100", "match", "*"}} {
			got, calls := hashScanAll(t, c, "h", opts...)
			if strings.Join(got, " ") != "a=1 ab=3 b=2" || calls != 1 {
				t.Fatalf("HSCAN h %v = %v in %d calls", opts, got, calls)
			}
		}
		if got, _ := hashScanAll(t, c, "h", "match", "a*"); strings.Join(got, " ") != "a=1 ab=3" {
			t.Fatalf("HSCAN MATCH a* = %v", got)
		}
		if got, _ := hashScanAll(t, c, "h", "match", "z*", "count", "5"); len(got) != 0 {
			t.Fatalf("HSCAN MATCH z* = %v", got)
		}
		// A small hash comes whole whatever the cursor, as from Redis.
		for _, cur := range []string{"-1", "", "+0", "12345"} {
			page := mustDo(t, c, "hscan", "h", cur).([]any)
			if page[0] != "0" || len(hashFlat(t, page[1])) != 3 {
				t.Fatalf("HSCAN h %q = %v", cur, page)
			}
		}
		// A large hash: every field exactly once, with its value, whatever
		// COUNT; values that carry increments show their totals.
		args := []any{"hset", "big"}
		var want []string
		for i := 0; i < 2000; i++ {
			f, v := "f"+strconv.Itoa(i), "v"+strconv.Itoa(i)
			args = append(args, f, v)
			if i != 7 {
				want = append(want, f+"="+v)
			}
		}
		mustDo(t, c, args...)
		mustDo(t, c, "hdel", "big", "f7")
		mustDo(t, c, "hincrby", "big", "ctr", "41")
		mustDo(t, c, "hincrby", "big", "ctr", "1")
		want = append(want, "ctr=42")
		sort.Strings(want)
		for _, count := range []any{nil, 1, 10, 500, 100000} {
			var opts []any
			if count != nil {
				opts = []any{"count", count}
			}
			got, calls := hashScanAll(t, c, "big", opts...)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("HSCAN big %v: %d pairs, want each of %d once", opts, len(got), len(want))
			}
			if calls > 200 {
				t.Fatalf("HSCAN big %v took %d calls", opts, calls)
			}
		}
		got, _ := hashScanAll(t, c, "big", "match", "f1??", "count", "50")
		if len(got) != 100 {
			t.Fatalf("HSCAN MATCH f1?? = %d pairs", len(got))
		}
	})
}

// TestHashKeyspace: hashes under the generic commands: TYPE, EXISTS, DEL,
// RENAME, COPY, EXPIRE/TTL, SCAN TYPE, and the TTL kept by HSET.
func TestHashKeyspace(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		runCases(t, c, []case1{
			{[]any{"hset", "h", "a", "1", "b", "2"}, "2"},
			{[]any{"hincrby", "h", "n", "5"}, "5"},
			{[]any{"type", "h"}, "hash"},
			{[]any{"exists", "h"}, "1"},
			{[]any{"expire", "h", "100"}, "1"},
			{[]any{"hset", "h", "c", "3"}, "1"},
			{[]any{"ttl", "h"}, "100"},
			{[]any{"rename", "h", "h2"}, "OK"},
			{[]any{"exists", "h"}, "0"},
			{[]any{"ttl", "h2"}, "100"},
			{[]any{"copy", "h2", "h3"}, "1"},
			{[]any{"hget", "h3", "n"}, "5"},
			{[]any{"hincrby", "h3", "n", "1"}, "6"},
			{[]any{"hget", "h2", "n"}, "5"},
			{[]any{"del", "h2", "h3"}, "2"},
			{[]any{"hlen", "h2"}, "0"},
			{[]any{"hset", "t", "f", "v"}, "1"},
			{[]any{"pexpire", "t", "1"}, "1"},
		})
		time.Sleep(20 * time.Millisecond)
		runCases(t, c, []case1{
			{[]any{"hget", "t", "f"}, "<nil>"},
			{[]any{"hset", "t", "g", "w"}, "1"},
			{[]any{"hgetall", "t"}, map[int]string{2: "[g w]", 3: "map[g:w]"}[int(c.Options().Protocol)]},
			{[]any{"ttl", "t"}, "-1"},
		})
		mustDo(t, c, "set", "str", "x")
		keys, _ := scanAll(t, c, "type", "hash")
		if strings.Join(keys, " ") != "t" {
			t.Fatalf("SCAN TYPE hash = %v", keys)
		}
	})
}

func TestHashCommandInfo(t *testing.T) {
	p := startServer(t)
	c := p.client(t, 2)
	for name, want := range map[string]string{
		"hset":         "[hset -4 [write denyoom fast] 1 1 1 [@write @hash @fast]",
		"hsetnx":       "[hsetnx 4 [write denyoom fast] 1 1 1 [@write @hash @fast]",
		"hmset":        "[hmset -4 [write denyoom fast] 1 1 1 [@write @hash @fast]",
		"hget":         "[hget 3 [readonly fast] 1 1 1 [@read @hash @fast]",
		"hmget":        "[hmget -3 [readonly fast] 1 1 1 [@read @hash @fast]",
		"hgetall":      "[hgetall 2 [readonly] 1 1 1 [@read @hash @slow] [nondeterministic_output_order]",
		"hdel":         "[hdel -3 [write fast] 1 1 1 [@write @hash @fast]",
		"hexists":      "[hexists 3 [readonly fast] 1 1 1 [@read @hash @fast]",
		"hlen":         "[hlen 2 [readonly fast] 1 1 1 [@read @hash @fast]",
		"hstrlen":      "[hstrlen 3 [readonly fast] 1 1 1 [@read @hash @fast]",
		"hkeys":        "[hkeys 2 [readonly] 1 1 1 [@read @hash @slow] [nondeterministic_output_order]",
		"hvals":        "[hvals 2 [readonly] 1 1 1 [@read @hash @slow] [nondeterministic_output_order]",
		"hincrby":      "[hincrby 4 [write denyoom fast] 1 1 1 [@write @hash @fast]",
		"hincrbyfloat": "[hincrbyfloat 4 [write denyoom fast] 1 1 1 [@write @hash @fast]",
		"hrandfield":   "[hrandfield -2 [readonly] 1 1 1 [@read @hash @slow] [nondeterministic_output]",
		"hscan":        "[hscan -3 [readonly] 1 1 1 [@read @hash @slow] [nondeterministic_output]",
	} {
		v := mustDo(t, c, "command", "info", name).([]any)[0]
		if got := fmt.Sprint(v); !strings.HasPrefix(got, want) {
			t.Errorf("COMMAND INFO %s = %s\nwant prefix %s", name, got, want)
		}
	}
	// The argument trees redis-cli builds its hints from.
	docs := fmt.Sprint(mustDo(t, c, "command", "docs", "hrandfield"))
	for _, part := range []string{"name options type block flags [optional]", "name count type integer", "name withvalues type pure-token token WITHVALUES flags [optional]"} {
		if !strings.Contains(docs, part) {
			t.Errorf("COMMAND DOCS hrandfield = %s\nmissing %q", docs, part)
		}
	}
	docs = fmt.Sprint(mustDo(t, c, "command", "docs", "hset"))
	if !strings.Contains(docs, "name data type block flags [multiple] arguments [[name field type string] [name value type string]]") {
		t.Errorf("COMMAND DOCS hset = %s", docs)
	}
}

// TestHashRedisCli: what a user sees in redis-cli.
func TestHashRedisCli(t *testing.T) {
	p := startServer(t)
	if got := p.cli(t, "hset", "h", "f", "v", "g", "w"); got != "(integer) 2" && got != "2" {
		t.Fatalf("redis-cli HSET = %q", got)
	}
	if got := p.cli(t, "hget", "h", "f"); got != "v" && got != "\"v\"" {
		t.Fatalf("redis-cli HGET = %q", got)
	}
	if got := p.cli(t, "-3", "hgetall", "h"); !strings.Contains(got, "f") || !strings.Contains(got, "w") {
		t.Fatalf("redis-cli -3 HGETALL = %q", got)
	}
}

// hashShow renders a reply for comparison: errors by text, hash-shaped
// replies of order-free commands sorted.
func hashShow(c *redis.Client, sorted bool, args ...any) string {
	v, err := do(c, args...)
	if err != nil && err != redis.Nil {
		return "error: " + err.Error()
	}
	if sorted {
		switch x := v.(type) {
		case map[any]any:
			var kv []string
			for k, val := range x {
				kv = append(kv, fmt.Sprint(k)+"="+fmt.Sprint(val))
			}
			sort.Strings(kv)
			return fmt.Sprint(kv)
		case []any:
			var s []string
			for _, e := range x {
				s = append(s, fmt.Sprint(e))
			}
			sort.Strings(s)
			return fmt.Sprint(s)
		}
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}

// TestHashesMatchRedis replays random hash commands (and DEL, EXPIRE,
// string writes for WRONGTYPE) on redis-server and on Meridian, RESP3, and
// requires identical replies; HGETALL, HKEYS and HVALS are compared as
// sorted sets, HRANDFIELD by its size and membership.
func TestHashesMatchRedis(t *testing.T) {
	rc := startRedis(t, 3)
	ours := startServer(t).client(t, 3)
	rng := rand.New(rand.NewPCG(4, 2))
	keys := []string{"h0", "h1", "h2", "s"}
	// Field "b" alone takes the 64-bit extremes, and HINCRBYFLOAT never
	// touches it: near 2^63 Redis's long double rounds to the integer where
	// Meridian's double-double keeps the fraction (a difference of the
	// float type, shared with INCRBYFLOAT, not of the hash family).
	fields := []string{"a", "b", "c", "d", "n", ""}
	values := []string{"1", "-7", "abc", "", "3.5", "1e3", " 2", "10"}
	extremes := []string{"9223372036854775807", "-9223372036854775808", "9223372036854775806"}
	amounts := []string{"1", "-3", "0", "100", "x", "2.5"}
	bigAmounts := []string{"9223372036854775807", "-9223372036854775808", "1", "-1"}
	// Binary fractions only: a sum like 1000 + 0.1 prints as
	// 1000.09999999999999998 from Redis's long double and 1000.1 from
	// Meridian (again the float type's difference, reported separately).
	floats := []string{"0.5", "-1.25", "1e3", "3", "abc", "inf", "0.125"}
	for i := 0; i < 3000; i++ {
		k := keys[rng.IntN(len(keys))]
		f := fields[rng.IntN(len(fields))]
		val, amount := values[rng.IntN(len(values))], amounts[rng.IntN(len(amounts))]
		if f == "b" {
			val, amount = extremes[rng.IntN(len(extremes))], bigAmounts[rng.IntN(len(bigAmounts))]
		}
		var args []any
		sorted := false
		switch rng.IntN(16) {
		case 0, 1:
			args = []any{"hset", k, f, val}
			if f2 := fields[rng.IntN(len(fields))]; rng.IntN(3) == 0 && f2 != "b" {
				args = append(args, f2, values[rng.IntN(len(values))])
			}
		case 2:
			args = []any{"hsetnx", k, f, val}
		case 3:
			args = []any{"hget", k, f}
		case 4:
			args = []any{"hmget", k, f, fields[rng.IntN(len(fields))]}
		case 5:
			args = []any{"hdel", k, f, fields[rng.IntN(len(fields))]}
		case 6:
			args = []any{"hincrby", k, f, amount}
		case 7:
			if f == "b" {
				f = "a"
			}
			args = []any{"hincrbyfloat", k, f, floats[rng.IntN(len(floats))]}
		case 8:
			args = []any{"hlen", k}
		case 9:
			args = []any{"hexists", k, f}
		case 10:
			args = []any{"hstrlen", k, f}
		case 11:
			args, sorted = []any{[]string{"hgetall", "hkeys", "hvals"}[rng.IntN(3)], k}, true
		case 12:
			args = []any{"hscan", k, "0", "match", []string{"*", "a*", "?"}[rng.IntN(3)]}
			sorted = false
			// One page holding everything: compare its fields as a set.
			a, b := hashShowScan(t, rc, args...), hashShowScan(t, ours, args...)
			if a != b {
				t.Fatalf("%v:\n redis:    %s\n meridian: %s", args, a, b)
			}
			continue
		case 13:
			if rng.IntN(4) == 0 {
				args = []any{"del", k}
			} else {
				args = []any{"exists", k}
			}
		case 14:
			if k == "s" {
				args = []any{"set", k, "str"}
			} else {
				args = []any{"type", k}
			}
		case 15:
			n := []int{0, 1, 2, 10, -1, -4}[rng.IntN(6)]
			args = []any{"hrandfield", k, n}
			a, b := hashRandShape(rc, args...), hashRandShape(ours, args...)
			if a != b {
				t.Fatalf("%v:\n redis:    %s\n meridian: %s", args, a, b)
			}
			continue
		}
		if a, b := hashShow(rc, sorted, args...), hashShow(ours, sorted, args...); a != b {
			t.Fatalf("step %d %v:\n redis:    %.300s\n meridian: %.300s", i, args, a, b)
		}
	}
}

// hashShowScan renders an HSCAN page: cursor, then the pairs sorted.
func hashShowScan(t *testing.T, c *redis.Client, args ...any) string {
	v, err := do(c, args...)
	if err != nil {
		return "error: " + err.Error()
	}
	page := v.([]any)
	return fmt.Sprint(page[0], hashFlat(t, page[1]))
}

// hashRandShape renders an HRANDFIELD reply by what Redis fixes: errors,
// null or not, and the number of picks.
func hashRandShape(c *redis.Client, args ...any) string {
	v, err := do(c, args...)
	switch {
	case err == redis.Nil:
		return "nil"
	case err != nil:
		return "error: " + err.Error()
	}
	if arr, ok := v.([]any); ok {
		return fmt.Sprintf("array of %d", len(arr))
	}
	return "one"
}
