package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// The bitmap family against the real server, RESP2 and RESP3. The expected
// replies were produced by Redis 7.0.15; the few places where Redis 7.2
// answers differently (arguments are now checked before the key is looked
// up) are marked. TestBitmapsMatchRedis also replays random commands on
// both servers when redis-server is installed.

func TestBitmapCommands(t *testing.T) {
	hllProtocols(t, func(t *testing.T, c *redis.Client) {
		runCases(t, c, []case1{
			{[]any{"setbit", "b", "7", "1"}, "0"},
			{[]any{"setbit", "b", "7", "1"}, "1"},
			{[]any{"setbit", "b", "7", "0"}, "1"},
			{[]any{"setbit", "b", "100", "1"}, "0"},
			{[]any{"get", "b"}, "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x08"},
			{[]any{"strlen", "b"}, "13"},
			{[]any{"getbit", "b", "100"}, "1"},
			{[]any{"getbit", "b", "101"}, "0"},
			{[]any{"getbit", "b", "100000"}, "0"},
			{[]any{"getbit", "nosuch", "5"}, "0"},
			{[]any{"setbit", "b", "-1", "1"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"getbit", "b", "4294967295"}, "0"},
			// The offset limit follows proto-max-bulk-len (2^32-1 by default); at 1mb:
			{[]any{"config", "set", "proto-max-bulk-len", "1048576"}, "OK"},
			{[]any{"setbit", "big", "8388607", "1"}, "0"},
			{[]any{"setbit", "big", "8388608", "1"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"bitfield", "big", "set", "u8", "8388600", "1"}, "[1]"},
			{[]any{"bitfield", "big", "set", "u8", "8388601", "1"}, "[2]"},
			{[]any{"strlen", "big"}, "1048577"},
			{[]any{"bitcount", "big"}, "1"},
			{[]any{"config", "set", "proto-max-bulk-len", "536870912"}, "OK"},
			{[]any{"del", "big"}, "1"},
			{[]any{"setbit", "b", "4294967296", "1"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"setbit", "b", "abc", "1"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"setbit", "b", "1", "2"}, "error: ERR bit is not an integer or out of range"},
			{[]any{"setbit", "b", "1", "-1"}, "error: ERR bit is not an integer or out of range"},
			{[]any{"setbit", "b", "1", "x"}, "error: ERR bit is not an integer or out of range"},
			{[]any{"setbit", "b", "x", "x"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"setbit", "b", "#1", "1"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"getbit", "b", "-1"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"getbit", "b", "4294967296"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"getbit", "b", "abc"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"set", "s", "foobar"}, "OK"},
			{[]any{"bitcount", "s"}, "26"},
			{[]any{"bitcount", "s", "0", "0"}, "4"},
			{[]any{"bitcount", "s", "1", "1"}, "6"},
			{[]any{"bitcount", "s", "1", "1", "byte"}, "6"},
			{[]any{"bitcount", "s", "5", "30", "bit"}, "17"},
			{[]any{"bitcount", "s", "-1", "-2"}, "0"},
			{[]any{"bitcount", "s", "-2", "-1"}, "7"},
			{[]any{"bitcount", "s", "0", "-1", "bit"}, "26"},
			{[]any{"bitcount", "s", "0", "100"}, "26"},
			{[]any{"bitcount", "s", "100", "200"}, "0"},
			{[]any{"bitcount", "s", "-100", "-50"}, "4"},
			{[]any{"bitcount", "s", "0"}, "error: ERR syntax error"},
			{[]any{"bitcount", "s", "0", "1", "foo"}, "error: ERR syntax error"},
			{[]any{"bitcount", "s", "a", "b"}, "error: ERR value is not an integer or out of range"},
			{[]any{"bitcount", "s", "0", "1", "bit", "extra"}, "error: ERR syntax error"},
			{[]any{"bitcount", "s", "1", "0"}, "0"},
			{[]any{"bitcount", "s", "-9223372036854775808", "9223372036854775807"}, "26"},
			{[]any{"bitcount", "s", "-9223372036854775808", "9223372036854775807", "bit"}, "26"},
			{[]any{"bitcount", "s", "9223372036854775807", "-9223372036854775808", "bit"}, "0"},
			{[]any{"bitcount", "nosuch"}, "0"},
			{[]any{"bitcount", "nosuch", "0", "1"}, "0"},
			{[]any{"set", "z", "\xff\xf0\x00"}, "OK"},
			{[]any{"bitpos", "z", "0"}, "12"},
			{[]any{"bitpos", "z", "1"}, "0"},
			{[]any{"bitpos", "z", "0", "2"}, "16"},
			{[]any{"bitpos", "z", "0", "2", "-1"}, "16"},
			{[]any{"bitpos", "z", "1", "2"}, "-1"},
			{[]any{"bitpos", "z", "0", "0", "-1"}, "12"},
			{[]any{"bitpos", "z", "1", "7", "15", "bit"}, "7"},
			{[]any{"bitpos", "z", "0", "7", "15", "bit"}, "12"},
			{[]any{"bitpos", "z", "0", "12", "15", "bit"}, "12"},
			{[]any{"bitpos", "z", "0", "12", "23", "bit"}, "12"},
			{[]any{"bitpos", "z", "0", "0", "11", "bit"}, "-1"},
			{[]any{"bitpos", "z", "1", "20", "23", "bit"}, "-1"},
			{[]any{"bitpos", "z", "0", "3", "2"}, "-1"},
			{[]any{"bitpos", "z", "2"}, "error: ERR The bit argument must be 1 or 0."},
			{[]any{"bitpos", "z", "-1"}, "error: ERR The bit argument must be 1 or 0."},
			{[]any{"bitpos", "z", "a"}, "error: ERR value is not an integer or out of range"},
			{[]any{"bitpos", "z", "1", "a"}, "error: ERR value is not an integer or out of range"},
			{[]any{"bitpos", "z", "1", "0", "a"}, "error: ERR value is not an integer or out of range"},
			{[]any{"bitpos", "z", "1", "0", "1", "foo"}, "error: ERR syntax error"},
			{[]any{"bitpos", "z", "1", "0", "1", "bit", "extra"}, "error: ERR syntax error"},
			{[]any{"bitpos", "nosuch", "0"}, "0"},
			{[]any{"bitpos", "nosuch", "1"}, "-1"},
			{[]any{"bitpos", "nosuch", "1", "1", "2"}, "-1"},
			{[]any{"set", "ones", "\xff\xff"}, "OK"},
			{[]any{"bitpos", "ones", "0"}, "16"},
			{[]any{"bitpos", "ones", "0", "0"}, "16"},
			{[]any{"bitpos", "ones", "0", "0", "-1"}, "-1"},
			{[]any{"bitpos", "ones", "0", "0", "15", "bit"}, "-1"},
			{[]any{"bitpos", "ones", "0", "3", "bit"}, "error: ERR value is not an integer or out of range"},
			{[]any{"bitpos", "ones", "1", "-1"}, "8"},
			{[]any{"set", "e", ""}, "OK"},
			{[]any{"bitpos", "e", "0"}, "-1"},
			{[]any{"bitpos", "e", "1"}, "-1"},
			{[]any{"bitcount", "e"}, "0"},
			{[]any{"bitpos", "z", "1", "-9223372036854775808", "9223372036854775807", "bit"}, "0"},
			{[]any{"bitpos", "z", "0", "9223372036854775807"}, "-1"},
			{[]any{"set", "a1", "\x0f\xf0"}, "OK"},
			{[]any{"set", "a2", "\xff"}, "OK"},
			{[]any{"bitop", "and", "r", "a1", "a2"}, "2"},
			{[]any{"get", "r"}, "\x0f\x00"},
			{[]any{"bitop", "or", "r", "a1", "a2", "nosuch"}, "2"},
			{[]any{"get", "r"}, "\xff\xf0"},
			{[]any{"bitop", "xor", "r", "a1", "a2"}, "2"},
			{[]any{"get", "r"}, "\xf0\xf0"},
			{[]any{"bitop", "not", "r", "a1"}, "2"},
			{[]any{"get", "r"}, "\xf0\x0f"},
			{[]any{"bitop", "not", "r", "a1", "a2"}, "error: ERR BITOP NOT must be called with a single source key."},
			{[]any{"bitop", "nand", "r", "a1"}, "error: ERR syntax error"},
			{[]any{"bitop", "and", "r", "nosuch", "nosuch2"}, "0"},
			{[]any{"exists", "r"}, "0"},
			{[]any{"bitop", "and", "r", "a1", "nosuch"}, "2"},
			{[]any{"get", "r"}, "\x00\x00"},
			{[]any{"bitop", "or", "r"}, "error: ERR wrong number of arguments for 'bitop' command"},
			{[]any{"bitop", "and"}, "error: ERR wrong number of arguments for 'bitop' command"},
			{[]any{"set", "r", "x"}, "OK"},
			{[]any{"expire", "r", "100"}, "1"},
			{[]any{"bitop", "or", "r", "a1"}, "2"},
			{[]any{"ttl", "r"}, "-1"},
			{[]any{"bitop", "and", "a1", "a1", "a2"}, "2"},
			{[]any{"get", "a1"}, "\x0f\x00"},
			{[]any{"bitfield", "bf", "set", "u8", "0", "255"}, "[0]"},
			{[]any{"bitfield", "bf", "get", "u8", "0"}, "[255]"},
			{[]any{"bitfield", "bf", "incrby", "u8", "0", "1"}, "[0]"},
			{[]any{"bitfield", "bf", "overflow", "sat", "incrby", "u8", "0", "300"}, "[255]"},
			{[]any{"bitfield", "bf", "overflow", "fail", "incrby", "u8", "0", "1"}, "[<nil>]"},
			{[]any{"bitfield", "bf", "overflow", "wrap", "incrby", "u8", "0", "1"}, "[0]"},
			{[]any{"bitfield", "bf", "set", "i8", "0", "-128", "get", "i8", "0", "get", "u4", "0", "get", "u4", "4"}, "[0 -128 8 0]"},
			{[]any{"bitfield", "bf", "incrby", "i8", "0", "-1"}, "[127]"},
			{[]any{"bitfield", "bf", "overflow", "sat", "incrby", "i8", "0", "-1000"}, "[-128]"},
			{[]any{"bitfield", "bf", "overflow", "fail", "incrby", "i8", "0", "-1"}, "[<nil>]"},
			{[]any{"bitfield", "bf", "set", "i64", "8", "-1", "get", "i64", "8", "get", "u63", "8"}, "[0 -1 9223372036854775807]"},
			{[]any{"bitfield", "bf", "incrby", "i64", "8", "1"}, "[0]"},
			{[]any{"bitfield", "bf", "overflow", "sat", "incrby", "i64", "8", "9223372036854775807"}, "[9223372036854775807]"},
			{[]any{"bitfield", "bf", "overflow", "sat", "incrby", "i64", "8", "1"}, "[9223372036854775807]"},
			{[]any{"bitfield", "bf", "overflow", "fail", "incrby", "i64", "8", "1"}, "[<nil>]"},
			{[]any{"bitfield", "bf", "overflow", "wrap", "incrby", "i64", "8", "1"}, "[-9223372036854775808]"},
			{[]any{"bitfield", "bf", "get", "i64", "8"}, "[-9223372036854775808]"},
			{[]any{"bitfield", "bf", "set", "u63", "100", "-1"}, "[0]"},
			{[]any{"bitfield", "bf", "get", "u63", "100"}, "[9223372036854775807]"},
			{[]any{"bitfield", "bf", "overflow", "sat", "set", "u63", "100", "-1"}, "[9223372036854775807]"},
			{[]any{"bitfield", "bf", "overflow", "fail", "set", "u4", "0", "16"}, "[<nil>]"},
			{[]any{"bitfield", "bf", "overflow", "sat", "set", "i4", "0", "100"}, "[-8]"},
			{[]any{"bitfield", "bf", "overflow", "sat", "set", "i4", "0", "-100"}, "[7]"},
			{[]any{"bitfield", "bf", "set", "u4", "#2", "15", "get", "u4", "#2", "get", "u4", "8"}, "[8 15 15]"},
			{[]any{"bitfield", "bf", "get", "u64", "0"}, "error: ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."},
			{[]any{"bitfield", "bf", "get", "i65", "0"}, "error: ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."},
			{[]any{"bitfield", "bf", "get", "x8", "0"}, "error: ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."},
			{[]any{"bitfield", "bf", "get", "i0", "0"}, "error: ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."},
			{[]any{"bitfield", "bf", "get", "i", "0"}, "error: ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."},
			{[]any{"bitfield", "bf", "get", "u8", "-1"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"bitfield", "bf", "get", "u8", "#-1"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"bitfield", "bf", "get", "u8", "4294967296"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"bitfield", "bf", "get", "u8", "#536870912"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"bitfield", "bf", "get", "u8", "#536870911"}, "[0]"},
			{[]any{"bitfield", "bf", "set", "u8", "0"}, "error: ERR syntax error"},
			{[]any{"bitfield", "bf", "set", "u8", "0", "x"}, "error: ERR value is not an integer or out of range"},
			{[]any{"bitfield", "bf", "overflow"}, "error: ERR syntax error"},
			{[]any{"bitfield", "bf", "overflow", "foo", "get", "u8", "0"}, "error: ERR Invalid OVERFLOW type specified"},
			{[]any{"bitfield", "bf", "foo"}, "error: ERR syntax error"},
			{[]any{"bitfield", "bf", "get", "u8"}, "error: ERR syntax error"},
			{[]any{"bitfield", "bf"}, "[]"},
			{[]any{"bitfield", "nosuch", "get", "u8", "0"}, "[0]"},
			{[]any{"exists", "nosuch"}, "0"},
			{[]any{"bitfield", "nb", "overflow", "fail", "incrby", "u2", "0", "5"}, "[<nil>]"},
			{[]any{"get", "nb"}, "\x00"},
			{[]any{"bitfield", "nb2", "overflow", "fail", "set", "u2", "0", "5"}, "[<nil>]"},
			{[]any{"get", "nb2"}, "\x00"},
			{[]any{"bitfield_ro", "bf", "get", "u8", "0", "get", "i8", "0"}, "[128 -128]"},
			{[]any{"bitfield_ro", "bf", "set", "u8", "0", "1"}, "error: ERR BITFIELD_RO only supports the GET subcommand"},
			{[]any{"bitfield_ro", "bf", "get", "u8", "0", "set", "u8", "0", "1"}, "error: ERR BITFIELD_RO only supports the GET subcommand"},
			{[]any{"bitfield_ro", "bf", "get", "u8", "x", "set", "u8", "0", "1"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"bitfield_ro", "bf", "overflow", "sat", "get", "u8", "0"}, "[128]"},
			{[]any{"bitfield_ro", "nosuch", "get", "u8", "0"}, "[0]"},
			{[]any{"bitfield_ro", "bf"}, "[]"},
			{[]any{"bitfield", "bf", "get", "u8", "0", "overflow", "wrap"}, "[128]"},
			{[]any{"bitfield", "bf", "incrby", "u2", "100", "1", "get", "u2", "100"}, "[0 0]"},
			{[]any{"bitfield", "bf", "incrby", "u2", "102", "1", "incrby", "u2", "102", "1", "incrby", "u2", "102", "1", "incrby", "u2", "102", "1"}, "[0 1 2 3]"},
			{[]any{"bitfield", "bf", "overflow", "sat", "incrby", "u2", "104", "3", "incrby", "u2", "104", "1", "overflow", "wrap", "incrby", "u2", "104", "1"}, "[3 3 0]"},
			{[]any{"bitfield", "bf", "incrby", "i5", "110", "100", "get", "i5", "110"}, "[3 3]"},
			{[]any{"bitfield", "bf", "overflow", "sat", "incrby", "i5", "120", "-100", "get", "i5", "120"}, "[-16 -16]"},
			{[]any{"bitfield", "bf", "set", "u1", "0", "3"}, "[1]"},
			{[]any{"bitfield", "bf", "set", "i1", "0", "-1", "get", "i1", "0"}, "[-1 -1]"},
			{[]any{"get", "bf"}, "\x80\xf0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03<\x7f\x87\xff\xff\xff\xff\xe0"},
			{[]any{"strlen", "bf"}, "21"},
			{[]any{"bitfield", "hllk", "set", "u8", "0", "1"}, "[0]"},
			{[]any{"pfadd", "hl", "a", "b", "c"}, "1"},
			{[]any{"bitcount", "hl"}, "49"},
			{[]any{"getbit", "hl", "0"}, "0"},
			{[]any{"bitpos", "hl", "1", "0", "-1"}, "1"},
			{[]any{"bitfield_ro", "hl", "get", "u32", "0"}, "[1213811788]"},
			{[]any{"setbit", "hl", "1000", "1"}, "0"},
			{[]any{"type", "hl"}, "string"},
			{[]any{"pfcount", "hl"}, "error: INVALIDOBJ Corrupted HLL object detected"},
			// Redis 7.2 checks BITCOUNT's and BITPOS's arguments before
			// looking the key up (7.0 answered 0 or -1 for an absent key).
			{[]any{"bitcount", "nosuch", "0", "1", "foo"}, "error: ERR syntax error"},
			{[]any{"bitcount", "nosuch", "a", "b"}, "error: ERR value is not an integer or out of range"},
			{[]any{"bitcount", "nosuch", "1"}, "error: ERR syntax error"},
			{[]any{"bitpos", "nosuch", "1", "a"}, "error: ERR value is not an integer or out of range"},
			{[]any{"bitpos", "nosuch", "1", "0", "1", "foo"}, "error: ERR syntax error"},
			{[]any{"bitpos", "nosuch", "0", "0", "1", "bit"}, "0"},
			// Arity.
			{[]any{"setbit", "k", "1"}, "error: ERR wrong number of arguments for 'setbit' command"},
			{[]any{"getbit", "k"}, "error: ERR wrong number of arguments for 'getbit' command"},
			{[]any{"bitcount"}, "error: ERR wrong number of arguments for 'bitcount' command"},
			{[]any{"bitpos", "k"}, "error: ERR wrong number of arguments for 'bitpos' command"},
			{[]any{"bitop", "not", "d"}, "error: ERR wrong number of arguments for 'bitop' command"},
			{[]any{"bitfield"}, "error: ERR wrong number of arguments for 'bitfield' command"},
			{[]any{"bitfield_ro"}, "error: ERR wrong number of arguments for 'bitfield_ro' command"},
		})
	})
}

