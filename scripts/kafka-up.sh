#!/usr/bin/env bash
# Starts a real Apache Kafka (KRaft) on 127.0.0.1 from the jars scripts/fetch-kafka.sh caches.
#
# Usage: kafka-up.sh [--nodes 1|3] [--version 3.9.1|4.1.1] [--name NAME] [--port PORT] [--sasl] [--tls]
#   --nodes    1: one combined broker+controller; 3: three combined nodes, all three quorum voters
#   --version  Kafka version (default 3.9.1)
#   --name     instance name (default: single for 1 node, cluster for 3); state lives in
#              $KB_STATE_DIR/NAME (default .test-env/NAME): nodeN/{server.properties,data,kafka.log,kafka.pid}
#   --port     client port of node 1 (default $KAFKA_PORT, else a free port); other ports are free ones
#   --sasl     also a SASL_PLAINTEXT listener on each node, with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512
#              for the test user kb-test / kb-test-secret (loopback test brokers only); its bootstrap
#              servers go to NAME/sasl_bootstrap
#   --tls      also an SSL listener on each node that requires a client certificate (mutual TLS);
#              a fresh test CA, broker and client certificates are made with openssl in NAME/tls/
#              (ca.pem, client.pem, client.key); its bootstrap servers go to NAME/tls_bootstrap
# Env: KB_KAFKA_HEAP (default 512m), KB_KAFKA_READY_TIMEOUT seconds (default 90),
#      KB_KAFKA_SEGMENT_BYTES (log.segment.bytes, default 1048576, the minimum Kafka 4.x accepts).
# Prints the bootstrap servers (host:port,...) on stdout; also writes them to NAME/bootstrap.
# Idempotent: if NAME is already running and answering (same nodes, version and, if given, port),
# prints its bootstrap and leaves it alone.
# Otherwise it starts NAME afresh (its old broker data is removed; other files in NAME/ are kept).
# Stop it with scripts/kafka-down.sh --name NAME.
set -euo pipefail
KB_SCRIPT=kafka-up
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

nodes=1
version=3.9.1
name=""
port="${KAFKA_PORT:-}"
sasl=0
tls=0
sasl_user=kb-test
sasl_password=kb-test-secret
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) nodes="${2:?--nodes needs a value}"; shift 2 ;;
    --version) version="${2:?--version needs a value}"; shift 2 ;;
    --name) name="${2:?--name needs a value}"; shift 2 ;;
    --port) port="${2:?--port needs a value}"; shift 2 ;;
    --sasl) sasl=1; shift ;;
    --tls) tls=1; shift ;;
    -h|--help) kb_usage; exit 0 ;;
    *) kb_die "unknown argument '$1' (see --help)" ;;
  esac
