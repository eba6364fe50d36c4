package resp

import (
	"math"
	"strconv"
	"strings"
)

// Prebuilt replies for the commonest answers. They are strings rather
// than []byte so no caller can modify them; appending one
// (w.B = append(w.B, resp.ReplyOK...), or w.AppendRawString) is the same
// single copy as appending a byte slice.
const (
	ReplyOK         = "+OK\r\n"
	ReplyPong       = "+PONG\r\n"
	ReplyQueued     = "+QUEUED\r\n"
	ReplyZero       = ":0\r\n"
	ReplyOne        = ":1\r\n"
	ReplyEmptyBulk  = "$0\r\n\r\n"
	ReplyEmptyArray = "*0\r\n"
	ReplyNullBulk2  = "$-1\r\n" // RESP2 null bulk string
	ReplyNullArray2 = "*-1\r\n" // RESP2 null array
	ReplyNull3      = "_\r\n"   // RESP3 null, for every type
)

// Writer encodes replies by appending them to B, which the caller sends
// and then clears with Reset. Proto selects the encoding of the types
// that differ between protocols: 3 means RESP3 (HELLO 3), anything else
// RESP2.
//
// The zero Writer is ready to use (RESP2). Once B has grown to the
// connection's usual reply size, appending does not allocate.
//
// A Writer is not safe for concurrent use; use one per connection.
type Writer struct {
	B     []byte
	Proto int
}

// Reset empties B, keeping its storage.
func (w *Writer) Reset() { w.B = w.B[:0] }

func (w *Writer) resp3() bool { return w.Proto == 3 }

// appendHeader appends a type byte, a decimal count and CRLF.
func (w *Writer) appendHeader(t byte, n int64) {
	w.B = append(w.B, t)
	w.B = strconv.AppendInt(w.B, n, 10)
	w.B = append(w.B, '\r', '\n')
}

// appendLine appends s with CR and LF replaced by spaces: a simple string
// or error cannot contain a line break, and a stray one would let
// reply content (an echoed key name, say) inject protocol. Redis does the
// same to error replies.
func (w *Writer) appendLine(s string) {
	if strings.IndexByte(s, '\r') < 0 && strings.IndexByte(s, '\n') < 0 {
		w.B = append(w.B, s...)
		w.B = append(w.B, '\r', '\n')
		return
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\r' || c == '\n' {
			c = ' '
		}
		w.B = append(w.B, c)
	}
	w.B = append(w.B, '\r', '\n')
}

// AppendOK appends "+OK".
func (w *Writer) AppendOK() { w.B = append(w.B, ReplyOK...) }

// AppendSimple appends a simple string. CR and LF in s become spaces.
func (w *Writer) AppendSimple(s string) {
	w.B = append(w.B, '+')
	w.appendLine(s)
}

// AppendError appends an error reply. msg is complete, error code
// included, without the leading '-': "ERR syntax error" becomes
// "-ERR syntax error\r\n". CR and LF in msg become spaces. A leading '-'
// in msg is not doubled, and an empty msg is sent as "ERR".
func (w *Writer) AppendError(msg string) {
	if len(msg) > 0 && msg[0] == '-' {
		msg = msg[1:]
	}
	if msg == "" {
		msg = "ERR"
	}
	w.B = append(w.B, '-')
	w.appendLine(msg)
}

// AppendBulk appends b as a bulk string. A nil b is the empty string;
// use AppendNull for a null.
func (w *Writer) AppendBulk(b []byte) {
	w.appendHeader('$', int64(len(b)))
	w.B = append(w.B, b...)
	w.B = append(w.B, '\r', '\n')
}

// AppendBulkString appends s as a bulk string.
func (w *Writer) AppendBulkString(s string) {
	w.appendHeader('$', int64(len(s)))
	w.B = append(w.B, s...)
	w.B = append(w.B, '\r', '\n')
}

// AppendInt appends an integer reply.
func (w *Writer) AppendInt(n int64) { w.appendHeader(':', n) }

// AppendUint appends an integer reply. RESP integers are signed 64-bit;
// a value above math.MaxInt64 is sent in RESP3 as a big number and in
// RESP2, which has nothing better, as an integer reply that clients
// parsing into int64 may reject.
func (w *Writer) AppendUint(n uint64) {
	if n > math.MaxInt64 && w.resp3() {
		w.B = append(w.B, '(')
	} else {
		w.B = append(w.B, ':')
	}
	w.B = strconv.AppendUint(w.B, n, 10)
	w.B = append(w.B, '\r', '\n')
}

