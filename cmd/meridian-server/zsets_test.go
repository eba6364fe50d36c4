package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// The sorted-set family against the real binary, in RESP2 and RESP3. Each
// test is a table of command lines and the printed reply (see want); the
// texts were checked against redis-server (7.0, whose doubles print with
// %.17g: the tables use scores that print the same in 7.0 and 7.2).

// zp picks the expected text for the client's protocol: go-redis gives a
// RESP3 double as a float64 (so "+Inf"), RESP2 a bulk string ("inf"), and
// scored ranges nest as pairs in RESP3.
func zp(c *redis.Client, resp2, resp3 string) string {
	if c.Options().Protocol == 3 {
		return resp3
	}
	return resp2
}

const errWrongType = "error: WRONGTYPE Operation against a key holding the wrong kind of value"

func TestZSetsZAdd(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		runCases(t, c, []case1{
			{[]any{"zadd", "z", "1", "a", "2", "b", "3", "c"}, "3"},
			{[]any{"zadd", "z", "1", "a"}, "0"},
			{[]any{"zadd", "z", "ch", "5", "a"}, "1"},
			{[]any{"zadd", "z", "nx", "10", "a", "4", "d"}, "1"},
			{[]any{"zadd", "z", "xx", "10", "a", "4", "e"}, "0"},
			{[]any{"zadd", "z", "gt", "1", "a"}, "0"},
			{[]any{"zadd", "z", "lt", "ch", "1", "a"}, "1"},
			{[]any{"zadd", "z", "gt", "ch", "20", "a"}, "1"},
			{[]any{"zadd", "z", "xx", "gt", "ch", "30", "a", "40", "nope"}, "1"},
			{[]any{"zadd", "z", "incr", "2", "a"}, "32"},
			{[]any{"zadd", "z", "nx", "incr", "2", "a"}, "<nil>"},
			{[]any{"zadd", "z", "xx", "incr", "2", "nope"}, "<nil>"},
			{[]any{"zadd", "z", "gt", "incr", "-1", "a"}, "<nil>"},
			{[]any{"zadd", "z", "incr", "1.5", "new"}, "1.5"},
			{[]any{"zadd", "nokey", "xx", "1", "a"}, "0"},
			{[]any{"exists", "nokey"}, "0"},
			{[]any{"zadd", "z", "nx", "xx", "1", "a"}, "error: ERR XX and NX options at the same time are not compatible"},
			{[]any{"zadd", "z", "gt", "lt", "1", "a"}, "error: ERR GT, LT, and/or NX options at the same time are not compatible"},
			{[]any{"zadd", "z", "gt", "nx", "1", "a"}, "error: ERR GT, LT, and/or NX options at the same time are not compatible"},
			{[]any{"zadd", "z", "incr", "1", "a", "2", "b"}, "error: ERR INCR option supports a single increment-element pair"},
			{[]any{"zadd", "z", "1", "a", "2"}, "error: ERR syntax error"},
			{[]any{"zadd", "z", "nx", "1"}, "error: ERR syntax error"},
			{[]any{"zadd", "z", "1"}, "error: ERR wrong number of arguments for 'zadd' command"},
			{[]any{"zadd", "z", "abc", "a"}, "error: ERR value is not a valid float"},
			{[]any{"zadd", "z", "nan", "a"}, "error: ERR value is not a valid float"},
			{[]any{"zadd", "z", "1e400", "a"}, "error: ERR value is not a valid float"},
			{[]any{"zadd", "z", " 1", "a"}, "error: ERR value is not a valid float"},
			{[]any{"zadd", "z", "1", "a", "x", "b"}, "error: ERR value is not a valid float"},
			{[]any{"zadd", "z", "0x10", "hex"}, "1"},
			{[]any{"zscore", "z", "hex"}, "16"},
			{[]any{"zadd", "z", "inf", "i", "-inf", "j"}, "2"},
			{[]any{"zscore", "z", "i"}, zp(c, "inf", "+Inf")},
			{[]any{"zadd", "z", "-0", "zero"}, "1"},
			{[]any{"zscore", "z", "zero"}, "0"},
			{[]any{"zadd", "z", "1.1", "f"}, "1"},
			{[]any{"zscore", "z", "f"}, "1.1"},
			{[]any{"set", "str", "v"}, "OK"},
			{[]any{"zadd", "str", "1", "a"}, errWrongType},
			{[]any{"zadd", "str", "x", "a"}, "error: ERR value is not a valid float"},
			{[]any{"type", "z"}, "zset"},
		})
	})
}

