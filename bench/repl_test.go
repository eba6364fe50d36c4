package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meridiandb/meridian/bench/floor"
)

func TestParseAAStatusBothProtocols(t *testing.T) {
	peer := func(name string, id, deltas int64) []any {
		return []any{"id", id, "name", name, "addr", "127.0.0.1:1", "state", "up", "serving", int64(1),
			"lag_ops_in", int64(0), "lag_ops_out", int64(3), "lag_ms", int64(0),
			"bytes_in", int64(10), "bytes_in_raw", int64(20), "bytes_out", int64(30), "bytes_out_raw", int64(40),
			"deltas_in", int64(5), "deltas_out", deltas, "keys_in_full_sync", int64(0), "keys_out_full_sync", int64(0),
			"partial_syncs", int64(2), "full_syncs", int64(1), "served_partial_syncs", int64(1), "served_full_syncs", int64(1),
			"last_error", ""}
	}
	resp2 := []any{"region", "r1", "region_id", int64(1), "database", "db", "partitions", int64(1024),
		"protocol", int64(1), "compression", "s2", "backlog_bytes", int64(1 << 26), "conflicts", int64(0),
		"peers", []any{peer("r2", 2, 100), peer("r3", 3, 200)}}
	toMap := func(flat []any) map[any]any {
		m := map[any]any{}
		for i := 0; i < len(flat); i += 2 {
			m[flat[i]] = flat[i+1]
		}
		return m
	}
	resp3 := toMap(resp2)
	resp3["peers"] = []any{toMap(peer("r2", 2, 100)), toMap(peer("r3", 3, 200))}

	for name, v := range map[string]any{"resp2": resp2, "resp3": resp3} {
		t.Run(name, func(t *testing.T) {
			s, err := ParseAAStatus(v)
			if err != nil {
				t.Fatal(err)
			}
			if s.Region != "r1" || s.RegionID != 1 || s.Compression != "s2" || len(s.Peers) != 2 {
				t.Fatalf("got %+v", s)
			}
			p := s.Peer("r3")
			if p == nil || p.ID != 3 || p.DeltasOut != 200 || p.BytesOutRaw != 40 || p.LagOpsOut != 3 ||
				p.PartialSyncs != 2 || p.FullSyncs != 1 || p.State != "up" {
				t.Fatalf("r3: %+v", p)
			}
			if s.Peer("r9") != nil {
				t.Fatal("found a peer that is not there")
			}
		})
	}
	for _, bad := range []any{"x", []any{"odd"}, []any{"peers", "not an array"}, []any{"peers", []any{int64(1)}}} {
		if _, err := ParseAAStatus(bad); err == nil {
			t.Errorf("ParseAAStatus(%#v): no error", bad)
		}
	}
}

func TestBenchmarkCommandSizes(t *testing.T) {
	// SET key:<12 digits> xxx: *3 $3 SET $16 key... $3 xxx.
	if got := RESPSize(BenchmarkCommand("set", 3)...); got != 45 {
		t.Errorf("SET size %d, want 45", got)
	}
	if got := RESPSize(BenchmarkCommand("incr", 3)...); got != 41 {
		t.Errorf("INCR size %d, want 41", got)
	}
	if BenchmarkCommand("lrange_100", 3) != nil {
		t.Error("a read test has a command")
	}
	// The paced loader's SET is the same shape as redis-benchmark's.
	b := appendSet(nil, 42, []byte("xxx"))
	if string(b) != "*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000042\r\n$3\r\nxxx\r\n" {
		t.Errorf("appendSet = %q", b)
	}
	if len(b) != RESPSize(BenchmarkCommand("set", 3)...) {
		t.Errorf("appendSet is %d bytes, RESPSize says %d", len(b), RESPSize(BenchmarkCommand("set", 3)...))
	}
}

