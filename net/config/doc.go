// Package config is Meridian's parameter registry, in Redis's own names and
// with Redis 7's defaults, validation and error texts, because clients,
// tools and operators drive it through CONFIG GET/SET, redis.conf and
// redis-server style flags and expect Redis's answers.
//
// A Store holds one value per parameter as the canonical text CONFIG GET
// prints (memory sizes in bytes, enums in lower case, "save" as
// "3600 1 300 100 60 10000"). Set validates and applies several pairs at
// once, all or nothing, and reports errors in Redis's words; OnChange lets
// the server apply new values (maxclients, proto-max-bulk-len, ...) to
// running components. ParseFile/LoadFile/ParseArgs read the config file and
// command line into pairs for Set(true, ...).
//
// GlobMatch/GlobMatchBytes are Redis's glob matcher (util.c stringmatchlen),
// shared with KEYS, SCAN MATCH and PSUBSCRIBE.
//
// The package is pure standard library, starts no goroutines and touches the
// file system only in LoadFile (and os.Getwd for the "dir" default).
package config
