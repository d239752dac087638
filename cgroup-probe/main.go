// cgroup-probe streams a container's cgroup memory and cpu figures as JSON lines, read on the engine's own
// host, so the lab needs no access to that host's /proc or /sys/fs/cgroup.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type helloLine struct {
	Hello   string   `json:"hello"`
	Version Version  `json:"version"`
	RateHz  float64  `json:"rateHz"`
	Root    string   `json:"root"`
	Targets []string `json:"targets"`
}

type readingLine struct {
	Target  string  `json:"target"`
	T       int64   `json:"t"`
	Version Version `json:"version"`
	Reading
}

type goneLine struct {
	Target string `json:"target"`
	T      int64  `json:"t"`
	Gone   bool   `json:"gone"`
	// ParentPeakBytes is the high-water mark of the cgroup that held the container (a pod's, for a kube
	// container): it outlives a kill, so it holds the burst the kill cut off.
	ParentPeakBytes *int64 `json:"parentPeakBytes,omitempty"`
}

// Config is what the flags and arguments say.
type Config struct {
	Root    string
	RateHz  float64
	Targets []string
}

// Run writes the hello line, then one line per target per tick until ctx ends or the reader goes away.
func Run(ctx context.Context, w io.Writer, cfg Config) error {
	if len(cfg.Targets) == 0 {
		return errors.New("no targets: give cgroup paths relative to -root, or id:<container id>[/<path>]")
	}
	if cfg.RateHz <= 0 || cfg.RateHz > 1000 {
		return fmt.Errorf("-rate %v is outside (0, 1000]", cfg.RateHz)
	}
	version, err := DetectVersion(cfg.Root)
	if err != nil {
		return err
	}
	trackers := make([]*tracker, len(cfg.Targets))
	for i, arg := range cfg.Targets {
		trackers[i] = &tracker{target: ParseTarget(arg)}
	}
	out := bufio.NewWriter(w)
	enc := json.NewEncoder(out)
	if err := enc.Encode(helloLine{"cgroup-probe", version, cfg.RateHz, cfg.Root, cfg.Targets}); err != nil {
		return err
	}
	ticker := time.NewTicker(time.Duration(float64(time.Second) / cfg.RateHz))
	defer ticker.Stop()
	for {
		now := time.Now()
		for _, tr := range trackers {
			var line any
			if reading, err := tr.sample(version, cfg.Root, now); err == nil {
				line = readingLine{tr.target.Arg, now.UnixMilli(), version, reading}
			} else {
				line = goneLine{tr.target.Arg, now.UnixMilli(), true, tr.parentPeak(version)}
			}
			if err := enc.Encode(line); err != nil {
				return err
			}
		}
		// One flush per tick: the reader sees every target of a tick at once.
		if err := out.Flush(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

func main() {
	root := flag.String("root", "/sys/fs/cgroup", "the cgroupfs mount that targets are relative to")
	rate := flag.Float64("rate", 50, "readings per second, per target")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: cgroup-probe [-root DIR] [-rate HZ] TARGET...\nTARGET: a cgroup path relative to -root (v1: within each controller), or id:<container id>[/<path inside its cgroup>]")
		flag.PrintDefaults()
	}
	flag.Parse()
	// As PID 1 in a container, SIGTERM is ignored unless handled.
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := Run(ctx, os.Stdout, Config{Root: *root, RateHz: *rate, Targets: flag.Args()}); err != nil {
		fmt.Fprintln(os.Stderr, "cgroup-probe:", err)
		os.Exit(2)
	}
}
