package main

import (
	"runtime/metrics"
	"time"
)

// memTraceEvery is how often a bulk request logs the runtime's own view of
// its memory (MEMTRACE_MS; 0, the default, logs nothing). A process the
// kernel kills cannot say where its memory was; its last memtrace lines can.
var memTraceEvery time.Duration

var memTraceNames = []string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/free:bytes",
	"/memory/classes/heap/released:bytes",
	"/memory/classes/total:bytes",
	"/gc/heap/goal:bytes",
	"/gc/cycles/total:gc-cycles",
	"/gc/heap/allocs:bytes",
}

// memTraceLine is one reading: what the heap holds in objects, what it holds
// free but still mapped (the kernel counts it), and the rest of the figures.
type memTraceLine struct {
	heapObjects, heapFree, mapped, goal, gcCycles, allocs *float64
}

func readMemTrace(samples []metrics.Sample) memTraceLine {
	metrics.Read(samples)
	v := make([]*float64, len(samples))
	for i := range samples {
		v[i] = sampleValue(samples[i])
	}
	var mapped *float64
	if v[3] != nil && v[2] != nil {
		m := *v[3] - *v[2] // released pages are not resident
		mapped = &m
	}
	return memTraceLine{heapObjects: v[0], heapFree: v[1], mapped: mapped, goal: v[4], gcCycles: v[5], allocs: v[6]}
}

// startMemTrace logs a memtrace line every memTraceEvery until stop is called.
func startMemTrace() (stop func()) {
	if memTraceEvery <= 0 {
		return func() {}
	}
	samples := make([]metrics.Sample, len(memTraceNames))
	for i, name := range memTraceNames {
		samples[i].Name = name
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	started := time.Now()
	go func() {
		defer close(finished)
		ticker := time.NewTicker(memTraceEvery)
		defer ticker.Stop()
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
				r := readMemTrace(samples)
				logLine("debug", "memtrace", "ms", time.Since(started).Milliseconds(), "heapObjectsBytes", r.heapObjects,
					"heapFreeBytes", r.heapFree, "mappedBytes", r.mapped, "heapGoalBytes", r.goal, "gcCycles", r.gcCycles, "allocBytes", r.allocs)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
	}
}
