/*
 * test_io.c: bytes through descriptors (libos/fs/io.c, open.c, ramfs.c): open flags (O_CREAT,
 * O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY, access modes), read/write/pread/pwrite/lseek with
 * their errors, holes reading as zeros, files over many pages, truncate, getdents64 records.
 */
#include <check.h>

#include "host_hooks.h"

#include <string.h>

TEST_CASE(open_flags)
{
    struct fs_proc *p = host_proc("open");
    struct fs_stat st;
    CHECK_EQ(fs_open(p, "f", FS_O_RDONLY, 0), -FS_ENOENT);
    long fd = fs_open(p, "f", FS_O_WRONLY | FS_O_CREAT | FS_O_EXCL, 0666);
    CHECK_EQ(fd, 0);
    CHECK_EQ(fs_fstat(p, (int)fd, &st), 0);
    CHECK_EQ(st.st_mode, FS_S_IFREG | 0644); /* umask 022 */
    CHECK_EQ(st.st_nlink, 1);
    CHECK_EQ(st.st_size, 0);
    CHECK_EQ(fs_open(p, "f", FS_O_WRONLY | FS_O_CREAT | FS_O_EXCL, 0666), -FS_EEXIST);
    CHECK_EQ(fs_write(p, (int)fd, "hello", 5), 5);
    char buf[16];
    CHECK_EQ(fs_read(p, (int)fd, buf, 5), -FS_EBADF); /* write-only */
    long r = fs_open(p, "f", FS_O_RDONLY, 0);
    CHECK_EQ(fs_write(p, (int)r, "x", 1), -FS_EBADF);
    CHECK_EQ(fs_read(p, (int)r, buf, sizeof buf), 5);
    CHECK_EQ(fs_read(p, (int)r, buf, sizeof buf), 0);
    CHECK_EQ(fs_open(p, "f", FS_O_RDWR | FS_O_TRUNC, 0), 2);
    CHECK_EQ(fs_stat(p, "f", &st), 0);
    CHECK_EQ(st.st_size, 0);
    CHECK_EQ(fs_open(p, "f", 3, 0), -FS_EINVAL);
    CHECK_EQ(fs_mkdir(p, "d", 0755), 0);
    CHECK_EQ(fs_open(p, "d", FS_O_WRONLY, 0), -FS_EISDIR);
    CHECK_EQ(fs_open(p, "d", FS_O_RDWR, 0), -FS_EISDIR);
    CHECK_EQ(fs_open(p, "d", FS_O_RDONLY | FS_O_CREAT, 0644), -FS_EISDIR);
    CHECK_EQ(fs_open(p, "d", FS_O_RDONLY | FS_O_TRUNC, 0), -FS_EISDIR);
    CHECK_EQ(fs_open(p, "new/", FS_O_RDWR | FS_O_CREAT, 0644), -FS_EISDIR);
    CHECK_EQ(fs_open(p, "/", FS_O_RDONLY | FS_O_CREAT, 0644), -FS_EISDIR);
    long dfd = fs_open(p, "d", FS_O_RDONLY, 0);
    CHECK_EQ(fs_read(p, (int)dfd, buf, 1), -FS_EISDIR);
    CHECK_EQ(fs_open(p, "nodir/f", FS_O_RDWR | FS_O_CREAT, 0644), -FS_ENOENT);
    long pf = fs_open(p, "f", FS_O_PATH, 0);
    CHECK_EQ(fs_read(p, (int)pf, buf, 1), -FS_EBADF);
    CHECK_EQ(fs_fstat(p, (int)pf, &st), 0);
    fs_proc_exit(p);
}

TEST_CASE(append_and_offsets)
{
    struct fs_proc *p = host_proc("append");
    long a = fs_open(p, "log", FS_O_WRONLY | FS_O_CREAT | FS_O_APPEND, 0644);
    long b = fs_open(p, "log", FS_O_WRONLY | FS_O_APPEND, 0);
    CHECK_EQ(fs_write(p, (int)a, "one ", 4), 4);
    CHECK_EQ(fs_write(p, (int)b, "two ", 4), 4);
    CHECK_EQ(fs_write(p, (int)a, "three", 5), 5);
    CHECK_EQ(fs_lseek(p, (int)a, 0, FS_SEEK_SET), 0);
    CHECK_EQ(fs_write(p, (int)a, "!", 1), 1);     /* O_APPEND: at the end still */
    CHECK_EQ(fs_pwrite(p, (int)a, "?", 1, 0), 1); /* Linux appends pwrite too */
    char buf[32];
    CHECK_EQ(host_get(p, "log", buf, sizeof buf), 15);
    CHECK_STR(buf, "one two three!?");
    fs_proc_exit(p);
}

