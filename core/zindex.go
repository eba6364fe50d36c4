package core

import (
	"math"
	"slices"
	"strconv"
)

// Sorted sets. A sorted set is a Fields of kind KindZSet: each member is a
// field whose Register holds its score, so membership is add-wins
// observed-remove and a score is an LWW base (ZADD) plus per-region
// increments (ZINCRBY), exactly the rules of a string (SEMANTICS.md 4).
//
// The base is the score's shortest round-trip text (AppendScore), so
// ZSCORE prints what Redis prints. A member's score is ScoreOf(register):
// the base read as a double plus the exact sum of the increments its
// writer had not observed, rounded once. Redis rounds after every ZINCRBY;
// after several fractional increments the two can differ in the last bit.
//
// Ordering: Fields.z, built for KindZSet only, is a counted B-tree of the
// live members as (score, member), updated on every change of a member's
// register whatever its origin (a local write, a remote delta, a full-sync
// merge), so ranges by rank, score or lex cost O(log n) to find and O(1)
// per member returned, and rank queries O(log n). Every node stores the
// size of its subtree; that is what turns a descent into a rank.

// ZItem is one member of a sorted set with its score. Member is the
// index's own immutable string: it stays valid after the set changes.
type ZItem struct {
	Score  float64
	Member string
}

// zless orders members by score, then bytewise by member (Redis's order).
func zless(a, b ZItem) bool {
	return a.Score < b.Score || (a.Score == b.Score && a.Member < b.Member)
}

// zkey is a member name as the tree is probed with it: a string, or the
// bytes of a delta or an argument (compared without copying them).
type zkey interface{ ~string | ~[]byte }

// zbefore reports whether it orders before (score, member).
func zbefore[K zkey](it *ZItem, score float64, member K) bool {
	return it.Score < score || (it.Score == score && it.Member < string(member))
}

// Node sizes of the tree: a node holds zMinItems..zMaxItems items (the root
// fewer). 63 items of 24 bytes keep a node within a few cache lines' walk
// for the binary search while the tree stays shallow (4 levels hold 10^7).
const (
	zMaxItems = 63
	zMinItems = zMaxItems / 2
)

// znode is a node of the counted B-tree. Owning shard only.
type znode struct {
	count int      // items in this subtree
	items []ZItem  // sorted
	kids  []*znode // nil in a leaf; len(items)+1 otherwise
}

// ztree is the counted B-tree of a sorted set's live members.
type ztree struct {
	root *znode
}

func (t *ztree) len() int {
	if t.root == nil {
		return 0
	}
	return t.root.count
}

// zfind returns the position of the first item not before (score, member)
// in items, and whether it is that member.
func zfind[K zkey](items []ZItem, score float64, member K) (int, bool) {
	lo, hi := 0, len(items)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if zbefore(&items[m], score, member) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(items) && items[lo].Score == score && items[lo].Member == string(member)
}

// insert adds it; false when it is there already.
func (t *ztree) insert(it ZItem) bool {
	if t.root == nil {
		t.root = &znode{count: 1, items: []ZItem{it}}
		return true
	}
	if !t.root.insert(it) {
		return false
	}
	if len(t.root.items) > zMaxItems {
		left := t.root
		right, med := left.split()
		t.root = &znode{count: left.count + right.count + 1, items: []ZItem{med}, kids: []*znode{left, right}}
	}
	return true
}

func (n *znode) insert(it ZItem) bool {
	i, found := zfind(n.items, it.Score, it.Member)
	if found {
		return false
	}
	if n.kids == nil {
		n.items = slices.Insert(n.items, i, it)
		n.count++
		return true
	}
	c := n.kids[i]
	if !c.insert(it) {
		return false
	}
	n.count++
	if len(c.items) > zMaxItems {
		right, med := c.split()
		n.items = slices.Insert(n.items, i, med)
		n.kids = slices.Insert(n.kids, i+1, right)
	}
	return true
}

