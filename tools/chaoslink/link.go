// Package chaoslink is a fault-injecting TCP proxy for tests and for operators.
//
// A Link is put between two Meridian regions (or between a client and a
// server): it listens on a local address and forwards every accepted
// connection to one upstream address, in both directions. Faults are switched
// at run time by methods that are safe to call from any goroutine, or through
// the line-oriented control protocol (see Command and ServeControl), so that a
// test or a human can script partitions, latency and slow links without
// touching the processes on either side.
//
// Directions: Forward is accepted side -> upstream (what the connecting peer
// sends); Backward is upstream -> accepted side (the replies).
//
// Fault semantics:
//
//   - Cut(dir) holds bytes; it never drops them. Replication links are TCP
//     streams that reconnect, so the realistic partition is "the wire goes
//     silent": on existing connections bytes in the cut direction stop being
//     delivered (a small amount is buffered in the link, then TCP flow control
//     pushes back on the sender), and after Heal everything written during the
//     cut arrives, in order, intact. While both directions are cut, new
//     connections are accepted but the upstream is not dialled until Heal (or
//     Close), so they hang the way a connect across a black-holed network does.
//     To simulate connections dying in a partition, combine Cut with ResetAll.
//   - SetDelay(d, jitter) adds latency, not serialization time: each chunk read
//     is stamped on arrival and delivered no earlier than arrival + d + a
//     uniform random extra in [0, jitter). Order is kept (a chunk never
//     overtakes an earlier one), so jitter only ever stretches gaps.
//   - SetBandwidth(bytesPerSec) caps the throughput of each direction of the
//     whole link (shared by all its connections), like a narrow pipe; 0 means
//     unlimited. Delay and bandwidth compose: a chunk waits for its due time,
//     then for its share of the pipe.
//   - ResetAll closes every proxied connection on both sides mid-stream; bytes
//     held in the link are lost, as on a real connection reset. The listener
//     stays open, so peers may reconnect at once (subject to any cut).
//
// Settings apply to bytes already in flight as well as to new ones: healing a
// cut releases held bytes immediately, a new delay applies to chunks not yet
// delivered.
package chaoslink

import (
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Dir names one or both directions of a link.
type Dir uint8

// Directions. Forward is accepted side -> upstream; Backward the reverse.
const (
	Forward  Dir = 1
	Backward Dir = 2
	Both     Dir = Forward | Backward
)

// String returns the control-protocol word for d.
func (d Dir) String() string {
	switch d {
	case 0:
		return "none"
	case Forward:
		return "forward"
	case Backward:
		return "backward"
	case Both:
		return "both"
	}
	return "invalid"
}

// Stats is a snapshot of a Link's counters.
type Stats struct {
	Forward  int64 // bytes delivered to the upstream
	Backward int64 // bytes delivered back to accepted connections
	Accepted int64 // connections accepted since New
	Active   int64 // proxied connections currently open
	Resets   int64 // connections closed by ResetAll
}

// chunkSize bounds one read, so that a delay or a bandwidth cap acts at a
// fine grain and so that a cut holds at most queueLen*chunkSize bytes per
// connection direction before TCP flow control takes over.
const (
	chunkSize = 16 << 10
	queueLen  = 64
)

// Link is a running fault-injecting proxy. Create it with New; stop it with
// Close.
type Link struct {
	ln       net.Listener
	upstream string

	mu        sync.Mutex
	changed   chan struct{} // closed and replaced on every fault change
	cut       Dir
	delay     time.Duration
	jitter    time.Duration
	bps       int64
	next      [3]time.Time // bandwidth schedule per direction (index Dir 1, 2)
	conns     map[*pair]struct{}
	closed    bool
	closeOnce sync.Once
	wg        sync.WaitGroup

	fwd, bwd, accepted, active, resets atomic.Int64
}

// New listens on listen and forwards each accepted connection to upstream.
// The upstream is dialled per accepted connection, so it need not be up yet;
// when that dial fails the accepted connection is simply closed.
func New(listen, upstream string) (*Link, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, err
	}
	l := &Link{ln: ln, upstream: upstream, changed: make(chan struct{}), conns: map[*pair]struct{}{}}
	l.wg.Add(1)
	go l.acceptLoop()
	return l, nil
}

