package converge

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// The key space. It is kept small on purpose (Options.Keys keys per
// family and class) so that the clients of different regions write the
// same keys all the time and concurrent writes are the common case.
//
// Chaos families get every command of their type plus DEL and EXPIRE;
// "mix" keys get every command of every type, so two regions create one
// key with different types (SEMANTICS.md 8) and WRONGTYPE replies are
// part of the load. They are judged by convergence only. Judged classes
// (Class, model.go) get only the writes their model can decide.
var chaosFamilies = []string{"str", "hash", "set", "zset", "list", "hll", "mix"}

// Small value pools so that writes collide on fields, members and values.
const (
	poolFields  = 6
	poolMembers = 10
	poolValues  = 8
	// judged counters spread over this many fields or members
	counterMembers = 3
)

// OpCounts counts the workload's commands by outcome.
type OpCounts struct {
	Sent     int64
	Acked    int64 // a reply that is not an error
	Errors   int64 // an error reply (WRONGTYPE, not an integer...): not executed
	Unknown  int64 // no reply: timeout, dropped connection, region down
	ByFamily map[string]int64
}

func (c *OpCounts) add(o *OpCounts) {
	c.Sent += o.Sent
	c.Acked += o.Acked
	c.Errors += o.Errors
	c.Unknown += o.Unknown
	if c.ByFamily == nil {
		c.ByFamily = map[string]int64{}
	}
	for k, v := range o.ByFamily {
		c.ByFamily[k] += v
	}
}

// familyString renders the per-family counts, sorted by family.
func (c *OpCounts) familyString() string {
	ks := sortedKeys(c.ByFamily)
	parts := make([]string, len(ks))
	for i, k := range ks {
		parts[i] = fmt.Sprintf("%s %d", k, c.ByFamily[k])
	}
	return strings.Join(parts, ", ")
}

// printable quotes a reply that is not plain text (an HLL read with GET),
// so that history.txt stays a text file.
func printable(s string) string {
	for _, r := range s {
		if r < ' ' || r > '~' {
			return strconv.Quote(s)
		}
	}
	return s
}

// outcome classifies a command's result: go-redis returns redis.Nil for a
// null reply (acknowledged), a redis.Error for an error reply (Redis did
// not execute the command), and any other error when no reply came.
type outcome uint8

const (
	outAcked outcome = iota
	outError
	outUnknown
)

func classify(err error) outcome {
	if err == nil || errors.Is(err, redis.Nil) {
		return outAcked
	}
	var re redis.Error
	if errors.As(err, &re) {
		return outError
	}
	return outUnknown
}

// newClient is a go-redis client that never retries (a retried write
// would count twice) and gives up quickly on a dead region.
func newClient(addr string, readTimeout time.Duration, pool int) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, MaxRetries: -1, PoolSize: pool,
		DialTimeout: 500 * time.Millisecond, ReadTimeout: readTimeout, WriteTimeout: time.Second,
		DisableIdentity: true})
}

// worker is one client of one region: it owns its connection and its
// random stream, and sends one command at a time.
type worker struct {
	region, id int
	keys       int
	c          *redis.Client
	rng        *rand.Rand
	model      *Model
	counts     OpCounts
	seq        int
	pace       time.Duration // between commands; 0: as fast as replies come
	start      time.Time     // of the workload, for Write.Sent
	kinds      []int         // what step picks from: chaos families, then judged classes
	trace      []TraceRec
}

// Kinds lists the names Options.Only accepts: the chaos families, then
// the judged classes' prefixes.
func Kinds() []string {
	ks := append([]string(nil), chaosFamilies...)
	for c := Class(0); c < numClasses; c++ {
		ks = append(ks, c.Prefix())
	}
	return ks
}

