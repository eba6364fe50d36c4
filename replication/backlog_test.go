package replication

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"runtime"
	"strconv"
	"testing"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
	"pgregory.net/rapid"
)

// setDelta builds a typical SET delta of partition sequence seq.
func setDelta(d *core.Delta, seq uint64, key, value []byte) {
	*d = core.Delta{
		Op: core.OpStrSet, Kind: core.KindString, KindRep: 1, KindTS: 1 << 40,
		Key: key, Value: value,
		Dot:  core.Dot{Replica: 1, Seq: seq},
		TS:   core.Timestamp(1<<40 + seq),
		Ctx:  append(d.Ctx[:0], core.Dot{Replica: 1, Seq: seq}),
		Refs: d.Refs[:0], Counters: d.Counters[:0], ExpCtx: d.ExpCtx[:0],
	}
}

// frames splits ReadFrom output, decoding every delta.
func frames(t testing.TB, b []byte) (seqs []uint64, ds []core.Delta) {
	t.Helper()
	for len(b) > 0 {
		seq, enc, rest, err := Next(b)
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		var d core.Delta
		n, err := core.DecodeDelta(enc, &d, core.DefaultDecodeLimits)
		if err != nil || n != len(enc) {
			t.Fatalf("DecodeDelta: n=%d/%d err=%v", n, len(enc), err)
		}
		if d.Dot.Seq != seq {
			t.Fatalf("frame seq %d, delta seq %d", seq, d.Dot.Seq)
		}
		seqs = append(seqs, seq)
		ds = append(ds, d)
		b = rest
	}
	return seqs, ds
}

func TestRoundTrip(t *testing.T) {
	b := New(1<<20, nil)
	const n = 500
	var d core.Delta
	for i := uint64(1); i <= n; i++ {
		setDelta(&d, i, []byte("key:"+strconv.Itoa(int(i))), bytes.Repeat([]byte{byte(i)}, int(i%40)))
		b.Append(7, &d)
	}
	if b.FirstSeq(7) != 1 || b.LastSeq(7) != n || b.Len(7) != n {
		t.Fatalf("first %d last %d len %d", b.FirstSeq(7), b.LastSeq(7), b.Len(7))
	}
	for _, after := range []uint64{0, 1, 2, 250, n - 1} {
		out, last, st := b.ReadFrom(7, after, nil, 0)
		if st != OK || last != n {
			t.Fatalf("after %d: status %v last %d", after, st, last)
		}
		seqs, ds := frames(t, out)
		if len(seqs) != int(n-after) {
			t.Fatalf("after %d: %d frames", after, len(seqs))
		}
		for i, s := range seqs {
			want := after + 1 + uint64(i)
			var w core.Delta
			setDelta(&w, want, []byte("key:"+strconv.Itoa(int(want))), bytes.Repeat([]byte{byte(want)}, int(want%40)))
			got := ds[i]
			if s != want || !bytes.Equal(got.Key, w.Key) || !bytes.Equal(got.Value, w.Value) ||
				got.TS != w.TS || got.Op != w.Op || got.Kind != w.Kind || !got.Ctx.Equal(w.Ctx) ||
				!bytes.Equal(core.AppendDelta(nil, &got), core.AppendDelta(nil, &w)) {
				t.Fatalf("after %d frame %d: got seq %d %+v want %+v", after, i, s, got, w)
			}
		}
	}
	if _, last, st := b.ReadFrom(7, n, nil, 0); st != NothingNew || last != n {
		t.Fatalf("caught up: %v %d", st, last)
	}
	if _, _, st := b.ReadFrom(7, n+10, nil, 0); st != NothingNew {
		t.Fatalf("ahead: %v", st)
	}
	if _, last, st := b.ReadFrom(8, 0, nil, 0); st != NothingNew || last != 0 {
		t.Fatalf("empty partition: %v %d", st, last)
	}
	// maxBytes: batches of whole frames that together give everything back.
	var all []uint64
	for after := uint64(0); ; {
		out, last, st := b.ReadFrom(7, after, nil, 1000)
		if st == NothingNew {
			break
		}
		if st != OK {
			t.Fatalf("status %v", st)
		}
		if len(out) > 1000 {
			t.Fatalf("batch of %d bytes over maxBytes", len(out))
		}
		seqs, _ := frames(t, out)
		if seqs[len(seqs)-1] != last {
			t.Fatalf("last %d, final frame %d", last, seqs[len(seqs)-1])
		}
		all = append(all, seqs...)
		after = last
	}
	if len(all) != n || all[0] != 1 || all[n-1] != n {
		t.Fatalf("batched read: %d frames", len(all))
	}
	// dst is appended to, not overwritten.
	out, _, _ := b.ReadFrom(7, n-1, []byte("prefix"), 0)
	if !bytes.HasPrefix(out, []byte("prefix")) {
		t.Fatalf("dst prefix lost")
	}
}