TEST_CASE(seek_and_holes)
{
    struct fs_proc *p = host_proc("seek");
    long fd = fs_open(p, "f", FS_O_RDWR | FS_O_CREAT, 0644);
    CHECK_EQ(fs_lseek(p, (int)fd, 10000, FS_SEEK_SET), 10000);
    CHECK_EQ(fs_write(p, (int)fd, "end", 3), 3);
    CHECK_EQ(fs_lseek(p, (int)fd, 0, FS_SEEK_END), 10003);
    CHECK_EQ(fs_lseek(p, (int)fd, -3, FS_SEEK_CUR), 10000);
    CHECK_EQ(fs_lseek(p, (int)fd, -20000, FS_SEEK_CUR), -FS_EINVAL);
    CHECK_EQ(fs_lseek(p, (int)fd, 0, 7), -FS_EINVAL);
    CHECK_EQ(fs_lseek(p, (int)fd, 0x7fffffffffffffffll, FS_SEEK_END), -FS_EOVERFLOW);
    CHECK_EQ(fs_lseek(p, (int)fd, 5, FS_SEEK_DATA), 5);
    CHECK_EQ(fs_lseek(p, (int)fd, 5, FS_SEEK_HOLE), 10003);
    CHECK_EQ(fs_lseek(p, (int)fd, 10003, FS_SEEK_DATA), -FS_ENXIO);
    static char buf[10003];
    memset(buf, 0x55, sizeof buf);
    CHECK_EQ(fs_pread(p, (int)fd, buf, sizeof buf, 0), 10003);
    int zeros = 1;
    for (int i = 0; i < 10000; i++)
        zeros &= buf[i] == 0;
    CHECK_EQ(zeros, 1);
    CHECK_EQ(memcmp(buf + 10000, "end", 3), 0);
    CHECK_EQ(fs_pread(p, (int)fd, buf, 10, 20000), 0);
    CHECK_EQ(fs_pread(p, (int)fd, buf, 10, -1), -FS_EINVAL);
    CHECK_EQ(fs_pwrite(p, (int)fd, "x", 1, -1), -FS_EINVAL);
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    CHECK_EQ(fs_lseek(p, fds[0], 0, FS_SEEK_SET), -FS_ESPIPE);
    CHECK_EQ(fs_pread(p, fds[0], buf, 1, 0), -FS_ESPIPE);
    CHECK_EQ(fs_pwrite(p, fds[1], buf, 1, 0), -FS_ESPIPE);
    fs_proc_exit(p);
}

TEST_CASE(big_file_and_truncate)
{
    struct fs_proc *p = host_proc("big");
    long fd = fs_open(p, "f", FS_O_RDWR | FS_O_CREAT, 0644);
    static unsigned char data[3 * 1024 * 1024 + 123], back[sizeof data];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (unsigned char)(i * 131 + (i >> 12));
    CHECK_EQ(fs_write(p, (int)fd, data, sizeof data), (long)sizeof data);
    CHECK_EQ(fs_pread(p, (int)fd, back, sizeof back, 0), (long)sizeof back);
    CHECK_EQ(memcmp(data, back, sizeof data), 0);
    struct fs_stat st;
    CHECK_EQ(fs_fstat(p, (int)fd, &st), 0);
    CHECK_EQ(st.st_size, (long)sizeof data);
    CHECK_EQ(st.st_blocks, (long)((sizeof data + 4095) / 4096 * 8));
    CHECK_EQ(fs_ftruncate(p, (int)fd, 5000), 0);
    CHECK_EQ(fs_ftruncate(p, (int)fd, 9000), 0); /* growing: zeros, not the old bytes */
    CHECK_EQ(fs_pread(p, (int)fd, back, 9000, 0), 9000);
    CHECK_EQ(memcmp(back, data, 5000), 0);
    int zeros = 1;
    for (int i = 5000; i < 9000; i++)
        zeros &= back[i] == 0;
    CHECK_EQ(zeros, 1);
    CHECK_EQ(fs_ftruncate(p, (int)fd, -1), -FS_EINVAL);
    CHECK_EQ(fs_truncate(p, "f", 3), 0);
    CHECK_EQ(fs_fstat(p, (int)fd, &st), 0);
    CHECK_EQ(st.st_size, 3);
    CHECK_EQ(fs_truncate(p, ".", 0), -FS_EISDIR);
    CHECK_EQ(fs_truncate(p, "nothere", 0), -FS_ENOENT);
    long ro = fs_open(p, "f", FS_O_RDONLY, 0);
    CHECK_EQ(fs_ftruncate(p, (int)ro, 0), -FS_EINVAL);
    CHECK_EQ(fs_ftruncate(p, 99, 0), -FS_EBADF);
    CHECK_EQ(fs_pwrite(p, (int)fd, "x", 1, (1ll << 30)), -FS_EFBIG); /* ramfs: 1 GiB */
    fs_proc_exit(p);
}

