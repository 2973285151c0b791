/*
 * vio.h: virtio devices as exo resources. exo finds the virtio 1.x PCI functions at boot,
 * starts a device when an env holding a CAP_DEV asks (vio_setup), and hands single queues to
 * envs (vio_queue_open). The data path is the env's: it writes descriptors into its own
 * submission pages and reads completions from the used ring exo maps read-only into it. Only
 * submission passes through exo (vio_kick), because a descriptor names physical memory: exo
 * checks that every page it names is the submitter's, copies the checked descriptors into the
 * ring the device reads (which no env can write), and pins those pages until the device is done.
 */
#ifndef EXO_VIO_H
#define EXO_VIO_H

#include <exo/env.h>

#include <stdint.h>

/* Finds the devices (boot, BSP, before any env exists: their registers are mapped into exo's
 * half of every address space). Prints one line per device. */
void vio_init(void);

/* Gives init its CAP_DEV (slot EXO_CAP_DEVS) covering every device. */
void vio_cap_init(struct env *init);

/* Does e hold BIND on a CAP_DEV covering every virtio-net device exo found (and is there one)?
 * Whoever may set up and reset the machine's NICs: the packet filters' configurer (nf_config,
 * sys_net.c). */
/* Is there a virtio-net device at all? */
int vio_has_net(void);
int vio_holds_net(const struct env *e);

/* e is ending: the queues it holds are drained (or their device reset) and freed, so no
 * descriptor of its still names one of its pages when they are freed. */
void vio_env_freed(const struct env *e);

/* Page ppn is about to be freed: completions are collected, and if the device still holds a
 * descriptor naming it, EXO_E_BUSY; with `force` (the abort protocol), the owner's queues are
 * drained instead, resetting the device if it does not finish. */
int vio_release_page(uint64_t ppn, int force);

#endif
