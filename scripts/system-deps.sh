#!/usr/bin/env bash
# Installs the Debian packages the test suite drives (when run as root and missing).
# Each entry: a command that must exist, then the packages that provide it.
set -u
needs=()
want() { command -v "$1" >/dev/null 2>&1 || needs+=("${@:2}"); }
# (entries are added as the features that need them land)
[ -f scripts/system-deps.list ] && while read -r cmd pkgs; do
  [ -z "$cmd" ] || [ "${cmd#\#}" != "$cmd" ] && continue
  # shellcheck disable=SC2086
  want "$cmd" $pkgs
done < scripts/system-deps.list
[ ${#needs[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ]; then
  echo "system-deps: missing ${needs[*]}; install them (apt-get install ${needs[*]}) or tests that need them will fail" >&2
  exit 0
fi
echo "system-deps: installing ${needs[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${needs[@]}" >/dev/null
