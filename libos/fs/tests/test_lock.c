/*
 * test_lock.c: advisory locks (libos/fs/lock.c): POSIX record locks conflicting across
 * processes and never with their owner, F_GETLK's report (type, range, pid), ranges from
 * SEEK_CUR/SEEK_END and negative lengths, splitting and merging, EBADF for the wrong access
 * mode, release on closing any descriptor of the file and at exit, F_SETLKW's wait and EDEADLK,
 * OFD locks (owned by the description, pid -1, EINVAL for a pid), flock, wakes on release.
 */
#include <check.h>

#include "host_hooks.h"

static struct fs_flock lk(int type, int whence, int64_t start, int64_t len)
{
    struct fs_flock f = {
        .l_type = (int16_t)type, .l_whence = (int16_t)whence, .l_start = start, .l_len = len};
    return f;
}

static long setlk(struct fs_proc *p, int fd, int cmd, struct fs_flock f)
{
    return fs_fcntl(p, fd, cmd, (uint64_t)(uintptr_t)&f);
}

/* F_GETLK for a request; returns the reported lock through *out. */
static long getlk(struct fs_proc *p, int fd, int cmd, struct fs_flock f, struct fs_flock *out)
{
    *out = f;
    return fs_fcntl(p, fd, cmd, (uint64_t)(uintptr_t)out);
}

struct two {
    struct fs_proc *a, *b;
    long fa, fb;
};

static struct two setup(const char *name)
{
    struct two t;
    t.a = host_proc(name);
    CHECK_EQ(host_put(t.a, "f", "0123456789"), 0);
    t.b = fs_proc_fork(t.a);
    t.a->pid = 10;
    t.b->pid = 20;
    t.fa = fs_open(t.a, "f", FS_O_RDWR, 0);
    t.fb = fs_open(t.b, "f", FS_O_RDWR, 0);
    return t;
}

static void teardown(struct two *t)
{
    fs_proc_exit(t->a);
    fs_proc_exit(t->b);
}

TEST_CASE(posix_conflicts)
{
    struct two t = setup("lk_posix");
    struct fs_flock got;
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 10, 10)), 0);
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 19, 1)), -FS_EAGAIN);
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 20, 5)), 0);
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 0, 10)), 0);
    CHECK_EQ(getlk(t.b, (int)t.fb, FS_F_GETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 0, 0), &got), 0);
    CHECK_EQ(got.l_type, FS_F_WRLCK);
    CHECK_EQ(got.l_whence, FS_SEEK_SET);
    CHECK_EQ(got.l_start, 10);
    CHECK_EQ(got.l_len, 10);
    CHECK_EQ(got.l_pid, 10);
    /* A's own locks never conflict with A: it may change them freely. */
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 12, 2)), 0);
    CHECK_EQ(getlk(t.a, (int)t.fa, FS_F_GETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 10, 10), &got), 0);
    CHECK_EQ(got.l_type, FS_F_UNLCK);
    /* Now A holds W[10,11] R[12,13] W[14,19]: B may read-lock 12..13 only. */
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 12, 2)), 0);
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 11, 2)), -FS_EAGAIN);
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 13, 2)), -FS_EAGAIN);
    CHECK_EQ(getlk(t.b, (int)t.fb, FS_F_GETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 13, 100), &got), 0);
    CHECK_EQ(got.l_type, FS_F_RDLCK); /* A's read lock (B's own never conflict with B) */
    CHECK_EQ(got.l_pid, 10);
    /* Unlocking the middle of A's range splits it; the rest still holds. */
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLK, lk(FS_F_UNLCK, FS_SEEK_SET, 0, 0)), 0);
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 10, 2)), 0);
    teardown(&t);
}

