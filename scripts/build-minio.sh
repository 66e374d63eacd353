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
mkdir -p "$dest"
# One build at a time: a second caller waits, then finds the binary.
exec 9>"$dest.lock"
flock 9
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
export GOMODCACHE="${GOMODCACHE:-$cache/gomod}"
export GOFLAGS="-mod=mod"
# MinIO needs Go >= 1.24; Debian bookworm's golang-go is 1.19. An older Go fetches a newer
# toolchain from the Go module proxy (Go publishes each release there as golang.org/toolchain),
# once, into the cache.
toolchain="go1.24.4"
go_minor() {
  if [[ "$("$1" env GOVERSION 2>/dev/null || "$1" version)" =~ go1\.([0-9]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo 0; fi
}
go_bin="$(command -v go)"
if [ "$(go_minor "$go_bin")" -lt 24 ]; then
  tc="$cache/$toolchain"
  if [ ! -x "$tc/bin/go" ]; then
    case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) arch="$(uname -m)" ;; esac
    echo "build-minio: $("$go_bin" version) is older than 1.24; fetching $toolchain from the Go module proxy" >&2
    dir="$(GOTOOLCHAIN=local "$go_bin" mod download -json "golang.org/toolchain@v0.0.1-$toolchain.linux-$arch" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
    [ -n "$dir" ] && [ -f "$dir/bin/go" ] || { echo "build-minio: could not fetch $toolchain" >&2; exit 1; }
    # The module cache is read-only and drops the execute bits: keep a usable copy.
    rm -rf "$tc.tmp"
    cp -r "$dir" "$tc.tmp"
    chmod -R u+w "$tc.tmp"
    chmod +x "$tc.tmp"/bin/* "$tc.tmp"/pkg/tool/*/*
    rm -rf "$tc"
    mv "$tc.tmp" "$tc"
  fi
  go_bin="$tc/bin/go"
  unset GOROOT  # the old Go's; the fetched one finds its own
fi
export GOBIN="$dest/bin.tmp"
export GOCACHE="${GOCACHE:-$cache/gobuild}"
echo "build-minio: building MinIO $rev (first build takes several minutes)" >&2
if ! GOTOOLCHAIN=local "$go_bin" install "github.com/minio/minio@$rev" >&2; then
  echo "build-minio: FAILED to build MinIO from the Go module proxy" >&2
  exit 1
fi
rm -rf "$dest/bin"
mv "$GOBIN" "$dest/bin"
echo "$bin"
