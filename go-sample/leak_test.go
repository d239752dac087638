package main

import (
	"net/http"
	"testing"
)

func resetLeakCache(t *testing.T) {
	t.Cleanup(func() {
		leakCache.mu.Lock()
		defer leakCache.mu.Unlock()
		leakCache.chunks, leakCache.bytes = nil, 0
	})
}

func lastLeakChunk() []byte {
	leakCache.mu.Lock()
	defer leakCache.mu.Unlock()
	if len(leakCache.chunks) == 0 {
		return nil
	}
	return leakCache.chunks[len(leakCache.chunks)-1]
}

func TestLeakGrowsTheCacheEveryRequest(t *testing.T) {
	resetLeakCache(t)
	const MiB = 1 << 20
	mux := newMux(config{bodyMiB: 66, seed: 1, leakMiB: 2}) // as LEAK_MIB=2
	steps := []struct {
		target string
		added  int64
	}{
		{"/bulk?mib=0.1", 2 * MiB},                  // the env default
		{"/bulk/stream?mib=0.1&leakMiB=1", 1 * MiB}, // the query wins
		{"/bulk/chunked?mib=0.1&leakMiB=0.5", MiB / 2},
		{"/bulk?mib=0.1&leakMiB=0", 0}, // 0 turns it off for this request
	}
	want := leakCacheBytes()
	for _, step := range steps {
		lines := captureLogs(t)
		if rec := get(t, mux, step.target); rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", step.target, rec.Code)
		}
		want += step.added
		v := decodeMetrics(t, metricsLine(t, step.target, lines()))
		if v.LeakCacheBytes == nil || *v.LeakCacheBytes != want {
			t.Fatalf("%s: leakCacheBytes %v, want %d", step.target, v.LeakCacheBytes, want)
		}
		if step.added > 0 {
			chunk := lastLeakChunk()
			if int64(len(chunk)) != step.added {
				t.Fatalf("%s: last chunk %d bytes, want %d", step.target, len(chunk), step.added)
			}
			for i, b := range chunk {
				if b == 0 {
					t.Fatalf("%s: leaked byte %d is zero", step.target, i)
				}
			}
		}
	}
	for _, target := range []string{"/bulk?leakMiB=-1", "/bulk?leakMiB=4097", "/bulk?leakMiB=abc", "/bulk?leakMiB=NaN"} {
		if rec := get(t, mux, target); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", target, rec.Code)
		}
	}
	if got := leakCacheBytes(); got != want {
		t.Fatalf("rejected requests changed the cache: %d, want %d", got, want)
	}
}

func TestFillNonZero(t *testing.T) {
	b := make([]byte, 4096*3+5)
	fillNonZero(b, 0) // even a zero seed
	for i, v := range b {
		if v == 0 {
			t.Fatalf("byte %d is zero", i)
		}
	}
}

func TestEnvLeakMiB(t *testing.T) {
	for value, want := range map[string]float64{"": 0, "0": 0, "3.5": 3.5, "4096": 4096, "-1": 0, "4097": 0, "x": 0} {
		t.Setenv("LEAK_MIB", value)
		lines := captureLogs(t)
		if got := envLeakMiB("LEAK_MIB"); got != want {
			t.Errorf("LEAK_MIB=%q: %v, want %v", value, got, want)
		}
		warned := indexOfMsg(lines(), "invalid env value, using default") >= 0
		if wantWarn := value == "-1" || value == "4097" || value == "x"; warned != wantWarn {
			t.Errorf("LEAK_MIB=%q: warned %v, want %v", value, warned, wantWarn)
		}
	}
}
