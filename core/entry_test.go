package core_test

import (
	"errors"
	"math"
	"regexp"
	"strconv"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// Single-region behaviour of Entry that Redis users see directly.

// TestEntry_IncrByFloatReplyEqualsValue: Redis stores the formatted result
// of INCRBYFLOAT, so its reply is exactly what a GET then returns. Random
// SETs, INCRBY and INCRBYFLOAT at one region; after each successful
// INCRBYFLOAT the reply must equal the value read back.
func TestEntry_IncrByFloatReplyEqualsValue(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var e core.Entry
		var d core.Delta
		var c core.Clock
		seq := uint64(0)
		var log []string
		for i, n := 0, rapid.IntRange(1, 30).Draw(t, "steps"); i < n; i++ {
			seq++
			dot := core.Dot{Replica: 1, Seq: seq}
			ts := c.Now(int64(1000 + i))
			switch rapid.IntRange(0, 3).Draw(t, "op") {
			case 0:
				v := rapid.SampledFrom([]string{"0", "1", "10.50", "3.0", "-2", "5.0e3", "0.1", "1e-5"}).Draw(t, "value")
				e.SetString(&d, dot, ts, []byte(v), false, 0)
				log = append(log, "SET "+v)
			case 1:
				by := rapid.Int64Range(-5, 5).Draw(t, "by")
				_, err := e.IncrBy(&d, dot, ts, by)
				log = append(log, "INCRBY "+strconv.FormatInt(by, 10)+" err="+errString(err))
			default:
				by := rapid.SampledFrom([]string{"0.1", "0.2", "0.3", "-0.1", "1.5", "2.0e2", "-5", "1e-3", "3.3333"}).Draw(t, "byf")
				amount, _ := core.ParseDD([]byte(by))
				reply, err := e.IncrByFloat(&d, dot, ts, amount, nil)
				log = append(log, "INCRBYFLOAT "+by)
				if err != nil {
					t.Fatalf("INCRBYFLOAT on a number failed: %v\n%v", err, log)
				}
				reply = append([]byte(nil), reply...)
				v, _ := e.Value(nil)
				if string(reply) != string(v) {
					t.Fatalf("INCRBYFLOAT replied %s but the value reads %s\n%v", reply, v, log)
				}
			}
		}
	})
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

// TestEntry_FloatErrors: INCRBYFLOAT on a non-float fails with ErrNotFloat,
// one that would reach infinity with ErrNaN, and neither changes the value.
func TestEntry_FloatErrors(t *testing.T) {
	var e core.Entry
	var d core.Delta
	e.SetString(&d, core.Dot{Replica: 1, Seq: 1}, 1, []byte("abc"), false, 0)
	if _, err := e.IncrByFloat(&d, core.Dot{Replica: 1, Seq: 2}, 2, core.DD{Hi: 1}, nil); !errors.Is(err, core.ErrNotFloat) {
		t.Errorf("INCRBYFLOAT on abc: %v", err)
	}
	e.SetString(&d, core.Dot{Replica: 1, Seq: 3}, 3, []byte("1.7e308"), false, 0)
	if _, err := e.IncrByFloat(&d, core.Dot{Replica: 1, Seq: 4}, 4, core.DD{Hi: 1.7e308}, nil); !errors.Is(err, core.ErrNaN) {
		t.Errorf("INCRBYFLOAT to +Inf: %v", err)
	}
	if v, _ := e.Value(nil); string(v) != "1.7e308" {
		t.Errorf("value after failed INCRBYFLOAT = %q", v)
	}
	if len(e.Incs) != 0 {
		t.Errorf("a failed INCRBYFLOAT left a counter: %v", e.Incs)
	}
}

