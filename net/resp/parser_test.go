package resp

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// result is everything observable about parsing a byte stream: the
// commands (copied out, since args alias the buffer), the error text, and
// how many bytes were left unconsumed (only meaningful without an error:
// after an error a chunked reader may not have read everything).
type result struct {
	cmds [][]string
	err  string
	rest int
}

func strs(args [][]byte) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = string(a)
	}
	return out
}

// step calls Next and checks the invariants every call must keep.
func step(t testing.TB, p *Parser, buf []byte) (int, [][]byte, error) {
	t.Helper()
	n, args, err := p.Next(buf)
	if err != nil {
		var pe *ProtocolError
		if !errors.As(err, &pe) {
			t.Fatalf("error %v is %T, not *ProtocolError", err, err)
		}
		if n != 0 || args != nil {
			t.Fatalf("error %q with n=%d args=%q", err, n, args)
		}
		return n, args, err
	}
	if n < 0 || n > len(buf) {
		t.Fatalf("n=%d out of range (len %d)", n, len(buf))
	}
	if n == 0 && args != nil {
		t.Fatalf("n=0 with args %q", args)
	}
	return n, args, err
}

// oneShot parses data delivered in a single read.
func oneShot(t testing.TB, lim Limits, data []byte) result {
	t.Helper()
	buf := bytes.Clone(data)
	p := NewParser(lim)
	var r result
	for {
		n, args, err := step(t, p, buf)
		if err != nil {
			r.err = err.Error()
			return r
		}
		if n == 0 {
			r.rest = len(buf)
			return r
		}
		// The parser is strict, so a multibulk command's bytes are exactly
		// its canonical encoding: nothing was skipped or misframed. (An
		// inline command may have been unescaped in place; a count <= 0
		// has many spellings.)
		if raw := data[len(data)-len(buf):][:n]; raw[0] == '*' && len(args) > 0 {
			if enc := mb(strs(args)...); enc != string(raw) {
				t.Fatalf("consumed %q, which is not the encoding %q of its args", raw, enc)
			}
		}
		r.cmds = append(r.cmds, strs(args))
		buf = buf[n:]
	}
}

// chunked parses data delivered in reads that end at the given cut
// offsets (ascending), like a connection would. While the buffer is small
// every read appends to a freshly allocated one, so the bytes move between
// calls to Next: the Parser must not keep slices across calls. (Larger
// buffers move only when append grows them, to keep the test linear.)
func chunked(t testing.TB, lim Limits, data []byte, cuts []int) result {
	t.Helper()
	p := NewParser(lim)
	var r result
	var acc []byte
	prev := 0
	for ci := 0; ci <= len(cuts); ci++ {
		end := len(data)
		if ci < len(cuts) {
			end = cuts[ci]
		}
		if len(acc) < 4096 {
			acc = acc[:len(acc):len(acc)] // force a move
		}
		acc = append(acc, data[prev:end]...)
		prev = end
		for {
			n, args, err := step(t, p, acc)
			if err != nil {
				r.err = err.Error()
				return r
			}
			if n == 0 {
				break
			}
			r.cmds = append(r.cmds, strs(args))
			acc = acc[n:]
		}
	}
	r.rest = len(acc)
	return r
}

func sameResult(a, b result) bool {
	if a.err != b.err || !reflect.DeepEqual(a.cmds, b.cmds) {
		return false
	}
	return a.err != "" || a.rest == b.rest
}

// everySplit checks that data parses the same whether it arrives at once,
// split in two at any byte, or one byte at a time.
func everySplit(t *testing.T, lim Limits, data []byte) result {
	t.Helper()
	want := oneShot(t, lim, data)
	for k := 0; k <= len(data); k++ {
		if len(data) > 2048 && k > 512 && k < len(data)-512 && k%97 != 0 {
			continue // long input: both ends densely, the middle sampled
		}
		if got := chunked(t, lim, data, []int{k}); !sameResult(got, want) {
			t.Fatalf("split at %d of %q:\n got %+v\nwant %+v", k, data, got, want)
		}
	}
	cuts := make([]int, len(data))
	for i := range cuts {
		cuts[i] = i
	}
	if got := chunked(t, lim, data, cuts); !sameResult(got, want) {
		t.Fatalf("byte at a time %q:\n got %+v\nwant %+v", data, got, want)
	}
	return want
}

