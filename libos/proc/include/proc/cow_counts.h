/*
 * cow_counts.h: what copy-on-write fork has done in this process (the libOS's counters,
 * los/cow.h), for tests and benchmarks; native programs may include it (it needs no libOS or
 * exo header). The counts are the process's memory: a child starts with its parent's.
 */
#ifndef PROC_COW_COUNTS_H
#define PROC_COW_COUNTS_H

struct proc_cow_counts {
    unsigned long long shared; /* pages forks shared with their children (copy-on-write) */
    unsigned long long eager;  /* pages forks copied at once (proc/fork.c says which) */
    unsigned long long copied; /* write faults answered with a copy */
    unsigned long long taken;  /* write faults answered by taking the page back, no copy */
};

void proc_cow_counts(struct proc_cow_counts *c);

#endif
