package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseTarget(t *testing.T) {
	cases := map[string]Target{
		"docker/abc":              {Arg: "docker/abc", Sub: "docker/abc"},
		"id:abc":                  {Arg: "id:abc", ID: "abc"},
		"id:node/kubelet/pod1/c1": {Arg: "id:node/kubelet/pod1/c1", ID: "node", Sub: "kubelet/pod1/c1"},
	}
	for arg, want := range cases {
		if got := ParseTarget(arg); got != want {
			t.Errorf("%s: got %+v, want %+v", arg, got, want)
		}
	}
}

func TestResolveContainerIDs(t *testing.T) {
	short := containerID[:12]
	cases := []struct {
		name    string
		version Version
		root    string
		want    string
	}{
		{"v1 cgroupfs driver", V1, v1Tree(t, "docker/"+containerID), "/docker/" + containerID},
		{"v1 under a cgroup parent", V1, v1Tree(t, "lab/ci/docker/"+containerID), "/lab/ci/docker/" + containerID},
		{"v2 systemd driver", V2, v2Tree(t, "system.slice/docker-"+containerID+".scope"), "/system.slice/docker-" + containerID + ".scope"},
		{"v2 cgroupfs driver", V2, v2Tree(t, "docker/"+containerID), "/docker/" + containerID},
	}
	for _, c := range cases {
		for _, id := range []string{containerID, short} {
			got, ok := Resolve(c.version, c.root, ParseTarget(IDPrefix+id))
			if !ok || got != c.want {
				t.Errorf("%s, id %s: got %q %v, want %q", c.name, id, got, ok, c.want)
			}
		}
	}
	if _, ok := Resolve(V2, v2Tree(t, "docker/x"), ParseTarget("id:"+containerID)); ok {
		t.Error("an absent container resolves to nothing")
	}
}

// A kind node is a container whose cgroup holds the pods' cgroups; the pod's path is given inside it.
func TestResolveKindPodInsideNode(t *testing.T) {
	node := "a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4e5f6a1b2"
	pod := "kubelet/kubepods/burstable/pod1234/" + containerID
	root := v1Tree(t, "docker/"+node+"/"+pod)
	got, ok := Resolve(V1, root, ParseTarget("id:"+node[:12]+"/"+pod))
	if !ok || got != "/docker/"+node+"/"+pod {
		t.Fatalf("got %q %v", got, ok)
	}
	if reading, err := Read(V1, DirsOf(V1, root, got)); err != nil || reading.UsageBytes != 419430400 {
		t.Errorf("pod reading %+v %v", reading, err)
	}
	// The pod's own container is found too, searching below the node.
	if got, ok := Resolve(V1, root, ParseTarget("id:"+containerID)); !ok || got != "/docker/"+node+"/"+pod {
		t.Errorf("nested container: %q %v", got, ok)
	}
}

// A restarted container gets its cgroup removed and made again; the tracker finds it again.
func TestTrackerFollowsRestarts(t *testing.T) {
	rel := "docker/" + containerID
	root := v1Tree(t, rel)
	saved := map[string][]byte{}
	for _, mount := range []string{"memory", "cpu", "cpuacct"} {
		entries, _ := os.ReadDir(filepath.Join(root, mount, rel))
		for _, entry := range entries {
			file := filepath.Join(mount, rel, entry.Name())
			saved[file], _ = os.ReadFile(filepath.Join(root, file))
		}
	}
	tr := &tracker{target: ParseTarget("id:" + containerID)}
	now := time.Unix(1000, 0)
	if r, err := tr.sample(V1, root, now); err != nil || r.CPU == nil {
		t.Fatalf("first sample: %+v %v", r, err)
	}
	for _, mount := range []string{"memory", "cpu", "cpuacct"} {
		os.RemoveAll(filepath.Join(root, mount, "docker"))
	}
	if _, err := tr.sample(V1, root, now.Add(20*time.Millisecond)); err != ErrGone {
		t.Fatalf("removed cgroup: %v", err)
	}
	for file, content := range saved {
		os.MkdirAll(filepath.Dir(filepath.Join(root, file)), 0o755)
		os.WriteFile(filepath.Join(root, file), content, 0o644)
	}
	if _, err := tr.sample(V1, root, now.Add(40*time.Millisecond)); err != ErrGone {
		t.Errorf("a search right after a failed one waits: %v", err)
	}
	if r, err := tr.sample(V1, root, now.Add(300*time.Millisecond)); err != nil || r.UsageBytes != 419430400 || r.CPU == nil {
		t.Errorf("after the restart: %+v %v", r, err)
	}
}

// runc may make the memory cgroup before the cpu ones; they are picked up once there.
func TestTrackerPicksUpLateCPUCgroups(t *testing.T) {
	root := fakeTree(t, map[string]string{"memory/docker/c/memory.usage_in_bytes": "1\n"})
	tr := &tracker{target: ParseTarget("docker/c")}
	if r, err := tr.sample(V1, root, time.Unix(0, 0)); err != nil || r.CPU != nil {
		t.Fatalf("%+v %v", r, err)
	}
	os.MkdirAll(filepath.Join(root, "cpuacct/docker/c"), 0o755)
	os.WriteFile(filepath.Join(root, "cpuacct/docker/c/cpuacct.usage"), []byte("3000\n"), 0o644)
	if r, err := tr.sample(V1, root, time.Unix(0, 0)); err != nil || r.CPU == nil || *r.CPU.UsageUsec != 3 {
		t.Errorf("%+v %v", r, err)
	}
}

// A kube container's cgroup goes with the kill; its pod's stays, and its high-water mark holds the last burst.
func TestParentPeakOutlivesTheContainer(t *testing.T) {
	pod := "kubepods/burstable/pod5e0c"
	root := v1Tree(t, pod+"/"+containerID)
	if err := os.WriteFile(filepath.Join(root, "memory", pod, "memory.max_usage_in_bytes"), []byte("134217728\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tr := &tracker{target: ParseTarget("id:" + containerID)}
	now := time.Now()
	if _, err := tr.sample(V1, root, now); err != nil {
		t.Fatal(err)
	}
	if got := tr.parentPeak(V1); got == nil || *got != 134217728 {
		t.Fatalf("pod peak while the container lives: %v", got)
	}
	if err := os.RemoveAll(filepath.Join(root, "memory", pod, containerID)); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.sample(V1, root, now.Add(time.Millisecond)); !errors.Is(err, ErrGone) {
		t.Fatalf("after the kill: %v", err)
	}
	if got := tr.parentPeak(V1); got == nil || *got != 134217728 {
		t.Errorf("pod peak after the kill: %v", got)
	}
	plain := &tracker{target: ParseTarget(pod)}
	if err := os.WriteFile(filepath.Join(root, "memory", pod, "memory.usage_in_bytes"), []byte("4096\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.sample(V1, root, now); err != nil || plain.parentPeak(V1) != nil {
		t.Errorf("a plain path has no parent peak: %v %v", err, plain.parentPeak(V1))
	}
}
