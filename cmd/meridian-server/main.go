// Command meridian-server runs one Meridian region: a Redis-compatible
// server on gnet event loops (one per core) over a sharded CRDT keyspace
// (four shards per loop unless --shards says otherwise).
//
// Usage follows redis-server: an optional config file first (redis.conf
// syntax), then any parameter as --name value [value...]:
//
//	meridian-server [/path/to/meridian.conf] [--port 6379] [--bind 127.0.0.1]
//	                [--databases 16] [--maxclients 10000] [--loglevel notice]
//	                [--shards N]
package main

import (
	"context"
	"fmt"
	"log/slog"
	stdnet "net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/meridiandb/meridian/core"
	mnet "github.com/meridiandb/meridian/net"
	"github.com/meridiandb/meridian/net/config"
	"github.com/meridiandb/meridian/replication"
	"github.com/meridiandb/meridian/shard"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// parseArgs turns the command line into parameter pairs: a leading
// non-flag argument is a config file, the rest are redis-server style
// "--name value..." options, which override the file.
func parseArgs(args []string) (pairs [][2]string, file string, err error) {
	for _, a := range args {
		if a == "-v" || a == "--version" {
			return nil, "", errVersion
		}
	}
	if len(args) > 0 && !strings.HasPrefix(args[0], "--") {
		file = args[0]
		pairs, err = config.LoadFile(file)
		if err != nil {
			return nil, "", err
		}
		if abs, err := filepath.Abs(file); err == nil {
			file = abs
		}
		args = args[1:]
	}
	more, err := config.ParseArgs(args)
	if err != nil {
		return nil, "", err
	}
	return joinRepeated(append(pairs, more...), "aa-peer"), file, nil
}

// joinRepeated merges every occurrence of a repeatable parameter (the file's
// lines and the flags alike) into one space-separated value.
func joinRepeated(pairs [][2]string, name string) [][2]string {
	var vals []string
	out := pairs[:0:0]
	at := -1
	for _, p := range pairs {
		if strings.EqualFold(p[0], name) {
			vals = append(vals, p[1])
			if at < 0 {
				at = len(out)
				out = append(out, p)
			}
			continue
		}
		out = append(out, p)
	}
	if at >= 0 {
		out[at] = [2]string{name, strings.Join(vals, " ")}
	}
	return out
}

var errVersion = fmt.Errorf("meridian-server v=%s (redis %s)", mnet.MeridianVersion, mnet.Version)

func logLevel(s string) slog.Level {
	switch s {
	case "debug", "verbose":
		return slog.LevelDebug
	case "warning":
		return slog.LevelWarn
	case "nothing":
		return slog.LevelError + 4
	}
	return slog.LevelInfo
}

func run(argv []string) error {
	pairs, file, err := parseArgs(argv)
	if err == errVersion {
		fmt.Println(err)
		return nil
	}
	if err != nil {
		return err
	}
	cfg := config.New()
	for _, p := range pairs {
		if err := cfg.Set(true, p); err != nil {
			return fmt.Errorf("cannot start: --%s: %w", p[0], err)
		}
	}
	logLvl := new(slog.LevelVar)
	logLvl.Set(logLevel(mustGet(cfg, "loglevel")))
	cfg.OnChange(func(name, value string) {
		if name == "loglevel" {
			logLvl.Set(logLevel(value))
		}
	})
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: logLvl}))
	slog.SetDefault(log)

	if addr := os.Getenv("MERIDIAN_PPROF"); addr != "" {
		// Profiling for those who ask: go tool pprof http://ADDR/debug/pprof/profile
		go func() { log.Warn("pprof stopped", "err", http.ListenAndServe(addr, nil)) }()
		log.Info("pprof listening", "addr", addr)
	}

	// One event loop per core (event-loops overrides); four shards per
	// loop. Any loop may run a command on any shard, so with one shard per
	// loop two loops asking for the same shard's mutex is a coin toss, and
	// the loser spins while the holder waits on cache misses: with random
	// keys at pipeline depth 64 that spinning cost a third of the
	// throughput (docs/benchmarks/changes.md). Four per loop make it rare;
	// more gained nothing.
	loops := runtime.NumCPU()
	if n := int(cfg.Int("event-loops")); n > 0 {
		loops = n
	}
	shards := int(cfg.Int("shards"))
	if shards <= 0 {
		shards = shardsPerLoop * loops
	}
	scfg := shard.Config{Shards: shards, Databases: int(cfg.Int("databases"))}
	region, err := activeActive(cfg, shards, log)
	if err != nil {
		return fmt.Errorf("cannot start: %w", err)
	}
	if region != nil {
		// The event loops sit in epoll_wait holding their Ps; with no P
		// to spare, the replication goroutines wait for the scheduler's
		// monitor to take one back (up to 10 ms a hop). Two more Ps than
		// loops keep replication lag at the network's.
		if os.Getenv("GOMAXPROCS") == "" && runtime.GOMAXPROCS(0) < loops+2 {
			runtime.GOMAXPROCS(loops + 2)
		}
		scfg.NewSink = region.Sink
		scfg.SeqBase = region.SeqBase()
		scfg.RetainTombstones = true
		scfg.Replica = region.Self().ID
		scfg.OnConflict = region.OnConflict
		scfg.ActsForExpiry = region.ActsForExpiry
	}
	store := shard.New(scfg)
	defer store.Close()

	port := strconv.FormatInt(cfg.Int("port"), 10)
	hosts, optional := bindHosts(mustGet(cfg, "bind"))
	var addrs []string
	for _, h := range hosts {
		addrs = append(addrs, stdnet.JoinHostPort(h, port))
	}
	// The TLS listener for peers is opened before anything serves, so a
	// port in use is a startup error; it serves once the region started.
	var tlsLns []stdnet.Listener
	defer func() {
		for _, ln := range tlsLns {
			ln.Close() // after ServeTLS, already closed by region.Close
		}
	}()
	if tlsPort := cfg.Int("aa-tls-port"); region != nil && tlsPort > 0 {
		for i, h := range hosts {
			ln, err := stdnet.Listen("tcp", stdnet.JoinHostPort(h, strconv.FormatInt(tlsPort, 10)))
			if err != nil && optional[i] {
				log.Warn("cannot listen on an optional bind address for aa-tls-port", "addr", h, "err", err)
				continue
			}
			if err != nil {
				return fmt.Errorf("cannot start: --aa-tls-port: %w", err)
			}
			tlsLns = append(tlsLns, ln)
		}
		if len(tlsLns) == 0 {
			return fmt.Errorf("cannot start: --aa-tls-port: no bind address to listen on")
		}
	}
	opts := mnet.Options{Addrs: addrs, Loops: loops, Store: store, Config: cfg, Logger: log, ConfigFile: file}
	if region != nil {
		opts.Replicator = region
		if cfg.Int("aa-tls-port") > 0 {
			opts.Replicator = tlsOnly{region}
		}
		opts.OnPublish = region.Publish
	}
	srv := mnet.NewServer(opts)
	if region != nil {
		region.SetDeliver(srv.Deliver)
	}
	// SHUTDOWN stops the server as SIGTERM does. Its hook runs on an event
	// loop, which cannot wait for the engine to stop, so it only wakes the
	// select below; the buffer lets it fire before that select is reached.
	shutdownc := make(chan struct{}, 1)
	srv.SetShutdown(func() {
		select {
		case shutdownc <- struct{}{}:
		default:
		}
	})

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve() }()
	select {
	case <-srv.Ready():
	case err := <-errc:
		return err
	}
	select {
	case err := <-errc:
		return err
	default:
	}
	if region != nil {
		region.Start(store)
		defer region.Close()
		for _, ln := range tlsLns {
			if err := region.ServeTLS(ln); err != nil {
				return fmt.Errorf("cannot start: --aa-tls-port: %w", err)
			}
			log.Info("serving peer regions over TLS", "addr", ln.Addr().String())
		}
		log.Info("active-active region started", "database", region.Database(), "region", region.Self().Name,
			"id", region.Self().ID, "peers", len(region.Peers()))
	}
	log.Info("Meridian ready to accept connections", "version", mnet.MeridianVersion, "redis_version", mnet.Version,
		"addr", strings.Join(addrs, ","), "shards", shards, "pid", os.Getpid())

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	select {
	case <-ctx.Done():
		log.Info("signal received, shutting down")
	case <-shutdownc:
		// The command logged "User requested shutdown..." with its client.
	case err := <-errc:
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Stop(sctx); err != nil {
		log.Warn("shutdown", "err", err)
	}
	<-errc
	// Warning, as Redis logs it, so it shows at loglevel warning too.
	log.Warn("Meridian is now ready to exit, bye bye...")
	return nil
}

