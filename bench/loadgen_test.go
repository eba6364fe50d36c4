package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// kvServer is a tiny RESP key-value server for the generator's tests: SET
// and GET on a map, an error for anything else, and a count of the keys
// each command touched.
type kvServer struct {
	ln      net.Listener
	mu      sync.Mutex
	data    map[string]string
	touched map[string]int
	cmds    map[string]int
}

func startKV(t *testing.T) *kvServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &kvServer{ln: ln, data: map[string]string{}, touched: map[string]int{}, cmds: map[string]int{}}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *kvServer) serve(c net.Conn) {
	defer c.Close()
	br, bw := bufio.NewReader(c), bufio.NewWriter(c)
	for {
		args, err := readCommand(br) // repl_test.go's
		if err != nil || len(args) == 0 {
			return
		}
		s.mu.Lock()
		cmd := strings.ToUpper(args[0])
		s.cmds[cmd]++
		switch {
		case cmd == "SET" && len(args) == 3:
			s.data[args[1]] = args[2]
			s.touched[args[1]]++
			bw.WriteString("+OK\r\n")
		case cmd == "GET" && len(args) == 2:
			s.touched[args[1]]++
			if v, ok := s.data[args[1]]; ok {
				fmt.Fprintf(bw, "$%d\r\n%s\r\n", len(v), v)
			} else {
				bw.WriteString("$-1\r\n")
			}
		case cmd == "INFO":
			// What dialRegion needs to take this server as a launched target.
			info := fmt.Sprintf("# Server\r\nprocess_id:%d\r\n", os.Getpid())
			fmt.Fprintf(bw, "$%d\r\n%s\r\n", len(info), info)
		default:
			bw.WriteString("-ERR unknown command\r\n")
		}
		s.mu.Unlock()
		if br.Buffered() == 0 {
			if bw.Flush() != nil {
				return
			}
		}
	}
}

