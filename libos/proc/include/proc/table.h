/*
 * table.h: the process table, pages pm (init) owns and maps read-only into every process at
 * PROC_TABLE_VA. pm alone writes it (one owner, single-threaded, one call at a time); others
 * read it with plain loads (getpid, getppid, pending signals), and a process that crashes or
 * is killed cannot corrupt it: exo refuses its writes. The header carries a version tag so a
 * reader built for another layout can tell.
 */
#ifndef PROC_TABLE_H
#define PROC_TABLE_H

#include <stdint.h>

#define PROC_TABLE_MAGIC 0x636f7270u /* "proc" */
#define PROC_TABLE_VERSION 2u        /* bumped on any layout change below */
#define PROC_MAX 128                 /* slots (exo has 256 envs, pm 320 capability slots) */
#define PROC_PID_INIT 1

enum proc_state {
    PROC_FREE = 0,
    PROC_ALIVE = 1,  /* its env runs (or is being filled by its parent's fork) */
    PROC_ZOMBIE = 2, /* ended; its status waits for its parent's wait */
};

struct proc_entry {
    uint32_t state; /* enum proc_state */
    int32_t pid, ppid, pgid, sid;
    uint32_t env;     /* exo env id of its current image (exec changes it, the pid stays) */
    int32_t status;   /* a zombie's wait status (status.h) */
    uint32_t seq;     /* bumped after every change of the entry (no seqlock: a reader may see a
                         change half made; each field alone is whole) */
    uint64_t pending; /* signals other processes sent, not fetched yet: bit (sig - 1) */
    uint64_t reserved[3];
};

struct proc_table {
    uint32_t magic;   /* PROC_TABLE_MAGIC */
    uint32_t version; /* PROC_TABLE_VERSION */
    uint32_t nslots;  /* PROC_MAX */
    uint32_t reserved[13];
    struct proc_entry e[PROC_MAX];
};

_Static_assert(sizeof(struct proc_entry) == 64, "process table entry layout");
_Static_assert(sizeof(struct proc_table) <= 3 * 4096, "process table fits PROC_TABLE_PAGES");

/* Pure helpers (table.c, host-tested): the slot holding a live or zombie pid, or -1; a free
 * slot, or -1; the next pid to give (pids count up from *next, skipping ones in use, wrapping
 * below PROC_PID_MAX to 2). */
#define PROC_PID_MAX 32768
int proc_table_find(const struct proc_table *t, int32_t pid);
int proc_table_free_slot(const struct proc_table *t);
int32_t proc_table_next_pid(const struct proc_table *t, int32_t *next);
/* Live processes (ALIVE) whose parent is ppid. */
int proc_table_children(const struct proc_table *t, int32_t ppid, int zombies_too);

#endif
