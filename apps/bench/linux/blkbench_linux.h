/*
 * blkbench_linux.h: what the Linux guest's two files share (blkbench_linux.c: /init, pread,
 * native AIO, the poll-queue and interrupt checks; blkbench_uring.c: io_uring): the latency
 * array, the read buffers, the clock, the row printer and the fatal-error exit.
 */
#ifndef BLKBENCH_LINUX_H
#define BLKBENCH_LINUX_H

#include <errno.h>
#include <linux/io_uring.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../blkpattern.h"

extern uint64_t lat[BLKPAT_QD32_OPS];
extern uint8_t bufs[BLKPAT_QD32][BLKPAT_BLOCK];

/* One timed run of reads: wall time and the sum of each block's first word. */
struct phase {
    uint64_t elapsed_ns, sum;
};

uint64_t now_ns(void);
uint64_t first_word(const uint8_t *b);
/* Prints "blkbench: failed" and powers the guest off (QEMU exits). */
_Noreturn void halt(int failed);
/* Interrupts taken so far by the virtio-blk request queues (/proc/interrupts). */
uint64_t blk_irqs(void);

#define DIE(...)                                                                                   \
    do {                                                                                           \
        printf("blkbench: error: " __VA_ARGS__);                                                   \
        printf(" (%s)\n", strerror(errno));                                                        \
        halt(1);                                                                                   \
    } while (0)

/* io_uring setup flags of the three io_uring rows (blkbench_uring.c). */
#define URING_IRQ 0u
#define URING_POLL IORING_SETUP_IOPOLL
#define URING_SQPOLL (IORING_SETUP_IOPOLL | IORING_SETUP_SQPOLL)

/*
 * One io_uring configuration (flags: URING_*) on fd: warm-up, QD1 and QD32 over THE PATTERN,
 * each timed phase printed as a row named path. A polled row whose phase took interrupts
 * (polling fell back) is fatal.
 */
void uring_rows(int fd, const char *path, unsigned flags);
/* Prints the row of one phase; irqs: the request-queue interrupts taken during it. */
void row(const char *path, unsigned qd, uint32_t ops, struct phase ph, uint64_t irqs);

#endif
