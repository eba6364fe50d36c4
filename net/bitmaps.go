package net

// bitmapCommands is filled by the family being built (issue 4).
var bitmapCommands = []*Command{}
