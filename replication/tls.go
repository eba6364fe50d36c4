package replication

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	stdnet "net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Replication links over mutual TLS. The RESP port runs on gnet, which has
// no TLS, so a region with aa-tls-port serves its peers' pulls on a
// listener of its own: the standard library's crypto/tls, one goroutine
// per connection reading and one writing. A peer proves it belongs to the
// database twice: a certificate signed by the database's CA (checked by the
// handshake) and the AA secret (checked by Sync, as on the RESP port).

// Limits of the TLS listener.
const (
	// tlsSetupTimeout bounds the handshake and, separately, the AA SYNC
	// that follows it: a peer sends it at once, anyone slower is not one.
	tlsSetupTimeout = 5 * time.Second
	// tlsPending bounds connections between accept and a served AA SYNC,
	// so a flood of idle or slow connections holds a bounded number of
	// goroutines; accepting waits while the bound is reached.
	tlsPending = 64
	// tlsLinkIdle closes a link that has carried nothing for this long: a
	// puller beats at least every beatIdle, so silence means it is gone
	// (a dead host sends no FIN, and nothing else would end the read).
	tlsLinkIdle = 30 * time.Second
	// tlsReadBuf is the read loop's buffer; recv copies what it keeps.
	tlsReadBuf = 64 << 10
	// tlsCoalesce: queued slices smaller than this are gathered into one
	// TLS write (fewer records and syscalls for the small messages a
	// tick makes); larger ones are written as they are.
	tlsCoalesce = 16 << 10
)

// Limits of the one command a TLS connection may send. AA SYNC has ten
// arguments, the largest being the positions (at most 257 uvarints of 10
// bytes); the secret is the only one a user chooses.
const (
	tlsMaxArgs    = 16
	tlsMaxBulk    = 64 << 10
	tlsMaxCommand = 256 << 10 // bytes read before the command must be whole
	tlsMaxDigits  = 10        // digits of a "*" or "$" length line
)

// commandError is a command the TLS listener refuses with an error reply
// (then it closes the connection); other errors (the socket's) get none.
type commandError struct{ msg string }

func (e *commandError) Error() string { return e.msg }

// The TLS listener's refusals, with Redis's protocol error texts where
// Redis has one.
var (
	errTLSMultibulk = &commandError{"Protocol error: invalid multibulk length"}
	errTLSBulk      = &commandError{"Protocol error: invalid bulk length"}
	errTLSTooBig    = &commandError{"Protocol error: AA SYNC command too large"}
	errTLSNotSync   = &commandError{"only AA SYNC is served on this port"}
)

// errTLSExpected is "expected '*', got 'x'" or "expected '$', got 'x'";
// the byte is written raw, as Redis's %c does.
func errTLSExpected(want, got byte) error {
	return &commandError{"Protocol error: expected '" + string([]byte{want}) + "', got '" + string([]byte{got}) + "'"}
}

// LoadTLSConfig reads this region's certificate and key and the database's
// CA (PEM files) into the configuration of both ends of a link: as a
// server it requires and verifies a client certificate signed by the CA,
// as a client it verifies the peer's against the same CA (the caller sets
// ServerName per peer; dialTLS does). Every region's certificate must
// therefore allow both server and client authentication and name the host
// its peers dial.
func LoadTLSConfig(certFile, keyFile, caFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("cannot load the certificate %s and key %s: %w", certFile, keyFile, err)
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("cannot read the CA certificate: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no PEM certificate in the CA file %s", caFile)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{cert},
		RootCAs:      pool,
		ClientCAs:    pool,
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}, nil
}

// rawCloseConn is a TLS connection whose Close closes the socket at once.
// tls.Conn.Close first sends a close_notify alert, which can block for
// seconds on a peer that does not read; links are closed from places that
// must not wait (kickPull runs on RESP event loops, Sync replaces a link
// from another one), and their peers learn of the close from the socket.
type rawCloseConn struct {
	*tls.Conn
	raw stdnet.Conn
}

