package replication

import (
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
)

// Serving a peer's pull: the origin's half of a link.

// Limits of a serving link.
const (
	maxBatch      = 1 << 20   // raw records per delta frame
	maxRun        = 256 << 10 // one partition's records per ReadFrom
	maxStateChunk = 256 << 10 // raw key states per state frame
	snapshotKeys  = 256       // keys walked per hold of a shard in a full sync
	maxOutbound   = 8 << 20   // bytes queued for the socket before the link waits
	restartGate   = 10 * time.Second
)

// Link is the network side of a served pull: how the origin writes to the
// connection, which belongs to the network layer's event loop.
type Link struct {
	// Send queues b for the socket and owns it from then on.
	Send func(b []byte) error
	// Buffered is how many bytes wait for the socket.
	Buffered func() int
	// Close closes the connection.
	Close func()
}

// outbound is one served pull.
type outbound struct {
	r      *Region
	p      *peer
	link   Link
	codec  *Codec
	cursor [shard.NumPartitions]uint64
	hints  [shard.NumPartitions]ReadHint // this link's resume points in the backlogs
	full   [shard.NumPartitions]bool
	seen   []uint64
	batch  uint64 // frames sent, numbering them
	// fullDone counts partitions this link has full-synced; dbNow is the
	// database the snapshot walk is in.
	fullDone int
	dbNow    int
	pubAt    uint64 // the next PUBLISH message to send
	inbuf    []byte
	// recs is pump's buffer of raw records, kept between ticks: a new
	// one per tick, grown by appends, was most of what a region under a
	// bulk load allocated (1.5 GB for 1M SETs).
	recs   []byte
	done   chan struct{}
	once   sync.Once
	closed atomic.Bool
}

// Sync serves AA SYNC: args are the words after SYNC. On success it returns
// the function that takes the bytes the peer sends on the connection from
// then on (an error closes it) and the one to call when the connection
// closes; otherwise the error text to answer, without a leading '-'.
func (r *Region) Sync(args [][]byte, send func([]byte) error, buffered func() int, closeConn func()) (recv func([]byte) error, closed func(), errText string) {
	link := Link{Send: send, Buffered: buffered, Close: closeConn}
	if len(args) != 8 {
		return nil, nil, "ERR wrong number of arguments for 'aa|sync' command"
	}
	refuse := func(format string, a ...any) (func([]byte) error, func(), string) {
		return nil, nil, "ERR AA SYNC refused: " + fmt.Sprintf(format, a...)
	}
	if subtle.ConstantTimeCompare(args[6], []byte(r.cfg.Secret)) != 1 {
		r.log.Warn("AA SYNC with a wrong secret refused", "from", string(args[5]))
		return refuse("wrong secret")
	}
	if string(args[0]) != r.cfg.Database {
		return refuse("this region belongs to database '%s', not '%s'", r.cfg.Database, args[0])
	}
	if string(args[1]) != strconv.Itoa(shard.NumPartitions) {
		return refuse("this database has %d partitions, the peer %s", shard.NumPartitions, args[1])
	}
	if string(args[2]) != strconv.Itoa(ProtocolVersion) {
		return refuse("protocol version %d here, %s at the peer", ProtocolVersion, args[2])
	}
	if string(args[3]) != strconv.Itoa(int(r.cfg.Self.ID)) {
		return refuse("this is region %d (%s), not region %s", r.cfg.Self.ID, r.cfg.Self.Name, args[3])
	}
	id, err := strconv.Atoi(string(args[4]))
	if err != nil || id < 0 || id >= core.MaxReplicas {
		return refuse("bad region id '%s'", args[4])
	}
	pos, base, err := parseSyncPositions(args[7])
	if err != nil {
		return refuse("%v", err)
	}
	r.mu.Lock()
	p := r.peers[core.ReplicaID(id)]
	removed := r.removed[core.ReplicaID(id)]
	r.mu.Unlock()
	if removed {
		return refuse("region %d was removed from database '%s'", id, r.cfg.Database)
	}
	if p == nil {
		return refuse("region %d is not a member of database '%s' here (AA PEER ADD it first)", id, r.cfg.Database)
	}
	// Before any full sync of ours can start for this run of the peer:
	// from here on our pull drops what an earlier run of it still sends
	// (peer.run). A restart also ends that pull now, so it need not wait
	// for a dead run's connection to fail before reaching the new one.
	if p.noteRun(base) {
		p.kickPull()
		r.restarted(p)
	}
	r.noticeEarlierRun(pos)
	if r.knewEarlierRun(pos) && !r.initialSyncDone() {
		return nil, nil, "LOADING Meridian is syncing from its peers after a restart"
	}
	o := &outbound{r: r, p: p, link: link, codec: NewCodec(r.cfg.Compression, 0), cursor: *pos, pubAt: r.pubCursor(),
		seen: make([]uint64, len(r.backlogs)), done: make(chan struct{})}
	for i := range o.seen {
		o.seen[i] = ^uint64(0) // first pass visits every shard
	}
	p.mu.Lock()
	old := p.out
	p.out = o
	p.mu.Unlock()
	if old != nil {
		old.close()
	}
	r.wg.Add(1)
	go o.run()
	return o.recv, o.close, ""
}

