#!/usr/bin/env bash
# check_format.sh: ctest build.format. Every tracked C file (.c, .h) is as the repo's
# .clang-format lays it out. The version is pinned: clang-format's layout changes between
# releases, and this check expects Debian 12's clang-format 14 (package clang-format, which
# ./tessera installs). Fix a failure with: clang-format-14 -i FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
want=14
cf=$(command -v clang-format-$want || true)
if [[ -z $cf ]]; then
  echo "check_format: clang-format-$want not found (install Debian's clang-format, ./tessera deps)" >&2
  exit 1
fi
"$cf" --version | grep -q "version $want\." || { echo "check_format: $cf is not version $want" >&2; exit 1; }
bad=0
while IFS= read -r f; do
  if ! "$cf" --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "check_format: $f differs from .clang-format's layout (clang-format-$want -i $f)"
    bad=$((bad + 1))
  fi
done < <(git ls-files '*.c' '*.h')
echo "check_format: $bad file(s) to reformat"
[[ $bad -eq 0 ]]
