package replication

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"runtime"
	"strconv"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/meridiandb/meridian/core"
)

var testCompressions = []string{"none", "s2", "zstd", "zstd:1", "zstd:7", "zstd:19"}

func mustCompression(t testing.TB, s string) Compression {
	t.Helper()
	c, err := ParseCompression(s)
	if err != nil {
		t.Fatalf("ParseCompression(%q): %v", s, err)
	}
	return c
}

// backlogRecords appends SET deltas with realistic keys and values to a
// backlog partition and returns about size bytes of them as ReadFrom hands
// them out, with the first and last sequences.
func backlogRecords(t testing.TB, partition, size int) (records []byte, first, last uint64) {
	t.Helper()
	b := New(4*size+4096, nil)
	var d core.Delta
	for seq := uint64(1); ; seq++ {
		key := []byte("user:session:" + strconv.Itoa(int(seq*7919%100000)))
		value := []byte(fmt.Sprintf(`{"id":%d,"name":"user-%d","score":%d,"active":true}`, seq, seq%977, seq*31%1000))
		setDelta(&d, seq, key, value)
		b.Append(partition, &d)
		if b.Used(partition) >= size {
			break
		}
	}
	records, last, st := b.ReadFrom(partition, 0, nil, size)
	if st != OK {
		t.Fatalf("ReadFrom: %v", st)
	}
	return records, b.FirstSeq(partition), last
}

