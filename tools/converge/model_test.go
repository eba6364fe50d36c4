package converge

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// The model's bookkeeping and checks, without servers: each case builds
// outcomes by hand and says which violations a region's state must give.

func kinds(vs []Violation) []string {
	var out []string
	for _, v := range vs {
		out = append(out, v.Kind+" "+v.Key+" "+v.Member)
	}
	return out
}

func write(m *Model, w *Write, out Outcome) *Write {
	m.Begin(w)
	switch out {
	case Acked:
		m.Ack(w)
	case Unknown:
		m.Fail(w, false)
	case Failed:
		m.Fail(w, true)
	}
	return w
}

func TestModelCounterBounds(t *testing.T) {
	m := NewModel(2)
	write(m, &Write{Class: Counter, Op: OpIncr, Key: "ctr:0", Amount: 5, Region: 0}, Acked)
	write(m, &Write{Class: Counter, Op: OpIncr, Key: "ctr:0", Amount: 7, Region: 1}, Acked)
	write(m, &Write{Class: Counter, Op: OpIncr, Key: "ctr:0", Amount: 100, Region: 1}, Failed)
	write(m, &Write{Class: Counter, Op: OpIncr, Key: "ctr:0", Amount: 3, Region: 0}, Unknown)
	write(m, &Write{Class: HashCounter, Op: OpIncr, Key: "hctr:0", Member: "f0", Amount: 2, Region: 0}, Acked)
	write(m, &Write{Class: ZsetCounter, Op: OpIncr, Key: "zctr:0", Member: "m0", Amount: 4, Region: 1}, Acked)
	e := m.Expectations()
	cases := []struct {
		name string
		obs  Observed
		want []string
	}{
		{"exact", Observed{Counters: map[string]map[string]string{"ctr:0": {"": "12"}, "hctr:0": {"f0": "2"}, "zctr:0": {"m0": "4"}}}, nil},
		{"unknown applied", Observed{Counters: map[string]map[string]string{"ctr:0": {"": "15"}, "hctr:0": {"f0": "2"}, "zctr:0": {"m0": "4"}}}, nil},
		{"lost", Observed{Counters: map[string]map[string]string{"ctr:0": {"": "7"}, "hctr:0": {"f0": "2"}, "zctr:0": {"m0": "4"}}},
			[]string{"lost-write ctr:0 "}},
		{"failed one applied", Observed{Counters: map[string]map[string]string{"ctr:0": {"": "112"}, "hctr:0": {"f0": "2"}, "zctr:0": {"m0": "4"}}},
			[]string{"phantom ctr:0 "}},
		{"absent key, missing field, foreign field", Observed{Counters: map[string]map[string]string{"hctr:0": {"f1": "1"}, "zctr:0": {"m0": "4.5"}}},
			[]string{"lost-write ctr:0 ", "lost-write hctr:0 f0", "phantom hctr:0 f1", "bad-value zctr:0 m0"}},
	}
	for _, c := range cases {
		if got := kinds(e.Check(&c.obs)); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
}

func TestModelSets(t *testing.T) {
	m := NewModel(2)
	write(m, &Write{Class: GrowSet, Op: OpAdd, Key: "gset:0", Member: "a"}, Acked)
	write(m, &Write{Class: GrowSet, Op: OpAdd, Key: "gset:0", Member: "b"}, Unknown)
	write(m, &Write{Class: GrowSet, Op: OpAdd, Key: "gset:0", Member: "c"}, Failed)
	write(m, &Write{Class: RemoveSet, Op: OpAdd, Key: "rset:0", Member: "x"}, Acked)
	write(m, &Write{Class: RemoveSet, Op: OpAdd, Key: "rset:0", Member: "y", Region: 1}, Acked)
	write(m, &Write{Class: RemoveSet, Op: OpAdd, Key: "rset:0", Member: "z"}, Acked)
	write(m, &Write{Class: RemoveSet, Op: OpRemove, Key: "rset:0", Member: "x", Region: 1}, Acked)
	write(m, &Write{Class: RemoveSet, Op: OpRemove, Key: "rset:0", Member: "z"}, Unknown)
	e := m.Expectations()
	cases := []struct {
		name string
		sets map[string][]string
		want []string
	}{
		{"all there", map[string][]string{"gset:0": {"a", "b"}, "rset:0": {"y", "z"}}, nil},
		{"unknown add and unknown remove may go either way", map[string][]string{"gset:0": {"a"}, "rset:0": {"y"}}, nil},
		{"lost and resurrected", map[string][]string{"gset:0": {"b"}, "rset:0": {"x"}},
			[]string{"lost-write gset:0 a", "resurrected rset:0 x", "lost-write rset:0 y"}},
		{"failed add present, never added", map[string][]string{"gset:0": {"a", "c", "q"}, "rset:0": {"y"}},
			[]string{"phantom gset:0 c", "phantom gset:0 q"}},
	}
	for _, c := range cases {
		if got := kinds(e.Check(&Observed{Sets: c.sets})); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	// A DEL of the key, whatever its outcome short of an error reply,
	// withdraws the promise that added members are there.
	write(m, &Write{Class: RemoveSet, Op: OpDelKey, Key: "rset:0"}, Unknown)
	e = m.Expectations()
	if got := kinds(e.Check(&Observed{Sets: map[string][]string{"gset:0": {"a"}}})); got != nil {
		t.Errorf("after a DEL: %q", got)
	}
}

func TestModelLists(t *testing.T) {
	m := NewModel(1)
	write(m, &Write{Class: PushList, Op: OpPush, Key: "plist:0", Member: "p1"}, Acked)
	write(m, &Write{Class: PushList, Op: OpPush, Key: "plist:0", Member: "p2"}, Unknown)
	e := m.Expectations()
	got := kinds(e.Check(&Observed{Lists: map[string][]string{"plist:0": {"p2", "p2", "zz"}}}))
	want := []string{"duplicate plist:0 p2", "phantom plist:0 zz", "lost-write plist:0 p1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// A kill turns a region's unconfirmed acknowledgements into "may be lost";
// what AA WAIT confirmed before stays promised, and an acknowledgement
// that comes back after the kill (sent before it) is not trusted.
func TestModelKillAndConfirm(t *testing.T) {
	m := NewModel(2)
	confirmed := write(m, &Write{Class: Counter, Op: OpIncr, Key: "ctr:0", Amount: 1}, Acked)
	p := m.ConfirmPoint(0)
	unconfirmed := write(m, &Write{Class: Counter, Op: OpIncr, Key: "ctr:0", Amount: 10}, Acked)
	m.Confirm(p)
	inFlight := &Write{Class: Counter, Op: OpIncr, Key: "ctr:0", Amount: 100}
	m.Begin(inFlight)
	other := write(m, &Write{Class: Counter, Op: OpIncr, Key: "ctr:0", Amount: 1000, Region: 1}, Acked)
	stale := m.ConfirmPoint(0)
	m.Killed(0)
	m.Ack(inFlight)
	m.Confirm(stale) // AA WAIT that answered after the kill: ignored
	after := write(m, &Write{Class: Counter, Op: OpIncr, Key: "ctr:0", Amount: 10000}, Acked)
	for _, c := range []struct {
		w    *Write
		want Outcome
		conf bool
	}{{confirmed, Acked, true}, {unconfirmed, MaybeLost, false}, {inFlight, MaybeLost, false}, {other, Acked, false}, {after, Acked, false}} {
		if c.w.outcome != c.want || c.w.confirmed != c.conf {
			t.Errorf("write of %d: outcome %d confirmed %v, want %d %v", c.w.Amount, c.w.outcome, c.w.confirmed, c.want, c.conf)
		}
	}
	e := m.Expectations()
	b := e.counters["ctr:0"][""]
	if b.lower != 11001 || b.maybe != 110 {
		t.Fatalf("bounds [%d, +%d], want [11001, +110]", b.lower, b.maybe)
	}
	c := m.Counts()
	if c.Writes != 5 || c.Acked != 3 || c.MaybeLost != 2 || c.Confirmed != 1 {
		t.Fatalf("counts %+v", c)
	}
}

func TestViolationDetailPlacesTheWrite(t *testing.T) {
	m := NewModel(2)
	write(m, &Write{Class: GrowSet, Op: OpAdd, Key: "gset:1", Member: "r2c0-7", Region: 1, Sent: 1500 * time.Millisecond}, Acked)
	vs := m.Expectations().Check(&Observed{Region: 0})
	if len(vs) != 1 || !strings.Contains(vs[0].String(), "sent to r2 at +1.500s (run 1 of r2)") ||
		!strings.HasPrefix(vs[0].String(), "lost-write at r1: gset:1 r2c0-7") {
		t.Fatalf("%v", vs)
	}
}
