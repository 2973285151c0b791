/*
 * pm_exec.c: exec as a new env. pm builds a fresh env for the image (the ELF loader of
 * los_spawn: segments in pages the new env owns, a stack, the info page), binds it to the
 * caller's table slot (same pid, same mailbox pages, in which the path, argv and envp stay
 * for the new image's start to lay out on its stack), lets the other parts do their part
 * (fds with O_CLOEXEC closed, handled signals back to default), and destroys the old env.
 * The pid stays; the env id changes. Everything that can fail happens before the old image
 * is touched: a failed exec returns to it with nothing changed. An ELF without the Tessera
 * note (los/spawn.h) is a Linux binary: the new env holds it and the Linux runtime
 * (libos/linux), which starts first; and the interpreter its PT_INTERP names, if any (ld.so,
 * read from the file system and checked here, before anything of the old image changes).
 * A file that starts with "#!" is a script: its interpreter is exec'd instead, as Linux's
 * binfmt_script does (shebang below).
 */
#include <common/elf.h>
#include <proc/lnx.h>
#include <proc/pm.h>

#include <los/los.h>
#include <los/spawn.h>

#define PATH_MAX_BYTES 4096
#define PM_LINUX_RUNTIME "linuxrt" /* libos/linux: the runtime image, in the boot archive */
#define PM_EXEC_ROOM 24576         /* libos/posix/entry.S POSIX_START_ROOM */

static long archive_image(struct pm_proc *p, const char *path, const void **elf, uint64_t *size)
{
    (void)p;
    while (*path == '/')
        path++; /* the archive's names are relative: "/hello" is "hello" */
    return los_archive_find(path, elf, size) < 0 ? -LNX_ENOENT : 0;
}

long (*pm_exec_image)(struct pm_proc *p, const char *path, const void **elf,
                      uint64_t *size) = archive_image;
long (*pm_exec_interp)(struct pm_proc *p, const char *path, const void **elf,
                       uint64_t *size) = archive_image;

#define LNX_EIO 5
#define LNX_ELIBBAD 80

/* A Linux binary's interpreter, as Linux's load_elf_binary finds and checks it before the
 * point of no return: the path its PT_INTERP names (2 to PATH_MAX bytes, NUL-terminated, else
 * ENOEXEC), read from the file system the caller sees (ENOENT, EACCES... as opening it says),
 * an ELF of this machine (fewer bytes than a header: EIO; no ELF magic, not 64-bit x86-64:
 * ELIBBAD). 0 with *interp NULL: no PT_INTERP (a static binary). What the loader needs beyond
 * that (ET_DYN, sane segments) is los_spawn_prepare_linux's check: ENOEXEC. */
static long find_interp(struct pm_proc *p, const void *elf, uint64_t size, const void **interp,
                        uint64_t *isize)
{
    const struct exo_elf64_ehdr *eh = elf;
    *interp = NULL;
    if (size < sizeof *eh || eh->e_phentsize != sizeof(struct exo_elf64_phdr) ||
        eh->e_phoff > size ||
        (uint64_t)eh->e_phnum * sizeof(struct exo_elf64_phdr) > size - eh->e_phoff)
        return 0; /* the loader's checks refuse it */
    for (uint16_t i = 0; i < eh->e_phnum; i++) {
        struct exo_elf64_phdr ph;
        exo_elf_phdr(elf, i, &ph);
        if (ph.p_type != EXO_PT_INTERP)
            continue;
        if (ph.p_filesz < 2 || ph.p_filesz > PATH_MAX_BYTES || ph.p_offset > size ||
            ph.p_filesz > size - ph.p_offset)
            return -LNX_ENOEXEC;
        const char *name = (const char *)elf + ph.p_offset;
        static char path[PATH_MAX_BYTES]; /* (pm's stack holds exec's path already) */
        for (uint64_t k = 0; k < ph.p_filesz; k++)
            path[k] = name[k];
        if (path[ph.p_filesz - 1])
            return -LNX_ENOEXEC;
        long r = pm_exec_interp(p, path, interp, isize);
        if (r < 0)
            return r;
        const struct exo_elf64_ehdr *ih = *interp;
        if (*isize < sizeof *ih)
            return -LNX_EIO;
        if (ih->e_ident[0] != 0x7f || ih->e_ident[1] != 'E' || ih->e_ident[2] != 'L' ||
            ih->e_ident[3] != 'F' || ih->e_ident[4] != 2 /* ELFCLASS64 */ ||
            ih->e_machine != 62 /* EM_X86_64 */)
            return -LNX_ELIBBAD;
        return 0;
    }
    return 0;
}

/* Do data[0, len) hold exactly n NUL-terminated strings? */
static int strings_ok(const uint8_t *data, uint64_t len, uint64_t n)
{
    uint64_t seen = 0;
    for (uint64_t i = 0; i < len; i++)
        seen += data[i] == 0;
    return seen == n && (len == 0 || data[len - 1] == 0);
}