// rawFrame builds a frame field by field with a valid checksum, to test
// what AppendFrame would never produce.
func rawFrame(flags byte, partition, first, last, raw uint64, payload []byte) []byte {
	b := []byte{frameMagic, flags}
	for _, v := range []uint64{partition, first, last, raw, uint64(len(payload))} {
		b = binary.AppendUvarint(b, v)
	}
	b = append(b, payload...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

func TestParseCompression(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Compression
	}{
		{"none", Compression{None, 0}},
		{"NONE", Compression{None, 0}},
		{"s2", Compression{S2, 0}},
		{"zstd", Compression{Zstd, DefaultZstdLevel}},
		{"zstd:1", Compression{Zstd, 1}},
		{"Zstd:22", Compression{Zstd, 22}},
	} {
		got, err := ParseCompression(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseCompression(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
		if back, err := ParseCompression(got.String()); err != nil || back != got {
			t.Errorf("String %q does not parse back: %v %v", got.String(), back, err)
		}
	}
	for _, bad := range []string{"", "gzip", "zstd:", "zstd:0", "zstd:23", "zstd:-1", "zstd:x", "s2:1", "lz4"} {
		if _, err := ParseCompression(bad); err == nil {
			t.Errorf("ParseCompression(%q) accepted", bad)
		}
	}
}

func TestFrameRoundTrip(t *testing.T) {
	records, first, last := backlogRecords(t, 42, 64<<10)
	wantSeqs, _ := frames(t, records)
	for _, name := range testCompressions {
		t.Run(name, func(t *testing.T) {
			comp := mustCompression(t, name)
			enc := NewCodec(comp, 0)
			// The receiver's own setting does not matter: frames say theirs.
			dec := NewCodec(Compression{}, 0)
			defer dec.Close()
			prefix := []byte("already in the buffer")
			buf := enc.AppendFrame(append([]byte(nil), prefix...), 42, first, last, records)
			if !bytes.Equal(buf[:len(prefix)], prefix) {
				t.Fatal("AppendFrame changed dst's bytes")
			}
			stream := buf[len(prefix):]
			frameLen := len(stream)
			// A second frame behind it, and an empty one: a stream.
			stream = enc.AppendFrame(stream, 7, last+1, last+1, nil)
			stream = enc.AppendFrame(stream, 255, 3, 9, records[:100])

			f, n, err := dec.DecodeFrame(stream)
			if err != nil || n != frameLen {
				t.Fatalf("DecodeFrame: n=%d/%d err=%v", n, frameLen, err)
			}
			if f.Partition != 42 || f.First != first || f.Last != last {
				t.Fatalf("header %+v", f)
			}
			wantKind := comp.Kind
			if f.Compression != wantKind {
				t.Fatalf("compression %v, want %v", f.Compression, wantKind)
			}
			if !bytes.Equal(f.Records, records) {
				t.Fatal("records differ")
			}
			if seqs, _ := frames(t, f.Records); len(seqs) != len(wantSeqs) || seqs[0] != first || seqs[len(seqs)-1] != last {
				t.Fatalf("records hold %d deltas %d..%d", len(seqs), seqs[0], seqs[len(seqs)-1])
			}
			t.Logf("%s: %d records bytes -> frame of %d bytes (ratio %.2f)", name, len(records), frameLen, float64(len(records))/float64(frameLen))

			stream = stream[n:]
			f, n, err = dec.DecodeFrame(stream)
			if err != nil || n == 0 || f.Partition != 7 || f.First != last+1 || len(f.Records) != 0 || f.Compression != None {
				t.Fatalf("empty frame: %+v n=%d err=%v", f, n, err)
			}
			stream = stream[n:]
			f, n, err = dec.DecodeFrame(stream)
			if err != nil || n != len(stream) || f.Partition != 255 || f.First != 3 || f.Last != 9 || !bytes.Equal(f.Records, records[:100]) {
				t.Fatalf("third frame: %+v n=%d/%d err=%v", f, n, len(stream), err)
			}
		})
	}
}

// TestFrameIncompressible: records that do not shrink travel raw.
func TestFrameIncompressible(t *testing.T) {
	random := make([]byte, 4096)
	x := uint64(88172645463325252)
	for i := range random {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		random[i] = byte(x)
	}
	for _, name := range []string{"s2", "zstd"} {
		c := NewCodec(mustCompression(t, name), 0)
		fr := c.AppendFrame(nil, 1, 1, 1, random)
		f, n, err := c.DecodeFrame(fr)
		if err != nil || n != len(fr) || f.Compression != None || !bytes.Equal(f.Records, random) {
			t.Fatalf("%s: %v n=%d err=%v", name, f.Compression, n, err)
		}
	}
}

func TestFramePartial(t *testing.T) {
	records, first, last := backlogRecords(t, 3, 2048)
	for _, name := range testCompressions {
		enc := NewCodec(mustCompression(t, name), 0)
		dec := NewCodec(Compression{}, 0)
		fr := enc.AppendFrame(nil, 3, first, last, records)
		for i := 0; i < len(fr); i++ {
			if f, n, err := dec.DecodeFrame(fr[:i]); n != 0 || err != nil || f.Records != nil {
				t.Fatalf("%s: prefix %d/%d: n=%d err=%v", name, i, len(fr), n, err)
			}
		}
		if _, n, err := dec.DecodeFrame(fr); n != len(fr) || err != nil {
			t.Fatalf("%s: whole frame: n=%d err=%v", name, n, err)
		}
		dec.Close()
	}
}

func TestFrameCorrupt(t *testing.T) {
	records, first, last := backlogRecords(t, 9, 300)
	for _, name := range testCompressions {
		enc := NewCodec(mustCompression(t, name), 0)
		dec := NewCodec(Compression{}, 0)
		fr := enc.AppendFrame(nil, 9, first, last, records)
		bad := make([]byte, len(fr))
		for i := range fr {
			for _, mask := range []byte{0x01, 0x80, 0xff} {
				copy(bad, fr)
				bad[i] ^= mask
				f, n, err := dec.DecodeFrame(bad)
				if err == nil && n != 0 {
					t.Fatalf("%s: byte %d ^ %#x decoded: %+v", name, i, mask, f)
				}
				if err != nil && !errors.Is(err, ErrBadFrame) {
					t.Fatalf("%s: error %v does not wrap ErrBadFrame", name, err)
				}
			}
		}
		dec.Close()
	}
}

func TestFrameInvalid(t *testing.T) {
	zstdEnc, _ := zstd.NewWriter(nil)
	bomb := zstdEnc.EncodeAll(make([]byte, 8<<20), nil) // 8 MB of zeros, tiny
	s2Big := s2.Encode(nil, make([]byte, 5000))
	for _, tc := range []struct {
		name string
		b    []byte
	}{
		{"magic", []byte{0x00, 0, 0, 0, 0, 0, 0}},
		{"flags kind 3", rawFrame(3, 0, 1, 1, 0, nil)},
		{"flags high bits", rawFrame(0x10, 0, 1, 1, 0, nil)},
		{"partition", rawFrame(0, 256, 1, 1, 0, nil)},
		{"last < first", rawFrame(0, 0, 5, 4, 0, nil)},
		{"none length mismatch", rawFrame(0, 0, 1, 1, 3, []byte("ab"))},
		{"payload over raw", rawFrame(1, 0, 1, 1, 2, []byte("abc"))},
		{"empty with payload", rawFrame(2, 0, 1, 1, 0, []byte("a"))},
		{"varint overflow", append([]byte{frameMagic, 0}, bytes.Repeat([]byte{0xff}, 11)...)},
		{"s2 garbage", rawFrame(1, 0, 1, 1, 10, []byte("\x0aqwertyuio"))},
		{"s2 declares other length", rawFrame(1, 0, 1, 1, 6000, s2Big)},
		{"zstd garbage", rawFrame(2, 0, 1, 1, 10, []byte("qwertyuiop"))},
		{"zstd bomb", rawFrame(2, 0, 1, 1, 1000, bomb)},
		{"checksum", func() []byte { b := rawFrame(0, 0, 1, 1, 1, []byte("x")); b[len(b)-1]++; return b }()},
	} {
		c := NewCodec(Compression{}, 0)
		f, n, err := c.DecodeFrame(tc.b)
		if !errors.Is(err, ErrBadFrame) || n != 0 || f.Records != nil {
			t.Errorf("%s: n=%d err=%v", tc.name, n, err)
		}
		t.Logf("%s: %v", tc.name, err)
		c.Close()
	}
}

func TestFrameLimit(t *testing.T) {
	// Over a codec's own limit.
	records, first, last := backlogRecords(t, 1, 4096)
	for _, name := range testCompressions {
		fr := NewCodec(mustCompression(t, name), 0).AppendFrame(nil, 1, first, last, records)
		small := NewCodec(Compression{}, 1024)
		if _, n, err := small.DecodeFrame(fr); !errors.Is(err, ErrBadFrame) || n != 0 {
			t.Fatalf("%s: frame of %d raw bytes passed a 1024 limit: n=%d err=%v", name, len(records), n, err)
		}
	}
	// A header claiming a huge length is refused from the header alone,
	// before the payload arrived and before allocating for it.
	c := NewCodec(Compression{}, 0)
	for _, raw := range []uint64{DefaultMaxFrameBytes + 1, 1 << 40, 1<<64 - 1} {
		hdr := rawFrame(2, 0, 1, 1, raw, nil)
		hdr = hdr[:len(hdr)-crcLen-1] // drop the payload length and checksum
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, n, err := c.DecodeFrame(hdr)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrBadFrame) || n != 0 {
			t.Fatalf("raw %d: n=%d err=%v", raw, n, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 64<<10 {
			t.Fatalf("raw %d: allocated %d bytes", raw, grew)
		}
	}
	// At exactly the limit it is accepted.
	exact := NewCodec(Compression{Kind: S2}, len(records))
	fr := exact.AppendFrame(nil, 1, first, last, records)
	if _, n, err := exact.DecodeFrame(fr); err != nil || n != len(fr) {
		t.Fatalf("frame at the limit: n=%d err=%v", n, err)
	}
}

func FuzzDecodeFrame(f *testing.F) {
	records, first, last := backlogRecords(f, 5, 1500)
	for _, name := range testCompressions {
		c := NewCodec(mustCompression(f, name), 0)
		f.Add(c.AppendFrame(nil, 5, first, last, records))
		f.Add(c.AppendFrame(nil, 0, 0, 0, nil))
		f.Add(c.AppendFrame(nil, 255, 1, 2, records[:40]))
	}
	f.Add(rawFrame(2, 0, 1, 1, 100, []byte("qwerty")))
	f.Add([]byte{frameMagic})
	f.Add([]byte{})
	dec := NewCodec(Compression{}, 1<<20)
	f.Fuzz(func(t *testing.T, b []byte) {
		for len(b) > 0 {
			fr, n, err := dec.DecodeFrame(b)
			if err != nil {
				if !errors.Is(err, ErrBadFrame) || n != 0 {
					t.Fatalf("err %v with n=%d", err, n)
				}
				return
			}
			if n == 0 {
				return
			}
			if n > len(b) || fr.Partition < 0 || fr.Partition > 255 || fr.Last < fr.First || len(fr.Records) > 1<<20 {
				t.Fatalf("bad success: n=%d/%d %+v", n, len(b), fr)
			}
			// What decoded re-encodes to a frame that decodes the same.
			again := NewCodec(Compression{Kind: S2}, 0)
			re := again.AppendFrame(nil, fr.Partition, fr.First, fr.Last, fr.Records)
			g, m, err := again.DecodeFrame(re)
			if err != nil || m != len(re) || g.Partition != fr.Partition || g.First != fr.First || g.Last != fr.Last || !bytes.Equal(g.Records, fr.Records) {
				t.Fatalf("re-encode: %+v vs %+v, err %v", g, fr, err)
			}
			b = b[n:]
		}
	})
}

func BenchmarkFrame(b *testing.B) {
	records, first, last := backlogRecords(b, 11, 64<<10)
	for _, name := range []string{"none", "s2", "zstd:1", "zstd", "zstd:7"} {
		b.Run(name, func(b *testing.B) {
			enc := NewCodec(mustCompression(b, name), 0)
			dec := NewCodec(Compression{}, 0)
			defer dec.Close()
			var buf []byte
			b.SetBytes(int64(len(records)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				buf = enc.AppendFrame(buf[:0], 11, first, last, records)
				f, n, err := dec.DecodeFrame(buf)
				if err != nil || n != len(buf) || len(f.Records) != len(records) {
					b.Fatalf("n=%d err=%v", n, err)
				}
			}
			b.ReportMetric(float64(len(records))/float64(len(buf)), "ratio")
			b.ReportMetric(float64(len(buf)), "frame-bytes")
		})
	}
}