// split moves the upper half of an overfull node into a new right sibling
// and returns it with the median, which goes up to the parent.
func (n *znode) split() (*znode, ZItem) {
	mid := len(n.items) / 2
	med := n.items[mid]
	r := &znode{items: append(make([]ZItem, 0, zMaxItems+1), n.items[mid+1:]...)}
	clear(n.items[mid:])
	n.items = n.items[:mid]
	r.count = len(r.items)
	if n.kids != nil {
		r.kids = append(make([]*znode, 0, zMaxItems+2), n.kids[mid+1:]...)
		clear(n.kids[mid+1:])
		n.kids = n.kids[:mid+1]
		for _, k := range r.kids {
			r.count += k.count
		}
	}
	n.count -= r.count + 1
	return r, med
}

// remove deletes (score, member) and returns the stored item.
func zremove[K zkey](t *ztree, score float64, member K) (ZItem, bool) {
	if t.root == nil {
		return ZItem{}, false
	}
	it, ok := zremoveNode(t.root, score, member)
	if ok && len(t.root.items) == 0 {
		if t.root.kids == nil {
			t.root = nil
		} else {
			t.root = t.root.kids[0]
		}
	}
	return it, ok
}

func zremoveNode[K zkey](n *znode, score float64, member K) (ZItem, bool) {
	i, found := zfind(n.items, score, member)
	if n.kids == nil {
		if !found {
			return ZItem{}, false
		}
		it := n.items[i]
		n.items = slices.Delete(n.items, i, i+1)
		n.count--
		return it, true
	}
	var it ZItem
	if found {
		// An inner item is replaced by its predecessor, the largest item
		// of the subtree on its left.
		it = n.items[i]
		n.items[i] = n.kids[i].removeMax()
	} else {
		var ok bool
		if it, ok = zremoveNode(n.kids[i], score, member); !ok {
			return ZItem{}, false
		}
	}
	n.count--
	if len(n.kids[i].items) < zMinItems {
		n.rebalance(i)
	}
	return it, true
}

// removeMax deletes and returns the largest item of a non-empty subtree.
func (n *znode) removeMax() ZItem {
	if n.kids == nil {
		last := len(n.items) - 1
		it := n.items[last]
		n.items[last] = ZItem{}
		n.items = n.items[:last]
		n.count--
		return it
	}
	i := len(n.kids) - 1
	it := n.kids[i].removeMax()
	n.count--
	if len(n.kids[i].items) < zMinItems {
		n.rebalance(i)
	}
	return it
}

// rebalance restores the minimum size of kid i, which is one short: it
// borrows an item through the parent from a sibling that can spare one,
// else merges with that sibling.
func (n *znode) rebalance(i int) {
	if i == len(n.items) {
		i--
	}
	left, right := n.kids[i], n.kids[i+1]
	if len(left.items)+len(right.items) < zMaxItems {
		left.items = append(left.items, n.items[i])
		left.items = append(left.items, right.items...)
		if left.kids != nil {
			left.kids = append(left.kids, right.kids...)
		}
		left.count += right.count + 1
		n.items = slices.Delete(n.items, i, i+1)
		n.kids = slices.Delete(n.kids, i+1, i+2)
		return
	}
	moved := 1
	if len(left.items) > len(right.items) {
		right.items = slices.Insert(right.items, 0, n.items[i])
		last := len(left.items) - 1
		n.items[i] = left.items[last]
		left.items[last] = ZItem{}
		left.items = left.items[:last]
		if left.kids != nil {
			lk := len(left.kids) - 1
			k := left.kids[lk]
			left.kids[lk] = nil
			left.kids = left.kids[:lk]
			right.kids = slices.Insert(right.kids, 0, k)
			moved += k.count
		}
		left.count -= moved
		right.count += moved
		return
	}
	left.items = append(left.items, n.items[i])
	n.items[i] = right.items[0]
	right.items = slices.Delete(right.items, 0, 1)
	if right.kids != nil {
		k := right.kids[0]
		right.kids = slices.Delete(right.kids, 0, 1)
		left.kids = append(left.kids, k)
		moved += k.count
	}
	left.count += moved
	right.count -= moved
}

