package bench

import "testing"

func TestRequestsAt(t *testing.T) {
	for _, c := range []struct{ n, p, want int }{
		{100000, 1, 100000}, {100000, 2, 100000}, {100000, 4, 200000}, {100000, 16, 800000}, {100000, 15, 700000},
	} {
		if got := RequestsAt(c.n, c.p); got != c.want {
			t.Errorf("RequestsAt(%d, %d) = %d, want %d", c.n, c.p, got, c.want)
		}
	}
	// The CPU per request divides by the requests the run made.
	args := BenchmarkArgs(Config{Clients: 50, Requests: RequestsAt(1000, 16)}, 6379, "set", 16)
	if args[7] != "8000" {
		t.Errorf("-n %s, want 8000 (args %q)", args[7], args)
	}
}
