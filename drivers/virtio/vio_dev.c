/*
 * vio_dev.c: finding virtio devices through exo, starting them, reading their configuration,
 * and opening their queues with exo's kick behind struct virtq, or in direct mode (a device
 * held whole) with the doorbell's. Guest only: every call here is an exo call.
 */
#include "vio.h"

#define VIO_MAXDEV 255 /* CAP_DEV covers devices 0..254 */

void vio_copy(void *dst, const void *src, uint64_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    while (n--)
        *d++ = *s++;
}

void vio_zero(void *dst, uint64_t n)
{
    uint8_t *d = dst;
    while (n--)
        *d++ = 0;
}

int vio_info(unsigned dev, struct exo_vio_info *info)
{
    int64_t r = exo_vio_info(dev, (uint64_t)info);
    return r < 0 ? (int)r : 0;
}

int vio_find(uint16_t type, unsigned nth, struct exo_vio_info *info)
{
    struct exo_vio_info tmp, *i = info ? info : &tmp;
    for (unsigned dev = 0; dev < VIO_MAXDEV; dev++) {
        int r = vio_info(dev, i);
        if (r == EXO_E_NOENT)
            break;
        if (r < 0)
            continue; /* not ours to use (EXO_E_PERM): look further */
        if (i->type == type && nth-- == 0)
            return (int)dev;
    }
    return EXO_E_NOENT;
}

int64_t vio_setup(unsigned dev, uint64_t want)
{
    struct exo_vio_info info;
    int r = vio_info(dev, &info);
    if (r < 0)
        return r;
    /* Ask only for what is offered, so the device never sees a feature it cannot take. */
    return exo_vio_setup(dev, (want & info.offered) | VIRTIO_BIT(VIRTIO_F_VERSION_1));
}

int64_t vio_start(unsigned dev, uint64_t want, struct exo_vio_info *info)
{
    int r = vio_info(dev, info);
    if (r < 0)
        return r;
    if (info->accepted)
        return (int64_t)info->accepted;
    int64_t acc = exo_vio_setup(dev, (want & info->offered) | VIRTIO_BIT(VIRTIO_F_VERSION_1));
    if (acc < 0)
        return acc;
    r = vio_info(dev, info); /* the configuration may change with the features */
    if (r < 0)
        return r;
    info->accepted = (uint64_t)acc;
    return acc;
}

static uint64_t cfg(const struct exo_vio_info *info, unsigned off, unsigned size)
{
    if (off + size > info->config_len || off + size > EXO_VIO_CONFIG)
        return 0;
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= (uint64_t)info->config[off + i] << (8 * i); /* little-endian, any alignment */
    return v;
}

uint8_t vio_cfg8(const struct exo_vio_info *info, unsigned off)
{
    return (uint8_t)cfg(info, off, 1);
}

uint16_t vio_cfg16(const struct exo_vio_info *info, unsigned off)
{
    return (uint16_t)cfg(info, off, 2);
}

uint32_t vio_cfg32(const struct exo_vio_info *info, unsigned off)
{
    return (uint32_t)cfg(info, off, 4);
}

uint64_t vio_cfg64(const struct exo_vio_info *info, unsigned off)
{
    return cfg(info, off, 8);
}

static int64_t exo_kick(struct virtq *vq, uint16_t avail_idx)
{
    return exo_vio_kick(vq->dev, vq->queue, avail_idx);
}

/* Where this env has each device's doorbell page (vio_direct), 0: not held. */
static uint64_t bell_va_of[VIO_MAXDEV];

