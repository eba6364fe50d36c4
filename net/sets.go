package net

// setCommands is filled by the family being built (issue 4).
var setCommands = []*Command{}
