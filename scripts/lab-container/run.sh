#!/usr/bin/env bash
# Runs the lab inside its container image (build.sh) as a CI job would: the engine's socket mounted,
# the container's own pid namespace and /proc, the host's network (the load stays on 127.0.0.1).
#
#   sudo bash scripts/lab-container/run.sh OUT -- LAB-ARGS...
#
# OUT gets the run folder (results.json, report.md, logs/). The exit status is the lab's; 2 on bad usage.
# The Go caches live in the volumes gomemlimit-lab-gocache and gomemlimit-lab-gomodcache, as a CI job caches them.
set -euo pipefail
LOG_TAG=lab-container
source "$(dirname "${BASH_SOURCE[0]}")/../node-image/lib.sh"

usage() { sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
if [[ "${1:-}" == -h || "${1:-}" == --help ]]; then usage; exit 0; fi
[[ $# -ge 2 && "$2" == -- ]] || { usage >&2; exit 2; }
OUT="$1"; shift 2
for arg in "$@"; do [[ "${arg}" == --out || "${arg}" == --out=* ]] && { log "ERROR: run.sh sets --out itself"; exit 2; }; done
if [[ -e "${OUT}" && -n "$(ls -A "${OUT}" 2>/dev/null)" ]]; then log "ERROR: ${OUT} is not empty"; exit 2; fi
mkdir -p "${OUT}"
OUT="$(cd "${OUT}" && pwd)"

SOCKET="/var/run/docker.sock"
[[ "${DOCKER_HOST:-}" == unix://* ]] && SOCKET="${DOCKER_HOST#unix://}"
[ -S "${SOCKET}" ] || die "no Docker socket at ${SOCKET}"
IMAGE="$(bash "${REPO_ROOT}/scripts/lab-container/build.sh")"

NAME="gomemlimit-lab-in-container-$$"
trap 'docker rm -f "${NAME}" >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM
log "running the lab in ${IMAGE} (socket ${SOCKET}, own pid namespace)"
set +e
docker run --rm --init --name "${NAME}" --network host \
  -v "${SOCKET}:/var/run/docker.sock" -v "${OUT}:/out" -v gomemlimit-lab-gocache:/root/.cache/go-build -v gomemlimit-lab-gomodcache:/root/go/pkg/mod \
  "${IMAGE}" node --import tsx lab/cli.ts "$@" --out /out/run
status=$?
set -e
exit "${status}"