static int vq_open(struct virtq *vq, unsigned dev, unsigned queue, uint64_t va, int with_event,
                   volatile uint16_t *bell)
{
    if (!va)
        va = vio_vq_va_next();
    uint64_t event = EXO_ANY;
    if (with_event) {
        int64_t e = exo_event_create();
        if (e < 0)
            return (int)e;
        event = (uint64_t)e; /* lives until this env ends: exo has no call to drop it */
    }
    int64_t size = exo_vio_queue_open(dev, queue, va, event);
    if (size == EXO_E_NOENT && event != EXO_ANY) { /* no interrupt for this queue: polled */
        event = EXO_ANY;
        size = exo_vio_queue_open(dev, queue, va, event);
    }
    if (size < 0)
        return (int)size;
    int r = vq_init(vq, (void *)va, (uint16_t)size, event, bell ? vq_kick_direct : exo_kick, 0);
    if (r < 0) {
        exo_vio_queue_close(dev, queue);
        return r;
    }
    vq->dev = (uint16_t)dev;
    vq->queue = (uint16_t)queue;
    vq->bell = bell;
    return 0;
}

int vio_vq_open(struct virtq *vq, unsigned dev, unsigned queue, uint64_t va, int with_event)
{
    return vq_open(vq, dev, queue, va, with_event, 0);
}

int vio_direct(unsigned dev, uint64_t bell_va)
{
    if (dev >= VIO_MAXDEV)
        return EXO_E_RANGE;
    if (bell_va_of[dev])
        return EXO_E_BUSY; /* held already (exo would say the same) */
    if (!bell_va)
        bell_va = vio_vq_va_next(); /* a page and a guard page: the slot has room for both */
    int64_t r = exo_vio_direct(dev, bell_va);
    if (r < 0)
        return (int)r;
    bell_va_of[dev] = bell_va;
    return 0;
}

uint64_t vio_direct_bell(unsigned dev)
{
    return dev < VIO_MAXDEV ? bell_va_of[dev] : 0;
}

int vio_direct_end(unsigned dev)
{
    if (dev >= VIO_MAXDEV)
        return EXO_E_RANGE;
    int64_t r = exo_vio_direct(dev, 0);
    if (r < 0)
        return (int)r;
    bell_va_of[dev] = 0;
    return 0;
}

int vio_vq_open_direct(struct virtq *vq, unsigned dev, unsigned queue, uint64_t va, int with_event)
{
    uint64_t bell = vio_direct_bell(dev);
    if (!bell)
        return EXO_E_PERM;
    struct exo_vio_info info;
    int r = vio_info(dev, &info);
    if (r < 0)
        return r;
    if (queue >= info.nqueues || queue >= EXO_VQ_MAX)
        return EXO_E_RANGE;
    if (info.doorbell[queue] + 2 > EXO_PAGE)
        return EXO_E_CORRUPT; /* exo maps one doorbell page */
    return vq_open(vq, dev, queue, va, with_event,
                   (volatile uint16_t *)(bell + info.doorbell[queue]));
}

int vio_vq_close(struct virtq *vq)
{
    int64_t r = exo_vio_queue_close(vq->dev, vq->queue);
    return r < 0 ? (int)r : 0;
}

uint64_t vio_tsc(void)
{
    return __builtin_ia32_rdtsc();
}

uint64_t vio_deadline_us(uint64_t us)
{
    if (us == VIO_FOREVER)
        return VIO_FOREVER;
    static uint64_t hz;
    if (!hz) {
        int64_t c = exo_clock();
        hz = c > 0 ? (uint64_t)c : 1000000000ull;
    }
    /* hz / 1e6 first would lose too much on slow clocks; us * hz overflows only past days. */
    return vio_tsc() + us * (hz / 1000) / 1000;
}

int vio_vq_wait_until(struct virtq *vq, uint16_t *head, uint32_t *len, uint64_t deadline)
{
    if (deadline == VIO_FOREVER && vq->event != EXO_ANY)
        return vq_wait(vq, head, len);
    for (;;) {
        int r = vq_poll(vq, head, len);
        if (r != 0)
            return r;
        if (deadline != VIO_FOREVER && vio_tsc() >= deadline)
            return VIO_E_TIMEOUT;
        if (vq->kicked_idx != vq->avail_idx) {
            int64_t k = vq_kick(vq);
            if (k < 0)
                return (int)k;
        }
        exo_yield(EXO_ANY); /* no timed wait in exo: let others run between polls */
    }
}
