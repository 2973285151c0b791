/*
 * test_random.c: the generator behind /dev/urandom and getrandom (libos/dev/random.c): the
 * ChaCha20 block function against RFC 8439's vectors, seeding, fast key erasure, getrandom's
 * flags and its refusal before a seed.
 */
#include <check.h>

#include <dev/random.h>
#include <posix/linux.h>

#include <string.h>

static void hex(const char *h, uint8_t *out)
{
    for (int i = 0; h[2 * i]; i++) {
        unsigned v;
        sscanf(h + 2 * i, "%2x", &v);
        out[i] = (uint8_t)v;
    }
}

TEST_CASE(chacha20_block_vectors)
{
    uint8_t out[64], want[64];
    const uint32_t zero_key[8] = {0}, zero_nonce[3] = {0};
    dev_chacha20_block(zero_key, 0, zero_nonce, out); /* RFC 8439 A.1 #1 */
    hex("76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7"
        "da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586",
        want);
    CHECK_EQ(memcmp(out, want, 64), 0);
    uint32_t key[8];
    for (int i = 0; i < 8; i++) /* 00 01 02 ... 1f, little-endian words */
        key[i] = (uint32_t)(4 * i) | (uint32_t)(4 * i + 1) << 8 | (uint32_t)(4 * i + 2) << 16 |
                 (uint32_t)(4 * i + 3) << 24;
    const uint32_t nonce[3] = {0x09000000, 0x4a000000, 0}; /* RFC 8439 2.3.2 */
    dev_chacha20_block(key, 1, nonce, out);
    hex("10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4e"
        "d2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
        want);
    CHECK_EQ(memcmp(out, want, 64), 0);
}

TEST_CASE(seeding_and_key_erasure)
{
    struct dev_rng a = {0}, b = {0};
    uint8_t x[100], y[100];
    CHECK_EQ(dev_getrandom(&a, x, 16, 0), -LNX_EAGAIN); /* not seeded: would block */
    CHECK_EQ(dev_getrandom(&a, x, 16, DEV_GRND_NONBLOCK), -LNX_EAGAIN);
    CHECK_EQ(dev_getrandom(&a, x, 16, DEV_GRND_INSECURE), 16); /* allowed before a seed */
    dev_rng_seed(&b, "0123456789abcdef0123456789abcdef", 32);
    struct dev_rng c = b;
    CHECK_EQ(dev_getrandom(&b, x, sizeof x, 0), sizeof x);
    CHECK_EQ(dev_getrandom(&c, y, sizeof y, 0), sizeof y);
    CHECK_EQ(memcmp(x, y, sizeof x), 0); /* deterministic from the same state */
    CHECK_EQ(dev_getrandom(&b, y, sizeof y, 0), sizeof y);
    CHECK_EQ(memcmp(x, y, sizeof x) != 0, 1); /* the next request: other bytes */
    /* the key changed after the request (fast key erasure): it is not the one that made x */
    struct dev_rng d = {0};
    dev_rng_seed(&d, "0123456789abcdef0123456789abcdef", 32);
    uint32_t k0[8];
    memcpy(k0, d.key, sizeof k0);
    dev_rng_bytes(&d, x, 10);
    CHECK_EQ(memcmp(k0, d.key, sizeof k0) != 0, 1);
    /* one seed byte more or less: other output */
    struct dev_rng e = {0}, f = {0};
    dev_rng_seed(&e, "0123456789abcdef0123456789abcdef", 32);
    dev_rng_seed(&f, "0123456789abcdef0123456789abcdeg", 32);
    dev_rng_bytes(&e, x, 32);
    dev_rng_bytes(&f, y, 32);
    CHECK_EQ(memcmp(x, y, 32) != 0, 1);
    /* a 31-byte seed is not enough to count as seeded */
    struct dev_rng g = {0};
    dev_rng_seed(&g, x, 31);
    CHECK_EQ(dev_getrandom(&g, y, 1, 0), -LNX_EAGAIN);
    dev_rng_seed(&g, x, 1);
    CHECK_EQ(dev_getrandom(&g, y, 1, 0), 1);
}

TEST_CASE(getrandom_flags)
{
    struct dev_rng r = {0};
    uint8_t x[8];
    dev_rng_seed(&r, "0123456789abcdef0123456789abcdef", 32);
    CHECK_EQ(dev_getrandom(&r, x, 8, DEV_GRND_RANDOM), 8);
    CHECK_EQ(dev_getrandom(&r, x, 8, DEV_GRND_NONBLOCK | DEV_GRND_RANDOM), 8);
    CHECK_EQ(dev_getrandom(&r, x, 8, DEV_GRND_RANDOM | DEV_GRND_INSECURE), -LNX_EINVAL);
    CHECK_EQ(dev_getrandom(&r, x, 8, 8), -LNX_EINVAL);
    CHECK_EQ(dev_getrandom(&r, x, 0, 0), 0);
}
