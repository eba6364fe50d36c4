package net

// Redis's error replies, word for word (without the leading '-'). Handlers
// use these constants so a reply never drifts from what clients match on.
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
