package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
)

// The Go load generator: our own closed-loop client in the spirit of
// memtier_benchmark, so the suite does not depend on a tool that is not
// packaged everywhere, and so that it records what redis-benchmark's CSV
// leaves out (p99.9, hits and misses, its own CPU).
//
// Every connection is a goroutine that sends a pipelined batch of SETs and
// GETs, reads every reply, and times the batch. Requests are encoded once
// per run as templates (redis-benchmark's key:<12 digits> names, values of
// ValueSize bytes); per request only the key's digits are written into the
// batch buffer. Replies are parsed just enough to find their ends and to
// tell errors, nulls (GET misses) and values apart. No client library is
// on this path: what it costs per request is a copy of the template and a
// scan of the reply, well below what the servers spend.

// Key patterns, as memtier_benchmark's --key-pattern R, S and G.
const (
	PatternRandom     = "random"     // uniform over the key space
	PatternSequential = "sequential" // each connection walks its own slice of the key space
	PatternGaussian   = "gaussian"   // normal around the middle, sigma = key space / 6
)

// LoadSpec is one run of the generator against one address.
type LoadSpec struct {
	Clients  int // connections, each its own goroutine
	Pipeline int // requests per batch
	// Threads, when > 0, is GOMAXPROCS during the run: the OS threads the
	// connections' goroutines share, as memtier_benchmark's --threads are
	// the threads its clients share. It is process-wide, so anything else
	// in this process (the chaos links of a local multi-region database)
	// shares those threads too. 0 leaves GOMAXPROCS alone.
	Threads int
	// SetRatio:GetRatio is the mix, as memtier_benchmark's --ratio: each
	// connection sends SetRatio SETs, then GetRatio GETs, and again.
	SetRatio, GetRatio int
	KeySpace           int    // keys key:000000000000 .. KeySpace-1
	Pattern            string // PatternRandom (default), PatternSequential, PatternGaussian
	ValueSize          int    // SET value bytes
	// Requests, when > 0, is the total over all connections; otherwise
	// the run lasts Duration.
	Requests int64
	Duration time.Duration
	// Seed makes the key sequence of each connection reproducible, so
	// every target of a session gets the same keys in the same order.
	Seed uint64
	// Stall is how long a connection may wait for the server before the
	// run fails (default 10 s).
	Stall time.Duration
}

// LoadResult is what one run measured. Latencies are of whole batches
// (the time from writing a batch to reading its last reply), recorded once
// per request, so that with Pipeline 1 they are per request and with
// deeper pipelines they weigh like redis-benchmark's -P figures; they are
// in milliseconds.
type LoadResult struct {
	Requests     int64   `json:"requests"`
	Sets         int64   `json:"sets"`
	Gets         int64   `json:"gets"`
	Hits         int64   `json:"hits"`   // GETs answered with a value
	Misses       int64   `json:"misses"` // GETs answered with a null
	ErrorReplies int64   `json:"error_replies,omitempty"`
	FirstError   string  `json:"first_error,omitempty"`
	Seconds      float64 `json:"seconds"`
	RPS          float64 `json:"rps"`
	AvgMs        float64 `json:"avg_ms"`
	P50Ms        float64 `json:"p50_ms"`
	P99Ms        float64 `json:"p99_ms"`
	P999Ms       float64 `json:"p999_ms"`
	MaxMs        float64 `json:"max_ms"`
	// ClientCPUSec is this process's user+system CPU during the run: the
	// generator's cost (plus anything else the process runs), -1 if
	// unreadable.
	ClientCPUSec float64 `json:"client_cpu_s"`
}

// ParseRatio parses memtier_benchmark's "SET:GET" ratio, e.g. "1:10".
func ParseRatio(s string) (set, get int, err error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), ":")
	if ok {
		set, err = strconv.Atoi(a)
		if err == nil {
			get, err = strconv.Atoi(b)
		}
	}
	if !ok || err != nil || set < 0 || get < 0 || set+get == 0 {
		return 0, 0, fmt.Errorf("bad ratio %q: want SET:GET, e.g. 1:10", s)
	}
	return set, get, nil
}

// WorkloadName names a mix for the report: "SET" and "GET" for the pure
// ones, else "SET:GET 1:10".
func WorkloadName(set, get int) string {
	switch {
	case get == 0:
		return "SET"
	case set == 0:
		return "GET"
	}
	return fmt.Sprintf("SET:GET %d:%d", set, get)
}

// ParsePattern accepts the pattern names and memtier_benchmark's letters.
func ParsePattern(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "r", PatternRandom, "uniform":
		return PatternRandom, nil
	case "s", PatternSequential:
		return PatternSequential, nil
	case "g", PatternGaussian:
		return PatternGaussian, nil
	}
	return "", fmt.Errorf("bad key pattern %q: want random, sequential or gaussian", s)
}

// keyDigits is the width of the number in a key name, redis-benchmark's
// __rand_int__ field: key:000000000042.
const keyDigits = 12

// keyOffset is where the digits start in both templates:
// "*3\r\n$3\r\nSET\r\n$16\r\nkey:" and "*2\r\n$3\r\nGET\r\n$16\r\nkey:".
const keyOffset = 22

