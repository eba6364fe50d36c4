package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"
)

// MeridianAA3 is the target "meridian as region 1 of a 3-region database
// whose other two regions are running": what a region serves when it also
// ships every write to two peers and applies theirs.
const MeridianAA3 = "meridian-aa3"

// TargetOrder is the column order of the reports.
var TargetOrder = []string{Meridian, MeridianAA3, Redis, Floor}

// Database is a running multi-region database that the caller started
// for a TargetSpec's Launch (cmd/meridian-bench starts one through
// tools/regions, which this package may not import).
type Database struct {
	// Addrs are the regions' RESP addresses: the load goes to the first,
	// the others are its peers.
	Addrs []string
	// Describe says how the database was started, for the report.
	Describe string
	// Stop stops every region; it must be safe to call twice.
	Stop func()
}

// server is one target while a session runs: a child process this
// package started, or a database the caller launched.
type server struct {
	name  string
	info  *TargetInfo
	proc  *Proc // nil for a launched database
	db    *Database
	lead  *regionConn   // launched: region 1
	peers []*regionConn // launched: the other regions
	addr  string
	port  int
	pid   int
}

// launch starts spec: its Launch function when set, else its binary. A
// launched database is ready when every region answers and every peer
// link is up, so no run times an initial sync.
func launch(ctx context.Context, spec TargetSpec, ready time.Duration) (*server, error) {
	if spec.Launch == nil {
		p, err := Start(ctx, spec, ready)
		if err != nil {
			return nil, err
		}
		return &server{name: spec.Name, proc: p, addr: p.Addr(), port: p.Port, pid: p.PID()}, nil
	}
	db, err := spec.Launch()
	if err != nil {
		return nil, err
	}
	s := &server{name: spec.Name, db: db}
	if len(db.Addrs) == 0 {
		s.stop()
		return nil, errors.New("the launched database has no regions")
	}
	var all []*regionConn
	for i, addr := range db.Addrs {
		rc, err := dialRegion(ctx, addr)
		if err != nil {
			s.stop()
			return nil, fmt.Errorf("region %d: %w", i+1, err)
		}
		all = append(all, rc)
		if i == 0 {
			s.lead = rc
		} else {
			s.peers = append(s.peers, rc)
		}
	}
	if len(all) > 1 {
		if err := waitLinksUp(ctx, all, 30*time.Second); err != nil {
			s.stop()
			return nil, err
		}
	}
	s.addr, s.port, s.pid = s.lead.addr, s.lead.port, s.lead.pid
	return s, nil
}

// pids lists the target's processes, the one the load goes to first.
func (s *server) pids() []int {
	out := []int{s.pid}
	for _, p := range s.peers {
		out = append(out, p.pid)
	}
	return out
}

// exited reports whether the target (any region of a database) is gone,
// with what is known about why.
func (s *server) exited() (bool, string) {
	if s.proc != nil {
		if gone, err := s.proc.Exited(); gone {
			return true, fmt.Sprintf("(%v)%s", err, s.proc.logTail(5))
		}
		return false, ""
	}
	for i, pid := range s.pids() {
		if _, err := ReadCPUSeconds(pid); err != nil {
			return true, fmt.Sprintf("(region %d, pid %d, is gone)", i+1, pid)
		}
	}
	return false, ""
}

// stallLimit is how long a drain may see no replication progress at all
// before it gives up: far longer than any pause of a healthy link, far
// shorter than the drain timeout, so a replication stall is reported as
// one (with the counters) instead of as a slow drain.
const stallLimit = 30 * time.Second

// settle waits, for a database, until the other regions have every write
// region 1 took, so the next run (of any target) starts level and the
// CPU the peers spend applying lands in the run that caused it. A single
// process has nothing to wait for. It fails after timeout, or earlier
// when region 1's counters for its peers (ops still to send, deltas and
// bytes sent, keys sent in full syncs) have not moved for stallLimit.
func (s *server) settle(ctx context.Context, timeout time.Duration) (time.Duration, error) {
	if s.lead == nil || len(s.peers) == 0 {
		return 0, nil
	}
	start := time.Now()
	lastMove, last := start, ""
	for {
		n, err := s.lead.c.Do(ctx, "AA", "WAIT", len(s.peers), 1000).Int()
		var ne net.Error
		switch {
		case errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil:
			// Region 1 answered late (a loaded machine, a long full
			// sync): keep waiting; the stall check below still ends it.
			n = 0
		case err != nil:
			return time.Since(start), fmt.Errorf("AA WAIT: %w", err)
		}
		if n >= len(s.peers) {
			return time.Since(start), nil
		}
		st, err := ReadAAStatus(ctx, s.lead.c)
		if err != nil {
			return time.Since(start), err
		}
		var sig, show []string
		for _, p := range st.Peers {
			sig = append(sig, fmt.Sprint(p.Name, p.LagOpsOut, p.DeltasOut, p.BytesOut, p.KeysOutFullSync))
			show = append(show, fmt.Sprintf("%s: state %s, lag_ops_out %d, deltas_out %d, bytes_out %d, full syncs served %d, last_error %q",
				p.Name, p.State, p.LagOpsOut, p.DeltasOut, p.BytesOut, p.ServedFullSyncs, p.LastError))
		}
		now := time.Now()
		if cur := strings.Join(sig, ";"); cur != last {
			last, lastMove = cur, now
		}
		switch {
		case now.Sub(lastMove) > stallLimit:
			return now.Sub(start), fmt.Errorf("only %d of %d regions caught up, and region 1's replication counters have not moved for %v (%s)",
				n, len(s.peers), stallLimit, strings.Join(show, "; "))
		case now.Sub(start) > timeout:
			return now.Sub(start), fmt.Errorf("only %d of %d regions caught up within %v (%s)", n, len(s.peers), timeout, strings.Join(show, "; "))
		}
	}
}