// TestEntry_ExpiredBoundary: Redis keeps a key alive at its deadline
// millisecond and expires it after; no deadline never expires.
func TestEntry_ExpiredBoundary(t *testing.T) {
	var e core.Entry
	var d core.Delta
	e.SetString(&d, core.Dot{Replica: 1, Seq: 1}, 1, []byte("v"), false, 5000)
	if e.Expired(4999) || e.Expired(5000) || !e.Expired(5001) {
		t.Errorf("Expired around 5000: %v %v %v", e.Expired(4999), e.Expired(5000), e.Expired(5001))
	}
	e.SetExpiry(&d, core.Dot{Replica: 1, Seq: 2}, 2, 0)
	if e.Expired(math.MaxInt64) || e.Deadline() != 0 {
		t.Errorf("persisted key expires (deadline %d)", e.Deadline())
	}
}

// TestEntry_TombstoneAndRevive: a deleted key shows nothing, keeps its
// contexts, and a later write revives it without the deleted increments.
func TestEntry_TombstoneAndRevive(t *testing.T) {
	var e core.Entry
	var d core.Delta
	if e.Live() {
		t.Fatal("zero Entry is live")
	}
	if _, ok := e.Value(nil); ok {
		t.Fatal("zero Entry has a value")
	}
	if _, err := e.IncrBy(&d, core.Dot{Replica: 1, Seq: 1}, 1, 5); err != nil {
		t.Fatal(err)
	}
	e.SetExpiry(&d, core.Dot{Replica: 1, Seq: 2}, 2, 9000)
	e.Delete(&d, core.Dot{Replica: 1, Seq: 3}, 3)
	if e.Live() || e.Deadline() != 0 {
		t.Fatalf("after DEL: live=%v deadline=%d", e.Live(), e.Deadline())
	}
	if !e.Base.Ctx.Covers(core.Dot{Replica: 1, Seq: 3}) || !e.Exp.Ctx.Covers(core.Dot{Replica: 1, Seq: 2}) {
		t.Fatalf("tombstone forgot what it deleted: %s", digest(&e))
	}
	n, err := e.IncrBy(&d, core.Dot{Replica: 1, Seq: 4}, 4, 2)
	if err != nil || n != 2 {
		t.Fatalf("INCRBY on a tombstone = %d, %v; want 2", n, err)
	}
	if v, _ := e.Value(nil); string(v) != "2" {
		t.Fatalf("value = %q, want 2", v)
	}
}

// TestEntry_ValueNoCopyForPlainString: a plain string is returned without
// copying; a counter is formatted into the scratch buffer.
func TestEntry_ValueNoCopyForPlainString(t *testing.T) {
	var e core.Entry
	var d core.Delta
	e.SetString(&d, core.Dot{Replica: 1, Seq: 1}, 1, []byte("plain"), false, 0)
	v1, _ := e.Value(nil)
	v2, _ := e.Value(nil)
	if &v1[0] != &v2[0] {
		t.Errorf("plain value copied")
	}
	e.SetString(&d, core.Dot{Replica: 1, Seq: 2}, 2, []byte("40"), false, 0)
	if _, err := e.IncrBy(&d, core.Dot{Replica: 1, Seq: 3}, 3, 2); err != nil {
		t.Fatal(err)
	}
	scratch := make([]byte, 0, 64)
	v, _ := e.Value(scratch)
	if string(v) != "42" || &v[:1][0] != &scratch[:1][0] {
		t.Errorf("counter value %q not formatted into scratch", v)
	}
}

var redisInt = regexp.MustCompile(`^(0|-?[1-9][0-9]*)$`)

// TestParseInt_LikeRedisString2ll: ParseInt accepts exactly "0" and an
// optional '-' followed by a digit string without leading zeros that fits
// in int64, as Redis's string2ll does.
func TestParseInt_LikeRedisString2ll(t *testing.T) {
	check := func(t interface{ Fatalf(string, ...any) }, s string) {
		n, ok := core.ParseInt([]byte(s))
		want, err := strconv.ParseInt(s, 10, 64)
		wantOK := err == nil && redisInt.MatchString(s)
		if ok != wantOK || (ok && n != want) {
			t.Fatalf("ParseInt(%q) = %d, %v; want %d, %v", s, n, ok, want, wantOK)
		}
	}
	for _, s := range []string{"0", "-0", "00", "01", "+1", " 1", "1 ", "", "-", "1a", "9223372036854775807",
		"9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551616",
		"99999999999999999999", "-99999999999999999999", "100000000000000000000"} {
		check(t, s)
	}
	rapid.Check(t, func(rt *rapid.T) {
		check(rt, rapid.OneOf(
			rapid.StringMatching(`-?[0-9]{1,21}`),
			rapid.Map(rapid.Int64(), func(n int64) string { return strconv.FormatInt(n, 10) }),
			rapid.String(),
		).Draw(rt, "s"))
	})
}

