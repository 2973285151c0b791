/*
 * procfs.c: /proc, synthesized by pm (built into los_pm): a file system type for the VFS whose
 * files are made at each read from what pm knows (its process table, each process's argv and
 * file state) and what exo says (free pages, each env's mapped pages through page_next and
 * page_lookup, its call, run and CPU-time counts, the machine's CPUs and RAM). Linux's formats,
 * as busybox's ps, top, free, uptime and df parse them: meminfo, cpuinfo, uptime, loadavg,
 * mounts, stat, version, self (a symlink to the caller's pid), and per pid stat, status,
 * cmdline, comm, environ (as at its exec, cut), maps, cwd and exe (symlinks) and fd/ (a symlink per
 * descriptor: libos/fs/fdpath.c); /proc/tessera lists envs and page ownership (exo's own
 * numbers) and, from exo's observe call, who holds each virtio device, queue and interrupt
 * vector, with their interrupt counts; /proc/net/{dev,route,if_inet6,tcp,tcp6,udp,udp6} are
 * Linux's, from pm's lwIP (libos/net/pm_netif.c), and /proc/net/unix from the AF_UNIX sockets.
 * Read-only: every change is EACCES by the VFS's permission checks (mode 0444/0555). A file's bytes
 * are made whole at each read and the asked range copied out, so a reader reading in pieces may see
 * two moments (as on Linux). A process shows once its env has run (pm_visible); a /proc/PID file
 * names one process (its pm generation): once that one is gone it reads ESRCH, even if a new
 * process took its pid. maps, cwd, exe, environ and fd/ are the same user's or root's only
 * (pm_may_inspect: EACCES).
 */
#include <fs/fs.h>
#include <fs/sock.h>
#include <fs/vfs.h>
#include <proc/lnx.h>
#include <proc/pm.h>
#ifdef TESSERA_PM_NET
#include <net/pm_net.h>
#endif

#include <common/printf.h>
#include <los/los.h>

void *fs_alloc(size_t n); /* the file layer's allocator (libos/fs/mem.c) */
void fs_free(void *obj, size_t n);

#define PROC_MAGIC 0x9fa0
#define BUF_BYTES 16384

enum kind {
    ROOT,
    PIDDIR,
    MEMINFO,
    CPUINFO,
    UPTIME,
    LOADAVG,
    MOUNTS,
    STAT,
    VERSION,
    SELF,
    TESSERA,
    NETDIR,      /* /proc/net */
    NET_TESSERA, /* /proc/net/tessera: pm's network configuration (libos/net/pm_net.c) */
    NET_DEV,     /* /proc/net/{dev,route,if_inet6,tcp,tcp6,udp,udp6}: Linux's, from pm's lwIP */
    NET_ROUTE,   /* (libos/net/pm_netif.c, inet_proc.c), in pm_net.h's PM_NET_* order */
    NET_IF_INET6,
    NET_TCP,
    NET_TCP6,
    NET_UDP,
    NET_UDP6,
    NET_UNIX, /* /proc/net/unix: the file layer's AF_UNIX sockets (libos/fs/unix_proc.c) */
    P_STAT,
    P_STATUS,
    P_CMDLINE,
    P_COMM,
    P_ENVIRON,
    P_MAPS,
    P_CWD,
    P_EXE,
    P_FD,    /* the directory fd/ */
    P_FDENT, /* one descriptor in it (its number in the vnode's priv) */
    NKINDS
};

static const struct {
    const char *name;
    int per_pid; /* 0: in /proc, 1: in /proc/PID, 2: in /proc/net */
} files[NKINDS] = {
    [MEMINFO] = {"meminfo", 0},   [CPUINFO] = {"cpuinfo", 0},     [UPTIME] = {"uptime", 0},
    [LOADAVG] = {"loadavg", 0},   [MOUNTS] = {"mounts", 0},       [STAT] = {"stat", 0},
    [VERSION] = {"version", 0},   [SELF] = {"self", 0},           [TESSERA] = {"tessera", 0},
    [NETDIR] = {"net", 0},        [NET_TESSERA] = {"tessera", 2}, [P_STAT] = {"stat", 1},
    [NET_DEV] = {"dev", 2},       [NET_ROUTE] = {"route", 2},     [NET_IF_INET6] = {"if_inet6", 2},
    [NET_TCP] = {"tcp", 2},       [NET_TCP6] = {"tcp6", 2},       [NET_UDP] = {"udp", 2},
    [NET_UDP6] = {"udp6", 2},     [NET_UNIX] = {"unix", 2},       [P_STATUS] = {"status", 1},
    [P_CMDLINE] = {"cmdline", 1}, [P_COMM] = {"comm", 1},         [P_ENVIRON] = {"environ", 1},
    [P_MAPS] = {"maps", 1},       [P_CWD] = {"cwd", 1},           [P_EXE] = {"exe", 1},
    [P_FD] = {"fd", 1},
};

int32_t pm_procfs_caller; /* the pid pm is serving now (pm_fs.c sets it): /proc/self */
static char buf[BUF_BYTES];
static uint64_t used;

static const struct fs_vnode_ops proc_ops;

static void copy(void *d, const void *s, uint64_t n) /* no libc here */
{
    for (uint64_t i = 0; i < n; i++)
        ((volatile uint8_t *)d)[i] = ((const uint8_t *)s)[i];
}

/* A vnode's identity: pid << 16 | fd << 8 | kind (fd for P_FDENT only; pids stay below 2^24);
 * the vnode's priv adds the process's generation above bit 40 (gen_of). */
static uint64_t id_of(int32_t pid, enum kind k, int fd)
{
    return (uint64_t)pid << 16 | (uint64_t)fd << 8 | (uint64_t)k;
}

static uint64_t ino_of(int32_t pid, enum kind k, int fd)
{
    return id_of(pid, k, fd) | 1ull << 60;
}

static char target[FS_PATH_MAX];

static struct pm_proc *proc_of(int32_t pid);
static int may_read(const struct pm_proc *t, enum kind k);

/* A symlink's target into `target`: its length (0 if the process or descriptor is gone, or
 * not the caller's to inspect). */
static long link_target(int32_t pid, enum kind k, int fd)
{
    struct pm_proc *p = pid ? proc_of(pid) : NULL;
    target[0] = 0;
    if (k == SELF)
        return exo_snprintf(target, sizeof target, "%d", pm_procfs_caller);
    if (!p || !may_read(p, k))
        return 0;
    if (k == P_EXE)
        return exo_snprintf(target, sizeof target, "%s", p->exe);
    struct fs_proc *fp = p->part[0];
    if (k == P_FDENT) {
        long n = fp ? fs_fd_path(fp, fd, target, sizeof target - 1) : 0;
        target[n > 0 ? n : 0] = 0;
        return n > 0 ? n : 0;
    }
    long n = fp ? fs_getcwd(fp, target, sizeof target) : -1;
    return n > 0 ? n - 1 : exo_snprintf(target, sizeof target, "/"); /* (its NUL counted) */
}

static int is_link(enum kind k)
{
    return k == SELF || k == P_CWD || k == P_EXE || k == P_FDENT;
}

static long node(struct fs_mount *m, int32_t pid, uint32_t gen, enum kind k, int fd,
                 struct fs_vnode **out)
{
    struct fs_vnode *vn = fs_alloc(sizeof *vn);
    if (!vn)
        return -FS_ENOMEM;
    for (uint64_t i = 0; i < sizeof *vn; i++)
        ((volatile uint8_t *)vn)[i] = 0;
    int dir = k == ROOT || k == PIDDIR || k == P_FD || k == NETDIR;
    vn->ino = ino_of(pid, k, fd);
    vn->mode = dir ? FS_S_IFDIR | 0555 : FS_S_IFREG | 0444;
    vn->nlink = dir ? 2 : 1;
    vn->mnt = m;
    vn->ops = &proc_ops;
    vn->refs = 1;
    vn->priv = (void *)(uintptr_t)(id_of(pid, k, fd) | (uint64_t)(gen & 0xffffff) << 40);
    if (is_link(k)) { /* the walk reads a symlink's size bytes */
        vn->mode = FS_S_IFLNK | (k == P_FDENT ? 0700 : 0777);
        vn->size = (uint64_t)link_target(pid, k, fd);
    }
    fs_vnode_touch(vn, 1, 1, 1);
    *out = vn;
    return 0;
}

