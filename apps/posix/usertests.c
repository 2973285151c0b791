/*
 * usertests.c: runs the usertests table (usertests.h) in the order the linker laid it out.
 * Today every test runs in this one process; with fork each gets a process of its own.
 */
#include <stdio.h>

#include "usertests.h"

int main(void)
{
    int passed = 0, failed = 0;
    for (const struct usertest *t = __start_usertests; t < __stop_usertests; t++) {
        int r = t->fn();
        printf("usertests: %s: %s\n", t->name, r ? "FAIL" : "ok");
        fflush(stdout);
        r ? failed++ : passed++;
    }
    printf("usertests: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