TEST_CASE(out_of_pages)
{
    struct fs_proc *p = host_proc("nospace");
    long fd = fs_open(p, "f", FS_O_RDWR | FS_O_CREAT, 0644);
    static char data[5 * 4096];
    CHECK_EQ(fs_write(p, (int)fd, data, 10), 10); /* the tables exist now */
    host_fail_pages = 2;
    CHECK_EQ(fs_write(p, (int)fd, data, sizeof data), 3 * 4096 - 10); /* page 0 and 2 more */
    CHECK_EQ(fs_write(p, (int)fd, data, 10), -FS_ENOSPC);
    host_fail_pages = -1;
    CHECK_EQ(fs_write(p, (int)fd, data, 10), 10);
    fs_proc_exit(p);
}

static int has(const char *buf, long n, const char *name, uint8_t type)
{
    for (long off = 0; off < n;) {
        const struct fs_dirent64 *d = (const void *)(buf + off);
        if (strcmp(d->d_name, name) == 0)
            return d->d_type == type;
        off += d->d_reclen;
    }
    return 0;
}

TEST_CASE(getdents)
{
    struct fs_proc *p = host_proc("dents");
    CHECK_EQ(fs_mkdir(p, "d", 0755), 0);
    CHECK_EQ(host_put(p, "d/file", "x"), 0);
    CHECK_EQ(fs_mkdir(p, "d/sub", 0755), 0);
    CHECK_EQ(fs_symlink(p, "file", "d/link"), 0);
    CHECK_EQ(fs_mkfifo(p, "d/fifo", 0644), 0);
    long fd = fs_open(p, "d", FS_O_RDONLY | FS_O_DIRECTORY, 0);
    static _Alignas(8) char buf[4096];
    long n = fs_getdents64(p, (int)fd, buf, sizeof buf);
    /* ".", "..", file, sub, link, fifo: 24 bytes each (19-byte head + name + NUL, rounded) */
    CHECK_EQ(n, 6 * 24);
    CHECK_EQ(has(buf, n, ".", FS_DT_DIR), 1);
    CHECK_EQ(has(buf, n, "..", FS_DT_DIR), 1);
    CHECK_EQ(has(buf, n, "file", FS_DT_REG), 1);
    CHECK_EQ(has(buf, n, "sub", FS_DT_DIR), 1);
    CHECK_EQ(has(buf, n, "link", FS_DT_LNK), 1);
    CHECK_EQ(has(buf, n, "fifo", FS_DT_FIFO), 1);
    CHECK_EQ(fs_getdents64(p, (int)fd, buf, sizeof buf), 0);
    /* Small buffers: one record at a time; too small for one: EINVAL. */
    CHECK_EQ(fs_lseek(p, (int)fd, 0, FS_SEEK_SET), 0);
    CHECK_EQ(fs_getdents64(p, (int)fd, buf, 10), -FS_EINVAL);
    CHECK_EQ(fs_getdents64(p, (int)fd, buf, 30), 24);
    CHECK_STR(((struct fs_dirent64 *)buf)->d_name, ".");
    CHECK_EQ(fs_getdents64(p, (int)fd, buf, 30), 24);
    CHECK_STR(((struct fs_dirent64 *)buf)->d_name, "..");
    /* Removing an entry already read does not make the next one skip or repeat. */
    CHECK_EQ(fs_getdents64(p, (int)fd, buf, 30), 24);
    CHECK_STR(((struct fs_dirent64 *)buf)->d_name, "file");
    CHECK_EQ(fs_unlink(p, "d/file"), 0);
    CHECK_EQ(fs_getdents64(p, (int)fd, buf, 30), 24);
    CHECK_STR(((struct fs_dirent64 *)buf)->d_name, "sub");
    long f = fs_open(p, "d/link", FS_O_RDONLY, 0);
    CHECK_EQ(f, -FS_ENOENT); /* dangling now */
    CHECK_EQ(fs_getdents64(p, 1, buf, sizeof buf), -FS_EBADF);
    CHECK_EQ(host_put(p, "plain", "x"), 0);
    long pf = fs_open(p, "plain", FS_O_RDONLY, 0);
    CHECK_EQ(fs_getdents64(p, (int)pf, buf, sizeof buf), -FS_ENOTDIR);
    fs_proc_exit(p);
}

/* An O_APPEND write that travels in pieces (pm's mailbox is smaller than a write): its range
 * is reserved at its first piece, appends meanwhile go after it, the pieces fill it in order,
 * and anything out of order is EINVAL; not O_APPEND, nothing is reserved. */
