package core_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

var rewrite = flag.Bool("rewrite", false, "rewrite core/testdata golden files from the current code")

// genVV draws a valid version vector: sorted distinct replicas, no zero
// sequence.
func genVV(t *rapid.T, label string) core.VV {
	ids := rapid.SliceOfNDistinct(rapid.Uint8Range(0, core.MaxReplicas-1), 0, 5, rapid.ID[uint8]).Draw(t, label+"ids")
	sortU8(ids)
	var v core.VV
	for _, id := range ids {
		v = append(v, core.Dot{Replica: core.ReplicaID(id), Seq: rapid.Uint64Min(1).Draw(t, label+"seq")})
	}
	return v
}

func sortU8(s []uint8) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// genDelta draws any delta the decoder must accept: every op, any flags,
// any bytes, sorted counters and vectors, any floats (NaN included: they
// compare by bits).
func genDelta(t *rapid.T) *core.Delta {
	d := &core.Delta{
		Op:       core.Op(rapid.IntRange(int(core.OpStrSet), int(core.OpExpire)).Draw(t, "op")),
		Flags:    rapid.Uint8().Draw(t, "flags"),
		DB:       rapid.Uint32().Draw(t, "db"),
		Key:      rapid.SliceOfN(rapid.Byte(), 0, 40).Draw(t, "key"),
		Dot:      core.Dot{Replica: core.ReplicaID(rapid.Uint8Range(0, core.MaxReplicas-1).Draw(t, "replica")), Seq: rapid.Uint64().Draw(t, "seq")},
		TS:       core.Timestamp(rapid.Uint64().Draw(t, "ts")),
		Value:    rapid.SliceOfN(rapid.Byte(), 0, 100).Draw(t, "value"),
		Deadline: rapid.Int64().Draw(t, "deadline"),
	}
	ids := rapid.SliceOfNDistinct(rapid.Uint8Range(0, core.MaxReplicas-1), 0, 5, rapid.ID[uint8]).Draw(t, "counterids")
	sortU8(ids)
	for _, id := range ids {
		d.Counters = append(d.Counters, core.Counter{
			Replica: core.ReplicaID(id),
			Seq:     rapid.Uint64().Draw(t, "cseq"),
			Int:     rapid.Int64().Draw(t, "cint"),
			IntHi:   rapid.Int64().Draw(t, "cinthi"),
			Float:   math.Float64frombits(rapid.Uint64().Draw(t, "cfloat")),
			FloatLo: math.Float64frombits(rapid.Uint64().Draw(t, "cfloatlo")),
		})
	}
	d.Ctx = genVV(t, "ctx")
	d.ExpCtx = genVV(t, "expctx")
	return d
}

// deltaEqual compares two deltas field by field; nil and empty slices are
// equal and floats compare by bits.
func deltaEqual(a, b *core.Delta) bool {
	if a.Op != b.Op || a.Flags != b.Flags || a.DB != b.DB || a.Dot != b.Dot || a.TS != b.TS || a.Deadline != b.Deadline {
		return false
	}
	if !bytes.Equal(a.Key, b.Key) || !bytes.Equal(a.Value, b.Value) {
		return false
	}
	if len(a.Counters) != len(b.Counters) {
		return false
	}
	for i := range a.Counters {
		x, y := a.Counters[i], b.Counters[i]
		if x.Replica != y.Replica || x.Seq != y.Seq || x.Int != y.Int || x.IntHi != y.IntHi ||
			math.Float64bits(x.Float) != math.Float64bits(y.Float) || math.Float64bits(x.FloatLo) != math.Float64bits(y.FloatLo) {
			return false
		}
	}
	return vvEqual(a.Ctx, b.Ctx) && vvEqual(a.ExpCtx, b.ExpCtx)
}

func vvEqual(a, b core.VV) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func deltaText(d *core.Delta) string {
	return fmt.Sprintf("{op=%d flags=%#x db=%d key=%q dot=%v ts=%d value=%q counters=%s ctx=%v expctx=%v deadline=%d}",
		d.Op, d.Flags, d.DB, d.Key, d.Dot, d.TS, d.Value, countersText(d.Counters), []core.Dot(d.Ctx), []core.Dot(d.ExpCtx), d.Deadline)
}

