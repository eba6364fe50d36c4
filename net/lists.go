package net

// listCommands is filled by the family being built (issue 4).
var listCommands = []*Command{}
