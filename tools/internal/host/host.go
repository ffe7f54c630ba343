// Package host describes the machine a load tool measures on, for its
// report: the figures mean little without it.
package host

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// CPUModel is the CPU's model name (/proc/cpuinfo), or "unknown CPU".
func CPUModel() string {
	raw, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// LoadAverage is the host's load averages over 1, 5 and 15 minutes
// (/proc/loadavg), or "?".
func LoadAverage() string {
	raw, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(raw)); len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

// Describe is the line a load tool's output opens with: the CPUs, the OS,
// the Go release the server binary bin was built with, anything more the
// tool names (such as its load generator's version) and the load average.
func Describe(bin string, more ...string) string {
	goVersion := runtime.Version()
	if info, err := buildinfo.ReadFile(bin); err == nil {
		goVersion = info.GoVersion
	}
	extra := ""
	for _, m := range more {
		extra += ", " + m
	}
	return fmt.Sprintf("machine: %d CPUs (%s), %s/%s, server built with %s%s; load average %s\n",
		runtime.NumCPU(), CPUModel(), runtime.GOOS, runtime.GOARCH, goVersion, extra, LoadAverage())
}
