//go:build go1.21

package main

import (
	"log/slog"
	"os"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// applyAutoMemLimit lets the automemlimit library set the Go memory limit
// from the cgroup, but only when its own AUTOMEMLIMIT variable (a ratio such
// as 0.9) is present, so every other variant runs the plain runtime. The
// library leaves an explicit GOMEMLIMIT alone; the "starting" line shows
// the limit actually in force either way.
func applyAutoMemLimit() {
	ratio, ok := os.LookupEnv("AUTOMEMLIMIT")
	if !ok {
		return
	}
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	limit, err := memlimit.Set(memlimit.WithLogger(logger), memlimit.WithProvider(memlimit.FromCgroup))
	if err != nil {
		logLine("error", "automemlimit failed", "ratio", ratio, "error", err.Error())
		return
	}
	logLine("info", "automemlimit applied", "ratio", ratio, "memoryLimitBytes", limit)
}
