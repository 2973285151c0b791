/*
 * start.c: a newlib program's start in C, and the _init/_fini newlib's constructor walk calls
 * (newlib is built with HAVE_INIT_FINI; a bare target has no crti.o to define them).
 */
#include "newlib_los.h"

#include <stdlib.h>

extern char **environ;
extern void __libc_init_array(void);
extern void __libc_fini_array(void);
int main(int argc, char **argv, char **envp);

void _init(void);
void _fini(void);

void _init(void) {}

void _fini(void) {}

void los_newlib_start(int argc, char **argv, char **envp)
{
    environ = envp;
    atexit(__libc_fini_array); /* destructors after the program's own atexit functions */
    __libc_init_array();
    exit(main(argc, argv, envp));
}
