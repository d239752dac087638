#!/usr/bin/env bash
# Smoke-test the air-gapped kind node image end to end, then delete the cluster (also on failure).
#
#   bash scripts/node-image/smoke-cluster.sh        # a minute or two; exit 0 when every check passes
#
# 1. `kind create cluster` with kind-config.yaml and NODE_IMAGE (built with build.sh when missing);
#    the node must be Ready and every kube-system pod Running and Ready (no CoreDNS: skipped).
# 2. The lab's sample image, built the way the lab builds it, goes in with `kind load docker-image`.
# 3. baseline: the seed's Deployment and NodePort Service exactly as the lab renders them
#    (smoke-manifests.ts: scenarios/seed.yaml's limits and requests, the lab's env, non-root,
#    read-only root, restricted Pod Security), on the first NodePort kind-config.yaml maps to
#    127.0.0.1. GET /healthz there must answer "ok".
#    GET /bulk?mib=66 must OOM-kill the container: restartCount 1, lastState.terminated
#    OOMKilled / exit 137, and the pod's memory cgroup on the host counts an oom_kill.
# 4. gomemlimit: the same with GOMEMLIMIT from resourceFieldRef limits.memory; the outcome
#    (HTTP code, restarts) is reported, not required (it is what the lab measures).
#
# Environment:
#   NODE_IMAGE      default: the lab's (lab/pins.json)
#   K8S_VERSION     default: lab/pins.json (for the kubectl in .cache/k8s/<ver>/bin)
#   SMOKE_CLUSTER   default gomemlimit-lab-smoke (an existing cluster of that name is deleted first)
#   GOMEMLIMIT_REQUESTS  requests for the gomemlimit variant (default 3)
#   KEEP_CLUSTER=1  do not delete the cluster at the end (for debugging; the kubeconfig is printed)
set -euo pipefail

LOG_TAG=smoke-cluster
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
fails=0

CLUSTER="${SMOKE_CLUSTER:-gomemlimit-lab-smoke}"
NODE="${CLUSTER}-control-plane"
KIND_CONFIG="${REPO_ROOT}/kind-config.yaml"
SAMPLE_IMAGE=gomemlimit-lab/go-sample:smoke
NS=gomemlimit-lab-smoke
APP=""
VARIANT=""
# The first NodePort kind-config.yaml maps to 127.0.0.1 (the lab's own mapping).
read -r NODE_PORT _ < <(cd "${REPO_ROOT}" && node --import tsx scripts/node-image/smoke-manifests.ts port) || die "no loopback port in kind-config.yaml"
BASE_URL="http://127.0.0.1:${NODE_PORT}"
GOMEMLIMIT_REQUESTS="${GOMEMLIMIT_REQUESTS:-3}"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
T0=$(now)

# ------------------------------------------------------------------ tools
KIND=""
for k in "${CACHE_ROOT}/bin/kind-${KIND_VERSION}" "${CACHE_ROOT}/bin/kind"; do [[ -x "$k" ]] && { KIND="$k"; break; }; done
if [[ -z "${KIND}" ]]; then
  if command -v kind >/dev/null; then KIND="$(command -v kind)"
  else
    log "building kind ${KIND_VERSION} into ${CACHE_ROOT}/bin"
    GOBIN="${CACHE_ROOT}/bin" go install "sigs.k8s.io/kind@${KIND_VERSION}"
    KIND="${CACHE_ROOT}/bin/kind"
  fi
fi
KUBECTL_BIN="${CACHE_ROOT}/k8s/${K8S_VERSION}/bin/kubectl"
[[ -x "${KUBECTL_BIN}" ]] || KUBECTL_BIN="$(command -v kubectl)" || die "no kubectl (run build-k8s.sh)"
command -v curl >/dev/null || die "curl not found"
command -v go >/dev/null || die "go not found"
docker info --format '{{.ServerVersion}}' >/dev/null 2>&1 || die "no Docker engine is running"

TMP="$(mktemp -d)"
KUBECONFIG_FILE="${TMP}/kubeconfig"
k() { "${KUBECTL_BIN}" --kubeconfig "${KUBECONFIG_FILE}" "$@"; }

# kind bind-mounts /lib/modules; on a host without one Docker creates an empty directory. Remove it
# again if this script caused it and no other kind node still uses it.
LIB_MODULES_EXISTED=0; [[ -e /lib/modules ]] && LIB_MODULES_EXISTED=1

