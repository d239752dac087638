package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sort"
	"strings"
	"testing"
)

// captureLogs sends log lines to a buffer until the test ends; lines returns
// those written so far, decoded.
func captureLogs(t *testing.T) (lines func() []map[string]json.RawMessage) {
	t.Helper()
	var buf bytes.Buffer
	logMu.Lock()
	prev := logOutput
	logOutput = &buf
	logMu.Unlock()
	t.Cleanup(func() {
		logMu.Lock()
		logOutput = prev
		logMu.Unlock()
	})
	return func() []map[string]json.RawMessage {
		logMu.Lock()
		raw := buf.String()
		logMu.Unlock()
		var out []map[string]json.RawMessage
		for _, line := range strings.Split(strings.TrimSuffix(raw, "\n"), "\n") {
			if line == "" {
				continue
			}
			var entry map[string]json.RawMessage
			if err := json.Unmarshal([]byte(line), &entry); err != nil {
				t.Fatalf("log line is not JSON: %q: %v", line, err)
			}
			out = append(out, entry)
		}
		return out
	}
}

func msgOf(entry map[string]json.RawMessage) string {
	var msg string
	_ = json.Unmarshal(entry["msg"], &msg)
	return msg
}

// metricsLine checks that exactly one "request metrics" line was logged and
// that it is the last line, and returns it.
func metricsLine(t *testing.T, target string, lines []map[string]json.RawMessage) map[string]json.RawMessage {
	t.Helper()
	var found []int
	for i, entry := range lines {
		if msgOf(entry) == "request metrics" {
			found = append(found, i)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s: %d request metrics lines, want 1", target, len(found))
	}
	if found[0] != len(lines)-1 {
		t.Fatalf("%s: request metrics is line %d of %d, want the last", target, found[0]+1, len(lines))
	}
	return lines[found[0]]
}

func indexOfMsg(lines []map[string]json.RawMessage, msg string) int {
	for i, entry := range lines {
		if msgOf(entry) == msg {
			return i
		}
	}
	return -1
}

type metricsLineValues struct {
	Start, End             map[string]*float64
	MemoryLimitBytes       int64
	Gomaxprocs             int
	CgroupMemoryLimitBytes *int64
	Encoder                string
	ElapsedMs              *int64
	OK                     *bool
	LeakCacheBytes         *int64
}

func decodeMetrics(t *testing.T, entry map[string]json.RawMessage) metricsLineValues {
	t.Helper()
	raw, _ := json.Marshal(entry)
	var v metricsLineValues
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("request metrics line: %v", err)
	}
	return v
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// readingKeys maps the line's reading keys to the runtime/metrics they carry.
var readingKeys = map[string]string{
	"gcCycles":             "/gc/cycles/total:gc-cycles",
	"limiterLastEnabled":   "/gc/limiter/last-enabled:gc-cycle",
	"gcCpuSeconds":         "/cpu/classes/gc/total:cpu-seconds",
	"gcIdleMarkCpuSeconds": "/cpu/classes/gc/mark/idle:cpu-seconds",
	"idleCpuSeconds":       "/cpu/classes/idle:cpu-seconds",
	"totalCpuSeconds":      "/cpu/classes/total:cpu-seconds",
	"heapGoalBytes":        "/gc/heap/goal:bytes",
	"memoryTotalBytes":     "/memory/classes/total:bytes",
	"allocBytes":           "/gc/heap/allocs:bytes",
}

func supportedMetrics() map[string]bool {
	supported := map[string]bool{}
	for _, d := range metrics.All() {
		supported[d.Name] = true
	}
	return supported
}

func TestRequestMetricsLine(t *testing.T) {
	routes := map[string]struct{ encoder, doneMsg string }{
		"/bulk":         {"marshal", "response writer write done"},
		"/bulk/stream":  {"stream", "encode response done"},
		"/bulk/chunked": {"chunked", "encode response done"},
	}
	for path := range extraRoutes { // GOEXPERIMENT=jsonv2 adds routes through the same helpers
		routes[path] = struct{ encoder, doneMsg string }{}
	}
	wantTop := []string{"cgroupMemoryLimitBytes", "elapsedMs", "encoder", "end", "gomaxprocs", "leakCacheBytes", "level", "memoryLimitBytes", "msg", "ok", "start", "time"}
	supported := supportedMetrics()
	mux := newMux(config{bodyMiB: 66, seed: 1})
	for path, want := range routes {
		lines := captureLogs(t)
		target := path + "?mib=0.2"
		if rec := get(t, mux, target); rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", target, rec.Code)
		}
		all := lines()
		entry := metricsLine(t, target, all)
		if got := sortedKeys(entry); strings.Join(got, ",") != strings.Join(wantTop, ",") {
			t.Fatalf("%s: keys %v, want %v", target, got, wantTop)
		}
		v := decodeMetrics(t, entry)
		if want.encoder != "" && v.Encoder != want.encoder {
			t.Errorf("%s: encoder %q, want %q", target, v.Encoder, want.encoder)
		}
		if v.Encoder == "" {
			t.Errorf("%s: empty encoder", target)
		}
		if want.doneMsg != "" && indexOfMsg(all, want.doneMsg) < 0 {
			t.Errorf("%s: no %q line before the metrics line", target, want.doneMsg)
		}
		if v.OK == nil || !*v.OK {
			t.Errorf("%s: ok = %v, want true", target, v.OK)
		}
		if v.ElapsedMs == nil || *v.ElapsedMs < 0 || v.LeakCacheBytes == nil {
			t.Errorf("%s: elapsedMs %v, leakCacheBytes %v", target, v.ElapsedMs, v.LeakCacheBytes)
		}
		if v.MemoryLimitBytes != debug.SetMemoryLimit(-1) || v.Gomaxprocs != runtime.GOMAXPROCS(0) {
			t.Errorf("%s: memoryLimitBytes %d, gomaxprocs %d", target, v.MemoryLimitBytes, v.Gomaxprocs)
		}
		if cg := readCgroupMemoryLimit().limitBytes; (cg == nil) != (v.CgroupMemoryLimitBytes == nil) || (cg != nil && *cg != *v.CgroupMemoryLimitBytes) {
			t.Errorf("%s: cgroupMemoryLimitBytes %v, want %v", target, v.CgroupMemoryLimitBytes, cg)
		}
		for side, reading := range map[string]map[string]*float64{"start": v.Start, "end": v.End} {
			if len(reading) != len(readingKeys) {
				t.Errorf("%s: %s has %d keys, want %d: %v", target, side, len(reading), len(readingKeys), reading)
			}
			for key, name := range readingKeys {
				value, present := reading[key]
				switch {
				case !present:
					t.Errorf("%s: %s.%s missing", target, side, key)
				case supported[name] && value == nil:
					t.Errorf("%s: %s.%s is null but %s exists in %s", target, side, key, name, runtime.Version())
				case !supported[name] && value != nil:
					t.Errorf("%s: %s.%s = %v but %s does not exist in %s: want null", target, side, key, *value, name, runtime.Version())
				}
			}
		}
		if s, e := v.Start["gcCycles"], v.End["gcCycles"]; s == nil || e == nil || *e < *s {
			t.Errorf("%s: gcCycles went from %v to %v", target, s, e)
		}
	}
}

