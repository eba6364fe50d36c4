package net

import (
	stdnet "net"
	"strconv"
	"time"
)

// The server family is split by job into info.go, config_cmd.go,
// command_cmd.go (with cmdsyntax.go) and debug.go, each ending in its
// registration table. This file holds TIME and what several of them share.

// cmdTime serves TIME: the Unix time in seconds and the microseconds
// within the second, as two bulk strings.
func cmdTime(c *Client, _ [][]byte) {
	now := time.Now()
	var tmp [24]byte
	c.W.AppendArrayLen(2)
	c.W.AppendBulk(strconv.AppendInt(tmp[:0], now.Unix(), 10))
	c.W.AppendBulk(strconv.AppendInt(tmp[:0], int64(now.Nanosecond()/1000), 10))
}

// isLocalClient is Redis's islocalClient: a loopback peer (Meridian has no
// unix sockets). Redis compares the address text, so only 127.0.0.1 and ::1.
func isLocalClient(c *Client) bool {
	host, _, err := stdnet.SplitHostPort(c.Addr)
	return err == nil && (host == "127.0.0.1" || host == "::1")
}

var serverCommands = []*Command{
	{Name: "time", Arity: 1, Flags: FlagLoading | FlagStale | FlagFast, Group: "server", Since: "2.6.0", Summary: "Returns the server time.", Tips: []string{"nondeterministic_output"}, Handler: cmdTime},
}
