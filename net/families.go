package net

// commandFamilies lists every family's registration table; each family file
// ends in its own table. The order is the table's order, which COMMAND,
// COMMAND LIST and INFO commandstats follow.
func commandFamilies() [][]*Command {
	return [][]*Command{
		stringCommands,     // strings.go
		bitmapCommands,     // bitmaps.go: SETBIT, BITCOUNT, BITFIELD, ... on strings
		hashCommands,       // hashes.go
		setCommands,        // sets.go
		zsetCommands,       // zsets.go
		geoCommands,        // geo.go: on sorted sets
		listCommands,       // lists.go
		sortCommands,       // sort.go: SORT, SORT_RO
		hllCommands,        // hyperloglog.go
		keyCommands,        // keys.go: the keyspace and whole-database commands
		connectionCommands, // connection.go: PING, HELLO, SELECT, CLIENT, ...
		infoCommands,       // info.go
		configCommands,     // config_cmd.go
		serverCommands,     // server.go: TIME
		shutdownCommands,   // shutdown.go: SHUTDOWN
		commandCommands,    // command_cmd.go: COMMAND
		debugCommands,      // debug.go: DEBUG, MEMORY, OBJECT
		aaCommands,         // aa.go: AA, active-active replication
		pubsubCommands,     // pubsub.go: SUBSCRIBE, PUBLISH, PUBSUB, ...
	}
}
