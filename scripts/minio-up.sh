#!/usr/bin/env bash
# Starts a real MinIO S3 server on 127.0.0.1 (binary from scripts/build-minio.sh) and creates buckets.
#
# Usage: minio-up.sh [--name NAME] [--port PORT] [BUCKET...]
#   BUCKET   buckets to create (default: kafka-backups kb-test); existing ones are fine
#   --name   instance name (default minio); state in $KB_STATE_DIR/NAME (default .test-env/NAME):
#            data/, minio.log, minio.pid, env
#   --port   API port (default $MINIO_PORT, else a free port)
# Env: MINIO_ROOT_USER (default kbadmin), MINIO_ROOT_PASSWORD (default: generated once per start,
#      kbsecret-<random>), KB_MINIO_READY_TIMEOUT seconds (default 60).
# Prints KEY=VALUE lines on stdout (KB_S3_ENDPOINT, KB_S3_ACCESS_KEY, KB_S3_SECRET_KEY, KB_S3_REGION)
# and writes the same to NAME/env. Idempotent: a running, healthy instance (on PORT, if given) is reused
# (buckets still ensured); otherwise NAME is started afresh with empty data.
# Stop it with scripts/minio-down.sh.
set -euo pipefail
KB_SCRIPT=minio-up
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

name=minio
port="${MINIO_PORT:-}"
buckets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="${2:?--name needs a value}"; shift 2 ;;
    --port) port="${2:?--port needs a value}"; shift 2 ;;
    -h|--help) kb_usage; exit 0 ;;
    -*) kb_die "unknown option '$1' (see --help)" ;;
    *) buckets+=("$1"); shift ;;
  esac
done
[ ${#buckets[@]} -gt 0 ] || buckets=(kafka-backups kb-test)
[[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || kb_die "--name '$name' may hold only letters, digits, '.', '_' and '-'"
command -v curl >/dev/null || kb_die "curl not found; run scripts/install-deps.sh"

dir="$KB_STATE_DIR/$name"
pattern="$dir/data"
healthy() { curl -fsS -o /dev/null --max-time 2 "$1/minio/health/live" 2>/dev/null; }

# Creates bucket $1 at $endpoint; "already yours" counts as success.
make_bucket() {
  local code body
  body="$(mktemp)"
  code="$(curl -sS -o "$body" -w '%{http_code}' --max-time 20 --aws-sigv4 "aws:amz:us-east-1:s3" \
    --user "$user:$password" -X PUT "$endpoint/$1")" || { rm -f "$body"; kb_die "PUT bucket=$1 endpoint=$endpoint: curl failed"; }
  if [ "$code" = 200 ] || { [ "$code" = 409 ] && grep -q BucketAlreadyOwnedByYou "$body"; }; then
    rm -f "$body"
    return 0
  fi
  kb_log "PUT bucket=$1 endpoint=$endpoint answered HTTP $code: $(head -c 600 "$body")"
  rm -f "$body"
  kb_die "could not create bucket=$1 on MinIO at $endpoint"
}

print_env() {
  cat <<ENV
KB_S3_ENDPOINT=$endpoint
KB_S3_ACCESS_KEY=$user
KB_S3_SECRET_KEY=$password
KB_S3_REGION=us-east-1
ENV
}

if kb_pid_alive "$dir/minio.pid" "$pattern" && [ -f "$dir/env" ]; then
  endpoint="$(sed -n 's/^KB_S3_ENDPOINT=//p' "$dir/env")"
  user="$(sed -n 's/^KB_S3_ACCESS_KEY=//p' "$dir/env")"
  password="$(sed -n 's/^KB_S3_SECRET_KEY=//p' "$dir/env")"
  if [ -n "$endpoint" ] && { [ -z "$port" ] || [ "$endpoint" = "http://127.0.0.1:$port" ]; } && healthy "$endpoint"; then
    for b in "${buckets[@]}"; do make_bucket "$b"; done
    kb_log "MinIO '$name' is already running at $endpoint (buckets: ${buckets[*]})"
    print_env
    exit 0
  fi
fi
bash "$KB_REPO/scripts/minio-down.sh" --name "$name" >&2
rm -rf "$dir/data" "$dir/env" "$dir/minio.log"
mkdir -p "$dir/data"

bin="$(bash "$KB_REPO/scripts/build-minio.sh")" || kb_die "could not build MinIO (scripts/build-minio.sh)"
[ -x "$bin" ] || kb_die "build-minio.sh printed '$bin', which is not an executable"

if [ -n "$port" ]; then
  kb_require_free_port "$port" "--port / MINIO_PORT"
else
  port="$(kb_free_ports 1)"
  [ -n "$port" ] || kb_die "could not find a free loopback port"
fi
endpoint="http://127.0.0.1:$port"
user="${MINIO_ROOT_USER:-kbadmin}"
password="${MINIO_ROOT_PASSWORD:-kbsecret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')}"
(umask 077 && print_env >"$dir/env")

start=$(kb_now)
MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$password" MINIO_BROWSER=off MINIO_UPDATE=off \
  kb_spawn_detached "$dir/minio.pid" "$dir/minio.log" "$bin" server --quiet --address "127.0.0.1:$port" "$dir/data"

timeout_s="${KB_MINIO_READY_TIMEOUT:-60}"
deadline=$(( $(date +%s) + timeout_s ))
until healthy "$endpoint"; do
  if kb_died "$dir/minio.pid" "$pattern"; then
    tail -n 40 "$dir/minio.log" >&2 || true
    kb_die "MinIO '$name' exited during start-up (log: $dir/minio.log)"
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    tail -n 40 "$dir/minio.log" >&2 || true
    bash "$KB_REPO/scripts/minio-down.sh" --name "$name" >&2 || true
    kb_die "MinIO '$name' not healthy at $endpoint/minio/health/live after ${timeout_s}s (log: $dir/minio.log)"
  fi
  sleep 0.2
done
for b in "${buckets[@]}"; do make_bucket "$b"; done
kb_log "MinIO '$name' ready at $endpoint in $(kb_elapsed "$start")s (buckets: ${buckets[*]})"
print_env
