package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"sync"
	"time"
)

var (
	logMu sync.Mutex
	// logOutput is where log lines go: stdout, or a buffer in tests. Guarded by logMu.
	logOutput io.Writer = os.Stdout
)

// logWriter writes whole lines to logOutput under logMu, for loggers other
// than logLine (automemlimit's slog handler), so lines never interleave.
type logWriter struct{}

func (logWriter) Write(p []byte) (int, error) {
	logMu.Lock()
	defer logMu.Unlock()
	return logOutput.Write(p)
}

// logLine writes one JSON object per line to stdout with a fixed key order
// (level, msg, extra fields, time), matching the seed article's log lines.
// gctrace goes to stderr, so the two streams never interleave mid-line.
func logLine(level, msg string, kv ...any) {
	var b bytes.Buffer
	b.WriteString(`{"level":`)
	writeJSON(&b, level)
	b.WriteString(`,"msg":`)
	writeJSON(&b, msg)
	for i := 0; i+1 < len(kv); i += 2 {
		b.WriteByte(',')
		key, _ := kv[i].(string)
		writeJSON(&b, key)
		b.WriteByte(':')
		writeJSON(&b, kv[i+1])
	}
	b.WriteString(`,"time":`)
	writeJSON(&b, time.Now().UTC().Format(time.RFC3339))
	b.WriteString("}\n")

	_, _ = logWriter{}.Write(b.Bytes())
}

func writeJSON(b *bytes.Buffer, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		data, _ = json.Marshal(err.Error())
	}
	b.Write(data)
}
