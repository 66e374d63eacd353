#!/usr/bin/env bash
# Backup and restore throughput against kcat, on a real local broker, to a directory and to MinIO.
#
# Usage: bench/throughput.sh [--smoke] [--bin PATH] [--keep]
#   --smoke  tiny topics (for CI); also KB_BENCH_SMOKE=1
#   --bin    the kafka-backup binary (default build/kafka-backup; copied before use)
#   --keep   leave the bench broker and MinIO running
# For records of 100 B, 1 KiB and 64 KiB, JSON-like and random data, and 1, 12 and 64 partitions: loads a
# topic with `kcat -P` from a generated file (that is kcat's produce figure), consumes it with
# `kcat -C -e -o beginning` into a file, then backs it up and restores it into a new topic with
# kafka-backup (default settings) on each storage backend. Restores, like kcat -P, write into a topic
# created beforehand. MB/s counts record values (MB = 10^6 B)
# over the whole process's wall time, for kcat and for us alike.
# Env: KB_BENCH_MB (MB per topic; default 256, smoke 2), KB_BENCH_WORK (scratch dir); to run a subset,
# KB_BENCH_SIZES (default "100 1024 65536"), KB_BENCH_KINDS ("json random"), KB_BENCH_PARTS ("1 12 64").
set -euo pipefail
KB_SCRIPT=bench-throughput
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
source "$KB_REPO/bench/lib.sh"

bench_init "$@"
bench_servers_up
if [ "$BENCH_SMOKE" = 1 ]; then mb="${KB_BENCH_MB:-2}"; else mb="${KB_BENCH_MB:-256}"; fi
run="tp$(date +%s)"  # topic and backup names unique per run: a reused broker keeps old topics

# Single runs on a 2-core machine that also hosts the broker move by 20-30%: each figure is the best
# (shortest wall time) of KB_BENCH_REPEAT runs, alternating ours and kcat's.
repeat="${KB_BENCH_REPEAT:-$([ "$BENCH_SMOKE" = 1 ] && echo 1 || echo 3)}"
# kcat-P-idem: kcat with our restore's producer settings (idempotent, acks=all, lz4), like for like.
idem=(-X enable.idempotence=true -X acks=all -X compression.type=lz4)

bench_section "Throughput ($mb MB per topic, best of $repeat; ratio = ours / kcat; kcat: -C -e -o beginning to a file, -P -l FILE; kcat-P-idem: -P with ${idem[*]})"
fmt='%-6s %-6s %5s %-3s | %8s %9s %5s | %8s %9s %5s | %7s %-16s | %7s %-14s | %7s %-16s\n'
bench_out "$(printf "$fmt" record data parts st "bk MB/s" "bk rec/s" "MiB" "rs MB/s" "rs rec/s" "MiB" \
  "kcat-C" "backup/kcat-C" "kcat-P" "restore/kcat-P" "P-idem" "restore/P-idem")"


for size in ${KB_BENCH_SIZES:-100 1024 65536}; do
  for kind in ${KB_BENCH_KINDS:-json random}; do
    bench_data "$kind" "$size" "$mb"
    payload=$((count * size))
    case "$size" in 100) label=100B ;; 1024) label=1KiB ;; 65536) label=64KiB ;; esac
    for parts in ${KB_BENCH_PARTS:-1 12 64}; do
      topic="$run-$kind-$size-p$parts"
      tag="tp-$kind-$size-p$parts"
      kb_log "$topic: $count records of $size B, best of $repeat"
      bench_create_topic "$topic" "$parts"
      bench_kcat_produce "$tag-kcatP" "$topic" "$file"
      kcat_p_wall="$T_WALL"
      bench_expect_records "$topic" "$parts" "$count"
      kcat_c_wall="" kcat_i_wall="" bk_wall=() bk_rss=() rs_wall=() rs_rss=()
      for ((rep = 1; rep <= repeat; rep++)); do
        if [ "$rep" -gt 1 ]; then
          bench_create_topic "$topic-kp$rep" "$parts"
          bench_kcat_produce "$tag-kcatP" "$topic-kp$rep" "$file"
          kcat_p_wall="$(bench_min "$kcat_p_wall" "$T_WALL")"
        fi
        bench_create_topic "$topic-ki$rep" "$parts"
        bench_kcat_produce "$tag-kcatPi" "$topic-ki$rep" "$file" "${idem[@]}"
        kcat_i_wall="$(bench_min "$kcat_i_wall" "$T_WALL")"
        bench_kcat_consume "$tag-kcatC" "$topic" $((count * (size + 1)))
        kcat_c_wall="$(bench_min "$kcat_c_wall" "$T_WALL")"
        for i in "${!BENCH_BACKENDS[@]}"; do
          backend="${BENCH_BACKENDS[$i]}"
          bench_backup "$tag-$backend-backup" "$backend" "$topic-$backend-$rep" "$topic" "$count"
          bk_wall[$i]="$(bench_min "${bk_wall[$i]:-}" "$T_WALL")" bk_rss[$i]="$(bench_max "${bk_rss[$i]:-}" "$T_RSS_MIB")"
          # Like kcat, into a topic made beforehand: creating it is not what is measured.
          bench_create_topic "$topic-r-$backend-$rep" "$parts"
          bench_restore "$tag-$backend-restore" "$backend" "$topic-$backend-$rep" "$topic" "$topic-r-$backend-$rep" "$count"
          rs_wall[$i]="$(bench_min "${rs_wall[$i]:-}" "$T_WALL")" rs_rss[$i]="$(bench_max "${rs_rss[$i]:-}" "$T_RSS_MIB")"
        done
      done
      for i in "${!BENCH_BACKENDS[@]}"; do
        floor="$(bench_floor "${BENCH_BACKENDS[$i]}")"
        bench_out "$(printf "$fmt" "$label" "$kind" "$parts" "${BENCH_BACKENDS[$i]}" \
          "$(bench_mbps "$payload" "${bk_wall[$i]}")" "$(bench_rps "$count" "${bk_wall[$i]}")" "$(bench_rss_mark "${bk_rss[$i]}")" \
          "$(bench_mbps "$payload" "${rs_wall[$i]}")" "$(bench_rps "$count" "${rs_wall[$i]}")" "$(bench_rss_mark "${rs_rss[$i]}")" \
          "$(bench_mbps "$payload" "$kcat_c_wall")" "$(bench_ratio "$kcat_c_wall" "${bk_wall[$i]}" "$floor")" \
          "$(bench_mbps "$payload" "$kcat_p_wall")" "$(bench_ratio "$kcat_p_wall" "${rs_wall[$i]}")" \
          "$(bench_mbps "$payload" "$kcat_i_wall")" "$(bench_ratio "$kcat_i_wall" "${rs_wall[$i]}" "$floor")")"
      done
      # Only the figures are kept: the case's topics and directory backups would fill the disk.
      bench_delete_topics "$topic"
      rm -rf "$BENCH_WORK/backups/$topic"-*
    done
  done
done
