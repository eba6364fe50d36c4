package config

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
)

// Store holds the current value of every parameter as the canonical text
// CONFIG GET prints, plus its parsed integer. Readers (every command that
// consults a limit) take a read lock only; writers are rare CONFIG SETs.
type Store struct {
	mu   sync.RWMutex
	vals map[*param]string
	nums map[*param]int64

	cbMu sync.Mutex
	cbs  []func(name, value string)
}

// New returns a Store holding Redis's defaults. "dir" starts as the process's
// working directory, which is what Redis reports before any change.
func New() *Store {
	s := &Store{vals: make(map[*param]string, len(table)), nums: make(map[*param]int64, len(table))}
	for _, p := range table {
		s.store(p, p.def)
	}
	if wd, err := os.Getwd(); err == nil {
		s.store(byName["dir"], wd)
	}
	return s
}

// store must be called with mu held for writing (or before s is shared).
func (s *Store) store(p *param, v string) {
	s.vals[p] = v
	if p.num != nil {
		s.nums[p] = p.num(p, v)
	}
}

// Get returns a parameter's value by canonical name or alias, any case.
func (s *Store) Get(name string) (string, bool) {
	p := lookup(name)
	if p == nil {
		return "", false
	}
	s.mu.RLock()
	v := s.vals[p]
	s.mu.RUnlock()
	return v, true
}

// Int returns a numeric parameter's value (memory sizes in bytes; yes/no as
// 1/0). It is 0 for unknown or non-numeric parameters. Values above MaxInt64
// (maxmemory accepts up to 2^64-1, as in Redis) saturate at MaxInt64, and a
// percentage (maxmemory-clients "10%") comes back negated (-10), which is
// how Redis itself stores it.
func (s *Store) Int(name string) int64 {
	p := lookup(name)
	if p == nil {
		return 0
	}
	s.mu.RLock()
	n := s.nums[p]
	s.mu.RUnlock()
	return n
}

// Bool reports whether a yes/no parameter is "yes"; false for anything else.
func (s *Store) Bool(name string) bool {
	v, _ := s.Get(name)
	return v == "yes"
}

// Names returns every canonical parameter name, sorted (aliases excluded).
func (s *Store) Names() []string {
	return append([]string(nil), canonical...)
}

// Match answers CONFIG GET, following Redis 7's configGetCommand:
//
//   - an argument without any of '[', '*', '?' is an exact, case-insensitive
//     lookup of a name or alias, returned under the spelling the client used;
//   - any other argument is a glob matched case-insensitively against every
//     name and alias (Redis 7 lists aliases too: "*" includes "slaveof"),
//     each returned under its own name.
//
// Several arguments are allowed; a name already returned (compared
// case-insensitively, an alias being a name of its own) is not repeated.
// Redis replies in hash-table order; Match uses the order of the arguments
// and, within one glob, alphabetical order, so replies are reproducible.
func (s *Store) Match(patterns ...string) [][2]string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out [][2]string
	seen := make(map[string]bool)
	for _, pat := range patterns {
		if !strings.ContainsAny(pat, "[*?") {
			key := asciiLower(pat)
			if seen[key] {
				continue
			}
			if p := lookup(key); p != nil {
				seen[key] = true
				out = append(out, [2]string{pat, s.vals[p]})
			}
			continue
		}
		for _, name := range entries {
			if seen[name] || !GlobMatch(pat, name, true) {
				continue
			}
			seen[name] = true
			out = append(out, [2]string{name, s.vals[byName[name]]})
		}
	}
	return out
}

// OnChange registers fn to be told about every value a Set changes, with the
// canonical name and the new canonical value. It is called after the Set has
// taken effect and outside the Store's lock, so fn may read the Store; it is
// not called for values that a Set left as they were.
func (s *Store) OnChange(fn func(name, value string)) {
	s.cbMu.Lock()
	s.cbs = append(s.cbs, fn)
	s.cbMu.Unlock()
}