func TestWrapAndGone(t *testing.T) {
	b := New(1024, nil)
	var d core.Delta
	val := bytes.Repeat([]byte("v"), 50)
	var sizes []int
	for i := uint64(1); i <= 200; i++ {
		before := b.Used(3)
		setDelta(&d, i, []byte(fmt.Sprintf("k%05d", i)), val)
		b.Append(3, &d)
		if b.Len(3) > 1 && b.Used(3) > before {
			sizes = append(sizes, b.Used(3)-before)
		}
		if b.Used(3) > b.Cap(3) {
			t.Fatalf("used %d > cap %d", b.Used(3), b.Cap(3))
		}
	}
	first, last := b.FirstSeq(3), b.LastSeq(3)
	if last != 200 || first <= 1 || uint64(b.Len(3)) != last-first+1 {
		t.Fatalf("first %d last %d len %d", first, last, b.Len(3))
	}
	// Used is exactly the framed bytes held, and eviction stopped as soon
	// as the new frame fitted (less than one frame of slack is left).
	full, _, _ := b.ReadFrom(3, first-1, nil, 0)
	maxFrame := 0
	for _, s := range sizes {
		maxFrame = max(maxFrame, s)
	}
	if b.Used(3) != len(full) || b.Cap(3)-b.Used(3) >= maxFrame {
		t.Fatalf("used %d read %d maxFrame %d cap %d", b.Used(3), len(full), maxFrame, b.Cap(3))
	}
	if b.Stats.Appended != 200 || b.Stats.Evicted != 200-uint64(b.Len(3)) {
		t.Fatalf("stats %+v", b.Stats)
	}
	// The ring has wrapped many times; reads across the seam are intact.
	for after := first - 1; after < last; after++ {
		out, l, st := b.ReadFrom(3, after, nil, 0)
		seqs, ds := frames(t, out)
		if st != OK || l != last || len(seqs) != int(last-after) || seqs[0] != after+1 {
			t.Fatalf("after %d: %v %d %d frames", after, st, l, len(seqs))
		}
		for i, x := range ds {
			if string(x.Key) != fmt.Sprintf("k%05d", seqs[i]) || !bytes.Equal(x.Value, val) {
				t.Fatalf("after %d: frame %d key %q", after, i, x.Key)
			}
		}
	}
	for _, after := range []uint64{0, 1, first - 2} {
		if _, l, st := b.ReadFrom(3, after, nil, 0); st != Gone || l != first-1 {
			t.Fatalf("after %d: %v %d, want gone %d", after, st, l, first-1)
		}
	}
	// A delta bigger than the ring empties it: readers behind are gone,
	// readers at it are current, the next delta is served.
	setDelta(&d, 201, []byte("big"), bytes.Repeat([]byte("x"), 2000))
	b.Append(3, &d)
	if b.Len(3) != 0 || b.Used(3) != 0 || b.LastSeq(3) != 201 || b.Stats.Oversize != 1 {
		t.Fatalf("oversize: len %d used %d last %d", b.Len(3), b.Used(3), b.LastSeq(3))
	}
	if _, _, st := b.ReadFrom(3, 200, nil, 0); st != Gone {
		t.Fatalf("behind oversize: %v", st)
	}
	if _, _, st := b.ReadFrom(3, 201, nil, 0); st != NothingNew {
		t.Fatalf("at oversize: %v", st)
	}
	setDelta(&d, 202, []byte("small"), val)
	b.Append(3, &d)
	out, _, st := b.ReadFrom(3, 201, nil, 0)
	if seqs, _ := frames(t, out); st != OK || len(seqs) != 1 || seqs[0] != 202 || b.FirstSeq(3) != 202 {
		t.Fatalf("after oversize: %v %v", st, seqs)
	}
}

