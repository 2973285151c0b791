/*
 * pm_disk.c: pm holds the disks. The root: the one virtio-blk disk (other than init.ext2's)
 * with a GPT partition named "tessera-root" whose ext2 holds /init (the boot archive's
 * programs, copied there by build/image.sh) is mounted as "/" when the file layer starts
 * (init.root=ram says no); with `init.ext2=SERIAL` on exo's command line the disk with that
 * serial is mounted on /mnt as well. Only pm holds the queues and the block caches (its own
 * pages): other processes reach the disks through pm's file ops (docs/concepts/ext2.md).
 * The caches are pm's pages in PROC_AREA, lent read-only to processes (pm_share.c).
 * Blocking requests: pm waits for each one (v1). At power-off pm_disk_shutdown writes every
 * cache back and unmounts cleanly.
 */
#include <ext2/vfs.h>
#include <fs/fs.h>

#include <common/cmdline.h>
#include <los/los.h>
#include <los/spawn.h>
#include <proc/layout.h>
#include <virtio/vio.h>

extern const char *los_cmdline;

#define ROOT_NAME "tessera-root"
#define CACHE_BLOCKS 128

/* One disk pm holds: its queue, the partition, the ext2 state and its cache. */
struct pm_disk {
    struct vio_blk blk;
    struct vio_dma page; /* every request goes through this one page */
    uint64_t part_start, part_sectors;
    unsigned part_index; /* 1-based, as Linux names partitions */
    struct ext2_dev dev;
    struct ext2_fs fs;
    char source[16]; /* "/dev/vda2" */
    int mounted;
    uint8_t *cache; /* CACHE_BLOCKS pages in PROC_AREA, shared read-only (cache_pages) */
};

static struct pm_disk disks[2]; /* [0]: the root, [1]: init.ext2's on /mnt */

static long sectors(struct pm_disk *d, int write, uint64_t sector, uint32_t n, void *buf)
{
    if (n * 512 > 4096 || sector + n > d->part_sectors)
        return -EXT2_EIO;
    if (write)
        vio_copy(d->page.va, buf, n * 512);
    int r = write ? vio_blk_write(&d->blk, d->part_start + sector, n, &d->page)
                  : vio_blk_read(&d->blk, d->part_start + sector, n, &d->page);
    if (r < 0)
        return -EXT2_EIO;
    if (!write)
        vio_copy(buf, d->page.va, n * 512);
    return 0;
}

static long dev_read(struct ext2_dev *e, uint64_t blk, uint32_t size, void *buf)
{
    return sectors(e->ctx, 0, blk * (size / 512), size / 512, buf);
}

static long dev_write(struct ext2_dev *e, uint64_t blk, uint32_t size, const void *buf)
{
    return sectors(e->ctx, 1, blk * (size / 512), size / 512, (void *)buf);
}

static long dev_flush(struct ext2_dev *e)
{
    int f = vio_blk_flush(&((struct pm_disk *)e->ctx)->blk);
    return f < 0 && f != VIO_E_UNSUPP ? -EXT2_EIO : 0;
}

static void dev_log(struct ext2_dev *e, const char *line)
{
    (void)e;
    los_printf("%s\n", line);
}

/* The GPT partition named ROOT_NAME (UTF-16 in the entry): 0 with part_start/part_sectors. */
static int find_root(struct pm_disk *d)
{
    uint8_t hdr[512], ent[512];
    d->part_start = 0;
    d->part_sectors = d->blk.capacity;
    if (sectors(d, 0, 1, 1, hdr) < 0)
        return -1;
    static const char sig[8] = "EFI PART";
    for (int i = 0; i < 8; i++)
        if (hdr[i] != (uint8_t)sig[i])
            return -1;
    uint64_t lba = *(uint64_t *)(hdr + 72);
    uint32_t count = *(uint32_t *)(hdr + 80), size = *(uint32_t *)(hdr + 84);
    if (size < 128 || size > 512 || 512 % size || count > 1024)
        return -1;
    for (uint32_t i = 0; i < count; i++) {
        if (i % (512 / size) == 0 && sectors(d, 0, lba + i / (512 / size), 1, ent) < 0)
            return -1;
        const uint8_t *e = ent + (i % (512 / size)) * size;
        int same = 1;
        for (int c = 0; c <= (int)sizeof ROOT_NAME - 1; c++)
            same &= e[56 + 2 * c] == (uint8_t)ROOT_NAME[c] && e[57 + 2 * c] == 0;
        uint64_t first = *(const uint64_t *)(e + 32), last = *(const uint64_t *)(e + 40);
        if (same && first && last >= first && last < d->blk.capacity) {
            d->part_start = first;
            d->part_sectors = last - first + 1;
            d->part_index = i + 1;
            return 0;
        }
    }
    return -1;
}