// AppendNull appends a null: "$-1" (null bulk string) in RESP2, "_" in
// RESP3.
func (w *Writer) AppendNull() {
	if w.resp3() {
		w.B = append(w.B, ReplyNull3...)
	} else {
		w.B = append(w.B, ReplyNullBulk2...)
	}
}

// AppendNullArray appends a null array: "*-1" in RESP2, "_" in RESP3.
func (w *Writer) AppendNullArray() {
	if w.resp3() {
		w.B = append(w.B, ReplyNull3...)
	} else {
		w.B = append(w.B, ReplyNullArray2...)
	}
}

// AppendArrayLen starts an array of n elements; the caller appends them.
// A negative n appends a null array.
func (w *Writer) AppendArrayLen(n int) {
	if n < 0 {
		w.AppendNullArray()
		return
	}
	w.appendHeader('*', int64(n))
}

// AppendMapLen starts a map of n key/value pairs; the caller appends 2n
// elements, key first. RESP2 has no maps: it is a flat array of 2n
// elements, as Redis sends it. A negative n appends a null array.
func (w *Writer) AppendMapLen(n int) {
	switch {
	case n < 0:
		w.AppendNullArray()
	case w.resp3():
		w.appendHeader('%', int64(n))
	default:
		w.appendHeader('*', 2*int64(n))
	}
}

// AppendSetLen starts a set of n elements: "~" in RESP3, an array in
// RESP2. A negative n appends a null array.
func (w *Writer) AppendSetLen(n int) { w.appendAggregate('~', n) }

// AppendPushLen starts an out-of-band push message of n elements
// (pub/sub, invalidation): ">" in RESP3, an array in RESP2. A negative
// n appends a null array.
func (w *Writer) AppendPushLen(n int) { w.appendAggregate('>', n) }

func (w *Writer) appendAggregate(t3 byte, n int) {
	switch {
	case n < 0:
		w.AppendNullArray()
	case w.resp3():
		w.appendHeader(t3, int64(n))
	default:
		w.appendHeader('*', int64(n))
	}
}

// AppendDouble appends a double: ",<text>" in RESP3, a bulk string of
// the same text in RESP2, where text is AppendDoubleText's (Redis 7.2+
// formatting, so "3", "1.5", "0.0001", "1e+20", "inf", "-inf", "nan").
func (w *Writer) AppendDouble(f float64) {
	var tmp [32]byte
	t := AppendDoubleText(tmp[:0], f)
	if w.resp3() {
		w.B = append(w.B, ',')
	} else {
		w.appendHeader('$', int64(len(t)))
	}
	w.B = append(w.B, t...)
	w.B = append(w.B, '\r', '\n')
}

// AppendBool appends a boolean: "#t"/"#f" in RESP3, the integers 1/0 in
// RESP2 (as Redis does).
func (w *Writer) AppendBool(b bool) {
	switch {
	case w.resp3() && b:
		w.B = append(w.B, "#t\r\n"...)
	case w.resp3():
		w.B = append(w.B, "#f\r\n"...)
	case b:
		w.B = append(w.B, ReplyOne...)
	default:
		w.B = append(w.B, ReplyZero...)
	}
}

// AppendVerbatim appends a verbatim string (INFO, CLIENT LIST, LATENCY
// DOCTOR): "=<len>\r\n<format>:<text>" in RESP3, a plain bulk string of
// text in RESP2. format is the three-letter type, "txt" or "mkd"; any
// other length is replaced by "txt" since the frame requires exactly
// three bytes.
func (w *Writer) AppendVerbatim(format string, text []byte) {
	if !w.resp3() {
		w.AppendBulk(text)
		return
	}
	if len(format) != 3 {
		format = "txt"
	}
	w.appendHeader('=', int64(len(text))+4)
	w.B = append(w.B, format...)
	w.B = append(w.B, ':')
	w.B = append(w.B, text...)
	w.B = append(w.B, '\r', '\n')
}

// AppendBigNumber appends a big integer given as its decimal text:
// "(<s>" in RESP3, a bulk string in RESP2 (as Redis's addReplyBigNum).
// CR and LF in s become spaces.
func (w *Writer) AppendBigNumber(s string) {
	if !w.resp3() {
		w.AppendBulkString(s)
		return
	}
	w.B = append(w.B, '(')
	w.appendLine(s)
}