func TestOwnershipAndMisorder(t *testing.T) {
	b := New(4096, func(p int) bool { return p%4 == 1 })
	var d core.Delta
	setDelta(&d, 1, []byte("k"), []byte("v"))
	b.Append(2, &d)
	b.Append(-1, &d)
	b.Append(shard.NumPartitions, &d)
	if b.Stats.NotOwned != 3 || b.Stats.Appended != 0 {
		t.Fatalf("stats %+v", b.Stats)
	}
	if _, _, st := b.ReadFrom(2, 0, nil, 0); st != NotOwned {
		t.Fatalf("unowned read: %v", st)
	}
	if _, _, st := b.ReadFrom(-5, 0, nil, 0); st != NotOwned {
		t.Fatalf("bad partition read: %v", st)
	}
	if b.Cap(1) != 4096 || b.Cap(2) != 0 || b.Cap(999) != 0 {
		t.Fatalf("caps %d %d", b.Cap(1), b.Cap(2))
	}
	b.Append(1, &d)
	b.Append(1, &d) // same sequence again
	if b.Stats.Misordered != 1 || b.Len(1) != 1 {
		t.Fatalf("misorder: %+v len %d", b.Stats, b.Len(1))
	}
	if New(1, nil).Cap(0) != MinPartitionBytes {
		t.Fatalf("min capacity not applied")
	}
}

func TestNextRejects(t *testing.T) {
	for _, in := range [][]byte{nil, {0x80}, {1}, {1, 5, 1, 2}, {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}} {
		if _, _, _, err := Next(in); err == nil {
			t.Fatalf("Next(%x) accepted", in)
		}
	}
}

// TestSinkFromShard wires a backlog as the sink of each shard of a real
// store: the shard's per-partition sequences arrive in order and every
// write is readable from the owning shard's backlog.
func TestSinkFromShard(t *testing.T) {
	const shards = 4
	var bls [shards]*Backlog
	st := shard.New(shard.Config{Shards: shards, Replica: 2, NewSink: func(i int) shard.Sink {
		bls[i] = New(64<<10, func(p int) bool { return p%shards == i })
		return bls[i]
	}})
	defer st.Close()
	want := map[string]string{}
	for i := range 2000 {
		k, v := fmt.Sprintf("key:%d", i%700), strconv.Itoa(i)
		sh := st.ShardFor([]byte(k))
		x := sh.Lock(1000)
		x.SetString(0, []byte(k), x.LookupWrite(0, []byte(k)), []byte(v), false, 0)
		sh.Unlock()
		want[k] = v
	}
	got := map[string]string{}
	for i, b := range bls {
		if b.Stats.NotOwned != 0 || b.Stats.Misordered != 0 || b.Stats.Evicted != 0 {
			t.Fatalf("shard %d stats %+v", i, b.Stats)
		}
		sh := st.Shard(i)
		sh.Lock(1000)
		for p := range shard.NumPartitions {
			out, last, status := b.ReadFrom(p, 0, nil, 0)
			if p%shards != i {
				if status != NotOwned {
					t.Fatalf("shard %d partition %d: %v", i, p, status)
				}
				continue
			}
			if status == NothingNew {
				continue
			}
			seqs, ds := frames(t, out)
			for j, s := range seqs {
				if s != uint64(j+1) || ds[j].Dot.Replica != 2 {
					t.Fatalf("partition %d: frame %d seq %d dot %v", p, j, s, ds[j].Dot)
				}
				got[string(ds[j].Key)] = string(ds[j].Value)
			}
			if last != uint64(len(seqs)) {
				t.Fatalf("partition %d: last %d of %d", p, last, len(seqs))
			}
		}
		sh.Unlock()
	}
	if len(got) != len(want) {
		t.Fatalf("%d keys replicated, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s: %q want %q", k, got[k], v)
		}
	}
}