static int32_t pid_of(struct fs_vnode *vn)
{
    return (int32_t)((uintptr_t)vn->priv >> 16 & 0xffffff);
}

static uint32_t gen_of(struct fs_vnode *vn)
{
    return (uint32_t)((uint64_t)(uintptr_t)vn->priv >> 40);
}

static int fd_of(struct fs_vnode *vn)
{
    return (int)(((uintptr_t)vn->priv >> 8) & 0xff);
}

static enum kind kind_of(struct fs_vnode *vn)
{
    return (enum kind)((uintptr_t)vn->priv & 0xff);
}

static void put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void put(const char *fmt, ...)
{
    __builtin_va_list ap;
    __builtin_va_start(ap, fmt);
    int n = exo_vsnprintf(buf + used, sizeof buf - used, fmt, ap);
    __builtin_va_end(ap);
    if (n > 0)
        used = used + (uint64_t)n < sizeof buf ? used + (uint64_t)n : sizeof buf - 1;
}

static struct pm_proc *proc_of(int32_t pid)
{
    return pm_proc_visible(pid);
}

/* The process a /proc/PID vnode names if it is still there (not a later one of its pid). */
static struct pm_proc *proc_vn(struct fs_vnode *vn)
{
    struct pm_proc *p = proc_of(pid_of(vn));
    return p && (p->gen & 0xffffff) == gen_of(vn) ? p : NULL;
}

/* What only the same user or root reads (Linux: a ptrace-capable reader). */
static int may_read(const struct pm_proc *t, enum kind k)
{
    if (k != P_MAPS && k != P_CWD && k != P_EXE && k != P_ENVIRON && k != P_FD && k != P_FDENT)
        return 1;
    struct pm_proc *c = pm_proc_by_pid(pm_procfs_caller);
    return c && pm_may_inspect(c, t);
}

/* argv[0]'s last component, at most 15 bytes (Linux's comm). */
static void comm(struct pm_proc *p, char out[16])
{
    const char *a = p->cmdline_len ? p->cmdline : "init";
    const char *b = a;
    for (const char *c = a; *c; c++)
        if (*c == '/')
            b = c + 1;
    int i = 0;
    for (; b[i] && i < 15; i++)
        out[i] = b[i];
    out[i] = 0;
}

/* Pages mapped in p's env (exo's page_next walk). */
static uint64_t env_pages(struct pm_proc *p)
{
    if (p->slot == 0 || !p->msg)
        return 0; /* init walks not itself here: its own count is exo's free pages' mirror */
    uint64_t n = 0;
    for (int64_t va = exo_page_next(p->env_cap, 0); va >= 0 && n < (1u << 24);
         va = exo_page_next(p->env_cap, (uint64_t)va + EXO_PAGE))
        n++;
    return n;
}

static char state_of(struct pm_proc *p)
{
    if (p->e->state == PROC_ZOMBIE)
        return 'Z';
    return p->waits_on ? 'S' : 'R';
}

