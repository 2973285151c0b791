/*
 * dev.h: the devices of /dev as a whole: registering them with the file system, and seeding
 * the random generator where the process (or pm) starts.
 */
#ifndef DEV_DEV_H
#define DEV_DEV_H

#include <stdint.h>

/* Registers null, zero, full, random, urandom, tty, console and ptmx under /dev
 * (fs_dev_register; /dev/pts/N as /dev/ptmx opens make pairs): 0 or the first error. */
int dev_register_all(void);

/* The same with the console's ops as given (pm's add an open hook). */
struct fs_dev_ops;
int dev_register(const struct fs_dev_ops *console);

/* pm's terminals (pm_tty.c, linked into init): the host, the devices, console input on pm's
 * main event; 0 or the first error. pm_tty_input runs in pm's loop after each wake. */
int pm_tty_start(void);
void pm_tty_input(void);

/* Seeds dev_rng from what the CPU offers: 32 bytes of RDSEED (else RDRAND) when CPUID has it,
 * and TSC readings either way (weak alone: said on the console when that is all). Returns how
 * many bytes came from RDSEED/RDRAND. virtio-rng bytes, from whoever holds that device, go in
 * with dev_rng_seed as well. */
int dev_seed_from_cpu(void);

#endif
