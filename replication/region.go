package replication

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/metrics"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
)

// Member is one region of the database.
type Member struct {
	ID   core.ReplicaID
	Name string
	Addr string // host:port of its RESP port, or of its aa-tls-port with TLS ("" for this region)
}

// Config describes this region's place in an active-active database.
type Config struct {
	Database string
	Self     Member
	Peers    []Member
	// Secret must be presented by a peer's AA SYNC (and is presented to
	// peers); "" accepts any.
	Secret string
	// PartitionBytes is each partition's share of the backlog: the whole
	// backlog is PartitionBytes * shard.NumPartitions bytes, or at most
	// that with BacklogFloor.
	PartitionBytes int
	// BacklogFloor, when positive, sizes the backlog by the data it
	// protects instead: a tenth of the heap's live bytes, at least
	// BacklogFloor bytes and at most the whole backlog above. (A full sync
	// costs about what the dataset weighs, so the history worth keeping
	// to avoid one grows with it; a few thousand keys do not need 64 MB of
	// it.) The rings start small and grow into it as writes fill them.
	BacklogFloor int64
	Compression  Compression
	Logger       *slog.Logger
	// Now is the wall clock (tests may pin it); nil is time.Now.
	Now func() time.Time
	// TLS, when set, puts the links on mutual TLS (aa-tls-port): pulls
	// dial every peer's Addr with it (ServerName set to the address's
	// host) and ServeTLS serves peers with it. It holds this region's
	// certificate, the database's CA as RootCAs and ClientCAs, and
	// RequireAndVerifyClientCert (LoadTLSConfig builds it); nil: plain TCP
	// to the peers' RESP ports.
	TLS *tls.Config
}

// seqEpoch is where clock-based sequence bases start counting (2025-01-01
// UTC), keeping the sequences a few bits shorter on the wire.
const seqEpoch = 1735689600000

// seqBaseShift leaves room for 65536 writes per partition per millisecond
// of a run before its sequences could reach the next run's base.
const seqBaseShift = 16

// SeqBase is the first sequence a run started at now may use: every run
// of a region starts above every sequence its earlier runs could have
// reached (see shard.Config.SeqBase).
func SeqBase(now time.Time) uint64 {
	ms := now.UnixMilli() - seqEpoch
	if ms < 1 {
		ms = 1
	}
	return uint64(ms) << seqBaseShift
}

// Region is this server's replication: the backlogs its shards write to,
// the links that pull every peer's writes, the links that serve peers'
// pulls, and the bookkeeping between them (received positions, stability,
// status).
type Region struct {
	cfg       Config
	log       *slog.Logger
	now       func() time.Time
	base      uint64
	started   time.Time
	store     *shard.Store
	backlogs  []*Backlog
	budget    *Budget // what the backlogs' rings may still grow into
	ringBytes int     // where every ring started
	// appended counts local deltas per shard, so serving links skip
	// shards with nothing new without taking them.
	appended []paddedCounter

	// recv[o][p]: the last sequence of region o's partition p deltas held
	// here (own row: the last this region emitted). One writer per row:
	// the sink for ours, the pulling link for a peer's.
	recv [core.MaxReplicas][shard.NumPartitions]atomic.Uint64

	mu      sync.Mutex
	peers   map[core.ReplicaID]*peer
	removed map[core.ReplicaID]bool
	// known holds each peer's matrix as its own stream carried it, after
	// every snapshot chunk it sent before: the only safe basis for
	// collecting tombstones (a matrix that overtook a chunk taken before
	// the peer saw a delete would let a tombstone go that the chunk then
	// resurrects). acks holds the latest matrix from either direction
	// (the peer's beats on its pull are the fastest acknowledgement of our
	// writes): AA WAIT and the lag figures read it.
	known   map[core.ReplicaID]Matrix
	acks    map[core.ReplicaID]Matrix
	waiters map[shard.Waiter]struct{}
	closed  bool

	stop chan struct{}
	wg   sync.WaitGroup

	conflicts conflictLog
	pubs      pubRing
	deliver   func(channel, message []byte, shard bool) int

	// removedMask has bit i set when region i was removed; smallest is
	// the smallest member id. Both serve ActsForExpiry without the lock
	// (it runs with a shard held).
	removedMask atomic.Uint64
	smallest    atomic.Int32

	// writable: clients may write (see Writable); restartSeen: a peer knew
	// an earlier run of this region, so this one started empty after a
	// restart and must not write before it has its peers' data.
	writable    atomic.Bool
	restartSeen atomic.Bool

	// prevC and prevF are the previous collection round's vectors (the
	// housekeeping goroutine's alone); effective is the vector the last
	// round collected with, for AA TOMBSTONES.
	prevC, prevF *[shard.NumPartitions]core.VV
	effective    atomic.Pointer[[shard.NumPartitions]core.VV]

	// Tombstone collection figures.
	collected atomic.Uint64
	gcRuns    atomic.Uint64
}

