package config

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestDefaults(t *testing.T) {
	s := New()
	cases := map[string]string{
		"bind":                              "* -::*",
		"port":                              "6379",
		"databases":                         "16",
		"maxclients":                        "10000",
		"maxmemory":                         "0",
		"maxmemory-policy":                  "noeviction",
		"maxmemory-samples":                 "5",
		"maxmemory-clients":                 "0",
		"timeout":                           "0",
		"tcp-keepalive":                     "300",
		"tcp-backlog":                       "511",
		"loglevel":                          "notice",
		"logfile":                           "",
		"dbfilename":                        "dump.rdb",
		"appendonly":                        "no",
		"appendfsync":                       "everysec",
		"appendfilename":                    "appendonly.aof",
		"appenddirname":                     "appendonlydir",
		"save":                              "3600 1 300 100 60 10000",
		"requirepass":                       "",
		"protected-mode":                    "yes",
		"proto-max-bulk-len":                "536870912",
		"client-query-buffer-limit":         "1073741824",
		"hz":                                "10",
		"dynamic-hz":                        "yes",
		"lazyfree-lazy-eviction":            "no",
		"lazyfree-lazy-expire":              "no",
		"lazyfree-lazy-server-del":          "no",
		"lazyfree-lazy-user-del":            "no",
		"lazyfree-lazy-user-flush":          "no",
		"activedefrag":                      "no",
		"active-expire-effort":              "1",
		"hash-max-listpack-entries":         "512",
		"hash-max-ziplist-entries":          "512",
		"hash-max-listpack-value":           "64",
		"set-max-intset-entries":            "512",
		"set-max-listpack-entries":          "128",
		"set-max-listpack-value":            "64",
		"zset-max-listpack-entries":         "128",
		"zset-max-listpack-value":           "64",
		"list-max-listpack-size":            "-2",
		"list-compress-depth":               "0",
		"stream-node-max-bytes":             "4096",
		"stream-node-max-entries":           "100",
		"hll-sparse-max-bytes":              "3000",
		"slowlog-log-slower-than":           "10000",
		"slowlog-max-len":                   "128",
		"latency-tracking":                  "yes",
		"latency-monitor-threshold":         "0",
		"notify-keyspace-events":            "",
		"io-threads":                        "1",
		"cluster-enabled":                   "no",
		"daemonize":                         "no",
		"supervised":                        "no",
		"pidfile":                           "",
		"unixsocket":                        "",
		"unixsocketperm":                    "0",
		"busy-reply-threshold":              "5000",
		"lua-time-limit":                    "5000",
		"replicaof":                         "",
		"slaveof":                           "",
		"repl-backlog-size":                 "1048576",
		"client-output-buffer-limit":        "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
		"oom-score-adj-values":              "0 200 800",
		"latency-tracking-info-percentiles": "50 99 99.9",
		"enable-protected-configs":          "no",
		"shards":                            "0",
	}
	for name, want := range cases {
		got, ok := s.Get(name)
		if !ok || got != want {
			t.Errorf("Get(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if v, _ := s.Get("dir"); v == "" {
		t.Error("dir default should be the working directory")
	}
	if got, ok := s.Get("MaxMemory-Policy"); !ok || got != "noeviction" {
		t.Errorf("case-insensitive Get: %q %v", got, ok)
	}
	if _, ok := s.Get("nosuch"); ok {
		t.Error("Get(nosuch) found something")
	}
	if n := s.Int("proto-max-bulk-len"); n != 536870912 {
		t.Errorf("Int(proto-max-bulk-len) = %d", n)
	}
	if n := s.Int("list-max-ziplist-size"); n != -2 {
		t.Errorf("Int(list-max-ziplist-size) = %d", n)
	}
	if n := s.Int("nosuch"); n != 0 {
		t.Errorf("Int(nosuch) = %d", n)
	}
	if n := s.Int("loglevel"); n != 0 {
		t.Errorf("Int(loglevel) = %d", n)
	}
	if !s.Bool("protected-mode") || s.Bool("appendonly") || s.Bool("nosuch") {
		t.Error("Bool defaults wrong")
	}
	// Every default must be a value the parameter itself accepts (except
	// "dir", filled in by New, and "replicaof", whose "" is written "no one").
	for _, p := range table {
		if p.name == "dir" || p.name == "replicaof" {
			continue
		}
		if v, err := p.norm(p, p.def, p.def); err != nil || v != p.def {
			t.Errorf("%s: default %q normalizes to %q, %v", p.name, p.def, v, err)
		}
	}
}

func TestNamesAndLookup(t *testing.T) {
	s := New()
	names := s.Names()
	if len(names) != len(table) {
		t.Fatalf("Names: %d names for %d parameters", len(names), len(table))
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Fatalf("Names not sorted/unique at %q, %q", names[i-1], names[i])
		}
	}
	for _, n := range names {
		if n != strings.ToLower(n) {
			t.Errorf("name %q not lower case", n)
		}
		if n == "hash-max-ziplist-entries" {
			t.Error("Names lists an alias")
		}
	}
	p, ok := Lookup("HASH-MAX-ZIPLIST-ENTRIES")
	if !ok || p.Name != "hash-max-listpack-entries" || p.Alias != "hash-max-ziplist-entries" || p.Kind != KindInt || !p.Mutable {
		t.Errorf("Lookup alias: %+v %v", p, ok)
	}
	if p, _ := Lookup("requirepass"); !p.Sensitive {
		t.Error("requirepass should be sensitive")
	}
	if p, _ := Lookup("maxmemory-policy"); p.Kind != KindEnum || len(p.Enum) != 8 {
		t.Errorf("maxmemory-policy: %+v", p)
	}
	for _, n := range []string{"databases", "daemonize", "port", "bind", "shards", "io-threads", "cluster-enabled", "supervised", "pidfile", "unixsocket", "logfile"} {
		if p, ok := Lookup(n); !ok || p.Mutable {
			t.Errorf("%s should be immutable", n)
		}
	}
}

func TestMatch(t *testing.T) {
	s := New()
	keys := func(pairs [][2]string) []string {
		var out []string
		for _, p := range pairs {
			out = append(out, p[0])
		}
		return out
	}
	cases := []struct {
		pats []string
		want []string
	}{
		{[]string{"maxmemory*"}, []string{"maxmemory", "maxmemory-clients", "maxmemory-eviction-tenacity", "maxmemory-policy", "maxmemory-samples"}},
		{[]string{"*max-*-entries*"}, []string{"hash-max-listpack-entries", "hash-max-ziplist-entries", "set-max-intset-entries",
			"set-max-listpack-entries", "zset-max-listpack-entries", "zset-max-ziplist-entries"}},
		{[]string{"MAXMEMORY"}, []string{"MAXMEMORY"}}, // exact name comes back as typed
		{[]string{"hash-max-ziplist-entries"}, []string{"hash-max-ziplist-entries"}},
		{[]string{"port", "maxmemory", "PORT"}, []string{"port", "maxmemory"}},
		{[]string{"maxmemory", "maxmemory*"}, []string{"maxmemory", "maxmemory-clients", "maxmemory-eviction-tenacity", "maxmemory-policy", "maxmemory-samples"}},
		{[]string{"MaxMemory-P*"}, []string{"maxmemory-policy"}},
		{[]string{"nosuch"}, nil},
		{[]string{"nosuch*"}, nil},
		{[]string{`max\memory`}, nil}, // no glob character: an exact lookup of that text
		{[]string{"p?rt"}, []string{"port"}},
		{[]string{"[bd]a*"}, []string{"daemonize", "databases"}},
		{[]string{"slave*"}, []string{"slave-announce-ip", "slave-announce-port", "slave-ignore-maxmemory", "slave-lazy-flush",
			"slave-priority", "slave-read-only", "slave-serve-stale-data", "slaveof"}},
	}
	for _, c := range cases {
		if got := keys(s.Match(c.pats...)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Match(%q) = %q, want %q", c.pats, got, c.want)
		}
	}
	all := s.Match("*")
	if len(all) != len(entries) {
		t.Errorf("Match(*) returned %d entries, want %d (names and aliases)", len(all), len(entries))
	}
	got := s.Match("maxmemory-policy", "hz")
	if want := [][2]string{{"maxmemory-policy", "noeviction"}, {"hz", "10"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Match values: %q", got)
	}
}

func TestSetErrors(t *testing.T) {
	const failed = "ERR CONFIG SET failed (possibly related to argument '%s') - %s"
	cases := []struct {
		startup bool
		pairs   [][2]string
		want    string
	}{
		{false, [][2]string{{"nosuch", "1"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"},
		{false, [][2]string{{"NoSuch", "1"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'NoSuch'"},
		{false, [][2]string{{"maxmemory", "lots"}}, fmt.Sprintf(failed, "maxmemory", "argument must be a memory value")},
		{false, [][2]string{{"MAXMEMORY", "1tb"}}, fmt.Sprintf(failed, "maxmemory", "argument must be a memory value")},
		{false, [][2]string{{"maxmemory", "-1"}}, fmt.Sprintf(failed, "maxmemory", "argument must be a memory value")},
		{false, [][2]string{{"appendonly", "maybe"}}, fmt.Sprintf(failed, "appendonly", "argument must be 'yes' or 'no'")},
		{false, [][2]string{{"appendonly", "1"}}, fmt.Sprintf(failed, "appendonly", "argument must be 'yes' or 'no'")},
		{false, [][2]string{{"maxmemory-policy", "lru"}}, fmt.Sprintf(failed, "maxmemory-policy",
			"argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")},
		{false, [][2]string{{"loglevel", "loud"}}, fmt.Sprintf(failed, "loglevel", "argument(s) must be one of the following: debug, verbose, notice, warning, nothing")},
		{false, [][2]string{{"appendfsync", "sometimes"}}, fmt.Sprintf(failed, "appendfsync", "argument(s) must be one of the following: everysec, always, no")},
		{false, [][2]string{{"hz", "fast"}}, fmt.Sprintf(failed, "hz", "argument couldn't be parsed into an integer")},
		{false, [][2]string{{"hz", "+5"}}, fmt.Sprintf(failed, "hz", "argument couldn't be parsed into an integer")},
		{false, [][2]string{{"hz", "05"}}, fmt.Sprintf(failed, "hz", "argument couldn't be parsed into an integer")},
		{false, [][2]string{{"hz", "1k"}}, fmt.Sprintf(failed, "hz", "argument couldn't be parsed into an integer")},
		{false, [][2]string{{"hz", "-1"}}, fmt.Sprintf(failed, "hz", "argument must be between 0 and 2147483647 inclusive")},
		{false, [][2]string{{"port", "6380"}}, fmt.Sprintf(failed, "port", "can't set immutable config")},
		{false, [][2]string{{"databases", "32"}}, fmt.Sprintf(failed, "databases", "can't set immutable config")},
		{false, [][2]string{{"Databases", "x"}}, fmt.Sprintf(failed, "Databases", "can't set immutable config")},
		{false, [][2]string{{"daemonize", "yes"}}, fmt.Sprintf(failed, "daemonize", "can't set immutable config")},
		{false, [][2]string{{"shards", "4"}}, fmt.Sprintf(failed, "shards", "can't set immutable config")},
		{false, [][2]string{{"maxmemory", "1"}, {"maxmemory", "2"}}, fmt.Sprintf(failed, "maxmemory", "duplicate parameter")},
		{false, [][2]string{{"maxmemory", "1"}, {"MAXMEMORY", "2"}}, fmt.Sprintf(failed, "MAXMEMORY", "duplicate parameter")},
		{false, [][2]string{{"hash-max-listpack-entries", "1"}, {"hash-max-ziplist-entries", "2"}}, fmt.Sprintf(failed, "hash-max-ziplist-entries", "duplicate parameter")},
		// The first bad name, in argument order, wins.
		{false, [][2]string{{"maxmemory", "1"}, {"nosuch", "2"}, {"port", "1"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"},
		{false, [][2]string{{"port", "1"}, {"nosuch", "2"}}, fmt.Sprintf(failed, "port", "can't set immutable config")},
		{false, [][2]string{{"maxmemory", "x"}, {"nosuch", "2"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"},
		// Names in value errors are the registered ones, alias included.
		{false, [][2]string{{"HASH-MAX-ZIPLIST-ENTRIES", "x"}}, fmt.Sprintf(failed, "hash-max-ziplist-entries", "argument couldn't be parsed into an integer")},
		{false, [][2]string{{"Hash-Max-Listpack-Entries", "-1"}}, fmt.Sprintf(failed, "hash-max-listpack-entries", "argument must be between 0 and 9223372036854775807 inclusive")},
		{false, [][2]string{{"maxclients", "0"}}, fmt.Sprintf(failed, "maxclients", "argument must be between 1 and 4294967295 inclusive")},
		{false, [][2]string{{"maxclients", "-1"}}, fmt.Sprintf(failed, "maxclients", "argument must be between 1 and 4294967295 inclusive")},
		{false, [][2]string{{"slowlog-max-len", "-1"}}, fmt.Sprintf(failed, "slowlog-max-len", "argument must be between 0 and 9223372036854775807 inclusive")},
		{false, [][2]string{{"slowlog-log-slower-than", "-2"}}, fmt.Sprintf(failed, "slowlog-log-slower-than", "argument must be between -1 and 9223372036854775807 inclusive")},
		{false, [][2]string{{"active-expire-effort", "11"}}, fmt.Sprintf(failed, "active-expire-effort", "argument must be between 1 and 10 inclusive")},
		{false, [][2]string{{"proto-max-bulk-len", "1k"}}, fmt.Sprintf(failed, "proto-max-bulk-len", "argument must be between 1048576 and 9223372036854775807 inclusive")},
		{false, [][2]string{{"maxmemory-clients", "101%"}}, fmt.Sprintf(failed, "maxmemory-clients", "percentage argument must be less or equal to 100")},
		{false, [][2]string{{"maxmemory-clients", "ten"}}, fmt.Sprintf(failed, "maxmemory-clients", "argument must be a memory or percent value")},
		{false, [][2]string{{"save", "100"}}, fmt.Sprintf(failed, "save", "Invalid save parameters")},
		{false, [][2]string{{"save", "0 1"}}, fmt.Sprintf(failed, "save", "Invalid save parameters")},
		{false, [][2]string{{"save", "100 -1"}}, fmt.Sprintf(failed, "save", "Invalid save parameters")},
		{false, [][2]string{{"save", "100 1x"}}, fmt.Sprintf(failed, "save", "Invalid save parameters")},
		{false, [][2]string{{"notify-keyspace-events", "KQ"}}, fmt.Sprintf(failed, "notify-keyspace-events", "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")},
		{false, [][2]string{{"dir", "/tmp"}}, fmt.Sprintf(failed, "dir", "can't set protected config")},
		{false, [][2]string{{"dbfilename", "x.rdb"}}, fmt.Sprintf(failed, "dbfilename", "can't set protected config")},
		{false, [][2]string{{"client-output-buffer-limit", "master 1 1 1"}}, fmt.Sprintf(failed, "client-output-buffer-limit", "Invalid client class specified in buffer limit configuration.")},
		{false, [][2]string{{"client-output-buffer-limit", "normal 1 1"}}, fmt.Sprintf(failed, "client-output-buffer-limit", "Wrong number of arguments in buffer limit configuration.")},
		{false, [][2]string{{"client-output-buffer-limit", "normal 1x 1 1"}}, fmt.Sprintf(failed, "client-output-buffer-limit", "Error in hard, soft or soft_seconds setting in buffer limit configuration.")},
		{false, [][2]string{{"client-output-buffer-limit", "normal 1 1 -1"}}, fmt.Sprintf(failed, "client-output-buffer-limit", "Error in hard, soft or soft_seconds setting in buffer limit configuration.")},
		{false, [][2]string{{"oom-score-adj-values", "0 200"}}, fmt.Sprintf(failed, "oom-score-adj-values", "wrong number of arguments")},
		{false, [][2]string{{"oom-score-adj-values", "0 200 3000"}}, fmt.Sprintf(failed, "oom-score-adj-values", "Invalid oom-score-adj-values, elements must be between -2000 and 2000.")},
		{false, [][2]string{{"latency-tracking-info-percentiles", "50 abc"}}, fmt.Sprintf(failed, "latency-tracking-info-percentiles", "Invalid latency-tracking-info-percentiles parameters")},
		{false, [][2]string{{"latency-tracking-info-percentiles", "101"}}, fmt.Sprintf(failed, "latency-tracking-info-percentiles", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")},
		// At startup immutable and protected parameters pass, values are still checked.
		{true, [][2]string{{"port", "70000"}}, fmt.Sprintf(failed, "port", "argument must be between 0 and 65535 inclusive")},
		{true, [][2]string{{"databases", "0"}}, fmt.Sprintf(failed, "databases", "argument must be between 1 and 2147483647 inclusive")},
		{true, [][2]string{{"dbfilename", "a/b.rdb"}}, fmt.Sprintf(failed, "dbfilename", "dbfilename can't be a path, just a filename")},
		{true, [][2]string{{"appendfilename", ""}}, fmt.Sprintf(failed, "appendfilename", "appendfilename can't be empty")},
		{true, [][2]string{{"appendfilename", `x\y`}}, fmt.Sprintf(failed, "appendfilename", "appendfilename can't be a path, just a filename")},
		{true, [][2]string{{"appenddirname", "a/b"}}, fmt.Sprintf(failed, "appenddirname", "appenddirname can't be a path, just a dirname")},
		{true, [][2]string{{"unixsocketperm", "800"}}, fmt.Sprintf(failed, "unixsocketperm", "argument couldn't be parsed as an octal number")},
		{true, [][2]string{{"unixsocketperm", "1777"}}, fmt.Sprintf(failed, "unixsocketperm", "argument must be between 0 and 777 inclusive")},
		{true, [][2]string{{"replicaof", "host"}}, fmt.Sprintf(failed, "replicaof", "wrong number of arguments")},
		{true, [][2]string{{"slaveof", "host 99999"}}, fmt.Sprintf(failed, "slaveof", "Invalid master port")},
		{true, [][2]string{{"bind", strings.TrimSpace(strings.Repeat("1.2.3.4 ", 17))}}, fmt.Sprintf(failed, "bind", "Too many bind addresses specified.")},
		{true, [][2]string{{"dir", ""}}, fmt.Sprintf(failed, "dir", "No such file or directory")},
		{true, [][2]string{{"shards", "5000"}}, fmt.Sprintf(failed, "shards", "argument must be between 0 and 1024 inclusive")},
		{true, [][2]string{{"nosuch", "1"}}, "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"},
	}
	for _, c := range cases {
		s := New()
		before := s.Match("*")
		err := s.Set(c.startup, c.pairs...)
		if err == nil || err.Error() != c.want {
			t.Errorf("Set(%v, %q):\n got  %v\n want %s", c.startup, c.pairs, err, c.want)
		}
		if after := s.Match("*"); !reflect.DeepEqual(before, after) {
			t.Errorf("Set(%v, %q) failed but changed values", c.startup, c.pairs)
		}
	}
}

func TestSetValues(t *testing.T) {
	cases := []struct {
		startup     bool
		name, value string
		want        string
	}{
		{false, "maxmemory", "100mb", "104857600"},
		{false, "maxmemory", "18446744073709551615", "18446744073709551615"},
		{false, "maxmemory-policy", "ALLKEYS-LRU", "allkeys-lru"},
		{false, "appendonly", "YES", "yes"},
		{false, "loglevel", "Nothing", "nothing"},
		{false, "hz", "1000", "500"}, // Redis clamps hz to 1..500
		{false, "hz", "0", "1"},
		{false, "maxmemory-clients", "10%", "10%"},
		{false, "maxmemory-clients", "1mb", "1048576"},
		{false, "list-max-ziplist-size", "-5", "-5"},
		{false, "lua-time-limit", "100", "100"},
		{false, "save", "", ""},
		{false, "save", "900 1 300 10", "900 1 300 10"},
		{false, "save", "0900 +1", "900 1"}, // strtoll is lenient, the print is not
		{false, "notify-keyspace-events", "KEA", "AKE"},
		{false, "notify-keyspace-events", "Ex", "xE"},
		{false, "notify-keyspace-events", "g$lshzxetd", "A"},
		{false, "notify-keyspace-events", "An", "A"}, // as Redis: 'n' is lost next to 'A'
		{false, "notify-keyspace-events", "nmK", "nKm"},
		{false, "client-output-buffer-limit", "pubsub 1mb 2mb 30", "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2097152 30"},
		{false, "client-output-buffer-limit", "replica 1 2 3 Normal 4 5 6", "normal 4 5 6 slave 1 2 3 pubsub 33554432 8388608 60"},
		{false, "oom-score-adj-values", "-100 0 +100", "-100 0 100"},
		{false, "oom-score-adj", "relative", "yes"},
		{false, "latency-tracking-info-percentiles", "50.0 99.90 100", "50 99.9 100"},
		{false, "latency-tracking-info-percentiles", "", ""},
		{true, "bind", "127.0.0.1 ::1", "127.0.0.1 ::1"},
		{true, "bind", "", ""},
		{true, "replicaof", "10.0.0.1 6380", "10.0.0.1 6380"},
		{true, "replicaof", "NO ONE", ""},
		{true, "unixsocketperm", "700", "700"},
		{true, "port", "0", "0"},
		{true, "shards", "8", "8"},
		{true, "dir", "/var/lib/redis", "/var/lib/redis"},
		{true, "requirepass", "s3cret", "s3cret"},
	}
	for _, c := range cases {
		s := New()
		if err := s.Set(c.startup, [2]string{c.name, c.value}); err != nil {
			t.Errorf("Set(%q, %q): %v", c.name, c.value, err)
			continue
		}
		if got, _ := s.Get(c.name); got != c.want {
			t.Errorf("Set(%q, %q): Get = %q, want %q", c.name, c.value, got, c.want)
		}
	}
}

func TestMemoryUnits(t *testing.T) {
	cases := []struct {
		in   string
		want string // "" means refused
	}{
		{"0", "0"}, {"1", "1"}, {"1b", "1"}, {"1B", "1"},
		{"1k", "1000"}, {"1K", "1000"}, {"1kb", "1024"}, {"1KB", "1024"}, {"1kB", "1024"},
		{"1m", "1000000"}, {"1mb", "1048576"}, {"1MB", "1048576"},
		{"1g", "1000000000"}, {"1gb", "1073741824"}, {"1GB", "1073741824"}, {"1Gb", "1073741824"}, {"1gB", "1073741824"},
		{"5GB", "5368709120"}, {"100mb", "104857600"}, {"0100", "100"},
		{"1 kb", ""}, {"1.5gb", ""}, {"-1", ""}, {"1tb", ""}, {"kb1", ""}, {" 1", ""}, {"1kbb", ""},
		{"18446744073709551615", "18446744073709551615"},
		{"18446744073709551615kb", ""},                   // overflows once scaled
		{"99999999999999999999", "18446744073709551615"}, // Redis keeps strtoull's saturation
		{"", "0"}, {"mb", "0"}, // and glibc's "no digits is 0"
	}
	for _, c := range cases {
		s := New()
		err := s.Set(false, [2]string{"maxmemory", c.in})
		got, _ := s.Get("maxmemory")
		switch {
		case c.want == "" && err == nil:
			t.Errorf("maxmemory %q accepted as %q", c.in, got)
		case c.want != "" && err != nil:
			t.Errorf("maxmemory %q: %v", c.in, err)
		case c.want != "" && got != c.want:
			t.Errorf("maxmemory %q = %q, want %q", c.in, got, c.want)
		}
	}
	s := New()
	if err := s.Set(false, [2]string{"maxmemory", "2gb"}); err != nil {
		t.Fatal(err)
	}
	if n := s.Int("maxmemory"); n != 2<<30 {
		t.Errorf("Int(maxmemory) = %d", n)
	}
	s.Set(false, [2]string{"maxmemory", "18446744073709551615"})
	if n := s.Int("maxmemory"); n != 1<<63-1 {
		t.Errorf("Int(maxmemory) should saturate, got %d", n)
	}
	s.Set(false, [2]string{"maxmemory-clients", "10%"})
	if n := s.Int("maxmemory-clients"); n != -10 {
		t.Errorf("Int(maxmemory-clients) = %d, want -10", n)
	}
}

func TestSetAtomic(t *testing.T) {
	s := New()
	var calls []string
	s.OnChange(func(name, value string) { calls = append(calls, name+"="+value) })
	err := s.Set(false, [2]string{"maxmemory", "100mb"}, [2]string{"maxmemory-policy", "allkeys-lru"}, [2]string{"hz", "abc"})
	if err == nil {
		t.Fatal("expected an error")
	}
	if v, _ := s.Get("maxmemory"); v != "0" {
		t.Errorf("maxmemory changed to %q by a failed Set", v)
	}
	if v, _ := s.Get("maxmemory-policy"); v != "noeviction" {
		t.Errorf("maxmemory-policy changed to %q by a failed Set", v)
	}
	if len(calls) != 0 {
		t.Errorf("callbacks ran for a failed Set: %q", calls)
	}
	if err := s.Set(false, [2]string{"maxmemory", "100mb"}, [2]string{"MAXMEMORY-POLICY", "allkeys-lru"}, [2]string{"hz", "10"}); err != nil {
		t.Fatal(err)
	}
	// hz was already 10: no callback for it.
	if want := []string{"maxmemory=104857600", "maxmemory-policy=allkeys-lru"}; !reflect.DeepEqual(calls, want) {
		t.Errorf("callbacks: %q, want %q", calls, want)
	}
}

func TestOnChange(t *testing.T) {
	s := New()
	var got [][2]string
	s.OnChange(func(name, value string) {
		v, _ := s.Get(name) // the lock is not held during callbacks
		if v != value {
			t.Errorf("callback sees %q, store has %q", value, v)
		}
		got = append(got, [2]string{name, value})
	})
	n := 0
	s.OnChange(func(string, string) { n++ })
	s.Set(false, [2]string{"slave-read-only", "no"})
	s.Set(false, [2]string{"proto-max-bulk-len", "2mb"})
	s.Set(false, [2]string{"proto-max-bulk-len", "2097152"}) // unchanged
	want := [][2]string{{"replica-read-only", "no"}, {"proto-max-bulk-len", "2097152"}}
	if !reflect.DeepEqual(got, want) || n != 2 {
		t.Errorf("OnChange got %q (%d calls), want %q", got, n, want)
	}
}

func TestStartupSet(t *testing.T) {
	s := New()
	err := s.Set(true,
		[2]string{"port", "7000"},
		[2]string{"save", "900 1"},
		[2]string{"save", "300 10"},
		[2]string{"maxmemory", "1mb"},
		[2]string{"maxmemory", "2mb"}, // repeated names: the last wins
		[2]string{"client-output-buffer-limit", "normal 1 2 3"},
		[2]string{"client-output-buffer-limit", "pubsub 4 5 6"},
	)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"port":                       "7000",
		"save":                       "900 1 300 10",
		"maxmemory":                  "2097152",
		"client-output-buffer-limit": "normal 1 2 3 slave 268435456 67108864 60 pubsub 4 5 6",
	} {
		if got, _ := s.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// A later startup batch replaces the save points; save "" clears them.
	s.Set(true, [2]string{"save", "60 1000"})
	if got, _ := s.Get("save"); got != "60 1000" {
		t.Errorf("save = %q", got)
	}
	s.Set(true, [2]string{"save", "1 1"}, [2]string{"save", ""}, [2]string{"save", "5 5"})
	if got, _ := s.Get("save"); got != "5 5" {
		t.Errorf("save = %q", got)
	}
	// At run time, save replaces.
	s.Set(false, [2]string{"save", "10 10"})
	if got, _ := s.Get("save"); got != "10 10" {
		t.Errorf("save = %q", got)
	}
	if err := s.Set(false); err != nil {
		t.Errorf("empty Set: %v", err)
	}
}

func TestProtected(t *testing.T) {
	s := New()
	if err := s.SetWith(SetOptions{Local: true}, [2]string{"dir", "/tmp"}); err == nil {
		t.Error("dir set while enable-protected-configs is no")
	}
	s.Set(true, [2]string{"enable-protected-configs", "local"})
	if err := s.Set(false, [2]string{"dir", "/tmp"}); err == nil {
		t.Error("dir set by a remote client with enable-protected-configs local")
	}
	if err := s.SetWith(SetOptions{Local: true}, [2]string{"dir", "/tmp"}); err != nil {
		t.Errorf("local client: %v", err)
	}
	s.Set(true, [2]string{"enable-protected-configs", "YES"})
	if err := s.Set(false, [2]string{"dbfilename", "x.rdb"}); err != nil {
		t.Errorf("enable-protected-configs yes: %v", err)
	}
	if v, _ := s.Get("dbfilename"); v != "x.rdb" {
		t.Errorf("dbfilename = %q", v)
	}
}

// Run with -race: readers and writers at once.
func TestConcurrent(t *testing.T) {
	s := New()
	s.OnChange(func(name, value string) { s.Get(name) })
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				if g%2 == 0 {
					s.Set(false, [2]string{"maxmemory", fmt.Sprint(i)}, [2]string{"hz", fmt.Sprint(1 + i%100)})
				} else {
					s.Int("maxmemory")
					s.Match("max*")
					s.Bool("appendonly")
				}
			}
		}(g)
	}
	wg.Wait()
}
