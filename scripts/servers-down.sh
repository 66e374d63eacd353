#!/usr/bin/env bash
# Stops what scripts/servers-up.sh started (Kafka 'single', Kafka 'cluster', MinIO 'minio') and
# removes the env file, so tests fail with "start the servers" instead of connection timeouts.
#
# Usage: servers-down.sh [--env-file PATH] [--purge]
#   --env-file  env file to remove (default $KB_TEST_ENV_FILE, else $KB_STATE_DIR/env)
#   --purge     also delete the servers' data and logs
# Stopping what is not running is not an error; exits non-zero only if a process would not stop.
set -euo pipefail
KB_SCRIPT=servers-down
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

env_file="${KB_TEST_ENV_FILE:-$KB_STATE_DIR/env}"
purge=()
while [ $# -gt 0 ]; do
  case "$1" in
    --env-file) env_file="${2:?--env-file needs a value}"; shift 2 ;;
    --purge) purge=(--purge); shift ;;
    -h|--help) kb_usage; exit 0 ;;
    *) kb_die "unknown argument '$1' (see --help)" ;;
  esac
done

rm -f "$env_file"
status=0
bash "$KB_REPO/scripts/kafka-down.sh" --name single --name cluster "${purge[@]}" || status=1
bash "$KB_REPO/scripts/minio-down.sh" --name minio "${purge[@]}" || status=1
exit "$status"