static void gen_maps(struct pm_proc *p)
{
    if (p->slot == 0 || !p->msg)
        return;
    uint64_t start = 0, end = 0, prot = 0;
    for (int64_t va = exo_page_next(p->env_cap, 0);; va = exo_page_next(p->env_cap, end)) {
        int64_t pte = va >= 0 ? exo_page_lookup(p->env_cap, (uint64_t)va) : -1;
        uint64_t pr = pte >= 0 ? (uint64_t)pte & 7 : 0;
        if (va >= 0 && (uint64_t)va == end && pr == prot && end) {
            end += EXO_PAGE;
            continue;
        }
        if (end)
            put("%08lx-%08lx %c%c%cp 00000000 00:00 0\n", (unsigned long)start, (unsigned long)end,
                prot & EXO_PROT_R ? 'r' : '-', prot & EXO_PROT_W ? 'w' : '-',
                prot & EXO_PROT_X ? 'x' : '-');
        if (va < 0 || used + 80 > sizeof buf)
            break;
        start = (uint64_t)va;
        end = start + EXO_PAGE;
        prot = pr;
    }
}

/* /proc/tessera's second half, from exo's observe call: each virtio device and who holds it
 * whole, each set-up queue's holder (an env id: a process's env in the first table, 0 for
 * exo), chains in flight, vector and the interrupts it took; then every vector an env bound
 * itself (irq_bind) with its binder and count. */
static void tessera_devices(void)
{
    static const char *const types[] = {"?", "net", "blk", "console", "rng", "balloon"};
    put("dev  type     queues  held-whole-by\n");
    for (uint64_t dev = 0;; dev++) {
        int64_t d = exo_observe(EXO_OBSERVE_VDEV, dev);
        if (d < 0)
            break;
        uint64_t type = (uint64_t)d & 0xffff, nq = (uint64_t)d >> 16 & 0xffff;
        put("%-4lu %-8s %-7lu %lu\n", (unsigned long)dev, type < 6 ? types[type] : "?",
            (unsigned long)nq, (unsigned long)((uint64_t)d >> 32));
        for (uint64_t q = 0; q < nq; q++) {
            int64_t v = exo_observe(EXO_OBSERVE_VQ, dev << 16 | q);
            if (v < 0 || !((uint64_t)v >> 56))
                continue; /* never set up */
            uint64_t vec = (uint64_t)v >> 48 & 0xff;
            int64_t n = vec ? exo_observe(EXO_OBSERVE_IRQ_COUNT, vec - 1) : 0;
            put("  queue %lu holder %lu inflight %lu vector %ld interrupts %ld\n", (unsigned long)q,
                (unsigned long)((uint64_t)v & 0xffffffff),
                (unsigned long)((uint64_t)v >> 32 & 0xffff), (long)vec - 1, (long)n);
        }
    }
    for (uint64_t vec = EXO_IRQ_FIRST; vec <= EXO_IRQ_LAST; vec++) {
        int64_t o = exo_observe(EXO_OBSERVE_IRQ, vec);
        if (o > 0 && (o & 0xffffffff))
            put("vector %lu bound by %lu interrupts %ld\n", (unsigned long)vec,
                (unsigned long)(o & 0xffffffff), (long)exo_observe(EXO_OBSERVE_IRQ_COUNT, vec));
    }
}

/* The ticks of 1/100 s (Linux's USER_HZ) p's env has run (exo's env_cputime; its first
 * thread's: pm knows no other). */
static uint64_t cputime_cs(struct pm_proc *p)
{
    uint64_t hz = (uint64_t)exo_clock();
    int64_t t = p->slot && p->msg ? exo_env_cputime(p->env_cap) : 0;
    return hz >= 100 && t > 0 ? (uint64_t)t / (hz / 100) : 0;
}

static uint64_t cpus(void)
{
    int64_t n = exo_machine(EXO_MACHINE_CPUS);
    return n > 0 ? (uint64_t)n : 1;
}

static uint64_t uptime_cs(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    uint64_t hz = (uint64_t)exo_clock();
    return hz ? ((uint64_t)hi << 32 | lo) / (hz / 100) : 0;
}

static int nprocs(int *running)
{
    int n = 0;
    *running = 0;
    for (int s = 0; s < pm_top; s++)
        if (pm_table->e[s].state == PROC_ALIVE) {
            n++;
            *running += !pm_procs[s].waits_on;
        }
    return n;
}

