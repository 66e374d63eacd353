#!/usr/bin/env bash
# Backup and restore throughput against kcat, on a real local broker, to a directory and to MinIO.
#
# Usage: bench/throughput.sh [--smoke] [--bin PATH] [--keep]
#   --smoke  tiny topics (for CI); also KB_BENCH_SMOKE=1
#   --bin    the kafka-backup binary (default build/kafka-backup; copied before use)
#   --keep   leave the bench broker and MinIO running
# For records of 100 B, 1 KiB and 64 KiB, JSON-like and random data, and 1 and 12 partitions: loads a
# topic with `kcat -P` from a generated file (that is kcat's produce figure), consumes it with
# `kcat -C -e -o beginning` into a file, then backs it up and restores it into a new topic with
# kafka-backup (default settings) on each storage backend. MB/s counts record values (MB = 10^6 B)
# over the whole process's wall time, for kcat and for us alike.
# Env: KB_BENCH_MB (MB per topic; default 256, smoke 2), KB_BENCH_WORK (scratch dir).
set -euo pipefail
KB_SCRIPT=bench-throughput
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
source "$KB_REPO/bench/lib.sh"

bench_init "$@"
bench_servers_up
if [ "$BENCH_SMOKE" = 1 ]; then mb="${KB_BENCH_MB:-2}"; else mb="${KB_BENCH_MB:-256}"; fi
run="tp$(date +%s)"  # topic and backup names unique per run: a reused broker keeps old topics

bench_section "Throughput ($mb MB per topic; ratio = ours / kcat; kcat: -C -e -o beginning to a file, -P -l FILE)"
fmt='%-6s %-6s %5s %-3s | %8s %9s %5s | %8s %9s %5s | %7s %-16s | %7s %-16s\n'
bench_out "$(printf "$fmt" record data parts st "bk MB/s" "bk rec/s" "MiB" "rs MB/s" "rs rec/s" "MiB" \
  "kcat-C" "backup/kcat-C" "kcat-P" "restore/kcat-P")"

for size in 100 1024 65536; do
  for kind in json random; do
    bench_data "$kind" "$size" "$mb"
    payload=$((count * size))
    case "$size" in 100) label=100B ;; 1024) label=1KiB ;; 65536) label=64KiB ;; esac
    for parts in 1 12; do
      topic="$run-$kind-$size-p$parts"
      tag="tp-$kind-$size-p$parts"
      kb_log "$topic: $count records of $size B"
      bench_create_topic "$topic" "$parts"
      bench_kcat_produce "$tag-kcatP" "$topic" "$file"
      kcat_p_wall="$T_WALL"
      bench_expect_records "$topic" "$parts" "$count"
      bench_kcat_consume "$tag-kcatC" "$topic" $((count * (size + 1)))
      kcat_c_wall="$T_WALL"
      for backend in "${BENCH_BACKENDS[@]}"; do
        bench_backup "$tag-$backend-backup" "$backend" "$topic-$backend" "$topic" "$count"
        bk_wall="$T_WALL" bk_rss="$T_RSS_MIB"
        bench_restore "$tag-$backend-restore" "$backend" "$topic-$backend" "$topic" "$topic-r-$backend" "$count"
        rs_wall="$T_WALL" rs_rss="$T_RSS_MIB"
        bench_out "$(printf "$fmt" "$label" "$kind" "$parts" "$backend" \
          "$(bench_mbps "$payload" "$bk_wall")" "$(bench_rps "$count" "$bk_wall")" "$(bench_rss_mark "$bk_rss")" \
          "$(bench_mbps "$payload" "$rs_wall")" "$(bench_rps "$count" "$rs_wall")" "$(bench_rss_mark "$rs_rss")" \
          "$(bench_mbps "$payload" "$kcat_c_wall")" "$(bench_ratio "$kcat_c_wall" "$bk_wall")" \
          "$(bench_mbps "$payload" "$kcat_p_wall")" "$(bench_ratio "$kcat_p_wall" "$rs_wall")")"
      done
    done
  done
done
