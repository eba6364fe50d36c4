package replication

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/net/resp"
	"github.com/meridiandb/meridian/shard"
)

// The AA command's administrative subcommands, INFO's crdt section and the
// conflict log (SEMANTICS.md section 10).

// conflictLog keeps counts per kind and the most recent conflicts.
type conflictLog struct {
	mu     sync.Mutex
	counts map[string]uint64
	recent []conflictRec // ring of the last maxConflicts
	next   int
}

type conflictRec struct {
	at time.Time
	c  shard.Conflict
}

const maxConflicts = 128

// OnConflict records a conflict (shard.Config.OnConflict).
func (r *Region) OnConflict(c shard.Conflict) {
	l := &r.conflicts
	l.mu.Lock()
	if l.counts == nil {
		l.counts = map[string]uint64{}
	}
	l.counts[c.Kind]++
	rec := conflictRec{at: r.now(), c: c}
	if len(l.recent) < maxConflicts {
		l.recent = append(l.recent, rec)
	} else {
		l.recent[l.next] = rec
	}
	l.next = (l.next + 1) % maxConflicts
	l.mu.Unlock()
}

// conflictCounts returns the counts per kind.
func (r *Region) conflictCounts() (kinds []string, counts []uint64, total uint64) {
	l := &r.conflicts
	l.mu.Lock()
	defer l.mu.Unlock()
	for k := range l.counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		counts = append(counts, l.counts[k])
		total += l.counts[k]
	}
	return kinds, counts, total
}

// lastConflicts returns up to n conflicts, newest first.
func (r *Region) lastConflicts(n int) []conflictRec {
	l := &r.conflicts
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []conflictRec
	for i := 0; i < len(l.recent) && len(out) < n; i++ {
		j := (l.next - 1 - i + 2*maxConflicts) % maxConflicts
		if j < len(l.recent) {
			out = append(out, l.recent[j])
		}
	}
	return out
}

// Admin serves AA STATUS, AA PEER ADD|REMOVE, AA PAUSE|RESUME and
// AA CONFLICTS (args[0] is the subcommand), writing one reply.
func (r *Region) Admin(w *resp.Writer, args [][]byte) {
	sub := strings.ToLower(string(args[0]))
	wrongArity := func() { w.AppendError("ERR wrong number of arguments for 'aa|" + sub + "' command") }
	switch sub {
	case "status":
		if len(args) != 1 {
			wrongArity()
			return
		}
		r.writeStatus(w)
	case "peer":
		if len(args) < 2 {
			wrongArity()
			return
		}
		switch strings.ToLower(string(args[1])) {
		case "add":
			if len(args) != 5 {
				wrongArity()
				return
			}
			id, ok := parseID(args[2])
			if !ok {
				w.AppendError("ERR invalid region id '" + string(args[2]) + "'")
				return
			}
			if err := r.AddPeer(Member{ID: id, Name: string(args[3]), Addr: string(args[4])}); err != nil {
				w.AppendError("ERR " + strings.TrimPrefix(err.Error(), "replication: "))
				return
			}
			w.AppendOK()
		case "remove":
			if len(args) != 3 && len(args) != 4 {
				wrongArity()
				return
			}
			force := false
			if len(args) == 4 {
				if !strings.EqualFold(string(args[3]), "force") {
					w.AppendError("ERR syntax error")
					return
				}
				force = true
			}
			id, ok := parseID(args[2])
			if !ok {
				w.AppendError("ERR invalid region id '" + string(args[2]) + "'")
				return
			}
			if err := r.RemovePeer(id, force); err != nil {
				w.AppendError("ERR " + err.Error())
				return
			}
			w.AppendOK()
		default:
			w.AppendError("ERR unknown subcommand '" + string(args[1]) + "'. Try AA HELP.")
		}
	case "pause", "resume":
		if len(args) != 2 {
			wrongArity()
			return
		}
		id, ok := parseID(args[1])
		if !ok {
			w.AppendError("ERR invalid region id '" + string(args[1]) + "'")
			return
		}
		var err error
		if sub == "pause" {
			err = r.Pause(id)
		} else {
			err = r.Resume(id)
		}
		if err != nil {
			w.AppendError("ERR " + err.Error())
			return
		}
		w.AppendOK()
	case "conflicts":
		n, ok := countArg(w, args, wrongArity)
		if !ok {
			return
		}
		recs := r.lastConflicts(n)
		w.AppendArrayLen(len(recs))
		for _, c := range recs {
			w.AppendMapLen(8)
			w.AppendBulkString("time_ms")
			w.AppendInt(c.at.UnixMilli())
			w.AppendBulkString("kind")
			w.AppendBulkString(c.c.Kind)
			w.AppendBulkString("db")
			w.AppendInt(int64(c.c.DB))
			w.AppendBulkString("key")
			w.AppendBulkString(c.c.Key)
			w.AppendBulkString("field")
			w.AppendBulkString(c.c.Field)
			w.AppendBulkString("winner")
			w.AppendBulkString(r.regionName(c.c.Winner) + ": " + c.c.WinnerV)
			w.AppendBulkString("loser")
			w.AppendBulkString(r.regionName(c.c.Loser) + ": " + c.c.LoserV)
			w.AppendBulkString("loser_region")
			w.AppendInt(int64(c.c.Loser))
		}
	case "tombstones":
		n, ok := countArg(w, args, wrongArity)
		if !ok {
			return
		}
		r.writeTombstones(w, n)
	default:
		w.AppendError("ERR unknown subcommand '" + string(args[0]) + "'. Try AA HELP.")
	}
}