func TestZSetsZIncrBy(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		runCases(t, c, []case1{
			{[]any{"zincrby", "z", "1", "a"}, "1"},
			{[]any{"zincrby", "z", "1.5", "a"}, "2.5"},
			{[]any{"zincrby", "z", "-0.5", "a"}, "2"},
			{[]any{"zadd", "z", "1.1", "x"}, "1"},
			{[]any{"zincrby", "z", "1", "x"}, "2.1"},
			{[]any{"zincrby", "z", "0.2", "x"}, "2.3000000000000003"},
			{[]any{"zincrby", "z", "abc", "a"}, "error: ERR value is not a valid float"},
			{[]any{"zincrby", "z", "nx", "a"}, "error: ERR syntax error"},
			{[]any{"zincrby", "z", "1"}, "error: ERR wrong number of arguments for 'zincrby' command"},
			{[]any{"zadd", "z", "inf", "i"}, "1"},
			{[]any{"zincrby", "z", "-inf", "i"}, "error: ERR resulting score is not a number (NaN)"},
			{[]any{"zincrby", "z", "5", "i"}, zp(c, "inf", "+Inf")},
			{[]any{"zincrby", "z", "1e308", "big"}, "1e+308"},
			{[]any{"zincrby", "z", "1.7976931348623157e308", "big"}, zp(c, "inf", "+Inf")},
			{[]any{"zincrby", "z", "inf", "new"}, zp(c, "inf", "+Inf")},
			{[]any{"set", "str", "v"}, "OK"},
			{[]any{"zincrby", "str", "1", "a"}, errWrongType},
		})
	})
}

