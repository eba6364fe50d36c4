package config

import (
	"strings"
	"testing"
	"time"
)

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pat, s string
		nocase bool
		want   bool
	}{
		// Empty inputs.
		{"", "", false, true},
		{"", "a", false, false},
		{"a", "", false, false},
		{"?", "", false, false},
		{"[a]", "", false, false},
		{"*", "", false, true}, // Meridian: all-'*' patterns match "" (see GlobMatch)
		{"**", "", false, true},
		{"*a", "", false, false},
		// Literals, '?' and '*' (Redis's KEYS documentation examples).
		{"hello", "hello", false, true},
		{"hello", "hellO", false, false},
		{"h?llo", "hello", false, true},
		{"h?llo", "hallo", false, true},
		{"h?llo", "hllo", false, false},
		{"h*llo", "hllo", false, true},
		{"h*llo", "heeeello", false, true},
		{"h[ae]llo", "hello", false, true},
		{"h[ae]llo", "hallo", false, true},
		{"h[ae]llo", "hillo", false, false},
		{"h[^e]llo", "hallo", false, true},
		{"h[^e]llo", "hbllo", false, true},
		{"h[^e]llo", "hello", false, false},
		{"h[a-b]llo", "hallo", false, true},
		{"h[a-b]llo", "hbllo", false, true},
		{"h[a-b]llo", "hcllo", false, false},
		{"*", "anything", false, true},
		{"a*", "a", false, true},
		{"a*b*c", "abc", false, true},
		{"a*b*c", "axxbyyc", false, true},
		{"a*b*c", "acb", false, false},
		{"*a", "ba", false, true},
		{"*a", "ab", false, false},
		{"foo*", "foo_a", false, true},
		{"{a}*", "{a}x", false, true},
		{"*?", "a", false, true},
		{"?*?", "a", false, false},
		// Escapes.
		{`h\*llo`, "h*llo", false, true},
		{`h\*llo`, "hello", false, false},
		{`\?`, "?", false, true},
		{`\?`, "a", false, false},
		{`a\`, `a\`, false, true}, // trailing lone '\' is literal
		{`\\`, `\`, false, true},
		{`\a`, "a", false, true},
		{`*\*`, "abc*", false, true},
		{`*\*`, "abc", false, false},
		{`\[a]`, "[a]", false, true},
		// Classes.
		{`[\]]`, "]", false, true},
		{`[\^a]`, "^", false, true},
		{`[^\]]`, "]", false, false},
		{"[]]", "]", false, false},    // ']' right after '[' closes an empty class
		{"[z-a]", "m", false, true},   // reversed range is swapped
		{"[a-c-e]", "-", false, true}, // '-' not followed by a bound is a member
		{"[a-c-e]", "e", false, true},
		{"[abc", "b", false, true}, // unterminated class runs to the end
		{"[abc", "d", false, false},
		{"[", "[", false, false},
		{"[^", "x", false, true},
		{"[a-]", "a", false, true}, // Redis reads ']' as the range end: ']'..'a', unterminated
		{"[a-]", "b", false, false},
		{"[a-]", "-", false, false},
		{"x[a-]", "x^", false, true},
		// nocase.
		{"HELLO", "hello", true, true},
		{"hello", "HeLLo", true, true},
		{"[A-Z]", "q", true, true},
		{"[a-z]", "Q", true, true},
		{"[abc]", "B", true, true},
		{"[abc]", "B", false, false},
		{`[\A]`, "a", true, false}, // escaped class member compares case-sensitively
		{`\A`, "a", true, true},    // escaped literal outside a class folds
		{"[A-z]", "_", false, true},
		{"[A-z]", "_", true, false}, // bounds fold to a..z
		{"h*LLO", "hello", true, true},
		// Bytes >= 0x80 compare as signed chars inside ranges, as on x86 Redis.
		{"[a-\xff]", "b", false, false},
		{"[a-\xff]", "\x00", false, true},
		{"[\x80-\xff]", "\x90", false, true},
		{"[\x80-b]", "a", false, true},      // -128..98
		{"[\x80-b]", "a", true, false},      // glibc tolower: 128..98, empty
		{"[\x80-\xfe]", "\x90", true, true}, // 128..254 with nocase
		{"[\xff-b]", "a", true, true},       // 0xff is EOF to tolower: stays -1
		{"?", "\xff", false, true},
		{"\xe4\xb8\xad*", "\xe4\xb8\xad\xe6\x96\x87", false, true},
	}
	for _, c := range cases {
		if got := GlobMatch(c.pat, c.s, c.nocase); got != c.want {
			t.Errorf("GlobMatch(%q, %q, %v) = %v, want %v", c.pat, c.s, c.nocase, got, c.want)
		}
		if got := GlobMatchBytes([]byte(c.pat), []byte(c.s), c.nocase); got != c.want {
			t.Errorf("GlobMatchBytes(%q, %q, %v) = %v, want %v", c.pat, c.s, c.nocase, got, c.want)
		}
		if got := globRef(c.pat, c.s, c.nocase); got != c.want {
			t.Errorf("reference(%q, %q, %v) = %v, want %v (test case or reference is wrong)", c.pat, c.s, c.nocase, got, c.want)
		}
	}
}

// Redis's tests/unit/keyspace.tcl regressions for abusive patterns.
func TestGlobMatchPathological(t *testing.T) {
	start := time.Now()
	if GlobMatch("a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", strings.Repeat("a", 66), false) {
		t.Error("long nested loops: unexpected match")
	}
	// Many stars over a long subject: quadratic at worst, not exponential.
	if GlobMatch(strings.Repeat("a*", 200)+"b", strings.Repeat("a", 20000), false) {
		t.Error("200 stars: unexpected match")
	}
	if !GlobMatch(strings.Repeat("a*", 200)+"b", strings.Repeat("a", 20000)+"b", false) {
		t.Error("200 stars: expected match")
	}
	// "Regression for pattern matching very long nested loops": this would
	// match, but Redis gives up past 1000 nested '*' and so do we.
	if GlobMatch(strings.Repeat("*?", 50000), strings.Repeat("a", 50000), false) {
		t.Error("nesting limit: expected no match, as Redis")
	}
	if !GlobMatch(strings.Repeat("*?", 900), strings.Repeat("a", 1000), false) {
		t.Error("900 nested stars: expected match")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("pathological patterns took %v", d)
	}
}

func TestGlobMatchBytesNoAlloc(t *testing.T) {
	pat := []byte("user:[a-z]*:sess?on:*[^0-9]")
	key := []byte("user:alice:session:abcX")
	if !GlobMatchBytes(pat, key, false) {
		t.Fatal("expected match")
	}
	if n := testing.AllocsPerRun(100, func() { GlobMatchBytes(pat, key, true) }); n != 0 {
		t.Errorf("GlobMatchBytes allocates %v times per call", n)
	}
	ps, ks := string(pat), string(key)
	if n := testing.AllocsPerRun(100, func() { GlobMatch(ps, ks, false) }); n != 0 {
		t.Errorf("GlobMatch allocates %v times per call", n)
	}
}

// globRef is an independent reference: it tokenizes the pattern with Redis's
// parsing rules and matches with a plain dynamic program, so it shares no
// control flow with the recursive port it checks. It has no nesting limit.
func globRef(pat, s string, nocase bool) bool {
	type item struct {
		kind   byte // 'e' escaped byte, 'r' range, 'c' byte
		lo, hi int
		c      byte
	}
	type token struct {
		kind  byte // '*', '?', '[', 'l'
		c     byte
		not   bool
		items []item
	}
	var toks []token
	for i := 0; i < len(pat); {
		switch pat[i] {
		case '*':
			for i < len(pat) && pat[i] == '*' {
				i++
			}
			toks = append(toks, token{kind: '*'})
			continue
		case '?':
			toks = append(toks, token{kind: '?'})
		case '[':
			tk := token{kind: '['}
			i++
			if i < len(pat) && pat[i] == '^' {
				tk.not = true
				i++
			}
			for {
				if i >= len(pat) {
					i--
					break
				}
				if pat[i] == '\\' && len(pat)-i >= 2 {
					i++
					tk.items = append(tk.items, item{kind: 'e', c: pat[i]})
				} else if pat[i] == ']' {
					break
				} else if len(pat)-i >= 3 && pat[i+1] == '-' {
					lo, hi := int(int8(pat[i])), int(int8(pat[i+2]))
					if lo > hi {
						lo, hi = hi, lo
					}
					tk.items = append(tk.items, item{kind: 'r', lo: lo, hi: hi})
					i += 2
				} else {
					tk.items = append(tk.items, item{kind: 'c', c: pat[i]})
				}
				i++
			}
			toks = append(toks, tk)
		case '\\':
			if len(pat)-i >= 2 {
				i++
			}
			toks = append(toks, token{kind: 'l', c: pat[i]})
		default:
			toks = append(toks, token{kind: 'l', c: pat[i]})
		}
		i++
	}
	fold := func(c int) int {
		if nocase {
			return lowerASCII(c)
		}
		return c
	}
	one := func(tk token, c byte) bool {
		switch tk.kind {
		case '?':
			return true
		case 'l':
			return fold(int(tk.c)) == fold(int(c))
		}
		m := false
		for _, it := range tk.items {
			switch it.kind {
			case 'e':
				m = m || it.c == c
			case 'c':
				m = m || fold(int(it.c)) == fold(int(c))
			case 'r':
				// C: signed chars; with nocase, glibc tolower maps
				// -128..-2 to 128..254 and leaves EOF (-1) alone.
				glibc := func(v int) int {
					if !nocase {
						return v
					}
					if v < 0 && v != -1 {
						return v + 256
					}
					return lowerASCII(v)
				}
				v := glibc(int(int8(c)))
				m = m || (v >= glibc(it.lo) && v <= glibc(it.hi))
			}
		}
		return m != tk.not
	}
	// dp[j] == tokens[i:] match s[j:], computed from the last token back.
	dp := make([]bool, len(s)+1)
	dp[len(s)] = true
	for i := len(toks) - 1; i >= 0; i-- {
		next := make([]bool, len(s)+1)
		for j := len(s); j >= 0; j-- {
			if toks[i].kind == '*' {
				next[j] = dp[j] || (j < len(s) && next[j+1])
			} else {
				next[j] = j < len(s) && one(toks[i], s[j]) && dp[j+1]
			}
		}
		dp = next
	}
	return dp[0]
}

func FuzzGlobMatch(f *testing.F) {
	seeds := []struct {
		p, s string
		nc   bool
	}{
		{"*", "", false}, {"h[^e]llo", "hallo", false}, {`[\]]x*`, "]xyz", false},
		{"[a-", "b", false}, {"[^", "", true}, {`\`, `\`, false}, {"*?*?", "ab", false},
		{"[Z-a]*", "_q", true}, {"a*a*a*b", "aaaaaaaaaa", false}, {"[\x80-\xff]", "\xc3", false},
		{"**[*]**", "*", false}, {"[a-]]", "]]", false},
	}
	for _, sd := range seeds {
		f.Add(sd.p, sd.s, sd.nc)
	}
	f.Fuzz(func(t *testing.T, pat, s string, nocase bool) {
		got := GlobMatch(pat, s, nocase)
		if gb := GlobMatchBytes([]byte(pat), []byte(s), nocase); gb != got {
			t.Fatalf("GlobMatch and GlobMatchBytes disagree on (%q, %q, %v)", pat, s, nocase)
		}
		// The reference has no nesting limit; keep inputs far below it.
		if len(pat) > 256 || len(s) > 256 {
			return
		}
		if want := globRef(pat, s, nocase); got != want {
			t.Fatalf("GlobMatch(%q, %q, %v) = %v, reference says %v", pat, s, nocase, got, want)
		}
	})
}
