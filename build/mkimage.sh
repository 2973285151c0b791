#!/usr/bin/env bash
# mkimage.sh: assemble Tessera's bootable GPT disk image, reproducibly.
#
#   partition 1  FAT ESP, 48 MiB   /EFI/BOOT/BOOTX64.EFI, /tessera/{exo.elf,boot.cpio,cmdline.txt}
#   partition 2  ext2 root, 64 MiB label tessera-root, contents of --root-dir
# (sizes by default; a per-app image, build/app_image.py, asks for less, and maybe no root)
#
# Each partition is built as a separate file and then dd'ed into the disk, so no loop devices
# or root privileges are needed. Every time stamp, UUID, serial and hash seed is fixed (from
# SOURCE_DATE_EPOCH), so the same inputs always give a byte-identical image.
set -euo pipefail

usage() {
  cat >&2 <<'EOF'
usage: mkimage.sh --loader BOOTX64.EFI (--kernel exo.elf | --no-kernel) --archive-dir DIR
                  --root-dir DIR [--cmdline TEXT] [--esp-mib N] [--root-mib N]
                  [--keep-cpio FILE] -o IMAGE

  --loader FILE       EFI application installed as \EFI\BOOT\BOOTX64.EFI
  --kernel FILE       kernel ELF installed as \tessera\exo.elf
  --no-kernel         no \tessera\exo.elf at all (to test the loader's error path)
  --archive-dir DIR   packed (cpio newc) into \tessera\boot.cpio
  --root-dir DIR      contents of the ext2 root partition
  --cmdline TEXT      written to \tessera\cmdline.txt (omitted if not given)
  --esp-mib N         size of the ESP (default 48)
  --root-mib N        size of the ext2 root (default 64); 0: no root partition, no --root-dir
  --keep-cpio FILE    also write the boot archive there (for a PVH direct boot: -initrd)
  -o IMAGE            output disk image (written atomically)

environment: SOURCE_DATE_EPOCH  time stamp for every file and file system
             (default: last git commit time, else 1700000000)
EOF
  exit 2
}

die() { echo "mkimage.sh: $*" >&2; exit 1; }

loader='' kernel='' no_kernel=0 archive_dir='' root_dir='' cmdline='' have_cmdline=0 out=''
ESP_MIB=48 ROOT_MIB=64 keep_cpio=''
while [[ $# -gt 0 ]]; do
  case "$1" in
    --loader) loader=${2:?}; shift 2 ;;
    --kernel) kernel=${2:?}; shift 2 ;;
    --no-kernel) no_kernel=1; shift ;;
    --archive-dir) archive_dir=${2:?}; shift 2 ;;
    --root-dir) root_dir=${2:?}; shift 2 ;;
    --cmdline) cmdline=${2?}; have_cmdline=1; shift 2 ;;
    --esp-mib) ESP_MIB=${2:?}; shift 2 ;;
    --root-mib) ROOT_MIB=${2:?}; shift 2 ;;
    --keep-cpio) keep_cpio=${2:?}; shift 2 ;;
    -o) out=${2:?}; shift 2 ;;
    -h|--help) usage ;;
    *) echo "mkimage.sh: unknown argument: $1" >&2; usage ;;
  esac
done
[[ $ESP_MIB =~ ^[1-9][0-9]*$ && $ROOT_MIB =~ ^[0-9]+$ ]] || usage
[[ -n $loader && -n $archive_dir && -n $out && ( -n $root_dir || $ROOT_MIB == 0 ) ]] || usage
# Exactly one of --kernel / --no-kernel: a forgotten --kernel must not silently make a dud image.
[[ -n $kernel && $no_kernel == 0 || -z $kernel && $no_kernel == 1 ]] || usage
[[ -f $loader ]] || die "loader not found: $loader"
[[ $no_kernel == 1 || -f $kernel ]] || die "kernel not found: $kernel"
[[ -d $archive_dir ]] || die "archive dir not found: $archive_dir"
[[ $ROOT_MIB == 0 || -d $root_dir ]] || die "root dir not found: $root_dir"
for tool in mkfs.fat mmd mcopy mke2fs debugfs sgdisk cpio dd strip od; do
  command -v "$tool" >/dev/null || die "missing tool: $tool (run ./tessera deps)"
