#!/usr/bin/env bash
# Build the kind node BASE image with no container registry: a Debian rootfs made by
# debootstrap from the Debian mirror, plus the node contract files (scripts/node-image/base/),
# imported into Docker as one layer.
#
#   sudo bash scripts/node-image/build-base.sh        # prints the image name on stdout
#
# Output:
#   ${GOMEMLIMIT_LAB_CACHE:-<repo>/.cache}/node-image/
#     rootfs/        the debootstrapped tree (cached; the contract files are rewritten each run)
#     rootfs.stamp   build key of rootfs/ (suite + mirror + packages + recipe); a match means "cached"
#     packages.txt   dpkg manifest of rootfs/ (package<TAB>version), also /kind/base-packages.txt
#     debootstrap.log
#   Docker image ${NODE_BASE_IMAGE} (default gomemlimit-lab/node-base:bookworm-v1-<K8S_VERSION>), labelled
#   gomemlimit-lab.node-base.key=<hash of rootfs key + contract files>; an image with the same
#   key is kept as is, a different key rebuilds it.
#
# This is only the base: it has containerd, runc, systemd, the CNI plugins and the kubelet unit,
# but no Kubernetes binaries and no images. /kind/version is a placeholder.
#
# Environment:
#   GOMEMLIMIT_LAB_CACHE  cache root (default <repo>/.cache, git-ignored)
#   K8S_VERSION           default lab/pins.json's kubernetes: /kind/version, and where images.txt is read from
#   NODE_DEBIAN_SUITE     default bookworm (a codename, never "stable", so it does not move)
#   NODE_DEBIAN_MIRROR    default http://deb.debian.org/debian
#   NODE_BASE_IMAGE       default gomemlimit-lab/node-base:bookworm-v1-<K8S_VERSION>
#   SANDBOX_IMAGE         default: the pause tag in .cache/k8s/<K8S_VERSION>/images.txt, else
#                         registry.k8s.io/pause:3.10.1
#   FORCE=1               rebuild the rootfs and the image even if cached
#
# Needs root (debootstrap, chroot) and a running Docker engine. Installs debootstrap with
# apt-get when missing.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Bump when the rootfs recipe changes (packages, cleanup) so old caches are rebuilt.
ROOTFS_REV=1
# Bump when the contract steps below change in a way the base/ files don't show.
CONTRACT_REV=1

CONTRACT_DIR="${SCRIPT_DIR}/base"

SUITE="${NODE_DEBIAN_SUITE:-bookworm}"
MIRROR="${NODE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
IMAGE="${NODE_BASE_IMAGE}"
ARCH="$(dpkg --print-architecture 2>/dev/null || echo amd64)"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

WORK="${CACHE_ROOT}/node-image"
ROOTFS="${WORK}/rootfs"
ROOTFS_STAMP="${WORK}/rootfs.stamp"
IMAGES_TXT="${CACHE_ROOT}/k8s/${K8S_VERSION}/images.txt"

# What a kind node needs on top of minbase. Dependencies only, no Recommends (debootstrap's way).
PACKAGES=(
  systemd systemd-sysv dbus                         # init, the bus the kubelet's systemd cgroup driver talks to
  containerd runc libseccomp2                       # CRI runtime (containerd 1.6 in bookworm)
  containernetworking-plugins                       # CNI plugins, in /usr/lib/cni
  iptables iproute2 ethtool socat conntrack ebtables  # kubelet, kube-proxy, port-forward
  mount util-linux procps kmod                      # mount/findmnt/nsenter, pgrep, modprobe
  ca-certificates bash coreutils findutils grep sed gzip tar
  libc-bin hostname
)

t_start=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1fs", b - a }'; }
sha() { sha256sum | cut -c1-16; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot); run with sudo"
command -v docker >/dev/null || die "docker not found; run scripts/setup-docker.sh first"
docker info --format '{{.ServerVersion}}' >/dev/null 2>&1 || die "no Docker engine is running; run scripts/setup-docker.sh"
[ -d "${CONTRACT_DIR}" ] || die "missing ${CONTRACT_DIR}"

mkdir -p "${WORK}"
exec 9>"${WORK}/.lock"
flock -w 1800 9 || die "another build-base.sh holds ${WORK}/.lock"

# ------------------------------------------------------------------ debootstrap
ensure_debootstrap() {
  if ! command -v debootstrap >/dev/null 2>&1; then
    local t; t=$(date +%s.%N)
    log "installing debootstrap with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq debootstrap >/dev/null 2>&1; then
      log "apt-get update"
      apt-get update -qq
      apt-get install -y -qq debootstrap >/dev/null
    fi
    log "debootstrap $(debootstrap --version 2>/dev/null | awk '{print $2}') installed in $(elapsed "$t")"
  fi
  [ -f "${KEYRING}" ] || die "missing ${KEYRING} (apt-get install debian-archive-keyring)"
  [ -e "/usr/share/debootstrap/scripts/${SUITE}" ] || die "this debootstrap does not know '${SUITE}'"
}

