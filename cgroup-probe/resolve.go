package main

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// IDPrefix marks a target given as a container id: "id:<id>" or "id:<id>/<path inside its cgroup>".
const IDPrefix = "id:"

// maxDepth bounds the search for a container's cgroup (kind pods sit about six levels down).
const maxDepth = 12

// resolveEvery spaces searches for a missing cgroup, so a dead container costs little.
const resolveEvery = 200 * time.Millisecond

// Target is what one argument names.
type Target struct {
	Arg string
	// ID is a container id to find by directory name; empty for a plain cgroup path.
	ID string
	// Sub is the cgroup path: relative to the root for a plain path, to the container's cgroup for an id.
	Sub string
}

func ParseTarget(arg string) Target {
	if rest, ok := strings.CutPrefix(arg, IDPrefix); ok {
		id, sub, _ := strings.Cut(rest, "/")
		return Target{Arg: arg, ID: id, Sub: sub}
	}
	return Target{Arg: arg, Sub: arg}
}

// hierarchy is where memory cgroups live: v1 has one mount per controller.
func hierarchy(v Version, root, controller string) string {
	if v == V2 {
		return root
	}
	return filepath.Join(root, controller)
}

// Resolve finds a target's cgroup path relative to the memory hierarchy; false while it is not there.
func Resolve(v Version, root string, t Target) (string, bool) {
	base := hierarchy(v, root, "memory")
	rel := filepath.Clean("/" + t.Sub)
	if t.ID != "" {
		found, ok := findByID(base, t.ID)
		if !ok {
			return "", false
		}
		rel = filepath.Join(found, rel)
	}
	return rel, isDir(filepath.Join(base, rel))
}

// findByID walks breadth first, so the container's own directory wins over anything nested in it.
// Names match by containment: docker/<id> (cgroupfs driver), docker-<id>.scope (systemd), cri-containerd-<id>.scope.
func findByID(base, id string) (string, bool) {
	level := []string{"/"}
	for depth := 0; depth < maxDepth && len(level) > 0; depth++ {
		var next []string
		for _, rel := range level {
			entries, err := os.ReadDir(filepath.Join(base, rel))
			if err != nil {
				continue
			}
			for _, entry := range entries {
				if !entry.IsDir() {
					continue
				}
				child := filepath.Join(rel, entry.Name())
				if strings.Contains(entry.Name(), id) {
					return child, true
				}
				next = append(next, child)
			}
		}
		level = next
	}
	return "", false
}

// DirsOf names a cgroup's directories; v1's cpu and cpuacct may be joined mounts ("cpu,cpuacct").
func DirsOf(v Version, root, rel string) Dirs {
	if v == V2 {
		dir := filepath.Join(root, rel)
		return Dirs{Memory: dir, CPU: dir, CPUAcct: dir}
	}
	first := func(mounts ...string) string {
		for _, mount := range mounts {
			if dir := filepath.Join(root, mount, rel); isDir(dir) {
				return dir
			}
		}
		return ""
	}
	return Dirs{
		Memory:  filepath.Join(root, "memory", rel),
		CPU:     first("cpu", "cpu,cpuacct", "cpuacct,cpu"),
		CPUAcct: first("cpuacct", "cpu,cpuacct", "cpuacct,cpu"),
	}
}

// tracker follows one target across its cgroup's lifetimes (a restarted container gets a new one).
type tracker struct {
	target      Target
	rel         string
	dirs        Dirs
	found       bool
	nextResolve time.Time
	// parentMemory is the memory directory around a container's cgroup, kept after the container is gone.
	parentMemory string
}

// parentPeak is the high-water mark of the cgroup that held the container (nil for plain paths, or before one was found).
func (tr *tracker) parentPeak(v Version) *int64 {
	if tr.parentMemory == "" {
		return nil
	}
	return ReadPeak(v, tr.parentMemory)
}

func (tr *tracker) sample(v Version, root string, now time.Time) (Reading, error) {
	if !tr.found && !now.Before(tr.nextResolve) {
		tr.nextResolve = now.Add(resolveEvery)
		tr.rel, tr.found = Resolve(v, root, tr.target)
		if tr.found {
			tr.dirs = DirsOf(v, root, tr.rel)
			if tr.target.ID != "" {
				tr.parentMemory = filepath.Dir(tr.dirs.Memory)
			}
		}
	} else if tr.found && v == V1 && (tr.dirs.CPU == "" || tr.dirs.CPUAcct == "") {
		tr.dirs = DirsOf(v, root, tr.rel) // runc may create the cpu cgroups just after the memory one
	}
	if !tr.found {
		return Reading{}, ErrGone
	}
	reading, err := Read(v, tr.dirs)
	if err != nil {
		tr.found = false
	}
	return reading, err
}
