package replication

import (
	"encoding/binary"
	"errors"
	"sync/atomic"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
)

// Status says what ReadFrom found.
type Status uint8

// ReadFrom results.
const (
	// OK: records with a sequence above the reader's position were copied.
	OK Status = iota
	// NothingNew: the reader already has everything the partition produced.
	NothingNew
	// Gone: records the reader still needs were evicted; the peer needs a
	// full sync of the partition.
	Gone
	// NotOwned: this backlog's shard does not own the partition.
	NotOwned
)

func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case NothingNew:
		return "nothing-new"
	case Gone:
		return "gone"
	case NotOwned:
		return "not-owned"
	}
	return "unknown"
}

// MinPartitionBytes is the smallest ring New accepts: below it a typical
// delta would not fit and every write would force a full sync.
const MinPartitionBytes = 256

// maxHeader is the largest frame header: two uvarints.
const maxHeader = 2 * binary.MaxVarintLen64

// Stats counts what a backlog did; owning shard only, like the rest.
type Stats struct {
	Appended   uint64 // records stored
	Evicted    uint64 // records dropped to make room
	Oversize   uint64 // deltas larger than a whole ring (stored nothing, forced Gone)
	Misordered uint64 // deltas whose sequence did not grow (dropped; a shard bug)
	NotOwned   uint64 // deltas for a partition this shard does not own (dropped)
}

// Backlog is one shard's replication backlog: a byte ring per owned
// partition holding the most recent locally originated deltas, encoded and
// framed. See the package comment for the concurrency contract: every
// method runs with the owning shard held.
type Backlog struct {
	parts   [shard.NumPartitions]*ring
	scratch []byte  // encoding buffer, grows to the largest delta and stays
	budget  *Budget // bytes a full ring may take to grow; nil: rings keep their size
	Stats   Stats
}

// Budget is the memory the backlogs of a region share for growing the
// rings of busy partitions. Rings of equal size suit writes spread over
// many keys; a hot key fills its partition's ring in milliseconds, and a
// peer a little behind then needs a full sync of that partition, which for
// a large key costs far more than the writes it replaces. A ring that is
// full doubles while the budget lasts, so the busy partitions take the
// memory the idle ones do not use. It is safe for concurrent use: each
// shard appends under its own lock.
//
// Its limit may move (SetLimit: a backlog sized by the data it protects);
// rings never shrink, so a lower limit only stops their growth.
type Budget struct{ limit, used atomic.Int64 }

// NewBudget returns a budget of n bytes.
func NewBudget(n int64) *Budget {
	b := &Budget{}
	b.limit.Store(max(n, 0))
	return b
}

// Spare is what is left of the budget.
func (b *Budget) Spare() int64 { return max(b.limit.Load()-b.used.Load(), 0) }

// Used is what the rings have taken from it.
func (b *Budget) Used() int64 { return b.used.Load() }

// SetLimit moves the budget's limit to n bytes.
func (b *Budget) SetLimit(n int64) { b.limit.Store(max(n, 0)) }

// take reserves n bytes, or reports that fewer are left.
func (b *Budget) take(n int64) bool {
	for {
		u := b.used.Load()
		if u+n > b.limit.Load() {
			return false
		}
		if b.used.CompareAndSwap(u, u+n) {
			return true
		}
	}
}

// ring is one partition's circular buffer. Positions head and tail are
// absolute byte offsets (they only grow); the bytes live at pos % len(buf).
// Invariants: tail-head <= len(buf); the bytes in [head, tail) are whole
// frames with strictly increasing sequences, the first being first and the
// last being last when n > 0; lost is the highest sequence ever evicted (or
// refused as oversize), so every emitted sequence in (lost, last] is held.
type ring struct {
	buf        []byte
	head, tail uint64
	n          int
	first      uint64 // sequence of the oldest record held, 0 when empty
	last       uint64 // sequence of the newest record ever appended
	lost       uint64 // highest sequence no longer held
	// hint: where the last ReadFrom without a hint of its own stopped, so
	// a reader continuing from there, the usual case, skips the header
	// walk (see ReadHint).
	hint ReadHint
}

// New returns a backlog with a ring of partitionBytes bytes for every
// partition owns reports true (nil: all partitions). partitionBytes below
// MinPartitionBytes is raised to it. The rings are allocated here, so
// Append never allocates once the scratch buffer has grown to the largest
// delta.
//
// A shard owns partition p when p % shards == shard index (shard/route.go);
// the caller passes that rule in rather than this package copying it.
func New(partitionBytes int, owns func(partition int) bool) *Backlog {
	return NewGrowing(partitionBytes, owns, nil)
}

// NewGrowing is New with rings that, when full, double in size while
// budget has room for it (nil: they never grow). Growing allocates, at most
// a few times per ring over a run; steady-state appends do not.
func NewGrowing(partitionBytes int, owns func(partition int) bool, budget *Budget) *Backlog {
	if partitionBytes < MinPartitionBytes {
		partitionBytes = MinPartitionBytes
	}
	b := &Backlog{scratch: make([]byte, 0, 256), budget: budget}
	for p := range b.parts {
		if owns == nil || owns(p) {
			b.parts[p] = &ring{buf: make([]byte, partitionBytes)}
		}
	}
	return b
}

