#!/usr/bin/env bash
# lwip.sh: Debian's lwIP (bookworm's 2.1.3+dfsg1 with Debian's patches), unpacked at build time
# for libos/net, which compiles its core with Tessera's own port files (libos/net/README.md).
# Debian's source package is fetched once (`apt-get source --download-only`, kept in DIR/fetch
# so later builds need no network; musl.sh knows how to give apt a deb-src entry when it has
# none) and unpacked afresh into DIR/src with Debian's patches applied by dpkg-source. Nothing of
# lwIP is kept in the repository and no change of ours is applied to it.
#   lwip.sh SOURCE_DIR DIR      fetch if needed, unpack into DIR/src, then touch DIR/src.stamp
set -euo pipefail
say() { echo "lwip.sh: $*" >&2; }
[[ $# -eq 2 ]] || { echo "usage: lwip.sh SOURCE_DIR DIR" >&2; exit 2; }
src=$(cd "$1" && pwd)
dir=$(mkdir -p "$2" && cd "$2" && pwd)
exec 9>"$dir/.lock" # one unpack at a time per tree (two would remove each other's sources)
flock 9

# 1. The source package, fetched once (debsrc.sh).
dsc=$("$src/build/debsrc.sh" lwip "$dir/fetch")

# 2. Unpacked afresh, Debian's patches applied by dpkg-source. Every file gets the same, current
#    time: the build compiles them as outputs of this step, which must be newer than this script.
tree=$dir/src
rm -rf "$tree" "$tree.tmp"
dpkg-source --no-check --no-copy -x "$dsc" "$tree.tmp" >/dev/null
[[ -f $tree.tmp/src/include/lwip/init.h ]] || { say "no src/include/lwip/init.h in $dsc"; exit 1; }
find "$tree.tmp" -exec touch -h {} +
mv "$tree.tmp" "$tree"
touch "$dir/src.stamp"
say "unpacked $(basename "$dsc" .dsc) into $tree"
