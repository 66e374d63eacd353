#!/usr/bin/env bash
# Runs every benchmark (throughput vs kcat, peak RSS, PITR cost, compression) on one local broker
# and MinIO, then prints the tables and writes them to bench/results/.
#
# Usage: bench/run.sh [--smoke] [--bin PATH] [--keep]
#   --smoke  tiny sizes, under ~2 minutes (for CI); also KB_BENCH_SMOKE=1
#   --bin    the kafka-backup binary (default build/kafka-backup; copied before use)
#   --keep   leave the bench broker and MinIO running afterwards
# Starts its own Kafka (scripts/kafka-up.sh --name bench, KB_BENCH_KAFKA_VERSION, default 3.9.1) and
# MinIO (--name bench-minio, bucket kafka-bench) on free 127.0.0.1 ports and stops them on exit.
# Results: bench/results/latest.txt (full run) or bench/results/smoke.txt (smoke run).
# Exits non-zero when a command fails or a backup or restore moves the wrong number of records;
# a figure under a floor is only marked BELOW FLOOR.
# The sections also run alone: bench/throughput.sh, startup.sh, memory.sh, pitr.sh, compression.sh, catalog.sh,
# scaleout.sh.
set -euo pipefail
KB_SCRIPT=bench
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
source "$KB_REPO/bench/lib.sh"

bench_init "$@"
mode=full
[ "$BENCH_SMOKE" = 1 ] && mode=smoke
BENCH_REPORT="$BENCH_WORK/report-run.txt"
rm -f "$BENCH_REPORT"
# Scratch backups of earlier runs only cost disk space.
rm -rf "$BENCH_WORK/backups"
start=$(kb_now)
bench_servers_up

cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
ram="$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
commit="$(git -C "$KB_REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git -C "$KB_REPO" status --porcelain -- src 2>/dev/null | head -c 1)"
{
  echo "kafka-backup benchmarks ($mode run), $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "machine: $(nproc) cores, $cpu, $ram RAM; Kafka $BENCH_KAFKA_VERSION (1 broker, KRaft, 127.0.0.1); MinIO on 127.0.0.1"
  [ "$BENCH_SMOKE" = 1 ] && echo "SMOKE RUN: tiny data, start-up dominates; the figures only show the runs work."
  echo "binary: $("$BENCH_BIN" --version) (commit $commit${dirty:+, with uncommitted changes in src/}); kcat $(kcat -V 2>&1 | awk '/^Version/ { print $2; exit }'), librdkafka $(kcat -V 2>&1 | sed -n 's/.*librdkafka \([0-9.]*\).*/\1/p' | head -n 1)"
} >"$BENCH_REPORT"
export BENCH_REPORT

args=()
[ "$BENCH_SMOKE" = 1 ] && args+=(--smoke)
for section in throughput startup memory pitr compression catalog scaleout; do
  t=$(kb_now)
  bash "$KB_REPO/bench/$section.sh" "${args[@]}"
  kb_log "$section done in $(kb_elapsed "$t")s"
done

below="$(grep -c 'BELOW FLOOR' "$BENCH_REPORT" || true)"
{
  echo ""
  echo "Floors: backup >= ${BENCH_FLOOR_FS}x kcat -C to a directory and ${BENCH_FLOOR_S3}x to MinIO; restore >= ${BENCH_FLOOR_FS}x" \
    "kcat -P with our producer settings from a directory and ${BENCH_FLOOR_S3}x from MinIO; peak RSS <= $BENCH_FLOOR_RSS_MIB MiB."
  echo "Lines marked BELOW FLOOR: $below. Total time $(kb_elapsed "$start")s."
} >>"$BENCH_REPORT"
mkdir -p "$KB_REPO/bench/results"
out="$KB_REPO/bench/results/latest.txt"
[ "$BENCH_SMOKE" = 1 ] && out="$KB_REPO/bench/results/smoke.txt"
cp "$BENCH_REPORT" "$out"
printf '\n\n' >&2
cat "$BENCH_REPORT"
kb_log "results written to $out"