done

# --- Fixed identity of the image -------------------------------------------------------------
if [[ -z ${SOURCE_DATE_EPOCH:-} ]]; then
  here=$(cd "$(dirname "$0")" && pwd)
  SOURCE_DATE_EPOCH=$(git -C "$here" log -1 --format=%ct 2>/dev/null || true)
  SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
fi
[[ $SOURCE_DATE_EPOCH =~ ^[0-9]+$ ]] || die "SOURCE_DATE_EPOCH must be decimal seconds"
export SOURCE_DATE_EPOCH
export TZ=UTC LC_ALL=C          # FAT stores local time; sort order must not depend on locale
export E2FSPROGS_FAKE_TIME=$SOURCE_DATE_EPOCH  # e2fsprogs' own clock override

DISK_GUID=5e55e2a0-0000-4000-8000-000000000000
ESP_GUID=5e55e2a0-0001-4000-8000-000000000001
ROOT_GUID=5e55e2a0-0002-4000-8000-000000000002    # partition GUID
ROOT_FS_UUID=5e55e2a0-0003-4000-8000-000000000003 # ext2 UUID
ROOT_HASH_SEED=5e55e2a0-0004-4000-8000-000000000004
ESP_SERIAL=5e55e2a0

MIB=1048576
ESP_START_MIB=1
ROOT_START_MIB=$((ESP_START_MIB + ESP_MIB))
DISK_MIB=$((ROOT_START_MIB + ROOT_MIB + 1)) # +1 MiB for the backup GPT

