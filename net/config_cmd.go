package net

import "github.com/meridiandb/meridian/net/config"

// CONFIG: the parameters of net/config's Store, read and set under Redis's
// names and with its error texts.

func cmdConfig(c *Client, args [][]byte) { runSub(c, args, configSubcommands) }

func cmdConfigGet(c *Client, args [][]byte) {
	pats := make([]string, len(args)-2)
	for i, a := range args[2:] {
		pats[i] = string(a)
	}
	pairs := c.srv.cfg.Match(pats...)
	c.W.AppendMapLen(len(pairs))
	for _, p := range pairs {
		c.W.AppendBulkString(p[0])
		c.W.AppendBulkString(p[1])
	}
}

// cmdConfigSet serves CONFIG SET name value [name value ...]: all the pairs
// or none, with the store's Redis error texts.
func cmdConfigSet(c *Client, args [][]byte) {
	if len(args)%2 != 0 {
		c.Error(ErrSyntax)
		return
	}
	pairs := make([][2]string, 0, (len(args)-2)/2)
	for i := 2; i+1 < len(args); i += 2 {
		pairs = append(pairs, [2]string{string(args[i]), string(args[i+1])})
	}
	if err := c.srv.cfg.SetWith(config.SetOptions{Local: isLocalClient(c)}, pairs...); err != nil {
		c.Error(err.Error())
		return
	}
	c.W.AppendOK()
}

func cmdConfigResetStat(c *Client, _ [][]byte) {
	c.srv.ResetStats()
	infoStateOf(c.srv).reset()
	c.W.AppendOK()
}

// cmdConfigRewrite answers as Redis does without a config file: Meridian
// does not rewrite one yet, even when Options.ConfigFile names it.
func cmdConfigRewrite(c *Client, _ [][]byte) {
	if c.srv.ConfigFile() == "" {
		c.Error(errNoConfigFile)
		return
	}
	c.Error(errRewriteUnsupported)
}

var configHelp = []string{
	"GET <pattern>",
	"    Return parameters matching the glob-like <pattern> and their values.",
	"SET <directive> <value>",
	"    Set the configuration <directive> to <value>.",
	"RESETSTAT",
	"    Reset statistics reported by the INFO command.",
	"REWRITE",
	"    Rewrite the configuration file.",
}

func cmdConfigHelp(c *Client, args [][]byte) { replyHelp(c, args, configHelp) }

var configSubcommands = []*Command{
	{Name: "config|get", Arity: -3, Flags: flagsAdmin, Group: "server", Since: "2.0.0", Summary: "Returns the effective values of configuration parameters.", Syntax: "parameter [parameter ...]", Handler: cmdConfigGet},
	{Name: "config|set", Arity: -4, Flags: flagsAdmin, Group: "server", Since: "2.0.0", Summary: "Sets configuration parameters in-flight.", Syntax: "parameter value [parameter value ...]", Tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}, Handler: cmdConfigSet},
	{Name: "config|resetstat", Arity: 2, Flags: flagsAdmin, Group: "server", Since: "2.0.0", Summary: "Resets the server's statistics.", Tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}, Handler: cmdConfigResetStat},
	{Name: "config|rewrite", Arity: 2, Flags: flagsAdmin, Group: "server", Since: "2.8.0", Summary: "Persists the effective configuration to file.", Tips: []string{"request_policy:all_nodes", "response_policy:all_succeeded"}, Handler: cmdConfigRewrite},
	{Name: "config|help", Arity: 2, Flags: FlagLoading | FlagStale, Group: "server", Since: "5.0.0", Summary: "Returns helpful text about the different subcommands.", Handler: cmdConfigHelp},
}

var configCommands = []*Command{
	{Name: "config", Arity: -2, Group: "server", Since: "2.0.0", Summary: "A container for server configuration commands.", Subcommands: configSubcommands, Handler: cmdConfig},
}
