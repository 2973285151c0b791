/*
 * seed.h: reading a NoCloud seed (a small FAT12/16 volume labelled CIDATA) from memory, and the
 * subset of its meta-data and #cloud-config user-data a per-app VM uses. Pure code: no I/O.
 */
#ifndef NOCLOUD_SEED_H
#define NOCLOUD_SEED_H

#include <stddef.h>
#include <stdint.h>

#define SEED_MAX_KEYS 8
#define SEED_MAX_CMDS 8
#define SEED_STR 128

/* 1 if the volume's boot sector says FAT12/16 with label CIDATA (cloud-init's test too). */
int seed_is_cidata(const uint8_t *vol, size_t len);

/* Finds root-directory file `name` (long name, e.g. "user-data") in the volume image held in
 * vol[0..len): 0 and *data, *size (the clusters must be contiguous, as mkfs.fat + mcopy
 * lay out a fresh volume, and inside the image), or -1. */
int seed_file(const uint8_t *vol, size_t len, const char *name, const uint8_t **data,
              uint32_t *size);

struct seed_config {
    char instance_id[SEED_STR];
    char hostname[SEED_STR]; /* user-data hostname, else meta-data local-hostname */
    unsigned nkeys, ncmds;
    char keys[SEED_MAX_KEYS][SEED_STR * 4]; /* ssh_authorized_keys */
    char cmds[SEED_MAX_CMDS][SEED_STR];     /* runcmd: archive programs to run, in order */
};

/* Reads "key: value" lines and "key:" followed by "  - item" lines (instance-id,
 * local-hostname, hostname, ssh_authorized_keys, runcmd; anything else is skipped) into c. */
void seed_parse(struct seed_config *c, const char *text, size_t len);

#endif
