/*
 * iommu_hw.h: the VT-d unit's registers and invalidation commands, shared by iommu.c (DMA
 * remapping) and iommu_ir.c (interrupt remapping and the invalidation queue). Not for use
 * outside those two files.
 */
#ifndef EXO_IOMMU_HW_H
#define EXO_IOMMU_HW_H

#include <stdint.h>

#define REG_CAP 0x08
#define REG_ECAP 0x10
#define REG_GCMD 0x18
#define REG_GSTS 0x1c
#define REG_RTADDR 0x20
#define REG_CCMD 0x28
#define REG_FSTS 0x34
#define REG_FECTL 0x38
#define REG_FEDATA 0x3c
#define REG_FEADDR 0x40
#define REG_IQT 0x88
#define REG_IQA 0x90
#define REG_IRTA 0xb8
#define GCMD_TE (1u << 31)
#define GCMD_SRTP (1u << 30)
#define GCMD_WBF (1u << 27)
#define GCMD_QIE (1u << 26)
#define GCMD_IRE (1u << 25)
#define GCMD_SIRTP (1u << 24) /* GCMD_CFI (bit 23) stays clear: compatibility format blocked */
#define GSTS_ONESHOT_MASK 0x96ffffffu /* status bits that persist when GCMD is written back */

/* Invalidation queue descriptors (low quadword; the high one is 0 for these). */
#define QI_CONTEXT 0x1ull
#define QI_IOTLB 0x2ull
#define QI_IEC 0x4ull
#define QI_WAIT 0x5ull
#define QI_GLOBAL (1ull << 4)
#define QI_DOMAIN (2ull << 4)

extern volatile uint8_t *iommu_regs;

static inline uint32_t iommu_r32(uint32_t off)
{
    return *(volatile uint32_t *)(iommu_regs + off);
}
static inline uint64_t iommu_r64(uint32_t off)
{
    return *(volatile uint64_t *)(iommu_regs + off);
}
static inline void iommu_w32(uint32_t off, uint32_t v)
{
    *(volatile uint32_t *)(iommu_regs + off) = v;
}
static inline void iommu_w64(uint32_t off, uint64_t v)
{
    *(volatile uint64_t *)(iommu_regs + off) = v;
}

/* Writes a command bit to GCMD (keeping the persistent ones) and waits for its status. */
void iommu_gcmd(uint32_t bit);

/* Sets the invalidation queue and interrupt remapping up and turns them on: 0 or an error. */
int iommu_ir_init(void);

/* 1 once the invalidation queue is on (context and IOTLB flushes then go through it). */
int iommu_qi_enabled(void);

/* Runs one invalidation descriptor and waits until the unit has done it. */
void iommu_qi_run(uint64_t desc);

#endif
