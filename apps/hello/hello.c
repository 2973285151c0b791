/*
 * hello.c: the first native program: ordinary C against musl and the libOS (tessera-cc).
 * Prints its arguments, fills and sums memory from malloc, and prints floating-point numbers
 * (SSE in user space). init runs it for init.run=hello[,arg...]; exo.boot.hello checks every
 * byte it prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    printf("hello from a native program: argc %d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = \"%s\"\n", i, argv[i]);

    size_t n = 300000; /* large enough for musl's malloc to mmap it */
    unsigned char *big = malloc(n);
    char *small = malloc(32);
    if (!big || !small) {
        printf("malloc failed\n");
        return 1;
    }
    unsigned long sum = 0;
    for (size_t i = 0; i < n; i++)
        big[i] = (unsigned char)(i * 7);
    for (size_t i = 0; i < n; i++)
        sum += big[i];
    strcpy(small, "heap");
    printf("malloc: %zu bytes summed to %lu; %s ok\n", n, sum, small);
    free(big);
    free(small);

    double third = 1.0 / 3.0;
    printf("floats: %f %.3f %g %e\n", third, 2.5 * argc, 1e10 / 4, -0.000125);
    fprintf(stderr, "stderr: %s\n", "unbuffered");
    return 0;
}
