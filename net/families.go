package net

// commandFamilies lists every family's registration table; each family file
// ends in its own table.
func commandFamilies() [][]*Command {
	return [][]*Command{stringCommands, keyCommands, connectionCommands, serverCommands}
}