// kindIndexes maps names from Kinds to step's picks; none means all.
func kindIndexes(only []string) ([]int, error) {
	all := Kinds()
	if len(only) == 0 {
		idx := make([]int, len(all))
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	var idx []int
	for _, name := range only {
		i := slices.Index(all, name)
		if i < 0 {
			return nil, fmt.Errorf("unknown kind %q (known: %s)", name, strings.Join(all, ", "))
		}
		idx = append(idx, i)
	}
	return idx, nil
}

// TraceRec is one command a client sent, kept so that the history of a
// divergent key can be printed: which region got which write when, and
// what it replied.
type TraceRec struct {
	At     time.Duration // sent, from the start of the workload
	Took   time.Duration
	Region int
	Client int
	Args   []any
	Reply  string
}

func (t TraceRec) String() string {
	parts := make([]string, len(t.Args))
	for i, a := range t.Args {
		parts[i] = fmt.Sprint(a)
	}
	return fmt.Sprintf("+%.4fs r%d c%d %s -> %s (%v)", t.At.Seconds(), t.Region+1, t.Client,
		strings.Join(parts, " "), t.Reply, t.Took.Round(time.Microsecond))
}

// loadConfig is what the workload needs to know.
type loadConfig struct {
	seed    int64
	addrs   []string
	clients int
	keys    int
	rate    int
	kinds   []int
	model   *Model
	start   time.Time
}

func newWorker(lc *loadConfig, region, id int) *worker {
	w := &worker{region: region, id: id, keys: lc.keys, model: lc.model, start: lc.start, kinds: lc.kinds,
		rng:    rand.New(rand.NewPCG(uint64(lc.seed), uint64(region)<<16|uint64(id))),
		c:      newClient(lc.addrs[region], time.Second, 1),
		counts: OpCounts{ByFamily: map[string]int64{}}}
	if lc.rate > 0 {
		w.pace = time.Second / time.Duration(lc.rate)
	}
	return w
}

// run sends commands until ctx ends.
func (w *worker) run(ctx context.Context) {
	defer w.c.Close()
	next := time.Now()
	for ctx.Err() == nil {
		if w.pace > 0 {
			next = next.Add(w.pace)
			if d := time.Until(next); d > 0 {
				sleepCtx(ctx, d)
			}
		}
		if w.step(ctx) == outUnknown {
			// The region is probably down: do not spin on refused dials.
			sleepCtx(ctx, time.Duration(5+w.rng.IntN(20))*time.Millisecond)
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// do sends one command and counts its outcome under family.
func (w *worker) do(ctx context.Context, family string, args ...any) (any, outcome) {
	sent := time.Now()
	v, err := w.c.Do(ctx, args...).Result()
	o := classify(err)
	rec := TraceRec{At: sent.Sub(w.start), Took: time.Since(sent), Region: w.region, Client: w.id, Args: args}
	switch {
	case err == nil:
		rec.Reply = printable(fmt.Sprint(v))
	case o == outAcked:
		rec.Reply = "(nil)"
	default:
		rec.Reply = "error: " + err.Error()
	}
	w.trace = append(w.trace, rec)
	w.counts.Sent++
	w.counts.ByFamily[family]++
	switch o {
	case outAcked:
		w.counts.Acked++
	case outError:
		w.counts.Errors++
	default:
		w.counts.Unknown++
	}
	return v, o
}

// judged sends a judged write and records its outcome in the model.
func (w *worker) judged(ctx context.Context, wr *Write, args ...any) outcome {
	wr.Region = w.region
	wr.Sent = time.Since(w.start)
	w.model.Begin(wr)
	_, o := w.do(ctx, wr.Class.Prefix(), args...)
	switch o {
	case outAcked:
		w.model.Ack(wr)
	case outError:
		w.model.Fail(wr, true)
	default:
		w.model.Fail(wr, false)
	}
	return o
}

// unique is a member or element name no other write of the run uses.
func (w *worker) unique() string {
	w.seq++
	return fmt.Sprintf("r%dc%d-%d", w.region+1, w.id, w.seq)
}

func (w *worker) key(prefix string) string {
	return prefix + ":" + strconv.Itoa(w.rng.IntN(w.keys))
}

// step sends one command of a family or class chosen at random.
func (w *worker) step(ctx context.Context) outcome {
	pick := w.kinds[w.rng.IntN(len(w.kinds))]
	if pick < len(chaosFamilies) {
		fam := chaosFamilies[pick]
		key := w.key(fam)
		label := fam
		if fam == "mix" {
			fam = chaosFamilies[w.rng.IntN(len(chaosFamilies)-1)]
		}
		_, o := w.do(ctx, label, w.chaos(fam, key)...)
		return o
	}
	c := Class(pick - len(chaosFamilies))
	key := w.key(c.Prefix())
	switch c {
	case Counter:
		n := int64(1 + w.rng.IntN(100))
		return w.judged(ctx, &Write{Class: c, Op: OpIncr, Key: key, Amount: n}, "incrby", key, n)
	case HashCounter:
		n := int64(1 + w.rng.IntN(100))
		f := "f" + strconv.Itoa(w.rng.IntN(counterMembers))
		return w.judged(ctx, &Write{Class: c, Op: OpIncr, Key: key, Member: f, Amount: n}, "hincrby", key, f, n)
	case ZsetCounter:
		n := int64(1 + w.rng.IntN(100))
		m := "m" + strconv.Itoa(w.rng.IntN(counterMembers))
		return w.judged(ctx, &Write{Class: c, Op: OpIncr, Key: key, Member: m, Amount: n}, "zincrby", key, n, m)
	case GrowSet:
		m := w.unique()
		return w.judged(ctx, &Write{Class: c, Op: OpAdd, Key: key, Member: m}, "sadd", key, m)
	case RemoveSet:
		switch r := w.rng.IntN(100); {
		case r < 55:
			m := w.unique()
			return w.judged(ctx, &Write{Class: c, Op: OpAdd, Key: key, Member: m}, "sadd", key, m)
		case r < 95:
			// Remove only what this region shows: the remove then
			// covers the member's one add (observed-remove), so the
			// member must stay gone.
			v, o := w.do(ctx, "rset", "srandmember", key)
			m, ok := v.(string)
			if o != outAcked || !ok {
				return o
			}
			wr := &Write{Class: c, Op: OpRemove, Key: key, Member: m, Region: w.region, Sent: time.Since(w.start)}
			w.model.Begin(wr)
			v, o = w.do(ctx, "rset", "srem", key, m)
			switch {
			case o == outAcked && v == int64(1):
				w.model.Ack(wr)
			case o == outAcked:
				// Removed by someone else meanwhile: this SREM did nothing.
				w.model.Fail(wr, true)
			default:
				w.model.Fail(wr, o == outError)
			}
			return o
		default:
			return w.judged(ctx, &Write{Class: c, Op: OpDelKey, Key: key}, "del", key)
		}
	default: // PushList
		el := w.unique()
		cmd := "rpush"
		if w.rng.IntN(2) == 0 {
			cmd = "lpush"
		}
		return w.judged(ctx, &Write{Class: c, Op: OpPush, Key: key, Member: el}, cmd, key, el)
	}
}

// chaos builds one command of family fam on key: mostly writes, some
// reads (a read of a key past its deadline takes the lazy-expiry path),
// DEL and EXPIRE for every family.
func (w *worker) chaos(fam, key string) []any {
	r := w.rng.IntN(100)
	switch {
	case r < 6:
		return []any{"del", key}
	case r < 9:
		if w.rng.IntN(2) == 0 {
			return []any{"expire", key, 1 + w.rng.IntN(3)}
		}
		return []any{"pexpire", key, 200 + w.rng.IntN(2500)}
	case r < 10:
		return []any{"persist", key}
	}
	val := func() string { return "v" + strconv.Itoa(w.rng.IntN(poolValues)) }
	field := func() string { return "f" + strconv.Itoa(w.rng.IntN(poolFields)) }
	member := func() string { return "m" + strconv.Itoa(w.rng.IntN(poolMembers)) }
	amount := func() int { return w.rng.IntN(21) - 5 }
	r = w.rng.IntN(100)
	switch fam {
	case "str":
		switch {
		case r < 25:
			if w.rng.IntN(3) == 0 {
				return []any{"set", key, w.rng.IntN(100)}
			}
			return []any{"set", key, val()}
		case r < 55:
			return []any{"incrby", key, amount()}
		case r < 65:
			return []any{"decrby", key, amount()}
		case r < 85:
			return []any{"append", key, val()}
		default:
			return []any{"get", key}
		}
	case "hash":
		switch {
		case r < 40:
			if w.rng.IntN(3) == 0 {
				return []any{"hset", key, field(), val(), field(), w.rng.IntN(50)}
			}
			return []any{"hset", key, field(), val()}
		case r < 70:
			return []any{"hincrby", key, field(), amount()}
		case r < 90:
			return []any{"hdel", key, field()}
		default:
			return []any{"hgetall", key}
		}
	case "set":
		switch {
		case r < 50:
			return []any{"sadd", key, member(), member()}
		case r < 90:
			return []any{"srem", key, member()}
		default:
			return []any{"smembers", key}
		}
	case "zset":
		switch {
		case r < 35:
			return []any{"zadd", key, w.rng.IntN(100), member()}
		case r < 65:
			return []any{"zincrby", key, amount(), member()}
		case r < 90:
			return []any{"zrem", key, member()}
		default:
			return []any{"zrange", key, 0, -1, "withscores"}
		}
	case "list":
		switch {
		case r < 25:
			return []any{"lpush", key, val()}
		case r < 50:
			return []any{"rpush", key, val(), val()}
		case r < 70:
			return []any{"lpop", key}
		case r < 90:
			return []any{"lrem", key, w.rng.IntN(5) - 2, val()}
		default:
			return []any{"lrange", key, 0, -1}
		}
	default: // hll
		switch {
		case r < 85:
			return []any{"pfadd", key, "e" + strconv.Itoa(w.rng.IntN(200)), "e" + strconv.Itoa(w.rng.IntN(200))}
		default:
			return []any{"pfcount", key}
		}
	}
}

// confirmer keeps asking region r with AA WAIT whether its acknowledged
// writes have reached every other region, and tells the model, so that
// a later kill of r cannot excuse the loss of the confirmed ones.
func confirmer(ctx context.Context, addr string, r, n int, m *Model) {
	c := newClient(addr, 2*time.Second, 1)
	defer c.Close()
	for ctx.Err() == nil {
		p := m.ConfirmPoint(r)
		if p.Empty() {
			sleepCtx(ctx, 20*time.Millisecond)
			continue
		}
		got, err := c.Do(ctx, "aa", "wait", n-1, 300).Int()
		if err == nil && got == n-1 {
			m.Confirm(p)
		} else if err != nil {
			sleepCtx(ctx, 20*time.Millisecond)
		}
	}
}

// runWorkload runs every worker and confirmer until ctx ends and returns
// the merged counts.
func runWorkload(ctx context.Context, lc *loadConfig) (*OpCounts, *Trace) {
	var wg sync.WaitGroup
	var workers []*worker
	for r, addr := range lc.addrs {
		for i := 0; i < lc.clients; i++ {
			w := newWorker(lc, r, i)
			workers = append(workers, w)
			wg.Add(1)
			go func() { defer wg.Done(); w.run(ctx) }()
		}
		wg.Add(1)
		go func() { defer wg.Done(); confirmer(ctx, addr, r, len(lc.addrs), lc.model) }()
	}
	wg.Wait()
	total := &OpCounts{ByFamily: map[string]int64{}}
	tr := &Trace{byKey: map[string][]TraceRec{}}
	for _, w := range workers {
		total.add(&w.counts)
		for _, rec := range w.trace {
			if len(rec.Args) > 1 {
				k := fmt.Sprint(rec.Args[1])
				tr.byKey[k] = append(tr.byKey[k], rec)
			}
		}
	}
	for _, recs := range tr.byKey {
		sort.Slice(recs, func(i, j int) bool { return recs[i].At < recs[j].At })
	}
	return total, tr
}

// Trace is every command the workload sent, by key.
type Trace struct {
	byKey map[string][]TraceRec
}

// Key is the commands sent to key, in the order they were sent.
func (t *Trace) Key(key string) []TraceRec {
	if t == nil {
		return nil
	}
	return t.byKey[key]
}

// sortStrings sorts and returns ss, for rendering.
func sortStrings(ss []string) []string {
	sort.Strings(ss)
	return ss
}
