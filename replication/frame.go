package replication

// The wire frame: one batch of backlog records (ReadFrom's output) of one
// partition, compressed, length-limited and checksummed (issue 5). A frame
// that fails to decode is an error wrapping ErrBadFrame and the link that
// carried it is closed and resynced: after a bad frame nothing says where
// the next one starts, and deltas are idempotent, so resending is harmless.
//
// # Layout
//
//	magic      1 byte   frameMagic (0xD1: "delta frame, version 1"); a new
//	                    layout takes a new magic byte
//	flags      1 byte   bits 0-1: compression of the payload (0 none, 1 s2,
//	                    2 zstd); bits 2-7 must be zero
//	partition  uvarint  < shard.NumPartitions
//	first      uvarint  sequence of the first record
//	last       uvarint  sequence of the last record, >= first
//	raw        uvarint  length of the records once decompressed, <= max
//	paylen     uvarint  length of the payload: == raw for none, <= raw
//	                    otherwise (AppendFrame stores the records
//	                    uncompressed when compressing does not shrink them),
//	                    0 when raw is 0
//	payload    paylen bytes
//	crc        4 bytes  CRC-32C (Castagnoli), little endian, of every byte
//	                    from magic to the end of the payload
//
// Both lengths are checked against the limit as soon as the header is
// read, before anything is allocated or the payload has arrived, so a
// hostile header cannot make the receiver buffer or allocate more than the
// limit. The checksum covers the header too: a flipped partition or
// sequence byte is caught, not just a damaged payload. The codecs' own
// checksums are off (zstd's content checksum would hash the data twice).

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/meridiandb/meridian/shard"
)

// frameMagic opens every frame and names the layout version.
const frameMagic = 0xD1

// DefaultMaxFrameBytes bounds a frame's raw (decompressed) records and its
// payload unless NewCodec is given another limit. The syncer must size its
// ReadFrom batches below it; a single delta larger than the limit cannot be
// shipped by partial sync.
const DefaultMaxFrameBytes = 64 << 20

// MaxFrameHeader is the largest header a frame can have: magic, flags and
// five uvarints.
const MaxFrameHeader = 2 + 5*binary.MaxVarintLen64

const crcLen = 4

// ErrBadFrame is wrapped by every DecodeFrame error: the link must close.
var ErrBadFrame = errors.New("replication: bad frame")

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Kind is a payload compression; its value is the one stored in a frame's
// flags.
type Kind uint8

// Compression kinds.
const (
	None Kind = iota
	S2
	Zstd
	numKinds
)

func (k Kind) String() string {
	switch k {
	case None:
		return "none"
	case S2:
		return "s2"
	case Zstd:
		return "zstd"
	}
	return "unknown"
}

// DefaultZstdLevel is the level "zstd" alone means: zstd's own default.
const DefaultZstdLevel = 3

// Compression is what a sender compresses frames with (the
// --aa-compression setting). The receiver needs none: each frame says how
// it was compressed.
type Compression struct {
	Kind  Kind
	Level int // zstd level, 1..22 as in the zstd tool; 0 for none and s2
}

// String gives the setting's word back: "none", "s2", "zstd:N".
func (c Compression) String() string {
	if c.Kind == Zstd {
		return "zstd:" + strconv.Itoa(c.Level)
	}
	return c.Kind.String()
}

// ParseCompression parses the words of --aa-compression: "none", "s2",
// "zstd" (level DefaultZstdLevel) or "zstd:N" with N in 1..22, ignoring
// case. The klauspost encoder has four speeds; zstd.EncoderLevelFromZstd
// maps a level to the nearest one, so e.g. 3, 4 and 5 compress alike.
func ParseCompression(s string) (Compression, error) {
	switch {
	case strings.EqualFold(s, "none"):
		return Compression{Kind: None}, nil
	case strings.EqualFold(s, "s2"):
		return Compression{Kind: S2}, nil
	case strings.EqualFold(s, "zstd"):
		return Compression{Kind: Zstd, Level: DefaultZstdLevel}, nil
	}
	if len(s) > 5 && strings.EqualFold(s[:5], "zstd:") {
		n, err := strconv.Atoi(s[5:])
		if err == nil && n >= 1 && n <= 22 {
			return Compression{Kind: Zstd, Level: n}, nil
		}
		return Compression{}, fmt.Errorf("replication: zstd level must be 1..22, got %q", s[5:])
	}
	return Compression{}, fmt.Errorf("replication: unknown compression %q (want none, s2, zstd or zstd:N)", s)
}

