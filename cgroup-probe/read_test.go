package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestDetectVersion(t *testing.T) {
	if v, err := DetectVersion(v2Tree(t, "a")); v != V2 || err != nil {
		t.Errorf("v2 root: %v %v", v, err)
	}
	if v, err := DetectVersion(v1Tree(t, "docker/a")); v != V1 || err != nil {
		t.Errorf("v1 root: %v %v", v, err)
	}
	// A hybrid host has both; memory is in v1 there.
	hybrid := fakeTree(t, map[string]string{"memory/tasks": "", "unified/cgroup.controllers": ""})
	if v, _ := DetectVersion(hybrid); v != V1 {
		t.Errorf("hybrid root: %v", v)
	}
	if _, err := DetectVersion(t.TempDir()); err == nil {
		t.Error("an empty directory is no cgroupfs")
	}
}

func TestReadV2(t *testing.T) {
	dir := "system.slice/docker-" + containerID + ".scope"
	root := v2Tree(t, dir)
	got, err := Read(V2, DirsOf(V2, root, dir))
	want := Reading{UsageBytes: 312483840, PeakBytes: ptr(419430400), OOMKills: ptr(1), CPU: &CPU{ptr(8123456), ptr(29876543), ptr(377), ptr(412)}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v %v, want %+v", got, err, want)
	}
}

func TestReadV1(t *testing.T) {
	root := v1Tree(t, "docker/"+containerID)
	got, err := Read(V1, DirsOf(V1, root, "docker/"+containerID))
	want := Reading{UsageBytes: 419430400, PeakBytes: ptr(419434496), OOMKills: ptr(2), CPU: &CPU{ptr(1500000), ptr(4000000), ptr(80), ptr(90)}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v %v, want %+v", got, err, want)
	}
}

func TestReadV1JoinedCPUMount(t *testing.T) {
	root := fakeTree(t, map[string]string{
		"memory/kubepods/x/memory.usage_in_bytes": "5\n",
		"cpu,cpuacct/kubepods/x/cpu.stat":         "nr_throttled 3\nthrottled_time 2000\n",
		"cpu,cpuacct/kubepods/x/cpuacct.usage":    "7000\n",
	})
	got, err := Read(V1, DirsOf(V1, root, "kubepods/x"))
	want := Reading{UsageBytes: 5, CPU: &CPU{ptr(7), ptr(2), ptr(3), nil}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v %v, want %+v", got, err, want)
	}
}

// Kernels before 5.19 have no memory.peak; a cgroup without cpu files has no cpu figures.
func TestReadMissingFilesAreNull(t *testing.T) {
	root := fakeTree(t, map[string]string{"cgroup.controllers": "", "c/memory.current": "1000\n"})
	got, err := Read(V2, DirsOf(V2, root, "c"))
	if err != nil || !reflect.DeepEqual(got, Reading{UsageBytes: 1000}) {
		t.Errorf("got %+v %v", got, err)
	}
	if err := os.RemoveAll(filepath.Join(root, "c")); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(V2, DirsOf(V2, root, "c")); !errors.Is(err, ErrGone) {
		t.Errorf("a removed cgroup reads as gone, got %v", err)
	}
}

// A kind pod's container on cgroup v2 after one OOM kill: the kubelet sets memory.oom.group, so the kernel
// counts the victim twice in oom_kill and the group kill once; the death count is the group kill.
func TestReadV2GroupKill(t *testing.T) {
	dir := "system.slice/docker-" + containerID + ".scope"
	root := v2Tree(t, dir)
	events := filepath.Join(root, dir, "memory.events")
	if err := os.WriteFile(events, []byte("low 0\nhigh 0\nmax 412\noom 1\noom_kill 2\noom_group_kill 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Read(V2, DirsOf(V2, root, dir))
	if err != nil || got.OOMKills == nil || *got.OOMKills != 1 {
		t.Errorf("got %+v %v, want one death", got, err)
	}
}
