#!/usr/bin/env bash
# Builds the Debian package kafka-backup_<version>_amd64.deb with CPack (DEB generator): the binary,
# its man page, bash and zsh completions, example configs and docs, with Depends computed by
# dpkg-shlibdeps from the libraries the binary links (librdkafka1, libcurl4, libyaml-cpp0.7, ...).
#
# Usage: package.sh [--build-dir DIR] [--output DIR]
#   --build-dir  build tree to package (default build-package/, a Release build without tests,
#                configured here when it has no CMakeCache.txt); an existing test build works too
#   --output     where the .deb goes (default: the build tree's packages/)
# Prints the path of the .deb on stdout. Install with `dpkg -i`, remove with `dpkg -r kafka-backup`.
set -euo pipefail
KB_SCRIPT=package
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

build_dir="$KB_REPO/build-package"
output=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build_dir="${2:?--build-dir needs a value}"; shift 2 ;;
    --output) output="${2:?--output needs a value}"; shift 2 ;;
    -h|--help) kb_usage; exit 0 ;;
    *) kb_die "unknown argument '$1' (see --help)" ;;
  esac
done
output="${output:-$build_dir/packages}"
command -v dpkg-shlibdeps >/dev/null || kb_die "dpkg-shlibdeps not found (package dpkg-dev); run scripts/install-deps.sh"

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  kb_log "configuring a Release build in $build_dir"
  cmake -S "$KB_REPO" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DKB_BUILD_TESTS=OFF >&2
fi
cmake --build "$build_dir" -j "${KB_BUILD_JOBS:-2}" >&2
mkdir -p "$output"
# cpack installs the build tree into a staging directory (prefix /usr) and packs it.
(cd "$build_dir" && cpack -G DEB -B "$output" >&2) || kb_die "cpack failed"
deb="$(ls -t "$output"/kafka-backup_*_amd64.deb 2>/dev/null | head -1)"
[ -n "$deb" ] || kb_die "cpack wrote no kafka-backup_*_amd64.deb into $output"
kb_log "built $deb"
printf '%s\n' "$deb"
