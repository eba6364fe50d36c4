package main

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/meridiandb/meridian/bench"
	"github.com/meridiandb/meridian/tools/regions"
)

// aaRegions is the number of regions of the meridian-aa3 target.
const aaRegions = 3

// regionLauncher starts the databases of the meridian-aa3 target
// (tools/regions: meridian-server processes pulling from each other
// through chaos links in this process, left healed) and keeps their logs
// until the session ends, so a crash can be found and shown.
type regionLauncher struct {
	bin  string
	args []string
	dir  string // parent of every launch's log directory
	keep bool   // the caller chose dir: never remove it

	mu       sync.Mutex
	launches int
}

func newRegionLauncher(bin string, args []string, logDir string) (*regionLauncher, error) {
	l := &regionLauncher{bin: bin, args: args, dir: logDir, keep: logDir != ""}
	var err error
	if l.dir == "" {
		l.dir, err = os.MkdirTemp("", "meridian-bench-regions-")
	} else {
		err = os.MkdirAll(l.dir, 0o755)
	}
	return l, err
}

// launch is a TargetSpec's Launch: a fresh database, its logs in a
// directory of their own.
func (l *regionLauncher) launch() (*bench.Database, error) {
	l.mu.Lock()
	l.launches++
	dir := filepath.Join(l.dir, fmt.Sprintf("launch%d", l.launches))
	l.mu.Unlock()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	bin, err := bench.ResolveBinary(l.bin)
	if err != nil {
		return nil, err
	}
	db, err := regions.Start(regions.Options{Binary: bin, N: aaRegions, Database: "bench", Secret: "bench", Dir: dir, Args: l.args})
	if err != nil {
		return nil, fmt.Errorf("starting %d regions (logs in %s): %w", aaRegions, dir, err)
	}
	var addrs []string
	for _, r := range db.Regions {
		addrs = append(addrs, r.Addr())
	}
	desc := fmt.Sprintf("region 1 of a %d-region database (tools/regions: %s --aa-database bench --aa-region 1:r1 --aa-peer ...%s), "+
		"each region pulling from the others through a healed chaos link in the harness process",
		aaRegions, bin, strings.TrimRight(" "+bench.ShellQuote(l.args), " "))
	return &bench.Database{Addrs: addrs, Describe: desc, Stop: db.Stop}, nil
}

// finish checks every launch's logs for a crash and removes them unless
// one was found or the caller chose the directory. It returns what it
// found, for the report.
func (l *regionLauncher) finish(log *slog.Logger) []string {
	var found []string
	_ = filepath.WalkDir(l.dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".log") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		for _, bad := range []string{"panic:", "fatal error:", "DATA RACE"} {
			if strings.Contains(string(b), bad) {
				found = append(found, fmt.Sprintf("%s shows %q", path, bad))
				log.Error("region log shows a crash", "log", path, "found", bad)
			}
		}
		return nil
	})
	if len(found) > 0 || l.keep {
		log.Info("region logs kept", "dir", l.dir)
	} else {
		_ = os.RemoveAll(l.dir)
	}
	return found
}
