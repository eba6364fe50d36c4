package chaoslink

import (
	"bufio"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Control protocol: one command per line, words separated by blanks, case
// insensitive; every command gets exactly one answer line.
//
//	cut [both|forward|backward]   hold bytes in that direction (default both)  -> OK
//	heal                          lift every cut                               -> OK
//	delay <dur> [<jitter>]        Go durations, e.g. "50ms 10ms"; "delay 0" off -> OK
//	bandwidth <bytes/sec>         0 = unlimited                                -> OK
//	reset                         close every proxied connection               -> OK
//	stats                         counters and current faults                  -> one line
//	ping                                                                       -> PONG
//
// Anything else answers "ERR <reason>". The stats line is space-separated
// key=value pairs:
//
//	forward=<bytes> backward=<bytes> accepted=<n> active=<n> resets=<n> cut=<none|forward|backward|both> delay=<dur> jitter=<dur> bandwidth=<bytes/sec>

// Command executes one control-protocol line against l and returns the
// answer line (without newline).
func (l *Link) Command(line string) string {
	f := strings.Fields(strings.ToLower(line))
	if len(f) == 0 {
		return "ERR empty command"
	}
	args := f[1:]
	switch f[0] {
	case "cut":
		if len(args) > 1 {
			return "ERR usage: cut [both|forward|backward]"
		}
		d := Both
		if len(args) == 1 {
			var ok bool
			if d, ok = ParseDir(args[0]); !ok {
				return "ERR unknown direction '" + args[0] + "' (want both, forward or backward)"
			}
		}
		l.Cut(d)
	case "heal":
		if len(args) != 0 {
			return "ERR usage: heal"
		}
		l.Heal()
	case "delay":
		if len(args) < 1 || len(args) > 2 {
			return "ERR usage: delay <duration> [<jitter>]"
		}
		d, err := parseDur(args[0])
		if err != nil {
			return "ERR bad delay: " + err.Error()
		}
		var j time.Duration
		if len(args) == 2 {
			if j, err = parseDur(args[1]); err != nil {
				return "ERR bad jitter: " + err.Error()
			}
		}
		l.SetDelay(d, j)
	case "bandwidth":
		if len(args) != 1 {
			return "ERR usage: bandwidth <bytes/sec>"
		}
		n, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil || n < 0 {
			return "ERR bandwidth must be a non-negative integer (bytes per second)"
		}
		l.SetBandwidth(n)
	case "reset":
		if len(args) != 0 {
			return "ERR usage: reset"
		}
		l.ResetAll()
	case "stats":
		if len(args) != 0 {
			return "ERR usage: stats"
		}
		s := l.Stats()
		cut, d, j, bps := l.Faults()
		return fmt.Sprintf("forward=%d backward=%d accepted=%d active=%d resets=%d cut=%s delay=%s jitter=%s bandwidth=%d",
			s.Forward, s.Backward, s.Accepted, s.Active, s.Resets, cut, d, j, bps)
	case "ping":
		return "PONG"
	default:
		return "ERR unknown command '" + f[0] + "'"
	}
	return "OK"
}

// ParseDir parses a direction word: both, forward (fwd), backward (back, bwd).
func ParseDir(s string) (Dir, bool) {
	switch strings.ToLower(s) {
	case "both":
		return Both, true
	case "forward", "fwd":
		return Forward, true
	case "backward", "back", "bwd":
		return Backward, true
	}
	return 0, false
}

// parseDur accepts Go durations, plus a bare "0"; negatives are rejected.
func parseDur(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration (e.g. 50ms)", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q is negative", s)
	}
	return d, nil
}

// maxLine bounds a control line so a stray client cannot grow memory.
const maxLine = 4096

// ServeControl answers the control protocol on every connection accepted
// from ln until ln is closed; it then closes the open control connections and
// returns. It does not close the Link.
func (l *Link) ServeControl(ln net.Listener) error {
	var (
		mu    sync.Mutex
		conns = map[net.Conn]struct{}{}
		wg    sync.WaitGroup
	)
	defer func() {
		mu.Lock()
		for c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				continue
			}
			return err
		}
		mu.Lock()
		conns[c] = struct{}{}
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer func() {
				c.Close()
				mu.Lock()
				delete(conns, c)
				mu.Unlock()
				wg.Done()
			}()
			sc := bufio.NewScanner(c)
			sc.Buffer(make([]byte, 256), maxLine)
			for sc.Scan() {
				line := strings.TrimSpace(sc.Text())
				if line == "" {
					continue // blank lines (e.g. a stray Enter) get no answer
				}
				if line == "quit" || line == "QUIT" {
					return
				}
				if _, err := c.Write([]byte(l.Command(line) + "\n")); err != nil {
					return
				}
			}
			if sc.Err() != nil {
				c.Write([]byte("ERR line too long\n"))
			}
		}()
	}
}