func sampleReplReport() *ReplReport {
	wire := func(deltas, bytes, raw int64) *WireSample {
		return &WireSample{Writes: 1000, Peers: 2, Deltas: deltas, Bytes: bytes, RawBytes: raw}
	}
	r := &ReplReport{
		Meta: Meta{Date: "2026-01-02T03:04:05Z", Kernel: "6.1.0-test", CPUModel: "Test CPU", NProc: 2, GoVersion: "go1.26.8",
			RedisBenchmarkVersion: "7.0.15", Command: "meridian-bench-repl --rounds 2", Tests: []string{"set"},
			Pipelines: []int{1}, Clients: 50, Requests: 1000, Rounds: 2},
		Setup: ReplSetup{Regions: []string{"127.0.0.1:1", "127.0.0.1:2", "127.0.0.1:3"}, RegionPIDs: []int{11, 12, 13},
			Peers: 2, Compression: "s2", KeySpace: 100000, ValueSize: 3, Probes: 300, ProbeIntervalMs: 10,
			LoadFraction: 0.5, LoadConns: 8, Single: TargetInfo{Name: Single, Bin: "/w/meridian-server", Args: []string{"--port", "9"}, PID: 14}},
		Rows: []ReplRow{{Test: "SET", Pipeline: 1,
			Replicated: &ReplCell{Rounds: []ReplSample{
				{Round: 1, RPS: 40000, P50Ms: 0.8, P99Ms: 3, CPULeadSecPer1M: 20, CPUAllSecPer1M: 30, DrainMs: 2, Wire: wire(2000, 70000, 180000)},
				{Round: 2, RPS: 50000, P50Ms: 0.6, P99Ms: 2, CPULeadSecPer1M: 18, CPUAllSecPer1M: 28, DrainMs: 4, Wire: wire(2000, 72000, 182000)}}},
			Single: &ReplCell{Rounds: []ReplSample{{Round: 1, RPS: 60000, CPULeadSecPer1M: 12, CPUAllSecPer1M: 12},
				{Round: 2, RPS: 80000, CPULeadSecPer1M: 10, CPUAllSecPer1M: 10}},
				Errors: []string{"round 3: exit status 1"}}}},
		Lag: []LagResult{{Phase: "idle", Sent: 300, Received: 300, P50Ms: 0.7, P99Ms: 2},
			{Phase: "load", Sent: 300, Received: 299, LoadTargetOps: 22500, LoadAchievedOps: 22400, P50Ms: 1.5, P99Ms: 9, Error: "lost one"}},
	}
	r.Summarize()
	return r
}

