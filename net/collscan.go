package net

import (
	"math"

	"github.com/meridiandb/meridian/net/config"
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

// replyEmptyScan is the page of an absent key: cursor 0, no members.
func replyEmptyScan(c *Client) {
	c.W.AppendArrayLen(2)
	c.W.AppendBulkString("0")
	c.W.AppendArrayLen(0)
}
