#!/usr/bin/env bash
# Build the Kubernetes binaries (and etcd) from Go modules, with no container
# registry: only the Go module proxy (or a warm module cache) is needed.
#
# Output: ${GOMEMLIMIT_LAB_CACHE:-<repo>/.cache}/k8s/<K8S_VERSION>/
#   bin/{kubeadm,kubelet,kubectl,kube-apiserver,kube-controller-manager,
#        kube-scheduler,kube-proxy,etcd}
#   images.txt   output of `kubeadm config images list` (the tags kubeadm wants)
#   SHA256SUMS   checksums of bin/*
#   stamp        build key (version + flags + Go version); a match means "cached"
#   src/         generated wrapper modules (go.mod/go.sum, etcd main.go)
#
# Progress goes to stderr (prefixed [build-k8s]); stdout gets only the bin dir.
#
# Environment:
#   K8S_VERSION           default lab/pins.json's kubernetes (from 1.35 a cgroup v1 host needs the kubelet's
#                         failCgroupV1: false, which kind-config.yaml sets)
#   ETCD_VERSION          default: the etcd tag that kubeadm lists (e.g. 3.6.5-0 -> v3.6.5)
#   GOMEMLIMIT_LAB_CACHE  cache root (default <repo>/.cache, git-ignored)
#   K8S_GIT_COMMIT        gitCommit stamped in the binaries (default 40 zeros:
#                         the real commit is not known from the module zip)
#   K8S_BUILD_DATE        buildDate stamped in the binaries (default 1970-01-01T00:00:00Z)
#   FORCE=1               rebuild even if the stamp matches
#
# Why a wrapper module: k8s.io/kubernetes requires its staging modules
# (k8s.io/api, k8s.io/client-go, ...) at v0.0.0 and maps them to ./staging/...
# with replace directives that only work inside its own repository, so
# `go install k8s.io/kubernetes/cmd/kubelet@vX` fails. The wrapper's go.mod
# requires k8s.io/kubernetes vX and replaces each staging module (read from
# that version's own go.mod) with its published version k8s.io/<m> v0.Y.Z.
set -euo pipefail

LOG_TAG=build-k8s
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Bump when the build recipe changes so old caches are rebuilt.
RECIPE_REV=1


[[ "${K8S_VERSION}" =~ ^v1\.([0-9]+)\.([0-9]+)(-[0-9A-Za-z.-]+)?$ ]] \
  || die "K8S_VERSION must look like v1.34.4, got '${K8S_VERSION}'"
K8S_MINOR="${BASH_REMATCH[1]}"
STAGING_VERSION="v0.${K8S_VERSION#v1.}"   # v1.34.4 -> v0.34.4

GIT_COMMIT="${K8S_GIT_COMMIT:-0000000000000000000000000000000000000000}"
BUILD_DATE="${K8S_BUILD_DATE:-1970-01-01T00:00:00Z}"
BUILD_TAGS="selinux,notest,grpcnotrace"   # the tags upstream's release build uses

OUT="${CACHE_ROOT}/k8s/${K8S_VERSION}"
BIN="${OUT}/bin"
SRC="${OUT}/src"
STAMP="${OUT}/stamp"

K8S_CMDS=(kubeadm kubelet kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy)
ALL_BINS=("${K8S_CMDS[@]}" etcd)

command -v go >/dev/null || die "go not found on PATH"

export CGO_ENABLED=0
export GOWORK=off           # never pick up a go.work from above the cache dir
GO_VERSION="$(go env GOVERSION)"
GOOS_ARCH="$(go env GOOS)/$(go env GOARCH)"

# ldflags: strip symbols, and stamp the version in both version packages
# (without this, binaries report v0.0.0-master and kubeadm's checks misbehave).
K8S_LDFLAGS="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  K8S_LDFLAGS+=" -X ${pkg}.gitVersion=${K8S_VERSION}"
  K8S_LDFLAGS+=" -X ${pkg}.gitMajor=1"
  K8S_LDFLAGS+=" -X ${pkg}.gitMinor=${K8S_MINOR}"
  K8S_LDFLAGS+=" -X ${pkg}.gitCommit=${GIT_COMMIT}"
  K8S_LDFLAGS+=" -X ${pkg}.gitTreeState=clean"
  K8S_LDFLAGS+=" -X ${pkg}.buildDate=${BUILD_DATE}"
