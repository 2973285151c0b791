/*
 * fsstress.c: many processes at once on the ext2 root (libos.ext2.stress, libos.ext2.killwrite;
 * libos/ext2/tests/stress_boot_test.py). Two modes:
 *
 *   fsstress [N [OPS]]  N processes (default 4) fork from one parent; each makes OPS random
 *       operations (default 600) on its own files: create and write a known pattern (in chunks
 *       of random sizes, some files past the 12 direct blocks), rename across its two own
 *       directories and the one all share, hard links, truncate (shorter and longer), rewrite,
 *       fsync, unlink; every so often it reads a file back (every byte, its size and link
 *       count) and lists the shared directory (its own names there, exactly). At the end each
 *       reads back all its files, prints one "fsstress: file" line per live file (names,
 *       length, pattern seed) and its counts; the parent prints "fsstress: ok ..." or the
 *       failures. The host runs e2fsck -fn on the image and compares every listed file's bytes
 *       (debugfs rdump) with the pattern.
 *   fsstress killwrite  one writer: files written, fsync'ed, then announced with their SHA-256
 *       ("fsstress: synced NAME LEN SHA"), with larger unsynced writes in between; it never
 *       ends. The host kills QEMU in the middle, runs e2fsck -p, e2fsck -fn, and reads every
 *       announced file back.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROOT "/fsstress.d" /* (/fsstress is the program) */
#define MAXF 48            /* live files a worker keeps */
#define MAXLEN 90000       /* the longest file: past 12 direct 4 KiB blocks into the indirect one */
#define NAMELEN 48

/* The byte at offset i of a file written with seed s (the host's check computes the same). */
static unsigned char pat(uint32_t s, uint32_t i)
{
    return (unsigned char)(i * 131u + (i >> 9) * 7u + s * 29u + (s >> 5));
}

static uint32_t rng_state;
static uint32_t rnd(uint32_t n) /* 0..n-1, xorshift32 */
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x % n;
}

struct file {
    int used;
    char name[2][NAMELEN]; /* its names (relative to ROOT); name[1][0] == 0: one link */
    uint32_t len;          /* its size */
    uint32_t valid;        /* bytes [0, valid) are pat(seed, i); [valid, len) are zero */
    uint32_t seed;
};

static struct file *files;
static unsigned char *buf; /* MAXLEN bytes */
static int me, fails;
static unsigned serial, seeds;
static struct {
    unsigned create, write, rename, replace, link, unlink, truncate, fsync, verify, list;
} n;

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        printf("fsstress: worker %d: FAIL line %d: ", me, __LINE__);                               \
        printf(__VA_ARGS__);                                                                       \
        printf(" (errno %d)\n", errno);                                                            \
        fails++;                                                                                   \
    } while (0)

static const char *dirs[3] = {"a", "b", "shared"};

static void path_of(char *out, const char *name)
{
    snprintf(out, 96, ROOT "/%s", name);
}

/* A new name of ours in a random directory (own a, own b or shared). */
static void new_name(char *out)
{
    int d = (int)rnd(3);
    if (d == 2)
        snprintf(out, NAMELEN, "shared/w%d_%u", me, serial++);
    else
        snprintf(out, NAMELEN, "p%d%s/f%u", me, dirs[d], serial++);
}

/* Writes [from, to) of the pattern at those offsets, in chunks of random sizes. */
static int write_pattern(int fd, uint32_t seed, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i < to; i++)
        buf[i - from] = pat(seed, i);
    uint32_t off = from;
    while (off < to) {
        uint32_t chunk = 1 + rnd(rnd(4) == 0 ? 20000 : 5000);
        if (chunk > to - off)
            chunk = to - off;
        ssize_t w = pwrite(fd, buf + (off - from), chunk, off);
        if (w != (ssize_t)chunk) {
            FAIL("pwrite %u at %u: %zd", chunk, off, w);
            return -1;
        }
        off += chunk;
        n.write++;
    }
    return 0;
}

static uint32_t new_len(void)
{
    switch (rnd(8)) {
    case 0:
        return 0;
    case 1:
        return MAXLEN - rnd(30000);
    default:
        return rnd(9000);
    }
}