func TestZSetsReads(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "zadd", "z", "1", "a", "2", "b", "3", "c", "3", "d")
		mustDo(t, c, "set", "str", "v")
		runCases(t, c, []case1{
			{[]any{"zcard", "z"}, "4"},
			{[]any{"zcard", "nokey"}, "0"},
			{[]any{"zcard", "str"}, errWrongType},
			{[]any{"zcard"}, "error: ERR wrong number of arguments for 'zcard' command"},
			{[]any{"zscore", "z", "b"}, "2"},
			{[]any{"zscore", "z", "nosuch"}, "<nil>"},
			{[]any{"zscore", "nokey", "a"}, "<nil>"},
			{[]any{"zscore", "str", "a"}, errWrongType},
			{[]any{"zscore", "z"}, "error: ERR wrong number of arguments for 'zscore' command"},
			{[]any{"zmscore", "z", "a", "nosuch", "c"}, "[1 <nil> 3]"},
			{[]any{"zmscore", "nokey", "a", "b"}, "[<nil> <nil>]"},
			{[]any{"zmscore", "str", "a"}, errWrongType},
			{[]any{"zmscore", "z"}, "error: ERR wrong number of arguments for 'zmscore' command"},
			{[]any{"zrank", "z", "a"}, "0"},
			{[]any{"zrank", "z", "d"}, "3"},
			{[]any{"zrevrank", "z", "a"}, "3"},
			{[]any{"zrank", "z", "nosuch"}, "<nil>"},
			{[]any{"zrank", "nokey", "a"}, "<nil>"},
			{[]any{"zrank", "z", "c", "withscore"}, "[2 3]"},
			{[]any{"zrevrank", "z", "c", "WITHSCORE"}, "[1 3]"},
			{[]any{"zrank", "z", "nosuch", "withscore"}, "<nil>"},
			{[]any{"zrank", "nokey", "a", "withscore"}, "<nil>"},
			{[]any{"zrank", "z", "a", "foo"}, "error: ERR syntax error"},
			{[]any{"zrank", "z", "a", "withscore", "x"}, "error: ERR wrong number of arguments for 'zrank' command"},
			{[]any{"zrank", "str", "a"}, errWrongType},
			{[]any{"zcount", "z", "-inf", "+inf"}, "4"},
			{[]any{"zcount", "z", "(1", "3"}, "3"},
			{[]any{"zcount", "z", "(1", "(3"}, "1"},
			{[]any{"zcount", "z", "3", "1"}, "0"},
			{[]any{"zcount", "z", "(", "5"}, "4"},
			{[]any{"zcount", "z", "a", "1"}, "error: ERR min or max is not a float"},
			{[]any{"zcount", "z", "1", "nan"}, "error: ERR min or max is not a float"},
			{[]any{"zcount", "nokey", "0", "1"}, "0"},
			{[]any{"zcount", "str", "0", "1"}, errWrongType},
			{[]any{"zadd", "l", "0", "a", "0", "b", "0", "c", "0", "d"}, "4"},
			{[]any{"zlexcount", "l", "-", "+"}, "4"},
			{[]any{"zlexcount", "l", "[b", "(d"}, "2"},
			{[]any{"zlexcount", "l", "+", "-"}, "0"},
			{[]any{"zlexcount", "l", "a", "b"}, "error: ERR min or max not valid string range item"},
			{[]any{"zlexcount", "l", "-", "++"}, "error: ERR min or max not valid string range item"},
			{[]any{"zlexcount", "str", "-", "+"}, errWrongType},
		})
	})
}

