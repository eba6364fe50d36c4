package shard

import (
	"sort"
	"strconv"
	"testing"

	"github.com/meridiandb/meridian/core"
	"pgregory.net/rapid"
)

// fxScanPage runs one SCAN call the way the command does: every shard's
// ScanFrom at the cursor, then MergeScan.
func fxScanPage(s *Store, db int, cursor uint64, count int, now int64) ([]ScanItem, uint64) {
	parts := make([][]ScanItem, s.Shards())
	mores := make([]bool, s.Shards())
	for i := 0; i < s.Shards(); i++ {
		sh := s.Shard(i)
		x := sh.Lock(now)
		parts[i], mores[i] = x.ScanFrom(nil, db, cursor, count)
		sh.Unlock()
	}
	return MergeScan(parts, mores, count)
}

// fxScanAll iterates a whole SCAN (until the cursor is 0 again), calling
// between after every page, and returns how often each key came back.
// It fails if the iteration does not end within a generous bound or a
// cursor goes backwards.
func fxScanAll(t interface{ Fatalf(string, ...any) }, s *Store, db, count int, now int64, between func()) map[string]int {
	seen := map[string]int{}
	cursor := uint64(0)
	for calls := 0; ; calls++ {
		if calls > 100_000 {
			t.Fatalf("SCAN did not finish after %d calls", calls)
		}
		page, next := fxScanPage(s, db, cursor, count, now)
		for _, it := range page {
			seen[it.Key]++
			if it.Hash < cursor {
				t.Fatalf("key %q (hash %d) returned for cursor %d", it.Key, it.Hash, cursor)
			}
		}
		if next == 0 {
			return seen
		}
		if next <= cursor {
			t.Fatalf("cursor went from %d to %d", cursor, next)
		}
		cursor = next
		if between != nil {
			between()
		}
	}
}

// TestScan_FullIterationReturnsEveryKey: over 2-4 shards, N keys and any
// COUNT, a full SCAN returns every key exactly once (the contract is "at
// least once"; a static keyspace and a hash-ordered cursor give exactly
// once) and nothing else.
func TestScan_FullIterationReturnsEveryKey(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := fxStore(t, Config{Shards: rapid.IntRange(2, 4).Draw(rt, "shards")})
		n := rapid.IntRange(0, 300).Draw(rt, "keys")
		for i := 0; i < n; i++ {
			fxSet(s, "key:"+strconv.Itoa(i), "v", SetOptions{}, fxNow)
		}
		count := rapid.IntRange(1, 25).Draw(rt, "count")
		seen := fxScanAll(rt, s, 0, count, fxNow, nil)
		for i := 0; i < n; i++ {
			k := "key:" + strconv.Itoa(i)
			if seen[k] != 1 {
				rt.Fatalf("key %s returned %d times (count %d)", k, seen[k], count)
			}
		}
		if len(seen) != n {
			rt.Fatalf("SCAN returned %d distinct keys, %d exist", len(seen), n)
		}
	})
}

// TestScan_KeysPresentThroughoutAppearDespiteChurn: keys are added and
// removed between SCAN calls; every key present for the whole iteration
// still comes back, and a removed key that comes back had been present
// at some point.
func TestScan_KeysPresentThroughoutAppearDespiteChurn(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		s := fxStore(t, Config{Shards: rapid.IntRange(2, 4).Draw(rt, "shards"), RetainTombstones: rapid.Bool().Draw(rt, "retain")})
		stable := rapid.IntRange(0, 150).Draw(rt, "stable")
		for i := 0; i < stable; i++ {
			fxSet(s, "stable:"+strconv.Itoa(i), "v", SetOptions{}, fxNow)
		}
		everPresent := map[string]bool{}
		churn := rapid.IntRange(0, 100).Draw(rt, "churnkeys")
		for i := 0; i < churn; i++ {
			if rapid.Bool().Draw(rt, "initially") {
				k := "churn:" + strconv.Itoa(i)
				fxSet(s, k, "v", SetOptions{}, fxNow)
				everPresent[k] = true
			}
		}
		count := rapid.IntRange(1, 20).Draw(rt, "count")
		between := func() {
			for j, m := 0, rapid.IntRange(0, 10).Draw(rt, "changes"); j < m && churn > 0; j++ {
				k := "churn:" + strconv.Itoa(rapid.IntRange(0, churn-1).Draw(rt, "which"))
				if rapid.Bool().Draw(rt, "add") {
					fxSet(s, k, "v", SetOptions{}, fxNow)
					everPresent[k] = true
				} else {
					fxDo(s, k, fxNow, func(x *Exec) { x.GetDel(0, []byte(k), nil) })
				}
			}
		}
		seen := fxScanAll(rt, s, 0, count, fxNow, between)
		for i := 0; i < stable; i++ {
			if k := "stable:" + strconv.Itoa(i); seen[k] == 0 {
				rt.Fatalf("key %s, present throughout, never returned (count %d)", k, count)
			}
		}
		for k := range seen {
			if k[:5] == "churn" && !everPresent[k] {
				rt.Fatalf("SCAN returned %s, which never existed", k)
			}
		}
	})
}

