//go:build go1.21

package main

import (
	"context"
	"encoding/json"
	"os"
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"
)

// autoMemLimitEnv clears GOMEMLIMIT (which would make automemlimit skip),
// fakes the cgroup with a limit the test can change, and restores the
// process's memory limit afterwards.
func autoMemLimitEnv(t *testing.T, cgroupBytes uint64) *atomic.Uint64 {
	t.Helper()
	if v, ok := os.LookupEnv("GOMEMLIMIT"); ok {
		os.Unsetenv("GOMEMLIMIT")
		t.Cleanup(func() { os.Setenv("GOMEMLIMIT", v) })
	}
	prevLimit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(prevLimit) })
	var limit atomic.Uint64
	limit.Store(cgroupBytes)
	prevProvider := autoMemLimitProvider
	autoMemLimitProvider = func() (uint64, error) { return limit.Load(), nil }
	t.Cleanup(func() { autoMemLimitProvider = prevProvider })
	return &limit
}

// appliedLine returns the "automemlimit applied" line's refreshInterval and memoryLimitBytes.
func appliedLine(t *testing.T, lines []map[string]json.RawMessage) (refresh *string, limit int64) {
	t.Helper()
	i := indexOfMsg(lines, "automemlimit applied")
	if i < 0 {
		t.Fatalf("no automemlimit applied line in %d lines", len(lines))
	}
	raw, ok := lines[i]["refreshInterval"]
	if !ok {
		t.Fatal("automemlimit applied line has no refreshInterval")
	}
	if err := json.Unmarshal(raw, &refresh); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(lines[i]["memoryLimitBytes"], &limit); err != nil {
		t.Fatal(err)
	}
	return refresh, limit
}

const GiB = 1 << 30

func TestAutoMemLimitRefreshFollowsTheCgroup(t *testing.T) {
	cgroup := autoMemLimitEnv(t, 8*GiB)
	t.Setenv("AUTOMEMLIMIT", "0.5") // the library reads the ratio from here itself
	t.Setenv("AUTOMEMLIMIT_REFRESH", "10ms")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); time.Sleep(50 * time.Millisecond) }) // let the refresh loop stop before the limit is restored
	lines := captureLogs(t)
	applyAutoMemLimit(ctx)

	refresh, limit := appliedLine(t, lines())
	if refresh == nil || *refresh != "10ms" || limit != 4*GiB {
		t.Fatalf("applied: refreshInterval %v, memoryLimitBytes %d; want 10ms, %d", refresh, limit, 4*GiB)
	}
	cgroup.Store(6 * GiB) // the container is resized
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) != 3*GiB {
		if time.Now().After(deadline) {
			t.Fatalf("memory limit %d did not follow the cgroup to %d", debug.SetMemoryLimit(-1), 3*GiB)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAutoMemLimitRefreshInvalidOrSkipped(t *testing.T) {
	for _, c := range []struct {
		name, refresh, gomemlimit string
		wantWarn                  bool
	}{
		{"invalid duration", "soon", "", true},
		{"negative duration", "-1s", "", true},
		{"zero", "0", "", false},
		{"GOMEMLIMIT wins", "10ms", "5GiB", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			cgroup := autoMemLimitEnv(t, 8*GiB)
			if c.gomemlimit != "" {
				t.Setenv("GOMEMLIMIT", c.gomemlimit)
			}
			t.Setenv("AUTOMEMLIMIT", "0.5")
			t.Setenv("AUTOMEMLIMIT_REFRESH", c.refresh)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			lines := captureLogs(t)
			applyAutoMemLimit(ctx)
			all := lines()
			if warned := indexOfMsg(all, "invalid AUTOMEMLIMIT_REFRESH, automemlimit will not refresh") >= 0; warned != c.wantWarn {
				t.Errorf("warned %v, want %v", warned, c.wantWarn)
			}
			if refresh, _ := appliedLine(t, all); refresh != nil {
				t.Errorf("refreshInterval %q, want null", *refresh)
			}
			before := debug.SetMemoryLimit(-1)
			cgroup.Store(6 * GiB)
			time.Sleep(50 * time.Millisecond)
			if after := debug.SetMemoryLimit(-1); after != before {
				t.Errorf("memory limit changed from %d to %d without a refresh", before, after)
			}
		})
	}
}

// automemlimit v1.0.2 skips only for a non-empty GOMEMLIMIT: an empty one (an
// env entry with no value) no longer stops it, and the refresh it starts is logged.
func TestAutoMemLimitEmptyGOMEMLIMITDoesNotWin(t *testing.T) {
	autoMemLimitEnv(t, 8*GiB)
	t.Setenv("GOMEMLIMIT", "")
	t.Setenv("AUTOMEMLIMIT", "0.5")
	t.Setenv("AUTOMEMLIMIT_REFRESH", "10ms")
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(func() { cancel(); time.Sleep(50 * time.Millisecond) })
	lines := captureLogs(t)
	applyAutoMemLimit(ctx)
	if refresh, limit := appliedLine(t, lines()); refresh == nil || *refresh != "10ms" || limit != 4*GiB {
		t.Fatalf("applied: refreshInterval %v, memoryLimitBytes %d; want 10ms, %d", refresh, limit, 4*GiB)
	}
}

func TestAutoMemLimitRefreshWithoutAutoMemLimit(t *testing.T) {
	autoMemLimitEnv(t, 8*GiB)
	if v, ok := os.LookupEnv("AUTOMEMLIMIT"); ok {
		os.Unsetenv("AUTOMEMLIMIT")
		t.Cleanup(func() { os.Setenv("AUTOMEMLIMIT", v) })
	}
	t.Setenv("AUTOMEMLIMIT_REFRESH", "1s")
	before := debug.SetMemoryLimit(-1)
	lines := captureLogs(t)
	applyAutoMemLimit(context.Background())
	all := lines()
	if indexOfMsg(all, "AUTOMEMLIMIT_REFRESH has no effect without AUTOMEMLIMIT") < 0 || indexOfMsg(all, "automemlimit applied") >= 0 {
		t.Errorf("want only a warning, got %d lines", len(all))
	}
	if after := debug.SetMemoryLimit(-1); after != before {
		t.Errorf("memory limit changed from %d to %d", before, after)
	}
}