void pm_share_reuse(struct ext2_dev *d, uint32_t slot); /* pm_share.c */

/* d's block cache and its part of the shared index (ext2/share.h, pm_share.c): pm's own pages
 * at the VAs processes see them at (PROC_AREA: fork copies none of it, init's included), the
 * buffers of disk i from slot i * CACHE_BLOCKS on. 0 or -1. */
static int cache_pages(struct pm_disk *d)
{
    if (d->cache)
        return 0;
    unsigned i = (unsigned)(d - disks);
    _Static_assert(sizeof disks / sizeof disks[0] * CACHE_BLOCKS <= PROC_CACHE_SLOTS, "slots");
    _Static_assert(PROC_CACHE_SLOTS * sizeof(struct ext2_share_ent) <= 4096, "one index page");
    if (exo_page_lookup(EXO_CAP_SELF, PROC_CACHE_INDEX_VA) < 0 &&
        los_page_new(PROC_CACHE_INDEX_VA, EXO_PROT_R | EXO_PROT_W) < 0)
        return -1;
    uint64_t va = PROC_CACHE_DATA_VA + (uint64_t)i * CACHE_BLOCKS * 4096;
    for (uint64_t b = 0; b < CACHE_BLOCKS; b++)
        if (los_page_new(va + b * 4096, EXO_PROT_R | EXO_PROT_W) < 0)
            return -1; /* (pages made so far stay for the next try) */
    d->cache = (uint8_t *)va;
    d->dev.share = (struct ext2_share_ent *)PROC_CACHE_INDEX_VA + i * CACHE_BLOCKS;
    d->dev.share_slots = CACHE_BLOCKS;
    d->dev.share_fsid = (uint8_t)i;
    d->dev.share_reuse = pm_share_reuse;
    return 0;
}

/* Opens blk device number dev as d with its root partition: 0, or -1 (closed again). */
static int open_disk(struct pm_disk *d, unsigned dev, unsigned nth)
{
    if (vio_blk_open(&d->blk, dev, 0) < 0)
        return -1;
    if ((d->page.va || vio_dma_alloc(&d->page) == 0) && cache_pages(d) == 0 && find_root(d) == 0) {
        d->dev.read = dev_read;
        d->dev.write = dev_write;
        d->dev.bytes = d->part_sectors * 512;
        d->dev.log = dev_log;
        d->dev.flush = dev_flush;
        d->dev.ctx = d;
        const char name[] = {'/', 'd', 'e', 'v', '/', 'v', 'd', (char)('a' + nth % 26), 0};
        for (unsigned i = 0; i < sizeof name; i++)
            d->source[i] = name[i];
        d->source[8] = (char)('0' + d->part_index % 10);
        d->source[9] = 0;
        return 0;
    }
    vio_blk_close(&d->blk);
    return -1;
}

/* Is this disk's serial `serial`? */
static int has_serial(struct pm_disk *d, const char *serial)
{
    char id[VIRTIO_BLK_ID_BYTES + 1];
    if (vio_blk_get_id(&d->blk, id) < 0)
        return 0;
    int i = 0;
    for (; serial[i] && id[i] == serial[i]; i++)
        ;
    return serial[i] == 0 && id[i] == 0;
}

/* Does the mounted-for-a-look ext2 have /init? (then it is a root: build/image.sh's) */
static int is_root(struct pm_disk *d)
{
    if (ext2_mount(&d->fs, &d->dev, d->cache, CACHE_BLOCKS * 4096, 1) < 0)
        return 0;
    uint32_t ino;
    int r = ext2_resolve(&d->fs, "/init", &ino) == 0;
    ext2_unmount(&d->fs);
    return r;
}

