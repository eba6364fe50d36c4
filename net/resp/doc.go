// Package resp speaks the Redis serialization protocol on the server side:
// a zero-copy request Parser and an append-style reply Writer for RESP2
// and RESP3.
//
// The design follows tidwall/redcon: a request is parsed straight out of
// the connection's input buffer into sub-slices, and replies are appended
// to a byte slice that the event loop flushes in one write. Two things
// are added on top:
//
//   - hard limits (Limits), so one client cannot make the server buffer
//     or allocate without bound, with Redis's own protocol error texts;
//   - resumable parsing: a command that arrives in many reads is parsed
//     once, not re-parsed from its first byte on every read, so a 512 MB
//     bulk or a million-argument MSET costs linear, not quadratic, time.
//
// Neither the Parser nor the Writer allocates per command in steady state
// (a connection that keeps sending commands of similar shape).
//
// Both types are plain per-connection state: neither is safe for
// concurrent use, and each connection owns one of each. In gnet terms,
// they live in the connection's context and are only touched from its
// event loop.
package resp
