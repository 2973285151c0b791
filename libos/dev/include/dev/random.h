/*
 * random.h: the random generator behind /dev/urandom, /dev/random and getrandom(2): ChaCha20
 * (RFC 8439's block function) with fast key erasure, seeded by whoever has entropy (the CPU's
 * RDSEED/RDRAND, the TSC, virtio-rng bytes from the device's holder). Pure: host-tested.
 */
#ifndef DEV_RANDOM_H
#define DEV_RANDOM_H

#include <stdint.h>

#define DEV_GRND_NONBLOCK 1u
#define DEV_GRND_RANDOM 2u
#define DEV_GRND_INSECURE 4u
#define DEV_RANDOM_MAX 0x7ffff000ul /* Linux's most bytes for one read */

struct dev_rng {
    uint32_t key[8];
    uint64_t counter;
    uint32_t seeded; /* bytes of seed mixed in so far (capped) */
};

/* The generator every device and getrandom of this address space share. */
extern struct dev_rng dev_rng;

/* RFC 8439 2.3: the 64-byte block for key, counter and 96-bit nonce. */
void dev_chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3],
                        uint8_t out[64]);

/* Mixes len seed bytes into r's key (it counts as seeded once 32 bytes have come). */
void dev_rng_seed(struct dev_rng *r, const void *seed, unsigned long len);

/* len bytes of output; then a new key from the generator itself (the old one is gone). */
void dev_rng_bytes(struct dev_rng *r, void *out, unsigned long len);

/* getrandom(2): the count, -EINVAL (unknown flags, or GRND_RANDOM with GRND_INSECURE), or
 * -EAGAIN when r is not seeded yet (without GRND_INSECURE; the caller waits unless
 * GRND_NONBLOCK). At most DEV_RANDOM_MAX bytes. */
long dev_getrandom(struct dev_rng *r, void *buf, unsigned long len, unsigned flags);

#endif