func TestReplSummarizeAndRender(t *testing.T) {
	r := sampleReplReport()
	row := r.Rows[0]
	if row.Replicated.RPS != 45000 || row.Single.RPS != 70000 || row.Replicated.DrainMs != 3 {
		t.Fatalf("medians: %+v %+v", row.Replicated, row.Single)
	}
	if row.Ratio == nil || fmt.Sprintf("%.3f", *row.Ratio) != "0.643" {
		t.Fatalf("ratio %v", row.Ratio)
	}
	w := row.Wire
	// 2 rounds x 1000 writes x 2 links = 4000 write-links.
	if w.Writes != 2000 || w.Deltas != 4000 || w.DeltasPerWrite != 1 || w.WirePerWrite != 35.5 || w.RawPerWrite != 90.5 {
		t.Fatalf("wire %+v", w)
	}
	if row.RESPBytes != 45 || fmt.Sprintf("%.3f", w.WireOverRESP) != "0.789" {
		t.Fatalf("resp %d, wire/resp %v", row.RESPBytes, w.WireOverRESP)
	}
	if r.peakSetRPS() != 45000 {
		t.Fatalf("peak %v", r.peakSetRPS())
	}

	md := r.Markdown()
	for _, want := range []string{
		"| SET | 1 | 45,000 | 70,000 | 0.64 | 0.700 / 2.500 |",
		"| idle | none | 300 / 300 |",
		"| load | 22,500 / 22,400 | 299 / 300 |",
		"| SET | 1 | 45 | 1.00 | 90.5 | 35.5 | 2.01 | 0.79 | 2.55x |",
		"single SET P=1: round 3: exit status 1",
		"lag load: lost one",
		"| region 2 (127.0.0.1:2) | 12 |",
		"compressed with s2",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	var back ReplReport
	if err := json.Unmarshal(r.JSON(), &back); err != nil {
		t.Fatal(err)
	}
	back.Summarize() // the -t name is not in the JSON: it is derived again
	if back.Rows[0].RESPBytes != 45 || back.Rows[0].Wire != row.Wire {
		t.Fatalf("after a JSON round trip: %+v", back.Rows[0])
	}
}

func TestPacedLoadKeepsItsRate(t *testing.T) {
	srv, err := floor.Start(floor.Config{Addr: "127.0.0.1:0", Loops: 1, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop(context.Background())
	l, err := StartPacedLoad(context.Background(), srv.Addr(), 5000, 4, 1000, 3)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	got, errs, err := l.Stop()
	if err != nil || errs != 0 {
		t.Fatalf("err %v, error replies %d", err, errs)
	}
	// Generous bounds: a loaded CI machine may oversleep, never overshoot much.
	if got < 2500 || got > 5500 {
		t.Fatalf("achieved %.0f ops/s, want about 5000", got)
	}
	if _, err := StartPacedLoad(context.Background(), srv.Addr(), 0, 1, 1, 3); err == nil {
		t.Fatal("a zero rate was accepted")
	}
}

// listServer is a RESP server with one behaviour: lists under RPUSH, BLPOP
// (fractional timeouts), DEL and PING. It stands in for a pair of regions
// that replicate instantly, so MeasureLag's own logic can be tested.
type listServer struct {
	ln    net.Listener
	mu    sync.Mutex
	cond  *sync.Cond
	lists map[string][]string
	drop  bool // swallow RPUSHes: probes are lost
}

func startListServer(t *testing.T) *listServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &listServer{ln: ln, lists: map[string][]string{}}
	s.cond = sync.NewCond(&s.mu)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return s
}

func readCommand(br *bufio.Reader) ([]string, error) {
	line, err := br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	args := make([]string, n)
	for i := range args {
		if line, err = br.ReadString('\n'); err != nil {
			return nil, err
		}
		l, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
		b := make([]byte, l+2)
		if _, err := io.ReadFull(br, b); err != nil {
			return nil, err
		}
		args[i] = string(b[:l])
	}
	return args, nil
}

func (s *listServer) serve(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		args, err := readCommand(br)
		if err != nil || len(args) == 0 {
			return
		}
		var out string
		switch strings.ToUpper(args[0]) {
		case "PING":
			out = "+PONG\r\n"
		case "DEL":
			s.mu.Lock()
			delete(s.lists, args[1])
			s.mu.Unlock()
			out = ":1\r\n"
		case "RPUSH":
			s.mu.Lock()
			if !s.drop {
				s.lists[args[1]] = append(s.lists[args[1]], args[2:]...)
				s.cond.Broadcast()
			}
			n := len(s.lists[args[1]])
			s.mu.Unlock()
			out = ":" + strconv.Itoa(n) + "\r\n"
		case "BLPOP":
			secs, _ := strconv.ParseFloat(args[2], 64)
			deadline := time.Now().Add(time.Duration(secs * float64(time.Second)))
			key := args[1]
			s.mu.Lock()
			for len(s.lists[key]) == 0 && time.Now().Before(deadline) {
				go func() { time.Sleep(5 * time.Millisecond); s.cond.Broadcast() }()
				s.cond.Wait()
			}
			if l := s.lists[key]; len(l) > 0 {
				v := l[0]
				s.lists[key] = l[1:]
				out = fmt.Sprintf("*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(key), key, len(v), v)
			} else {
				out = "*-1\r\n"
			}
			s.mu.Unlock()
		default:
			out = "-ERR unknown command\r\n"
		}
		if _, err := io.WriteString(c, out); err != nil {
			return
		}
	}
}

func TestMeasureLag(t *testing.T) {
	s := startListServer(t)
	addr := s.ln.Addr().String()
	r, err := MeasureLag(context.Background(), addr, addr, 20, 2*time.Millisecond, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 20 || r.Received != 20 || r.P50Ms <= 0 || r.P50Ms > r.P99Ms || r.MaxMs > 1000 {
		t.Fatalf("%+v", r)
	}

	s.mu.Lock()
	s.drop = true
	s.mu.Unlock()
	r, err = MeasureLag(context.Background(), addr, addr, 5, time.Millisecond, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 5 || r.Received != 0 || r.P99Ms != 0 {
		t.Fatalf("lost probes: %+v", r)
	}
}
