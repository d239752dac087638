package main

import (
	"math"
	"os"
	"strconv"
	"strings"
)

// noMemoryLimit is what debug.SetMemoryLimit(-1) returns when GOMEMLIMIT is unset.
const noMemoryLimit = math.MaxInt64

const (
	cgroupV2MemoryMax = "/sys/fs/cgroup/memory.max"
	cgroupV2Marker    = "/sys/fs/cgroup/cgroup.controllers"
	cgroupV1Limit     = "/sys/fs/cgroup/memory/memory.limit_in_bytes"
	// v1 reports "unlimited" as a huge page-aligned number near MaxInt64.
	cgroupV1Unlimited = int64(1) << 62
)

type cgroupLimit struct {
	version    string // "v1", "v2" or "none"
	limitBytes *int64 // nil when unlimited or unknown (JSON null)
}

// readCgroupMemoryLimit reports the memory limit the kernel will enforce on
// this container; the Go runtime itself never looks at it.
func readCgroupMemoryLimit() cgroupLimit {
	if raw, err := os.ReadFile(cgroupV2MemoryMax); err == nil {
		return cgroupLimit{version: "v2", limitBytes: parseLimit(string(raw), "v2")}
	}
	if raw, err := os.ReadFile(cgroupV1Limit); err == nil {
		return cgroupLimit{version: "v1", limitBytes: parseLimit(string(raw), "v1")}
	}
	if _, err := os.Stat(cgroupV2Marker); err == nil {
		// Root of a v2 hierarchy has no memory.max: no limit.
		return cgroupLimit{version: "v2"}
	}
	return cgroupLimit{version: "none"}
}

func parseLimit(raw, version string) *int64 {
	s := strings.TrimSpace(raw)
	if version == "v2" && s == "max" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= cgroupV1Unlimited {
		return nil
	}
	return &n
}
