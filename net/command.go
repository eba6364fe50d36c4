package net

import (
	"fmt"
	"strings"
)

// Flags of a command, after Redis's command flags.
type Flags uint16

// Command flags.
const (
	FlagWrite Flags = 1 << iota
	FlagReadonly
	FlagFast
	FlagDenyOOM
	FlagAdmin
	FlagNoScript
	FlagLoading
	FlagStale
	FlagBlocking
	FlagPubSub
	FlagNoAuth
	FlagSkipMonitor
	// FlagMovableKeys marks commands whose keys COMMAND's First/Last/Step
	// cannot locate (a numkeys argument says how many follow); Redis sets
	// it itself for such key specs, so COMMAND INFO shows it.
	FlagMovableKeys
)

// flagsAdmin are the flags Redis's administrative commands carry (CONFIG's
// subcommands, DEBUG).
const flagsAdmin = FlagAdmin | FlagNoScript | FlagLoading | FlagStale

// flagOrder names the command flags in the order COMMAND INFO prints them
// (Redis's replyFlagNames table), which is not the order of the bits.
var flagOrder = []struct {
	f    Flags
	name string
}{
	{FlagWrite, "write"}, {FlagReadonly, "readonly"}, {FlagDenyOOM, "denyoom"}, {FlagAdmin, "admin"},
	{FlagPubSub, "pubsub"}, {FlagNoScript, "noscript"}, {FlagBlocking, "blocking"}, {FlagLoading, "loading"},
	{FlagStale, "stale"}, {FlagSkipMonitor, "skip_monitor"}, {FlagFast, "fast"}, {FlagNoAuth, "no_auth"},
	{FlagMovableKeys, "movablekeys"},
}

// Names lists the flags as COMMAND INFO prints them, in its order.
func (f Flags) Names() []string {
	var out []string
	for _, fo := range flagOrder {
		if f&fo.f != 0 {
			out = append(out, fo.name)
		}
	}
	return out
}

// Handler runs one command. args[0] is the command name as sent. It writes
// exactly one reply to c.
type Handler func(c *Client, args [][]byte)

// Command is one row of the command table: what the dispatcher checks
// before any handler runs, and everything COMMAND, COMMAND INFO and COMMAND
// DOCS report about the command. Each family file declares its rows in the
// registration table it ends with; families.go lists those tables.
type Command struct {
	Name  string // lower case; a subcommand is "container|sub"
	Arity int    // Redis's sign convention: n exact, -n at least n
	Flags Flags
	// First, Last and Step locate the key arguments (Redis's key specs in
	// their legacy form): Last -1 means the last argument.
	First, Last, Step int
	// NumKeysAt is the index of a numkeys argument (LMPOP, ZUNION, ...):
	// that many keys follow it. 0 when the command has none.
	NumKeysAt int
	// Subcommands are a container's (CLIENT, CONFIG, ...) subcommands; its
	// Handler dispatches to them with runSub.
	Subcommands []*Command
	Handler     Handler

	// What COMMAND INFO and COMMAND DOCS report beyond the fields above,
	// after the command's JSON file in Redis's source (src/commands/).
	Group   string // COMMAND DOCS group ("string", "generic", ...)
	Summary string // COMMAND DOCS summary
	Since   string // Redis version that introduced it
	// Syntax is the argument syntax in the notation of Redis's
	// documentation, from which COMMAND DOCS builds its "arguments" (and so
	// redis-cli its hints; see parseSyntax). UPPER-CASE words are tokens; a
	// lower-case word is a value, typed by an optional suffix (:key :int
	// :double :pattern :unix; "key" alone is a key); [x] is optional,
	// (a | b) one of, "x [x ...]" repeats; "label:(" or "label:[" names a
	// group. Empty: the command takes no arguments, and COMMAND DOCS omits
	// "arguments" as Redis does.
	Syntax string
	// Tips are the request/response hints COMMAND INFO lists.
	Tips []string
	// ExtraCategories are the ACL categories the command's JSON names
	// beyond those its Group and Flags imply (see commandCategories).
	ExtraCategories []string

	// id is the row's index in the table; it indexes the per-command
	// counters each event loop keeps in loopStats (INFO commandstats).
	id int
}

// Table is the command table. Built once at start, read-only afterwards.
// It holds the top-level commands; subcommands are reached through their
// container's Subcommands.
type Table struct {
	byName map[string]*Command
	list   []*Command
}

// newTable builds the table from the families' registration tables, in
// order: that order is COMMAND's and INFO commandstats'.
func newTable(families ...[]*Command) *Table {
	t := &Table{byName: make(map[string]*Command)}
	for _, fam := range families {
		for _, c := range fam {
			if _, dup := t.byName[c.Name]; dup {
				panic("BUG: command registered twice: " + c.Name)
			}
			// Each table gets its own copies, so two servers in one
			// process never share (or race on) a row.
			cp := *c
			cp.id = len(t.list)
			t.byName[cp.Name] = &cp
			t.list = append(t.list, &cp)
		}
	}
	return t
}

// Lookup finds a command by name, case-insensitively, without allocating.
func (t *Table) Lookup(name []byte) *Command {
	var buf [32]byte
	if len(name) > len(buf) {
		return t.byName[strings.ToLower(string(name))]
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return t.byName[string(buf[:len(name)])]
}

// sameName reports whether name, in any case, is lower, a command's
// lower-case name.
func sameName(name []byte, lower string) bool {
	if len(name) != len(lower) {
		return false
	}
	for i, c := range name {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// All returns every command in registration order.
func (t *Table) All() []*Command { return t.list }

// Len is the number of commands.
func (t *Table) Len() int { return len(t.list) }

// checkArity reports whether n arguments (name included) fit arity.
func checkArity(arity, n int) bool {
	if arity >= 0 {
		return n == arity
	}
	return n >= -arity
}

// KeyPositions returns the indexes of the key arguments of args under cmd's
// key spec (COMMAND GETKEYS, and routing of multi-key commands).
func (cmd *Command) KeyPositions(args [][]byte) []int {
	var out []int
	if cmd.First > 0 {
		last := cmd.Last
		if last < 0 {
			last = len(args) + last
		}
		for i := cmd.First; i <= last && i < len(args); i += cmd.Step {
			out = append(out, i)
		}
	}
	if at := cmd.NumKeysAt; at > 0 && at < len(args) {
		if n, ok := argInt(args[at]); ok && n > 0 {
			for i := at + 1; i <= at+int(n) && i < len(args); i++ {
				out = append(out, i)
			}
		}
	}
	return out
}

func wrongArgs(name string) string { return fmt.Sprintf(ErrWrongArgs, strings.ToLower(name)) }

// unknownCommandError formats Redis's reply for an unknown command.
func unknownCommandError(args [][]byte) string {
	var b strings.Builder
	for i := 1; i < len(args) && b.Len() < 128; i++ {
		a := args[i]
		if room := 128 - b.Len(); len(a) > room {
			a = a[:room]
		}
		b.WriteString("'")
		b.Write(a)
		b.WriteString("' ")
	}
	return sanitize(fmt.Sprintf(ErrUnknownCommand, args[0], b.String()))
}

// sanitize replaces CR and LF, which cannot appear in an error reply.
func sanitize(s string) string {
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, s)
	}
	return s
}
