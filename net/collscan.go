package net

import (
	"math"

	"github.com/meridiandb/meridian/net/config"
	"github.com/meridiandb/meridian/shard"
)

// collectionScan holds HSCAN's, SSCAN's and ZSCAN's arguments. Redis checks
// the cursor first, then the key (absent: an empty page; another type:
// WRONGTYPE), and only then the options, so an option error waits in
// optErr until the key has been looked up.
type collectionScan struct {
	cursor uint64
	count  int
	match  string // "" or "*": every member
	optErr string
}

// parseCollectionScan parses "key cursor [MATCH pattern] [COUNT count]";
// ok is false (and the error written) when the cursor is invalid.
func parseCollectionScan(c *Client, args [][]byte) (s collectionScan, ok bool) {
	if s.cursor, ok = parseCursor(args[2]); !ok {
		c.Error(errInvalidCursor)
		return s, false
	}
	count := int64(scanDefaultCount)
	for i := 3; i < len(args) && s.optErr == ""; i += 2 {
		more := i+1 < len(args)
		switch a := args[i]; {
		case is(a, "count") && more:
			v, ok := argInt(args[i+1])
			switch {
			case !ok:
				s.optErr = ErrNotInteger
			case v < 1:
				s.optErr = ErrSyntax
			default:
				count = v
			}
		case is(a, "match") && more:
			s.match = string(args[i+1])
		default:
			s.optErr = ErrSyntax
		}
	}
	if count > math.MaxInt32 {
		count = math.MaxInt32 // a page never needs more: ScanFields sizes pages itself
	}
	s.count = int(count)
	return s, true
}

// matches applies MATCH to a member name.
func (s *collectionScan) matches(name string) bool {
	return s.match == "" || s.match == "*" || config.GlobMatch(s.match, name, false)
}

// proceed takes the key lookup's status in Redis's order — another type,
// then an absent key (an empty page, cursor 0), then a waiting option error
// — writes the reply that ends the scan, and reports whether to go on.
func (s *collectionScan) proceed(c *Client, st shard.Status) bool {
	switch {
	case st == shard.WrongType:
		c.Error(ErrWrongType)
	case st == shard.NotFound:
		c.W.AppendArrayLen(2)
		c.W.AppendBulkString("0")
		c.W.AppendArrayLen(0)
	case s.optErr != "":
		c.Error(s.optErr)
	default:
		return true
	}
	return false
}