func TestRunLoadCountsAndKeys(t *testing.T) {
	s := startKV(t)
	spec := LoadSpec{Clients: 4, Pipeline: 5, SetRatio: 1, GetRatio: 3, KeySpace: 1000, Pattern: PatternSequential,
		ValueSize: 7, Requests: 4003, Seed: 1}
	res, err := RunLoad(context.Background(), s.ln.Addr().String(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 4003 || res.Sets+res.Gets != 4003 || res.Hits+res.Misses != res.Gets || res.ErrorReplies != 0 {
		t.Fatalf("tallies: %+v", res)
	}
	// Each connection cycles 1 SET then 3 GETs: about a quarter are SETs.
	if res.Sets < 1000 || res.Sets > 1004 {
		t.Fatalf("sets %d of 4003 at 1:3", res.Sets)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmds["SET"] != int(res.Sets) || s.cmds["GET"] != int(res.Gets) {
		t.Fatalf("server saw %v, generator counted %d SETs %d GETs", s.cmds, res.Sets, res.Gets)
	}
	// Sequential connections start a quarter of the key space apart and
	// walk it: 4003 requests over 1000 keys touch every key 4 times (three
	// keys 5 times).
	if len(s.touched) != 1000 {
		t.Fatalf("touched %d keys, want 1000", len(s.touched))
	}
	for k, n := range s.touched {
		if len(k) != 16 || !strings.HasPrefix(k, "key:") || n < 4 || n > 5 {
			t.Fatalf("key %q touched %d times", k, n)
		}
	}
	for k, v := range s.data {
		if v != "xxxxxxx" {
			t.Fatalf("%s = %q", k, v)
		}
	}
	if res.P50Ms <= 0 || res.P99Ms < res.P50Ms || res.P999Ms < res.P99Ms || res.MaxMs < res.P999Ms || res.RPS <= 0 {
		t.Fatalf("latencies: %+v", res)
	}
}

func TestRunLoadDurationAndErrors(t *testing.T) {
	s := startKV(t)
	// Prefill every key, then GETs only: all hits.
	if _, err := RunLoad(context.Background(), s.ln.Addr().String(), LoadSpec{Clients: 3, Pipeline: 16, SetRatio: 1,
		KeySpace: 300, Pattern: PatternSequential, ValueSize: 3, Requests: 300}); err != nil {
		t.Fatal(err)
	}
	res, err := RunLoad(context.Background(), s.ln.Addr().String(), LoadSpec{Clients: 2, Pipeline: 4, GetRatio: 1,
		KeySpace: 300, Pattern: PatternGaussian, Duration: 200 * time.Millisecond, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if res.Gets == 0 || res.Misses != 0 || res.Hits != res.Gets || res.Seconds < 0.2 || res.Seconds > 5 {
		t.Fatalf("gets after prefill: %+v", res)
	}
	// A server that answers errors: counted, with the first text kept.
	ln := serveEach(t, func(c net.Conn) {
		defer c.Close()
		br := bufio.NewReader(c)
		for {
			if _, err := readCommand(br); err != nil {
				return
			}
			io.WriteString(c, "-ERR nope\r\n")
		}
	})
	res, err = RunLoad(context.Background(), ln.Addr().String(), LoadSpec{Clients: 1, Pipeline: 1, SetRatio: 1, Requests: 10})
	if err != nil || res.ErrorReplies != 10 || res.FirstError != "ERR nope" {
		t.Fatalf("errors: %+v, %v", res, err)
	}
}

func TestRunLoadCancel(t *testing.T) {
	// A server that never answers: the run ends when ctx does.
	ln := serveEach(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := RunLoad(ctx, ln.Addr().String(), LoadSpec{Clients: 2, Pipeline: 1, SetRatio: 1, Duration: time.Minute})
	if err == nil || time.Since(start) > 5*time.Second {
		t.Fatalf("cancelled run: %v after %v", err, time.Since(start))
	}
}

func TestReadReply(t *testing.T) {
	in := "+OK\r\n:12\r\n$-1\r\n$5\r\nhe\r\no\r\n*-1\r\n*3\r\n$1\r\na\r\n-ERR inner\r\n:1\r\n-WRONGTYPE x\r\n$0\r\n\r\n"
	br := bufio.NewReader(strings.NewReader(in))
	type got struct {
		null bool
		err  string
	}
	want := []got{{}, {}, {null: true}, {}, {null: true}, {err: "ERR inner"}, {err: "WRONGTYPE x"}, {}}
	for i, w := range want {
		null, e, err := readReply(br)
		if err != nil || null != w.null || e != w.err {
			t.Fatalf("reply %d: %v %q %v, want %+v", i, null, e, err, w)
		}
	}
	if _, _, err := readReply(br); err != io.EOF {
		t.Fatalf("after the last reply: %v", err)
	}
	for _, bad := range []string{"?x\r\n", "$abc\r\n", "$-2\r\n", "+OK\n", "$9999999999999\r\n"} {
		if _, _, err := readReply(bufio.NewReader(strings.NewReader(bad))); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestKeySources(t *testing.T) {
	spec := LoadSpec{Clients: 4, KeySpace: 100, Seed: 3}
	for _, p := range []string{PatternRandom, PatternSequential, PatternGaussian} {
		spec.Pattern = p
		a, b := newKeySource(spec, 1), newKeySource(spec, 1)
		hist := make([]int, 100)
		for i := 0; i < 20000; i++ {
			k := a.key()
			if k >= 100 || k != b.key() {
				t.Fatalf("%s: key %d out of range or not reproducible", p, k)
			}
			hist[k]++
		}
		mid, edge := hist[45]+hist[50]+hist[54], hist[0]+hist[5]+hist[94]
		switch p {
		case PatternGaussian:
			if mid < 5*edge {
				t.Errorf("gaussian: middle %d vs edges %d", mid, edge)
			}
		default:
			for k, n := range hist {
				if n < 100 || n > 300 {
					t.Errorf("%s: key %d drawn %d times of 20000", p, k, n)
				}
			}
		}
	}
	if k := newKeySource(LoadSpec{Clients: 4, KeySpace: 100, Pattern: PatternSequential}, 2).key(); k != 50 {
		t.Fatalf("connection 3 of 4 starts at %d, want 50", k)
	}
}

func TestParseRatioAndPattern(t *testing.T) {
	for in, want := range map[string][2]int{"1:10": {1, 10}, "1:0": {1, 0}, " 0:1 ": {0, 1}} {
		s, g, err := ParseRatio(in)
		if err != nil || s != want[0] || g != want[1] {
			t.Errorf("ParseRatio(%q) = %d %d %v", in, s, g, err)
		}
	}
	for _, bad := range []string{"", "1", "0:0", "-1:2", "a:b", "1:2:3"} {
		if _, _, err := ParseRatio(bad); err == nil {
			t.Errorf("ParseRatio(%q) accepted", bad)
		}
	}
	if WorkloadName(1, 0) != "SET" || WorkloadName(0, 1) != "GET" || WorkloadName(1, 10) != "SET:GET 1:10" {
		t.Error("WorkloadName")
	}
	for in, want := range map[string]string{"R": PatternRandom, "s": PatternSequential, "Gaussian": PatternGaussian, "": PatternRandom} {
		if got, err := ParsePattern(in); err != nil || got != want {
			t.Errorf("ParsePattern(%q) = %q %v", in, got, err)
		}
	}
	if _, err := ParsePattern("zipf"); err == nil {
		t.Error("zipf accepted")
	}
}

// serveEach listens on a loopback port and runs handle on every
// connection in its own goroutine until the test ends.
func serveEach(t *testing.T, handle func(net.Conn)) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go handle(c)
		}
	}()
	return ln
}
