//go:build go1.21

package main

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/KimMachineGun/automemlimit/memlimit"
)

// autoMemLimitProvider is where automemlimit reads the container's limit;
// tests put a fake in its place.
var autoMemLimitProvider memlimit.Provider = memlimit.FromCgroup

// applyAutoMemLimit lets the automemlimit library set the Go memory limit
// from the cgroup, but only when its own AUTOMEMLIMIT variable (a ratio such
// as 0.9) is present, so every other variant runs the plain runtime. The
// library reads the ratio from AUTOMEMLIMIT itself (it overrides WithRatio),
// and leaves an explicit GOMEMLIMIT alone; the "starting" line shows the
// limit actually in force either way.
//
// With AUTOMEMLIMIT_REFRESH (a Go duration such as 1s) the library re-reads
// the cgroup at that interval until ctx ends, so the limit follows an
// in-place resize of the container.
func applyAutoMemLimit(ctx context.Context) {
	refresh, refreshSet := autoMemLimitRefresh()
	ratio, ok := os.LookupEnv("AUTOMEMLIMIT")
	if !ok {
		if refreshSet {
			logLine("warn", "AUTOMEMLIMIT_REFRESH has no effect without AUTOMEMLIMIT", "value", os.Getenv(envAutoMemLimitRefresh))
		}
		return
	}
	logger := slog.New(slog.NewJSONHandler(logWriter{}, nil))
	opts := []memlimit.Option{memlimit.WithLogger(logger), memlimit.WithProvider(autoMemLimitProvider)}
	if refresh > 0 {
		opts = append(opts, memlimit.WithRefreshInterval(ctx, refresh))
	}
	limit, err := memlimit.Set(opts...)
	// Set starts no refresh when it does nothing (GOMEMLIMIT non-empty,
	// AUTOMEMLIMIT=off) or rejects the ratio; it does start one when only the
	// first read of the limit failed.
	var interval any // null: no refresh running
	if refresh > 0 && autoMemLimitRatioUsable(ratio) {
		interval = refresh.String()
	}
	if err != nil {
		logLine("error", "automemlimit failed", "ratio", ratio, "refreshInterval", interval, "error", err.Error())
		return
	}
	logLine("info", "automemlimit applied", "ratio", ratio, "memoryLimitBytes", limit, "refreshInterval", interval)
}

const envAutoMemLimitRefresh = "AUTOMEMLIMIT_REFRESH"

// autoMemLimitRefresh reads AUTOMEMLIMIT_REFRESH: a positive interval, or 0
// for no refresh (unset, "0", or invalid, which is logged). set reports
// whether the variable is present at all.
func autoMemLimitRefresh() (refresh time.Duration, set bool) {
	v, set := os.LookupEnv(envAutoMemLimitRefresh)
	if !set || v == "" {
		return 0, set
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		msg := "must be a non-negative Go duration such as 1s"
		if err != nil {
			msg = err.Error()
		}
		logLine("warn", "invalid AUTOMEMLIMIT_REFRESH, automemlimit will not refresh", "value", v, "error", msg)
		return 0, true
	}
	return d, true
}

// autoMemLimitRatioUsable mirrors memlimit.Set's own checks: whether it goes
// on to read the provider (and so starts a refresh) for this AUTOMEMLIMIT.
// Since v1.0.2 only a non-empty GOMEMLIMIT makes it skip.
func autoMemLimitRatioUsable(ratio string) bool {
	if os.Getenv("GOMEMLIMIT") != "" || ratio == "off" {
		return false
	}
	r, err := strconv.ParseFloat(ratio, 64)
	return err == nil && r > 0 && r <= 1
}
