#!/usr/bin/env bash
# Installs every Debian package the build, tests and benchmarks need. Idempotent; run as root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git curl ca-certificates
  librdkafka-dev libcli11-dev libyaml-cpp-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libzstd-dev liblz4-dev libcurl4-openssl-dev libssl-dev libpugixml-dev libexpected-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcpp-httplib-dev
  kcat openjdk-17-jre-headless maven golang-go python3 procps time openssl
  dpkg-dev man-db bash-completion zsh bsdutils
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The machine may already ship newer Go/Java/Maven outside dpkg; do not fight them.
filtered=()
for p in "${missing[@]}"; do
  case "$p" in
    golang-go) command -v go >/dev/null && continue ;;
    openjdk-17-jre-headless) command -v java >/dev/null && continue ;;
    maven) command -v mvn >/dev/null && continue ;;
  esac
  filtered+=("$p")
done

if [ ${#filtered[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: installing ${filtered[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${filtered[@]}"
