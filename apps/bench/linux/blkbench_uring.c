/*
 * blkbench_uring.c: the io_uring rows of the Linux guest of `./tessera bench blk`, through the
 * raw syscalls (io_uring_setup, io_uring_register, io_uring_enter and the mmap'd rings of
 * <linux/io_uring.h>; no liburing). Each row uses what fio's io_uring engine calls its best
 * settings: the disk and the 32 buffers registered (IOSQE_FIXED_FILE, IORING_OP_READ_FIXED),
 * so no per-read file lookup or page pinning. Three configurations:
 *
 *   uring         interrupts: io_uring_enter submits and sleeps until a completion's interrupt;
 *   uring-poll    IORING_SETUP_IOPOLL: io_uring_enter submits, then spins on the virtio-blk
 *                 poll queue (virtio_blk.poll_queues) in the kernel, no interrupt;
 *   uring-sqpoll  IOPOLL + IORING_SETUP_SQPOLL: a kernel thread takes the submissions from the
 *                 ring and polls the queue; the program submits without a syscall and sleeps in
 *                 io_uring_enter(GETEVENTS) only while it has no completion (on one vCPU it
 *                 must leave the CPU to that thread).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "blkbench_linux.h"

#define SPIN_LIMIT_NS 20000000000ull /* a polled completion that takes 20 s is lost */

struct uring {
    int fd;
    unsigned flags;
    unsigned *sq_head, *sq_tail, *sq_mask, *sq_flags, *sq_array;
    unsigned *cq_head, *cq_tail, *cq_mask;
    struct io_uring_sqe *sqes;
    struct io_uring_cqe *cqes;
    void *ring;
    size_t ring_len, sqes_len;
};

static long enter(int fd, unsigned submit, unsigned min_complete, unsigned flags)
{
    return syscall(SYS_io_uring_enter, fd, submit, min_complete, flags, NULL, 0);
}

static void uring_open(struct uring *u, int disk, unsigned flags)
{
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    p.flags = flags;
    p.sq_thread_idle = 2000; /* ms: the SQ thread never sleeps inside a phase */
    memset(u, 0, sizeof *u);
    u->flags = flags;
    u->fd = (int)syscall(SYS_io_uring_setup, BLKPAT_QD32, &p);
    if (u->fd < 0)
        DIE("io_uring_setup flags %#x", flags);
    if (!(p.features & IORING_FEAT_SINGLE_MMAP)) {
        errno = ENOSYS;
        DIE("io_uring without IORING_FEAT_SINGLE_MMAP");
    }
    size_t sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
    size_t cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
    u->ring_len = sq_len > cq_len ? sq_len : cq_len;
    u->ring = mmap(NULL, u->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd,
                   IORING_OFF_SQ_RING);
    u->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
    u->sqes = mmap(NULL, u->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, u->fd,
                   IORING_OFF_SQES);
    if (u->ring == MAP_FAILED || u->sqes == MAP_FAILED)
        DIE("mmap io_uring rings");
    char *r = u->ring;
    u->sq_head = (unsigned *)(r + p.sq_off.head);
    u->sq_tail = (unsigned *)(r + p.sq_off.tail);
    u->sq_mask = (unsigned *)(r + p.sq_off.ring_mask);
    u->sq_flags = (unsigned *)(r + p.sq_off.flags);
    u->sq_array = (unsigned *)(r + p.sq_off.array);
    u->cq_head = (unsigned *)(r + p.cq_off.head);
    u->cq_tail = (unsigned *)(r + p.cq_off.tail);
    u->cq_mask = (unsigned *)(r + p.cq_off.ring_mask);
    u->cqes = (struct io_uring_cqe *)(r + p.cq_off.cqes);

    struct iovec iov[BLKPAT_QD32];
    for (unsigned i = 0; i < BLKPAT_QD32; i++)
        iov[i] = (struct iovec){bufs[i], BLKPAT_BLOCK};
    if (syscall(SYS_io_uring_register, u->fd, IORING_REGISTER_BUFFERS, iov, BLKPAT_QD32) != 0)
        DIE("IORING_REGISTER_BUFFERS");
    if (syscall(SYS_io_uring_register, u->fd, IORING_REGISTER_FILES, &disk, 1) != 0)
        DIE("IORING_REGISTER_FILES");
}

static void uring_close(struct uring *u)
{
    munmap(u->sqes, u->sqes_len);
    munmap(u->ring, u->ring_len);
    close(u->fd);
}

/* Queues a read of block into slot's registered buffer (not yet visible to the kernel). */
static void queue_read(struct uring *u, unsigned n_queued, unsigned slot, uint32_t block)
{
    unsigned tail = *u->sq_tail + n_queued, i = tail & *u->sq_mask;
    struct io_uring_sqe *e = &u->sqes[i];
    memset(e, 0, sizeof *e);
    e->opcode = IORING_OP_READ_FIXED;
    e->flags = IOSQE_FIXED_FILE;
    e->fd = 0; /* index into the registered files */
    e->addr = (uint64_t)(uintptr_t)bufs[slot];
    e->len = BLKPAT_BLOCK;
    e->off = (uint64_t)block * BLKPAT_BLOCK;
    e->buf_index = (uint16_t)slot;
    e->user_data = slot;
    u->sq_array[i] = i;
}