type paddedCounter struct {
	atomic.Uint64
	_ [56]byte
}

// NewRegion prepares a region for a store of the given shard count: call Sink
// from shard.Config.NewSink (with SeqBase and RetainTombstones), then
// Start with the store.
func NewRegion(cfg Config, shards int) (*Region, error) {
	if cfg.Database == "" {
		return nil, errors.New("replication: no database name")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	r := &Region{cfg: cfg, log: cfg.Logger, now: cfg.Now, peers: map[core.ReplicaID]*peer{},
		removed: map[core.ReplicaID]bool{}, known: map[core.ReplicaID]Matrix{}, acks: map[core.ReplicaID]Matrix{},
		waiters: map[shard.Waiter]struct{}{}, stop: make(chan struct{})}
	if r.now == nil {
		r.now = time.Now
	}
	r.started = r.now()
	r.base = SeqBase(r.started)
	for _, m := range cfg.Peers {
		if err := r.checkNewPeer(m); err != nil {
			return nil, err
		}
		r.peers[m.ID] = newPeer(m)
	}
	r.backlogs = make([]*Backlog, shards)
	r.appended = make([]paddedCounter, shards)
	// Every ring starts at half its share; the other half is a budget the
	// rings of busy partitions grow into (Budget), so the backlog's total
	// stays what aa-backlog says. Sized by the data (BacklogFloor), the
	// rings start small and the budget follows the heap (sizeBacklog).
	ringBytes := max(cfg.PartitionBytes/2, MinPartitionBytes)
	if cfg.BacklogFloor > 0 {
		ringBytes = min(autoRingBytes, max(cfg.PartitionBytes, MinPartitionBytes))
	}
	r.ringBytes = ringBytes
	r.budget = NewBudget(int64(cfg.PartitionBytes-ringBytes) * shard.NumPartitions)
	r.sizeBacklog()
	for i := range r.backlogs {
		i := i
		r.backlogs[i] = NewGrowing(ringBytes, func(p int) bool { return p%shards == i }, r.budget)
		r.backlogs[i].Start(r.base)
	}
	for p := 0; p < shard.NumPartitions; p++ {
		r.recv[cfg.Self.ID][p].Store(r.base)
	}
	r.membershipChangedLocked()
	return r, nil
}

func (r *Region) checkNewPeer(m Member) error {
	if m.ID == r.cfg.Self.ID {
		return fmt.Errorf("replication: peer %d has this region's own id", m.ID)
	}
	if int(m.ID) >= core.MaxReplicas {
		return fmt.Errorf("replication: peer id %d out of range", m.ID)
	}
	if _, dup := r.peers[m.ID]; dup {
		return fmt.Errorf("replication: peer %d is already a member", m.ID)
	}
	if r.removed[m.ID] {
		return fmt.Errorf("replication: region %d was removed from the database; a new region needs a new id", m.ID)
	}
	return nil
}

// SeqBase is the sequence base the store must start its dots from.
func (r *Region) SeqBase() uint64 { return r.base }

// Sink is shard.Config.NewSink: shard i's backlog.
func (r *Region) Sink(i int) shard.Sink {
	return &sink{b: r.backlogs[i], r: r, n: &r.appended[i].Uint64}
}

// sink feeds a shard's backlog and keeps this region's own row of
// received positions and the shard's change counter.
type sink struct {
	b *Backlog
	r *Region
	n *atomic.Uint64
}

func (s *sink) Append(p int, d *core.Delta) {
	s.b.Append(p, d)
	s.r.recv[d.Dot.Replica][p].Store(d.Dot.Seq)
	s.n.Add(1)
}

// Start begins pulling from every peer and collecting tombstones.
func (r *Region) Start(store *shard.Store) {
	r.store = store
	r.mu.Lock()
	for _, p := range r.peers {
		r.startPull(p)
	}
	r.mu.Unlock()
	r.wg.Add(1)
	go r.housekeeping()
}

// Close stops every link.
func (r *Region) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	close(r.stop)
	for _, p := range r.peers {
		p.shutdown()
	}
	r.mu.Unlock()
	r.wg.Wait()
}

