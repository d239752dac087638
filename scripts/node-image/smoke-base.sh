#!/usr/bin/env bash
# Smoke-test the node base image the way kind runs a node container, then remove it.
#
#   bash scripts/node-image/smoke-base.sh [image]     # default gomemlimit-lab/node-base:bookworm-v1-<K8S_VERSION>
#
# Checks: kind's readiness line in `docker logs`, systemd up (running or degraded),
# containerd active with our CRI settings, `ctr version`, the kubelet cgroup roots in every
# v1 hierarchy, a per-container machine-id. Exit 0 when all pass; one line per check on stderr.
# Containers are labelled gomemlimit-lab=1 and gomemlimit-lab.pid=<this pid>, and removed on exit.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
IMAGE="${1:-${NODE_BASE_IMAGE}}"
READY_RE='Reached target .*Multi-User System.*|detected cgroup v1'   # kind's regex
fails=0

docker image inspect "${IMAGE}" >/dev/null 2>&1 || { log "no image ${IMAGE}; run scripts/node-image/build-base.sh"; exit 2; }

cleanup() {
  local ids
  ids="$(docker ps -aq --filter "label=gomemlimit-lab.pid=$$" 2>/dev/null || true)"
  [ -z "${ids}" ] || docker rm -f -v ${ids} >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run_node() {
  local extra=()
  [ -d /lib/modules ] && extra+=(-v /lib/modules:/lib/modules:ro)
  # kind's flags (its docker provider, unchanged v0.30 to v0.33): --tty is how systemd's "Reached target" lines reach
  # `docker logs`; /lib/modules only when the host has one (docker would create it otherwise).
  docker run -d --privileged --security-opt seccomp=unconfined --security-opt apparmor=unconfined \
    --cgroupns=private --tmpfs /tmp --tmpfs /run -v /var --restart=on-failure:1 --init=false --tty \
    --label gomemlimit-lab=1 --label "gomemlimit-lab.pid=$$" --label gomemlimit-lab.role=node-smoke \
    --hostname "node-smoke-$1" "${extra[@]}" "${IMAGE}"
}

t0=$(date +%s.%N)
id="$(run_node a)"
log "started ${id:0:12} from ${IMAGE}"

# 1. kind follows the logs for 30 s waiting for its regex.
ready=""
for _ in $(seq 1 300); do
  if docker logs "${id}" 2>&1 | grep -qE "${READY_RE}"; then ready=1; break; fi
  sleep 0.1
done
t_ready=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
if [ -n "${ready}" ]; then
  pass "readiness line after ${t_ready}s: $(docker logs "${id}" 2>&1 | grep -E "${READY_RE}" | head -n1 | tr -d '\r')"
else
  fail "no line matching /${READY_RE}/ within 30 s"
fi

# 2. systemd reaches a steady state (degraded is fine for kind). The readiness line comes from
#    the entrypoint, before systemd runs, so poll: systemctl fails until PID 1 is up.
state=""
for _ in $(seq 1 120); do
  state="$(docker exec "${id}" systemctl is-system-running 2>/dev/null || true)"
  case "${state}" in running|degraded|maintenance|stopping) break ;; esac
  sleep 0.5
done
t_sys=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
case "${state}" in
  running)  pass "systemctl is-system-running: running (${t_sys}s after start)" ;;
  degraded) pass "systemctl is-system-running: degraded (${t_sys}s after start); failed units: $(docker exec "${id}" systemctl --failed --no-legend --plain | awk '{print $1}' | tr '\n' ' ')" ;;
  *)        fail "systemctl is-system-running: '${state}'" ;;
esac

# With --tty, systemd's own status lines reach `docker logs` too (kind's only signal on cgroup v2).
if docker logs "${id}" 2>&1 | tr -d '\r' | sed 's/\x1b\[[0-9;]*m//g' | grep -qE 'Reached target .*Multi-User System'; then
  pass "systemd printed: $(docker logs "${id}" 2>&1 | tr -d '\r' | sed 's/\x1b\[[0-9;]*m//g' | grep -E 'Reached target .*Multi-User System' | head -n1 | sed 's/^ *//')"
else
  fail "systemd printed no 'Reached target ... Multi-User System' line"
fi

