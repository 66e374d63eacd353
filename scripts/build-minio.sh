#!/usr/bin/env bash
# Builds MinIO once from the Go module proxy into a cache; prints the binary path.
set -euo pipefail

rev="v0.0.0-20260212201848-7aac2a2c5b7c"
cache="${KAFKA_BACKUP_CACHE:-$HOME/.cache/kafka-backup}"
dest="$cache/minio-$rev"
bin="$dest/bin/minio"

if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
# Some machines keep Go outside PATH for non-login shells.
command -v go >/dev/null || { [ -x /usr/local/go/bin/go ] && PATH="$PATH:/usr/local/go/bin"; }
command -v go >/dev/null || { echo "build-minio: go not found; run scripts/install-deps.sh" >&2; exit 1; }
gover="$(go env GOVERSION 2>/dev/null || go version)"
if [[ "$gover" =~ go1\.([0-9]+) ]] && [ "${BASH_REMATCH[1]}" -lt 24 ]; then
  echo "build-minio: MinIO needs Go >= 1.24, found $gover ($(command -v go)); install a newer Go" >&2
  exit 1
fi
mkdir -p "$dest"
# One build at a time: a second caller waits, then finds the binary.
exec 9>"$dest.lock"
flock 9
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
export GOBIN="$dest/bin.tmp"
export GOMODCACHE="${GOMODCACHE:-$cache/gomod}"
export GOCACHE="${GOCACHE:-$cache/gobuild}"
export GOFLAGS="-mod=mod"
echo "build-minio: building MinIO $rev (first build takes several minutes)" >&2
if ! go install "github.com/minio/minio@$rev" >&2; then
  echo "build-minio: FAILED to build MinIO from the Go module proxy" >&2
  exit 1
fi
rm -rf "$dest/bin"
mv "$GOBIN" "$dest/bin"
echo "$bin"
