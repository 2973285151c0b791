/*
 * lx_hello.c: an unmodified Linux binary (built on the host with `musl-gcc -static`, and as
 * lx_ghello with glibc's `gcc -static`): its arguments and environment, printed.
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    printf("hello from a Linux binary: argc %d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = \"%s\"\n", i, argv[i]);
    const char *e = getenv("LXENV");
    printf("LXENV = %s\n", e ? e : "(none)");
    return 3;
}
