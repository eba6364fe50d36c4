package bench

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// clockTicks is USER_HZ, the unit of utime/stime in /proc/PID/stat. Linux
// fixes it at 100 for user space on every mainstream architecture (the
// kernel's own HZ may differ); Go cannot ask sysconf without cgo.
const clockTicks = 100

// ReadCPUSeconds returns the user+system CPU seconds consumed so far by all
// threads of process pid, from /proc/PID/stat (utime + stime).
func ReadCPUSeconds(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return ParseStatCPU(string(b))
}

// ParseStatCPU extracts utime+stime, in seconds, from the contents of
// /proc/PID/stat. The command name (field 2) may contain spaces and
// parentheses, so fields are counted from the last ')'.
func ParseStatCPU(stat string) (float64, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("proc stat: no ')' in %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state); utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("proc stat: only %d fields after comm", len(f))
	}
	ut, err := strconv.ParseUint(f[11], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("proc stat utime: %w", err)
	}
	st, err := strconv.ParseUint(f[12], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("proc stat stime: %w", err)
	}
	return float64(ut+st) / clockTicks, nil
}

// Memory holds resident-set readings of a process, in bytes.
type Memory struct {
	RSS     int64 `json:"rss_bytes"`      // VmRSS: resident now
	PeakRSS int64 `json:"peak_rss_bytes"` // VmHWM: high-water mark
}

// ReadMemory reads VmRSS and VmHWM from /proc/PID/status.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	return ParseStatusMemory(string(b))
}

// ParseStatusMemory extracts VmRSS and VmHWM from /proc/PID/status contents.
func ParseStatusMemory(status string) (Memory, error) {
	var m Memory
	found := false
	sc := bufio.NewScanner(strings.NewReader(status))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return m, fmt.Errorf("proc status %s: %w", key, err)
		}
		if len(f) > 1 && strings.EqualFold(f[1], "kB") {
			n *= 1024
		}
		if key == "VmRSS" {
			m.RSS, found = n, true
		} else {
			m.PeakRSS = n
		}
	}
	if !found {
		return m, fmt.Errorf("proc status: no VmRSS line")
	}
	return m, nil
}
