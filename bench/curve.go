package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// The curve: how throughput and p99 move with pipeline depth (at a fixed
// number of connections) and with the number of connections (at depth 1).
// One table row or chart point is one (depth, connections) pair; the pair
// both sweeps share (depth 1 at the base connections) is measured once.

// CurveConfig describes a curve session.
type CurveConfig struct {
	Targets []TargetSpec
	// Pipelines are the depths of the first sweep, at BaseClients
	// connections; ClientCounts the connections of the second, at depth 1.
	Pipelines    []int
	ClientCounts []int
	BaseClients  int
	Workload     [2]int   // SET:GET
	Spec         LoadSpec // everything else of the Go generator's load
	Rounds       int
	Prefill      bool
	ReadyTimeout time.Duration
	// SettleTimeout limits a multi-region target's drain after a run.
	SettleTimeout time.Duration
	Log           *slog.Logger
}

// CurveReport is a curve session's figures.
type CurveReport struct {
	Meta         Meta          `json:"meta"`
	Targets      []*TargetInfo `json:"targets"`
	Workload     string        `json:"workload"`
	Pipelines    []int         `json:"pipelines"`     // the depth sweep, at BaseClients
	ClientCounts []int         `json:"client_counts"` // the connection sweep, at depth 1
	BaseClients  int           `json:"base_clients"`
	Points       []CurvePoint  `json:"points"`
	Notes        []string      `json:"notes,omitempty"`
}

// CurvePoint is one (depth, connections) pair's figures per target.
type CurvePoint struct {
	Pipeline int              `json:"pipeline"`
	Clients  int              `json:"clients"`
	Targets  map[string]*Cell `json:"targets"`
}

// point returns the figures of (pipeline, clients), or nil.
func (r *CurveReport) point(pipeline, clients int) *CurvePoint {
	for i := range r.Points {
		if r.Points[i].Pipeline == pipeline && r.Points[i].Clients == clients {
			return &r.Points[i]
		}
	}
	return nil
}

// RunCurve starts the targets, runs every point for every round against
// each target in rotating order, and returns the report (without Meta).
// Targets are stopped on every return path.
func RunCurve(ctx context.Context, cfg CurveConfig) (*CurveReport, error) {
	log := cfg.Log
	if log == nil {
		log = slog.Default()
	}
	cfg.Rounds = max(cfg.Rounds, 1)
	if cfg.ReadyTimeout <= 0 {
		cfg.ReadyTimeout = 15 * time.Second
	}
	if cfg.SettleTimeout <= 0 {
		cfg.SettleTimeout = 2 * time.Minute
	}
	if cfg.BaseClients < 1 || len(cfg.Pipelines) == 0 || len(cfg.ClientCounts) == 0 {
		return nil, errors.New("curve: need base clients, pipelines and client counts")
	}
	rep := &CurveReport{Workload: WorkloadName(cfg.Workload[0], cfg.Workload[1]), Pipelines: cfg.Pipelines,
		ClientCounts: cfg.ClientCounts, BaseClients: cfg.BaseClients}
	for _, p := range cfg.Pipelines {
		if rep.point(p, cfg.BaseClients) == nil {
			rep.Points = append(rep.Points, CurvePoint{Pipeline: p, Clients: cfg.BaseClients, Targets: map[string]*Cell{}})
		}
	}
	for _, c := range cfg.ClientCounts {
		if rep.point(1, c) == nil {
			rep.Points = append(rep.Points, CurvePoint{Pipeline: 1, Clients: c, Targets: map[string]*Cell{}})
		}
	}

	servers, infos, err := launchAll(ctx, cfg.Targets, cfg.ReadyTimeout, log)
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	rep.Targets = infos
	if err != nil {
		return nil, err
	}
	if len(servers) == 0 {
		return rep, errors.New("no target could be started")
	}
	if cfg.Prefill {
		for _, s := range servers {
			if err := prefill(ctx, s, cfg.Spec, cfg.SettleTimeout, log); err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				rep.Notes = append(rep.Notes, fmt.Sprintf("%s: prefill failed: %v", s.name, err))
			}
		}
	}
	for round := 0; round < cfg.Rounds; round++ {
		for pi := range rep.Points {
			pt := &rep.Points[pi]
			spec := cfg.Spec
			spec.Pipeline, spec.Clients, spec.SetRatio, spec.GetRatio = pt.Pipeline, pt.Clients, cfg.Workload[0], cfg.Workload[1]
			for _, s := range Rotate(servers, round+pi) {
				if gone, _ := s.exited(); gone {
					continue
				}
				cell := pt.Targets[s.name]
				if cell == nil {
					cell = &Cell{}
					pt.Targets[s.name] = cell
				}
				smp, res, err := goRun(ctx, s, spec, round, cfg.SettleTimeout)
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				if smp != nil {
					cell.Rounds = append(cell.Rounds, *smp)
					logGoRun(log, s.name, rep.Workload, spec, round, smp)
					if res.ErrorReplies > 0 {
						cell.Errors = append(cell.Errors, fmt.Sprintf("round %d: %d error replies, first: %s", round+1, res.ErrorReplies, res.FirstError))
					}
				}
				if err != nil {
					if gone, why := s.exited(); gone {
						s.info.Status = StatusFailed
						s.info.Note = fmt.Sprintf("died at P=%d, %d connections, round %d %s", pt.Pipeline, pt.Clients, round+1, why)
					}
					cell.Errors = append(cell.Errors, fmt.Sprintf("round %d: %v", round+1, err))
					log.Error("run failed", "target", s.name, "P", pt.Pipeline, "clients", pt.Clients, "round", round+1, "err", err)
				}
			}
		}
	}
	for _, s := range servers {
		if gone, _ := s.exited(); !gone {
			s.memory()
		}
	}
	rep.Summarize()
	return rep, nil
}

