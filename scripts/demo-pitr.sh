#!/usr/bin/env bash
# The PITR + rollback walkthrough (../shared/seed), on a local Kafka, step by step.
#
# Usage: demo-pitr.sh [--s3] [--keep]
#   default  storage is a local directory (.test-env/demo/backups)
#   --s3     the seed exactly as written: MinIO storage (--path s3://kafka-backups/pitr-demo), the
#            broker at kafka-broker-1:9092 and MinIO at minio:9000 (scripts/seed-hosts.sh maps both
#            names to 127.0.0.1 in /etc/hosts; ports 9092 and 9000 must be free), and
#            examples/backup-pitr.yaml and restore-pitr.yaml used unchanged: the backup is the
#            seed's one-shot run at step 4 (also: KB_DEMO_S3=1)
#   --keep   leave the demo broker (and MinIO) running afterwards
# Sets everything up first (Debian packages, Kafka jars, MinIO when --s3, the build).
# Exits non-zero if any verification fails.
set -euo pipefail
KB_SCRIPT=demo
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

use_s3="${KB_DEMO_S3:-0}"
keep=0
for arg in "$@"; do
  case "$arg" in
    --s3) use_s3=1 ;;
    --keep) keep=1 ;;
    -h|--help) kb_usage; exit 0 ;;
    *) kb_die "unknown argument '$arg' (see --help)" ;;
  esac
done

scripts="$KB_REPO/scripts"
work="$KB_STATE_DIR/demo"
bin="${KB_DEMO_BIN:-$KB_REPO/build/kafka-backup}"  # KB_DEMO_BIN: use an already built binary
cli() { bash "$scripts/kafka-cli.sh" "$@"; }

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
say() { printf '   %s\n' "$*"; }
# wait_until SECONDS CMD...: runs CMD (evaluated afresh each time: pass a function, not "$(...)")
# every half second until it succeeds; fails after SECONDS.
wait_until() {
  local deadline=$(( $(date +%s) + $1 ))
  shift
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.5
  done
}
failures=0
check() {  # check DESCRIPTION CONDITION...
  local what="$1"
  shift
  if "$@"; then say "OK: $what"; else say "FAILED: $what"; failures=$((failures + 1)); fi
}

step "Setup: packages, Kafka jars, build"
bash "$scripts/install-deps.sh" >&2
bash "$scripts/fetch-kafka.sh" 3.9.1 >/dev/null
[ -n "${KB_DEMO_BIN:-}" ] || bash "$scripts/build.sh" >&2

kafka_name=demo
[ "$use_s3" = 1 ] && kafka_name=seed
cleanup() {
  [ "$keep" = 1 ] && return
  bash "$scripts/kafka-down.sh" --name "$kafka_name" >/dev/null 2>&1 || true
  [ "$use_s3" = 1 ] && bash "$scripts/minio-down.sh" --name seed-minio >/dev/null 2>&1 || true
  [ -n "${backup_pid:-}" ] && kill "$backup_pid" 2>/dev/null || true
}
trap cleanup EXIT

step "Start a local Kafka broker (KRaft)"
rm -rf "$work"
mkdir -p "$work"
if [ "$use_s3" = 1 ]; then
  bash "$scripts/seed-hosts.sh"
  bash "$scripts/kafka-up.sh" --name seed --version 3.9.1 --port 9092 >/dev/null
  BROKER=kafka-broker-1:9092
else
  BROKER="$(bash "$scripts/kafka-up.sh" --name demo --version 3.9.1)"
fi
say "broker at $BROKER"

if [ "$use_s3" = 1 ]; then
  step "Start MinIO (S3) at minio:9000 with bucket kafka-backups"
  bash "$scripts/build-minio.sh" >/dev/null
  eval "$(bash "$scripts/minio-up.sh" --name seed-minio --port 9000 kafka-backups | sed 's/^/export /')"
  # The seed's configs carry no credentials: the tool takes them from the environment.
  export AWS_ACCESS_KEY_ID="$KB_S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$KB_S3_SECRET_KEY"
  export S3_ENDPOINT=http://minio:9000
  BACKUP_PATH="s3://kafka-backups/pitr-demo"
else
  BACKUP_PATH="$work/backups"
  storage_yaml="storage:
  backend: filesystem
  path: $BACKUP_PATH"
fi
# The seed's restore config names no storage: the tool finds it here.
export KAFKA_BACKUP_PATH="$BACKUP_PATH"
say "backups go to $BACKUP_PATH"

if [ "$use_s3" = 1 ]; then
  # The seed's own files, unchanged.
  backup_config="$KB_REPO/examples/backup-pitr.yaml"
else
  # The seed's backup config pointed at this machine's broker and a local directory, made continuous
  # so the backup also holds the incident (the restore must still stop at T).
  backup_config="$work/backup-pitr.yaml"
  cat > "$work/backup-pitr.yaml" <<YAML
mode: backup
backup_id: "pitr-backup"