func TestZSetsZRange(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "inf", "i")
		mustDo(t, c, "set", "str", "v")
		runCases(t, c, []case1{
			{[]any{"zrange", "z", "0", "-1"}, "[a b c d i]"},
			{[]any{"zrange", "z", "0", "1", "withscores"}, zp(c, "[a 1 b 2]", "[[a 1] [b 2]]")},
			{[]any{"zrange", "z", "-2", "-1", "withscores"}, zp(c, "[d 4 i inf]", "[[d 4] [i +Inf]]")},
			{[]any{"zrange", "z", "3", "1"}, "[]"},
			{[]any{"zrange", "z", "0", "100"}, "[a b c d i]"},
			{[]any{"zrange", "z", "-100", "0"}, "[a]"},
			{[]any{"zrange", "z", "0", "1", "rev"}, "[i d]"},
			{[]any{"zrange", "z", "(1", "3", "byscore"}, "[b c]"},
			{[]any{"zrange", "z", "3", "(1", "byscore", "rev"}, "[c b]"},
			{[]any{"zrange", "z", "-inf", "+inf", "byscore", "limit", "1", "2"}, "[b c]"},
			{[]any{"zrange", "z", "+inf", "-inf", "byscore", "rev", "limit", "1", "2", "withscores"}, zp(c, "[d 4 c 3]", "[[d 4] [c 3]]")},
			{[]any{"zrange", "z", "0", "1", "limit", "0", "-1"}, "[a b]"},
			{[]any{"zrange", "z", "0", "1", "limit", "0", "1"}, "error: ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"},
			{[]any{"zrange", "z", "-", "+", "bylex", "withscores"}, "error: ERR syntax error, WITHSCORES not supported in combination with BYLEX"},
			{[]any{"zrange", "z", "0", "1", "rev", "rev"}, "error: ERR syntax error"},
			{[]any{"zrange", "z", "0", "1", "byscore", "bylex"}, "error: ERR syntax error"},
			{[]any{"zrange", "z", "0", "1", "limit", "1"}, "error: ERR syntax error"},
			{[]any{"zrange", "z", "0", "1", "limit", "a", "1"}, "error: ERR value is not an integer or out of range"},
			{[]any{"zrange", "z", "a", "1"}, "error: ERR value is not an integer or out of range"},
			{[]any{"zrange", "z", "a", "1", "byscore"}, "error: ERR min or max is not a float"},
			{[]any{"zrange", "z", "a", "1", "bylex"}, "error: ERR min or max not valid string range item"},
			{[]any{"zrange", "nokey", "0", "-1"}, "[]"},
			{[]any{"zrange", "str", "0", "-1"}, errWrongType},
			{[]any{"zrange", "z", "0"}, "error: ERR wrong number of arguments for 'zrange' command"},
			{[]any{"zrangebyscore", "z", "-inf", "+inf"}, "[a b c d i]"},
			{[]any{"zrangebyscore", "z", "2", "3", "withscores"}, zp(c, "[b 2 c 3]", "[[b 2] [c 3]]")},
			{[]any{"zrangebyscore", "z", "-inf", "+inf", "limit", "1", "-1"}, "[b c d i]"},
			{[]any{"zrangebyscore", "z", "-inf", "+inf", "limit", "-1", "2"}, "[]"},
			{[]any{"zrangebyscore", "z", "-inf", "+inf", "limit", "5", "2"}, "[]"},
			{[]any{"zrangebyscore", "z", "1", "2", "bylex"}, "error: ERR syntax error"},
			{[]any{"zrangebyscore", "z", "1", "2", "rev"}, "error: ERR syntax error"},
			{[]any{"zrevrangebyscore", "z", "+inf", "-inf", "limit", "0", "2"}, "[i d]"},
			{[]any{"zrevrangebyscore", "z", "-inf", "+inf"}, "[]"},
			{[]any{"zrevrange", "z", "0", "1"}, "[i d]"},
			{[]any{"zrevrange", "z", "0", "0", "withscores"}, zp(c, "[i inf]", "[[i +Inf]]")},
			{[]any{"zrevrange", "z", "0", "1", "limit", "0", "1"}, "error: ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"},
			{[]any{"zadd", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e"}, "5"},
			{[]any{"zrangebylex", "l", "-", "+"}, "[a b c d e]"},
			{[]any{"zrangebylex", "l", "[b", "(e"}, "[b c d]"},
			{[]any{"zrangebylex", "l", "(b", "[e", "limit", "1", "2"}, "[d e]"},
			{[]any{"zrangebylex", "l", "[a", "[b", "withscores"}, "error: ERR syntax error, WITHSCORES not supported in combination with BYLEX"},
			{[]any{"zrevrangebylex", "l", "+", "-", "limit", "0", "2"}, "[e d]"},
			{[]any{"zrevrangebylex", "l", "[d", "(a"}, "[d c b]"},
			{[]any{"zrangebylex", "l", "a", "b"}, "error: ERR min or max not valid string range item"},
			{[]any{"zrangestore", "dst", "z", "0", "1"}, "2"},
			{[]any{"zrange", "dst", "0", "-1", "withscores"}, zp(c, "[a 1 b 2]", "[[a 1] [b 2]]")},
			{[]any{"zrangestore", "dst", "z", "(2", "+inf", "byscore", "limit", "0", "2"}, "2"},
			{[]any{"zrange", "dst", "0", "-1"}, "[c d]"},
			{[]any{"zrangestore", "dst", "l", "[b", "[c", "bylex", "rev"}, "0"},
			{[]any{"zrangestore", "dst", "l", "[c", "[b", "bylex", "rev"}, "2"},
			{[]any{"zrange", "dst", "0", "-1"}, "[b c]"},
			{[]any{"zrangestore", "dst", "nokey", "0", "-1"}, "0"},
			{[]any{"exists", "dst"}, "0"},
			{[]any{"zrangestore", "dst", "z", "0", "1", "withscores"}, "error: ERR syntax error"},
			{[]any{"zrangestore", "dst", "str", "0", "1"}, errWrongType},
			{[]any{"zrangestore", "str", "z", "0", "0"}, "1"},
			{[]any{"type", "str"}, "zset"},
		})
	})
}

