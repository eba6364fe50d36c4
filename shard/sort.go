package shard

import (
	"bytes"
	"errors"
	"sort"

	"github.com/meridiandb/meridian/core"
)

// SortOptions are SORT's options after parsing.
type SortOptions struct {
	By            []byte   // BY pattern (nil: sort the elements themselves)
	NoSort        bool     // BY a pattern without '*': keep the stored order
	Get           [][]byte // GET patterns ("#": the element)
	Offset, Count int64    // LIMIT; Count < 0: no limit
	Desc, Alpha   bool
	// Store makes the order of a set deterministic (Redis sorts a set
	// with BY nosort when storing).
	Store bool
}

// ErrSortNotDouble is SORT's error for a weight that is not a number.
var ErrSortNotDouble = errors.New("One or more scores can't be converted into double")

// Sort runs SORT / SORT_RO over the list, set or sorted set at key and
// returns the output values in order (nil for a GET that found nothing).
// Every shard must be held: BY and GET patterns read arbitrary keys.
// The values are copies.
func (m Multi) Sort(db int, key []byte, o SortOptions) ([][]byte, Status, error) {
	x := m.For(key)
	e := x.Peek(db, key)
	if e == nil {
		return nil, NotFound, nil
	}
	type item struct {
		v     []byte
		score float64
		cmp   []byte
	}
	var items []item
	switch e.Kind {
	case core.KindList:
		if l := e.List(); l != nil {
			l.Range(0, l.Len(), func(v []byte) bool {
				items = append(items, item{v: append([]byte(nil), v...)})
				return true
			})
		}
	case core.KindSet:
		e.Fields.Each(func(name string, _ *core.Register) bool {
			items = append(items, item{v: []byte(name)})
			return true
		})
		if o.NoSort && o.Store {
			o.NoSort, o.Alpha, o.By = false, true, nil
		}
	case core.KindZSet:
		e.Fields.Each(func(name string, r *core.Register) bool {
			f, _ := r.FloatValue()
			items = append(items, item{v: []byte(name), score: f.Float64()})
			return true
		})
		// The sorted set's own order: by score, then member.
		sort.Slice(items, func(i, j int) bool {
			if items[i].score != items[j].score {
				return items[i].score < items[j].score
			}
			return bytes.Compare(items[i].v, items[j].v) < 0
		})
	default:
		return nil, WrongType, nil
	}
	if !o.NoSort {
		for i := range items {
			w := items[i].v
			if o.By != nil {
				w = m.lookupPattern(db, o.By, items[i].v)
			}
			if o.Alpha {
				items[i].cmp = w
				continue
			}
			if w == nil {
				items[i].score = 0
				continue
			}
			f, ok := core.ParseFloat(bytes.TrimLeft(w, " \t\n\r\v\f")) // strtod skips leading space
			if !ok {
				return nil, OK, ErrSortNotDouble
			}
			items[i].score = f
		}
		less := func(a, b item) int {
			if o.Alpha {
				return bytes.Compare(a.cmp, b.cmp)
			}
			switch {
			case a.score < b.score:
				return -1
			case a.score > b.score:
				return 1
			}
			return bytes.Compare(a.v, b.v) // Redis breaks ties by the element
		}
		sort.SliceStable(items, func(i, j int) bool {
			c := less(items[i], items[j])
			if o.Desc {
				return c > 0
			}
			return c < 0
		})
	} else if o.Desc && e.Kind != core.KindSet {
		for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
			items[i], items[j] = items[j], items[i]
		}
	}
	start, n := o.Offset, o.Count
	if start < 0 {
		start = 0
	}
	if start > int64(len(items)) {
		start = int64(len(items))
	}
	if n < 0 || start+n > int64(len(items)) {
		n = int64(len(items)) - start
	}
	items = items[start : start+n]
	var out [][]byte
	for _, it := range items {
		if len(o.Get) == 0 {
			out = append(out, it.v)
			continue
		}
		for _, g := range o.Get {
			v := m.lookupPattern(db, g, it.v)
			if v != nil {
				v = append([]byte(nil), v...)
			}
			out = append(out, v)
		}
	}
	return out, OK, nil
}

// lookupPattern is Redis's lookupKeyByPattern: "#" is the element itself;
// otherwise the first '*' takes the element, and "key->field" reads a hash
// field. It returns nil when nothing is there.
func (m Multi) lookupPattern(db int, pattern, elem []byte) []byte {
	if len(pattern) == 1 && pattern[0] == '#' {
		return elem
	}
	star := bytes.IndexByte(pattern, '*')
	if star < 0 {
		return nil
	}
	var field []byte
	keyPat := pattern
	if arrow := bytes.Index(pattern[star+1:], []byte("->")); arrow >= 0 {
		at := star + 1 + arrow
		if at+2 < len(pattern) {
			keyPat, field = pattern[:at], pattern[at+2:]
		}
	}
	k := make([]byte, 0, len(keyPat)+len(elem))
	k = append(append(append(k, keyPat[:star]...), elem...), keyPat[star+1:]...)
	x := m.For(k)
	e := x.Peek(db, k)
	if e == nil {
		return nil
	}
	if field != nil {
		if e.Kind != core.KindHash {
			return nil
		}
		r := e.Fields.Get(field)
		if r == nil {
			return nil
		}
		v, _ := r.Value(nil)
		return v
	}
	if e.Kind != core.KindString {
		return nil
	}
	v, _ := e.Value(nil)
	return v
}
