# shellcheck shell=bash
# Sourced by the node-image scripts: logging and the settings they must agree on.
# Set LOG_TAG before sourcing to change the progress prefix (default node-image).

log() { printf '[%s] %s\n' "${LOG_TAG:-node-image}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
pass() { log "PASS $*"; }
fail() { log "FAIL $*"; fails=$((fails + 1)); }

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${SCRIPT_DIR}/../.." && pwd)"
# shellcheck disable=SC2034 # used by the scripts that source this file
CACHE_ROOT="${GOMEMLIMIT_LAB_CACHE:-${REPO_ROOT}/.cache}"
# Kubernetes 1.34 is the last minor whose kubelet runs on cgroup v1 hosts by default (failCgroupV1 from 1.35).
K8S_VERSION="${K8S_VERSION:-v1.34.4}"
# Keep in step with NODE_IMAGE in lab/stages/node-image.ts.
# shellcheck disable=SC2034
NODE_IMAGE="${NODE_IMAGE:-gomemlimit-lab/kind-node:${K8S_VERSION}-r2}"
