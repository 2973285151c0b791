#!/usr/bin/env bash
# image.sh: stage the boot archive and root trees, then run mkimage.sh, but only when an input
# changed (the CMake `image` target runs this on every build; the ExternalProject that makes
# the loader and kernel is always rebuilt, so file-level dependencies cannot be trusted).
#
#   image.sh --loader FILE --kernel FILE --stage DIR [--cmdline TEXT]
#            [--archive-file NAME=FILE]... [--archive-links TARGET=LIST]...
#            [--root-file NAME=FILE]... [--root-links TARGET=LIST]... [--root-dir NAME]... -o IMAGE
#
# --archive-file puts FILE in the archive as NAME (bin/busybox: directories are made);
# --archive-links makes every path LIST names (one a line, /bin/ls) a symlink to TARGET
# (busybox's applets, apps/busybox/README.md). The root file system gets all of the archive;
# --root-file, --root-links and --root-dir (an empty directory) go on the root only, not into
# the boot archive the loader reads (Dropbear, apps/dropbear/README.md).
#
# Staged trees:  DIR/archive/{font.psf,etc/{version,passwd,group},root/,programs}
#                DIR/root/{the archive's files,the root-only ones,etc/{inittab,hostname,motd},README}
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
FONT_GZ=${TESSERA_FONT:-/usr/share/consolefonts/Lat15-VGA16.psf.gz}

usage() { echo "usage: image.sh --loader FILE --kernel FILE --stage DIR [--cmdline TEXT] [--archive-file NAME=FILE]... [--archive-links TARGET=LIST]... [--root-file NAME=FILE]... [--root-links TARGET=LIST]... [--root-dir NAME]... -o IMAGE" >&2; exit 2; }
die() { echo "image.sh: $*" >&2; exit 1; }

loader='' kernel='' stage='' out='' cmdline_args=() archive_files=() archive_links=()
root_files=() root_links=() root_dirs=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --loader) loader=${2:?}; shift 2 ;;
    --kernel) kernel=${2:?}; shift 2 ;;
    --stage) stage=${2:?}; shift 2 ;;
    --cmdline) [[ -n ${2?} ]] && cmdline_args=(--cmdline "$2"); shift 2 ;;
    --archive-file) [[ ${2:?} == ?*=?* ]] || usage; archive_files+=("$2"); shift 2 ;;
    --archive-links) [[ ${2:?} == /?*=?* ]] || usage; archive_links+=("$2"); shift 2 ;;
    --root-file) [[ ${2:?} == ?*=?* ]] || usage; root_files+=("$2"); shift 2 ;;
    --root-links) [[ ${2:?} == /?*=?* ]] || usage; root_links+=("$2"); shift 2 ;;
    --root-dir) [[ ${2:?} != */ ]] || usage; root_dirs+=("$2"); shift 2 ;;
    -o) out=${2:?}; shift 2 ;;
    *) usage ;;
  esac
done
[[ -n $loader && -n $kernel && -n $stage && -n $out ]] || usage
[[ -f $FONT_GZ ]] || die "console font $FONT_GZ missing (package console-setup-linux; ./tessera deps)"

# --- Stage from scratch each time, so removed files do not linger ---------------------------
rm -rf "$stage/archive" "$stage/root"
mkdir -p "$stage/archive/etc" "$stage/root/etc"
gzip -dc "$FONT_GZ" > "$stage/archive/font.psf"   # exo's framebuffer console font (PSF)
version=$(git -C "$repo" describe --always --tags --dirty 2>/dev/null || true)
echo "${version:-dev}" > "$stage/archive/etc/version"
cp "$repo/apps/init/etc/passwd" "$repo/apps/init/etc/group" "$stage/archive/etc/" # users: root
mkdir -p "$stage/archive/root" # root's home
stage_file() { # TREE NAME=FILE
  [[ -f ${2#*=} ]] || die "file ${2#*=} missing"
  mkdir -p "$(dirname "$1/${2%%=*}")"
  cp "${2#*=}" "$1/${2%%=*}"
}
stage_links() { # TREE TARGET=LIST
  [[ -f ${2#*=} ]] || die "link list ${2#*=} missing"
  while IFS= read -r p; do
    [[ $p == /?* && $p != "${2%%=*}" ]] || continue
    mkdir -p "$(dirname "$1$p")"
    ln -s "${2%%=*}" "$1$p"
  done <"${2#*=}"
}
for f in "${archive_files[@]+"${archive_files[@]}"}"; do stage_file "$stage/archive" "$f"; done
for l in "${archive_links[@]+"${archive_links[@]}"}"; do stage_links "$stage/archive" "$l"; done
# The root holds the boot archive's programs (and applet links) too: pm mounts a tessera-root
# with /init as "/" (libos/ext2/pm_disk.c), and exec then reads them from the disk.
cp -a "$stage/archive/." "$stage/root/"
for f in "${root_files[@]+"${root_files[@]}"}"; do stage_file "$stage/root" "$f"; done
for l in "${root_links[@]+"${root_links[@]}"}"; do stage_links "$stage/root" "$l"; done
for d in "${root_dirs[@]+"${root_dirs[@]}"}"; do mkdir -p "$stage/root/$d"; done
cp "$repo/apps/init/inittab" "$stage/root/etc/inittab" # what init runs (apps/init/inittab.c)
echo tessera > "$stage/root/etc/hostname"
printf 'Welcome to Tessera (%s).\n' "${version:-dev}" > "$stage/root/etc/motd"
cat > "$stage/root/README" <<'EOF'
This is the Tessera root file system (ext2, label tessera-root).
It is made by build/mkimage.sh from the staging tree out/stage/root.
EOF

# --- Rebuild only if something that goes into the image changed -----------------------------
stamp="$out.inputs"
digest=$( {
  sha256sum "$loader" "$kernel" "$here/mkimage.sh" | cut -d' ' -f1
  (cd "$stage" && find archive root -type f -print0 | sort -z | xargs -0 sha256sum)
  (cd "$stage" && find archive root -print | sort)
  printf '%s\n' "${cmdline_args[@]+"${cmdline_args[@]}"}" "${SOURCE_DATE_EPOCH:-}"
  git -C "$repo" log -1 --format=%ct 2>/dev/null || true # mkimage.sh's default epoch
} | sha256sum | cut -d' ' -f1)
if [[ -f $out && -f $stamp && $(cat "$stamp") == "$digest" ]]; then
  echo "image.sh: $out is up to date"
  exit 0
fi
rm -f "$stamp"
"$here/mkimage.sh" --loader "$loader" --kernel "$kernel" \
  --archive-dir "$stage/archive" --root-dir "$stage/root" "${cmdline_args[@]+"${cmdline_args[@]}"}" -o "$out"
echo "$digest" > "$stamp"