// TestCodec_RoundTrip: any delta encodes and decodes back to itself, after
// any prefix and before any trailer, into a reused Delta holding leftovers
// of a previous decode.
func TestCodec_RoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		d := genDelta(t)
		prefix := rapid.SliceOfN(rapid.Byte(), 0, 8).Draw(t, "prefix")
		trailer := rapid.SliceOfN(rapid.Byte(), 0, 8).Draw(t, "trailer")
		buf := core.AppendDelta(append([]byte(nil), prefix...), d)
		if !bytes.Equal(buf[:len(prefix)], prefix) {
			t.Fatalf("AppendDelta changed the bytes before it")
		}
		enc := buf[len(prefix):]
		buf = append(buf, trailer...)
		got := genDelta(t) // dirty: every field set to something else
		n, err := core.DecodeDelta(buf[len(prefix):], got, core.DefaultDecodeLimits)
		if err != nil {
			t.Fatalf("decode: %v\n%s", err, deltaText(d))
		}
		if n != len(enc) {
			t.Fatalf("decode used %d bytes, the encoding has %d", n, len(enc))
		}
		if !deltaEqual(d, got) {
			t.Fatalf("round trip:\n in %s\nout %s", deltaText(d), deltaText(got))
		}
	})
}

// TestCodec_TruncatedFails: every strict prefix of an encoding is refused
// (the format has no optional tail), and the decoder never reads past it.
func TestCodec_TruncatedFails(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		enc := core.AppendDelta(nil, genDelta(t))
		for i := 0; i < len(enc); i++ {
			// A copy with no spare capacity: reading past len would panic.
			cut := append([]byte(nil), enc[:i]...)
			var d core.Delta
			if n, err := core.DecodeDelta(cut[:i:i], &d, core.DefaultDecodeLimits); err == nil {
				t.Fatalf("a %d-byte prefix of a %d-byte delta decoded (n=%d)", i, len(enc), n)
			} else if !errors.Is(err, core.ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
		}
	})
}

// TestCodec_Limits: keys and values longer than the limits are refused
// before anything is allocated for them.
func TestCodec_Limits(t *testing.T) {
	d := &core.Delta{Op: core.OpStrSet, Key: []byte("0123456789"), Value: []byte("abcdefghijklmnopqrstuvwxyz")}
	enc := core.AppendDelta(nil, d)
	var got core.Delta
	if _, err := core.DecodeDelta(enc, &got, core.DecodeLimits{MaxKey: 10, MaxValue: 26}); err != nil {
		t.Fatalf("at the limits: %v", err)
	}
	if _, err := core.DecodeDelta(enc, &got, core.DecodeLimits{MaxKey: 9, MaxValue: 26}); !errors.Is(err, core.ErrCorrupt) {
		t.Fatalf("key over the limit: err = %v", err)
	}
	if _, err := core.DecodeDelta(enc, &got, core.DecodeLimits{MaxKey: 10, MaxValue: 25}); !errors.Is(err, core.ErrCorrupt) {
		t.Fatalf("value over the limit: err = %v", err)
	}
	// A length claiming more than the buffer holds.
	huge := []byte{byte(core.OpStrSet), 0, 0, 0xff, 0xff, 0xff, 0xff, 0x0f, 'k'}
	if _, err := core.DecodeDelta(huge, &got, core.DefaultDecodeLimits); !errors.Is(err, core.ErrCorrupt) {
		t.Fatalf("key length past the end: err = %v", err)
	}
}