// writeTombstones lists up to n deleted keys still held, each with what
// holds it back (a part of it that some member has not received yet).
func (r *Region) writeTombstones(w *resp.Writer, n int) {
	st := r.effective.Load()
	type row struct {
		db       int
		key, why string
	}
	var rows []row
	now := r.now().UnixMilli()
	for i := 0; i < r.store.Shards() && len(rows) < n; i++ {
		sh := r.store.Shard(i)
		x := sh.Lock(now)
		x.PendingTombstones(n-len(rows), func(p int) core.VV {
			if st == nil {
				return nil
			}
			return st[p]
		}, func(db int, key, why string) {
			if st == nil {
				why = "a member's received positions are not known yet"
			}
			rows = append(rows, row{db, key, why})
		})
		sh.Unlock()
	}
	w.AppendArrayLen(len(rows))
	for _, rw := range rows {
		w.AppendArrayLen(3)
		w.AppendInt(int64(rw.db))
		w.AppendBulkString(rw.key)
		w.AppendBulkString(rw.why)
	}
}

func parseID(b []byte) (core.ReplicaID, bool) {
	n, err := strconv.Atoi(string(b))
	if err != nil || n < 0 || n >= core.MaxReplicas {
		return 0, false
	}
	return core.ReplicaID(n), true
}

// regionName names a replica id as "id/name".
func (r *Region) regionName(id core.ReplicaID) string {
	name := ""
	if id == r.cfg.Self.ID {
		name = r.cfg.Self.Name
	} else if p := r.peerByID(id); p != nil {
		name = p.m.Name
	}
	return strconv.Itoa(int(id)) + "/" + name
}

// PeerStatus is one peer's figures.
type PeerStatus struct {
	ID                           core.ReplicaID
	Name, Addr, State, LastError string
	LagOpsIn, LagOpsOut          uint64
	LagMs                        int64
	BytesIn, RawIn               uint64 // received: on the wire, and records before decompression
	BytesOut, RawOut             uint64
	DeltasIn, DeltasOut          uint64
	StatesIn, StatesOut          uint64 // keys received and sent by full syncs
	PartialSyncs, FullSyncs      uint64 // links that resumed from the backlog, or needed a full sync
	ServedPartial, ServedFull    uint64
	Serving                      bool // the peer is pulling from us now
}

// Peers returns every peer's status, by id.
func (r *Region) Peers() []PeerStatus {
	r.mu.Lock()
	ps := make([]*peer, 0, len(r.peers))
	for _, p := range r.peers {
		ps = append(ps, p)
	}
	r.mu.Unlock()
	sort.Slice(ps, func(i, j int) bool { return ps[i].m.ID < ps[j].m.ID })
	out := make([]PeerStatus, len(ps))
	for i, p := range ps {
		in, outOps := r.lagOps(p)
		st := PeerStatus{ID: p.m.ID, Name: p.m.Name, Addr: p.m.Addr, State: stateNames[p.state.Load()],
			LagOpsIn: in, LagOpsOut: outOps, LagMs: p.lagMs.Load(),
			BytesIn: p.bytesIn.Load(), RawIn: p.rawIn.Load(), BytesOut: p.bytesOut.Load(), RawOut: p.rawOut.Load(),
			DeltasIn: p.deltasIn.Load(), DeltasOut: p.deltasOut.Load(), StatesIn: p.statesIn.Load(), StatesOut: p.statesOut.Load(),
			PartialSyncs: p.partialSyncs.Load(), FullSyncs: p.fullSyncs.Load(),
			ServedPartial: p.servedPartial.Load(), ServedFull: p.servedFull.Load()}
		if e := p.lastErr.Load(); e != nil {
			st.LastError = *e
		}
		p.mu.Lock()
		st.Serving = p.out != nil && !p.out.closed.Load()
		p.mu.Unlock()
		out[i] = st
	}
	return out
}