/* Makes n queued reads visible; without SQPOLL also submits them and waits for >= 1 completion
 * (IOPOLL: by polling the device's queue in the kernel). */
static void submit_and_wait(struct uring *u, unsigned n)
{
    __atomic_store_n(u->sq_tail, *u->sq_tail + n, __ATOMIC_RELEASE);
    if (u->flags & IORING_SETUP_SQPOLL) {
        __atomic_thread_fence(__ATOMIC_SEQ_CST); /* tail store before the flags load */
        if (__atomic_load_n(u->sq_flags, __ATOMIC_RELAXED) & IORING_SQ_NEED_WAKEUP)
            if (enter(u->fd, n, 0, IORING_ENTER_SQ_WAKEUP) < 0)
                DIE("io_uring_enter SQ_WAKEUP");
        return;
    }
    for (;;) {
        long r = enter(u->fd, n, 1, IORING_ENTER_GETEVENTS);
        if (r >= 0) {
            if (r != (long)n)
                DIE("io_uring_enter submitted %ld of %u", r, n);
            return;
        }
        if (errno != EINTR)
            DIE("io_uring_enter");
    }
}

/*
 * ops reads from THE PATTERN at state, at most qd in flight; fills lat[] (unless warm-up) and
 * returns the phase's time and sum.
 */
static struct phase reads(struct uring *u, unsigned qd, uint32_t ops, uint64_t *state, int record)
{
    uint64_t issued_at[BLKPAT_QD32], t0 = now_ns(), waited_since = 0;
    struct phase ph = {0, 0};
    uint32_t submitted = 0, done = 0;
    unsigned nfree = qd, freeslots[BLKPAT_QD32];
    for (unsigned i = 0; i < qd; i++)
        freeslots[i] = i;
    while (done < ops) {
        unsigned n = 0;
        uint64_t t = now_ns();
        while (nfree && submitted + n < ops) {
            unsigned s = freeslots[--nfree];
            issued_at[s] = t;
            queue_read(u, n++, s, blkpat_block(state));
        }
        if (n || !(u->flags & IORING_SETUP_SQPOLL)) {
            submit_and_wait(u, n);
            submitted += n;
        }
        unsigned head = *u->cq_head, tail = __atomic_load_n(u->cq_tail, __ATOMIC_ACQUIRE);
        if (head == tail) {
            /* IOPOLL may return early (need_resched) and enter again next time round; SQPOLL
             * on one vCPU: let the kernel's SQ thread run (and poll). */
            if (!waited_since)
                waited_since = now_ns();
            else if (now_ns() - waited_since > SPIN_LIMIT_NS) {
                errno = ETIMEDOUT;
                DIE("io_uring flags %#x: no completion in 20 s (%u of %u done)", u->flags, done,
                    ops);
            }
            if ((u->flags & IORING_SETUP_SQPOLL) &&
                enter(u->fd, 0, 1, IORING_ENTER_GETEVENTS) < 0 && errno != EINTR)
                DIE("io_uring_enter GETEVENTS (SQPOLL)");
            continue;
        }
        waited_since = 0;
        t = now_ns();
        for (; head != tail; head++) {
            struct io_uring_cqe *c = &u->cqes[head & *u->cq_mask];
            unsigned s = (unsigned)c->user_data;
            if (c->res != (int)BLKPAT_BLOCK) {
                errno = c->res < 0 ? -c->res : EIO;
                DIE("io_uring read (flags %#x) returned %d", u->flags, c->res);
            }
            if (record)
                lat[done] = t - issued_at[s];
            done++;
            ph.sum += first_word(bufs[s]);
            freeslots[nfree++] = s;
        }
        __atomic_store_n(u->cq_head, head, __ATOMIC_RELEASE);
    }
    ph.elapsed_ns = now_ns() - t0;
    return ph;
}

/* A polled phase must not have taken (about) one interrupt per read: polling fell back. */
static void check_polled(const char *path, unsigned flags, uint32_t ops, uint64_t irqs)
{
    if ((flags & IORING_SETUP_IOPOLL) && irqs > ops / 10) {
        errno = EOPNOTSUPP;
        DIE("%s: %llu interrupts for %u polled reads: IOPOLL fell back to interrupts", path,
            (unsigned long long)irqs, ops);
    }
}

void uring_rows(int fd, const char *path, unsigned flags)
{
    struct uring u;
    uint64_t state = BLKPAT_SEED;
    uring_open(&u, fd, flags);
    reads(&u, 1, BLKPAT_WARMUP, &state, 0);

    uint64_t irq0 = blk_irqs();
    struct phase ph = reads(&u, 1, BLKPAT_QD1_OPS, &state, 1);
    uint64_t irqs = blk_irqs() - irq0;
    check_polled(path, flags, BLKPAT_QD1_OPS, irqs);
    row(path, 1, BLKPAT_QD1_OPS, ph, irqs);

    irq0 = blk_irqs();
    ph = reads(&u, BLKPAT_QD32, BLKPAT_QD32_OPS, &state, 1);
    irqs = blk_irqs() - irq0;
    check_polled(path, flags, BLKPAT_QD32_OPS, irqs);
    row(path, BLKPAT_QD32, BLKPAT_QD32_OPS, ph, irqs);
    uring_close(&u);
}
