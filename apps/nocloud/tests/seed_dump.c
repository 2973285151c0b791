/*
 * seed_dump.c: host tool for ctest apps.nocloud_seed (build/test_app_seed.py): reads a seed
 * image made by build/app_seed.py with the guest's own seed_fat.c and seed_config.c and prints
 * what nocloud would report, one line each, so the test can compare exact text.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../seed.h"

static uint8_t vol[128 * 1024]; /* what the guest reads: the seed's first 128 KiB */
static struct seed_config cfg;

static void parse(const char *name, size_t len)
{
    const uint8_t *data;
    uint32_t size;
    if (seed_file(vol, len, name, &data, &size) == 0)
        seed_parse(&cfg, (const char *)data, size);
    else
        printf("no %s\n", name);
}

int main(int argc, char **argv)
{
    FILE *f = argc == 2 ? fopen(argv[1], "rb") : NULL;
    if (!f) {
        fprintf(stderr, "usage: seed_dump SEED.img\n");
        return 2;
    }
    size_t len = fread(vol, 1, sizeof vol, f);
    fclose(f);
    printf("cidata %d\n", seed_is_cidata(vol, len));
    parse("meta-data", len);
    parse("user-data", len);
    printf("instance-id %s\nhostname %s\nkeys %u\n", cfg.instance_id, cfg.hostname, cfg.nkeys);
    for (unsigned i = 0; i < cfg.nkeys; i++)
        printf("key %s\n", cfg.keys[i]);
    for (unsigned i = 0; i < cfg.ncmds; i++)
        printf("runcmd %s\n", cfg.cmds[i]);
    return 0;
}