static void gen(int32_t pid, enum kind k)
{
    used = 0;
    buf[0] = 0;
    struct pm_proc *p = pid ? proc_of(pid) : NULL;
    int running, n;
    uint64_t cs = uptime_cs(), freep = (uint64_t)exo_page_count(), ncpu = cpus(), user = 0;
    int64_t all = exo_machine(EXO_MACHINE_PAGES);
    uint64_t total_pages = all > 0 ? (uint64_t)all : freep;
    switch (k) {
    case MEMINFO:
        put("MemTotal:       %8lu kB\nMemFree:        %8lu kB\nMemAvailable:   %8lu kB\n"
            "Buffers:               0 kB\nCached:                0 kB\nSwapCached:            0 "
            "kB\n"
            "SwapTotal:             0 kB\nSwapFree:              0 kB\nShmem:                 0 "
            "kB\n",
            (unsigned long)(total_pages * 4), (unsigned long)(freep * 4),
            (unsigned long)(freep * 4));
        break;
    case CPUINFO: {
        uint32_t v[12];
        __asm__ volatile("cpuid" : "=b"(v[0]), "=d"(v[1]), "=c"(v[2]) : "a"(0));
        char vendor[13];
        copy(vendor, v, 12);
        vendor[12] = 0;
        for (uint64_t i = 0; i < ncpu; i++)
            put("processor\t: %lu\nvendor_id\t: %s\ncpu MHz\t\t: %lu.000\nflags\t\t: fpu sse "
                "sse2\n\n",
                (unsigned long)i, vendor, (unsigned long)((uint64_t)exo_clock() / 1000000));
        break;
    }
    case UPTIME:
        put("%lu.%02lu 0.00\n", (unsigned long)(cs / 100), (unsigned long)(cs % 100));
        break;
    case LOADAVG:
        n = nprocs(&running);
        put("0.00 0.00 0.00 %d/%d %d\n", running, n, n);
        break;
    case MOUNTS:
        for (int i = 0; fs_mount_nth(i); i++) {
            struct fs_mount *m = fs_mount_nth(i);
            put("%s %s %s %s 0 0\n", m->source, m->path, m->type->name, m->ro ? "ro" : "rw");
        }
        break;
    case STAT: /* user: what live processes ran (exo's counts); idle: the rest of every CPU's */
        n = nprocs(&running);
        for (int s = 0; s < pm_top; s++)
            if (pm_table->e[s].state == PROC_ALIVE)
                user += cputime_cs(&pm_procs[s]);
        user = user < cs * ncpu ? user : cs * ncpu;
        put("cpu  %lu 0 0 %lu 0 0 0 0 0 0\n", (unsigned long)user,
            (unsigned long)(cs * ncpu - user));
        for (uint64_t i = 0; i < ncpu; i++) /* (exo counts per env, not per CPU: an even share) */
            put("cpu%lu %lu 0 0 %lu 0 0 0 0 0 0\n", (unsigned long)i, (unsigned long)(user / ncpu),
                (unsigned long)(cs - user / ncpu));
        put("intr 0\nctxt 0\nbtime 0\nprocesses %d\nprocs_running %d\nprocs_blocked %d\n", n,
            running, n - running);
        break;
    case VERSION:
        put("Tessera version 0.1 (exo exokernel + libOS) #1\n");
        break;
    case NET_TESSERA:
#ifdef TESSERA_PM_NET
        used = pm_net_describe(buf, BUF_BYTES);
#else
        put("mac=none addr=none gw=none gwmac=none dns=none\n");
#endif
        break;
    case NET_DEV:
    case NET_ROUTE:
    case NET_IF_INET6:
    case NET_TCP:
    case NET_TCP6:
    case NET_UDP:
    case NET_UDP6:
#ifdef TESSERA_PM_NET
        used = pm_net_proc(PM_NET_DEV + (int)(k - NET_DEV), buf, BUF_BYTES);
#endif
        break;
    case NET_UNIX:
        used = fs_unix_proc(buf, BUF_BYTES);
        break;
    case TESSERA:
        put("pid   env      pages  exo-calls  runs  state\n");
        for (int s = 0; s < pm_top; s++) {
            struct pm_proc *q = &pm_procs[s];
            if (pm_table->e[s].state == PROC_FREE)
                continue;
            int64_t calls = q->slot && q->msg ? exo_env_calls(q->env_cap) : 0;
            int64_t runs = q->slot && q->msg ? exo_env_runs(q->env_cap) : 0;
            put("%-5d %-8u %-6lu %-10ld %-5ld %c\n", q->e->pid, q->e->env,
                (unsigned long)env_pages(q), (long)calls, (long)runs, state_of(q));
        }
        put("free pages %lu\n", (unsigned long)freep);
        tessera_devices();
        break;
    case P_STAT:
        if (p) {
            char c[16];
            comm(p, c);
            uint64_t pages = env_pages(p);
            put("%d (%s) %c %d %d %d 0 -1 0 0 0 0 0 %lu 0 0 0 20 0 1 0 0 %lu %lu "
                "0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
                p->e->pid, c, state_of(p), p->e->ppid, p->e->pgid, p->e->sid,
                (unsigned long)cputime_cs(p), (unsigned long)(pages * EXO_PAGE),
                (unsigned long)pages);
        }
        break;
    case P_STATUS:
        if (p) {
            char c[16];
            comm(p, c);
            struct fs_proc *fp = p->part[0];
            unsigned u = fp ? fp->cred.uid : 0, eu = fp ? fp->cred.euid : 0;
            unsigned g = fp ? fp->cred.gid : 0, eg = fp ? fp->cred.egid : 0;
            char st = state_of(p);
            put("Name:\t%s\nState:\t%c (%s)\nTgid:\t%d\nPid:\t%d\nPPid:\t%d\nUid:\t%u\t%u\t%u\t%u\n"
                "Gid:\t%u\t%u\t%u\t%u\nVmRSS:\t%8lu kB\nThreads:\t1\n",
                c, st,
                st == 'Z'   ? "zombie"
                : st == 'S' ? "sleeping"
                            : "running",
                p->e->pid, p->e->pid, p->e->ppid, u, eu, eu, eu, g, eg, eg, eg,
                (unsigned long)(env_pages(p) * 4));
        }
        break;
    case P_CMDLINE:
        if (p && p->cmdline_len) {
            copy(buf, p->cmdline, p->cmdline_len);
            used = p->cmdline_len;
        }
        break;
    case P_COMM: /* the name ps shows: argv[0]'s last part, 15 bytes at most, as Linux's */
        if (p) {
            char c[16];
            comm(p, c);
            put("%s\n", c);
        }
        break;
    case P_ENVIRON:
        if (p && p->environ_len) {
            copy(buf, p->environ, p->environ_len);
            used = p->environ_len;
        }
        break;
    case P_MAPS:
        if (p)
            gen_maps(p);
        break;
    default:
        break;
    }
}