func (c rawCloseConn) Close() error { return c.raw.Close() }

// dialTLS connects to a peer's aa-tls-port and completes the handshake
// within the dialer's timeout, verifying the peer's certificate for the
// host of addr.
func dialTLS(d *stdnet.Dialer, addr string, cfg *tls.Config) (stdnet.Conn, error) {
	host, _, err := stdnet.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	raw, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	c := cfg.Clone()
	c.ServerName = host
	conn := tls.Client(raw, c)
	_ = raw.SetDeadline(time.Now().Add(d.Timeout))
	if err := conn.Handshake(); err != nil {
		raw.Close()
		return nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
	}
	_ = raw.SetDeadline(time.Time{})
	return rawCloseConn{Conn: conn, raw: raw}, nil
}

// ServeTLS serves peers' pulls on ln (a plain TCP listener: the handshake
// runs here, with Config.TLS) until the region closes, which also closes
// ln. It returns at once; call it after Start, once per listener. Safe
// from any goroutine.
func (r *Region) ServeTLS(ln stdnet.Listener) error {
	if r.cfg.TLS == nil {
		ln.Close()
		return errors.New("replication: ServeTLS needs Config.TLS")
	}
	r.mu.Lock()
	if r.closed || r.store == nil {
		r.mu.Unlock()
		ln.Close()
		return errors.New("replication: ServeTLS needs a started, open region")
	}
	// Added under r.mu with the region open: Close has not begun its
	// Wait, which may therefore not miss these goroutines.
	r.wg.Add(2)
	r.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer r.wg.Done()
		<-r.stop
		cancel()
		ln.Close()
	}()
	go r.acceptTLS(ctx, ln)
	return nil
}

// acceptTLS is ServeTLS's accept loop; ctx ends with the region.
func (r *Region) acceptTLS(ctx context.Context, ln stdnet.Listener) {
	defer r.wg.Done()
	pending := make(chan struct{}, tlsPending)
	var delay time.Duration
	for {
		select {
		case pending <- struct{}{}:
		case <-ctx.Done():
			return
		}
		conn, err := ln.Accept()
		if err != nil {
			<-pending
			if ctx.Err() != nil || errors.Is(err, stdnet.ErrClosed) {
				return
			}
			// Out of file descriptors and the like: wait, as net/http
			// does, rather than spin.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			r.log.Warn("AA TLS accept failed", "err", err, "retry_in", delay)
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return
			}
			continue
		}
		delay = 0
		r.wg.Add(1)
		go r.serveTLSConn(ctx, conn, func() { <-pending })
	}
}

