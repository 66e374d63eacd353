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
command -v go >/dev/null || { echo "build-minio: go not found; run scripts/install-deps.sh" >&2; exit 1; }
mkdir -p "$dest"
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
