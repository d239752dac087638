package main

import (
	"bytes"
	"encoding/json"
	"os"
	"sync"
	"time"
)

var logMu sync.Mutex

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

	logMu.Lock()
	defer logMu.Unlock()
	_, _ = os.Stdout.Write(b.Bytes())
}

func writeJSON(b *bytes.Buffer, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		data, _ = json.Marshal(err.Error())
	}
	b.Write(data)
}
