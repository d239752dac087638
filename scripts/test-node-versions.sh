#!/usr/bin/env bash
# The unit layer and the docker seed test on the Node releases users run (24 and 26), each taken from the npm
# registry's `node` package at a pinned version: nothing downloaded from elsewhere. Node 20 runs the whole suite.
#   bash scripts/test-node-versions.sh [VERSION...]
set -euo pipefail
cd "$(dirname "$0")/.."
versions=("$@")
[ ${#versions[@]} -gt 0 ] || versions=(24.21.0 26.10.0)
for version in "${versions[@]}"; do
  node_bin="$(npm exec --yes --package="node@${version}" -- node -p process.execPath)"
  echo "[node ${version}] ${node_bin}"
  log="$(mktemp)"
  # TAP, whatever the terminal: Node 24 and later default to the spec reporter off a TTY.
  if ! "${node_bin}" --import tsx --test --test-concurrency=1 --test-reporter=tap $(find lab -name "*.test.ts" | sort) test/seed-docker.test.ts >"${log}" 2>&1; then
    grep -E '^not ok|^# (pass|fail)' "${log}" || tail -40 "${log}"
    echo "[node ${version}] FAILED (full output: ${log})"
    exit 1
  fi
  grep -E '^# (tests|pass|fail)' "${log}" | sed "s/^/[node ${version}] /"
done
