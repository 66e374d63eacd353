#!/usr/bin/env bash
# Catalog cost as a backup grows: does a commit cost the same at 100k segments as at 1k?
#
# Usage: bench/catalog.sh [--smoke] [--bin PATH] [--keep]
#   --smoke  tiny sizes (for CI); also KB_BENCH_SMOKE=1
#   --bin    the kafka-backup binary (default build/kafka-backup; copied before use)
#   --keep   leave the bench broker and MinIO running
# Two parts, both backing up to a local directory (the storage where commit cost shows most):
# 1. One-shot: the same 320,000 records of 100 B on 64 partitions backed up with the default roll
#    (64 segments) and with segment_max_records 100 (about 3,232 segments). The second may take at
#    most 3x the first.
# 2. Continuous: topics of 64 and 1,000 partitions, pre-loaded with small records, followed by a
#    continuous backup that rolls a segment every 10 records (and every 250 ms). /metrics is read
#    every second; for the windows ending at 1k, 10k and 100k committed segments (or as far as
#    KB_BENCH_CATALOG_SECONDS gets, default 240, smoke 15) it prints segments committed per second
#    and catalog bytes written per commit. At the largest size reached, the rate must be at least
#    0.8x the rate at 1k and the bytes per commit within 1.2x.
# Env: KB_BENCH_WORK (scratch dir), KB_BENCH_CATALOG_SECONDS.
set -euo pipefail
KB_SCRIPT=bench-catalog
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
source "$KB_REPO/bench/lib.sh"

bench_init "$@"
bench_servers_up
run="cat$(date +%s)"
if [ "$BENCH_SMOKE" = 1 ]; then
  oneshot_records=6400; cont_mb=2; seconds="${KB_BENCH_CATALOG_SECONDS:-15}"; sizes=(500 1500)
else
  oneshot_records=320000; cont_mb=100; seconds="${KB_BENCH_CATALOG_SECONDS:-240}"; sizes=(1000 10000 100000)
fi

# ---- 1. one-shot: 64 vs ~3,232 segments
bench_section "Catalog: one-shot backup of $oneshot_records records (100 B) on 64 partitions, to a directory"
topic="$run-oneshot"
bench_create_topic "$topic" 64
count="$oneshot_records"
file="$BENCH_WORK/data/json-100-$count.txt"
bench_gen json 100 "$count" "$file"
bench_kcat_produce "$run-oneshot-load" "$topic" "$file"
bench_expect_records "$topic" 64 "$count"
per_segment=$((count / 3200))
bench_backup "$run-oneshot-default" fs "$run-oneshot-default" "$topic" "$count"
t_default="$T_WALL"
segs_default="$(bench_json "$BENCH_WORK/$run-oneshot-default.out" segments)"
bench_backup "$run-oneshot-small" fs "$run-oneshot-small" "$topic" "$count" "segment_max_records: $per_segment"
t_small="$T_WALL"
segs_small="$(bench_json "$BENCH_WORK/$run-oneshot-small.out" segments)"
bench_out "$(printf '%8s segments: %6.2f s\n%8s segments: %6.2f s   (%s; at most 3x)' "$segs_default" "$t_default" \
  "$segs_small" "$t_small" "$(awk -v a="$t_small" -v b="$t_default" 'BEGIN { r = a / b; printf "%.2fx the time%s", r, (r > 3 ? ", BELOW FLOOR" : "") }')")"
bench_delete_topics "$topic"
rm -rf "$BENCH_WORK/backups/$run-oneshot-default" "$BENCH_WORK/backups/$run-oneshot-small"

