#!/usr/bin/env bash
# test_reproducible_source.sh: ctest `build.reproducible_source`. Builds the freestanding half
# (exo.elf, BOOTX64.EFI) from source twice, in two build directories with different path names
# (one inside the source tree like out/target, one outside it), images both with the same
# staged trees, and requires identical sha256 for the kernel, the loader and the image.
# A build path leaking into an output (e.g. DW_AT_comp_dir in the debug info) fails it. Native
# programs (apps/hello on musl, apps/nhello on newlib) are compared too; both trees use the one
# musl build (MUSL_DIR) and the one newlib build (NEWLIB_DIR).
#   test_reproducible_source.sh SOURCE_DIR STAGE_DIR WORK_DIR MUSL_DIR NEWLIB_DIR
set -euo pipefail
[[ $# -eq 5 ]] || { echo "usage: test_reproducible_source.sh SOURCE_DIR STAGE_DIR WORK_DIR MUSL_DIR NEWLIB_DIR" >&2; exit 2; }
src=$1 stage=$2 work=$3 musl=$4 newlib=$5
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
outside=$(mktemp -d "${TMPDIR:-/tmp}/tessera-repro-src.XXXXXX")
trap 'rm -rf "$outside"' EXIT
dirs=("$work/a" "$outside/second-build-tree")  # different lengths, inside/outside the source

for d in "${dirs[@]}"; do
  cmake -S "$src" -B "$d" -DTESSERA_FREESTANDING=ON -DTESSERA_MUSL_DIR="$musl" -DTESSERA_NEWLIB_DIR="$newlib" \
    -DCMAKE_TOOLCHAIN_FILE="$src/cmake/x86_64-freestanding.cmake" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$d.configure.log" 2>&1 ||
    { cat "$d.configure.log"; echo "FAIL: configure of $d"; exit 1; }
  cmake --build "$d" -j"$(nproc)" >"$d.build.log" 2>&1 ||
    { cat "$d.build.log"; echo "FAIL: build of $d"; exit 1; }
  "$here/mkimage.sh" --loader "$d/efi/BOOTX64.EFI" --kernel "$d/exo/exo.elf" \
    --archive-dir "$stage/archive" --root-dir "$stage/root" -o "$d/tessera.img" >/dev/null
done

fail=0
for f in exo/exo.elf efi/BOOTX64.EFI apps/hello apps/nhello tessera.img; do
  a=$(sha256sum < "${dirs[0]}/$f" | cut -d' ' -f1)
  b=$(sha256sum < "${dirs[1]}/$f" | cut -d' ' -f1)
  printf '%-16s %s  %s\n' "$f" "$a" "${dirs[0]}"
  printf '%-16s %s  %s\n' "" "$b" "${dirs[1]}"
  if [[ $a != "$b" ]]; then
    fail=1
    echo "FAIL: $f differs between the two build trees; build paths found in it:"
    for d in "${dirs[@]}"; do  # (inside the source tree the path shows up relative: ./out/...)
      echo "  $d: $(grep -c -a -F -e "$d" -e "./${d#"$src"/}" "$d/$f" || true) lines"
    done
  fi
done
[[ $fail == 0 ]] || exit 1
rm -rf "$work"
echo "PASS: exo.elf, BOOTX64.EFI, hello, nhello and the image are identical from two build trees"
