/*
 * pm_disk.c: pm holds the disk. With `init.ext2=SERIAL` on exo's command line, pm (the process
 * server in init, which owns the VFS) opens the virtio-blk device with that serial, finds the
 * GPT partition named "tessera-root" and mounts its ext2 on /mnt for every process. Only pm
 * holds the queue and the block cache (its own pages): other processes reach the disk through
 * pm's file ops (docs/concepts/ext2.md). Blocking requests: pm waits for each one (v1).
 */
#include <ext2/vfs.h>
#include <fs/fs.h>

#include <common/cmdline.h>
#include <los/los.h>
#include <virtio/vio.h>

extern const char *los_cmdline;

#define ROOT_NAME "tessera-root"
#define CACHE_BLOCKS 128

static struct vio_blk disk;
static struct vio_dma page; /* every request goes through this one page */
static uint64_t part_start, part_sectors;
static struct ext2_dev dev;
static struct ext2_fs fs;
static uint8_t cache[CACHE_BLOCKS * 4096] __attribute__((aligned(4096)));

static long sectors(int write, uint64_t sector, uint32_t n, void *buf)
{
    if (n * 512 > 4096 || sector + n > part_sectors)
        return -EXT2_EIO;
    if (write)
        vio_copy(page.va, buf, n * 512);
    int r = write ? vio_blk_write(&disk, part_start + sector, n, &page)
                  : vio_blk_read(&disk, part_start + sector, n, &page);
    if (r < 0)
        return -EXT2_EIO;
    if (!write)
        vio_copy(buf, page.va, n * 512);
    return 0;
}

static long dev_read(struct ext2_dev *d, uint64_t blk, uint32_t size, void *buf)
{
    (void)d;
    return sectors(0, blk * (size / 512), size / 512, buf);
}

static long dev_write(struct ext2_dev *d, uint64_t blk, uint32_t size, const void *buf)
{
    (void)d;
    return sectors(1, blk * (size / 512), size / 512, (void *)buf);
}

static void dev_log(struct ext2_dev *d, const char *line)
{
    (void)d;
    los_printf("%s\n", line);
}

/* The GPT partition named ROOT_NAME (UTF-16 in the entry): 0 with part_start/part_sectors. */
static int find_root(void)
{
    uint8_t hdr[512], ent[512];
    part_sectors = disk.capacity;
    if (sectors(0, 1, 1, hdr) < 0)
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
        if (i % (512 / size) == 0 && sectors(0, lba + i / (512 / size), 1, ent) < 0)
            return -1;
        const uint8_t *e = ent + (i % (512 / size)) * size;
        int same = 1;
        for (int c = 0; c <= (int)sizeof ROOT_NAME - 1; c++)
            same &= e[56 + 2 * c] == (uint8_t)ROOT_NAME[c] && e[57 + 2 * c] == 0;
        uint64_t first = *(const uint64_t *)(e + 32), last = *(const uint64_t *)(e + 40);
        if (same && first && last >= first && last < disk.capacity) {
            part_start = first;
            part_sectors = last - first + 1;
            return 0;
        }
    }
    return -1;
}

long pm_ext2_mount(void)
{
    char serial[32];
    if (exo_cmdline_value(los_cmdline, "init.ext2", serial, sizeof serial) != 0)
        return 0;
    if (vio_blk_open_serial(&disk, serial, 0) < 0 || vio_dma_alloc(&page) < 0) {
        los_printf("pm: ext2: no virtio-blk disk with serial %s\n", serial);
        return -EXT2_EIO;
    }
    if (find_root() < 0) {
        los_printf("pm: ext2: no GPT partition %s on %s\n", ROOT_NAME, serial);
        return -EXT2_EIO;
    }
    dev.read = dev_read;
    dev.write = dev_write;
    dev.bytes = part_sectors * 512;
    dev.log = dev_log;
    struct fs_ext2_args a = {&dev, &fs, cache, sizeof cache, 0};
    struct fs_proc *p = fs_proc_new();
    if (!p)
        return -EXT2_ENOMEM;
    long r = fs_mkdir(p, "/mnt", 0755);
    if (r == 0 || r == -FS_EEXIST)
        r = fs_mount(p, "/mnt", &fs_ext2, &a);
    fs_proc_exit(p);
    if (r < 0)
        los_printf("pm: ext2: mount of %s failed (%ld)\n", ROOT_NAME, r);
    else
        los_printf("pm: ext2: %s (%lu KiB blocks, %lu blocks) on /mnt\n", ROOT_NAME,
                   (unsigned long)(fs.bsize / 1024), (unsigned long)fs.sb.s_blocks_count);
    return r;
}