static long proc_read(struct fs_vnode *vn, void *out, uint64_t len, uint64_t off)
{
    if (kind_of(vn) == ROOT || kind_of(vn) == PIDDIR || kind_of(vn) == P_FD ||
        kind_of(vn) == NETDIR)
        return -FS_EISDIR;
    struct pm_proc *t = pid_of(vn) ? proc_vn(vn) : NULL;
    if (pid_of(vn) && !t)
        return -3; /* ESRCH: the process is gone (its pid may name another now) */
    if (t && !may_read(t, kind_of(vn)))
        return -FS_EACCES;
    gen(pid_of(vn), kind_of(vn));
    if (off >= used)
        return 0;
    uint64_t n = used - off < len ? used - off : len;
    copy(out, buf + off, n);
    return (long)n;
}

static long parse_pid(const char *name, unsigned len)
{
    long v = 0;
    for (unsigned i = 0; i < len; i++) {
        if (name[i] < '0' || name[i] > '9' || v > 100000000)
            return -1;
        v = v * 10 + (name[i] - '0');
    }
    return len ? v : -1;
}

static int same(const char *a, unsigned len, const char *b)
{
    unsigned i = 0;
    for (; i < len && b[i] && a[i] == b[i]; i++)
        ;
    return i == len && !b[i];
}