done
ETCD_LDFLAGS="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=${GIT_COMMIT:0:7}"

# The key covers everything that changes the output. ETCD_VERSION is included
# only when set explicitly (otherwise it is derived from kubeadm, i.e. from K8S_VERSION).
BUILD_KEY="recipe=${RECIPE_REV} k8s=${K8S_VERSION} staging=${STAGING_VERSION} etcd=${ETCD_VERSION:-kubeadm-default}"
BUILD_KEY+=" go=${GO_VERSION} target=${GOOS_ARCH} cgo=0 trimpath tags=${BUILD_TAGS}"
BUILD_KEY+=" ldflags=[${K8S_LDFLAGS}] etcd-ldflags=[${ETCD_LDFLAGS}]"

is_cached() {
  [[ -f "${STAMP}" && -f "${OUT}/images.txt" ]] || return 1
  [[ "$(head -n1 "${STAMP}")" == "key: ${BUILD_KEY}" ]] || return 1
  local b
  for b in "${ALL_BINS[@]}"; do [[ -x "${BIN}/${b}" ]] || return 1; done
}

if [[ "${FORCE:-0}" != 1 ]] && is_cached; then
  log "cached: ${BIN} ($(sed -n 's/^etcd: //p' "${STAMP}" | head -n1 | sed 's/^/etcd /'))"
  echo "${BIN}"
  exit 0
fi

mkdir -p "${OUT}"
# One build at a time per version directory.
exec 9>"${OUT}/.lock"
if ! flock -n 9; then
  log "another build of ${K8S_VERSION} is running; waiting for it"
  flock 9
  if [[ "${FORCE:-0}" != 1 ]] && is_cached; then
    log "cached: ${BIN}"; echo "${BIN}"; exit 0
  fi
fi

START=${SECONDS}
rm -f "${STAMP}"
mkdir -p "${BIN}" "${SRC}/kubernetes" "${SRC}/etcd"
log "building Kubernetes ${K8S_VERSION} (staging ${STAGING_VERSION}) with ${GO_VERSION} for ${GOOS_ARCH} into ${OUT}"

# Heartbeat while a long step runs.
HB_PID=""
heartbeat_start() {
  local what="$1" t0=${SECONDS}
  (
    trap 'kill "${sp:-}" 2>/dev/null; exit 0' TERM
    while :; do
      sleep 60 & sp=$!
      wait "${sp}"
      log "... ${what}: $(( SECONDS - t0 ))s"
    done
  ) >&2 &
  HB_PID=$!
}
heartbeat_stop() {
  if [[ -n "${HB_PID}" ]]; then kill "${HB_PID}" 2>/dev/null || true; wait "${HB_PID}" 2>/dev/null || true; HB_PID=""; fi
}
trap heartbeat_stop EXIT

# Print field "$2" of `go mod download -json $1` (outside any module).
mod_download_field() {
  local json
  json="$(cd "${SRC}" && go mod download -json "$1")" || die "go mod download $1 failed"
  printf '%s\n' "${json}" | sed -nE "s/^[[:space:]]*\"$2\": \"(.*)\",?$/\1/p" | head -n1
}

# Lines of a go.mod: the `go` line and any godebug lines/blocks.
gomod_go_and_godebug() {
  awk '
    /^go [0-9]/ { print; next }
    /^godebug[[:space:]]*\(/ { inblk=1; print; next }
    inblk { print; if ($0 ~ /^\)/) inblk=0; next }
    /^godebug[[:space:]]/ { print }
  ' "$1"
}

# ---------------------------------------------------------------- kubernetes
log "fetching k8s.io/kubernetes@${K8S_VERSION} go.mod"
K8S_GOMOD="$(mod_download_field "k8s.io/kubernetes@${K8S_VERSION}" GoMod)"
[[ -f "${K8S_GOMOD}" ]] || die "no go.mod for k8s.io/kubernetes@${K8S_VERSION}"

