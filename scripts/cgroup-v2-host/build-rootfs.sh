#!/usr/bin/env bash
# The guest's root disk: Debian trixie (debootstrap minbase) with systemd, Docker and the
# cloud kernel, plus the host's Node and Go, warm Go caches and this folder's guest units, as a
# sparse ext4 image made with `mkfs.ext4 -d` (no loop mount), and the kernel + initrd beside it.
#
#   sudo bash scripts/cgroup-v2-host/build-rootfs.sh     # prints the image folder on stdout
#
# Output: ${GOMEMLIMIT_LAB_CACHE:-<repo>/.cache}/cgroup-v2-host/
#   tree/              the debootstrapped trixie tree (layer 1, rebuilt when the package recipe changes)
#   tree.stamp         its key;  tree-packages.txt: dpkg manifest (package<TAB>version); debootstrap.log
#   image-<key>/       layer 2, one per key (Node, Go, Go caches, guest files, image size); older ones are removed
#     root.img         sparse ext4, ${CGV2_DISK_SIZE:-24G}
#     vmlinuz initrd.img
#     versions.txt     kernel, systemd, Docker, containerd, runc, Node, npm, Go; packages.txt: every package
# Environment: CGV2_DISK_SIZE (default 24G), CGV2_DEBIAN_MIRROR, FORCE=1 (rebuild both layers).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Bump when the tree recipe changes in a way PACKAGES does not show.
TREE_RECIPE_REV=1
# Bump when the image assembly below changes in a way the guest/ files do not show.
IMAGE_RECIPE_REV=1
SUITE=trixie
DISK_SIZE="${CGV2_DISK_SIZE:-24G}"
# debootstrap's own --include: init and the bus (minbase has neither).
INCLUDE=(systemd systemd-sysv dbus udev ca-certificates)
# Then apt-get inside the tree (real dependency resolution, no Recommends).
PACKAGES=(
  linux-image-cloud-amd64 initramfs-tools zstd   # 6.12 cloud kernel; its initrd has virtio and ext4
  docker.io docker-cli containerd runc tini      # Docker 26 (docker-cli named, or there is no `docker`)
  iptables iproute2 kmod procps psmisc util-linux mount e2fsprogs
  ca-certificates curl less
)

NODE_BIN="${CGV2_NODE:-$(command -v node)}"
NPM_DIR="${CGV2_NPM_DIR:-$(dirname "$(readlink -f "$(command -v npm)")")/..}"
GOROOT_HOST="${CGV2_GOROOT:-/usr/local/go}"

TREE="${CGV2_CACHE}/tree"
TREE_KEY="$(printf '%s\n' "rev=${TREE_RECIPE_REV}" "suite=${SUITE}" "mirror=${DEBIAN_MIRROR}" \
  "include=${INCLUDE[*]}" "packages=${PACKAGES[*]}" | sha)"

need_root "building the guest root filesystem (debootstrap, chroot)"
[ -x "${NODE_BIN}" ] || die "node not found"
[ -f "${NPM_DIR}/package.json" ] || die "npm not found (looked in ${NPM_DIR})"
[ -x "${GOROOT_HOST}/bin/go" ] || die "Go not found in ${GOROOT_HOST}"
mkdir -p "${CGV2_CACHE}"
exec 9>"${CGV2_CACHE}/.rootfs.lock"
flock -w 3600 9 || die "another build-rootfs.sh holds ${CGV2_CACHE}/.rootfs.lock"

# Everything chroot'ed runs in a private mount namespace: /proc for the tree vanishes with it,
# and no mount is ever made on the host's own tree (nor near /sys/fs/cgroup).
in_tree() { # command...
  unshare --mount --propagation private -- /bin/sh -c '
    t="$1"; shift
    mount -t proc proc "$t/proc" && mount -t tmpfs tmpfs "$t/tmp" && exec chroot "$t" "$@"
  ' sh "${TREE_WORK}" "$@"
}

# ------------------------------------------------------------------ layer 1: the tree
if [[ "${FORCE:-0}" != 1 && -d "${TREE}" && -f "${CGV2_CACHE}/tree.stamp" && "$(cat "${CGV2_CACHE}/tree.stamp")" == "${TREE_KEY}" ]]; then
  log "guest tree cached: ${TREE} (key ${TREE_KEY}, $(wc -l <"${CGV2_CACHE}/tree-packages.txt") packages)"
