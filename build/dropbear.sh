#!/usr/bin/env bash
# dropbear.sh: Debian's Dropbear SSH (bookworm's 2022.83 with Debian's patches), built at build
# time as one Tessera native program: Debian's source package fetched once (debsrc.sh, kept in
# DIR/fetch so later builds need no network), unpacked afresh with no patch of ours, configured
# out of tree with the flags below and apps/dropbear/localoptions.h, compiled and linked by
# tessera-cc (musl + the libOS) as Dropbear's multi-call binary with its bundled
# libtomcrypt/libtommath. Nothing of Dropbear is kept in the repository.
#   dropbear.sh SOURCE_DIR DIR TESSERA_CC
# Writes DIR/install/dropbearmulti (stripped), DIR/obj/dropbearmulti (unstripped, for
# apps.dropbear.no_trap) and DIR/install/dropbear.links (one program path a line,
# /usr/sbin/dropbear...: the image makes each a symlink to /usr/bin/dropbearmulti).
set -euo pipefail
say() { echo "dropbear.sh: $*" >&2; }
[[ $# -eq 3 ]] || { echo "usage: dropbear.sh SOURCE_DIR DIR TESSERA_CC" >&2; exit 2; }
src=$(cd "$1" && pwd)
dir=$(mkdir -p "$2" && cd "$2" && pwd)
cc=$3
exec 9>"$dir/.lock" # one build at a time per tree (they would remove each other's sources)
flock 9
unset MAKEFLAGS MFLAGS MAKELEVEL # Dropbear's make takes its flags from here, not CMake's make

# The programs of the multi-call binary, and where each is in the image.
programs="dropbear dbclient dropbearkey dropbearconvert scp"
links="/usr/sbin/dropbear /usr/bin/dbclient /usr/bin/dropbearkey /usr/bin/dropbearconvert /usr/bin/scp"

# 1. The source package, fetched once (debsrc.sh).
dsc=$("$src/build/debsrc.sh" dropbear "$dir/fetch")

tree=$dir/src # Dropbear's source as Debian ships it, never written to by the build
obj=$dir/obj  # configure's output, localoptions.h, the objects

# 2-3 are redone only when what they depend on changed (the source package, this script,
# localoptions.h): otherwise the objects of the last build are kept and only relinked in 4,
# against the libOS as it is now.
key=$( { basename "$dsc"; cat "$0" "$src/apps/dropbear/localoptions.h"; } | sha256sum | cut -d' ' -f1)
if [[ ! -f $obj/.tessera-key || $(cat "$obj/.tessera-key") != "$key" ]]; then
  # 2. Unpacked afresh, Debian's patches applied by dpkg-source.
  rm -rf "$tree" "$obj"
  dpkg-source --no-check --no-copy -x "$dsc" "$tree" >/dev/null

  # 3. Configured out of tree as a cross build (configure's test programs are Tessera
  #    programs: linked, never run on the host). Dropbear's bundled libtom (Debian links the
  #    system's); no hardening flags (tessera-cc links static, not PIE, without stack
  #    protector); no zlib (compression is optional in SSH); no PAM; no lastlog/utmp/wtmp (the
  #    libOS keeps no login records) and no syslog (nothing serves /dev/log): -E logs to stderr.
  mkdir -p "$obj"
  cp "$src/apps/dropbear/localoptions.h" "$obj/"
  cd "$obj"
  "$tree/configure" --build=x86_64-pc-linux-gnu --host=x86_64-linux-musl \
    --enable-bundled-libtom --disable-harden --disable-zlib --disable-pam \
    --disable-lastlog --disable-utmp --disable-utmpx --disable-wtmp --disable-wtmpx \
    --disable-loginfunc --disable-pututline --disable-pututxline --disable-syslog \
    CC="$cc" CFLAGS="-Os -W -Wall -ffile-prefix-map=$tree=dropbear -ffile-prefix-map=$obj=dropbear" \
    >"$dir/config.log" 2>&1 ||
    { tail -20 "$dir/config.log" >&2; say "configure failed (DIR/obj/config.log)"; exit 1; }
  echo "$key" >"$obj/.tessera-key"
else
  cd "$obj"
  rm -f dropbearmulti
fi

# 4. Built by tessera-cc: the multi-call binary alone (its programs pick by argv[0]).
jobs=${TESSERA_JOBS:-$(nproc)}
make -j"$jobs" PROGRAMS="$programs" MULTI=1 dropbearmulti >"$dir/build.log" 2>&1 ||
  { grep -E "error|undefined" "$dir/build.log" | head -40 >&2; tail -20 "$dir/build.log" >&2; exit 1; }
rm -rf "$dir/install.tmp" && mkdir -p "$dir/install.tmp"
strip -o "$dir/install.tmp/dropbearmulti" dropbearmulti
printf '%s\n' $links >"$dir/install.tmp/dropbear.links"
rm -rf "$dir/install" && mv "$dir/install.tmp" "$dir/install"
say "built $(basename "$dsc" .dsc): $programs, $(stat -c %s "$dir/install/dropbearmulti") bytes"
