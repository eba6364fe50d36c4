package main

// Active-active over mutual TLS (aa-tls-port): two regions started directly
// (tools/regions puts plain chaos links between regions), a CA and
// certificates made here with crypto/x509.

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	stdnet "net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/meridiandb/meridian/tools/testpki"
	"github.com/redis/go-redis/v9"
)

// tlsCA is a test CA writing PEM files into a temporary directory.
type tlsCA = testpki.CA

func newTLSCA(t *testing.T, name string) *tlsCA { return testpki.New(t, name) }

// clientConfig is a TLS client of a region: a certificate of this CA (nil
// ca: none), trusting the region's CA (roots).
func clientConfig(t *testing.T, ca, roots *tlsCA) *tls.Config {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(roots.Cert)
	c := &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
	if ca != nil {
		certFile, keyFile := ca.Issue(t, "client")
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		// Sent whatever CAs the region names, so a certificate of another
		// CA reaches the region's check.
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &cert, nil }
	}
	return c
}

// tlsPair is two regions pulling from each other over TLS.
type tlsPair struct {
	ca    *tlsCA
	procs [2]*proc
	tls   [2]string // the regions' aa-tls-port addresses
	c     [2]*redis.Client
}

func startTLSPair(t *testing.T) *tlsPair {
	t.Helper()
	d := &tlsPair{ca: newTLSCA(t, "db")}
	var ports, tlsPorts [2]int
	for i := range ports {
		ports[i], tlsPorts[i] = freePort(t), freePort(t)
		d.tls[i] = fmt.Sprintf("127.0.0.1:%d", tlsPorts[i])
	}
	for i := range ports {
		cert, key := d.ca.Issue(t, fmt.Sprintf("r%d", i+1))
		j := 1 - i
		d.procs[i] = startServerArgs(t, ports[i], "--port", fmt.Sprint(ports[i]), "--bind", "127.0.0.1",
			"--aa-database", "t", "--aa-region", fmt.Sprintf("%d:r%d", i+1, i+1), "--aa-secret", "s3cret",
			"--aa-peer", fmt.Sprintf("%d:r%d@%s", j+1, j+1, d.tls[j]),
			"--aa-tls-port", fmt.Sprint(tlsPorts[i]), "--aa-tls-cert-file", cert, "--aa-tls-key-file", key,
			"--aa-tls-ca-cert-file", d.ca.File)
		d.c[i] = d.procs[i].client(t, 2)
	}
	t.Cleanup(func() {
		for i, p := range d.procs {
			if t.Failed() {
				t.Logf("r%d log:\n%s", i+1, p.log.String())
			}
			for _, bad := range []string{"panic:", "DATA RACE", "fatal error:"} {
				if strings.Contains(p.log.String(), bad) {
					t.Errorf("r%d log has %q", i+1, bad)
				}
			}
		}
	})
	return d
}

