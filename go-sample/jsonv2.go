//go:build goexperiment.jsonv2

package main

import (
	jsonv2 "encoding/json/v2"
	"net/http"
	"runtime"
	"strconv"
	"time"
)

// With GOEXPERIMENT=jsonv2 the sample also serves the new encoder:
// /bulk/jsonv2 is the drop-in swap (Marshal, then one Write) and
// /bulk/jsonv2-stream writes as it encodes (MarshalWrite).
func init() {
	extraRoutes["/bulk/jsonv2"] = config.handleBulkJSONv2
	extraRoutes["/bulk/jsonv2-stream"] = config.handleBulkJSONv2Stream
}

func (cfg config) handleBulkJSONv2(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rows, resp, ok := cfg.loadBulk(w, r)
	if !ok {
		return
	}
	logLine("info", "marshal response", "encoder", "jsonv2")
	body, err := jsonv2.Marshal(resp)
	if err != nil {
		logLine("error", "marshal response failed", "encoder", "jsonv2", "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if _, err := w.Write(body); err != nil {
		logLine("error", "response writer write failed", "error", err.Error())
		return
	}
	logLine("info", "response writer write done", "encoder", "jsonv2", "bytes", len(body), "elapsedMs", time.Since(start).Milliseconds())
	runtime.KeepAlive(rows)
}

func (cfg config) handleBulkJSONv2Stream(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rows, resp, ok := cfg.loadBulk(w, r)
	if !ok {
		return
	}
	logLine("info", "encode response", "encoder", "jsonv2-stream")
	w.Header().Set("Content-Type", "application/json")
	cw := &countingWriter{w: w}
	if err := jsonv2.MarshalWrite(cw, resp); err != nil {
		logLine("error", "encode response failed", "encoder", "jsonv2-stream", "error", err.Error(), "bytes", cw.n)
		return
	}
	logLine("info", "encode response done", "encoder", "jsonv2-stream", "bytes", cw.n, "elapsedMs", time.Since(start).Milliseconds())
	runtime.KeepAlive(rows)
}
