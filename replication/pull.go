package replication

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	stdnet "net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
)

// Link states, as AA STATUS names them.
const (
	stateConnecting int32 = iota
	stateSyncing          // connected, first pass (maybe full syncs) under way
	stateUp               // connected and streaming
	stateDown             // not connected; retrying
	statePaused           // AA PAUSE
)

var stateNames = [...]string{"connecting", "syncing", "up", "down", "paused"}

// peer is one other region: the link that pulls its writes here, and the
// figures of the link that serves it ours.
type peer struct {
	m Member

	paused  atomic.Bool
	state   atomic.Int32
	lastErr atomic.Pointer[string]

	// Pulled from the peer.
	bytesIn, rawIn, deltasIn, statesIn atomic.Uint64
	fullSyncs, partialSyncs            atomic.Uint64
	lagMs                              atomic.Int64
	caughtUp                           atomic.Bool
	// run is the highest run base the peer's AA SYNC has shown here: the
	// first sequence of its current run (0: unknown). Once the peer's new
	// run has pulled from this region, this region's data went into that
	// run's first pass and from there to every region; a write of an
	// earlier run still arriving here (bytes a dead process left in the
	// network) could reach no other region any more, so the pulling link
	// drops it, and everything else of that run, rather than keep it here
	// alone. Writes of the earlier run that arrived before the new run
	// pulled are in what it pulled, so every region ends with the same.
	run atomic.Uint64
	// resync asks the link serving this peer to send every partition
	// whole once more (see Region.restarted); the serving link, this
	// connection's or a later one, takes it.
	resync atomic.Bool
	// Served to the peer.
	bytesOut, rawOut, deltasOut, statesOut atomic.Uint64
	servedFull, servedPartial              atomic.Uint64

	mu   sync.Mutex
	conn stdnet.Conn // the pulling connection, closed by pause and removal
	out  *outbound   // the link serving the peer's pull, if any
	kick chan struct{}
	quit chan struct{}
	once sync.Once
}

func newPeer(m Member) *peer {
	return &peer{m: m, kick: make(chan struct{}, 1), quit: make(chan struct{})}
}

