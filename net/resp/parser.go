package resp

import (
	"bytes"
	"math"
)

// Default limits, after Redis's defaults.
const (
	// DefaultMaxBulkLen is Redis's proto-max-bulk-len default (512 MB).
	DefaultMaxBulkLen = 512 << 20
	// DefaultMaxMultibulk caps the argument count of one multibulk
	// request. Redis accepts up to INT_MAX; 1<<30 is as good in practice
	// and keeps every count comfortably inside an int.
	DefaultMaxMultibulk = 1 << 30
	// DefaultMaxInline is Redis's PROTO_INLINE_MAX_SIZE (64 KB): the
	// longest inline request, and also the longest "*<count>" or
	// "$<len>" line we wait for before calling the client broken.
	DefaultMaxInline = 64 << 10
)

// retainArgs bounds the argument capacity a Parser keeps between
// commands. A rare huge command (MSET with a million pairs) must not pin
// tens of megabytes on an otherwise idle connection for its lifetime;
// commands up to this size reuse their slots and never allocate.
const retainArgs = 1024

// preallocArgs bounds how many argument slots a multibulk header may
// reserve before its arguments have actually arrived, so that "*1000000000\r\n"
// alone costs nothing. Beyond it, slots grow as arguments arrive, i.e. in
// proportion to bytes the client has really sent (as Redis does).
const preallocArgs = 1024

// Limits bound what one client may send. A zero or negative field means
// the default for that field.
type Limits struct {
	MaxBulkLen   int64 // longest bulk argument, as Redis's proto-max-bulk-len; default 512 MB
	MaxMultibulk int64 // most arguments in one multibulk request; default 1<<30
	MaxInline    int   // longest inline request (and count/length line); default 64 KB
}

// DefaultLimits returns Redis's default limits.
func DefaultLimits() Limits {
	return Limits{
		MaxBulkLen:   DefaultMaxBulkLen,
		MaxMultibulk: DefaultMaxMultibulk,
		MaxInline:    DefaultMaxInline,
	}
}

func (l Limits) withDefaults() Limits {
	if l.MaxBulkLen <= 0 {
		l.MaxBulkLen = DefaultMaxBulkLen
	}
	if l.MaxMultibulk <= 0 {
		l.MaxMultibulk = DefaultMaxMultibulk
	}
	if l.MaxInline <= 0 {
		l.MaxInline = DefaultMaxInline
	}
	return l
}

// ProtocolError is a malformed request. Its text is Redis's reply text
// without the "-ERR " prefix, so the caller replies with
// "ERR "+err.Error() (as Redis does) and then closes the connection: after
// a protocol error the byte stream can no longer be framed.
type ProtocolError struct {
	msg string
}

func (e *ProtocolError) Error() string { return e.msg }

// The protocol errors Next returns. They are shared values: compare with
// == or errors.Is. "expected '$', got 'x'" depends on the offending byte
// and is built when it happens.
var (
	// ErrInvalidMultibulkLength: the "*<count>" line is not a number (by
	// Redis's string2ll rules), exceeds Limits.MaxMultibulk, or its '\r'
	// is not followed by '\n'.
	ErrInvalidMultibulkLength = &ProtocolError{"Protocol error: invalid multibulk length"}
	// ErrInvalidBulkLength: a "$<len>" line is not a number, is negative
	// or exceeds Limits.MaxBulkLen, its '\r' is not followed by '\n', or
	// the <len> payload bytes are not followed by "\r\n".
	ErrInvalidBulkLength = &ProtocolError{"Protocol error: invalid bulk length"}
	// ErrTooBigInline: no '\n' within Limits.MaxInline+1 bytes of an
	// inline request.
	ErrTooBigInline = &ProtocolError{"Protocol error: too big inline request"}
	// ErrTooBigMbulkCount: no '\r' within Limits.MaxInline+1 bytes of
	// the start of a "*<count>" line.
	ErrTooBigMbulkCount = &ProtocolError{"Protocol error: too big mbulk count string"}
	// ErrTooBigBulkCount: no '\r' within Limits.MaxInline+1 bytes of the
	// start of a "$<len>" line.
	ErrTooBigBulkCount = &ProtocolError{"Protocol error: too big bulk count string"}
	// ErrUnbalancedQuotes: an inline request has an unterminated quote,
	// or a closing quote followed by something other than a space.
	ErrUnbalancedQuotes = &ProtocolError{"Protocol error: unbalanced quotes in request"}
)

// errExpectedDollar is Redis's "expected '$', got '%c'": c is written as
// the raw byte, as C's %c does (a reply writer maps CR/LF to spaces).
func errExpectedDollar(c byte) *ProtocolError {
	return &ProtocolError{"Protocol error: expected '$', got '" + string([]byte{c}) + "'"}
}