func TestZSetsRemoveRanges(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
		mustDo(t, c, "set", "str", "v")
		runCases(t, c, []case1{
			{[]any{"zrem", "z", "a", "nosuch", "a"}, "1"},
			{[]any{"zrem", "nokey", "a"}, "0"},
			{[]any{"zrem", "str", "a"}, errWrongType},
			{[]any{"zrem", "z"}, "error: ERR wrong number of arguments for 'zrem' command"},
			{[]any{"zremrangebyrank", "z", "0", "0"}, "1"},
			{[]any{"zremrangebyrank", "z", "5", "10"}, "0"},
			{[]any{"zremrangebyrank", "z", "a", "1"}, "error: ERR value is not an integer or out of range"},
			{[]any{"zremrangebyrank", "str", "0", "1"}, errWrongType},
			{[]any{"zremrangebyscore", "z", "-inf", "(4"}, "1"},
			{[]any{"zremrangebyscore", "z", "a", "1"}, "error: ERR min or max is not a float"},
			{[]any{"zrange", "z", "0", "-1"}, "[d e]"},
			{[]any{"zremrangebyscore", "z", "-inf", "+inf"}, "2"},
			{[]any{"exists", "z"}, "0"},
			{[]any{"zadd", "l", "0", "a", "0", "b", "0", "c"}, "3"},
			{[]any{"zremrangebylex", "l", "[a", "(c"}, "2"},
			{[]any{"zremrangebylex", "l", "a", "b"}, "error: ERR min or max not valid string range item"},
			{[]any{"zremrangebylex", "nokey", "-", "+"}, "0"},
			{[]any{"zrange", "l", "0", "-1"}, "[c]"},
		})
	})
}

func TestZSetsPops(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "zadd", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
		mustDo(t, c, "set", "str", "v")
		runCases(t, c, []case1{
			{[]any{"zpopmin", "z"}, "[a 1]"},
			{[]any{"zpopmax", "z"}, "[e 5]"},
			{[]any{"zpopmin", "z", "2"}, zp(c, "[b 2 c 3]", "[[b 2] [c 3]]")},
			{[]any{"zpopmin", "z", "0"}, "[]"},
			{[]any{"zpopmin", "z", "-1"}, "error: ERR value is out of range, must be positive"},
			{[]any{"zpopmin", "z", "abc"}, "error: ERR value is out of range, must be positive"},
			{[]any{"zpopmin", "z", "1", "2"}, "error: ERR syntax error"},
			{[]any{"zpopmax", "z", "10"}, zp(c, "[d 4]", "[[d 4]]")},
			{[]any{"exists", "z"}, "0"},
			{[]any{"zpopmin", "nokey"}, "[]"},
			{[]any{"zpopmin", "nokey", "2"}, "[]"},
			{[]any{"zpopmin", "str"}, errWrongType},
			{[]any{"zpopmax", "str", "0"}, errWrongType},
			{[]any{"zadd", "m1", "1", "a", "2", "b", "3", "c"}, "3"},
			{[]any{"zmpop", "2", "nokey", "m1", "min"}, "[m1 [[a 1]]]"},
			{[]any{"zmpop", "2", "nokey", "m1", "max", "count", "5"}, "[m1 [[c 3] [b 2]]]"},
			{[]any{"exists", "m1"}, "0"},
			{[]any{"zmpop", "1", "nokey", "min"}, "<nil>"},
			{[]any{"zmpop", "2", "str", "m1", "min"}, errWrongType},
			{[]any{"zmpop", "0", "m1", "min"}, "error: ERR numkeys should be greater than 0"},
			{[]any{"zmpop", "abc", "m1", "min"}, "error: ERR numkeys should be greater than 0"},
			{[]any{"zmpop", "1", "m1", "foo"}, "error: ERR syntax error"},
			{[]any{"zmpop", "3", "m1", "min"}, "error: ERR syntax error"},
			{[]any{"zmpop", "1", "m1", "min", "count", "0"}, "error: ERR count should be greater than 0"},
			{[]any{"zmpop", "1", "m1", "min", "count", "1", "count", "1"}, "error: ERR syntax error"},
			{[]any{"zmpop", "1", "m1"}, "error: ERR wrong number of arguments for 'zmpop' command"},
		})
	})
}

