//go:build !go1.21

package main

import (
	"context"
	"os"
)

// The automemlimit library needs Go 1.21; older toolchains (the Go-version
// axis goes back to 1.19) build without it and say so.
func applyAutoMemLimit(context.Context) {
	if ratio, ok := os.LookupEnv("AUTOMEMLIMIT"); ok {
		logLine("warn", "automemlimit is not built into this binary (needs Go 1.21+)", "ratio", ratio)
	}
	if refresh, ok := os.LookupEnv("AUTOMEMLIMIT_REFRESH"); ok {
		logLine("warn", "AUTOMEMLIMIT_REFRESH has no effect: automemlimit is not built into this binary (needs Go 1.21+)", "value", refresh)
	}
}
