# Shared helpers for the benchmark scripts in this folder. Source it after scripts/common.sh; do not run it.
# bench_init "$@" parses the common options (--smoke, --bin PATH, --keep) and sets:
#   BENCH_SMOKE   1 in smoke mode (--smoke or KB_BENCH_SMOKE=1): tiny sizes, for CI
#   BENCH_WORK    scratch directory (data files, configs, backups); default $KB_STATE_DIR/bench-work
#   BENCH_BIN     our binary, copied into BENCH_WORK so a rebuild of build/ cannot change it mid-run
#   BENCH_REPORT  the text report the sections append their tables to
# bench_servers_up starts (or reuses) Kafka 'bench' and MinIO 'bench-minio' and sets BENCH_BROKER and
# the S3 variables; servers this process started are stopped on exit.
# bench_init also installs what is missing (scripts/install-deps.sh, fetch-kafka.sh, build-minio.sh and,
# for the default binary, build.sh), as the demo and test commands do.
# Every failure (a command erroring, a wrong record count) ends the run with a non-zero status.

BENCH_DIR="$KB_REPO/bench"
# Floors, ours / kcat: backup against kcat -C, restore against kcat -P with our producer settings.
BENCH_FLOOR_FS=0.9         # to and from a local directory
BENCH_FLOOR_S3=0.8         # to and from MinIO
BENCH_FLOOR_RSS_MIB=256
BENCH_KAFKA_VERSION="${KB_BENCH_KAFKA_VERSION:-3.9.1}"
BENCH_S3_BUCKET=kafka-bench
BENCH_BACKENDS=(fs s3)

bench_init() {
  BENCH_SMOKE="${KB_BENCH_SMOKE:-0}"
  BENCH_KEEP=0
  local bin="${KB_BENCH_BIN:-$KB_REPO/build/kafka-backup}"
  while [ $# -gt 0 ]; do
    case "$1" in
      --smoke) BENCH_SMOKE=1; shift ;;
      --bin) bin="${2:?--bin needs a path}"; shift 2 ;;
      --keep) BENCH_KEEP=1; shift ;;
      -h|--help) kb_usage; exit 0 ;;
      *) kb_die "unknown argument '$1' (see --help)" ;;
    esac
  done
  # Set up like the README's other commands (quick when everything is there); once per run.
  if [ -z "${BENCH_SETUP_DONE:-}" ]; then
    bash "$KB_REPO/scripts/install-deps.sh" >&2
    bash "$KB_REPO/scripts/fetch-kafka.sh" "$BENCH_KAFKA_VERSION" >/dev/null
    bash "$KB_REPO/scripts/build-minio.sh" >/dev/null
    [ -n "${KB_BENCH_BIN:-}" ] || [ "$bin" != "$KB_REPO/build/kafka-backup" ] || bash "$KB_REPO/scripts/build.sh" >&2
    export BENCH_SETUP_DONE=1
  fi
  for tool in kcat python3 /usr/bin/time java curl; do
    command -v "$tool" >/dev/null || kb_die "$tool not found; run scripts/install-deps.sh"
  done
  [ -x "$bin" ] || kb_die "kafka-backup binary '$bin' not found; build it (scripts/build.sh) or pass --bin PATH"
  BENCH_WORK="${KB_BENCH_WORK:-$KB_STATE_DIR/bench-work}"
  mkdir -p "$BENCH_WORK/data"
  # A private copy: the binary under test stays the same for the whole run.
  if [ "${BENCH_BIN:-}" != "$BENCH_WORK/kafka-backup" ]; then
    cp "$bin" "$BENCH_WORK/kafka-backup.tmp"
    mv "$BENCH_WORK/kafka-backup.tmp" "$BENCH_WORK/kafka-backup"
  fi
  BENCH_BIN="$BENCH_WORK/kafka-backup"
  # Run alone, a section writes its own report; under run.sh it appends to the driver's.
  if [ -z "${BENCH_REPORT:-}" ]; then
    BENCH_REPORT="$BENCH_WORK/report-$(basename "$0" .sh).txt"
    : >"$BENCH_REPORT"
  fi
  export BENCH_SMOKE BENCH_WORK BENCH_BIN BENCH_REPORT
}