// kickPull closes the pulling connection so the pull loop looks at the
// paused flag again.
func (p *peer) kickPull() {
	p.mu.Lock()
	if p.conn != nil {
		p.conn.Close()
	}
	p.mu.Unlock()
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// shutdown stops both links for good (removal, Close).
func (p *peer) shutdown() {
	p.once.Do(func() { close(p.quit) })
	p.kickPull()
	p.mu.Lock()
	o := p.out
	p.mu.Unlock()
	if o != nil {
		o.close()
	}
}

func (p *peer) pullUp() bool { return p.state.Load() == stateUp }

// noteRun records the run base a peer's AA SYNC named. It reports whether
// it shows a restart: a later run than one seen before.
func (p *peer) noteRun(base uint64) bool {
	for {
		cur := p.run.Load()
		if base <= cur {
			return false
		}
		if p.run.CompareAndSwap(cur, base) {
			return cur != 0
		}
	}
}

// earlier reports whether seq, a sequence of the peer's deltas, belongs to
// a run before the peer's current one. Every run's sequences start above
// every earlier run's (SeqBase), and a run's own positions, beats and
// snapshot bounds never fall below its base.
func (p *peer) earlier(seq uint64) bool { return seq < p.run.Load() }

func (p *peer) setErr(err error) {
	s := err.Error()
	p.lastErr.Store(&s)
}

// Link timing.
const (
	dialTimeout  = 2 * time.Second
	backoffMin   = 50 * time.Millisecond
	backoffMax   = 2 * time.Second
	beatIdle     = 100 * time.Millisecond // beat period with nothing new
	beatBusy     = 5 * time.Millisecond   // beat period while writes arrive (AA WAIT, lag)
	stableUptime = 5 * time.Second        // a link up this long resets the backoff
)

func (r *Region) startPull(p *peer) {
	r.wg.Add(1)
	go r.pullLoop(p)
}

// pullLoop keeps one peer's pulling link up: connect, stream, and on any
// error reconnect with backoff. A paused peer waits for Resume.
func (r *Region) pullLoop(p *peer) {
	defer r.wg.Done()
	backoff := backoffMin
	for {
		select {
		case <-p.quit:
			return
		case <-r.stop:
			return
		default:
		}
		if p.paused.Load() {
			p.state.Store(statePaused)
			select {
			case <-p.kick:
			case <-p.quit:
				return
			case <-r.stop:
				return
			}
			continue
		}
		p.state.Store(stateConnecting)
		began := time.Now()
		err := r.pullOnce(p)
		if p.paused.Load() {
			continue
		}
		p.state.Store(stateDown)
		if err != nil {
			p.setErr(err)
			r.log.Warn("AA link down", "peer", p.m.Name, "id", p.m.ID, "err", err)
		}
		if time.Since(began) > stableUptime {
			backoff = backoffMin
		}
		select {
		case <-time.After(backoff):
		case <-p.kick:
		case <-p.quit:
			return
		case <-r.stop:
			return
		}
		backoff = min(backoff*2, backoffMax)
	}
}

// dial connects to a peer's RESP port, or with Config.TLS to its
// aa-tls-port, the handshake done.
func (r *Region) dial(addr string) (stdnet.Conn, error) {
	d := stdnet.Dialer{Timeout: dialTimeout, KeepAlive: 15 * time.Second}
	if r.cfg.TLS != nil {
		return dialTLS(&d, addr, r.cfg.TLS)
	}
	return d.Dial("tcp", addr)
}

// pullOnce runs one connection to p until it fails.
func (r *Region) pullOnce(p *peer) error {
	conn, err := r.dial(p.m.Addr)
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.conn = conn
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.conn = nil
		p.mu.Unlock()
		conn.Close()
	}()
	select {
	case <-p.quit:
		return nil
	default:
	}
	var pos [shard.NumPartitions]uint64
	for q := range pos {
		pos[q] = r.recv[p.m.ID][q].Load()
	}
	args := []string{"AA", "SYNC", r.cfg.Database, strconv.Itoa(shard.NumPartitions), strconv.Itoa(ProtocolVersion),
		strconv.Itoa(int(p.m.ID)), strconv.Itoa(int(r.cfg.Self.ID)), r.cfg.Self.Name, r.cfg.Secret,
		string(appendSyncPositions(nil, &pos, r.base))}
	_ = conn.SetDeadline(time.Now().Add(dialTimeout))
	if _, err := conn.Write(appendCommand(nil, args)); err != nil {
		return err
	}
	br := bufio.NewReaderSize(conn, 256<<10)
	line, err := br.ReadString('\n')
	if err != nil {
		return err
	}
	if len(line) < 3 || line[0] != '+' {
		return fmt.Errorf("peer refused AA SYNC: %s", trimLine(line))
	}
	_ = conn.SetDeadline(time.Time{})
	p.state.Store(stateSyncing)
	r.log.Info("AA link up", "peer", p.m.Name, "id", p.m.ID, "addr", p.m.Addr)

	// Beats go out from their own goroutine; the reader below tells it
	// when writes arrive so acknowledgements flow faster then.
	done := make(chan struct{})
	var busy atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r.beatLoop(conn, done, &busy)
	}()
	err = r.readStream(p, br, &busy)
	close(done)
	conn.Close()
	wg.Wait()
	return err
}

// beatLoop sends this region's matrix to the origin: often while writes
// arrive, rarely when idle.
func (r *Region) beatLoop(conn stdnet.Conn, done <-chan struct{}, busy *atomic.Bool) {
	var buf []byte
	last := time.Time{}
	t := time.NewTicker(beatBusy)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		if !busy.Swap(false) && time.Since(last) < beatIdle {
			continue
		}
		last = time.Now()
		buf = r.appendBeatMessage(buf[:0])
		_ = conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write(buf); err != nil {
			conn.Close()
			return
		}
	}
}