// Self is this region.
func (r *Region) Self() Member { return r.cfg.Self }

// Database is the database's name.
func (r *Region) Database() string { return r.cfg.Database }

// matrix returns this region's received matrix over the current members.
func (r *Region) matrix() Matrix {
	r.mu.Lock()
	ids := r.memberIDsLocked()
	r.mu.Unlock()
	m := make(Matrix, len(ids))
	for _, id := range ids {
		row := new([shard.NumPartitions]uint64)
		for p := range row {
			row[p] = r.recv[id][p].Load()
		}
		m[id] = row
	}
	return m
}

// memberIDsLocked lists this region and its peers, ascending.
func (r *Region) memberIDsLocked() []core.ReplicaID {
	ids := []core.ReplicaID{r.cfg.Self.ID}
	for id := range r.peers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// learn stores a peer's matrix from its beat and wakes AA WAIT; ordered
// says the beat came on the peer's own stream (see known).
func (r *Region) learn(from core.ReplicaID, m Matrix, ordered bool) {
	r.mu.Lock()
	if _, ok := r.peers[from]; ok {
		r.acks[from] = m
		if ordered {
			r.known[from] = m
		}
	}
	r.mu.Unlock()
	r.wakeWaiters()
}

// wakeWaiters wakes AA WAIT and the writes held while loading.
func (r *Region) wakeWaiters() {
	r.mu.Lock()
	ws := make([]shard.Waiter, 0, len(r.waiters))
	for w := range r.waiters {
		ws = append(ws, w)
	}
	r.mu.Unlock()
	for _, w := range ws {
		w.Wake()
	}
}

// stable returns, per partition, the version vector every member has
// received (C), and each member's own position as the same matrices report
// it (F); nil when some member's matrix is unknown (nothing is stable
// then: a tombstone must wait for every region).
func (r *Region) stable() (c, f *[shard.NumPartitions]core.VV) {
	mine := r.matrix()
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := r.memberIDsLocked()
	mats := map[core.ReplicaID]Matrix{r.cfg.Self.ID: mine}
	for id := range r.peers {
		m, ok := r.known[id]
		if !ok {
			return nil, nil
		}
		mats[id] = m
	}
	// A removed region sends nothing more: what of it any region holds is
	// all there will be, so it holds no tombstone back.
	all := append([]core.ReplicaID(nil), ids...)
	for id := range r.removed {
		all = append(all, id)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	c, f = new([shard.NumPartitions]core.VV), new([shard.NumPartitions]core.VV)
	for p := range c {
		var vv, own core.VV
		for _, o := range all {
			if r.removed[o] {
				vv = append(vv, core.Dot{Replica: o, Seq: ^uint64(0)})
				continue
			}
			low := ^uint64(0)
			for _, m := range mats {
				row := m[o]
				if row == nil {
					low = 0
					break
				}
				low = min(low, row[p])
			}
			if low > 0 {
				vv = append(vv, core.Dot{Replica: o, Seq: low})
			}
			if row := mats[o][o]; row != nil && row[p] > 0 {
				own = append(own, core.Dot{Replica: o, Seq: row[p]})
			}
		}
		c[p], f[p] = vv, own
	}
	return c, f
}

// housekeeping collects causally stable tombstones once a second.
func (r *Region) housekeeping() {
	defer r.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.CollectTombstones()
			r.sizeBacklog()
		}
	}
}

// autoRingBytes is where each ring of a backlog sized by the data starts.
const autoRingBytes = 4 << 10

// sizeBacklog moves the budget of a backlog sized by the data to a tenth
// of the heap's live bytes (see Config.BacklogFloor).
func (r *Region) sizeBacklog() {
	if r.cfg.BacklogFloor <= 0 {
		return
	}
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	var live int64
	if s[0].Value.Kind() == metrics.KindUint64 {
		live = int64(min(s[0].Value.Uint64(), math.MaxInt64))
	}
	total := min(max(live/10, r.cfg.BacklogFloor), int64(r.cfg.PartitionBytes)*shard.NumPartitions)
	r.budget.SetLimit(total - int64(r.ringBytes)*shard.NumPartitions)
}

