#!/usr/bin/env bash
# Stops Kafka instances that scripts/kafka-up.sh started, by their pid files, and waits until they exit.
#
# Usage: kafka-down.sh [--name NAME]... [--purge]
#   --name   instance to stop (repeatable); default: every instance under $KB_STATE_DIR (.test-env)
#   --purge  also delete the instance's data, logs and config
# Only processes whose pid file and command line match an instance's node are signalled: SIGTERM, then
# SIGKILL after KB_STOP_TIMEOUT seconds (default 30). Stopping what is not running is not an error.
set -euo pipefail
KB_SCRIPT=kafka-down
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

names=()
purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --name) names+=("${2:?--name needs a value}"); shift 2 ;;
    --purge) purge=1; shift ;;
    -h|--help) kb_usage; exit 0 ;;
    *) kb_die "unknown argument '$1' (see --help)" ;;
  esac
done
if [ ${#names[@]} -eq 0 ]; then
  for pidfile in "$KB_STATE_DIR"/*/node*/kafka.pid; do
    [ -f "$pidfile" ] && names+=("$(basename "$(dirname "$(dirname "$pidfile")")")")
  done
  [ ${#names[@]} -gt 0 ] && mapfile -t names < <(printf '%s\n' "${names[@]}" | sort -u)
fi

for name in "${names[@]}"; do
  dir="$KB_STATE_DIR/$name"
  nodes=()
  for nd in "$dir"/node*; do [ -d "$nd" ] && nodes+=("$nd"); done
  # SIGTERM every node first so a cluster shuts down together rather than one node at a time.
  stopped=()
  for nd in "${nodes[@]}"; do
    if kb_pid_alive "$nd/kafka.pid" "$nd/server.properties"; then
      stopped+=("$(basename "$nd") (pid $(cat "$nd/kafka.pid"))")
      kill -TERM "$(cat "$nd/kafka.pid")" 2>/dev/null || true
    fi
  done
  # Once fewer than a majority of a cluster's voters are left, the rest cannot finish a controlled
  # shutdown (they wait for a quorum that is gone), so after a short grace they are killed.
  majority=$(( ${#nodes[@]} / 2 + 1 ))
  deadline=$(( $(date +%s) + ${KB_STOP_TIMEOUT:-30} ))
  no_quorum_since=""
  while :; do
    alive=()
    for nd in "${nodes[@]}"; do kb_pid_alive "$nd/kafka.pid" "$nd/server.properties" && alive+=("$nd"); done
    [ ${#alive[@]} -gt 0 ] || break
    now=$(date +%s)
    if [ ${#nodes[@]} -gt 1 ] && [ ${#alive[@]} -lt "$majority" ]; then
      [ -n "$no_quorum_since" ] || no_quorum_since=$now
      if [ $(( now - no_quorum_since )) -ge 5 ]; then
        kb_log "Kafka '$name': no controller quorum left for ${alive[*]##*/} to shut down cleanly; killing (test data only)"
        break
      fi
    elif [ "$now" -ge "$deadline" ]; then
      kb_log "Kafka '$name': ${alive[*]##*/} did not stop within ${KB_STOP_TIMEOUT:-30}s of SIGTERM; killing"
      break
    fi
    sleep 0.2
  done
  for nd in "${alive[@]}"; do
    kb_pid_alive "$nd/kafka.pid" "$nd/server.properties" && kill -KILL "$(cat "$nd/kafka.pid")" 2>/dev/null || true
  done
  for nd in "${nodes[@]}"; do
    KB_QUIET=1 kb_stop_pid "$nd/kafka.pid" "$nd/server.properties" "Kafka '$name' $(basename "$nd")"
  done
  [ ${#stopped[@]} -eq 0 ] || kb_log "stopped Kafka '$name': ${stopped[*]}"
  [ "$purge" = 1 ] && rm -rf "$dir"
done
exit 0