ROOTFS_KEY="$(printf '%s\n' "rev=${ROOTFS_REV}" "suite=${SUITE}" "mirror=${MIRROR}" "arch=${ARCH}" \
  "packages=${PACKAGES[*]}" | sha)"

# ------------------------------------------------------------------ rootfs (cached)
if [[ "${FORCE:-0}" != 1 && -d "${ROOTFS}" && -f "${ROOTFS_STAMP}" && "$(cat "${ROOTFS_STAMP}")" == "${ROOTFS_KEY}" ]]; then
  log "rootfs cached: ${ROOTFS} (key ${ROOTFS_KEY}, $(wc -l < "${WORK}/packages.txt") packages)"
else
  ensure_debootstrap
  t=$(date +%s.%N)
  TMP="${WORK}/rootfs.tmp"
  rm -rf "${TMP}"
  log "debootstrap --variant=minbase ${SUITE} from ${MIRROR} (${#PACKAGES[@]} extra packages; a few minutes)"
  include="$(IFS=,; echo "${PACKAGES[*]}")"
  if ! debootstrap --variant=minbase --arch="${ARCH}" --components=main --keyring="${KEYRING}" \
      --include="${include}" "${SUITE}" "${TMP}" "${MIRROR}" >"${WORK}/debootstrap.log" 2>&1; then
    tail -n 20 "${WORK}/debootstrap.log" >&2
    [ -f "${TMP}/debootstrap/debootstrap.log" ] && tail -n 20 "${TMP}/debootstrap/debootstrap.log" >&2
    die "debootstrap failed; see ${WORK}/debootstrap.log"
  fi
  log "debootstrap done in $(elapsed "$t")"

  # apt sources for anyone who extends the image (the image itself never runs apt).
  cat >"${TMP}/etc/apt/sources.list" <<SRC