TEST_CASE(ranges_and_errors)
{
    struct two t = setup("lk_range");
    struct fs_flock got;
    CHECK_EQ(fs_lseek(t.a, (int)t.fa, 5, FS_SEEK_SET), 5);
    /* SEEK_CUR with a negative length: the 3 bytes before the offset, 2..4. */
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_CUR, 0, -3)), 0);
    CHECK_EQ(getlk(t.b, (int)t.fb, FS_F_GETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 0, 0), &got), 0);
    CHECK_EQ(got.l_start, 2);
    CHECK_EQ(got.l_len, 3);
    /* SEEK_END: from the size (10) to the end of time. */
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLK, lk(FS_F_RDLCK, FS_SEEK_END, -1, 0)), 0);
    CHECK_EQ(getlk(t.b, (int)t.fb, FS_F_GETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 1000, 1), &got), 0);
    CHECK_EQ(got.l_start, 9);
    CHECK_EQ(got.l_len, 0);
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, -1, 1)), -FS_EINVAL);
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 2, -3)), -FS_EINVAL);
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLK, lk(FS_F_WRLCK, 9, 0, 1)), -FS_EINVAL);
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLK, lk(7, FS_SEEK_SET, 0, 1)), -FS_EINVAL);
    CHECK_EQ(
        setlk(t.a, (int)t.fa, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 0x7fffffffffffffffll, 2)),
        -FS_EOVERFLOW);
    long ro = fs_open(t.a, "f", FS_O_RDONLY, 0), wo = fs_open(t.a, "f", FS_O_WRONLY, 0);
    CHECK_EQ(setlk(t.a, (int)ro, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 0, 1)), -FS_EBADF);
    CHECK_EQ(setlk(t.a, (int)wo, FS_F_SETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 0, 1)), -FS_EBADF);
    CHECK_EQ(setlk(t.a, 99, FS_F_SETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 0, 1)), -FS_EBADF);
    CHECK_EQ(getlk(t.a, (int)ro, FS_F_GETLK, lk(FS_F_UNLCK, FS_SEEK_SET, 0, 1), &got), -FS_EINVAL);
    teardown(&t);
}

TEST_CASE(close_any_fd_releases)
{
    struct two t = setup("lk_close");
    long other = fs_open(t.a, "f", FS_O_RDONLY, 0); /* a second, unrelated open */
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 0, 0)), 0);
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 0, 1)), -FS_EAGAIN);
    long wakes = host_wakes;
    CHECK_EQ(fs_close(t.a, (int)other), 0); /* POSIX: any close of the file drops them */
    CHECK_MSG(host_wakes > wakes, "release wakes the waiters");
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 0, 1)), 0);
    /* Exit releases too. */
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 0, 0)), 0);
    struct fs_proc *b2 = t.b;
    fs_proc_exit(b2);
    t.b = fs_proc_fork(t.a);
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 0, 0)), 0);
    /* A forked child does not inherit its parent's POSIX locks: they conflict with it. */
    CHECK_EQ(setlk(t.b, (int)t.fa, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 0, 1)), -FS_EAGAIN);
    teardown(&t);
}

TEST_CASE(setlkw_wait_and_deadlock)
{
    struct two t = setup("lk_dead");
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 0, 1)), 0);
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 1, 1)), 0);
    t.b->wait = NULL;
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLKW, lk(FS_F_WRLCK, FS_SEEK_SET, 0, 1)), -FS_EAGAIN);
    CHECK_MSG(t.b->wait != NULL, "B waits for A's lock");
    /* A now asking for B's byte would wait on B, who waits on A. */
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLKW, lk(FS_F_WRLCK, FS_SEEK_SET, 1, 1)), -FS_EDEADLK);
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 1, 1)), -FS_EAGAIN);
    /* A third process in the chain: C waits on B, then A asking for C's byte is a cycle. */
    struct fs_proc *c = fs_proc_fork(t.a);
    c->pid = 30;
    long fc = fs_open(c, "f", FS_O_RDWR, 0);
    CHECK_EQ(setlk(c, (int)fc, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 2, 1)), 0);
    fs_proc_cancel(t.b); /* B gives up its wait */
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLKW, lk(FS_F_WRLCK, FS_SEEK_SET, 2, 1)), -FS_EAGAIN);
    CHECK_EQ(setlk(c, (int)fc, FS_F_SETLKW, lk(FS_F_WRLCK, FS_SEEK_SET, 0, 1)), -FS_EAGAIN);
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_SETLKW, lk(FS_F_WRLCK, FS_SEEK_SET, 1, 1)), -FS_EDEADLK);
    /* A lets go: B's call, made again, gets the lock. */
    fs_proc_exit(c);
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLKW, lk(FS_F_WRLCK, FS_SEEK_SET, 2, 1)), 0);
    CHECK_EQ(t.b->lkwait.vn == NULL, 1);
    teardown(&t);
}