/* Which files[] a directory holds: per_pid's value. */
static int level_of(struct fs_vnode *dir)
{
    return kind_of(dir) == PIDDIR ? 1 : kind_of(dir) == NETDIR ? 2 : 0;
}

static long proc_lookup(struct fs_vnode *dir, const char *name, unsigned len, struct fs_vnode **out)
{
    int32_t pid = pid_of(dir);
    if (same(name, len, "..") && kind_of(dir) == P_FD)
        return node(dir->mnt, pid, gen_of(dir), PIDDIR, 0, out);
    if (same(name, len, "..")) {
        fs_vnode_ref(dir->mnt->root); /* (the root's own ".." the VFS takes across the mount) */
        *out = dir->mnt->root;
        return 0;
    }
    if (kind_of(dir) == ROOT) {
        long v = parse_pid(name, len);
        struct pm_proc *t = v > 0 ? proc_of((int32_t)v) : NULL;
        if (t)
            return node(dir->mnt, (int32_t)v, t->gen, PIDDIR, 0, out);
    }
    if ((kind_of(dir) == PIDDIR || kind_of(dir) == P_FD) && !proc_vn(dir))
        return -FS_ENOENT; /* its process is gone */
    if (kind_of(dir) == P_FD) {
        long fd = parse_pid(name, len);
        struct pm_proc *p = proc_vn(dir);
        struct fs_proc *fp = p && may_read(p, P_FD) ? p->part[0] : NULL;
        if (fd >= 0 && fd < FS_NFD && fp && fp->fd[fd])
            return node(dir->mnt, pid, gen_of(dir), P_FDENT, (int)fd, out);
        return p && !fp ? -FS_EACCES : -FS_ENOENT;
    }
    for (int k = MEMINFO; k < NKINDS; k++)
        if (files[k].name && files[k].per_pid == level_of(dir) && same(name, len, files[k].name))
            return node(dir->mnt, pid, gen_of(dir), (enum kind)k, 0, out);
    return -FS_ENOENT;
}

static long proc_readdir(struct fs_vnode *dir, uint64_t cookie, struct fs_dirent *e)
{
    static char name[16];
    if (cookie < 2) {
        e->ino = dir->ino;
        e->type = FS_DT_DIR;
        e->len = (uint16_t)(cookie + 1);
        e->name = "..";
        e->next = cookie + 1;
        return 1;
    }
    if (kind_of(dir) == P_FD) { /* the open descriptors: cookie 2 + fd */
        struct pm_proc *p = proc_vn(dir);
        if (p && !may_read(p, P_FD))
            return -FS_EACCES;
        struct fs_proc *fp = p ? p->part[0] : NULL;
        for (uint64_t fd = cookie - 2; fp && fd < FS_NFD; fd++)
            if (fp->fd[fd]) {
                int n = exo_snprintf(name, sizeof name, "%d", (int)fd);
                e->ino = ino_of(pid_of(dir), P_FDENT, (int)fd);
                e->type = FS_DT_LNK;
                e->name = name;
                e->len = (uint16_t)n;
                e->next = fd + 3;
                return 1;
            }
        return 0;
    }
    int per_pid = level_of(dir);
    for (uint64_t k = cookie - 2 + MEMINFO; k < NKINDS; k++)
        if (files[k].name && files[k].per_pid == per_pid) {
            e->ino = ino_of(pid_of(dir), (enum kind)k, 0);
            e->type = k == P_FD || k == NETDIR ? FS_DT_DIR
                      : is_link((enum kind)k)  ? FS_DT_LNK
                                               : FS_DT_REG;
            e->name = files[k].name;
            e->len = (uint16_t)pm_strlen(files[k].name);
            e->next = k - MEMINFO + 3;
            return 1;
        }
    if (per_pid)
        return 0;
    /* then the processes, by table slot: cookie NKINDS + 2 + slot */
    if (cookie >= NKINDS + 2 + (uint64_t)PROC_MAX)
        return 0; /* (a cookie is any offset lseek was given: never an index unchecked) */
    for (int s = (int)(cookie < NKINDS + 2 ? 0 : cookie - NKINDS - 2); s < pm_top; s++)
        if (pm_visible(&pm_procs[s])) {
            int n = exo_snprintf(name, sizeof name, "%d", pm_table->e[s].pid);
            e->ino = ino_of(pm_table->e[s].pid, PIDDIR, 0);
            e->type = FS_DT_DIR;
            e->name = name;
            e->len = (uint16_t)n;
            e->next = (uint64_t)(NKINDS + 3 + s);
            return 1;
        }
    return 0;
}

