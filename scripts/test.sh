#!/usr/bin/env bash
# The project's test command: installs what is missing, builds, starts the real servers, runs ctest.
#
# Usage: scripts/test.sh [ctest arguments...]      e.g. scripts/test.sh -L unit   or   -R Smoke
# Phases (each timed): install-deps.sh (apt packages), fetch-kafka.sh 3.9.1 and 4.1.1 (Maven Central),
# build-minio.sh (Go module proxy), cmake configure + build (Ninja, RelWithDebInfo, into build/ as the
# 'default' preset does; KB_BUILD_DIR overrides), servers-up.sh (Kafka 'single', 3-node Kafka
# 'cluster', MinIO), then
#   ctest --test-dir "$build_dir" --output-on-failure -j2 [ctest arguments...]
# Servers are always stopped on exit (set KB_KEEP_SERVERS=1 to leave them up for debugging).
# Exits with ctest's status, or non-zero from the first phase that failed. Works unattended (CI=true,
# no terminal); needs root or sudo only when apt packages are missing. KB_BUILD_JOBS (default 2).
set -euo pipefail
KB_SCRIPT=test
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$KB_REPO"
# The test binaries find the servers through this file (see tests/support/test_env.h).
export KB_TEST_ENV_FILE="${KB_TEST_ENV_FILE:-$KB_STATE_DIR/env}"
build_dir="${KB_BUILD_DIR:-build}"

phases=()
current=""
phase_start=""
begin() {
  current="$1"
  phase_start=$(kb_now)
  printf '\n===== %s =====\n' "$current" >&2
}
end() { phases+=("$(printf '%-22s %7ss' "$current" "$(kb_elapsed "$phase_start")")"); current=""; }

servers_started=0
finish() {
  local status=$?
  [ -z "$current" ] || phases+=("$(printf '%-22s %7ss  (failed)' "$current" "$(kb_elapsed "$phase_start")")")
  if [ "$servers_started" = 1 ]; then
    if [ -n "${KB_KEEP_SERVERS:-}" ]; then
      kb_log "KB_KEEP_SERVERS is set: servers left running; stop them with scripts/servers-down.sh"
    else
      local t
      t=$(kb_now)
      bash scripts/servers-down.sh >&2 || status=1
      phases+=("$(printf '%-22s %7ss' servers-down "$(kb_elapsed "$t")")")
    fi
  fi
  printf '\n===== timing =====\n' >&2
  printf '%s\n' "${phases[@]}" >&2
  if [ "$status" = 0 ]; then kb_log "all tests passed"; else kb_log "FAILED (exit status $status)"; fi
  exit "$status"
}
trap finish EXIT

begin install-deps
bash scripts/install-deps.sh
end

begin "fetch-kafka 3.9.1"
bash scripts/fetch-kafka.sh 3.9.1 >/dev/null
end
begin "fetch-kafka 4.1.1"
bash scripts/fetch-kafka.sh 4.1.1 >/dev/null
end
begin build-minio
bash scripts/build-minio.sh >/dev/null
end

begin "configure + build"
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build_dir" -j "${KB_BUILD_JOBS:-2}"
end

begin servers-up
servers_started=1
bash scripts/servers-up.sh
end

begin ctest
set +e
ctest --test-dir "$build_dir" --output-on-failure -j2 "$@"
ctest_status=$?
set -e
end
exit "$ctest_status"