// zstd encoders, one per klauspost speed, shared by every Codec. EncodeAll
// is safe for concurrent use and keeps its own pool of GOMAXPROCS block
// encoders, so sharing one per speed is the pool (as VictoriaMetrics'
// lib/encoding/zstd does per level); creating an encoder per frame would
// allocate its tables every time.
var zstdEnc [zstd.SpeedBestCompression + 1]struct {
	once sync.Once
	enc  *zstd.Encoder
	err  error
}

func zstdEncoder(level int) (*zstd.Encoder, error) {
	l := zstd.EncoderLevelFromZstd(level)
	if l < zstd.SpeedFastest || l > zstd.SpeedBestCompression {
		l = zstd.SpeedDefault
	}
	z := &zstdEnc[l]
	z.once.Do(func() {
		z.enc, z.err = zstd.NewWriter(nil, zstd.WithEncoderLevel(l), zstd.WithEncoderCRC(false))
	})
	return z.enc, z.err
}

// Codec encodes and decodes frames for one link. It keeps scratch buffers
// and a zstd decoder, so it belongs to one goroutine at a time (the link's
// reader or writer); use one Codec per direction.
type Codec struct {
	comp Compression
	max  int
	enc  []byte // compressed payload scratch
	dec  []byte // decompressed records, reused by DecodeFrame
	zdec *zstd.Decoder
	zerr error
}

// NewCodec returns a codec that compresses with comp and accepts frames
// whose raw records and payload are at most maxFrameBytes (<= 0:
// DefaultMaxFrameBytes).
func NewCodec(comp Compression, maxFrameBytes int) *Codec {
	if maxFrameBytes <= 0 {
		maxFrameBytes = DefaultMaxFrameBytes
	}
	if comp.Kind >= numKinds {
		comp = Compression{Kind: None}
	}
	return &Codec{comp: comp, max: maxFrameBytes}
}

// Compression is what the codec compresses with.
func (c *Codec) Compression() Compression { return c.comp }

// MaxFrameBytes is the codec's limit on raw and payload lengths.
func (c *Codec) MaxFrameBytes() int { return c.max }

// Close releases the zstd decoder, if one was made.
func (c *Codec) Close() {
	if c.zdec != nil {
		c.zdec.Close()
		c.zdec = nil
	}
}

// Frame is one decoded frame.
type Frame struct {
	Partition   int
	First, Last uint64
	Compression Kind // how the payload was sent
	// Records are the backlog records ([seq][len][delta]...; split them
	// with Next). They alias the codec's buffer, or the input when the
	// payload was not compressed: valid until the next DecodeFrame and
	// while the input is unchanged.
	Records []byte
}

// AppendFrame appends to dst a frame carrying records (bytes ReadFrom
// copied out) of partition, first and last being the sequences of its
// first and last records, and returns the extended slice. It compresses
// with the codec's setting, but stores the records uncompressed when that
// does not make them smaller. The caller keeps len(records) within
// MaxFrameBytes (the ReadFrom maxBytes) and partition within
// shard.NumPartitions: a frame outside them is refused by the receiver.
func (c *Codec) AppendFrame(dst []byte, partition int, first, last uint64, records []byte) []byte {
	kind := None
	payload := records
	if len(records) > 0 {
		switch c.comp.Kind {
		case S2:
			c.enc = s2.Encode(c.enc[:cap(c.enc)], records)
			kind, payload = S2, c.enc
		case Zstd:
			if enc, err := zstdEncoder(c.comp.Level); err == nil {
				c.enc = enc.EncodeAll(records, c.enc[:0])
				kind, payload = Zstd, c.enc
			}
		}
		if len(payload) >= len(records) {
			kind, payload = None, records
		}
	}
	start := len(dst)
	dst = append(dst, frameMagic, byte(kind))
	dst = binary.AppendUvarint(dst, uint64(partition))
	dst = binary.AppendUvarint(dst, first)
	dst = binary.AppendUvarint(dst, last)
	dst = binary.AppendUvarint(dst, uint64(len(records)))
	dst = binary.AppendUvarint(dst, uint64(len(payload)))
	dst = append(dst, payload...)
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], crcTable))
}

func badFrame(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadFrame}, args...)...)
}

