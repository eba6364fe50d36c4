package core

import (
	"math"
	"math/big"
	"math/bits"
	"strings"
)

// i128 is a signed 128-bit integer. Per-region counter sums live in it: a
// region's contribution can legitimately pass the int64 range while the
// visible total stays inside it (A adds MaxInt64 twice while B subtracts),
// and SEMANTICS.md asks for exact totals.
type i128 struct {
	hi int64
	lo uint64
}

func i128Of(n int64) i128 {
	if n < 0 {
		return i128{hi: -1, lo: uint64(n)}
	}
	return i128{lo: uint64(n)}
}

func (a i128) add(b i128) i128 {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	return i128{hi: a.hi + b.hi + int64(c), lo: lo}
}

func (a i128) sub(b i128) i128 {
	lo, br := bits.Sub64(a.lo, b.lo, 0)
	return i128{hi: a.hi - b.hi - int64(br), lo: lo}
}

func (a i128) isZero() bool { return a.hi == 0 && a.lo == 0 }

// int64 returns a as an int64 when it fits.
func (a i128) int64() (int64, bool) {
	if (a.hi == 0 && a.lo < 1<<63) || (a.hi == -1 && a.lo >= 1<<63) {
		return int64(a.lo), true
	}
	return 0, false
}

func (a i128) big() *big.Int {
	b := new(big.Int).SetInt64(a.hi)
	b.Lsh(b, 64)
	return b.Add(b, new(big.Int).SetUint64(a.lo))
}

func (a i128) appendDecimal(dst []byte) []byte {
	if n, ok := a.int64(); ok {
		return appendInt(dst, n)
	}
	return a.big().Append(dst, 10)
}

// DD is a double-double float: an unevaluated sum hi+lo of two float64s,
// about 106 bits of mantissa. Redis computes INCRBYFLOAT in long double
// (64-bit mantissa on x86) and prints 17 decimals; carrying more precision
// than that makes our replies agree with Redis's ("0.1" three times reads
// "0.3", not float64's 0.30000000000000004), and the arithmetic is plain
// IEEE float64, so every region computes bit-identical results.
type DD struct {
	Hi, Lo float64
}

// twoSum is Knuth's error-free addition.
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	e = (a - (s - bb)) + (b - bb)
	return s, e
}

// Add returns a+b.
func (a DD) Add(b DD) DD {
	s, e := twoSum(a.Hi, b.Hi)
	t, f := twoSum(a.Lo, b.Lo)
	e += t
	s, e = twoSum(s, e)
	e += f
	s, e = twoSum(s, e)
	return DD{s, e}
}

// Neg returns -a.
func (a DD) Neg() DD { return DD{-a.Hi, -a.Lo} }

// IsZero reports whether a is zero.
func (a DD) IsZero() bool { return a.Hi == 0 && a.Lo == 0 }

// Finite reports whether a is neither infinite nor NaN.
func (a DD) Finite() bool { return !math.IsInf(a.Hi, 0) && !math.IsNaN(a.Hi) && !math.IsNaN(a.Lo) }

func ddFromBig(f *big.Float) DD {
	hi, _ := f.Float64()
	if math.IsInf(hi, 0) {
		return DD{Hi: hi}
	}
	r := new(big.Float).SetPrec(f.Prec()).Sub(f, new(big.Float).SetFloat64(hi))
	lo, _ := r.Float64()
	return DD{hi, lo}
}

func (a i128) dd() DD {
	if n, ok := a.int64(); ok && n > -(1<<53) && n < 1<<53 {
		return DD{Hi: float64(n)}
	}
	return ddFromBig(new(big.Float).SetPrec(200).SetInt(a.big()))
}

// ParseDD parses a float argument or value with Redis's rules (see
// ParseFloat) into a double-double, keeping the decimal's precision.
func ParseDD(b []byte) (DD, bool) {
	f, ok := ParseFloat(b)
	if !ok {
		return DD{}, false
	}
	if math.IsInf(f, 0) || f == 0 {
		return DD{Hi: f}, true
	}
	s := string(b)
	if strings.ContainsAny(s, "xXpP") { // hexadecimal floats are exact already
		return DD{Hi: f}, true
	}
	bf, _, err := big.ParseFloat(s, 10, 120, big.ToNearestEven)
	if err != nil {
		return DD{Hi: f}, true
	}
	return ddFromBig(bf), true
}

// Float64 rounds a to the nearest float64.
func (a DD) Float64() float64 { return a.Hi + a.Lo }

// AppendHuman formats a as Redis's INCRBYFLOAT reply does (ld2string in
// LD_STR_HUMAN mode): 17 decimals, trailing zeros and a bare point removed,
// "-0" printed as "0".
func (a DD) AppendHuman(dst []byte) []byte {
	if math.IsInf(a.Hi, 1) {
		return append(dst, "inf"...)
	}
	if math.IsInf(a.Hi, -1) {
		return append(dst, "-inf"...)
	}
	var s string
	if a.Lo == 0 && a.Hi == math.Trunc(a.Hi) && math.Abs(a.Hi) < 1<<53 {
		return appendInt(dst, int64(a.Hi))
	}
	f := new(big.Float).SetPrec(200).SetFloat64(a.Hi)
	f.Add(f, new(big.Float).SetFloat64(a.Lo))
	s = f.Text('f', 17)
	if strings.IndexByte(s, '.') >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	if s == "-0" {
		s = "0"
	}
	return append(dst, s...)
}
