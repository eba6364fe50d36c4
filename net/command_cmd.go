package net

import (
	"strings"

	"github.com/meridiandb/meridian/net/config"
)

// COMMAND: the command table as Redis 7.2 describes it. COMMAND and COMMAND
// INFO render each row's arity, flags, key positions, ACL categories and
// tips; COMMAND DOCS its summary, version, group and arguments (from the
// row's Syntax, see cmdsyntax.go). redis-cli and client libraries read
// these at start, so the shapes follow Redis exactly.

// cmdCommand serves COMMAND (every command's COMMAND INFO entry) and, with
// a subcommand, the COMMAND container.
func cmdCommand(c *Client, args [][]byte) {
	if len(args) == 1 {
		appendAllCommandInfo(c)
		return
	}
	runSub(c, args, commandSubcommands)
}

// appendAllCommandInfo replies with every command's COMMAND INFO entry.
func appendAllCommandInfo(c *Client) {
	all := c.srv.table.All()
	c.W.AppendArrayLen(len(all))
	for _, cmd := range all {
		appendCommandInfo(c, cmd)
	}
}

func cmdCommandCount(c *Client, _ [][]byte) { c.W.AppendInt(int64(c.srv.table.Len())) }

// lookupCommandName is lookupCommandBySds: "name" or "container|sub",
// case-insensitively.
func lookupCommandName(t *Table, name []byte) *Command {
	base, sub, hasSub := strings.Cut(string(name), "|")
	cmd := t.Lookup([]byte(base))
	if cmd == nil || !hasSub {
		return cmd
	}
	if strings.Contains(sub, "|") {
		return nil
	}
	return findSub(cmd.Subcommands, []byte(sub))
}

// lookupCommandArgs is lookupCommand on a command line: a container's
// subcommand when there is one; nil for an unknown subcommand.
func lookupCommandArgs(t *Table, args [][]byte) *Command {
	cmd := t.Lookup(args[0])
	if cmd == nil || len(args) == 1 || len(cmd.Subcommands) == 0 {
		return cmd
	}
	return findSub(cmd.Subcommands, args[1])
}

// cmdCommandInfo serves COMMAND INFO [name ...]: every command when no
// name is given, else one entry per name, a null array for an unknown one.
func cmdCommandInfo(c *Client, args [][]byte) {
	if len(args) == 2 {
		appendAllCommandInfo(c)
		return
	}
	c.W.AppendArrayLen(len(args) - 2)
	for _, name := range args[2:] {
		if cmd := lookupCommandName(c.srv.table, name); cmd != nil {
			appendCommandInfo(c, cmd)
		} else {
			c.W.AppendNullArray()
		}
	}
}

