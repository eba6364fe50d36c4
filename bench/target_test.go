package bench

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{`--port {port} --bind 127.0.0.1 --save "" --appendonly no`, []string{"--port", "{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}},
		{`  a   b  `, []string{"a", "b"}},
		{`'x y' "a \"q\" \n" c\ d`, []string{"x y", `a "q" \n`, "c d"}},
		{`--save ''`, []string{"--save", ""}},
		{``, nil},
	}
	for _, c := range cases {
		got, err := SplitArgs(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("SplitArgs(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := SplitArgs(`--save "`); err == nil {
		t.Error("unterminated quote accepted")
	}
}

func TestShellQuoteRoundTrip(t *testing.T) {
	args := []string{"--port", "6379", "--save", "", "it's", "a b", "x=1,2"}
	q := ShellQuote(args)
	if q != `--port 6379 --save '' 'it'\''s' 'a b' x=1,2` {
		t.Fatalf("ShellQuote = %s", q)
	}
	back, err := SplitArgs(q)
	if err != nil || !slices.Equal(back, args) {
		t.Fatalf("round trip: %q %v", back, err)
	}
}

func TestExpandArgs(t *testing.T) {
	got := ExpandArgs([]string{"--port", "{port}", "--x={port}"}, 7001)
	if !slices.Equal(got, []string{"--port", "7001", "--x=7001"}) {
		t.Fatalf("%q", got)
	}
}

func TestBenchmarkArgs(t *testing.T) {
	got := BenchmarkArgs(Config{Clients: 50, Requests: 1000, Threads: 2}, 7001, "set", 16)
	want := "-h 127.0.0.1 -p 7001 -c 50 -n 1000 -P 16 -t set --csv --threads 2"
	if strings.Join(got, " ") != want {
		t.Fatalf("%q", got)
	}
}

func TestRunMissingBinaries(t *testing.T) {
	// No server is started: redis-benchmark missing is an error naming the
	// install command; missing targets are skipped with a note.
	_, err := Run(context.Background(), Config{RedisBenchmark: "/nonexistent/redis-benchmark"})
	var mb *MissingBenchmarkError
	if !errors.As(err, &mb) || !strings.Contains(err.Error(), "apt-get install -y redis-tools") {
		t.Fatalf("err = %v", err)
	}
	rep, err := Run(context.Background(), Config{
		Log:            slog.New(slog.NewTextHandler(io.Discard, nil)),
		RedisBenchmark: "/bin/true",
		Targets: []TargetSpec{
			{Name: Meridian, Bin: "/nonexistent/meridian-server"},
			{Name: Floor, Bin: ""},
		},
		Tests: []string{"set"}, Pipelines: []int{1}, Clients: 1, Requests: 1,
	})
	if err == nil || rep == nil || len(rep.Targets) != 2 {
		t.Fatalf("rep = %+v, err = %v", rep, err)
	}
	if rep.Targets[0].Status != StatusSkipped || !strings.Contains(rep.Targets[0].Note, "not found") ||
		rep.Targets[1].Status != StatusSkipped {
		t.Fatalf("targets = %+v %+v", rep.Targets[0], rep.Targets[1])
	}
	if md := rep.Markdown(); !strings.Contains(md, "meridian skipped: binary /nonexistent/meridian-server not found") {
		t.Fatalf("note missing from markdown:\n%s", md)
	}
}
