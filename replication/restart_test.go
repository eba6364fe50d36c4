package replication

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
)

// runParts is what one run of region 2, started at a given time, sends on
// a pulling link: a delta frame with a SET of a key, a full sync of that
// key (begin, state, end), and a beat.
type runParts struct {
	base                 uint64
	deltas, snapshot, hb []byte
}

func runOf(t testing.TB, at time.Time, key string) runParts {
	t.Helper()
	origin, err := NewRegion(Config{Database: "d", Self: Member{ID: 2, Name: "b"}, PartitionBytes: 1024,
		Now: func() time.Time { return at }}, 1)
	if err != nil {
		t.Fatal(err)
	}
	st := shard.New(shard.Config{Shards: 1, Replica: 2, NewSink: origin.Sink, SeqBase: origin.SeqBase(), RetainTombstones: true})
	defer st.Close()
	sh := st.Shard(0)
	x := sh.Lock(at.UnixMilli())
	e := x.LookupWrite(0, []byte(key))
	x.SetString(0, []byte(key), e, []byte("v"), false, 0)
	p := shard.PartitionOf(shard.Hash([]byte(key)))
	recs, last, status := origin.backlogs[0].ReadFrom(p, origin.SeqBase(), nil, 0)
	if status != OK {
		t.Fatalf("ReadFrom: %v", status)
	}
	state := core.AppendEntryState(nil, e)
	sh.Unlock()
	codec := NewCodec(Compression{Kind: S2}, 0)
	run := binary.AppendUvarint(nil, uint64(p))
	run = binary.AppendUvarint(run, uint64(len(recs)))
	run = append(run, recs...)
	out := runParts{base: origin.SeqBase()}
	out.deltas = appendMessage(nil, msgDeltas, codec.AppendFrame(nil, 0, 1, 1, run))
	srec := binary.AppendUvarint(nil, uint64(p))
	srec = binary.AppendUvarint(srec, 0)
	srec = binary.AppendUvarint(srec, uint64(len(key)))
	srec = append(srec, key...)
	srec = binary.AppendUvarint(srec, uint64(len(state)))
	srec = append(srec, state...)
	out.snapshot = appendMessage(out.snapshot, msgSnapBegin, appendPartSeq(nil, p, last))
	out.snapshot = appendMessage(out.snapshot, msgSnapState, codec.AppendFrame(nil, 0, 2, 2, srec))
	out.snapshot = appendMessage(out.snapshot, msgSnapEnd, appendPartSeq(nil, p, last))
	out.hb = origin.appendBeatMessage(nil)
	return out
}

// feed runs a pulling link's reader over b and returns how it ended.
func feed(r *Region, p *peer, b []byte) error {
	var busy atomic.Bool
	return r.readStream(p, bufio.NewReader(bytes.NewReader(b)), &busy)
}

func keyValue(r *Region, key string) string {
	sh := r.store.ShardFor([]byte(key))
	x := sh.Lock(time.Now().UnixMilli())
	defer sh.Unlock()
	e := x.Peek(0, []byte(key))
	if e == nil {
		return "<absent>"
	}
	v, _ := e.Value(nil)
	return string(v)
}

// syncFrom serves an AA SYNC from region 2 naming run base (0: none sent)
// and returns when the served link is set up; the link is closed at the
// end of the test.
func syncFrom(t *testing.T, r *Region, base uint64, withBase bool) {
	t.Helper()
	var pos [shard.NumPartitions]uint64
	b := appendPositions(nil, &pos)
	if withBase {
		b = appendSyncPositions(nil, &pos, base)
	}
	args := [][]byte{[]byte("d"), []byte(strconv.Itoa(shard.NumPartitions)), []byte(strconv.Itoa(ProtocolVersion)),
		[]byte("1"), []byte("2"), []byte("b"), []byte(""), b}
	_, closed, errText := r.Sync(args, func([]byte) error { return nil }, func() int { return 0 }, func() {})
	if errText != "" {
		t.Fatalf("AA SYNC refused: %s", errText)
	}
	t.Cleanup(func() {
		closed()
		r.wg.Wait()
	})
}

