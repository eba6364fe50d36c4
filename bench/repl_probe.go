package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	hdrhistogram "github.com/HdrHistogram/hdrhistogram-go"
	"github.com/redis/go-redis/v9"
)

// Replication lag measured from the outside, and the steady background
// load it is measured under.
//
// A probe is an RPUSH to region A of a list whose element is the sending
// time in nanoseconds; a client of region B sits in BLPOP on that list.
// The server wakes a blocked BLPOP when a remote delta makes the list
// non-empty (shard.Exec.Apply settles the key like a local write), so the
// receiver learns of the element the moment region B applies it: the
// reading is write -> region A -> backlog -> B's pull -> apply -> BLPOP
// reply, with no polling interval of ours in it. Both clients run in this
// process, so one clock stamps both ends.

// LagResult is one phase of lag probes. Latencies are in milliseconds.
type LagResult struct {
	Phase    string `json:"phase"`
	From     string `json:"from"`
	To       string `json:"to"`
	Sent     int    `json:"sent"`
	Received int    `json:"received"`
	// Load is the background write load during the phase (zero when idle).
	LoadTargetOps   float64 `json:"load_target_ops"`
	LoadAchievedOps float64 `json:"load_achieved_ops"`
	LoadErrors      int64   `json:"load_errors,omitempty"`
	MinMs           float64 `json:"min_ms"`
	P50Ms           float64 `json:"p50_ms"`
	P90Ms           float64 `json:"p90_ms"`
	P99Ms           float64 `json:"p99_ms"`
	P999Ms          float64 `json:"p999_ms"`
	MaxMs           float64 `json:"max_ms"`
	MeanMs          float64 `json:"mean_ms"`
	Error           string  `json:"error,omitempty"`
}

// lagHistogram records microseconds from 1 us to 60 s with three
// significant digits: ample for loopback (tens of microseconds) and for a
// region that stalls for seconds, at about 200 KB.
func lagHistogram() *hdrhistogram.Histogram { return hdrhistogram.New(1, 60_000_000, 3) }

// fillLag copies the histogram's percentiles into r.
func fillLag(r *LagResult, h *hdrhistogram.Histogram) {
	if h.TotalCount() == 0 {
		return
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	r.MinMs, r.MaxMs, r.MeanMs = ms(h.Min()), ms(h.Max()), h.Mean()/1000
	r.P50Ms, r.P90Ms = ms(h.ValueAtQuantile(50)), ms(h.ValueAtQuantile(90))
	r.P99Ms, r.P999Ms = ms(h.ValueAtQuantile(99)), ms(h.ValueAtQuantile(99.9))
}

// newClient is a go-redis client for the harness's few control and probe
// commands: RESP2 (every server speaks it), no CLIENT SETINFO, and no
// retries, so a failure is reported rather than hidden.
func newClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, DisableIdentity: true, MaxRetries: -1,
		PoolSize: 4, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second})
}

