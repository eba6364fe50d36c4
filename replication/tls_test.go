package replication

import (
	"crypto/tls"
	stdnet "net"
	"strings"
	"testing"
	"time"

	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
	"github.com/meridiandb/meridian/tools/testpki"
)

func TestParseTLSCommand(t *testing.T) {
	sync := string(appendCommand(nil, []string{"AA", "SYNC", "db", "256", "2", "1", "2", "b", "s", "\x00\r\n"}))
	for _, tc := range []struct {
		name, in string
		args     int    // arguments of a whole command
		n        int    // bytes it took (0: incomplete or error)
		err      string // "" : no error
	}{
		{"aa sync", sync, 10, len(sync), ""},
		{"followed by link bytes", sync + "H\x01x", 10, len(sync), ""},
		{"empty", "", 0, 0, ""},
		{"incomplete count", "*1", 0, 0, ""},
		{"incomplete count CR", "*1\r", 0, 0, ""},
		{"incomplete bulk", "*1\r\n$3\r\nab", 0, 0, ""},
		{"incomplete bulk CRLF", "*1\r\n$3\r\nabc\r", 0, 0, ""},
		{"every prefix of AA SYNC is incomplete", sync[:len(sync)-1], 0, 0, ""},
		{"inline", "PING\r\n", 0, 0, "Protocol error: expected '*', got 'P'"},
		{"zero args", "*0\r\n", 0, 0, "Protocol error: invalid multibulk length"},
		{"negative args", "*-1\r\n", 0, 0, "Protocol error: invalid multibulk length"},
		{"no digits", "*\r\n", 0, 0, "Protocol error: invalid multibulk length"},
		{"too many args", "*17\r\n", 0, 0, "Protocol error: invalid multibulk length"},
		{"huge count", "*99999999999999999999\r\n", 0, 0, "Protocol error: invalid multibulk length"},
		{"endless zeros", "*" + strings.Repeat("0", 30), 0, 0, "Protocol error: invalid multibulk length"},
		{"CR without LF", "*1\rx", 0, 0, "Protocol error: invalid multibulk length"},
		{"not a bulk", "*1\r\n:1\r\n", 0, 0, "Protocol error: expected '$', got ':'"},
		{"bulk too long", "*1\r\n$65537\r\n", 0, 0, "Protocol error: invalid bulk length"},
		{"bulk negative", "*1\r\n$-1\r\n", 0, 0, "Protocol error: invalid bulk length"},
		{"bulk without CRLF", "*1\r\n$1\r\nabc", 0, 0, "Protocol error: invalid bulk length"},
		{"empty bulk", "*1\r\n$0\r\n\r\n", 1, 10, ""},
	} {
		args, n, err := parseTLSCommand([]byte(tc.in))
		switch {
		case tc.err != "":
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
			}
		case err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case n != tc.n || len(args) != tc.args && n > 0:
			t.Errorf("%s: %d args in %d bytes, want %d in %d", tc.name, len(args), n, tc.args, tc.n)
		}
	}
	args, _, _ := parseTLSCommand([]byte(sync))
	if !isAASync(args) || string(args[9]) != "\x00\r\n" {
		t.Fatalf("AA SYNC parsed as %q", args)
	}
	if isAASync([][]byte{[]byte("aa")}) || isAASync([][]byte{[]byte("AA"), []byte("STATUS")}) {
		t.Fatal("not AA SYNC")
	}
}

// FuzzTLSCommand: no input makes the parser panic, and whatever it
// accepts is within the limits and parses the same once re-encoded.
func FuzzTLSCommand(f *testing.F) {
	f.Add(appendCommand(nil, []string{"AA", "SYNC", "db", "256", "2", "1", "2", "b", "s", string(make([]byte, 257))}))
	f.Add([]byte("*1\r\n$4\r\nPING\r\n"))
	f.Add([]byte("*2\r\n$2\r\nAA\r\n$4\r\nSY"))
	f.Add([]byte("*3\r\n$-1\r\n"))
	f.Add([]byte("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03")) // a TLS ClientHello where a command should be
	f.Fuzz(func(t *testing.T, b []byte) {
		args, n, err := parseTLSCommand(b)
		if err != nil || n == 0 {
			if args != nil {
				t.Fatalf("args %q with n=%d err=%v", args, n, err)
			}
			return
		}
		if n > len(b) || len(args) < 1 || len(args) > tlsMaxArgs {
			t.Fatalf("n=%d of %d bytes, %d args", n, len(b), len(args))
		}
		strs := make([]string, len(args))
		for i, a := range args {
			if len(a) > tlsMaxBulk {
				t.Fatalf("argument of %d bytes", len(a))
			}
			strs[i] = string(a)
		}
		enc := appendCommand(nil, strs)
		again, m, err := parseTLSCommand(append(enc, b...))
		if err != nil || m != len(enc) || len(again) != len(args) {
			t.Fatalf("%q parsed as %q, re-encoded as %q: %v", b[:n], strs, enc, err)
		}
		for i := range again {
			if string(again[i]) != strs[i] {
				t.Fatalf("argument %d: %q then %q", i, strs[i], again[i])
			}
		}
	})
}

