package core_test

import (
	"testing"

	"github.com/meridiandb/meridian/core"
)

func BenchmarkEntrySetStringOverwrite(b *testing.B) {
	r := newAllocRig("value-0001")
	b.ReportAllocs()
	for b.Loop() {
		dot, ts := r.next()
		r.e.SetString(&r.d, dot, ts, r.value, false, 0)
	}
}

func BenchmarkEntryIncrBy(b *testing.B) {
	r := newAllocRig("0")
	b.ReportAllocs()
	for b.Loop() {
		dot, ts := r.next()
		if _, err := r.e.IncrBy(&r.d, dot, ts, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEntryValuePlain(b *testing.B) {
	r := newAllocRig("a plain string value")
	scratch := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		r.e.Value(scratch[:0])
	}
}

func BenchmarkEntryValueCounter(b *testing.B) {
	r := newAllocRig("100")
	dot, ts := r.next()
	if _, err := r.e.IncrBy(&r.d, dot, ts, 5); err != nil {
		b.Fatal(err)
	}
	scratch := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		r.e.Value(scratch[:0])
	}
}

// BenchmarkEntryApplyRemoteSet is the receiving side: a decoded remote
// SET overwriting a key.
func BenchmarkEntryApplyRemoteSet(b *testing.B) {
	src := newAllocRig("value-0001")
	var dst core.Entry
	dst.Apply(&src.d)
	b.ReportAllocs()
	for b.Loop() {
		dot, ts := src.next()
		src.e.SetString(&src.d, dot, ts, src.value, false, 0)
		dst.Apply(&src.d)
	}
}

func BenchmarkAppendDelta(b *testing.B) {
	r := newAllocRig("value-0001")
	r.d.Key = []byte("key:0001")
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		buf = core.AppendDelta(buf[:0], &r.d)
	}
}

func BenchmarkDecodeDelta(b *testing.B) {
	r := newAllocRig("value-0001")
	r.d.Key = []byte("key:0001")
	buf := core.AppendDelta(nil, &r.d)
	var d core.Delta
	b.ReportAllocs()
	for b.Loop() {
		if _, err := core.DecodeDelta(buf, &d, core.DefaultDecodeLimits); err != nil {
			b.Fatal(err)
		}
	}
}
