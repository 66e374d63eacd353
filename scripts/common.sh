# Shared helpers for the scripts in this folder. Source it; do not run it.
#   KB_REPO       repository root (derived from this file's location)
#   KB_STATE_DIR  where servers keep data, logs, pid files and the env file (default $KB_REPO/.test-env)
# Functions: kb_log, kb_die, kb_now, kb_elapsed START, kb_free_ports N, kb_require_free_port PORT HINT,
#            kb_pid_alive PIDFILE PATTERN, kb_spawn_detached PIDFILE LOG CMD..., kb_died PIDFILE PATTERN,
#            kb_stop_pid PIDFILE PATTERN WHAT, kb_kafka_log_opts VERSION KIND, kb_kafka_broker_count BOOTSTRAP,
#            kb_usage.

KB_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KB_STATE_DIR="${KB_STATE_DIR:-$KB_REPO/.test-env}"
# Some machines keep Go outside PATH for non-login shells.
[ -d /usr/local/go/bin ] && case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) PATH="$PATH:/usr/local/go/bin" ;; esac

kb_log() { printf '%s: %s\n' "${KB_SCRIPT:-$(basename "$0")}" "$*" >&2; }

kb_die() {
  printf '\n%s: ERROR: %s\n\n' "${KB_SCRIPT:-$(basename "$0")}" "$*" >&2
  exit 1
}

kb_now() { date +%s.%N; }
# Seconds since START (from kb_now), one decimal.
kb_elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }

# Prints N distinct loopback TCP ports that can be bound right now, space separated. They are drawn
# below the kernel's ephemeral range so outgoing connections do not grab them before the server does.
kb_free_ports() {
  command -v python3 >/dev/null || kb_die "python3 not found (needed to pick free ports); run scripts/install-deps.sh"
  python3 - "$1" <<'PY'
import random, socket, sys
want = int(sys.argv[1])
lo, hi = 20000, 32000
try:
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        eph_lo = int(f.read().split()[0])
    hi = min(hi, eph_lo - 1)
except OSError:
    pass
held, ports = [], []
for port in random.sample(range(lo, hi), hi - lo):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    held.append(s)  # keep it bound so the same port is not handed out twice
    ports.append(port)
    if len(ports) == want:
        break
for s in held:
    s.close()
if len(ports) < want:
    sys.exit("no free ports")
print(" ".join(map(str, ports)))
PY
}

# Fails loudly unless PORT is a number nobody listens on at 127.0.0.1. HINT says how the port was chosen.
# (SO_REUSEADDR as servers use it: connections of an earlier run in TIME_WAIT do not count.)
kb_require_free_port() {
  local port="$1" hint="$2"
  [[ "$port" =~ ^[0-9]+$ ]] || kb_die "port '$port' is not a number ($hint)"
  python3 - "$port" <<'PY' 2>/dev/null || kb_die "port $port on 127.0.0.1 is already in use; free it or pick another ($hint)"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
PY
}

# True when PIDFILE names a live process whose command line contains PATTERN (guards against pid reuse).
kb_pid_alive() {
  local pidfile="$1" pattern="$2" pid
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$pattern"
}

# Starts CMD in the background in its own session (it outlives the script and ignores the terminal's
# Ctrl-C), stdin from /dev/null, output appended to LOG. The inner shell records its pid, which exec
# hands on to CMD. The pid file is written whole by a rename, so a reader never sees it empty, and the
# old one is removed first, so a reader never mistakes the previous run's dead pid for this one.
kb_spawn_detached() {
  local pidfile="$1" log="$2"
  shift 2
  rm -f "$pidfile" "$pidfile.tmp"
  setsid bash -c 'echo $$ >"$0.tmp" && mv -f "$0.tmp" "$0" && exec "$@"' "$pidfile" "$@" \
    </dev/null >>"$log" 2>&1 &
}

# True when a process started by kb_spawn_detached has recorded its pid and is gone since (no such
# process, or a zombie). Its command line is not checked: it reads empty while exec runs, and a pid
# recorded a moment ago cannot have been reused. PATTERN is kept for symmetry with kb_pid_alive.
kb_died() {
  local pid state
  [ -f "$1" ] || return 1
  pid="$(cat "$1" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [ -e "/proc/$pid" ] || return 0
  state="$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null)"
  [ "$state" = Z ]
}

# Stops the process in PIDFILE (if it is still ours): SIGTERM, wait up to KB_STOP_TIMEOUT seconds
# (default 30), then SIGKILL. Removes the pid file. WHAT names the process in messages; KB_QUIET=1
# leaves out the "stopped" line.
kb_stop_pid() {
  local pidfile="$1" pattern="$2" what="$3" pid i limit
  if ! kb_pid_alive "$pidfile" "$pattern"; then
    rm -f "$pidfile"
    return 0
  fi
  pid="$(cat "$pidfile")"
  limit=$(( ${KB_STOP_TIMEOUT:-30} * 10 ))
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < limit; i++)); do
    kb_pid_alive "$pidfile" "$pattern" || break
    sleep 0.1
  done
  if kb_pid_alive "$pidfile" "$pattern"; then
    kb_log "$what (pid $pid) did not stop within ${KB_STOP_TIMEOUT:-30}s of SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
      kb_pid_alive "$pidfile" "$pattern" || break
      sleep 0.1
    done
  fi
  kb_pid_alive "$pidfile" "$pattern" && kb_die "$what (pid $pid) is still running after SIGKILL"
  rm -f "$pidfile"
  [ -n "${KB_QUIET:-}" ] || kb_log "stopped $what (pid $pid)"
}

# JVM options that point Kafka's logging at our config. KIND is broker or tools.
kb_kafka_log_opts() {
  local version="$1" kind="$2" dir="$KB_REPO/scripts/kafka-logging"
  case "$version" in
    3.*) printf '%s\n' "-Dlog4j.configuration=file:$dir/$kind-log4j.properties" ;;
    *) printf '%s\n' "-Dlog4j2.configurationFile=$dir/$kind-log4j2.xml" ;;
  esac
}

# Number of brokers in the cluster's metadata as seen through BOOTSTRAP, or 0 when it does not answer.
kb_kafka_broker_count() {
  local out
  out="$(kcat -L -b "$1" -m 3 2>/dev/null)" || { echo 0; return; }
  awk '$2 == "brokers:" { print $1; found = 1; exit } END { if (!found) print 0 }' <<<"$out"
}

# Prints the calling script's header comment (its usage).
kb_usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }
