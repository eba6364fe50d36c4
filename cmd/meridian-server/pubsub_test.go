package main

// Pub/sub: SUBSCRIBE and friends, PUBLISH, PUBSUB, with go-redis (RESP2 and
// RESP3), raw bytes compared with redis-server, delivery across event loops,
// a subscriber that does not read, and the hooks the active-active layer
// uses (Options.OnPublish, Server.Deliver) on an in-process server.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	stdnet "net"
	"strings"
	"sync"
	"testing"
	"time"

	mnet "github.com/meridiandb/meridian/net"
	"github.com/meridiandb/meridian/shard"
	"github.com/redis/go-redis/v9"
)

// psConn is a raw RESP connection to any server (Meridian or redis-server).
type psConn struct {
	t  testing.TB
	c  stdnet.Conn
	rd *bufio.Reader
}

func psDial(t testing.TB, addr string) *psConn {
	t.Helper()
	c, err := stdnet.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &psConn{t: t, c: c, rd: bufio.NewReader(c)}
}

// psEncode encodes commands as RESP arrays.
func psEncode(cmds ...[]string) []byte {
	var b bytes.Buffer
	for _, cmd := range cmds {
		fmt.Fprintf(&b, "*%d\r\n", len(cmd))
		for _, a := range cmd {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	return b.Bytes()
}

// send writes the commands in one write (one pipeline).
func (p *psConn) send(cmds ...[]string) {
	p.t.Helper()
	if _, err := p.c.Write(psEncode(cmds...)); err != nil {
		p.t.Fatal(err)
	}
}

// until reads until the stream ends with marker and returns everything read.
func (p *psConn) until(marker string) string {
	p.t.Helper()
	_ = p.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var b []byte
	for !bytes.HasSuffix(b, []byte(marker)) {
		ch, err := p.rd.ReadByte()
		if err != nil {
			p.t.Fatalf("waiting for %q: %v; got %q", marker, err, b)
		}
		b = append(b, ch)
	}
	return string(b)
}

// expect reads exactly len(want) bytes and compares.
func (p *psConn) expect(want string) {
	p.t.Helper()
	_ = p.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, len(want))
	if _, err := io.ReadFull(p.rd, buf); err != nil {
		p.t.Fatalf("reading %q: %v (got %q)", want, err, buf)
	}
	if string(buf) != want {
		p.t.Fatalf("got %q, want %q", buf, want)
	}
}

func psArgs(s string) []string { return strings.Fields(s) }

// psScript sends each line as a command, pipelined, then ECHO END, and
// returns the replies.
func psScript(p *psConn, lines []string) string {
	p.t.Helper()
	cmds := make([][]string, 0, len(lines)+1)
	for _, l := range lines {
		cmds = append(cmds, psArgs(l))
	}
	cmds = append(cmds, []string{"ECHO", "END"})
	p.send(cmds...)
	return p.until("$3\r\nEND\r\n")
}

// push is the header of a 3- or 4-element pub/sub frame in RESP proto.
func push(proto, n int) string {
	if proto == 3 {
		return fmt.Sprintf(">%d\r\n", n)
	}
	return fmt.Sprintf("*%d\r\n", n)
}

func bulk(s string) string { return fmt.Sprintf("$%d\r\n%s\r\n", len(s), s) }

func msgFrame(proto int, kind, channel, payload string) string {
	return push(proto, 3) + bulk(kind) + bulk(channel) + bulk(payload)
}

func pmsgFrame(proto int, pattern, channel, payload string) string {
	return push(proto, 4) + bulk("pmessage") + bulk(pattern) + bulk(channel) + bulk(payload)
}

func confirmFrame(proto int, kind, channel string, count int) string {
	return push(proto, 3) + bulk(kind) + bulk(channel) + fmt.Sprintf(":%d\r\n", count)
}

// TestPubSubRESP2RepliesMatchRedis runs the same RESP2 session against
// redis-server and Meridian and compares every byte: confirmations and
// their counts, UNSUBSCRIBE with nothing subscribed (a null channel), the
// subscribed-mode error naming the full command name, PING's ["pong", msg],
// and PUBSUB's errors. The scripts avoid what Redis answers in hash order
// (UNSUBSCRIBE of several channels at once).
func TestPubSubRESP2RepliesMatchRedis(t *testing.T) {
	script := []string{
		"UNSUBSCRIBE",
		"PUNSUBSCRIBE",
		"SUNSUBSCRIBE",
		"UNSUBSCRIBE nosuch",
		"PING",
		"SUBSCRIBE a b a",
		"GET x",
		"set x 1",
		"CLIENT LIST",
		"CLIENT LIST TYPE pubsub",
		"CLIENT NOSUCH",
		"CONFIG GET",
		"PUBSUB NUMPAT",
		"PUBLISH a hello",
		"PING",
		"PING hello",
		"PING a b",
		"NOSUCHCOMMAND",
		"GET",
		"PSUBSCRIBE p* p* q?",
		"SSUBSCRIBE s1 s2",
		"UNSUBSCRIBE b nosuch",
		"PUNSUBSCRIBE p* zz",
		"SUNSUBSCRIBE s2",
		"UNSUBSCRIBE",
		"PUNSUBSCRIBE",
		"PING",
		"SUNSUBSCRIBE",
		"PING",
		"GET x",
		"SUBSCRIBE",
		"PUBLISH a",
		"PUBSUB",
		"PUBSUB NOSUCH",
		"PUBSUB NUMPAT x",
		"PUBSUB CHANNELS a b",
		"PUBSUB SHARDCHANNELS a b",
		"PUBSUB NUMSUB",
		"PUBSUB NUMSUB a",
		"SSUBSCRIBE s3",
		"RESET",
		"PING",
	}
	rc := startRedis(t, 2)
	want := psScript(psDial(t, rc.Options().Addr), script)
	p := startServer(t)
	got := psScript(psDial(t, p.Addr), script)
	if got != want {
		t.Fatalf("Meridian differs from redis-server.\nMeridian:\n%s\nRedis:\n%s", got, want)
	}
	// Spot checks, so the test says what it is about even if both change.
	for _, s := range []string{
		"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n",
		"-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
		"-ERR Can't execute 'client|list': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
		"*2\r\n$4\r\npong\r\n$0\r\n\r\n",
		"*2\r\n$4\r\npong\r\n$5\r\nhello\r\n",
		confirmFrame(2, "subscribe", "a", 1) + confirmFrame(2, "subscribe", "b", 2) + confirmFrame(2, "subscribe", "a", 2),
		confirmFrame(2, "ssubscribe", "s1", 1),
	} {
		if !strings.Contains(got, s) {
			t.Errorf("reply lacks %q", s)
		}
	}
}

// TestPubSubRESP3RepliesMatchRedis compares a RESP3 session: pushes, any
// command allowed while subscribed, and a pipelined PUBLISH to the
// publisher's own subscription (the message comes before PUBLISH's reply).
func TestPubSubRESP3RepliesMatchRedis(t *testing.T) {
	script := []string{
		"SUBSCRIBE a",
		"PSUBSCRIBE a*",
		"SSUBSCRIBE a",
		"PUBLISH a m1",
		"SPUBLISH a m2",
		"PUBLISH zz m3",
		"SET k v",
		"GET k",
		"PING",
		"PING x",
		"PUBSUB NUMSUB a zz",
		"PUBSUB SHARDNUMSUB a",
		"PUBSUB NUMPAT",
		"PUBSUB CHANNELS",
		"PUBSUB CHANNELS b*",
		"PUBSUB SHARDCHANNELS",
		"UNSUBSCRIBE",
		"PUBLISH a m4",
		"PUNSUBSCRIBE",
		"SUNSUBSCRIBE",
		"UNSUBSCRIBE",
		"PUBLISH a m5",
	}
	run := func(addr string) string {
		c := psDial(t, addr)
		c.send([]string{"HELLO", "3"})
		c.until("$7\r\nmodules\r\n*0\r\n")
		return psScript(c, script)
	}
	rc := startRedis(t, 2)
	want := run(rc.Options().Addr)
	p := startServer(t)
	got := run(p.Addr)
	if got != want {
		t.Fatalf("Meridian differs from redis-server.\nMeridian:\n%s\nRedis:\n%s", got, want)
	}
	self := msgFrame(3, "message", "a", "m1") + pmsgFrame(3, "a*", "a", "m1") + ":2\r\n" +
		msgFrame(3, "smessage", "a", "m2") + ":1\r\n"
	if !strings.Contains(got, self) {
		t.Errorf("the publisher's own messages are not ahead of PUBLISH's reply:\n%q", got)
	}
}

// TestPubSubGoRedis uses go-redis's PubSub as applications do, in both
// protocols, with publishers on many connections, so that publisher and
// subscriber sit on different event loops (the server runs 4 and deals
// connections round robin) as well as on the same one.
func TestPubSubGoRedis(t *testing.T) {
	p := startServer(t, "--shards", "4")
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			sub := p.client(t, proto)
			ps := sub.Subscribe(ctx(), "news")
			defer ps.Close()
			if err := ps.PSubscribe(ctx(), "ne*"); err != nil {
				t.Fatal(err)
			}
			for i, want := range []string{"subscribe: news 1", "psubscribe: ne* 2"} {
				v, err := ps.ReceiveTimeout(ctx(), 5*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				s, ok := v.(*redis.Subscription)
				if !ok || fmt.Sprintf("%s %d", s, s.Count) != want {
					t.Fatalf("confirmation %d: %#v, want %s", i, v, want)
				}
			}
			if err := ps.Ping(ctx(), "hi"); err != nil {
				t.Fatal(err)
			}
			if v, err := ps.ReceiveTimeout(ctx(), 5*time.Second); err != nil || fmt.Sprint(v) != "Pong<hi>" {
				t.Fatalf("PING: %v, %v", v, err)
			}
			ch := ps.Channel()

			const conns, each = 8, 20
			pub := p.client(t, 2)
			var wg sync.WaitGroup
			errs := make(chan error, conns*each)
			for i := 0; i < conns; i++ {
				conn := pub.Conn() // its own TCP connection, so its own place in the rotation
				defer conn.Close()
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					for j := 0; j < each; j++ {
						n, err := conn.Publish(ctx(), "news", fmt.Sprintf("%d:%d", i, j)).Result()
						if err == nil && n != 2 {
							err = fmt.Errorf("PUBLISH counted %d receivers, want 2", n)
						}
						if err != nil {
							errs <- err
							return
						}
					}
				}(i)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			// Each publisher's messages arrive in its order, once as message
			// and once as pmessage.
			next := map[string]int{}
			for got := 0; got < 2*conns*each; got++ {
				select {
				case m := <-ch:
					var i, j int
					if _, err := fmt.Sscanf(m.Payload, "%d:%d", &i, &j); err != nil || m.Channel != "news" {
						t.Fatalf("bad message %#v", m)
					}
					key := fmt.Sprintf("%s/%d", m.Pattern, i)
					if j != next[key] {
						t.Fatalf("publisher %d (pattern %q): got message %d, want %d", i, m.Pattern, j, next[key])
					}
					next[key]++
				case <-time.After(10 * time.Second):
					t.Fatalf("only %d of %d messages arrived", got, 2*conns*each)
				}
			}
			// A channel nobody listens to reaches nobody.
			if n := pub.Publish(ctx(), "other", "x").Val(); n != 0 {
				t.Fatalf("PUBLISH other = %d", n)
			}
			if n := pub.Publish(ctx(), "nebula", "x").Val(); n != 1 {
				t.Fatalf("PUBLISH nebula = %d (pattern only)", n)
			}
			select {
			case m := <-ch:
				if m.Pattern != "ne*" || m.Channel != "nebula" || m.Payload != "x" {
					t.Fatalf("got %#v", m)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("pmessage for nebula never arrived")
			}
		})
	}
}

// TestPubSubShardChannels: SSUBSCRIBE and SPUBLISH form their own namespace
// (plain PUBLISH and patterns do not reach shard subscribers, and the
// reverse), and go-redis's SSubscribe receives smessages.
func TestPubSubShardChannels(t *testing.T) {
	p := startServer(t)
	for _, proto := range []int{2, 3} {
		t.Run(fmt.Sprintf("resp%d", proto), func(t *testing.T) {
			sub := p.client(t, proto)
			ps := sub.SSubscribe(ctx(), "orders")
			defer ps.Close()
			if v, err := ps.ReceiveTimeout(ctx(), 5*time.Second); err != nil || fmt.Sprint(v) != "ssubscribe: orders" {
				t.Fatalf("SSUBSCRIBE: %v, %v", v, err)
			}
			plain := p.client(t, proto).Subscribe(ctx(), "orders")
			defer plain.Close()
			if _, err := plain.ReceiveTimeout(ctx(), 5*time.Second); err != nil {
				t.Fatal(err)
			}
			pub := p.client(t, 2)
			want(t, pub, "1", "spublish", "orders", "s-msg")
			want(t, pub, "1", "publish", "orders", "p-msg")
			want(t, pub, "[orders]", "pubsub", "shardchannels")
			want(t, pub, "[orders 1]", "pubsub", "shardnumsub", "orders")
			want(t, pub, "[orders]", "pubsub", "channels")
			m, err := ps.ReceiveMessage(ctx())
			if err != nil || m.Channel != "orders" || m.Payload != "s-msg" {
				t.Fatalf("shard subscriber got %#v, %v", m, err)
			}
			m, err = plain.ReceiveMessage(ctx())
			if err != nil || m.Channel != "orders" || m.Payload != "p-msg" {
				t.Fatalf("plain subscriber got %#v, %v", m, err)
			}
		})
	}
}

// waitFor polls cond until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("never: %s", what)
}

// TestPubSubIntrospection checks PUBSUB CHANNELS/NUMSUB/NUMPAT, INFO stats,
// CLIENT LIST's flags and counts and TYPE pubsub, and that RESET, closing
// the connection and CLIENT KILL TYPE pubsub drop subscriptions.
func TestPubSubIntrospection(t *testing.T) {
	p := startServer(t, "--shards", "2")
	admin := p.client(t, 2)
	a := psDial(t, p.Addr)
	a.send(psArgs("CLIENT SETNAME subA"), psArgs("SUBSCRIBE news sport"), psArgs("PSUBSCRIBE n*"))
	a.expect("+OK\r\n" + confirmFrame(2, "subscribe", "news", 1) + confirmFrame(2, "subscribe", "sport", 2) + confirmFrame(2, "psubscribe", "n*", 3))
	b := psDial(t, p.Addr)
	b.send(psArgs("HELLO 3"))
	b.until("$7\r\nmodules\r\n*0\r\n")
	b.send(psArgs("CLIENT SETNAME subB"), psArgs("SUBSCRIBE news"), psArgs("PSUBSCRIBE n* s*"), psArgs("SSUBSCRIBE shard1"))
	b.expect("+OK\r\n" + confirmFrame(3, "subscribe", "news", 1) + confirmFrame(3, "psubscribe", "n*", 2) +
		confirmFrame(3, "psubscribe", "s*", 3) + confirmFrame(3, "ssubscribe", "shard1", 1))

	runCases(t, admin, []case1{
		{[]any{"pubsub", "channels"}, "[news sport]"},
		{[]any{"pubsub", "channels", "n*"}, "[news]"},
		{[]any{"pubsub", "channels", "x*"}, "[]"},
		{[]any{"pubsub", "numsub", "news", "sport", "none"}, "[news 2 sport 1 none 0]"},
		{[]any{"pubsub", "numsub"}, "[]"},
		{[]any{"pubsub", "numpat"}, "2"},
		{[]any{"pubsub", "shardchannels"}, "[shard1]"},
		{[]any{"pubsub", "shardnumsub", "shard1", "news"}, "[shard1 1 news 0]"},
		{[]any{"publish", "news", "x"}, "4"}, // a and b by channel, a and b by n*
		{[]any{"publish", "sport", "x"}, "2"},
		{[]any{"spublish", "shard1", "x"}, "1"},
	})
	info := mustDo(t, admin, "info", "stats").(string)
	for _, l := range []string{"pubsub_channels:2\r\n", "pubsub_patterns:2\r\n", "pubsubshard_channels:1\r\n"} {
		if !strings.Contains(info, l) {
			t.Errorf("INFO stats lacks %q", l)
		}
	}
	list := mustDo(t, admin, "client", "list").(string)
	for _, frag := range []string{"name=subA age=", "flags=P db=0 sub=2 psub=1 ssub=0 ", "name=subB", "flags=P db=0 sub=1 psub=2 ssub=1 "} {
		if !strings.Contains(list, frag) {
			t.Errorf("CLIENT LIST lacks %q:\n%s", frag, list)
		}
	}
	typed := mustDo(t, admin, "client", "list", "type", "pubsub").(string)
	if !strings.Contains(typed, "name=subA") || !strings.Contains(typed, "name=subB") || strings.Count(typed, "\n") != 2 {
		t.Errorf("CLIENT LIST TYPE pubsub:\n%s", typed)
	}
	if normal := mustDo(t, admin, "client", "list", "type", "normal").(string); strings.Contains(normal, "name=sub") {
		t.Errorf("CLIENT LIST TYPE normal lists subscribers:\n%s", normal)
	}

	a.expect(msgFrame(2, "message", "news", "x") + pmsgFrame(2, "n*", "news", "x") + msgFrame(2, "message", "sport", "x"))
	b.expect(msgFrame(3, "message", "news", "x") + pmsgFrame(3, "n*", "news", "x") + pmsgFrame(3, "s*", "sport", "x") +
		msgFrame(3, "smessage", "shard1", "x"))

	// RESET drops a's subscriptions without confirmations.
	a.send(psArgs("RESET"), psArgs("PING"))
	a.expect("+RESET\r\n+PONG\r\n")
	runCases(t, admin, []case1{
		{[]any{"pubsub", "numsub", "news", "sport"}, "[news 1 sport 0]"},
		{[]any{"pubsub", "numpat"}, "2"},
		{[]any{"publish", "news", "y"}, "2"},
	})
	// Closing b's connection drops its subscriptions.
	b.c.Close()
	waitFor(t, "b's subscriptions dropped", func() bool {
		return fmt.Sprint(mustDo(t, admin, "pubsub", "numsub", "news")) == "[news 0]"
	})
	runCases(t, admin, []case1{
		{[]any{"pubsub", "numpat"}, "0"},
		{[]any{"pubsub", "shardchannels"}, "[]"},
		{[]any{"publish", "news", "z"}, "0"},
	})
	info = mustDo(t, admin, "info", "stats").(string)
	if !strings.Contains(info, "pubsub_channels:0\r\npubsub_patterns:0\r\npubsubshard_channels:0\r\n") {
		t.Errorf("INFO stats after everyone left:\n%s", info)
	}

	// CLIENT KILL TYPE pubsub closes subscribers only.
	c := psDial(t, p.Addr)
	c.send(psArgs("SUBSCRIBE k"))
	c.expect(confirmFrame(2, "subscribe", "k", 1))
	want(t, admin, "1", "client", "kill", "type", "pubsub")
	_ = c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.rd.ReadByte(); err != io.EOF {
		t.Fatalf("the subscriber was not closed: %v", err)
	}
	want(t, admin, "PONG", "ping")
	waitFor(t, "killed subscriber forgotten", func() bool {
		return fmt.Sprint(mustDo(t, admin, "pubsub", "numsub", "k")) == "[k 0]"
	})

	// redis-cli sees the same.
	if out := p.cli(t, "pubsub", "numsub", "k"); out != "k\n0" {
		t.Errorf("redis-cli PUBSUB NUMSUB: %q", out)
	}
	if out := p.cli(t, "publish", "k", "v"); out != "0" {
		t.Errorf("redis-cli PUBLISH: %q", out)
	}
}

