#!/usr/bin/env bash
# Idempotent: make sure a Docker engine (>= 23, so kind's --privileged nodes work) is running.
# Real users with Docker already running are left alone.
set -euo pipefail

log() { echo "[setup-docker] $*" >&2; }

engine_up() { docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

if engine_up; then
  log "Docker engine $(docker info --format '{{.ServerVersion}}') is running; nothing to do."
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  echo "setup-docker: no Docker engine is running and this script needs root to install one; start Docker and retry" >&2
  exit 2
fi

if ! command -v dockerd >/dev/null 2>&1; then
  # Bookworm's docker.io (20.10) cannot start --privileged containers on VMs lacking CAP_SYS_RESOURCE;
  # trixie's 26.x can and installs beside bookworm's containerd/runc. Trixie is pinned low so only docker.io comes from it.
  if grep -qs 'VERSION_CODENAME=bookworm' /etc/os-release; then
    if [ ! -f /etc/apt/sources.list.d/gomemlimit-lab-trixie.sources ]; then
      log "adding Debian trixie (pin 100) for docker.io"
      cat >/etc/apt/sources.list.d/gomemlimit-lab-trixie.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
      cat >/etc/apt/preferences.d/gomemlimit-lab-trixie <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
    fi
    log "apt-get update"
    apt-get update -qq
    log "installing docker.io from trixie"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t trixie docker.io >/dev/null
  else
    log "apt-get update"
    apt-get update -qq
    log "installing docker.io"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
fi

log "starting dockerd"
mkdir -p /var/log
if command -v systemctl >/dev/null 2>&1 && systemctl is-system-running >/dev/null 2>&1; then
  systemctl start docker
else
  # Its own session: a Ctrl-C meant for the lab that started it must not stop the engine.
  setsid -f dockerd >/var/log/gomemlimit-lab-dockerd.log 2>&1 </dev/null
fi
for _ in $(seq 1 60); do
  if engine_up; then
    log "Docker engine $(docker info --format '{{.ServerVersion}}') is up"
    exit 0
  fi
  sleep 1
done
echo "setup-docker: dockerd did not come up within 60 s; see /var/log/gomemlimit-lab-dockerd.log" >&2
exit 1
