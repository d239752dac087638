#!/usr/bin/env bash
# The seed on a cgroup v2 guest: docker, then (unless CGROUP_V2_SKIP_KIND=1) kind, 2 repetitions each,
# each into a fresh folder under results/; checks that every results.json records cgroup v2, memory read from
# the host's cgroup v2 files with a peak for every variant, and the failure itself: every baseline repetition
# OOM-killed. GOMEMLIMIT's survival is reported, not asserted: 2 repetitions cannot tell a rate (README).
# CGROUP_V2_SCENARIO picks another scenario (default scenarios/seed-v2-tcg.yaml, the seed at half scale with a
# 900 s request timeout: in TCG the seed's 120 s, and on a busy host seed-v2's 300 s, end requests early).
#   npm run test:cgroup-v2          (as root; the first run builds the guest pieces, see README.md)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "${here}/../.." && pwd)"
fails=0

check() { # results.json
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const problems = [];
    if (!/^v?2$/.test(String(r.environment?.cgroupVersion))) problems.push(`environment.cgroupVersion is ${r.environment?.cgroupVersion}`);
    if (!Array.isArray(r.variants) || r.variants.length === 0) problems.push("no variants");
    for (const v of r.variants ?? []) if (v.peakMemoryBytes === null || v.peakMemoryBytes === undefined) problems.push(`${v.name}: peakMemoryBytes is null`);
    for (const run of r.runs ?? []) if (run.memory.source !== "host cgroup v2") problems.push(`${run.id}: memory from "${run.memory.source}"`);
    const baseline = (r.variants ?? []).find((v) => v.name === "baseline");
    if (!baseline || baseline.oomKills < baseline.repetitions) problems.push(`baseline: ${baseline?.oomKills} OOM kills in ${baseline?.repetitions} repetitions`);
    const peaks = (r.variants ?? []).map((v) => `${v.name} ${(v.peakMemoryBytes / 2 ** 20).toFixed(1)} MiB, survived ${v.survivedRepetitions}/${v.repetitions}`);
    if (problems.length) { console.error(`FAIL ${process.argv[1]}: ${problems.join("; ")}`); process.exit(1); }
    console.error(`PASS ${process.argv[1]}: ${r.runtime}, cgroup ${r.environment.cgroupVersion}, THP ${r.environment.transparentHugepages}; ${peaks.join("; ")}`);
  ' "$1"
}

scenario="${CGROUP_V2_SCENARIO:-scripts/cgroup-v2-host/scenarios/seed-v2-tcg.yaml}"

run() { # runtime
  local out; out="${repo}/results/$(date +%Y%m%d-%H%M%S)-cgroup-v2-$1-$(basename "${scenario}" .yaml)"
  echo "[test:cgroup-v2] --runtime $1 --scenario ${scenario} --reps 2 -> ${out}" >&2
  if ! bash "${here}/run.sh" "${out}" -- --runtime "$1" --scenario "${scenario}" --reps 2; then
    echo "[test:cgroup-v2] FAIL $1: run.sh exited non-zero" >&2; fails=$((fails + 1)); return
  fi
  check "${out}/results.json" || fails=$((fails + 1))
}

run docker
if [ "${CGROUP_V2_SKIP_KIND:-0}" != 1 ]; then run kind; fi
[ "${fails}" = 0 ] || { echo "[test:cgroup-v2] ${fails} failure(s)" >&2; exit 1; }
echo "[test:cgroup-v2] all passed" >&2