// TestPubSubCrossLoopOrder pipelines publishes from many raw connections
// to a RESP2 and a RESP3 subscriber and checks each publisher's messages
// arrive complete and in order, and that PUBLISH counts both subscribers.
func TestPubSubCrossLoopOrder(t *testing.T) {
	p := startServer(t, "--shards", "4")
	s2 := psDial(t, p.Addr)
	s2.send(psArgs("SUBSCRIBE ch"))
	s2.expect(confirmFrame(2, "subscribe", "ch", 1))
	s3 := psDial(t, p.Addr)
	s3.send(psArgs("HELLO 3"), psArgs("SUBSCRIBE ch"))
	s3.until(confirmFrame(3, "subscribe", "ch", 1))

	const pubs, each = 6, 200
	var wg sync.WaitGroup
	for i := 0; i < pubs; i++ {
		c := psDial(t, p.Addr)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cmds := make([][]string, each)
			for j := range cmds {
				cmds[j] = []string{"PUBLISH", "ch", fmt.Sprintf("%d:%d", i, j)}
			}
			if _, err := c.c.Write(psEncode(cmds...)); err != nil {
				t.Error(err)
				return
			}
			_ = c.c.SetReadDeadline(time.Now().Add(10 * time.Second))
			buf := make([]byte, len(":2\r\n")*each)
			if _, err := io.ReadFull(c.rd, buf); err != nil || string(buf) != strings.Repeat(":2\r\n", each) {
				t.Errorf("publisher %d: %v %q", i, err, buf)
			}
		}(i)
	}
	wg.Wait()
	for _, s := range []struct {
		c     *psConn
		proto int
	}{{s2, 2}, {s3, 3}} {
		next := make([]int, pubs)
		for n := 0; n < pubs*each; n++ {
			// Every frame is 3 bulk strings; read the header and the three.
			if h := s.c.until("\r\n"); h != push(s.proto, 3) {
				t.Fatalf("resp%d: frame header %q", s.proto, h)
			}
			var parts [3]string
			for k := range parts {
				h := s.c.until("\r\n")
				var size int
				fmt.Sscanf(h, "$%d", &size)
				b := make([]byte, size+2)
				if _, err := io.ReadFull(s.c.rd, b); err != nil {
					t.Fatal(err)
				}
				parts[k] = string(b[:size])
			}
			var i, j int
			fmt.Sscanf(parts[2], "%d:%d", &i, &j)
			if parts[0] != "message" || parts[1] != "ch" || i < 0 || i >= pubs || j != next[i] {
				t.Fatalf("resp%d: got %q, want message %d of publisher %d", s.proto, parts, next[i], i)
			}
			next[i]++
		}
	}
}