CREATED=0
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "${SAMPLER_PID:-}" ]]; then kill "${SAMPLER_PID}" 2>/dev/null || true; fi
  if [[ "${KEEP_CLUSTER:-0}" == 1 && ${CREATED} == 1 ]]; then
    log "KEEP_CLUSTER=1: cluster ${CLUSTER} kept; kubeconfig ${KUBECONFIG_FILE}; delete with: ${KIND} delete cluster --name ${CLUSTER}"
  else
    if [[ ${CREATED} == 1 ]] || docker container inspect "${NODE}" >/dev/null 2>&1; then
      local t; t=$(now)
      "${KIND}" delete cluster --name "${CLUSTER}" >/dev/null 2>&1 || log "kind delete cluster failed"
      log "deleted cluster ${CLUSTER} in $(elapsed "$t") s"
    fi
    rm -rf "${TMP}"
    if [[ ${LIB_MODULES_EXISTED} == 0 && -d /lib/modules ]] && [[ -z "$(ls -A /lib/modules)" ]] \
        && [[ -z "$(docker ps -aq --filter label=io.x-k8s.kind.cluster)" ]]; then
      if rmdir /lib/modules 2>/dev/null; then log "removed the empty /lib/modules that kind's mount created"; fi
    fi
  fi
  docker image rm "${SAMPLE_IMAGE}" >/dev/null 2>&1 || true
  if (( rc == 0 )); then log "done in $(elapsed "${T0}") s"; else log "FAILED (exit ${rc}) after $(elapsed "${T0}") s"; fi
  exit "${rc}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ 0. image, stale cluster, port
if ! docker image inspect "${NODE_IMAGE}" >/dev/null 2>&1; then
  log "${NODE_IMAGE} not found: building it"
  NODE_IMAGE="${NODE_IMAGE}" K8S_VERSION="${K8S_VERSION}" bash "${SCRIPT_DIR}/build.sh" >/dev/null
fi
clusters="$("${KIND}" get clusters 2>/dev/null || true)"
if grep -qxF "${CLUSTER}" <<<"${clusters}"; then
  log "deleting a leftover cluster ${CLUSTER}"
  "${KIND}" delete cluster --name "${CLUSTER}" >/dev/null 2>&1
fi
listening="$(ss -Hltn "sport = :${NODE_PORT}" 2>/dev/null || true)"
if [[ -n "${listening}" ]]; then
  die "127.0.0.1:${NODE_PORT} is in use (another kind cluster from kind-config.yaml?); free it first"
fi

# ------------------------------------------------------------------ 1. cluster
log "kind $("${KIND}" version | awk '{print $2}'): creating cluster ${CLUSTER} from ${NODE_IMAGE}"
t=$(now)
CREATED=1
if ! "${KIND}" create cluster --name "${CLUSTER}" --config "${KIND_CONFIG}" --image "${NODE_IMAGE}" \
    --kubeconfig "${KUBECONFIG_FILE}" --wait 120s > "${TMP}/create.log" 2>&1; then
  cat "${TMP}/create.log" >&2
  docker exec "${NODE}" journalctl -u kubelet --no-pager 2>/dev/null | tail -n 30 >&2 || true
  die "kind create cluster failed"
fi
CREATE_S=$(elapsed "$t")
pass "kind create cluster (--wait 120s) took ${CREATE_S} s"

if k wait --for=condition=Ready node --all --timeout=60s >/dev/null; then
  pass "node Ready: $(k get nodes --no-headers -o custom-columns=N:.metadata.name,V:.status.nodeInfo.kubeletVersion,R:.status.nodeInfo.containerRuntimeVersion,IP:.status.addresses[0].address | tr -s ' ')"
else
  fail "node not Ready: $(k get nodes --no-headers 2>&1)"
fi
t=$(now)
k -n kube-system rollout status ds/kube-proxy --timeout=120s >/dev/null || fail "kube-proxy DaemonSet not rolled out"
for _ in $(seq 1 60); do  # the static pods' mirror pods appear a little after the node
  [[ "$(k -n kube-system get pods --no-headers 2>/dev/null | wc -l)" -ge 5 ]] && break
  sleep 1
done
if k -n kube-system wait --for=condition=Ready pod --all --timeout=120s >/dev/null; then
  pass "kube-system pods Running and Ready ($(elapsed "$t") s after create): $(k -n kube-system get pods --no-headers -o custom-columns=N:.metadata.name,S:.status.phase | awk '{sub(/-'"${NODE}"'$/, "", $1); printf "%s=%s ", $1, $2}')"
else
  fail "kube-system pods not all Ready: $(k -n kube-system get pods --no-headers 2>&1 | tr -s ' ' | tr '\n' ';')"
fi
if k -n kube-system get deploy coredns >/dev/null 2>&1; then
  fail "a coredns Deployment exists (kind-config.yaml should skip addon/coredns)"
else
  pass "no CoreDNS (addon/coredns skipped)"
fi

# ------------------------------------------------------------------ 2. the sample image
t=$(now)
(cd "${REPO_ROOT}/go-sample" && CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o bin/go-sample .) || die "go build of go-sample failed"
DOCKER_BUILDKIT=1 docker build --quiet --pull=false -t "${SAMPLE_IMAGE}" "${REPO_ROOT}/go-sample" >/dev/null || die "docker build of ${SAMPLE_IMAGE} failed"
"${KIND}" load docker-image "${SAMPLE_IMAGE}" --name "${CLUSTER}" >/dev/null 2>&1 || die "kind load docker-image failed"
node_images="$(docker exec "${NODE}" ctr --namespace=k8s.io images ls -q)"
if grep -qxF "docker.io/${SAMPLE_IMAGE}" <<<"${node_images}"; then
  pass "${SAMPLE_IMAGE} built and loaded into the node in $(elapsed "$t") s"
else
  fail "${SAMPLE_IMAGE} not in the node's containerd after kind load"
fi

# ------------------------------------------------------------------ 3/4. workload
# The seed's workload as the lab itself renders it (smoke-manifests.ts): its limits, requests, env and ports.
lab_manifests() { (cd "${REPO_ROOT}" && node --import tsx scripts/node-image/smoke-manifests.ts "$@"); }
manifests() {  # manifests <variant>: namespace, Deployment and NodePort Service
  lab_manifests yaml "$1" "${NS}" "${SAMPLE_IMAGE}" "${NODE_PORT}"
}

pod_json() { k -n "${NS}" get pods -l "gomemlimit-lab/variant=${VARIANT}" -o json; }
current_pod() {  # the one pod of the current ReplicaSet that is not being deleted
  pod_json | jq -r '[.items[] | select(.metadata.deletionTimestamp == null)] | .[0].metadata.name // empty'
}
pod_field() { k -n "${NS}" get pod "$1" -o jsonpath="$2"; }

wait_healthz() {  # GET /healthz through the host port until it says ok
  local body
  for _ in $(seq 1 60); do
    body="$(curl -s --max-time 2 "${BASE_URL}/healthz" || true)"
    [[ "${body}" == ok ]] && return 0
    sleep 0.5
  done
  return 1
}

# The pod's memory cgroup as seen from the host: the node container's cgroup (Docker's cgroupfs
# driver: /docker/<id>), then the kubelet's systemd slices under the node's cgroupRoot.
host_memcg() {  # host_memcg <pod> -> path of the container's memory cgroup on the host
  local pod="$1" uid qos cid node_id
  uid="$(pod_field "${pod}" '{.metadata.uid}')"
  qos="$(pod_field "${pod}" '{.status.qosClass}' | tr '[:upper:]' '[:lower:]')"
  cid="$(pod_field "${pod}" '{.status.containerStatuses[0].containerID}')"; cid="${cid#containerd://}"
  node_id="$(docker inspect -f '{{.Id}}' "${NODE}")"
  local slice="kubelet-kubepods-${qos}.slice/kubelet-kubepods-${qos}-pod${uid//-/_}.slice"
  [[ "${qos}" == guaranteed ]] && slice="kubelet-kubepods-pod${uid//-/_}.slice"
  echo "/sys/fs/cgroup/memory/docker/${node_id}/kubelet.slice/kubelet-kubepods.slice/${slice}/cri-containerd-${cid}.scope"
}

