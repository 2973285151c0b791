/*
 * newlib_los.h: the inside of libos/newlib, newlib's system-call layer over the libOS. These
 * files are compiled against newlib's headers (not musl's, not the libOS's freestanding ones);
 * they reach the libOS only through los_syscall (<posix/posix.h>), as a musl program does.
 */
#ifndef NEWLIB_LOS_H
#define NEWLIB_LOS_H

/* A Linux errno value (positive) as newlib's errno value for the same error. */
int los_newlib_errno(long linux_errno);

/* Where crt0.S's _start hands over: environ, constructors, then exit(main(...)). */
void los_newlib_start(int argc, char **argv, char **envp) __attribute__((noreturn));

#endif