TEST_CASE(ofd_locks)
{
    struct two t = setup("lk_ofd");
    struct fs_flock got;
    long f2 = fs_open(t.a, "f", FS_O_RDWR, 0);
    CHECK_EQ(setlk(t.a, (int)t.fa, FS_F_OFD_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 0, 4)), 0);
    /* The same process through another open file description conflicts. */
    CHECK_EQ(setlk(t.a, (int)f2, FS_F_OFD_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 0, 1)), -FS_EAGAIN);
    CHECK_EQ(setlk(t.a, (int)f2, FS_F_SETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 2, 1)), -FS_EAGAIN);
    CHECK_EQ(getlk(t.a, (int)f2, FS_F_OFD_GETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 0, 0), &got), 0);
    CHECK_EQ(got.l_pid, -1);
    CHECK_EQ(got.l_len, 4);
    struct fs_flock bad = lk(FS_F_WRLCK, FS_SEEK_SET, 0, 1);
    bad.l_pid = 5;
    CHECK_EQ(setlk(t.a, (int)f2, FS_F_OFD_SETLK, bad), -FS_EINVAL);
    /* Closing another descriptor of the file does not drop an OFD lock; a dup shares it. */
    CHECK_EQ(fs_close(t.a, (int)f2), 0);
    long d = fs_dup(t.a, (int)t.fa);
    CHECK_EQ(fs_close(t.a, (int)t.fa), 0);
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 0, 1)), -FS_EAGAIN);
    CHECK_EQ(fs_close(t.a, (int)d), 0); /* the description's last descriptor */
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLK, lk(FS_F_RDLCK, FS_SEEK_SET, 0, 1)), 0);
    teardown(&t);
}

TEST_CASE(flock_locks)
{
    struct two t = setup("lk_flock");
    CHECK_EQ(fs_flock(t.a, (int)t.fa, FS_LOCK_EX), 0);
    CHECK_EQ(fs_flock(t.b, (int)t.fb, FS_LOCK_SH | FS_LOCK_NB), -FS_EAGAIN);
    t.b->wait = NULL;
    CHECK_EQ(fs_flock(t.b, (int)t.fb, FS_LOCK_SH), -FS_EAGAIN);
    CHECK_MSG(t.b->wait != NULL, "a blocking flock waits");
    /* flock and fcntl locks do not see each other. */
    CHECK_EQ(setlk(t.b, (int)t.fb, FS_F_SETLK, lk(FS_F_WRLCK, FS_SEEK_SET, 0, 0)), 0);
    /* The forked child shares the description, so it shares the flock lock. */
    struct fs_proc *c = fs_proc_fork(t.a);
    CHECK_EQ(fs_flock(c, (int)t.fa, FS_LOCK_EX | FS_LOCK_NB), 0);
    CHECK_EQ(fs_flock(t.a, (int)t.fa, FS_LOCK_SH), 0); /* converting */
    CHECK_EQ(fs_flock(t.b, (int)t.fb, FS_LOCK_SH | FS_LOCK_NB), 0);
    CHECK_EQ(fs_flock(t.a, (int)t.fa, FS_LOCK_UN), 0);
    CHECK_EQ(fs_flock(t.a, (int)t.fa, 0), -FS_EINVAL);
    CHECK_EQ(fs_flock(t.a, 77, FS_LOCK_SH), -FS_EBADF);
    fs_proc_exit(c);
    teardown(&t);
}