func TestAppendAllocs(t *testing.T) {
	b := New(64<<10, nil)
	var d core.Delta
	key, val := []byte("user:1000:name"), bytes.Repeat([]byte("x"), 64)
	seq := uint64(0)
	for range 10000 { // warm: scratch grown, ring wrapped
		seq++
		setDelta(&d, seq, key, val)
		b.Append(int(seq%shard.NumPartitions), &d)
	}
	allocs := testing.AllocsPerRun(1000, func() {
		seq++
		d.Dot.Seq = seq
		b.Append(int(seq%shard.NumPartitions), &d)
	})
	if allocs != 0 {
		t.Fatalf("Append allocates %v per call", allocs)
	}
	dst := make([]byte, 0, 128<<10)
	allocs = testing.AllocsPerRun(100, func() {
		dst, _, _ = b.ReadFrom(5, b.FirstSeq(5), dst[:0], 64<<10)
	})
	if allocs != 0 {
		t.Fatalf("ReadFrom allocates %v per call", allocs)
	}
}

// model is the naive backlog: a slice of frames within the same byte budget.
type model struct {
	cap    int
	budget int // bytes the ring may still grow by (doubling), as Budget
	recs   []mrec
	last   uint64
	lost   uint64
	frames int
}

type mrec struct {
	seq   uint64
	frame []byte
}

func (m *model) used() int {
	n := 0
	for _, r := range m.recs {
		n += len(r.frame)
	}
	return n
}

func (m *model) append(d *core.Delta) {
	seq := d.Dot.Seq
	if seq <= m.last {
		return
	}
	enc := core.AppendDelta(nil, d)
	f := binary.AppendUvarint(nil, seq)
	f = binary.AppendUvarint(f, uint64(len(enc)))
	f = append(f, enc...)
	m.last = seq
	for m.cap-m.used() < len(f) && m.budget >= m.cap {
		m.budget -= m.cap
		m.cap *= 2
	}
	if len(f) > m.cap {
		m.recs, m.lost = nil, seq
		return
	}
	for m.used()+len(f) > m.cap {
		m.lost = m.recs[0].seq
		m.recs = m.recs[1:]
	}
	m.recs = append(m.recs, mrec{seq, f})
}

func (m *model) readFrom(after uint64, maxBytes int) ([]byte, uint64, Status) {
	if after >= m.last {
		return nil, m.last, NothingNew
	}
	if after < m.lost {
		return nil, m.lost, Gone
	}
	var out []byte
	var last uint64
	for _, r := range m.recs {
		if r.seq <= after {
			continue
		}
		if len(out) > 0 && maxBytes > 0 && len(out)+len(r.frame) > maxBytes {
			break
		}
		out = append(out, r.frame...)
		last = r.seq
	}
	return out, last, OK
}

func TestBacklogModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		capacity := rapid.IntRange(MinPartitionBytes, 2048).Draw(t, "cap")
		// Half the runs let the ring grow into a budget shared with
		// another partition's ring, which takes its part first.
		var budget *Budget
		spare := 0
		if rapid.Bool().Draw(t, "growing") {
			spare = rapid.IntRange(0, 8192).Draw(t, "budget")
			budget = NewBudget(int64(spare))
			other := rapid.IntRange(0, 2).Draw(t, "other")
			for k := 0; k < other && budget.take(int64(capacity)<<k); k++ {
				spare -= capacity << k
			}
		}
		b := NewGrowing(capacity, func(p int) bool { return p == 0 }, budget)
		m := &model{cap: capacity, budget: spare}
		var d core.Delta
		seq := uint64(0)
		steps := rapid.IntRange(1, 300).Draw(t, "steps")
		for i := 0; i < steps; i++ {
			if rapid.IntRange(0, 2).Draw(t, "op") > 0 {
				// Sequences grow with gaps (dots taken by writes that emit
				// nothing), and sometimes repeat (dropped by both).
				seq += uint64(rapid.IntRange(0, 3).Draw(t, "gap"))
				klen := rapid.IntRange(0, 20).Draw(t, "klen")
				vlen := rapid.IntRange(0, 400).Draw(t, "vlen")
				setDelta(&d, seq, bytes.Repeat([]byte("k"), klen), bytes.Repeat([]byte{byte(seq)}, vlen))
				if seq == 0 {
					d.Dot.Seq = 0
				}
				b.Append(0, &d)
				m.append(&d)
			} else {
				after := rapid.Uint64Range(0, seq+2).Draw(t, "after")
				maxBytes := rapid.IntRange(-1, 3000).Draw(t, "max")
				got, gl, gs := b.ReadFrom(0, after, nil, maxBytes)
				want, wl, ws := m.readFrom(after, maxBytes)
				if gs != ws || gl != wl || !bytes.Equal(got, want) {
					t.Fatalf("ReadFrom(%d, %d): got %v %d %d bytes, want %v %d %d bytes", after, maxBytes, gs, gl, len(got), ws, wl, len(want))
				}
			}
			first := uint64(0)
			if len(m.recs) > 0 {
				first = m.recs[0].seq
			}
			if b.FirstSeq(0) != first || b.LastSeq(0) != m.last || b.Used(0) != m.used() || b.Len(0) != len(m.recs) {
				t.Fatalf("state: first %d/%d last %d/%d used %d/%d len %d/%d", b.FirstSeq(0), first, b.LastSeq(0), m.last, b.Used(0), m.used(), b.Len(0), len(m.recs))
			}
			if b.Used(0) > b.Cap(0) || b.Cap(0) != m.cap {
				t.Fatalf("used %d, cap %d, model cap %d", b.Used(0), b.Cap(0), m.cap)
			}
			if budget != nil && budget.Spare() != int64(m.budget) {
				t.Fatalf("budget left %d, model %d", budget.Spare(), m.budget)
			}
		}
	})
}

func BenchmarkAppendSet(b *testing.B) {
	bl := New(1<<20, nil)
	var d core.Delta
	setDelta(&d, 1, []byte("user:1000:session"), bytes.Repeat([]byte("x"), 64))
	frame := len(core.AppendDelta(nil, &d)) + 4
	b.SetBytes(int64(frame))
	b.ReportAllocs()
	seq := uint64(0)
	for b.Loop() {
		seq++
		d.Dot.Seq = seq
		bl.Append(int(seq&(shard.NumPartitions-1)), &d)
	}
}

// BenchmarkReadFrom64K reads 64 KB from the middle of a full 1 MB ring
// with no resume hint: the worst case, a header walk over half the ring.
func BenchmarkReadFrom64K(b *testing.B) {
	bl := New(1<<20, func(p int) bool { return p == 0 })
	var d core.Delta
	for seq := uint64(1); seq <= 20000; seq++ {
		setDelta(&d, seq, []byte("user:1000:session"), bytes.Repeat([]byte("x"), 64))
		bl.Append(0, &d)
	}
	after := bl.LastSeq(0) - uint64(bl.Len(0))/2 // mid-ring: includes the header walk
	dst := make([]byte, 0, 80<<10)
	b.SetBytes(64 << 10)
	b.ReportAllocs()
	for b.Loop() {
		out, _, st := bl.ReadFrom(0, after, dst[:0], 64<<10)
		if st != OK || len(out) < 60<<10 {
			b.Fatalf("%v %d", st, len(out))
		}
	}
}

