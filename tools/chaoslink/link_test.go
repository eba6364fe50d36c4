package chaoslink

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// echoServer starts a loopback upstream that echoes every byte back.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				io.Copy(c, c)
				c.(*net.TCPConn).CloseWrite()
			}()
		}
	}()
	return ln.Addr().String()
}

func newLink(t *testing.T) *Link {
	t.Helper()
	l, err := New("127.0.0.1:0", echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func dial(t *testing.T, l *Link) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// readN reads exactly n bytes within d.
func readN(t *testing.T, c net.Conn, n int, d time.Duration) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("reading %d bytes: %v", n, err)
	}
	c.SetReadDeadline(time.Time{})
	return b
}

// expectSilence checks that nothing arrives on c for d.
func expectSilence(t *testing.T, c net.Conn, d time.Duration) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	var b [1]byte
	n, err := c.Read(b[:])
	c.SetReadDeadline(time.Time{})
	if n > 0 {
		t.Fatalf("got a byte through a cut link")
	}
	if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		t.Fatalf("want a timeout during the cut, got %v", err)
	}
}

func TestPassThroughBothWays(t *testing.T) {
	l := newLink(t)
	c := dial(t, l)
	payload := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range payload {
		payload[i] = byte(r.Uint32())
	}
	go func() {
		c.Write(payload)
		c.CloseWrite() // half-close passes through; the echo then closes
	}()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatalf("echo differs: got %d bytes, want %d", len(got), len(payload))
	}
	s := l.Stats()
	if s.Forward != int64(len(payload)) || s.Backward != int64(len(payload)) || s.Accepted != 1 {
		t.Fatalf("stats %+v", s)
	}
	deadline := time.Now().Add(5 * time.Second)
	for l.Stats().Active != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("connection still active after both sides closed: %+v", l.Stats())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCutHoldsAndHealResumes(t *testing.T) {
	for _, dir := range []Dir{Both, Forward, Backward} {
		t.Run(dir.String(), func(t *testing.T) {
			l := newLink(t)
			c := dial(t, l)
			c.Write([]byte("hello"))
			if got := readN(t, c, 5, 5*time.Second); string(got) != "hello" {
				t.Fatalf("got %q", got)
			}
			l.Cut(dir)
			c.Write([]byte("during the cut"))
			expectSilence(t, c, 150*time.Millisecond)
			before := l.Stats()
			l.Heal()
			if got := readN(t, c, 14, 5*time.Second); string(got) != "during the cut" {
				t.Fatalf("after heal got %q", got)
			}
			if dir == Backward && before.Forward != 19 {
				// A backward-only cut still lets the request reach upstream.
				t.Fatalf("forward bytes during a backward cut: %d, want 19", before.Forward)
			}
			if dir&Forward != 0 && before.Forward != 5 {
				t.Fatalf("forward bytes during a forward cut: %d, want 5", before.Forward)
			}
		})
	}
}

func TestFullCutHoldsNewConnections(t *testing.T) {
	l := newLink(t)
	l.Cut(Both)
	c := dial(t, l) // the accept succeeds; the connect to upstream waits
	c.Write([]byte("ping"))
	expectSilence(t, c, 150*time.Millisecond)
	l.Heal()
	if got := readN(t, c, 4, 5*time.Second); string(got) != "ping" {
		t.Fatalf("got %q", got)
	}
}

func TestDelay(t *testing.T) {
	l := newLink(t)
	c := dial(t, l)
	c.Write([]byte("x")) // establish the upstream connection first
	readN(t, c, 1, 5*time.Second)
	const d, j = 60 * time.Millisecond, 20 * time.Millisecond
	l.SetDelay(d, j)
	for range 3 {
		start := time.Now()
		c.Write([]byte("abc"))
		readN(t, c, 3, 5*time.Second)
		// Both directions are delayed: a round trip takes at least 2d.
		if rt := time.Since(start); rt < 2*d {
			t.Fatalf("round trip %v, want at least %v", rt, 2*d)
		} else if rt > 2*(d+j)+2*time.Second {
			t.Fatalf("round trip %v, far above %v", rt, 2*(d+j))
		}
	}
	l.SetDelay(0, 0)
	start := time.Now()
	c.Write([]byte("abc"))
	readN(t, c, 3, 5*time.Second)
	if rt := time.Since(start); rt >= 2*d {
		t.Logf("round trip without delay took %v (slow machine?)", rt)
	}
}

func TestBandwidth(t *testing.T) {
	// A sink upstream that counts bytes, so only the forward cap matters.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan int64, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- -1
			return
		}
		defer c.Close()
		var n int64
		b := make([]byte, 64<<10)
		end := time.Now().Add(200 * time.Millisecond)
		c.SetReadDeadline(end)
		for {
			k, err := c.Read(b)
			n += int64(k)
			if err != nil {
				break
			}
		}
		got <- n
	}()
	l, err := New("127.0.0.1:0", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const bps = 100_000
	l.SetBandwidth(bps)
	c := dial(t, l)
	go func() { c.Write(make([]byte, 4<<20)) }() // far more than the cap allows
	n := <-got
	// 200 ms at 100 kB/s is 20 kB; unlimited loopback would move megabytes.
	if n < 5_000 || n > 40_000 {
		t.Fatalf("moved %d bytes in ~200ms at %d B/s, want about 20000", n, bps)
	}
	t.Logf("moved %d bytes in 200ms at %d B/s", n, bps)
}

