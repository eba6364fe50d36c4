package bench

import (
	"encoding/json"
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
			{Test: "SET", Pipeline: 1, Targets: map[string]*Cell{
				Meridian: {Rounds: rounds(90000, 100000, 80000)},
				Redis:    {Rounds: rounds(100000, 120000, 110000)},
			}},
			{Test: "GET", Pipeline: 16, Targets: map[string]*Cell{
				Meridian: {Rounds: rounds(1500000), Errors: []string{"round 2: exit status 1: Connection reset"}},
				Redis:    {Rounds: []Sample{{Round: 1, RPS: 1000000, P99Ms: 1.234, CPUSecPer1M: -1}}},
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
		"- load average (1/5/15 min) at start: 0.10 0.20 0.30, at end: 1.00 0.50 0.40\n",
		"- command: `meridian-bench --rounds 3`\n",
		"| meridian | ok | `/w/bin/meridian-server --port 7001` | 10.0 MiB | 12.0 MiB |\n",
		"| redis | ok | `/usr/bin/redis-server --port 7002 --save ''` | 8.0 MiB | n/a |\n",
		"| floor | skipped: binary bin/meridian-floor not found |",
		"| test | P | meridian ops/s | redis ops/s | floor ops/s | meridian/redis | meridian/floor | meridian p50/p99 ms | redis p99 ms | meridian CPU s/1M req | redis CPU s/1M req |\n",
		// medians: meridian 90000 (p50 0.2, p99 1.0, cpu 2), redis 110000 (p99 1.0, cpu 2)
		"| SET | 1 | 90,000 | 110,000 | n/a | 0.82 | n/a | 0.200 / 1.000 | 1.000 | 2.00 | 2.00 |\n",
		"| GET | 16 | 1,500,000 | 1,000,000 | n/a | 1.50 | n/a | 0.100 / 0.500 | 1.234 | 1.00 | n/a |\n",
		"- floor skipped: binary bin/meridian-floor not found\n",
		"- meridian GET P=16: round 2: exit status 1: Connection reset\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q\n--- got:\n%s", want, md)
		}
	}
	// Every table row has the same number of cells as the header.
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "| SET") || strings.HasPrefix(line, "| GET") {
			if n := strings.Count(line, "|"); n != 12 {
				t.Errorf("row has %d pipes: %s", n, line)
			}
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
