/*
 * fpu_regs.S: loading and storing every x87/SSE/AVX register a test can name, in one struct
 * fpu_regs (test_fpu.c), with no compiler-generated code in between; and the first
 * instructions of the envs test_fpu.c starts: one that only records the extended state it was
 * born with, and a partner that calls into C.
 */
#define XMM 0       /* struct fpu_regs: uint8_t xmm[16][16] */
#define YMM_HI 256  /* uint8_t ymm_hi[16][16]: bits 255:128 of ymm0-15 */
#define ST 512      /* uint8_t st[8][16]: st(0)..st(7), 80 bits each */
#define MXCSR 640   /* uint32_t */
#define FCW 644     /* uint16_t */
#define FSW 646     /* uint16_t (stored only) */
#define FTW 648     /* uint16_t, the full tag word (stored only) */
#define AVX 652     /* uint32_t: fpu_birth_entry's avx */
#define DONE 656    /* uint32_t: fpu_birth_entry sets it */
#define ENV 660     /* scratch for FNSTENV's 28 bytes */

    .text
/* void fpu_regs_load(const struct fpu_regs *r, int avx): x87 from an empty stack (st(0) is
 * st[0]), MXCSR, xmm0-15 and, if avx, the upper halves of ymm0-15. */
    .global fpu_regs_load
fpu_regs_load:
    fninit
    fldcw   FCW(%rdi)
    .irp i, 7, 6, 5, 4, 3, 2, 1, 0
    fldt    ST + 16 * \i(%rdi)
    .endr
    ldmxcsr MXCSR(%rdi)
    .irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    movdqu  XMM + 16 * \i(%rdi), %xmm\i
    .endr
    test    %esi, %esi
    jz      1f
    .irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    vinsertf128 $1, YMM_HI + 16 * \i(%rdi), %ymm\i, %ymm\i
    .endr
1:  ret

/* void fpu_regs_store(struct fpu_regs *r, int avx): the same registers back (the x87 stack is
 * popped: empty afterwards), plus FSW and the tag word as they were before the pops. */
    .global fpu_regs_store
fpu_regs_store:
    stmxcsr MXCSR(%rdi)
    call    store_vectors
    fnstenv ENV(%rdi)               /* FCW, FSW, FTW at 0, 4, 8; masks exceptions after */
    mov     ENV(%rdi), %ax
    mov     %ax, FCW(%rdi)
    mov     ENV + 4(%rdi), %ax
    mov     %ax, FSW(%rdi)
    mov     ENV + 8(%rdi), %ax
    mov     %ax, FTW(%rdi)
    fldcw   FCW(%rdi)               /* (FNSTENV changed it) */
    .irp i, 0, 1, 2, 3, 4, 5, 6, 7
    fstpt   ST + 16 * \i(%rdi)
    .endr
    ret

store_vectors:
    .irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    movdqu  %xmm\i, XMM + 16 * \i(%rdi)
    .endr
    test    %esi, %esi
    jz      1f
    .irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    vextractf128 $1, %ymm\i, YMM_HI + 16 * \i(%rdi)
    .endr
1:  ret

/* An env's first instructions (rdi = a struct fpu_regs, its avx set): record the state exo
 * gave it, before any other code could change it, set DONE, and wait to be destroyed. */
    .global fpu_birth_entry
fpu_birth_entry:
    stmxcsr MXCSR(%rdi)
    mov     AVX(%rdi), %esi
    call    store_vectors
    fnstenv ENV(%rdi)
    mov     ENV(%rdi), %ax
    mov     %ax, FCW(%rdi)
    mov     ENV + 4(%rdi), %ax
    mov     %ax, FSW(%rdi)
    mov     ENV + 8(%rdi), %ax
    mov     %ax, FTW(%rdi)
    movl    $1, DONE(%rdi)
2:  pause
    jmp     2b

/* A partner env's first instructions (rdi = its argument): a C call into fpu_partner. */
    .global fpu_partner_entry
fpu_partner_entry:
    and     $-16, %rsp
    call    fpu_partner
    ud2                             /* fpu_partner ends the env */

    .section .note.GNU-stack, "", @progbits