// testPKI is a CA and what it signs, as PEM files.
type testPKI struct{ *testpki.CA }

func newTestPKI(t *testing.T, name string) *testPKI { return &testPKI{testpki.New(t, name)} }

func (p *testPKI) config(t *testing.T, name string) *tls.Config {
	t.Helper()
	cert, key := p.Issue(t, name)
	c, err := LoadTLSConfig(cert, key, p.File)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestLoadTLSConfigErrors(t *testing.T) {
	p := newTestPKI(t, "ca")
	cert, key := p.Issue(t, "a")
	if _, err := LoadTLSConfig(cert, key+".missing", p.File); err == nil || !strings.Contains(err.Error(), "cannot load") {
		t.Fatalf("missing key: %v", err)
	}
	if _, err := LoadTLSConfig(cert, key, p.File+".missing"); err == nil || !strings.Contains(err.Error(), "CA certificate") {
		t.Fatalf("missing CA: %v", err)
	}
	if _, err := LoadTLSConfig(cert, key, key); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("a key as CA: %v", err)
	}
}

// TestTLSLinks runs two regions in this process over mutual TLS: writes of
// each reach the other, a client without a certificate of the CA learns
// nothing, and Close stops every goroutine of the listener and links.
func TestTLSLinks(t *testing.T) {
	pki := newTestPKI(t, "db")
	var lns [2]stdnet.Listener
	for i := range lns {
		ln, err := stdnet.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
	}
	var regions [2]*Region
	var stores [2]*shard.Store
	for i := range regions {
		self := Member{ID: core.ReplicaID(1 + i), Name: []string{"a", "b"}[i]}
		other := Member{ID: core.ReplicaID(2 - i), Name: []string{"a", "b"}[1-i], Addr: lns[1-i].Addr().String()}
		r, err := NewRegion(Config{Database: "d", Self: self, Peers: []Member{other}, Secret: "s", PartitionBytes: 4096,
			Compression: Compression{Kind: S2}, TLS: pki.config(t, self.Name)}, 1)
		if err != nil {
			t.Fatal(err)
		}
		st := shard.New(shard.Config{Shards: 1, Replica: self.ID, NewSink: r.Sink, SeqBase: r.SeqBase(), RetainTombstones: true})
		t.Cleanup(st.Close)
		if err := r.ServeTLS(lns[i]); err == nil {
			t.Fatal("ServeTLS before Start")
		}
		ln, err := stdnet.Listen("tcp", lns[i].Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		lns[i] = ln
		r.Start(st)
		if err := r.ServeTLS(ln); err != nil {
			t.Fatal(err)
		}
		regions[i], stores[i] = r, st
	}
	set := func(i int, key, val string) {
		sh := stores[i].ShardFor([]byte(key))
		x := sh.Lock(time.Now().UnixMilli())
		e := x.LookupWrite(0, []byte(key))
		x.SetString(0, []byte(key), e, []byte(val), false, 0)
		sh.Unlock()
	}
	set(0, "ka", "va")
	set(1, "kb", "vb")
	deadline := time.Now().Add(10 * time.Second)
	for keyValue(regions[1], "ka") != "va" || keyValue(regions[0], "kb") != "vb" {
		if time.Now().After(deadline) {
			t.Fatalf("no convergence: b has ka=%s, a has kb=%s", keyValue(regions[1], "ka"), keyValue(regions[0], "kb"))
		}
		time.Sleep(5 * time.Millisecond)
	}

	// A stranger: a certificate of another CA. The handshake fails (with
	// TLS 1.3 the client learns it on its first read) and nothing is served.
	// A certificate is sent even though the server names another CA.
	other := newTestPKI(t, "other").config(t, "x")
	other.RootCAs = pki.config(t, "y").RootCAs
	cert := other.Certificates[0]
	other.Certificates = nil
	other.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	none := &tls.Config{RootCAs: other.RootCAs}
	for _, c := range []*tls.Config{other, none} {
		conn, err := tls.Dial("tcp", lns[0].Addr().String(), c)
		if err != nil {
			continue // TLS 1.2 fails in the handshake
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		conn.Write(appendCommand(nil, []string{"AA", "SYNC"}))
		var buf [64]byte
		n, err := conn.Read(buf[:])
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("a stranger was answered %q (%v)", buf[:n], err)
		}
		conn.Close()
	}

	done := make(chan struct{})
	go func() {
		regions[0].Close()
		regions[1].Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not stop the TLS listener and links")
	}
}