source:
  bootstrap_servers:
    - $BROKER
  topics:
    include:
      - payments

$storage_yaml

backup:
  continuous: true
  segment_max_interval_ms: 1000
  offset_capture_interval_ms: 1000
YAML
fi
restore_config="$KB_REPO/examples/restore-pitr.yaml"  # the seed's, unchanged

step "Step 1: normal operations: 50 valid payments, a consumer processes 30"
cli topics --bootstrap-server "$BROKER" --create --topic payments --partitions 1 --replication-factor 1 >/dev/null
for i in $(seq 1 50); do
  echo "{\"payment_id\": \"PAY-$i\", \"amount\": $((100 + RANDOM % 900)), \"status\": \"valid\"}"
done | cli console-producer --bootstrap-server "$BROKER" --topic payments
cli console-consumer --bootstrap-server "$BROKER" --topic payments --group payments-processor \
  --from-beginning --max-messages 30 --timeout-ms 10000 --consumer-property max.poll.records=1 >/dev/null 2>&1 || true
group_offset_before() {
  cli consumer-groups --bootstrap-server "$BROKER" --describe --group payments-processor 2>/dev/null |
    awk '$2 == "payments" { print $4 }' | head -1
}
committed_at_t="$(group_offset_before)"
say "payments-processor committed offset: $committed_at_t"

step "Step 2: record the PITR timestamp"
sleep 1
PITR_TIMESTAMP=$(date +%s%3N)
echo "$PITR_TIMESTAMP" > "$work/pitr-timestamp.txt"
say "PITR timestamp: $PITR_TIMESTAMP"
sleep 1

step "Step 3: offset snapshot (safety checkpoint)"
"$bin" offset-rollback snapshot --path "$BACKUP_PATH" --groups payments-processor \
  --bootstrap-servers "$BROKER" --description "Pre-incident safety checkpoint" | tee "$work/snapshot.out"
SNAPSHOT_ID="$("$bin" offset-rollback list --path "$BACKUP_PATH" --format text | grep snapshot- | head -1 | awk '{print $1}')"
echo "$SNAPSHOT_ID" > "$work/snapshot-id.txt"
say "snapshot id: $SNAPSHOT_ID"

if [ "$use_s3" = 1 ]; then
  step "Step 4: create the backup (one-shot, examples/backup-pitr.yaml as the seed wrote it)"
  "$bin" backup --config "$backup_config" | tee "$work/backup.out"
  expected_backup_records=50
else
  step "Step 4: continuous backup starts"
  "$bin" backup --config "$backup_config" > "$work/backup.out" 2> "$work/backup.log" &
  backup_pid=$!
  captures() { grep -c "captured committed offsets" "$work/backup.log" 2>/dev/null || true; }
  captured_at_least() { test "$(captures)" -ge "$1"; }
  # The group's offset as of T must be captured before the incident moves it.
  wait_until 60 captured_at_least 1 || kb_die "the continuous backup captured no group offsets within 60 s (log: $work/backup.log)"
  expected_backup_records=100
fi

step "Step 5: incident: 50 corrupted payments arrive; the consumer processes 20 of them"
for i in $(seq 51 100); do
  echo "{\"payment_id\": \"CORRUPTED-$i\", \"amount\": -999, \"status\": \"INVALID\"}"
done | cli console-producer --bootstrap-server "$BROKER" --topic payments
cli console-consumer --bootstrap-server "$BROKER" --topic payments --group payments-processor \
  --max-messages 20 --timeout-ms 10000 --consumer-property max.poll.records=1 >/dev/null 2>&1 || true
backup_records() {
  "$bin" describe --path "$BACKUP_PATH" --backup-id pitr-backup --format json 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])' 2>/dev/null || echo 0
}
backup_holds() { test "$(backup_records)" = "$1"; }
if [ -n "${backup_pid:-}" ]; then
  # Stop once the incident is stored and the group's new offset has been captured after it.
  wait_until 60 backup_holds "$expected_backup_records" || say "the backup did not reach $expected_backup_records records within 60 s"
  seen="$(captures)"
  wait_until 30 captured_at_least $((seen + 2)) || say "no further offset capture within 30 s"
  kill -TERM "$backup_pid"
  wait "$backup_pid" && backup_rc=0 || backup_rc=$?
  backup_pid=""
  check "continuous backup stopped cleanly on SIGTERM (exit $backup_rc)" test "$backup_rc" = 0
  cat "$work/backup.out"
fi
backed_up="$(backup_records)"
check "the backup holds $expected_backup_records records ($backed_up)" test "$backed_up" = "$expected_backup_records"

step "Step 6: detect the problem"
corrupted="$(cli console-consumer --bootstrap-server "$BROKER" --topic payments --from-beginning \
  --timeout-ms 10000 2>/dev/null | grep -c CORRUPTED || true)"
