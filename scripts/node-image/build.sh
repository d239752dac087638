#!/usr/bin/env bash
# Build the lab's air-gapped kind node image: the node base image (build-base.sh) plus the
# Kubernetes binaries (build-k8s.sh), a bridge CNI config, and every image kubeadm needs
# preloaded into containerd. Nothing is pulled from a container registry, ever.
#
#   bash scripts/node-image/build.sh          # prints the image name on stdout
#
# Steps (each logs "[node-image] ..." with its time on stderr):
#   1. k8s       build-k8s.sh: kubeadm, kubelet, kubectl, control plane, kube-proxy, etcd (cached)
#   2. base      build-base.sh: debootstrap rootfs + node contract (cached; needs root)
#   3. images    one `docker build` per image that `kubeadm config images list` names, tagged exactly
#                as listed (registry.k8s.io/...), from generated Dockerfiles (FROM scratch, or FROM
#                the base image for kube-proxy, which needs iptables), then `docker save` to a tarball.
#                pause is our own static Go program (pause/). CoreDNS is skipped: kind-config.yaml
#                skips kubeadm's addon/coredns phase. Tarballs are cached by content key.
#   4. assemble  a build container from the base image (no systemd, just containerd): the binaries in
#                /usr/bin, /kind/version, the CNI conflist, `ctr -n k8s.io images import` of each
#                tarball; stop containerd; `docker commit` with the base image's ENTRYPOINT, CMD,
#                STOPSIGNAL and ENV into NODE_IMAGE; remove the build container.
#
# Environment:
#   NODE_IMAGE            default gomemlimit-lab/kind-node:<K8S_VERSION>-r<nodeImageRecipe> (lab/pins.json;
#                         exit 0 at once when it exists)
#   K8S_VERSION           default lab/pins.json's kubernetes
#   NODE_BASE_IMAGE       default gomemlimit-lab/node-base:bookworm-v1-<K8S_VERSION> (passed to build-base.sh)
#   GOMEMLIMIT_LAB_CACHE  cache root (default <repo>/.cache)
#   FORCE=1               rebuild NODE_IMAGE even if it exists (the k8s/base/image caches still apply;
#                         FORCE is not passed on to build-k8s.sh and build-base.sh)
#
# Cache: ${GOMEMLIMIT_LAB_CACHE}/node-image/kind-node/<K8S_VERSION>/
#   images/<name>/{Dockerfile,<binary>}  build contexts;  images/<name>.tar + .key  saved images
#   overlay/                             files copied into the node (usr/bin, kind, etc/cni/net.d)
#
# Needs a running Docker engine, Go, and root for build-base.sh (the rootfs is built with debootstrap).
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Bump when this recipe changes; it is part of every image key and of the node image's label.
RECIPE_REV=3


BASE_IMAGE="${NODE_BASE_IMAGE}"
export K8S_VERSION NODE_BASE_IMAGE="${BASE_IMAGE}" GOMEMLIMIT_LAB_CACHE="${CACHE_ROOT}"

# The pod network kind configures by default (networking.podSubnet); the bridge CNI hands out
# addresses from it. One node only: there is no route to other nodes' pods.
POD_SUBNET="${POD_SUBNET:-10.244.0.0/16}"
CNI_CONFLIST=10-gomemlimit-lab-bridge.conflist
BUILD_CONTAINER=gomemlimit-lab-node-build

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }
sha() { sha256sum | cut -c1-16; }

command -v docker >/dev/null || die "docker not found"
docker info --format '{{.ServerVersion}}' >/dev/null 2>&1 || die "no Docker engine is running"

if [[ "${FORCE:-0}" != 1 ]] && docker image inspect "${NODE_IMAGE}" >/dev/null 2>&1; then
  log "${NODE_IMAGE} already exists; nothing to do"
  echo "${NODE_IMAGE}"
  exit 0
fi

command -v go >/dev/null || die "go not found on PATH (needed for the pause image)"
T_START=$(now)
TIMINGS=()
step_done() { TIMINGS+=("$1=$(elapsed "$2")"); log "step $1 done in $(elapsed "$2")"; }

WORK="${CACHE_ROOT}/node-image/kind-node/${K8S_VERSION}"
mkdir -p "${WORK}/images"
exec 8>"${WORK}/.lock"
if ! flock -n 8; then
  log "another build.sh for ${K8S_VERSION} is running; waiting for it"
  flock -w 3600 8 || die "timed out waiting for ${WORK}/.lock"
  if [[ "${FORCE:-0}" != 1 ]] && docker image inspect "${NODE_IMAGE}" >/dev/null 2>&1; then
    log "${NODE_IMAGE} was built meanwhile"; echo "${NODE_IMAGE}"; exit 0
  fi
fi

cleanup() {
  local rc=$?
  if docker container inspect "${BUILD_CONTAINER}" >/dev/null 2>&1; then
    docker rm -f -v "${BUILD_CONTAINER}" >/dev/null 2>&1 || true
  fi
  (( rc == 0 )) || log "build failed (exit ${rc}) after $(elapsed "${T_START}")"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building ${NODE_IMAGE} (Kubernetes ${K8S_VERSION}, base ${BASE_IMAGE}, recipe ${RECIPE_REV})"

# ------------------------------------------------------------------ 1. Kubernetes binaries
t=$(now)
# FORCE is this script's own: the sub-builds keep their caches (run them with FORCE=1 to rebuild those).
BIN="$(env -u FORCE bash "${SCRIPT_DIR}/build-k8s.sh" | tail -n1)"
IMAGES_TXT="${CACHE_ROOT}/k8s/${K8S_VERSION}/images.txt"
[[ -x "${BIN}/kubeadm" && -s "${IMAGES_TXT}" ]] || die "build-k8s.sh left no ${BIN}/kubeadm or ${IMAGES_TXT}"
step_done k8s "$t"

# ------------------------------------------------------------------ 2. node base image
t=$(now)
if [[ "$(id -u)" == 0 ]]; then
  env -u FORCE bash "${SCRIPT_DIR}/build-base.sh" >/dev/null
elif command -v sudo >/dev/null; then
  log "build-base.sh needs root: running it with sudo"
  sudo --preserve-env=K8S_VERSION,NODE_BASE_IMAGE,GOMEMLIMIT_LAB_CACHE env -u FORCE bash "${SCRIPT_DIR}/build-base.sh" >/dev/null
else
  die "build-base.sh needs root (debootstrap); run this script as root"
fi
BASE_ID="$(docker image inspect -f '{{.Id}}' "${BASE_IMAGE}")" || die "no ${BASE_IMAGE} after build-base.sh"
step_done base "$t"

# ------------------------------------------------------------------ 3. images for containerd
t=$(now)
# Dockerfile for each image name (the last path element of the repository in images.txt).
dockerfile_for() {  # dockerfile_for <name>
  local name="$1"
  echo "# Generated by scripts/node-image/build.sh (recipe ${RECIPE_REV}); do not edit."
  case "${name}" in
    kube-apiserver|kube-controller-manager|kube-scheduler|etcd)
      # kubeadm's static pods run `command: [<name>, ...]`: the binary must be on PATH.
      echo "FROM scratch"
      echo "COPY ${name} /usr/local/bin/${name}"
      echo "ENV PATH=/usr/local/bin"
      echo "ENTRYPOINT [\"/usr/local/bin/${name}\"]" ;;
    kube-proxy)
      # kube-proxy execs iptables, iptables-save/-restore (nft, as on the node) and conntrack.
      echo "FROM ${BASE_IMAGE}"
      echo "COPY kube-proxy /usr/local/bin/kube-proxy"
      echo "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
      echo "ENTRYPOINT [\"/usr/local/bin/kube-proxy\"]"
      echo "STOPSIGNAL SIGTERM" ;;
    pause)
      echo "FROM scratch"
      echo "COPY pause /pause"
      echo "USER 65535:65535"
      echo "ENTRYPOINT [\"/pause\"]" ;;
    *) return 1 ;;
  esac
  # The base image's labels would otherwise be inherited by kube-proxy; name every image's origin.
  echo "LABEL gomemlimit-lab.node-image.component=${name} gomemlimit-lab.node-image.recipe=${RECIPE_REV}"
}

PAUSE_SRC="${SCRIPT_DIR}/pause"
IMAGE_REFS=()
TARBALLS=()
while read -r ref; do
  [[ -n "${ref}" ]] || continue
  [[ "${ref}" =~ ^([a-z0-9.-]+(:[0-9]+)?/)?([a-z0-9._/-]+):([A-Za-z0-9._-]+)$ ]] || die "unexpected image reference '${ref}' in ${IMAGES_TXT}"
  repo="${ref%:*}"; tag="${ref##*:}"; name="${repo##*/}"
  if [[ "${name}" == coredns ]]; then
    log "skipping ${ref}: kind-config.yaml skips kubeadm's addon/coredns phase (the lab needs no cluster DNS)"
    continue
  fi
  ctx="${WORK}/images/${name}"
  rm -rf "${ctx}"; mkdir -p "${ctx}"
  dockerfile_for "${name}" > "${ctx}/Dockerfile" || die "no recipe for image ${ref}"
  case "${name}" in
    pause)
      (cd "${PAUSE_SRC}" && CGO_ENABLED=0 GOWORK=off GOFLAGS=-buildvcs=false go build -trimpath \
          -ldflags "-s -w -X main.version=${tag}" -o "${ctx}/pause" .) || die "go build of ${PAUSE_SRC} failed"
      ;;
    *)
      [[ -x "${BIN}/${name}" ]] || die "no binary ${BIN}/${name} for ${ref}"
      ln -f "${BIN}/${name}" "${ctx}/${name}" 2>/dev/null || cp "${BIN}/${name}" "${ctx}/${name}"
      ;;
  esac
  key="$( { echo "recipe=${RECIPE_REV} ref=${ref}"; [[ "${name}" == kube-proxy ]] && echo "base=${BASE_ID}";
            cd "${ctx}" && sha256sum Dockerfile "${name}"; } | sha)"
  tarball="${WORK}/images/${name}.tar"
  if [[ -s "${tarball}" && -f "${tarball}.key" && "$(cat "${tarball}.key")" == "${key}" ]]; then
    log "image ${ref}: cached $(basename "${tarball}") (key ${key})"
  else
    ti=$(now)
    rm -f "${tarball}" "${tarball}.key"
    old_ref_id="$(docker image inspect -f '{{.Id}}' "${ref}" 2>/dev/null || true)"
    # --pull=false and no RUN steps: nothing can reach a registry (FROM scratch or a local image).
    DOCKER_BUILDKIT=1 docker build --quiet --pull=false --network=none -t "${ref}" "${ctx}" >/dev/null \
      || die "docker build of ${ref} failed"
    docker save -o "${tarball}.tmp" "${ref}" || die "docker save ${ref} failed"
    mv "${tarball}.tmp" "${tarball}"
    if [[ -n "${old_ref_id}" && "${old_ref_id}" != "$(docker image inspect -f '{{.Id}}' "${ref}")" ]]; then
      docker image rm "${old_ref_id}" >/dev/null 2>&1 || true   # the previous build of this tag, now untagged
    fi
    echo "${key}" > "${tarball}.key"
    log "image ${ref}: built and saved in $(elapsed "${ti}") ($(du -m "${tarball}" | cut -f1) MiB)"
  fi
  IMAGE_REFS+=("${ref}")
  TARBALLS+=("${tarball}")
done < "${IMAGES_TXT}"
SANDBOX_REF=""
for ref in "${IMAGE_REFS[@]}"; do [[ "${ref}" == */pause:* ]] && { SANDBOX_REF="${ref}"; break; }; done
[[ -n "${SANDBOX_REF}" ]] || die "images.txt names no pause image"
step_done images "$t"

# ------------------------------------------------------------------ 4. assemble the node
t=$(now)
OVERLAY="${WORK}/overlay"
rm -rf "${OVERLAY}"
mkdir -p "${OVERLAY}/usr/bin" "${OVERLAY}/kind" "${OVERLAY}/etc/cni/net.d"
for b in kubeadm kubelet kubectl; do
  chmod 0755 "${BIN}/${b}"
  ln -f "${BIN}/${b}" "${OVERLAY}/usr/bin/${b}" 2>/dev/null || install -m 0755 "${BIN}/${b}" "${OVERLAY}/usr/bin/${b}"
done
echo "${K8S_VERSION}" > "${OVERLAY}/kind/version"
printf '%s\n' "${IMAGE_REFS[@]}" > "${OVERLAY}/kind/images.txt"
# The pod network: one Linux bridge (cni0) with host-local IPAM over kind's pod subnet, masquerade
# for traffic leaving the node, and portmap for hostPort. containerd adds the loopback interface
# itself (the loopback plugin in /usr/lib/cni). IPAM state on /run: pods never outlive a node restart.
cat > "${OVERLAY}/etc/cni/net.d/${CNI_CONFLIST}" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "gomemlimit-lab",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "/run/cni-ipam-state",
        "ranges": [[{ "subnet": "${POD_SUBNET}" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    },
    { "type": "portmap", "capabilities": { "portMappings": true } }
  ]
}
JSON
{
  echo "image: ${NODE_IMAGE}"
  echo "recipe: ${RECIPE_REV}"
  echo "kubernetes: ${K8S_VERSION}"
  echo "base: ${BASE_IMAGE} ${BASE_ID}"
  echo "cni: /etc/cni/net.d/${CNI_CONFLIST} (bridge cni0, host-local ${POD_SUBNET}, portmap)"
  echo "images: $(printf '%s ' "${IMAGE_REFS[@]}")"
} > "${OVERLAY}/kind/node-image.txt"

# The base image's config, restored on the commit (the build container overrides the entrypoint).
cfg() { docker image inspect -f "$1" "${BASE_IMAGE}"; }
ENTRYPOINT_JSON="$(cfg '{{json .Config.Entrypoint}}')"
CMD_JSON="$(cfg '{{json .Config.Cmd}}')"
STOPSIGNAL="$(cfg '{{.Config.StopSignal}}')"
mapfile -t BASE_ENV < <(cfg '{{range .Config.Env}}{{println .}}{{end}}' | sed '/^$/d')
[[ "${ENTRYPOINT_JSON}" != null ]] || die "${BASE_IMAGE} has no ENTRYPOINT"

# A build container removed by name (not by label: `docker commit` would copy a label into the node
# image, and from there onto every kind node container).
docker rm -f -v "${BUILD_CONTAINER}" >/dev/null 2>&1 || true
# No systemd, no kubelet: only containerd runs. No volume on /var, so /var/lib/containerd is committed;
# /run and /tmp are tmpfs, so nothing there is.
docker run -d --name "${BUILD_CONTAINER}" --privileged --network none --tmpfs /run --tmpfs /tmp \
  --entrypoint /bin/sleep "${BASE_IMAGE}" infinity >/dev/null || die "could not start the build container"
tar --owner=0 --group=0 --numeric-owner -C "${OVERLAY}" -cf - usr kind etc \
  | docker cp - "${BUILD_CONTAINER}:/" || die "docker cp into the build container failed"
docker exec "${BUILD_CONTAINER}" sh -c 'chmod 0644 /etc/cni/net.d/* /kind/version /kind/images.txt /kind/node-image.txt'

# containerd in the background, with the node's own config.
docker exec -d "${BUILD_CONTAINER}" sh -c 'echo $$ > /run/containerd-build.pid; exec containerd >/tmp/containerd.log 2>&1'
for _ in $(seq 1 100); do
  docker exec "${BUILD_CONTAINER}" ctr version >/dev/null 2>&1 && break
  sleep 0.1
done
docker exec "${BUILD_CONTAINER}" ctr version >/dev/null 2>&1 \
  || { docker exec "${BUILD_CONTAINER}" tail -n 20 /tmp/containerd.log >&2 || true; die "containerd did not start in the build container"; }
DUMP="$(docker exec "${BUILD_CONTAINER}" containerd config dump)" || die "containerd config dump failed"
SNAPSHOTTER="$(awk -F'"' '$1 ~ /^[[:space:]]*snapshotter = $/ { print $2; exit }' <<<"${DUMP}")"
SANDBOX_CFG="$(awk -F'"' '$1 ~ /^[[:space:]]*sandbox_image = $/ { print $2; exit }' <<<"${DUMP}")"
[[ "${SANDBOX_CFG}" == "${SANDBOX_REF}" ]] || die "containerd's sandbox_image is '${SANDBOX_CFG}', kubeadm wants '${SANDBOX_REF}' (rebuild the base)"
log "containerd $(docker exec "${BUILD_CONTAINER}" containerd --version | awk '{print $3}') up in the build container (CRI snapshotter ${SNAPSHOTTER}, sandbox_image ${SANDBOX_CFG})"

# --no-unpack: only the content (layer blobs, manifests, configs) goes into the image. The CRI plugin
# unpacks an image into its snapshotter (${SNAPSHOTTER}) the first time a container uses it, on the
# node's /var volume. Unpacking here would write the snapshots onto Docker's overlay2 (overlay in
# overlay) and store every layer twice in the node image.
for i in "${!TARBALLS[@]}"; do
  ti=$(now)
  docker exec -i "${BUILD_CONTAINER}" ctr --namespace=k8s.io images import --all-platforms --no-unpack - \
    < "${TARBALLS[$i]}" >/dev/null || die "ctr import of ${TARBALLS[$i]} failed"
  log "imported ${IMAGE_REFS[$i]} in $(elapsed "${ti}")"
done
have="$(docker exec "${BUILD_CONTAINER}" ctr --namespace=k8s.io images ls -q)"
for ref in "${IMAGE_REFS[@]}"; do
  grep -qxF "${ref}" <<<"${have}" || die "${ref} is not in containerd's k8s.io namespace after the import"
  check="$(docker exec "${BUILD_CONTAINER}" ctr --namespace=k8s.io images check "name==${ref}" 2>&1)" || true
  [[ "${check}" == *complete* ]] || die "${ref}: content incomplete in containerd: ${check}"
done

# Stop containerd cleanly (SIGTERM, wait for it to go), then reset the node identity.
docker exec "${BUILD_CONTAINER}" sh -c '
  pid=$(cat /run/containerd-build.pid); kill -TERM "$pid"
  for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
  echo "containerd did not stop" >&2; exit 1' || die "could not stop containerd"
docker exec "${BUILD_CONTAINER}" sh -c ': > /etc/machine-id; rm -f /etc/product_uuid; rm -rf /var/lib/containerd/tmpmounts/* /var/log/*.log'
docker kill "${BUILD_CONTAINER}" >/dev/null

changes=(--change "ENTRYPOINT ${ENTRYPOINT_JSON}" --change "STOPSIGNAL ${STOPSIGNAL}")
if [[ "${CMD_JSON}" != null ]]; then changes+=(--change "CMD ${CMD_JSON}"); else changes+=(--change 'CMD []'); fi
for e in "${BASE_ENV[@]}"; do changes+=(--change "ENV ${e%%=*}=${e#*=}"); done
changes+=(--change "LABEL gomemlimit-lab.kind-node.k8s=${K8S_VERSION} gomemlimit-lab.kind-node.recipe=${RECIPE_REV}")
old_id="$(docker image inspect -f '{{.Id}}' "${NODE_IMAGE}" 2>/dev/null || true)"
docker commit "${changes[@]}" \
  --message "gomemlimit-lab kind node ${K8S_VERSION} (recipe ${RECIPE_REV}): ${IMAGE_REFS[*]}" \
  "${BUILD_CONTAINER}" "${NODE_IMAGE}" >/dev/null || die "docker commit failed"
docker rm -f -v "${BUILD_CONTAINER}" >/dev/null
if [[ -n "${old_id}" && "${old_id}" != "$(docker image inspect -f '{{.Id}}' "${NODE_IMAGE}")" ]]; then
  docker image rm "${old_id}" >/dev/null 2>&1 || log "old ${NODE_IMAGE} (${old_id}) still in use; left in place"
fi

# The committed config must be the base's (kind runs the image with no command of its own).
got_ep="$(docker image inspect -f '{{json .Config.Entrypoint}}' "${NODE_IMAGE}")"
got_cmd="$(docker image inspect -f '{{json .Config.Cmd}}' "${NODE_IMAGE}")"
got_sig="$(docker image inspect -f '{{.Config.StopSignal}}' "${NODE_IMAGE}")"
got_env="$(docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "${NODE_IMAGE}")"
[[ "${got_ep}" == "${ENTRYPOINT_JSON}" ]] || die "committed ENTRYPOINT ${got_ep}, want ${ENTRYPOINT_JSON}"
[[ "${got_cmd}" == "${CMD_JSON}" || ( "${CMD_JSON}" == null && "${got_cmd}" == "[]" ) ]] || die "committed CMD ${got_cmd}, want ${CMD_JSON}"
[[ "${got_sig}" == "${STOPSIGNAL}" ]] || die "committed STOPSIGNAL ${got_sig}, want ${STOPSIGNAL}"
for e in "${BASE_ENV[@]}"; do grep -qxF "${e}" <<<"${got_env}" || die "committed image lacks ENV ${e}"; done
step_done assemble "$t"

size="$(docker image inspect -f '{{.Size}}' "${NODE_IMAGE}")"
log "${NODE_IMAGE}: $(awk -v s="${size}" 'BEGIN { printf "%.0f MB", s / 1e6 }'), entrypoint ${got_ep}, cmd ${got_cmd}, stopsignal ${got_sig}, env $(tr '\n' ' ' <<<"${got_env}")"
log "timings: ${TIMINGS[*]} total=$(elapsed "${T_START}")"
echo "${NODE_IMAGE}"
