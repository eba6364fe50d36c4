package shard

import (
	"math/rand/v2"

	"github.com/meridiandb/meridian/core"
)

// Operations of the hash family (HSET, HGET, HDEL, HINCRBY, HRANDFIELD,
// HSCAN, ...). A hash keeps its fields in the entry's core.Fields, one
// core.Register per field, so each field follows the string rules of
// SEMANTICS.md section 1 and the fields together form the add-wins
// observed-remove map of section 2; every write below is one field write
// (SetField, IncrField, DeleteField), which takes its own dot and ships its
// own delta.
//
// Reads return values that alias shard memory or the shard's scratch
// buffer: the caller writes its reply before releasing the shard. Owning
// shard only, like every Exec method.
//
// Like Redis, reads look the key up with Lookup (they count keyspace hits
// and misses) and writes with Peek (lookupKeyWrite: no statistics).

// hashRead returns the live hash at key for a read.
func (x *Exec) hashRead(db int, key []byte) (*core.Entry, Status) {
	e := x.Lookup(db, key)
	if e == nil {
		return nil, NotFound
	}
	if e.Kind != core.KindHash {
		return nil, WrongType
	}
	return e, OK
}

// hashWrite returns the entry a hash write modifies, creating it when
// absent; WrongType when key holds another type. A caller that ends up
// writing nothing calls Abandon.
func (x *Exec) hashWrite(db int, key []byte) (*core.Entry, Status) {
	if e := x.Peek(db, key); e != nil && e.Kind != core.KindHash {
		return nil, WrongType
	}
	return x.LookupWrite(db, key), OK
}

// Hash returns the live hash at key for a read that walks it (HGETALL,
// HKEYS, HVALS, HRANDFIELD, HSCAN): NotFound when absent, WrongType when
// key holds another type. It counts a keyspace hit or miss.
func (x *Exec) Hash(db int, key []byte) (*core.Entry, Status) { return x.hashRead(db, key) }

// HashLen is the number of fields of a hash returned by Hash.
func HashLen(e *core.Entry) int {
	if e.Fields == nil {
		return 0
	}
	return e.Fields.Len()
}

// fieldValue is the visible value of r, formatted into the shard's scratch
// when it carries increments: valid until the next call.
func (x *Exec) fieldValue(r *core.Register) []byte {
	v, _ := r.Value(x.scratch[:0])
	return v
}

// HashValue returns the value of field in a hash returned by Hash (ok false
// when the field is absent). The value aliases shard memory or scratch and
// is valid until the next call.
func (x *Exec) HashValue(e *core.Entry, field []byte) ([]byte, bool) {
	if e.Fields == nil {
		return nil, false
	}
	r := e.Fields.Get(field)
	if r == nil {
		return nil, false
	}
	return x.fieldValue(r), true
}

// HashEach calls fn with every field of a hash returned by Hash and its
// value (valid during the call), in the hash's iteration order, until fn
// returns false.
func (x *Exec) HashEach(e *core.Entry, fn func(name string, value []byte) bool) {
	if e.Fields == nil {
		return
	}
	e.Fields.Each(func(name string, r *core.Register) bool {
		return fn(name, x.fieldValue(r))
	})
}

// HSet writes the field/value pairs of pairs (field, value, field, value,
// ...) in order and returns how many fields were new (HSET, HMSET). A field
// named twice is written twice, as in Redis: the last value stays.
func (x *Exec) HSet(db int, key []byte, pairs [][]byte) (int, Status) {
	e, st := x.hashWrite(db, key)
	if st != OK {
		return 0, st
	}
	created := 0
	for i := 0; i+1 < len(pairs); i += 2 {
		if x.SetField(db, key, e, core.KindHash, pairs[i], pairs[i+1]) {
			created++
		}
	}
	x.Abandon(db, key, e) // no pairs: nothing was written
	return created, OK
}

// HSetNX writes field only when it is absent (HSETNX): OK when written,
// NotDone when the field exists.
func (x *Exec) HSetNX(db int, key, field, value []byte) Status {
	e, st := x.hashWrite(db, key)
	if st != OK {
		return st
	}
	if e.Kind == core.KindHash && e.Fields != nil && e.Fields.Get(field) != nil {
		return NotDone
	}
	x.SetField(db, key, e, core.KindHash, field, value)
	return OK
}