// Parser splits a client's byte stream into commands.
//
// It is not safe for concurrent use; use one per connection and reuse it
// for every command of that connection. The zero Parser is ready to use
// with DefaultLimits.
//
// Between calls the Parser remembers how far into an incomplete command
// it got, as offsets from the start of the caller's buffer (never as
// slices: the caller may grow, and so move, its buffer between reads).
// The caller's side of the contract is in Next.
type Parser struct {
	lim   Limits
	limOK bool // lim has been normalised

	// Resume state of the command at the start of the caller's buffer.
	// All offsets count from that start.
	multi   bool  // the "*<count>" line has been consumed
	remain  int64 // arguments still to read
	haveLen bool  // the current argument's "$<len>" line has been consumed
	bulk    int64 // that length
	pos     int   // first byte not yet consumed into the state above
	scan    int   // a line search resumes here: its terminator is not before scan
	offs    []int // start and end offset of each argument read so far

	args [][]byte // returned to the caller, rebuilt from offs per command
}

// NewParser returns a Parser that enforces l (zero fields: defaults).
func NewParser(l Limits) *Parser {
	p := &Parser{}
	p.SetLimits(l)
	return p
}

// SetLimits changes the limits. Changing them in the middle of a command
// applies the new limits to the parts of it not parsed yet.
func (p *Parser) SetLimits(l Limits) {
	p.lim = l.withDefaults()
	p.limOK = true
}

// Limits returns the limits in force, defaults filled in.
func (p *Parser) Limits() Limits {
	if !p.limOK {
		return p.lim.withDefaults()
	}
	return p.lim
}

// Reset forgets any partly parsed command, for instance when the
// connection's input buffer is discarded or the Parser is reused for
// another connection. Large argument storage is released.
func (p *Parser) Reset() {
	p.resetState()
	if cap(p.args) > retainArgs {
		p.args = nil
	}
	if cap(p.offs) > 2*retainArgs {
		p.offs = nil
	}
}

func (p *Parser) resetState() {
	p.multi = false
	p.remain = 0
	p.haveLen = false
	p.bulk = 0
	p.pos = 0
	p.scan = 0
	p.offs = p.offs[:0]
}

// Pending reports how long the buffer passed to Next must be before the
// bulk argument being read can complete, or 0 when that is not known yet.
// A caller may use it to grow its input buffer once for a large bulk
// instead of doubling it repeatedly.
func (p *Parser) Pending() int {
	if !p.multi || !p.haveLen {
		return 0
	}
	need := int64(p.pos) + p.bulk + 2
	if need > math.MaxInt {
		return math.MaxInt
	}
	return int(need)
}

// Next parses the next complete command at the start of buf.
//
// It returns one of:
//
//   - n > 0 and args: the command occupied buf[:n]. args are sub-slices
//     of buf (capacity-clipped, so appending to one cannot clobber its
//     neighbour), valid until the caller discards or overwrites those
//     bytes; the args slice itself is owned by the Parser and valid until
//     the next call to Next or Reset. An empty command (an empty or blank
//     inline line, "*0\r\n", "*-1\r\n") is consumed with len(args) == 0;
//     callers skip it, as Redis does.
//   - n == 0 and a nil error: buf holds no complete command yet. The
//     caller reads more input and calls again with a buffer that starts
//     with the same unconsumed bytes followed by the new ones (it may be a
//     different, larger buffer). Work already done is not repeated: the
//     Parser resumes where it stopped.
//   - a *ProtocolError: the request is malformed. The Parser resets; the
//     caller replies with the error and closes the connection.
//
// After n > 0 the caller drops buf[:n] and passes what follows; the next
// command starts afresh.
//
// Inline requests whose arguments are quoted are unescaped in place,
// which keeps them zero-copy: Next may overwrite bytes inside buf[:n], or
// inside the offending line when it reports unbalanced quotes, and never
// anywhere else.
//
// Next never panics, whatever buf holds.
func (p *Parser) Next(buf []byte) (n int, args [][]byte, err error) {
	if !p.limOK {
		p.SetLimits(p.lim)
	}
	if p.pos > len(buf) || p.scan > len(buf) {
		// The caller broke the contract (buf shrank below what was
		// already parsed). Start over instead of slicing out of range.
		p.resetState()
	}
	if p.multi {
		return p.body(buf)
	}
	if len(buf) == 0 {
		return 0, nil, nil
	}
	if cap(p.args) > retainArgs {
		p.args = nil
	}
	if cap(p.offs) > 2*retainArgs {
		p.offs = nil
	}
	if buf[0] != '*' {
		return p.inline(buf)
	}

	// "*<count>\r\n". As in Redis the line ends at the first '\r' and the
	// count must be a number by string2ll's rules. Unlike Redis (which
	// skips whatever byte follows the '\r'), the '\r' must be followed
	// by '\n', so misframed input fails here instead of later.
	count, next, ok := p.fastLen(buf, 0)
	if !ok {
		i, err := p.findLine(buf, 0, '\r', ErrTooBigMbulkCount)
		if err != nil {
			return p.fail(err)
		}
		if i < 0 || i+1 >= len(buf) {
			return 0, nil, nil
		}
		if buf[i+1] != '\n' {
			return p.fail(ErrInvalidMultibulkLength)
		}
		if count, ok = parseLen(buf[1:i]); !ok {
			return p.fail(ErrInvalidMultibulkLength)
		}
		next = i + 2
	}
	if count > p.lim.MaxMultibulk {
		return p.fail(ErrInvalidMultibulkLength)
	}
	if count <= 0 {
		// Redis treats every count <= 0 as an empty command.
		p.resetState()
		return next, p.args[:0], nil
	}
	p.multi = true
	p.remain = count
	p.haveLen = false
	p.pos = next
	p.scan = 0
	if want := 2 * int(min(count, preallocArgs)); cap(p.offs) < want {
		p.offs = make([]int, 0, want)
	}
	p.offs = p.offs[:0]
	return p.body(buf)
}

