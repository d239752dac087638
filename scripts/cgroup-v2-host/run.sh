#!/usr/bin/env bash
# Run one lab command inside a cgroup v2 guest (Debian trixie, kernel 6.12, Docker 26) booted with
# QEMU in software emulation (TCG), and bring its run folder back.
#
#   sudo bash scripts/cgroup-v2-host/run.sh OUT -- LAB-ARGS...
#   sudo bash scripts/cgroup-v2-host/run.sh /tmp/v2-docker -- --runtime docker --scenario seed --reps 1
#
# See --help and scripts/cgroup-v2-host/README.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() {
  cat <<'HELP'
usage: run.sh OUT -- LAB-ARGS...

Boots a cgroup v2 guest (QEMU TCG, 2 vCPUs, 6 GiB), runs `npm run lab -- LAB-ARGS --out <guest>/out/run`
there as root, copies the run folder to OUT (new, or an empty folder) and exits with the lab's status.
OUT/cgroup-v2-host/ gets the guest's serial console log and its versions (guest-env.txt, versions.txt).
The guest pieces (QEMU, root disk, Go caches) are built once under
${GOMEMLIMIT_LAB_CACHE:-<repo>/.cache}/cgroup-v2-host/. For --runtime kind (also the lab's default runtime,
and `regress` with kind), the air-gapped kind node image (scripts/node-image/build.sh) is loaded once into
a cached copy of the root disk.

  OUT         where the run folder goes (results.json, report.md, logs/...)
  LAB-ARGS    the lab's own arguments (npm run lab -- --help); not --out, which run.sh sets; --go local unless given

Environment:
  GUEST_TIMEOUT   bound on the guest's boot+run, seconds or with s/m/h (default 75m with kind, 45m otherwise)
  PRIME_TIMEOUT   bound on the boot that loads the node image (default 30m)
  CGV2_MEM        guest memory in MiB (default 6144);  CGV2_CPU  QEMU -cpu model (default qemu64)
  CGV2_THP        the guest kernel's transparent_hugepage= mode (default: the host's own, so that the guest
                  differs from the host in its cgroup version only; Debian's kernel alone would use always)
  LAB_TIMEOUT_SCALE  passed to the lab in the guest (default 8): its Kubernetes waits, kubeadm's included
  CGV2_SMP        guest vCPUs (default 2, one TCG thread each; 2 gives the sample the host's GOMAXPROCS)
  CGV2_VERBOSE=1  show the whole serial console, not only the [guest] lines
  CGV2_GUEST_SCRIPT=PATH  run this script of the repo in the guest instead of the lab (diagnostics;
                  LAB-ARGS become its arguments, OUT_DIR is the folder that comes back to OUT)
  CGV2_KEEP_JOB=1 keep the job disk and console log under the cache even when the run succeeds
  GOMEMLIMIT_LAB_CACHE  cache root (default <repo>/.cache)

Exit status: the lab's; 2 on bad usage; 124 when the guest ran out of GUEST_TIMEOUT;
125 when the guest never reported a status; 1 when a guest piece could not be built.
HELP
}

usage_error() { printf 'run.sh: %s (see --help)\n' "$1" >&2; exit 2; }

