package net

import (
	"fmt"
	"strings"
)

// Container commands (CLIENT, CONFIG, COMMAND, OBJECT, MEMORY) hold
// subcommands named "container|sub" in their Subcommands. Their handlers
// call runSub, which makes the checks Redis's processCommand makes for a
// subcommand, and answer HELP with replyHelp.

// helpHeading is the first line of every container's HELP reply.
const helpHeading = "%s <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"

// findSub looks a subcommand up by the word after the container's name;
// subs are named "container|sub".
func findSub(subs []*Command, word []byte) *Command {
	for _, s := range subs {
		if i := strings.IndexByte(s.Name, '|'); i >= 0 && is(word, s.Name[i+1:]) {
			return s
		}
	}
	return nil
}

// runSub runs args[1] as a subcommand of a container, with the checks
// Redis's processCommand makes before any handler: an unknown subcommand
// and a wrong argument count are refused in Redis's words, the latter
// naming the full "container|sub" name. The subcommand becomes the
// client's last command, as CLIENT LIST's cmd= field shows.
func runSub(c *Client, args [][]byte, subs []*Command) {
	sub := findSub(subs, args[1])
	if sub == nil {
		c.Error(fmt.Sprintf(ErrUnknownSub, args[1], strings.ToUpper(string(args[0]))))
		return
	}
	if !checkArity(sub.Arity, len(args)) {
		c.Error(wrongArgs(sub.Name))
		return
	}
	c.lastCmd.Store(sub)
	sub.Handler(c, args)
}

// subSyntaxError is Redis's addReplySubcommandSyntaxError, for argument
// shapes a subcommand's own parser refuses.
func subSyntaxError(c *Client, args [][]byte) {
	c.Error(fmt.Sprintf(errSubSyntax, args[1], strings.ToUpper(string(args[0]))))
}

// replyHelp is Redis's addReplyHelp: a heading naming the command as typed
// (upper-cased), the lines, and the HELP entry, all as status replies.
func replyHelp(c *Client, args [][]byte, lines []string) {
	c.W.AppendArrayLen(len(lines) + 3)
	c.W.AppendSimple(fmt.Sprintf(helpHeading, strings.ToUpper(string(args[0]))))
	for _, l := range lines {
		c.W.AppendSimple(l)
	}
	c.W.AppendSimple("HELP")
	c.W.AppendSimple("    Print this help.")
}