# Starts our own broker and MinIO unless a driver already did (BENCH_BROKER set).
bench_servers_up() {
  if [ -n "${BENCH_BROKER:-}" ]; then return 0; fi
  BENCH_OWN_SERVERS=1
  trap bench_servers_down EXIT
  # Production-like log segments: 1 MiB segments (the test default) make the broker slower.
  BENCH_BROKER="$(KB_KAFKA_SEGMENT_BYTES="${KB_KAFKA_SEGMENT_BYTES:-268435456}" \
    bash "$KB_REPO/scripts/kafka-up.sh" --name bench --version "$BENCH_KAFKA_VERSION")" \
    || kb_die "could not start Kafka 'bench'"
  local env
  env="$(bash "$KB_REPO/scripts/minio-up.sh" --name bench-minio "$BENCH_S3_BUCKET")" \
    || kb_die "could not start MinIO 'bench-minio'"
  eval "$(sed -n 's/^\(KB_S3_[A-Z_]*\)=\(.*\)$/\1='"'"'\2'"'"'/p' <<<"$env")"
  # The tool reads the credentials from the environment, so configs carry no secrets.
  export AWS_ACCESS_KEY_ID="$KB_S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$KB_S3_SECRET_KEY" AWS_REGION="$KB_S3_REGION"
  export BENCH_BROKER KB_S3_ENDPOINT KB_S3_REGION
}

bench_servers_down() {
  local status=$?
  if [ "${BENCH_OWN_SERVERS:-0}" = 1 ] && [ "${BENCH_KEEP:-0}" = 0 ]; then
    KB_QUIET=1 bash "$KB_REPO/scripts/kafka-down.sh" --name bench >&2 || true
    KB_QUIET=1 bash "$KB_REPO/scripts/minio-down.sh" --name bench-minio >&2 || true
  fi
  exit "$status"
}

# Prints a line to the terminal and to the report.
bench_out() { printf '%s\n' "$*" | tee -a "$BENCH_REPORT"; }
# A section heading.
bench_section() { bench_out ""; bench_out "== $*"; }

# bench_timed NAME CMD...: runs CMD under /usr/bin/time with stdout in $BENCH_WORK/NAME.out and
# stderr in NAME.err; sets T_WALL (s), T_CPU (user+sys s) and T_RSS_MIB. A failure ends the run.
bench_timed() {
  local name="$1" rc=0 line
  shift
  /usr/bin/time -o "$BENCH_WORK/$name.time" -f '%e %U %S %M' "$@" >"$BENCH_WORK/$name.out" 2>"$BENCH_WORK/$name.err" || rc=$?
  if [ "$rc" != 0 ]; then
    tail -n 20 "$BENCH_WORK/$name.err" >&2
    kb_die "$name failed (exit $rc): $* (output in $BENCH_WORK/$name.{out,err})"
  fi
  line="$(tail -n 1 "$BENCH_WORK/$name.time")"
  read -r T_WALL T_USER T_SYS T_RSS_KB <<<"$line"
  T_CPU="$(awk -v u="$T_USER" -v s="$T_SYS" 'BEGIN { printf "%.2f", u + s }')"
  T_RSS_MIB="$(awk -v k="$T_RSS_KB" 'BEGIN { printf "%.0f", k / 1024 }')"
  # /usr/bin/time has 10 ms resolution: never divide by zero.
  T_WALL="$(awk -v w="$T_WALL" 'BEGIN { printf "%.2f", (w < 0.01 ? 0.01 : w) }')"
}

# Reads KEY (a dotted path) from the JSON document in FILE.
bench_json() {
  python3 - "$1" "$2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for part in sys.argv[2].split("."):
    doc = doc[int(part)] if isinstance(doc, list) else doc[part]
print(json.dumps(doc) if isinstance(doc, (dict, list)) else doc)
PY
}

# Writes COUNT records of KIND (json|random) and SIZE bytes to FILE unless it already exists.
bench_gen() {
  local kind="$1" size="$2" count="$3" file="$4"
  [ -s "$file" ] && [ "$(stat -c %s "$file")" = $((count * (size + 1))) ] && return 0
  python3 "$BENCH_DIR/gen-data.py" "$kind" "$size" "$count" "$file.tmp" || kb_die "generating $file failed"
  mv "$file.tmp" "$file"
}

