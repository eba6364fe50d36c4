package bench

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sampleReport() *Report {
	rounds := func(rps ...float64) []Sample {
		var s []Sample
		for i, r := range rps {
			s = append(s, Sample{Round: i + 1, RPS: r, P50Ms: 0.1 * float64(i+1), P99Ms: 0.5 * float64(i+1), CPUSecPer1M: float64(i + 1)})
		}
		return s
	}
	r := &Report{
		Meta: Meta{Date: "2026-01-02T03:04:05Z", Kernel: "6.1.0-test", CPUModel: "Test CPU", NProc: 2,
			GoVersion: "go1.26.8", RedisVersion: "7.0.15", RedisBenchmarkVersion: "7.0.15",
			Command: "meridian-bench --rounds 3", Tests: []string{"set", "get"}, Pipelines: []int{1, 16},
			Clients: 50, Requests: 200000, Rounds: 3, LoadAvgStart: "0.10 0.20 0.30", LoadAvgEnd: "1.00 0.50 0.40"},
		Targets: []*TargetInfo{
			{Name: Meridian, Bin: "/w/bin/meridian-server", Args: []string{"--port", "7001"}, Status: StatusOK, Memory: Memory{RSS: 10 << 20, PeakRSS: 12 << 20}},
			{Name: Redis, Bin: "/usr/bin/redis-server", Args: []string{"--port", "7002", "--save", ""}, Status: StatusOK, Memory: Memory{RSS: 8 << 20}},
			{Name: Floor, Bin: "bin/meridian-floor", Status: StatusSkipped, Note: "binary bin/meridian-floor not found"},
		},
		Rows: []Row{
			{Load: LoadRedisBenchmark, Test: "SET", Pipeline: 1, Targets: map[string]*Cell{
				Meridian: {Rounds: rounds(90000, 100000, 80000)},
				Redis:    {Rounds: rounds(100000, 120000, 110000)},
			}},
			{Load: LoadRedisBenchmark, Test: "GET", Pipeline: 16, Targets: map[string]*Cell{
				Meridian: {Rounds: rounds(1500000), Errors: []string{"round 2: exit status 1: Connection reset"}},
				Redis:    {Rounds: []Sample{{Round: 1, RPS: 1000000, P99Ms: 1.234, CPUSecPer1M: -1, CPUAllSecPer1M: -1, ClientCPUSecPer1M: -1}}},
			}},
		},
	}
	r.Summarize()
	return r
}

func TestMarkdown(t *testing.T) {
	md := sampleReport().Markdown()
	for _, want := range []string{
		"- date: 2026-01-02T03:04:05Z\n",
		"- kernel: 6.1.0-test\n",
		"- CPU: Test CPU, nproc 2\n",
		"- Go: go1.26.8\n",
		"- redis-server: 7.0.15; redis-benchmark: 7.0.15\n",
		"- load (redis-benchmark): redis-benchmark -c 50 -n 200000 (times P/2 at a pipeline depth P above 2, so CPU time resolves), tests set,get, pipelines 1,16\n",
		"- load average (1/5/15 min) at start: 0.10 0.20 0.30, at end: 1.00 0.50 0.40\n",
		"- command: `meridian-bench --rounds 3`\n",
		"| meridian | ok | `/w/bin/meridian-server --port 7001` | 10.0 MiB | 12.0 MiB |\n",
		"| redis | ok | `/usr/bin/redis-server --port 7002 --save ''` | 8.0 MiB | n/a |\n",
		"| floor | skipped: binary bin/meridian-floor not found |",
		"| load | test | P | meridian ops/s | redis ops/s | floor ops/s | meridian/redis | meridian/floor | aa3/meridian |\n",
		// medians: meridian 90000 (p50 0.2, p99 1.0, cpu 2), redis 110000 (p99 1.0, cpu 2)
		"| redis-benchmark | SET | 1 | 90,000 | 110,000 | n/a | 0.82 | n/a | n/a |\n",
		"| redis-benchmark | GET | 16 | 1,500,000 | 1,000,000 | n/a | 1.50 | n/a | n/a |\n",
		"| redis-benchmark | SET | 1 | 0.200 / 1.000 / n/a | 0.200 / 1.000 / n/a | n/a |\n",
		"| redis-benchmark | GET | 16 | 0.100 / 0.500 / n/a | 0.000 / 1.234 / n/a | n/a |\n",
		"| redis-benchmark | SET | 1 | 2.00 | 2.00 | n/a | n/a | 500 | 500 | 0.00 |\n",
		"| redis-benchmark | GET | 16 | 1.00 | n/a | n/a | n/a | 1000 | n/a | 0.00 |\n",
		"- floor skipped: binary bin/meridian-floor not found\n",
		"- meridian redis-benchmark GET P=16: round 2: exit status 1: Connection reset\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q\n--- got:\n%s", want, md)
		}
	}
	// Every table row has as many cells as its header.
	var header int
	for _, line := range strings.Split(md, "\n") {
		switch {
		case strings.HasPrefix(line, "| load | test"), strings.HasPrefix(line, "| load | goal"):
			header = strings.Count(line, "|")
		case strings.HasPrefix(line, "| redis-benchmark |"):
			if n := strings.Count(line, "|"); n != header {
				t.Errorf("row has %d pipes, header %d: %s", n, header, line)
			}
		}
	}
}

