/*
 * nocloud.c: first-boot configuration as clouds do it, the small subset a per-app VM needs.
 * init runs it first when the image carries it. It looks for a virtio-blk disk with serial
 * "cidata" (what `./tessera launch --hostname/--ssh-key/--run` attaches), reads the NoCloud
 * seed on it (FAT, label CIDATA: meta-data and #cloud-config user-data; seed.h), reports the
 * instance id, the hostname and how many SSH keys it keeps for the SSH server to come, then
 * runs each runcmd entry (a program of the boot archive) to its end. No seed: it says nothing.
 */
#include <los/los.h>
#include <los/spawn.h>
#include <virtio/vio.h>

#include "seed.h"

#define SERIAL "cidata"
#define SEED_PAGES VIO_BLK_MAX_PAGES /* the seed's first 128 KiB: all of a fresh small seed */

static struct vio_blk blk;
static struct vio_dma pages[SEED_PAGES];
static uint8_t vol[SEED_PAGES * 4096];
static struct seed_config cfg;

/* Opens the blk device whose serial is SERIAL: 0, or an error (none: EXO_E_NOENT...). */
static int open_seed(void)
{
    int dev = vio_blk_open_serial(&blk, SERIAL, 0);
    return dev < 0 ? dev : 0;
}

/* Runs archive program name to its end, passing on the device and interrupt rights. */
static void run(const char *name)
{
    int64_t r = los_run(name, NULL, 0);
    if (r < 0)
        los_printf("nocloud: runcmd %s: cannot start: %ld\n", name, (long)r);
}

static void parse_file(const char *name)
{
    const uint8_t *data;
    uint32_t size;
    if (seed_file(vol, sizeof vol, name, &data, &size) == 0)
        seed_parse(&cfg, (const char *)data, size);
    else
        los_printf("nocloud: no %s on the seed\n", name);
}

int main(uint64_t arg0, uint64_t arg1)
{
    (void)arg0;
    (void)arg1;
    if (open_seed() < 0)
        return 0; /* no seed attached: nothing to configure */
    uint64_t sectors = blk.capacity < SEED_PAGES * 8 ? blk.capacity : SEED_PAGES * 8;
    for (unsigned i = 0; i < (sectors + 7) / 8; i++)
        if (vio_dma_alloc(&pages[i]) < 0) {
            los_printf("nocloud: out of memory\n");
            return 1;
        }
    int r = vio_blk_read(&blk, 0, (uint32_t)sectors, pages);
    vio_blk_close(&blk);
    if (r < 0) {
        los_printf("nocloud: reading the seed failed: %d\n", r);
        return 1;
    }
    for (unsigned i = 0; i < (sectors + 7) / 8; i++)
        vio_copy(vol + i * 4096, pages[i].va, 4096);
    if (!seed_is_cidata(vol, sectors * 512)) {
        los_printf("nocloud: disk " SERIAL " is not a FAT volume labelled CIDATA\n");
        return 1;
    }
    parse_file("meta-data");
    parse_file("user-data");
    los_printf("nocloud: instance-id %s\n", cfg.instance_id[0] ? cfg.instance_id : "(none)");
    if (cfg.hostname[0])
        los_printf("nocloud: hostname %s\n", cfg.hostname);
    los_printf("nocloud: %u ssh authorized key(s) kept for the SSH server\n", cfg.nkeys);
    for (unsigned i = 0; i < cfg.ncmds; i++) {
        los_printf("nocloud: runcmd %s\n", cfg.cmds[i]);
        run(cfg.cmds[i]);
    }
    return 0;
}