// bindHosts turns bind's value into the hosts to listen on, and whether
// each is optional ("-" before it: a host without that address starts
// anyway).
func bindHosts(bind string) (hosts []string, optional []bool) {
	for _, h := range strings.Fields(bind) {
		opt := strings.HasPrefix(h, "-")
		h = strings.TrimPrefix(h, "-")
		switch {
		case h == "*":
			h = "0.0.0.0"
		case h == "::*" && opt:
			continue // IPv4 "*" already covers loopback; a dual-stack [::] would clash
		case h == "::*":
			h = "::"
		}
		hosts = append(hosts, h)
		optional = append(optional, opt)
	}
	if len(hosts) == 0 {
		return []string{"0.0.0.0"}, []bool{false}
	}
	return hosts, optional
}

// tlsOnly is the region as the RESP server sees it when aa-tls-port is
// set: AA SYNC on the RESP port is refused, or a peer with the secret but
// no certificate could pull in clear around the TLS listener.
type tlsOnly struct{ *replication.Region }

func (tlsOnly) Sync([][]byte, func([]byte) error, func() int, func()) (func([]byte) error, func(), string) {
	return nil, nil, "ERR AA SYNC refused: this region serves its peers only on its aa-tls-port"
}

// shardsPerLoop is the default number of shards per event loop (see run).
const shardsPerLoop = 4

