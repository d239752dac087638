// Command go-sample is a small HTTP service that reproduces the
// "json.Marshal of a 66 MB response gets OOMKilled under a 400Mi limit" story.
package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"
)

const (
	defaultPort    = 5500
	defaultBodyMiB = 66.0
	defaultSeed    = 1
)

func main() {
	if err := run(); err != nil {
		logLine("error", "fatal", "error", err.Error())
		os.Exit(1)
	}
}

func run() error {
	port := envInt("PORT", defaultPort)
	cfg := config{
		bodyMiB: envFloat("BODY_MIB", defaultBodyMiB),
		seed:    int64(envInt("DATASET_SEED", defaultSeed)),
		leakMiB: envLeakMiB("LEAK_MIB"),
	}

	memTraceEvery = time.Duration(envInt("MEMTRACE_MS", 0)) * time.Millisecond
	applyAutoMemLimit(context.Background()) // a refresh lasts as long as the process
	memLimit := debug.SetMemoryLimit(-1)    // -1 only reads the limit in force
	cg := readCgroupMemoryLimit()
	logLine("info", "starting",
		"memoryLimitBytes", memLimit,
		"memoryLimitSet", memLimit != noMemoryLimit,
		"gomemlimitEnv", os.Getenv("GOMEMLIMIT"),
		"gogc", os.Getenv("GOGC"),
		"godebug", os.Getenv("GODEBUG"),
		"cgroupVersion", cg.version,
		"cgroupMemoryLimitBytes", cg.limitBytes,
		"gomaxprocs", runtime.GOMAXPROCS(0),
		"numCPU", runtime.NumCPU(),
		"goVersion", runtime.Version(),
		"bodyMiB", cfg.bodyMiB,
		"datasetSeed", cfg.seed,
	)

	addr := ":" + strconv.Itoa(port)
	// Bind before logging "listening": the lab treats that line as readiness.
	ln, err := net.Listen("tcp", "0.0.0.0"+addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           newMux(cfg),
		ReadHeaderTimeout: 10 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	logLine("info", "listening", "addr", addr)

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	logLine("info", "shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logLine("info", "stopped")
	return nil
}

func envInt(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
		logLine("warn", "invalid env value, using default", "name", name, "value", v)
	}
	return def
}

func envFloat(name string, def float64) float64 {
	if v := os.Getenv(name); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 {
			return f
		}
		logLine("warn", "invalid env value, using default", "name", name, "value", v)
	}
	return def
}

// envLeakMiB reads a leak size: 0 (the default) is valid and means no leak.
func envLeakMiB(name string) float64 {
	if v := os.Getenv(name); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && validLeakMiB(f) {
			return f
		}
		logLine("warn", "invalid env value, using default", "name", name, "value", v)
	}
	return 0
}
