package shard

import (
	"time"
)

// Active expiry, after Redis's activeExpireCycle: ten times a second each
// shard samples keys that have a deadline (never the whole keyspace) and
// deletes the expired ones it owns; while a sample is more than a quarter
// expired it samples again, within a time budget per shard.
const (
	expireHz          = 10
	expireSample      = 20
	expireBudget      = 2 * time.Millisecond
	expireRepeatRatio = 4 // repeat while more than 1/4 of a sample expired
)

func (s *Store) expireLoop() {
	defer s.done.Done()
	t := time.NewTicker(time.Second / expireHz)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			for _, sh := range s.shards {
				x := sh.Lock(time.Now().UnixMilli())
				x.ExpireCycle(expireBudget)
				sh.Unlock()
			}
		}
	}
}

// ExpireCycle runs one active-expiry pass over this shard's databases.
func (x *Exec) ExpireCycle(budget time.Duration) (expired int) {
	x.Stats.ExpireCycles++
	start := time.Now()
	for db, d := range x.dbs {
		for len(d.expires) > 0 {
			sampled, hit := 0, 0
			for k, e := range d.expires {
				if sampled == expireSample {
					break
				}
				sampled++
				if !e.Expired(x.now) {
					continue
				}
				if !x.ownsExpiry(e) {
					continue
				}
				hit++
				x.Delete(db, []byte(k), e)
				x.Stats.ExpiredKeys++
			}
			expired += hit
			if hit*expireRepeatRatio <= sampled || time.Since(start) > budget {
				break
			}
		}
	}
	return expired
}
