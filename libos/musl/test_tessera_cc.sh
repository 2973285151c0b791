#!/usr/bin/env bash
# test_tessera_cc.sh: ctest libos.musl.tessera_cc. The wrapper from the command line, as a
# person would use it: compile only (-c), then link the object; the result is a static ELF with
# no interpreter whose entry is the libOS's los_posix_entry, linked with musl's printf and the
# libOS's los_syscall; a compile error comes back as gcc's exit status.
#   test_tessera_cc.sh TESSERA_CC WORK_DIR
set -euo pipefail
cc=$1 work=$2
rm -rf "$work" && mkdir -p "$work" && cd "$work"
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }

cat >prog.c <<'C'
#include <stdio.h>
int main(int argc, char **argv)
{
    printf("%s: %d\n", argv[0], argc);
    return 0;
}
C
check "compile only" '"$cc" -O2 -Wall -Werror -c prog.c -o prog.o && [[ -f prog.o ]]'
check "link" '"$cc" -o prog prog.o'
readelf -lhW prog >headers
nm prog >symbols # (files, not pipes into grep -q: pipefail would see the writer's SIGPIPE)
check "static, no interpreter" '! grep -q INTERP headers'
entry=$(awk "/Entry point/ {print \$4}" headers)
sym=$(awk "\$3 == \"los_posix_entry\" {print \$1}" symbols)
check "entry is los_posix_entry ($entry vs $sym)" '[[ -n $sym && $((entry)) -eq $((16#$sym)) ]]'
check "musl and the libOS linked in" 'grep -qw printf symbols && grep -qw los_syscall symbols'
# -lm and -lpthread are musl's (empty archives), never the host's glibc ones.
cat >m.c <<'C'
#include <math.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    printf("%f\n", sqrt((double)argc + 3.0));
    return argv[0] == 0;
}
C
check "-lm -lpthread link with musl's" '"$cc" -O2 -o m m.c -lm -lpthread -Wl,-t >linked 2>&1'
check "no host library linked" '! grep -q "x86_64-linux-gnu/lib" linked'
echo "int main(void) { return undeclared; }" >bad.c
check "a compile error fails" '! "$cc" -c bad.c -o bad.o 2>/dev/null'
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