// BenchmarkReadFrom64KContinue is a reader walking forward batch by batch,
// each ReadFrom resuming where the previous one stopped (the syncer's
// steady state).
func BenchmarkReadFrom64KContinue(b *testing.B) {
	bl := New(1<<20, func(p int) bool { return p == 0 })
	var d core.Delta
	for seq := uint64(1); seq <= 20000; seq++ {
		setDelta(&d, seq, []byte("user:1000:session"), bytes.Repeat([]byte("x"), 64))
		bl.Append(0, &d)
	}
	start := bl.FirstSeq(0) - 1
	after := start
	dst := make([]byte, 0, 80<<10)
	b.SetBytes(64 << 10)
	b.ReportAllocs()
	for b.Loop() {
		out, last, st := bl.ReadFrom(0, after, dst[:0], 64<<10)
		if st == NothingNew {
			out, last, st = bl.ReadFrom(0, start, dst[:0], 64<<10)
		}
		if st != OK || len(out) == 0 {
			b.Fatalf("%v %d", st, len(out))
		}
		after = last
	}
}

// TestBudgetLimitMoves: a budget's limit may move below and above what the
// rings took; growth stops below it and resumes above it.
func TestBudgetLimitMoves(t *testing.T) {
	b := NewBudget(100)
	if !b.take(60) || b.take(50) || b.Spare() != 40 || b.Used() != 60 {
		t.Fatalf("limit 100: spare %d used %d", b.Spare(), b.Used())
	}
	b.SetLimit(50)
	if b.take(1) || b.Spare() != 0 {
		t.Fatalf("limit 50 under 60 used: spare %d", b.Spare())
	}
	b.SetLimit(200)
	if !b.take(100) || b.Spare() != 40 {
		t.Fatalf("limit 200: spare %d", b.Spare())
	}
}

// TestBacklogSizedByData: without a fixed size, a region's backlog starts
// with small rings and is a tenth of the heap's live bytes, within its
// floor and its maximum.
func TestBacklogSizedByData(t *testing.T) {
	const max = 64 << 20
	r, err := NewRegion(Config{Database: "d", Self: Member{ID: 1, Name: "a"},
		PartitionBytes: max / shard.NumPartitions, BacklogFloor: 4 << 20}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.ringBytes != autoRingBytes {
		t.Fatalf("rings start at %d bytes", r.ringBytes)
	}
	if got := r.BacklogBytes(); got < 4<<20 || got > max {
		t.Fatalf("backlog %d bytes, outside its floor and maximum", got)
	}
	// A test binary's heap is far below 480 MB: a 48 MB floor decides.
	high, err := NewRegion(Config{Database: "d", Self: Member{ID: 1, Name: "a"},
		PartitionBytes: max / shard.NumPartitions, BacklogFloor: 48 << 20}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer high.Close()
	if got := high.BacklogBytes(); got != 48<<20 {
		t.Fatalf("backlog %d bytes, want the 48 MB floor", got)
	}
	ballast := make([][]byte, 0, 100)
	for range 100 {
		ballast = append(ballast, make([]byte, 1<<20)) // 100 MB live
	}
	runtime.GC()
	r.sizeBacklog()
	if got := r.BacklogBytes(); got < 10<<20 || got > max {
		t.Fatalf("with 100 MB live: backlog %d bytes", got)
	}
	runtime.KeepAlive(ballast)
	fixed, err := NewRegion(Config{Database: "d", Self: Member{ID: 1, Name: "a"}, PartitionBytes: 4096}, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer fixed.Close()
	if got := fixed.BacklogBytes(); got != 4096*shard.NumPartitions {
		t.Fatalf("a fixed backlog is %d bytes", got)
	}
}