// TestPubSubSlowSubscriber: a subscriber that never reads does not slow the
// publisher down; once its output passes the pubsub hard limit of
// client-output-buffer-limit it is closed, as in Redis.
func TestPubSubSlowSubscriber(t *testing.T) {
	p := startServer(t)
	admin := p.client(t, 2)
	slow := psDial(t, p.Addr)
	slow.send(psArgs("SUBSCRIBE firehose"))
	slow.expect(confirmFrame(2, "subscribe", "firehose", 1))
	// A reading subscriber too, which must get everything.
	fast := p.client(t, 3).Subscribe(ctx(), "firehose")
	defer fast.Close()
	if _, err := fast.ReceiveTimeout(ctx(), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	ch := fast.ChannelSize(100000)

	payload := strings.Repeat("x", 4096)
	const n = 2000 // 8 MB: far beyond the socket buffers, under the 32 MB hard limit
	pub := p.client(t, 2)
	start := time.Now()
	pipe := pub.Pipeline()
	for i := 0; i < n; i++ {
		pipe.Publish(ctx(), "firehose", payload)
	}
	cmds, err := pipe.Exec(ctx())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cmds {
		if c.(*redis.IntCmd).Val() != 2 {
			t.Fatalf("PUBLISH = %v", c)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("publishing to a stalled subscriber took %v", d)
	}
	for i := 0; i < n; i++ {
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatalf("the reading subscriber got %d of %d", i, n)
		}
	}
	want(t, admin, "[firehose 2]", "pubsub", "numsub", "firehose")

	// Now a 1 MB hard limit: the stalled subscriber gets cut off.
	mustDo(t, admin, "config", "set", "client-output-buffer-limit", "pubsub 1mb 0 0")
	for i := 0; i < 300; i++ {
		mustDo(t, pub, "publish", "firehose", payload)
	}
	waitFor(t, "the stalled subscriber closed", func() bool {
		return fmt.Sprint(mustDo(t, admin, "pubsub", "numsub", "firehose")) == "[firehose 1]"
	})
	if !strings.Contains(p.log.String(), "output buffer limits") {
		t.Errorf("no log line for the closed subscriber:\n%s", p.log.String())
	}
}

// TestPubSubHooks drives an in-process server: Options.OnPublish sees every
// local PUBLISH and SPUBLISH after delivery, and Server.Deliver (a message
// from another region) reaches local subscribers, patterns included, and
// returns the count without calling OnPublish again.
func TestPubSubHooks(t *testing.T) {
	store := shard.New(shard.Config{Shards: 2})
	t.Cleanup(store.Close)
	type pubd struct {
		channel, message string
		shard            bool
	}
	var mu sync.Mutex
	var seen []pubd
	port := freePort(t)
	srv := mnet.NewServer(mnet.Options{
		Addrs: []string{fmt.Sprintf("127.0.0.1:%d", port)}, Loops: 2, Store: store,
		OnPublish: func(channel, message []byte, shard bool) {
			mu.Lock()
			seen = append(seen, pubd{string(channel), string(message), shard})
			mu.Unlock()
		},
	})
	go func() { _ = srv.Serve() }()
	<-srv.Ready()
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Stop(c)
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	sub := psDial(t, addr)
	sub.send(psArgs("SUBSCRIBE eu"), psArgs("PSUBSCRIBE e*"), psArgs("SSUBSCRIBE s"))
	sub.expect(confirmFrame(2, "subscribe", "eu", 1) + confirmFrame(2, "psubscribe", "e*", 2) + confirmFrame(2, "ssubscribe", "s", 1))

	pub := psDial(t, addr)
	pub.send(psArgs("PUBLISH eu local"), psArgs("SPUBLISH s local-shard"), psArgs("PUBLISH nobody x"))
	pub.expect(":2\r\n:1\r\n:0\r\n")
	sub.expect(msgFrame(2, "message", "eu", "local") + pmsgFrame(2, "e*", "eu", "local") + msgFrame(2, "smessage", "s", "local-shard"))
	mu.Lock()
	if got := fmt.Sprint(seen); got != "[{eu local false} {s local-shard true} {nobody x false}]" {
		t.Errorf("OnPublish saw %s", got)
	}
	seen = nil
	mu.Unlock()

	if n := srv.Deliver([]byte("eu"), []byte("remote"), false); n != 2 {
		t.Errorf("Deliver = %d, want 2", n)
	}
	if n := srv.Deliver([]byte("s"), []byte("remote-shard"), true); n != 1 {
		t.Errorf("Deliver shard = %d, want 1", n)
	}
	if n := srv.Deliver([]byte("nobody"), []byte("x"), false); n != 0 {
		t.Errorf("Deliver to nobody = %d", n)
	}
	sub.expect(msgFrame(2, "message", "eu", "remote") + pmsgFrame(2, "e*", "eu", "remote") + msgFrame(2, "smessage", "s", "remote-shard"))
	mu.Lock()
	if len(seen) != 0 {
		t.Errorf("Deliver called OnPublish: %v", seen)
	}
	mu.Unlock()
}