// Append encodes d and stores it as the newest record of partition p,
// evicting the oldest records when the ring is full. It implements
// shard.Sink: the shard calls it, held, for every local write, and the
// sequence is d.Dot.Seq (the shard's per-partition counter, which only
// grows). It never blocks and never fails: trouble is counted in Stats.
func (b *Backlog) Append(partition int, d *core.Delta) {
	if partition < 0 || partition >= len(b.parts) || b.parts[partition] == nil {
		b.Stats.NotOwned++
		return
	}
	r := b.parts[partition]
	seq := d.Dot.Seq
	if seq <= r.last {
		b.Stats.Misordered++
		return
	}
	b.scratch = core.AppendDelta(b.scratch[:0], d)
	var hb [maxHeader]byte
	hdr := binary.AppendUvarint(hb[:0], seq)
	hdr = binary.AppendUvarint(hdr, uint64(len(b.scratch)))
	size := uint64(len(hdr) + len(b.scratch))
	r.last = seq
	for b.budget != nil && uint64(len(r.buf))-(r.tail-r.head) < size && b.budget.take(int64(len(r.buf))) {
		r.grow(2 * len(r.buf))
	}
	if size > uint64(len(r.buf)) {
		// It cannot be kept: everything before it is now useless to a
		// reader too (it would miss this one), so empty the ring.
		b.Stats.Evicted += uint64(r.n)
		b.Stats.Oversize++
		r.head, r.n, r.first, r.lost = r.tail, 0, 0, seq
		return
	}
	evicted := false
	for uint64(len(r.buf))-(r.tail-r.head) < size {
		s, next := r.frame(r.head)
		r.head = next
		r.lost = s
		r.n--
		b.Stats.Evicted++
		evicted = true
	}
	r.put(hdr)
	r.put(b.scratch)
	if r.n == 0 {
		r.first = seq
	} else if evicted {
		r.first, _ = r.frame(r.head)
	}
	r.n++
	b.Stats.Appended++
}

// grow moves the ring's bytes into a buffer of n bytes. Positions are
// absolute, so head, tail and every reader's hint stay valid; only where
// the bytes sit (pos % len) changes.
func (r *ring) grow(n int) {
	held := r.copyOut(make([]byte, 0, r.tail-r.head), r.head, r.tail)
	r.buf = make([]byte, n)
	r.tail = r.head
	r.put(held)
}

// put writes p at tail, wrapping.
func (r *ring) put(p []byte) {
	i := int(r.tail % uint64(len(r.buf)))
	c := copy(r.buf[i:], p)
	copy(r.buf, p[c:])
	r.tail += uint64(len(p))
}

// frame parses the header of the frame at absolute position pos and
// returns its sequence and the position of the next frame. The ring holds
// only frames it wrote, so the headers are well formed.
func (r *ring) frame(pos uint64) (seq, next uint64) {
	seq, pos = r.uvarint(pos)
	n, pos := r.uvarint(pos)
	return seq, pos + n
}

// uvarint reads a uvarint at absolute position pos, wrapping.
func (r *ring) uvarint(pos uint64) (v, next uint64) {
	size := uint64(len(r.buf))
	if i := pos % size; i+binary.MaxVarintLen64 <= size {
		// Away from the seam: the library's loop on a plain slice.
		v, n := binary.Uvarint(r.buf[i : i+binary.MaxVarintLen64])
		if n > 0 {
			return v, pos + uint64(n)
		}
	}
	var shift uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		c := r.buf[(pos+uint64(i))%size]
		v |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return v, pos + uint64(i) + 1
		}
		shift += 7
	}
	return v, pos + binary.MaxVarintLen64 // unreachable: we wrote it
}

// copyOut appends the ring bytes [from, to) to dst.
func (r *ring) copyOut(dst []byte, from, to uint64) []byte {
	size := uint64(len(r.buf))
	i, j := from%size, to%size
	if to-from == 0 {
		return dst
	}
	if i < j {
		return append(dst, r.buf[i:j]...)
	}
	dst = append(dst, r.buf[i:]...)
	return append(dst, r.buf[:j]...)
}

