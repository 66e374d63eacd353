#!/usr/bin/env bash
# Stops, kills or starts one node of a Kafka instance that scripts/kafka-up.sh started, keeping its
# config and data: for fault tests (a partition leader killed, a rolling restart).
#
# Usage: kafka-node.sh [--name NAME] --node N stop|kill|start
#   --name   instance (default cluster)
#   --node   node id, 1..nodes of the instance
#   stop     SIGTERM (controlled shutdown: leadership moves away first); waits until it has exited
#   kill     SIGKILL, as kill -9 (no shutdown at all); waits until it is gone
#   start    starts the node again with its config and data (a running node is left alone), then
#            waits until the instance's metadata lists all its nodes again
# Env: KB_KAFKA_HEAP (default 512m) as kafka-up.sh; KB_KAFKA_READY_TIMEOUT seconds (default 90).
# Only the process whose pid file and command line match the node is signalled. Exits non-zero on
# failure, naming the node and its log.
set -euo pipefail
KB_SCRIPT=kafka-node
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

name=cluster
node=""
action=""
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name="${2:?--name needs a value}"; shift 2 ;;
    --node) node="${2:?--node needs a value}"; shift 2 ;;
    stop|kill|start) action="$1"; shift ;;
    -h|--help) kb_usage; exit 0 ;;
    *) kb_die "unknown argument '$1' (see --help)" ;;
  esac
done
[ -n "$action" ] || kb_die "say what to do: stop, kill or start (see --help)"
[[ "$node" =~ ^[0-9]+$ ]] || kb_die "--node must be a node number, got '$node'"
dir="$KB_STATE_DIR/$name"
nd="$dir/node$node"
[ -f "$nd/server.properties" ] || kb_die "Kafka '$name' has no node $node (no $nd/server.properties): start it with kafka-up.sh"
props="$nd/server.properties"

case "$action" in
  stop)
    KB_QUIET=1 kb_stop_pid "$nd/kafka.pid" "$props" "Kafka '$name' node $node"
    kb_log "stopped Kafka '$name' node $node"
    ;;
  kill)
    if kb_pid_alive "$nd/kafka.pid" "$props"; then
      kill -KILL "$(cat "$nd/kafka.pid")" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do kb_pid_alive "$nd/kafka.pid" "$props" || break; sleep 0.1; done
      kb_pid_alive "$nd/kafka.pid" "$props" && kb_die "Kafka '$name' node $node is still running after SIGKILL"
    fi
    rm -f "$nd/kafka.pid"
    kb_log "killed Kafka '$name' node $node (SIGKILL)"
    ;;
  start)
    version="$(cat "$dir/version")"
    libs="$(cat "$dir/libs")"
    nodes="$(cat "$dir/nodes")"
    bootstrap="$(cat "$dir/bootstrap")"
    if ! kb_pid_alive "$nd/kafka.pid" "$props"; then
      start=$(kb_now)
      kb_spawn_detached "$nd/kafka.pid" "$nd/kafka.log" \
        java "-Xmx${KB_KAFKA_HEAP:-512m}" -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
        $(kb_kafka_log_opts "$version" broker) -cp "$libs/*" kafka.Kafka "$props"
      deadline=$(( $(date +%s) + ${KB_KAFKA_READY_TIMEOUT:-90} ))
      while [ "$(kb_kafka_broker_count "$bootstrap")" != "$nodes" ]; do
        if kb_died "$nd/kafka.pid" "$props"; then
          tail -n 40 "$nd/kafka.log" >&2 || true
          kb_die "Kafka '$name' node $node exited during start-up (log: $nd/kafka.log)"
        fi
        [ "$(date +%s)" -lt "$deadline" ] || kb_die "Kafka '$name' node $node not back in the metadata after ${KB_KAFKA_READY_TIMEOUT:-90}s (log: $nd/kafka.log)"
        sleep 0.5
      done
      kb_log "started Kafka '$name' node $node in $(kb_elapsed "$start")s"
    fi
    ;;
esac
