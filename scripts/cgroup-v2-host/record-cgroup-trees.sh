#!/usr/bin/env bash
# Records, on the cgroup v2 guest, the trees the unit tests read (test/fixtures/cgroup-v2/*.tree):
#   CGV2_GUEST_SCRIPT=scripts/cgroup-v2-host/record-cgroup-trees.sh bash scripts/cgroup-v2-host/run.sh OUT --
# then copy OUT/*.tree into test/fixtures/cgroup-v2/.
#   host.tree                      a --memory 64m container after one OOM kill, as the host sees it
#   kind-node-before-kubelet.tree  a node container's root cgroup with kubelet.service masked
#   kind-node-after-kubelet.tree   the same after the kubelet's ExecStartPre ran as a systemd service
# The format is `head -v`'s (see test/cgroup-tree.ts). The node image is the air-gapped one (primed).
set -euo pipefail
out="${OUT_DIR:?}"
image="$(docker image ls --format '{{.Repository}}:{{.Tag}}' | grep '^gomemlimit-lab/kind-node:' | head -n1)"
[ -n "${image}" ] || { echo "no gomemlimit-lab/kind-node image in the guest's store" >&2; exit 1; }
cleanup() { docker rm -f rec-host rec-node >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup

# 1. A container's memory and CPU files after an OOM kill: dd's 128M buffer is killed, the shell lives on.
docker run -d --name rec-host --memory 64m --entrypoint /bin/sh "${image}" \
  -c 'dd if=/dev/zero of=/dev/null bs=128M count=1; sleep 600' >/dev/null
pid="$(docker inspect -f '{{.State.Pid}}' rec-host)"
scope="$(sed -n 's/^0:://p' "/proc/${pid}/cgroup")"
for _ in $(seq 60); do grep -q '^oom_kill [1-9]' "/sys/fs/cgroup${scope}/memory.events" && break; sleep 1; done
head -v -n 100 "/proc/${pid}/cgroup" "/sys/fs/cgroup${scope}"/{memory.current,memory.peak,memory.max,memory.events,cpu.stat,cpu.max} \
  >"${out}/host.tree"
echo "host.tree: pid ${pid} in ${scope}"

# 2. A node's root cgroup before and after the kubelet step. kind runs nodes privileged in a private
#    cgroup namespace; systemd in a container reads its options from its own command line.
docker run -d --name rec-node --privileged --cgroupns private --security-opt seccomp=unconfined \
  --tmpfs /tmp --tmpfs /run -v /var -v /lib/modules:/lib/modules:ro "${image}" \
  /sbin/init systemd.mask=kubelet.service >/dev/null
for _ in $(seq 300); do
  state="$(docker exec rec-node systemctl is-system-running 2>/dev/null || true)"
  case "${state}" in running|degraded) break ;; esac
  sleep 1
done
echo "node: systemd ${state}"
node_files=(/sys/fs/cgroup/cgroup.controllers /sys/fs/cgroup/cgroup.subtree_control /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/init.scope/cgroup.procs)
docker exec rec-node head -v -n 100 "${node_files[@]}" >"${out}/kind-node-before-kubelet.tree"
docker exec rec-node systemd-run --quiet --wait --collect --unit kubelet-cgroup-root-recording \
  /usr/local/bin/kubelet-cgroup-root kubelet kubelet.slice
docker exec rec-node head -v -n 100 "${node_files[@]}" \
  /sys/fs/cgroup/kubelet/cgroup.subtree_control /sys/fs/cgroup/kubelet.slice/cgroup.subtree_control \
  >"${out}/kind-node-after-kubelet.tree"
docker exec rec-node journalctl --no-pager -o cat -u kubelet-cgroup-root-recording >"${out}/kubelet-cgroup-root.log" || true
docker exec rec-node stat -fc %T /sys/fs/cgroup
cat "${out}/kubelet-cgroup-root.log"
