package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
)

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

func TestBodySizeCalibrated(t *testing.T) {
	rec := get(t, newMux(config{bodyMiB: 66, seed: 1}), "/bulk?mib=1")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	got := float64(rec.Body.Len())
	if dev := math.Abs(got/(1<<20) - 1); dev > 0.03 {
		t.Fatalf("mib=1 gave %v bytes, %.1f%% off 1 MiB", got, dev*100)
	}
}

func TestDatasetDeterministic(t *testing.T) {
	marshal := func(seed int64) []byte {
		_, resp := getBulkDmsFiles(0.2, seed)
		b, err := json.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a, b := marshal(7), marshal(7)
	if !bytes.Equal(a, b) {
		t.Fatal("same seed produced different datasets")
	}
	if bytes.Equal(a, marshal(8)) {
		t.Fatal("different seeds produced the same dataset")
	}
}

func TestHealthz(t *testing.T) {
	rec := get(t, newMux(config{bodyMiB: 66, seed: 1}), "/healthz")
	if rec.Code != http.StatusOK || rec.Body.String() != "ok" {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
}

func TestStreamMatchesMarshal(t *testing.T) {
	mux := newMux(config{bodyMiB: 66, seed: 1})
	decode := func(path string) BulkResponse {
		rec := get(t, mux, path)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d", path, rec.Code)
		}
		var resp BulkResponse
		dec := json.NewDecoder(rec.Body)
		if err := dec.Decode(&resp); err != nil {
			t.Fatalf("%s: invalid JSON: %v", path, err)
		}
		if _, err := dec.Token(); err != io.EOF {
			t.Fatalf("%s: trailing data after the JSON value", path)
		}
		return resp
	}
	marshalled := decode("/bulk?mib=0.3&seed=3")
	for _, path := range []string{"/bulk/stream?mib=0.3&seed=3", "/bulk/chunked?mib=0.3&seed=3"} {
		streamed := decode(path)
		if streamed.Count == 0 || streamed.Count != marshalled.Count || len(streamed.Files) != streamed.Count {
			t.Fatalf("%s: counts differ: %d (%d files), marshal %d", path, streamed.Count, len(streamed.Files), marshalled.Count)
		}
		a, _ := json.Marshal(streamed)
		b, _ := json.Marshal(marshalled)
		if !bytes.Equal(a, b) {
			t.Fatalf("%s: content differs from /bulk", path)
		}
	}
}

func TestBadParams(t *testing.T) {
	mux := newMux(config{bodyMiB: 66, seed: 1})
	for _, target := range []string{"/bulk?mib=abc", "/bulk?mib=-1", "/bulk/stream?seed=x"} {
		if rec := get(t, mux, target); rec.Code != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", target, rec.Code)
		}
	}
}

func TestParseLimit(t *testing.T) {
	cases := []struct {
		raw, version string
		want         int64 // -1 means null
	}{
		{"max\n", "v2", -1},
		{"419430400\n", "v2", 419430400},
		{"419430400\n", "v1", 419430400},
		{"9223372036854771712\n", "v1", -1},
		{"garbage", "v1", -1},
	}
	for _, c := range cases {
		got := parseLimit(c.raw, c.version)
		if (got == nil) != (c.want == -1) || (got != nil && *got != c.want) {
			t.Errorf("parseLimit(%q, %s) = %v, want %d", c.raw, c.version, got, c.want)
		}
	}
}