[ $# -ge 1 ] || usage_error "missing OUT and LAB-ARGS: run.sh OUT -- LAB-ARGS..."
case "$1" in -h|--help) usage; exit 0 ;; esac
OUT="$1"; shift
[[ "${OUT}" != -* ]] || usage_error "OUT must come first, got '${OUT}'"
[ $# -ge 1 ] && [ "$1" = -- ] || usage_error "expected -- after OUT: run.sh OUT -- LAB-ARGS..."
shift
LAB_ARGS=("$@")
[ ${#LAB_ARGS[@]} -ge 1 ] || usage_error "no LAB-ARGS after --"
if [ -e "${OUT}" ] && { [ ! -d "${OUT}" ] || [ -n "$(ls -A "${OUT}")" ]; }; then
  usage_error "OUT ${OUT} exists and is not an empty folder"
fi

parse_duration() { # 90 | 90s | 75m | 2h -> seconds
  case "$1" in
    *[!0-9smh]*|'') return 1 ;;
    *h) echo $(( ${1%h} * 3600 )) ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}

# ------------------------------------------------------------------ what the LAB-ARGS ask for
# The command (first bare word that is not an option's value), the runtime and --node-image.
command_word=""; runtime=""; node_image_arg=""; has_ci=0; has_go=0
value_opts=" -s --scenario -r --runtime -n --reps -v --variants -o --out --node-image --context --image -e --expectations --go "
i=0
while [ $i -lt ${#LAB_ARGS[@]} ]; do
  a="${LAB_ARGS[$i]}"
  case "$a" in
    -o|--out|--out=*) usage_error "do not pass --out in LAB-ARGS: run.sh sets it and copies the run to OUT" ;;
    --runtime=*) runtime="${a#--runtime=}" ;;
    --node-image=*) node_image_arg="${a#--node-image=}" ;;
    --ci) has_ci=1 ;;
    --go|--go=*) has_go=1; [ "$a" = "--go" ] && i=$((i + 1)) ;;
    -*)
      if [[ "${value_opts}" == *" $a "* ]]; then
        i=$((i + 1))
        [ $i -lt ${#LAB_ARGS[@]} ] || break
        case "$a" in
          -r|--runtime) runtime="${LAB_ARGS[$i]}" ;;
          --node-image) node_image_arg="${LAB_ARGS[$i]}" ;;
        esac
      fi ;;
    *) [ -n "${command_word}" ] || command_word="$a" ;;
  esac
  i=$((i + 1))
done
case "${command_word}" in
  doctor|report|compare|clean|help) produces_run=0 ;;
  ""|regress) produces_run=1 ;;
  *) produces_run=1 ;; # the lab reports an unknown command itself
esac
needs_kind=0
if [ "${produces_run}" = 1 ] && [ "${runtime:-kind}" = kind ]; then needs_kind=1; fi
[ "${has_ci}" = 1 ] && [ -z "${runtime}" ] && needs_kind=1
GUEST_ARGS=("${LAB_ARGS[@]}")
[ "${produces_run}" = 1 ] && GUEST_ARGS+=(--out /job/out/run)
# The guest's Go caches are prebuilt for this machine's Go; fetching and compiling the pinned release there, under
# software emulation, would take longer than the run. --go in LAB-ARGS chooses otherwise.
[ "${produces_run}" = 1 ] && [ "${has_go}" = 0 ] && GUEST_ARGS+=(--go local)
# Diagnostics: a script of the repo (path relative to it) runs in the guest instead of the lab, with the
# LAB-ARGS as its arguments and OUT_DIR=/job/out/run; the kind node image is primed for it.
GUEST_SCRIPT="${CGV2_GUEST_SCRIPT:-}"
if [ -n "${GUEST_SCRIPT}" ]; then
  [ -f "${REPO_ROOT}/${GUEST_SCRIPT}" ] || usage_error "CGV2_GUEST_SCRIPT ${GUEST_SCRIPT} is not a file of the repo"
  GUEST_ARGS=("${LAB_ARGS[@]}"); produces_run=1; needs_kind=1
fi

if [ "${needs_kind}" = 1 ]; then default_timeout=75m; else default_timeout=45m; fi
TIMEOUT_S="$(parse_duration "${GUEST_TIMEOUT:-${default_timeout}}")" || usage_error "bad GUEST_TIMEOUT '${GUEST_TIMEOUT}' (seconds, or e.g. 75m)"
PRIME_TIMEOUT_S="$(parse_duration "${PRIME_TIMEOUT:-30m}")" || usage_error "bad PRIME_TIMEOUT '${PRIME_TIMEOUT}'"
MEM="${CGV2_MEM:-6144}"
[[ "${MEM}" =~ ^[0-9]+$ ]] || usage_error "bad CGV2_MEM '${MEM}' (MiB)"
need_root "run.sh (it builds the guest's root disk with debootstrap)"

