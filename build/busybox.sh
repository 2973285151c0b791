#!/usr/bin/env bash
# busybox.sh: Debian's busybox (bookworm's 1.35 with Debian's patches), built at build time as a
# Tessera native program: Debian's source package fetched once (`apt-get source`, kept in
# DIR/fetch so later builds need no network), unpacked afresh, configured as `make defconfig`
# plus apps/busybox/config.frag, compiled and linked by tessera-cc (musl + the libOS, no
# `syscall` instruction). Nothing of busybox is kept in the repository.
#   busybox.sh SOURCE_DIR DIR TESSERA_CC
# Writes DIR/install/busybox (the static ELF) and DIR/install/busybox.links (one applet path a
# line, /bin/ls...: the image makes each a symlink to /bin/busybox).
set -euo pipefail
say() { echo "busybox.sh: $*" >&2; }
[[ $# -eq 3 ]] || { echo "usage: busybox.sh SOURCE_DIR DIR TESSERA_CC" >&2; exit 2; }
src=$(cd "$1" && pwd)
dir=$(mkdir -p "$2" && cd "$2" && pwd)
cc=$3
exec 9>"$dir/.lock" # one build at a time per tree (they would remove each other's sources)
flock 9
# Run from CMake's make: busybox's own makes take their flags from here, not the caller's.
unset MAKEFLAGS MFLAGS MAKELEVEL

# 1. The source package, fetched once (debsrc.sh).
dsc=$("$src/build/debsrc.sh" busybox "$dir/fetch")

tree=$dir/src
kh=$dir/kheaders

# 2. Linux's UAPI headers (linux/, asm/, asm-generic/, mtd/: linux-libc-dev), which musl does
#    not ship and many applets include, searched after musl's own headers.
rm -rf "$kh" && mkdir -p "$kh"
multi=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
for d in linux asm-generic mtd; do ln -s "/usr/include/$d" "$kh/$d"; done
ln -s "/usr/include/$multi/asm" "$kh/asm"

# 3-4 are redone only when what they depend on changed (the source package, this script, the
# fragment): otherwise the tree of the last build is kept and only relinked in 5, against the
# libOS as it is now (a libOS change need not recompile busybox's ~1000 files).
key=$( { basename "$dsc"; cat "$0" "$src/apps/busybox/config.frag"; } | sha256sum | cut -d' ' -f1)
if [[ ! -f $tree/.tessera-key || $(cat "$tree/.tessera-key") != "$key" ]]; then
  # 3. Unpacked afresh, Debian's patches applied by dpkg-source.
  rm -rf "$tree"
  dpkg-source --no-check --no-copy -x "$dsc" "$tree" >/dev/null

  # 4. defconfig, then the fragment (each CONFIG_X=... line replaces X's line), then oldconfig
  #    for what depends on those. The build time in the banner is the Debian changelog's
  #    (SOURCE_DATE_EPOCH, as Debian builds it): two builds are the same bytes.
  cd "$tree"
  export SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l debian/changelog -STimestamp)
  make defconfig >"$dir/config.log" 2>&1
  while IFS= read -r line; do
    [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]] || continue
    name=${BASH_REMATCH[1]}
    grep -v -E "^(# )?$name[= ]" .config >.config.new || true
    if [[ ${BASH_REMATCH[2]} == n ]]; then
      echo "# $name is not set" >>.config.new
    else
      echo "$line" >>.config.new
    fi
    mv .config.new .config
  done <"$src/apps/busybox/config.frag"
  { yes "" || true; } | make oldconfig >>"$dir/config.log" 2>&1
  while IFS= read -r line; do # every fragment line must have survived oldconfig
    [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]] || continue
    if [[ ${BASH_REMATCH[2]} == n ]]; then
      grep -qx "# ${BASH_REMATCH[1]} is not set" .config || { say "oldconfig undid: $line"; exit 1; }
    else
      grep -qxF "$line" .config || { say "oldconfig undid: $line"; exit 1; }
    fi
  done <"$src/apps/busybox/config.frag"

  echo "$key" >"$tree/.tessera-key"
else
  cd "$tree"
  export SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -l debian/changelog -STimestamp)
  rm -f busybox_unstripped busybox busybox.links
fi

# 5. Built by tessera-cc; no paths of this machine in the binary.
jobs=${TESSERA_JOBS:-$(nproc)}
make -j"$jobs" CC="$cc" HOSTCC=gcc CONFIG_EXTRA_CFLAGS= \
  EXTRA_CFLAGS="-idirafter $kh -ffile-prefix-map=$tree=busybox -ffile-prefix-map=$kh=/usr/include" \
  SKIP_STRIP=n busybox busybox.links >"$dir/build.log" 2>&1 ||
  { grep -E "error|undefined" "$dir/build.log" | head -40 >&2; tail -20 "$dir/build.log" >&2; exit 1; }
rm -rf "$dir/install.tmp" && mkdir -p "$dir/install.tmp"
cp busybox "$dir/install.tmp/busybox"
sort busybox.links >"$dir/install.tmp/busybox.links"
rm -rf "$dir/install" && mv "$dir/install.tmp" "$dir/install"
say "built $(basename "$dsc" .dsc): $(wc -l <"$dir/install/busybox.links") applets, $(stat -c %s "$dir/install/busybox") bytes"
