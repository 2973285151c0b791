#!/usr/bin/env python3
"""test_no_trap.py: ctest libos.musl.no_trap. The built musl (libc.a) holds no `syscall`
instruction at all, and in a linked native program every `syscall` instruction lies in a
function of the libOS (liblos.a, liblos_posix.a, liblos_dev.a, liblos_tty.a): libc reaches exo only through the libOS.
    test_no_trap.py LIBC_A PROGRAM LIBOS_A...
"""
import re
import subprocess
import sys

FUNC = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")


def trapping_functions(path):
    """{function: count} of syscall instructions in path's disassembly."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", path], capture_output=True,
                         text=True, check=True).stdout
    # --no-show-raw-insn drops the bytes; match the mnemonic alone then.
    found, func = {}, None
    for line in out.splitlines():
        m = FUNC.match(line)
        if m:
            func = m.group(1)
        elif re.match(r"^\s*[0-9a-f]+:\s+syscall\s*$", line):
            found[func] = found.get(func, 0) + 1
    return found


def defined(archives):
    names = set()
    for a in archives:
        out = subprocess.run(["nm", "--defined-only", a], capture_output=True, text=True,
                             check=True).stdout
        names |= {l.split()[-1] for l in out.splitlines() if len(l.split()) == 3}
    return names


def main():
    libc, prog, libos = sys.argv[1], sys.argv[2], sys.argv[3:]
    passed = failed = 0
    in_libc = trapping_functions(libc)
    if in_libc:
        failed += 1
        print(f"FAIL: syscall instructions in {libc}: {in_libc}")
    else:
        passed += 1
    in_prog = trapping_functions(prog)
    ours = defined(libos)
    stray = {f: n for f, n in in_prog.items() if f not in ours}
    if stray or not in_prog:
        failed += 1
        print(f"FAIL: syscall instructions outside the libOS in {prog}: {stray or 'none at all?'}")
    else:
        passed += 1
        print(f"{sum(in_prog.values())} syscall instructions, all in libOS functions: "
              f"{', '.join(sorted(in_prog))}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
