package net

import (
	"bytes"

	"github.com/meridiandb/meridian/shard"
)

// SORT and SORT_RO: parse, run the shard operation over every shard (BY and
// GET patterns may name any key), reply or store.

func cmdSort(c *Client, args [][]byte) {
	readonly := is(args[0], "sort_ro")
	var o shard.SortOptions
	o.Count = -1
	var store []byte
	for j := 2; j < len(args); j++ {
		a, left := args[j], len(args)-j-1
		switch {
		case is(a, "asc"):
			o.Desc = false
		case is(a, "desc"):
			o.Desc = true
		case is(a, "alpha"):
			o.Alpha = true
		case is(a, "limit") && left >= 2:
			off, ok1 := argInt(args[j+1])
			cnt, ok2 := argInt(args[j+2])
			if !ok1 || !ok2 {
				c.Error(ErrNotInteger)
				return
			}
			o.Offset, o.Count = off, cnt
			j += 2
		case is(a, "store") && left >= 1 && !readonly:
			store = args[j+1]
			j++
		case is(a, "by") && left >= 1:
			o.By = args[j+1]
			o.NoSort = bytes.IndexByte(o.By, '*') < 0
			j++
		case is(a, "get") && left >= 1:
			o.Get = append(o.Get, args[j+1])
			j++
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	o.Store = store != nil
	m := c.srv.store.LockAll(c.Now)
	defer m.Unlock()
	out, st, err := m.Sort(c.DB, args[1], o)
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
		return
	case err != nil:
		c.Error("ERR " + err.Error())
		return
	}
	if store == nil {
		c.W.AppendArrayLen(len(out))
		for _, v := range out {
			if v == nil {
				c.W.AppendNull()
			} else {
				c.W.AppendBulk(v)
			}
		}
		return
	}
	// STORE replaces the destination with a list of the output (a missing
	// GET value stored as an empty string); an empty output deletes it.
	x := m.For(store)
	if e := x.Peek(c.DB, store); e != nil {
		x.Delete(c.DB, store, e)
	}
	if len(out) > 0 {
		for i := range out {
			if out[i] == nil {
				out[i] = []byte{}
			}
		}
		x.ListPush(c.DB, store, false, false, out)
	}
	c.W.AppendInt(int64(len(out)))
}

var sortCommands = []*Command{
	{Name: "sort", Arity: -2, Flags: FlagWrite | FlagDenyOOM | FlagMovableKeys, First: 1, Last: 1, Step: 1, Group: "generic", Since: "1.0.0", Summary: "Sorts the elements in a list, a set, or a sorted set, optionally storing the result.", Syntax: "key [BY pattern:pattern] [LIMIT offset:int count:int] [GET pattern:pattern [GET pattern:pattern ...]] [ASC | DESC] [ALPHA] [STORE destination:key]", Handler: cmdSort},
	{Name: "sort_ro", Arity: -2, Flags: FlagReadonly, First: 1, Last: 1, Step: 1, Group: "generic", Since: "7.0.0", Summary: "Returns the sorted elements of a list, a set, or a sorted set.", Syntax: "key [BY pattern:pattern] [LIMIT offset:int count:int] [GET pattern:pattern [GET pattern:pattern ...]] [ASC | DESC] [ALPHA]", Handler: cmdSort},
}