say "corrupted records in the topic: $corrupted"
check "incident visible" test "$corrupted" = 50
# Which bad records were written, and when: read straight from the backup, no cluster needed.
say "kafka-backup cat --path $BACKUP_PATH --backup-id pitr-backup --topic payments --time-window-start $PITR_TIMESTAMP --grep CORRUPTED"
"$bin" -q cat --path "$BACKUP_PATH" --backup-id pitr-backup --topic payments --time-window-start "$PITR_TIMESTAMP" \
  --grep CORRUPTED > "$work/cat-corrupted.jsonl"
"$bin" -q cat --path "$BACKUP_PATH" --backup-id pitr-backup --topic payments --time-window-start "$PITR_TIMESTAMP" \
  --grep CORRUPTED --limit 3 --format text | sed 's/^/   /'
"$bin" -q cat --path "$BACKUP_PATH" --backup-id pitr-backup --topic payments --time-window-start "$PITR_TIMESTAMP" \
  > "$work/cat-after-t.jsonl"
in_backup="$(wc -l < "$work/cat-corrupted.jsonl")"
after_t="$(wc -l < "$work/cat-after-t.jsonl")"
if [ "$use_s3" = 1 ]; then
  # The seed's one-shot backup ran before the incident: it holds none of the bad records.
  check "cat: the backup (taken before the incident) holds no record after T ($after_t)" test "$after_t" = 0
else
  first_bad="$(python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["time"])' < "$work/cat-corrupted.jsonl" 2>/dev/null || true)"
  say "cat: $in_backup corrupted records in the backup after T, the first at $first_bad"
  check "cat finds the 50 corrupted records in the backup, and they are all it holds after T ($in_backup of $after_t)" \
    test "$in_backup" = 50 -a "$after_t" = 50
fi

step "Step 7: PITR restore: delete, recreate, restore up to $PITR_TIMESTAMP"
cli topics --bootstrap-server "$BROKER" --delete --topic payments
# Deletion is asynchronous: creating the topic again too early fails ("marked for deletion").
topic_gone() { ! cli topics --bootstrap-server "$BROKER" --list 2>/dev/null | grep -qx payments; }
wait_until 60 topic_gone || kb_die "topic payments still exists 60 s after its deletion"
cli topics --bootstrap-server "$BROKER" --create --topic payments --partitions 3 --replication-factor 1 >/dev/null
"$bin" restore --config "$restore_config" --time-window-end "$PITR_TIMESTAMP" \
  && restore_rc=0 || restore_rc=$?
check "restore with offset reset succeeded (exit $restore_rc)" test "$restore_rc" = 0

step "Step 8: reset consumer offsets (kafka-backup offset-reset execute)"
"$bin" offset-reset execute --path "$BACKUP_PATH" --backup-id pitr-backup --groups payments-processor \
  --bootstrap-servers "$BROKER" && reset_rc=0 || reset_rc=$?
check "offset-reset execute succeeded (exit $reset_rc)" test "$reset_rc" = 0

step "Step 9: verify the clean state with Kafka's own tools"
corrupted_after="$(cli console-consumer --bootstrap-server "$BROKER" --topic payments --from-beginning \
  --timeout-ms 10000 2>/dev/null | grep -c CORRUPTED || true)"
good_after="$(cli console-consumer --bootstrap-server "$BROKER" --topic payments --from-beginning \
  --timeout-ms 10000 2>/dev/null | grep -c '"valid"' || true)"
say "corrupted records after restore: $corrupted_after; valid records: $good_after"
check "no CORRUPTED record after the PITR restore" test "$corrupted_after" = 0
check "all 50 valid payments restored" test "$good_after" = 50
cli consumer-groups --bootstrap-server "$BROKER" --describe --group payments-processor 2>/dev/null | tee "$work/group-after.txt"; echo
resumed_at="$(awk '$2 == "payments" && $3 == "0" { print $4 }' "$work/group-after.txt")"
check "payments-processor resumes at offset $committed_at_t, the first record it had not consumed before T (now $resumed_at)" \
  test "$resumed_at" = "$committed_at_t"

step "Step 10: rollback to the pre-incident snapshot"
SNAPSHOT_ID=$(cat "$work/snapshot-id.txt")
"$bin" offset-rollback rollback --path "$BACKUP_PATH" --snapshot-id "$SNAPSHOT_ID" \
  --bootstrap-servers "$BROKER" --verify true && rollback_rc=0 || rollback_rc=$?
check "rollback restored and verified the snapshot's offsets (exit $rollback_rc)" test "$rollback_rc" = 0
"$bin" offset-rollback verify --path "$BACKUP_PATH" --snapshot-id "$SNAPSHOT_ID" --bootstrap-servers "$BROKER" \
  >/dev/null && verify_rc=0 || verify_rc=$?
check "offset-rollback verify agrees (exit $verify_rc)" test "$verify_rc" = 0

echo
if [ "$failures" -gt 0 ]; then
  echo "PITR walkthrough: $failures verification(s) FAILED"
  exit 1
fi
echo "PITR walkthrough: every verification passed"
