package main

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Version is the cgroup layout of a cgroupfs root.
type Version string

const (
	V1 Version = "v1"
	V2 Version = "v2"
)

// DetectVersion tells v2 (unified) from v1; a hybrid host counts as v1, since memory lives in v1 there.
func DetectVersion(root string) (Version, error) {
	if isDir(filepath.Join(root, "memory")) {
		return V1, nil
	}
	if _, err := os.Stat(filepath.Join(root, "cgroup.controllers")); err == nil {
		return V2, nil
	}
	return "", errors.New("no cgroup v1 memory hierarchy nor cgroup v2 root under " + root)
}

// Dirs are one cgroup's directories; on v2 all three are the same, on v1 cpu or cpuacct may be missing ("").
type Dirs struct {
	Memory, CPU, CPUAcct string
}

// CPU holds cumulative cpu.stat counters in microseconds.
type CPU struct {
	UsageUsec        *int64 `json:"usageUsec"`
	ThrottledUsec    *int64 `json:"throttledUsec"`
	ThrottledPeriods *int64 `json:"throttledPeriods"`
	Periods          *int64 `json:"periods"`
}

// Reading is one sample; pointers are null where the kernel has no such file.
type Reading struct {
	UsageBytes int64  `json:"usageBytes"`
	PeakBytes  *int64 `json:"peakBytes"`
	OOMKills   *int64 `json:"oomKills"`
	CPU        *CPU   `json:"cpu"`
}

// peakFile is the kernel's high-water mark of a memory cgroup.
func peakFile(v Version) string {
	if v == V1 {
		return "memory.max_usage_in_bytes"
	}
	return "memory.peak"
}

// ReadPeak reads a memory cgroup directory's high-water mark; nil where it is gone or the kernel lacks it.
func ReadPeak(v Version, memoryDir string) *int64 {
	return readNumber(filepath.Join(memoryDir, peakFile(v)))
}

// ErrGone means the memory cgroup is not there (not yet created, or removed with its container).
var ErrGone = errors.New("cgroup gone")

// Read samples a cgroup; ErrGone when its usage file cannot be read.
func Read(v Version, d Dirs) (Reading, error) {
	usageFile, eventsFile := "memory.current", "memory.events"
	if v == V1 {
		usageFile, eventsFile = "memory.usage_in_bytes", "memory.oom_control"
	}
	usage := readNumber(filepath.Join(d.Memory, usageFile))
	if usage == nil {
		return Reading{}, ErrGone
	}
	r := Reading{UsageBytes: *usage, PeakBytes: ReadPeak(v, d.Memory)}
	if events := readKeyed(filepath.Join(d.Memory, eventsFile)); events != nil {
		// With memory.oom.group (the kubelet sets it on v2) the victim counts twice in oom_kill, a group kill once.
		r.OOMKills = events["oom_kill"]
		if group := events["oom_group_kill"]; group != nil && *group > 0 {
			r.OOMKills = group
		}
	}
	r.CPU = readCPU(v, d)
	return r, nil
}

func readCPU(v Version, d Dirs) *CPU {
	var stat map[string]*int64
	if d.CPU != "" {
		stat = readKeyed(filepath.Join(d.CPU, "cpu.stat"))
	}
	if v == V2 {
		if stat == nil {
			return nil
		}
		return &CPU{stat["usage_usec"], stat["throttled_usec"], stat["nr_throttled"], stat["nr_periods"]}
	}
	var usageNs *int64
	if d.CPUAcct != "" {
		usageNs = readNumber(filepath.Join(d.CPUAcct, "cpuacct.usage"))
	}
	if stat == nil && usageNs == nil {
		return nil
	}
	return &CPU{micros(usageNs), micros(stat["throttled_time"]), stat["nr_throttled"], stat["nr_periods"]}
}

// micros turns v1's nanoseconds into v2's microseconds.
func micros(ns *int64) *int64 {
	if ns == nil {
		return nil
	}
	us := (*ns + 500) / 1000
	return &us
}

func readNumber(file string) *int64 {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(data)), 10, 64)
	if err != nil {
		return nil
	}
	return &n
}

// readKeyed parses "key value" lines (memory.events, memory.oom_control, cpu.stat); nil if unreadable.
func readKeyed(file string) map[string]*int64 {
	f, err := os.Open(file)
	if err != nil {
		return nil
	}
	defer f.Close()
	values := map[string]*int64{}
	scanner := bufio.NewScanner(f)
	for scanner.Scan() {
		fields := strings.Fields(scanner.Text())
		if len(fields) != 2 {
			continue
		}
		if n, err := strconv.ParseInt(fields[1], 10, 64); err == nil {
			values[fields[0]] = &n
		}
	}
	return values
}

func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}