else
  ensure_host_tool debootstrap debootstrap
  [ -f "${DEBIAN_KEYRING}" ] || die "missing ${DEBIAN_KEYRING} (apt-get install debian-archive-keyring)"
  [ -e "/usr/share/debootstrap/scripts/${SUITE}" ] || die "this debootstrap does not know '${SUITE}'"
  TREE_WORK="${TREE}.tmp"
  rm -rf "${TREE_WORK}"
  t=$(now)
  log "debootstrap --variant=minbase ${SUITE} from ${DEBIAN_MIRROR} (a few minutes)"
  if ! unshare --mount --propagation private -- debootstrap --variant=minbase --arch=amd64 --components=main \
      --keyring="${DEBIAN_KEYRING}" --include="$(IFS=,; echo "${INCLUDE[*]}")" \
      "${SUITE}" "${TREE_WORK}" "${DEBIAN_MIRROR}" >"${CGV2_CACHE}/debootstrap.log" 2>&1; then
    tail -n 15 "${CGV2_CACHE}/debootstrap.log" >&2
    die "debootstrap failed; see ${CGV2_CACHE}/debootstrap.log"
  fi
  log "debootstrap done in $(since "$t")s"

  t=$(now)
  echo "deb ${DEBIAN_MIRROR} ${SUITE} main" >"${TREE_WORK}/etc/apt/sources.list"
  # No docs, man pages or translations.
  cat >"${TREE_WORK}/etc/dpkg/dpkg.cfg.d/01-gomemlimit-lab-nodoc" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
