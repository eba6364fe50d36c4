package replication

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
)

func TestMessageFraming(t *testing.T) {
	var b []byte
	b = appendMessage(b, msgSnapBegin, appendPartSeq(nil, 7, 99))
	b, at := beginMessage(b, msgBeat)
	b = append(b, "body"...)
	b = endMessage(b, at)
	typ, body, n, err := parseMessage(b)
	if err != nil || typ != msgSnapBegin || n == 0 {
		t.Fatalf("first: %c %v %d", typ, err, n)
	}
	if p, seq, err := parsePartSeq(body); p != 7 || seq != 99 || err != nil {
		t.Fatalf("part/seq: %d %d %v", p, seq, err)
	}
	typ, body, m, err := parseMessage(b[n:])
	if err != nil || typ != msgBeat || string(body) != "body" || n+m != len(b) {
		t.Fatalf("second: %c %q %v", typ, body, err)
	}
	// Every strict prefix asks for more bytes, never errs.
	for i := 0; i < len(b)-m; i++ {
		if _, _, k, err := parseMessage(b[n : n+i]); k != 0 || err != nil {
			t.Fatalf("prefix %d: %d %v", i, k, err)
		}
	}
	huge := binary.AppendUvarint([]byte{msgDeltas}, maxMessage+1)
	if _, _, _, err := parseMessage(huge); err == nil {
		t.Fatal("a length over the limit was accepted")
	}
}

func TestBeatRoundTrip(t *testing.T) {
	m := Matrix{1: new([shard.NumPartitions]uint64), 9: new([shard.NumPartitions]uint64)}
	for p := range m[1] {
		m[1][p] = SeqBase(time.Now()) + uint64(p*p)
		m[9][p] = uint64(p)
	}
	w, got, err := parseBeat(appendBeat(nil, 12345, m))
	if err != nil || w != 12345 || len(got) != 2 || *got[1] != *m[1] || *got[9] != *m[9] {
		t.Fatalf("beat: %v %d %d", err, w, len(got))
	}
	pos := m[1]
	back, err := parsePositions(appendPositions(nil, pos))
	if err != nil || *back != *pos {
		t.Fatalf("positions: %v", err)
	}
	if _, err := parsePositions(appendPositions(nil, pos)[:10]); err == nil {
		t.Fatal("truncated positions accepted")
	}
}

func TestSeqBaseGrowsWithTheClock(t *testing.T) {
	a := SeqBase(time.UnixMilli(seqEpoch + 1000))
	b := SeqBase(time.UnixMilli(seqEpoch + 1001))
	if b-a != 1<<seqBaseShift {
		t.Fatalf("one millisecond apart: %d", b-a)
	}
	if SeqBase(time.Unix(0, 0)) == 0 {
		t.Fatal("a clock before the epoch gave base 0 (a fresh peer's position)")
	}
}

// testRegion is a region with a store and one peer (id 2), not started:
// its pulling side can be fed bytes directly.
func testRegion(t testing.TB) (*Region, *peer) {
	r, err := NewRegion(Config{Database: "d", Self: Member{ID: 1, Name: "a"},
		Peers: []Member{{ID: 2, Name: "b", Addr: "127.0.0.1:1"}}, PartitionBytes: 1024}, 2)
	if err != nil {
		t.Fatal(err)
	}
	r.store = shard.New(shard.Config{Shards: 2, Replica: 1, NewSink: r.Sink, SeqBase: r.SeqBase(), RetainTombstones: true})
	t.Cleanup(r.store.Close)
	return r, r.peers[2]
}