// cmdCommandDocs serves COMMAND DOCS [name ...]: a map of name to docs,
// every command when no name is given; unknown names are left out.
func cmdCommandDocs(c *Client, args [][]byte) {
	var cmds []*Command
	if len(args) == 2 {
		cmds = c.srv.table.All()
	} else {
		for _, name := range args[2:] {
			if cmd := lookupCommandName(c.srv.table, name); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	c.W.AppendMapLen(len(cmds))
	for _, cmd := range cmds {
		c.W.AppendBulkString(cmd.Name)
		appendCommandDocs(c, cmd)
	}
}

// cmdCommandGetKeys serves COMMAND GETKEYS command [arg ...], checking in
// Redis's order: known command, has keys, argument count.
func cmdCommandGetKeys(c *Client, args [][]byte) {
	line := args[2:]
	cmd := lookupCommandArgs(c.srv.table, line)
	switch {
	case cmd == nil:
		c.Error(errInvalidCommand)
		return
	case cmd.First <= 0 && cmd.NumKeysAt == 0:
		c.Error(errNoKeyArgs)
		return
	case !checkArity(cmd.Arity, len(line)):
		c.Error(errInvalidArity)
		return
	}
	pos := cmd.KeyPositions(line)
	if len(pos) == 0 {
		c.Error(errInvalidArgs)
		return
	}
	c.W.AppendArrayLen(len(pos))
	for _, p := range pos {
		c.W.AppendBulk(line[p])
	}
}

// cmdCommandList serves COMMAND LIST [FILTERBY MODULE name | ACLCAT cat |
// PATTERN pattern]: every command and subcommand name.
func cmdCommandList(c *Client, args [][]byte) {
	var match func(cmd *Command) bool
	switch {
	case len(args) == 2:
		match = func(*Command) bool { return true }
	case len(args) == 5 && is(args[2], "filterby"):
		arg := string(args[4])
		switch {
		case is(args[3], "module"):
			match = func(*Command) bool { return false } // no modules
		case is(args[3], "aclcat"):
			match = func(cmd *Command) bool {
				for _, cat := range commandCategories(cmd) {
					if strings.EqualFold(cat[1:], arg) {
						return true
					}
				}
				return false
			}
		case is(args[3], "pattern"):
			match = func(cmd *Command) bool { return config.GlobMatch(arg, cmd.Name, true) }
		default:
			c.Error(ErrSyntax)
			return
		}
	default:
		c.Error(ErrSyntax)
		return
	}
	var names []string
	for _, cmd := range c.srv.table.All() {
		if match(cmd) {
			names = append(names, cmd.Name)
		}
		for _, sub := range cmd.Subcommands {
			if match(sub) {
				names = append(names, sub.Name)
			}
		}
	}
	c.W.AppendArrayLen(len(names))
	for _, n := range names {
		c.W.AppendBulkString(n)
	}
}

var commandHelp = []string{
	"(no subcommand)",
	"    Return details about all Redis commands.",
	"COUNT",
	"    Return the total number of commands in this Redis server.",
	"LIST",
	"    Return a list of all commands in this Redis server.",
	"INFO [<command-name> ...]",
	"    Return details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"DOCS [<command-name> ...]",
	"    Return documentation details about multiple Redis commands.",
	"    If no command names are given, documentation details for all",
	"    commands are returned.",
	"GETKEYS <full-command>",
	"    Return the keys from a full Redis command.",
}

func cmdCommandHelp(c *Client, args [][]byte) { replyHelp(c, args, commandHelp) }

// Rendering a table row for COMMAND INFO and COMMAND DOCS.

// groupCategory is the ACL category each command group's commands carry.
var groupCategory = map[string]string{
	"generic": "keyspace", "string": "string", "list": "list", "set": "set", "sorted-set": "sortedset",
	"hash": "hash", "pubsub": "pubsub", "transactions": "transaction", "connection": "connection",
	"scripting": "scripting", "hyperloglog": "hyperloglog", "geo": "geo", "stream": "stream", "bitmap": "bitmap",
}

// categoryOrder is Redis's ACLCommandCategories order.
var categoryOrder = []string{"keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
	"hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking", "dangerous", "connection",
	"transaction", "scripting"}

// commandCategories derives a command's ACL categories as Redis does: the
// group's category (not for containers), those implied by the flags
// (setImplicitACLCategories), and the extras its JSON names
// (ExtraCategories).
func commandCategories(cmd *Command) []string {
	has := make(map[string]bool)
	if len(cmd.Subcommands) == 0 {
		if g := groupCategory[cmd.Group]; g != "" {
			has[g] = true
		}
	}
	f := cmd.Flags
	has["write"] = f&FlagWrite != 0
	has["read"] = f&FlagReadonly != 0
	if f&FlagAdmin != 0 {
		has["admin"], has["dangerous"] = true, true
	}
	if f&FlagPubSub != 0 {
		has["pubsub"] = true
	}
	has["fast"] = f&FlagFast != 0
	has["slow"] = f&FlagFast == 0
	if f&FlagBlocking != 0 {
		has["blocking"] = true
	}
	for _, e := range cmd.ExtraCategories {
		has[e] = true
	}
	var out []string
	for _, c := range categoryOrder {
		if has[c] {
			out = append(out, "@"+c)
		}
	}
	return out
}

// appendCommandInfo appends Redis 7's 10-element COMMAND INFO entry: name,
// arity, flags, first/last/step, ACL categories, tips, key specs (none:
// Meridian describes keys by the legacy triple only) and subcommands.
func appendCommandInfo(c *Client, cmd *Command) {
	w := &c.W
	w.AppendArrayLen(10)
	w.AppendBulkString(cmd.Name)
	w.AppendInt(int64(cmd.Arity))
	flags := cmd.Flags.Names()
	w.AppendSetLen(len(flags))
	for _, f := range flags {
		w.AppendSimple(f)
	}
	first, last, step := cmd.First, cmd.Last, cmd.Step
	if first <= 0 {
		first, last, step = 0, 0, 0
	}
	w.AppendInt(int64(first))
	w.AppendInt(int64(last))
	w.AppendInt(int64(step))
	cats := commandCategories(cmd)
	w.AppendSetLen(len(cats))
	for _, cat := range cats {
		w.AppendSimple(cat)
	}
	w.AppendSetLen(len(cmd.Tips))
	for _, t := range cmd.Tips {
		w.AppendBulkString(t)
	}
	w.AppendSetLen(0) // key specs
	if len(cmd.Subcommands) == 0 {
		w.AppendSetLen(0)
		return
	}
	w.AppendArrayLen(len(cmd.Subcommands))
	for _, sub := range cmd.Subcommands {
		appendCommandInfo(c, sub)
	}
}

// appendCommandDocs appends a COMMAND DOCS entry: summary, since, group,
// arguments (parsed from cmd.Syntax; left out when it is empty) and
// subcommands, keyed as Redis 7.2 does. redis-cli builds its hints from
// "arguments" and asserts on the types, so their shapes follow Redis
// exactly.
func appendCommandDocs(c *Client, cmd *Command) {
	w := &c.W
	args := parseSyntax(cmd.Syntax)
	n := 1
	if cmd.Summary != "" {
		n++
	}
	if cmd.Since != "" {
		n++
	}
	if args != nil {
		n++
	}
	if len(cmd.Subcommands) > 0 {
		n++
	}
	w.AppendMapLen(n)
	if cmd.Summary != "" {
		w.AppendBulkString("summary")
		w.AppendBulkString(cmd.Summary)
	}
	if cmd.Since != "" {
		w.AppendBulkString("since")
		w.AppendBulkString(cmd.Since)
	}
	w.AppendBulkString("group")
	if cmd.Group != "" {
		w.AppendBulkString(cmd.Group)
	} else {
		w.AppendBulkString("server")
	}
	if args != nil {
		w.AppendBulkString("arguments")
		appendDocArgs(c, args)
	}
	if len(cmd.Subcommands) > 0 {
		w.AppendBulkString("subcommands")
		w.AppendMapLen(len(cmd.Subcommands))
		for _, sub := range cmd.Subcommands {
			w.AppendBulkString(sub.Name)
			appendCommandDocs(c, sub)
		}
	}
}

// appendDocArgs appends COMMAND DOCS "arguments": one map per argument with
// Redis's keys (name, type, token, flags, and the nested arguments of a
// oneof or block).
func appendDocArgs(c *Client, args []*docArg) {
	w := &c.W
	w.AppendArrayLen(len(args))
	for _, a := range args {
		n := 2
		if a.token != "" {
			n++
		}
		if a.optional || a.multiple {
			n++
		}
		if a.typ == "oneof" || a.typ == "block" {
			n++
		}
		w.AppendMapLen(n)
		w.AppendBulkString("name")
		w.AppendBulkString(a.name)
		w.AppendBulkString("type")
		w.AppendBulkString(a.typ)
		if a.token != "" {
			w.AppendBulkString("token")
			w.AppendBulkString(a.token)
		}
		if a.optional || a.multiple {
			w.AppendBulkString("flags")
			k := 0
			if a.optional {
				k++
			}
			if a.multiple {
				k++
			}
			w.AppendSetLen(k)
			if a.optional {
				w.AppendSimple("optional")
			}
			if a.multiple {
				w.AppendSimple("multiple")
			}
		}
		if a.typ == "oneof" || a.typ == "block" {
			w.AppendBulkString("arguments")
			appendDocArgs(c, a.args)
		}
	}
}

var commandSubcommands = []*Command{
	{Name: "command|count", Arity: 2, Flags: FlagLoading | FlagStale, Group: "server", Since: "2.8.13", Summary: "Returns a count of commands.", ExtraCategories: []string{"connection"}, Handler: cmdCommandCount},
	{Name: "command|info", Arity: -2, Flags: FlagLoading | FlagStale, Group: "server", Since: "2.8.13", Summary: "Returns information about one, multiple or all commands.", Syntax: "[command-name [command-name ...]]", Tips: []string{"nondeterministic_output_order"}, ExtraCategories: []string{"connection"}, Handler: cmdCommandInfo},
	{Name: "command|docs", Arity: -2, Flags: FlagLoading | FlagStale, Group: "server", Since: "7.0.0", Summary: "Returns documentary information about one, multiple or all commands.", Syntax: "[command-name [command-name ...]]", Tips: []string{"nondeterministic_output_order"}, ExtraCategories: []string{"connection"}, Handler: cmdCommandDocs},
	{Name: "command|getkeys", Arity: -4, Flags: FlagLoading | FlagStale, Group: "server", Since: "2.8.13", Summary: "Extracts the key names from an arbitrary command.", Syntax: "command [arg [arg ...]]", ExtraCategories: []string{"connection"}, Handler: cmdCommandGetKeys},
	{Name: "command|list", Arity: -2, Flags: FlagLoading | FlagStale, Group: "server", Since: "7.0.0", Summary: "Returns a list of command names.", Syntax: "[FILTERBY filterby:(MODULE module-name | ACLCAT category | PATTERN pattern:pattern)]", Tips: []string{"nondeterministic_output_order"}, ExtraCategories: []string{"connection"}, Handler: cmdCommandList},
	{Name: "command|help", Arity: 2, Flags: FlagLoading | FlagStale, Group: "server", Since: "5.0.0", Summary: "Returns helpful text about the different subcommands.", ExtraCategories: []string{"connection"}, Handler: cmdCommandHelp},
}

var commandCommands = []*Command{
	{Name: "command", Arity: -1, Flags: FlagLoading | FlagStale, Group: "server", Since: "2.8.13", Summary: "Returns detailed information about all commands.", Tips: []string{"nondeterministic_output_order"}, ExtraCategories: []string{"connection"}, Subcommands: commandSubcommands, Handler: cmdCommand},
}
