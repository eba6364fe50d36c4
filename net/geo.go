package net

// geoCommands is filled by the family being built (issue 4).
var geoCommands = []*Command{}
