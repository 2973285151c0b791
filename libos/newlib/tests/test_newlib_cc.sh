#!/usr/bin/env bash
# test_newlib_cc.sh: ctest libos.newlib.cc. tessera-newlib-cc from the command line, as a person
# would use it: compile only (-c), then link the object; the result is a static ELF with no
# interpreter entering at the libOS's los_posix_entry, whose _start is libos/newlib's (it calls
# los_newlib_start; the plain libOS program's _start in liblos.a must not win), linked with
# newlib's printf, the stubs and los_syscall and nothing of musl; -lm is newlib's libm, never
# the host's; a compile error comes back as gcc's exit status.
#   test_newlib_cc.sh TESSERA_NEWLIB_CC WORK_DIR
set -euo pipefail
cc=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }

cat >prog.c <<'C'
#include <math.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    printf("%s: %d %f\n", argv[0], argc, sqrt((double)argc + 3.0));
    return 0;
}
C
check "compile only" '"$cc" -O2 -Wall -Werror -c prog.c -o prog.o && [[ -f prog.o ]]'
check "link, -lm" '"$cc" -o prog prog.o -lm -Wl,-t >linked 2>&1'
check "no host library linked" '! grep -q "x86_64-linux-gnu/lib" linked'
readelf -lhW prog >headers
nm prog >symbols # (files, not pipes into grep -q: pipefail would see the writer's SIGPIPE)
objdump -d --no-show-raw-insn prog >disasm
check "static, no interpreter" '! grep -q INTERP headers'
entry=$(awk "/Entry point/ {print \$4}" headers)
sym=$(awk "\$3 == \"los_posix_entry\" {print \$1}" symbols)
check "entry is los_posix_entry ($entry vs $sym)" '[[ -n $sym && $((entry)) -eq $((16#$sym)) ]]'
check "_start is libos/newlib's (calls los_newlib_start)" \
  'awk "/<_start>:/ {f = 1} f && /call/ {print; exit}" disasm | grep -q "<los_newlib_start>"'
check "newlib, its stubs and the libOS linked in" \
  'grep -qw _vfprintf_r symbols && grep -qw _write symbols && grep -qw los_syscall symbols'
check "nothing of musl" '! grep -qw __libc_start_main symbols && ! grep -qw __syscall_ret symbols'
echo "int main(void) { return undeclared; }" >bad.c
check "a compile error fails" '! "$cc" -c bad.c -o bad.o 2>/dev/null'
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