func TestBitmapWrongType(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		if !hllOtherType(t, c, "o") {
			return
		}
		const wrong = "error: WRONGTYPE Operation against a key holding the wrong kind of value"
		runCases(t, c, []case1{
			{[]any{"setbit", "o", "1", "1"}, wrong},
			{[]any{"setbit", "o", "-1", "1"}, "error: ERR bit offset is not an integer or out of range"},
			{[]any{"getbit", "o", "1"}, wrong},
			{[]any{"bitcount", "o"}, wrong},
			{[]any{"bitcount", "o", "0", "1", "bit"}, wrong},
			{[]any{"bitcount", "o", "0", "1", "foo"}, "error: ERR syntax error"},
			{[]any{"bitpos", "o", "1"}, wrong},
			{[]any{"bitpos", "o", "2"}, "error: ERR The bit argument must be 1 or 0."},
			{[]any{"set", "s", "x"}, "OK"},
			{[]any{"bitop", "and", "d", "s", "o"}, wrong},
			{[]any{"bitop", "and", "o", "s"}, "1"}, // the destination is overwritten whatever its type
			{[]any{"type", "o"}, "string"},
			{[]any{"del", "o"}, "1"},
		})
		if !hllOtherType(t, c, "o") {
			return
		}
		runCases(t, c, []case1{
			{[]any{"bitfield", "o", "get", "u8", "0"}, wrong},
			{[]any{"bitfield", "o", "set", "u8", "0", "1"}, wrong},
			{[]any{"bitfield", "o", "get", "u99", "0"}, "error: ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is."},
			{[]any{"bitfield_ro", "o", "get", "u8", "0"}, wrong},
			{[]any{"bitfield_ro", "o", "set", "u8", "0", "1"}, "error: ERR BITFIELD_RO only supports the GET subcommand"},
		})
	})
}