# Records of SIZE bytes that make about MB megabytes (at least 10).
bench_count_for() { awk -v mb="$2" -v s="$1" 'BEGIN { n = int(mb * 1e6 / s); print (n < 10 ? 10 : n) }'; }

# Sets `count` (records) and `file` (the data file, generated once and cached) for about MB
# megabytes of KIND records of SIZE bytes.
bench_data() {
  count="$(bench_count_for "$2" "$3")"
  file="$BENCH_WORK/data/$1-$2-$count.txt"
  bench_gen "$1" "$2" "$count" "$file"
}

# Creates TOPIC and waits until each partition's leader answers for it: the broker opens a new
# partition's log after it names the leader, and a produce that came first would measure that.
bench_create_topic() {
  bash "$KB_REPO/scripts/kafka-cli.sh" topics --bootstrap-server "$BENCH_BROKER" --create --topic "$1" \
    --partitions "$2" --replication-factor 1 >/dev/null || kb_die "cannot create topic $1"
  bench_topic_records "$1" "$2" 120 >/dev/null  # up to a minute: a thousand partitions take seconds
}

# Records in TOPIC with PARTITIONS partitions (sum of end offsets; the topics are never trimmed).
# A new topic's leaders can still be settling ("Not leader for partition"), so it asks a few times.
bench_topic_records() {
  local topic="$1" parts="$2" attempts="${3:-10}" args=() p attempt
  for ((p = 0; p < parts; p++)); do args+=(-t "$topic:$p:-1"); done
  for ((attempt = 1; attempt <= attempts; attempt++)); do
    kcat -Q -b "$BENCH_BROKER" "${args[@]}" 2>"$BENCH_WORK/kcat-q.err" \
      | awk -v want="$parts" '{ n += $NF; lines++ } END { if (lines != want) exit 1; print n }' && return 0
    sleep 0.5
  done
  cat "$BENCH_WORK/kcat-q.err" >&2
  kb_die "cannot read the end offsets of $topic after $attempts attempts"
}

# Fails unless TOPIC holds WANT records.
bench_expect_records() {
  local got
  got="$(bench_topic_records "$1" "$2")"
  [ "$got" = "$3" ] || kb_die "topic $1 holds $got records, expected $3"
}

# The storage section for BACKEND (fs|s3); S3 backups go under the prefix 'bench'.
bench_storage_yaml() {
  case "$1" in
    fs) printf 'storage:\n  backend: filesystem\n  path: %s\n' "$BENCH_WORK/backups" ;;
    s3) printf 'storage:\n  backend: s3\n  bucket: %s\n  prefix: bench\n  endpoint: %s\n  region: %s\n' \
          "$BENCH_S3_BUCKET" "$KB_S3_ENDPOINT" "$KB_S3_REGION" ;;
    *) kb_die "unknown backend '$1'" ;;
  esac
}