# 3. containerd, ctr and the CRI settings.
if docker exec "${id}" systemctl is-active --quiet containerd; then
  pass "containerd: $(docker exec "${id}" systemctl show containerd -p ActiveState -p SubState --value | tr '\n' ' ')"
else
  fail "containerd not active: $(docker exec "${id}" systemctl status containerd --no-pager 2>&1 | tail -n 5)"
fi
if v="$(docker exec "${id}" ctr version 2>&1)"; then
  pass "ctr version: $(echo "$v" | awk '/Version:/ {printf "%s %s ", prev, $2} {prev=$1}')"
else
  fail "ctr version: ${v}"
fi
dump="$(docker exec "${id}" containerd config dump 2>/dev/null || true)"
for want in 'SystemdCgroup = true' 'bin_dir = "/usr/lib/cni"' 'conf_dir = "/etc/cni/net.d"' 'sandbox_image = "registry.k8s.io/pause:' 'snapshotter = "overlayfs"'; do
  if grep -qF "${want}" <<<"${dump}"; then pass "containerd config: ${want}"; else fail "containerd config lacks: ${want}"; fi
done
if docker exec "${id}" ctr plugins ls 2>/dev/null | grep -E 'io.containerd.grpc.v1[[:space:]]+cri[[:space:]]+.*ok' >/dev/null; then
  pass "CRI plugin loaded"
else
  fail "CRI plugin not ok: $(docker exec "${id}" ctr plugins ls 2>&1 | grep -i cri)"
fi

# 4. The kubelet's cgroupRoot in every cgroup v1 hierarchy (name=systemd included).
if docker exec "${id}" test -f /sys/fs/cgroup/cgroup.controllers; then
  pass "cgroup v2 node: no v1 kubelet roots needed"
else
  missing="$(docker exec "${id}" bash -c '
    for h in $(awk '\''$5 ~ "^/sys/fs/cgroup/[^/]+$" { for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i+1) == "cgroup") print $5; break } }'\'' /proc/self/mountinfo); do
      for r in kubelet kubelet.slice; do mountpoint -q "$h/$r" || echo "$h/$r"; done
    done')"
  if [ -z "${missing}" ]; then
    pass "kubelet cgroup roots: $(docker exec "${id}" bash -c 'ls -d /sys/fs/cgroup/*/kubelet | wc -l') hierarchies have /kubelet and /kubelet.slice"
  else
    fail "kubelet cgroup roots missing: ${missing}"
  fi
fi
if docker exec "${id}" systemctl is-enabled --quiet kubelet; then
  pass "kubelet.service enabled (waits for kubeadm; $(docker exec "${id}" systemctl show kubelet -p ActiveState --value))"
else
  fail "kubelet.service not enabled"
fi

# 5. Node identity: machine-id filled in, linked for D-Bus, different in a second node.
mid="$(docker exec "${id}" cat /etc/machine-id)"
dbus="$(docker exec "${id}" cat /var/lib/dbus/machine-id)"
id2="$(run_node b)"
for _ in $(seq 1 50); do
  mid2="$(docker exec "${id2}" cat /etc/machine-id 2>/dev/null || true)"
  [ -n "${mid2}" ] && break
  sleep 0.1
done
if [[ "${mid}" =~ ^[0-9a-f]{32}$ && "${mid}" == "${dbus}" && -n "${mid2}" && "${mid2}" != "${mid}" ]]; then
  pass "machine-id ${mid} (D-Bus link agrees), second node ${mid2}"
else
  fail "machine-id: '${mid}' dbus '${dbus}' second '${mid2}'"
fi

# 6. The kernel log stays out of the journal, and the node stops on SIGRTMIN+3 (docker stop).
if docker exec "${id}" grep -rqs '^ReadKMsg=no' /etc/systemd/journald.conf.d/; then pass "journald ReadKMsg=no"; else fail "journald reads kmsg"; fi
t=$(date +%s.%N)
docker stop -t 30 "${id}" >/dev/null
pass "docker stop (SIGRTMIN+3 to systemd) in $(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')s, exit code $(docker inspect -f '{{.State.ExitCode}}' "${id}")"

if [ "${fails}" -eq 0 ]; then
  log "smoke test passed (${IMAGE})"
else
  log "smoke test: ${fails} check(s) failed; docker logs of the node:"
  docker logs "${id}" 2>&1 | tail -n 30 >&2
  exit 1
fi
