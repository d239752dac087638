package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestRunStreamsJSONLines(t *testing.T) {
	dir := "system.slice/docker-" + containerID + ".scope"
	root := v2Tree(t, dir)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	var out bytes.Buffer
	targets := []string{"id:" + containerID[:12], dir, "id:absent"}
	if err := Run(ctx, &out, Config{Root: root, RateHz: 50, Targets: targets}); err != nil {
		t.Fatal(err)
	}
	scanner := bufio.NewScanner(&out)
	scanner.Scan()
	var hello helloLine
	if err := json.Unmarshal(scanner.Bytes(), &hello); err != nil || hello.Hello != "cgroup-probe" || hello.Version != V2 || hello.RateHz != 50 {
		t.Fatalf("hello line %q: %v", scanner.Text(), err)
	}
	counts := map[string]int{}
	first := map[string]string{}
	for scanner.Scan() {
		var line map[string]any
		if err := json.Unmarshal(scanner.Bytes(), &line); err != nil {
			t.Fatalf("line %q: %v", scanner.Text(), err)
		}
		target := line["target"].(string)
		counts[target]++
		if _, seen := first[target]; !seen {
			first[target] = scanner.Text()
		}
	}
	// 500 ms at 50 Hz is 25 ticks; a loaded machine may drop a few.
	for _, target := range targets {
		if counts[target] < 15 {
			t.Errorf("%s: %d lines in 500 ms at 50 Hz", target, counts[target])
		}
	}
	want := `"version":"v2","usageBytes":312483840,"peakBytes":419430400,"oomKills":1,"cpu":{"usageUsec":8123456,"throttledUsec":29876543,"throttledPeriods":377,"periods":412}}`
	if !strings.HasSuffix(first[dir], want) || !strings.HasPrefix(first[dir], `{"target":"`+dir+`","t":`) {
		t.Errorf("reading line %s", first[dir])
	}
	if !strings.HasSuffix(first["id:absent"], `,"gone":true}`) {
		t.Errorf("gone line %s", first["id:absent"])
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	root := v2Tree(t, "c")
	for name, cfg := range map[string]Config{
		"no targets":  {Root: root, RateHz: 50},
		"zero rate":   {Root: root, RateHz: 0, Targets: []string{"c"}},
		"no cgroupfs": {Root: t.TempDir(), RateHz: 50, Targets: []string{"c"}},
	} {
		if err := Run(context.Background(), &bytes.Buffer{}, cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
