/*
 * inittab.h: busybox's inittab format, parsed (inittab.c: no libc, host-tested). A line is
 * `id:runlevels:action:process`; runlevels are ignored (as busybox does), `#` starts a comment
 * line, blank lines are skipped, and a line with too few fields, an unknown action or an empty
 * process is a bad line (counted, skipped).
 */
#ifndef INIT_INITTAB_H
#define INIT_INITTAB_H

#include <stddef.h>

enum init_action {
    INIT_SYSINIT = 1, /* run first, in order, each waited for */
    INIT_WAIT,        /* then run, each waited for */
    INIT_ONCE,        /* then started, not waited for */
    INIT_RESPAWN,     /* started, and again each time it ends */
    INIT_ASKFIRST,    /* as respawn, after "Please press Enter" (see init.c) */
    INIT_SHUTDOWN,    /* run at poweroff, reboot and halt, each waited for */
    INIT_RESTART,     /* parsed; init does not re-exec itself */
    INIT_CTRLALTDEL,  /* parsed; there is no such key path */
};

#define INIT_ID_MAX 16
#define INIT_PROCESS_MAX 256

struct init_entry {
    char id[INIT_ID_MAX]; /* the tty it names (busybox); kept, unused */
    enum init_action action;
    char process[INIT_PROCESS_MAX]; /* the command, NUL-terminated */
};

/* The entries of text[0, len) into out (at most max; more are bad lines): how many. *bad gets
 * the number of bad lines, *first_bad the first one's line number (1-based; 0: none). */
int inittab_parse(const char *text, size_t len, struct init_entry *out, int max, int *bad,
                  int *first_bad);

/* How much of a file read as text[0, len) with room for max bytes to parse: len if the whole
 * file fit (len <= max), else up to the end of its last whole line within max (a line the cut
 * split is dropped, never run cut short; 0 if no line ended within max). */
size_t inittab_whole_lines(const char *text, size_t len, size_t max);

/* The action's name ("respawn"), or "?" */
const char *inittab_action_name(enum init_action a);

#endif
