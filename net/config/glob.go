package config

// globMaxNesting bounds the recursion of the matcher exactly like Redis 7's
// stringmatchlen_impl ("Protection against abusive patterns"): a match that
// would need to descend through more than this many '*' groups is reported as
// no match. Keeping Redis's number keeps KEYS/SCAN MATCH/PSUBSCRIBE answers
// identical to Redis even for hostile patterns, and bounds stack use.
const globMaxNesting = 1000

// GlobMatch reports whether s matches the Redis glob pattern, with Redis's
// exact semantics (src/util.c stringmatchlen), so that KEYS, SCAN MATCH,
// PSUBSCRIBE and CONFIG GET agree with Redis byte for byte:
//
//   - '*' matches any run of bytes, '?' exactly one byte;
//   - "[abc]", "[^abc]", "[a-z]" (reversed ranges like "[z-a]" are swapped)
//     and "\x" inside a class (taken literally and case-sensitively);
//   - "\x" outside a class matches x literally; a trailing lone '\' is literal;
//   - an unterminated class ("[abc") runs to the end of the pattern;
//   - nocase folds ASCII letters only; range bounds compare as signed bytes
//     (x86 Redis's char), so bytes >= 0x80 sort below ASCII inside ranges,
//     except that with nocase glibc's tolower turns bytes 0x80..0xfe back
//     into 128..254 (0xff stays -1, it is EOF), which is reproduced too.
//
// Work is O(len(pattern)*len(s)): Redis's skip-longer-matches rule stops all
// enclosing '*' loops once an inner '*' has failed at every position, and the
// recursion depth is capped at globMaxNesting.
//
// One deliberate difference: Redis 7's matcher never matches the empty
// string against a non-empty pattern, not even "*" (its main loop requires a
// byte to look at). Redis's KEYS and SCAN short-circuit a bare "*" so clients
// do see empty keys there; to give every caller that same answer without a
// special case, a pattern made only of '*' matches the empty string here.
// Every other pattern still fails on the empty string, as in Redis.
func GlobMatch(pattern, s string, nocase bool) bool {
	return globMatch(pattern, s, nocase)
}

// GlobMatchBytes is GlobMatch for byte slices. It does not allocate, so the
// keyspace scanners can call it on every key without converting to string.
func GlobMatchBytes(pattern, s []byte, nocase bool) bool {
	return globMatch(pattern, s, nocase)
}

func globMatch[T ~string | ~[]byte](p, s T, nocase bool) bool {
	if len(s) == 0 {
		for i := 0; i < len(p); i++ {
			if p[i] != '*' {
				return false
			}
		}
		return true
	}
	skip := false
	return globImpl(p, s, nocase, &skip, 0)
}

// lowerASCII folds like C's tolower in the "C" locale Redis runs in: only
// 'A'..'Z' change. It takes int so that signed-byte range bounds pass through.
func lowerASCII(c int) int {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

// tolowerC is glibc's tolower on a C char value in the "C" locale: ASCII
// letters fold, and negative chars other than EOF (-1) come back as their
// unsigned value. Redis applies it to range bounds and the subject byte.
func tolowerC(c int) int {
	if c < -1 {
		return c + 256
	}
	return lowerASCII(c)
}

// globImpl is a line-for-line port of Redis 7's stringmatchlen_impl with
// indices instead of pointer arithmetic; the C code reads the NUL terminator
// where a length runs out, which the explicit bounds checks here stand in for.
// skip is Redis's skipLongerMatches flag, shared by the whole recursion.
func globImpl[T ~string | ~[]byte](p, s T, nocase bool, skip *bool, nesting int) bool {
	if nesting > globMaxNesting {
		return false
	}
	pi, si := 0, 0
	plen, slen := len(p), len(s)
	for pi < plen && si < slen {
		switch p[pi] {
		case '*':
			for pi+1 < plen && p[pi+1] == '*' {
				pi++
			}
			if pi == plen-1 {
				return true // trailing '*' swallows the rest
			}
			for si < slen {
				if globImpl(p[pi+1:], s[si:], nocase, skip, nesting+1) {
					return true
				}
				if *skip {
					return false
				}
				si++
			}
			// The rest of the pattern matches nowhere in the rest of the
			// string, so no earlier '*' can help by matching more.
			*skip = true
			return false
		case '?':
			si++
		case '[':
			pi++
			not := pi < plen && p[pi] == '^'
			if not {
				pi++
			}
			c := s[si]
			match := false
			for {
				if pi >= plen {
					// Unterminated class: step back so the shared
					// increment below lands exactly at the end.
					pi--
					break
				}
				if p[pi] == '\\' && plen-pi >= 2 {
					pi++
					if p[pi] == c {
						match = true
					}
				} else if p[pi] == ']' {
					break
				} else if plen-pi >= 3 && p[pi+1] == '-' {
					start, end, cc := int(int8(p[pi])), int(int8(p[pi+2])), int(int8(c))
					if start > end {
						start, end = end, start
					}
					if nocase {
						start, end, cc = tolowerC(start), tolowerC(end), tolowerC(cc)
					}
					pi += 2
					if cc >= start && cc <= end {
						match = true
					}
				} else if nocase {
					if lowerASCII(int(p[pi])) == lowerASCII(int(c)) {
						match = true
					}
				} else if p[pi] == c {
					match = true
				}
				pi++
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			si++
		case '\\':
			if plen-pi >= 2 {
				pi++
			}
			fallthrough
		default:
			if nocase {
				if lowerASCII(int(p[pi])) != lowerASCII(int(s[si])) {
					return false
				}
			} else if p[pi] != s[si] {
				return false
			}
			si++
		}
		pi++
		if si == slen {
			for pi < plen && p[pi] == '*' {
				pi++
			}
			break
		}
	}
	return pi == plen && si == slen
}
