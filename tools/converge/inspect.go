package converge

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Reading the regions once the workload has stopped and the links are
// healed: replication quiet, digests, divergent keys, the judged keys,
// tombstones.

// waitReplicated waits until AA WAIT on every region reports that all its
// writes reached every other region. Regions are asked in turn; a region
// whose links are still reconnecting just answers fewer until deadline.
func waitReplicated(ctx context.Context, cs []*redis.Client, deadline time.Time) error {
	for i, c := range cs {
		for {
			ms := min(time.Until(deadline).Milliseconds(), 1000)
			if ms <= 0 {
				return fmt.Errorf("r%d: AA WAIT did not reach %d regions in time", i+1, len(cs)-1)
			}
			n, err := c.Do(ctx, "aa", "wait", len(cs)-1, ms).Int()
			if err == nil && n == len(cs)-1 {
				break
			}
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				sleepCtx(ctx, 20*time.Millisecond)
			}
		}
	}
	return nil
}

// digests is every region's AA DIGEST of database 0.
func digests(ctx context.Context, cs []*redis.Client) ([]string, error) {
	out := make([]string, len(cs))
	for i, c := range cs {
		v, err := c.Do(ctx, "aa", "digest").Text()
		if err != nil {
			return nil, fmt.Errorf("r%d: AA DIGEST: %w", i+1, err)
		}
		out[i] = v
	}
	return out, nil
}

func allEqual(ss []string) bool {
	for _, s := range ss {
		if s != ss[0] {
			return false
		}
	}
	return true
}

// waitConverged polls AA DIGEST on every region until all agree or
// deadline passes; it returns the last digests read.
func waitConverged(ctx context.Context, cs []*redis.Client, deadline time.Time) (bool, []string, error) {
	for {
		ds, err := digests(ctx, cs)
		if err == nil && allEqual(ds) {
			return true, ds, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false, ds, err
		}
		sleepCtx(ctx, 20*time.Millisecond)
	}
}

// KeyState is what one region shows for one key.
type KeyState struct {
	Digest string // AA DIGEST key ("0000000000000000": absent)
	Type   string
	PTTL   int64  // ms; -1 no expiry, -2 absent
	Value  string // rendered and cut to a readable length
	Full   string // rendered whole
}

// KeyDiff is a key the regions do not agree on.
type KeyDiff struct {
	Key     string
	Regions []KeyState // by region index
}

// maxDiffs bounds how many divergent keys are read in detail.
const maxDiffs = 100