// Addr is the address the link listens on (useful with port 0).
func (l *Link) Addr() net.Addr { return l.ln.Addr() }

// Upstream is the address every connection is forwarded to.
func (l *Link) Upstream() string { return l.upstream }

// notifyLocked wakes every waiter after a fault change; l.mu must be held.
func (l *Link) notifyLocked() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// Cut stops delivery in the given direction(s), adding to any cut already in
// place. Bytes are held, not dropped; see the package comment.
func (l *Link) Cut(dir Dir) {
	l.mu.Lock()
	l.cut |= dir & Both
	l.notifyLocked()
	l.mu.Unlock()
}

// Heal lifts every cut; held bytes are delivered in order.
func (l *Link) Heal() {
	l.mu.Lock()
	l.cut = 0
	l.notifyLocked()
	l.mu.Unlock()
}

// SetDelay sets the added latency d plus a uniform random extra in
// [0, jitter). Negative values count as zero.
func (l *Link) SetDelay(d, jitter time.Duration) {
	l.mu.Lock()
	l.delay, l.jitter = max(d, 0), max(jitter, 0)
	l.notifyLocked()
	l.mu.Unlock()
}

// SetBandwidth caps each direction at bytesPerSec; 0 (or less) is unlimited.
func (l *Link) SetBandwidth(bytesPerSec int64) {
	l.mu.Lock()
	l.bps = max(bytesPerSec, 0)
	l.next = [3]time.Time{}
	l.notifyLocked()
	l.mu.Unlock()
}

// ResetAll closes every proxied connection, both sides, mid-stream.
func (l *Link) ResetAll() {
	l.mu.Lock()
	ps := make([]*pair, 0, len(l.conns))
	for p := range l.conns {
		ps = append(ps, p)
	}
	l.mu.Unlock()
	for _, p := range ps {
		if p.close() {
			l.resets.Add(1)
		}
	}
}

// Stats returns a snapshot of the counters.
func (l *Link) Stats() Stats {
	return Stats{Forward: l.fwd.Load(), Backward: l.bwd.Load(), Accepted: l.accepted.Load(),
		Active: l.active.Load(), Resets: l.resets.Load()}
}

// Faults reports the current settings: cut directions, delay, jitter, bandwidth.
func (l *Link) Faults() (cut Dir, delay, jitter time.Duration, bytesPerSec int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cut, l.delay, l.jitter, l.bps
}

// Close stops listening, closes every proxied connection and waits for the
// link's goroutines to finish.
func (l *Link) Close() error {
	var err error
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.notifyLocked()
		l.mu.Unlock()
		err = l.ln.Close()
		l.mu.Lock()
		ps := make([]*pair, 0, len(l.conns))
		for p := range l.conns {
			ps = append(ps, p)
		}
		l.mu.Unlock()
		for _, p := range ps {
			p.close()
		}
		l.wg.Wait()
	})
	return err
}

func (l *Link) acceptLoop() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return // listener closed
		}
		l.accepted.Add(1)
		p := &pair{client: c, done: make(chan struct{})}
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			c.Close()
			continue
		}
		l.conns[p] = struct{}{}
		l.wg.Add(1)
		l.mu.Unlock()
		l.active.Add(1)
		go l.serve(p)
	}
}

// pair is one proxied connection: the accepted side and its upstream.
type pair struct {
	client net.Conn
	done   chan struct{} // closed by close()

	mu       sync.Mutex
	upstream net.Conn
	isClosed bool
}

// close closes both sides once; it reports whether this call did it.
func (p *pair) close() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.isClosed {
		return false
	}
	p.isClosed = true
	close(p.done)
	p.client.Close()
	if p.upstream != nil {
		p.upstream.Close()
	}
	return true
}

func (l *Link) serve(p *pair) {
	defer func() {
		p.close()
		l.mu.Lock()
		delete(l.conns, p)
		l.mu.Unlock()
		l.active.Add(-1)
		l.wg.Done()
	}()
	// A full cut black-holes the connect too: do not dial until healed.
	if !l.waitOpen(Both, p.done, true) {
		return
	}
	up, err := net.DialTimeout("tcp", l.upstream, 10*time.Second)
	if err != nil {
		return
	}
	p.mu.Lock()
	if p.isClosed {
		p.mu.Unlock()
		up.Close()
		return
	}
	p.upstream = up
	p.mu.Unlock()

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); l.pipe(p, p.client, up, Forward, &l.fwd) }()
	go func() { defer wg.Done(); l.pipe(p, up, p.client, Backward, &l.bwd) }()
	wg.Wait()
}

