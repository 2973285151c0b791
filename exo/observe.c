/*
 * observe.c: the observe call: who holds which virtio device, queue and interrupt vector, how
 * many interrupts each vector took and what the packet filters' data path did, for tools that
 * show an exokernel at work (/proc/tessera). Read-only and open to every env: an exokernel exposes
 * who holds a resource; it is the holding that is protected, at bind time.
 */
#include <exo/abi.h>
#include <exo/env.h>
#include <exo/error.h>
#include <exo/irq.h>
#include <exo/net_nic.h>
#include <exo/syscall.h>
#include <exo/vio_internal.h>

static int64_t vdev(uint64_t index)
{
    if (index >= (uint64_t)vio_ndevs)
        return EXO_E_NOENT;
    const struct vdev *d = &vio_devs[index];
    uint32_t direct = d->direct && env_by_id(d->direct) ? d->direct : 0;
    return (int64_t)(d->type | (uint64_t)d->nq << 16 | (uint64_t)direct << 32);
}

static int64_t vq(uint64_t index)
{
    uint64_t dev = index >> 16, queue = index & 0xffff;
    if (dev >= (uint64_t)vio_ndevs || queue >= vio_devs[dev].nq || queue >= EXO_VQ_MAX)
        return EXO_E_NOENT;
    const struct vq *q = &vio_devs[dev].q[queue];
    uint64_t owner = vio_queue_taken(q) ? q->owner : 0;
    uint64_t vector = q->vector >= 0 ? (uint64_t)q->vector + 1 : 0;
    return (int64_t)(owner | (uint64_t)q->inflight << 32 | vector << 48 |
                     (uint64_t)(q->size != 0) << 56);
}

int64_t sys_observe(uint64_t what, uint64_t index)
{
    switch (what) {
    case EXO_OBSERVE_VDEV:
        return vdev(index);
    case EXO_OBSERVE_VQ:
        return vq(index);
    case EXO_OBSERVE_IRQ:
    case EXO_OBSERVE_IRQ_COUNT:
        if (index > 255)
            return EXO_E_RANGE;
        return what == EXO_OBSERVE_IRQ ? irq_observe((int)index) : irq_count((int)index);
    case EXO_OBSERVE_NET:
        return net_nic_count(index);
    default:
        return EXO_E_INVAL;
    }
}