// settle waits until each region's writes reached the other (AA WAIT) and
// both read the same.
func (d *tlsPair) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for i, c := range d.c {
		for {
			n, err := c.Do(ctx(), "aa", "wait", 1, 1000).Int()
			if err == nil && n == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("r%d: AA WAIT reached %d (%v)", i+1, n, err)
			}
		}
	}
	for {
		a := mustAA(t, d.c[0], "aa", "digest")
		b := mustAA(t, d.c[1], "aa", "digest")
		if a == b {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("regions differ: %v vs %v", a, b)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAATLSConverge(t *testing.T) {
	d := startTLSPair(t)
	mustAA(t, d.c[0], "set", "a", "1")
	mustAA(t, d.c[1], "set", "b", "2")
	mustAA(t, d.c[0], "incrby", "n", 5)
	mustAA(t, d.c[1], "incrby", "n", 7)
	mustAA(t, d.c[1], "rpush", "l", "x", "y")
	// Enough to fill many frames, and a value above the link writer's
	// coalescing size.
	p := d.c[0].Pipeline()
	for k := 0; k < 5000; k++ {
		p.Set(ctx(), fmt.Sprintf("bulk:%d", k), strings.Repeat("v", 100), 0)
	}
	p.Set(ctx(), "big", strings.Repeat("b", 1<<20), 0)
	if _, err := p.Exec(ctx()); err != nil {
		t.Fatal(err)
	}
	d.settle(t)
	want(t, d.c[1], "1048576", "strlen", "big")
	want(t, d.c[1], "5005", "dbsize")
	for _, c := range d.c {
		want(t, c, "1", "get", "a")
		want(t, c, "2", "get", "b")
		want(t, c, "12", "get", "n")
		want(t, c, "[x y]", "lrange", "l", 0, -1)
	}
	status := &aaDB{c: d.c[:]}
	for i := range d.c {
		if st := status.peerStatus(t, i, 2-i, "state"); st != "up" {
			t.Fatalf("r%d sees its peer %v", i+1, st)
		}
	}
}

// TestAATLSRefusals: only a client with a certificate of the database's CA
// gets as far as AA SYNC, which still checks the secret; the RESP port
// serves no AA SYNC at all; the region's data does not change.
func TestAATLSRefusals(t *testing.T) {
	d := startTLSPair(t)
	mustAA(t, d.c[0], "set", "k", "v")
	d.settle(t)
	digest := mustAA(t, d.c[0], "aa", "digest")
	sync := aaSyncCmd("t", "256", "1", "2", "s3cret")

	// exchange dials r1's TLS port with cfg, sends b and returns the
	// first reply line, or the error that ended the connection.
	exchange := func(cfg *tls.Config, b []byte) (string, error) {
		conn, err := tls.DialWithDialer(&stdnet.Dialer{Timeout: 5 * time.Second}, "tcp", d.tls[0], cfg)
		if err != nil {
			return "", err // TLS 1.2: the handshake itself fails
		}
		defer conn.Close()
		_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := conn.Write(b); err != nil {
			return "", err
		}
		line, err := bufio.NewReader(conn).ReadString('\n')
		return strings.TrimRight(line, "\r\n"), err
	}
	stranger := newTLSCA(t, "stranger")
	for name, cfg := range map[string]*tls.Config{
		"no certificate":            clientConfig(t, nil, d.ca),
		"certificate of another CA": clientConfig(t, stranger, d.ca),
	} {
		line, err := exchange(cfg, sync)
		if err == nil || line != "" {
			t.Fatalf("%s: answered %q (%v)", name, line, err)
		}
		if !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("%s: the connection ended with %v, not a certificate error", name, err)
		}
	}
	good := clientConfig(t, d.ca, d.ca)
	for _, tc := range []struct {
		cmd   []byte
		reply string
	}{
		{aaSyncCmd("t", "256", "1", "2", "wrong"), "-ERR AA SYNC refused: wrong secret"},
		{aaSyncCmd("t", "256", "1", "7", "s3cret"), "-ERR AA SYNC refused: region 7 is not a member of database 't' here (AA PEER ADD it first)"},
		{[]byte("*1\r\n$4\r\nPING\r\n"), "-ERR only AA SYNC is served on this port"},
		{[]byte("PING\r\n"), "-ERR Protocol error: expected '*', got 'P'"},
		{[]byte("*1\r\n$999999\r\n"), "-ERR Protocol error: invalid bulk length"},
	} {
		line, err := exchange(good, tc.cmd)
		if line != tc.reply {
			t.Fatalf("%q: got %q (%v), want %q", tc.cmd, line, err, tc.reply)
		}
	}
	// Plain text on the TLS port gets no RESP reply.
	conn, r := raw(t, &proc{Addr: d.tls[0]})
	conn.Write(sync)
	if line, _ := r.ReadString('\n'); strings.HasPrefix(line, "+") || strings.HasPrefix(line, "-") {
		t.Fatalf("plain text on the TLS port answered %q", line)
	}
	// The RESP port serves no AA SYNC once TLS is on, secret or not.
	conn, r = raw(t, d.procs[0])
	conn.Write(sync)
	if got := readLine(t, r); got != "-ERR AA SYNC refused: this region serves its peers only on its aa-tls-port" {
		t.Fatalf("AA SYNC on the RESP port: %q", got)
	}

	want(t, d.c[0], fmt.Sprint(digest), "aa", "digest")
	mustAA(t, d.c[1], "set", "k2", "v2")
	d.settle(t)
	want(t, d.c[0], "v2", "get", "k2")
}

// TestAAConfigTLS: the aa-tls-* settings are checked together at startup.
func TestAAConfigTLS(t *testing.T) {
	ca := newTLSCA(t, "db")
	cert, key := ca.Issue(t, "r1")
	port := freePort(t)
	base := []string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--aa-database", "t", "--aa-region", "1:r1"}
	files := []string{"--aa-tls-cert-file", cert, "--aa-tls-key-file", key, "--aa-tls-ca-cert-file", ca.File}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{append(base, "--aa-tls-port", "7999"),
			"cannot start: --aa-tls-port needs --aa-tls-cert-file, --aa-tls-key-file, --aa-tls-ca-cert-file"},
		{append(base, "--aa-tls-port", "7999", "--aa-tls-cert-file", cert),
			"cannot start: --aa-tls-port needs --aa-tls-key-file, --aa-tls-ca-cert-file"},
		{append(base, "--aa-tls-ca-cert-file", ca.File),
			"cannot start: --aa-tls-ca-cert-file set without --aa-tls-port"},
		{append(append(base, "--aa-tls-port", "7999"), "--aa-tls-cert-file", cert, "--aa-tls-key-file", cert+".missing", "--aa-tls-ca-cert-file", ca.File),
			"cannot start: --aa-tls-cert-file, --aa-tls-key-file, --aa-tls-ca-cert-file: cannot load the certificate"},
		{append(append(base, "--aa-tls-port", "7999"), "--aa-tls-cert-file", cert, "--aa-tls-key-file", key, "--aa-tls-ca-cert-file", key),
			"no PEM certificate in the CA file"},
		{append(append(base, "--aa-tls-port", fmt.Sprint(port)), files...),
			"cannot start: --aa-tls-port must differ from --port"},
		{append([]string{"--port", fmt.Sprint(port), "--aa-tls-port", "7999"}, files...),
			"cannot start: --aa-tls-port needs --aa-database"},
		{append(base, "--aa-tls-port", "70000"), "'aa-tls-port \"70000\"'\nargument must be between 0 and 65535 inclusive"},
	} {
		c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := exec.CommandContext(c, serverBin, tc.args...).CombinedOutput()
		cancel()
		if err == nil || !strings.Contains(string(out), tc.want) {
			t.Errorf("%v: %v, output %q; want %q", tc.args, err, out, tc.want)
		}
	}
}