deploy_variant() {  # deploy_variant <variant>: apply, wait for the rollout and /healthz
  local variant="$1" t; t=$(now)
  # Each variant is a workload of its own on the same NodePort: the previous one goes first.
  [[ -n "${APP}" ]] && k -n "${NS}" delete deployment,service "${APP}" --wait=true >/dev/null 2>&1
  VARIANT="${variant}"; APP="$(lab_manifests name "${variant}")" || die "smoke-manifests.ts failed"
  manifests "${variant}" | k apply -f - >/dev/null || die "kubectl apply (${variant}) failed"
  k -n "${NS}" rollout status "deploy/${APP}" --timeout=120s >/dev/null || { k -n "${NS}" describe pods >&2; die "rollout of ${variant} failed"; }
  for _ in $(seq 1 60); do  # the old ReplicaSet's pod may still be terminating
    [[ "$(pod_json | jq '[.items[] | select(.metadata.deletionTimestamp == null)] | length')" == 1 \
       && "$(pod_json | jq '.items | length')" == 1 ]] && break
    sleep 0.5
  done
  POD="$(current_pod)"
  [[ -n "${POD}" ]] || die "no pod for ${variant}"
  if wait_healthz; then
    pass "${variant}: pod ${POD} Ready and GET ${BASE_URL}/healthz -> ok ($(elapsed "$t") s after apply)"
  else
    fail "${variant}: GET ${BASE_URL}/healthz did not answer ok"; return 1
  fi
  local start; start="$(k -n "${NS}" logs "${POD}" | grep -m1 '"starting"' || true)"
  log "${variant}: starting line: $(jq -c '{memoryLimitBytes, gomemlimitEnv, cgroupVersion, cgroupMemoryLimitBytes, gomaxprocs}' <<<"${start}" 2>/dev/null || echo "${start}")"
  MEMCG="$(host_memcg "${POD}")"
  if [[ -f "${MEMCG}/memory.limit_in_bytes" ]]; then
    log "${variant}: host memory cgroup ${MEMCG} (limit $(cat "${MEMCG}/memory.limit_in_bytes"))"
  else
    log "${variant}: host memory cgroup not found at ${MEMCG}"; MEMCG=""
  fi
}

bulk() {  # bulk -> prints "<http code> <seconds>"
  curl -s -o /dev/null --max-time 120 -w '%{http_code} %{time_total}' "${BASE_URL}/bulk?mib=66" || true
}

wait_restarts() {  # wait_restarts <pod> <n>: until restartCount >= n (30 s)
  for _ in $(seq 1 60); do
    [[ "$(pod_field "$1" '{.status.containerStatuses[0].restartCount}' 2>/dev/null || echo 0)" -ge "$2" ]] && return 0
    sleep 0.5
  done
  return 1
}

# The container's memory cgroup vanishes right after an OOM kill (containerd removes the scope), so
# it is sampled at 20 Hz during a request: the last sample holds the peak and, usually, the oom_kill
# count (the scope can be gone within 50 ms of the kill; the kubelet's OOMKilled is what is checked).
SAMPLER_PID=""
SAMPLE_FILE="${TMP}/memcg.sample"
sampler_start() {
  rm -f "${SAMPLE_FILE}"
  [[ -n "${MEMCG}" ]] || return 0
  ( while [[ -d "${MEMCG}" ]]; do
      cat "${MEMCG}/memory.max_usage_in_bytes" "${MEMCG}/memory.oom_control" > "${SAMPLE_FILE}.tmp" 2>/dev/null \
        && mv -f "${SAMPLE_FILE}.tmp" "${SAMPLE_FILE}"
      sleep 0.05
    done ) &
  SAMPLER_PID=$!
}
sampler_stop() {  # prints "<peak bytes> <oom_kill>" from the last sample
  if [[ -n "${SAMPLER_PID}" ]]; then kill "${SAMPLER_PID}" 2>/dev/null || true; wait "${SAMPLER_PID}" 2>/dev/null || true; SAMPLER_PID=""; fi
  if [[ -s "${SAMPLE_FILE}" ]]; then
    awk 'NR == 1 { peak = $1 } $1 == "oom_kill" { kills = $2 } END { print peak, (kills == "" ? "?" : kills) }' "${SAMPLE_FILE}"
  else
    echo "? ?"
  fi
}

# The pod's slice (the parent of the container's scope) survives container restarts. With equal pod and
# container limits either level can be the one that runs out (the pod also holds the pause container),
# and cgroup v1 counts an oom_kill only in that one memcg: report both counters.
pod_ooms() {
  [[ -n "${MEMCG}" ]] && awk '$1 == "oom_kill" { print $2 }' "$(dirname "${MEMCG}")/memory.oom_control" 2>/dev/null || echo "?"
}

# --- baseline: no GOMEMLIMIT, one 66 MiB request must OOM-kill the container
deploy_variant baseline
sampler_start
read -r code secs <<<"$(bulk)"
sleep 0.5
read -r peak kills <<<"$(sampler_stop)"
kills="container ${kills}, pod slice $(pod_ooms)"
log "baseline: GET /bulk?mib=66 -> HTTP ${code} after ${secs} s (container max_usage ${peak}; oom_kill: ${kills})"
if wait_restarts "${POD}" 1; then
  restarts="$(pod_field "${POD}" '{.status.containerStatuses[0].restartCount}')"
  reason="$(pod_field "${POD}" '{.status.containerStatuses[0].lastState.terminated.reason}')"
  exit_code="$(pod_field "${POD}" '{.status.containerStatuses[0].lastState.terminated.exitCode}')"
  if [[ "${restarts}" == 1 && "${reason}" == OOMKilled && "${exit_code}" == 137 && "${code}" != 200 ]]; then
    pass "baseline: HTTP ${code}, restartCount ${restarts}, lastState.terminated ${reason} exit ${exit_code} (host oom_kill: ${kills})"
  else
    fail "baseline: HTTP ${code}, restartCount ${restarts}, lastState.terminated '${reason}' exit '${exit_code}' (want non-200, 1, OOMKilled, 137)"
  fi
else
  fail "baseline: no restart after GET /bulk (HTTP ${code}); restartCount $(pod_field "${POD}" '{.status.containerStatuses[0].restartCount}')"
fi
if wait_healthz; then pass "baseline: the restarted container serves /healthz again"; else fail "baseline: no /healthz after the restart"; fi

# --- gomemlimit: GOMEMLIMIT from resourceFieldRef limits.memory (reported, not required)
deploy_variant gomemlimit
gml="$(k -n "${NS}" logs "${POD}" | grep -m1 '"starting"' | jq -r '.gomemlimitEnv' 2>/dev/null || true)"
if [[ "${gml}" == 419430400 ]]; then
  pass "gomemlimit: GOMEMLIMIT=${gml} (resourceFieldRef limits.memory, bytes)"
else
  fail "gomemlimit: GOMEMLIMIT is '${gml}', want 419430400"
fi
results=()
for i in $(seq 1 "${GOMEMLIMIT_REQUESTS}"); do
  before="$(pod_field "${POD}" '{.status.containerStatuses[0].restartCount}')"
  sampler_start
  read -r code secs <<<"$(bulk)"
  sleep 0.5
  read -r peak kills <<<"$(sampler_stop)"
  # A failed request is a kill (or a timeout): give the kubelet time to see the restart.
  [[ "${code}" == 200 ]] || wait_restarts "${POD}" $((before + 1)) || true
  restarts="$(pod_field "${POD}" '{.status.containerStatuses[0].restartCount}')"
  reason="$(pod_field "${POD}" '{.status.containerStatuses[0].lastState.terminated.reason}')"
  results+=("#${i}:HTTP=${code},${secs}s,restarts=${restarts}${reason:+,last=${reason}}")
  log "gomemlimit: request ${i}: HTTP ${code} after ${secs} s, restartCount ${restarts}${reason:+ (last: ${reason})}," \
    "container max_usage ${peak}; oom_kill: container ${kills}, pod slice $(pod_ooms)"
  if [[ "${restarts}" != "${before}" ]]; then  # restarted: the new container has a new cgroup
    wait_healthz || true
    MEMCG="$(host_memcg "${POD}")"
  fi
done
log "gomemlimit: RESULT ${results[*]} (limit 419430400)"
k -n "${NS}" logs "${POD}" 2>/dev/null | grep -E '^gc [0-9]+ ' | tail -n 2 | sed 's/^/[smoke-cluster]   gctrace: /' >&2 || true

if (( fails > 0 )); then
  log "${fails} check(s) failed"
  k -n "${NS}" get pods -o wide >&2 || true
  exit 1
fi
log "all checks passed (cluster create ${CREATE_S} s)"
