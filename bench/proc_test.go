package bench

import (
	"os"
	"testing"
)

func TestParseStatCPU(t *testing.T) {
	// comm with a space and a ')' in it; utime=250 stime=50 ticks.
	stat := "1234 (my) server) S 1 1234 1234 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 4 0 100 1000000 500 18446744073709551615\n"
	got, err := ParseStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if got != 3.0 {
		t.Fatalf("cpu = %v, want 3.0", got)
	}
	if _, err := ParseStatCPU("1234 (x) S 1 2"); err == nil {
		t.Fatal("short stat accepted")
	}
	if _, err := ParseStatCPU("garbage"); err == nil {
		t.Fatal("garbage accepted")
	}
}

func TestParseStatusMemory(t *testing.T) {
	status := "Name:\tredis-server\nVmPeak:\t  100000 kB\nVmHWM:\t    8192 kB\nVmRSS:\t    4096 kB\nThreads:\t5\n"
	m, err := ParseStatusMemory(status)
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS != 4096*1024 || m.PeakRSS != 8192*1024 {
		t.Fatalf("got %+v", m)
	}
	if _, err := ParseStatusMemory("Name:\tkthread\n"); err == nil {
		t.Fatal("missing VmRSS accepted")
	}
}

func TestReadSelf(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	if _, err := ReadCPUSeconds(os.Getpid()); err != nil {
		t.Fatal(err)
	}
	m, err := ReadMemory(os.Getpid())
	if err != nil || m.RSS <= 0 || m.PeakRSS < m.RSS {
		t.Fatalf("ReadMemory = %+v, %v", m, err)
	}
}