func TestSyncPositionsCarryTheRunBase(t *testing.T) {
	pos := new([shard.NumPartitions]uint64)
	for p := range pos {
		pos[p] = SeqBase(time.Now()) + uint64(p)
	}
	back, base, err := parseSyncPositions(appendSyncPositions(nil, pos, 12345))
	if err != nil || *back != *pos || base != 12345 {
		t.Fatalf("with a base: %v %d", err, base)
	}
	back, base, err = parseSyncPositions(appendPositions(nil, pos))
	if err != nil || *back != *pos || base != 0 {
		t.Fatalf("without a base (an older puller): %v %d", err, base)
	}
	if _, _, err := parseSyncPositions(append(appendSyncPositions(nil, pos, 1), 0)); err == nil {
		t.Fatal("trailing bytes after the base accepted")
	}
	if _, _, err := parseSyncPositions(appendPositions(nil, pos)[:10]); err == nil {
		t.Fatal("truncated positions accepted")
	}
	if _, _, err := parseSyncPositions(append(appendPositions(nil, pos), 0x80)); err == nil {
		t.Fatal("a truncated base accepted")
	}
}

// TestEarlierRunRefusedOnceTheNewRunPulled: region 2's first run dies with
// writes still on their way here. Once its new run has pulled from this
// region (AA SYNC naming the new run's base), what the earlier run still
// sends (deltas, a full sync, beats) is refused and the link ends: the new
// run took this region's data before, so nothing arriving now could reach
// the other regions. Before that, the earlier run's writes apply, and the
// new run's always do.
func TestEarlierRunRefusedOnceTheNewRunPulled(t *testing.T) {
	r, p := testRegion(t)
	t0 := time.Now().Add(-time.Minute)
	before := runOf(t, t0, "before")
	late := runOf(t, t0.Add(time.Millisecond), "late")
	lateState := runOf(t, t0.Add(2*time.Millisecond), "late-state")
	newRun := runOf(t, t0.Add(time.Second), "new")

	if err := feed(r, p, before.deltas); err == nil || err.Error() != "EOF" {
		t.Fatalf("the earlier run before any restart: %v", err)
	}
	if v := keyValue(r, "before"); v != "v" {
		t.Fatalf("before = %q", v)
	}
	// An older puller sends no base: nothing changes.
	syncFrom(t, r, 0, false)
	if err := feed(r, p, late.hb); err == nil || err.Error() != "EOF" {
		t.Fatalf("a beat with no run known: %v", err)
	}

	syncFrom(t, r, newRun.base, true)
	if got := p.run.Load(); got != newRun.base {
		t.Fatalf("run %d, want %d", got, newRun.base)
	}
	for name, b := range map[string][]byte{"deltas": late.deltas, "full sync": lateState.snapshot, "beat": late.hb} {
		if err := feed(r, p, b); !errors.Is(err, errEarlierRun) {
			t.Fatalf("the earlier run's %s after the new run pulled: %v", name, err)
		}
	}
	for _, k := range []string{"late", "late-state"} {
		if v := keyValue(r, k); v != "<absent>" {
			t.Fatalf("%s = %q: an earlier run's write was applied after its new run pulled", k, v)
		}
	}
	// The new run streams as usual.
	if err := feed(r, p, append(append(newRun.deltas, newRun.snapshot...), newRun.hb...)); err == nil || err.Error() != "EOF" {
		t.Fatalf("the new run: %v", err)
	}
	if v := keyValue(r, "new"); v != "v" {
		t.Fatalf("new = %q", v)
	}
	// A late AA SYNC of the dead run does not move the run back.
	syncFrom(t, r, before.base, true)
	if got := p.run.Load(); got != newRun.base {
		t.Fatalf("run %d after an older run's AA SYNC, want %d", got, newRun.base)
	}
}

func TestNoteRunReportsRestarts(t *testing.T) {
	p := newPeer(Member{ID: 2})
	if p.noteRun(0) || p.run.Load() != 0 {
		t.Fatal("no base is no run")
	}
	if p.noteRun(100) {
		t.Fatal("the first run seen is no restart")
	}
	if p.noteRun(100) || p.noteRun(50) {
		t.Fatal("the same or an older run is no restart")
	}
	if !p.noteRun(200) || p.run.Load() != 200 {
		t.Fatal("a later run is a restart")
	}
	if !p.earlier(199) || p.earlier(200) || p.earlier(201) {
		t.Fatal("earlier")
	}
}