// BacklogBytes is the backlog's size: its rings and what they may still
// grow into.
func (r *Region) BacklogBytes() int64 {
	return int64(r.ringBytes)*shard.NumPartitions + r.budget.Used() + r.budget.Spare()
}

// CollectTombstones drops every tombstone that is causally stable, shard by
// shard, and returns how many went.
//
// Every member having received a delete is not enough: a write one member
// made concurrently, before the delete reached it, may still be on its way
// to others, and it may need what the tombstone remembers (an insert
// anchored on a removed list element, an increment whose running sum the
// delete had partly removed). So collection runs one round behind: a
// tombstone goes when the previous round's received vector C covered it and
// everything each member had itself written by then (that round's F) has
// since reached every member. Whatever a member wrote before it received
// the delete is then everywhere.
func (r *Region) CollectTombstones() int {
	c, f := r.stable()
	prevC, prevF := r.prevC, r.prevF
	r.prevC, r.prevF = c, f
	if c == nil || prevC == nil || r.store == nil {
		return 0
	}
	eff := new([shard.NumPartitions]core.VV)
	for p := range eff {
		if prevF[p].LessEq(c[p]) {
			eff[p] = prevC[p]
		}
	}
	r.effective.Store(eff)
	n := 0
	now := r.now().UnixMilli()
	for i := 0; i < r.store.Shards(); i++ {
		sh := r.store.Shard(i)
		x := sh.Lock(now)
		n += x.CollectTombstones(func(p int) core.VV { return eff[p] })
		sh.Unlock()
	}
	r.collected.Add(uint64(n))
	r.gcRuns.Add(1)
	return n
}

// WaitTarget is what AA WAIT waits for: this region's own positions now.
func (r *Region) WaitTarget() []uint64 {
	t := make([]uint64, shard.NumPartitions)
	for p := range t {
		t[p] = r.recv[r.cfg.Self.ID][p].Load()
	}
	return t
}

// Reached counts the peers whose latest matrix holds everything in target.
func (r *Region) Reached(target []uint64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for id := range r.peers {
		row := r.acks[id][r.cfg.Self.ID]
		if row == nil {
			continue
		}
		ok := true
		for p, v := range target {
			if row[p] < v {
				ok = false
				break
			}
		}
		if ok {
			n++
		}
	}
	return n
}

// AddWaiter makes w wake whenever a peer reports new positions.
func (r *Region) AddWaiter(w shard.Waiter) {
	r.mu.Lock()
	r.waiters[w] = struct{}{}
	r.mu.Unlock()
}

// RemoveWaiter undoes AddWaiter.
func (r *Region) RemoveWaiter(w shard.Waiter) {
	r.mu.Lock()
	delete(r.waiters, w)
	r.mu.Unlock()
}

// peerByID returns a current peer.
func (r *Region) peerByID(id core.ReplicaID) *peer {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.peers[id]
}

// AddPeer makes m a member at run time and starts pulling from it.
func (r *Region) AddPeer(m Member) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.checkNewPeer(m); err != nil {
		return err
	}
	p := newPeer(m)
	r.peers[m.ID] = p
	r.membershipChangedLocked()
	if r.store != nil && !r.closed {
		r.startPull(p)
	}
	r.log.Info("AA peer added", "id", m.ID, "name", m.Name, "addr", m.Addr)
	return nil
}

// RemovePeer removes a member: its links close, it no longer counts for
// stability, and its id is refused from then on. Without force, a peer
// that is connected and still missing some of this region's writes (or
// whose writes are still arriving) is kept, so a planned removal loses
// nothing.
func (r *Region) RemovePeer(id core.ReplicaID, force bool) error {
	r.mu.Lock()
	p := r.peers[id]
	if p == nil {
		r.mu.Unlock()
		return fmt.Errorf("no such peer %d", id)
	}
	r.mu.Unlock()
	if !force {
		in, out := r.lagOps(p)
		if p.pullUp() && (in > 0 || out > 0) {
			return fmt.Errorf("peer %d is behind by %d operations in and %d out; retry when it has caught up, or use FORCE", id, in, out)
		}
	}
	r.mu.Lock()
	delete(r.peers, id)
	delete(r.known, id)
	delete(r.acks, id)
	r.removed[id] = true
	r.membershipChangedLocked()
	r.mu.Unlock()
	p.shutdown()
	r.log.Info("AA peer removed", "id", id, "name", p.m.Name, "force", force)
	return nil
}

