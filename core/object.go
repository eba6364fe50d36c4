package core

// Object is the state of a key of a kind that is neither a string nor a
// field collection: lists and HyperLogLogs. Each such kind implements it in
// its own file and registers a constructor, so Entry stays small and the
// kinds stay apart. Owning shard only.
type Object interface {
	// Apply merges one delta of the object's kind (idempotent, and
	// commutative across origins). retain keeps removed elements as
	// tombstones until causally stable.
	Apply(d *Delta, retain bool)
	// Merge joins another object's full state of the same kind.
	Merge(o Object, retain bool)
	// Live reports whether the object shows any data.
	Live() bool
}

// objectKinds maps a kind to its constructor; each kind's file fills its
// entry in an init function.
var objectKinds = map[Kind]func() Object{}

func newObject(k Kind) Object {
	if mk := objectKinds[k]; mk != nil {
		return mk()
	}
	return nil
}