func TestZSetsRandMember(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "zadd", "z", "1", "a", "2", "b", "3", "c")
		mustDo(t, c, "set", "str", "v")
		runCases(t, c, []case1{
			{[]any{"zrandmember", "nokey"}, "<nil>"},
			{[]any{"zrandmember", "nokey", "5"}, "[]"},
			{[]any{"zrandmember", "str"}, errWrongType},
			{[]any{"zrandmember", "str", "1"}, errWrongType},
			{[]any{"zrandmember", "z", "0"}, "[]"},
			{[]any{"zrandmember", "z", "10"}, "[c b a]"},
			{[]any{"zrandmember", "z", "5", "withscores"}, zp(c, "[c 3 b 2 a 1]", "[[c 3] [b 2] [a 1]]")},
			{[]any{"zrandmember", "z", "abc"}, "error: ERR value is not an integer or out of range"},
			{[]any{"zrandmember", "z", "1", "foo"}, "error: ERR syntax error"},
			{[]any{"zrandmember", "z", "1", "withscores", "x"}, "error: ERR syntax error"},
			{[]any{"zrandmember", "z", "-9223372036854775808"}, "error: ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807"},
			{[]any{"zrandmember", "z", "9223372036854775807", "withscores"}, "error: ERR value is out of range"},
		})
		v := mustDo(t, c, "zrandmember", "z")
		if s := fmt.Sprint(v); s != "a" && s != "b" && s != "c" {
			t.Fatalf("ZRANDMEMBER = %v", v)
		}
		for _, n := range []int{1, 2, -7} {
			v := mustDo(t, c, "zrandmember", "z", n).([]any)
			want := n
			if n < 0 {
				want = -n
			}
			if len(v) != want {
				t.Fatalf("ZRANDMEMBER %d gave %v", n, v)
			}
		}
	})
}