// TestBitmapCommandInfo: the table rows, as COMMAND INFO shows them.
func TestBitmapCommandInfo(t *testing.T) {
	p := startServer(t)
	c := p.client(t, 2)
	for name, want := range map[string]string{
		"setbit":      "[setbit 4 [write denyoom] 1 1 1 [@write @bitmap @slow]",
		"getbit":      "[getbit 3 [readonly fast] 1 1 1 [@read @bitmap @fast]",
		"bitcount":    "[bitcount -2 [readonly] 1 1 1 [@read @bitmap @slow]",
		"bitpos":      "[bitpos -3 [readonly] 1 1 1 [@read @bitmap @slow]",
		"bitop":       "[bitop -4 [write denyoom] 2 -1 1 [@write @bitmap @slow]",
		"bitfield":    "[bitfield -2 [write denyoom] 1 1 1 [@write @bitmap @slow]",
		"bitfield_ro": "[bitfield_ro -2 [readonly fast] 1 1 1 [@read @bitmap @fast]",
	} {
		v := mustDo(t, c, "command", "info", name).([]any)[0]
		if got := fmt.Sprint(v); !strings.HasPrefix(got, want) {
			t.Errorf("COMMAND INFO %s = %s\nwant prefix %s", name, got, want)
		}
	}
}

