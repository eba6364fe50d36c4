package main

import (
	"fmt"
	"testing"
)

// TestObjectEncodingOfCollections: OBJECT ENCODING names what Redis 7.2
// would use for the same data.
func TestObjectEncodingOfCollections(t *testing.T) {
	p := startServer(t)
	c := p.client(t, 2)
	mustDo(t, c, "rpush", "small", "a", "b")
	want(t, c, "listpack", "object", "encoding", "small")
	args := []any{"rpush", "big"}
	for i := 0; i < 200; i++ {
		args = append(args, fmt.Sprint("element-", i))
	}
	mustDo(t, c, args...)
	want(t, c, "quicklist", "object", "encoding", "big")
	mustDo(t, c, "rpush", "long", string(make([]byte, 9000)))
	want(t, c, "quicklist", "object", "encoding", "long")
}
