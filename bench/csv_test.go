package bench

import (
	"os"
	"strings"
	"testing"
)

func TestParseCSVCapturedSample(t *testing.T) {
	// Captured from Debian bookworm's redis-benchmark 7.0.15:
	// redis-benchmark -c 50 -n 20000 -P 1 -t set,get,incr,lrange,mset,ping --csv
	f, err := os.Open("testdata/redis-benchmark-7.0.15.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := ParseCSV(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 11 {
		t.Fatalf("got %d rows, want 11", len(res))
	}
	set := res[2]
	want := Result{Test: "SET", RPS: 74349.45, AvgMs: 0.350, MinMs: 0.096, P50Ms: 0.351, P95Ms: 0.415, P99Ms: 0.455, MaxMs: 0.703}
	if set != want {
		t.Fatalf("SET row = %+v, want %+v", set, want)
	}
	if res[0].Test != "PING_INLINE" || res[5].Test != "LPUSH (needed to benchmark LRANGE)" || res[10].Test != "MSET (10 keys)" {
		t.Fatalf("unexpected test names: %q %q %q", res[0].Test, res[5].Test, res[10].Test)
	}
}

func TestParseCSVVariants(t *testing.T) {
	// Progress noise before the header, reordered columns, a blank line.
	in := "noise\r\n\"rps\",\"test\",\"p99_latency_ms\"\n\"1000.5\",\"GET\",\"0.9\"\n\n"
	res, err := ParseCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Test != "GET" || res[0].RPS != 1000.5 || res[0].P99Ms != 0.9 || res[0].P50Ms != 0 {
		t.Fatalf("got %+v", res)
	}
	// Header only: no rows, no error (an unknown -t test prints just this).
	res, err = ParseCSV(strings.NewReader("\"test\",\"rps\"\n"))
	if err != nil || len(res) != 0 {
		t.Fatalf("header only: %v %v", res, err)
	}
	for _, bad := range []string{
		"",
		"\"test\",\"avg_latency_ms\"\n\"SET\",\"1\"\n",
		"\"test\",\"rps\"\n\"SET\",\"fast\"\n",
		"\"test\",\"rps\"\n\"SET\"\n",
	} {
		if _, err := ParseCSV(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseCSV(%q) succeeded", bad)
		}
	}
}