# ------------------------------------------------------------------ cleanup on every exit path
QEMU_PID=""; FOLLOW_PID=""; JOB_DIR=""; KEEP_JOB="${CGV2_KEEP_JOB:-0}"
stop_qemu() {
  if [ -n "${QEMU_PID}" ] && kill -0 "${QEMU_PID}" 2>/dev/null; then
    log "stopping QEMU (pid ${QEMU_PID})"
    kill -TERM "${QEMU_PID}" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "${QEMU_PID}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${QEMU_PID}" 2>/dev/null || true
    wait "${QEMU_PID}" 2>/dev/null || true
  fi
  QEMU_PID=""
  if [ -n "${FOLLOW_PID}" ]; then
    # tail --pid ends on its own once QEMU is gone and the log is read to the end.
    for _ in $(seq 1 50); do kill -0 "${FOLLOW_PID}" 2>/dev/null || break; sleep 0.1; done
    kill "${FOLLOW_PID}" 2>/dev/null || true
    wait "${FOLLOW_PID}" 2>/dev/null || true
  fi
  FOLLOW_PID=""
}
on_exit() {
  local rc=$?
  stop_qemu
  if [ -n "${JOB_DIR}" ] && [ -d "${JOB_DIR}" ]; then
    if [ "${KEEP_JOB}" = 1 ] || [ "${rc}" -ne 0 ]; then
      log "job folder kept: ${JOB_DIR}"
    else
      rm -rf "${JOB_DIR}"
    fi
  fi
  exit "${rc}"
}
trap on_exit EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM

# ------------------------------------------------------------------ guest pieces (cached)
t=$(now)
QEMU="$(bash "${CGV2_DIR}/build-qemu.sh")" || die "QEMU could not be prepared"
log "step qemu: $(since "$t")s"
t=$(now)
IMAGE="$(bash "${CGV2_DIR}/build-rootfs.sh")" || die "the guest root disk could not be built"
log "step root disk: $(since "$t")s"
ROOT_IMG="${IMAGE}/root.img"

# The lab's pinned Go tools, built on the host into .cache/bin (the guest gets a copy).
t=$(now)
TSX="${REPO_ROOT}/node_modules/.bin/tsx"
[ -x "${TSX}" ] || die "no ${TSX}: run npm ci first"
tool_args=(); [ "${needs_kind}" = 1 ] && tool_args=(kind)
if [ "${produces_run}" = 1 ]; then
  (cd "${REPO_ROOT}" && "${TSX}" "${CGV2_DIR}/prebuild-tools.ts" "${tool_args[@]}" >/dev/null) \
    || die "could not build the lab's Go tools on the host (vegeta/kind into .cache/bin)"
  log "step lab tools in .cache/bin: $(since "$t")s"
fi

