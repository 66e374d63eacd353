#!/usr/bin/env bash
# PITR cost: restoring the last 1% of a backup's time range, bytes read from storage vs the backup's size.
#
# Usage: bench/pitr.sh [--smoke] [--bin PATH] [--keep]
#   --smoke  tiny topics (for CI); also KB_BENCH_SMOKE=1
#   --bin    the kafka-backup binary (default build/kafka-backup; copied before use)
#   --keep   leave the bench broker and MinIO running
# JSON-like 1 KiB records are produced in timed batches (so their timestamps spread over the run) into
# a 1-partition and a 12-partition topic, backed up (default settings) on each storage backend, then
# restored with --time-window-start at the last 1% of the backup's [min, max] timestamp range. The
# restored count is checked against kcat's own count of records at or after that timestamp.
# Env: KB_BENCH_PITR_MB (default 100, smoke 2), KB_BENCH_PITR_BATCHES (default 100, smoke 20).
set -euo pipefail
KB_SCRIPT=bench-pitr
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
source "$KB_REPO/bench/lib.sh"

bench_init "$@"
bench_servers_up
if [ "$BENCH_SMOKE" = 1 ]; then
  mb="${KB_BENCH_PITR_MB:-2}" batches="${KB_BENCH_PITR_BATCHES:-20}"
else
  mb="${KB_BENCH_PITR_MB:-100}" batches="${KB_BENCH_PITR_BATCHES:-100}"
fi
run="pitr$(date +%s)"
size=1024
bench_data json "$size" "$mb"
chunks="$BENCH_WORK/data/pitr-chunks"
rm -rf "$chunks"
mkdir -p "$chunks"
split -n "l/$batches" -d -a 4 "$file" "$chunks/c"

parts_list=(1 12)
for parts in "${parts_list[@]}"; do bench_create_topic "$run-p$parts" "$parts"; done
kb_log "producing $count records in $batches timed batches"
for chunk in "$chunks"/c*; do
  for parts in "${parts_list[@]}"; do
    kcat -P -b "$BENCH_BROKER" -t "$run-p$parts" -l "$chunk" || kb_die "kcat -P of $chunk into $run-p$parts failed"
  done
  sleep 0.05
done
rm -rf "$chunks"

bench_section "PITR cost (restore the last 1% of the time range; JSON-like 1 KiB records, $batches batches)"
fmt='%5s %-3s %9s %11s %10s %8s | %9s %-22s\n'
bench_out "$(printf "$fmt" parts st "records" "stored MB" "read MB" "read %" "restored" "of records")"
for parts in "${parts_list[@]}"; do
  topic="$run-p$parts"
  bench_expect_records "$topic" "$parts" "$count"
  for backend in "${BENCH_BACKENDS[@]}"; do
    tag="pitr-p$parts-$backend"
    bench_backup "$tag-backup" "$backend" "$topic-$backend" "$topic" "$count"
    store_path="$BENCH_WORK/backups"
    [ "$backend" = s3 ] && store_path="s3://$BENCH_S3_BUCKET/bench"
    AWS_ENDPOINT_URL="$KB_S3_ENDPOINT" bench_timed "$tag-describe" "$BENCH_BIN" -q describe --path "$store_path" \
      --backup-id "$topic-$backend" --format json
    min_ts="$(bench_json "$BENCH_WORK/$tag-describe.out" min_timestamp)"
    max_ts="$(bench_json "$BENCH_WORK/$tag-describe.out" max_timestamp)"
    start=$((max_ts - (max_ts - min_ts) / 100))
    # What the window holds, counted by kcat from the source topic.
    want="$(kcat -C -b "$BENCH_BROKER" -t "$topic" -e -o beginning -q -f '%T\n' | awk -v s="$start" '$1 >= s' | wc -l)"
    [ "$want" -gt 0 ] || kb_die "$tag: no record at or after $start; the batches did not spread the timestamps"
    bench_restore "$tag-restore" "$backend" "$topic-$backend" "$topic" "$topic-r-$backend" "$want" \
      --time-window-start "$start"
    bench_out "$(printf "$fmt" "$parts" "$backend" "$count" "$(bench_mbps "$R_STORED" 1)" "$(bench_mbps "$R_READ" 1)" \
      "$(awk -v r="$R_READ" -v s="$R_STORED" 'BEGIN { printf "%.1f%%", 100 * r / s }')" "$want" \
      "$(awk -v w="$want" -v n="$count" 'BEGIN { printf "%.1f%%", 100 * w / n }')")"
  done
done
