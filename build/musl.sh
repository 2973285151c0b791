#!/usr/bin/env bash
# musl.sh: Debian's musl, built for Tessera programs. Fetches the source package once
# (`apt-get source`, adding a deb-src entry for the machine's own Debian sources if there is
# none), keeps the downloaded files in DIR/fetch so later builds need no network, unpacks them
# afresh, applies Tessera's one change (libos/musl/README.md: the system-call entry becomes a
# call of los_syscall) and builds the static libc.a, the crt files and the headers into
# DIR/install.
#   musl.sh --sources                  only make sure apt has a deb-src entry (./tessera deps)
#   musl.sh SOURCE_DIR DIR             fetch if needed, then build into DIR/install
set -euo pipefail
say() { echo "musl.sh: $*" >&2; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    say "not root and no sudo: run as root once (it adds a deb-src entry and runs apt-get)"
    exit 1
  fi
}

# A deb-src twin of every Debian `Types: deb` stanza (deb822) or `deb` line (one-line format),
# in a file of our own, unless apt already knows a source package for musl.
ensure_sources() {
  # (no pipe into grep -q: with pipefail, apt-cache's SIGPIPE would read as "no source")
  [[ $'\n'$(apt-cache showsrc musl 2>/dev/null) == *$'\nPackage: musl'* ]] && return 0
  local f=/etc/apt/sources.list.d/tessera-deb-src.sources tmp
  tmp=$(mktemp)
  if ! grep -qs '^Types:.*deb-src' "$f"; then
    for s in /etc/apt/sources.list.d/*.sources; do
      [[ -f $s && $s != "$f" ]] || continue
      # Stanzas with a debian.org URI (or Signed-By the Debian keyring): the distribution's own.
      awk 'BEGIN { RS = ""; ORS = "\n\n" }
           /(debian\.org|debian-archive-keyring)/ && /Types:[^\n]*deb/ {
             sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$s" >>"$tmp"
    done
    if [[ -f /etc/apt/sources.list ]]; then
      sed -n 's/^[[:space:]]*deb[[:space:]]\+\(.*debian.*\)$/deb-src \1/p' /etc/apt/sources.list >"$tmp.list"
    fi
    if [[ ! -s $tmp && ! -s ${tmp}.list ]]; then
      rm -f "$tmp" "$tmp.list"
      say "no Debian apt source found to add a deb-src entry for; add one by hand"
      exit 1
    fi
    [[ -s $tmp ]] && as_root install -m 644 "$tmp" "$f"
    [[ -s $tmp.list ]] && as_root install -m 644 "$tmp.list" /etc/apt/sources.list.d/tessera-deb-src.list
    say "added deb-src entries (/etc/apt/sources.list.d/tessera-deb-src.*)"
  fi
  rm -f "$tmp" "$tmp.list"
  # Others' apt runs hold the lists lock for a while: wait for it rather than fail.
  local i
  # Only a held lock is worth waiting for; any other failure (a broken repository) is said once.
  local i out
  for i in 1 2 3 4 5 6; do
    if out=$(as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 update -q 2>&1); then
      return 0
    fi
    [[ $out == *"Could not get lock"* || $out == *"is held by process"* ]] || break
    sleep 10
  done
  echo "$out" >&2
  say "apt-get update failed"
  exit 1
}

if [[ ${1:-} == --sources ]]; then
  ensure_sources
  exit 0
fi
[[ $# -eq 2 ]] || { echo "usage: musl.sh SOURCE_DIR DIR | musl.sh --sources" >&2; exit 2; }
src=$(cd "$1" && pwd)
dir=$(mkdir -p "$2" && cd "$2" && pwd)
overlay=$src/libos/musl/overlay
# One build at a time per tree: two at once (an image build beside a launch) would remove each
# other's unpacked sources. The lock goes with this process, however it ends.
exec 9>"$dir/.lock"
flock 9

# 1. The source package, fetched once (debsrc.sh).
dsc=$("$src/build/debsrc.sh" musl "$dir/fetch")

# 2. Unpacked afresh (Debian's patches applied by dpkg-source), then Tessera's change: every
#    file under libos/musl/overlay replaces the one at the same path, and the x86_64 assembly
#    files that hold a raw `syscall` instruction and have no place in a libOS process yet
#    (clone, vfork, unmapself) are removed so musl's generic C versions,
#    which go through __syscall, are built instead.
tree=$dir/src
rm -rf "$tree"
dpkg-source --no-check --no-copy -x "$dsc" "$tree" >/dev/null
(cd "$overlay" && find . -type f -print0) | while IFS= read -r -d '' f; do
  install -m 644 "$overlay/$f" "$tree/$f"
done
while read -r f; do
  [[ -z $f || $f == \#* ]] || rm -f "$tree/$f"
done <"$src/libos/musl/removed.txt"

# 3. Static libc only. No paths of this machine in the objects: -ffile-prefix-map, and no -g.
cd "$tree"
prefix_map="-ffile-prefix-map=$tree=musl -ffile-prefix-map=$dir=musl"
CFLAGS="-O2 -mno-red-zone -fno-pie $prefix_map" ./configure --prefix=/ \
  --target=x86_64-linux-musl --disable-shared --disable-wrapper \
  AR=ar RANLIB=ranlib CC=gcc >"$dir/configure.log" 2>&1 ||
  { cat "$dir/configure.log" >&2; exit 1; }
rm -rf "$dir/install.tmp"
make -j"$(nproc)" >"$dir/build.log" 2>&1 || { tail -40 "$dir/build.log" >&2; exit 1; }
make install DESTDIR="$dir/install.tmp" >>"$dir/build.log" 2>&1 || { tail -40 "$dir/build.log" >&2; exit 1; }
rm -rf "$dir/install" && mv "$dir/install.tmp" "$dir/install"
say "built $(basename "$dsc" .dsc) into $dir/install"