// countBefore is the number of items before (score, member): the rank it
// has or would have.
func zcountBefore[K zkey](t *ztree, score float64, member K) int {
	r := 0
	for n := t.root; n != nil; {
		i, _ := zfind(n.items, score, member)
		r += i
		if n.kids == nil {
			break
		}
		for _, k := range n.kids[:i] {
			r += k.count
		}
		n = n.kids[i]
	}
	return r
}

// countWhile is the number of items for which before holds, before being
// true for a prefix of the order (a score or lex bound).
func (t *ztree) countWhile(before func(*ZItem) bool) int {
	r := 0
	for n := t.root; n != nil; {
		lo, hi := 0, len(n.items)
		for lo < hi {
			m := int(uint(lo+hi) >> 1)
			if before(&n.items[m]) {
				lo = m + 1
			} else {
				hi = m
			}
		}
		r += lo
		if n.kids == nil {
			break
		}
		for _, k := range n.kids[:lo] {
			r += k.count
		}
		n = n.kids[lo]
	}
	return r
}

// at returns the item of rank k (0 <= k < len).
func (t *ztree) at(k int) ZItem {
	n := t.root
	for n.kids != nil {
		i := 0
		for ; i < len(n.items); i++ {
			c := n.kids[i].count
			if k < c {
				break
			}
			k -= c
			if k == 0 {
				return n.items[i]
			}
			k--
		}
		n = n.kids[i]
	}
	return n.items[k]
}

// ascend calls fn for the items from rank k upwards until fn returns false;
// it reports whether fn never did.
func (n *znode) ascend(k int, fn func(ZItem) bool) bool {
	if n.kids == nil {
		for _, it := range n.items[k:] {
			if !fn(it) {
				return false
			}
		}
		return true
	}
	for i, c := range n.kids {
		if k < c.count {
			if !c.ascend(k, fn) {
				return false
			}
			k = 0
		} else {
			k -= c.count
		}
		if i < len(n.items) {
			if k == 0 {
				if !fn(n.items[i]) {
					return false
				}
			} else {
				k--
			}
		}
	}
	return true
}

// descend calls fn for the items from rank k downwards until fn returns
// false; it reports whether fn never did.
func (n *znode) descend(k int, fn func(ZItem) bool) bool {
	if n.kids == nil {
		for i := k; i >= 0; i-- {
			if !fn(n.items[i]) {
				return false
			}
		}
		return true
	}
	// Find where rank k lies: inside kid i, or on item i (onItem).
	i, onItem := 0, false
	for ; i < len(n.items); i++ {
		c := n.kids[i].count
		if k < c {
			break
		}
		k -= c
		if k == 0 {
			onItem = true
			break
		}
		k--
	}
	if !onItem {
		if !n.kids[i].descend(k, fn) {
			return false
		}
		i--
	}
	for ; i >= 0; i-- {
		if !fn(n.items[i]) {
			return false
		}
		if c := n.kids[i]; !c.descend(c.count-1, fn) {
			return false
		}
	}
	return true
}

// The hook of Fields: Fields.apply, merge and settle call these for a
// sorted set, so the tree follows every register change.

// zbuild indexes every live member (a zset's first write, or a Fields that
// arrived without an index).
func (f *Fields) zbuild() {
	f.z = &ztree{}
	for k, r := range f.M {
		if r.Live() {
			f.z.insert(ZItem{Score: ScoreOf(r), Member: k})
		}
	}
}

// zupdate moves member in the tree after its register r changed: was and
// old are its liveness and score before the change. name is the member as
// a string that may be kept (empty: make one from member when needed).
func zupdate[K zkey](f *Fields, name string, member K, r *Register, was bool, old float64) {
	now := r.Live()
	if !was && !now {
		return
	}
	var s float64
	if now {
		s = ScoreOf(r)
		if was && math.Float64bits(s) == math.Float64bits(old) {
			return
		}
	}
	if was {
		if it, ok := zremove(f.z, old, member); ok {
			name = it.Member
		}
	}
	if now {
		if name == "" {
			name = string(member)
		}
		f.z.insert(ZItem{Score: s, Member: name})
	}
}

