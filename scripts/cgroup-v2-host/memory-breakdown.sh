#!/usr/bin/env bash
# Diagnostics: where a seed-v2 container's charged memory goes, on cgroup v1 or v2. Runs the sample as the
# lab's docker runtime does (200Mi, 200m, read-only, no caps), GETs one 33 MiB /bulk, and samples the
# cgroup's memory.stat 4 times a second until the request ends or the container dies.
#   on the host:   OUT_DIR=/tmp/mb bash scripts/cgroup-v2-host/memory-breakdown.sh [baseline|gomemlimit]
#   in the guest:  CGV2_GUEST_SCRIPT=scripts/cgroup-v2-host/memory-breakdown.sh bash scripts/cgroup-v2-host/run.sh OUT -- gomemlimit
set -euo pipefail
out="${OUT_DIR:?}"; mkdir -p "${out}"
variant="${1:-gomemlimit}"
limit=$((200 * 1024 * 1024))
cd "$(dirname "$0")/../../go-sample"
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o "${out}/go-sample" .
tar -C "${out}" -c go-sample | docker import --change 'ENTRYPOINT ["/go-sample"]' - gomemlimit-lab/memory-breakdown:1 >/dev/null
env_args=(-e GODEBUG=gctrace=1 -e DATASET_SEED=1 -e BODY_MIB=33)
[ "${variant}" = gomemlimit ] && env_args+=(-e "GOMEMLIMIT=${limit}")
docker rm -f memory-breakdown >/dev/null 2>&1 || true
trap 'docker rm -f memory-breakdown >/dev/null 2>&1 || true' EXIT
docker run -d --name memory-breakdown --memory "${limit}" --memory-swap "${limit}" --cpus 0.2 --read-only \
  --cap-drop ALL --security-opt no-new-privileges -p 127.0.0.1::5500 "${env_args[@]}" gomemlimit-lab/memory-breakdown:1 >/dev/null
port="$(docker port memory-breakdown 5500/tcp | head -n1 | sed 's/.*://')"
pid="$(docker inspect -f '{{.State.Pid}}' memory-breakdown)"
if grep -q '^0::' "/proc/${pid}/cgroup" && [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  dir="/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/${pid}/cgroup")"; usage=memory.current
else
  dir="/sys/fs/cgroup/memory$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/${pid}/cgroup")"; usage=memory.usage_in_bytes
fi
echo "variant ${variant}, cgroup ${dir}, port ${port}"
for _ in $(seq 50); do docker logs memory-breakdown 2>&1 | grep -q listening && break; sleep 0.2; done
node -e "fetch('http://127.0.0.1:${port}/bulk?mib=33').then(async (r) => { let n = 0; for await (const c of r.body) n += c.length; console.log('status', r.status, 'bytes', n); }).catch((e) => console.log('request failed:', e.cause?.code ?? e.message))" \
  >"${out}/request.txt" 2>&1 &
req=$!
: >"${out}/memory.stat.log"
while kill -0 "${req}" 2>/dev/null && [ -f "${dir}/${usage}" ]; do
  { echo "t $(date +%s.%N) ${usage} $(cat "${dir}/${usage}" 2>/dev/null)"; cat "${dir}/memory.stat" 2>/dev/null; echo; } >>"${out}/memory.stat.log"
  sleep 0.25
done
wait "${req}" || true
cat "${out}/request.txt"
docker inspect -f 'exit {{.State.ExitCode}} oomkilled {{.State.OOMKilled}}' memory-breakdown
docker logs memory-breakdown >"${out}/container.log" 2>&1 || true
grep '^gc ' "${out}/container.log" | tail -n 5
# The last full sample before the end, the keys that matter.
awk -v RS= 'END { print "last sample:"; print }' "${out}/memory.stat.log" | grep -E '^(t |anon |file |kernel |kernel_stack |pagetables |sock |shmem |slab |percpu |rss |cache |mapped_file |total_rss |total_cache )' || true
