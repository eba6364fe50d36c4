package shard

// Blocked clients (BLPOP, BZPOPMIN and friends). A client that finds none
// of its keys ready registers a Waiter on each key's shard and stops. Any
// write that leaves a key with waiters holding data — a local command or a
// remote region's delta alike, since both pass through settle — wakes the
// key's first waiter, which retries its command on its own event loop. When
// that retry takes data and some is left, its own write wakes the next
// waiter, so blocked clients are served first blocked, first served, and a
// push of n elements serves n of them.

// Waiter is a blocked client as a shard sees it. Wake is called with the
// shard held: it must only schedule the retry (never block, never take a
// shard), and may be called again before the retry happens.
type Waiter interface {
	Wake()
}

type waitKey struct {
	db  int
	key string
}

// Block registers w as waiting on key (FIFO per key). Registering twice
// keeps the first place, so a woken client that finds nothing and blocks
// again is not sent to the back.
func (x *Exec) Block(db int, key []byte, w Waiter) {
	if x.waiting == nil {
		x.waiting = make(map[waitKey][]Waiter)
	}
	k := waitKey{db, string(key)}
	for _, o := range x.waiting[k] {
		if o == w {
			return
		}
	}
	x.waiting[k] = append(x.waiting[k], w)
}

// Unblock removes w from key's queue (served, timed out, disconnected);
// if data is waiting there, the next waiter is woken.
func (x *Exec) Unblock(db int, key []byte, w Waiter) {
	k := waitKey{db, string(key)}
	q := x.waiting[k]
	for i, o := range q {
		if o == w {
			q = append(q[:i], q[i+1:]...)
			break
		}
	}
	if len(q) == 0 {
		delete(x.waiting, k)
		return
	}
	x.waiting[k] = q
	if e := x.dbs[db].keys.Get(key); e != nil && e.Live() {
		q[0].Wake()
	}
}

// Waiting is the number of keys with blocked clients in this shard.
func (x *Exec) Waiting() int { return len(x.waiting) }

// wakeHead wakes the first waiter of a key that holds data.
func (x *Exec) wakeHead(db int, key []byte) {
	if q := x.waiting[waitKey{db, string(key)}]; len(q) > 0 {
		q[0].Wake()
	}
}
