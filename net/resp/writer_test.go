package resp

import (
	"math"
	"testing"
)

func TestWriterEncodings(t *testing.T) {
	tests := []struct {
		name  string
		fn    func(w *Writer)
		resp2 string
		resp3 string // "" means same as resp2
	}{
		{"ok", func(w *Writer) { w.AppendOK() }, "+OK\r\n", ""},
		{"simple", func(w *Writer) { w.AppendSimple("PONG") }, "+PONG\r\n", ""},
		{"simple crlf", func(w *Writer) { w.AppendSimple("a\r\nb") }, "+a  b\r\n", ""},
		{"error", func(w *Writer) { w.AppendError("ERR syntax error") }, "-ERR syntax error\r\n", ""},
		{"error crlf", func(w *Writer) { w.AppendError("ERR bad\r\nkey\n") }, "-ERR bad  key \r\n", ""},
		{"error dash", func(w *Writer) { w.AppendError("-WRONGTYPE x") }, "-WRONGTYPE x\r\n", ""},
		{"error empty", func(w *Writer) { w.AppendError("") }, "-ERR\r\n", ""},
		{"bulk", func(w *Writer) { w.AppendBulk([]byte("hello")) }, "$5\r\nhello\r\n", ""},
		{"bulk binary", func(w *Writer) { w.AppendBulk([]byte("a\r\n\x00")) }, "$4\r\na\r\n\x00\r\n", ""},
		{"bulk nil", func(w *Writer) { w.AppendBulk(nil) }, "$0\r\n\r\n", ""},
		{"bulk string", func(w *Writer) { w.AppendBulkString("héllo") }, "$6\r\nhéllo\r\n", ""},
		{"int", func(w *Writer) { w.AppendInt(-42) }, ":-42\r\n", ""},
		{"int min", func(w *Writer) { w.AppendInt(math.MinInt64) }, ":-9223372036854775808\r\n", ""},
		{"uint", func(w *Writer) { w.AppendUint(42) }, ":42\r\n", ""},
		{"uint max", func(w *Writer) { w.AppendUint(math.MaxUint64) }, ":18446744073709551615\r\n", "(18446744073709551615\r\n"},
		{"null", func(w *Writer) { w.AppendNull() }, "$-1\r\n", "_\r\n"},
		{"null array", func(w *Writer) { w.AppendNullArray() }, "*-1\r\n", "_\r\n"},
		{"array", func(w *Writer) { w.AppendArrayLen(3) }, "*3\r\n", ""},
		{"array empty", func(w *Writer) { w.AppendArrayLen(0) }, "*0\r\n", ""},
		{"array negative", func(w *Writer) { w.AppendArrayLen(-1) }, "*-1\r\n", "_\r\n"},
		{"map", func(w *Writer) { w.AppendMapLen(2) }, "*4\r\n", "%2\r\n"},
		{"set", func(w *Writer) { w.AppendSetLen(5) }, "*5\r\n", "~5\r\n"},
		{"push", func(w *Writer) { w.AppendPushLen(3) }, "*3\r\n", ">3\r\n"},
		{"double", func(w *Writer) { w.AppendDouble(1.5) }, "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"double int", func(w *Writer) { w.AppendDouble(3) }, "$1\r\n3\r\n", ",3\r\n"},
		{"double big", func(w *Writer) { w.AppendDouble(1e20) }, "$5\r\n1e+20\r\n", ",1e+20\r\n"},
		{"double inf", func(w *Writer) { w.AppendDouble(math.Inf(1)) }, "$3\r\ninf\r\n", ",inf\r\n"},
		{"double -inf", func(w *Writer) { w.AppendDouble(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"double nan", func(w *Writer) { w.AppendDouble(math.NaN()) }, "$3\r\nnan\r\n", ",nan\r\n"},
		{"bool true", func(w *Writer) { w.AppendBool(true) }, ":1\r\n", "#t\r\n"},
		{"bool false", func(w *Writer) { w.AppendBool(false) }, ":0\r\n", "#f\r\n"},
		{"verbatim", func(w *Writer) { w.AppendVerbatim("txt", []byte("Some string")) }, "$11\r\nSome string\r\n", "=15\r\ntxt:Some string\r\n"},
		{"verbatim bad format", func(w *Writer) { w.AppendVerbatim("markdown", []byte("x")) }, "$1\r\nx\r\n", "=5\r\ntxt:x\r\n"},
		{"big number", func(w *Writer) { w.AppendBigNumber("3492890328409238509324850943850943825024385") },
			"$43\r\n3492890328409238509324850943850943825024385\r\n", "(3492890328409238509324850943850943825024385\r\n"},
		{"raw", func(w *Writer) { w.AppendRaw([]byte("+X\r\n")) }, "+X\r\n", ""},
		{"raw string", func(w *Writer) { w.AppendRawString(ReplyPong) }, "+PONG\r\n", ""},
		{"sequence", func(w *Writer) {
			w.AppendMapLen(1)
			w.AppendBulkString("k")
			w.AppendArrayLen(2)
			w.AppendInt(1)
			w.AppendNull()
		}, "*2\r\n$1\r\nk\r\n*2\r\n:1\r\n$-1\r\n", "%1\r\n$1\r\nk\r\n*2\r\n:1\r\n_\r\n"},
	}
	for _, tc := range tests {
		for _, proto := range []int{0, 2, 3} {
			want := tc.resp2
			if proto == 3 && tc.resp3 != "" {
				want = tc.resp3
			}
			w := Writer{Proto: proto, B: []byte("prefix")}
			tc.fn(&w)
			if got := string(w.B); got != "prefix"+want {
				t.Errorf("%s proto %d: got %q, want %q", tc.name, proto, got, "prefix"+want)
			}
			w.Reset()
			if len(w.B) != 0 {
				t.Errorf("%s: Reset left %d bytes", tc.name, len(w.B))
			}
		}
	}
}

func TestAppendDoubleText(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "-0"},
		{3, "3"},
		{-7, "-7"},
		{1.5, "1.5"},
		{-0.25, "-0.25"},
		{0.1, "0.1"},
		{1.1, "1.1"},
		{123456.789, "123456.789"},
		{12345678.9, "12345678.9"},
		{1e17, "100000000000000000"},
		{1 << 62, "4611686018427387904"},
		{-(1 << 62), "-4611686018427387904"},
		{1 << 63, "9223372036854776000"},
		{1.2345678901234567e19, "12345678901234567000"},
		{1e20, "1e+20"},
		{-1e20, "-1e+20"},
		{1.5e20, "1.5e+20"},
		{1e100, "1e+100"},
		{1e-6, "0.000001"},
		{1.5e-5, "0.000015"},
		{1e-7, "1e-7"},
		{1.5e-7, "1.5e-7"},
		{1e-100, "1e-100"},
		{1.7976931348623157e308, "1.7976931348623157e+308"},
		{5e-324, "5e-324"},
		{1234567.5e-8, "0.012345675"},
		{123456789e-7, "12.3456789"},
		{0.30000000000000004, "0.30000000000000004"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
	}
	for _, tc := range tests {
		if got := string(AppendDoubleText(nil, tc.f)); got != tc.want {
			t.Errorf("%v: got %q, want %q", tc.f, got, tc.want)
		}
	}
}

func TestAppendFloatHuman(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{10.5, "10.5"},
		{5010.6, "5010.6"},
		{3, "3"},
		{-0.25, "-0.25"},
		{0, "0"},
		{math.Copysign(0, -1), "0"},
		{1e20, "100000000000000000000"},
		{1e-5, "0.00001"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
	}
	for _, tc := range tests {
		if got := string(AppendFloatHuman([]byte("x"), tc.f)); got != "x"+tc.want {
			t.Errorf("%v: got %q, want %q", tc.f, got, "x"+tc.want)
		}
	}
}

func TestWriterAllocs(t *testing.T) {
	w := Writer{B: make([]byte, 0, 4096), Proto: 3}
	val := []byte("value-value-value")
	allocs := testing.AllocsPerRun(1000, func() {
		w.Reset()
		w.AppendOK()
		w.AppendBulk(val)
		w.AppendBulkString("bulk")
		w.AppendInt(123456)
		w.AppendNull()
		w.AppendArrayLen(2)
		w.AppendError("ERR syntax error")
		w.AppendDouble(3.25)
		w.AppendDouble(1e20)
		w.B = AppendFloatHuman(w.B, 10.5)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
}

func BenchmarkWriter(b *testing.B) {
	w := Writer{B: make([]byte, 0, 4096)}
	val := []byte("value-value-value")
	b.ReportAllocs()
	for b.Loop() {
		w.Reset()
		w.AppendOK()
		w.AppendBulk(val)
		w.AppendInt(123456)
		w.AppendNull()
	}
}

func BenchmarkWriterDouble(b *testing.B) {
	w := Writer{B: make([]byte, 0, 4096), Proto: 3}
	b.ReportAllocs()
	for b.Loop() {
		w.Reset()
		w.AppendDouble(3.14159)
	}
}