// body reads the arguments of a multibulk request from p.pos on.
func (p *Parser) body(buf []byte) (int, [][]byte, error) {
	for p.remain > 0 {
		if !p.haveLen {
			// "$<len>\r\n": found, then checked in Redis's order
			// (line complete, '$', number, range).
			l, next, ok := int64(0), 0, false
			if p.pos < len(buf) && buf[p.pos] == '$' {
				l, next, ok = p.fastLen(buf, p.pos)
			}
			if !ok {
				i, err := p.findLine(buf, p.pos, '\r', ErrTooBigBulkCount)
				if err != nil {
					return p.fail(err)
				}
				if i < 0 || i+1 >= len(buf) {
					return 0, nil, nil
				}
				if c := buf[p.pos]; c != '$' {
					return p.fail(errExpectedDollar(c))
				}
				if buf[i+1] != '\n' {
					return p.fail(ErrInvalidBulkLength)
				}
				if l, ok = parseLen(buf[p.pos+1 : i]); !ok || l < 0 {
					return p.fail(ErrInvalidBulkLength)
				}
				next = i + 2
			}
			if l > p.lim.MaxBulkLen {
				return p.fail(ErrInvalidBulkLength)
			}
			p.bulk = l
			p.haveLen = true
			p.pos = next
			p.scan = 0
		}
		// Payload and its "\r\n". Written as a subtraction so that no
		// limit, however large, can overflow.
		if int64(len(buf)-p.pos-2) < p.bulk {
			return 0, nil, nil
		}
		end := p.pos + int(p.bulk)
		if buf[end] != '\r' || buf[end+1] != '\n' {
			// Redis skips these two bytes unchecked and so silently
			// desynchronises; a payload not followed by CRLF means the
			// announced length was wrong, hence "invalid bulk length".
			return p.fail(ErrInvalidBulkLength)
		}
		p.offs = append(p.offs, p.pos, end)
		p.pos = end + 2
		p.haveLen = false
		p.remain--
	}

	args := p.args[:0]
	for k := 0; k+1 < len(p.offs); k += 2 {
		s, e := p.offs[k], p.offs[k+1]
		args = append(args, buf[s:e:e])
	}
	p.args = args
	n := p.pos
	p.resetState()
	return n, args, nil
}

// inline parses a request that does not start with '*': one line, ended
// by "\n" or "\r\n", split into arguments like Redis's sdssplitargs.
func (p *Parser) inline(buf []byte) (int, [][]byte, error) {
	i, err := p.findLine(buf, 0, '\n', ErrTooBigInline)
	if err != nil {
		return p.fail(err)
	}
	if i < 0 {
		return 0, nil, nil
	}
	end := i
	if end > 0 && buf[end-1] == '\r' {
		end--
	}
	args, ok := splitArgs(buf[:end], p.args[:0])
	if !ok {
		return p.fail(ErrUnbalancedQuotes)
	}
	p.args = args
	p.resetState()
	return i + 1, args, nil
}

func (p *Parser) fail(err error) (int, [][]byte, error) {
	p.resetState()
	return 0, nil, err
}

// fastLen is the common case of a "*<count>" or "$<len>" line starting at
// buf[start]: 1 to 18 digits, no sign, no leading zero, "\r\n", within the
// MaxInline window. It returns the number and the offset past the "\n",
// or ok == false, in which case the general path (findLine, parseLen)
// decides, with the same result as if fastLen did not exist.
func (p *Parser) fastLen(buf []byte, start int) (v int64, next int, ok bool) {
	i := start + 1
	j := i
	for j < len(buf) && j-i < 18 {
		c := buf[j]
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + int64(c-'0')
		j++
	}
	if j == i || j+1 >= len(buf) || buf[j] != '\r' || buf[j+1] != '\n' ||
		buf[i] == '0' && j-i > 1 || j-start > p.lim.MaxInline {
		return 0, 0, false
	}
	return v, j + 2, true
}