// TestBitmapsMatchRedis replays random SETBIT, BITCOUNT, BITPOS, BITOP and
// BITFIELD commands over random short strings on redis-server and on
// Meridian, and requires identical replies and values.
func TestBitmapsMatchRedis(t *testing.T) {
	rc := startRedis(t, 2)
	p := startServer(t)
	ours := p.client(t, 2)
	rng := rand.New(rand.NewPCG(3, 4))
	cmp := func(args ...any) { t.Helper(); hllCompare(t, rc, ours, args...) }
	idx := func() string {
		switch rng.IntN(3) {
		case 0:
			return fmt.Sprint(rng.IntN(81) - 40)
		case 1:
			return fmt.Sprint(rng.IntN(7) - 3)
		}
		return fmt.Sprint(rng.IntN(401) - 200)
	}
	str := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = []byte{0, 0xff, byte(rng.IntN(256))}[rng.IntN(3)]
		}
		return string(b)
	}
	widths := []int{1, 2, 3, 5, 7, 8, 13, 16, 31, 32, 33, 63, 64}
	for i := 0; i < 4000; i++ {
		cmp("set", "k", str(rng.IntN(7)))
		switch rng.IntN(6) {
		case 0:
			args := []any{"bitcount", "k"}
			if rng.IntN(5) > 0 {
				args = append(args, idx(), idx())
				if rng.IntN(2) == 0 {
					args = append(args, []string{"bit", "byte", "BIT"}[rng.IntN(3)])
				}
			}
			cmp(args...)
		case 1:
			args := []any{"bitpos", "k", fmt.Sprint(rng.IntN(2))}
			r := rng.Float64()
			if r < 0.8 {
				args = append(args, idx())
			}
			if r < 0.6 {
				args = append(args, idx())
			}
			if r < 0.4 {
				args = append(args, []string{"bit", "byte"}[rng.IntN(2)])
			}
			cmp(args...)
		case 2, 3:
			args := []any{"bitfield", "k"}
			for n := rng.IntN(4) + 1; n > 0; n-- {
				sub := []string{"get", "set", "incrby", "overflow"}[rng.IntN(4)]
				if sub == "overflow" {
					args = append(args, "overflow", []string{"wrap", "sat", "fail"}[rng.IntN(3)])
					continue
				}
				w := widths[rng.IntN(len(widths))]
				typ := []string{"i", "u"}[rng.IntN(2)] + fmt.Sprint(w)
				if typ == "u64" {
					typ = "i64"
				}
				off := fmt.Sprint(rng.IntN(61))
				if rng.IntN(5) == 0 {
					off = fmt.Sprintf("#%d", rng.IntN(6))
				}
				args = append(args, sub, typ, off)
				if sub != "get" {
					v := []int64{int64(rng.IntN(601) - 300), int64(rng.Uint64()), 1<<63 - 1, -1 << 63, int64(rng.IntN(1<<41)) - 1<<40}[rng.IntN(5)]
					args = append(args, fmt.Sprint(v))
				}
			}
			cmp(args...)
			cmp("get", "k")
		case 4:
			cmp("setbit", "k", fmt.Sprint(rng.IntN(71)), fmt.Sprint(rng.IntN(2)))
			cmp("get", "k")
		default:
			cmp("set", "k2", str(rng.IntN(6)))
			op := []string{"and", "or", "xor", "not"}[rng.IntN(4)]
			srcs := []any{"k"}
			if op != "not" {
				srcs = nil
				for _, s := range []string{"k", "k2", "nosuch"} {
					if rng.IntN(2) == 0 {
						srcs = append(srcs, s)
					}
				}
				if len(srcs) == 0 {
					srcs = []any{"k2"}
				}
			}
			cmp(append([]any{"bitop", op, "d"}, srcs...)...)
			cmp("get", "d")
		}
	}
}