// waitOpen blocks while dir is cut (all of dir when all is set, any part of
// it otherwise). It returns false if done closes or the link closes first.
func (l *Link) waitOpen(dir Dir, done <-chan struct{}, all bool) bool {
	for {
		l.mu.Lock()
		c := l.cut & dir
		blocked := c != 0
		if all {
			blocked = c == dir
		}
		ch, closed := l.changed, l.closed
		l.mu.Unlock()
		if closed {
			return false
		}
		if !blocked {
			return true
		}
		select {
		case <-ch:
		case <-done:
			return false
		}
	}
}

type chunk struct {
	b   []byte
	due time.Time
}

// pipe copies src to dst for one direction: a reader stamps chunks with their
// due time; the writer holds them through cuts, delay and the bandwidth cap.
// At EOF the pending chunks are still delivered, then dst's write side is
// shut so half-closes pass through. Any error closes the whole pair.
func (l *Link) pipe(p *pair, src, dst net.Conn, dir Dir, count *atomic.Int64) {
	q := make(chan chunk, queueLen)
	rdone := make(chan struct{})
	// Every exit below either drained q (the reader is gone) or closed the
	// pair (the reader's Read or send fails at once): waiting is bounded and
	// keeps Close's promise that no goroutine outlives it.
	defer func() { <-rdone }()
	go func() {
		defer close(rdone)
		defer close(q)
		for {
			b := make([]byte, chunkSize)
			n, err := src.Read(b)
			if n > 0 {
				l.mu.Lock()
				due := time.Now().Add(l.delay)
				if l.jitter > 0 {
					due = due.Add(rand.N(l.jitter))
				}
				l.mu.Unlock()
				select {
				case q <- chunk{b[:n], due}:
				case <-p.done:
					return
				}
			}
			if err != nil {
				if err != io.EOF {
					p.close()
				}
				return
			}
		}
	}()
	var last time.Time
	for c := range q {
		due := c.due
		if due.Before(last) {
			due = last // keep order: jitter never lets a chunk overtake
		}
		last = due
		for len(c.b) > 0 {
			if !l.waitOpen(dir, p.done, false) || !l.sleepUntil(due, p.done) {
				p.close()
				return
			}
			n := l.grant(dir, len(c.b), p.done)
			if n < 0 {
				p.close()
				return
			}
			// A cut may have started while waiting for bandwidth: re-check.
			if !l.waitOpen(dir, p.done, false) {
				p.close()
				return
			}
			w, err := dst.Write(c.b[:n])
			count.Add(int64(w))
			if err != nil {
				p.close()
				return
			}
			c.b = c.b[n:]
		}
	}
	select {
	case <-p.done:
		return
	default:
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}

// sleepUntil waits for t (a chunk's due time, fixed on arrival). False if
// the pair closed first.
func (l *Link) sleepUntil(t time.Time, done <-chan struct{}) bool {
	d := time.Until(t)
	if d <= 0 {
		return true
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-done:
		return false
	}
}

// grant waits for the bandwidth schedule of dir and returns how many of want
// bytes may be written now (-1 if the pair closed). Slices are at most 1/50 s
// of the cap, so the pipe is shared fairly and the rate is smooth.
func (l *Link) grant(dir Dir, want int, done <-chan struct{}) int {
	l.mu.Lock()
	bps := l.bps
	if bps == 0 {
		l.mu.Unlock()
		return want
	}
	n := int64(want)
	if slice := max(bps/50, 1); n > slice {
		n = slice
	}
	now := time.Now()
	start := l.next[dir]
	if start.Before(now) {
		start = now
	}
	l.next[dir] = start.Add(time.Duration(n * int64(time.Second) / bps))
	l.mu.Unlock()
	wait := time.Until(start)
	if wait <= 0 {
		return int(n)
	}
	// The slot is reserved, so wait it out even if the cap changes
	// meanwhile: a slot is at most 1/50 s of the old cap.
	tm := time.NewTimer(wait)
	select {
	case <-tm.C:
		return int(n)
	case <-done:
		tm.Stop()
		return -1
	}
}