# ------------------------------------------------------------------ one boot
# boot_guest ROOT_IMG SNAPSHOT(on|off) JOB_IMG CONSOLE_LOG TIMEOUT_S LABEL -> sets BOOT_RESULT (ok|timeout|exited)
boot_guest() {
  local root="$1" snapshot="$2" job="$3" console="$4" timeout_s="$5" label="$6"
  local cpu="${CGV2_CPU:-qemu64}" smp="${CGV2_SMP:-2}"
  [[ "${smp}" =~ ^[1-9][0-9]*$ ]] || die "bad CGV2_SMP '${smp}' (a vCPU count)"
  local thp="${CGV2_THP:-$(sed -n 's/.*\[\([a-z]*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)}"
  case "${thp:=madvise}" in always|madvise|never) ;; *) die "bad CGV2_THP '${thp}' (always, madvise or never)" ;; esac
  : >"${console}"
  local tb; tb=$(now)
  log "booting the guest (${label}): TCG, -cpu ${cpu}, ${smp} vCPU, ${MEM} MiB, THP ${thp}, timeout ${timeout_s}s; console ${console}"
  "${QEMU}" -accel tcg,thread=multi -cpu "${cpu}" -smp "${smp}" -m "${MEM}" \
    -nodefaults -display none -monitor none -serial "file:${console}" -no-reboot \
    -kernel "${IMAGE}/vmlinuz" -initrd "${IMAGE}/initrd.img" \
    -append "console=ttyS0 root=/dev/vda rw panic=-1 systemd.unified_cgroup_hierarchy=1 fsck.mode=skip transparent_hugepage=${thp}" \
    -drive "file=${root},format=raw,if=virtio,snapshot=${snapshot},cache=writeback,discard=unmap" \
    -drive "file=${job},format=raw,if=virtio,cache=writeback" \
    -nic user,model=virtio-net-pci \
    </dev/null >"${console}.qemu" 2>&1 &
  QEMU_PID=$!
  # Live progress: the [guest] lines (all of them with CGV2_VERBOSE=1), and when the job unit starts.
  (
    seen=0
    tail -n +1 -F --pid="${QEMU_PID}" "${console}" 2>/dev/null | while IFS= read -r line; do
      line="${line//$'\r'/}"
      if [ "${seen}" = 0 ] && [[ "${line}" == *"[guest] unit started"* ]]; then
        seen=1
        log "guest job unit started $(since "${tb}")s after QEMU started"
      fi
      if [[ "${line}" == *"[guest] "* ]]; then
        printf '[guest] %s\n' "${line#*\[guest\] }" >&2
      elif [ "${CGV2_VERBOSE:-0}" = 1 ]; then
        printf '[console] %s\n' "${line}" >&2
      fi
    done
  ) &
  FOLLOW_PID=$!
  local deadline=$(( $(date +%s) + timeout_s ))
  BOOT_RESULT=exited
  while kill -0 "${QEMU_PID}" 2>/dev/null; do
    if [ "$(date +%s)" -ge "${deadline}" ]; then
      BOOT_RESULT=timeout
      log "the guest ran past its timeout (${timeout_s}s)"
      break
    fi
    sleep 1
  done
  local qrc=0
  if [ "${BOOT_RESULT}" = exited ]; then wait "${QEMU_PID}" || qrc=$?; QEMU_PID=""; fi
  stop_qemu
  [ ! -s "${console}.qemu" ] || sed 's/^/[qemu] /' "${console}.qemu" >&2
  log "guest ${label} ${BOOT_RESULT} after $(since "${tb}")s (QEMU status ${qrc})"
}

# Read one file from an ext4 image, without mounting it.
img_cat() { debugfs -R "cat $2" "$1" 2>/dev/null; }

# mkfs.ext4 -d of a folder into a sparse image with room to spare (MiB).
make_disk() { # dir image spare_mib label
  local used; used=$(du -sm "$1" | cut -f1)
  truncate -s "$(( used + $3 + 64 ))M" "$2"
  mkfs.ext4 -q -F -L "$4" -m 0 -E lazy_itable_init=1,lazy_journal_init=1 -d "$1" "$2" || die "mkfs.ext4 -d $1 failed"
}

mkdir -p "${CGV2_CACHE}/jobs"
JOB_DIR="$(mktemp -d "${CGV2_CACHE}/jobs/$(date +%Y%m%d-%H%M%S)-XXXX")"