func mb(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

func TestParseCommands(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want [][]string
		rest int
	}{
		{"set", mb("SET", "key", "value"), [][]string{{"SET", "key", "value"}}, 0},
		{"binary", mb("SET", "k\r\n\x00", ""), [][]string{{"SET", "k\r\n\x00", ""}}, 0},
		{"empty multibulk", "*0\r\n", [][]string{{}}, 0},
		{"null multibulk", "*-1\r\n", [][]string{{}}, 0},
		{"negative multibulk", "*-5\r\n", [][]string{{}}, 0},
		{"pipeline", mb("GET", "a") + mb("GET", "b") + "PING\r\n" + mb("DEL", "x", "y"),
			[][]string{{"GET", "a"}, {"GET", "b"}, {"PING"}, {"DEL", "x", "y"}}, 0},
		{"partial tail", mb("GET", "a") + "*2\r\n$3\r\nGET\r\n$1\r",
			[][]string{{"GET", "a"}}, len("*2\r\n$3\r\nGET\r\n$1\r")},
		{"inline", "SET key value\r\n", [][]string{{"SET", "key", "value"}}, 0},
		{"inline lf", "PING\n", [][]string{{"PING"}}, 0},
		{"inline blank", "\r\n  \t \n", [][]string{{}, {}}, 0},
		{"inline cr inside", "a\rb\r\n", [][]string{{"a", "b"}}, 0},
		{"inline partial", "PING", nil, 4},
		{"inline nul", "a\x00b c\n", [][]string{{"a\x00b", "c"}}, 0},
		{"max count", "*3\r\n$0\r\n\r\n$0\r\n\r\n$0\r\n\r\n", [][]string{{"", "", ""}}, 0},
		{"hello", "*1\r\n$5\r\nhello\r\n", [][]string{{"hello"}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := everySplit(t, DefaultLimits(), []byte(tc.in))
			if r.err != "" {
				t.Fatalf("error %q", r.err)
			}
			if !reflect.DeepEqual(r.cmds, tc.want) && !(len(r.cmds) == 0 && len(tc.want) == 0) {
				t.Fatalf("got %q, want %q", r.cmds, tc.want)
			}
			if r.rest != tc.rest {
				t.Fatalf("rest %d, want %d", r.rest, tc.rest)
			}
		})
	}
}