TEST_CASE(append_in_pieces)
{
    struct fs_proc *p = host_proc("pieces");
    long fd = fs_open(p, "log", FS_O_RDWR | FS_O_CREAT | FS_O_APPEND, 0644);
    CHECK_EQ(fs_write(p, (int)fd, "0123", 4), 4);
    struct fs_proc *q = fs_proc_fork(p); /* the same description, another process */
    uint64_t at;
    CHECK_EQ(fs_append_begin(p, (int)fd, "AAA", 3, 9, &at), 3);
    CHECK_EQ(at, 7);
    CHECK_EQ(fs_write(q, (int)fd, "bb", 2), 2); /* lands past the reservation */
    uint64_t qat;
    CHECK_EQ(fs_append_begin(q, (int)fd, "cc", 2, 4, &qat), 2); /* and another after that */
    CHECK_EQ(qat, 17);
    CHECK_EQ(fs_append_more(p, (int)fd, "AAA", 3, 8), -FS_EINVAL);     /* not where it ended */
    CHECK_EQ(fs_append_more(q, (int)fd, "AAA", 3, 7), -FS_EINVAL);     /* not q's */
    CHECK_EQ(fs_append_more(p, (int)fd, "AAAAAAA", 7, 7), -FS_EINVAL); /* past its end */
    CHECK_EQ(fs_append_more(p, (int)fd, "AAA", 3, 7), 3);
    CHECK_EQ(fs_append_more(p, (int)fd, "AAA", 3, 10), 3); /* the last piece ends it */
    CHECK_EQ(p->resv == NULL, 1);
    CHECK_EQ(fs_lseek(p, (int)fd, 0, FS_SEEK_CUR), 13); /* the offset follows the pieces */
    CHECK_EQ(fs_append_more(q, (int)fd, "cc", 2, 17), 2);
    CHECK_EQ(fs_write(p, (int)fd, "z", 1), 1);
    char buf[32] = {0};
    CHECK_EQ(fs_pread(p, (int)fd, buf, sizeof buf, 0), 20);
    CHECK_EQ(memcmp(buf, "0123AAAAAAAAAbbcccc", 19), 0);
    CHECK_EQ(buf[19], 'z');
    /* A process that ends mid-write gives its reservation up: its record stays short and the
     * next append goes at the end of what is there, as after a short write on Linux. */
    CHECK_EQ(fs_append_begin(q, (int)fd, "dd", 2, 6, &qat), 2);
    CHECK_EQ(qat, 22);
    struct fs_stat st;
    CHECK_EQ(fs_write(p, (int)fd, "e", 1), 1); /* while q lives: after its range */
    CHECK_EQ(fs_fstat(p, (int)fd, &st), 0);
    CHECK_EQ(st.st_size, 27);
    fs_proc_exit(q);
    CHECK_EQ(fs_write(p, (int)fd, "f", 1), 1); /* nothing reserved now: at the end */
    CHECK_EQ(fs_fstat(p, (int)fd, &st), 0);
    CHECK_EQ(st.st_size, 28);
    /* Without O_APPEND there is nothing to reserve: plain writes at the offset. */
    long fd2 = fs_open(p, "plain", FS_O_RDWR | FS_O_CREAT, 0644);
    CHECK_EQ(fs_append_begin(p, (int)fd2, "xy", 2, 10, &at), 2);
    CHECK_EQ(at, UINT64_MAX);
    fs_proc_exit(p);
}

static int no_room(void)
{
    return 0;
}

/* The embedder's quota on file data (fs_data_room): writes past it are ENOSPC, while opens,
 * pipes, forks and writes into pages already there go on. */
TEST_CASE(data_quota)
{
    struct fs_proc *p = host_proc("quota");
    long fd = fs_open(p, "f", FS_O_RDWR | FS_O_CREAT, 0644);
    CHECK_EQ(fs_write(p, (int)fd, "abc", 3), 3);
    fs_data_room = no_room;
    CHECK_EQ(fs_pwrite(p, (int)fd, "xy", 2, 1), 2); /* inside its page: no new data page */
    CHECK_EQ(fs_pwrite(p, (int)fd, "z", 1, 8192), -FS_ENOSPC);
    long fd2 = fs_open(p, "g", FS_O_RDWR | FS_O_CREAT, 0644);
    CHECK_EQ(fd2 >= 0, 1);
    CHECK_EQ(fs_write(p, (int)fd2, "a", 1), -FS_ENOSPC);
    int fds[2];
    CHECK_EQ(fs_pipe2(p, fds, 0), 0);
    struct fs_proc *c = fs_proc_fork(p);
    CHECK_EQ(c != NULL, 1);
    fs_proc_exit(c);
    fs_data_room = NULL;
    CHECK_EQ(fs_write(p, (int)fd2, "a", 1), 1);
    fs_proc_exit(p);
}
