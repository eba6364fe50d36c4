package shard

import (
	"github.com/cespare/xxhash/v2"
	"github.com/meridiandb/meridian/core"
)

// fieldScanPages bounds the pages of a full HSCAN/SSCAN/ZSCAN of a large
// collection, so a full iteration costs a bounded multiple of its size.
const fieldScanPages = 16

// smallCollection is the size up to which a collection SCAN returns every
// member in one page with cursor 0, as Redis does for its compact
// encodings.
const smallCollection = 128

// ScanFields serves HSCAN, SSCAN and ZSCAN over e's live fields without
// keeping any index. The cursor is a position in hash space: each call
// returns the members whose xxhash falls in [cursor, cursor+width), where
// width gives about max(count, size/16) members a page, and the next
// cursor is the end of that range (0 when it wraps). Members present for
// the whole iteration are returned exactly once however the collection
// changes meanwhile; a page may hold more than count members, which Redis
// allows. fn receives each member (valid during the call).
func ScanFields(e *core.Entry, cursor uint64, count int, fn func(name string, r *core.Register)) (next uint64) {
	f := e.Fields
	if f == nil {
		return 0
	}
	n := f.Len()
	if n <= smallCollection { // whatever the cursor, as Redis for a listpack
		f.Each(func(name string, r *core.Register) bool {
			fn(name, r)
			return true
		})
		return 0
	}
	per := count
	if m := n / fieldScanPages; m > per {
		per = m
	}
	if per < 1 {
		per = 1
	}
	pages := uint64((n + per - 1) / per)
	if pages == 0 {
		pages = 1
	}
	width := ^uint64(0)/pages + 1 // 0 when pages is 1: the whole space
	end := cursor + width
	wrapped := width == 0 || end < cursor || end == 0
	f.Each(func(name string, r *core.Register) bool {
		h := xxhash.Sum64String(name)
		if h >= cursor && (wrapped || h < end) {
			fn(name, r)
		}
		return true
	})
	if wrapped {
		return 0
	}
	return end
}
