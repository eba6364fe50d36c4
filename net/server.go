package net

var serverCommands = []*Command{}
