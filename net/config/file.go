package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
)

// RedisVersion is the Redis version named in config-file error banners.
// It is a variable so the server can align it with what INFO reports.
var RedisVersion = "7.0.0"

// FileError is a config-file problem, printed the way redis-server prints it
// before exiting, so operators see the messages they know:
//
//	*** FATAL CONFIG FILE ERROR (Redis 7.0.0) ***
//	Reading the configuration file, at line 3
//	>>> 'maxmemory lots'
//	argument must be a memory value
type FileError struct {
	Line int    // 1-based line number
	Text string // the line, trimmed as Redis trims it
	Msg  string // the reason
}

func (e *FileError) Error() string {
	return fmt.Sprintf("*** FATAL CONFIG FILE ERROR (Redis %s) ***\nReading the configuration file, at line %d\n>>> '%s'\n%s",
		RedisVersion, e.Line, e.Text, e.Msg)
}

// Directives of old Redis versions that Redis 7 still reads and ignores.
var deprecatedDirectives = map[string]int{
	"list-max-ziplist-entries": 2,
	"list-max-ziplist-value":   2,
	"lua-replicate-commands":   2,
}

// Directives Redis knows but that are not parameters, which Meridian does not
// implement; they get a clear error instead of "Bad directive".
var unsupportedDirectives = map[string]int{ // name -> argc Redis requires (0: any >= 2)
	"include":        2,
	"rename-command": 3,
	"user":           0,
	"loadmodule":     0,
}

// ParseFile reads redis.conf syntax and returns the directives as name/value
// pairs for Store.Set(true, ...), in file order, names in lower case.
//
// As in Redis's loadServerConfigFromString: lines are split on '\n' and
// trimmed of " \t\r\n"; blank lines and lines starting with '#' are skipped
// (a '#' later in a line is an ordinary argument); arguments follow
// sdssplitargs (double quotes with \n \r \t \b \a \xHH escapes, single quotes
// with \'); the directive name is case-insensitive; a parameter takes exactly
// one argument unless it is a multi-argument one (save, bind,
// client-output-buffer-limit, oom-score-adj-values, replicaof,
// latency-tracking-info-percentiles), whose arguments are joined with single
// spaces. Values are validated here too, so a bad value is reported with its
// line, like Redis does; the pairs keep the text of the file, and Set
// normalizes it.
func ParseFile(text string) ([][2]string, error) {
	var out [][2]string
	staged := make(map[*param]string)
	for i, raw := range strings.Split(text, "\n") {
		line := strings.Trim(raw, " \t\r\n")
		if line == "" || line[0] == '#' {
			continue
		}
		fail := func(msg string) error { return &FileError{Line: i + 1, Text: line, Msg: msg} }
		argv, ok := splitArgs(line)
		if !ok {
			return nil, fail("Unbalanced quotes in configuration line")
		}
		if len(argv) == 0 {
			continue
		}
		name := asciiLower(argv[0])
		if p := lookup(name); p != nil {
			if p.flags&fMultiArg == 0 && len(argv) != 2 {
				return nil, fail("wrong number of arguments")
			}
			value := strings.Join(argv[1:], " ")
			old, seen := staged[p]
			if !seen {
				old = p.def
			}
			v, err := p.norm(p, old, value)
			if err != nil {
				return nil, fail(err.Error())
			}
			staged[p] = v
			out = append(out, [2]string{name, value})
			continue
		}
		if n, ok := deprecatedDirectives[name]; ok && len(argv) == n {
			continue
		}
		if n, ok := unsupportedDirectives[name]; ok && (len(argv) == n || (n == 0 && len(argv) >= 2)) {
			return nil, fail(name + " directive is not supported by Meridian")
		}
		return nil, fail("Bad directive or wrong number of arguments")
	}
	return out, nil
}

// LoadFile reads the file at path and parses it with ParseFile. This is the
// package's only file access.
func LoadFile(path string) ([][2]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		reason := err.Error()
		var pe *os.PathError
		if errors.As(err, &pe) {
			reason = pe.Err.Error()
		}
		return nil, fmt.Errorf("Fatal error, can't open config file '%s': %s", path, reason)
	}
	return ParseFile(string(data))
}

// ParseArgs turns redis-server style options ("--port", "7777", "--save",
// "900", "1", ...) into pairs, the way Redis 7's main() does: each "--name"
// starts a directive line and the following arguments are appended to it,
// quoted; the lines are then read like a config file (so errors name the
// generated line). A "--name" directly after another "--name" is taken as its
// value, except that "--save" followed by an option or at the end means
// `save ""`. args excludes the program name and the config file path.
func ParseArgs(args []string) ([][2]string, error) {
	var b strings.Builder
	handledLast := true
	for j, a := range args {
		if handledLast && strings.HasPrefix(a, "--") {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(a[2:])
			b.WriteByte(' ')
			if toks, ok := splitArgs(a); ok && len(toks) == 1 {
				handledLast = false
				last := j == len(args)-1
				if equalFold(a, "--save") && (last || strings.HasPrefix(args[j+1], "--")) {
					b.WriteString(`""`)
					handledLast = !last
				}
			} else {
				handledLast = true
			}
			continue
		}
		b.WriteString(repr(a))
		b.WriteByte(' ')
		handledLast = true
	}
	return ParseFile(b.String())
}

// repr quotes s the way sdscatrepr does, so splitArgs reads it back intact.
func repr(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\', '"':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\a':
			b.WriteString(`\a`)
		case '\b':
			b.WriteString(`\b`)
		default:
			if c >= 0x20 && c < 0x7f {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, `\x%02x`, c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// splitArgs is Redis's sdssplitargs. It returns false for unbalanced quotes
// or a closing quote not followed by a space. Like the C code, which works on
// NUL-terminated lines, it stops at a NUL byte.
func splitArgs(line string) ([]string, bool) {
	if i := strings.IndexByte(line, 0); i >= 0 {
		line = line[:i]
	}
	at := func(i int) byte { // C's view: NUL past the end
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	var argv []string
	p := 0
	for {
		for p < len(line) && isCSpace(line[p]) {
			p++
		}
		if p >= len(line) {
			return argv, true
		}
		var cur []byte
		inq, insq, done := false, false, false
		for !done {
			c := at(p)
			switch {
			case inq:
				switch {
				case c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
					cur = append(cur, hexVal(at(p+2))*16+hexVal(at(p+3)))
					p += 3
				case c == '\\' && at(p+1) != 0:
					p++
					switch e := at(p); e {
					case 'n':
						cur = append(cur, '\n')
					case 'r':
						cur = append(cur, '\r')
					case 't':
						cur = append(cur, '\t')
					case 'b':
						cur = append(cur, '\b')
					case 'a':
						cur = append(cur, '\a')
					default:
						cur = append(cur, e)
					}
				case c == '"':
					if n := at(p + 1); n != 0 && !isCSpace(n) {
						return nil, false
					}
					done = true
				case c == 0:
					return nil, false
				default:
					cur = append(cur, c)
				}
			case insq:
				switch {
				case c == '\\' && at(p+1) == '\'':
					p++
					cur = append(cur, '\'')
				case c == '\'':
					if n := at(p + 1); n != 0 && !isCSpace(n) {
						return nil, false
					}
					done = true
				case c == 0:
					return nil, false
				default:
					cur = append(cur, c)
				}
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"':
					inq = true
				case '\'':
					insq = true
				default:
					cur = append(cur, c)
				}
			}
			if p < len(line) {
				p++
			}
		}
		argv = append(argv, string(cur))
	}
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
