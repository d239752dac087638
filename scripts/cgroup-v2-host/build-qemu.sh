#!/usr/bin/env bash
# QEMU for the cgroup v2 guest, from Debian trixie's packages, never installed on the host:
# `apt-get download` of qemu-system-x86 and whatever of its dependencies the host lacks, each
# `dpkg-deb -x`'d into the cache, run through a wrapper that sets LD_LIBRARY_PATH and -L.
#
#   sudo bash scripts/cgroup-v2-host/build-qemu.sh     # prints the wrapper's path on stdout
#
# Output: ${GOMEMLIMIT_LAB_CACHE:-<repo>/.cache}/cgroup-v2-host/qemu/
#   root/          the extracted packages
#   debs/          the downloaded .debs
#   qemu           wrapper: qemu-system-x86_64 with the extracted libraries and firmware
#   packages.txt   package<TAB>version of every extracted .deb
#   stamp          the recipe key; a match (and a working wrapper) means "cached"
# FORCE=1 rebuilds.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Bump when this recipe changes.
QEMU_RECIPE_REV=1
# The QEMU series the guest was tested with (trixie's); a different one is refused, not used silently.
QEMU_SERIES="${CGV2_QEMU_SERIES:-10.0}"
WANT=(qemu-system-x86 qemu-system-common qemu-system-data seabios ipxe-qemu)

OUT="${CGV2_CACHE}/qemu"
KEY="$(printf '%s\n' "rev=${QEMU_RECIPE_REV}" "series=${QEMU_SERIES}" "want=${WANT[*]}" "$(uname -m)" | sha)"

works() { [ -x "${OUT}/qemu" ] && "${OUT}/qemu" --version >/dev/null 2>&1; }

mkdir -p "${CGV2_CACHE}"
exec 8>"${CGV2_CACHE}/.qemu.lock"
flock -w 1800 8 || die "another build-qemu.sh holds ${CGV2_CACHE}/.qemu.lock"

if [[ "${FORCE:-0}" != 1 && -f "${OUT}/stamp" && "$(cat "${OUT}/stamp")" == "${KEY}" ]] && works; then
  log "QEMU cached: $("${OUT}/qemu" --version | head -n1) (${OUT})"
  echo "${OUT}/qemu"
  exit 0
fi

need_root "fetching QEMU's packages"
t=$(now)
ensure_trixie_source

# What apt would install for qemu-system-x86 from trixie: the packages themselves plus every
# library the host lacks or has too old. Simulated only; nothing is installed.
resolve() {
  apt-get -s -o Debug::NoLocking=1 install -t trixie --no-install-recommends "${WANT[@]}" 2>&1 \
    | awk '/^Inst /{ v=$0; sub(/^[^(]*\(/, "", v); sub(/ .*/, "", v); print $2 "=" v }'
}
list="$(resolve)" || true
if ! grep -q '^qemu-system-x86=' <<<"${list}"; then
  apt_update
  list="$(resolve)" || true
fi
grep -q '^qemu-system-x86=' <<<"${list}" \
  || die "apt cannot resolve qemu-system-x86 from trixie: $(apt-get -s install -t trixie --no-install-recommends "${WANT[@]}" 2>&1 | tail -n1)"
qver="$(sed -n 's/^qemu-system-x86=//p' <<<"${list}")"
[[ "${qver}" == *:"${QEMU_SERIES}".* || "${qver}" == "${QEMU_SERIES}".* ]] \
  || die "trixie offers qemu-system-x86 ${qver}, not the ${QEMU_SERIES} series this was tested with (set CGV2_QEMU_SERIES to accept it)"

TMP="${OUT}.tmp"
rm -rf "${TMP}"
mkdir -p "${TMP}/debs" "${TMP}/root"
log "downloading $(wc -l <<<"${list}") packages from trixie (qemu-system-x86 ${qver})"
# shellcheck disable=SC2046
( cd "${TMP}/debs" && apt-get -q -o APT::Sandbox::User=root download $(cat <<<"${list}") >/dev/null ) \
  || die "apt-get download failed"
for deb in "${TMP}"/debs/*.deb; do
  dpkg-deb -x "${deb}" "${TMP}/root"
  dpkg-deb -f "${deb}" Package Version | paste -sd '\t' >>"${TMP}/packages.txt"
done
sort -o "${TMP}/packages.txt" "${TMP}/packages.txt"

cat >"${TMP}/qemu" <<'WRAP'
#!/usr/bin/env bash
# qemu-system-x86_64 from the extracted trixie packages beside this file.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
r="${here}/root"
export LD_LIBRARY_PATH="${r}/usr/lib/x86_64-linux-gnu:${r}/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:${LD_LIBRARY_PATH}}"
exec "${r}/usr/bin/qemu-system-x86_64" -L "${r}/usr/share/qemu" -L "${r}/usr/share/seabios" "$@"
WRAP
chmod +x "${TMP}/qemu"

missing="$(LD_LIBRARY_PATH="${TMP}/root/usr/lib/x86_64-linux-gnu:${TMP}/root/lib/x86_64-linux-gnu" \
  ldd "${TMP}/root/usr/bin/qemu-system-x86_64" | awk '/not found/{print $1}' | paste -sd ' ')"
[ -z "${missing}" ] || die "extracted QEMU still lacks: ${missing}"

rm -rf "${OUT}"
mv "${TMP}" "${OUT}"
works || die "the extracted QEMU does not run: $("${OUT}/qemu" --version 2>&1 | tail -n1)"
echo "${KEY}" >"${OUT}/stamp"
log "QEMU ready in $(since "$t")s: $("${OUT}/qemu" --version | head -n1), $(wc -l <"${OUT}/packages.txt") packages, $(du -sh "${OUT}" | cut -f1)"
echo "${OUT}/qemu"
