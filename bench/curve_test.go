package bench

import (
	"context"
	"encoding/xml"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// kvTarget is a TargetSpec whose Launch hands over the test's key-value
// server as a one-region database: Run and RunCurve then drive it like
// any target, without binaries.
func kvTarget(t *testing.T, name string) (TargetSpec, *kvServer) {
	s := startKV(t)
	return TargetSpec{Name: name, Bin: "/bin/true", Launch: func() (*Database, error) {
		return &Database{Addrs: []string{s.ln.Addr().String()}, Describe: "the test's kv server", Stop: func() {}}, nil
	}}, s
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestRunGoLoad(t *testing.T) {
	a, sa := kvTarget(t, Meridian)
	b, _ := kvTarget(t, Floor)
	rep, err := Run(context.Background(), Config{Targets: []TargetSpec{a, b}, Rounds: 2, Log: quietLog(),
		Go: &GoLoad{Workloads: [][2]int{{1, 10}, {0, 1}}, Pipelines: []int{1, 8}, Prefill: true,
			Spec: LoadSpec{Clients: 3, KeySpace: 50, ValueSize: 4, Requests: 300}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 4 {
		t.Fatalf("%d rows, want 4 (2 workloads x 2 depths)", len(rep.Rows))
	}
	for _, row := range rep.Rows {
		for _, name := range []string{Meridian, Floor} {
			c := row.Targets[name]
			if row.Load != LoadGo || !has(c) || len(c.Rounds) != 2 || c.RPS <= 0 || c.P999Ms <= 0 || c.CPUSecPer1M < 0 || len(c.Errors) > 0 {
				t.Fatalf("%s %s P=%d %s: %+v", row.Load, row.Test, row.Pipeline, name, c)
			}
		}
		if row.MeridianFloor == nil || row.Test == "GET" && row.Targets[Meridian].Rounds[0].Misses != 0 {
			t.Fatalf("row %+v", row)
		}
	}
	// The prefill wrote every key once: GET-only rows hit.
	sa.mu.Lock()
	n := len(sa.data)
	sa.mu.Unlock()
	if n != 50 {
		t.Fatalf("prefill wrote %d keys of 50", n)
	}
	if len(rep.Goals) == 0 || !strings.Contains(rep.Markdown(), "| go | GET | 8 |") {
		t.Fatalf("goals %v or markdown:\n%s", rep.Goals, rep.Markdown())
	}
}

func TestRunCurve(t *testing.T) {
	a, _ := kvTarget(t, Meridian)
	b, _ := kvTarget(t, Redis)
	rep, err := RunCurve(context.Background(), CurveConfig{Targets: []TargetSpec{a, b}, Pipelines: []int{1, 4, 16},
		ClientCounts: []int{2, 4}, BaseClients: 4, Workload: [2]int{1, 10}, Rounds: 1, Log: quietLog(),
		Spec: LoadSpec{KeySpace: 100, ValueSize: 8, Duration: 50 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	// (1,4), (4,4), (16,4), (1,2): the shared point is measured once.
	if len(rep.Points) != 4 || rep.point(1, 4) == nil || rep.point(1, 2) == nil || rep.point(4, 2) != nil {
		t.Fatalf("points %+v", rep.Points)
	}
	for _, p := range rep.Points {
		if c := p.Targets[Redis]; !has(c) || c.RPS <= 0 || c.P99Ms <= 0 {
			t.Fatalf("point %+v: %+v", p, c)
		}
	}
	md := rep.Markdown("curve.svg")
	for _, want := range []string{"![throughput and p99 against pipeline depth and connections](curve.svg)",
		"## Pipeline depth, 4 connections", "## Connections, pipeline depth 1", "| 16 |", "| 2 |",
		"| P | meridian ops/s | meridian p99 ms | redis ops/s | redis p99 ms | meridian/floor | aa3/meridian |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	svg := rep.SVG()
	checkSVG(t, svg)
	for _, want := range []string{"Throughput vs pipeline depth (4 connections)", "p99 latency vs connections", ">meridian<", ">redis<", "#d62728"} {
		if !strings.Contains(string(svg), want) {
			t.Errorf("svg lacks %q", want)
		}
	}
}

// checkSVG fails unless b is well-formed XML with an svg root.
func checkSVG(t *testing.T, b []byte) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(string(b)))
	root := ""
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("svg is not well-formed: %v\n%s", err, b)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q", root)
	}
}

func TestChartEdgeCases(t *testing.T) {
	// Missing points break lines, no data at all still draws axes, and
	// names are escaped.
	svg := Chart{Title: "a < b & c", Panels: []Panel{
		{Title: "one", X: []string{"1", "2", "3"}, Series: []Series{{Name: "x<y", Color: "#000", Values: []float64{1, -1, 3}}}},
		{Title: "empty", X: []string{"1"}, Series: []Series{{Name: "z", Color: "#111", Values: []float64{-1}}}},
		{Title: "zero", X: nil},
	}}.SVG()
	checkSVG(t, svg)
	if strings.Count(string(svg), "<polyline") != 0 || strings.Count(string(svg), "<circle") < 3 {
		t.Fatalf("a line across a missing point, or points missing:\n%s", svg)
	}
}

func TestNiceScale(t *testing.T) {
	for _, c := range []struct{ top, step, max float64 }{
		{0, 1, 5}, {1, 0.2, 1}, {3.36e6, 1e6, 4e6}, {80000, 20000, 80000}, {72300, 20000, 80000}, {9.9, 2, 10}, {62.8, 20, 80}, {0.0123, 0.0025, 0.0125},
	} {
		step, max := niceScale(c.top, 5)
		if !near(step, c.step) || !near(max, c.max) {
			t.Errorf("niceScale(%g) = %g, %g; want %g, %g", c.top, step, max, c.step, c.max)
		}
	}
	for v, want := range map[float64]string{0: "0", 250000: "250k", 1.5e6: "1.5M", 600000.0000001: "600k", 12.5: "12.5", 0.6000000000000001: "0.6"} {
		if got := siFormat(v); v >= 1000 && got != want {
			t.Errorf("siFormat(%g) = %q, want %q", v, got, want)
		}
		if got := msFormat(v); v < 1000 && got != want {
			t.Errorf("msFormat(%g) = %q, want %q", v, got, want)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }
