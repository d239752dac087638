#!/usr/bin/env bash
# The lab in a container image, as a CI job would run it: the repository (as git sees it), its
# node_modules and pinned tools (.cache/bin), the host's Node, npm, Go and docker CLI, on the
# debootstrap bookworm rootfs of the node base image (scripts/node-image/build-base.sh). No registry.
#
#   sudo bash scripts/lab-container/build.sh      # prints the image name on stdout
#
# The tag is a hash of every input, so an unchanged tree re-uses the image in the local store.
# Environment: LAB_IMAGE_REPOSITORY (default gomemlimit-lab/lab), FORCE=1 (rebuild).
set -euo pipefail
LOG_TAG=lab-container
source "$(dirname "${BASH_SOURCE[0]}")/../node-image/lib.sh"
HERE="${REPO_ROOT}/scripts/lab-container"
REPOSITORY="${LAB_IMAGE_REPOSITORY:-gomemlimit-lab/lab}"
BASE_IMAGE="${NODE_BASE_IMAGE}"
sha() { sha256sum | cut -c1-16; }

command -v docker >/dev/null || die "docker not found"
docker info --format '{{.ServerVersion}}' >/dev/null 2>&1 || die "no Docker engine is running"
NODE_BIN="$(command -v node)" || die "node not found"
NPM_DIR="$(readlink -f "$(dirname "$(readlink -f "$(command -v npm)")")/..")"
GOROOT_HOST="$(go env GOROOT 2>/dev/null)" || die "go not found"
DOCKER_CLI="$(command -v docker)"
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
[ -f "${CA_BUNDLE}" ] || die "no CA bundle at ${CA_BUNDLE} (apt-get install ca-certificates)"
[ -d "${REPO_ROOT}/node_modules" ] || die "no node_modules: run npm ci first"

if ! docker image inspect "${BASE_IMAGE}" >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || die "the base image ${BASE_IMAGE} is missing and build-base.sh needs root"
  log "building the base image ${BASE_IMAGE} (debootstrap, a few minutes)"
  bash "${REPO_ROOT}/scripts/node-image/build-base.sh" >/dev/null
fi
# The pinned Go tools on the host, so that the container never compiles them.
(cd "${REPO_ROOT}" && node_modules/.bin/tsx scripts/cgroup-v2-host/prebuild-tools.ts >/dev/null) \
  || die "could not build the lab's Go tools into .cache/bin"

files() { (cd "${REPO_ROOT}" && git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done); }
KEY="$(
  {
    docker image inspect -f '{{.Id}}' "${BASE_IMAGE}"
    sha256sum "${NODE_BIN}" "${DOCKER_CLI}" "${CA_BUNDLE}" "${HERE}/Dockerfile"
    "${NODE_BIN}" -p "require('${NPM_DIR}/package.json').version"
    go env GOVERSION
    (cd "${REPO_ROOT}" && files | xargs -0 sha256sum && sha256sum package-lock.json && ls .cache/bin)
  } | sha
)"
IMAGE="${REPOSITORY}:${KEY}"
if [[ "${FORCE:-0}" != 1 ]] && docker image inspect "${IMAGE}" >/dev/null 2>&1; then
  log "${IMAGE} already exists"
  echo "${IMAGE}"
  exit 0
fi

t0=$SECONDS
CONTEXT="$(mktemp -d "${TMPDIR:-/tmp}/lab-container.XXXXXX")"
trap 'rm -rf "${CONTEXT}"' EXIT
mkdir -p "${CONTEXT}/toolchain/bin" "${CONTEXT}/toolchain/lib/node_modules" "${CONTEXT}/repo/.cache"
cp "${HERE}/Dockerfile" "${CONTEXT}/"
cp "${CA_BUNDLE}" "${CONTEXT}/ca-certificates.crt"
install -m 0755 "${NODE_BIN}" "${CONTEXT}/toolchain/bin/node"
install -m 0755 "${DOCKER_CLI}" "${CONTEXT}/toolchain/bin/docker"
cp -a "${NPM_DIR}" "${CONTEXT}/toolchain/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "${CONTEXT}/toolchain/bin/npm"
cp -a "${GOROOT_HOST}" "${CONTEXT}/toolchain/go"
(cd "${REPO_ROOT}" && files | tar --null -T - -cf -) | tar -xf - -C "${CONTEXT}/repo"
cp -a "${REPO_ROOT}/node_modules" "${CONTEXT}/repo/node_modules"
cp -a "${REPO_ROOT}/.cache/bin" "${CONTEXT}/repo/.cache/bin"
rm -rf "${CONTEXT}"/repo/.cache/bin/.install-*
log "building ${IMAGE} from ${BASE_IMAGE} ($(du -sh "${CONTEXT}" | cut -f1) of context)"
docker build -q --build-arg "BASE=${BASE_IMAGE}" --label "gomemlimit-lab.lab-image.key=${KEY}" -t "${IMAGE}" "${CONTEXT}" >/dev/null \
  || die "docker build failed"
# Older lab images are replaced, not kept.
docker images --format '{{.Repository}}:{{.Tag}}' "${REPOSITORY}" | grep -vxF "${IMAGE}" | xargs -r docker rmi >/dev/null 2>&1 || true
log "built ${IMAGE} in $((SECONDS - t0))s"
echo "${IMAGE}"
