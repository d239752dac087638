#!/usr/bin/env bash
# Diagnostics for kind inside the cgroup v2 guest (run by run.sh with CGV2_GUEST_SCRIPT, see README.md):
# creates the lab's cluster from kind-config.yaml with kind's verbose log and --retain, times it, and on
# failure exports the node's logs (kind export logs) before deleting it. `timeouts`: only an attempt with
# a kubeadm patch giving the control plane 30 minutes instead of kubeadm's 4; `both`: the first, then that.
#   CGV2_GUEST_SCRIPT=scripts/cgroup-v2-host/guest-kind-debug.sh bash scripts/cgroup-v2-host/run.sh OUT -- [timeouts|both]
set -uo pipefail
out="${OUT_DIR:?}"
kind="$(ls .cache/bin/kind-* | head -n1)"
image="$(docker image ls --format '{{.Repository}}:{{.Tag}}' | grep '^gomemlimit-lab/kind-node:' | head -n1)"
echo "kind ${kind}, node image ${image}"
attempt() { # name config
  local name="$1" config="$2" t rc
  t=$(date +%s)
  echo "== ${name}: kind create cluster (config ${config})"
  "${kind}" create cluster --name gomemlimit-lab --config "${config}" --image "${image}" --retain --wait 0s -v 3 \
    >"${out}/${name}-create.log" 2>&1
  rc=$?
  echo "== ${name}: kind create exited ${rc} after $(( $(date +%s) - t ))s"
  grep -E 'kubeadm|\[(init|wait-control-plane|kubelet-check|api-check|control-plane-check)\]|took|ERROR|error' "${out}/${name}-create.log" | tail -n 40
  if [ "${rc}" != 0 ]; then
    "${kind}" export logs "${out}/${name}-logs" --name gomemlimit-lab >/dev/null 2>&1
    docker exec gomemlimit-lab-control-plane sh -c 'crictl ps -a 2>/dev/null || ctr -n k8s.io containers ls' >"${out}/${name}-containers.txt" 2>&1
    tail -n 30 "${out}/${name}-logs/gomemlimit-lab-control-plane/kubelet.log" 2>/dev/null
  else
    local tr=$(date +%s)
    docker exec gomemlimit-lab-control-plane kubectl --kubeconfig /etc/kubernetes/admin.conf wait --for=condition=Ready node --all --timeout=900s
    echo "== ${name}: node Ready $(( $(date +%s) - tr ))s after kind returned"
    docker exec gomemlimit-lab-control-plane kubectl --kubeconfig /etc/kubernetes/admin.conf get pods -A -o wide
    docker exec gomemlimit-lab-control-plane stat -fc %T /sys/fs/cgroup
  fi
  t=$(date +%s)
  "${kind}" delete cluster --name gomemlimit-lab >/dev/null 2>&1
  echo "== ${name}: deleted in $(( $(date +%s) - t ))s"
  return "${rc}"
}
if [ "${1:-}" != timeouts ]; then
  attempt lab-config kind-config.yaml && exit 0
  [ "${1:-}" = both ] || exit 1
fi
# kind writes kubeadm v1beta3 below 1.36 (apiServer.timeoutForControlPlane) and v1beta4 from it on
# (InitConfiguration timeouts.controlPlaneComponentHealthCheck); each patch applies only to its own apiVersion.
{
  sed -n '1,/^kubeadmConfigPatches:/p' kind-config.yaml
  cat <<'PATCH'
  - |
    apiVersion: kubeadm.k8s.io/v1beta3
    kind: ClusterConfiguration
    apiServer:
      timeoutForControlPlane: 30m0s
  - |
    apiVersion: kubeadm.k8s.io/v1beta4
    kind: InitConfiguration
    timeouts:
      controlPlaneComponentHealthCheck: 30m0s
PATCH
  sed -n '/^kubeadmConfigPatches:/,$p' kind-config.yaml | tail -n +2
} >"${out}/kind-config.timeouts.yaml"
attempt long-timeouts "${out}/kind-config.timeouts.yaml"