work=$(mktemp -d "${TMPDIR:-/tmp}/mkimage.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Pin every mtime under a staging tree (files, dirs, symlinks).
pin_times() { find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +; }

# --- Boot archive: cpio newc, sorted, owner 0:0 ----------------------------------------------
mkdir "$work/archive"
cp -a "$archive_dir/." "$work/archive/"
chmod -R u+rwX,go+rX,go-w "$work/archive"  # modes must not depend on the builder's umask
# DWARF stays in the build tree (gdb reads it there): in the archive it only costs the loader's
# reading time and the ESP's room (three quarters of a native program is debug information).
# Symbols are kept. strip is deterministic, so the archive stays reproducible.
find "$work/archive" -type f -print0 | while IFS= read -r -d '' f; do
  if [[ $(head -c 4 "$f" | od -An -tx1 | tr -d ' ') == 7f454c46 ]]; then
    strip --strip-debug "$f"
  fi
done
pin_times "$work/archive"
(cd "$work/archive" && find . -mindepth 1 -print0 | sort -z |
  cpio --null --create --format=newc --reproducible --owner=0:0 --quiet) > "$work/boot.cpio"
if [[ -n $keep_cpio ]]; then cp "$work/boot.cpio" "$keep_cpio"; fi

# --- ESP: FAT with fixed serial ----------------------------------------------------------------
mkdir -p "$work/esp/EFI/BOOT" "$work/esp/tessera"
cp "$loader" "$work/esp/EFI/BOOT/BOOTX64.EFI"
if [[ $no_kernel == 0 ]]; then cp "$kernel" "$work/esp/tessera/exo.elf"; fi
cp "$work/boot.cpio" "$work/esp/tessera/boot.cpio"
if [[ $have_cmdline == 1 ]]; then printf '%s\n' "$cmdline" > "$work/esp/tessera/cmdline.txt"; fi
pin_times "$work/esp"
esp="$work/esp.img"
# --invariant fixes the boot sector's time-derived fields; -i then sets our own serial.
mkfs.fat --invariant -i "$ESP_SERIAL" -n TESSERA-ESP -C "$esp" $((ESP_MIB * 1024)) >/dev/null
export MTOOLS_SKIP_CHECK=1
# Directories first (mcopy -s would give them the current time), files with -m (keep mtime).
while IFS= read -r -d '' d; do
  mmd -i "$esp" "::/${d#./}"
done < <(cd "$work/esp" && find . -mindepth 1 -type d -print0 | sort -z)
while IFS= read -r -d '' f; do
  mcopy -m -o -i "$esp" "$work/esp/${f#./}" "::/${f#./}"
done < <(cd "$work/esp" && find . -type f -print0 | sort -z)

# --- Root: ext2 with fixed UUID and hash seed ---------------------------------------------------
make_root() {
  mkdir "$work/root"
  cp -a "$root_dir/." "$work/root/"
  chmod -R u+rwX,go+rX,go-w "$work/root"
  pin_times "$work/root"
  root="$work/root.img"
  truncate -s "${ROOT_MIB}M" "$root" # pre-create: keeps mke2fs quiet
  mke2fs -q -F -t ext2 -b 4096 -I 256 -m 0 -L tessera-root -U "$ROOT_FS_UUID" \
    -E "hash_seed=$ROOT_HASH_SEED,root_owner=0:0" -d "$work/root" "$root" "${ROOT_MIB}M"
  # mke2fs -d copies each source file's ctime, which touch cannot set; overwrite them (and the
  # superblock times, in case this e2fsprogs ignores E2FSPROGS_FAKE_TIME) with SOURCE_DATE_EPOCH.
  {
    while IFS= read -r -d '' p; do
      p=/${p#./}; p=${p%/.}; p=${p:-/}
      for field in atime ctime mtime crtime; do
        echo "set_inode_field \"$p\" $field @$SOURCE_DATE_EPOCH"
      done
    done < <(cd "$work/root" && { echo -ne '.\0'; find . -mindepth 1 -print0; echo -ne './lost+found\0'; } | sort -zu)
    for field in mkfs_time wtime mtime lastcheck; do
      echo "set_super_value $field @$SOURCE_DATE_EPOCH"
    done
  } > "$work/fix-times.debugfs"
  debugfs -w -f "$work/fix-times.debugfs" "$root" >/dev/null 2>"$work/debugfs.err" ||
    { cat "$work/debugfs.err" >&2; die "debugfs failed"; }
}
if [[ $ROOT_MIB != 0 ]]; then make_root; fi

# --- GPT disk --------------------------------------------------------------------------------
disk="$work/disk.img"
truncate -s $((DISK_MIB * MIB)) "$disk"
sectors() { echo $(($1 * MIB / 512)); }
# No --zap-all: the file is fresh zeros anyway, and each sgdisk write costs a sync + 1 s sleep.
root_part=()
if [[ $ROOT_MIB != 0 ]]; then
  root_part=(-n "2:$(sectors $ROOT_START_MIB):+${ROOT_MIB}M" -t 2:8300 -u "2:$ROOT_GUID" -c 2:tessera-root)
fi
sgdisk --clear -U "$DISK_GUID" \
  -n "1:$(sectors $ESP_START_MIB):+${ESP_MIB}M" -t 1:ef00 -u "1:$ESP_GUID" -c "1:EFI System" \
  "${root_part[@]+"${root_part[@]}"}" "$disk" >/dev/null
dd if="$esp" of="$disk" bs=1M seek=$ESP_START_MIB conv=notrunc status=none
if [[ $ROOT_MIB != 0 ]]; then dd if="$root" of="$disk" bs=1M seek=$ROOT_START_MIB conv=notrunc status=none; fi

mkdir -p "$(dirname "$out")"
mv -f "$disk" "$out.tmp.$$" && mv -f "$out.tmp.$$" "$out"
echo "mkimage.sh: wrote $out ($DISK_MIB MiB, SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH)"
