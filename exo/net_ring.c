/*
 * net_ring.c: a received frame into an env's receive ring (see net_ring.h). The ring's pages
 * are the env's, so both counts exo reads from it (head, tail) are read once and checked before
 * any byte is written; a ring the env corrupts harms only its own delivery. Byte o of data[]
 * is byte 16 + o of the ring, on page (16 + o) / EXO_PAGE: a record is copied page by page.
 */
#include <exo/net_ring.h>

#define REC_HDR 4u
#define HDR ((uint32_t)sizeof(struct exo_nf_ring))

static uint32_t rec_size(uint32_t len)
{
    return (REC_HDR + len + 3u) & ~3u;
}

/* Where byte `off` of the ring (header included) is, for exo. */
static volatile uint8_t *at(const struct exo_nr_view *v, uint32_t off)
{
    uint32_t pg = off / EXO_PAGE;
    return (volatile uint8_t *)(v->base + (uintptr_t)v->ppn[pg] * EXO_PAGE) + off % EXO_PAGE;
}

int exo_nr_put(const struct exo_nr_view *v, const uint8_t *frame, uint32_t len)
{
    if (len == 0 || len > EXO_NF_RING_MAX_FRAME)
        return EXO_E_INVAL;
    const uint32_t data = EXO_NF_RING_DATA(v->npages), mod = 2u * data;
    volatile struct exo_nf_ring *r = (volatile struct exo_nf_ring *)at(v, 0);
    uint32_t head = r->head, tail = r->tail; /* both in the env's page: read once, checked */
    uint32_t used = (head + mod - tail) % mod, pos = head % data;
    uint32_t need = rec_size(len), skip = pos + need > data ? data - pos : 0;
    if (head >= mod || tail >= mod || head % 4 || used > data || skip + need > data - used) {
        r->drops = r->drops + 1;
        return EXO_E_NOMEM;
    }
    if (skip) { /* a wrap marker where the record would not fit; the record at data[0] */
        *(volatile uint32_t *)at(v, HDR + pos) = EXO_NF_RING_WRAP;
        pos = 0;
    }
    /* The length is 4-aligned, so on one page; the frame is copied a page's piece at a time (not
     * through volatile: the release fence below orders the bytes before head). */
    *(volatile uint32_t *)at(v, HDR + pos) = len;
    for (uint32_t done = 0, off = HDR + pos + REC_HDR; done < len;) {
        uint32_t n = EXO_PAGE - off % EXO_PAGE;
        if (n > len - done)
            n = len - done;
        uint8_t *d = (uint8_t *)(uintptr_t)at(v, off);
        uint32_t i = 0;
        for (; i + 8 <= n; i += 8) { /* 8 bytes a move: a byte loop is 8 times the work (TCG) */
            uint64_t w;
            __builtin_memcpy(&w, frame + done + i, 8);
            __builtin_memcpy(d + i, &w, 8);
        }
        for (; i < n; i++)
            d[i] = frame[done + i];
        done += n, off += n;
    }
    __atomic_thread_fence(__ATOMIC_RELEASE); /* the record before the head that shows it */
    r->head = (head + skip + need) % mod;
    return EXO_OK;
}
