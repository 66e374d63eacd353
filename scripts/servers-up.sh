#!/usr/bin/env bash
# Starts everything the integration and cluster tests talk to, and writes the env file they read.
#
# Usage: servers-up.sh [--no-cluster] [--no-minio] [--env-file PATH]
#   - Kafka 3.9.1, one node, instance 'single'   (KAFKA_PORT fixes its port, e.g. 9092 for the seed demo),
#     with a SASL_PLAINTEXT listener (PLAIN, SCRAM-SHA-256/512; kafka-up.sh --sasl) and a mutual-TLS
#     SSL listener (--tls) too
#   - Kafka 4.1.1, three nodes, instance 'cluster' (skipped with --no-cluster)
#   - MinIO with buckets kafka-backups and kb-test, instance 'minio' (skipped with --no-minio)
# The env file (default $KB_TEST_ENV_FILE, else $KB_STATE_DIR/env = .test-env/env) gets KEY=VALUE lines:
#   KB_BOOTSTRAP KB_KAFKA_VERSION KB_KAFKA_LIBS
#   KB_SASL_BOOTSTRAP KB_SASL_USERNAME KB_SASL_PASSWORD (the single broker's SASL_PLAINTEXT listener)
#   KB_TLS_BOOTSTRAP KB_TLS_CA KB_TLS_CERT KB_TLS_KEY (its SSL listener, client certificate required)
#   KB_CLUSTER_BOOTSTRAP KB_CLUSTER_KAFKA_VERSION KB_CLUSTER_KAFKA_LIBS
#   KB_S3_ENDPOINT KB_S3_ACCESS_KEY KB_S3_SECRET_KEY KB_S3_BUCKET KB_S3_BACKUP_BUCKET KB_S3_REGION
# Fetches Kafka and builds MinIO first if their caches are cold, and prints how long that took.
# Idempotent (running servers are reused). On failure it stops what it started and exits non-zero.
# Stop everything with scripts/servers-down.sh.
set -euo pipefail
KB_SCRIPT=servers-up
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

cluster=1
minio=1
env_file="${KB_TEST_ENV_FILE:-$KB_STATE_DIR/env}"
while [ $# -gt 0 ]; do
  case "$1" in
    --no-cluster) cluster=0; shift ;;
    --no-minio) minio=0; shift ;;
    --env-file) env_file="${2:?--env-file needs a value}"; shift 2 ;;
    -h|--help) kb_usage; exit 0 ;;
    *) kb_die "unknown argument '$1' (see --help)" ;;
  esac
done
single_version=3.9.1
cluster_version=4.1.1
single_port="${KAFKA_PORT:-}"
unset KAFKA_PORT  # it is for 'single' only, never the cluster

scripts="$KB_REPO/scripts"
ok=0
cleanup_on_failure() {
  [ "$ok" = 1 ] && return
  kb_log "start-up failed; stopping what was started"
  bash "$scripts/servers-down.sh" --env-file "$env_file" >&2 || true
}
trap cleanup_on_failure EXIT

timed() {  # timed LABEL CMD...: runs CMD, prints its stdout, logs how long it took
  local label="$1" t out
  shift
  t=$(kb_now)
  out="$("$@")" || kb_die "$label failed"
  kb_log "$label took $(kb_elapsed "$t")s"
  printf '%s\n' "$out"
}

single_libs="$(timed "fetch-kafka.sh $single_version" bash "$scripts/fetch-kafka.sh" "$single_version")"
[ "$cluster" = 1 ] && cluster_libs="$(timed "fetch-kafka.sh $cluster_version" bash "$scripts/fetch-kafka.sh" "$cluster_version")"
[ "$minio" = 1 ] && timed "build-minio.sh" bash "$scripts/build-minio.sh" >/dev/null

single_args=(--nodes 1 --version "$single_version" --name single --sasl --tls)
[ -n "$single_port" ] && single_args+=(--port "$single_port")
bootstrap="$(timed "kafka-up (single)" bash "$scripts/kafka-up.sh" "${single_args[@]}")"
if [ "$cluster" = 1 ]; then
  cluster_bootstrap="$(timed "kafka-up (cluster)" bash "$scripts/kafka-up.sh" --nodes 3 --version "$cluster_version" --name cluster)"
fi
if [ "$minio" = 1 ]; then
  minio_env="$(timed "minio-up" bash "$scripts/minio-up.sh" --name minio kafka-backups kb-test)"
fi

mkdir -p "$(dirname "$env_file")"
tmp="$env_file.tmp.$$"
{
  echo "# Written by scripts/servers-up.sh at $(date -u +%Y-%m-%dT%H:%M:%SZ); stop with scripts/servers-down.sh"
  echo "KB_BOOTSTRAP=$bootstrap"
  echo "KB_KAFKA_VERSION=$single_version"
  echo "KB_KAFKA_LIBS=$single_libs"
  echo "KB_SASL_BOOTSTRAP=$(cat "$KB_STATE_DIR/single/sasl_bootstrap")"
  echo "KB_SASL_USERNAME=kb-test"
  echo "KB_SASL_PASSWORD=kb-test-secret"
  echo "KB_TLS_BOOTSTRAP=$(cat "$KB_STATE_DIR/single/tls_bootstrap")"
  echo "KB_TLS_CA=$KB_STATE_DIR/single/tls/ca.pem"
  echo "KB_TLS_CERT=$KB_STATE_DIR/single/tls/client.pem"
  echo "KB_TLS_KEY=$KB_STATE_DIR/single/tls/client.key"
  if [ "$cluster" = 1 ]; then
    echo "KB_CLUSTER_BOOTSTRAP=$cluster_bootstrap"
    echo "KB_CLUSTER_KAFKA_VERSION=$cluster_version"
    echo "KB_CLUSTER_KAFKA_LIBS=$cluster_libs"
  fi
  if [ "$minio" = 1 ]; then
    printf '%s\n' "$minio_env"
    echo "KB_S3_BUCKET=kb-test"
    echo "KB_S3_BACKUP_BUCKET=kafka-backups"
  fi
} >"$tmp"
chmod 600 "$tmp"
mv "$tmp" "$env_file"
ok=1
kb_log "servers are up; env file $env_file:"
sed 's/^\(KB_S3_SECRET_KEY=\).*/\1(hidden)/' "$env_file" >&2