func TestZSetsSetOperations(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "zadd", "a", "1", "x", "2", "y", "3", "z")
		mustDo(t, c, "zadd", "b", "10", "y", "20", "z", "30", "w")
		mustDo(t, c, "sadd", "s", "y", "q")
		mustDo(t, c, "set", "str", "v")
		runCases(t, c, []case1{
			{[]any{"zunion", "2", "a", "b"}, "[x y z w]"},
			{[]any{"zunion", "2", "a", "b", "withscores"}, zp(c, "[x 1 y 12 z 23 w 30]", "[[x 1] [y 12] [z 23] [w 30]]")},
			{[]any{"zunion", "2", "a", "b", "weights", "2", "3", "aggregate", "max", "withscores"}, zp(c, "[x 2 y 30 z 60 w 90]", "[[x 2] [y 30] [z 60] [w 90]]")},
			{[]any{"zunion", "2", "a", "b", "aggregate", "min", "withscores"}, zp(c, "[x 1 y 2 z 3 w 30]", "[[x 1] [y 2] [z 3] [w 30]]")},
			{[]any{"zunion", "3", "a", "b", "s", "withscores"}, zp(c, "[q 1 x 1 y 13 z 23 w 30]", "[[q 1] [x 1] [y 13] [z 23] [w 30]]")},
			{[]any{"zunion", "2", "a", "b", "weights", "inf", "-inf", "withscores"}, zp(c, "[w -inf y 0 z 0 x inf]", "[[w -Inf] [y 0] [z 0] [x +Inf]]")},
			{[]any{"zunion", "2", "a", "nokey"}, "[x y z]"},
			{[]any{"zunion", "2", "a", "str"}, errWrongType},
			{[]any{"zunion", "2", "str", "a", "foo"}, errWrongType},
			{[]any{"zunion", "0", "a"}, "error: ERR at least 1 input key is needed for 'zunion' command"},
			{[]any{"zunion", "abc", "a"}, "error: ERR value is not an integer or out of range"},
			{[]any{"zunion", "3", "a", "b"}, "error: ERR syntax error"},
			{[]any{"zunion", "2", "a", "b", "weights", "1"}, "error: ERR syntax error"},
			{[]any{"zunion", "2", "a", "b", "weights", "1", "abc"}, "error: ERR weight value is not a float"},
			{[]any{"zunion", "2", "a", "b", "aggregate", "foo"}, "error: ERR syntax error"},
			{[]any{"zunion", "2", "a", "b", "foo"}, "error: ERR syntax error"},
			{[]any{"zunionstore", "out", "2", "a", "b"}, "4"},
			{[]any{"zrange", "out", "0", "-1", "withscores"}, zp(c, "[x 1 y 12 z 23 w 30]", "[[x 1] [y 12] [z 23] [w 30]]")},
			{[]any{"zunionstore", "out", "2", "a", "b", "withscores"}, "error: ERR syntax error"},
			{[]any{"zunionstore", "out", "0", "a"}, "error: ERR at least 1 input key is needed for 'zunionstore' command"},
			{[]any{"zunionstore", "out", "1", "nokey"}, "0"},
			{[]any{"exists", "out"}, "0"},
			{[]any{"zinter", "2", "a", "b", "withscores"}, zp(c, "[y 12 z 23]", "[[y 12] [z 23]]")},
			{[]any{"zinter", "3", "a", "b", "s", "weights", "1", "1", "100"}, "[y]"},
			{[]any{"zinter", "2", "a", "nokey"}, "[]"},
			{[]any{"zinterstore", "out", "2", "a", "b", "aggregate", "max"}, "2"},
			{[]any{"zrange", "out", "0", "-1", "withscores"}, zp(c, "[y 10 z 20]", "[[y 10] [z 20]]")},
			{[]any{"zinterstore", "a", "2", "a", "b"}, "2"},
			{[]any{"zrange", "a", "0", "-1"}, "[y z]"},
			{[]any{"zadd", "a", "1", "x"}, "1"},
			{[]any{"zintercard", "2", "a", "b"}, "2"},
			{[]any{"zintercard", "2", "a", "b", "limit", "1"}, "1"},
			{[]any{"zintercard", "2", "a", "b", "limit", "0"}, "2"},
			{[]any{"zintercard", "2", "a", "b", "limit", "-1"}, "error: ERR LIMIT can't be negative"},
			{[]any{"zintercard", "2", "a", "b", "withscores"}, "error: ERR syntax error"},
			{[]any{"zintercard", "0", "a"}, "error: ERR at least 1 input key is needed for 'zintercard' command"},
			{[]any{"zintercard", "2", "a", "str"}, errWrongType},
			{[]any{"zdiff", "2", "a", "b", "withscores"}, zp(c, "[x 1]", "[[x 1]]")},
			{[]any{"zdiff", "2", "a", "s"}, "[x z]"},
			{[]any{"zdiff", "2", "a", "a"}, "[]"},
			{[]any{"zdiff", "2", "a", "b", "weights", "1", "1"}, "error: ERR syntax error"},
			{[]any{"zdiff", "0", "a"}, "error: ERR at least 1 input key is needed for 'zdiff' command"},
			{[]any{"zdiffstore", "out", "2", "b", "a"}, "1"},
			{[]any{"zrange", "out", "0", "-1", "withscores"}, zp(c, "[w 30]", "[[w 30]]")},
			{[]any{"zdiffstore", "out", "2", "a", "a"}, "0"},
			{[]any{"exists", "out"}, "0"},
			{[]any{"zdiffstore", "str", "1", "b"}, "3"},
			{[]any{"type", "str"}, "zset"},
		})
	})
}