# bench_backup NAME BACKEND BACKUP_ID TOPIC EXPECTED_RECORDS [backup option lines...]: a timed one-shot
# backup; checks the report's record count. Sets T_* and B_STORED (stored bytes).
bench_backup() {
  local name="$1" backend="$2" id="$3" topic="$4" want="$5" cfg status records
  shift 5
  cfg="$BENCH_WORK/$name.yaml"
  {
    printf 'backup_id: %s\nsource:\n  bootstrap_servers: [%s]\n  topics: [%s]\n' "$id" "$BENCH_BROKER" "$topic"
    bench_storage_yaml "$backend"
    if [ $# -gt 0 ]; then printf 'backup:\n'; printf '  %s\n' "$@"; fi
  } >"$cfg"
  bench_timed "$name" "$BENCH_BIN" -q backup --config "$cfg" --format json
  status="$(bench_json "$BENCH_WORK/$name.out" status)"
  records="$(bench_json "$BENCH_WORK/$name.out" records)"
  [ "$status" = ok ] || kb_die "$name: backup status '$status' (report: $BENCH_WORK/$name.out)"
  [ "$records" = "$want" ] || kb_die "$name: backup read $records records, expected $want"
  B_STORED="$(bench_json "$BENCH_WORK/$name.out" stored_bytes)"
}

# bench_restore NAME BACKEND BACKUP_ID SOURCE_TOPIC TARGET_TOPIC EXPECTED_RECORDS [restore flags...]:
# a timed restore into a new topic (created by the tool); checks the report and the target's end
# offsets. Sets T_* and R_READ (bytes read from storage) and R_STORED (the backup's stored bytes).
bench_restore() {
  local name="$1" backend="$2" id="$3" src="$4" dst="$5" want="$6" cfg records parts
  shift 6
  cfg="$BENCH_WORK/$name.yaml"
  {
    printf 'backup_id: %s\ntarget:\n  bootstrap_servers: [%s]\n' "$id" "$BENCH_BROKER"
    bench_storage_yaml "$backend"
    printf 'restore:\n  create_topics: true\n  topic_mapping:\n    %s: %s\n' "$src" "$dst"
  } >"$cfg"
  bench_timed "$name" "$BENCH_BIN" -q restore --config "$cfg" --format json "$@"
  [ "$(bench_json "$BENCH_WORK/$name.out" complete)" = True ] || kb_die "$name: restore incomplete (report: $BENCH_WORK/$name.out)"
  records="$(bench_json "$BENCH_WORK/$name.out" records)"
  [ "$records" = "$want" ] || kb_die "$name: restore wrote $records records, expected $want"
  parts="$(bench_json "$BENCH_WORK/$name.out" partitions_total)"
  bench_expect_records "$dst" "$parts" "$want"
  R_READ="$(bench_json "$BENCH_WORK/$name.out" bytes_read_from_storage)"
  R_STORED="$(bench_json "$BENCH_WORK/$name.out" backup_stored_bytes)"
}

# A timed kcat consume of TOPIC from the beginning to the end, into a file; checks its size.
bench_kcat_consume() {
  local name="$1" topic="$2" want_bytes="$3" got
  bench_timed "$name" kcat -C -b "$BENCH_BROKER" -t "$topic" -e -o beginning -q
  got="$(stat -c %s "$BENCH_WORK/$name.out")"
  [ "$got" = "$want_bytes" ] || kb_die "$name: kcat consumed $got bytes, expected $want_bytes"
  rm -f "$BENCH_WORK/$name.out"
}

# A timed kcat produce of FILE (one record per line) into TOPIC; further arguments go to kcat.
bench_kcat_produce() {
  local name="$1" topic="$2" file="$3"
  shift 3
  bench_timed "$name" kcat -P -b "$BENCH_BROKER" -t "$topic" -l "$file" "$@"
}

# Deletes TOPIC and every topic whose name starts with "TOPIC-" (one Kafka tool start).
bench_delete_topics() {
  bash "$KB_REPO/scripts/kafka-cli.sh" topics --bootstrap-server "$BENCH_BROKER" --delete \
    --topic "$1|$1-.*" >/dev/null || kb_die "cannot delete the topics of $1"
}

# The smaller (bench_min) or larger (bench_max) of two numbers; an empty first one is no number yet.
bench_min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }
bench_max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b > a) ? b : a }'; }

# Formatting: MB/s and records/s for BYTES and RECORDS over SECONDS; a ratio with the floor mark.
bench_mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.1f", b / 1e6 / s }'; }
bench_rps() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
# bench_ratio KCAT_WALL OUR_WALL [FLOOR]: kcat / ours, marked when under FLOOR (none: not marked).
bench_ratio() {
  awk -v a="$1" -v b="$2" -v f="${3:-0}" 'BEGIN { r = a / b; printf "%.2f%s", r, (r < f ? " BELOW FLOOR" : "") }'
}
# The ratio floor for BACKEND (fs|s3).
bench_floor() { if [ "$1" = s3 ]; then echo "$BENCH_FLOOR_S3"; else echo "$BENCH_FLOOR_FS"; fi; }
bench_rss_mark() { awk -v m="$1" -v f="$BENCH_FLOOR_RSS_MIB" 'BEGIN { printf "%d%s", m, (m > f ? " BELOW FLOOR" : "") }'; }
