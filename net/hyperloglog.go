package net

import (
	"github.com/meridiandb/meridian/core"
	"github.com/meridiandb/meridian/shard"
)

// The HyperLogLog family: PFADD, PFCOUNT, PFMERGE (src/hyperloglog.c).
// Keys are core.HLL CRDTs (SEMANTICS.md section 6); a string key holding a
// Redis HLL string works too, and becomes an HLL on its first change.

// Texts of src/hyperloglog.c (this file owns them: errors.go is shared).
const (
	errNotHLL     = "WRONGTYPE Key is not a valid HyperLogLog string value."
	errCorruptHLL = "INVALIDOBJ Corrupted HLL object detected"
)

// replyHLLError writes the error of an HLL operation; false when there is
// none.
func replyHLLError(c *Client, st shard.Status, err error) bool {
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
	case err == core.ErrNotHLL:
		c.Error(errNotHLL)
	case err == core.ErrCorruptHLL:
		c.Error(errCorruptHLL)
	case err != nil:
		c.Error("ERR " + err.Error())
	default:
		return false
	}
	return true
}

func cmdPFAdd(c *Client, args [][]byte) {
	sh := c.srv.store.ShardFor(args[1])
	x := sh.Lock(c.Now)
	changed, st, err := x.PFAdd(c.DB, args[1], args[2:])
	sh.Unlock()
	if replyHLLError(c, st, err) {
		return
	}
	if changed {
		c.W.AppendInt(1)
	} else {
		c.W.AppendInt(0)
	}
}

func cmdPFCount(c *Client, args [][]byte) {
	var n uint64
	var st shard.Status
	var err error
	if len(args) == 2 {
		sh := c.srv.store.ShardFor(args[1])
		x := sh.Lock(c.Now)
		n, st, err = x.PFCount(c.DB, args[1])
		sh.Unlock()
	} else {
		keys := args[1:]
		m := c.srv.store.LockKeys(keys, c.Now)
		n, st, err = m.PFCountUnion(c.DB, keys)
		m.Unlock()
	}
	if replyHLLError(c, st, err) {
		return
	}
	c.W.AppendInt(int64(n))
}

func cmdPFMerge(c *Client, args [][]byte) {
	keys := args[1:]
	m := c.srv.store.LockKeys(keys, c.Now)
	st, err := m.PFMerge(c.DB, args[1], args[2:])
	m.Unlock()
	if replyHLLError(c, st, err) {
		return
	}
	c.W.AppendOK()
}

var hllCommands = []*Command{
	{Name: "pfadd", Arity: -2, Flags: FlagWrite | FlagDenyOOM | FlagFast, First: 1, Last: 1, Step: 1, Group: "hyperloglog", Since: "2.8.9", Summary: "Adds elements to a HyperLogLog key. Creates the key if it doesn't exist.", Syntax: "key [element [element ...]]", Handler: cmdPFAdd},
	{Name: "pfcount", Arity: -2, Flags: FlagReadonly, First: 1, Last: -1, Step: 1, Group: "hyperloglog", Since: "2.8.9", Summary: "Returns the approximated cardinality of the set(s) observed by the HyperLogLog key(s).", Syntax: "key [key ...]", Handler: cmdPFCount},
	{Name: "pfmerge", Arity: -2, Flags: FlagWrite | FlagDenyOOM, First: 1, Last: -1, Step: 1, Group: "hyperloglog", Since: "2.8.9", Summary: "Merges one or more HyperLogLog values into a single key.", Syntax: "destkey:key [sourcekey:key [sourcekey:key ...]]", Handler: cmdPFMerge},
}