long pm_disk_root(const struct fs_type **t, const void **data)
{
    static struct fs_ext2_args a;
    char serial[32] = "", want[8] = "";
    exo_cmdline_value(los_cmdline, "init.root", want, sizeof want);
    if (want[0] == 'r' && want[1] == 'a' && want[2] == 'm' && !want[3])
        return -EXT2_ENOENT;
    exo_cmdline_value(los_cmdline, "init.ext2", serial, sizeof serial);
    struct pm_disk *d = &disks[0];
    int found = -1, count = 0;
    unsigned nth = 0;
    struct exo_vio_info info;
    for (; nth < 26; nth++) {
        int dev = vio_find(VIRTIO_ID_BLK, nth, &info);
        if (dev < 0)
            break;
        if (open_disk(d, (unsigned)dev, nth) < 0)
            continue;
        if (!(serial[0] && has_serial(d, serial)) && is_root(d)) {
            count++;
            found = (int)nth;
        }
        vio_blk_close(&d->blk);
    }
    if (count != 1) {
        if (nth) /* no disk at all (a direct boot) is no news */
            los_printf("pm: %s: ramfs on / (%s)\n", ROOT_NAME,
                       count ? "more than one disk has a root" : "no disk has a root");
        return -EXT2_ENOENT;
    }
    int dev = vio_find(VIRTIO_ID_BLK, (unsigned)found, &info);
    if (dev < 0 || open_disk(d, (unsigned)dev, (unsigned)found) < 0)
        return -EXT2_EIO;
    a = (struct fs_ext2_args){&d->dev, &d->fs, d->cache, CACHE_BLOCKS * 4096, 0, d->source};
    *t = &fs_ext2;
    *data = &a;
    d->mounted = 1; /* the caller mounts it; if that fails it says so and uses ramfs */
    return 0;
}

void pm_disk_root_report(long r)
{
    struct pm_disk *d = &disks[0];
    if (r < 0) { /* success is silent: /proc/mounts says it */
        d->mounted = 0;
        vio_blk_close(&d->blk);
        los_printf("pm: ext2: mount of %s as / failed (%ld): ramfs on /\n", d->source, r);
    }
}

long pm_ext2_mount(void)
{
    char serial[32];
    if (exo_cmdline_value(los_cmdline, "init.ext2", serial, sizeof serial) != 0)
        return 0;
    struct pm_disk *d = &disks[1];
    int dev = vio_blk_open_serial(&d->blk, serial, 0);
    if (dev >= 0)
        vio_blk_close(&d->blk);
    if (dev < 0 || open_disk(d, (unsigned)dev, (unsigned)dev) < 0) {
        los_printf("pm: ext2: no virtio-blk disk with serial %s and a partition %s\n", serial,
                   ROOT_NAME);
        return -EXT2_EIO;
    }
    struct fs_ext2_args a = {&d->dev, &d->fs, d->cache, CACHE_BLOCKS * 4096, 0, d->source};
    struct fs_proc *p = fs_proc_new();
    if (!p)
        return -EXT2_ENOMEM;
    long r = fs_mkdir(p, "/mnt", 0755);
    if (r == 0 || r == -FS_EEXIST)
        r = fs_mount(p, "/mnt", &fs_ext2, &a);
    fs_proc_exit(p);
    if (r < 0) {
        los_printf("pm: ext2: mount of %s failed (%ld)\n", ROOT_NAME, r);
        return r;
    }
    d->mounted = 1;
    los_printf("pm: ext2: %s (%lu KiB blocks, %lu blocks) on /mnt\n", ROOT_NAME,
               (unsigned long)(d->fs.bsize / 1024), (unsigned long)d->fs.sb.s_blocks_count);
    return r;
}

long pm_disk_shutdown(void)
{
    long r = 0;
    for (unsigned i = 0; i < sizeof disks / sizeof disks[0]; i++) {
        struct pm_disk *d = &disks[i];
        if (!d->mounted)
            continue;
        long s = ext2_unmount(&d->fs); /* the cache written back, the clean state put back */
        int f = vio_blk_flush(&d->blk);
        if (f < 0 && f != VIO_E_UNSUPP && s == 0)
            s = -EXT2_EIO;
        d->mounted = 0;
        if (s < 0 && r == 0)
            r = s;
    }
    return r;
}
