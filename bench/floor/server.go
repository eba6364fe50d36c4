package floor

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"runtime"
	"strconv"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// Config configures a floor server.
type Config struct {
	// Addr is host:port to listen on. Port 0 picks a free port (Start only).
	Addr string
	// Loops is the number of gnet event loops; <= 0 means runtime.NumCPU().
	Loops int
	// ReusePort gives every event loop its own SO_REUSEPORT listener and
	// lets the kernel spread connections, instead of one acceptor loop
	// handing connections round-robin to the event loops.
	ReusePort bool
	// Quiet drops gnet's informational log lines.
	Quiet bool
}

// connState is the per-connection reply buffer, reused across events so a
// steady-state connection allocates nothing.
type connState struct {
	out []byte
}

type handler struct {
	gnet.BuiltinEventEngine
	booted chan gnet.Engine
}

func (h *handler) OnBoot(eng gnet.Engine) gnet.Action {
	if h.booted != nil {
		h.booted <- eng
	}
	return gnet.None
}

func (h *handler) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	c.SetContext(&connState{out: make([]byte, 0, 4096)})
	return nil, gnet.None
}

// OnTraffic answers every complete command buffered on c with a single
// Write and keeps a trailing partial command for the next event.
func (h *handler) OnTraffic(c gnet.Conn) gnet.Action {
	st := c.Context().(*connState)
	in, _ := c.Peek(-1) // everything buffered; zero-copy unless data wrapped around
	out, consumed, err := Process(st.out[:0], in)
	if consumed > 0 {
		// Never Discard(0): gnet treats n <= 0 as "discard everything".
		_, _ = c.Discard(consumed)
	}
	if len(out) > 0 {
		_, _ = c.Write(out) // copies what the socket does not take at once
	}
	st.out = out[:0]
	if err != nil {
		return gnet.Close
	}
	return gnet.None
}

func (cfg Config) options() []gnet.Option {
	loops := cfg.Loops
	if loops <= 0 {
		loops = runtime.NumCPU()
	}
	opts := []gnet.Option{
		gnet.WithMulticore(true),
		gnet.WithNumEventLoop(loops),
		gnet.WithReusePort(cfg.ReusePort),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
	}
	if cfg.Quiet {
		opts = append(opts, gnet.WithLogger(quietLogger{}))
	}
	return opts
}

// ListenAndServe runs a floor server until ctx is cancelled.
func ListenAndServe(ctx context.Context, cfg Config) error {
	h := &handler{booted: make(chan gnet.Engine, 1)}
	errc := make(chan error, 1)
	go func() { errc <- gnet.Run(h, "tcp://"+cfg.Addr, cfg.options()...) }()
	select {
	case err := <-errc:
		return err
	case eng := <-h.booted:
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
		}
		stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := eng.Stop(stopCtx); err != nil {
			return err
		}
		return <-errc
	}
}

// Server is a floor server started in-process by Start.
type Server struct {
	addr string
	eng  gnet.Engine
	errc chan error
}

// Start launches a floor server in the background and returns once it is
// listening. It is meant for Go benchmarks and tests.
func Start(cfg Config) (*Server, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("floor: bad address %q: %w", cfg.Addr, err)
	}
	if port == "0" || port == "" {
		// With SO_REUSEPORT every loop binds its own listener, so ":0" would
		// give each loop a different port: reserve one up front instead.
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return nil, err
		}
		port = strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		_ = l.Close()
		cfg.Addr = net.JoinHostPort(host, port)
	}
	h := &handler{booted: make(chan gnet.Engine, 1)}
	s := &Server{addr: cfg.Addr, errc: make(chan error, 1)}
	go func() { s.errc <- gnet.Run(h, "tcp://"+cfg.Addr, cfg.options()...) }()
	select {
	case err := <-s.errc:
		if err == nil {
			err = errors.New("floor: engine exited during start")
		}
		return nil, err
	case s.eng = <-h.booted:
	}
	// OnBoot fires just before the event loops start; wait until a
	// connection is actually served.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.addr, time.Second)
		if err == nil {
			_ = c.Close()
			return s, nil
		}
		if time.Now().After(deadline) {
			_ = s.Stop(context.Background())
			return nil, err
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.addr }

// Stop shuts the server down and waits for its event loops to exit.
func (s *Server) Stop(ctx context.Context) error {
	if err := s.eng.Stop(ctx); err != nil {
		return err
	}
	select {
	case err := <-s.errc:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// quietLogger drops gnet's debug/info/warn lines and keeps errors.
type quietLogger struct{}

func (quietLogger) Debugf(string, ...any)          {}
func (quietLogger) Infof(string, ...any)           {}
func (quietLogger) Warnf(string, ...any)           {}
func (quietLogger) Errorf(format string, a ...any) { log.Printf("gnet: "+format, a...) }
func (quietLogger) Fatalf(format string, a ...any) { log.Fatalf("gnet: "+format, a...) }
