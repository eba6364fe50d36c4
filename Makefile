# Meridian's vocabulary. Variables can be overridden: make run PORT=7000
GO        ?= go
PORT      ?= 6379
BIND      ?= 127.0.0.1
FUZZTIME  ?= 30s
BENCHTIME ?= 1s
REQUESTS  ?= 100000
ROUNDS    ?= 3
TESTS     ?= set,get,incr,lpush,sadd,hset,zadd
BIN       := bin

.PHONY: all build run test race lint fuzz bench bench-load bench-curve bench-memory redis-tools bench-go bench-repl demo soak clean

all: build

build:
	$(GO) build -o $(BIN)/meridian-server ./cmd/meridian-server
	$(GO) build -o $(BIN)/meridian-floor ./cmd/meridian-floor
	$(GO) build -o $(BIN)/meridian-bench ./cmd/meridian-bench
	$(GO) build -o $(BIN)/meridian-chaoslink ./cmd/meridian-chaoslink
	$(GO) build -o $(BIN)/meridian-demo ./cmd/meridian-demo
	$(GO) build -o $(BIN)/meridian-bench-repl ./cmd/meridian-bench-repl
	$(GO) build -o $(BIN)/meridian-converge ./cmd/meridian-converge

## run: a server on $(BIND):$(PORT)
run:
	$(GO) build -o $(BIN)/meridian-server ./cmd/meridian-server
	$(BIN)/meridian-server --port $(PORT) --bind $(BIND)

## test: every test, including the integration tests that start the real binary
test:
	$(GO) test -count=1 -timeout 10m ./...

## race: the tests under the race detector
race:
	MERIDIAN_TEST_RACE=1 $(GO) test -race -count=1 -timeout 15m ./...

## lint: gofmt and go vet
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## fuzz: each fuzz target for $(FUZZTIME)
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParser$$' -fuzztime $(FUZZTIME) ./net/resp/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeDelta$$' -fuzztime $(FUZZTIME) ./core/
	$(GO) test -run '^$$' -fuzz '^FuzzListApply$$' -fuzztime $(FUZZTIME) ./core/
	$(GO) test -run '^$$' -fuzz '^FuzzHLLDeltaValue$$' -fuzztime $(FUZZTIME) ./core/
	$(GO) test -run '^$$' -fuzz '^FuzzHLLString$$' -fuzztime $(FUZZTIME) ./core/
	$(GO) test -run '^$$' -fuzz '^FuzzGlobMatch$$' -fuzztime $(FUZZTIME) ./net/config/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeEntryState$$' -fuzztime $(FUZZTIME) ./core/
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeFrame$$' -fuzztime $(FUZZTIME) ./replication/
	$(GO) test -run '^$$' -fuzz '^FuzzPullStream$$' -fuzztime $(FUZZTIME) ./replication/
	$(GO) test -run '^$$' -fuzz '^FuzzServedRecv$$' -fuzztime $(FUZZTIME) ./replication/
	$(GO) test -run '^$$' -fuzz '^FuzzTLSCommand$$' -fuzztime $(FUZZTIME) ./replication/

## bench-go: Go benchmarks (parser, engine paths) with allocations
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./net/resp/ ./core/ ./shard/ ./net/

## bench: the whole side-by-side suite (load, curve, memory); installs redis-server and redis-tools when missing
bench: bench-load bench-curve bench-memory

# redis-server and redis-benchmark from the distribution, installed when missing (Debian/Ubuntu).
redis-tools:
	@if ! command -v redis-benchmark >/dev/null || ! command -v redis-server >/dev/null; then \
		if command -v apt-get >/dev/null; then \
			SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
			$$SUDO apt-get update -q && $$SUDO apt-get install -y -q redis-server redis-tools; \
		else echo "install redis-server and redis-tools (redis-benchmark), then run make bench again"; exit 1; fi; \
	fi

## bench-load: meridian, one region of a 3-region database, redis-server and the floor: redis-benchmark and the Go generator
bench-load: build redis-tools
	$(BIN)/meridian-bench --meridian $(BIN)/meridian-server --floor $(BIN)/meridian-floor --redis $$(command -v redis-server) \
		--load redis-benchmark,go --tests $(TESTS) --requests $(REQUESTS) --rounds $(ROUNDS) \
		--out docs/benchmarks/latest.md --json docs/benchmarks/latest.json

## bench-curve: throughput and p99 against pipeline depth and connections, with a chart
bench-curve: build redis-tools
	$(BIN)/meridian-bench --curve --meridian $(BIN)/meridian-server --floor $(BIN)/meridian-floor --redis $$(command -v redis-server) \
		--rounds $(ROUNDS) --out docs/benchmarks/curve.md --json docs/benchmarks/curve.json --svg docs/benchmarks/curve.svg

## bench-memory: RSS for 1M string keys and 1M-element collections, one region and 3 regions, against redis-server
bench-memory: build redis-tools
	$(BIN)/meridian-bench --memory --meridian $(BIN)/meridian-server --redis $$(command -v redis-server) \
		--out docs/benchmarks/memory.md --json docs/benchmarks/memory.json

## demo: three local regions, a scripted tour of active-active, then a playground until Ctrl-C
demo: build
	$(BIN)/meridian-demo --meridian $(BIN)/meridian-server

## bench-repl: what replication costs: 3 regions against replication off, lag p50/p99, bytes per write
bench-repl: build redis-tools
	$(BIN)/meridian-bench-repl --meridian $(BIN)/meridian-server \
		--requests $(REQUESTS) --rounds $(ROUNDS) \
		--out docs/benchmarks/repl.md --json docs/benchmarks/repl.json

SCHEDULES ?= 200
REGIONS   ?= 5
SOAKSECS  ?= 3
## soak: the convergence checker: $(SCHEDULES) random fault schedules against $(REGIONS) regions, kills included
soak: build
	$(BIN)/meridian-converge --server $(BIN)/meridian-server --schedules $(SCHEDULES) --regions $(REGIONS) \
		--seconds $(SOAKSECS) --kill --log-dir $(BIN)/soak

clean:
	rm -rf $(BIN)
