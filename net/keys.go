package net

var keyCommands = []*Command{}
