// Command pause is the pod sandbox ("infra") container of the lab's air-gapped kind node image.
//
// It holds the pod's namespaces open and does nothing else: it blocks until SIGINT or SIGTERM
// and then exits 0. When it runs as PID 1 of a pod that shares its PID namespace, orphaned
// processes are re-parented to it, so it also reaps them (on SIGCHLD) to keep zombies from
// piling up.
//
// Built static (CGO_ENABLED=0) by scripts/node-image/build.sh into a FROM scratch image tagged
// as kubeadm's pause image (registry.k8s.io/pause:<ver>), which containerd uses as sandbox_image.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// version is printed by -v; build.sh stamps it with -X main.version=<tag>.
var version = "dev"

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "-v", "--version", "version":
			fmt.Printf("pause %s (gomemlimit-lab)\n", version)
			return
		}
	}
	if os.Getpid() != 1 {
		fmt.Fprintln(os.Stderr, "pause: warning: not running as PID 1; orphans will not be re-parented to this process")
	}

	signals := make(chan os.Signal, 16)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for sig := range signals {
		if sig == syscall.SIGCHLD {
			reap()
			continue
		}
		fmt.Fprintf(os.Stderr, "pause: shutting down, got signal %v\n", sig)
		os.Exit(0)
	}
}

// reap collects every child that has exited, without blocking. SIGCHLD is not queued, so one
// signal may stand for several exits: loop until there is nothing left to wait for.
func reap() {
	for {
		var status syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil || pid <= 0 { // ECHILD: no children; 0: children left, none exited
			return
		}
	}
}