// DecodeFrame decodes the frame at the start of b. It returns the frame and
// the bytes it took; n == 0 with a nil error when b holds only the start of
// a valid-looking frame (read more and call again); an error wrapping
// ErrBadFrame when the frame is invalid: bad magic or flags, a length over
// the limit, a partition out of range, last < first, a checksum mismatch,
// or a payload that does not decompress to exactly raw bytes. Header
// fields are checked as soon as they are complete, so a bad header is
// reported before its payload arrives. It never panics.
func (c *Codec) DecodeFrame(b []byte) (f Frame, n int, err error) {
	if len(b) < 1 {
		return f, 0, nil
	}
	if b[0] != frameMagic {
		return f, 0, badFrame("magic byte 0x%02x", b[0])
	}
	if len(b) < 2 {
		return f, 0, nil
	}
	flags := b[1]
	kind := Kind(flags & 3)
	if flags&^3 != 0 || kind >= numKinds {
		return f, 0, badFrame("flags 0x%02x", flags)
	}
	pos := 2
	var v [5]uint64
	for i := range v {
		x, m := binary.Uvarint(b[pos:])
		if m < 0 {
			return f, 0, badFrame("header varint overflows")
		}
		if m == 0 {
			return f, 0, nil // partial (len(b[pos:]) < 10 then)
		}
		v[i] = x
		pos += m
		switch i {
		case 0:
			if x >= shard.NumPartitions {
				return f, 0, badFrame("partition %d", x)
			}
		case 2:
			if x < v[1] {
				return f, 0, badFrame("last %d < first %d", x, v[1])
			}
		case 3:
			if x > uint64(c.max) {
				return f, 0, badFrame("raw length %d over limit %d", x, c.max)
			}
		case 4:
			raw := v[3]
			if x > raw || (kind == None && x != raw) {
				return f, 0, badFrame("payload length %d for raw length %d (%s)", x, raw, kind)
			}
		}
	}
	raw, plen := int(v[3]), int(v[4])
	end := pos + plen
	if len(b)-crcLen < end {
		return f, 0, nil
	}
	if got, want := crc32.Checksum(b[:end], crcTable), binary.LittleEndian.Uint32(b[end:]); got != want {
		return f, 0, badFrame("checksum 0x%08x, frame says 0x%08x", got, want)
	}
	payload := b[pos:end:end]
	f = Frame{Partition: int(v[0]), First: v[1], Last: v[2], Compression: kind}
	if raw == 0 {
		f.Records = payload[:0]
		return f, end + crcLen, nil
	}
	switch kind {
	case None:
		f.Records = payload
	case S2:
		l, err := s2.DecodedLen(payload)
		if err != nil || l != raw {
			return Frame{}, 0, badFrame("s2 payload of %d bytes, want %d (%v)", l, raw, err)
		}
		out, err := s2.Decode(c.buffer(raw), payload)
		if err != nil || len(out) != raw {
			return Frame{}, 0, badFrame("%v", err) // "s2: corrupt input"
		}
		f.Records = out
	case Zstd:
		d, err := c.zstdDecoder()
		if err != nil {
			return Frame{}, 0, badFrame("zstd decoder: %v", err)
		}
		out, err := d.DecodeAll(payload, c.buffer(raw)[:0])
		if cap(out) > cap(c.dec) {
			c.dec = out[:0] // it grew anyway: keep it
		}
		if err != nil || len(out) != raw {
			return Frame{}, 0, badFrame("zstd: %d bytes, want %d (%v)", len(out), raw, err)
		}
		f.Records = out
	}
	return f, end + crcLen, nil
}

// buffer returns the decode buffer with length n, growing it if needed and
// dropping a large one kept from an earlier big frame once frames are
// much smaller, so one burst does not pin 64 MB per link.
func (c *Codec) buffer(n int) []byte {
	if cap(c.dec) < n || (cap(c.dec) > 1<<20 && cap(c.dec) > 8*n) {
		c.dec = make([]byte, n)
	}
	return c.dec[:n]
}

// zstdDecoder makes the codec's decoder on the first zstd frame. Its
// memory limit is the frame limit, and DecodeAll may fill only the
// capacity of the buffer it is given (sized from the checked raw length),
// so a payload that claims or decompresses to more is refused before it
// allocates, whatever its own zstd header says.
func (c *Codec) zstdDecoder() (*zstd.Decoder, error) {
	if c.zdec == nil && c.zerr == nil {
		c.zdec, c.zerr = zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxMemory(uint64(c.max)),
			zstd.WithDecodeAllCapLimit(true))
	}
	return c.zdec, c.zerr
}