func (r *Region) appendBeatMessage(dst []byte) []byte {
	dst, at := beginMessage(dst, msgBeat)
	dst = appendBeat(dst, r.now().UnixMilli(), r.matrix())
	return endMessage(dst, at)
}

// readStream applies the origin's messages until the connection fails or a
// message is bad.
func (r *Region) readStream(p *peer, br *bufio.Reader, busy *atomic.Bool) error {
	codec := NewCodec(r.cfg.Compression, 0)
	defer codec.Close()
	var body []byte
	var d core.Delta
	lim := core.DefaultDecodeLimits
	// snap is the highest snapshot bound this connection carried: the
	// origin's run that sends the key states is at or below it, so states
	// of a run that has since restarted are recognised (peer.run).
	var snap uint64
	for {
		t, err := br.ReadByte()
		if err != nil {
			return err
		}
		l, err := binary.ReadUvarint(br)
		if err != nil {
			return err
		}
		if l > maxMessage {
			return fmt.Errorf("%w: length %d", errMessage, l)
		}
		if uint64(cap(body)) < l {
			body = make([]byte, l)
		}
		body = body[:l]
		if _, err := io.ReadFull(br, body); err != nil {
			return err
		}
		p.bytesIn.Add(l + 2)
		switch t {
		case msgDeltas:
			f, n, err := codec.DecodeFrame(body)
			if err != nil || n != len(body) {
				return fmt.Errorf("delta frame: %v", orTrailing(err))
			}
			p.rawIn.Add(uint64(len(f.Records)))
			if err := r.applyRuns(p, f.Records, &d, lim); err != nil {
				return err
			}
			busy.Store(true)
		case msgSnapBegin:
			_, seq, err := parsePartSeq(body)
			if err != nil {
				return err
			}
			if p.earlier(seq) {
				return errEarlierRun
			}
			snap = max(snap, seq)
		case msgSnapState:
			f, n, err := codec.DecodeFrame(body)
			if err != nil || n != len(body) {
				return fmt.Errorf("state frame: %v", orTrailing(err))
			}
			p.rawIn.Add(uint64(len(f.Records)))
			if err := r.applyStates(p, f.Records, lim, snap); err != nil {
				return err
			}
		case msgSnapEnd:
			q, seq, err := parsePartSeq(body)
			if err != nil {
				return err
			}
			if p.earlier(seq) {
				return errEarlierRun
			}
			if seq > r.recv[p.m.ID][q].Load() {
				r.recv[p.m.ID][q].Store(seq)
			}
			busy.Store(true)
		case msgCaughtUp:
			if len(body) == 1 && body[0] == 1 {
				p.fullSyncs.Add(1)
			} else {
				p.partialSyncs.Add(1)
			}
			p.caughtUp.Store(true)
			p.state.Store(stateUp)
			r.wakeWaiters() // writes held for the first sync may run now
		case msgPublish:
			if err := r.deliverPub(body); err != nil {
				return err
			}
		case msgBeat:
			_, m, err := parseBeat(body)
			if err != nil {
				return err
			}
			// A run's own row never falls below its base: an earlier
			// run's matrix must not stand for the peer's current one.
			if own := m[p.m.ID]; own != nil && p.earlier(rowBase(own)) {
				return errEarlierRun
			}
			r.noticeEarlierRun(m[r.cfg.Self.ID])
			r.learn(p.m.ID, m, true)
			if in, _ := r.lagOps(p); in == 0 {
				p.lagMs.Store(0)
			}
		default:
			return fmt.Errorf("%w: type %d", errMessage, t)
		}
	}
}

func orTrailing(err error) error {
	if err == nil {
		return errors.New("trailing bytes")
	}
	return err
}

// applyChunk bounds the deltas applied under one hold of a shard.
const applyChunk = 64

