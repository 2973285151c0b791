/*
 * lx_dyn.c: a dynamically linked Linux binary (plain `gcc`, glibc's ld.so and libc.so.6 at run
 * time): what Linux's exec tells a program with an interpreter (AT_BASE set, AT_ENTRY the
 * program's own entry, AT_PHDR its own headers), libc from a shared object, and execve of
 * binaries whose PT_INTERP is wrong: the exact errno, the caller's image still there after;
 * statx against fstatat, posix_fadvise's answers (calls glibc's programs make); its own file
 * mapped PROT_EXEC (Tessera rewrites the copy's `syscall`s at the mmap), a raw getpid called in
 * the copy, then again after mremap moved the copy (the rewritten sites move with it).
 * Run with the current directory the parent of lx/ (the failing binaries are named lx/...).
 */
#define _GNU_SOURCE /* dl_iterate_phdr */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

extern char _start[];

static int cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first object dl_iterate_phdr reports is the program: its headers are AT_PHDR's. */
static int first(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    *(const void **)data = info->dlpi_phdr;
    return 1;
}

/* getpid by its own `syscall`, position-independent: it runs in a copy of the file too. */
__asm__(".text\n.globl raw_getpid\n.type raw_getpid,@function\n"
        "raw_getpid: mov $39, %eax\n syscall\n ret\n");
long raw_getpid(void);

/* The program's file mapped PROT_READ|PROT_EXEC, raw_getpid called in the copy, the copy moved
 * by mremap and called again. */
static void own_copy(void)
{
    const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
    unsigned long n = getauxval(AT_PHNUM), bias = 0, at = 0;
    for (unsigned long i = 0; i < n; i++)
        if (ph[i].p_type == PT_PHDR)
            bias = (unsigned long)ph - ph[i].p_vaddr;
    for (unsigned long i = 0; i < n; i++) {
        unsigned long f = (unsigned long)raw_getpid - bias;
        if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X) && f >= ph[i].p_vaddr &&
            f < ph[i].p_vaddr + ph[i].p_filesz)
            at = f - ph[i].p_vaddr + ph[i].p_offset;
    }
    int fd = open("lx/lx_dyn", O_RDONLY);
    struct stat st;
    fstat(fd, &st);
    size_t len = ((size_t)st.st_size + 4095) & ~4095ul;
    char *map = mmap(NULL, len, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
    char *to = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    close(fd);
    if (!at || map == MAP_FAILED || to == MAP_FAILED) {
        printf("own copy: not mapped\n");
        return;
    }
    long (*f)(void) = (long (*)(void))(map + at);
    printf("own copy: getpid %s\n", f() == getpid() ? "right" : "wrong");
    char *moved = mremap(map, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, to);
    f = (long (*)(void))(moved + at);
    printf("moved: %s, getpid %s\n", moved == to ? "there" : "not",
           moved == to && f() == getpid() ? "right" : "wrong");
    munmap(moved, len);
}

static void try_exec(const char *path)
{
    char *args[] = {(char *)path, NULL}, *env[] = {NULL};
    errno = 0;
    execve(path, args, env);
    printf("execve %s: %s (errno %d)\n", path, strerror(errno), errno);
}

int main(int argc, char **argv)
{
    printf("dynamic: argc %d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = \"%s\"\n", i, argv[i]);
    const char *e = getenv("LXENV");
    printf("LXENV = %s\n", e ? e : "(none)");
    printf("AT_BASE %s\n", getauxval(AT_BASE) ? "set" : "0");
    printf("AT_ENTRY %s\n", getauxval(AT_ENTRY) == (unsigned long)_start ? "_start" : "other");
    const void *ph = NULL;
    dl_iterate_phdr(first, &ph);
    printf("AT_PHDR %s, AT_PHNUM %s\n", ph == (const void *)getauxval(AT_PHDR) ? "ours" : "other",
           getauxval(AT_PHNUM) > 2 ? "> 2" : "<= 2");
    const char *words[] = {"pear", "apple", "fig", "banana"};
    qsort(words, 4, sizeof words[0], cmp);
    printf("sorted: %s %s %s %s; %.3f\n", words[0], words[1], words[2], words[3], 22 / 7.0);
    struct stat st;
    struct statx sx;
    int r = statx(AT_FDCWD, "lx/tree/a.txt", 0, STATX_BASIC_STATS, &sx);
    stat("lx/tree/a.txt", &st);
    printf("statx %d: mask basic %d, size %llu, mode %o, same as stat: %d\n", r,
           (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS, (unsigned long long)sx.stx_size,
           sx.stx_mode,
           sx.stx_ino == st.st_ino && sx.stx_nlink == st.st_nlink && sx.stx_uid == st.st_uid &&
               sx.stx_mtime.tv_sec == st.st_mtime &&
               sx.stx_blocks == (unsigned long long)st.st_blocks &&
               makedev(sx.stx_dev_major, sx.stx_dev_minor) == st.st_dev);
    errno = 0;
    r = statx(AT_FDCWD, "lx", 0x40000000, 0, &sx);
    printf("statx bad flags: %d errno %d\n", r, errno);
    int fd = open("lx/tree/a.txt", O_RDONLY), p[2];
    pipe(p);
    printf("fadvise: %d %d %d %d\n", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL),
           posix_fadvise(fd, 0, 0, 99), posix_fadvise(p[0], 0, 0, POSIX_FADV_NORMAL),
           posix_fadvise(99, 0, 0, POSIX_FADV_NORMAL));
    own_copy();
    try_exec("lx/lx_nointerp");  /* PT_INTERP names a file that is not there: ENOENT */
    try_exec("lx/lx_badinterp"); /* an executable file that is no ELF: ELIBBAD */
    printf("still here\n");
    return 5;
}