// TestCodec_RejectsInvalid: unknown ops, replica ids past MaxReplicas,
// unsorted or duplicate counters and vectors, zero sequences in a vector,
// and vectors longer than MaxReplicas are refused.
func TestCodec_RejectsInvalid(t *testing.T) {
	base := func() *core.Delta {
		return &core.Delta{Op: core.OpDel, Key: []byte("k"), Dot: core.Dot{Replica: 1, Seq: 1},
			Counters: core.Counters{{Replica: 1, Seq: 1}, {Replica: 2, Seq: 1}},
			Ctx:      core.VV{{Replica: 1, Seq: 1}, {Replica: 2, Seq: 3}},
			ExpCtx:   core.VV{{Replica: 1, Seq: 1}}}
	}
	var tooLong core.VV
	for i := 0; i <= core.MaxReplicas; i++ {
		tooLong = append(tooLong, core.Dot{Replica: core.ReplicaID(i), Seq: 1})
	}
	cases := map[string]func(d *core.Delta){
		"op 0":                   func(d *core.Delta) { d.Op = 0 },
		"op past the last":       func(d *core.Delta) { d.Op = core.OpHLLAdd + 1 },
		"kind past the last":     func(d *core.Delta) { d.Kind = core.KindHLL + 1 },
		"dot replica":            func(d *core.Delta) { d.Dot.Replica = core.MaxReplicas },
		"counter replica":        func(d *core.Delta) { d.Counters[1].Replica = core.MaxReplicas },
		"counters unsorted":      func(d *core.Delta) { d.Counters[0].Replica, d.Counters[1].Replica = 2, 1 },
		"counters duplicate":     func(d *core.Delta) { d.Counters[1].Replica = 1 },
		"ctx unsorted":           func(d *core.Delta) { d.Ctx[0].Replica, d.Ctx[1].Replica = 2, 1 },
		"ctx duplicate":          func(d *core.Delta) { d.Ctx[1].Replica = 1 },
		"ctx zero seq":           func(d *core.Delta) { d.Ctx[0].Seq = 0 },
		"expctx replica":         func(d *core.Delta) { d.ExpCtx[0].Replica = 200 },
		"ctx longer than max":    func(d *core.Delta) { d.Ctx = tooLong },
		"expctx longer than max": func(d *core.Delta) { d.ExpCtx = tooLong },
	}
	var got core.Delta
	if _, err := core.DecodeDelta(core.AppendDelta(nil, base()), &got, core.DefaultDecodeLimits); err != nil {
		t.Fatalf("the valid base case: %v", err)
	}
	for name, mutate := range cases {
		d := base()
		mutate(d)
		if _, err := core.DecodeDelta(core.AppendDelta(nil, d), &got, core.DefaultDecodeLimits); !errors.Is(err, core.ErrCorrupt) {
			t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
		}
	}
}

// TestCodec_RefusesHugeCounts: a counter or vector count above
// MaxReplicas is refused at the count, before anything is read or
// allocated for the elements.
func TestCodec_RefusesHugeCounts(t *testing.T) {
	// op, flags, kind, kindrep, kindts, db, key "k", field "", replica,
	// seq, ts, value len 0
	head := []byte{byte(core.OpDel), 0, 0, 0, 0, 0, 1, 'k', 0, 1, 1, 1, 0}
	var d core.Delta
	_, err := core.DecodeDelta(append(append([]byte(nil), head...), 0xff, 0xff, 0xff, 0xff, 0x0f), &d, core.DefaultDecodeLimits)
	if !errors.Is(err, core.ErrCorrupt) || !strings.Contains(err.Error(), "bad counters") {
		t.Errorf("huge counter count: err = %v", err)
	}
	_, err = core.DecodeDelta(append(append([]byte(nil), head...), 0, 0, core.MaxReplicas+1), &d, core.DefaultDecodeLimits) // 0 counters, 0 refs
	if !errors.Is(err, core.ErrCorrupt) || !strings.Contains(err.Error(), "bad ctx") {
		t.Errorf("ctx count over MaxReplicas: err = %v", err)
	}
}