// SetOptions refines Set for callers that know more about the client.
type SetOptions struct {
	// Startup marks values from the config file or the command line: they
	// may set immutable parameters, a name may repeat (the last one wins, and
	// consecutive "save" lines add up as in redis.conf), and protected
	// parameters are allowed.
	Startup bool
	// Local says the CONFIG SET comes from a local connection (loopback or
	// unix socket), which "enable-protected-configs local" lets through.
	Local bool
}

// Set validates name/value pairs and stores them all or none, as Redis 7's
// multi-pair CONFIG SET does. startup is SetOptions.Startup.
//
// The error texts are Redis 7's replies without the leading '-'. The first
// problem found, scanning the names in order, wins:
//
//	ERR Unknown option or number of arguments for CONFIG SET - '<name>'
//	ERR CONFIG SET failed (possibly related to argument '<name>') - can't set immutable config
//	ERR CONFIG SET failed (possibly related to argument '<name>') - can't set protected config
//	ERR CONFIG SET failed (possibly related to argument '<name>') - duplicate parameter
//
// (<name> as the client typed it), and then, value by value,
//
//	ERR CONFIG SET failed (possibly related to argument '<name>') - <reason>
//
// with <name> the lower-case name or alias used and <reason> as in Redis,
// e.g. "argument must be a memory value".
func (s *Store) Set(startup bool, pairs ...[2]string) error {
	return s.SetWith(SetOptions{Startup: startup}, pairs...)
}

// SetWith is Set with the full set of options.
func (s *Store) SetWith(opt SetOptions, pairs ...[2]string) error {
	if len(pairs) == 0 {
		return nil
	}
	targets := make([]*param, len(pairs))
	var changed []*param
	var newVals []string

	err := func() error {
		s.mu.Lock()
		defer s.mu.Unlock()

		// Pass 1: names. Redis reports the first bad name in argument order.
		for i, pr := range pairs {
			p := lookup(pr[0])
			if p == nil {
				return fmt.Errorf("ERR Unknown option or number of arguments for CONFIG SET - '%s'", pr[0])
			}
			if !opt.Startup {
				if p.flags&fMutable == 0 {
					return setFailed(pr[0], "can't set immutable config")
				}
				if p.flags&fProtected != 0 && !s.protectedAllowed(opt.Local) {
					return setFailed(pr[0], "can't set protected config")
				}
				for j := 0; j < i; j++ {
					if targets[j] == p {
						return setFailed(pr[0], "duplicate parameter")
					}
				}
			}
			targets[i] = p
		}

		// Pass 2: values, staged so that nothing changes unless all pass.
		staged := make(map[*param]string, len(pairs))
		var order []*param
		for i, pr := range pairs {
			p := targets[i]
			old, ok := staged[p]
			if !ok {
				old = s.vals[p]
				order = append(order, p)
			}
			v, err := p.norm(p, old, pr[1])
			if err != nil {
				return setFailed(registeredName(p, pr[0]), err.Error())
			}
			if opt.Startup && ok && p.name == "save" && v != "" && old != "" {
				v = old + " " + v // later "save" lines add save points
			}
			staged[p] = v
		}
		for _, p := range order {
			if v := staged[p]; v != s.vals[p] {
				s.store(p, v)
				changed = append(changed, p)
				newVals = append(newVals, v)
			}
		}
		return nil
	}()
	if err != nil || len(changed) == 0 {
		return err
	}

	s.cbMu.Lock()
	cbs := slices.Clone(s.cbs)
	s.cbMu.Unlock()
	for i, p := range changed {
		for _, fn := range cbs {
			fn(p.name, newVals[i])
		}
	}
	return nil
}

// protectedAllowed is Redis's allowProtectedAction for
// enable-protected-configs. Must be called with mu held.
func (s *Store) protectedAllowed(local bool) bool {
	switch s.vals[byName["enable-protected-configs"]] {
	case "yes":
		return true
	case "local":
		return local
	}
	return false
}

func setFailed(name, reason string) error {
	return errors.New("ERR CONFIG SET failed (possibly related to argument '" + name + "') - " + reason)
}

// registeredName is the name Redis puts in value errors: the config's own
// registered name, which for an alias entry is the alias, in lower case.
func registeredName(p *param, typed string) string {
	if p.alias != "" && asciiLower(typed) == p.alias {
		return p.alias
	}
	return p.name
}
