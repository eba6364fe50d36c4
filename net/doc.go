// Package net serves the Redis protocol: gnet event loops read RESP, every
// command is checked against the command table (existence, arity) and run
// by its handler on the shard that owns its key, and the replies of one
// read leave in one write.
//
// A tour of the files:
//
//	loop.go         Server: the gnet handler, dispatch, statistics
//	client.go       Client: one connection's state, owned by its event loop
//	command.go      Command (one table row: arity, flags, key positions,
//	                docs, handler) and Table; the dispatcher's own replies
//	families.go     the list of registration tables the Table is built from
//	subcommands.go  dispatch inside container commands (CLIENT, CONFIG, ...)
//	errors.go       every Redis error text, word for word
//	args.go         argument parsing shared by the families
//	collscan.go     HSCAN/SSCAN/ZSCAN argument parsing
//	blocking.go     parking clients of blocking commands (BLPOP, ...)
//	gnetlog.go      gnet's own log messages, routed into slog
//
// One file per command family, each ending in its registration table:
//
//	strings.go      GET, SET, INCR, ... (the model of a family file)
//	bitmaps.go      SETBIT, BITCOUNT, BITFIELD, ... on strings
//	hashes.go       HSET, HGET, HINCRBY, HSCAN, ...
//	sets.go         SADD, SINTER, SPOP, SSCAN, ...
//	zsets.go        ZADD, ZRANGE, ZPOPMIN, BZPOPMIN, ...
//	geo.go          GEOADD, GEOSEARCH, ... on sorted sets
//	lists.go        LPUSH, LRANGE, LMOVE, BLPOP, ...
//	hyperloglog.go  PFADD, PFCOUNT, PFMERGE
//	sort.go         SORT, SORT_RO
//	keys.go         DEL, EXPIRE, SCAN, ... and DBSIZE, FLUSHALL, SWAPDB
//	connection.go   PING, HELLO, SELECT and CLIENT
//	info.go         INFO
//	config_cmd.go   CONFIG
//	server.go       TIME
//	command_cmd.go  COMMAND: the table's rows rendered as Redis 7.2 does
//	cmdsyntax.go    Command.Syntax parsed into COMMAND DOCS arguments
//	debug.go        DEBUG, OBJECT and MEMORY
//
// A handler parses its arguments, runs the shard operation (which returns
// a status, never RESP) and writes exactly one reply. Everything a client
// learns about a command, from arity to COMMAND DOCS arguments, is a field
// of its row, so adding a command is adding a row.
//
// The subpackages resp (RESP parser and reply writer) and config (the
// parameters CONFIG serves) have no dependency on this one.
package net
