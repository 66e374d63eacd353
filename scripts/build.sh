#!/usr/bin/env bash
# Configures and builds kafka-backup (and its tests) into build/. Idempotent and incremental.
# Usage: build.sh [--preset default|asan]
set -euo pipefail
KB_SCRIPT=build
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
preset=default
[ "${1:-}" = "--preset" ] && preset="${2:?--preset needs a value}"
cd "$KB_REPO"
jobs="$(nproc 2>/dev/null || echo 2)"
cmake --preset "$preset" >/dev/null || kb_die "cmake configure failed (run scripts/install-deps.sh first)"
cmake --build --preset "$preset" -j "$jobs" || kb_die "build failed"