func TestParseInlineQuoting(t *testing.T) {
	tests := []struct {
		in   string
		want []string // nil: unbalanced quotes
	}{
		{`SET "hello world" x`, []string{"SET", "hello world", "x"}},
		{`"a\nb" "\r\t\b\a" "\\" "\"" "\z"`, []string{"a\nb", "\r\t\b\a", `\`, `"`, "z"}},
		{`"\x41\x4a\x7e\xff\x00"`, []string{"AJ~\xff\x00"}},
		{`"\x4g" "\x" "\x4"`, []string{"x4g", "x", "x4"}},
		{`'it\'s' 'a\b' 'a"b'`, []string{"it's", `a\b`, `a"b`}},
		{`a"b c"`, []string{"ab c"}},
		{`a'b c'`, []string{"ab c"}},
		{`"" ''`, []string{"", ""}},
		{"\"a\"\v b", []string{"a", "b"}},
		{"a\vb \fc", []string{"a\vb", "c"}},
		{"  lead   trail  ", []string{"lead", "trail"}},
		{"x\ty", []string{"x", "y"}},
		{`"abc"d`, nil},
		{`'abc'd`, nil},
		{`"abc`, nil},
		{`'abc`, nil},
		{`"abc\"`, nil},
		{`"abc\`, nil},
		{`'abc\'`, nil},
		{`a "b`, nil},
	}
	for _, tc := range tests {
		for _, eol := range []string{"\n", "\r\n"} {
			r := everySplit(t, DefaultLimits(), []byte(tc.in+eol))
			if tc.want == nil {
				if r.err != ErrUnbalancedQuotes.Error() {
					t.Errorf("%q: got %+v, want unbalanced quotes", tc.in, r)
				}
				continue
			}
			if r.err != "" || len(r.cmds) != 1 || !reflect.DeepEqual(r.cmds[0], tc.want) {
				t.Errorf("%q: got %+v, want %q", tc.in, r, tc.want)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	small := Limits{MaxBulkLen: 10, MaxMultibulk: 3, MaxInline: 16}
	long := strings.Repeat("1", DefaultMaxInline+1)
	tests := []struct {
		name string
		lim  Limits
		in   string
		want string
	}{
		{"mbulk not a number", DefaultLimits(), "*abc\r\n", "Protocol error: invalid multibulk length"},
		{"mbulk empty", DefaultLimits(), "*\r\n", "Protocol error: invalid multibulk length"},
		{"mbulk plus", DefaultLimits(), "*+1\r\n", "Protocol error: invalid multibulk length"},
		{"mbulk leading zero", DefaultLimits(), "*01\r\n", "Protocol error: invalid multibulk length"},
		{"mbulk minus zero", DefaultLimits(), "*-0\r\n", "Protocol error: invalid multibulk length"},
		{"mbulk space", DefaultLimits(), "*1 \r\n", "Protocol error: invalid multibulk length"},
		{"mbulk overflow", DefaultLimits(), "*99999999999999999999\r\n", "Protocol error: invalid multibulk length"},
		{"mbulk over limit", DefaultLimits(), "*1073741825\r\n", "Protocol error: invalid multibulk length"},
		{"mbulk over small limit", small, "*4\r\n", "Protocol error: invalid multibulk length"},
		{"mbulk cr without lf", DefaultLimits(), "*1\rX$1\r\na\r\n", "Protocol error: invalid multibulk length"},
		{"mbulk too long", DefaultLimits(), "*" + long, "Protocol error: too big mbulk count string"},
		{"mbulk too long small", small, "*12345678901234567", "Protocol error: too big mbulk count string"},
		{"mbulk long but terminated", small, "*123456789012345\r\n", "Protocol error: invalid multibulk length"},
		{"bulk not a number", DefaultLimits(), "*1\r\n$abc\r\n", "Protocol error: invalid bulk length"},
		{"bulk empty", DefaultLimits(), "*1\r\n$\r\n", "Protocol error: invalid bulk length"},
		{"bulk negative", DefaultLimits(), "*1\r\n$-1\r\n", "Protocol error: invalid bulk length"},
		{"bulk over limit", DefaultLimits(), "*1\r\n$536870913\r\n", "Protocol error: invalid bulk length"},
		{"bulk at limit waits", small, "*1\r\n$10\r\n", ""},
		{"bulk over small limit", small, "*1\r\n$11\r\n", "Protocol error: invalid bulk length"},
		{"bulk cr without lf", DefaultLimits(), "*1\r\n$1\rXa\r\n", "Protocol error: invalid bulk length"},
		{"bulk bad terminator", DefaultLimits(), "*1\r\n$3\r\nabcX\r\n", "Protocol error: invalid bulk length"},
		{"bulk short payload", DefaultLimits(), "*2\r\n$3\r\nab\r\n$1\r\nx\r\n", "Protocol error: invalid bulk length"},
		{"bulk too long", DefaultLimits(), "*1\r\n$" + long, "Protocol error: too big bulk count string"},
		{"bulk too long small", small, "*1\r\n$0000000000000000", "Protocol error: too big bulk count string"},
		{"expected dollar", DefaultLimits(), "*1\r\nx\r\n", "Protocol error: expected '$', got 'x'"},
		{"expected dollar colon", DefaultLimits(), "*2\r\n$1\r\na\r\n:1\r\n", "Protocol error: expected '$', got ':'"},
		{"expected dollar cr", DefaultLimits(), "*2\r\n$1\r\na\r\n\r\n", "Protocol error: expected '$', got '\r'"},
		{"expected dollar high byte", DefaultLimits(), "*1\r\n\xff\r\n", "Protocol error: expected '$', got '\xff'"},
		{"inline too long", DefaultLimits(), strings.Repeat("a", DefaultMaxInline+1), "Protocol error: too big inline request"},
		{"inline too long small", small, "GET aaaaaaaaaaaaaa", "Protocol error: too big inline request"},
		{"inline unbalanced", DefaultLimits(), "SET \"a b\r\n", "Protocol error: unbalanced quotes in request"},
		{"error after good", DefaultLimits(), mb("PING") + "*x\r\n", "Protocol error: invalid multibulk length"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := everySplit(t, tc.lim, []byte(tc.in))
			if r.err != tc.want {
				t.Fatalf("got error %q, want %q", r.err, tc.want)
			}
		})
	}
}

func TestParseInlineLimitBoundary(t *testing.T) {
	lim := Limits{MaxInline: 16}
	// A line of MaxInline bytes plus "\n" fits; plus "\r\n" the '\n' is
	// the 18th byte, and a byte-at-a-time sender would have tripped the
	// limit at the '\r', so it does not.
	line := strings.Repeat("a", 16)
	if r := everySplit(t, lim, []byte(line+"\n")); r.err != "" || len(r.cmds) != 1 {
		t.Fatalf("%+v", r)
	}
	if r := everySplit(t, lim, []byte(line+"\r\n")); r.err != ErrTooBigInline.Error() {
		t.Fatalf("%+v", r)
	}
	if r := everySplit(t, lim, []byte(line[1:]+"\r\n")); r.err != "" || len(r.cmds) != 1 {
		t.Fatalf("%+v", r)
	}
	// Sixteen bytes without a terminator are still only incomplete.
	if r := everySplit(t, lim, []byte(line)); r.err != "" || r.rest != 16 {
		t.Fatalf("%+v", r)
	}
}

func TestErrorValues(t *testing.T) {
	p := NewParser(DefaultLimits())
	_, _, err := p.Next([]byte("*x\r\n"))
	if err != ErrInvalidMultibulkLength || !errors.Is(err, ErrInvalidMultibulkLength) {
		t.Fatalf("got %v", err)
	}
	// The parser is usable again after an error.
	n, args, err := p.Next([]byte(mb("PING")))
	if err != nil || n != len(mb("PING")) || len(args) != 1 {
		t.Fatalf("after error: %d %q %v", n, args, err)
	}
}

// TestPrefixThenWhole feeds every proper prefix of a command (each must
// report n == 0) and then the whole, both to one Parser in sequence and to
// a fresh Parser per prefix.
func TestPrefixThenWhole(t *testing.T) {
	inputs := []string{
		mb("SET", "key", "value"),
		mb("MSET", "a", "1", "bb", "22", "ccc", strings.Repeat("x", 300)),
		mb(""),
		"SET \"quoted \\x41\" 'single' plain\r\n",
		"PING\n",
	}
	for _, in := range inputs {
		data := []byte(in)
		want := oneShot(t, DefaultLimits(), data)
		if want.err != "" || len(want.cmds) != 1 || want.rest != 0 {
			t.Fatalf("%q: %+v", in, want)
		}
		seq := NewParser(DefaultLimits())
		for k := 0; k < len(data); k++ {
			buf := bytes.Clone(data)
			fresh := NewParser(DefaultLimits())
			if n, args, err := fresh.Next(buf[:k]); n != 0 || args != nil || err != nil {
				t.Fatalf("%q prefix %d: %d %q %v", in, k, n, args, err)
			}
			if n, args, err := fresh.Next(buf); n != len(buf) || err != nil || !reflect.DeepEqual(strs(args), want.cmds[0]) {
				t.Fatalf("%q after prefix %d: %d %q %v", in, k, n, args, err)
			}
			if n, args, err := seq.Next(bytes.Clone(data[:k])); n != 0 || args != nil || err != nil {
				t.Fatalf("%q sequential prefix %d: %d %q %v", in, k, n, args, err)
			}
		}
		n, args, err := seq.Next(bytes.Clone(data))
		if n != len(data) || err != nil || !reflect.DeepEqual(strs(args), want.cmds[0]) {
			t.Fatalf("%q sequential whole: %d %q %v", in, n, args, err)
		}
	}
}

func TestPipeline10k(t *testing.T) {
	var b bytes.Buffer
	var want [][]string
	for i := range 10000 {
		key := "key:" + strconv.Itoa(i)
		switch i % 4 {
		case 0:
			b.WriteString(mb("SET", key, strings.Repeat("v", i%50)))
			want = append(want, []string{"SET", key, strings.Repeat("v", i%50)})
		case 1:
			b.WriteString(mb("GET", key))
			want = append(want, []string{"GET", key})
		case 2:
			b.WriteString("INCR " + key + "\r\n")
			want = append(want, []string{"INCR", key})
		default:
			b.WriteString(mb("DEL", key, "other"))
			want = append(want, []string{"DEL", key, "other"})
		}
	}
	data := b.Bytes()
	r := oneShot(t, DefaultLimits(), data)
	if r.err != "" || r.rest != 0 || !reflect.DeepEqual(r.cmds, want) {
		t.Fatalf("one shot: err %q rest %d, %d commands", r.err, r.rest, len(r.cmds))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{1, 7, 1000, 4096} {
		var cuts []int
		for c := size; c < len(data); c += size {
			if size == 1 && c%13 != 0 {
				continue // keep the byte-ish case affordable
			}
			cuts = append(cuts, c)
		}
		if got := chunked(t, DefaultLimits(), data, cuts); !sameResult(got, r) {
			t.Fatalf("reads of %d: err %q rest %d, %d commands", size, got.err, got.rest, len(got.cmds))
		}
	}
	var cuts []int
	for c := rng.IntN(64); c < len(data); c += 1 + rng.IntN(200) {
		cuts = append(cuts, c)
	}
	if got := chunked(t, DefaultLimits(), data, cuts); !sameResult(got, r) {
		t.Fatalf("random reads: err %q rest %d, %d commands", got.err, got.rest, len(got.cmds))
	}
}

// TestHugeMultibulkLinear feeds a million-argument command in small reads
// and checks, white-box, that each call resumes where the previous one
// stopped instead of re-parsing from the start.
func TestHugeMultibulkLinear(t *testing.T) {
	const nargs = 1 << 20
	var b bytes.Buffer
	b.WriteString("*" + strconv.Itoa(nargs) + "\r\n")
	for range nargs {
		b.WriteString("$1\r\nx\r\n")
	}
	data := b.Bytes()
	p := NewParser(DefaultLimits())
	var acc []byte
	calls := 0
	for off := 0; off < len(data); off += 4096 {
		acc = append(acc, data[off:min(off+4096, len(data))]...)
		n, args, err := p.Next(acc)
		calls++
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			// Everything but a partial "$1\r\nx\r" has been consumed.
			if len(acc)-p.pos > 6 {
				t.Fatalf("call %d: parsed up to %d of %d", calls, p.pos, len(acc))
			}
			continue
		}
		if n != len(data) || len(args) != nargs || string(args[0]) != "x" || string(args[nargs-1]) != "x" {
			t.Fatalf("n=%d args=%d", n, len(args))
		}
		if off+4096 < len(data) {
			t.Fatal("completed early")
		}
	}
	// The next command must not keep a million slots alive.
	if _, _, err := p.Next([]byte(mb("PING"))); err != nil {
		t.Fatal(err)
	}
	if cap(p.args) > retainArgs || cap(p.offs) > 2*retainArgs {
		t.Fatalf("retained args %d offs %d", cap(p.args), cap(p.offs))
	}
}

// TestBigBulkIncremental feeds an 8 MB bulk in 64 KB reads: Pending
// announces the size, and each call does O(1) work.
func TestBigBulkIncremental(t *testing.T) {
	const size = 8 << 20
	head := "*2\r\n$3\r\nSET\r\n$" + strconv.Itoa(size) + "\r\n"
	data := append([]byte(head), bytes.Repeat([]byte{'z'}, size)...)
	data = append(data, "\r\n"...)
	p := NewParser(DefaultLimits())
	var acc []byte
	for off := 0; off < len(data); off += 64 << 10 {
		acc = append(acc, data[off:min(off+64<<10, len(data))]...)
		n, args, err := p.Next(acc)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			if p.Pending() != len(data) || p.pos != len(head) {
				t.Fatalf("pending %d pos %d, want %d %d", p.Pending(), p.pos, len(data), len(head))
			}
			continue
		}
		if n != len(data) || len(args) != 2 || len(args[1]) != size {
			t.Fatalf("n=%d", n)
		}
		if p.Pending() != 0 {
			t.Fatal("pending after completion")
		}
	}
}

// TestLongLineScanLinear feeds an inline line a byte at a time: the
// search for '\n' resumes where it stopped.
func TestLongLineScanLinear(t *testing.T) {
	data := []byte(strings.Repeat("a", 1000) + "\n")
	p := NewParser(DefaultLimits())
	for k := 1; k < len(data); k++ {
		if n, _, err := p.Next(data[:k]); n != 0 || err != nil {
			t.Fatal(n, err)
		}
		if p.scan != k {
			t.Fatalf("scan %d after %d bytes", p.scan, k)
		}
	}
	if n, args, err := p.Next(data); n != len(data) || err != nil || len(args) != 1 {
		t.Fatal(n, err)
	}
}

// TestContractViolation: a caller passing a shorter buffer than before
// must not make the Parser panic.
func TestContractViolation(t *testing.T) {
	p := NewParser(DefaultLimits())
	data := []byte(mb("SET", "key", "value"))
	if n, _, _ := p.Next(data[:20]); n != 0 {
		t.Fatal(n)
	}
	if n, _, err := p.Next(data[:3]); n != 0 || err != nil {
		t.Fatal(n, err)
	}
	if n, args, err := p.Next(data); n != len(data) || err != nil || len(args) != 3 {
		t.Fatal(n, args, err)
	}
}

func TestArgsCapacityClipped(t *testing.T) {
	p := NewParser(DefaultLimits())
	data := []byte(mb("SET", "key", "value"))
	_, args, _ := p.Next(data)
	_ = append(args[1], "XXXX"...)
	if string(args[2]) != "value" {
		t.Fatalf("append to an argument clobbered the next: %q", args[2])
	}
}

func TestZeroParser(t *testing.T) {
	var p Parser
	if p.Limits() != DefaultLimits() {
		t.Fatal(p.Limits())
	}
	n, args, err := p.Next([]byte(mb("GET", "k")))
	if err != nil || n == 0 || len(args) != 2 {
		t.Fatal(n, args, err)
	}
	p.SetLimits(Limits{MaxInline: 7})
	if got := p.Limits(); got.MaxInline != 7 || got.MaxBulkLen != DefaultMaxBulkLen {
		t.Fatal(got)
	}
}

func TestParseAllocs(t *testing.T) {
	set := []byte(mb("SET", "key:000001", "value-value-value"))
	get := []byte(mb("GET", "key:000001"))
	inline := []byte("GET key:000001\r\n")
	p := NewParser(DefaultLimits())
	allocs := testing.AllocsPerRun(1000, func() {
		for _, buf := range [][]byte{set, get, inline} {
			if n, _, err := p.Next(buf); n != len(buf) || err != nil {
				panic("parse failed")
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
	// Also when the command arrives in two reads.
	allocs = testing.AllocsPerRun(1000, func() {
		if n, _, _ := p.Next(set[:17]); n != 0 {
			panic("completed early")
		}
		if n, _, err := p.Next(set); n != len(set) || err != nil {
			panic("parse failed")
		}
	})
	if allocs != 0 {
		t.Fatalf("split: %v allocations per run, want 0", allocs)
	}
}

func FuzzParser(f *testing.F) {
	seeds := []string{
		mb("SET", "key", "value"),
		mb("GET", "k") + mb("DEL", "a", "b") + "PING\r\n",
		mb("SET", "k\r\n", "") + "*0\r\n*-1\r\n",
		"*1\r\n$3\r\nabc\r\n*1\r\n$",
		"SET \"a\\x41\\n\" 'it\\'s' b\r\nGET x\n",
		"a\"b c\" d\r\n\r\n  \n",
		"\"unterminated\r\n",
		"*abc\r\n", "*1\r\n$-1\r\n", "*1\r\nx\r\n", "*1\r\n$3\r\nabcX\r\n",
		"*1\rX", "*2\r\n$1\r\na\r\n\r\n",
		"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n",
		"*99999999999999999999\r\n", "*-0\r\n", "*01\r\n",
		"*2\r\n$11\r\nhello world\r\n$0\r\n\r\n",
		"\x00\xff*\r\n",
		strings.Repeat("x", 40),
		"*" + strings.Repeat("9", 40),
		"\"*\"\n",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint16(i*7), i%2 == 0)
	}
	f.Fuzz(func(t *testing.T, data []byte, split uint16, small bool) {
		lim := DefaultLimits()
		if small {
			lim = Limits{MaxBulkLen: 16, MaxMultibulk: 4, MaxInline: 24}
		}
		want := oneShot(t, lim, data)
		k := int(split) % (len(data) + 1)
		if got := chunked(t, lim, data, []int{k}); !sameResult(got, want) {
			t.Fatalf("split at %d:\n got %+v\nwant %+v", k, got, want)
		}
		if len(data) <= 1024 {
			cuts := make([]int, len(data))
			for i := range cuts {
				cuts[i] = i
			}
			if got := chunked(t, lim, data, cuts); !sameResult(got, want) {
				t.Fatalf("byte at a time:\n got %+v\nwant %+v", got, want)
			}
		}
	})
}

func BenchmarkParseSet(b *testing.B) {
	buf := []byte(mb("SET", "key:000001", "value-value-value"))
	p := NewParser(DefaultLimits())
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if n, _, err := p.Next(buf); n != len(buf) || err != nil {
			b.Fatal(n, err)
		}
	}
}

func BenchmarkParseInline(b *testing.B) {
	buf := []byte("SET key:000001 value-value-value\r\n")
	p := NewParser(DefaultLimits())
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if n, _, err := p.Next(buf); n != len(buf) || err != nil {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkParsePipeline16: one op parses 16 pipelined commands.
func BenchmarkParsePipeline16(b *testing.B) {
	var data []byte
	for i := range 16 {
		if i%2 == 0 {
			data = append(data, mb("SET", "key:"+strconv.Itoa(i), "value-value-value")...)
		} else {
			data = append(data, mb("GET", "key:"+strconv.Itoa(i))...)
		}
	}
	p := NewParser(DefaultLimits())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		buf := data
		for len(buf) > 0 {
			n, _, err := p.Next(buf)
			if n == 0 || err != nil {
				b.Fatal(n, err)
			}
			buf = buf[n:]
		}
	}
}
