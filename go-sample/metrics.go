package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// runtimeMetricNames are read at a request's start and end, in runtimeReading's field order.
var runtimeMetricNames = []string{
	"/gc/cycles/total:gc-cycles",
	"/gc/limiter/last-enabled:gc-cycle",
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/gc/mark/idle:cpu-seconds",
	"/cpu/classes/idle:cpu-seconds",
	"/cpu/classes/total:cpu-seconds",
	"/gc/heap/goal:bytes",
	"/memory/classes/total:bytes",
	"/gc/heap/allocs:bytes",
}

// runtimeReading is one reading of runtimeMetricNames; nil where this Go
// version lacks the metric (the lab then reports the figure as unknown).
type runtimeReading struct {
	GCCycles           *float64 `json:"gcCycles"`
	LimiterLastEnabled *float64 `json:"limiterLastEnabled"`
	GCCPUSeconds       *float64 `json:"gcCpuSeconds"`
	// Mark work on Ps that had nothing else to run: GC's CPU limiter does not count it, nor does the lab.
	GCIdleMarkCPUSeconds *float64 `json:"gcIdleMarkCpuSeconds"`
	IdleCPUSeconds       *float64 `json:"idleCpuSeconds"`
	TotalCPUSeconds      *float64 `json:"totalCpuSeconds"`
	HeapGoalBytes        *float64 `json:"heapGoalBytes"`
	MemoryTotalBytes     *float64 `json:"memoryTotalBytes"`
	// Bytes allocated since the program started: the end less the start is what the request allocated.
	AllocBytes *float64 `json:"allocBytes"`
}

func readRuntime() runtimeReading {
	samples := make([]metrics.Sample, len(runtimeMetricNames))
	for i, name := range runtimeMetricNames {
		samples[i].Name = name
	}
	metrics.Read(samples)
	return runtimeReading{
		GCCycles:             sampleValue(samples[0]),
		LimiterLastEnabled:   sampleValue(samples[1]),
		GCCPUSeconds:         sampleValue(samples[2]),
		GCIdleMarkCPUSeconds: sampleValue(samples[3]),
		IdleCPUSeconds:       sampleValue(samples[4]),
		TotalCPUSeconds:      sampleValue(samples[5]),
		HeapGoalBytes:        sampleValue(samples[6]),
		MemoryTotalBytes:     sampleValue(samples[7]),
		AllocBytes:           sampleValue(samples[8]),
	}
}

// sampleValue is nil for a metric the runtime does not have (KindBad), and
// for a value JSON cannot carry.
func sampleValue(s metrics.Sample) *float64 {
	var v float64
	switch s.Value.Kind() {
	case metrics.KindUint64:
		v = float64(s.Value.Uint64())
	case metrics.KindFloat64:
		v = s.Value.Float64()
	default:
		return nil
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// requestMetrics measures one bulk request; log writes its line, and ok
// records whether the whole body went out.
type requestMetrics struct {
	stopTrace func()
	encoder   string
	started   time.Time
	start     runtimeReading
	ok        bool
}

func beginRequestMetrics(encoder string) *requestMetrics {
	return &requestMetrics{encoder: encoder, started: time.Now(), start: readRuntime(), stopTrace: startMemTrace()}
}

func (m *requestMetrics) elapsedMs() int64 { return time.Since(m.started).Milliseconds() }

// log writes the "request metrics" line: the readings, the limit Go believes
// in beside the one the cgroup enforces, and GOMAXPROCS.
func (m *requestMetrics) log() {
	m.stopTrace()
	logLine("info", "request metrics",
		"start", m.start,
		"end", readRuntime(),
		"memoryLimitBytes", debug.SetMemoryLimit(-1),
		"gomaxprocs", runtime.GOMAXPROCS(0),
		"cgroupMemoryLimitBytes", readCgroupMemoryLimit().limitBytes,
		"encoder", m.encoder,
		"elapsedMs", m.elapsedMs(),
		"ok", m.ok,
		"leakCacheBytes", leakCacheBytes(),
	)
}