// HGet returns the value of field (HGET): NotFound when the key or the
// field is absent. The value aliases shard memory or scratch.
func (x *Exec) HGet(db int, key, field []byte) ([]byte, Status) {
	e, st := x.hashRead(db, key)
	if st != OK {
		return nil, st
	}
	v, ok := x.HashValue(e, field)
	if !ok {
		return nil, NotFound
	}
	return v, OK
}

// HMGet calls fn with the value of each of fields in order (ok false for an
// absent field; every field is absent when the key is) (HMGET). WrongType
// when key holds another type, and then fn is not called.
func (x *Exec) HMGet(db int, key []byte, fields [][]byte, fn func(v []byte, ok bool)) Status {
	e, st := x.hashRead(db, key)
	if st == WrongType {
		return st
	}
	for _, f := range fields {
		if e == nil {
			fn(nil, false)
			continue
		}
		fn(x.HashValue(e, f))
	}
	return OK
}

// HLen is the number of fields (HLEN); 0 when the key is absent.
func (x *Exec) HLen(db int, key []byte) (int, Status) {
	e, st := x.hashRead(db, key)
	if st != OK {
		return 0, st
	}
	return HashLen(e), OK
}

// HExists reports whether field exists (HEXISTS).
func (x *Exec) HExists(db int, key, field []byte) (bool, Status) {
	e, st := x.hashRead(db, key)
	if st != OK {
		return false, st
	}
	return e.Fields != nil && e.Fields.Get(field) != nil, OK
}

// HStrLen is the length of field's value, 0 when absent (HSTRLEN).
func (x *Exec) HStrLen(db int, key, field []byte) (int, Status) {
	e, st := x.hashRead(db, key)
	if st != OK {
		return 0, st
	}
	v, _ := x.HashValue(e, field)
	return len(v), OK
}

// HDel removes fields and returns how many were present (HDEL). Each
// removal is an observed-remove of that field: a concurrent write of it
// that this region has not seen survives (SEMANTICS.md section 2). As in
// Redis, the key goes when its last field does, and the fields named after
// that point count nothing.
func (x *Exec) HDel(db int, key []byte, fields [][]byte) (int, Status) {
	e := x.Peek(db, key)
	if e == nil {
		return 0, OK
	}
	if e.Kind != core.KindHash {
		return 0, WrongType
	}
	n := 0
	for _, f := range fields {
		if x.DeleteField(db, key, e, f) {
			n++
			if !e.Live() {
				break
			}
		}
	}
	return n, OK
}

// HIncrBy adds by to field's integer value, 0 when absent, and returns the
// new value (HINCRBY). The increment replicates as this region's counter of
// the field, so concurrent increments add up (SEMANTICS.md sections 1, 2).
// Errors: core.ErrNotInteger when the value is not an integer,
// core.ErrOverflow when the result leaves the 64-bit range.
func (x *Exec) HIncrBy(db int, key, field []byte, by int64) (int64, Status, error) {
	e, st := x.hashWrite(db, key)
	if st != OK {
		return 0, st, nil
	}
	n, err := x.IncrField(db, key, e, core.KindHash, field, by)
	return n, OK, err
}

// HIncrByFloat adds by to field's value as a float and returns the new
// value formatted into buf (HINCRBYFLOAT). Errors: core.ErrNotFloat when
// the value is not a number, core.ErrNaN when the result is not finite
// (an infinite value included, which Redis reads as a float).
func (x *Exec) HIncrByFloat(db int, key, field []byte, by core.DD, buf []byte) ([]byte, Status, error) {
	e, st := x.hashWrite(db, key)
	if st != OK {
		return nil, st, nil
	}
	v, err := x.IncrFieldFloat(db, key, e, core.KindHash, field, by, buf[:0])
	if err == core.ErrNotFloat {
		// An infinite value ("inf", or past the float range) is a float
		// to Redis, and adding to it fails as a non-finite result.
		if cur, ok := x.HashValue(e, field); ok {
			if _, isFloat := core.ParseFloat(cur); isFloat {
				err = core.ErrNaN
			}
		}
	}
	return v, OK, err
}

// randWindow bounds the walk of one random pick from a large hash. A pick
// starts a map iteration, which Go begins at a random table and slot, and
// takes the k-th entry from there, k uniform below min(entries,
// randWindow).
// The start alone is far from uniform (fields after empty slots, and in
// tables that hold fewer fields, come up more often); walking a uniform
// k evens that out: with k below the size the pick is exactly uniform
// whatever the start, and with 256 the spread of pick probabilities is
// within a few percent (measured on 2,000 to 100,000 fields: dispersion
// 1.15 against 1.0 for a uniform pick, 3.5 for k below 16 as Redis's
// dictGetFairRandomKey samples).
const randWindow = 256

