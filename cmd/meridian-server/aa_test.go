package main

// Active-active between real processes: regions started by tools/regions,
// each pulling from the others through a chaos link, driven by go-redis.
// Concurrent writes are made while the links are cut, so neither region
// has seen the other's write; healing then lets them merge.

import (
	"crypto/rand"
	"fmt"
	stdnet "net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/meridiandb/meridian/replication"
	"github.com/meridiandb/meridian/tools/chaoslink"
	"github.com/meridiandb/meridian/tools/regions"
	"github.com/redis/go-redis/v9"
)

// aaDB is a running database and a client per region (database 0).
type aaDB struct {
	*regions.DB
	c   []*redis.Client
	dir string
}

// startAA starts n regions; extra arguments go to every region.
func startAA(t *testing.T, n int, extra ...string) *aaDB {
	t.Helper()
	dir := t.TempDir()
	db, err := regions.Start(regions.Options{Binary: serverBin, N: n, Database: "t", Secret: "s3cret", Dir: dir, Args: extra})
	if err != nil {
		t.Fatal(err)
	}
	d := &aaDB{DB: db, dir: dir}
	for _, r := range db.Regions {
		c := redis.NewClient(&redis.Options{Addr: r.Addr(), Protocol: 2, MaxRetries: -1})
		d.c = append(d.c, c)
	}
	t.Cleanup(func() {
		for _, c := range d.c {
			c.Close()
		}
		db.Stop()
		if t.Failed() {
			d.dumpLogs(t)
		}
		d.checkLogs(t)
	})
	return d
}

func (d *aaDB) dumpLogs(t *testing.T) {
	for _, r := range d.Regions {
		b, _ := os.ReadFile(d.dir + "/" + r.Name + ".log")
		s := string(b)
		if len(s) > 4000 {
			s = "..." + s[len(s)-4000:]
		}
		t.Logf("%s log:\n%s", r.Name, s)
	}
}

// checkLogs fails the test on a panic or a race report in any region.
func (d *aaDB) checkLogs(t *testing.T) {
	for _, r := range d.Regions {
		b, _ := os.ReadFile(d.dir + "/" + r.Name + ".log")
		for _, bad := range []string{"panic:", "DATA RACE", "fatal error:"} {
			if strings.Contains(string(b), bad) {
				t.Errorf("%s log has %q", r.Name, bad)
			}
		}
	}
}

// client returns a client of region i on database db.
func (d *aaDB) client(t *testing.T, i, db int) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: d.Regions[i].Addr(), Protocol: 2, DB: db, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return c
}

