/*
 * net_ring.c: a received frame into an env's receive ring (see net_ring.h). The ring's page
 * is the env's, so both counts exo reads from it (head, tail) are read once and checked before
 * any byte is written; a ring the env corrupts harms only its own delivery.
 */
#include <exo/net_ring.h>

#define REC_HDR 4u
#define DATA ((uint32_t)EXO_NF_RING_DATA)
#define RING_MOD (2u * DATA) /* head and tail count modulo this */

static uint32_t rec_size(uint32_t len)
{
    return (REC_HDR + len + 3u) & ~3u;
}

int exo_nr_put(volatile struct exo_nf_ring *r, const uint8_t *frame, uint32_t len)
{
    if (len == 0 || len > EXO_NF_RING_MAX_FRAME)
        return EXO_E_INVAL;
    uint32_t head = r->head, tail = r->tail; /* both in the env's page: read once, checked */
    uint32_t used = (head + RING_MOD - tail) % RING_MOD, pos = head % DATA;
    uint32_t need = rec_size(len), skip = pos + need > DATA ? DATA - pos : 0;
    if (head >= RING_MOD || tail >= RING_MOD || head % 4 || used > DATA ||
        skip + need > DATA - used) {
        r->drops = r->drops + 1;
        return EXO_E_NOMEM;
    }
    volatile uint8_t *d = r->data;
    if (skip) { /* a wrap marker where the record would not fit; the record at data[0] */
        *(volatile uint32_t *)(d + pos) = EXO_NF_RING_WRAP;
        pos = 0;
    }
    *(volatile uint32_t *)(d + pos) = len;
    for (uint32_t i = 0; i < len; i++)
        d[pos + REC_HDR + i] = frame[i];
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the record before the head that shows it */
    r->head = (head + skip + need) % RING_MOD;
    return EXO_OK;
}