// templates returns the encoded SET and GET requests of a run, with key
// digits zero.
func templates(valueSize int) (set, get []byte) {
	key := "key:" + strings.Repeat("0", keyDigits)
	value := strings.Repeat("x", valueSize)
	set = fmt.Appendf(nil, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(key), key, len(value), value)
	get = fmt.Appendf(nil, "*2\r\n$3\r\nGET\r\n$%d\r\n%s\r\n", len(key), key)
	return set, get
}

// putDigits writes n as keyDigits decimal digits into b.
func putDigits(b []byte, n uint64) {
	for i := keyDigits - 1; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
}

// keySource yields one connection's key numbers.
type keySource struct {
	pattern string
	space   uint64
	next    uint64 // sequential: the next key
	rng     *rand.Rand
}

func newKeySource(spec LoadSpec, conn int) *keySource {
	space := uint64(max(spec.KeySpace, 1))
	k := &keySource{pattern: spec.Pattern, space: space,
		rng: rand.New(rand.NewPCG(spec.Seed, uint64(conn)+1))}
	if spec.Clients > 0 {
		// Connections start evenly spread, so sequential connections
		// write disjoint runs of keys, and a run of KeySpace requests
		// touches every key once.
		k.next = uint64(conn) * space / uint64(spec.Clients)
	}
	return k
}

func (k *keySource) key() uint64 {
	switch k.pattern {
	case PatternSequential:
		n := k.next
		if k.next++; k.next >= k.space {
			k.next = 0
		}
		return n
	case PatternGaussian:
		mid := float64(k.space-1) / 2
		v := math.Round(mid + k.rng.NormFloat64()*float64(k.space)/6)
		return uint64(min(max(v, 0), float64(k.space-1)))
	}
	return k.rng.Uint64N(k.space)
}

// loadConn is one connection of a run and its tallies.
type loadConn struct {
	c    net.Conn
	br   *bufio.Reader
	buf  []byte
	ops  []bool // the batch's requests: true for SET
	keys *keySource
	hist *hdrhistogram.Histogram
	// cycle is the position in the SET:GET cycle, carried across batches.
	cycle int

	requests, sets, gets, hits, misses, errReplies int64
	firstErr                                       string
	end                                            time.Time
	err                                            error
}

// latencyHistogram records microseconds from 1 us to 60 s, three
// significant digits.
func latencyHistogram() *hdrhistogram.Histogram { return hdrhistogram.New(1, 60_000_000, 3) }