func TestZSetsZScan(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		mustDo(t, c, "zadd", "z", "1", "x", "2", "y", "3", "z")
		mustDo(t, c, "set", "str", "v")
		runCases(t, c, []case1{
			{[]any{"zscan", "z", "0"}, "[0 [x 1 y 2 z 3]]"},
			{[]any{"zscan", "z", "0", "match", "y*"}, "[0 [y 2]]"},
			{[]any{"zscan", "z", "abc"}, "error: ERR invalid cursor"},
			{[]any{"zscan", "nokey", "0"}, "[0 []]"},
			{[]any{"zscan", "nokey", "0", "foo"}, "[0 []]"},
			{[]any{"zscan", "str", "0"}, errWrongType},
			{[]any{"zscan", "z", "0", "count", "0"}, "error: ERR syntax error"},
			{[]any{"zscan", "z", "0", "count", "abc"}, "error: ERR value is not an integer or out of range"},
			{[]any{"zscan", "z", "0", "foo", "bar"}, "error: ERR syntax error"},
		})
		// A large set: every member exactly once over the whole iteration.
		var args []any
		for i := 0; i < 1000; i++ {
			args = append(args, i, fmt.Sprintf("m%d", i))
		}
		mustDo(t, c, append([]any{"zadd", "big"}, args...)...)
		seen := map[string]int{}
		var cursor uint64
		for {
			keys, next, err := c.ZScan(ctx(), "big", cursor, "", 50).Result()
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < len(keys); i += 2 {
				seen[keys[i]]++
				if want := strings.TrimPrefix(keys[i], "m"); keys[i+1] != want {
					t.Fatalf("%s scored %s", keys[i], keys[i+1])
				}
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
		if len(seen) != 1000 {
			t.Fatalf("ZSCAN saw %d members", len(seen))
		}
		for m, n := range seen {
			if n != 1 {
				t.Fatalf("%s seen %d times", m, n)
			}
		}
	})
}

// TestZSetsRESP2DoubleText checks the RESP2 texts of doubles with
// redis-cli (Redis 7.2's shortest round-trip formatting).
func TestZSetsRESP2DoubleText(t *testing.T) {
	p := startServer(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"zadd", "z", "1.1", "a", "1e20", "b", "0.5", "c", "-inf", "d"}, "4"},
		{[]string{"zscore", "z", "a"}, "1.1"},
		{[]string{"zincrby", "z", "2", "c"}, "2.5"},
		{[]string{"zrange", "z", "0", "-1", "withscores"}, "d\n-inf\na\n1.1\nc\n2.5\nb\n1e+20"},
		{[]string{"zrank", "z", "a", "withscore"}, "1\n1.1"},
	} {
		if got := p.cli(t, c.args...); got != c.want {
			t.Errorf("%v: got %q, want %q", c.args, got, c.want)
		}
	}
}

// TestZSetsKeepsTTLAndRenames: ZADD keeps the key's TTL as in Redis, DEL
// and RENAME treat the sorted set as a whole.
func TestZSetsKeepsTTLAndRenames(t *testing.T) {
	bothProtocols(t, func(t *testing.T, c *redis.Client) {
		runCases(t, c, []case1{
			{[]any{"zadd", "z", "1", "a", "2", "b"}, "2"},
			{[]any{"expire", "z", "100"}, "1"},
			{[]any{"zadd", "z", "3", "c"}, "1"},
			{[]any{"ttl", "z"}, "100"},
			{[]any{"rename", "z", "z2"}, "OK"},
			{[]any{"zrange", "z2", "0", "-1", "withscores"}, zp(c, "[a 1 b 2 c 3]", "[[a 1] [b 2] [c 3]]")},
			{[]any{"copy", "z2", "z3"}, "1"},
			{[]any{"zcard", "z3"}, "3"},
			{[]any{"del", "z2"}, "1"},
			{[]any{"zcard", "z2"}, "0"},
		})
	})
}
