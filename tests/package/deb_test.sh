#!/usr/bin/env bash
# Package test (ctest Package.DebInstallsWorksAndRemovesCleanly): builds the .deb from the given
# build tree with scripts/package.sh, installs it with dpkg -i, and checks what a user gets:
#   - Depends names the runtime libraries (librdkafka1, libcurl4, ...);
#   - kafka-backup --version;
#   - man kafka-backup renders, without troff warnings, with every command in it;
#   - bash completes subcommands, flags and flag values, and bash-completion finds the script;
#   - the zsh completion parses (when zsh is installed);
#   - dpkg -r removes every file it installed.
# Usage: deb_test.sh BUILD_DIR. Needs root (dpkg -i). Exits non-zero on the first failed check.
set -euo pipefail
build_dir="${1:?usage: deb_test.sh BUILD_DIR}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
fail() { echo "FAILED: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

[ "$(id -u)" = 0 ] || fail "dpkg -i needs root (CI runs as root); run this test as root"
for tool in dpkg dpkg-deb man bash; do command -v "$tool" >/dev/null || fail "$tool not found; run scripts/install-deps.sh"; done
[ -f /usr/share/bash-completion/bash_completion ] || fail "bash-completion is not installed; run scripts/install-deps.sh"

work="$(mktemp -d)"
installed=0
cleanup() {
  [ "$installed" = 1 ] && dpkg -r kafka-backup >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

deb="$(bash "$repo/scripts/package.sh" --build-dir "$build_dir" --output "$work")"
version="$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build_dir/CMakeCache.txt")"
[ "$(basename "$deb")" = "kafka-backup_${version}_amd64.deb" ] || fail "package file name $(basename "$deb")"
ok "built $(basename "$deb")"

depends="$(dpkg-deb -f "$deb" Depends)"
names="$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/[ (].*//')"
for lib in librdkafka1 libcurl4 libyaml-cpp0.7 libzstd1 liblz4-1 libssl3 libc6 libstdc++6; do
  grep -qxF "$lib" <<<"$names" || fail "Depends lacks $lib: $depends"
done
ok "Depends: $depends"

if dpkg -s kafka-backup >/dev/null 2>&1; then dpkg -r kafka-backup >/dev/null; fi
dpkg -i "$deb" >/dev/null
installed=1
files="$(dpkg -L kafka-backup)"

[ "$(command -v kafka-backup)" = /usr/bin/kafka-backup ] || fail "kafka-backup is not /usr/bin/kafka-backup"
[ "$(kafka-backup --version)" = "kafka-backup $version" ] || fail "--version printed '$(kafka-backup --version)'"
ok "kafka-backup --version: $(kafka-backup --version)"
for f in /usr/share/doc/kafka-backup/README.md /usr/share/doc/kafka-backup/CAT.md \
         /usr/share/doc/kafka-backup/examples/backup-pitr.yaml /usr/share/zsh/vendor-completions/_kafka-backup; do
  [ -f "$f" ] || fail "$f was not installed"
done
ok "docs, examples and completions installed"

# The man page: found by man, rendered without warnings, and it documents every command.
warnings="$(MANWIDTH=100 man --warnings kafka-backup 2>&1 >/dev/null)" || fail "man kafka-backup failed: $warnings"
[ -z "$warnings" ] || fail "man kafka-backup warns: $warnings"
page="$(MANWIDTH=100 man kafka-backup 2>/dev/null | col -b)"
for want in "kafka-backup cat" "kafka-backup offset-rollback rollback" "--time-window-start" "EXIT STATUS" \
            "Exit codes: 0 success (also when no record matches)"; do
  grep -qF -- "$want" <<<"$page" || fail "man kafka-backup lacks '$want'"
done
ok "man kafka-backup renders ($(wc -l <<<"$page") lines)"

# Bash: the function the installed script defines, fed the words a user typed.
complete_words() {  # complete_words WORD...: what bash offers for the last word
  bash -c 'source /usr/share/bash-completion/completions/kafka-backup
           COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
           _kafka_backup; printf "%s\n" "${COMPREPLY[@]}"' _ "$@"
}
expect_words() {  # expect_words "WANTED..." WORD...
  local want="$1" got
  shift
  got="$(complete_words "$@" | sort | tr '\n' ' ' | sed 's/ $//')"
  [ "$got" = "$want" ] || fail "completing '$*': got '$got', want '$want'"
  ok "completing '$*' -> $got"
}
expect_words "cat" kafka-backup ca
expect_words "offset-reset offset-reset-bulk offset-rollback" kafka-backup offset-
expect_words "--time-window-end --time-window-start" kafka-backup cat --time
expect_words "jsonl text" kafka-backup cat --format ""
expect_words "csv json text yaml" kafka-backup show-offset-mapping --format ""
expect_words "execute plan script" kafka-backup offset-reset ""
expect_words "--snapshot-id" kafka-backup offset-rollback rollback --snap
touch "$work/restore-pitr.yaml"
(cd "$work" && expect_words "restore-pitr.yaml" kafka-backup restore --config rest)
# bash-completion loads the script on first use from where the package put it.
loaded="$(bash -c 'source /usr/share/bash-completion/bash_completion; _completion_loader kafka-backup; complete -p kafka-backup')"
[ "$loaded" = "complete -F _kafka_backup kafka-backup" ] || fail "bash-completion loaded: '$loaded'"
ok "bash-completion loads it: $loaded"

if command -v zsh >/dev/null; then
  zsh -n /usr/share/zsh/vendor-completions/_kafka-backup || fail "the zsh completion does not parse"
  ok "zsh completion parses"
fi

dpkg -r kafka-backup >/dev/null
installed=0
dpkg -s kafka-backup 2>/dev/null | grep -q '^Status: install ok installed' && fail "still installed after dpkg -r"
left=""
while IFS= read -r f; do
  [ -n "$f" ] && [ ! -d "$f" ] && [ -e "$f" ] && left+=" $f"
done <<<"$files"
[ -z "$left" ] || fail "dpkg -r left files behind:$left"
command -v kafka-backup >/dev/null && fail "kafka-backup still on PATH after dpkg -r"
ok "dpkg -r removed every installed file"
echo "package test passed"
