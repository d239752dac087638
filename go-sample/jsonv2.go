//go:build goexperiment.jsonv2

package main

import (
	jsonv2 "encoding/json/v2"
	"io"
	"net/http"
)

// With GOEXPERIMENT=jsonv2 the sample also serves the new encoder:
// /bulk/jsonv2 is the drop-in swap (Marshal, then one Write) and
// /bulk/jsonv2-stream writes as it encodes (MarshalWrite).
func init() {
	extraRoutes["/bulk/jsonv2"] = config.handleBulkJSONv2
	extraRoutes["/bulk/jsonv2-stream"] = config.handleBulkJSONv2Stream
}

func (cfg config) handleBulkJSONv2(w http.ResponseWriter, r *http.Request) {
	cfg.serveBuffered(w, r, "jsonv2", func(v any) ([]byte, error) { return jsonv2.Marshal(v) })
}

func (cfg config) handleBulkJSONv2Stream(w http.ResponseWriter, r *http.Request) {
	cfg.serveStreamed(w, r, "jsonv2-stream", func(w io.Writer, resp BulkResponse) error { return jsonv2.MarshalWrite(w, resp) })
}