// divergentKeys lists the keys whose AA DIGEST differs between regions:
// the union of every region's keys (SCAN), then the digest of each key
// everywhere. total counts every divergent key found, even past maxDiffs.
func divergentKeys(ctx context.Context, cs []*redis.Client) (diffs []KeyDiff, total int, err error) {
	keys := map[string]bool{}
	for i, c := range cs {
		var cursor uint64
		for {
			ks, next, err := c.Scan(ctx, cursor, "", 1000).Result()
			if err != nil {
				return nil, 0, fmt.Errorf("r%d: SCAN: %w", i+1, err)
			}
			for _, k := range ks {
				keys[k] = true
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
	}
	for _, k := range sortedKeys(keys) {
		ds := make([]string, len(cs))
		for i, c := range cs {
			d, err := c.Do(ctx, "aa", "digest", k).Text()
			if err != nil {
				return diffs, total, fmt.Errorf("r%d: AA DIGEST %s: %w", i+1, k, err)
			}
			ds[i] = d
		}
		if allEqual(ds) {
			continue
		}
		total++
		if len(diffs) >= maxDiffs {
			continue
		}
		kd := KeyDiff{Key: k}
		for i, c := range cs {
			st := KeyState{Digest: ds[i]}
			st.Type, _ = c.Type(ctx, k).Result()
			st.PTTL, _ = c.Do(ctx, "pttl", k).Int64()
			st.Full = render(ctx, c, k, st.Type)
			st.Value = st.Full
			if len(st.Value) > 300 {
				st.Value = st.Value[:300] + "..."
			}
			kd.Regions = append(kd.Regions, st)
		}
		diffs = append(diffs, kd)
	}
	return diffs, total, nil
}

// render shows a key's value in a form that can be compared by eye.
func render(ctx context.Context, c *redis.Client, key, typ string) string {
	var v any
	var err error
	switch typ {
	case "none":
		return "(absent)"
	case "string":
		var s string
		s, err = c.Get(ctx, key).Result()
		v = strconv.Quote(s)
	case "hash":
		var m map[string]string
		m, err = c.HGetAll(ctx, key).Result()
		parts := make([]string, 0, len(m))
		for _, f := range sortedKeys(m) {
			parts = append(parts, f+"="+m[f])
		}
		v = "{" + strings.Join(parts, " ") + "}"
	case "set":
		var ms []string
		ms, err = c.SMembers(ctx, key).Result()
		v = sortStrings(ms)
	case "zset":
		v, err = c.Do(ctx, "zrange", key, 0, -1, "withscores").Result()
	case "list":
		v, err = c.LRange(ctx, key, 0, -1).Result()
	default:
		return "(type " + typ + ")"
	}
	if err != nil {
		return "(error: " + err.Error() + ")"
	}
	return fmt.Sprint(v)
}

// readObserved reads the judged keys from one region. A key of the wrong
// type is a violation rather than an error: the model says what type each
// judged key has.
func readObserved(ctx context.Context, c *redis.Client, region int, ts []Target) (*Observed, []Violation, error) {
	obs := &Observed{Region: region, Counters: map[string]map[string]string{},
		Sets: map[string][]string{}, Lists: map[string][]string{}}
	var bad []Violation
	for _, t := range ts {
		var err error
		switch t.Class {
		case Counter:
			var v string
			v, err = c.Get(ctx, t.Key).Result()
			if err == nil {
				obs.Counters[t.Key] = map[string]string{"": v}
			}
		case HashCounter:
			var m map[string]string
			m, err = c.HGetAll(ctx, t.Key).Result()
			if err == nil && len(m) > 0 {
				obs.Counters[t.Key] = m
			}
		case ZsetCounter:
			var flat []string
			flat, err = c.Do(ctx, "zrange", t.Key, 0, -1, "withscores").StringSlice()
			if err == nil && len(flat) > 0 {
				m := map[string]string{}
				for i := 0; i+1 < len(flat); i += 2 {
					m[flat[i]] = flat[i+1]
				}
				obs.Counters[t.Key] = m
			}
		case GrowSet, RemoveSet:
			var ms []string
			ms, err = c.SMembers(ctx, t.Key).Result()
			if err == nil && len(ms) > 0 {
				obs.Sets[t.Key] = ms
			}
		case PushList:
			var els []string
			els, err = c.LRange(ctx, t.Key, 0, -1).Result()
			if err == nil && len(els) > 0 {
				obs.Lists[t.Key] = els
			}
		}
		if err == nil || errors.Is(err, redis.Nil) {
			continue
		}
		var re redis.Error
		if !errors.As(err, &re) {
			return nil, nil, fmt.Errorf("r%d: cannot read %s: %w", region+1, t.Key, err)
		}
		bad = append(bad, Violation{Kind: ViolationBadValue, Region: region, Key: t.Key, Detail: "cannot read it: " + err.Error()})
	}
	return obs, bad, nil
}

// infoCRDT reads INFO crdt into a map of its fields.
func infoCRDT(ctx context.Context, c *redis.Client) (map[string]string, error) {
	s, err := c.Info(ctx, "crdt").Result()
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			m[k] = v
		}
	}
	return m, nil
}

// tombstonesPending reads crdt_tombstones_pending from every region.
func tombstonesPending(ctx context.Context, cs []*redis.Client) ([]int, error) {
	out := make([]int, len(cs))
	for i, c := range cs {
		m, err := infoCRDT(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("r%d: INFO crdt: %w", i+1, err)
		}
		v, ok := m["crdt_tombstones_pending"]
		if !ok {
			return nil, fmt.Errorf("r%d: INFO crdt has no crdt_tombstones_pending", i+1)
		}
		if out[i], err = strconv.Atoi(v); err != nil {
			return nil, fmt.Errorf("r%d: crdt_tombstones_pending %q: %w", i+1, v, err)
		}
	}
	return out, nil
}

// waitTombstones polls until no region has pending tombstones, or deadline.
func waitTombstones(ctx context.Context, cs []*redis.Client, deadline time.Time) ([]int, error) {
	for {
		ps, err := tombstonesPending(ctx, cs)
		if err != nil {
			return nil, err
		}
		zero := true
		for _, p := range ps {
			zero = zero && p == 0
		}
		if zero || time.Now().After(deadline) || ctx.Err() != nil {
			return ps, nil
		}
		sleepCtx(ctx, 50*time.Millisecond)
	}
}

// linkLines is each region's INFO crdt peer lines, for a failure report.
func linkLines(ctx context.Context, cs []*redis.Client) []string {
	var out []string
	for i, c := range cs {
		m, err := infoCRDT(ctx, c)
		if err != nil {
			out = append(out, fmt.Sprintf("r%d: INFO crdt: %v", i+1, err))
			continue
		}
		var ks []string
		for k := range m {
			if strings.HasPrefix(k, "peer") || strings.HasPrefix(k, "crdt_tombstones") || strings.HasPrefix(k, "crdt_conflicts") {
				ks = append(ks, k)
			}
		}
		sort.Strings(ks)
		for _, k := range ks {
			out = append(out, fmt.Sprintf("r%d %s:%s", i+1, k, m[k]))
		}
	}
	return out
}
