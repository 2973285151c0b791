/*
 * scan.h: finding a Linux binary's `syscall` instructions in its code, for the fast path
 * (libos/linux/fastpath.c rewrites them to `call *%rax`). A length decoder of x86-64
 * instructions (lnx_insn_decode) and a linear sweep over a code range (lnx_scan) that judges
 * each `0f 05` found at an instruction boundary. Pure: host tests in libos/linux/tests
 * compare it with objdump's disassembly of real binaries.
 */
#ifndef LINUX_RT_SCAN_H
#define LINUX_RT_SCAN_H

#include <stdint.h>

/* What lnx_insn_decode learns of one instruction. */
struct lnx_insn {
    uint32_t len; /* bytes, prefixes included */
    uint32_t map; /* 0: one-byte opcodes, 1: 0f, 2: 0f 38, 3: 0f 3a */
    uint32_t op;  /* the opcode byte in its map */
    uint32_t reg; /* ModRM.reg (the /digit), 0 without ModRM */
    int prefixed; /* any legacy or REX prefix */
    int modrm;    /* has a ModRM byte */
    int mem;      /* ModRM names memory (mod != 3) */
    int base;     /* the memory operand's base register (0..15, REX.B included), -1 none */
    int32_t disp; /* its displacement */
    int rsp_dst;  /* mod = 3 and r/m = rsp (REX.B clear): an operation on rsp itself */
};

/* Decodes the instruction at p (at most n bytes readable) as a 64-bit mode CPU would; its
 * length, or 0 if the bytes are no instruction this decoder knows (or run past n). */
uint32_t lnx_insn_decode(const uint8_t *p, uint64_t n, struct lnx_insn *in);

/* The verdict on a `syscall` (0f 05) the sweep found at an instruction boundary. */
enum lnx_site {
    LNX_SITE_REWRITE,  /* rewritten to `call *%rax` */
    LNX_SITE_UNSURE,   /* after an undecodable byte, before the sweep is sure of its boundaries */
    LNX_SITE_PREFIXED, /* carries a prefix: its 2 bytes are not the whole instruction */
    LNX_SITE_REDZONE,  /* its stretch of code reaches below rsp: the pushed return address
                          could overwrite a live red-zone word */
};

struct lnx_scan_stats {
    uint32_t sites[4]; /* by enum lnx_site */
    uint32_t bad;      /* undecodable bytes stepped over */
};

/* Sweeps code[0..n) from its first byte and calls site(ctx, offset, verdict) for each `syscall`
 * instruction found (those rewritten in increasing offsets); counts into *st (added to). */
void lnx_scan(const uint8_t *code, uint64_t n, void (*site)(void *ctx, uint64_t off, int verdict),
              void *ctx, struct lnx_scan_stats *st);

/* Where a sweep of an executable segment (the file's bytes [seg_off, seg_off + seg_len)) starts
 * in a mapping of the file's [map_off, map_off + map_len): at the segment's first byte, an
 * instruction boundary, which must lie in the mapping. Its offset in the mapping, with *len the
 * bytes to sweep (up to the segment's or the mapping's end), or -1: the segment is not there, or
 * began before the mapping (a MAP_FIXED over its middle: the boundary is unknown, no rewrite). */
int64_t lnx_seg_range(uint64_t map_off, uint64_t map_len, uint64_t seg_off, uint64_t seg_len,
                      uint64_t *len);

#endif