// TestDD_AppendHumanRedisFormat: plain decimal, no exponent, 17 decimals
// with trailing zeros removed, -0 folded, as Redis replies to INCRBYFLOAT.
func TestDD_AppendHumanRedisFormat(t *testing.T) {
	for f, want := range map[float64]string{
		3: "3", 10.5: "10.5", 5200: "5200", math.Copysign(0, -1): "0",
		-2.5: "-2.5", 1e21: "1000000000000000000000", 1e-5: "0.00001", 0.1: "0.10000000000000001",
	} {
		if got := string(core.DD{Hi: f}.AppendHuman(nil)); got != want {
			t.Errorf("AppendHuman(%v) = %q, want %q", f, got, want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"0.1", "0.1"}, {"10.50", "10.5"}, {"5.0e3", "5000"}, {"-0.0", "0"}, {"1e-17", "0.00000000000000001"},
	} {
		d, ok := core.ParseDD([]byte(tc.in))
		if !ok {
			t.Fatalf("ParseDD(%q) refused", tc.in)
		}
		if got := string(d.AppendHuman(nil)); got != tc.want {
			t.Errorf("AppendHuman(ParseDD(%q)) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestEntry_IntegerAndFloatMixLikeRedis: Redis keeps the value as a string,
// so INCR works on an INCRBYFLOAT result that prints as an integer and
// refuses one that does not, and a float-looking SET value ("3.0") is not
// an integer.
func TestEntry_IntegerAndFloatMixLikeRedis(t *testing.T) {
	var e core.Entry
	var d core.Delta
	seq := uint64(0)
	dot := func() core.Dot { seq++; return core.Dot{Replica: 1, Seq: seq} }
	incrf := func(by string) string {
		t.Helper()
		amount, _ := core.ParseDD([]byte(by))
		v, err := e.IncrByFloat(&d, dot(), core.Timestamp(seq), amount, nil)
		if err != nil {
			t.Fatalf("INCRBYFLOAT %s: %v", by, err)
		}
		return string(v)
	}
	e.SetString(&d, dot(), 1, []byte("1.5"), false, 0)
	if got := incrf("1.5"); got != "3" {
		t.Fatalf("1.5 + 1.5 = %q", got)
	}
	if n, err := e.IncrBy(&d, dot(), core.Timestamp(seq), 1); err != nil || n != 4 {
		t.Fatalf("INCR on \"3\" = %d, %v; want 4", n, err)
	}
	if v, _ := e.Value(nil); string(v) != "4" {
		t.Fatalf("value %q, want 4", v)
	}
	if got := incrf("0.25"); got != "4.25" {
		t.Fatalf("4 + 0.25 = %q", got)
	}
	if _, err := e.IncrBy(&d, dot(), core.Timestamp(seq), 1); !errors.Is(err, core.ErrNotInteger) {
		t.Fatalf("INCR on 4.25: %v", err)
	}
	e.SetString(&d, dot(), core.Timestamp(seq), []byte("3.0"), false, 0)
	if _, err := e.IncrBy(&d, dot(), core.Timestamp(seq), 1); !errors.Is(err, core.ErrNotInteger) {
		t.Fatalf("INCR on \"3.0\": %v", err)
	}
	if got := incrf("1"); got != "4" {
		t.Fatalf("3.0 + 1 = %q", got)
	}
}