func TestGoalsAndGoRows(t *testing.T) {
	smp := func(rps, cpu, p999 float64) []Sample {
		return []Sample{{Round: 1, RPS: rps, P50Ms: 0.1, P99Ms: 0.5, P999Ms: p999, CPUSecPer1M: cpu, CPUAllSecPer1M: cpu * 2, ClientCPUSecPer1M: 3}}
	}
	r := &Report{
		Meta: Meta{Rounds: 1, Loads: []string{LoadRedisBenchmark, LoadGo}, Clients: 50, Requests: 10, Tests: []string{"set"}, Pipelines: []int{1, 16},
			Go: &GoMeta{Workloads: []string{"SET:GET 1:10"}, Pipelines: []int{1, 16}, Clients: 50, KeySpace: 1000, Pattern: PatternRandom, ValueSize: 32, DurationSec: 5, Prefill: true}},
		Targets: []*TargetInfo{{Name: Meridian, Status: StatusOK}, {Name: MeridianAA3, Status: StatusOK, Note: "region 1 of 3",
			Regions: []RegionInfo{{PID: 1, Memory: Memory{RSS: 1 << 20}}, {PID: 2, Memory: Memory{RSS: 2 << 20}}}}, {Name: Floor, Status: StatusOK}},
		Rows: []Row{
			{Load: LoadRedisBenchmark, Test: "SET", Pipeline: 1, Targets: map[string]*Cell{
				Meridian: {Rounds: smp(96, 1.1, 0)}, MeridianAA3: {Rounds: smp(80, 1.5, 0)}, Floor: {Rounds: smp(100, 1, 0)}}},
			{Load: LoadRedisBenchmark, Test: "LRANGE_100 (first 100 elements)", Pipeline: 1, Targets: map[string]*Cell{
				Meridian: {Rounds: smp(20, 5, 0)}, Floor: {Rounds: smp(100, 1, 0)}}},
			{Load: LoadGo, Test: "SET:GET 1:10", Pipeline: 1, Targets: map[string]*Cell{
				Meridian: {Rounds: smp(90, 1.2, 0.9)}, MeridianAA3: {Rounds: smp(85, 2, 1.5)}, Floor: {Rounds: smp(100, 1, 0.7)}}},
			{Load: LoadGo, Test: "SET:GET 1:10", Pipeline: 16, Targets: map[string]*Cell{
				Meridian: {Rounds: smp(900, 0.2, 2)}, Floor: {Rounds: smp(1000, 0.1, 1)}}},
		},
	}
	r.Summarize()
	byName := map[string]Goal{}
	for _, g := range r.Goals {
		byName[g.Load+"/"+g.Name] = g
	}
	check := func(key string, rows, met int, median, worst float64, worstRow string) {
		t.Helper()
		g, ok := byName[key]
		if !ok || g.Rows != rows || g.Met != met || math.Abs(g.Median-median) > 1e-9 || math.Abs(g.Worst-worst) > 1e-9 || g.WorstRow != worstRow {
			t.Errorf("%s = %+v", key, g)
		}
	}
	// LRANGE is left out of the floor ratios.
	check("redis-benchmark/ops/s at P=1, meridian / floor", 1, 1, 0.96, 0.96, "SET P=1")
	check("redis-benchmark/CPU s/1M, meridian / floor", 1, 1, 1.1, 1.1, "SET P=1")
	check("redis-benchmark/ops/s, meridian-aa3 region / meridian single", 1, 0, 80.0/96, 80.0/96, "SET P=1")
	check("go/ops/s at P=1, meridian / floor", 1, 0, 0.9, 0.9, "SET:GET 1:10 P=1")
	check("go/ops/s at P=16, meridian / floor", 1, 1, 0.9, 0.9, "SET:GET 1:10 P=16")
	check("go/CPU s/1M, meridian / floor", 2, 0, 1.6, 2, "SET:GET 1:10 P=16")
	if _, ok := byName["redis-benchmark/ops/s at P=16, meridian / floor"]; ok {
		t.Error("a goal without rows is listed")
	}
	md := r.Markdown()
	for _, want := range []string{
		"| redis-benchmark | ops/s at P=1, meridian / floor | >= 0.95 | 0.96 | 0.96 (SET P=1) | 1 of 1 |\n",
		"| go | CPU s/1M, meridian / floor | <= 1.15 | 1.60 | 2.00 (SET:GET 1:10 P=16) | 0 of 2 |\n",
		"- load (go): the Go generator, 50 connections, workloads SET:GET 1:10, pipelines 1,16, key space 1000 (random), values of 32 bytes, 5s per run, every key written once before the first round\n",
		"| meridian-aa3 | ok | region 1 of 3 | 1.0 MiB / 2.0 MiB | n/a / n/a |\n",
		"| go | SET:GET 1:10 | 1 | 0.100 / 0.500 / 0.900 | 0.100 / 0.500 / 1.500 | 0.100 / 0.500 / 0.700 |\n",
		"| go | SET:GET 1:10 | 1 | 1.20 | 2.00 / 4.00 | 1.00 | 1.20 | 833 | n/a | 3.00 |\n",
		"| go | SET:GET 1:10 | 1 | 90 | 85 | 100 | n/a | 0.90 | 0.94 |\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q\n--- got:\n%s", want, md)
		}
	}
}

func TestJSONAndFiles(t *testing.T) {
	r := sampleReport()
	dir := t.TempDir()
	md, js := filepath.Join(dir, "a", "latest.md"), filepath.Join(dir, "b", "latest.json")
	if err := r.WriteFiles(md, js); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Meta Meta `json:"meta"`
		Rows []struct {
			Test          string           `json:"test"`
			MeridianRedis *float64         `json:"meridian_redis"`
			MeridianFloor *float64         `json:"meridian_floor"`
			Targets       map[string]*Cell `json:"targets"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Meta.Requests != 200000 || len(back.Rows) != 2 || back.Rows[0].MeridianRedis == nil ||
		back.Rows[0].MeridianFloor != nil || back.Rows[0].Targets[Meridian].RPS != 90000 ||
		len(back.Rows[0].Targets[Meridian].Rounds) != 3 {
		t.Fatalf("JSON round trip: %s", b)
	}
	if !strings.Contains(string(b), `"meridian_floor": null`) {
		t.Fatalf("missing ratio should be null: %s", b)
	}
	if got, _ := os.ReadFile(md); string(got) != r.Markdown() {
		t.Fatal("markdown file differs from Markdown()")
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -12345: "-12,345"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