# ---- 2. continuous: commit rate and bytes per commit as the backup grows
bench_section "Catalog: continuous backup, 10 records a segment, to a directory (rate and metadata bytes per commit as segments accumulate)"
bench_out "$(printf '%6s %9s | %12s %14s %16s' parts segments "seconds" "segments/s" "catalog B/commit")"
bench_data json 100 "$cont_mb"
for parts in 64 1000; do
  topic="$run-p$parts"
  bench_create_topic "$topic" "$parts"
  bench_kcat_produce "$run-p$parts-load" "$topic" "$file"
  bench_expect_records "$topic" "$parts" "$count"
  port="$(kb_free_ports 1)"
  cfg="$BENCH_WORK/$run-p$parts.yaml"
  {
    printf 'backup_id: %s\nsource:\n  bootstrap_servers: [%s]\n  topics: [%s]\n' "$run-p$parts" "$BENCH_BROKER" "$topic"
    bench_storage_yaml fs
    printf 'backup:\n  continuous: true\n  segment_max_records: 10\n  segment_max_interval_ms: 250\n'
    printf '  capture_consumer_offsets: false\nmetrics:\n  enabled: true\n  port: %s\n' "$port"
  } >"$cfg"
  samples="$BENCH_WORK/$run-p$parts.samples"
  : >"$samples"
  "$BENCH_BIN" -q backup --config "$cfg" >"$BENCH_WORK/$run-p$parts.out" 2>"$BENCH_WORK/$run-p$parts.err" &
  pid=$!
  start=$(kb_now)
  target="${sizes[${#sizes[@]}-1]}"
  while :; do
    sleep 1
    kill -0 "$pid" 2>/dev/null || { cat "$BENCH_WORK/$run-p$parts.err" >&2; kb_die "the continuous backup of $topic ended early"; }
    metrics="$(curl -fsS --max-time 2 "http://127.0.0.1:$port/metrics" 2>/dev/null || true)"
    [ -n "$metrics" ] || continue
    now="$(kb_elapsed "$start")"
    printf '%s %s\n' "$now" "$(awk '/^kafka_backup_segments_total/ { s = $2 } /^kafka_backup_catalog_commits_total/ { c = $2 }
      /^kafka_backup_catalog_bytes_total/ { b = $2 } END { print s + 0, c + 0, b + 0 }' <<<"$metrics")" >>"$samples"
    segs="$(tail -n 1 "$samples" | awk '{ print $2 }')"
    if [ "$segs" -ge "$target" ] || awk -v n="$now" -v s="$seconds" 'BEGIN { exit !(n >= s) }'; then break; fi
  done
  kill -TERM "$pid"
  wait "$pid" || kb_die "the continuous backup of $topic did not exit 0 on SIGTERM (log: $BENCH_WORK/$run-p$parts.err)"
  # Each size's window runs from the sample at a tenth of it to the first sample at or past it.
  python3 - "$samples" "$parts" "${sizes[@]}" <<'PY' | while IFS= read -r line; do bench_out "$line"; done
import sys
# The run starts at time 0 with nothing committed: the first window starts there at the latest.
rows = [(0.0, 0.0, 0.0, 0.0)] + [tuple(float(x) for x in l.split()) for l in open(sys.argv[1]) if l.strip()]
parts, sizes = sys.argv[2], [int(s) for s in sys.argv[3:]]
measured = []
for size in sizes:
    end = next((r for r in rows if r[1] >= size), None)
    if end is None:
        print("%6s %9d | %12s   not reached" % (parts, size, ""))
        continue
    begin = next((r for r in rows if r[1] >= size / 10), rows[0])
    if begin is end:
        begin = rows[0]
    dt, ds = end[0] - begin[0], end[1] - begin[1]
    dc, db = end[2] - begin[2], end[3] - begin[3]
    rate = ds / dt if dt > 0 else 0
    per = db / dc if dc > 0 else 0
    measured.append((size, rate, per))
    print("%6s %9d | %12.1f %14.1f %16.0f" % (parts, end[1], end[0], rate, per))
if len(measured) >= 2:
    (s0, r0, b0), (s1, r1, b1) = measured[0], measured[-1]
    ok_rate, ok_bytes = r1 >= 0.8 * r0, b1 <= 1.2 * b0
    print("%6s %9s | rate at %d: %.2fx the rate at %d%s; bytes/commit %.2fx%s" % (
        parts, "", s1, r1 / r0 if r0 else 0, s0, "" if ok_rate else " BELOW FLOOR",
        b1 / b0 if b0 else 0, "" if ok_bytes else " BELOW FLOOR"))
PY
  bench_delete_topics "$topic"
  rm -rf "$BENCH_WORK/backups/$run-p$parts"
done