// TestScan_SkipsExpiredKeys: a key past its deadline is not returned.
func TestScan_SkipsExpiredKeys(t *testing.T) {
	s := fxStore(t, Config{Shards: 3})
	for i := 0; i < 50; i++ {
		o := SetOptions{}
		if i%2 == 0 {
			o.Deadline = fxNow + 10
		}
		fxSet(s, "k"+strconv.Itoa(i), "v", o, fxNow)
	}
	seen := fxScanAll(t, s, 0, 7, fxNow+11, nil)
	for i := 0; i < 50; i++ {
		k := "k" + strconv.Itoa(i)
		if want := i%2 == 1; (seen[k] > 0) != want {
			t.Fatalf("key %s returned %d times, live=%v", k, seen[k], want)
		}
	}
}

// TestScan_DatabasesAreSeparate: SCAN of one database returns its keys only.
func TestScan_DatabasesAreSeparate(t *testing.T) {
	s := fxStore(t, Config{Shards: 2})
	fxDo(s, "a", fxNow, func(x *Exec) { x.Set(0, []byte("a"), []byte("v"), SetOptions{}, nil) })
	fxDo(s, "b", fxNow, func(x *Exec) { x.Set(3, []byte("b"), []byte("v"), SetOptions{}, nil) })
	if seen := fxScanAll(t, s, 3, 10, fxNow, nil); len(seen) != 1 || seen["b"] != 1 {
		t.Fatalf("SCAN of db 3 = %v", seen)
	}
}

// fxInject puts keys with chosen cursor hashes straight into a shard's
// keyspace table, to make hash ties that real keys almost never produce.
func fxInject(x *Exec, db int, hash uint64, key string) {
	var d core.Delta
	e := core.NewEntry([]byte(key), 0, false)
	e.SetString(&d, core.Dot{Replica: 1, Seq: 1}, 1, []byte("v"), false, 0)
	t := &x.dbs[db].keys
	if t.forced == nil {
		t.forced = map[string]uint64{}
	}
	t.forced[key] = hash
	t.Put(e)
}

// TestScan_EqualHashesNeverSplit: keys sharing a cursor hash are returned
// by one ScanFrom call together, however small COUNT is, and a full
// iteration over shards with ties (also across shards) returns every key
// exactly once.
func TestScan_EqualHashesNeverSplit(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		shards := rapid.IntRange(1, 4).Draw(rt, "shards")
		s := fxStore(t, Config{Shards: shards})
		n := rapid.IntRange(0, 80).Draw(rt, "keys")
		byHash := map[uint64][]string{}
		for i := 0; i < n; i++ {
			h := rapid.Uint64Range(1, 20).Draw(rt, "hash") // few hashes: many ties
			k := "inj:" + strconv.Itoa(i)
			sh := s.Shard(rapid.IntRange(0, shards-1).Draw(rt, "shard"))
			x := sh.Lock(fxNow)
			fxInject(x, 0, h, k)
			sh.Unlock()
			byHash[h] = append(byHash[h], k)
		}
		count := rapid.IntRange(1, 10).Draw(rt, "count")
		// ScanFrom alone: a page ends at a hash boundary.
		for i := 0; i < shards; i++ {
			sh := s.Shard(i)
			x := sh.Lock(fxNow)
			items, more := x.ScanFrom(nil, 0, 0, count)
			total := x.Len(0)
			var rest []ScanItem
			if more {
				// Everything from the last returned hash on: none of it
				// may share that hash with the page.
				rest, _ = x.ScanFrom(nil, 0, items[len(items)-1].Hash, 1<<30)
			}
			sh.Unlock()
			if more {
				last := items[len(items)-1].Hash
				inPage := 0
				for _, it := range items {
					if it.Hash == last {
						inPage++
					}
				}
				inRest := 0
				for _, it := range rest {
					if it.Hash == last {
						inRest++
					}
				}
				if inRest != inPage {
					rt.Fatalf("ScanFrom split the keys of hash %d: %d in the page, %d in all", last, inPage, inRest)
				}
			}
			if !more && len(items) != total {
				rt.Fatalf("ScanFrom said no more after %d of %d keys", len(items), total)
			}
		}
		seen := fxScanAll(rt, s, 0, count, fxNow, nil)
		for _, ks := range byHash {
			for _, k := range ks {
				if seen[k] != 1 {
					rt.Fatalf("key %s returned %d times (count %d)", k, seen[k], count)
				}
			}
		}
	})
}

// TestScan_MergeScanPages: MergeScan's page is sorted by hash, holds about
// COUNT keys (more only to keep a hash's keys together), and its cursor
// is past everything it returned.
func TestScan_MergeScanPages(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		shards := rapid.IntRange(1, 4).Draw(rt, "shards")
		s := fxStore(t, Config{Shards: shards})
		for i, n := 0, rapid.IntRange(0, 100).Draw(rt, "keys"); i < n; i++ {
			fxSet(s, "m:"+strconv.Itoa(i), "v", SetOptions{}, fxNow)
		}
		count := rapid.IntRange(1, 12).Draw(rt, "count")
		cursor := uint64(0)
		for {
			page, next := fxScanPage(s, 0, cursor, count, fxNow)
			if !sort.SliceIsSorted(page, func(i, j int) bool { return page[i].Hash < page[j].Hash }) {
				rt.Fatalf("page not sorted by hash")
			}
			if len(page) > count && page[count].Hash != page[count-1].Hash {
				rt.Fatalf("page of %d keys for COUNT %d", len(page), count)
			}
			if next != 0 && len(page) > 0 && next <= page[len(page)-1].Hash {
				rt.Fatalf("next cursor %d not past the page's last hash %d", next, page[len(page)-1].Hash)
			}
			if next == 0 {
				break
			}
			cursor = next
		}
	})
}