# All replace directives of the kubernetes go.mod, as "old => new" (single-line
# and block form). Staging ones (=> ./staging/...) become versioned replaces.
mapfile -t K8S_REPLACES < <(awk '
  /^replace[[:space:]]*\(/ { inblk=1; next }
  inblk && /^\)/ { inblk=0; next }
  inblk && /=>/ { sub(/^[[:space:]]+/, ""); sub(/[[:space:]]*\/\/.*$/, ""); print; next }
  /^replace[[:space:]]+[^(]/ { sub(/^replace[[:space:]]+/, ""); sub(/[[:space:]]*\/\/.*$/, ""); print }
' "${K8S_GOMOD}")

STAGING=()
OTHER_REPLACES=()
for r in "${K8S_REPLACES[@]}"; do
  lhs="${r%%=>*}"; rhs="${r#*=>}"
  lhs="$(xargs <<<"${lhs}")"; rhs="$(xargs <<<"${rhs}")"   # trim blanks
  mod="${lhs%% *}"
  if [[ "${rhs}" == ./staging/* ]]; then
    STAGING+=("${mod}")
  elif [[ "${rhs}" == ./* || "${rhs}" == ../* || "${rhs}" == /* ]]; then
    die "unexpected local replace in kubernetes go.mod: ${r}"
  else
    OTHER_REPLACES+=("${lhs} => ${rhs}")    # module => module version: keep as is
  fi
done
(( ${#STAGING[@]} > 0 )) || die "found no ./staging replaces in ${K8S_GOMOD}"
log "kubernetes go.mod maps ${#STAGING[@]} staging modules; replacing them with ${STAGING_VERSION}"
(( ${#OTHER_REPLACES[@]} == 0 )) || log "also carrying over ${#OTHER_REPLACES[@]} non-staging replace(s)"

KDIR="${SRC}/kubernetes"
{
  echo "// Generated by scripts/node-image/build-k8s.sh; do not edit."
  echo "module gomemlimit-lab/k8s-build"
  echo
  gomod_go_and_godebug "${K8S_GOMOD}"   # same go line + GODEBUG defaults as upstream
  echo
  echo "require k8s.io/kubernetes ${K8S_VERSION}"
  echo
  echo "tool ("
  for c in "${K8S_CMDS[@]}"; do echo "	k8s.io/kubernetes/cmd/${c}"; done
  echo ")"
  echo
  echo "replace ("
  for m in "${STAGING[@]}"; do echo "	${m} => ${m} ${STAGING_VERSION}"; done
  for r in "${OTHER_REPLACES[@]}"; do echo "	${r}"; done
  echo ")"
} > "${KDIR}/go.mod.in"

if [[ -f "${KDIR}/go.sum" && -f "${KDIR}/go.mod" ]] && cmp -s "${KDIR}/go.mod.in" "${KDIR}/go.mod.gen"; then
  log "wrapper module unchanged; verifying its dependencies are downloaded"
  (cd "${KDIR}" && go mod download) || die "go mod download failed"
else
  cp "${KDIR}/go.mod.in" "${KDIR}/go.mod"
  rm -f "${KDIR}/go.sum"
  log "go mod tidy (wrapper module for kubernetes; downloads modules on first run)"
  t0=${SECONDS}
  heartbeat_start "go mod tidy"
  (cd "${KDIR}" && go mod tidy) || die "go mod tidy failed for the kubernetes wrapper"
  heartbeat_stop
  cp "${KDIR}/go.mod.in" "${KDIR}/go.mod.gen"
  log "go mod tidy took $(( SECONDS - t0 ))s"
fi

PKGS=()
for c in "${K8S_CMDS[@]}"; do PKGS+=("k8s.io/kubernetes/cmd/${c}"); done
log "go build (one invocation): ${K8S_CMDS[*]}"
t0=${SECONDS}
heartbeat_start "go build kubernetes"
(cd "${KDIR}" && go build -trimpath -buildvcs=false -tags "${BUILD_TAGS}" \
    -ldflags "${K8S_LDFLAGS}" -o "${BIN}/" "${PKGS[@]}") || die "go build of kubernetes commands failed"
heartbeat_stop
K8S_BUILD_SECS=$(( SECONDS - t0 ))
log "kubernetes go build took ${K8S_BUILD_SECS}s"

# ---------------------------------------------------------------- images.txt
"${BIN}/kubeadm" config images list --kubernetes-version "${K8S_VERSION}" > "${OUT}/images.txt.tmp" 2>"${OUT}/images.err" \
  || { cat "${OUT}/images.err" >&2; die "kubeadm config images list failed"; }
mv "${OUT}/images.txt.tmp" "${OUT}/images.txt"; rm -f "${OUT}/images.err"
log "kubeadm images: $(tr '\n' ' ' < "${OUT}/images.txt")"

# ---------------------------------------------------------------- etcd
if [[ -z "${ETCD_VERSION:-}" ]]; then
  etcd_tag="$(sed -nE 's#^.*/etcd:([0-9]+\.[0-9]+\.[0-9]+)(-[0-9]+)?$#\1#p' "${OUT}/images.txt" | head -n1)"
  [[ -n "${etcd_tag}" ]] || die "no etcd tag in ${OUT}/images.txt"
  ETCD_VERSION="v${etcd_tag}"
fi
ETCD_VERSION="v${ETCD_VERSION#v}"
log "etcd ${ETCD_VERSION}: wrapper module around go.etcd.io/etcd/server/v3/etcdmain"

EDIR="${SRC}/etcd"
ETCD_GOMOD="$(mod_download_field "go.etcd.io/etcd/server/v3@${ETCD_VERSION}" GoMod)"
[[ -f "${ETCD_GOMOD}" ]] || die "no go.mod for go.etcd.io/etcd/server/v3@${ETCD_VERSION}"
{
  echo "// Generated by scripts/node-image/build-k8s.sh; do not edit."
  echo "module gomemlimit-lab/etcd-build"
  echo
  gomod_go_and_godebug "${ETCD_GOMOD}"
  echo
  echo "require go.etcd.io/etcd/server/v3 ${ETCD_VERSION}"
} > "${EDIR}/go.mod.in"
cat > "${EDIR}/main.go" <<'EOF'
// Generated by scripts/node-image/build-k8s.sh; do not edit.

// Command etcd runs the etcd server, built from Go modules.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
EOF
if [[ -f "${EDIR}/go.sum" && -f "${EDIR}/go.mod" ]] && cmp -s "${EDIR}/go.mod.in" "${EDIR}/go.mod.gen"; then
  (cd "${EDIR}" && go mod download) || die "go mod download failed (etcd)"
else
  cp "${EDIR}/go.mod.in" "${EDIR}/go.mod"
  rm -f "${EDIR}/go.sum"
  log "go mod tidy (wrapper module for etcd)"
  (cd "${EDIR}" && go mod tidy) || die "go mod tidy failed for the etcd wrapper"
  cp "${EDIR}/go.mod.in" "${EDIR}/go.mod.gen"
fi
t0=${SECONDS}
heartbeat_start "go build etcd"
(cd "${EDIR}" && go build -trimpath -buildvcs=false -ldflags "${ETCD_LDFLAGS}" -o "${BIN}/etcd" .) \
  || die "go build of etcd failed"
heartbeat_stop
log "etcd go build took $(( SECONDS - t0 ))s"

# ---------------------------------------------------------------- verify
check() {  # check <expected substring> <cmd...>
  local want="$1"; shift
  local got
  got="$("$@" 2>&1)" || die "'$*' failed: ${got}"
  [[ "${got}" == *"${want}"* ]] || die "'$*' printed '${got}', expected '${want}'"
  [[ "${got}" != *v0.0.0-master* ]] || die "'$*' reports v0.0.0-master"
  log "ok: $(basename "$1") $(echo "${@:2}") -> $(echo "${got}" | head -n1)"
}
check "${K8S_VERSION}" "${BIN}/kubeadm" version -o short
check "Client Version: ${K8S_VERSION}" "${BIN}/kubectl" version --client
for b in kubelet kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
  check "Kubernetes ${K8S_VERSION}" "${BIN}/${b}" --version
done
check "etcd Version: ${ETCD_VERSION#v}" "${BIN}/etcd" --version

(cd "${BIN}" && sha256sum "${ALL_BINS[@]}") > "${OUT}/SHA256SUMS"
TOTAL=$(( SECONDS - START ))
{
  echo "key: ${BUILD_KEY}"
  echo "etcd: ${ETCD_VERSION}"
  echo "staging-modules: ${STAGING[*]}"
  echo "kubernetes-go-build-seconds: ${K8S_BUILD_SECS}"
  echo "total-seconds: ${TOTAL}"
} > "${STAMP}.tmp"
mv "${STAMP}.tmp" "${STAMP}"

log "binaries in ${BIN}:"
(cd "${BIN}" && ls -l "${ALL_BINS[@]}" | awk '{printf "[build-k8s]   %-26s %6.1f MiB\n", $9, $5/1048576}') >&2
if [[ "${FORCE:-0}" == 1 ]]; then log "forced rebuild took ${TOTAL} s"; else log "cold build took ${TOTAL} s"; fi
echo "${BIN}"