// cpu returns the CPU seconds so far of the process the load goes to and
// of all the target's processes; -1 where unreadable.
func (s *server) cpu() (lead, all float64) {
	return cpuOf(s.pid), cpuOf(s.pids()...)
}

// memory fills the target info's memory readings: the process the load
// goes to, and every region of a database.
func (s *server) memory() {
	if s.info == nil {
		return
	}
	if m, err := ReadMemory(s.pid); err == nil {
		s.info.Memory = m
	}
	for i := range s.info.Regions {
		if m, err := ReadMemory(s.info.Regions[i].PID); err == nil {
			s.info.Regions[i].Memory = m
		}
	}
}

// describe fills info with where the target runs.
func (s *server) describe(info *TargetInfo) {
	s.info = info
	info.Status, info.Port, info.PID = StatusOK, s.port, s.pid
	if s.proc != nil {
		info.Bin, info.Args = s.proc.Bin, s.proc.Args
		return
	}
	info.Note = s.db.Describe
	for i, addr := range s.db.Addrs {
		pid := s.pid
		if i > 0 {
			pid = s.peers[i-1].pid
		}
		info.Regions = append(info.Regions, RegionInfo{Addr: addr, PID: pid})
	}
}

// command is the target's command line (or description) for logs.
func (s *server) command() string {
	if s.proc != nil {
		return ShellQuote(append([]string{s.proc.Bin}, s.proc.Args...))
	}
	return s.db.Describe
}

// stop stops the target: the child's group, or the database's regions
// (and closes the harness' clients of them).
func (s *server) stop() {
	if s.proc != nil {
		s.proc.Stop(5 * time.Second)
	}
	if s.lead != nil {
		s.lead.c.Close()
	}
	for _, p := range s.peers {
		p.c.Close()
	}
	if s.db != nil && s.db.Stop != nil {
		s.db.Stop()
	}
}

// logTail is the end of a child's log ("" for a database, whose logs the
// caller keeps).
func (s *server) logTail(n int) string {
	if s.proc == nil {
		return ""
	}
	return s.proc.logTail(n)
}

// launchAll starts every target in order and records each in the
// returned infos; targets without a binary, with a missing one, or that
// fail to start are skipped and noted. Only a cancelled ctx is an error.
func launchAll(ctx context.Context, specs []TargetSpec, ready time.Duration, log *slog.Logger) ([]*server, []*TargetInfo, error) {
	var (
		servers []*server
		infos   []*TargetInfo
	)
	for _, spec := range specs {
		ti := &TargetInfo{Name: spec.Name, Bin: spec.Bin, Args: spec.Args}
		infos = append(infos, ti)
		if spec.Bin == "" {
			ti.Status, ti.Note = StatusSkipped, "disabled (no binary given)"
			log.Warn("target skipped", "target", spec.Name, "reason", ti.Note)
			continue
		}
		if _, err := ResolveBinary(spec.Bin); err != nil {
			ti.Status, ti.Note = StatusSkipped, fmt.Sprintf("binary %s not found", spec.Bin)
			log.Warn("target skipped", "target", spec.Name, "reason", ti.Note)
			continue
		}
		s, err := launch(ctx, spec, ready)
		if err != nil {
			if ctx.Err() != nil {
				for _, s := range servers {
					s.stop()
				}
				return nil, infos, ctx.Err()
			}
			ti.Status, ti.Note = StatusFailed, "failed to start: "+err.Error()
			log.Error("target failed to start", "target", spec.Name, "err", err)
			continue
		}
		s.describe(ti)
		log.Info("target up", "target", spec.Name, "pids", s.pids(), "addr", s.addr, "cmd", s.command())
		servers = append(servers, s)
	}
	return servers, infos, nil
}
