#!/usr/bin/env bash
# Fixed costs and many partitions: what a backup and a restore cost when there is little data per
# partition, against kcat on the same broker in the same run.
#
# Usage: bench/startup.sh [--smoke] [--bin PATH] [--keep]
#   --smoke  fewer partitions and records (for CI); also KB_BENCH_SMOKE=1
#   --bin    the kafka-backup binary (default build/kafka-backup; copied before use)
#   --keep   leave the bench broker and MinIO running
# Two topics of 1 KiB JSON-like records, loaded with `kcat -P -l`:
#   tiny  64 partitions, about 4,000 records: start-up dominates (the floor: a backup under 0.3 s);
#   wide  1,000 partitions (smoke: 200), about 20,000 records: per-partition state and memory
#         (the floor: peak RSS at or under 256 MiB).
# Each is backed up and restored (into a new topic the tool creates) on each storage backend; kcat
# consumes it with -C -e and produces it again with our restore's producer settings. Figures are
# the best (shortest wall time, highest RSS) of KB_BENCH_REPEAT runs (default 3, smoke 1).
set -euo pipefail
KB_SCRIPT=bench-startup
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
source "$KB_REPO/bench/lib.sh"

bench_init "$@"
bench_servers_up
repeat="${KB_BENCH_REPEAT:-$([ "$BENCH_SMOKE" = 1 ] && echo 1 || echo 3)}"
wide_parts=$([ "$BENCH_SMOKE" = 1 ] && echo 200 || echo 1000)
run="st$(date +%s)"
idem=(-X enable.idempotence=true -X acks=all -X compression.type=lz4)
BENCH_FLOOR_TINY_S=0.3


bench_section "Fixed costs and many partitions (1 KiB JSON records, best of $repeat; seconds of wall time; ratio = kcat / ours; restores, ours and kcat -P alike, write into a topic created beforehand)"
fmt='%-5s %6s %7s %-3s | %8s %6s %5s %-12s | %8s %6s %5s %-12s\n'
bench_out "$(printf "$fmt" case parts records st "backup s" MiB kcatC ratio "restore s" MiB kcatPi ratio)"

for case in tiny wide; do
  if [ "$case" = tiny ]; then parts=64 mb=4; else parts=$wide_parts mb=20; fi
  bench_data json 1024 "$mb"
  topic="$run-$case"
  bench_create_topic "$topic" "$parts"
  bench_kcat_produce "st-$case-load" "$topic" "$file"
  bench_expect_records "$topic" "$parts" "$count"
  kcat_c="" kcat_i="" bk=() bk_rss=() rs=() rs_rss=()
  for ((rep = 1; rep <= repeat; rep++)); do
    bench_kcat_consume "st-$case-kcatC" "$topic" $((count * 1025))
    kcat_c="$(bench_min "$kcat_c" "$T_WALL")"
    bench_create_topic "$topic-ki$rep" "$parts"
    bench_kcat_produce "st-$case-kcatPi" "$topic-ki$rep" "$file" "${idem[@]}"
    kcat_i="$(bench_min "$kcat_i" "$T_WALL")"
    for i in "${!BENCH_BACKENDS[@]}"; do
      backend="${BENCH_BACKENDS[$i]}"
      bench_backup "st-$case-$backend-backup" "$backend" "$topic-$backend-$rep" "$topic" "$count"
      bk[$i]="$(bench_min "${bk[$i]:-}" "$T_WALL")" bk_rss[$i]="$(bench_max "${bk_rss[$i]:-}" "$T_RSS_MIB")"
      bench_create_topic "$topic-r-$backend-$rep" "$parts"  # as for kcat -P: made beforehand
      bench_restore "st-$case-$backend-restore" "$backend" "$topic-$backend-$rep" "$topic" "$topic-r-$backend-$rep" "$count"
      rs[$i]="$(bench_min "${rs[$i]:-}" "$T_WALL")" rs_rss[$i]="$(bench_max "${rs_rss[$i]:-}" "$T_RSS_MIB")"
    done
  done
  for i in "${!BENCH_BACKENDS[@]}"; do
    mark=""
    if [ "$case" = tiny ]; then
      mark="$(awk -v s="${bk[$i]}" -v f="$BENCH_FLOOR_TINY_S" 'BEGIN { if (s > f) printf " BELOW FLOOR" }')"
    fi
    bench_out "$(printf "$fmt" "$case" "$parts" "$count" "${BENCH_BACKENDS[$i]}" \
      "${bk[$i]}$mark" "$(bench_rss_mark "${bk_rss[$i]}")" "$kcat_c" "$(bench_ratio "$kcat_c" "${bk[$i]}")" \
      "${rs[$i]}" "$(bench_rss_mark "${rs_rss[$i]}")" "$kcat_i" "$(bench_ratio "$kcat_i" "${rs[$i]}")")"
  done
  bench_delete_topics "$topic"
  rm -rf "$BENCH_WORK/backups/$topic"-*
done
bench_out "Floors: a tiny backup under ${BENCH_FLOOR_TINY_S} s; peak RSS <= $BENCH_FLOOR_RSS_MIB MiB at $wide_parts partitions."