// AppendRaw appends b unchanged: an already encoded reply.
func (w *Writer) AppendRaw(b []byte) { w.B = append(w.B, b...) }

// AppendRawString appends s unchanged: an already encoded reply such as
// ReplyPong.
func (w *Writer) AppendRawString(s string) { w.B = append(w.B, s...) }

// AppendDoubleText appends f formatted as Redis 7.2+ formats a double
// reply (util.c d2string, then deps/fpconv), so that clients, tests and
// scores stored as strings see the same text as from Redis:
//
//   - NaN and infinities are "nan", "inf", "-inf"; zero is "0" or "-0";
//   - integral values of magnitude up to 2^62 print as integers: "3",
//     "-7", "100000000000000000" (1e17);
//   - anything else uses the shortest digits that round-trip, in plain
//     notation when the decimal exponent is moderate ("1.5", "0.000015",
//     "12345678901234567000" for 1.2345678901234567e19), else as
//     d.ddde±X with the exponent unpadded ("1e+20", "1.5e-7", "1e+100").
//
// Redis chose this over its older "%.17g" (which printed 1.1 as
// 1.1000000000000001) in 7.2; we follow the current behaviour. The
// digits come from strconv's shortest formatting; fpconv's Grisu2 may
// very rarely pick a different (equally round-tripping) last digit.
func AppendDoubleText(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0"...)
		}
		return append(b, '0')
	}
	// double2ll: |f| <= LLONG_MAX/2 (2^62 as a double) and integral.
	if f >= -(1<<62) && f <= 1<<62 {
		if i := int64(f); float64(i) == f {
			return strconv.AppendInt(b, i, 10)
		}
	}

	// Shortest digits and decimal exponent, from "d.ddddde±XX".
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, 64)
	if e[0] == '-' {
		b = append(b, '-')
		e = e[1:]
	}
	var digits [24]byte
	nd := 0
	k := 0
	for ; k < len(e) && e[k] != 'e'; k++ {
		if e[k] != '.' {
			digits[nd] = e[k]
			nd++
		}
	}
	x := 0 // decimal exponent of the first digit
	if k+1 < len(e) {
		neg := e[k+1] == '-'
		for _, c := range e[k+2:] {
			x = x*10 + int(c-'0')
		}
		if neg {
			x = -x
		}
	}
	return emitDigits(b, digits[:nd], x-nd+1)
}

// emitDigits is fpconv's emit_digits: the value is digits * 10^K.
func emitDigits(b, digits []byte, K int) []byte {
	nd := len(digits)
	exp := K + nd - 1
	if exp < 0 {
		exp = -exp
	}
	// Plain integer.
	if K >= 0 && exp < nd+7 {
		b = append(b, digits...)
		for range K {
			b = append(b, '0')
		}
		return b
	}
	// Plain decimal.
	if K < 0 && (K > -7 || exp < 4) {
		offset := nd + K
		if offset <= 0 {
			b = append(b, '0', '.')
			for range -offset {
				b = append(b, '0')
			}
			return append(b, digits...)
		}
		b = append(b, digits[:offset]...)
		b = append(b, '.')
		return append(b, digits[offset:]...)
	}
	// Scientific, exponent without padding.
	b = append(b, digits[0])
	if nd > 1 {
		b = append(b, '.')
		b = append(b, digits[1:]...)
	}
	b = append(b, 'e')
	if K+nd-1 < 0 {
		b = append(b, '-')
	} else {
		b = append(b, '+')
	}
	return strconv.AppendInt(b, int64(exp), 10)
}

// AppendFloatHuman appends f the way Redis replies to INCRBYFLOAT and
// HINCRBYFLOAT (ld2string's LD_STR_HUMAN): plain notation, never an
// exponent, no trailing zeros, "-0" printed as "0": 10.5, 5010.6, 3,
// -0.25, 100000000000000000000. The digits are the shortest that
// round-trip a float64; Redis computes in long double and prints 17
// decimals, so the two can differ in the last places for results such as
// 0.1+0.2 (Redis "0.3", here "0.30000000000000004") or below 1e-17
// (Redis rounds to "0"). Infinities and NaN, which those commands refuse
// to store, print as "inf", "-inf" and "nan".
func AppendFloatHuman(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	case f == 0:
		return append(b, '0')
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}