// ScoreOf is the score a sorted-set member's register shows: the winning
// base read as a double, plus every increment that base's writer (and any
// remove) had not observed, summed exactly in replica order and rounded
// once, so every region computes the same bits. An infinite base absorbs
// finite increments as IEEE arithmetic does; a dead register reads 0.
func ScoreOf(r *Register) float64 {
	w := r.winner()
	var base float64
	if w != nil {
		base, _ = ParseFloat(w.V.Value)
	}
	if len(r.Incs) == 0 {
		return base
	}
	p := r.pending(w)
	if !p.any || math.IsInf(base, 0) {
		return base
	}
	s := DD{Hi: base}
	if !p.i.isZero() {
		s = s.Add(p.i.dd())
	}
	if p.hasFloat {
		s = s.Add(p.f)
	}
	v := s.Float64()
	if math.IsNaN(v) {
		// The exact sum overflowed: fall back to plain doubles, which
		// give the infinity of the overflow's sign.
		v = base + p.i.dd().Float64() + p.f.Float64()
		if math.IsNaN(v) {
			v = 0
		}
	}
	return v
}

// AppendScore appends the canonical text of a score, the base a ZADD
// writes: the shortest text that reads back as the same double.
func AppendScore(dst []byte, score float64) []byte {
	return strconv.AppendFloat(dst, score, 'g', -1, 64)
}

// ParseScore parses a score argument as Redis's string2d does (ZADD, and
// every "value is not a valid float" argument of the sorted-set and GEO
// commands): no leading space, the whole text, no NaN, and a value whose
// magnitude overflows, or that underflows to zero, is refused; "inf" and
// "-inf" are accepted, and so are C's hexadecimal floats.
func ParseScore(b []byte) (float64, bool) {
	if len(b) == 0 || len(b) > 5120 || isCSpace(b[0]) {
		return 0, false
	}
	f, err := parseCFloat(b)
	if err != nil {
		ne, ok := err.(*strconv.NumError)
		if !ok || ne.Err != strconv.ErrRange || math.IsInf(f, 0) || f == 0 {
			return 0, false // a syntax error, or strtod's ERANGE on overflow
		}
	}
	if math.IsNaN(f) {
		return 0, false
	}
	if f == 0 && hasNonZeroDigit(b) {
		return 0, false // an underflow to zero, which strconv does not flag
	}
	return f, true
}