func (r *Region) writeStatus(w *resp.Writer) {
	peers := r.Peers()
	_, _, conflicts := r.conflictCounts()
	w.AppendMapLen(9)
	w.AppendBulkString("region")
	w.AppendBulkString(r.cfg.Self.Name)
	w.AppendBulkString("region_id")
	w.AppendInt(int64(r.cfg.Self.ID))
	w.AppendBulkString("database")
	w.AppendBulkString(r.cfg.Database)
	w.AppendBulkString("partitions")
	w.AppendInt(shard.NumPartitions)
	w.AppendBulkString("protocol")
	w.AppendInt(ProtocolVersion)
	w.AppendBulkString("compression")
	w.AppendBulkString(r.cfg.Compression.String())
	w.AppendBulkString("backlog_bytes")
	w.AppendInt(r.BacklogBytes())
	w.AppendBulkString("conflicts")
	w.AppendUint(conflicts)
	w.AppendBulkString("peers")
	w.AppendArrayLen(len(peers))
	for _, p := range peers {
		w.AppendMapLen(21)
		kv := func(k string, v uint64) {
			w.AppendBulkString(k)
			w.AppendUint(v)
		}
		w.AppendBulkString("id")
		w.AppendInt(int64(p.ID))
		w.AppendBulkString("name")
		w.AppendBulkString(p.Name)
		w.AppendBulkString("addr")
		w.AppendBulkString(p.Addr)
		w.AppendBulkString("state")
		w.AppendBulkString(p.State)
		w.AppendBulkString("serving")
		w.AppendInt(b2i(p.Serving))
		kv("lag_ops_in", p.LagOpsIn)
		kv("lag_ops_out", p.LagOpsOut)
		w.AppendBulkString("lag_ms")
		w.AppendInt(p.LagMs)
		kv("bytes_in", p.BytesIn)
		kv("bytes_in_raw", p.RawIn)
		kv("bytes_out", p.BytesOut)
		kv("bytes_out_raw", p.RawOut)
		kv("deltas_in", p.DeltasIn)
		kv("deltas_out", p.DeltasOut)
		kv("keys_in_full_sync", p.StatesIn)
		kv("keys_out_full_sync", p.StatesOut)
		kv("partial_syncs", p.PartialSyncs)
		kv("full_syncs", p.FullSyncs)
		kv("served_partial_syncs", p.ServedPartial)
		kv("served_full_syncs", p.ServedFull)
		w.AppendBulkString("last_error")
		w.AppendBulkString(p.LastError)
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// Info appends INFO's crdt section lines (without the header).
func (r *Region) Info(dst []byte) []byte {
	peers := r.Peers()
	up := 0
	for _, p := range peers {
		if p.State == "up" {
			up++
		}
	}
	line := func(k, v string) { dst = append(dst, k+":"+v+"\r\n"...) }
	line("crdt_database", r.cfg.Database)
	line("crdt_region", r.cfg.Self.Name)
	line("crdt_region_id", strconv.Itoa(int(r.cfg.Self.ID)))
	line("crdt_partitions", strconv.Itoa(shard.NumPartitions))
	line("crdt_protocol", strconv.Itoa(ProtocolVersion))
	line("crdt_compression", r.cfg.Compression.String())
	line("crdt_backlog_bytes", strconv.FormatInt(r.BacklogBytes(), 10))
	if r.budget != nil {
		line("crdt_backlog_spare_bytes", strconv.FormatInt(r.budget.Spare(), 10))
	}
	line("crdt_peers", strconv.Itoa(len(peers)))
	line("crdt_peers_up", strconv.Itoa(up))
	pending, evicted := 0, uint64(0)
	if r.store != nil {
		now := r.now().UnixMilli()
		for i := 0; i < r.store.Shards(); i++ {
			sh := r.store.Shard(i)
			x := sh.Lock(now)
			pending += x.Tombstones()
			evicted += r.backlogs[i].Stats.Evicted
			sh.Unlock()
		}
	}
	line("crdt_tombstones_pending", strconv.Itoa(pending))
	line("crdt_tombstones_collected", strconv.FormatUint(r.collected.Load(), 10))
	line("crdt_backlog_evicted", strconv.FormatUint(evicted, 10))
	kinds, counts, total := r.conflictCounts()
	line("crdt_conflicts", strconv.FormatUint(total, 10))
	for i, k := range kinds {
		line("crdt_conflicts_"+k, strconv.FormatUint(counts[i], 10))
	}
	for i, p := range peers {
		line(fmt.Sprintf("peer%d", i), fmt.Sprintf("id=%d,name=%s,addr=%s,state=%s,lag_ops_in=%d,lag_ops_out=%d,lag_ms=%d,"+
			"bytes_in=%d,bytes_in_raw=%d,bytes_out=%d,bytes_out_raw=%d,deltas_in=%d,deltas_out=%d,partial_syncs=%d,full_syncs=%d",
			p.ID, p.Name, p.Addr, p.State, p.LagOpsIn, p.LagOpsOut, p.LagMs, p.BytesIn, p.RawIn, p.BytesOut, p.RawOut,
			p.DeltasIn, p.DeltasOut, p.PartialSyncs, p.FullSyncs))
	}
	return dst
}

// countArg reads the optional count of AA CONFLICTS and AA TOMBSTONES
// (args[1], default 10), answering the error itself when it is bad.
func countArg(w *resp.Writer, args [][]byte, wrongArity func()) (int, bool) {
	switch {
	case len(args) > 2:
		wrongArity()
		return 0, false
	case len(args) < 2:
		return 10, true
	}
	v, err := strconv.Atoi(string(args[1]))
	if err != nil || v < 0 {
		w.AppendError("ERR value is out of range, must be positive")
		return 0, false
	}
	return v, true
}