func mustGet(cfg *config.Store, name string) string {
	v, _ := cfg.Get(name)
	return v
}

// activeActive builds the replication of a region from the aa-*
// parameters, or returns nil when aa-database is not set.
func activeActive(cfg *config.Store, shards int, log *slog.Logger) (*replication.Region, error) {
	db := mustGet(cfg, "aa-database")
	tlsPort := cfg.Int("aa-tls-port")
	certFile, keyFile, caFile := mustGet(cfg, "aa-tls-cert-file"), mustGet(cfg, "aa-tls-key-file"), mustGet(cfg, "aa-tls-ca-cert-file")
	if err := config.CheckAATLS(tlsPort, certFile, keyFile, caFile); err != nil {
		return nil, err
	}
	if db == "" {
		if mustGet(cfg, "aa-region") != "" || mustGet(cfg, "aa-peer") != "" {
			return nil, fmt.Errorf("--aa-region and --aa-peer need --aa-database")
		}
		if tlsPort > 0 {
			return nil, fmt.Errorf("--aa-tls-port needs --aa-database")
		}
		return nil, nil
	}
	if tlsPort > 0 && tlsPort == cfg.Int("port") {
		return nil, fmt.Errorf("--aa-tls-port must differ from --port")
	}
	self, err := config.ParseAARegion(mustGet(cfg, "aa-region"))
	if err != nil {
		return nil, fmt.Errorf("--aa-region: %w", err)
	}
	peers, err := config.ParseAAPeers(mustGet(cfg, "aa-peer"))
	if err != nil {
		return nil, fmt.Errorf("--aa-peer: %w", err)
	}
	comp, err := replication.ParseCompression(mustGet(cfg, "aa-compression"))
	if err != nil {
		return nil, fmt.Errorf("--aa-compression: %w", err)
	}
	total, floor := backlogBytes(cfg.Int("aa-backlog"), cfg.Int("maxmemory"), shards)
	rc := replication.Config{Database: db, Secret: mustGet(cfg, "aa-secret"), Compression: comp, Logger: log,
		Self:           replication.Member{ID: core.ReplicaID(self.ID), Name: self.Name},
		PartitionBytes: total / shard.NumPartitions, BacklogFloor: floor}
	for _, p := range peers {
		rc.Peers = append(rc.Peers, replication.Member{ID: core.ReplicaID(p.ID), Name: p.Name, Addr: p.Addr})
	}
	if tlsPort > 0 {
		// With TLS every --aa-peer names the peer's aa-tls-port.
		if rc.TLS, err = replication.LoadTLSConfig(certFile, keyFile, caFile); err != nil {
			return nil, fmt.Errorf("--aa-tls-cert-file, --aa-tls-key-file, --aa-tls-ca-cert-file: %w", err)
		}
	}
	return replication.NewRegion(rc, shards)
}

// backlogBytes is the whole server's backlog: aa-backlog when set, else 1%
// of maxmemory clamped to 1 MB..256 MB per shard; without maxmemory, a
// tenth of the data, at least 1 MB per shard (floor) and at most 64 MB.
func backlogBytes(set, maxmemory int64, shards int) (total int, floor int64) {
	if set > 0 {
		return int(set), 0
	}
	if maxmemory <= 0 {
		return 64 << 20, int64(shards) << 20
	}
	return int(min(max(maxmemory/100, int64(shards)<<20), int64(shards)*256<<20)), 0
}
