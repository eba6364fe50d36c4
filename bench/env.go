package bench

import (
	"bufio"
	"context"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// HostMeta fills the machine and toolchain part of Meta: date, kernel
// release (as `uname -r`), CPU model, nproc, Go version, the versions of
// redisServer and redisBenchmark (either may be ""), and the git commit of
// the working directory if it is a repository with commits.
func HostMeta(redisServer, redisBenchmark string) Meta {
	m := Meta{
		Date:      time.Now().UTC().Format(time.RFC3339),
		Kernel:    kernelRelease(),
		CPUModel:  cpuModel(),
		NProc:     runtime.NumCPU(),
		GoVersion: runtime.Version(),
		GitCommit: gitCommit(),
	}
	m.LoadAvgStart, _ = LoadAvg()
	if redisServer != "" {
		m.RedisVersion = ParseRedisVersion(output(redisServer, "--version"))
	}
	if redisBenchmark != "" {
		m.RedisBenchmarkVersion = ParseRedisVersion(output(redisBenchmark, "--version"))
	}
	return m
}

func kernelRelease() string {
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		return strings.TrimSpace(string(b))
	}
	return output("uname", "-r")
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	return ParseCPUModel(f)
}

// ParseCPUModel returns the first "model name" (x86) or equivalent line of
// /proc/cpuinfo.
func ParseCPUModel(r io.Reader) string {
	sc := bufio.NewScanner(r)
	fallback := ""
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "model name":
			return v
		case "Hardware", "cpu model", "uarch", "Processor":
			if fallback == "" {
				fallback = v
			}
		}
	}
	return fallback
}

var redisVersionRE = regexp.MustCompile(`(?:v=|redis-benchmark |version )([0-9][0-9A-Za-z.\-]*)`)

// ParseRedisVersion extracts the version from `redis-server --version`
// ("Redis server v=7.0.15 sha=...") or `redis-benchmark --version`
// ("redis-benchmark 7.0.15"); other output is returned trimmed.
func ParseRedisVersion(out string) string {
	if m := redisVersionRE.FindStringSubmatch(out); m != nil {
		return m[1]
	}
	return strings.TrimSpace(out)
}

func gitCommit() string {
	rev := output("git", "rev-parse", "--short", "HEAD")
	if rev == "" {
		return ""
	}
	if strings.TrimSpace(output("git", "status", "--porcelain", "--untracked-files=no")) != "" {
		rev += "-dirty"
	}
	return rev
}

// output runs a short command and returns its trimmed stdout, or "" on any
// failure.
func output(name string, args ...string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.SysProcAttr = childAttr()
	b, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// LoadAvg returns the 1, 5 and 15 minute load averages from /proc/loadavg
// as "a b c", plus the 1-minute figure. A load well above zero before a run
// means something else is competing for the CPUs and the figures are noisy.
func LoadAvg() (string, float64) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "", 0
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "", 0
	}
	one, _ := strconv.ParseFloat(f[0], 64)
	return strings.Join(f[:3], " "), one
}
