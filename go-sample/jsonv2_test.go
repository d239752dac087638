//go:build goexperiment.jsonv2

package main

import (
	"encoding/json"
	"testing"
)

// Each jsonv2 route must reach its own handler: Marshal sets Content-Length, MarshalWrite streams.
func TestJSONv2Routes(t *testing.T) {
	mux := newMux(config{bodyMiB: 66, seed: 1})
	for path, wantLength := range map[string]bool{"/bulk/jsonv2?mib=0.2": true, "/bulk/jsonv2-stream?mib=0.2": false} {
		rec := get(t, mux, path)
		if rec.Code != 200 {
			t.Fatalf("%s: status %d", path, rec.Code)
		}
		if got := rec.Header().Get("Content-Length") != ""; got != wantLength {
			t.Fatalf("%s: Content-Length set = %v, want %v", path, got, wantLength)
		}
		var resp BulkResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.Count == 0 || resp.Count != len(resp.Files) {
			t.Fatalf("%s: bad body (count %d, files %d): %v", path, resp.Count, len(resp.Files), err)
		}
	}
}