// knewEarlierRun reports whether a peer's positions name sequences of an
// earlier run of this region (below this run's base): this region then
// restarted, and must merge what its peers hold before serving a full
// sync, or writes of its earlier run that reached only some peers would
// never reach the others.
func (r *Region) knewEarlierRun(pos *[shard.NumPartitions]uint64) bool {
	for _, v := range pos {
		if v > 0 && v < r.base {
			return true
		}
	}
	return false
}

// initialSyncDone: every peer has served its first pass, or the region has
// waited long enough (a peer may be down for good).
func (r *Region) initialSyncDone() bool {
	if r.now().Sub(r.started) > restartGate {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, p := range r.peers {
		if !p.caughtUp.Load() {
			return false
		}
	}
	return true
}

// restarted: peer p has started a new run. Writes of its earlier run may
// have reached this region after this region served another peer its
// first pass (a peer restarted empty meanwhile), and that peer can get
// them neither from p's earlier run (dead) nor from this region's stream
// (only its own writes): so every other peer is sent every partition
// whole once more. From now on p's earlier run is refused here (peer.run),
// so what this region sends is all it will ever hold of that run.
func (r *Region) restarted(p *peer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, q := range r.peers {
		if q != p {
			q.resync.Store(true)
		}
	}
}

func (o *outbound) close() {
	o.once.Do(func() {
		o.closed.Store(true)
		close(o.done)
		o.link.Close()
	})
}

// recv takes the bytes the puller sends (beats); it runs on the network
// layer's loop.
func (o *outbound) recv(b []byte) error {
	o.inbuf = append(o.inbuf, b...)
	for {
		t, body, n, err := parseMessage(o.inbuf)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		if t != msgBeat {
			return fmt.Errorf("%w: type %d from a puller", errMessage, t)
		}
		_, m, err := parseBeat(body)
		if err != nil {
			return err
		}
		o.r.learn(o.p.m.ID, m, false)
		o.inbuf = o.inbuf[:copy(o.inbuf, o.inbuf[n:])]
	}
	if cap(o.inbuf) > 1<<20 && len(o.inbuf) == 0 {
		o.inbuf = nil
	}
	return nil
}

// run streams the backlogs to the puller until the link closes.
func (o *outbound) run() {
	defer o.r.wg.Done()
	defer o.codec.Close()
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	first := true
	lastBeat := time.Time{}
	for {
		select {
		case <-o.done:
			return
		case <-o.r.stop:
			o.close()
			return
		case <-t.C:
		}
		if o.link.Buffered() > maxOutbound {
			continue
		}
		if o.p.resync.Swap(false) {
			for i := range o.full {
				o.full[i] = true
			}
		}
		if !o.pump() {
			return
		}
		if msgs, at := o.r.appendPubs(nil, o.pubAt); at != o.pubAt {
			o.pubAt = at
			if !o.send(msgs) {
				return
			}
		}
		for i := range o.r.backlogs {
			if !o.snapshotShard(i) {
				return
			}
		}
		if first {
			first = false
			flag := byte(0)
			if o.fullDone > 0 {
				flag = 1
				o.p.servedFull.Add(1)
			} else {
				o.p.servedPartial.Add(1)
			}
			if !o.send(appendMessage(nil, msgCaughtUp, []byte{flag})) {
				return
			}
		}
		if time.Since(lastBeat) >= beatIdle {
			lastBeat = time.Now()
			if !o.send(o.r.appendBeatMessage(nil)) {
				return
			}
		}
	}
}

func (o *outbound) send(b []byte) bool {
	if o.closed.Load() {
		return false
	}
	o.p.bytesOut.Add(uint64(len(b)))
	if err := o.link.Send(b); err != nil {
		o.close()
		return false
	}
	return true
}

// pump copies every shard's new records into one delta frame (or more when
// there is much) and marks the partitions that need a full sync.
func (o *outbound) pump() bool {
	r := o.r
	shards := len(r.backlogs)
	recs := o.recs[:0]
	defer func() {
		if cap(recs) <= 2*(maxBatch+maxRun) { // one frame and a run past it
			o.recs = recs[:0]
		}
	}()
	now := r.now().UnixMilli()
	for i := 0; i < shards; i++ {
		n := r.appended[i].Load()
		if n == o.seen[i] {
			continue
		}
		o.seen[i] = n
		sh := r.store.Shard(i)
		sh.Lock(now)
		bl := r.backlogs[i]
		more := false // a partition holds more than one read took
		for p := i; p < shard.NumPartitions; p += shards {
			if o.full[p] {
				continue
			}
			at := len(recs)
			recs = binary.AppendUvarint(recs, uint64(p))
			recs = append(recs, 0x80, 0x80, 0x80, 0) // run length, filled below
			start := len(recs)
			var last uint64
			var st Status
			recs, last, st = bl.ReadFromHint(p, o.cursor[p], recs, maxRun, &o.hints[p])
			switch {
			case st == OK:
				n := uint64(len(recs) - start)
				for k := 0; k < 3; k++ {
					recs[start-4+k] = byte(n) | 0x80
					n >>= 7
				}
				recs[start-1] = byte(n)
				o.cursor[p] = last
				more = more || last < bl.LastSeq(p)
				continue
			case st == Gone, st == NothingNew && o.cursor[p] > last:
				// Gone: the backlog lost what the peer needs. Ahead of
				// us: the peer holds sequences this run never made.
				o.full[p] = true
			}
			recs = recs[:at]
		}
		sh.Unlock()
		if more {
			// A read stops at maxRun: come back for the rest next tick,
			// whether or not anything is written meanwhile.
			o.seen[i] = ^uint64(0)
		}
		if len(recs) >= maxBatch {
			o.seen[i] = ^uint64(0) // more may be left: look again next tick
			if !o.sendDeltas(recs) {
				return false
			}
			recs = recs[:0]
		}
	}
	if len(recs) > 0 {
		return o.sendDeltas(recs)
	}
	return true
}

func (o *outbound) sendDeltas(recs []byte) bool {
	o.batch++
	msg, at := beginMessage(nil, msgDeltas)
	msg = o.codec.AppendFrame(msg, 0, o.batch, o.batch, recs)
	msg = endMessage(msg, at)
	o.p.rawOut.Add(uint64(len(recs)))
	for rest := recs; len(rest) > 0; {
		_, r1, ok := uvarint(rest)
		if !ok {
			break
		}
		run, r2, ok := bytesField(r1)
		if !ok {
			break
		}
		for len(run) > 0 {
			_, _, more, err := Next(run)
			if err != nil {
				break
			}
			run = more
			o.p.deltasOut.Add(1)
		}
		rest = r2
	}
	return o.send(msg)
}

// snapshotShard full-syncs shard i's partitions that need it: it records
// each partition's sequence, streams every key's state (and tombstone) of
// those partitions a chunk at a time, and then resumes the live stream
// from the recorded sequences. Writes between chunks are either in a later
// chunk or in the live stream (or both: merging is idempotent).
func (o *outbound) snapshotShard(i int) bool {
	r := o.r
	shards := len(r.backlogs)
	var parts []int
	for p := i; p < shard.NumPartitions; p += shards {
		if o.full[p] {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return true
	}
	want := func(p int) bool { return o.full[p] }
	sh := r.store.Shard(i)
	seqs := make(map[int]uint64, len(parts))
	x := sh.Lock(r.now().UnixMilli())
	for _, p := range parts {
		seqs[p] = r.backlogs[i].LastSeq(p)
	}
	sh.Unlock()
	var msg []byte
	for _, p := range parts {
		msg = appendMessage(msg, msgSnapBegin, appendPartSeq(nil, p, seqs[p]))
	}
	if !o.send(msg) {
		return false
	}
	var recs []byte
	add := func(key string, e *core.Entry) {
		recs = binary.AppendUvarint(recs, uint64(shard.PartitionOf(shard.Hash([]byte(key)))))
		recs = binary.AppendUvarint(recs, uint64(o.dbNow))
		recs = binary.AppendUvarint(recs, uint64(len(key)))
		recs = append(recs, key...)
		at := len(recs)
		recs = append(recs, 0x80, 0x80, 0x80, 0x80, 0)
		start := len(recs)
		recs = core.AppendEntryState(recs, e)
		n := uint64(len(recs) - start)
		for k := 0; k < 4; k++ {
			recs[at+k] = byte(n) | 0x80
			n >>= 7
		}
		recs[at+4] = byte(n)
		o.p.statesOut.Add(1)
	}
	for db := 0; db < r.store.Databases(); db++ {
		o.dbNow = db
		cursor := uint64(0)
		for {
			for o.link.Buffered() > maxOutbound {
				select {
				case <-o.done:
					return false
				case <-time.After(time.Millisecond):
				}
			}
			x = sh.Lock(r.now().UnixMilli())
			next := x.SnapshotFrom(db, cursor, snapshotKeys, want, add)
			if next == 0 {
				x.EachTombstone(db, want, add)
			}
			sh.Unlock()
			if len(recs) >= maxStateChunk || (next == 0 && len(recs) > 0) {
				if !o.sendStates(recs) {
					return false
				}
				recs = recs[:0]
			}
			if next == 0 {
				break
			}
			cursor = next
		}
	}
	// A new buffer: the one sent above belongs to the connection until it
	// is written (Link.Send), and reusing it would overwrite the B messages
	// with these E messages before they go out.
	msg = nil
	for _, p := range parts {
		msg = appendMessage(msg, msgSnapEnd, appendPartSeq(nil, p, seqs[p]))
		o.cursor[p] = seqs[p]
		o.full[p] = false
		o.fullDone++
	}
	return o.send(msg)
}

func (o *outbound) sendStates(recs []byte) bool {
	o.batch++
	msg, at := beginMessage(nil, msgSnapState)
	msg = o.codec.AppendFrame(msg, 0, o.batch, o.batch, recs)
	msg = endMessage(msg, at)
	o.p.rawOut.Add(uint64(len(recs)))
	return o.send(msg)
}
