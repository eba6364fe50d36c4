package config

import (
	"math"
	"strconv"
)

// The helpers in this file reproduce the C routines Redis 7 uses to read
// configuration values (string2ll, memtoull, strtoll), quirks included,
// because CONFIG SET answers must accept and refuse exactly what Redis does.

// string2ll is Redis's strict integer parser: optional '-', no '+', no
// leading zeros, no spaces, no overflow.
func string2ll(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	if s == "0" {
		return 0, true
	}
	i, neg := 0, false
	if s[0] == '-' {
		neg = true
		i++
		if i == len(s) {
			return 0, false
		}
	}
	if s[i] < '1' || s[i] > '9' {
		return 0, false
	}
	var v uint64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > math.MaxUint64/10 {
			return 0, false
		}
		v *= 10
		if v > math.MaxUint64-uint64(c-'0') {
			return 0, false
		}
		v += uint64(c - '0')
	}
	if neg {
		if v > uint64(math.MaxInt64)+1 {
			return 0, false
		}
		return int64(-v), true // two's complement also covers MinInt64
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// memtoull is Redis 7's memory-size parser: digits then an optional unit
// b, k (1000), kb (1024), m, mb, g, gb, case-insensitive. Like Redis (on
// glibc) an empty digit run reads as 0 and a digit run that overflows
// saturates at 2^64-1 before the unit check; a leading '-' is refused.
func memtoull(p string) (uint64, bool) {
	if len(p) > 0 && p[0] == '-' {
		return 0, false
	}
	u := 0
	for u < len(p) && p[u] >= '0' && p[u] <= '9' {
		u++
	}
	var mul uint64
	switch unit := p[u:]; {
	case unit == "" || equalFold(unit, "b"):
		mul = 1
	case equalFold(unit, "k"):
		mul = 1000
	case equalFold(unit, "kb"):
		mul = 1024
	case equalFold(unit, "m"):
		mul = 1000 * 1000
	case equalFold(unit, "mb"):
		mul = 1024 * 1024
	case equalFold(unit, "g"):
		mul = 1000 * 1000 * 1000
	case equalFold(unit, "gb"):
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if u >= 128 { // Redis copies the digits into a 128-byte buffer
		return 0, false
	}
	var val uint64
	for i := 0; i < u; i++ {
		d := uint64(p[i] - '0')
		if val > (math.MaxUint64-d)/10 {
			val = math.MaxUint64 // strtoull's ERANGE result, which Redis keeps
			break
		}
		val = val*10 + d
	}
	if val > math.MaxUint64/mul {
		return 0, false
	}
	return val * mul, true
}

// strtoll emulates C's strtoll(s, &end, base) for base 8 or 10: leading
// isspace, optional sign, digits. end is the index just past the digits, or
// 0 when no digits were read (C sets end to the start then). overflow
// reports ERANGE; the value then saturates as in C.
func strtoll(s string, base int) (val int64, end int, overflow bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var acc uint64
	limit := uint64(math.MaxInt64)
	if neg {
		limit++
	}
	for i < len(s) {
		d := int(s[i]) - '0'
		if d < 0 || d >= base {
			break
		}
		if !overflow {
			if acc > (limit-uint64(d))/uint64(base) {
				overflow = true
			} else {
				acc = acc*uint64(base) + uint64(d)
			}
		}
		i++
	}
	if i == start {
		return 0, 0, false
	}
	switch {
	case overflow && neg:
		return math.MinInt64, i, true
	case overflow:
		return math.MaxInt64, i, true
	case neg:
		return int64(-acc), i, false
	}
	return int64(acc), i, false
}

// isCSpace is C's isspace in the "C" locale.
func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// strtollFull is the "strtoll and check *eptr == '\0'" idiom Redis uses for
// save points, buffer limits and oom scores (overflow is not checked there).
func strtollFull(s string) (int64, bool) {
	v, end, _ := strtoll(s, 10)
	return v, end == len(s)
}

// string2d is Redis's strict float parser (no spaces, no trailing bytes,
// no NaN, no overflow to infinity).
func string2d(s string) (float64, bool) {
	if s == "" || isCSpace(s[0]) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// formatPercentile prints like Redis's "%f" followed by trimDoubleString.
func formatPercentile(v float64) string {
	b := strconv.AppendFloat(nil, v, 'f', 6, 64)
	for len(b) > 0 && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if len(b) > 0 && b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	return string(b)
}

// equalFold compares ASCII case-insensitively, like strcasecmp.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(int(a[i])) != lowerASCII(int(b[i])) {
			return false
		}
	}
	return true
}

// asciiLower lowercases ASCII letters, returning s itself when nothing
// changes so the common lower-case lookups do not allocate.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
