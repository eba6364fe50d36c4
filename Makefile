# Meridian's vocabulary. Variables can be overridden: make run PORT=7000
GO        ?= go
PORT      ?= 6379
BIND      ?= 127.0.0.1
FUZZTIME  ?= 30s
BENCHTIME ?= 1s
REQUESTS  ?= 200000
ROUNDS    ?= 3
TESTS     ?= set,get,incr,lpush,rpush,lpop,sadd,hset,spop,zadd,zpopmin,lrange_100
BIN       := bin

.PHONY: all build run test race lint fuzz bench bench-go bench-repl demo soak clean

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

## bench-go: Go benchmarks (parser, engine paths) with allocations
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./net/resp/ ./core/ ./shard/ ./net/

## bench: redis-benchmark against meridian-server, redis-server and the do-nothing floor, side by side
bench: build
	@command -v redis-benchmark >/dev/null || { echo "redis-benchmark is missing: apt-get install -y redis-tools redis-server"; exit 1; }
	$(BIN)/meridian-bench --meridian $(BIN)/meridian-server --floor $(BIN)/meridian-floor \
		--tests $(TESTS) --requests $(REQUESTS) --rounds $(ROUNDS) \
		--out docs/benchmarks/latest.md --json docs/benchmarks/latest.json

## demo: three local regions, a scripted tour of active-active, then a playground until Ctrl-C
demo: build
	$(BIN)/meridian-demo --meridian $(BIN)/meridian-server

## bench-repl: what replication costs: 3 regions against replication off, lag p50/p99, bytes per write
bench-repl: build
	@command -v redis-benchmark >/dev/null || { echo "redis-benchmark is missing: apt-get install -y redis-tools"; exit 1; }
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
