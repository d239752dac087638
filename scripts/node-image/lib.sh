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
# The versions the lab pins (lab/pins.json, read by lab/pins.ts too): Kubernetes, the recipe revision, kind.
pin() { node -p "require(process.argv[1]).$1" "${REPO_ROOT}/lab/pins.json"; }
K8S_VERSION="${K8S_VERSION:-$(pin kubernetes)}"
# shellcheck disable=SC2034 # used by the scripts that source this file
KIND_VERSION="${KIND_VERSION:-$(pin kind)}"
# shellcheck disable=SC2034
NODE_IMAGE="${NODE_IMAGE:-gomemlimit-lab/kind-node:${K8S_VERSION}-r$(pin nodeImageRecipe)}"
# The base names the Kubernetes version (/kind/version, containerd's pause tag): one tag per version, so
# building two versions on one machine doesn't re-import a shared tag each time.
# shellcheck disable=SC2034
NODE_BASE_IMAGE="${NODE_BASE_IMAGE:-gomemlimit-lab/node-base:bookworm-v1-${K8S_VERSION}}"
