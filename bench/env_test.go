package bench

import (
	"strings"
	"testing"
)

func TestParseRedisVersion(t *testing.T) {
	for in, want := range map[string]string{
		"Redis server v=7.0.15 sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=ae4d7c971a948f0": "7.0.15",
		"redis-benchmark 7.0.15": "7.0.15",
		"":                       "",
	} {
		if got := ParseRedisVersion(in); got != want {
			t.Errorf("ParseRedisVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseCPUModel(t *testing.T) {
	in := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n"
	if got := ParseCPUModel(strings.NewReader(in)); got != "AMD EPYC 7B13" {
		t.Fatalf("got %q", got)
	}
	if got := ParseCPUModel(strings.NewReader("processor : 0\nHardware : BCM2835\n")); got != "BCM2835" {
		t.Fatalf("got %q", got)
	}
}
