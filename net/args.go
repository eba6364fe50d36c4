package net

import (
	"fmt"
	"math"
	"strings"

	"github.com/meridiandb/meridian/core"
)

// Argument helpers shared by the command families.

// argInt parses an integer argument as Redis does (string2ll).
func argInt(b []byte) (int64, bool) { return core.ParseInt(b) }

// argFloat parses a float argument as Redis does.
func argFloat(b []byte) (float64, bool) { return core.ParseFloat(b) }

// is reports whether arg equals word (lower case) ignoring case.
func is(arg []byte, word string) bool {
	if len(arg) != len(word) {
		return false
	}
	for i := 0; i < len(arg); i++ {
		c := arg[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != word[i] {
			return false
		}
	}
	return true
}

// Expiry units and forms of SET, GETEX, EXPIRE and friends.
const (
	unitSeconds = iota
	unitMillis
)

// deadlineFrom converts an EX/PX/EXAT/PXAT value into an absolute deadline
// (Unix ms) the way SET and GETEX do: the value must be positive and the
// result must not overflow. ok=false means "invalid expire time".
func deadlineFrom(now, v int64, unit int, absolute bool) (int64, bool) {
	if v <= 0 || (unit == unitSeconds && v > math.MaxInt64/1000) {
		return 0, false
	}
	ms := v
	if unit == unitSeconds {
		ms *= 1000
	}
	if !absolute {
		if ms > math.MaxInt64-now {
			return 0, false
		}
		ms += now
	}
	return ms, true
}

func invalidExpire(cmd []byte) string {
	return fmt.Sprintf(ErrInvalidExpire, strings.ToLower(string(cmd)))
}
