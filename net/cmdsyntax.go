package net

import "strings"

// The parser from a command's Syntax (the notation of Redis's documentation,
// described on Command.Syntax) to the argument tree COMMAND DOCS reports:
// Redis's redisCommandArg with its types "key", "string", "integer",
// "double", "pattern", "unix-time", "pure-token", "oneof" and "block", and
// its "optional" and "multiple" flags. redis-cli builds its hints from this
// tree and asserts on the types, so the shapes follow Redis exactly.

// docArg is one argument of COMMAND DOCS (Redis's redisCommandArg).
type docArg struct {
	name, typ, token   string
	optional, multiple bool
	args               []*docArg // oneof and block
}

// parseSyntax turns a Command.Syntax string into COMMAND DOCS arguments;
// nil for the empty string. There is no error result: the strings are the
// table's own, and a malformed one yields a best-effort list.
func parseSyntax(s string) []*docArg {
	p := &syntaxParser{toks: syntaxTokens(s)}
	return p.seq()
}

// syntaxTokens splits a syntax string into words and the marks [ ] ( ) |
// and "...".
func syntaxTokens(s string) []string {
	var out []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case ' ':
			flush()
		case '[', ']', '(', ')', '|':
			flush()
			out = append(out, string(ch))
		default:
			cur.WriteByte(ch)
		}
	}
	flush()
	return out
}

// syntaxParser turns syntax tokens into docArgs.
type syntaxParser struct {
	toks []string
	i    int
}

func (p *syntaxParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func isMark(t string) bool {
	return t == "[" || t == "]" || t == "(" || t == ")" || t == "|" || t == "..." || t == ""
}

// isToken reports whether a word is a literal token: letters, all upper case.
func isToken(t string) bool {
	return strings.ToUpper(t) == t && strings.ToLower(t) != t
}

// label reports whether the current word names the group that follows it.
func (p *syntaxParser) label() (string, bool) {
	t := p.peek()
	if strings.HasSuffix(t, ":") && p.i+1 < len(p.toks) && (p.toks[p.i+1] == "[" || p.toks[p.i+1] == "(") {
		return strings.TrimSuffix(t, ":"), true
	}
	return "", false
}

var syntaxTypes = map[string]string{"key": "key", "int": "integer", "double": "double", "pattern": "pattern", "unix": "unix-time", "string": "string"}

func valueArg(word string) *docArg {
	if i := strings.LastIndexByte(word, ':'); i > 0 {
		if typ, ok := syntaxTypes[word[i+1:]]; ok {
			return &docArg{name: word[:i], typ: typ}
		}
	}
	if word == "key" {
		return &docArg{name: word, typ: "key"}
	}
	return &docArg{name: word, typ: "string"}
}

// seq parses items up to a closing mark or '|'. "x [x ...]" and
// "k v [k v ...]" mark the preceding item(s) as repeating.
func (p *syntaxParser) seq() []*docArg {
	var items []*docArg
	var spans [][]string // tokens each item came from, for repetitions
	for {
		t := p.peek()
		if t == "" || t == "]" || t == ")" || t == "|" {
			return items
		}
		start := p.i
		if rep, ok := p.repetition(); ok {
			if k := tailMatch(spans, rep); k == 1 {
				items[len(items)-1].multiple = true
				continue
			} else if k > 1 {
				blk := &docArg{name: "data", typ: "block", multiple: true, args: append([]*docArg(nil), items[len(items)-k:]...)}
				items = append(items[:len(items)-k], blk)
				spans = append(spans[:len(spans)-k], rep)
				continue
			}
			// "TOKEN value [value ...]": the value repeats, the token once.
			if n := len(items); n > 0 && items[n-1].token != "" && len(rep) == 1 && len(spans[n-1]) == 2 && spans[n-1][1] == rep[0] {
				items[n-1].multiple = true
				continue
			}
		}
		a := p.item()
		if a == nil {
			return items
		}
		items = append(items, a)
		spans = append(spans, p.toks[start:p.i])
	}
}

// repetition consumes "[ ... ...]" and returns the repeated tokens.
func (p *syntaxParser) repetition() ([]string, bool) {
	if p.peek() != "[" {
		return nil, false
	}
	depth := 0
	for j := p.i; j < len(p.toks); j++ {
		switch p.toks[j] {
		case "[", "(":
			depth++
		case "]", ")":
			depth--
			if depth == 0 {
				inner := p.toks[p.i+1 : j]
				if len(inner) >= 2 && inner[len(inner)-1] == "..." {
					p.i = j + 1
					return inner[:len(inner)-1], true
				}
				return nil, false
			}
		}
	}
	return nil, false
}

// tailMatch returns k when the last k spans spell rep, else 0.
func tailMatch(spans [][]string, rep []string) int {
	for k := 1; k <= len(spans); k++ {
		var joined []string
		for _, s := range spans[len(spans)-k:] {
			joined = append(joined, s...)
		}
		if len(joined) > len(rep) {
			return 0
		}
		if len(joined) == len(rep) {
			for i := range joined {
				if joined[i] != rep[i] {
					return 0
				}
			}
			return k
		}
	}
	return 0
}

// item parses one argument: a group, a token with its values, or a value.
func (p *syntaxParser) item() *docArg {
	if name, ok := p.label(); ok {
		p.i++
		a := p.group()
		if a != nil && name != "" {
			a.name = name
		}
		return a
	}
	t := p.peek()
	switch {
	case t == "[" || t == "(":
		return p.group()
	case isMark(t):
		p.i++ // a stray mark: skip it
		return nil
	case isToken(t):
		p.i++
		var vals []*docArg
		for {
			if name, ok := p.label(); ok {
				p.i++
				g := p.group()
				if g != nil {
					g.name = name
					vals = append(vals, g)
				}
				continue
			}
			if n := p.peek(); n == "(" {
				if g := p.group(); g != nil {
					vals = append(vals, g)
				}
				continue
			} else if isMark(n) || isToken(n) {
				break
			}
			vals = append(vals, valueArg(p.peek()))
			p.i++
		}
		switch len(vals) {
		case 0:
			return &docArg{name: strings.ToLower(t), typ: "pure-token", token: t}
		case 1:
			vals[0].token = t
			return vals[0]
		}
		return &docArg{name: strings.ToLower(t), typ: "block", token: t, args: vals}
	default:
		p.i++
		return valueArg(t)
	}
}

// group parses "[ alternatives ]" (optional) or "( alternatives )".
func (p *syntaxParser) group() *docArg {
	open := p.peek()
	p.i++
	var alts [][]*docArg
	for {
		alts = append(alts, p.seq())
		if p.peek() != "|" {
			break
		}
		p.i++
	}
	if t := p.peek(); t == "]" || t == ")" {
		p.i++
	}
	var a *docArg
	if len(alts) == 1 {
		seq := alts[0]
		switch len(seq) {
		case 0:
			return nil
		case 1:
			a = seq[0]
		default:
			a = &docArg{name: joinNames(seq), typ: "block", args: seq}
		}
	} else {
		opts := make([]*docArg, 0, len(alts))
		for _, alt := range alts {
			switch len(alt) {
			case 0:
			case 1:
				opts = append(opts, alt[0])
			default:
				opts = append(opts, &docArg{name: joinNames(alt), typ: "block", args: alt})
			}
		}
		a = &docArg{name: joinNames(opts), typ: "oneof", args: opts}
	}
	if open == "[" {
		a.optional = true
	}
	return a
}

func joinNames(args []*docArg) string {
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = a.name
	}
	return strings.Join(names, "-")
}