done
case "$nodes" in 1|3) ;; *) kb_die "--nodes must be 1 or 3, got '$nodes'" ;; esac
[ -n "$name" ] || { [ "$nodes" = 1 ] && name=single || name=cluster; }
[[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || kb_die "--name '$name' may hold only letters, digits, '.', '_' and '-'"
command -v java >/dev/null || kb_die "java not found; run scripts/install-deps.sh"
command -v kcat >/dev/null || kb_die "kcat not found (used for the readiness check); run scripts/install-deps.sh"

dir="$KB_STATE_DIR/$name"
node_pattern() { printf '%s' "$dir/node$1/server.properties"; }

# Already up? Then this is a no-op.
running_port="$(sed -n '1s/^127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/bootstrap" 2>/dev/null || true)"
if [ -f "$dir/bootstrap" ] && [ "$(cat "$dir/nodes" 2>/dev/null)" = "$nodes" ] \
    && [ "$(cat "$dir/version" 2>/dev/null)" = "$version" ] && { [ -z "$port" ] || [ "$port" = "$running_port" ]; } \
    && [ "$([ -f "$dir/sasl_bootstrap" ] && echo 1 || echo 0)" = "$sasl" ] \
    && [ "$([ -f "$dir/tls_bootstrap" ] && echo 1 || echo 0)" = "$tls" ]; then
  all_alive=1
  for ((i = 1; i <= nodes; i++)); do
    kb_pid_alive "$dir/node$i/kafka.pid" "$(node_pattern "$i")" || all_alive=0
  done
  if [ "$all_alive" = 1 ] && [ "$(kb_kafka_broker_count "$(cat "$dir/bootstrap")")" = "$nodes" ]; then
    kb_log "Kafka '$name' ($version, $nodes node(s)) is already running at $(cat "$dir/bootstrap")"
    cat "$dir/bootstrap"
    exit 0
  fi
fi
# Leftovers of an earlier run (some nodes dead, other version...): stop what we started, start afresh.
bash "$KB_REPO/scripts/kafka-down.sh" --name "$name" >&2
# Remove only what this script makes; other files a user keeps in the folder stay.
rm -rf "$dir"/node[0-9]* "$dir"/{bootstrap,sasl_bootstrap,tls_bootstrap,tls,version,nodes,libs,format.log}
mkdir -p "$dir"

libs="$(bash "$KB_REPO/scripts/fetch-kafka.sh" "$version")" || kb_die "could not fetch Kafka $version"
[ -d "$libs" ] || kb_die "fetch-kafka.sh printed '$libs', which is not a directory"

# Ports: PLAINTEXT for nodes 1..n, then CONTROLLER for nodes 1..n, then SASL_PLAINTEXT (--sasl),
# then SSL (--tls).
nports=$(( (2 + sasl + tls) * nodes ))
sasl_base=$((2 * nodes))
tls_base=$(((2 + sasl) * nodes))
read -r -a ports <<<"$(kb_free_ports "$nports")"
[ "${#ports[@]}" = "$nports" ] || kb_die "could not find $nports free loopback ports"
if [ -n "$port" ]; then
  kb_require_free_port "$port" "--port / KAFKA_PORT"
  for ((i = 1; i < ${#ports[@]}; i++)); do [ "${ports[$i]}" != "$port" ] || ports[$i]="${ports[0]}"; done
  ports[0]="$port"
fi
voters=""
bootstrap=""
sasl_bootstrap=""
tls_bootstrap=""
for ((i = 1; i <= nodes; i++)); do
  voters+="${voters:+,}$i@127.0.0.1:${ports[$((nodes + i - 1))]}"
  bootstrap+="${bootstrap:+,}127.0.0.1:${ports[$((i - 1))]}"
  [ "$sasl" = 0 ] || sasl_bootstrap+="${sasl_bootstrap:+,}127.0.0.1:${ports[$((sasl_base + i - 1))]}"
  [ "$tls" = 0 ] || tls_bootstrap+="${tls_bootstrap:+,}127.0.0.1:${ports[$((tls_base + i - 1))]}"
done

# Test certificates: a CA, one broker certificate for 127.0.0.1 (the client checks the name), one
# client certificate. Kafka reads PEM key stores directly (key and chain in one file).
if [ "$tls" = 1 ]; then
  command -v openssl >/dev/null || kb_die "openssl not found; run scripts/install-deps.sh"
  t="$dir/tls"
  mkdir -p "$t"
  {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=kafka-backup test CA" \
      -keyout "$t/ca.key" -out "$t/ca.pem"
    for who in broker client; do
      openssl req -newkey rsa:2048 -nodes -subj "/CN=kafka-backup test $who" -keyout "$t/$who.key" -out "$t/$who.csr"
      openssl x509 -req -in "$t/$who.csr" -CA "$t/ca.pem" -CAkey "$t/ca.key" -CAcreateserial -days 3650 \
        -extfile <(printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n') -out "$t/$who.pem"
    done
  } >"$t/openssl.log" 2>&1 || { cat "$t/openssl.log" >&2; kb_die "making test certificates failed (log: $t/openssl.log)"; }
  cat "$t/broker.key" "$t/broker.pem" >"$t/broker-keystore.pem"
fi
rf="$nodes"
min_isr=$(( nodes > 1 ? 2 : 1 ))

for ((i = 1; i <= nodes; i++)); do
  nd="$dir/node$i"
  mkdir -p "$nd/data"
  listeners="PLAINTEXT://127.0.0.1:${ports[$((i - 1))]},CONTROLLER://127.0.0.1:${ports[$((nodes + i - 1))]}"
  advertised="PLAINTEXT://127.0.0.1:${ports[$((i - 1))]}"
  if [ "$sasl" = 1 ]; then
    listeners+=",SASL_PLAINTEXT://127.0.0.1:${ports[$((sasl_base + i - 1))]}"
    advertised+=",SASL_PLAINTEXT://127.0.0.1:${ports[$((sasl_base + i - 1))]}"
  fi
  if [ "$tls" = 1 ]; then
    listeners+=",SSL://127.0.0.1:${ports[$((tls_base + i - 1))]}"
    advertised+=",SSL://127.0.0.1:${ports[$((tls_base + i - 1))]}"
  fi
  cat >"$nd/server.properties" <<PROPS
# Written by scripts/kafka-up.sh for instance '$name', node $i of $nodes (Kafka $version).
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=$listeners
advertised.listeners=$advertised
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL
log.dirs=$nd/data
num.partitions=1
default.replication.factor=$rf
min.insync.replicas=1
offsets.topic.replication.factor=$rf
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$min_isr
group.initial.rebalance.delay.ms=0
log.cleaner.dedupe.buffer.size=16777216
log.retention.ms=-1
log.segment.bytes=${KB_KAFKA_SEGMENT_BYTES:-1048576}
auto.create.topics.enable=true
delete.topic.enable=true
PROPS
  # PLAIN users live in the listener's JAAS line; SCRAM credentials are stored at format time.
  [ "$sasl" = 0 ] || cat >>"$nd/server.properties" <<PROPS
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$sasl_user="$sasl_password";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
PROPS
  [ "$tls" = 0 ] || cat >>"$nd/server.properties" <<PROPS
ssl.keystore.type=PEM
ssl.keystore.location=$dir/tls/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$dir/tls/ca.pem
ssl.client.auth=required
PROPS
done
scram_args=()
if [ "$sasl" = 1 ]; then
  for mech in SCRAM-SHA-256 SCRAM-SHA-512; do
    scram_args+=(--add-scram "$mech=[name=$sasl_user,password=$sasl_password]")
  done
fi

java_base=(java "-Xmx${KB_KAFKA_HEAP:-512m}" -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true)
start=$(kb_now)
"${java_base[@]}" $(kb_kafka_log_opts "$version" tools) -cp "$libs/*" kafka.tools.StorageTool random-uuid \
  >"$dir/format.log" 2>&1 || true
cluster_id="$(tail -n 1 "$dir/format.log")"
[[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || { cat "$dir/format.log" >&2; kb_die "StorageTool random-uuid failed (log: $dir/format.log)"; }
for ((i = 1; i <= nodes; i++)); do
  if ! "${java_base[@]}" $(kb_kafka_log_opts "$version" tools) -cp "$libs/*" kafka.tools.StorageTool \
      format -t "$cluster_id" -c "$dir/node$i/server.properties" --ignore-formatted "${scram_args[@]}" >>"$dir/format.log" 2>&1; then
    cat "$dir/format.log" >&2
    kb_die "formatting node $i of '$name' failed (log: $dir/format.log)"
  fi
done

for ((i = 1; i <= nodes; i++)); do
  nd="$dir/node$i"
  : >"$nd/kafka.log"
  kb_spawn_detached "$nd/kafka.pid" "$nd/kafka.log" \
    "${java_base[@]}" $(kb_kafka_log_opts "$version" broker) -cp "$libs/*" kafka.Kafka "$nd/server.properties"
done
printf '%s\n' "$bootstrap" >"$dir/bootstrap"
[ "$sasl" = 0 ] || printf '%s\n' "$sasl_bootstrap" >"$dir/sasl_bootstrap"
[ "$tls" = 0 ] || printf '%s\n' "$tls_bootstrap" >"$dir/tls_bootstrap"
printf '%s\n' "$version" >"$dir/version"
printf '%s\n' "$nodes" >"$dir/nodes"
printf '%s\n' "$libs" >"$dir/libs"

fail_start() {
  for ((i = 1; i <= nodes; i++)); do
    printf '\n----- last lines of %s -----\n' "$dir/node$i/kafka.log" >&2
    tail -n 40 "$dir/node$i/kafka.log" >&2 2>/dev/null || true
  done
  bash "$KB_REPO/scripts/kafka-down.sh" --name "$name" >&2 || true
  kb_die "$1"
}

timeout_s="${KB_KAFKA_READY_TIMEOUT:-90}"
deadline=$(( $(date +%s) + timeout_s ))
while :; do
  sleep 0.5
  for ((i = 1; i <= nodes; i++)); do
    if kb_died "$dir/node$i/kafka.pid" "$(node_pattern "$i")"; then
      fail_start "Kafka '$name' node $i exited during start-up (log: $dir/node$i/kafka.log)"
    fi
  done
  count="$(kb_kafka_broker_count "$bootstrap")"
  [ "$count" = "$nodes" ] && break
  [ "$(date +%s)" -lt "$deadline" ] || \
    fail_start "Kafka '$name' not ready after ${timeout_s}s: metadata at $bootstrap lists $count of $nodes broker(s)"
done
kb_log "Kafka '$name' ($version, $nodes node(s)) ready at $bootstrap in $(kb_elapsed "$start")s"
echo "$bootstrap"
