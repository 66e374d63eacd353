#!/usr/bin/env bash
# Compression: ratio and CPU seconds per MB of backup for zstd levels 1, 3 and 9, lz4, and none.
#
# Usage: bench/compression.sh [--smoke] [--bin PATH] [--keep]
#   --smoke  tiny topics (for CI); also KB_BENCH_SMOKE=1
#   --bin    the kafka-backup binary (default build/kafka-backup; copied before use)
#   --keep   leave the bench broker and MinIO running
# One 1-partition topic of JSON-like 1 KiB records, backed up once per codec on each storage backend.
# ratio = record bytes read / bytes stored; CPU = user + sys of the whole backup process
# (/usr/bin/time), per MB of record values; the codec's own share is the difference to "none".
# Env: KB_BENCH_COMP_MB (default 128, smoke 2), KB_BENCH_WORK (scratch dir).
set -euo pipefail
KB_SCRIPT=bench-compression
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
source "$KB_REPO/bench/lib.sh"

bench_init "$@"
bench_servers_up
if [ "$BENCH_SMOKE" = 1 ]; then mb="${KB_BENCH_COMP_MB:-2}"; else mb="${KB_BENCH_COMP_MB:-128}"; fi
run="comp$(date +%s)"
size=1024
bench_data json "$size" "$mb"
topic="$run-p1"
bench_create_topic "$topic" 1
bench_kcat_produce comp-load "$topic" "$file"
bench_expect_records "$topic" 1 "$count"
payload_mb="$(bench_mbps $((count * size)) 1)"

bench_section "Compression ($payload_mb MB of JSON-like 1 KiB records, 1 partition; CPU = user+sys of the backup)"
fmt='%-7s %-3s %7s %10s | %9s %9s | %8s\n'
bench_out "$(printf "$fmt" codec st ratio "stored MB" "CPU s" "CPU s/MB" "MB/s")"
for backend in "${BENCH_BACKENDS[@]}"; do
  for codec in none lz4 zstd:1 zstd:3 zstd:9; do
    name="${codec%%:*}"
    opts=("compression: $name")
    [ "$name" = zstd ] && opts+=("compression_level: ${codec#*:}")
    tag="comp-${codec/:/}-$backend"
    bench_backup "$tag-backup" "$backend" "$topic-${codec/:/}-$backend" "$topic" "$count" "${opts[@]}"
    raw="$(bench_json "$BENCH_WORK/$tag-backup.out" bytes)"
    bench_out "$(printf "$fmt" "$codec" "$backend" "$(awk -v r="$raw" -v s="$B_STORED" 'BEGIN { printf "%.2f", r / s }')" \
      "$(bench_mbps "$B_STORED" 1)" "$T_CPU" "$(awk -v c="$T_CPU" -v m="$payload_mb" 'BEGIN { printf "%.4f", c / m }')" \
      "$(bench_mbps $((count * size)) "$T_WALL")")"
  done
done
