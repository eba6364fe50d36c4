package net

// hashCommands is filled by the family being built (issue 4).
var hashCommands = []*Command{}
