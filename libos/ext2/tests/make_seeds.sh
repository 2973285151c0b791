#!/usr/bin/env bash
# make_seeds.sh OUTDIR: the fuzzer's fixed seed corpus, small ext2 images made by mke2fs -d
# and debugfs at build time (never stored in the repo): 1 KiB blocks with files, an indirect
# block, directories, fast and slow symlinks, a FIFO; a revision 0 image; 2 KiB blocks.
set -euo pipefail
out=$1
export PATH=/usr/sbin:/sbin:$PATH
export E2FSPROGS_FAKE_TIME=1700000000 # the same bytes every build
rm -rf "$out" "$out.tree"
mkdir -p "$out" "$out.tree/d/e"
tree=$out.tree
printf 'hello\n' >"$tree/a"
head -c 15000 /dev/zero | tr '\0' 'x' >"$tree/d/big" # 15 blocks: one indirect
ln -s a "$tree/fast"
ln -s "$(printf '%080d' 0)" "$tree/d/slow"
mkfifo "$tree/d/e/fifo"
seed() { # name size opts...
  local name=$1 size=$2
  shift 2
  truncate -s "${size}K" "$out/$name"
  mke2fs -q -F -t ext2 -U 5e55e2a0-0003-4000-8000-00000000000a \
    -E root_owner=0:0,hash_seed=5e55e2a0-0003-4000-8000-00000000000b "$@" -d "$tree" \
    "$out/$name" "${size}k"
}
seed 1k.img 64 -b 1024 -N 32 -m 0
seed rev0.img 64 -b 1024 -N 32 -r 0
seed 2k.img 128 -b 2048 -N 32
printf "cd /d/e\nmknod tty c 4 64\n" | debugfs -w -f - "$out/2k.img" >/dev/null 2>&1
rm -rf "$tree"