// originStream builds what an origin (region 2) sends: one delta frame
// with a SET of key, and a snapshot of one key's state.
func originStream(t testing.TB, key string) []byte {
	origin, err := NewRegion(Config{Database: "d", Self: Member{ID: 2, Name: "b"}, PartitionBytes: 1024}, 1)
	if err != nil {
		t.Fatal(err)
	}
	st := shard.New(shard.Config{Shards: 1, Replica: 2, NewSink: origin.Sink, SeqBase: origin.SeqBase(), RetainTombstones: true})
	defer st.Close()
	sh := st.Shard(0)
	x := sh.Lock(time.Now().UnixMilli())
	e := x.LookupWrite(0, []byte(key))
	x.SetString(0, []byte(key), e, []byte("v"), false, 0)
	p := shard.PartitionOf(shard.Hash([]byte(key)))
	recs, last, status := origin.backlogs[0].ReadFrom(p, 0, nil, 0)
	if status != Gone {
		t.Fatalf("a reader at 0 of a fresh run: %v", status)
	}
	recs, last, status = origin.backlogs[0].ReadFrom(p, origin.SeqBase(), nil, 0)
	if status != OK {
		t.Fatalf("ReadFrom: %v", status)
	}
	state := core.AppendEntryState(nil, e)
	sh.Unlock()
	codec := NewCodec(Compression{Kind: S2}, 0)
	run := binary.AppendUvarint(nil, uint64(p))
	run = binary.AppendUvarint(run, uint64(len(recs)))
	run = append(run, recs...)
	var out []byte
	out = appendMessage(out, msgDeltas, codec.AppendFrame(nil, 0, 1, 1, run))
	srec := binary.AppendUvarint(nil, uint64(p))
	srec = binary.AppendUvarint(srec, 0)
	srec = binary.AppendUvarint(srec, uint64(len(key)))
	srec = append(srec, key...)
	srec = binary.AppendUvarint(srec, uint64(len(state)))
	srec = append(srec, state...)
	out = appendMessage(out, msgSnapBegin, appendPartSeq(nil, p, last))
	out = appendMessage(out, msgSnapState, codec.AppendFrame(nil, 0, 2, 2, srec))
	out = appendMessage(out, msgSnapEnd, appendPartSeq(nil, p, last))
	out = appendMessage(out, msgCaughtUp, []byte{1})
	return out
}

func TestReadStreamApplies(t *testing.T) {
	r, p := testRegion(t)
	var busy atomic.Bool
	err := r.readStream(p, bufio.NewReader(bytes.NewReader(originStream(t, "k"))), &busy)
	if err == nil || err.Error() != "EOF" {
		t.Fatalf("stream end: %v", err)
	}
	sh := r.store.ShardFor([]byte("k"))
	x := sh.Lock(time.Now().UnixMilli())
	e := x.Peek(0, []byte("k"))
	var v []byte
	if e != nil {
		v, _ = e.Value(nil)
	}
	sh.Unlock()
	if string(v) != "v" {
		t.Fatalf("k = %q after the stream", v)
	}
	if p.deltasIn.Load() != 1 || p.statesIn.Load() != 1 || p.fullSyncs.Load() != 1 || !p.caughtUp.Load() {
		t.Fatalf("figures: deltas %d states %d full %d", p.deltasIn.Load(), p.statesIn.Load(), p.fullSyncs.Load())
	}
}

// FuzzPullStream: whatever an origin sends, the puller never panics; it
// applies what is well formed and stops at the first bad message.
func FuzzPullStream(f *testing.F) {
	f.Add(originStream(f, "k"))
	f.Add(appendMessage(nil, msgBeat, appendBeat(nil, 1, Matrix{2: new([shard.NumPartitions]uint64)})))
	f.Add([]byte{msgDeltas, 3, 0xD1, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, p := testRegion(t)
		var busy atomic.Bool
		_ = r.readStream(p, bufio.NewReader(bytes.NewReader(b)), &busy)
	})
}

// FuzzServedRecv: whatever a puller sends on a served link, the origin
// never panics.
func FuzzServedRecv(f *testing.F) {
	f.Add(appendMessage(nil, msgBeat, appendBeat(nil, 1, Matrix{2: new([shard.NumPartitions]uint64)})))
	f.Add([]byte("H\x05garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, p := testRegion(t)
		o := &outbound{r: r, p: p}
		half := len(b) / 2
		if o.recv(b[:half]) == nil {
			_ = o.recv(b[half:])
		}
	})
}
