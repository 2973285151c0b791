#!/usr/bin/env bash
# test_reproducible.sh: ctest `build.reproducible`. Builds the image twice from the same staged
# inputs, in different wall-clock seconds, and requires identical sha256; then checks the GPT
# (sgdisk -v) and the ext2 root (e2fsck -fn) of the result.
#   test_reproducible.sh LOADER KERNEL STAGE_DIR WORK_DIR
set -euo pipefail
[[ $# -eq 4 ]] || { echo "usage: test_reproducible.sh LOADER KERNEL STAGE_DIR WORK_DIR" >&2; exit 2; }
loader=$1 kernel=$2 stage=$3 work=$4
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
cp -a "$stage" "$work/stage" && stage=$work/stage   # private copy: we touch files below

build() {
  "$here/mkimage.sh" --loader "$loader" --kernel "$kernel" --archive-dir "$stage/archive" \
    --root-dir "$stage/root" --cmdline "reproducible test" -o "$work/$1"
}
build a.img
sleep 1.1   # a clock leak anywhere (FAT, ext2, cpio) would now change bytes
touch "$stage/root/README"   # and so would a leak of the staging files' own times
build b.img
a=$(sha256sum < "$work/a.img" | cut -d' ' -f1)
b=$(sha256sum < "$work/b.img" | cut -d' ' -f1)
echo "sha256 first:  $a"
echo "sha256 second: $b"
if [[ $a != "$b" ]]; then
  echo "FAIL: images differ; first differing bytes (offset, a, b):"
  cmp -l "$work/a.img" "$work/b.img" | head -20
  exit 1
fi

sgdisk -v "$work/a.img"
# Partition 2 (the ext2 root): where the GPT says it is, not where mkimage.sh put it last year.
first=$(sgdisk -i 2 "$work/a.img" | awk '/^First sector:/ {print $3}')
last=$(sgdisk -i 2 "$work/a.img" | awk '/^Last sector:/ {print $3}')
dd if="$work/a.img" of="$work/root.img" bs=512 skip="$first" count=$((last - first + 1)) status=none
e2fsck -fn "$work/root.img"
rm -rf "$work"
echo "PASS: reproducible ($a)"