// ReadFrom appends to dst the frames of partition p whose sequence is
// above after, oldest first, and returns the extended slice and the
// sequence of the last frame copied. It copies whole frames while their
// total stays within maxBytes, but always at least one (so a frame larger
// than maxBytes still moves); maxBytes <= 0 means no limit. The copy owns
// nothing of the backlog, so the caller may release the shard and then
// compress and send it.
//
// Status: OK with frames; NothingNew (last = LastSeq) when after >= LastSeq;
// Gone (last = the highest evicted sequence) when a frame the reader needs
// was evicted; NotOwned when the shard does not own p. The frames are
// [seq uvarint][len uvarint][core.AppendDelta bytes]; Next parses them.
//
// The caller must hold the owning shard (Append may run otherwise), and
// ReadFrom itself writes (its resume hint). Finding after walks frame
// headers: from where the previous ReadFrom stopped when after is at or
// beyond it (a reader continuing, the usual case), else from the oldest
// record, O(records held). A caught-up reader takes the NothingNew exit.
func (b *Backlog) ReadFrom(partition int, after uint64, dst []byte, maxBytes int) ([]byte, uint64, Status) {
	if r := b.ring(partition); r != nil {
		return b.ReadFromHint(partition, after, dst, maxBytes, &r.hint)
	}
	return dst, 0, NotOwned
}

// ReadHint remembers where one reader's last ReadFromHint of a partition
// stopped: the frame after sequence Seq starts at absolute position Pos.
// Each reader (a peer's link) keeps its own per partition: with one hint
// per ring, two peers reading the same partition would overwrite each
// other's and every other read would walk the ring from its oldest record.
// The zero value means "none".
type ReadHint struct{ Seq, Pos uint64 }

// ReadFromHint is ReadFrom with the reader's own resume hint, which it
// reads and updates.
func (b *Backlog) ReadFromHint(partition int, after uint64, dst []byte, maxBytes int, h *ReadHint) ([]byte, uint64, Status) {
	if partition < 0 || partition >= len(b.parts) || b.parts[partition] == nil {
		return dst, 0, NotOwned
	}
	r := b.parts[partition]
	if after >= r.last {
		return dst, r.last, NothingNew
	}
	if after < r.lost {
		return dst, r.lost, Gone
	}
	// Every emitted sequence in (lost, last] is held, and after < last, so
	// a frame above after exists. The hint is good while nothing it points
	// past was evicted (Pos >= head) and it is not ahead of the reader.
	pos := r.head
	if h.Pos > r.head && h.Pos <= r.tail && h.Seq <= after {
		pos = h.Pos
	}
	for pos < r.tail {
		s, next := r.frame(pos)
		if s > after {
			break
		}
		pos = next
	}
	start, end := pos, pos
	var last uint64
	for end < r.tail {
		s, next := r.frame(end)
		if end > start && maxBytes > 0 && next-start > uint64(maxBytes) {
			break
		}
		end, last = next, s
	}
	h.Seq, h.Pos = last, end
	return r.copyOut(dst, start, end), last, OK
}

// Start sets every partition's history to begin after seq, as if the
// sequences up to seq had been emitted and evicted: a reader at or past
// seq is current, one behind it (a peer that knew an earlier run of this
// region) needs a full sync. Call it before the first Append; the shard's
// dots start after the same base (shard.Config.SeqBase).
func (b *Backlog) Start(seq uint64) {
	for _, r := range b.parts {
		if r != nil {
			r.last, r.lost = seq, seq
		}
	}
}

// FirstSeq is the sequence of the oldest record partition p still holds,
// 0 when it holds none (or p is not owned).
func (b *Backlog) FirstSeq(partition int) uint64 {
	if r := b.ring(partition); r != nil {
		return r.first
	}
	return 0
}

// LastSeq is the sequence of the newest delta ever appended to partition p,
// held or not (0 when none, or p is not owned).
func (b *Backlog) LastSeq(partition int) uint64 {
	if r := b.ring(partition); r != nil {
		return r.last
	}
	return 0
}

// Used is the number of bytes partition p's frames take (0 when p is
// not owned); never above Cap.
func (b *Backlog) Used(partition int) int {
	if r := b.ring(partition); r != nil {
		return int(r.tail - r.head)
	}
	return 0
}

// Cap is partition p's ring size in bytes (0 when not owned).
func (b *Backlog) Cap(partition int) int {
	if r := b.ring(partition); r != nil {
		return len(r.buf)
	}
	return 0
}

// Len is the number of records partition p holds.
func (b *Backlog) Len(partition int) int {
	if r := b.ring(partition); r != nil {
		return r.n
	}
	return 0
}

func (b *Backlog) ring(p int) *ring {
	if p < 0 || p >= len(b.parts) {
		return nil
	}
	return b.parts[p]
}

// ErrFrame is returned by Next for a truncated or malformed frame.
var ErrFrame = errors.New("replication: bad backlog frame")

// Next parses the first frame of b, as ReadFrom writes them: its sequence,
// the encoded delta (aliasing b; decode it with core.DecodeDelta) and the
// bytes after it. It never panics.
func Next(b []byte) (seq uint64, delta, rest []byte, err error) {
	seq, n := binary.Uvarint(b)
	if n <= 0 {
		return 0, nil, b, ErrFrame
	}
	l, m := binary.Uvarint(b[n:])
	if m <= 0 || l > uint64(len(b)-n-m) {
		return 0, nil, b, ErrFrame
	}
	off := n + m
	return seq, b[off : off+int(l) : off+int(l)], b[off+int(l):], nil
}

var _ shard.Sink = (*Backlog)(nil)