deb ${MIRROR} ${SUITE} main
deb ${MIRROR} ${SUITE}-updates main
deb http://deb.debian.org/debian-security ${SUITE}-security main
SRC
  # Slim down: no docs, man pages or translations now or in later installs.
  cat >"${TMP}/etc/dpkg/dpkg.cfg.d/01-gomemlimit-lab-nodoc" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
  find "${TMP}/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  find "${TMP}/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
  rm -rf "${TMP}"/usr/share/man/* "${TMP}"/usr/share/info/* "${TMP}"/var/cache/apt/archives/*.deb \
    "${TMP}"/var/cache/apt/*.bin "${TMP}"/var/lib/apt/lists/* "${TMP}"/var/log/*.log "${TMP}"/var/log/apt/*
  find "${TMP}/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true

  chroot "${TMP}" dpkg-query -W -f '${Package}\t${Version}\n' > "${WORK}/packages.txt"
  rm -rf "${ROOTFS}"
  mv "${TMP}" "${ROOTFS}"
  echo "${ROOTFS_KEY}" > "${ROOTFS_STAMP}"
  log "rootfs built in $(elapsed "$t"): $(wc -l < "${WORK}/packages.txt") packages, $(du -sh "${ROOTFS}" | cut -f1)," \
    "containerd $(awk '$1=="containerd"{print $2}' "${WORK}/packages.txt"), runc $(awk '$1=="runc"{print $2}' "${WORK}/packages.txt")," \
    "systemd $(awk '$1=="systemd"{print $2}' "${WORK}/packages.txt")"
fi

# ------------------------------------------------------------------ node contract
t=$(date +%s.%N)
if [ -n "${SANDBOX_IMAGE:-}" ]; then
  sandbox="${SANDBOX_IMAGE}"; sandbox_from="SANDBOX_IMAGE"
elif [ -f "${IMAGES_TXT}" ] && grep -qE '/pause:' "${IMAGES_TXT}"; then
  sandbox="$(grep -E '/pause:' "${IMAGES_TXT}" | head -n1 | tr -d '[:space:]')"; sandbox_from="${IMAGES_TXT}"
else
  sandbox="registry.k8s.io/pause:3.10.1"; sandbox_from="default (no ${IMAGES_TXT} yet)"
fi
[[ "${sandbox}" =~ ^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9./_-]+:[A-Za-z0-9._-]+$ ]] || die "bad sandbox image '${sandbox}'"

# Files from base/ (config.toml.in is a template).
( cd "${CONTRACT_DIR}" && find . -type f ) | sort | while read -r f; do
  f="${f#./}"
  case "$f" in
    etc/containerd/config.toml.in)
      install -d "${ROOTFS}/etc/containerd"
      sed "s#@SANDBOX_IMAGE@#${sandbox}#g" "${CONTRACT_DIR}/$f" > "${ROOTFS}/etc/containerd/config.toml"
      chmod 0644 "${ROOTFS}/etc/containerd/config.toml" ;;
    usr/local/bin/*) install -D -m 0755 "${CONTRACT_DIR}/$f" "${ROOTFS}/$f" ;;
    *)               install -D -m 0644 "${CONTRACT_DIR}/$f" "${ROOTFS}/$f" ;;
  esac
done

# machine-id: empty in the image (the entrypoint writes a fresh one per container), and D-Bus's
# copy is a link to it so the two never disagree.
: > "${ROOTFS}/etc/machine-id"
install -d "${ROOTFS}/var/lib/dbus"
ln -sfn /etc/machine-id "${ROOTFS}/var/lib/dbus/machine-id"

# kind's files and the directories kubeadm and the kubelet expect.
install -d "${ROOTFS}/kind/manifests" "${ROOTFS}/etc/kubernetes/manifests" "${ROOTFS}/var/lib/kubelet" \
  "${ROOTFS}/etc/cni/net.d" "${ROOTFS}/opt/cni"
echo "${K8S_VERSION}" > "${ROOTFS}/kind/version"          # placeholder until the binaries are added
cp "${WORK}/packages.txt" "${ROOTFS}/kind/base-packages.txt"
ln -sfn /usr/lib/cni "${ROOTFS}/opt/cni/bin"              # kind's and most manifests' default CNI path

# systemd in a container: boot to multi-user, start containerd and the kubelet, and mask what
# can't work in a container (no udev, no /lib/modules, no hugetlb, host-owned clock and kernel).
ln -sfn /lib/systemd/system/multi-user.target "${ROOTFS}/etc/systemd/system/default.target"
chroot "${ROOTFS}" systemctl enable containerd.service kubelet.service >/dev/null 2>&1 \
  || die "systemctl enable failed in the rootfs"
MASK=(
  getty.target console-getty.service serial-getty@.service getty@.service
  systemd-udevd.service systemd-udevd-control.socket systemd-udevd-kernel.socket
  systemd-udev-trigger.service systemd-udev-settle.service
  systemd-modules-load.service kmod-static-nodes.service systemd-remount-fs.service
  systemd-binfmt.service proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount
  sys-kernel-debug.mount sys-kernel-tracing.mount sys-kernel-config.mount sys-fs-fuse-connections.mount
  dev-hugepages.mount systemd-journald-audit.socket systemd-firstboot.service
  systemd-timesyncd.service systemd-hwdb-update.service systemd-pstore.service
  apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer
)
for u in "${MASK[@]}"; do ln -sfn /dev/null "${ROOTFS}/etc/systemd/system/${u}"; done

CONTRACT_KEY="$( { echo "rootfs=${ROOTFS_KEY} contract=${CONTRACT_REV} k8s=${K8S_VERSION} sandbox=${sandbox} mask=${MASK[*]}";
  ( cd "${CONTRACT_DIR}" && find . -type f | sort | xargs sha256sum ); } | sha)"
log "node contract written in $(elapsed "$t") (sandbox_image ${sandbox} from ${sandbox_from}; key ${CONTRACT_KEY})"

# ------------------------------------------------------------------ docker import
have_key="$(docker image inspect -f '{{ index .Config.Labels "gomemlimit-lab.node-base.key" }}' "${IMAGE}" 2>/dev/null || true)"
if [[ "${FORCE:-0}" != 1 && "${have_key}" == "${CONTRACT_KEY}" ]]; then
  log "image ${IMAGE} is up to date (key ${CONTRACT_KEY}); not re-imported"
else
  t=$(date +%s.%N)
  old_id="$(docker image inspect -f '{{.Id}}' "${IMAGE}" 2>/dev/null || true)"
  if [[ "${FORCE:-0}" == 1 ]]; then log "FORCE=1: re-importing ${IMAGE}"
  elif [ -n "${old_id}" ]; then log "image ${IMAGE} has key '${have_key}', want ${CONTRACT_KEY}; re-importing"; fi
  log "docker import ${IMAGE}"
  tar --numeric-owner --xattrs --xattrs-include='*' -C "${ROOTFS}" \
      --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' --exclude='./run/*' --exclude='./tmp/*' \
      --exclude='./debootstrap' -cf - . \
    | docker import \
        --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' \
        --change 'STOPSIGNAL SIGRTMIN+3' \
        --change 'ENV container=docker' \
        --change "LABEL gomemlimit-lab.node-base.key=${CONTRACT_KEY}" \
        --change "LABEL gomemlimit-lab.node-base.suite=${SUITE}" \
        --message "gomemlimit-lab node base (debootstrap ${SUITE}, rootfs ${ROOTFS_KEY})" \
        - "${IMAGE}" >/dev/null
  if [ -n "${old_id}" ] && [ "${old_id}" != "$(docker image inspect -f '{{.Id}}' "${IMAGE}")" ]; then
    docker image rm "${old_id}" >/dev/null 2>&1 || log "old image ${old_id} still in use; left in place"
  fi
  log "imported in $(elapsed "$t")"
fi

size="$(docker image inspect -f '{{.Size}}' "${IMAGE}")"
log "${IMAGE}: $(awk -v s="${size}" 'BEGIN { printf "%.0f MB", s / 1e6 }'), total $(elapsed "${t_start}")"
echo "${IMAGE}"