// findLine looks for term in the line that starts at buf[start].
//
// It returns the terminator's index, or -1 when more input is needed, or
// tooBig when the terminator is not within the first MaxInline+1 bytes of
// the line. Redis raises the "too big" errors when more than MaxInline
// bytes are buffered without a terminator, which depends on how the
// input happened to be split into reads; judging only the first
// MaxInline+1 bytes gives the answer Redis gives to a byte-at-a-time
// sender, whatever the read sizes.
//
// p.scan makes repeated calls for the same line linear: bytes already
// searched are not searched again.
func (p *Parser) findLine(buf []byte, start int, term byte, tooBig *ProtocolError) (int, error) {
	avail := len(buf) - start
	w := avail
	if w > p.lim.MaxInline {
		w = p.lim.MaxInline + 1
	}
	from := max(start, p.scan)
	if from < start+w {
		if i := bytes.IndexByte(buf[from:start+w], term); i >= 0 {
			p.scan = from + i
			return from + i, nil
		}
	}
	if avail > p.lim.MaxInline {
		return -1, tooBig
	}
	p.scan = start + w
	return -1, nil
}

// parseLen parses a count or length the way Redis's string2ll does: an
// optional '-', no '+', no leading zeros, no spaces, at most 20 bytes,
// within int64.
func parseLen(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) >= 21 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := false
	if b[0] == '-' {
		neg = true
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		d := uint64(c - '0')
		if v > math.MaxUint64-d {
			return 0, false
		}
		v += d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return int64(-v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// isSpace is C's isspace in the "C" locale, which sdssplitargs uses to
// skip blanks between arguments and to check what follows a closing
// quote.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// splitArgs splits an inline request line (its line ending removed) into
// arguments, appended to args, with the rules of Redis's sdssplitargs:
//
//   - arguments are separated by blanks (isspace); an unquoted argument
//     ends at ' ', '\t', '\r' or '\n' (not at '\v' or '\f');
//   - "double quotes" may start anywhere in an argument and support \n
//     \r \t \b \a, \xHH and backslash-anything-else for that character;
//   - 'single quotes' support only \' ;
//   - a closing quote must be followed by a blank or the end of the line,
//     and an unterminated quote is an error.
//
// Unescaping happens in place: an argument's output never outgrows the
// input it was read from, so it is written over the line from the
// argument's first byte and the result stays a sub-slice of line.
//
// One deliberate difference: sdssplitargs works on C strings and treats
// a NUL byte as the end of the line; here NUL is an ordinary byte.
func splitArgs(line []byte, args [][]byte) ([][]byte, bool) {
	n := len(line)
	i := 0
	for {
		for i < n && isSpace(line[i]) {
			i++
		}
		if i >= n {
			return args, true
		}
		start, w := i, i
		inq, insq := false, false
	token:
		for {
			switch {
			case inq:
				if i >= n {
					return args, false // unterminated "
				}
				c := line[i]
				switch {
				case c == '\\' && i+3 < n && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					line[w] = hexVal(line[i+2])<<4 | hexVal(line[i+3])
					w++
					i += 4
				case c == '\\' && i+1 < n:
					c = line[i+1]
					switch c {
					case 'n':
						c = '\n'
					case 'r':
						c = '\r'
					case 't':
						c = '\t'
					case 'b':
						c = '\b'
					case 'a':
						c = '\a'
					}
					line[w] = c
					w++
					i += 2
				case c == '"':
					if i+1 < n && !isSpace(line[i+1]) {
						return args, false
					}
					i++
					break token
				default:
					if w != i {
						line[w] = c
					}
					w++
					i++
				}
			case insq:
				if i >= n {
					return args, false // unterminated '
				}
				c := line[i]
				switch {
				case c == '\\' && i+1 < n && line[i+1] == '\'':
					line[w] = '\''
					w++
					i += 2
				case c == '\'':
					if i+1 < n && !isSpace(line[i+1]) {
						return args, false
					}
					i++
					break token
				default:
					if w != i {
						line[w] = c
					}
					w++
					i++
				}
			default:
				if i >= n {
					break token
				}
				c := line[i]
				switch c {
				case ' ', '\n', '\r', '\t':
					i++
					break token
				case '"':
					inq = true
					i++
				case '\'':
					insq = true
					i++
				default:
					if w != i {
						line[w] = c
					}
					w++
					i++
				}
			}
		}
		args = append(args, line[start:w:w])
	}
}