CFG
  # Nothing starts inside the chroot.
  printf '#!/bin/sh\nexit 101\n' >"${TREE_WORK}/usr/sbin/policy-rc.d"
  chmod +x "${TREE_WORK}/usr/sbin/policy-rc.d"
  cp /etc/resolv.conf "${TREE_WORK}/etc/resolv.conf" 2>/dev/null || true
  log "apt-get install in the tree: ${PACKAGES[*]}"
  if ! in_tree /usr/bin/env DEBIAN_FRONTEND=noninteractive /bin/sh -c \
      "apt-get update -qq && apt-get install -y -qq --no-install-recommends ${PACKAGES[*]}" \
      >"${CGV2_CACHE}/tree-apt.log" 2>&1; then
    tail -n 15 "${CGV2_CACHE}/tree-apt.log" >&2
    die "apt-get install in the tree failed; see ${CGV2_CACHE}/tree-apt.log"
  fi
  rm -f "${TREE_WORK}/usr/sbin/policy-rc.d"
  ls "${TREE_WORK}"/boot/vmlinuz-* "${TREE_WORK}"/boot/initrd.img-* >/dev/null 2>&1 \
    || die "the tree has no kernel/initrd in /boot; see ${CGV2_CACHE}/tree-apt.log"
  in_tree apt-get clean
  rm -rf "${TREE_WORK}"/var/lib/apt/lists/* "${TREE_WORK}"/var/cache/apt/*.bin "${TREE_WORK}"/var/log/apt/* \
    "${TREE_WORK}"/usr/share/man/* "${TREE_WORK}"/usr/share/info/*
  find "${TREE_WORK}/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  in_tree dpkg-query -W -f '${Package}\t${Version}\n' >"${CGV2_CACHE}/tree-packages.txt"
  rm -rf "${TREE}"
  mv "${TREE_WORK}" "${TREE}"
  echo "${TREE_KEY}" >"${CGV2_CACHE}/tree.stamp"
  log "guest tree built in $(since "$t")s after debootstrap: $(wc -l <"${CGV2_CACHE}/tree-packages.txt") packages, $(du -sh "${TREE}" | cut -f1)"
fi
TREE_WORK="${TREE}"

# ------------------------------------------------------------------ layer 2: the image
GOCACHES="$(bash "${CGV2_DIR}/build-gocache.sh")"
node_version="$("${NODE_BIN}" --version)"
npm_version="$(cd "${NPM_DIR}" && "${NODE_BIN}" -p 'require("./package.json").version')"
go_version="$("${GOROOT_HOST}/bin/go" env GOVERSION)"
IMAGE_KEY="$(
  {
    echo "rev=${IMAGE_RECIPE_REV} tree=${TREE_KEY} size=${DISK_SIZE}"
    echo "node=${node_version} $(sha256sum <"${NODE_BIN}" | cut -c1-16) npm=${npm_version}"
    echo "go=${go_version} gocache=$(cat "${GOCACHES}/stamp")"
    # Not guest/gomemlimit-lab-job: it travels on each job disk.
    (cd "${CGV2_DIR}" && sha256sum build-rootfs.sh guest/gomemlimit-lab-boot guest/*.service guest/gomemlimit-lab-net)
  } | sha
)"
IMAGE="${CGV2_CACHE}/image-${IMAGE_KEY}"
if [[ "${FORCE:-0}" != 1 && -f "${IMAGE}/done" ]]; then
  log "root disk cached: ${IMAGE}/root.img (key ${IMAGE_KEY})"
  echo "${IMAGE}"
  exit 0
fi

t=$(now)
T="${TREE}"
# What layer 2 owns in the tree: removed first, so nothing of an older layer 2 lingers.
rm -rf "$T/usr/local/go" "$T/usr/local/lib/node_modules" "$T/root/.cache/go-build" "$T/root/go" "$T/gomemlimit-lab"
rm -f "$T"/usr/local/bin/{node,npm,npx,go,gofmt} "$T"/usr/local/sbin/gomemlimit-lab-*
rm -f "$T"/etc/systemd/system/gomemlimit-lab-*.service "$T"/etc/modprobe.d/gomemlimit-lab-* \
  "$T"/etc/systemd/journald.conf.d/10-gomemlimit-lab.conf
# Unit masks are all layer 2's (no package masks anything in the tree).
find "$T/etc/systemd/system" -maxdepth 1 -lname /dev/null -delete
# Node (the host's binary; its libraries are glibc, libstdc++ and libgcc, all in the tree) and npm.
install -m 0755 "${NODE_BIN}" "$T/usr/local/bin/node"
mkdir -p "$T/usr/local/lib/node_modules"
cp -a "$(readlink -f "${NPM_DIR}")" "$T/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$T/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$T/usr/local/bin/npx"
# Go, at the same GOROOT as on the host, with the warm caches at root's default GOCACHE/GOMODCACHE.
cp -a "${GOROOT_HOST}" "$T/usr/local/go"
ln -s ../go/bin/go "$T/usr/local/bin/go"
ln -s ../go/bin/gofmt "$T/usr/local/bin/gofmt"
mkdir -p "$T/root/.cache" "$T/root/go/pkg"
cp -a "${GOCACHES}/gocache" "$T/root/.cache/go-build"
cp -a "${GOCACHES}/gomodcache" "$T/root/go/pkg/mod"
missing="$(chroot "$T" /usr/bin/ldd /usr/local/bin/node 2>&1 | awk '/not found/{print $1}' | paste -sd ' ')"
[ -z "${missing}" ] || die "node in the tree lacks: ${missing}"

# The guest's units and system settings.
install -m 0755 "${CGV2_DIR}/guest/gomemlimit-lab-boot" "$T/usr/local/sbin/gomemlimit-lab-boot"
install -m 0755 "${CGV2_DIR}/guest/gomemlimit-lab-net" "$T/usr/local/sbin/gomemlimit-lab-net"
install -m 0644 "${CGV2_DIR}/guest/gomemlimit-lab-job.service" "$T/etc/systemd/system/"
install -m 0644 "${CGV2_DIR}/guest/gomemlimit-lab-net.service" "$T/etc/systemd/system/"
echo cgv2-guest >"$T/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tcgv2-guest\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$T/etc/hosts"
# No container registry, ever: the guest's Docker cannot resolve them (the Debian mirror and the Go module
# proxy stay reachable through slirp).
{
  echo '# gomemlimit-lab: container registries blackholed (nothing is pulled in this guest)'
  for h in registry-1.docker.io index.docker.io auth.docker.io registry.docker.io docker.io \
      production.cloudflare.docker.com registry.k8s.io k8s.gcr.io gcr.io ghcr.io quay.io mcr.microsoft.com \
      public.ecr.aws us-docker.pkg.dev europe-docker.pkg.dev asia-docker.pkg.dev pkg-containers.githubusercontent.com; do
    printf '0.0.0.0\t%s\n' "$h"
  done
} >>"$T/etc/hosts"
echo 'nameserver 10.0.2.3' >"$T/etc/resolv.conf"
# The root disk is checked by nobody: it is a fresh image, used as a snapshot.
echo '/dev/vda / ext4 rw,noatime 0 0' >"$T/etc/fstab"
# A fixed machine-id: no first-boot units (systemd-firstboot would prompt on the console).
[ -s "$T/etc/machine-id" ] && grep -q '^[0-9a-f]\{32\}$' "$T/etc/machine-id" || od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$T/etc/machine-id"
echo >>"$T/etc/machine-id"
ln -sfn /lib/systemd/system/multi-user.target "$T/etc/systemd/system/default.target"
chroot "$T" systemctl enable gomemlimit-lab-job.service gomemlimit-lab-net.service docker.service containerd.service >/dev/null 2>&1 \
  || die "systemctl enable failed in the tree"
for unit in getty@tty1.service serial-getty@ttyS0.service console-getty.service getty.target \
    systemd-firstboot.service systemd-timesyncd.service systemd-networkd-wait-online.service \
    apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer \
    systemd-tmpfiles-clean.timer systemd-logind.service ldconfig.service systemd-journal-catalog-update.service \
    systemd-update-done.service systemd-hwdb-update.service; do
  ln -sfn /dev/null "$T/etc/systemd/system/${unit}"
done
# The emulated CPU advertises SVM/VMX: no KVM modules in the guest (nothing nests here).
printf 'blacklist kvm_amd\nblacklist kvm_intel\nblacklist kvm\n' >"$T/etc/modprobe.d/gomemlimit-lab-nokvm.conf"
chroot "$T" /sbin/ldconfig
# The journal in memory only (the root disk is a snapshot anyway).
mkdir -p "$T/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nForwardToConsole=no\n' >"$T/etc/systemd/journald.conf.d/10-gomemlimit-lab.conf"

kernel="$(ls "$T"/boot/vmlinuz-* | sort -V | tail -n1)"
initrd="$T/boot/initrd.img-${kernel##*/vmlinuz-}"
[ -f "${initrd}" ] || die "no ${initrd}"