// failingWriter is a client that went away: every body write fails.
type failingWriter struct{ header http.Header }

func (w *failingWriter) Header() http.Header       { return w.header }
func (w *failingWriter) WriteHeader(int)           {}
func (w *failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestRequestMetricsWhenTheWriteFails(t *testing.T) {
	mux := newMux(config{bodyMiB: 66, seed: 1})
	for target, failMsg := range map[string]string{
		"/bulk?mib=0.2":         "response writer write failed",
		"/bulk/stream?mib=0.2":  "encode response failed",
		"/bulk/chunked?mib=0.2": "encode response failed",
	} {
		lines := captureLogs(t)
		mux.ServeHTTP(&failingWriter{header: http.Header{}}, httptest.NewRequest(http.MethodGet, target, nil))
		all := lines()
		v := decodeMetrics(t, metricsLine(t, target, all))
		if v.OK == nil || *v.OK {
			t.Errorf("%s: ok = %v, want false", target, v.OK)
		}
		if indexOfMsg(all, failMsg) < 0 {
			t.Errorf("%s: no %q line", target, failMsg)
		}
	}
}

func TestRequestMetricsOnBadRequest(t *testing.T) {
	mux := newMux(config{bodyMiB: 66, seed: 1})
	for _, target := range []string{"/bulk?mib=abc", "/bulk/stream?leakMiB=-1", "/bulk/chunked?seed=x"} {
		lines := captureLogs(t)
		if rec := get(t, mux, target); rec.Code != http.StatusBadRequest {
			t.Fatalf("%s: status %d", target, rec.Code)
		}
		if v := decodeMetrics(t, metricsLine(t, target, lines())); v.OK == nil || *v.OK {
			t.Errorf("%s: ok = %v, want false", target, v.OK)
		}
	}
}

// A metric the runtime lacks reads as KindBad, which must come out as null.
func TestUnknownMetricIsNull(t *testing.T) {
	s := []metrics.Sample{{Name: "/no/such/metric:bytes"}}
	metrics.Read(s)
	if got := sampleValue(s[0]); got != nil {
		t.Fatalf("sampleValue of an unknown metric = %v, want nil", got)
	}
	b, err := json.Marshal(runtimeReading{GCCycles: sampleValue(s[0])})
	if err != nil || !strings.Contains(string(b), `"gcCycles":null`) {
		t.Fatalf("got %s, %v", b, err)
	}
}
