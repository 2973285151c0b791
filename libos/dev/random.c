/*
 * random.c: the ChaCha20 generator (random.h). Output is the keystream under a key only this
 * generator knows; after each request the next 32 bytes of keystream become the key (fast key
 * erasure), so a later compromise of the state does not reveal earlier output. Seed bytes are
 * folded into the key, then the same re-keying spreads them.
 */
#include <dev/random.h>
#include <posix/linux.h>

struct dev_rng dev_rng;

static uint32_t rotl(uint32_t v, int n)
{
    return v << n | v >> (32 - n);
}

#define QR(a, b, c, d)                                                                             \
    do {                                                                                           \
        a += b;                                                                                    \
        d = rotl(d ^ a, 16);                                                                       \
        c += d;                                                                                    \
        b = rotl(b ^ c, 12);                                                                       \
        a += b;                                                                                    \
        d = rotl(d ^ a, 8);                                                                        \
        c += d;                                                                                    \
        b = rotl(b ^ c, 7);                                                                        \
    } while (0)

void dev_chacha20_block(const uint32_t key[8], uint32_t counter, const uint32_t nonce[3],
                        uint8_t out[64])
{
    uint32_t s[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574}, x[16];
    for (int i = 0; i < 8; i++)
        s[4 + i] = key[i];
    s[12] = counter;
    s[13] = nonce[0];
    s[14] = nonce[1];
    s[15] = nonce[2];
    for (int i = 0; i < 16; i++)
        x[i] = s[i];
    for (int r = 0; r < 10; r++) {
        QR(x[0], x[4], x[8], x[12]);
        QR(x[1], x[5], x[9], x[13]);
        QR(x[2], x[6], x[10], x[14]);
        QR(x[3], x[7], x[11], x[15]);
        QR(x[0], x[5], x[10], x[15]);
        QR(x[1], x[6], x[11], x[12]);
        QR(x[2], x[7], x[8], x[13]);
        QR(x[3], x[4], x[9], x[14]);
    }
    for (int i = 0; i < 16; i++) {
        uint32_t v = x[i] + s[i];
        out[4 * i] = (uint8_t)v;
        out[4 * i + 1] = (uint8_t)(v >> 8);
        out[4 * i + 2] = (uint8_t)(v >> 16);
        out[4 * i + 3] = (uint8_t)(v >> 24);
    }
}

/* The next keystream block (the 64-bit block counter is counter and nonce[0]). */
static void next_block(struct dev_rng *r, uint8_t out[64])
{
    const uint32_t nonce[3] = {(uint32_t)(r->counter >> 32), 0, 0};
    dev_chacha20_block(r->key, (uint32_t)r->counter, nonce, out);
    r->counter++;
}

static void rekey(struct dev_rng *r)
{
    uint8_t b[64];
    next_block(r, b);
    for (int i = 0; i < 8; i++)
        r->key[i] = (uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
                    (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24;
    for (int i = 0; i < 64; i++)
        ((volatile uint8_t *)b)[i] = 0;
}

void dev_rng_seed(struct dev_rng *r, const void *seed, unsigned long len)
{
    const uint8_t *s = seed;
    for (unsigned long i = 0; i < len; i++) {
        r->key[i / 4 % 8] ^= (uint32_t)s[i] << (8 * (i % 4));
        if (i % 32 == 31 || i + 1 == len)
            rekey(r); /* each 32 bytes spread over the whole key before the next */
    }
    r->seeded = r->seeded + len < 1u << 30 ? r->seeded + (uint32_t)len : 1u << 30;
}

void dev_rng_bytes(struct dev_rng *r, void *out, unsigned long len)
{
    uint8_t *o = out, b[64];
    while (len) {
        next_block(r, b);
        unsigned long n = len < 64 ? len : 64;
        for (unsigned long i = 0; i < n; i++)
            o[i] = b[i];
        o += n;
        len -= n;
    }
    for (int i = 0; i < 64; i++)
        ((volatile uint8_t *)b)[i] = 0;
    rekey(r);
}

long dev_getrandom(struct dev_rng *r, void *buf, unsigned long len, unsigned flags)
{
    if (flags & ~(DEV_GRND_NONBLOCK | DEV_GRND_RANDOM | DEV_GRND_INSECURE))
        return -LNX_EINVAL;
    if ((flags & DEV_GRND_RANDOM) && (flags & DEV_GRND_INSECURE))
        return -LNX_EINVAL;
    if (r->seeded < 32 && !(flags & DEV_GRND_INSECURE))
        return -LNX_EAGAIN;
    if (len > DEV_RANDOM_MAX)
        len = DEV_RANDOM_MAX;
    dev_rng_bytes(r, buf, len);
    return (long)len;
}
