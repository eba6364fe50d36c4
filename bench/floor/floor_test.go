package floor

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func mbulk(args ...string) string {
	var b strings.Builder
	b.WriteString("*" + itoa(len(args)) + "\r\n")
	for _, a := range args {
		b.WriteString("$" + itoa(len(a)) + "\r\n" + a + "\r\n")
	}
	return b.String()
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var d []byte
	for ; n > 0; n /= 10 {
		d = append([]byte{byte('0' + n%10)}, d...)
	}
	return string(d)
}

func TestProcessReplies(t *testing.T) {
	cases := []struct {
		in   string
		want string
	}{
		{mbulk("PING"), "+PONG\r\n"},
		{mbulk("ping"), "+PONG\r\n"},
		{"PING\r\n", "+PONG\r\n"},
		{"  ping  \n", "+PONG\r\n"},
		{"\r\n", ""},
		{mbulk("SET", "key:__rand_int__", "xxx"), "+OK\r\n"},
		{mbulk("MSET", "a", "1", "b", "2"), "+OK\r\n"},
		{mbulk("GET", "k"), "$3\r\nxxx\r\n"},
		{mbulk("INCR", "counter"), ":1\r\n"},
		{mbulk("LPUSH", "l", "x"), ":1\r\n"},
		{mbulk("RPUSH", "l", "x"), ":1\r\n"},
		{mbulk("SADD", "s", "x"), ":1\r\n"},
		{mbulk("HSET", "h", "f", "v"), ":1\r\n"},
		{mbulk("ZADD", "z", "0", "m"), ":1\r\n"},
		{mbulk("LPOP", "l"), "$3\r\nxxx\r\n"},
		{mbulk("RPOP", "l"), "$3\r\nxxx\r\n"},
		{mbulk("SPOP", "s"), "$3\r\nxxx\r\n"},
		{mbulk("ZPOPMIN", "z"), "$3\r\nxxx\r\n"},
		{mbulk("LRANGE", "l", "0", "99"), "*0\r\n"},
		{mbulk("CONFIG", "GET", "save"), "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
		{mbulk("config", "get", "APPENDONLY"), "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"},
		{mbulk("CONFIG", "GET", "maxmemory"), "*0\r\n"},
		{mbulk("WHATEVER"), ":1\r\n"},
		{"*0\r\n" + mbulk("PING"), "+PONG\r\n"},
		{mbulk("SET", "", ""), "+OK\r\n"},
	}
	for _, c := range cases {
		out, n, err := Process(nil, []byte(c.in))
		if err != nil || n != len(c.in) || string(out) != c.want {
			t.Errorf("Process(%q) = %q, %d, %v; want %q, %d, nil", c.in, out, n, err, c.want, len(c.in))
		}
	}
}

func TestProcessPipelineAndPartial(t *testing.T) {
	full := mbulk("SET", "k", "v") + mbulk("GET", "k") + "PING\r\n" + mbulk("INCR", "c")
	want := "+OK\r\n$3\r\nxxx\r\n+PONG\r\n:1\r\n"
	out, n, err := Process(nil, []byte(full))
	if err != nil || n != len(full) || string(out) != want {
		t.Fatalf("pipeline: %q %d %v", out, n, err)
	}
	// Every split point must answer the complete prefix and leave the rest.
	for cut := 0; cut <= len(full); cut++ {
		out1, n1, err := Process(nil, []byte(full[:cut]))
		if err != nil {
			t.Fatalf("cut %d: %v", cut, err)
		}
		rest := full[n1:]
		out2, n2, err := Process(out1, []byte(rest))
		if err != nil || n2 != len(rest) || string(out2) != want {
			t.Fatalf("cut %d: got %q (consumed %d+%d), want %q", cut, out2, n1, n2, want)
		}
	}
}

func TestProcessProtocolError(t *testing.T) {
	for _, in := range []string{
		"*1\r\n+PING\r\n",
		"*x\r\n",
		"*1\r\n$-1\r\n",
		"*1\r\n$4\rPING\r\n",
		"*99999999999\r\n",
	} {
		pre := mbulk("PING")
		out, n, err := Process(nil, []byte(pre+in))
		if err != ErrProtocol || n != len(pre) || string(out) != "+PONG\r\n-ERR Protocol error\r\n" {
			t.Errorf("Process(%q) = %q, %d, %v", in, out, n, err)
		}
	}
}

func TestProcessNoAllocs(t *testing.T) {
	in := []byte(strings.Repeat(mbulk("SET", "key:__rand_int__", "xxx")+mbulk("GET", "key:__rand_int__"), 8))
	out := make([]byte, 0, 1024)
	allocs := testing.AllocsPerRun(100, func() {
		out, _, _ = Process(out[:0], in)
	})
	if allocs != 0 {
		t.Fatalf("Process allocates %.1f times per call", allocs)
	}
}

func TestServerInProcess(t *testing.T) {
	s, err := Start(Config{Addr: "127.0.0.1:0", Loops: 2, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	}()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))

	// A pipeline split in the middle of a command across two writes.
	req := mbulk("SET", "k", "v") + mbulk("GET", "k") + mbulk("PING")
	cut := len(mbulk("SET", "k", "v")) + 5
	if _, err := io.WriteString(c, req[:cut]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	if _, err := io.WriteString(c, req[cut:]); err != nil {
		t.Fatal(err)
	}
	want := "+OK\r\n$3\r\nxxx\r\n+PONG\r\n"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(bufio.NewReader(c), got); err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("got %q want %q", got, want)
	}

	// A large pipeline whose replies exceed one socket write.
	const n = 20000
	go func() { _, _ = io.WriteString(c, strings.Repeat(mbulk("INCR", "c"), n)) }()
	got = make([]byte, n*len(":1\r\n"))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if string(got) != strings.Repeat(":1\r\n", n) {
		t.Fatal("wrong replies to large pipeline")
	}
}

func BenchmarkProcessPipeline16(b *testing.B) {
	in := []byte(strings.Repeat(mbulk("SET", "key:__rand_int__", "xxx"), 16))
	out := make([]byte, 0, 1024)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		out, _, _ = Process(out[:0], in)
	}
}