static void op_create(void)
{
    int k = 0;
    while (k < MAXF && files[k].used)
        k++;
    if (k == MAXF)
        return;
    struct file *f = &files[k];
    memset(f, 0, sizeof *f);
    new_name(f->name[0]);
    f->seed = ++seeds * 1000u + (uint32_t)me;
    f->len = f->valid = new_len();
    char p[96];
    path_of(p, f->name[0]);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0) {
        FAIL("create %s", p);
        return;
    }
    f->used = 1;
    n.create++;
    write_pattern(fd, f->seed, 0, f->len);
    if (rnd(8) == 0) {
        if (fsync(fd) != 0)
            FAIL("fsync %s", p);
        n.fsync++;
    }
    if (close(fd) != 0)
        FAIL("close %s", p);
}

static struct file *pick(void)
{
    int live[MAXF], k = 0;
    for (int i = 0; i < MAXF; i++)
        if (files[i].used)
            live[k++] = i;
    return k ? &files[live[rnd((uint32_t)k)]] : NULL;
}

static int nlinks(const struct file *f)
{
    return f->name[1][0] ? 2 : 1;
}

static void verify(const struct file *f)
{
    char p[96];
    path_of(p, f->name[rnd((uint32_t)nlinks(f))]);
    struct stat st;
    if (stat(p, &st) != 0) {
        FAIL("stat %s", p);
        return;
    }
    if (st.st_size != (off_t)f->len || st.st_nlink != (nlink_t)nlinks(f) || !S_ISREG(st.st_mode))
        FAIL("%s: size %ld links %ld, want %u %d", p, (long)st.st_size, (long)st.st_nlink, f->len,
             nlinks(f));
    int fd = open(p, O_RDONLY);
    if (fd < 0) {
        FAIL("open %s", p);
        return;
    }
    uint32_t got = 0;
    ssize_t r;
    while (got < MAXLEN && (r = read(fd, buf + got, MAXLEN - got)) > 0)
        got += (uint32_t)r;
    close(fd);
    if (got != f->len) {
        FAIL("%s: read %u bytes, want %u", p, got, f->len);
        return;
    }
    for (uint32_t i = 0; i < got; i++)
        if (buf[i] != (i < f->valid ? pat(f->seed, i) : 0)) {
            FAIL("%s: byte %u is %u, want %u", p, i, buf[i], i < f->valid ? pat(f->seed, i) : 0);
            return;
        }
    n.verify++;
}

static void op_rename(void)
{
    struct file *f = pick();
    if (!f)
        return;
    int which = (int)rnd((uint32_t)nlinks(f));
    char from[96], to[96], name[NAMELEN];
    new_name(name);
    struct file *victim = NULL;
    if (rnd(4) == 0) { /* onto another live file of ours with one name: it is replaced */
        victim = pick();
        if (victim == f || nlinks(victim) != 1)
            victim = NULL;
        else
            memcpy(name, victim->name[0], NAMELEN);
    }
    path_of(from, f->name[which]);
    path_of(to, name);
    if (rename(from, to) != 0) {
        FAIL("rename %s %s", from, to);
        return;
    }
    memcpy(f->name[which], name, NAMELEN);
    if (victim) {
        victim->used = 0;
        n.replace++;
    }
    n.rename++;
}

static void op_link(void)
{
    struct file *f = pick();
    if (!f)
        return;
    char from[96], to[96];
    if (nlinks(f) == 1) {
        new_name(f->name[1]);
        path_of(from, f->name[0]);
        path_of(to, f->name[1]);
        if (link(from, to) != 0) {
            FAIL("link %s %s", from, to);
            f->name[1][0] = 0;
        }
        n.link++;
        return;
    }
    int which = (int)rnd(2); /* two names: one goes */
    path_of(from, f->name[which]);
    if (unlink(from) != 0)
        FAIL("unlink %s", from);
    if (which == 0)
        memcpy(f->name[0], f->name[1], NAMELEN);
    f->name[1][0] = 0;
    n.unlink++;
}

static void op_unlink(void)
{
    struct file *f = pick();
    if (!f)
        return;
    char p[96];
    for (int i = nlinks(f) - 1; i >= 0; i--) {
        path_of(p, f->name[i]);
        if (unlink(p) != 0)
            FAIL("unlink %s", p);
    }
    f->used = 0;
    n.unlink++;
    struct stat st;
    if (stat(p, &st) == 0 || errno != ENOENT)
        FAIL("%s still there", p);
}

static void op_truncate(void)
{
    struct file *f = pick();
    if (!f)
        return;
    char p[96];
    path_of(p, f->name[0]);
    uint32_t len = rnd(3) == 0 ? f->len + rnd(20000) : rnd(f->len + 1);
    if (len > MAXLEN)
        len = MAXLEN;
    if (truncate(p, len) != 0) {
        FAIL("truncate %s %u", p, len);
        return;
    }
    f->len = len;
    if (f->valid > len)
        f->valid = len;
    n.truncate++;
}