# ------------------------------------------------------------------ kind: the node image, primed once
if [ "${needs_kind}" = 1 ]; then
  t=$(now)
  for n in $(seq 1 600); do docker info >/dev/null 2>&1 && break; [ "$n" = 1 ] && log "waiting for the host's Docker engine"; sleep 1; done
  docker info >/dev/null 2>&1 || die "the host's Docker engine is not running (scripts/setup-docker.sh)"
  if [ -n "${node_image_arg}" ] && [ "${node_image_arg}" != auto ]; then
    NODE_IMAGE_NAME="${node_image_arg}"
  else
    log "node image: bash scripts/node-image/build.sh (exits at once when the image exists)"
    NODE_IMAGE_NAME="$(cd "${REPO_ROOT}" && bash scripts/node-image/build.sh)" || die "scripts/node-image/build.sh failed"
    NODE_IMAGE_NAME="$(tail -n1 <<<"${NODE_IMAGE_NAME}")"
  fi
  node_id="$(docker image inspect -f '{{.Id}}' "${NODE_IMAGE_NAME}" 2>/dev/null)" || die "no image ${NODE_IMAGE_NAME} on the host"
  node_id="${node_id#sha256:}"
  PRIMED="${CGV2_CACHE}/primed-$(basename "${IMAGE}" | sed 's/^image-//')-${node_id:0:12}"
  log "step node image ${NODE_IMAGE_NAME} (${node_id:0:12}): $(since "$t")s"
  exec 6>"${CGV2_CACHE}/.prime.lock"
  flock -w 3600 6 || die "another run.sh holds ${CGV2_CACHE}/.prime.lock"
  if [ -f "${PRIMED}/done" ]; then
    log "primed root disk cached: ${PRIMED}/root.img"
  else
    t=$(now)
    P="${JOB_DIR}/prime"
    mkdir -p "${P}/stage/images" "${P}/stage/out"
    log "docker save ${NODE_IMAGE_NAME}"
    docker save -o "${P}/stage/images/node-image.tar" "${NODE_IMAGE_NAME}" || die "docker save ${NODE_IMAGE_NAME} failed"
    printf 'MODE=prime\nREPO_PATH=\n' >"${P}/stage/job.env"
    install -m 0755 "${CGV2_DIR}/guest/gomemlimit-lab-job" "${P}/stage/runner"
    make_disk "${P}/stage" "${P}/job.img" 256 gv2prime
    rm -rf "${P}/stage"
    rm -rf "${PRIMED}.tmp"; mkdir -p "${PRIMED}.tmp"
    cp --sparse=always "${ROOT_IMG}" "${PRIMED}.tmp/root.img"
    log "step prime disks ready: $(since "$t")s"
    t=$(now)
    boot_guest "${PRIMED}.tmp/root.img" off "${P}/job.img" "${P}/console.log" "${PRIME_TIMEOUT_S}" "prime: docker load of the node image"
    pstatus="$(img_cat "${P}/job.img" /status | tr -d '[:space:]')"
    loaded="$(img_cat "${P}/job.img" /out/images.txt)"
    if [ "${pstatus}" != 0 ] || ! grep -qF "${NODE_IMAGE_NAME#docker.io/}" <<<"${loaded}"; then
      cp "${P}/console.log" "${JOB_DIR}/prime-console.log" 2>/dev/null || true
      die "priming the root disk failed (status '${pstatus:-none}', ${BOOT_RESULT}); see ${JOB_DIR}/prime-console.log"
    fi
    echo "${NODE_IMAGE_NAME} ${node_id}" >"${PRIMED}.tmp/node-image.txt"
    cp "${IMAGE}/versions.txt" "${PRIMED}.tmp/versions.txt"
    touch "${PRIMED}.tmp/done"
    for old in "${CGV2_CACHE}"/primed-*; do [ "${old}" = "${PRIMED}.tmp" ] || rm -rf "${old}"; done
    mv "${PRIMED}.tmp" "${PRIMED}"
    rm -rf "${P}"
    log "step prime (node image loaded into ${PRIMED}/root.img): $(since "$t")s"
  fi
  exec 6>&-
  ROOT_IMG="${PRIMED}/root.img"
fi