// RandomFields picks fields of a hash returned by Hash at random and calls
// fn with each pick's name and value (valid during the call), after
// Redis's HRANDFIELD rules: count > 0 gives min(count, size) distinct
// fields, the whole hash when count reaches its size; count < 0 gives -count
// fields that may repeat. It returns how many picks it made.
//
// There is no index to draw from: a pick either walks from a random start
// (about min(size, randWindow)/2 steps over the table's slots, touching no
// field's data) or the hash's names are listed once (size steps) and drawn
// from exactly uniformly; each call takes whichever costs less, so a pick
// from a huge hash costs O(randWindow), not O(size), and many picks cost
// O(size + picks).
func (x *Exec) RandomFields(e *core.Entry, count int64, fn func(name string, value []byte)) int {
	f := e.Fields
	if f == nil || f.Len() == 0 || count == 0 {
		return 0
	}
	size := int64(f.Len())
	// Removed fields kept as tombstones share the table: a walk lands on
	// one and draws again, which stays cheap while they are at most half.
	walkable := int64(len(f.M)) <= 2*size
	walk := min(int64(len(f.M)), randWindow)/2 + 1 // the cost of one walked pick
	switch {
	case count >= size:
		// The whole hash, in its iteration order (Redis's case 2).
		f.Each(func(name string, r *core.Register) bool {
			fn(name, x.fieldValue(r))
			return true
		})
		return int(size)
	case walkable && count < 0 && -count <= size/walk:
		for i := int64(0); i < -count; i++ {
			name, r := randomField(f)
			fn(name, x.fieldValue(r))
		}
		return int(-count)
	case walkable && count > 0 && count*3 <= size && count <= size/(2*walk):
		// Few distinct picks from a large hash: draw until count distinct
		// (Redis's case 4); with count <= size/3 that takes at most 1.5
		// draws a pick on average.
		seen := make(map[string]struct{}, count)
		for int64(len(seen)) < count {
			name, r := randomField(f)
			if _, dup := seen[name]; dup {
				continue
			}
			seen[name] = struct{}{}
			fn(name, x.fieldValue(r))
		}
		return int(count)
	}
	// List the names once and draw from the list.
	names := x.names[:0]
	f.Each(func(name string, _ *core.Register) bool {
		names = append(names, name)
		return true
	})
	emit := func(name string) { fn(name, x.fieldValue(f.M[name])) }
	n := 0
	if count < 0 {
		for i := int64(0); i < -count; i++ {
			emit(names[rand.IntN(len(names))])
		}
		n = int(-count)
	} else {
		// A partial Fisher-Yates shuffle: the first count names are a
		// uniform random subset, in random order.
		for i := 0; i < int(count); i++ {
			j := i + rand.IntN(len(names)-i)
			names[i], names[j] = names[j], names[i]
			emit(names[i])
		}
		n = int(count)
	}
	clear(names)
	x.names = names[:0]
	return n
}

// randomField picks a live field of f, which must hold one: the k-th slot
// from where a fresh map iteration starts, k uniform below
// min(len(f.M), randWindow) (see randWindow), drawn again when it holds a
// tombstone. Below randWindow entries the pick is exactly uniform.
func randomField(f *core.Fields) (string, *core.Register) {
	n := min(int64(len(f.M)), randWindow)
	for {
		k := rand.Int64N(n)
		var i int64
		for name, r := range f.M {
			if i == k {
				if r.Live() {
					return name, r
				}
				break
			}
			i++
		}
	}
}

// HScan returns one page of HSCAN over a hash returned by Hash (see
// ScanFields for the cursor): fn receives each field and its value (valid
// during the call); the result is the next cursor, 0 when done.
//
// A small hash comes whole in one page whatever the cursor, as a Redis
// listpack does (HSCAN h 123 on a small hash returns every field and cursor
// 0): a page holding everything satisfies every SCAN guarantee.
func (x *Exec) HScan(e *core.Entry, cursor uint64, count int, fn func(name string, value []byte)) uint64 {
	if HashLen(e) <= smallCollection {
		cursor = 0
	}
	return ScanFields(e, cursor, count, func(name string, r *core.Register) {
		fn(name, x.fieldValue(r))
	})
}
