#!/usr/bin/env bash
# debsrc.sh: one Debian source package, fetched once. `apt-get source --download-only PKG` (the
# .dsc and its tarballs, verified by apt) into FETCH_DIR, kept there so later builds need no
# network; when apt has no deb-src entry for PKG, musl.sh --sources adds one. Prints the .dsc's
# path. musl.sh, busybox.sh, lwip.sh and dropbear.sh fetch through it, each under its own
# tree's lock.
#   debsrc.sh PKG FETCH_DIR
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: debsrc.sh PKG FETCH_DIR" >&2; exit 2; }
pkg=$1 fetch=$2
here=$(cd "$(dirname "$0")" && pwd)
if ! compgen -G "$fetch/${pkg}_*.dsc" >/dev/null; then
  # (no pipe into grep -q: with pipefail, apt-cache's SIGPIPE would read as "no source")
  [[ $'\n'$(apt-cache showsrc "$pkg" 2>/dev/null) == *$'\nPackage: '"$pkg"* ]] ||
    "$here/musl.sh" --sources
  rm -rf "$fetch.tmp" && mkdir -p "$fetch.tmp"
  # apt downloads as its own user when it may write there (else it warns and runs as root)
  [[ $(id -u) -eq 0 ]] && id _apt >/dev/null 2>&1 && chown _apt "$fetch.tmp"
  (cd "$fetch.tmp" && apt-get source --download-only -q "$pkg" >&2)
  rm -rf "$fetch" && mv "$fetch.tmp" "$fetch"
fi
dscs=("$fetch/${pkg}"_*.dsc)
echo "${dscs[0]}"
