package net

func cmdPing(c *Client, args [][]byte) {
	switch len(args) {
	case 1:
		c.W.AppendSimple("PONG")
	case 2:
		c.W.AppendBulk(args[1])
	default:
		c.Error(wrongArgs("ping"))
	}
}

var connectionCommands = []*Command{
	{Name: "ping", Arity: -1, Flags: FlagFast | FlagStale, Group: "connection", Since: "1.0.0", Summary: "Returns the server's liveliness response.", Handler: cmdPing},
}
