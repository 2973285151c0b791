/*
 * lx_segv.c: a NULL dereference in an unmodified Linux binary still faults: the process ends
 * by SIGSEGV, as on Linux (its parent sees the signal in the wait status).
 */
#include <stdio.h>

int main(void)
{
    printf("about to store through NULL\n");
    fflush(stdout);
    *(volatile int *)0 = 1;
    printf("still here\n");
    return 0;
}
