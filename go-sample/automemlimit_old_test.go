//go:build !go1.21

package main

import (
	"context"
	"testing"
)

func TestOldToolchainWarnsAboutAutoMemLimit(t *testing.T) {
	t.Setenv("AUTOMEMLIMIT", "0.9")
	t.Setenv("AUTOMEMLIMIT_REFRESH", "1s")
	lines := captureLogs(t)
	applyAutoMemLimit(context.Background())
	all := lines()
	for _, msg := range []string{
		"automemlimit is not built into this binary (needs Go 1.21+)",
		"AUTOMEMLIMIT_REFRESH has no effect: automemlimit is not built into this binary (needs Go 1.21+)",
	} {
		if indexOfMsg(all, msg) < 0 {
			t.Errorf("no %q line", msg)
		}
	}
}
