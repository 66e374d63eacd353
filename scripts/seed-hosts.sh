#!/usr/bin/env bash
# Makes the seed walkthrough's host names resolve on this machine: kafka-broker-1 and minio -> 127.0.0.1.
#
# Usage: seed-hosts.sh [--check]
#   (default) adds a line "127.0.0.1 kafka-broker-1 minio" to /etc/hosts for the names that do not
#             resolve yet (needs root or sudo); names that already resolve are left alone
#   --check   changes nothing; exits 1 naming each host that does not resolve to 127.0.0.1
# The seed ran in docker compose, whose DNS supplied these names; examples/backup-pitr.yaml names them,
# and the walkthrough (scripts/demo-pitr.sh --s3) uses that file unchanged.
set -euo pipefail
KB_SCRIPT=seed-hosts
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

check_only=0
case "${1:-}" in
  --check) check_only=1 ;;
  "") ;;
  -h|--help) kb_usage; exit 0 ;;
  *) kb_die "unknown argument '$1' (see --help)" ;;
esac

hosts=(kafka-broker-1 minio)
resolves_locally() { [ "$(getent ahostsv4 "$1" 2>/dev/null | awk 'NR == 1 { print $1 }')" = 127.0.0.1 ]; }

missing=()
for h in "${hosts[@]}"; do resolves_locally "$h" || missing+=("$h"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$check_only" = 1 ]; then
  kb_die "${missing[*]} do(es) not resolve to 127.0.0.1; run scripts/seed-hosts.sh (adds them to /etc/hosts)"
fi

# A name that resolves elsewhere is someone else's setting: say so rather than override it.
for h in "${missing[@]}"; do
  if getent ahostsv4 "$h" >/dev/null 2>&1; then
    kb_die "$h resolves to $(getent ahostsv4 "$h" | awk 'NR == 1 { print $1 }'), not 127.0.0.1; fix /etc/hosts by hand"
  fi
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo -n"  # no terminal in CI: fail rather than prompt
kb_log "adding '127.0.0.1 ${missing[*]}' to /etc/hosts"
echo "127.0.0.1 ${missing[*]}  # kafka-backup seed walkthrough" | $SUDO tee -a /etc/hosts >/dev/null ||
  kb_die "could not write /etc/hosts; add '127.0.0.1 ${missing[*]}' to it by hand"
for h in "${missing[@]}"; do resolves_locally "$h" || kb_die "$h still does not resolve to 127.0.0.1 after editing /etc/hosts"; done
