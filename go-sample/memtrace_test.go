package main

import (
	"encoding/json"
	"testing"
	"time"
)

func TestMemTraceOffByDefault(t *testing.T) {
	lines := captureLogs(t)
	memTraceEvery = 0
	stop := startMemTrace()
	time.Sleep(5 * time.Millisecond)
	stop()
	if n := len(lines()); n != 0 {
		t.Fatalf("memtrace off logged %d lines", n)
	}
}

func TestMemTraceLogsTheRuntimesMemory(t *testing.T) {
	lines := captureLogs(t)
	memTraceEvery = time.Millisecond
	defer func() { memTraceEvery = 0 }()
	stop := startMemTrace()
	keep := make([]byte, 8<<20) // something on the heap to see
	time.Sleep(30 * time.Millisecond)
	stop()
	_ = keep[len(keep)-1]
	got := lines()
	if len(got) == 0 {
		t.Fatal("no memtrace lines")
	}
	for _, line := range got {
		var msg string
		_ = json.Unmarshal(line["msg"], &msg)
		if msg != "memtrace" {
			t.Fatalf("unexpected line %v", line)
		}
		var mapped, objects, allocs float64
		for key, into := range map[string]*float64{"mappedBytes": &mapped, "heapObjectsBytes": &objects, "allocBytes": &allocs} {
			if err := json.Unmarshal(line[key], into); err != nil {
				t.Fatalf("%s: %v in %v", key, err, line)
			}
		}
		if objects <= 0 || mapped < 8<<20 || allocs < 8<<20 {
			t.Fatalf("implausible reading: objects %v, mapped %v, allocs %v", objects, mapped, allocs)
		}
	}
	before := len(got)
	time.Sleep(5 * time.Millisecond)
	if len(lines()) != before {
		t.Fatal("lines after stop")
	}
}