// serveTLSConn runs one connection: handshake, AA SYNC, then the link
// until either side ends it. release frees the connection's pending slot;
// it is called exactly once, when the AA SYNC is answered or refused.
func (r *Region) serveTLSConn(ctx context.Context, raw stdnet.Conn, release func()) {
	defer r.wg.Done()
	// The region closing ends the connection wherever it is; once a link
	// runs, its outbound also closes it then.
	unwatch := context.AfterFunc(ctx, func() { raw.Close() })
	defer unwatch()
	from := raw.RemoteAddr().String()
	conn := tls.Server(raw, r.cfg.TLS)
	_ = raw.SetDeadline(time.Now().Add(tlsSetupTimeout))
	if err := conn.HandshakeContext(ctx); err != nil {
		release()
		raw.Close()
		if ctx.Err() == nil {
			r.log.Warn("AA TLS handshake refused", "from", from, "err", err)
		}
		return
	}
	_ = raw.SetDeadline(time.Now().Add(tlsSetupTimeout))
	args, rest, err := readTLSCommand(conn)
	if err == nil && !isAASync(args) {
		err = errTLSNotSync
	}
	if err != nil {
		release()
		var ce *commandError
		if errors.As(err, &ce) {
			_, _ = conn.Write([]byte("-ERR " + oneLine(ce.msg) + "\r\n"))
		}
		conn.Close() // a close_notify after the reply; the setup deadline bounds it
		r.log.Warn("AA TLS connection without a valid AA SYNC closed", "from", from, "err", err)
		return
	}
	l := &tlsLink{conn: conn, raw: raw, wake: make(chan struct{}, 1), done: make(chan struct{})}
	recv, closed, errText := r.Sync(args[2:], l.send, l.buffered, l.close)
	release()
	if errText != "" {
		_, _ = conn.Write([]byte("-" + oneLine(errText) + "\r\n"))
		conn.Close()
		return
	}
	_ = raw.SetDeadline(time.Time{})
	// +OK goes first: the outbound may have queued its first messages
	// already, and the puller reads the reply line before any message.
	l.mu.Lock()
	l.queue = append([][]byte{[]byte("+OK\r\n")}, l.queue...)
	l.queued.Add(5)
	l.mu.Unlock()
	r.wg.Add(1)
	go l.writeLoop(r)
	l.kick()
	r.log.Info("AA SYNC over TLS: serving a peer's pull", "peer", from)

	err = nil
	if len(rest) > 0 {
		err = recv(rest)
	}
	buf := make([]byte, tlsReadBuf)
	for err == nil {
		_ = raw.SetReadDeadline(time.Now().Add(tlsLinkIdle))
		n, e := conn.Read(buf)
		if n > 0 {
			if err = recv(buf[:n]); err != nil {
				break
			}
		}
		err = e
	}
	if !l.isClosed() {
		r.log.Warn("AA link closed", "peer", from, "err", err)
	}
	closed()
	l.close()
}

// readTLSCommand reads one RESP command from conn, at most tlsMaxCommand
// bytes, and returns its arguments and whatever followed it (the link's
// first bytes, if the peer did not wait for the reply).
func readTLSCommand(conn stdnet.Conn) (args [][]byte, rest []byte, err error) {
	buf := make([]byte, 0, 4096)
	for {
		if len(buf) == cap(buf) {
			if cap(buf) >= tlsMaxCommand {
				return nil, nil, errTLSTooBig
			}
			grown := make([]byte, len(buf), min(2*cap(buf), tlsMaxCommand))
			copy(grown, buf)
			buf = grown
		}
		n, e := conn.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		got, used, perr := parseTLSCommand(buf)
		if perr != nil {
			return nil, nil, perr
		}
		if used > 0 {
			return got, bytes.Clone(buf[used:]), nil
		}
		if e != nil {
			return nil, nil, e
		}
	}
}

// parseTLSCommand parses the RESP array of bulk strings at the start of b.
// It returns the arguments (sub-slices of b) and the bytes they took, or
// n == 0 and no error when b holds only part of a command. Every length is
// bounded (tlsMaxArgs, tlsMaxBulk) before anything is allocated for it, so
// no input makes it panic or allocate more than b's size allows.
func parseTLSCommand(b []byte) (args [][]byte, n int, err error) {
	if len(b) == 0 {
		return nil, 0, nil
	}
	if b[0] != '*' {
		return nil, 0, errTLSExpected('*', b[0])
	}
	count, at, err := tlsLength(b, 0, tlsMaxArgs, errTLSMultibulk)
	if err != nil || at == 0 {
		return nil, 0, err
	}
	if count < 1 {
		return nil, 0, errTLSMultibulk
	}
	args = make([][]byte, 0, count)
	for len(args) < count {
		if at >= len(b) {
			return nil, 0, nil
		}
		if b[at] != '$' {
			return nil, 0, errTLSExpected('$', b[at])
		}
		l, next, err := tlsLength(b, at, tlsMaxBulk, errTLSBulk)
		if err != nil || next == 0 {
			return nil, 0, err
		}
		end := next + l
		if end+2 > len(b) {
			return nil, 0, nil
		}
		if b[end] != '\r' || b[end+1] != '\n' {
			return nil, 0, errTLSBulk
		}
		args = append(args, b[next:end:end])
		at = end + 2
	}
	return args, at, nil
}

