#!/usr/bin/env bash
# newlib.sh: Debian's newlib, built for Tessera programs that want a libc other than musl
# (libos/newlib/README.md). The source is the tarball Debian's newlib-source package installs
# under /usr/src/newlib (./tessera installs the package); nothing of newlib is in the repo. It
# is unpacked afresh and only libc.a and libm.a are built, for x86_64-elf with the host gcc:
# no libgloss, newlib's own system-call stubs disabled. newlib's x86_64-elf configuration calls
# the system-call layer by its POSIX names (read, write, open, sbrk, ...: MISSING_SYSCALL_NAMES
# in newlib's configure.host); libos/newlib/syscalls.c answers them from the libOS.
#   newlib.sh DIR        build into DIR/install (include/, lib/libc.a, lib/libm.a)
set -euo pipefail
say() { echo "newlib.sh: $*" >&2; }

[[ $# -eq 1 ]] || { echo "usage: newlib.sh DIR" >&2; exit 2; }
dir=$(mkdir -p "$1" && cd "$1" && pwd)
# One build at a time per tree: two at once would remove each other's unpacked sources.
exec 9>"$dir/.lock"
flock 9

tarballs=(/usr/src/newlib/newlib-*.tar.*)
if [[ ! -f ${tarballs[0]} ]]; then
  say "no /usr/src/newlib/newlib-*.tar.*: install Debian's newlib-source package (./tessera deps)"
  exit 1
fi
tarball=${tarballs[0]}

# 1. Unpacked afresh (the tarball's top folder name varies between Debian versions).
tree=$dir/src
rm -rf "$tree" "$dir/build"
mkdir -p "$tree" "$dir/build"
tar -xf "$tarball" -C "$tree" --strip-components=1

# 2. libc and libm only, for a bare x86_64 ELF target, built by the host's gcc and binutils.
#    The flags are the libOS's (LOS_USER_FLAGS): no red zone (an upcall's resume pushes just
#    below the interrupted rsp), no PIE, no stack protector (nothing sets up its canary). One
#    section per function so a program's link can drop what it does not use (--gc-sections).
#    No paths of this machine in the objects: -ffile-prefix-map, and no -g.
gcc_include=$(gcc -print-file-name=include)
prefix_map="-ffile-prefix-map=$tree=newlib -ffile-prefix-map=$dir=newlib"
cd "$dir/build"
"$tree/configure" --target=x86_64-elf --prefix=/ --disable-multilib \
  --disable-newlib-supplied-syscalls --enable-newlib-io-long-long --enable-newlib-io-c99-formats \
  CC_FOR_TARGET="gcc -nostdinc -isystem $gcc_include" AR_FOR_TARGET=ar AS_FOR_TARGET=as \
  LD_FOR_TARGET=ld NM_FOR_TARGET=nm RANLIB_FOR_TARGET=ranlib OBJDUMP_FOR_TARGET=objdump \
  READELF_FOR_TARGET=readelf STRIP_FOR_TARGET=strip \
  CFLAGS_FOR_TARGET="-O2 -g0 -mno-red-zone -fno-pie -fno-stack-protector \
-fno-asynchronous-unwind-tables -ffunction-sections -fdata-sections $prefix_map" \
  >"$dir/configure.log" 2>&1 || { tail -40 "$dir/configure.log" >&2; exit 1; }
rm -rf "$dir/install.tmp"
make -j"$(nproc)" all-target-newlib >"$dir/build.log" 2>&1 || { tail -40 "$dir/build.log" >&2; exit 1; }
make install-target-newlib DESTDIR="$dir/install.tmp" >>"$dir/build.log" 2>&1 ||
  { tail -40 "$dir/build.log" >&2; exit 1; }

# 3. DIR/install/include and DIR/install/lib (libg.a is a copy of libc.a: left out).
mkdir -p "$dir/install.tmp/out/lib"
mv "$dir/install.tmp/x86_64-elf/include" "$dir/install.tmp/out/include"
mv "$dir/install.tmp/x86_64-elf/lib/libc.a" "$dir/install.tmp/x86_64-elf/lib/libm.a" \
  "$dir/install.tmp/out/lib/"
rm -rf "$dir/install" && mv "$dir/install.tmp/out" "$dir/install" && rm -rf "$dir/install.tmp"
rm -rf "$tree" "$dir/build" # 200 MB of objects and sources, not needed once installed
say "built $(basename "$tarball") (Debian's $(dpkg-query -W -f='newlib-source ${Version}' newlib-source 2>/dev/null || echo newlib-source)) into $dir/install"
