#!/usr/bin/env bash
# Stops or starts again a MinIO that scripts/minio-up.sh started, keeping its data, port and
# credentials: for fault tests (a storage outage of a given length).
#
# Usage: minio-ctl.sh [--name NAME] stop|start
#   --name   instance (default minio)
#   stop     SIGTERM; waits until it has exited (the data directory stays)
#   start    starts it again on the same port with the same data and credentials (a running
#            instance is left alone), then waits until /minio/health/live answers
# Env: KB_MINIO_READY_TIMEOUT seconds (default 60).
# Exits non-zero on failure, naming the instance and its log.
set -euo pipefail
KB_SCRIPT=minio-ctl
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

name=minio
action=""
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="${2:?--name needs a value}"; shift 2 ;;
    stop|start) action="$1"; shift ;;
    -h|--help) kb_usage; exit 0 ;;
    *) kb_die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -n "$action" ] || kb_die "say what to do: stop or start (see --help)"
dir="$KB_STATE_DIR/$name"
[ -f "$dir/env" ] || kb_die "MinIO '$name' was never started (no $dir/env): use minio-up.sh"
pattern="$dir/data"

case "$action" in
  stop)
    KB_QUIET=1 kb_stop_pid "$dir/minio.pid" "$pattern" "MinIO '$name'"
    kb_log "stopped MinIO '$name'"
    ;;
  start)
    kb_pid_alive "$dir/minio.pid" "$pattern" && exit 0
    endpoint="$(sed -n 's/^KB_S3_ENDPOINT=//p' "$dir/env")"
    user="$(sed -n 's/^KB_S3_ACCESS_KEY=//p' "$dir/env")"
    password="$(sed -n 's/^KB_S3_SECRET_KEY=//p' "$dir/env")"
    address="${endpoint#http://}"
    bin="$(bash "$KB_REPO/scripts/build-minio.sh")" || kb_die "could not build MinIO (scripts/build-minio.sh)"
    start=$(kb_now)
    MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$password" MINIO_BROWSER=off MINIO_UPDATE=off \
      kb_spawn_detached "$dir/minio.pid" "$dir/minio.log" "$bin" server --quiet --address "$address" "$dir/data"
    deadline=$(( $(date +%s) + ${KB_MINIO_READY_TIMEOUT:-60} ))
    until curl -fsS -o /dev/null --max-time 2 "$endpoint/minio/health/live" 2>/dev/null; do
      if kb_died "$dir/minio.pid" "$pattern"; then
        tail -n 40 "$dir/minio.log" >&2 || true
        kb_die "MinIO '$name' exited during start-up (log: $dir/minio.log)"
      fi
      [ "$(date +%s)" -lt "$deadline" ] || kb_die "MinIO '$name' not healthy at $endpoint after ${KB_MINIO_READY_TIMEOUT:-60}s (log: $dir/minio.log)"
      sleep 0.2
    done
    kb_log "started MinIO '$name' again at $endpoint in $(kb_elapsed "$start")s"
    ;;
esac
