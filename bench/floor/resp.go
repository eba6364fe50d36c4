// Package floor is the "network floor" of Meridian's stack: a gnet v2 server
// that speaks just enough RESP to keep redis-benchmark happy and does no work
// at all. Whatever a real server achieves is measured against it.
//
// The parser here is deliberately minimal: it counts arguments, finds the
// command name (and, for CONFIG, the parameter name) and skips everything
// else in place, without allocating.
package floor

import (
	"bytes"
	"errors"
)

// ErrProtocol is returned by Process for input that is not RESP. The
// connection is answered with an error reply and closed.
var ErrProtocol = errors.New("floor: protocol error")

// Limits guarding the parser against garbage; they match Redis' defaults in
// spirit (proto-max-bulk-len 512MB, inline lines 64KB).
const (
	maxBulkLen    = 512 << 20
	maxArgs       = 1 << 20
	maxInlineLine = 64 << 10
)

// Fixed replies.
var (
	replyPong          = []byte("+PONG\r\n")
	replyOK            = []byte("+OK\r\n")
	replyBulk          = []byte("$3\r\nxxx\r\n")
	replyOne           = []byte(":1\r\n")
	replyEmptyArray    = []byte("*0\r\n")
	replyConfigSave    = []byte("*2\r\n$4\r\nsave\r\n$0\r\n\r\n")
	replyConfigAOF     = []byte("*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n")
	replyProtocolError = []byte("-ERR Protocol error\r\n")
)

// Process parses every complete command at the start of in, appends one
// reply per command to out and returns the extended out plus the number of
// bytes consumed. A trailing partial command is left unconsumed for the
// caller to keep until more bytes arrive. On malformed input it appends an
// error reply and returns ErrProtocol; consumed then covers the commands
// answered before the bad one.
func Process(out, in []byte) ([]byte, int, error) {
	pos := 0
	for pos < len(in) {
		if in[pos] != '*' {
			// Inline command (redis-benchmark's PING_INLINE, telnet users).
			nl := indexNL(in, pos)
			if nl < 0 {
				if len(in)-pos > maxInlineLine {
					return append(out, replyProtocolError...), pos, ErrProtocol
				}
				break
			}
			name := firstWord(in[pos:nl])
			pos = nl + 1
			if len(name) == 0 {
				continue // empty line: Redis ignores it too
			}
			out = appendReply(out, name, nil)
			continue
		}

		n, p, st := parseLen(in, pos+1)
		if st == incomplete {
			break
		}
		if st == bad || n > maxArgs {
			return append(out, replyProtocolError...), pos, ErrProtocol
		}
		if n <= 0 { // "*0" and "*-1" are no-ops
			pos = p
			continue
		}
		var name, param []byte
		complete := true
		for i := 0; i < n; i++ {
			if p >= len(in) {
				complete = false
				break
			}
			if in[p] != '$' {
				return append(out, replyProtocolError...), pos, ErrProtocol
			}
			l, q, st := parseLen(in, p+1)
			if st == incomplete {
				complete = false
				break
			}
			if st == bad || l < 0 || l > maxBulkLen {
				return append(out, replyProtocolError...), pos, ErrProtocol
			}
			end := q + l + 2
			if end > len(in) {
				complete = false
				break
			}
			switch i {
			case 0:
				name = in[q : q+l]
			case 2:
				param = in[q : q+l]
			}
			p = end
		}
		if !complete {
			break
		}
		out = appendReply(out, name, param)
		pos = p
	}
	return out, pos, nil
}

// appendReply answers one command. name is the command name, param the third
// argument (only looked at for CONFIG GET).
func appendReply(out, name, param []byte) []byte {
	switch len(name) {
	case 3:
		if eqFold(name, "get") {
			return append(out, replyBulk...)
		}
		if eqFold(name, "set") {
			return append(out, replyOK...)
		}
	case 4:
		switch name[0] | 0x20 {
		case 'p':
			if eqFold(name, "ping") {
				return append(out, replyPong...)
			}
		case 'm':
			if eqFold(name, "mset") {
				return append(out, replyOK...)
			}
		case 'l', 'r', 's':
			if eqFold(name[1:], "pop") {
				return append(out, replyBulk...)
			}
		}
	case 6:
		if eqFold(name, "config") {
			switch {
			case eqFold(param, "save"):
				return append(out, replyConfigSave...)
			case eqFold(param, "appendonly"):
				return append(out, replyConfigAOF...)
			}
			return append(out, replyEmptyArray...)
		}
		if eqFold(name, "lrange") {
			return append(out, replyEmptyArray...)
		}
	case 7:
		if eqFold(name, "zpopmin") {
			return append(out, replyBulk...)
		}
	}
	// INCR, LPUSH, RPUSH, SADD, HSET, ZADD and anything else.
	return append(out, replyOne...)
}

// eqFold reports whether b equals the lower-case ASCII word s, ignoring the
// case of b.
func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i]|0x20 != s[i] {
			return false
		}
	}
	return true
}

type lenStatus uint8

const (
	ok lenStatus = iota
	incomplete
	bad
)

// parseLen reads a decimal (possibly "-1") terminated by CRLF starting at
// in[i]. It returns the value and the index just past the LF.
func parseLen(in []byte, i int) (int, int, lenStatus) {
	neg := false
	if i < len(in) && in[i] == '-' {
		neg = true
		i++
	}
	n, digits := 0, 0
	for ; i < len(in); i++ {
		c := in[i]
		if c >= '0' && c <= '9' {
			if digits == 10 {
				return 0, 0, bad
			}
			n = n*10 + int(c-'0')
			digits++
			continue
		}
		if c != '\r' || digits == 0 {
			return 0, 0, bad
		}
		if i+1 >= len(in) {
			return 0, 0, incomplete
		}
		if in[i+1] != '\n' {
			return 0, 0, bad
		}
		if neg {
			n = -n
		}
		return n, i + 2, ok
	}
	return 0, 0, incomplete
}

func indexNL(in []byte, from int) int {
	if i := bytes.IndexByte(in[from:], '\n'); i >= 0 {
		return from + i
	}
	return -1
}

// firstWord returns the first space-separated word of an inline line.
func firstWord(line []byte) []byte {
	i := 0
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	j := i
	for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' {
		j++
	}
	return line[i:j]
}