pkg() { awk -v p="$1" '$1==p{print $2}' "${CGV2_CACHE}/tree-packages.txt"; }
{
  echo "suite: ${SUITE} (${DEBIAN_MIRROR}), tree key ${TREE_KEY}, image key ${IMAGE_KEY}"
  echo "kernel: ${kernel##*/vmlinuz-} (linux-image-cloud-amd64 $(pkg linux-image-cloud-amd64))"
  echo "systemd: $(pkg systemd)"
  echo "docker.io: $(pkg docker.io), docker-cli: $(pkg docker-cli), containerd: $(pkg containerd), runc: $(pkg runc)"
  echo "iptables: $(pkg iptables)"
  echo "node: ${node_version} (host ${NODE_BIN}), npm: ${npm_version}"
  echo "go: ${go_version} (host ${GOROOT_HOST}), warm GOCACHE $(du -sh "${GOCACHES}/gocache" | cut -f1)"
} >"$T/etc/gomemlimit-lab-guest.txt"

rm -rf "${IMAGE}.tmp"
mkdir -p "${IMAGE}.tmp"
log "mkfs.ext4 -d: $(du -sh "$T" | cut -f1) into a sparse ${DISK_SIZE} image"
truncate -s "${DISK_SIZE}" "${IMAGE}.tmp/root.img"
mkfs.ext4 -q -F -L gv2root -m 0 -E lazy_itable_init=1,lazy_journal_init=1 -d "$T" "${IMAGE}.tmp/root.img" \
  || die "mkfs.ext4 -d failed"
cp "${kernel}" "${IMAGE}.tmp/vmlinuz"
cp "${initrd}" "${IMAGE}.tmp/initrd.img"
cp "$T/etc/gomemlimit-lab-guest.txt" "${IMAGE}.tmp/versions.txt"
cp "${CGV2_CACHE}/tree-packages.txt" "${IMAGE}.tmp/packages.txt"
touch "${IMAGE}.tmp/done"
# One image at a time: older layer-2 images (and the primed disks made from them) go.
for old in "${CGV2_CACHE}"/image-*; do
  [ "${old}" = "${IMAGE}.tmp" ] || rm -rf "${old}"
done
rm -rf "${CGV2_CACHE}"/primed-*
mv "${IMAGE}.tmp" "${IMAGE}"
log "root disk built in $(since "$t")s: ${IMAGE}/root.img ($(du -h "${IMAGE}/root.img" | cut -f1) used of ${DISK_SIZE}), kernel ${kernel##*/vmlinuz-}"
echo "${IMAGE}"
