/*
 * iommu.h: DMA remapping with the Intel VT-d unit QEMU emulates (-device intel-iommu). With it,
 * a device reaches only what its domain maps: exo's identity domain (all of RAM: devices whose
 * queues are shared, where vio_kick's checks confine each submitter) or an env's own domain
 * (exactly the pages that env owns, plus its queues' rings: a device the env holds whole, which
 * it drives with no exo call at all). A page leaves an env's domain, and the IOTLB forgets it,
 * before the page can go to anyone else. A DMA outside a domain is blocked by the unit and
 * logged by exo; the device that tried it is the only one affected.
 */
#ifndef EXO_IOMMU_H
#define EXO_IOMMU_H

#include <stdint.h>

#define IOMMU_NDOM 8 /* env domains at once (domain 0 is exo's identity domain) */

/* Finds the DMAR unit in the ACPI tables (physical address of the DMAR table, 0: none) and
 * builds the tables, with the identity domain. 1 if there is a unit to use, 0 if there is no
 * unit, or an error. Translation starts with iommu_enable, once every device is added. */
int iommu_init(uint64_t dmar_phys);

/* Puts PCI function bdf in the identity domain (before iommu_enable). */
int iommu_add_device(uint32_t bdf);

/* Turns translation on. */
void iommu_enable(void);

/* 1 when interrupt remapping is on (devices' messages go through exo's table). */
int iommu_ir_enabled(void);

/* The MSI address and data through which device bdf raises `vector` on the CPU with LAPIC id
 * apic, through exo's remapping table (only bdf may use that entry). EXO_E_NOENT without
 * interrupt remapping (then the message is the plain compatibility-format one). */
int iommu_irq_route(uint32_t bdf, int vector, uint32_t apic, uint32_t *addr, uint32_t *data);

/* 1 when DMA remapping is on. */
int iommu_enabled(void);

/* Puts device bdf into env `owner`'s domain (made on first use, filled with every page the env
 * owns), or back into the identity domain when owner = 0. EXO_E_NOMEM if no domain is free. */
int iommu_attach(uint32_t bdf, uint32_t owner);

/* Page ppn now belongs to env `owner` / is leaving it: the env's domain (if it has one) maps /
 * unmaps it; an unmap is complete in the IOTLB when this returns. No-ops without a domain. */
void iommu_page_gained(uint32_t owner, uint64_t ppn);
void iommu_page_lost(uint32_t owner, uint64_t ppn);

/* Maps an exo page (a queue's ring) into env owner's domain as well (made if need be). */
int iommu_map_extra(uint32_t owner, uint64_t ppn);

/* Blocks every DMA of device bdf (a device that would not reset). */
void iommu_block(uint32_t bdf);

/* A device left env owner's domain: the domain is freed if none is left in it. */
void iommu_detached(uint32_t owner);

/* The env is gone: its domain is emptied and freed (devices must be detached first). */
void iommu_env_freed(uint32_t owner);

/* The fault interrupt (VEC_IOMMU): logs and clears every recorded fault. Returns how many. */
int iommu_fault(void);

/* Faults recorded since boot (what the tests look at, through the console log). */
extern uint64_t iommu_faults;

#endif
