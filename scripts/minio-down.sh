#!/usr/bin/env bash
# Stops a MinIO that scripts/minio-up.sh started, by its pid file, and waits until it exits.
#
# Usage: minio-down.sh [--name NAME] [--purge]
#   --name   instance to stop (default minio)
#   --purge  also delete its data, log and env file
# Only a process whose pid file and command line match the instance is signalled. Stopping what is
# not running is not an error.
set -euo pipefail
KB_SCRIPT=minio-down
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

name=minio
purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="${2:?--name needs a value}"; shift 2 ;;
    --purge) purge=1; shift ;;
    -h|--help) kb_usage; exit 0 ;;
    *) kb_die "unknown argument '$1' (see --help)" ;;
  esac
done
dir="$KB_STATE_DIR/$name"
kb_stop_pid "$dir/minio.pid" "$dir/data" "MinIO '$name'"
[ "$purge" = 1 ] && rm -rf "$dir"
exit 0