// settle waits until every region's writes have reached every other
// region (AA WAIT) and every region reads the same (AA DIGEST of dbs).
func (d *aaDB) settle(t *testing.T, dbs ...int) {
	t.Helper()
	if len(dbs) == 0 {
		dbs = []int{0}
	}
	deadline := time.Now().Add(20 * time.Second)
	for i, c := range d.c {
		for {
			n, err := c.Do(ctx(), "aa", "wait", len(d.c)-1, 1000).Int()
			if err == nil && n == len(d.c)-1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("region %d: AA WAIT reached %d of %d (%v)", i, n, len(d.c)-1, err)
			}
		}
	}
	for _, db := range dbs {
		var last []string
		for {
			last = last[:0]
			same := true
			for i := range d.c {
				v, err := d.client(t, i, db).Do(ctx(), "aa", "digest").Text()
				if err != nil {
					t.Fatal(err)
				}
				last = append(last, v)
				same = same && v == last[0]
			}
			if same {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("db %d: regions still differ: %v", db, last)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// apart cuts every link, runs fn, and heals: the writes fn makes in
// different regions are concurrent.
func (d *aaDB) apart(t *testing.T, fn func()) {
	t.Helper()
	for i := range d.Regions {
		d.Isolate(i)
	}
	fn()
	d.HealAll()
}

func mustAA(t *testing.T, c *redis.Client, args ...any) any {
	t.Helper()
	v, err := do(c, args...)
	if err != nil && err != redis.Nil {
		t.Fatalf("%v: %v", args, err)
	}
	return v
}

// semanticsCase is one SEMANTICS.md example: setup at region A, then rounds
// of concurrent writes at A and B, then what both must read.
type semanticsCase struct {
	name   string
	db     int
	setup  [][]any
	rounds [][2][][]any // per round: A's commands, B's commands
	expect []case1
}

func TestAASemanticsExamples(t *testing.T) {
	d := startAA(t, 2)
	cases := []semanticsCase{
		{name: "1 concurrent INCRBY add up", rounds: [][2][][]any{
			{{{"incrby", "c1", 7}}, {{"incrby", "c1", 3}}},
			{{{"decrby", "c1", 3}}, {{"incrby", "c1", 6}}}},
			expect: []case1{{[]any{"get", "c1"}, "13"}}},
		{name: "1 SET concurrent with INCRBY", setup: [][]any{{"set", "c2", 3}},
			rounds: [][2][][]any{{{{"set", "c2", 10}}, {{"incrby", "c2", 5}}}},
			expect: []case1{{[]any{"get", "c2"}, "15"}}},
		{name: "1 concurrent SETs: LWW", rounds: [][2][][]any{{{{"set", "s1", "a"}}, {{"set", "s1", "b"}}}},
			expect: []case1{{[]any{"get", "s1"}, "b"}}},
		{name: "1 DEL concurrent with INCRBY", setup: [][]any{{"set", "c3", 4}},
			rounds: [][2][][]any{{{{"del", "c3"}}, {{"incrby", "c3", 2}}}},
			expect: []case1{{[]any{"get", "c3"}, "2"}}},
		{name: "1 DEL concurrent with SET", setup: [][]any{{"set", "s2", "old"}},
			rounds: [][2][][]any{{{{"del", "s2"}}, {{"set", "s2", "new"}}}},
			expect: []case1{{[]any{"get", "s2"}, "new"}}},
		{name: "1 non-numeric base hides increments", setup: [][]any{{"set", "c4", 1}},
			rounds: [][2][][]any{{{{"incrby", "c4", 5}}, {{"set", "c4", "abc"}}}},
			expect: []case1{{[]any{"get", "c4"}, "abc"}}},
		{name: "2 HSET different fields", rounds: [][2][][]any{{{{"hset", "h1", "f1", "a"}}, {{"hset", "h1", "f2", "b"}}}},
			expect: []case1{{[]any{"hget", "h1", "f1"}, "a"}, {[]any{"hget", "h1", "f2"}, "b"}, {[]any{"hlen", "h1"}, "2"}}},
		{name: "2 HINCRBY add up, HDEL observed only", setup: [][]any{{"hset", "h2", "n", 1, "x", "y"}},
			rounds: [][2][][]any{{{{"hincrby", "h2", "n", 2}, {"hdel", "h2", "x"}}, {{"hincrby", "h2", "n", 3}, {"hset", "h2", "x", "z"}}}},
			expect: []case1{{[]any{"hget", "h2", "n"}, "6"}, {[]any{"hget", "h2", "x"}, "z"}}},
		{name: "3 SADD union", rounds: [][2][][]any{{{{"sadd", "set1", "a"}}, {{"sadd", "set1", "b"}}}},
			expect: []case1{{[]any{"sort", "set1", "alpha"}, "[a b]"}}},
		{name: "3 SREM observed only", setup: [][]any{{"sadd", "set2", "a", "b"}},
			rounds: [][2][][]any{{{{"srem", "set2", "a"}, {"srem", "set2", "c"}}, {{"sadd", "set2", "c"}}}},
			expect: []case1{{[]any{"sort", "set2", "alpha"}, "[b c]"}}},
		{name: "3 DEL concurrent with SADD", setup: [][]any{{"sadd", "set3", "e1"}},
			rounds: [][2][][]any{{{{"sadd", "set3", "e2"}}, {{"del", "set3"}}}},
			expect: []case1{{[]any{"smembers", "set3"}, "[e2]"}}},
		{name: "4 ZINCRBY add up", setup: [][]any{{"zadd", "z1", 1.1, "x"}},
			rounds: [][2][][]any{{{{"zincrby", "z1", 1, "x"}}, {{"zincrby", "z1", 1, "x"}}}},
			expect: []case1{{[]any{"zscore", "z1", "x"}, "3.1"}}},
		{name: "4 ZREM concurrent with ZINCRBY", setup: [][]any{{"zadd", "z2", 4.1, "x"}},
			rounds: [][2][][]any{{{{"zrem", "z2", "x"}}, {{"zincrby", "z2", 2, "x"}}}},
			expect: []case1{{[]any{"zscore", "z2", "x"}, "2"}}},
		{name: "4 concurrent ZADD: LWW", rounds: [][2][][]any{{{{"zadd", "z3", 1, "m"}}, {{"zadd", "z3", 2, "m"}}}},
			expect: []case1{{[]any{"zscore", "z3", "m"}, "2"}}},
		{name: "5 LPUSH concurrent with DEL", setup: [][]any{{"rpush", "l1", "x"}},
			rounds: [][2][][]any{{{{"lpush", "l1", "y"}}, {{"del", "l1"}}}},
			expect: []case1{{[]any{"lrange", "l1", 0, -1}, "[y]"}}},
		{name: "5 concurrent LINSERT keep both", setup: [][]any{{"rpush", "l2", "x"}},
			rounds: [][2][][]any{{{{"linsert", "l2", "after", "x", "y1"}}, {{"linsert", "l2", "after", "x", "y2"}}}},
			expect: []case1{{[]any{"llen", "l2"}, "3"}, {[]any{"lindex", "l2", 0}, "x"}}},
		{name: "6 PFADD merge", rounds: [][2][][]any{{{{"pfadd", "hll1", "x"}}, {{"pfadd", "hll1", "y"}}}},
			expect: []case1{{[]any{"pfcount", "hll1"}, "2"}}},
		{name: "6 DEL wins over PFADD", setup: [][]any{{"pfadd", "hll2", "e1"}},
			rounds: [][2][][]any{{{{"pfadd", "hll2", "e2"}}, {{"del", "hll2"}}}},
			expect: []case1{{[]any{"exists", "hll2"}, "0"}}},
		{name: "7 longest TTL wins", setup: [][]any{{"set", "e1", "v"}},
			rounds: [][2][][]any{{{{"expire", "e1", 1000}}, {{"expire", "e1", 5000}}}},
			expect: []case1{{[]any{"exists", "e1"}, "1"}}}, // and its TTL, below
		{name: "7 PERSIST wins over EXPIRE", setup: [][]any{{"set", "e2", "v", "ex", 1000}},
			rounds: [][2][][]any{{{{"persist", "e2"}}, {{"expire", "e2", 3000}}}},
			expect: []case1{{[]any{"ttl", "e2"}, "-1"}}},
		{name: "8 type conflict: later creator wins", rounds: [][2][][]any{{{{"set", "t1", "x"}}, {{"hset", "t1", "f", "v"}}}},
			expect: []case1{{[]any{"type", "t1"}, "hash"}, {[]any{"hget", "t1", "f"}, "v"}}},
		{name: "8 FLUSHDB keeps concurrent writes", db: 3, setup: [][]any{{"set", "f1", "a"}},
			rounds: [][2][][]any{{{{"flushdb"}}, {{"set", "f2", "b"}}}},
			expect: []case1{{[]any{"get", "f1"}, "<nil>"}, {[]any{"get", "f2"}, "b"}}},
		{name: "8 RENAME concurrent with a write to the source", setup: [][]any{{"sadd", "rn1", "a"}},
			rounds: [][2][][]any{{{{"rename", "rn1", "rn2"}}, {{"sadd", "rn1", "b"}}}},
			expect: []case1{{[]any{"smembers", "rn1"}, "[b]"}, {[]any{"smembers", "rn2"}, "[a]"}}},
	}
	a0 := func(db int) *redis.Client { return d.client(t, 0, db) }
	b0 := func(db int) *redis.Client { return d.client(t, 1, db) }
	for _, tc := range cases {
		for _, cmd := range tc.setup {
			mustAA(t, a0(tc.db), cmd...)
		}
	}
	d.settle(t, 0, 3)
	maxRounds := 0
	for _, tc := range cases {
		maxRounds = max(maxRounds, len(tc.rounds))
	}
	for r := 0; r < maxRounds; r++ {
		d.apart(t, func() {
			// A writes first, then B: where a rule is LWW, B's write
			// carries the later clock.
			for side := 0; side < 2; side++ {
				for _, tc := range cases {
					if r >= len(tc.rounds) {
						continue
					}
					c := a0(tc.db)
					if side == 1 {
						c = b0(tc.db)
						time.Sleep(time.Millisecond) // a later wall clock than A's writes
					}
					for _, cmd := range tc.rounds[r][side] {
						mustAA(t, c, cmd...)
					}
				}
			}
		})
		d.settle(t, 0, 3)
	}
	for _, tc := range cases {
		for i := range d.Regions {
			c := d.client(t, i, tc.db)
			t.Run(fmt.Sprintf("%s/r%d", tc.name, i+1), func(t *testing.T) {
				runCases(t, c, tc.expect)
			})
		}
	}
	for i := range d.Regions {
		if ttl := mustAA(t, d.client(t, i, 0), "ttl", "e1").(int64); ttl <= 1000 || ttl > 5000 {
			t.Fatalf("r%d: TTL of e1 is %d, want the longer one (5000s)", i+1, ttl)
		}
	}
	// Both regions hold the list's two inserts in the same order.
	l1 := mustAA(t, a0(0), "lrange", "l2", 0, -1)
	l2 := mustAA(t, b0(0), "lrange", "l2", 0, -1)
	if fmt.Sprint(l1) != fmt.Sprint(l2) {
		t.Fatalf("list order differs: %v vs %v", l1, l2)
	}
	// The LWW losers and the type conflict are on record.
	info := mustAA(t, a0(0), "info", "crdt").(string)
	if !strings.Contains(info, "crdt_conflicts_type:") || !strings.Contains(info, "crdt_conflicts_string:") {
		t.Fatalf("INFO crdt lacks the conflicts:\n%s", info)
	}
	confl := fmt.Sprint(mustAA(t, b0(0), "aa", "conflicts", 50))
	if !strings.Contains(confl, "t1") || !strings.Contains(confl, "s1") {
		t.Fatalf("AA CONFLICTS lacks t1 and s1: %s", confl)
	}
}

// peerStatus reads one peer's figure from region i's AA STATUS.
func (d *aaDB) peerStatus(t *testing.T, i, peerID int, field string) any {
	t.Helper()
	st := mustAA(t, d.c[i], "aa", "status").([]any)
	for k := 0; k+1 < len(st); k += 2 {
		if st[k] != "peers" {
			continue
		}
		for _, p := range st[k+1].([]any) {
			m := p.([]any)
			var id any
			var val any
			for j := 0; j+1 < len(m); j += 2 {
				if m[j] == "id" {
					id = m[j+1]
				}
				if m[j] == field {
					val = m[j+1]
				}
			}
			if id == int64(peerID) {
				return val
			}
		}
	}
	t.Fatalf("region %d has no peer %d in AA STATUS", i, peerID)
	return nil
}

// load writes n keys prefix:0..n-1 to region i, pipelined.
func (d *aaDB) load(t *testing.T, i int, prefix string, n int) {
	t.Helper()
	for start := 0; start < n; start += 1000 {
		p := d.c[i].Pipeline()
		for k := start; k < min(n, start+1000); k++ {
			p.Set(ctx(), fmt.Sprintf("%s:%d", prefix, k), k, 0)
		}
		if _, err := p.Exec(ctx()); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAAPartialSyncAfterCut(t *testing.T) {
	d := startAA(t, 3)
	d.settle(t)
	before := d.peerStatus(t, 2, 1, "partial_syncs").(int64)
	// Cut region 3 off and drop its connections: it reconnects once healed
	// and resumes from its positions.
	d.Isolate(2)
	for i := range d.Regions {
		for j := range d.Regions {
			if i != j {
				d.Link(i, j).ResetAll()
			}
		}
	}
	d.load(t, 0, "a", 3000)
	d.load(t, 1, "b", 3000)
	mustAA(t, d.c[2], "set", "from3", "x")
	for i := 0; i < 200; i++ {
		mustAA(t, d.c[2], "incr", "ctr")
		mustAA(t, d.c[0], "incr", "ctr")
	}
	if n := mustAA(t, d.c[0], "aa", "wait", 2, 200).(int64); n != 1 {
		t.Fatalf("AA WAIT with region 3 cut off reached %d regions, want 1", n)
	}
	d.HealAll()
	d.settle(t)
	want(t, d.c[2], "6002", "dbsize")
	want(t, d.c[1], "400", "get", "ctr")
	if after := d.peerStatus(t, 2, 1, "partial_syncs").(int64); after <= before {
		t.Fatalf("region 3 made no partial sync from region 1 (%d, then %d)", before, after)
	}
	if full := d.peerStatus(t, 2, 1, "full_syncs").(int64); full != 1 {
		t.Fatalf("region 3 made %d full syncs from region 1, want only the first one (at start)", full)
	}
}

func TestAAFullSyncAfterBacklogOverflow(t *testing.T) {
	// 64 KB of backlog: 256 bytes per partition, overflowed by a few writes.
	d := startAA(t, 2, "--aa-backlog", "65536")
	d.settle(t)
	d.Isolate(1)
	d.Link(1, 0).ResetAll()
	d.load(t, 0, "k", 5000)
	mustAA(t, d.c[0], "del", "k:7")
	d.HealAll()
	d.settle(t)
	want(t, d.c[1], "4999", "dbsize")
	want(t, d.c[1], "<nil>", "get", "k:7")
	if full := d.peerStatus(t, 1, 1, "full_syncs").(int64); full < 2 {
		t.Fatalf("region 2 made %d full syncs, want a second one after the overflow", full)
	}
	if n := d.peerStatus(t, 1, 1, "keys_in_full_sync").(int64); n < 4000 {
		t.Fatalf("region 2 received %d keys by full sync", n)
	}
}

func TestAARegionRestartedEmpty(t *testing.T) {
	d := startAA(t, 3)
	mustAA(t, d.c[2], "set", "mine", "from-r3")
	mustAA(t, d.c[2], "incrby", "ctr", 5)
	mustAA(t, d.c[2], "sadd", "s", "r3")
	d.settle(t)
	d.Kill(2)
	d.load(t, 0, "a", 2000)
	mustAA(t, d.c[1], "incrby", "ctr", 7)
	mustAA(t, d.c[0], "sadd", "s", "r1")
	if err := d.Restart(2); err != nil {
		t.Fatal(err)
	}
	d.settle(t)
	want(t, d.c[2], "from-r3", "get", "mine")
	want(t, d.c[2], "12", "get", "ctr")
	want(t, d.c[2], "2003", "dbsize")
	// Writes made after the restart reach everyone (new sequences).
	mustAA(t, d.c[2], "incrby", "ctr", 100)
	mustAA(t, d.c[2], "srem", "s", "r1")
	d.settle(t)
	want(t, d.c[0], "112", "get", "ctr")
	want(t, d.c[1], "[r3]", "smembers", "s")
}

func TestAAAddAndRemoveRegion(t *testing.T) {
	d := startAA(t, 2)
	const keys = 100000
	d.load(t, 0, "k", keys/2)
	d.load(t, 1, "m", keys/2)
	d.settle(t)
	// A third region joins: started with both as peers, then made a
	// member on each of them at run time.
	port := freePort(t)
	args := []string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--aa-database", "t", "--aa-region", "3:r3",
		"--aa-secret", "s3cret", "--aa-peer", "1:r1@" + d.Regions[0].Addr(), "--aa-peer", "2:r2@" + d.Regions[1].Addr()}
	p3 := startServerArgs(t, port, args...)
	c3 := p3.client(t, 2)
	began := time.Now()
	for i := 0; i < 2; i++ {
		want(t, d.c[i], "OK", "aa", "peer", "add", 3, "r3", p3.Addr)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, _ := c3.DBSize(ctx()).Result()
		if n == keys {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the new region holds %d keys of %d", n, keys)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("a new region received %d keys in %v", keys, time.Since(began))
	mustAA(t, c3, "set", "new", "from-r3")
	for i := 0; i < 2; i++ {
		deadline := time.Now().Add(10 * time.Second)
		for v, _ := d.c[i].Get(ctx(), "new").Result(); v != "from-r3"; v, _ = d.c[i].Get(ctx(), "new").Result() {
			if time.Now().After(deadline) {
				t.Fatalf("region %d never received region 3's write", i+1)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// Removal: refused for an unknown id; then region 3 is gone for good.
	wantErr(t, d.c[0], "ERR no such peer 9", "aa", "peer", "remove", 9)
	for i := 0; i < 2; i++ {
		want(t, d.c[i], "OK", "aa", "peer", "remove", 3, "force")
	}
	mustAA(t, c3, "set", "after-removal", "x")
	time.Sleep(300 * time.Millisecond)
	want(t, d.c[0], "<nil>", "get", "after-removal")
	wantErr(t, d.c[0], "ERR region 3 was removed from the database; a new region needs a new id", "aa", "peer", "add", 3, "r3", p3.Addr)
	if st := fmt.Sprint(d.peerStatus(t, 0, 2, "state")); st != "up" {
		t.Fatalf("the link between the two remaining regions is %s", st)
	}
	if !strings.Contains(p3.log.String(), "was removed from database") {
		t.Fatalf("region 3 was not told it was removed:\n%s", p3.log.String())
	}
}

// aaSyncCmd is a raw AA SYNC as a peer sends it, with zero positions.
func aaSyncCmd(db, partitions, origin, replica, secret string) []byte {
	args := []string{"AA", "SYNC", db, partitions, strconv.Itoa(replication.ProtocolVersion), origin, replica, "intruder", secret, string(make([]byte, 256))}
	b := fmt.Appendf(nil, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b
}

func TestAASyncRefusals(t *testing.T) {
	d := startAA(t, 2)
	mustAA(t, d.c[0], "set", "k", "v")
	d.settle(t)
	digest := mustAA(t, d.c[0], "aa", "digest")
	addr := d.Regions[0].Addr()
	for _, tc := range []struct {
		cmd   []byte
		reply string
	}{
		{aaSyncCmd("t", "256", "1", "2", "wrong"), "-ERR AA SYNC refused: wrong secret"},
		{aaSyncCmd("other", "256", "1", "2", "s3cret"), "-ERR AA SYNC refused: this region belongs to database 't', not 'other'"},
		{aaSyncCmd("t", "128", "1", "2", "s3cret"), "-ERR AA SYNC refused: this database has 256 partitions, the peer 128"},
		{aaSyncCmd("t", "256", "2", "2", "s3cret"), "-ERR AA SYNC refused: this is region 1 (r1), not region 2"},
		{aaSyncCmd("t", "256", "1", "7", "s3cret"), "-ERR AA SYNC refused: region 7 is not a member of database 't' here (AA PEER ADD it first)"},
	} {
		conn, r := raw(t, &proc{Addr: addr})
		conn.Write(tc.cmd)
		if got := readLine(t, r); got != tc.reply {
			t.Fatalf("got %q, want %q", got, tc.reply)
		}
		conn.Close()
	}
	// A puller that sends garbage after the handshake is cut off.
	conn, r := raw(t, &proc{Addr: addr})
	conn.Write(aaSyncCmd("t", "256", "1", "2", "s3cret"))
	if got := readLine(t, r); got != "+OK" {
		t.Fatalf("handshake: %q", got)
	}
	conn.Write([]byte("H\x05garbage and more garbage"))
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 1<<16)
	for {
		if _, err := r.Read(buf); err != nil {
			if strings.Contains(err.Error(), "timeout") {
				t.Fatal("the origin kept a link that sent garbage")
			}
			break
		}
	}
	want(t, d.c[0], fmt.Sprint(digest), "aa", "digest")
	mustAA(t, d.c[1], "set", "k2", "v2")
	d.settle(t)
	want(t, d.c[0], "v2", "get", "k2")
}

// TestAAGarbageFromOrigin: a "peer" that answers the handshake and then
// sends a corrupt frame. The region drops the link, logs why, retries, and
// its data does not change.
func TestAAGarbageFromOrigin(t *testing.T) {
	ln, err := stdnet.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan struct{}, 100)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				buf := make([]byte, 4096)
				c.SetReadDeadline(time.Now().Add(2 * time.Second))
				if n, _ := c.Read(buf); n == 0 {
					return
				}
				c.Write([]byte("+OK\r\n"))
				// A delta message whose frame has a bad checksum.
				c.Write([]byte{'D', 12, 0xD1, 0, 0, 1, 1, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0})
				accepted <- struct{}{}
				c.Read(buf)
			}()
		}
	}()
	p := startServer(t, "--aa-database", "t", "--aa-region", "1:r1", "--aa-peer", "2:fake@"+ln.Addr().String())
	c := p.client(t, 2)
	// (No write first: a region takes writes once its peers served it a
	// first pass, or after a grace period; this peer never will.)
	before := mustAA(t, c, "aa", "digest")
	for i := 0; i < 2; i++ {
		select {
		case <-accepted:
		case <-time.After(10 * time.Second):
			t.Fatal("the region did not connect (or reconnect) to its peer")
		}
	}
	want(t, c, fmt.Sprint(before), "aa", "digest")
	if !strings.Contains(p.log.String(), "delta frame") {
		t.Fatalf("the region did not log the bad frame:\n%s", p.log.String())
	}
	if e := fmt.Sprint(mustAA(t, c, "aa", "status")); !strings.Contains(e, "delta frame") {
		t.Fatalf("AA STATUS does not show the last error: %s", e)
	}
}

func TestAAWithoutActiveActive(t *testing.T) {
	p := startServer(t)
	c := p.client(t, 2)
	wantErr(t, c, "ERR active-active is not enabled on this server (start it with --aa-database and --aa-region)", "aa", "status")
	want(t, c, "0000000000000000:0", "aa", "digest")
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"--aa-region", "1:a"}, "--aa-region and --aa-peer need --aa-database"},
		{[]string{"--aa-database", "d"}, "--aa-region: region must be ID:NAME"},
		{[]string{"--aa-database", "d", "--aa-region", "64:a"}, "region id must be an integer between 0 and 63"},
		{[]string{"--aa-database", "d", "--aa-region", "1:a", "--aa-peer", "1:b@127.0.0.1:1"}, "peer 1 has this region's own id"},
		{[]string{"--aa-database", "d", "--aa-region", "1:a", "--aa-peer", "2:b@nowhere"}, "peer address must be HOST:PORT"},
		{[]string{"--aa-compression", "lz4"}, "compression must be none, s2, zstd or zstd:LEVEL (1-22)"},
	} {
		out, err := exec.Command(serverBin, append([]string{"--port", "0"}, tc.args...)...).CombinedOutput()
		if err == nil || !strings.Contains(string(out), tc.err) {
			t.Fatalf("%v: %v, %s (want an error with %q)", tc.args, err, out, tc.err)
		}
	}
}

func TestAARemoteWritesWakeBlockedClients(t *testing.T) {
	d := startAA(t, 2)
	d.settle(t)
	wantErr(t, d.c[0], "ERR SWAPDB is not supported in an active-active database", "swapdb", 0, 1)
	res := make(chan []string, 1)
	go func() {
		v, _ := d.client(t, 1, 0).BLPop(ctx(), 10*time.Second, "q").Result()
		res <- v
	}()
	time.Sleep(100 * time.Millisecond)
	mustAA(t, d.c[0], "rpush", "q", "job")
	select {
	case v := <-res:
		if fmt.Sprint(v) != "[q job]" {
			t.Fatalf("BLPOP got %v", v)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a push in region 1 did not wake BLPOP in region 2")
	}
}

func TestAATombstonesCollected(t *testing.T) {
	d := startAA(t, 3)
	for i := 0; i < 300; i++ {
		mustAA(t, d.c[i%3], "set", fmt.Sprint("k", i), i)
		mustAA(t, d.c[i%3], "hset", "h", fmt.Sprint("f", i), i)
	}
	d.settle(t)
	for i := 0; i < 300; i++ {
		mustAA(t, d.c[(i+1)%3], "del", fmt.Sprint("k", i))
		mustAA(t, d.c[(i+1)%3], "hdel", "h", fmt.Sprint("f", i))
	}
	d.settle(t)
	for i := range d.Regions {
		deadline := time.Now().Add(10 * time.Second)
		for {
			info := mustAA(t, d.c[i], "info", "crdt").(string)
			if strings.Contains(info, "crdt_tombstones_pending:0\r\n") && !strings.Contains(info, "crdt_tombstones_collected:0\r\n") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("region %d still holds tombstones after the database went quiet:\n%s", i+1, info)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func TestAAPauseResume(t *testing.T) {
	d := startAA(t, 2)
	d.settle(t)
	want(t, d.c[1], "OK", "aa", "pause", 1)
	wantErr(t, d.c[1], "ERR no such peer 5", "aa", "pause", 5)
	mustAA(t, d.c[0], "set", "k", "v")
	time.Sleep(200 * time.Millisecond)
	want(t, d.c[1], "<nil>", "get", "k")
	if st := d.peerStatus(t, 1, 1, "state"); st != "paused" {
		t.Fatalf("state %v, want paused", st)
	}
	want(t, d.c[1], "OK", "aa", "resume", 1)
	d.settle(t)
	want(t, d.c[1], "v", "get", "k")
}

// TestAAExpiryTakeover: the region that owned a key's expiry is removed;
// the live region with the smallest id deletes the key at its deadline and
// the delete reaches the others.
func TestAAExpiryTakeover(t *testing.T) {
	d := startAA(t, 3)
	mustAA(t, d.c[1], "set", "k", "v", "px", 300)
	d.settle(t)
	d.Kill(1)
	for _, i := range []int{0, 2} {
		want(t, d.c[i], "OK", "aa", "peer", "remove", 2, "force")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		n0, _ := d.c[0].DBSize(ctx()).Result()
		n2, _ := d.c[2].DBSize(ctx()).Result()
		if n0 == 0 && n2 == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the expired key is still held: %d in r1, %d in r3", n0, n2)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestAAPublishReachesEveryRegion(t *testing.T) {
	d := startAA(t, 3)
	d.settle(t)
	var subs []*redis.PubSub
	for i := range d.Regions {
		ps := d.c[i].Subscribe(ctx(), "news")
		if _, err := ps.Receive(ctx()); err != nil {
			t.Fatal(err)
		}
		subs = append(subs, ps)
	}
	pat := d.c[2].SSubscribe(ctx(), "shop")
	if _, err := pat.Receive(ctx()); err != nil {
		t.Fatal(err)
	}
	// The count is this region's subscribers, as PUBLISH counts in Redis.
	want(t, d.c[0], "1", "publish", "news", "hello")
	want(t, d.c[1], "0", "spublish", "shop", "open")
	for i, ps := range subs {
		m, err := ps.ReceiveTimeout(ctx(), 5*time.Second)
		if err != nil {
			t.Fatalf("region %d: %v", i+1, err)
		}
		if msg, ok := m.(*redis.Message); !ok || msg.Channel != "news" || msg.Payload != "hello" {
			t.Fatalf("region %d got %#v", i+1, m)
		}
		ps.Close()
	}
	m, err := pat.ReceiveTimeout(ctx(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if msg, ok := m.(*redis.Message); !ok || msg.Payload != "open" {
		t.Fatalf("shard channel subscriber got %#v", m)
	}
	pat.Close()
}

// TestAARestartedRegionWaitsForItsPeers: a region restarted empty and cut
// off from its peers refuses writes (LOADING) until it holds their data,
// so its earlier run's increments and list positions are never restarted
// below what the peers hold.
func TestAARestartedRegionWaitsForItsPeers(t *testing.T) {
	d := startAA(t, 2)
	for _, v := range []string{"a1", "a2", "a3"} {
		mustAA(t, d.c[0], "rpush", "L", v)
		mustAA(t, d.c[0], "incrby", "C", 1)
		mustAA(t, d.c[0], "sadd", "S", v)
	}
	want(t, d.c[0], "1", "aa", "wait", 1, 2000)
	d.Kill(0)
	d.Isolate(0)
	if err := d.Restart(0); err != nil {
		t.Fatal(err)
	}
	want(t, d.c[1], "3", "llen", "L")
	time.Sleep(300 * time.Millisecond)
	wantErr(t, d.c[0], "LOADING Meridian is loading the dataset from its peer regions", "rpush", "L", "n1")
	d.HealAll()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := do(d.c[0], "rpush", "L", "n1")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted region still refuses writes: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	mustAA(t, d.c[0], "incrby", "C", 10)
	d.settle(t)
	for i := range d.Regions {
		want(t, d.c[i], "[a1 a2 a3 n1]", "lrange", "L", 0, -1)
		want(t, d.c[i], "13", "get", "C")
		want(t, d.c[i], "3", "scard", "S")
	}
}

// TestAACollectedTombstoneKeepsIncrementsRemoved: one region collects the
// tombstone of a deleted counter (string, hash field, sorted-set score)
// while the other cannot yet; the next increment from the other carries
// what the delete removed of its running sum, so both read the same.
// (Found by the convergence checker.)
func TestAACollectedTombstoneKeepsIncrementsRemoved(t *testing.T) {
	d := startAA(t, 2)
	mustAA(t, d.c[0], "incrby", "c", 8)
	mustAA(t, d.c[0], "hincrby", "h", "f", 8)
	mustAA(t, d.c[0], "hset", "h", "other", 1)
	mustAA(t, d.c[0], "zincrby", "z", 8, "m")
	mustAA(t, d.c[0], "zadd", "z", 1, "other")
	d.settle(t)
	// Region 2's beats and data stop reaching region 1: region 1 cannot
	// learn that region 2 has its deletes; region 2 can.
	d.Link(1, 0).Cut(chaoslink.Forward)
	d.Link(0, 1).Cut(chaoslink.Backward)
	mustAA(t, d.c[0], "del", "c")
	mustAA(t, d.c[0], "hdel", "h", "f")
	mustAA(t, d.c[0], "zrem", "z", "m")
	time.Sleep(2500 * time.Millisecond) // region 2 collects (a 1 s cycle)
	mustAA(t, d.c[0], "incrby", "c", -3)
	mustAA(t, d.c[0], "hincrby", "h", "f", -3)
	mustAA(t, d.c[0], "zincrby", "z", -3, "m")
	d.HealAll()
	d.settle(t)
	for i := range d.Regions {
		want(t, d.c[i], "-3", "get", "c")
		want(t, d.c[i], "-3", "hget", "h", "f")
		want(t, d.c[i], "-3", "zscore", "z", "m")
		want(t, d.c[i], "1", "zscore", "z", "other")
	}
}

// TestAAExpiryOwnerShipsTheDelete: SEMANTICS.md 7. The region whose TTL won
// deletes the key at the deadline and ships an observed-remove; a write
// made elsewhere after the deadline, unseen by that delete, survives it.
// And *STORE / SMOVE write their destination as delete-observed-then-add.
func TestAAExpiryOwnerShipsTheDelete(t *testing.T) {
	d := startAA(t, 2)
	mustAA(t, d.c[0], "sadd", "s", "a")
	mustAA(t, d.c[0], "pexpire", "s", 300)
	mustAA(t, d.c[0], "sadd", "src", "x", "y")
	mustAA(t, d.c[0], "sadd", "dst", "old")
	d.settle(t)
	d.apart(t, func() {
		time.Sleep(400 * time.Millisecond)
		mustAA(t, d.c[1], "sadd", "s", "b") // past the deadline here: deletes {a}, adds b
		mustAA(t, d.c[0], "sunionstore", "dst", "src")
		mustAA(t, d.c[1], "sadd", "dst", "concurrent")
		mustAA(t, d.c[1], "smove", "src", "other", "x")
	})
	d.settle(t)
	for i := range d.Regions {
		want(t, d.c[i], "[b]", "smembers", "s")
		want(t, d.c[i], "-1", "pttl", "s")
		want(t, d.c[i], "[concurrent x y]", "sort", "dst", "alpha")
		want(t, d.c[i], "[y]", "smembers", "src")
		want(t, d.c[i], "[x]", "smembers", "other")
	}
}

// A key whose state is larger than the outbound limit goes out in one
// frame during a full sync; the link must keep streaming afterwards (the
// origin once waited forever for its connection's buffer to drain).
func TestAAFullSyncOfALargeKey(t *testing.T) {
	d := startAA(t, 2)
	d.settle(t)
	d.Kill(1)
	val := make([]byte, 1<<20)
	for i := 0; i < 24; i++ {
		if _, err := rand.Read(val); err != nil {
			t.Fatal(err)
		}
		mustAA(t, d.c[0], "hset", "big", fmt.Sprint("f", i), val)
	}
	if err := d.Restart(1); err != nil {
		t.Fatal(err)
	}
	d.settle(t)
	want(t, d.c[1], "24", "hlen", "big")
	mustAA(t, d.c[0], "set", "after", "1")
	d.settle(t)
	want(t, d.c[1], "1", "get", "after")
}

// TestAABurstOnOneKeyReachesEveryRegion: a region that resumes its pull
// finds far more than one pump's read of a partition (maxRun, 256 KB)
// waiting in the origin's backlog for one key, and nothing is written
// after. It must still get every element: a pump that read part of a
// partition has to come back for the rest without waiting for a new write
// (it used to wait forever; a 1M-element list in a 3-region database
// stayed 1-2% short in the others).
func TestAABurstOnOneKeyReachesEveryRegion(t *testing.T) {
	d := startAA(t, 3)
	d.settle(t)
	mustAA(t, d.c[1], "aa", "pause", "1")
	const cmds, per = 40, 1000 // about 1 MB of records in one partition
	pipe := d.c[0].Pipeline()
	for b := 0; b < cmds; b++ {
		args := []any{"rpush", "burst"}
		for i := 0; i < per; i++ {
			args = append(args, "element:"+strconv.Itoa(b*per+i))
		}
		pipe.Do(ctx(), args...)
	}
	if _, err := pipe.Exec(ctx()); err != nil {
		t.Fatal(err)
	}
	mustAA(t, d.c[1], "aa", "resume", "1")
	for r := 1; r < 3; r++ {
		waitFor(t, fmt.Sprintf("region %d holds the whole list", r+1), func() bool {
			n, err := d.c[r].LLen(ctx(), "burst").Result()
			return err == nil && n == cmds*per
		})
	}
}
