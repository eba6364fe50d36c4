// Package regions runs a local active-active database: N meridian-server
// processes on loopback ports, each pulling from every other through its
// own chaos link (tools/chaoslink), so tests, the convergence checker, the
// demo and the replication benchmark can cut, delay, throttle and reset
// the links between regions and kill and restart regions.
//
// Region i (0-based) has replica id i+1 and name "r<i+1>". Region i pulls
// from region j through Link(i, j): a proxy whose upstream is j's port, so
// cutting Link(i, j) stops j's writes reaching i (and i's beats reaching
// j), and Cut(i, j) cuts both directions between the two.
package regions

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/meridiandb/meridian/tools/chaoslink"
)

// Options describe a database to start.
type Options struct {
	Binary   string // meridian-server
	N        int    // regions
	Database string // default "db"
	Secret   string
	Dir      string   // logs go here (region's name + ".log"); "" discards them
	Args     []string // extra server arguments for every region
	// RegionArgs adds arguments for region i only.
	RegionArgs func(i int) []string
}

// Region is one running region.
type Region struct {
	Index int
	ID    int
	Name  string
	Port  int
	args  []string
	cmd   *exec.Cmd
	done  chan struct{}
}

// Addr is the region's RESP address.
func (r *Region) Addr() string { return "127.0.0.1:" + strconv.Itoa(r.Port) }

// DB is a running database.
type DB struct {
	opts    Options
	Regions []*Region
	links   map[[2]int]*chaoslink.Link
	mu      sync.Mutex
}

// FreePort asks the kernel for an unused loopback port.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Start starts every region and waits until each answers PING.
func Start(o Options) (*DB, error) {
	if o.Database == "" {
		o.Database = "db"
	}
	if o.N < 1 {
		return nil, errors.New("regions: N must be at least 1")
	}
	d := &DB{opts: o, links: map[[2]int]*chaoslink.Link{}}
	// Each region's port stays held by a listener until the chaos links
	// have their own ports, so the kernel cannot hand a link the port a
	// region is about to bind.
	var held []net.Listener
	release := func() {
		for _, ln := range held {
			ln.Close()
		}
		held = nil
	}
	defer release()
	for i := 0; i < o.N; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		held = append(held, ln)
		port := ln.Addr().(*net.TCPAddr).Port
		d.Regions = append(d.Regions, &Region{Index: i, ID: i + 1, Name: "r" + strconv.Itoa(i+1), Port: port})
	}
	for i := range d.Regions {
		for j := range d.Regions {
			if i == j {
				continue
			}
			l, err := chaoslink.New("127.0.0.1:0", d.Regions[j].Addr())
			if err != nil {
				d.Stop()
				return nil, err
			}
			d.links[[2]int{i, j}] = l
		}
	}
	release()
	for _, r := range d.Regions {
		r.args = d.argsFor(r)
		if err := d.start(r); err != nil {
			d.Stop()
			return nil, err
		}
	}
	for _, r := range d.Regions {
		if err := WaitPing(r.Addr(), 10*time.Second); err != nil {
			d.Stop()
			return nil, fmt.Errorf("region %s: %w", r.Name, err)
		}
	}
	return d, nil
}

// PeerArg is region j as region i's --aa-peer value: through i's link.
func (d *DB) PeerArg(i, j int) string {
	r := d.Regions[j]
	return fmt.Sprintf("%d:%s@%s", r.ID, r.Name, d.links[[2]int{i, j}].Addr())
}

func (d *DB) argsFor(r *Region) []string {
	args := []string{"--port", strconv.Itoa(r.Port), "--bind", "127.0.0.1",
		"--aa-database", d.opts.Database, "--aa-region", fmt.Sprintf("%d:%s", r.ID, r.Name)}
	if d.opts.Secret != "" {
		args = append(args, "--aa-secret", d.opts.Secret)
	}
	for j := range d.Regions {
		if j != r.Index {
			args = append(args, "--aa-peer", d.PeerArg(r.Index, j))
		}
	}
	args = append(args, d.opts.Args...)
	if d.opts.RegionArgs != nil {
		args = append(args, d.opts.RegionArgs(r.Index)...)
	}
	return args
}

func (d *DB) start(r *Region) error {
	cmd := exec.Command(d.opts.Binary, r.args...)
	if d.opts.Dir != "" {
		f, err := os.OpenFile(filepath.Join(d.opts.Dir, r.Name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		cmd.Stdout, cmd.Stderr = f, f
		defer f.Close()
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	r.cmd = cmd
	r.done = make(chan struct{})
	go func(done chan struct{}) {
		_ = cmd.Wait()
		close(done)
	}(r.done)
	return nil
}

// Link is the chaos link region i pulls region j's writes through.
func (d *DB) Link(i, j int) *chaoslink.Link { return d.links[[2]int{i, j}] }

// Cut cuts both links between regions i and j, both directions.
func (d *DB) Cut(i, j int) {
	d.Link(i, j).Cut(chaoslink.Both)
	d.Link(j, i).Cut(chaoslink.Both)
}

// Isolate cuts region i off from every other.
func (d *DB) Isolate(i int) {
	for j := range d.Regions {
		if j != i {
			d.Cut(i, j)
		}
	}
}

// HealAll heals every link and removes every delay and bandwidth cap.
func (d *DB) HealAll() {
	for _, l := range d.links {
		l.Heal()
		l.SetDelay(0, 0)
		l.SetBandwidth(0)
	}
}

// Kill stops region i at once (SIGKILL: nothing is saved, nothing flushed).
func (d *DB) Kill(i int) {
	r := d.Regions[i]
	if r.cmd != nil && r.cmd.Process != nil {
		_ = r.cmd.Process.Signal(syscall.SIGKILL)
		<-r.done
	}
	r.cmd = nil
}

// Restart starts a killed region again, empty, with the same arguments,
// and waits for it to answer.
func (d *DB) Restart(i int) error {
	r := d.Regions[i]
	if r.cmd != nil {
		d.Kill(i)
	}
	if err := d.start(r); err != nil {
		return err
	}
	return WaitPing(r.Addr(), 10*time.Second)
}

// Stop kills every region and closes every link.
func (d *DB) Stop() {
	for i, r := range d.Regions {
		if r.cmd != nil {
			_ = r.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-r.done:
			case <-time.After(3 * time.Second):
				d.Kill(i)
			}
			r.cmd = nil
		}
	}
	for _, l := range d.links {
		l.Close()
	}
}

// WaitPing waits until a RESP server at addr answers PING.
func WaitPing(addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.SetDeadline(time.Now().Add(time.Second))
			_, err = c.Write([]byte("PING\r\n"))
			buf := make([]byte, 16)
			n := 0
			if err == nil {
				n, err = c.Read(buf)
			}
			c.Close()
			if err == nil && string(buf[:n]) == "+PONG\r\n" {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PONG from %s within %v: %v", addr, timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// BuildServer builds meridian-server into dir for tests that start real
// processes, with the race detector when MERIDIAN_TEST_RACE is set (make
// race: a report the server prints then fails the test that started it).
// Its output goes to stderr.
func BuildServer(dir string) (string, error) {
	bin := filepath.Join(dir, "meridian-server")
	args := []string{"build", "-o", bin}
	if os.Getenv("MERIDIAN_TEST_RACE") != "" {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "github.com/meridiandb/meridian/cmd/meridian-server")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("cannot build meridian-server: %w", err)
	}
	return bin, nil
}
