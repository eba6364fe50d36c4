package net

// Redis's error replies, word for word (Redis 7.2; without the leading '-'),
// all in this one file so a reply never drifts from what clients match on
// and no text is written twice. A "%s" marks a format for fmt.Sprintf.
//
// The exported texts are the ones several families share; the unexported
// ones belong to one family each, grouped below by family with the Redis
// source files they come from.

// Shared texts.
const (
	ErrSyntax         = "ERR syntax error"
	ErrNotInteger     = "ERR value is not an integer or out of range"
	ErrNotFloat       = "ERR value is not a valid float"
	ErrOverflow       = "ERR increment or decrement would overflow"
	ErrNaN            = "ERR increment would produce NaN or Infinity"
	ErrWrongType      = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrNoSuchKey      = "ERR no such key"
	ErrDBIndex        = "ERR DB index is out of range"
	ErrInvalidExpire  = "ERR invalid expire time in '%s' command"
	ErrOffsetRange    = "ERR offset is out of range"
	ErrStringTooLong  = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	ErrNoProto        = "NOPROTO unsupported protocol version"
	ErrWrongArgs      = "ERR wrong number of arguments for '%s' command"
	ErrUnknownCommand = "ERR unknown command '%.128s', with args beginning with: %s"
	ErrUnknownSub     = "ERR unknown subcommand '%.128s'. Try %s HELP."
	ErrMaxClients     = "ERR max number of clients reached"
	ErrQueryBuffer    = "ERR Protocol error: query buffer limit exceeded"
	ErrTimeoutNeg     = "ERR timeout is negative"
	ErrTimeoutInvalid = "ERR timeout is not a float or out of range"
	ErrSameObject     = "ERR source and destination objects are the same"
	ErrNXXXGTLT       = "ERR NX and XX, GT or LT options at the same time are not compatible"
	ErrGTLTNX         = "ERR GT, LT, and/or NX options at the same time are not compatible"
	ErrCountPositive  = "ERR count should be greater than 0"
)

// Container commands: a subcommand's own parser refusing its arguments
// (src/server.c addReplySubcommandSyntaxError).
const errSubSyntax = "ERR unknown subcommand or wrong number of arguments for '%.128s'. Try %s HELP."

// Blocking commands, blocking.go (src/blocked.c).
const errUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK"

// The string family, strings.go (src/t_string.c).
const (
	errDecrOverflow = "ERR decrement would overflow"
	errLCSNotString = "ERR The specified keys must contain string values"
	errLCSLenAndIdx = "ERR If you want both the length and indexes, please just use IDX."
	errLCSMemory    = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
)

// The keyspace family, keys.go (src/db.c, expire.c, object.c).
const (
	errInvalidCursor     = "ERR invalid cursor"
	errFirstDBIndex      = "ERR invalid first DB index"
	errSecondDBIndex     = "ERR invalid second DB index"
	errGTAndLT           = "ERR GT and LT options at the same time are not compatible"
	errUnsupportedOption = "ERR Unsupported option %s"
	errIntRange          = "ERR value is out of range, value must between -2147483648 and 2147483647"
)

// The connection family, connection.go (src/networking.c, server.c, acl.c).
const (
	errProtoVersion  = "ERR Protocol version is not an integer or out of range"
	errHelloOption   = "ERR Syntax error in HELLO option '%s'"
	errWrongPass     = "WRONGPASS invalid username-password pair or user is disabled."
	errClientName    = "ERR Client names cannot contain spaces, newlines or special characters."
	errClientAttr    = "ERR %s cannot contain spaces, newlines or special characters."
	errUnrecognized  = "ERR Unrecognized option '%s'"
	errClientType    = "ERR Unknown client type '%s'"
	errInvalidID     = "ERR Invalid client ID"
	errNoSuchClient  = "ERR No such client"
	errNoSuchUser    = "ERR No such user '%s'"
	errClientIDRange = "ERR client-id should be greater than 0"
	errUnblockReason = "ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
)

// CONFIG, config_cmd.go (src/config.c).
const (
	errNoConfigFile       = "ERR The server is running without a config file"
	errRewriteUnsupported = "ERR CONFIG REWRITE is not supported by Meridian yet: edit the config file"
)

// COMMAND GETKEYS, command_cmd.go (src/server.c getKeysSubcommandImpl).
const (
	errInvalidCommand = "ERR Invalid command specified"
	errInvalidArity   = "ERR Invalid number of arguments specified for command"
	errNoKeyArgs      = "ERR The command has no key arguments"
	errInvalidArgs    = "ERR Invalid arguments specified for command"
)

// DEBUG and OBJECT, debug.go (src/server.c allowProtectedAction, object.c).
const (
	errDebugDisabled  = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."
	errLFUNotSelected = "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
	errLFUSelected    = "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."
)
