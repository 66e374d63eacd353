#!/usr/bin/env bash
# Scale-out: the aggregate throughput of 1, 2, 3 and 4 backup processes sharing one backup through
# their consumer group (backup.coordination: kafka-group), and how long a killed member's
# partitions stand still before the others take them over.
#
# Usage: bench/scaleout.sh [--smoke] [--bin PATH] [--keep]
#   --smoke  a smaller topic and shorter windows (for CI); also KB_BENCH_SMOKE=1
# Each process is capped at the same backup.rate_limit_bytes_per_sec, so that this machine's cores
# and its one broker do not hide the scaling: N processes can at best read N times the cap. A
# topic of 24 partitions of 1 KiB JSON records is loaded once; for each N a fresh backup (to a
# directory) is started with N members, and once the group has spread the partitions over all of
# them (and a settling pause), the records read by all members together (their /metrics) are
# counted over a window.
# The takeover figure: with 4 members running, one is killed with kill -9; the time until the
# three others own all 24 partitions again is the standstill (the session timeout, 6 s here, plus
# one rebalance).
set -euo pipefail
KB_SCRIPT=bench-scaleout
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"
source "$KB_REPO/bench/lib.sh"

bench_init "$@"
bench_servers_up
parts=24
if [ "$BENCH_SMOKE" = 1 ]; then cap_mb=1 window=5 mb=100; else cap_mb=2 window=15 mb=250; fi
# After the partitions are spread, members that just got theirs still hold a second of unspent
# budget: the window starts once that burst is over.
settle=2
cap=$((cap_mb * 1000000))
BENCH_FLOOR_SCALEOUT=3.5
run="so$(date +%s)"
pids=()

stop_members() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}
trap 'stop_members; bench_servers_down' EXIT

metric() { curl -fsS "http://127.0.0.1:$1/metrics" 2>/dev/null | awk -v m="$2" '$1 ~ "^"m"[{]" { print $2; exit }'; }
assigned() { curl -fsS "http://127.0.0.1:$1/health" 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get("assigned", [])))' 2>/dev/null || echo -1; }

# start_member ID PORT: a group member backing up $topic into backup ID, serving /metrics on PORT.
start_member() {
  local id="$1" port="$2" cfg="$BENCH_WORK/$run-$1-$2.yaml"
  {
    printf 'backup_id: %s\nsource:\n  bootstrap_servers: [%s]\n  topics: [%s]\n' "$id" "$BENCH_BROKER" "$topic"
    printf '  properties:\n    session.timeout.ms: "6000"\n    heartbeat.interval.ms: "1000"\n'
    bench_storage_yaml fs
    printf 'backup:\n  continuous: true\n  coordination: kafka-group\n  rate_limit_bytes_per_sec: %s\n' "$cap"
    printf '  segment_max_interval_ms: 1000\n  capture_consumer_offsets: false\n'
    printf 'metrics:\n  enabled: true\n  port: %s\n' "$port"
  } >"$cfg"
  "$BENCH_BIN" -q backup --config "$cfg" >"$BENCH_WORK/$run-$1-$2.log" 2>&1 &
  pids+=($!)
}

# wait_spread PORTS...: until every member owns partitions and together they own all of them.
wait_spread() {
  local deadline=$((SECONDS + 90)) sum n port ok
  while [ $SECONDS -lt $deadline ]; do
    sum=0 ok=1
    for port in "$@"; do
      n="$(assigned "$port")"
      [ "$n" -gt 0 ] || ok=0
      sum=$((sum + (n > 0 ? n : 0)))
    done
    [ "$ok" = 1 ] && [ "$sum" = "$parts" ] && return 0
    sleep 0.2
  done
  kb_die "the group did not spread $parts partitions over members on ports $* within 90 s (logs: $BENCH_WORK/$run-*.log)"
}

read_bytes() {
  local total=0 port v
  for port in "$@"; do
    v="$(metric "$port" kafka_backup_bytes_total)"
    total="$(awk -v t="$total" -v v="${v:-0}" 'BEGIN { printf "%.0f", t + v }')"
  done
  echo "$total"
}

bench_data json 1024 "$mb"
topic="$run-topic"
bench_create_topic "$topic" "$parts"
bench_kcat_produce "so-load" "$topic" "$file"
bench_expect_records "$topic" "$parts" "$count"

bench_section "Scale-out: N backup processes in one consumer group, each capped at $cap_mb MB/s of records ($parts partitions, 1 KiB JSON; MB/s over a ${window} s window once the partitions are spread)"
fmt='%-9s %12s %12s %10s\n'
bench_out "$(printf "$fmt" processes "MB/s total" "x 1 process" "of N*cap")"
one=""
for n in 1 2 3 4; do
  id="$run-n$n"
  read -r -a ports <<<"$(kb_free_ports "$n" | tr '\n' ' ')"
  for port in "${ports[@]}"; do start_member "$id" "$port"; done
  wait_spread "${ports[@]}"
  sleep "$settle"
  b0="$(read_bytes "${ports[@]}")" t0="$(kb_now)"
  sleep "$window"
  b1="$(read_bytes "${ports[@]}")" t1="$(kb_now)"
  rate="$(awk -v a="$b0" -v b="$b1" -v s="$t0" -v e="$t1" 'BEGIN { printf "%.2f", (b - a) / (e - s) / 1e6 }')"
  [ -n "$one" ] || one="$rate"
  x="$(awk -v r="$rate" -v o="$one" 'BEGIN { printf "%.2f", (o > 0 ? r / o : 0) }')"
  eff="$(awk -v r="$rate" -v n="$n" -v c="$cap_mb" 'BEGIN { printf "%.0f%%", 100 * r / (n * c) }')"
  mark=""
  if [ "$n" = 4 ]; then mark="$(awk -v x="$x" -v f="$BENCH_FLOOR_SCALEOUT" 'BEGIN { if (x < f) printf " BELOW FLOOR" }')"; fi
  bench_out "$(printf "$fmt" "$n" "$rate" "$x$mark" "$eff")"
  if [ "$n" = 4 ]; then
    # Takeover: kill -9 the last member; the others own everything again after the session timeout.
    kill -KILL "${pids[3]}"
    wait "${pids[3]}" 2>/dev/null || true
    killed="$(kb_now)"
    unset 'pids[3]'
    wait_spread "${ports[0]}" "${ports[1]}" "${ports[2]}"
    still="$(awk -v s="$killed" -v e="$(kb_now)" 'BEGIN { printf "%.1f", e - s }')"
    c0="$(read_bytes "${ports[0]}" "${ports[1]}" "${ports[2]}")"
    sleep 2
    c1="$(read_bytes "${ports[0]}" "${ports[1]}" "${ports[2]}")"
    [ "$c1" -gt "$c0" ] || kb_die "the backup did not move forward after the takeover"
    bench_out "Takeover: the partitions of a member killed with kill -9 stood still for $still s (session.timeout.ms 6000) before the 3 others owned them and read on."
  fi
  stop_members
done
bench_out "Floor: 4 processes read at least ${BENCH_FLOOR_SCALEOUT}x what one does."
bench_delete_topics "$topic"
rm -rf "$BENCH_WORK/backups/$run"-*
