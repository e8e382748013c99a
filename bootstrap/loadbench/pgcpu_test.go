package loadbench_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTick is the kernel's USER_HZ, the unit of utime and stime in /proc/<pid>/stat; 100 on
// every Linux architecture Go supports.
const clockTick = 10 * time.Millisecond

// postgresCPU sums the CPU time of every process named postgres on this machine, so that each
// phase can report what the database spent on it. It returns 0 where /proc is not readable.
func postgresCPU() time.Duration {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var ticks int64
	for _, path := range stats {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		s := string(raw)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open || s[open+1:closing] != "postgres" {
			continue
		}
		// Fields after the command: state is field 3; utime and stime are fields 14 and 15.
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(fields[11], 10, 64)
		k, _ := strconv.ParseInt(fields[12], 10, 64)
		ticks += u + k
	}
	return time.Duration(ticks) * clockTick
}

// serverCPU is this process's CPU time, user and system: the servers under test run in it (the
// load generator runs in a child process).
func serverCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
