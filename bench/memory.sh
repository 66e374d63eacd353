#!/usr/bin/env bash
# Peak RSS of backup and restore (default settings) with 1, 12 and 64 partitions, at two data sizes.
#
# Usage: bench/memory.sh [--smoke] [--bin PATH] [--keep]
#   --smoke  tiny topics (for CI); also KB_BENCH_SMOKE=1
#   --bin    the kafka-backup binary (default build/kafka-backup; copied before use)
#   --keep   leave the bench broker and MinIO running
# Random (incompressible) 1 KiB records: the worst case for buffered segment data. Each topic is
# backed up and restored once holding SIZE MB and again holding 8 x SIZE MB, on each storage
# backend; peak RSS comes from /usr/bin/time (%M). The floor is 256 MiB at 64 partitions. The larger
# size gives each of 64 partitions more than a worker's share of the segment buffer budget (12 MiB),
# so buffers reach their caps: RSS must stay flat from there on.
# Env: KB_BENCH_RSS_MB (SIZE; default 128, smoke 2), KB_BENCH_WORK (scratch dir).
set -euo pipefail
KB_SCRIPT=bench-memory
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
source "$KB_REPO/bench/lib.sh"

bench_init "$@"
bench_servers_up
if [ "$BENCH_SMOKE" = 1 ]; then mb="${KB_BENCH_RSS_MB:-2}"; else mb="${KB_BENCH_RSS_MB:-128}"; fi
run="mem$(date +%s)"
size=1024
bench_data random "$size" "$mb"

bench_section "Peak RSS (MiB; random 1 KiB records; default settings; floor $BENCH_FLOOR_RSS_MIB MiB)"
fmt='%5s %-3s %8s %9s | %-18s %-18s\n'
bench_out "$(printf "$fmt" parts st "data MB" records "backup RSS" "restore RSS")"
for parts in 1 12 64; do
  topic="$run-p$parts"
  bench_create_topic "$topic" "$parts"
  loaded=0
  for copies in 1 8; do
    # Grow the topic to COPIES x the file: the same records again are as good as new ones here.
    while [ "$loaded" -lt "$copies" ]; do
      bench_kcat_produce "mem-p$parts-load" "$topic" "$file"
      loaded=$((loaded + 1))
    done
    records=$((count * copies))
    bench_expect_records "$topic" "$parts" "$records"
    for backend in "${BENCH_BACKENDS[@]}"; do
      tag="mem-p$parts-x$copies-$backend"
      bench_backup "$tag-backup" "$backend" "$topic-x$copies-$backend" "$topic" "$records"
      bk_rss="$T_RSS_MIB"
      bench_restore "$tag-restore" "$backend" "$topic-x$copies-$backend" "$topic" "$topic-x$copies-r-$backend" "$records"
      bench_out "$(printf "$fmt" "$parts" "$backend" "$(bench_mbps $((records * size)) 1)" "$records" \
        "$(bench_rss_mark "$bk_rss")" "$(bench_rss_mark "$T_RSS_MIB")")"
    done
  done
done
