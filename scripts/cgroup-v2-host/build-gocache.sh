#!/usr/bin/env bash
# Warm Go caches for the guest, built on the host: in TCG a cold build of the standard library
# takes many minutes, so the guest gets a GOCACHE in which the sample's build (as the lab runs it:
# CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags='-s -w', with and without GOEXPERIMENT=jsonv2)
# hits, and a GOMODCACHE with the sample's module dependencies.
#
#   bash scripts/cgroup-v2-host/build-gocache.sh      # prints the cache folder on stdout
#
# Output: ${GOMEMLIMIT_LAB_CACHE:-<repo>/.cache}/cgroup-v2-host/go/
#   gocache/  gomodcache/   copied into the guest as /root/.cache/go-build and /root/go/pkg/mod
#   stamp     key: Go version + GOROOT + go-sample's go.mod/go.sum + this recipe
# FORCE=1 rebuilds.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GOCACHE_RECIPE_REV=1
GO="${CGV2_GO:-/usr/local/go/bin/go}"
[ -x "${GO}" ] || GO="$(command -v go || true)"
[ -n "${GO}" ] && [ -x "${GO}" ] || die "Go not found (/usr/local/go/bin/go or go on PATH)"
SAMPLE="${REPO_ROOT}/go-sample"
OUT="${CGV2_CACHE}/go"

goversion="$("${GO}" env GOVERSION)"
goroot="$("${GO}" env GOROOT)"
KEY="$(printf '%s\n' "rev=${GOCACHE_RECIPE_REV}" "go=${goversion}" "goroot=${goroot}" \
  "$(cat "${SAMPLE}/go.mod" "${SAMPLE}/go.sum" | sha)" | sha)"

mkdir -p "${CGV2_CACHE}"
exec 7>"${CGV2_CACHE}/.go.lock"
flock -w 1800 7 || die "another build-gocache.sh holds ${CGV2_CACHE}/.go.lock"

if [[ "${FORCE:-0}" != 1 && -f "${OUT}/stamp" && "$(cat "${OUT}/stamp")" == "${KEY}" ]]; then
  log "Go caches cached: ${goversion}, $(du -sh "${OUT}" | cut -f1) (${OUT})"
  echo "${OUT}"
  exit 0
fi

t=$(now)
TMP="${OUT}.tmp"
chmod -R u+w "${TMP}" 2>/dev/null || true
rm -rf "${TMP}"
mkdir -p "${TMP}/gocache" "${TMP}/gomodcache" "${TMP}/src"
# Build a copy, so go-sample/bin in the working tree is never touched.
cp -a "${SAMPLE}/." "${TMP}/src/"
rm -rf "${TMP}/src/bin"
export GOCACHE="${TMP}/gocache" GOMODCACHE="${TMP}/gomodcache" GOFLAGS= GOTOOLCHAIN=local CGO_ENABLED=0 GOOS=linux GOARCH=amd64
log "go mod download (${goversion})"
( cd "${TMP}/src" && "${GO}" mod download ) || die "go mod download failed"
for experiment in "" jsonv2; do
  log "go build of go-sample with GOEXPERIMENT='${experiment}' into the dedicated GOCACHE"
  ( cd "${TMP}/src" && GOEXPERIMENT="${experiment}" "${GO}" build -trimpath -ldflags='-s -w' -o /dev/null . ) \
    || die "go build failed (GOEXPERIMENT='${experiment}')"
done
rm -rf "${TMP}/src"
chmod -R u+w "${OUT}" 2>/dev/null || true
rm -rf "${OUT}"
mv "${TMP}" "${OUT}"
echo "${KEY}" >"${OUT}/stamp"
echo "${goversion}" >"${OUT}/go-version.txt"
log "Go caches built in $(since "$t")s: ${goversion}, gocache $(du -sh "${OUT}/gocache" | cut -f1), gomodcache $(du -sh "${OUT}/gomodcache" | cut -f1)"
echo "${OUT}"
