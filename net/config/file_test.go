package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sampleConf = `# Redis configuration file example.
#
# Note on units: when memory size is needed, it is possible to specify
# it in the usual form of 1k 5GB 4M and so forth.

bind 127.0.0.1 -::1
protected-mode yes
port 6380
   
tcp-backlog 511
timeout 0
tcp-keepalive 300
daemonize no
pidfile /var/run/redis_6379.pid
loglevel notice
logfile ""
databases 16
save 3600 1 300 100
save 60 10000
dbfilename "dump.rdb"
dir /var/lib/redis
requirepass 'p@ss word'
MaxMemory 2GB
maxmemory-policy ALLKEYS-LRU
appendonly yes
appendfilename "appendonly.aof"
appendfsync everysec
notify-keyspace-events "Ex"
hash-max-ziplist-entries 128
hash-max-listpack-value 64
list-max-ziplist-entries 512
client-output-buffer-limit replica 256mb 64mb 60
client-output-buffer-limit pubsub 32mb 8mb 60
slaveof 10.0.0.1 6379
	shards 4	
lua-time-limit 5000
`

func TestParseFile(t *testing.T) {
	pairs, err := ParseFile(strings.ReplaceAll(sampleConf, "daemonize no", "daemonize no\r"))
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{
		{"bind", "127.0.0.1 -::1"}, {"protected-mode", "yes"}, {"port", "6380"}, {"tcp-backlog", "511"},
		{"timeout", "0"}, {"tcp-keepalive", "300"}, {"daemonize", "no"}, {"pidfile", "/var/run/redis_6379.pid"},
		{"loglevel", "notice"}, {"logfile", ""}, {"databases", "16"}, {"save", "3600 1 300 100"}, {"save", "60 10000"},
		{"dbfilename", "dump.rdb"}, {"dir", "/var/lib/redis"}, {"requirepass", "p@ss word"}, {"maxmemory", "2GB"},
		{"maxmemory-policy", "ALLKEYS-LRU"}, {"appendonly", "yes"}, {"appendfilename", "appendonly.aof"},
		{"appendfsync", "everysec"}, {"notify-keyspace-events", "Ex"}, {"hash-max-ziplist-entries", "128"},
		{"hash-max-listpack-value", "64"},
		{"client-output-buffer-limit", "replica 256mb 64mb 60"}, {"client-output-buffer-limit", "pubsub 32mb 8mb 60"},
		{"slaveof", "10.0.0.1 6379"}, {"shards", "4"}, {"lua-time-limit", "5000"},
	}
	if !reflect.DeepEqual(pairs, want) {
		t.Fatalf("ParseFile:\n got  %q\n want %q", pairs, want)
	}
	s := New()
	if err := s.Set(true, pairs...); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{
		"bind":                       "127.0.0.1 -::1",
		"port":                       "6380",
		"save":                       "3600 1 300 100 60 10000",
		"dir":                        "/var/lib/redis",
		"requirepass":                "p@ss word",
		"maxmemory":                  "2147483648",
		"maxmemory-policy":           "allkeys-lru",
		"appendonly":                 "yes",
		"notify-keyspace-events":     "xE",
		"hash-max-listpack-entries":  "128",
		"client-output-buffer-limit": "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
		"replicaof":                  "10.0.0.1 6379",
		"shards":                     "4",
		"busy-reply-threshold":       "5000",
		"pidfile":                    "/var/run/redis_6379.pid",
	} {
		if got, _ := s.Get(name); got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if s.Int("shards") != 4 || !s.Bool("appendonly") {
		t.Error("typed accessors after load")
	}
}

func TestParseFileErrors(t *testing.T) {
	banner := "*** FATAL CONFIG FILE ERROR (Redis 7.0.0) ***\nReading the configuration file, at line "
	cases := []struct{ text, want string }{
		{"port 6379\nnosuch foo\n", banner + "2\n>>> 'nosuch foo'\nBad directive or wrong number of arguments"},
		{"  NoSuch   foo  \n", banner + "1\n>>> 'NoSuch   foo'\nBad directive or wrong number of arguments"},
		{"# c\n\nport 6379 # comment\n", banner + "3\n>>> 'port 6379 # comment'\nwrong number of arguments"},
		{"port\n", banner + "1\n>>> 'port'\nwrong number of arguments"},
		{"requirepass \"abc\n", banner + "1\n>>> 'requirepass \"abc'\nUnbalanced quotes in configuration line"},
		{"requirepass \"abc\"def\n", banner + "1\n>>> 'requirepass \"abc\"def'\nUnbalanced quotes in configuration line"},
		{"maxmemory lots\n", banner + "1\n>>> 'maxmemory lots'\nargument must be a memory value"},
		{"appendonly maybe", banner + "1\n>>> 'appendonly maybe'\nargument must be 'yes' or 'no'"},
		{"maxmemory-policy lru", banner + "1\n>>> 'maxmemory-policy lru'\nargument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
		{"save 3600", banner + "1\n>>> 'save 3600'\nInvalid save parameters"},
		{"include /etc/redis/other.conf", banner + "1\n>>> 'include /etc/redis/other.conf'\ninclude directive is not supported by Meridian"},
		{"rename-command FLUSHALL \"\"", banner + "1\n>>> 'rename-command FLUSHALL \"\"'\nrename-command directive is not supported by Meridian"},
		{"rename-command FLUSHALL", banner + "1\n>>> 'rename-command FLUSHALL'\nBad directive or wrong number of arguments"},
		{"user default on nopass ~* +@all", banner + "1\n>>> 'user default on nopass ~* +@all'\nuser directive is not supported by Meridian"},
		{"list-max-ziplist-entries 1 2", banner + "1\n>>> 'list-max-ziplist-entries 1 2'\nBad directive or wrong number of arguments"},
	}
	for _, c := range cases {
		_, err := ParseFile(c.text)
		if err == nil || err.Error() != c.want {
			t.Errorf("ParseFile(%q):\n got  %v\n want %s", c.text, err, c.want)
		}
	}
	_, err := ParseFile("a\nb\nport x")
	fe, ok := err.(*FileError)
	if !ok || fe.Line != 1 || fe.Text != "a" {
		t.Errorf("FileError fields: %#v", err)
	}
}

func TestSplitArgs(t *testing.T) {
	cases := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true},
		{"   ", nil, true},
		{"a b  c", []string{"a", "b", "c"}, true},
		{"a\tb", []string{"a", "b"}, true},
		{`"a b" 'c d'`, []string{"a b", "c d"}, true},
		{`"\x41\x4a\n\t\r\b\a\\\"z"`, []string{"AJ\n\t\r\b\a\\\"z"}, true},
		{`"\x4g"`, []string{"x4g"}, true}, // not a hex escape: "\x" is just x
		{`'it\'s' 'a\b'`, []string{"it's", `a\b`}, true},
		{`foo"bar"`, []string{"foobar"}, true},
		{`""`, []string{""}, true},
		{`"" ''`, []string{"", ""}, true},
		{`"abc`, nil, false},
		{`'abc`, nil, false},
		{`"abc"d`, nil, false},
		{`'abc'd`, nil, false},
		{"a\x00b c", []string{"a"}, true},
	}
	for _, c := range cases {
		got, ok := splitArgs(c.in)
		if ok != c.ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("splitArgs(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestParseArgs(t *testing.T) {
	cases := []struct {
		args []string
		want [][2]string
	}{
		{[]string{"--port", "7777", "--appendonly", "yes"}, [][2]string{{"port", "7777"}, {"appendonly", "yes"}}},
		{[]string{"--save", "900", "1", "--save", "300", "10"}, [][2]string{{"save", "900 1"}, {"save", "300 10"}}},
		{[]string{"--save", "--port", "1"}, [][2]string{{"save", ""}, {"port", "1"}}},
		{[]string{"--port", "1", "--save"}, [][2]string{{"port", "1"}, {"save", ""}}},
		{[]string{"--requirepass", "a b\"c"}, [][2]string{{"requirepass", "a b\"c"}}},
		{[]string{"--requirepass", "--weird"}, [][2]string{{"requirepass", "--weird"}}},
		{[]string{"--port 7777"}, [][2]string{{"port", "7777"}}},
		{nil, nil},
	}
	for _, c := range cases {
		got, err := ParseArgs(c.args)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseArgs(%q) = %q, %v; want %q", c.args, got, err, c.want)
		}
	}
	if _, err := ParseArgs([]string{"--port", "1", "--nosuch", "x"}); err == nil ||
		!strings.Contains(err.Error(), "at line 2\n>>> 'nosuch \"x\"'\nBad directive") {
		t.Errorf("ParseArgs error: %v", err)
	}
	if _, err := ParseArgs([]string{"--maxmemory"}); err == nil || !strings.HasSuffix(err.Error(), "wrong number of arguments") {
		t.Errorf("ParseArgs without value: %v", err)
	}
}

func TestLoadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "redis.conf")
	if err := os.WriteFile(path, []byte(sampleConf), 0o600); err != nil {
		t.Fatal(err)
	}
	pairs, err := LoadFile(path)
	if err != nil || len(pairs) == 0 {
		t.Fatalf("LoadFile: %v, %d pairs", err, len(pairs))
	}
	_, err = LoadFile(filepath.Join(t.TempDir(), "missing.conf"))
	if err == nil || !strings.HasPrefix(err.Error(), "Fatal error, can't open config file '") ||
		!strings.HasSuffix(err.Error(), "': no such file or directory") {
		t.Errorf("LoadFile(missing): %v", err)
	}
}
