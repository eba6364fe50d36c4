package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// TargetSpec names a server binary to benchmark and how to start it. Args
// may contain the placeholder {port}, replaced by the free port chosen.
type TargetSpec struct {
	Name string   `json:"name"`
	Bin  string   `json:"bin"`
	Args []string `json:"args"`
	// Launch, when set, starts the target in place of Bin and Args (which
	// then only name it: an empty or missing Bin still skips the target).
	// It is how a multi-region database, which the caller knows how to
	// start, becomes a target. It is called once per session (per dataset
	// in the memory report).
	Launch func() (*Database, error) `json:"-"`
}

// ResolveBinary turns bin into an absolute path to an executable file:
// names without a slash are looked up in PATH, others are taken relative to
// the working directory.
func ResolveBinary(bin string) (string, error) {
	if bin == "" {
		return "", errors.New("no binary given")
	}
	p, err := exec.LookPath(bin)
	if err != nil {
		return "", err
	}
	return filepath.Abs(p)
}

// FreePort asks the kernel for a free loopback TCP port. The port is free
// when returned, not reserved: Start retries with another port if the child
// loses the race.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ExpandArgs replaces {port} in every argument.
func ExpandArgs(args []string, port int) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = strings.ReplaceAll(a, "{port}", strconv.Itoa(port))
	}
	return out
}

// Proc is a running target server: a child process in its own process
// group, on its own loopback port, in its own scratch directory (so a
// redis-server that saves RDB files never writes into the work tree).
type Proc struct {
	Spec    TargetSpec
	Bin     string   // absolute path
	Args    []string // expanded
	Port    int
	Dir     string // scratch working directory, removed by Stop
	LogPath string // child's stdout+stderr

	cmd     *exec.Cmd
	logf    *os.File
	done    chan struct{}
	waitErr error
}

// Start launches spec on a free port and waits until it answers PING.
// Failed attempts (e.g. the port was taken meanwhile) are retried on a new
// port a few times. The child dies with the harness: it gets SIGKILL when
// the harness' thread exits (Pdeathsig) and Stop kills its whole group.
func Start(ctx context.Context, spec TargetSpec, readyTimeout time.Duration) (*Proc, error) {
	bin, err := ResolveBinary(spec.Bin)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "meridian-bench-"+spec.Name+"-")
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := FreePort()
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		p := &Proc{Spec: spec, Bin: bin, Args: ExpandArgs(spec.Args, port), Port: port, Dir: dir,
			LogPath: filepath.Join(dir, fmt.Sprintf("%s.%d.log", spec.Name, attempt))}
		if err := p.start(); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		err = p.waitReady(ctx, readyTimeout)
		if err == nil {
			return p, nil
		}
		lastErr = fmt.Errorf("%s did not come up on port %d: %w%s", spec.Name, port, err, p.logTail(10))
		p.kill()
		if ctx.Err() != nil {
			break
		}
	}
	_ = os.RemoveAll(dir)
	return nil, lastErr
}

func (p *Proc) start() error {
	f, err := os.Create(p.LogPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.Bin, p.Args...)
	cmd.Dir = p.Dir
	cmd.Stdout = f
	cmd.Stderr = f
	cmd.SysProcAttr = childAttr()
	if err := cmd.Start(); err != nil {
		f.Close()
		return err
	}
	p.cmd, p.logf, p.done = cmd, f, make(chan struct{})
	go func() {
		p.waitErr = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return nil
}

// childAttr puts a child in its own process group (so Stop can signal the
// group and a terminal's Ctrl-C reaches only the harness, which then shuts
// children down in order) and asks the kernel to SIGKILL it if the harness
// dies without cleaning up.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

func (p *Proc) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port))
	var last error
	for {
		select {
		case <-p.done:
			return fmt.Errorf("exited early (%v)", p.waitErr)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if last = Ping(addr, 500*time.Millisecond); last == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PONG within %v: %w", timeout, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Ping sends a RESP PING to addr and expects +PONG.
func Ping(addr string, timeout time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(c, "*1\r\n$4\r\nPING\r\n"); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimRight(line, "\r\n") != "+PONG" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

// PID returns the child's process id.
func (p *Proc) PID() int { return p.cmd.Process.Pid }

// Addr returns the loopback host:port the target listens on.
func (p *Proc) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.Port)) }

// Exited reports whether the child has exited, and how.
func (p *Proc) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.waitErr
	default:
		return false, nil
	}
}

// Stop terminates the child: SIGTERM to its process group, then SIGKILL
// after grace. It removes the scratch directory and is safe to call twice.
func (p *Proc) Stop(grace time.Duration) {
	if p == nil || p.cmd == nil {
		return
	}
	if exited, _ := p.Exited(); !exited {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(grace):
			p.kill()
		}
	}
	// A child may have left its own children behind in the group.
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	_ = os.RemoveAll(p.Dir)
}

func (p *Proc) kill() {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// logTail returns the last n lines of the child's log, for error messages.
func (p *Proc) logTail(n int) string {
	b, err := os.ReadFile(p.LogPath)
	if err != nil || len(b) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "\n  " + strings.Join(lines, "\n  ")
}

// SplitArgs splits a command-line fragment into arguments like a POSIX
// shell would for plain words, 'single' and "double" quotes and backslash
// escapes (no expansion). `--save ""` yields "--save" and "".
func SplitArgs(s string) ([]string, error) {
	var (
		args  []string
		cur   strings.Builder
		inArg bool
		quote rune
	)
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch {
			case r == '"':
				quote = 0
			case r == '\\' && i+1 < len(rs) && strings.ContainsRune(`"\$`+"`", rs[i+1]):
				i++
				cur.WriteRune(rs[i])
			default:
				cur.WriteRune(r)
			}
		case r == '\'' || r == '"':
			quote, inArg = r, true
		case r == '\\':
			if i+1 < len(rs) {
				i++
				cur.WriteRune(rs[i])
				inArg = true
			}
		case r == ' ' || r == '\t' || r == '\n':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		default:
			cur.WriteRune(r)
			inArg = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated %c quote in %q", quote, s)
	}
	if inArg {
		args = append(args, cur.String())
	}
	return args, nil
}

// ShellQuote renders args as a copy-pasteable shell command line.
func ShellQuote(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
		}) < 0 {
			q[i] = a
			continue
		}
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
