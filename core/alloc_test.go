package core_test

import (
	"testing"

	"github.com/meridiandb/meridian/core"
)

// The zero-allocation promise of the hot paths (STYLE.md practice 14), as
// ordinary tests: a steady-state overwrite, increment and read of a key
// allocate nothing when the caller reuses its core.Delta.

// allocRig is one key being written by one region, warmed up.
type allocRig struct {
	e     core.Entry
	d     core.Delta
	c     core.Clock
	seq   uint64
	wall  int64
	value []byte
}

func (r *allocRig) next() (core.Dot, core.Timestamp) {
	r.seq++
	r.wall++
	return core.Dot{Replica: 3, Seq: r.seq}, r.c.Now(r.wall)
}

func newAllocRig(value string) *allocRig {
	r := &allocRig{value: []byte(value), wall: 1_700_000_000_000}
	dot, ts := r.next()
	r.e.SetString(&r.d, dot, ts, r.value, false, 0)
	return r
}

func assertNoAllocs(t *testing.T, name string, fn func()) {
	t.Helper()
	if n := testing.AllocsPerRun(1000, fn); n != 0 {
		t.Errorf("%s: %.1f allocations per call, want 0", name, n)
	}
}

func TestAllocs_EntrySetStringOverwrite(t *testing.T) {
	r := newAllocRig("value-0001")
	assertNoAllocs(t, "SetString overwrite", func() {
		dot, ts := r.next()
		r.e.SetString(&r.d, dot, ts, r.value, false, 0)
	})
	assertNoAllocs(t, "SetString overwrite KEEPTTL", func() {
		dot, ts := r.next()
		r.e.SetString(&r.d, dot, ts, r.value, true, 0)
	})
	assertNoAllocs(t, "SetString overwrite with deadline", func() {
		dot, ts := r.next()
		r.e.SetString(&r.d, dot, ts, r.value, false, r.wall+60_000)
	})
}

func TestAllocs_EntryIncrBy(t *testing.T) {
	r := newAllocRig("0")
	dot, ts := r.next()
	if _, err := r.e.IncrBy(&r.d, dot, ts, 1); err != nil {
		t.Fatal(err)
	}
	assertNoAllocs(t, "IncrBy", func() {
		dot, ts := r.next()
		if _, err := r.e.IncrBy(&r.d, dot, ts, 1); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAllocs_EntryValue(t *testing.T) {
	r := newAllocRig("a plain string value")
	scratch := make([]byte, 0, 64)
	assertNoAllocs(t, "Value of a plain string", func() {
		if v, ok := r.e.Value(scratch[:0]); !ok || len(v) == 0 {
			t.Fatal("no value")
		}
	})
	c := newAllocRig("100")
	dot, ts := c.next()
	if _, err := c.e.IncrBy(&c.d, dot, ts, 5); err != nil {
		t.Fatal(err)
	}
	assertNoAllocs(t, "Value of a counter into scratch", func() {
		if v, ok := c.e.Value(scratch[:0]); !ok || string(v) != "105" {
			t.Fatalf("value %q", v)
		}
	})
}

func TestAllocs_DeltaCodec(t *testing.T) {
	r := newAllocRig("value-0001")
	r.d.Key = []byte("key:0001")
	buf := core.AppendDelta(nil, &r.d)
	var d core.Delta
	if _, err := core.DecodeDelta(buf, &d, core.DefaultDecodeLimits); err != nil {
		t.Fatal(err)
	}
	assertNoAllocs(t, "AppendDelta into a reused buffer", func() { buf = core.AppendDelta(buf[:0], &r.d) })
	assertNoAllocs(t, "DecodeDelta into a reused Delta", func() {
		if _, err := core.DecodeDelta(buf, &d, core.DefaultDecodeLimits); err != nil {
			t.Fatal(err)
		}
	})
}