// MeasureLag sends n probes to the region at from, about interval apart,
// and times their arrival at the region at to. The gaps are drawn
// uniformly from [interval/2, 3*interval/2) so that probes do not sample
// a fixed phase of the servers' periodic work (the 1 ms syncer tick, the
// beats). Probes not seen within grace after the last one is sent count as
// lost. The list key is unique to the call and deleted afterwards.
func MeasureLag(ctx context.Context, from, to string, n int, interval, grace time.Duration) (LagResult, error) {
	res := LagResult{From: from, To: to}
	if n < 1 {
		return res, errors.New("lag: need at least one probe")
	}
	w, r := newClient(from), newClient(to)
	defer w.Close()
	defer r.Close()
	// Connect both ends first: the first probe must not time a dial.
	for _, c := range []*redis.Client{w, r} {
		if err := c.Ping(ctx).Err(); err != nil {
			return res, fmt.Errorf("lag: %w", err)
		}
	}
	key := "meridian-bench:lag:" + strconv.FormatInt(time.Now().UnixNano(), 36)
	defer w.Del(context.WithoutCancel(ctx), key)

	h := lagHistogram()
	var received atomic.Int64
	sendDone := make(chan struct{})
	recvErr := make(chan error, 1)
	go func() {
		var stopAt time.Time
		for received.Load() < int64(n) {
			if stopAt.IsZero() {
				select {
				case <-sendDone:
					stopAt = time.Now().Add(grace)
				default:
				}
			}
			if !stopAt.IsZero() && time.Now().After(stopAt) {
				break
			}
			if ctx.Err() != nil {
				recvErr <- ctx.Err()
				return
			}
			// A fractional timeout (Redis 6+): go-redis' BLPop rounds
			// anything under a second up to one.
			v, err := r.Do(ctx, "BLPOP", key, "0.1").StringSlice()
			if errors.Is(err, redis.Nil) {
				continue
			}
			now := time.Now().UnixNano()
			if err != nil {
				recvErr <- fmt.Errorf("lag: BLPOP on %s: %w", to, err)
				return
			}
			if len(v) != 2 {
				recvErr <- fmt.Errorf("lag: BLPOP replied %q", v)
				return
			}
			sent, err := strconv.ParseInt(v[1], 10, 64)
			if err != nil {
				recvErr <- fmt.Errorf("lag: probe %q is not a timestamp", v[1])
				return
			}
			_ = h.RecordValue(max((now-sent)/1000, 1))
			received.Add(1)
		}
		recvErr <- nil
	}()

	var sendErr error
	for i := 0; i < n && ctx.Err() == nil; i++ {
		gap := interval/2 + time.Duration(rand.Int64N(int64(interval)+1))
		select {
		case <-ctx.Done():
		case <-time.After(gap):
		}
		if err := w.RPush(ctx, key, time.Now().UnixNano()).Err(); err != nil {
			sendErr = fmt.Errorf("lag: RPUSH on %s: %w", from, err)
			break
		}
		res.Sent++
	}
	close(sendDone)
	err := <-recvErr
	res.Received = int(received.Load())
	fillLag(&res, h)
	return res, errors.Join(sendErr, err)
}

// PacedLoad writes SETs to one server at a fixed rate from several
// connections, each sending what is due every millisecond or so as one
// pipelined batch. redis-benchmark has no rate option, and lag measured
// with the server flat out is queueing delay in the client-facing loop,
// not replication; a paced load keeps the server busy but not saturated.
// Commands are built by hand on raw sockets so the loader costs little CPU
// on a machine that also runs the servers.
type PacedLoad struct {
	rate  float64
	start time.Time

	cancel context.CancelFunc
	wg     sync.WaitGroup
	sent   atomic.Int64
	errs   atomic.Int64

	mu  sync.Mutex
	err error
}

// maxBatch caps one pipelined batch, so a loader that fell behind (the
// server stalled) catches up in bounded bites instead of one huge write.
const maxBatch = 512

// StartPacedLoad opens conns connections to addr and starts writing
// opsPerSec SETs per second in total to keys key:<n> for n in
// [0, keyspace), values of valueSize bytes: redis-benchmark's key names
// and default value size, so the writes replicate like its SET test.
func StartPacedLoad(ctx context.Context, addr string, opsPerSec float64, conns, keyspace, valueSize int) (*PacedLoad, error) {
	if opsPerSec <= 0 || conns < 1 || keyspace < 1 {
		return nil, fmt.Errorf("paced load: need a positive rate, connections and keyspace")
	}
	ctx, cancel := context.WithCancel(ctx)
	l := &PacedLoad{rate: opsPerSec, cancel: cancel}
	var cs []net.Conn
	for i := 0; i < conns; i++ {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			cancel()
			for _, c := range cs {
				c.Close()
			}
			return nil, fmt.Errorf("paced load: %w", err)
		}
		cs = append(cs, c)
	}
	value := make([]byte, valueSize)
	for i := range value {
		value[i] = 'x'
	}
	l.start = time.Now()
	per := opsPerSec / float64(conns)
	for _, c := range cs {
		l.wg.Add(1)
		go l.run(ctx, c, per, keyspace, value)
	}
	return l, nil
}