# ------------------------------------------------------------------ the job disk
t=$(now)
S="${JOB_DIR}/stage"
mkdir -p "${S}/repo" "${S}/out"
# The working tree as git sees it (tracked + untracked, not ignored, still present), node_modules and .cache/bin.
(
  cd "${REPO_ROOT}"
  { git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] || [ -L "$f" ] && printf '%s\0' "$f"; done
    [ -d node_modules ] && printf 'node_modules\0'
    # An if, not &&: under pipefail a false test at the end of the list would fail the copy.
    if [ -d "${CACHE_ROOT}/bin" ] && [ "${CACHE_ROOT}" = "${REPO_ROOT}/.cache" ]; then printf '.cache/bin\0'; fi
  } | tar -c --null -T - -f - | tar -x -f - -C "${S}/repo"
) || die "could not copy the working tree"
if [ "${CACHE_ROOT}" != "${REPO_ROOT}/.cache" ] && [ -d "${CACHE_ROOT}/bin" ]; then
  mkdir -p "${S}/repo/.cache" && cp -a "${CACHE_ROOT}/bin" "${S}/repo/.cache/bin"
fi
rm -rf "${S}/repo/results"
if [ -n "${GUEST_SCRIPT}" ]; then
  printf 'MODE=script\nREPO_PATH=%q\nSCRIPT=%q\n' "${REPO_ROOT}" "${GUEST_SCRIPT}" >"${S}/job.env"
else
  printf 'MODE=lab\nREPO_PATH=%q\n' "${REPO_ROOT}" >"${S}/job.env"
fi
printf 'LAB_TIMEOUT_SCALE=%q\n' "${LAB_TIMEOUT_SCALE:-8}" >>"${S}/job.env"
printf '%s\0' "${GUEST_ARGS[@]}" >"${S}/args"
install -m 0755 "${CGV2_DIR}/guest/gomemlimit-lab-job" "${S}/runner"
make_disk "${S}" "${JOB_DIR}/job.img" 2048 gv2job
rm -rf "${S}"
log "step job disk: $(since "$t")s ($(du -h "${JOB_DIR}/job.img" | cut -f1) used; lab args: ${GUEST_ARGS[*]})"

# ------------------------------------------------------------------ boot, run, copy back
t=$(now)
boot_guest "${ROOT_IMG}" on "${JOB_DIR}/job.img" "${JOB_DIR}/console.log" "${TIMEOUT_S}" "run"
log "step guest run: $(since "$t")s"
status="$(img_cat "${JOB_DIR}/job.img" /status | tr -d '[:space:]')"

mkdir -p "${OUT}"
rdump_dir="${JOB_DIR}/rdump"
mkdir -p "${rdump_dir}"
if [ "${produces_run}" = 1 ]; then
  debugfs -R "rdump /out/run ${rdump_dir}" "${JOB_DIR}/job.img" >/dev/null 2>&1 || true
  if [ -d "${rdump_dir}/run" ]; then
    cp -a "${rdump_dir}/run/." "${OUT}/"
    log "run folder copied to ${OUT} ($(find "${OUT}" -type f | wc -l) files)"
  else
    log "the guest wrote no run folder"
  fi
fi
mkdir -p "${OUT}/cgroup-v2-host"
cp "${JOB_DIR}/console.log" "${OUT}/cgroup-v2-host/console.log"
img_cat "${JOB_DIR}/job.img" /guest-env.txt >"${OUT}/cgroup-v2-host/guest-env.txt" || true
{ cat "${IMAGE}/versions.txt"; "${QEMU}" --version | head -n1; } >"${OUT}/cgroup-v2-host/versions.txt"

if [ "${BOOT_RESULT}" = timeout ]; then
  KEEP_JOB=1
  DIE_STATUS=124 die "the guest did not finish within GUEST_TIMEOUT=${TIMEOUT_S}s; console: ${OUT}/cgroup-v2-host/console.log"
fi
if [[ ! "${status}" =~ ^[0-9]+$ ]]; then
  KEEP_JOB=1
  DIE_STATUS=125 die "the guest never reported the lab's status; console: ${OUT}/cgroup-v2-host/console.log"
fi
log "done: the lab exited with status ${status} in the guest; results in ${OUT}"
exit "${status}"
