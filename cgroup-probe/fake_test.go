package main

import (
	"os"
	"path/filepath"
	"testing"
)

// fakeTree writes files (path relative to root -> content) as a cgroupfs stand-in.
func fakeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for rel, content := range files {
		file := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const (
	containerID = "3f1c9a7e5b2d4c6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f"
	v2Events    = "low 0\nhigh 0\nmax 412\noom 1\noom_kill 1\noom_group_kill 0\n"
	v2CPUStat   = "usage_usec 8123456\nuser_usec 7001234\nsystem_usec 1122222\ncore_sched.force_idle_usec 0\nnr_periods 412\nnr_throttled 377\nthrottled_usec 29876543\nnr_bursts 0\nburst_usec 0\n"
)

// v2Tree is a systemd-driver host with the files of test/fixtures/cgroup-v2/host.tree (recorded on the v2 guest), other figures.
func v2Tree(t *testing.T, dir string) string {
	return fakeTree(t, map[string]string{
		"cgroup.controllers":         "cpuset cpu io memory hugetlb pids rdma misc\n",
		dir + "/memory.current":      "312483840\n",
		dir + "/memory.peak":         "419430400\n",
		dir + "/memory.events":       v2Events,
		dir + "/cpu.stat":            v2CPUStat,
		"system.slice/other.scope/x": "",
		"init.scope/memory.current":  "1\n",
	})
}

// v1Tree is a cgroupfs-driver host with cpu and cpuacct mounted apart, as on this lab's Docker hosts.
func v1Tree(t *testing.T, rel string) string {
	return fakeTree(t, map[string]string{
		"memory/memory.usage_in_bytes":                 "999\n",
		"memory/" + rel + "/memory.usage_in_bytes":     "419430400\n",
		"memory/" + rel + "/memory.max_usage_in_bytes": "419434496\n",
		"memory/" + rel + "/memory.oom_control":        "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n",
		"cpu/" + rel + "/cpu.stat":                     "nr_periods 90\nnr_throttled 80\nthrottled_time 4000000000\n",
		"cpuacct/" + rel + "/cpuacct.usage":            "1500000000\n",
	})
}

func ptr(n int64) *int64 { return &n }