func TestResetAll(t *testing.T) {
	l := newLink(t)
	c1, c2 := dial(t, l), dial(t, l)
	for _, c := range []net.Conn{c1, c2} {
		c.Write([]byte("hi"))
		readN(t, c, 2, 5*time.Second)
	}
	if a := l.Stats().Active; a != 2 {
		t.Fatalf("active %d, want 2", a)
	}
	l.ResetAll()
	for _, c := range []net.Conn{c1, c2} {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatal("read succeeded on a reset connection")
		} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatal("connection not closed by ResetAll")
		}
	}
	if r := l.Stats().Resets; r != 2 {
		t.Fatalf("resets %d, want 2", r)
	}
	// The listener stays open: a new connection works.
	c3 := dial(t, l)
	c3.Write([]byte("again"))
	if got := readN(t, c3, 5, 5*time.Second); string(got) != "again" {
		t.Fatalf("got %q", got)
	}
}

func TestCommand(t *testing.T) {
	l := newLink(t)
	ok := []struct {
		line string
		cut  Dir
	}{
		{"cut both", Both},
		{"heal", 0},
		{"cut forward", Forward},
		{"CUT Backward", Both},
		{"heal", 0},
		{"cut", Both},
		{"heal", 0},
		{"  cut   bwd ", Backward},
		{"heal", 0},
	}
	for _, tc := range ok {
		if got := l.Command(tc.line); got != "OK" {
			t.Fatalf("%q: %q", tc.line, got)
		}
		if cut, _, _, _ := l.Faults(); cut != tc.cut {
			t.Fatalf("%q: cut %v, want %v", tc.line, cut, tc.cut)
		}
	}
	if got := l.Command("delay 50ms 10ms"); got != "OK" {
		t.Fatal(got)
	}
	if _, d, j, _ := l.Faults(); d != 50*time.Millisecond || j != 10*time.Millisecond {
		t.Fatalf("delay %v jitter %v", d, j)
	}
	if got := l.Command("delay 0"); got != "OK" {
		t.Fatal(got)
	}
	if _, d, j, _ := l.Faults(); d != 0 || j != 0 {
		t.Fatalf("delay %v jitter %v", d, j)
	}
	if got := l.Command("bandwidth 1000000"); got != "OK" {
		t.Fatal(got)
	}
	if _, _, _, b := l.Faults(); b != 1_000_000 {
		t.Fatalf("bandwidth %d", b)
	}
	if got := l.Command("reset"); got != "OK" {
		t.Fatal(got)
	}
	if got := l.Command("ping"); got != "PONG" {
		t.Fatal(got)
	}
	st := l.Command("stats")
	for _, w := range []string{"forward=0 ", "backward=0 ", "accepted=0 ", "active=0 ", "cut=none ", "delay=0s ", "bandwidth=1000000"} {
		if !strings.Contains(st, w) {
			t.Fatalf("stats %q lacks %q", st, w)
		}
	}
	bad := []string{
		"", "   ", "nonsense", "cut sideways", "cut both forward", "heal now",
		"delay", "delay fast", "delay 10ms x", "delay -5ms", "delay 1ms 2ms 3ms",
		"bandwidth", "bandwidth -1", "bandwidth 1.5", "bandwidth 99999999999999999999",
		"reset all", "stats now",
	}
	for _, line := range bad {
		if got := l.Command(line); !strings.HasPrefix(got, "ERR ") {
			t.Fatalf("%q: got %q, want ERR", line, got)
		}
	}
	// Rejected commands change nothing.
	if cut, d, _, b := l.Faults(); cut != 0 || d != 0 || b != 1_000_000 {
		t.Fatalf("faults changed by bad commands: %v %v %d", cut, d, b)
	}
}

func TestServeControl(t *testing.T) {
	l := newLink(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- l.ServeControl(ln) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	ask := func(line string) string {
		t.Helper()
		if _, err := c.Write([]byte(line + "\n")); err != nil {
			t.Fatal(err)
		}
		s, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		return strings.TrimRight(s, "\r\n")
	}
	if got := ask("cut forward"); got != "OK" {
		t.Fatal(got)
	}
	if got := ask("stats\r"); !strings.Contains(got, "cut=forward") {
		t.Fatal(got)
	}
	if got := ask("bogus"); !strings.HasPrefix(got, "ERR ") {
		t.Fatal(got)
	}
	if got := ask("heal"); got != "OK" {
		t.Fatal(got)
	}
	ln.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("ServeControl did not return after its listener closed")
	}
}

func TestCloseUnblocksEverything(t *testing.T) {
	l, err := New("127.0.0.1:0", echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	l.Cut(Both)
	l.SetDelay(time.Hour, 0)
	c := dial(t, l)
	c.Write([]byte("stuck"))
	c2 := dial(t, l)
	_ = c2
	time.Sleep(20 * time.Millisecond)
	closed := make(chan struct{})
	go func() { l.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hung")
	}
}