/* New contents: O_TRUNC and a new pattern, or more of the pattern at the end when it is whole. */
static void op_write(void)
{
    struct file *f = pick();
    if (!f)
        return;
    char p[96];
    path_of(p, f->name[rnd((uint32_t)nlinks(f))]);
    int append = f->valid == f->len && f->len < MAXLEN && rnd(2);
    int fd = open(p, append ? O_WRONLY : O_WRONLY | O_TRUNC);
    if (fd < 0) {
        FAIL("open %s", p);
        return;
    }
    uint32_t from = 0, to;
    if (append) {
        from = f->len;
        to = from + 1 + rnd(12000);
        if (to > MAXLEN)
            to = MAXLEN;
    } else {
        f->seed = ++seeds * 1000u + (uint32_t)me;
        f->len = f->valid = 0;
        to = new_len();
    }
    if (write_pattern(fd, f->seed, from, to) == 0)
        f->len = f->valid = to;
    if (rnd(4) == 0) {
        if (fdatasync(fd) != 0)
            FAIL("fdatasync %s", p);
        n.fsync++;
    }
    close(fd);
}

/* Our names in the shared directory, exactly (the others' come and go meanwhile). */
static void op_list(void)
{
    DIR *d = opendir(ROOT "/shared");
    if (!d) {
        FAIL("opendir shared");
        return;
    }
    char prefix[16];
    int plen = snprintf(prefix, sizeof prefix, "w%d_", me);
    int seen = 0, want = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, (size_t)plen) != 0)
            continue;
        int found = 0;
        for (int i = 0; i < MAXF && !found; i++)
            for (int j = 0; files[i].used && j < nlinks(&files[i]); j++)
                found |= strcmp(files[i].name[j] + 7, e->d_name) == 0 &&
                         strncmp(files[i].name[j], "shared/", 7) == 0;
        if (!found)
            FAIL("shared/%s is not ours", e->d_name);
        seen++;
    }
    closedir(d);
    for (int i = 0; i < MAXF; i++)
        for (int j = 0; files[i].used && j < nlinks(&files[i]); j++)
            want += strncmp(files[i].name[j], "shared/", 7) == 0;
    if (seen != want)
        FAIL("shared: %d names of ours, want %d", seen, want);
    n.list++;
}

static int worker(int ops)
{
    rng_state = 0x9e3779b9u * (uint32_t)(me + 1);
    files = calloc(MAXF, sizeof *files);
    buf = malloc(MAXLEN);
    char p[96];
    for (int d = 0; d < 2; d++) {
        snprintf(p, sizeof p, ROOT "/p%d%s", me, dirs[d]);
        if (mkdir(p, 0755) != 0)
            FAIL("mkdir %s", p);
    }
    for (int i = 0; i < ops && fails < 5; i++) {
        uint32_t r = rnd(100);
        if (r < 30)
            op_create();
        else if (r < 42)
            op_rename();
        else if (r < 50)
            op_link();
        else if (r < 68)
            op_unlink();
        else if (r < 76)
            op_truncate();
        else if (r < 86)
            op_write();
        else if (r < 97) {
            struct file *f = pick();
            if (f)
                verify(f);
        } else
            op_list();
    }
    op_list();
    int live = 0;
    unsigned long bytes = 0;
    for (int i = 0; i < MAXF; i++)
        if (files[i].used) {
            verify(&files[i]);
            printf("fsstress: file %s %s %u %u %u\n", files[i].name[0],
                   files[i].name[1][0] ? files[i].name[1] : "-", files[i].len, files[i].valid,
                   files[i].seed);
            live++;
            bytes += files[i].len;
        }
    printf("fsstress: worker %d: %u creates, %u writes, %u renames (%u replacing), %u links, %u "
           "unlinks, %u truncates, %u syncs, %u verified, %u lists; %d files, %lu bytes, %d "
           "failures\n",
           me, n.create, n.write, n.rename, n.replace, n.link, n.unlink, n.truncate, n.fsync,
           n.verify, n.list, live, bytes, fails);
    fflush(stdout);
    return fails ? 1 : 0;
}

/* SHA-256 (FIPS 180-4), for the killwrite mode's announcements. */
static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t ror(uint32_t x, int n)
{
    return x >> n | x << (32 - n);
}

