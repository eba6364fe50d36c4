package converge

// The convergence checker against the real server: TestMain builds
// meridian-server (as cmd/meridian-server's harness does), and
// TestConvergeSchedules runs ten short randomized schedules with three
// regions, some of them killing and restarting a region.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/meridiandb/meridian/tools/regions"
	"github.com/redis/go-redis/v9"
)

var serverBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "meridian-converge-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if serverBin, err = regions.BuildServer(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	redis.SetLogger(quietLogger{})
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// quietLogger drops go-redis's own logging: dial failures to a killed
// region are expected and counted as outcomes.
type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// TestConvergeSchedules is the short form of `make soak`: ten schedules
// of 1.5 s with three regions, kills allowed (the plans of seeds 1..10
// kill in about half of them). Every failure prints the schedule's
// detail: plan, violations, divergent keys and where the logs are.
func TestConvergeSchedules(t *testing.T) {
	if testing.Short() {
		t.Skip("starts 30 server processes")
	}
	o := Options{Server: serverBin, Regions: 3, Clients: 2, Duration: 1500 * time.Millisecond, Kill: true,
		QuietTimeout: 10 * time.Second, TombstoneTimeout: 10 * time.Second}
	kills := 0
	for i := int64(1); i <= 10; i++ {
		if o.Plan(i).Kills {
			kills++
		}
	}
	if kills == 0 || kills == 10 {
		t.Fatalf("seeds 1..10 give %d schedules with kills: want some of each", kills)
	}
	rep := RunAll(context.Background(), o, 1, 10, func(i int, r *Result) {
		t.Logf("%s (%v)", r.Line(), r.Elapsed.Round(time.Millisecond))
	})
	var b strings.Builder
	rep.Write(&b)
	t.Log(b.String())
	if rep.Failed() {
		t.Fail()
	}
}