// FuzzDecodeDelta: DecodeDelta never panics, never claims more bytes than
// it got, and whatever it accepts re-encodes to bytes that decode to the
// same delta (and re-encode to themselves).
func FuzzDecodeDelta(f *testing.F) {
	for _, g := range goldenDeltas() {
		f.Add(core.AppendDelta(nil, g.d))
	}
	f.Add([]byte{})
	f.Add([]byte{1})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{4, 0, 0, 1, 'k', 63, 1, 1, 0, 0, 1, 63, 1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		b = b[:len(b):len(b)]
		var d core.Delta
		n, err := core.DecodeDelta(b, &d, core.DefaultDecodeLimits)
		if err != nil {
			if !errors.Is(err, core.ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		if n <= 0 || n > len(b) {
			t.Fatalf("decode used %d of %d bytes", n, len(b))
		}
		enc := core.AppendDelta(nil, &d)
		var d2 core.Delta
		n2, err := core.DecodeDelta(enc, &d2, core.DefaultDecodeLimits)
		if err != nil {
			t.Fatalf("re-encoding of an accepted delta is refused: %v\n%s", err, deltaText(&d))
		}
		if n2 != len(enc) {
			t.Fatalf("re-encoding: decode used %d of %d bytes", n2, len(enc))
		}
		if !deltaEqual(&d, &d2) {
			t.Fatalf("re-encoding changed the delta:\n%s\n%s", deltaText(&d), deltaText(&d2))
		}
		if enc2 := core.AppendDelta(nil, &d2); !bytes.Equal(enc, enc2) {
			t.Fatalf("encoding is not a fixed point")
		}
	})
}

type goldenDelta struct {
	name string
	d    *core.Delta
}

// goldenDeltas is one delta of each Op, as a local write makes it (plus
// the variants whose layout differs: SET with and without the expiry).
func goldenDeltas() []goldenDelta {
	ts := core.MakeTimestamp(1_700_000_000_123, 7)
	return []goldenDelta{
		{"strset-expiry", &core.Delta{Op: core.OpStrSet, Flags: core.FlagExpiry, DB: 3, Key: []byte("user:1"),
			Dot: core.Dot{Replica: 2, Seq: 300}, TS: ts, Value: []byte("hello"),
			Counters: core.Counters{{Replica: 1, Seq: 5, Int: -42}, {Replica: 2, Seq: 299, Int: 10, Float: 1.5}},
			Ctx:      core.VV{{Replica: 1, Seq: 4}, {Replica: 2, Seq: 300}},
			ExpCtx:   core.VV{{Replica: 2, Seq: 300}}, Deadline: 1_700_000_060_000}},
		{"strset-keepttl", &core.Delta{Op: core.OpStrSet, Key: []byte("k"), Dot: core.Dot{Replica: 0, Seq: 1}, TS: ts,
			Value: []byte("v"), Ctx: core.VV{{Replica: 0, Seq: 1}}}},
		{"strincr", &core.Delta{Op: core.OpStrIncr, Key: []byte("counter"), Dot: core.Dot{Replica: 63, Seq: 9}, TS: ts,
			Counters: core.Counters{{Replica: 63, Seq: 9, Int: math.MinInt64, IntHi: -1, Float: 0.1, FloatLo: -5.551115123125783e-18}}}},
		{"del", &core.Delta{Op: core.OpDel, DB: 15, Key: []byte("gone"), Dot: core.Dot{Replica: 1, Seq: 1 << 40}, TS: ts,
			Counters: core.Counters{{Replica: 1, Seq: 12, Int: 99}},
			Ctx:      core.VV{{Replica: 1, Seq: 1 << 40}, {Replica: 5, Seq: 2}},
			ExpCtx:   core.VV{{Replica: 1, Seq: 1 << 40}}}},
		{"expire", &core.Delta{Op: core.OpExpire, Key: []byte("k"), Dot: core.Dot{Replica: 4, Seq: 77}, TS: ts,
			ExpCtx: core.VV{{Replica: 3, Seq: 1}, {Replica: 4, Seq: 77}}, Deadline: 1_700_000_999_000}},
		{"persist", &core.Delta{Op: core.OpExpire, Key: []byte("k"), Dot: core.Dot{Replica: 4, Seq: 78}, TS: ts,
			ExpCtx: core.VV{{Replica: 4, Seq: 78}}, Deadline: 0}},
	}
}

// goldenNumbers are the numbers on the wire and on disk: append only.
func goldenNumbers() [][2]string {
	return [][2]string{
		{"OpStrSet", strconv.Itoa(int(core.OpStrSet))},
		{"OpStrIncr", strconv.Itoa(int(core.OpStrIncr))},
		{"OpDel", strconv.Itoa(int(core.OpDel))},
		{"OpExpire", strconv.Itoa(int(core.OpExpire))},
		{"FlagExpiry", strconv.Itoa(int(core.FlagExpiry))},
		{"KindNone", strconv.Itoa(int(core.KindNone))},
		{"KindString", strconv.Itoa(int(core.KindString))},
		{"MaxReplicas", strconv.Itoa(core.MaxReplicas)},
	}
}

const goldenPath = "testdata/golden_deltas.txt"

// TestGolden_Deltas freezes the Op, flag and Kind numbers and the exact
// encoding of one delta of each Op. A difference means the wire and disk
// format changed: that needs a protocol version bump, not a rewrite. Run
// with -rewrite only when adding a new entry.
func TestGolden_Deltas(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Frozen delta format (core/codec_test.go, TestGolden_Deltas).\n")
	b.WriteString("# Numbers are append only; a changed encoding needs a protocol version bump.\n")
	b.WriteString("# Regenerate: go test ./core -run TestGolden_Deltas -rewrite\n")
	for _, kv := range goldenNumbers() {
		fmt.Fprintf(&b, "number %s %s\n", kv[0], kv[1])
	}
	for _, g := range goldenDeltas() {
		fmt.Fprintf(&b, "delta %s %s\n", g.name, hex.EncodeToString(core.AppendDelta(nil, g.d)))
	}
	if *rewrite {
		if err := os.MkdirAll(filepath.Dir(goldenPath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(goldenPath, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.Open(goldenPath)
	if err != nil {
		t.Fatalf("%v (run with -rewrite to create it)", err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fs := strings.Fields(line)
		if len(fs) != 3 {
			t.Fatalf("bad golden line %q", line)
		}
		want[fs[0]+" "+fs[1]] = fs[2]
	}
	for _, kv := range goldenNumbers() {
		if w, ok := want["number "+kv[0]]; !ok {
			t.Errorf("%s missing from %s", kv[0], goldenPath)
		} else if w != kv[1] {
			t.Errorf("%s = %s, frozen as %s: numbers on the wire never change", kv[0], kv[1], w)
		}
	}
	for _, g := range goldenDeltas() {
		w, ok := want["delta "+g.name]
		if !ok {
			t.Errorf("delta %s missing from %s", g.name, goldenPath)
			continue
		}
		if got := hex.EncodeToString(core.AppendDelta(nil, g.d)); got != w {
			t.Errorf("delta %s encodes as\n%s\nfrozen as\n%s", g.name, got, w)
		}
		raw, err := hex.DecodeString(w)
		if err != nil {
			t.Fatalf("delta %s: %v", g.name, err)
		}
		var d core.Delta
		if n, err := core.DecodeDelta(raw, &d, core.DefaultDecodeLimits); err != nil || n != len(raw) {
			t.Errorf("delta %s: frozen bytes decode: n=%d err=%v", g.name, n, err)
		} else if !deltaEqual(&d, g.d) {
			t.Errorf("delta %s: frozen bytes decode to\n%s\nwant\n%s", g.name, deltaText(&d), deltaText(g.d))
		}
	}
}

// TestGolden_LocalWritesMakeGoldenShapes checks that the local writes of
// Entry produce deltas of the shapes frozen above (which fields each Op
// carries), so the golden file describes what is really shipped.
func TestGolden_LocalWritesMakeGoldenShapes(t *testing.T) {
	var e core.Entry
	var d core.Delta
	ts := core.MakeTimestamp(1000, 0)
	e.SetString(&d, core.Dot{Replica: 1, Seq: 1}, ts, []byte("v"), false, 5000)
	if d.Op != core.OpStrSet || d.Flags&core.FlagExpiry == 0 || d.Deadline != 5000 || !d.Ctx.Covers(d.Dot) || !d.ExpCtx.Covers(d.Dot) {
		t.Errorf("SET with TTL: %s", deltaText(&d))
	}
	e.SetString(&d, core.Dot{Replica: 1, Seq: 2}, ts+1, []byte("w"), true, 0)
	if d.Op != core.OpStrSet || d.Flags&core.FlagExpiry != 0 || len(d.ExpCtx) != 0 {
		t.Errorf("SET KEEPTTL: %s", deltaText(&d))
	}
	e.SetString(&d, core.Dot{Replica: 1, Seq: 3}, ts+2, []byte("7"), false, 0)
	if _, err := e.IncrBy(&d, core.Dot{Replica: 1, Seq: 4}, ts+3, 5); err != nil {
		t.Fatal(err)
	}
	if d.Op != core.OpStrIncr || len(d.Counters) != 1 || d.Counters[0] != (core.Counter{Replica: 1, Seq: 4, Int: 5}) || len(d.Ctx) != 0 {
		t.Errorf("INCRBY: %s", deltaText(&d))
	}
	e.SetExpiry(&d, core.Dot{Replica: 1, Seq: 5}, ts+4, 0)
	if d.Op != core.OpExpire || d.Deadline != 0 || !d.ExpCtx.Covers(d.Dot) || len(d.Ctx) != 0 {
		t.Errorf("PERSIST: %s", deltaText(&d))
	}
	e.Delete(&d, core.Dot{Replica: 1, Seq: 6}, ts+5)
	if d.Op != core.OpDel || !d.Ctx.Covers(d.Dot) || !d.ExpCtx.Covers(d.Dot) || len(d.Counters) != 1 {
		t.Errorf("DEL: %s", deltaText(&d))
	}
}
