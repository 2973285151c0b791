/*
 * ring.c: the shared-page message ring (see ring.h). Ordering: a side reads the other's index
 * with acquire (the slot it covers is then complete, or free) and publishes its own with
 * release (after the slot copy), so no message is read half-written or overwritten unread.
 */
#include <ipc/ring.h>

static uint32_t load_acquire(const uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_release(uint32_t *p, uint32_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* Byte copy by hand: the libOS has no memcpy. */
static void copy(uint8_t *d, const uint8_t *s)
{
    for (int i = 0; i < LOS_RING_MSG; i++)
        d[i] = s[i];
}

void los_ring_init(struct los_ring *r)
{
    store_release(&r->tail, 0);
    store_release(&r->head, 0);
}

int los_ring_count(const struct los_ring *r)
{
    uint32_t n = load_acquire(&r->head) - load_acquire(&r->tail);
    return n <= LOS_RING_SLOTS ? (int)n : EXO_E_CORRUPT;
}

int los_ring_send(struct los_ring *r, const void *msg)
{
    uint32_t head = __atomic_load_n(&r->head, __ATOMIC_RELAXED); /* ours */
    uint32_t n = head - load_acquire(&r->tail);
    if (n > LOS_RING_SLOTS)
        return EXO_E_CORRUPT;
    if (n == LOS_RING_SLOTS)
        return 0;
    copy(r->msg[head % LOS_RING_SLOTS], msg);
    store_release(&r->head, head + 1);
    return 1;
}

int los_ring_recv(struct los_ring *r, void *msg)
{
    uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_RELAXED); /* ours */
    uint32_t n = load_acquire(&r->head) - tail;
    if (n > LOS_RING_SLOTS)
        return EXO_E_CORRUPT;
    if (n == 0)
        return 0;
    copy(msg, r->msg[tail % LOS_RING_SLOTS]);
    store_release(&r->tail, tail + 1);
    return 1;
}

int los_ring_put(struct los_ring *r, const void *msg, uint64_t data, uint64_t space)
{
    int s;
    while ((s = los_ring_send(r, msg)) == 0) {
        int64_t w = exo_event_wait(space);
        if (w < 0)
            return (int)w;
    }
    return s < 0 ? s : (int)exo_event_post(data);
}

int los_ring_get(struct los_ring *r, void *msg, uint64_t data, uint64_t space)
{
    int s;
    while ((s = los_ring_recv(r, msg)) == 0) {
        int64_t w = exo_event_wait(data);
        if (w < 0)
            return (int)w;
    }
    return s < 0 ? s : (int)exo_event_post(space);
}
