package net

// zsetCommands is filled by the family being built (issue 4).
var zsetCommands = []*Command{}