// Summarize recomputes every cell's medians from its samples.
func (r *CurveReport) Summarize() {
	for _, p := range r.Points {
		for _, c := range p.Targets {
			c.summarize()
		}
	}
}

// present lists the targets with figures, in column order.
func (r *CurveReport) present() []string {
	var out []string
	for _, name := range TargetOrder {
		for _, p := range r.Points {
			if has(p.Targets[name]) {
				out = append(out, name)
				break
			}
		}
	}
	return out
}

// Markdown renders the curve as two tables (the depth sweep and the
// connection sweep) and links the chart svgName ("" for none).
func (r *CurveReport) Markdown(svgName string) string {
	var b strings.Builder
	m := r.Meta
	b.WriteString("# Meridian benchmark: throughput and p99 against pipeline depth and connections\n\n")
	writeHostMeta(&b, m)
	if g := m.Go; g != nil {
		g2 := *g
		g2.Pipelines = nil
		fmt.Fprintf(&b, "- load: %s; depths %s at %d connections, then %s connections at depth 1\n",
			strings.Replace(g2.describe(), ", pipelines ", "", 1), joinInts(r.Pipelines), r.BaseClients, joinInts(r.ClientCounts))
	}
	fmt.Fprintf(&b, "- %d round(s), targets in rotating order; figures are medians over rounds\n", m.Rounds)
	if m.LoadAvgStart != "" || m.LoadAvgEnd != "" {
		fmt.Fprintf(&b, "- load average (1/5/15 min) at start: %s, at end: %s\n", orNA(m.LoadAvgStart), orNA(m.LoadAvgEnd))
	}
	fmt.Fprintf(&b, "- command: `%s`\n\n", m.Command)
	if svgName != "" {
		fmt.Fprintf(&b, "![throughput and p99 against pipeline depth and connections](%s)\n\n", svgName)
	}
	names := r.present()
	table := func(title, xName string, xs []int, at func(x int) *CurvePoint) {
		fmt.Fprintf(&b, "## %s\n\n| %s |", title, xName)
		for _, n := range names {
			fmt.Fprintf(&b, " %s ops/s | %s p99 ms |", n, n)
		}
		b.WriteString(" meridian/floor | aa3/meridian |\n|---:|" + strings.Repeat("---:|", 2*len(names)+2) + "\n")
		for _, x := range xs {
			p := at(x)
			if p == nil {
				continue
			}
			fmt.Fprintf(&b, "| %d |", x)
			for _, n := range names {
				c := p.Targets[n]
				p99 := "n/a"
				if has(c) {
					p99 = ms(c.P99Ms)
				}
				fmt.Fprintf(&b, " %s | %s |", ops(c), p99)
			}
			row := Row{Targets: p.Targets}
			row.summarize()
			fmt.Fprintf(&b, " %s | %s |\n", ratio(row.MeridianFloor), ratio(row.AA3Meridian))
		}
		b.WriteString("\n")
	}
	table(fmt.Sprintf("Pipeline depth, %d connections", r.BaseClients), "P", r.Pipelines,
		func(x int) *CurvePoint { return r.point(x, r.BaseClients) })
	table("Connections, pipeline depth 1", "connections", r.ClientCounts,
		func(x int) *CurvePoint { return r.point(1, x) })
	b.WriteString("With P > 1 the p99 is of whole pipelined batches. The Go generator runs in the harness process on the same machine as the servers ")
	b.WriteString("and competes with them for its CPUs; the JSON has every round, p50 and p99.9, and the CPU figures.\n")
	var notes []string
	notes = append(notes, r.Notes...)
	for _, t := range r.Targets {
		if t.Status != StatusOK {
			notes = append(notes, fmt.Sprintf("%s %s: %s", t.Name, t.Status, t.Note))
		}
	}
	for _, p := range r.Points {
		for _, n := range TargetOrder {
			if c := p.Targets[n]; c != nil {
				for _, e := range c.Errors {
					notes = append(notes, fmt.Sprintf("%s P=%d, %d connections: %s", n, p.Pipeline, p.Clients, e))
				}
			}
		}
	}
	if len(notes) > 0 {
		b.WriteString("\nNotes:\n\n")
		for _, n := range notes {
			b.WriteString("- " + strings.ReplaceAll(strings.TrimSpace(n), "\n", "\n  ") + "\n")
		}
	}
	return b.String()
}

