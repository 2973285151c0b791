/*
 * ap_boot.S: the trampoline an application processor starts in. smp.c copies the bytes from
 * ap_tramp_start to ap_tramp_end to physical AP_TRAMP_PHYS (below 1 MiB, page-aligned: the
 * SIPI vector names the page) and fills in the parameter block at its end. The AP wakes in
 * 16-bit real mode at that address, loads a small GDT, enters 32-bit protected mode, enables
 * PAE and long mode with a temporary page table (identity map of the low 2 MiB plus exo's upper
 * half, built by smp.c in the pages after the trampoline), and calls the 64-bit entry with the
 * given stack and argument. Addresses are absolute: the blob only ever runs at AP_TRAMP_PHYS.
 */
#define AP_TRAMP_PHYS 0x8000
#define ABS(x) (AP_TRAMP_PHYS + (x) - ap_tramp_start)

    .section .rodata, "a"
    .global ap_tramp_start, ap_tramp_end, ap_tramp_params
    .code16
ap_tramp_start:
    cli
    cld
    xor     %ax, %ax
    mov     %ax, %ds
    lgdtl   ABS(tramp_gdtr)
    mov     %cr0, %eax
    or      $1, %eax                         /* CR0.PE */
    mov     %eax, %cr0
    ljmpl   $0x08, $ABS(pm32)

    .code32
pm32:
    mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     %cr4, %eax
    or      $0x20, %eax                      /* CR4.PAE */
    mov     %eax, %cr4
    mov     ABS(p_cr3), %eax
    mov     %eax, %cr3
    mov     $0xc0000080, %ecx                /* EFER: LME, and NXE if exo's tables use NX */
    rdmsr
    or      ABS(p_efer), %eax
    wrmsr
    mov     %cr0, %eax
    or      $0x80010000, %eax                /* CR0.PG, CR0.WP */
    mov     %eax, %cr0
    ljmpl   $0x18, $ABS(lm64)

    .code64
lm64:
    mov     $0x10, %ax
    mov     %ax, %ds
    mov     %ax, %es
    mov     %ax, %ss
    mov     ABS(p_stack), %rsp
    mov     ABS(p_arg), %rdi
    mov     ABS(p_entry), %rax
    xor     %ebp, %ebp                       /* backtraces stop here */
    call    *%rax                            /* ap_main(percpu): never returns */
1:  cli
    hlt
    jmp     1b

    .balign 8
tramp_gdt:
    .quad   0
    .quad   0x00cf9a000000ffff               /* 0x08: 32-bit code, flat */
    .quad   0x00cf92000000ffff               /* 0x10: data, flat */
    .quad   0x00209a0000000000               /* 0x18: 64-bit code */
tramp_gdtr:
    .word   tramp_gdtr - tramp_gdt - 1
    .long   ABS(tramp_gdt)

    .balign 8
ap_tramp_params:                             /* struct ap_params in smp.c */
p_cr3:   .long 0
p_efer:  .long 0
p_stack: .quad 0
p_entry: .quad 0
p_arg:   .quad 0
ap_tramp_end:

    .section .note.GNU-stack, "", @progbits
