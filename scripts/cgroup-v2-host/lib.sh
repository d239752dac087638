# shellcheck shell=bash
# Sourced by the cgroup-v2-host scripts: logging, paths and the settings they must agree on.

CGV2_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "${CGV2_DIR}/../.." && pwd)"
CACHE_ROOT="${GOMEMLIMIT_LAB_CACHE:-${REPO_ROOT}/.cache}"
CGV2_CACHE="${CACHE_ROOT}/cgroup-v2-host"
LOG_TAG="${LOG_TAG:-cgroup-v2-host}"

# The script's start, for the elapsed seconds on every status line.
: "${CGV2_T0:=$(date +%s.%N)}"
export CGV2_T0

now() { date +%s.%N; }
# Seconds since $1 (one decimal).
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
log() { printf '[%s] %7ss %s\n' "${LOG_TAG}" "$(since "${CGV2_T0}")" "$*" >&2; }
die() { printf '[%s] %7ss ERROR: %s\n' "${LOG_TAG}" "$(since "${CGV2_T0}")" "$*" >&2; exit "${DIE_STATUS:-1}"; }
# First 16 hex digits of the sha256 of stdin.
sha() { sha256sum | cut -c1-16; }

need_root() { [ "$(id -u)" = 0 ] || die "$1 needs root; run with sudo"; }

# Debian trixie, pinned at 100 so nothing on the host is upgraded from it unasked (as scripts/setup-docker.sh adds it).
TRIXIE_SOURCES=/etc/apt/sources.list.d/gomemlimit-lab-trixie.sources
TRIXIE_PIN=/etc/apt/preferences.d/gomemlimit-lab-trixie
DEBIAN_MIRROR="${CGV2_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
DEBIAN_KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

ensure_trixie_source() {
  local codename
  codename="$(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-}")"
  if [ ! -f "${TRIXIE_SOURCES}" ] && ! grep -rqs 'trixie' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    log "adding Debian trixie to apt (pin 100, host codename ${codename:-unknown})"
    cat >"${TRIXIE_SOURCES}" <<SRC
Types: deb
URIs: ${DEBIAN_MIRROR}
Suites: trixie
Components: main
Signed-By: ${DEBIAN_KEYRING}
SRC
    cat >"${TRIXIE_PIN}" <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
    CGV2_APT_UPDATED=0
  fi
  # Lists without trixie (never updated since the source was added): update once.
  if [ "${CGV2_APT_UPDATED:-}" != 1 ] && ! apt-cache policy 2>/dev/null | grep -q 'n=trixie'; then
    apt_update
  fi
}

apt_update() {
  local t; t=$(now)
  log "apt-get update"
  apt-get -o DPkg::Lock::Timeout=600 update -qq || die "apt-get update failed"
  CGV2_APT_UPDATED=1
  log "apt-get update done in $(since "$t")s"
}

# Install a host tool (only small build tools: debootstrap, e2fsprogs) when missing.
ensure_host_tool() { # command package
  command -v "$1" >/dev/null 2>&1 && return 0
  need_root "installing $2"
  local t; t=$(now)
  log "installing $2 on the host with apt-get (for $1)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$2" >/dev/null 2>&1; then
    apt_update
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq "$2" >/dev/null || die "could not install $2"
  fi
  log "$2 installed in $(since "$t")s"
}