// tlsLength reads the decimal length after the type byte at b[at], up to
// limit, and returns it with the offset after its CRLF; next == 0 with no
// error: the line is not complete yet.
func tlsLength(b []byte, at, limit int, bad error) (v, next int, err error) {
	i := at + 1
	for ; i < len(b) && b[i] != '\r'; i++ {
		c := b[i]
		if c < '0' || c > '9' || i-at > tlsMaxDigits {
			return 0, 0, bad
		}
		v = v*10 + int(c-'0')
		if v > limit {
			return 0, 0, bad
		}
	}
	if i+1 >= len(b) {
		return 0, 0, nil
	}
	if i == at+1 || b[i+1] != '\n' {
		return 0, 0, bad
	}
	return v, i + 2, nil
}

// isAASync: the command is AA SYNC (any case), the only one this port takes.
func isAASync(args [][]byte) bool {
	return len(args) >= 2 && bytes.EqualFold(args[0], []byte("aa")) && bytes.EqualFold(args[1], []byte("sync"))
}

// oneLine keeps an error reply on one line, as a RESP error must be.
func oneLine(s string) string {
	return string(bytes.Map(func(c rune) rune {
		if c == '\r' || c == '\n' {
			return ' '
		}
		return c
	}, []byte(s)))
}

// tlsLink is the Link of a pull served over TLS: Send queues without
// blocking (the outbound runs its ticks on it), one goroutine writes the
// queue to the connection, and Buffered is what is queued and not yet
// written. Safe from any goroutine.
type tlsLink struct {
	conn *tls.Conn
	raw  stdnet.Conn

	mu     sync.Mutex
	queue  [][]byte // owned by the link from Send on
	closed bool     // no more sends; the queue is dropped

	queued atomic.Int64 // bytes in queue and in the write under way
	wake   chan struct{}
	done   chan struct{}
	once   sync.Once
}

func (l *tlsLink) send(b []byte) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return stdnet.ErrClosed
	}
	l.queue = append(l.queue, b)
	l.queued.Add(int64(len(b)))
	l.mu.Unlock()
	l.kick()
	return nil
}

func (l *tlsLink) kick() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

func (l *tlsLink) buffered() int { return int(l.queued.Load()) }

func (l *tlsLink) isClosed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.closed
}

// close closes the socket (never the TLS layer: see rawCloseConn), which
// ends the read loop and any write under way.
func (l *tlsLink) close() {
	l.once.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.queue = nil
		l.mu.Unlock()
		close(l.done)
		l.raw.Close()
	})
}

// writeLoop writes the queue to the connection until the link closes.
func (l *tlsLink) writeLoop(r *Region) {
	defer r.wg.Done()
	var batch [][]byte
	var small []byte // small slices gathered for one write
	write := func(b []byte) bool {
		_, err := l.conn.Write(b)
		l.queued.Add(-int64(len(b)))
		return err == nil
	}
	flush := func() bool {
		if len(small) == 0 {
			return true
		}
		ok := write(small)
		small = small[:0]
		return ok
	}
	for {
		select {
		case <-l.done:
			return
		case <-l.wake:
		}
		for {
			l.mu.Lock()
			batch, l.queue = l.queue, batch[:0]
			l.mu.Unlock()
			if len(batch) == 0 {
				break
			}
			for i, b := range batch {
				batch[i] = nil
				if len(b) < tlsCoalesce {
					small = append(small, b...)
					if len(small) >= 4*tlsCoalesce && !flush() {
						l.close()
						return
					}
					continue
				}
				if !flush() || !write(b) {
					l.close()
					return
				}
			}
			if !flush() {
				l.close()
				return
			}
			if cap(small) > 1<<20 {
				small = nil
			}
		}
	}
}
