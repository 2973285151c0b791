/*
 * ut_proc.c: processes (usertests.h): identity from the process table pm maps read-only into
 * every process, fork, wait with exact statuses, signals between processes, groups and
 * sessions, limits, exec.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <posix/posix.h>
#include <proc/client.h>
#include <proc/layout.h>
#include <proc/table.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "usertests.h"

/* getpid and getppid are loads from the table: exact values, no exo call, and the table is
 * read-only (a store to it would end us: checked in a child once fork exists). */
USERTEST(proc_identity_from_the_table)
{
    const struct proc_table *t = (const struct proc_table *)PROC_TABLE_VA;
    CHECK_EQ(proc_present, 1);
    CHECK_EQ(t->magic, PROC_TABLE_MAGIC);
    CHECK_EQ(t->version, PROC_TABLE_VERSION);
    CHECK_EQ(t->e[0].pid, 1); /* init */
    const struct proc_entry *me = proc_self();
    CHECK_EQ(me->state, PROC_ALIVE);
    long before = los_exo_calls();
    pid_t pid = getpid(), ppid = getppid();
    long calls = los_exo_calls() - before;
    CHECK_EQ(calls, 1); /* the second count itself */
    CHECK_EQ(pid, me->pid);
    CHECK_EQ(ppid, me->ppid);
    CHECK_EQ(syscall(SYS_gettid), pid);
    CHECK_EQ(pid >= 2, 1);
    return 0;
}
