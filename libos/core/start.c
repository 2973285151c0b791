/*
 * start.c: the libOS's part of program start-up. init learns the archive from exo's registers;
 * every spawned program finds it (and its parent) on the info page its spawner mapped.
 */
#include <common/archive.h>
#include <los/los.h>
#include <los/spawn.h>

static struct los_info init_info; /* init only: there is no info page for it */
static const struct los_info *info;
const char *los_cmdline = ""; /* exo's command line, in init; empty elsewhere */

const struct los_info *los_info(void)
{
    return info;
}

int los_archive_find(const char *name, const void **data, uint64_t *size)
{
    struct exo_archive_entry e;
    int r = exo_archive_find((const void *)info->archive_va, info->archive_size, name, &e);
    if (r < 0)
        return r;
    *data = e.data;
    *size = e.size;
    return 0;
}

void los_init(uint64_t rdi, uint64_t rsi, uint64_t rdx)
{
    if (rdx) {                      /* init: exo passes the archive and the command line */
        init_info.archive_va = rdi; /* (fields, not a struct copy: no memcpy here) */
        init_info.archive_size = rsi;
        info = &init_info;
        los_cmdline = (const char *)rdx;
    } else {
        info = (const struct los_info *)LOS_INFO_VA;
    }
}

void los_start(uint64_t rdi, uint64_t rsi, uint64_t rdx) __attribute__((noreturn));
void los_start(uint64_t rdi, uint64_t rsi, uint64_t rdx)
{
    los_init(rdi, rsi, rdx);
    los_exit(main(rdi, rsi));
}
