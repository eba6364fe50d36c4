package net

import "sync/atomic"

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT], after Redis 7's
// shutdownCommand, prepareForShutdown and finishShutdown (src/server.c).
//
// A SHUTDOWN that succeeds stops the process the way SIGTERM does, and the
// client gets no reply: Redis exits inside the command, so the connection
// just closes (redis-cli knows this and prints nothing). Meridian cannot stop
// the engine from the event loop that runs the command (gnet's Stop waits
// for every loop, this one included), so the command only closes its own
// connection and calls the hook the program set with SetShutdown; the
// program then stops the engine, the replication and the store on its own
// goroutine, as it does for a signal.
//
// What Meridian has and Redis has not, and the reverse:
//   - No persistence. Redis saves an RDB on SHUTDOWN when save points are
//     configured (the default) or SAVE is given, and refuses to exit when the
//     save fails unless FORCE is given. The save parameter is accepted but
//     inert here (nothing is ever snapshotted), so a plain SHUTDOWN exits as
//     Redis does with save "". An explicit SAVE asks for a snapshot that
//     cannot be made, which is Redis's failed save: the server keeps running
//     and answers errShutdownFailed, and SAVE FORCE exits anyway. Silently
//     exiting on SAVE would lose the data of a user who asked to keep it.
//   - No replicas to wait for. Redis waits up to shutdown-timeout for its
//     replicas' offsets before exiting (NOW skips the wait, ABORT cancels
//     it). Peer regions are not replicas: their offsets are not a
//     precondition for exiting, so Meridian never waits, NOW changes
//     nothing, shutdown-timeout is inert, and ABORT never finds a shutdown
//     to cancel.
//   - No MULTI, scripts or modules, so none of Redis's DENY_BLOCKING or busy
//     script checks apply.

// Redis's SHUTDOWN error texts.
const (
	// errNoShutdown answers ABORT when no shutdown waits for replicas.
	errNoShutdown = "ERR No shutdown in progress."
	// errShutdownFailed is what a client blocked in SHUTDOWN gets when the
	// shutdown is cancelled (replyToClientsBlockedOnShutdown).
	errShutdownFailed = "ERR Errors trying to SHUTDOWN. Check logs."
)

// shutdownFlags are SHUTDOWN's modifiers, Redis's SHUTDOWN_* flags.
type shutdownFlags uint8

const (
	shutdownNoSave shutdownFlags = 1 << iota
	shutdownSave
	shutdownNow
	shutdownForce
)

// shutdownHook is how a Server asks its program to stop.
type shutdownHook struct {
	fn func()
	// started is set by the first SHUTDOWN that succeeds: fn runs once, and
	// a SHUTDOWN while the server stops waits for the exit, as Redis's does
	// while a shutdown is in progress.
	started atomic.Bool
}

// SetShutdown sets the function SHUTDOWN calls to stop the server. It runs on
// the event loop of the client that sent SHUTDOWN, at most once per Server,
// and must not block: it should only wake the goroutine that calls Stop.
// Without it SHUTDOWN fails with Redis's errShutdownFailed, since a Server
// cannot end the process it is embedded in. Call it before Serve.
func (s *Server) SetShutdown(fn func()) { s.halt.fn = fn }

// cmdShutdown parses SHUTDOWN's modifiers as Redis does: any unknown word,
// ABORT with any other modifier, or NOSAVE with SAVE is a syntax error; a
// modifier given twice is allowed.
func cmdShutdown(c *Client, args [][]byte) {
	var flags shutdownFlags
	abort := false
	for _, a := range args[1:] {
		switch {
		case is(a, "nosave"):
			flags |= shutdownNoSave
		case is(a, "save"):
			flags |= shutdownSave
		case is(a, "now"):
			flags |= shutdownNow
		case is(a, "force"):
			flags |= shutdownForce
		case is(a, "abort"):
			abort = true
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if (abort && flags != 0) || flags&(shutdownNoSave|shutdownSave) == shutdownNoSave|shutdownSave {
		c.Error(ErrSyntax)
		return
	}
	if abort {
		// ABORT cancels a shutdown that waits for replicas; Meridian never
		// waits, so there is never one to cancel.
		c.Error(errNoShutdown)
		return
	}
	c.srv.shutdown(c, flags)
}

// shutdown is prepareForShutdown and finishShutdown for a server without
// persistence: the one way it fails is an explicit SAVE without FORCE. On
// success the client's connection closes with no reply. Runs on c's loop.
func (s *Server) shutdown(c *Client, flags shutdownFlags) {
	h := &s.halt
	if h.fn == nil {
		s.log.Warn("Errors trying to shut down the server. Check the logs for more information.",
			"err", "this server has no way to stop its process")
		c.Error(errShutdownFailed)
		return
	}
	if h.started.Load() {
		c.CloseAfterReply() // already stopping: this client waits for the exit
		return
	}
	s.log.Warn("User requested shutdown...", "client", c.Addr)
	if flags&shutdownSave != 0 && s.repl != nil && !s.repl.Writable() {
		// Redis never saves while it loads: the dataset is half there. A
		// region still taking its peers' data is in the same state.
		flags = flags&^shutdownSave | shutdownNoSave
	}
	if flags&shutdownSave != 0 {
		const why = "Meridian has no persistence (no RDB or AOF file is ever written)"
		if flags&shutdownForce == 0 {
			s.log.Warn("Error trying to save the DB, can't exit.", "err", why)
			s.log.Warn("Errors trying to shut down the server. Check the logs for more information.")
			c.Error(errShutdownFailed)
			return
		}
		s.log.Warn("Error trying to save the DB. Exit anyway.", "err", why)
	}
	c.CloseAfterReply()
	if h.started.CompareAndSwap(false, true) {
		h.fn()
	}
}

var shutdownCommands = []*Command{
	{Name: "shutdown", Arity: -1, Flags: flagsAdmin, Group: "server", Since: "1.0.0", Summary: "Synchronously saves the database(s) to disk and shuts down the Redis server.", Syntax: "save-selector:[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]", Handler: cmdShutdown},
}