/* pm's copy of the path, argv and envp: the mailbox is the old image's to write until its env
 * is gone, and another of its threads may change it while pm works. Everything is checked on
 * this copy, and the copy is what the new image finds in the mailbox (pm answers one call at a
 * time: one buffer). */
static uint8_t exec_data[PM_DATA_MAX];

static void copy(uint8_t *to, const uint8_t *from, uint64_t n)
{
    for (volatile uint8_t *t = to; n--;) /* volatile: pm's library has no memcpy to call */
        *t++ = *from++;
}

#define LNX_ELOOP 40
#define SHEBANG_LINE 256 /* Linux's BINPRM_BUF_SIZE: the interpreter line must end within it */
#define SHEBANG_DEPTH 4  /* scripts naming scripts: Linux's BINPRM_MAX_RECURSION */
static uint8_t shebang_data[PM_DATA_MAX];

static int blank(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* A script's exec as Linux's binfmt_script makes it: the first line "#!INTERP [ARG]" (INTERP
 * and the one optional ARG, everything after it up to the line's end with the blanks around
 * it trimmed) turns exec(path, argv, envp) into exec(INTERP, {INTERP, [ARG,] path, argv[1..]},
 * envp). img[0, size) is the script; data/len/argc the exec's strings (path first), which this
 * rewrites in place. 0, or ENOEXEC (no interpreter, or its line longer than
 * SHEBANG_LINE), E2BIG (the strings no longer fit). */
static long shebang(const uint8_t *img, uint64_t size, uint8_t *data, int64_t *len, int64_t *argc)
{
    uint64_t end = 2, lim = size < SHEBANG_LINE ? size : SHEBANG_LINE;
    while (end < lim && img[end] != '\n' && img[end] != 0)
        end++;
    if (end == SHEBANG_LINE)
        return -LNX_ENOEXEC;
    uint64_t i = 2;
    while (i < end && blank(img[i]))
        i++;
    uint64_t in = i;
    while (i < end && !blank(img[i]))
        i++;
    uint64_t in_len = i - in;
    while (i < end && blank(img[i]))
        i++;
    uint64_t arg = i, arg_end = end;
    while (arg_end > arg && blank(img[arg_end - 1]))
        arg_end--;
    if (in_len == 0)
        return -LNX_ENOEXEC;
    uint64_t plen = 0; /* the path's bytes, its NUL included */
    while (data[plen++])
        ;
    uint64_t skip = plen; /* argv[0] is dropped: the path stands in its place */
    if (*argc > 0)
        while (data[skip++])
            ;
    uint64_t rest = (uint64_t)*len - skip, has_arg = arg_end > arg;
    uint64_t need = 2 * (in_len + 1) + (has_arg ? arg_end - arg + 1 : 0) + plen + rest;
    if (need > PM_DATA_MAX)
        return -LNX_E2BIG;
    uint8_t *o = shebang_data;
    for (int k = 0; k < 2; k++) { /* the new path, then argv[0] */
        copy(o, img + in, in_len);
        o += in_len;
        *o++ = 0;
    }
    if (has_arg) {
        copy(o, img + arg, arg_end - arg);
        o += arg_end - arg;
        *o++ = 0;
    }
    copy(o, data, plen); /* the script's path as exec was given it */
    o += plen;
    copy(o, data + skip, rest);
    copy(data, shebang_data, need);
    *len = (int64_t)need;
    *argc = (*argc > 0 ? *argc - 1 : 0) + 2 + (int64_t)has_arg;
    return 0;
}

long pm_op_exec(struct pm_proc *p, struct pm_msg *m)
{
    int64_t len = m->a[0], argc = m->a[1], envc = m->a[2];
    if (len <= 0 || len > PM_DATA_MAX || argc < 0 || envc < 0 || argc > len || envc > len)
        return -LNX_EINVAL;
    copy(exec_data, m->data, (uint64_t)len);
    const uint8_t *data = exec_data;
    if (!strings_ok(data, (uint64_t)len, 1 + (uint64_t)argc + (uint64_t)envc))
        return -LNX_EINVAL;
    char path[PATH_MAX_BYTES];
    uint64_t n;
    const void *elf;
    uint64_t size, entry, stack;
    long r;
    for (int depth = 0;; depth++) { /* a script's interpreter may be a script: 4 deep */
        for (n = 0; n < sizeof path - 1 && data[n]; n++)
            path[n] = (char)data[n];
        if (data[n])
            return -LNX_ENAMETOOLONG;
        path[n] = 0;
        if (n == 0)
            return -LNX_ENOENT;
        r = pm_exec_image(p, path, &elf, &size);
        if (r < 0)
            return r;
        const uint8_t *img = elf;
        if (size < 2 || img[0] != '#' || img[1] != '!')
            break;
        if (depth == SHEBANG_DEPTH)
            return -LNX_ELOOP;
        if ((r = shebang(img, size, exec_data, &len, &argc)) < 0)
            return r;
    }
    /* What the new image lays out at its start must fit there (entry.S's 24 KiB), or the old
     * image gets E2BIG now rather than a new one that cannot start. */
    if ((uint64_t)len - (n + 1) + 8 * (uint64_t)(argc + envc + 3) + 512 > PM_EXEC_ROOM)
        return -LNX_E2BIG;
    pm_reap(); /* the new env's slot in pm's table must name no unreaped process */
    int64_t c;
    if (los_elf_native(elf, size)) {
        c = los_spawn_prepare_flags(elf, size, NULL, LOS_SPAWN_NO_ARCHIVE, &entry, &stack);
    } else { /* a Linux binary: with the runtime that reflects its calls (libos/linux) */
        const void *rt, *interp;
        uint64_t rt_size, isize = 0;
        if (los_archive_find(PM_LINUX_RUNTIME, &rt, &rt_size) < 0)
            return -LNX_ENOEXEC;
        long e = find_interp(p, elf, size, &interp, &isize);
        if (e < 0)
            return e;
        c = los_spawn_prepare_linux(rt, rt_size, elf, size, interp, isize, LOS_SPAWN_NO_ARCHIVE,
                                    &entry, &stack);
    }
    if (c < 0)
        return c == EXO_E_INVAL ? -LNX_ENOEXEC : -LNX_ENOMEM;
    pm_claim_cap((uint64_t)c);
    /* Bounded as fork's children are (pm_op_fork), but for init's own program (pm_spawn),
     * whose tests make envs of their own. */
    int64_t e =
        p->rights ? pm_pass_rights((uint64_t)c) : exo_env_limit((uint64_t)c, 0, PROC_THREADS_MAX);
    uint64_t old = p->env_cap;
    if (e >= 0)
        e = pm_proc_bind(p, (uint64_t)c, 0); /* p names the new env from here on */
    if (e < 0) {
        exo_env_destroy((uint64_t)c);
        return e == EXO_E_NOMEM ? -LNX_ENOMEM : -LNX_EAGAIN;
    }
    struct proc_mbox *mb =
        (struct proc_mbox *)((uint8_t *)m - __builtin_offsetof(struct proc_mbox, msg));
    uint64_t alen = 0; /* argv's bytes, after the path */
    for (uint64_t i = n + 1, k = 0; i < (uint64_t)len && k < (uint64_t)argc; i++)
        if (!data[i] && ++k == (uint64_t)argc)
            alen = i + 1 - (n + 1);
    pm_cmdline_set(p, (const char *)data + n + 1, alen, 0);
    pm_environ_set(p, (const char *)data + n + 1 + alen, (uint64_t)len - (n + 1 + alen));
    pm_exe_set(p, path); /* (a relative path stays as given, behind a '/') */
    p->sig_blocked = 0;
    p->sig_caught = 0; /* handlers do not survive exec; ignored signals stay ignored */
    p->execd = 1;      /* its parent's setpgid on it is EACCES from now on */
    /* The old image's threads end first: from here no one but pm writes the mailbox, so what
     * the new image trusts there (the strings, exec's credentials and AT_SECURE, written by
     * pm_parts_exec) is what pm wrote. exo has stopped every thread when destroy returns. */
    exo_env_watch(old, EXO_ANY); /* its end is no death of the process */
    exo_env_destroy(old);
    /* New mailbox pages, the header from pm's record: the old ones may be mapped elsewhere (a
     * child the old image forked). The old image's signal state is its own, carried over. */
    uint64_t sig[3] = {mb->exec_sig[0], mb->exec_sig[1], mb->exec_sig[2]}, hold = mb->sig_hold;
    if (pm_mbox_renew(p) < 0) {
        exo_env_destroy((uint64_t)c); /* no page for it: the process ends (pm hears it die) */
        return 0;
    }
    mb = (struct proc_mbox *)((uint8_t *)p->msg - __builtin_offsetof(struct proc_mbox, msg));
    m = p->msg;
    for (int i = 0; i < 3; i++)
        mb->exec_sig[i] = sig[i];
    mb->sig_hold = hold;
    copy(m->data, data, (uint64_t)len);
    mb->exec_len = (uint32_t)len;
    mb->exec_argc = (uint32_t)argc;
    mb->exec_envc = (uint32_t)envc;
    pm_parts_exec(p);
    r = exo_env_start((uint64_t)c, entry, stack, 0);
    if (r < 0) /* cannot happen for a READY env; if it did, the process ends here */
        exo_env_destroy((uint64_t)c);
    return 0;
}