// Pause stops pulling from a peer until Resume.
func (r *Region) Pause(id core.ReplicaID) error {
	p := r.peerByID(id)
	if p == nil {
		return fmt.Errorf("no such peer %d", id)
	}
	p.paused.Store(true)
	p.kickPull()
	return nil
}

// Resume undoes Pause.
func (r *Region) Resume(id core.ReplicaID) error {
	p := r.peerByID(id)
	if p == nil {
		return fmt.Errorf("no such peer %d", id)
	}
	p.paused.Store(false)
	p.kickPull()
	return nil
}

// lagOps is how many of p's writes this region lacks (in) and how many of
// this region's writes p lacks (out), as of the latest beats.
func (r *Region) lagOps(p *peer) (in, out uint64) {
	r.mu.Lock()
	km := r.acks[p.m.ID]
	r.mu.Unlock()
	if km == nil {
		return 0, 0
	}
	// Sequences start at a run's clock-based base: a partition never
	// received counts from the sender's least position, not from zero.
	if row := km[p.m.ID]; row != nil {
		for q := range row {
			have := r.recv[p.m.ID][q].Load()
			if have == 0 {
				have = rowBase(row)
			}
			if row[q] > have {
				in += row[q] - have
			}
		}
	}
	if row := km[r.cfg.Self.ID]; row != nil {
		for q := range row {
			theirs := max(row[q], r.base)
			if mine := r.recv[r.cfg.Self.ID][q].Load(); mine > theirs {
				out += mine - theirs
			}
		}
	}
	return in, out
}

// rowBase is the least position of a row: the base its region's run
// started from when some partition has had no write.
func rowBase(row *[shard.NumPartitions]uint64) uint64 {
	b := row[0]
	for _, v := range row {
		b = min(b, v)
	}
	return b
}

// membershipChangedLocked refreshes the atomics ActsForExpiry reads.
func (r *Region) membershipChangedLocked() {
	var mask uint64
	for id := range r.removed {
		mask |= 1 << id
	}
	r.removedMask.Store(mask)
	r.smallest.Store(int32(r.memberIDsLocked()[0]))
}

// ActsForExpiry is shard.Config.ActsForExpiry: the live region with the
// smallest id deletes expired keys whose expiry owner was removed.
func (r *Region) ActsForExpiry(owner core.ReplicaID) bool {
	return r.removedMask.Load()&(1<<owner) != 0 && r.smallest.Load() == int32(r.cfg.Self.ID)
}

// loadingGrace is how long a region whose peers are unreachable waits
// before taking writes when nothing says it ran before (a new database
// with a region down must still work).
const loadingGrace = 10 * time.Second

// Writable reports whether clients may write. A region takes writes once
// every peer has served it a first pass (so it holds their data, its own
// earlier writes included), or after loadingGrace when no peer has shown
// it an earlier run of its own. A restarted region that cannot reach a
// peer stays read-only until that peer returns or is removed: writing
// sooner would restart its increment sums and list positions below what
// the peer holds, and lose writes there.
func (r *Region) Writable() bool {
	if r.writable.Load() {
		return true
	}
	r.mu.Lock()
	all := true
	for _, p := range r.peers {
		all = all && p.caughtUp.Load()
	}
	r.mu.Unlock()
	if all || (!r.restartSeen.Load() && r.now().Sub(r.started) > loadingGrace) {
		if r.writable.CompareAndSwap(false, true) && !all {
			r.log.Warn("taking writes before every peer was reached", "after", loadingGrace)
		}
		return true
	}
	return false
}

// noticeEarlierRun records a matrix row of this region from a peer: a
// position below this run's base means the peer knew an earlier run.
func (r *Region) noticeEarlierRun(row *[shard.NumPartitions]uint64) {
	if row == nil || r.restartSeen.Load() {
		return
	}
	for _, v := range row {
		if v > 0 && v < r.base {
			r.restartSeen.Store(true)
			r.log.Info("peers knew an earlier run of this region: writes wait for their data")
			return
		}
	}
}