// applyRuns applies a delta frame's runs, a chunk at a time under the
// partition's shard.
func (r *Region) applyRuns(p *peer, recs []byte, d *core.Delta, lim core.DecodeLimits) error {
	origin := p.m.ID
	for len(recs) > 0 {
		q, rest, ok := uvarint(recs)
		if !ok || q >= shard.NumPartitions {
			return fmt.Errorf("%w: run partition", errMessage)
		}
		run, rest, ok := bytesField(rest)
		if !ok {
			return fmt.Errorf("%w: run length", errMessage)
		}
		recs = rest
		part := int(q)
		sh := r.store.ShardOfPartition(part)
		// The shard is released every applyChunk deltas: a long run must
		// not hold the shard's local clients back for long.
		for len(run) > 0 {
			nowMs := r.now().UnixMilli()
			x := sh.Lock(nowMs)
			have := r.recv[origin][part].Load()
			// Read with the shard held: the serving side records a
			// restarted peer's run (Sync) before its full sync takes this
			// shard, so a delta applied here either went into that full
			// sync or is refused.
			cur := p.run.Load()
			var err error
			var lag int64 = -1
			for k := 0; k < applyChunk && len(run) > 0; k++ {
				seq, delta, more, e := Next(run)
				if e != nil {
					err = e
					break
				}
				run = more
				if seq <= have {
					continue // a duplicate (a resent batch)
				}
				if seq < cur {
					err = errEarlierRun
					break
				}
				if _, e := core.DecodeDelta(delta, d, lim); e != nil {
					err = e
					break
				}
				if d.Dot.Replica != origin || shard.PartitionOf(shard.Hash(d.Key)) != part {
					err = fmt.Errorf("%w: a delta of region %d partition %d in region %d's partition %d", errMessage,
						d.Dot.Replica, shard.PartitionOf(shard.Hash(d.Key)), origin, part)
					break
				}
				x.Apply(d)
				have = seq
				lag = nowMs - d.TS.Millis()
				p.deltasIn.Add(1)
			}
			r.recv[origin][part].Store(have)
			sh.Unlock()
			if lag >= 0 {
				p.lagMs.Store(max(lag, 0))
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// applyStates merges a state frame's key states; snap is the highest
// snapshot bound the connection carried before them (see readStream).
func (r *Region) applyStates(p *peer, recs []byte, lim core.DecodeLimits, snap uint64) error {
	dbs := uint64(r.store.Databases())
	for len(recs) > 0 {
		q, rest, ok := uvarint(recs)
		if !ok || q >= shard.NumPartitions {
			return fmt.Errorf("%w: state partition", errMessage)
		}
		db, rest, ok := uvarint(rest)
		if !ok || db >= dbs {
			return fmt.Errorf("%w: state database", errMessage)
		}
		key, rest, ok := bytesField(rest)
		if !ok || shard.PartitionOf(shard.Hash(key)) != int(q) {
			return fmt.Errorf("%w: state key", errMessage)
		}
		state, rest, ok := bytesField(rest)
		if !ok {
			return fmt.Errorf("%w: state length", errMessage)
		}
		recs = rest
		st, n, err := core.DecodeEntryState(state, lim, true)
		if err != nil || n != len(state) {
			return fmt.Errorf("%w: key state: %v", errMessage, orTrailing(err))
		}
		sh := r.store.ShardOfPartition(int(q))
		x := sh.Lock(r.now().UnixMilli())
		// Checked with the shard held, as in applyRuns.
		if p.earlier(snap) {
			sh.Unlock()
			return errEarlierRun
		}
		x.MergeState(int(db), key, st)
		sh.Unlock()
		p.statesIn.Add(1)
	}
	return nil
}

// appendCommand encodes a command as a RESP array of bulk strings.
func appendCommand(dst []byte, args []string) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(len(args)), 10)
	dst = append(dst, '\r', '\n')
	for _, a := range args {
		dst = append(dst, '$')
		dst = strconv.AppendInt(dst, int64(len(a)), 10)
		dst = append(dst, '\r', '\n')
		dst = append(dst, a...)
		dst = append(dst, '\r', '\n')
	}
	return dst
}

func trimLine(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}
