package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
)

// maxBodyMiB caps the mib query parameter so a typo cannot ask for terabytes.
const maxBodyMiB = 4096

type config struct {
	bodyMiB float64 // default target body size in MiB (2^20 bytes)
	seed    int64   // default dataset seed
	leakMiB float64 // default MiB each bulk request adds to the never-freed leakCache
}

// bulkRequest is one bulk request's parameters: the config's defaults,
// overridden by the query.
type bulkRequest struct {
	mib     float64
	seed    int64
	leakMiB float64
}

// extraRoutes holds handlers that exist only in some builds (GOEXPERIMENT=jsonv2).
var extraRoutes = map[string]func(config, http.ResponseWriter, *http.Request){}

func newMux(cfg config) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok")
	})
	mux.HandleFunc("/bulk", cfg.handleBulk)
	mux.HandleFunc("/bulk/stream", cfg.handleBulkStream)
	mux.HandleFunc("/bulk/chunked", cfg.handleBulkChunked)
	for path, handler := range extraRoutes {
		handler := handler // go.mod says 1.21: the loop variable is shared
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { handler(cfg, w, r) })
	}
	return mux
}

// bulkParams resolves the per-request body size, seed and leak from the query.
func (cfg config) bulkParams(r *http.Request) (bulkRequest, error) {
	p := bulkRequest{mib: cfg.bodyMiB, seed: cfg.seed, leakMiB: cfg.leakMiB}
	q := r.URL.Query()
	var err error
	if v := q.Get("mib"); v != "" {
		p.mib, err = strconv.ParseFloat(v, 64)
		if err != nil || !(p.mib > 0 && p.mib <= maxBodyMiB) {
			return bulkRequest{}, fmt.Errorf("mib must be a number in (0, %d]", maxBodyMiB)
		}
	}
	if v := q.Get("seed"); v != "" {
		p.seed, err = strconv.ParseInt(v, 10, 64)
		if err != nil {
			return bulkRequest{}, fmt.Errorf("seed must be an integer")
		}
	}
	if v := q.Get("leakMiB"); v != "" {
		p.leakMiB, err = strconv.ParseFloat(v, 64)
		if err != nil || !validLeakMiB(p.leakMiB) {
			return bulkRequest{}, fmt.Errorf("leakMiB must be a number in [0, %d]", maxLeakMiB)
		}
	}
	return p, nil
}

func validLeakMiB(mib float64) bool { return mib >= 0 && mib <= maxLeakMiB } // false for NaN

// getBulkDmsFiles loads the rows and maps them to DTOs. Both are returned
// because the caller keeps the rows alive until the response is written.
func getBulkDmsFiles(mib float64, seed int64) ([]dmsFileRow, BulkResponse) {
	rows := loadRows(seed, recordsFor(mib))
	files := mapRows(rows)
	return rows, BulkResponse{Files: files, Count: len(files)}
}

// loadBulk validates the request and loads the dataset; ok is false when an
// error response was already written.
func (cfg config) loadBulk(w http.ResponseWriter, r *http.Request) (rows []dmsFileRow, resp BulkResponse, ok bool) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil, BulkResponse{}, false
	}
	p, err := cfg.bulkParams(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return nil, BulkResponse{}, false
	}
	rows, resp = getBulkDmsFiles(p.mib, p.seed)
	logLine("info", "GetBulkDmsFiles: done", "records", resp.Count, "targetMiB", p.mib, "seed", p.seed)
	if p.leakMiB > 0 {
		leak(p.leakMiB) // the request metrics line reports the cache's size
	}
	return rows, resp, true
}

// handleBulk is the seed article's endpoint: json.Marshal the whole value,
// then write it. Marshal's growing buffer plus the final copy is what pushes
// the heap over the container limit.
func (cfg config) handleBulk(w http.ResponseWriter, r *http.Request) {
	cfg.serveBuffered(w, r, "marshal", func(v any) ([]byte, error) { return json.Marshal(v) })
}

// handleBulkStream is the commonly suggested fix: encode onto the response
// writer. Note that encoding/json v1's Encoder.Encode still builds the whole
// value in its internal buffer before one Write; it only saves Marshal's
// final copy. handleBulkChunked shows what really bounds the buffer.
func (cfg config) handleBulkStream(w http.ResponseWriter, r *http.Request) {
	cfg.serveStreamed(w, r, "stream", func(w io.Writer, resp BulkResponse) error { return json.NewEncoder(w).Encode(resp) })
}

// handleBulkChunked encodes the files one at a time through a small
// buffered writer, so the encoder buffer never holds more than one record.
func (cfg config) handleBulkChunked(w http.ResponseWriter, r *http.Request) {
	cfg.serveStreamed(w, r, "chunked", writeChunked)
}

// serveBuffered builds the whole body in memory, then writes it with a
// Content-Length, as the seed's service does.
func (cfg config) serveBuffered(w http.ResponseWriter, r *http.Request, encoder string, marshal func(any) ([]byte, error)) {
	m := beginRequestMetrics(encoder)
	defer m.log() // last, after the lines below, however the request ends
	rows, resp, ok := cfg.loadBulk(w, r)
	if !ok {
		return
	}
	logLine("info", "marshal response", "encoder", encoder)
	body, err := marshal(resp)
	if err != nil {
		logLine("error", "marshal response failed", "encoder", encoder, "error", err.Error())
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	logLine("info", "marshal response done", "encoder", encoder, "bytes", len(body))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if _, err := w.Write(body); err != nil {
		logLine("error", "response writer write failed", "encoder", encoder, "error", err.Error())
		return
	}
	m.ok = true
	logLine("info", "response writer write done", "encoder", encoder, "bytes", len(body), "elapsedMs", m.elapsedMs())
	// Like a service that holds its query result for the whole request, the
	// raw rows stay reachable next to the DTOs while the body is built.
	runtime.KeepAlive(rows)
}

// serveStreamed encodes onto the response writer as it goes; how much it
// buffers first depends on the encoder.
func (cfg config) serveStreamed(w http.ResponseWriter, r *http.Request, encoder string, encode func(io.Writer, BulkResponse) error) {
	m := beginRequestMetrics(encoder)
	defer m.log()
	rows, resp, ok := cfg.loadBulk(w, r)
	if !ok {
		return
	}
	logLine("info", "encode response", "encoder", encoder)
	w.Header().Set("Content-Type", "application/json")
	cw := &countingWriter{w: w}
	if err := encode(cw, resp); err != nil {
		logLine("error", "encode response failed", "encoder", encoder, "error", err.Error(), "bytes", cw.n)
		return
	}
	m.ok = true
	logLine("info", "encode response done", "encoder", encoder, "bytes", cw.n, "elapsedMs", m.elapsedMs())
	runtime.KeepAlive(rows) // same lifetime as in serveBuffered, for a fair comparison
}

// writeChunked writes the same JSON document as BulkResponse, record by record.
func writeChunked(w io.Writer, resp BulkResponse) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	if _, err := bw.WriteString(`{"files":[`); err != nil {
		return err
	}
	for i := range resp.Files {
		if i > 0 {
			if err := bw.WriteByte(','); err != nil {
				return err
			}
		}
		if err := enc.Encode(&resp.Files[i]); err != nil { // adds a newline: valid JSON whitespace
			return err
		}
	}
	if _, err := fmt.Fprintf(bw, `],"count":%d}`+"\n", resp.Count); err != nil {
		return err
	}
	return bw.Flush()
}

// countingWriter counts the bytes streamed so the log can report the body size.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