static void sha_block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64], v[8];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++)
        w[i] = w[i - 16] + (ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3)) + w[i - 7] +
               (ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10));
    memcpy(v, h, sizeof v);
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = v[7] + (ror(v[4], 6) ^ ror(v[4], 11) ^ ror(v[4], 25)) +
                      ((v[4] & v[5]) ^ (~v[4] & v[6])) + K[i] + w[i];
        uint32_t t2 = (ror(v[0], 2) ^ ror(v[0], 13) ^ ror(v[0], 22)) +
                      ((v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, 7 * sizeof v[0]);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        h[i] += v[i];
}

static void sha256_hex(const unsigned char *data, size_t len, char out[65])
{
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    size_t i = 0;
    for (; i + 64 <= len; i += 64)
        sha_block(h, data + i);
    unsigned char tail[128] = {0};
    size_t rest = len - i, tl = rest + 9 <= 64 ? 64 : 128;
    memcpy(tail, data + i, rest);
    tail[rest] = 0x80;
    for (int b = 0; b < 8; b++)
        tail[tl - 1 - b] = (unsigned char)((uint64_t)len * 8 >> (8 * b));
    for (size_t j = 0; j < tl; j += 64)
        sha_block(h, tail + j);
    for (int k = 0; k < 8; k++)
        snprintf(out + 8 * k, 9, "%08x", h[k]);
}

/* Never ends: synced files announced, unsynced ones written between them. */
static int killwrite(void)
{
    rng_state = 12345;
    buf = malloc(MAXLEN * 2);
    if (mkdir(ROOT "/kw", 0755) != 0 && errno != EEXIST)
        FAIL("mkdir kw");
    for (unsigned k = 0;; k++) {
        char p[96], hex[65];
        /* a synced file: written, fsync'ed, closed, then announced */
        uint32_t len = 1 + rnd(MAXLEN - 1);
        for (uint32_t i = 0; i < len; i++)
            buf[i] = pat(k, i);
        snprintf(p, sizeof p, ROOT "/kw/s%u", k);
        int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0 || write(fd, buf, len) != (ssize_t)len || fsync(fd) != 0 || close(fd) != 0) {
            FAIL("synced file %s", p);
            return 1;
        }
        sha256_hex(buf, len, hex);
        printf("fsstress: synced kw/s%u %u %s\n", k, len, hex);
        fflush(stdout);
        /* unsynced work: a big file rewritten and grown, another renamed and removed */
        snprintf(p, sizeof p, ROOT "/kw/u%u", k % 4);
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        for (uint32_t off = 0; fd >= 0 && off < MAXLEN * 2; off += 8192)
            if (write(fd, buf, 8192) != 8192)
                FAIL("unsynced write %s", p);
        if (fd >= 0)
            close(fd);
        char q[96];
        snprintf(q, sizeof q, ROOT "/kw/r%u", k);
        if (rename(p, q) != 0 || unlink(q) != 0)
            FAIL("rename/unlink %s", q);
        if (k >= 6) { /* the synced files from long ago are removed (the list stays short) */
            snprintf(p, sizeof p, ROOT "/kw/s%u", k - 6);
            if (unlink(p) != 0)
                FAIL("unlink %s", p);
            printf("fsstress: removed kw/s%u\n", k - 6);
            fflush(stdout);
        }
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "killwrite") == 0) {
        mkdir(ROOT, 0755);
        return killwrite();
    }
    int procs = argc > 1 ? atoi(argv[1]) : 4, ops = argc > 2 ? atoi(argv[2]) : 600;
    if (procs < 1 || procs > 16 || ops < 1) {
        printf("fsstress: usage: fsstress [N (1-16) [OPS]] | killwrite\n");
        return 2;
    }
    if (mkdir(ROOT, 0755) != 0 || mkdir(ROOT "/shared", 0755) != 0) {
        printf("fsstress: mkdir " ROOT ": errno %d\n", errno);
        return 1;
    }
    for (int i = 0; i < procs; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            me = i;
            _exit(worker(ops));
        }
        if (pid < 0) {
            printf("fsstress: fork: errno %d\n", errno);
            return 1;
        }
    }
    int bad = 0, status;
    for (int i = 0; i < procs; i++) {
        pid_t pid = wait(&status);
        if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            printf("fsstress: a worker (pid %d) ended with status 0x%x\n", (int)pid, status);
            bad++;
        }
    }
    sync();
    if (bad)
        printf("fsstress: %d of %d workers failed\n", bad, procs);
    else
        printf("fsstress: ok: %d workers, %d operations each\n", procs, ops);
    return bad != 0;
}