func (l *PacedLoad) run(ctx context.Context, c net.Conn, rate float64, keyspace int, value []byte) {
	defer l.wg.Done()
	defer c.Close()
	go func() {
		<-ctx.Done()
		_ = c.SetDeadline(time.Now()) // unblocks a read or write in progress
	}()
	br := bufio.NewReaderSize(c, 64<<10)
	var buf []byte
	var sent int64
	start := time.Now()
	for ctx.Err() == nil {
		due := int64(rate*time.Since(start).Seconds()) - sent
		if due <= 0 {
			time.Sleep(time.Millisecond)
			continue
		}
		due = min(due, maxBatch)
		buf = buf[:0]
		for i := int64(0); i < due; i++ {
			buf = appendSet(buf, rand.IntN(keyspace), value)
		}
		if _, err := c.Write(buf); err != nil {
			l.fail(ctx, err)
			return
		}
		for i := int64(0); i < due; i++ {
			line, err := br.ReadSlice('\n')
			if err != nil {
				l.fail(ctx, err)
				return
			}
			if len(line) == 0 || line[0] != '+' {
				l.errs.Add(1)
			}
		}
		sent += due
		l.sent.Add(due)
	}
}

func (l *PacedLoad) fail(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return // the deadline Stop set, not a failure
	}
	l.mu.Lock()
	if l.err == nil {
		l.err = fmt.Errorf("paced load: %w", err)
	}
	l.mu.Unlock()
}

// Stop ends the load and returns the rate achieved, the error replies
// counted and the first connection failure, if any.
func (l *PacedLoad) Stop() (achieved float64, errReplies int64, err error) {
	l.cancel()
	l.wg.Wait()
	el := time.Since(l.start).Seconds()
	if el > 0 {
		achieved = float64(l.sent.Load()) / el
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return achieved, l.errs.Load(), l.err
}

// appendSet appends SET key:<12-digit n> value, the shape of
// redis-benchmark's SET with -r (key:__rand_int__, 16 bytes).
func appendSet(dst []byte, n int, value []byte) []byte {
	dst = append(dst, "*3\r\n$3\r\nSET\r\n$16\r\nkey:"...)
	var d [12]byte
	for i := 11; i >= 0; i-- {
		d[i] = byte('0' + n%10)
		n /= 10
	}
	dst = append(dst, d[:]...)
	dst = append(dst, "\r\n$"...)
	dst = strconv.AppendInt(dst, int64(len(value)), 10)
	dst = append(dst, "\r\n"...)
	dst = append(dst, value...)
	return append(dst, "\r\n"...)
}

// RESPSize is the size of args as a RESP array of bulk strings: what a
// client sends for one command.
func RESPSize(args ...string) int {
	n := 1 + len(strconv.Itoa(len(args))) + 2
	for _, a := range args {
		n += 1 + len(strconv.Itoa(len(a))) + 2 + len(a) + 2
	}
	return n
}

// BenchmarkCommand is the command redis-benchmark sends for test (as
// src/redis-benchmark.c formats it: key names end in a 12-character
// __rand_int__ field, replaced by digits with -r, values are -d bytes,
// 3 by default), or nil for a test this harness does not model.
func BenchmarkCommand(test string, valueSize int) []string {
	rnd := "000000000000"
	val := make([]byte, valueSize)
	for i := range val {
		val[i] = 'x'
	}
	switch test {
	case "set":
		return []string{"SET", "key:" + rnd, string(val)}
	case "incr":
		return []string{"INCR", "counter:" + rnd}
	case "lpush":
		return []string{"LPUSH", "mylist", string(val)}
	case "rpush":
		return []string{"RPUSH", "mylist", string(val)}
	case "sadd":
		return []string{"SADD", "myset", "element:" + rnd}
	case "hset":
		return []string{"HSET", "myhash", "element:" + rnd, string(val)}
	case "zadd":
		return []string{"ZADD", "myzset", "0", "element:" + rnd}
	}
	return nil
}