// parseStrtod parses a range bound as Redis's zslParseRange does with
// strtod: leading white space is skipped, the whole rest must be consumed,
// out-of-range values become infinities or zero, NaN is refused, and the
// empty string reads 0 (strtod converts nothing and stops at the end).
func parseStrtod(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	i := 0
	for i < len(b) && isCSpace(b[i]) {
		i++
	}
	if i == len(b) || len(b) > 5120 {
		return 0, false
	}
	f, err := parseCFloat(b[i:])
	if err != nil {
		ne, ok := err.(*strconv.NumError)
		if !ok || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	if math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// parseCFloat reads a C float literal with strconv: a hexadecimal mantissa
// without exponent ("0x1A") gets C's implied "p0", and Go-only syntax
// (digit underscores) is refused. The common text converts without a copy.
func parseCFloat(b []byte) (float64, error) {
	hexNoExp := false
	t := b
	if len(t) > 0 && (t[0] == '+' || t[0] == '-') {
		t = t[1:]
	}
	if len(t) > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X') {
		hexNoExp = true
	}
	for _, c := range b {
		switch c {
		case '_':
			return 0, strconv.ErrSyntax
		case 'p', 'P':
			hexNoExp = false
		}
	}
	if hexNoExp {
		return strconv.ParseFloat(string(b)+"p0", 64)
	}
	return strconv.ParseFloat(string(b), 64)
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// hasNonZeroDigit reports whether a literal's mantissa has a non-zero
// digit, so that a zero result is an underflow.
func hasNonZeroDigit(b []byte) bool {
	hex := false
	for _, c := range b {
		switch {
		case c == 'x' || c == 'X':
			hex = true
		case !hex && (c == 'e' || c == 'E'), hex && (c == 'p' || c == 'P'):
			return false
		case c >= '1' && c <= '9':
			return true
		case hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')):
			return true
		}
	}
	return false
}

// ScoreRange is a score interval of ZRANGEBYSCORE and friends.
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool // open ends: "(" in Redis's syntax
}

// ParseScoreRange parses min and max as Redis's zslParseRange: an optional
// "(" makes an end open, the rest is read by strtod.
func ParseScoreRange(min, max []byte) (ScoreRange, bool) {
	var r ScoreRange
	var ok1, ok2 bool
	if len(min) > 0 && min[0] == '(' {
		r.MinEx = true
		min = min[1:]
	}
	if len(max) > 0 && max[0] == '(' {
		r.MaxEx = true
		max = max[1:]
	}
	r.Min, ok1 = parseStrtod(min)
	r.Max, ok2 = parseStrtod(max)
	return r, ok1 && ok2
}

// Empty reports whether no score can be in the range (zslIsInRange's
// first test).
func (r ScoreRange) Empty() bool {
	return r.Min > r.Max || (r.Min == r.Max && (r.MinEx || r.MaxEx))
}

// LexRange is a member interval of ZRANGEBYLEX and friends. The bounds
// "-" (below every string) and "+" (above every string) set MinInf/MaxInf
// in their usual places, MinPosInf/MaxNegInf when given the other way
// round (an empty range, as in Redis).
type LexRange struct {
	Min, Max             []byte
	MinEx, MaxEx         bool
	MinInf, MaxInf       bool
	MinPosInf, MaxNegInf bool
}

// ParseLexRange parses min and max as Redis's zslParseLexRange: "-" and
// "+" are the extremes, "[" and "(" start a closed or open bound.
func ParseLexRange(min, max []byte) (LexRange, bool) {
	var r LexRange
	var ok1, ok2 bool
	var minus, plus bool
	r.Min, r.MinEx, minus, plus, ok1 = parseLexItem(min)
	r.MinInf, r.MinPosInf = minus, plus
	r.Max, r.MaxEx, minus, plus, ok2 = parseLexItem(max)
	r.MaxNegInf, r.MaxInf = minus, plus
	return r, ok1 && ok2
}

func parseLexItem(b []byte) (v []byte, ex, minus, plus, ok bool) {
	if len(b) == 0 {
		return nil, false, false, false, false
	}
	switch b[0] {
	case '+':
		return nil, true, false, true, len(b) == 1
	case '-':
		return nil, true, true, false, len(b) == 1
	case '(':
		return b[1:], true, false, false, true
	case '[':
		return b[1:], false, false, false, true
	}
	return nil, false, false, false, false
}

// lexCmpBounds compares the bounds as Redis's sdscmplex: "-" is below and
// "+" above every string, and each equals itself.
func lexCmpBounds(r *LexRange) int {
	a := lexRank(r.MinInf, r.MinPosInf)
	b := lexRank(r.MaxNegInf, r.MaxInf)
	if a != 0 || b != 0 {
		switch {
		case a < b:
			return -1
		case a > b:
			return 1
		}
		return 0
	}
	return compareBytes(r.Min, r.Max)
}

func lexRank(minus, plus bool) int {
	switch {
	case minus:
		return -1
	case plus:
		return 1
	}
	return 0
}

func compareBytes(a, b []byte) int {
	switch s, t := string(a), string(b); {
	case s < t:
		return -1
	case s > t:
		return 1
	}
	return 0
}

// Empty reports whether no member can be in the range.
func (r LexRange) Empty() bool {
	c := lexCmpBounds(&r)
	return c > 0 || (c == 0 && (r.MinEx || r.MaxEx))
}

// ZSet is a read view of a sorted set: members by rank in (score, member)
// order. Owning shard only; valid until the entry changes.
type ZSet struct {
	f *Fields
}

// ZSet returns the sorted-set view of a KindZSet entry, indexing it first
// if it arrived without an index.
func (e *Entry) ZSet() ZSet {
	if e.body == nil {
		return ZSet{}
	}
	f := e.Fields
	if f == nil || e.Kind != KindZSet {
		return ZSet{}
	}
	if f.z == nil {
		f.zbuild()
	}
	return ZSet{f: f}
}

// Len is the number of members.
func (z ZSet) Len() int {
	if z.f == nil {
		return 0
	}
	return z.f.z.len()
}

// Score returns member's score.
func (z ZSet) Score(member []byte) (float64, bool) {
	if z.f == nil {
		return 0, false
	}
	r := z.f.M[string(member)]
	if r == nil || !r.Live() {
		return 0, false
	}
	return ScoreOf(r), true
}

// ScoreString is Score for a member held as a string.
func (z ZSet) ScoreString(member string) (float64, bool) {
	if z.f == nil {
		return 0, false
	}
	r := z.f.M[member]
	if r == nil || !r.Live() {
		return 0, false
	}
	return ScoreOf(r), true
}

// Rank returns member's rank (0 = lowest score) and score.
func (z ZSet) Rank(member []byte) (int, float64, bool) {
	s, ok := z.Score(member)
	if !ok {
		return 0, 0, false
	}
	return zcountBefore(z.f.z, s, member), s, true
}

// At returns the member of rank k, 0 <= k < Len.
func (z ZSet) At(k int) ZItem { return z.f.z.at(k) }

// ScoreRanks returns the ranks [lo, hi) of the members whose score is in r.
func (z ZSet) ScoreRanks(r ScoreRange) (lo, hi int) {
	if z.f == nil || r.Empty() {
		return 0, 0
	}
	t := z.f.z
	lo = t.countWhile(func(it *ZItem) bool {
		return it.Score < r.Min || (r.MinEx && it.Score == r.Min)
	})
	hi = t.countWhile(func(it *ZItem) bool {
		return it.Score < r.Max || (!r.MaxEx && it.Score == r.Max)
	})
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

// LexRanks returns the ranks [lo, hi) of the members in r. Like Redis, it
// assumes every member has the same score; otherwise the answer is some
// contiguous run of the order, as Redis's is.
func (z ZSet) LexRanks(r LexRange) (lo, hi int) {
	if z.f == nil || r.Empty() {
		return 0, 0
	}
	t := z.f.z
	lo = t.countWhile(func(it *ZItem) bool {
		switch {
		case r.MinInf:
			return false
		case r.MinPosInf:
			return true
		case r.MinEx:
			return it.Member <= string(r.Min)
		}
		return it.Member < string(r.Min)
	})
	hi = t.countWhile(func(it *ZItem) bool {
		switch {
		case r.MaxInf:
			return true
		case r.MaxNegInf:
			return false
		case r.MaxEx:
			return it.Member < string(r.Max)
		}
		return it.Member <= string(r.Max)
	})
	if hi < lo {
		hi = lo
	}
	return lo, hi
}

// Ascend calls fn for the members from rank k upwards until fn returns
// false.
func (z ZSet) Ascend(k int, fn func(ZItem) bool) {
	if z.f == nil || k < 0 || k >= z.f.z.len() {
		return
	}
	z.f.z.root.ascend(k, fn)
}

// Descend calls fn for the members from rank k downwards until fn returns
// false.
func (z ZSet) Descend(k int, fn func(ZItem) bool) {
	if z.f == nil || k < 0 || k >= z.f.z.len() {
		return
	}
	z.f.z.root.descend(k, fn)
}

// IncrScore adds by to member's score as a replicated increment (ZINCRBY,
// ZADD INCR) and returns the new score. Concurrent increments add up and a
// concurrent ZREM leaves this one standing (SEMANTICS.md 4). by and the
// result must be finite: the caller writes an infinite result as a base.
func (e *Entry) IncrScore(d *Delta, dot Dot, ts Timestamp, member []byte, by float64) float64 {
	e.open()
	d.reset(OpFieldIncr, dot, ts)
	e.stamp(d, KindZSet)
	d.Field = member
	c := Counter{Replica: dot.Replica}
	r := e.field(KindZSet, member)
	if r != nil {
		c = r.Incs.Get(dot.Replica)
	}
	c.Seq = dot.Seq
	c.setFloats(c.floats().Add(DD{Hi: by}))
	d.Counters = append(d.Counters[:0], c)
	if r != nil {
		r.describeRem(d)
	}
	e.Apply(d)
	if r := e.Fields.M[string(member)]; r != nil {
		return ScoreOf(r)
	}
	return 0
}
