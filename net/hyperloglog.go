package net

// hllCommands is filled by the family being built (issue 4).
var hllCommands = []*Command{}