static long proc_readlink(struct fs_vnode *vn, char *out, uint64_t len)
{
    enum kind kind = kind_of(vn);
    if (!is_link(kind))
        return -FS_EINVAL;
    struct pm_proc *t = pid_of(vn) ? proc_vn(vn) : NULL;
    if (pid_of(vn) && !t)
        return -3; /* ESRCH */
    if (t && !may_read(t, kind))
        return -FS_EACCES;
    long n = link_target(pid_of(vn), kind, fd_of(vn));
    uint64_t k = (uint64_t)n < len ? (uint64_t)n : len;
    copy(out, target, k);
    return (long)k;
}

static long ro(void)
{
    return -FS_EACCES;
}

static long proc_create(struct fs_vnode *d, const char *n, unsigned l, uint32_t m, uint32_t u,
                        uint32_t g, uint64_t r, const char *t, struct fs_vnode **o)
{
    (void)d, (void)n, (void)l, (void)m, (void)u, (void)g, (void)r, (void)t, (void)o;
    return ro();
}

static long proc_link(struct fs_vnode *d, const char *n, unsigned l, struct fs_vnode *v)
{
    (void)d, (void)n, (void)l, (void)v;
    return ro();
}

static long proc_unlink(struct fs_vnode *d, const char *n, unsigned l)
{
    (void)d, (void)n, (void)l;
    return ro();
}

static long proc_rename(struct fs_vnode *a, const char *b, unsigned c, struct fs_vnode *d,
                        const char *e, unsigned f)
{
    (void)a, (void)b, (void)c, (void)d, (void)e, (void)f;
    return ro();
}

static long proc_write(struct fs_vnode *vn, const void *b, uint64_t len, uint64_t off)
{
    (void)vn, (void)b, (void)len, (void)off;
    return ro();
}

static long proc_truncate(struct fs_vnode *vn, uint64_t size)
{
    (void)vn, (void)size;
    return ro();
}

static void proc_drop(struct fs_vnode *vn)
{
    if (vn != vn->mnt->root)
        fs_free(vn, sizeof *vn);
}

static const struct fs_vnode_ops proc_ops = {
    .lookup = proc_lookup,
    .create = proc_create,
    .link = proc_link,
    .unlink = proc_unlink,
    .rename = proc_rename,
    .readdir = proc_readdir,
    .read = proc_read,
    .write = proc_write,
    .truncate = proc_truncate,
    .readlink = proc_readlink,
    .drop = proc_drop,
};

static long proc_mount(struct fs_mount *m, const void *data)
{
    (void)data;
    m->dev = 0x4; /* Linux's proc is an anonymous device too */
    return node(m, 0, 0, ROOT, 0, &m->root);
}

const struct fs_type pm_procfs = {"proc", proc_mount, NULL, NULL, PROC_MAGIC};