// RunLoad runs the generator against addr and returns its figures. Every
// connection is dialed before the clock starts. It fails if a connection
// breaks or stalls; error replies are counted, not fatal.
func RunLoad(ctx context.Context, addr string, spec LoadSpec) (LoadResult, error) {
	if spec.Clients < 1 || spec.Pipeline < 1 || spec.SetRatio < 0 || spec.GetRatio < 0 || spec.SetRatio+spec.GetRatio == 0 {
		return LoadResult{}, errors.New("load: need clients, pipeline >= 1 and a SET:GET ratio")
	}
	if spec.Requests <= 0 && spec.Duration <= 0 {
		return LoadResult{}, errors.New("load: need a request count or a duration")
	}
	if spec.KeySpace < 1 {
		spec.KeySpace = 1
	}
	if spec.KeySpace > 1e12 {
		return LoadResult{}, errors.New("load: key space beyond 12 digits")
	}
	if spec.Pattern == "" {
		spec.Pattern = PatternRandom
	}
	if spec.Stall <= 0 {
		spec.Stall = 10 * time.Second
	}
	if spec.Threads > 0 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(spec.Threads))
	}
	setT, getT := templates(spec.ValueSize)

	conns := make([]*loadConn, spec.Clients)
	defer func() {
		for _, lc := range conns {
			if lc != nil {
				lc.c.Close()
			}
		}
	}()
	var d net.Dialer
	for i := range conns {
		dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		c, err := d.DialContext(dctx, "tcp", addr)
		cancel()
		if err != nil {
			return LoadResult{}, fmt.Errorf("load: connection %d: %w", i+1, err)
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		conns[i] = &loadConn{c: c, br: bufio.NewReaderSize(c, 64<<10),
			buf:  make([]byte, 0, spec.Pipeline*max(len(setT), len(getT))),
			ops:  make([]bool, 0, spec.Pipeline),
			keys: newKeySource(spec, i), hist: latencyHistogram()}
	}

	// A cancelled run unblocks every connection at once.
	stopWatch := context.AfterFunc(ctx, func() {
		for _, lc := range conns {
			_ = lc.c.SetDeadline(time.Now())
		}
	})
	defer stopWatch()

	cpu0, cpuErr0 := ReadCPUSeconds(os.Getpid())
	start := time.Now()
	deadline := start.Add(spec.Duration)
	var wg sync.WaitGroup
	for i, lc := range conns {
		quota := int64(-1)
		if spec.Requests > 0 {
			quota = spec.Requests / int64(spec.Clients)
			if int64(i) < spec.Requests%int64(spec.Clients) {
				quota++
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			lc.err = lc.run(spec, setT, getT, quota, deadline)
			lc.end = time.Now()
		}()
	}
	wg.Wait()
	cpu1, cpuErr1 := ReadCPUSeconds(os.Getpid())

	res := LoadResult{ClientCPUSec: -1}
	if cpuErr0 == nil && cpuErr1 == nil {
		res.ClientCPUSec = cpu1 - cpu0
	}
	h := latencyHistogram()
	end := start
	var errs []error
	for i, lc := range conns {
		if lc.err != nil {
			errs = append(errs, fmt.Errorf("connection %d: %w", i+1, lc.err))
		}
		if lc.end.After(end) {
			end = lc.end
		}
		h.Merge(lc.hist)
		res.Requests += lc.requests
		res.Sets += lc.sets
		res.Gets += lc.gets
		res.Hits += lc.hits
		res.Misses += lc.misses
		res.ErrorReplies += lc.errReplies
		if res.FirstError == "" {
			res.FirstError = lc.firstErr
		}
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("load: %w", errors.Join(errs[:min(len(errs), 3)]...))
	}
	res.Seconds = end.Sub(start).Seconds()
	if res.Seconds > 0 {
		res.RPS = float64(res.Requests) / res.Seconds
	}
	if h.TotalCount() > 0 {
		ms := func(us int64) float64 { return float64(us) / 1000 }
		res.AvgMs, res.MaxMs = h.Mean()/1000, ms(h.Max())
		res.P50Ms, res.P99Ms, res.P999Ms = ms(h.ValueAtQuantile(50)), ms(h.ValueAtQuantile(99)), ms(h.ValueAtQuantile(99.9))
	}
	return res, nil
}

// run sends batches until the connection's quota (when >= 0) is done or
// the deadline passes.
func (lc *loadConn) run(spec LoadSpec, setT, getT []byte, quota int64, deadline time.Time) error {
	cycle := spec.SetRatio + spec.GetRatio
	now := time.Now()
	var ioDeadline time.Time
	for {
		n := int64(spec.Pipeline)
		if quota >= 0 {
			n = min(n, quota)
			if n == 0 {
				return nil
			}
		} else if !now.Before(deadline) {
			return nil
		}
		// The I/O deadline moves a second at a time rather than per batch:
		// setting it costs a timer update.
		if now.After(ioDeadline.Add(-spec.Stall + time.Second)) {
			ioDeadline = now.Add(spec.Stall)
			if err := lc.c.SetDeadline(ioDeadline); err != nil {
				return err
			}
		}
		lc.buf, lc.ops = lc.buf[:0], lc.ops[:0]
		for i := int64(0); i < n; i++ {
			isSet := lc.cycle < spec.SetRatio
			if lc.cycle++; lc.cycle == cycle {
				lc.cycle = 0
			}
			at := len(lc.buf) + keyOffset
			if isSet {
				lc.buf = append(lc.buf, setT...)
			} else {
				lc.buf = append(lc.buf, getT...)
			}
			putDigits(lc.buf[at:at+keyDigits], lc.keys.key())
			lc.ops = append(lc.ops, isSet)
		}
		t0 := time.Now()
		if _, err := lc.c.Write(lc.buf); err != nil {
			return err
		}
		for _, isSet := range lc.ops {
			null, errText, err := readReply(lc.br)
			if err != nil {
				return err
			}
			switch {
			case errText != "":
				lc.errReplies++
				if lc.firstErr == "" {
					lc.firstErr = errText
				}
			case isSet:
			case null:
				lc.misses++
			default:
				lc.hits++
			}
			if isSet {
				lc.sets++
			} else {
				lc.gets++
			}
		}
		now = time.Now()
		us := max(now.Sub(t0).Microseconds(), 1)
		_ = lc.hist.RecordValues(us, n) // a value past 60 s is dropped, not fatal
		lc.requests += n
		if quota >= 0 {
			quota -= n
		}
	}
}

// errProtocol is a reply this parser does not understand.
var errProtocol = errors.New("load: malformed reply")

// readReply reads one RESP2 reply from br and reports whether it was a
// null and, for an error reply, its text. Bulk payloads are skipped, not
// copied; arrays are read element by element.
func readReply(br *bufio.Reader) (null bool, errText string, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return false, "", err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return false, "", errProtocol
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', ':':
		return false, "", nil
	case '-':
		return false, string(body), nil
	case '$', '*':
		n, ok := parseLen(body)
		if !ok {
			return false, "", errProtocol
		}
		if n < 0 {
			return true, "", nil
		}
		if line[0] == '$' {
			_, err = br.Discard(int(n) + 2)
			return false, "", err
		}
		for i := int64(0); i < n; i++ {
			_, e, err := readReply(br)
			if err != nil {
				return false, "", err
			}
			if errText == "" {
				errText = e
			}
		}
		return false, errText, nil
	}
	return false, "", errProtocol
}

// parseLen parses a RESP length: -1 or a non-negative decimal below 2^40.
func parseLen(b []byte) (int64, bool) {
	if len(b) == 2 && b[0] == '-' && b[1] == '1' {
		return -1, true
	}
	if len(b) == 0 || len(b) > 12 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