// SVG draws the curve: throughput and p99 (rows) against pipeline depth
// and against connections (columns), a line per target.
func (r *CurveReport) SVG() []byte {
	names := r.present()
	series := func(xs []int, at func(x int) *CurvePoint, val func(c *Cell) float64) []Series {
		var out []Series
		for _, n := range names {
			s := Series{Name: n, Color: targetColor(n)}
			for _, x := range xs {
				v := -1.0
				if p := at(x); p != nil && has(p.Targets[n]) {
					v = val(p.Targets[n])
				}
				s.Values = append(s.Values, v)
			}
			out = append(out, s)
		}
		return out
	}
	byP := func(x int) *CurvePoint { return r.point(x, r.BaseClients) }
	byC := func(x int) *CurvePoint { return r.point(1, x) }
	rps := func(c *Cell) float64 { return c.RPS }
	p99 := func(c *Cell) float64 { return c.P99Ms }
	labels := func(xs []int) []string {
		out := make([]string, len(xs))
		for i, x := range xs {
			out[i] = fmt.Sprint(x)
		}
		return out
	}
	pl, cl := labels(r.Pipelines), labels(r.ClientCounts)
	title := fmt.Sprintf("Meridian side by side: %s, Go generator", r.Workload)
	if r.Meta.Date != "" {
		title += ", " + r.Meta.Date
	}
	return Chart{Title: title, Panels: []Panel{
		{Title: fmt.Sprintf("Throughput vs pipeline depth (%d connections)", r.BaseClients), XLabel: "pipeline depth", YLabel: "ops/s", X: pl,
			Series: series(r.Pipelines, byP, rps), Format: siFormat},
		{Title: "Throughput vs connections (pipeline depth 1)", XLabel: "connections", YLabel: "ops/s", X: cl,
			Series: series(r.ClientCounts, byC, rps), Format: siFormat},
		{Title: fmt.Sprintf("p99 latency vs pipeline depth (%d connections)", r.BaseClients), XLabel: "pipeline depth", YLabel: "p99 ms (per batch)", X: pl,
			Series: series(r.Pipelines, byP, p99), Format: msFormat},
		{Title: "p99 latency vs connections (pipeline depth 1)", XLabel: "connections", YLabel: "p99 ms", X: cl,
			Series: series(r.ClientCounts, byC, p99), Format: msFormat},
	}}.SVG()
}

// targetColor gives every target the same color in every chart.
func targetColor(name string) string {
	switch name {
	case Meridian:
		return "#1f77b4"
	case MeridianAA3:
		return "#9467bd"
	case Redis:
		return "#d62728"
	case Floor:
		return "#7f7f7f"
	}
	colors := []string{"#2ca02c", "#ff7f0e", "#8c564b", "#e377c2"}
	return colors[len(name)%len(colors)]
}

// WriteFiles writes the markdown (linking the chart as svgLink), the JSON
// and the chart; an empty path skips that file.
func (r *CurveReport) WriteFiles(mdPath, jsonPath, svgPath, svgLink string) error {
	if svgPath == "" {
		svgLink = ""
	}
	for _, f := range []struct {
		path string
		data func() []byte
	}{
		{mdPath, func() []byte { return []byte(r.Markdown(svgLink)) }},
		{jsonPath, func() []byte { return indentJSON(r) }},
		{svgPath, r.SVG},
	} {
		if f.path == "" {
			continue
		}
		if err := writeFile(f.path, f.data()); err != nil {
			return err
		}
	}
	return nil
}
