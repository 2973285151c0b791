/*
 * mmap_file.c: the POSIX layer's side of file-backed and shared mappings (memory.c places
 * them; docs/concepts/memory.md). A private file mapping is a copy: fresh pages filled with
 * the file's bytes (pread), the tail of the last page zero, no page past the file's end (a
 * touch there is SIGBUS); the copy is the process's own, so fork makes it copy-on-write like
 * any private page. A shared mapping is pm's to lend (ops mem_map, mem_release, mem_file):
 * pm checks the descriptor and maps the RAM file's own pages into us. Without pm (a program
 * los_run started) there is no file layer shared with anyone: file mappings are ENODEV.
 */
#include <posix/calls.h>
#include <proc/client.h>

#include <los/los.h>
#include <los/spawn.h>

#define PAGE EXO_PAGE

long posix_mmap_shared(int64_t fd, uint64_t off, uint64_t len, uint64_t va, long prot, uint32_t obj,
                       uint32_t *id)
{
    if (!proc_present)
        return -LNX_ENODEV;
    struct pm_msg *m = proc_msg();
    m->a[0] = fd;
    m->a[1] = (int64_t)off;
    m->a[2] = (int64_t)len;
    m->a[3] = (int64_t)va;
    m->a[4] = prot;
    m->a[5] = obj;
    long r = proc_call(PM_OP_mem_map);
    if (r > 0)
        *id = (uint32_t)r;
    return r < 0 ? r : 0;
}

void posix_mmap_release(uint32_t obj)
{
    if (!proc_present || !obj)
        return;
    proc_msg()->a[0] = obj;
    proc_call(PM_OP_mem_release);
}

long posix_mmap_private(int64_t fd, uint64_t off, uint64_t lo, uint64_t hi, uint32_t prot)
{
    if (!proc_present)
        return -LNX_ENODEV;
    struct pm_msg *m = proc_msg();
    m->a[0] = fd;
    long r = proc_call(PM_OP_mem_file);
    if (r < 0)
        return r;
    uint64_t size = (uint64_t)proc_msg()->r[0];
    for (uint64_t va = lo; va < hi && off + (va - lo) < size; va += PAGE) {
        uint64_t at = off + (va - lo), n = size - at < PAGE ? size - at : PAGE;
        int64_t e = los_page_new(va, EXO_PROT_R | EXO_PROT_W);
        if (e < 0)
            return posix_errno(e);
        long a[6] = {fd, (long)va, (long)n, (long)at, 0, 0};
        long got = posix_pread64(a);
        if (got < 0)
            return got;
        if (!(prot & EXO_PROT_W) || (prot & EXO_PROT_X)) {
            e = exo_page_protect(EXO_CAP_SELF, va, prot);
            if (e < 0)
                return posix_errno(e);
        }
    }
    return 0;
}
