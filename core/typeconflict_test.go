package core_test

import (
	"testing"

	"github.com/meridiandb/meridian/core"
)

// ship encodes d, decodes it (as a peer would) and applies it to e.
func ship(t *testing.T, d *core.Delta, e *core.Entry) {
	t.Helper()
	buf := core.AppendDelta(nil, d)
	var got core.Delta
	if _, err := core.DecodeDelta(buf, &got, core.DefaultDecodeLimits); err != nil {
		t.Fatal(err)
	}
	e.Apply(&got)
}

// TestSemantics8_ConcurrentTypesLaterCreationWins: "Two regions
// concurrently create one key with different types: the type of the
// LWW-later creating write wins; the other type's data is dropped." Both
// delivery orders, both winners.
func TestSemantics8_ConcurrentTypesLaterCreationWins(t *testing.T) {
	for _, hashLater := range []bool{true, false} {
		strTS, hashTS := core.MakeTimestamp(2000, 0), core.MakeTimestamp(1000, 0)
		if hashLater {
			strTS, hashTS = hashTS, strTS
		}
		var a, b core.Entry // A writes a string, B a hash, concurrently
		var da, db core.Delta
		a.SetString(&da, core.Dot{Replica: 1, Seq: 1}, strTS, []byte("s"), false, 0)
		b.SetField(&db, core.KindHash, core.Dot{Replica: 2, Seq: 1}, hashTS, []byte("f"), []byte("v"))
		ship(t, &db, &a)
		ship(t, &da, &b)
		for name, e := range map[string]*core.Entry{"A": &a, "B": &b} {
			switch {
			case hashLater && (e.Kind != core.KindHash || e.Fields.Get([]byte("f")) == nil):
				t.Errorf("hash created later: %s shows kind %v", name, e.Kind)
			case !hashLater && e.Kind != core.KindString:
				t.Errorf("string created later: %s shows kind %v", name, e.Kind)
			case !hashLater:
				if v, _ := e.Value(nil); string(v) != "s" {
					t.Errorf("string created later: %s reads %q", name, v)
				}
			}
		}
	}
}
