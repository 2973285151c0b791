/*
 * pvh.S: exo's PVH entry point (Xen PVH boot ABI, as QEMU's -kernel and microVM monitors use).
 * The monitor finds it through the ELF note below, loads the kernel at its physical addresses
 * (p_paddr, 1 MiB up) and jumps here in 32-bit protected mode with paging off and EBX = the
 * physical address of a struct exo_pvh_start_info (pvh.h).
 *
 * This builds the state the EFI loader would have left (bootinfo.h): page tables mapping
 * [0, 4 GiB) with 2 MiB pages - and up to 512 GiB with 1 GiB pages if the CPU has them - both at
 * identity and at EXO_DIRECT_MAP, plus the first GiB at EXO_KERNEL_BASE for the kernel image;
 * then long mode, the boot stack, and pvh_main (pvh_entry.c) in C.
 *
 * Until paging is on, every address is physical: KB converts a link address.
 */
#define KB 0xffffffff80000000
#define PHYS(sym) ((sym) - KB)
#define PTE_PW 0x03   /* present, writable */
#define PTE_PWS 0x83  /* present, writable, large page */

    .section .note.Xen, "a", @note
    .balign 4
    .long   4                       /* name size: "Xen\0" */
    .long   8                       /* descriptor size */
    .long   18                      /* XEN_ELFNOTE_PHYS32_ENTRY */
    .asciz  "Xen"
    .balign 4
    .quad   PHYS(pvh_start)         /* 64 bits, as QEMU reads it from an ELF64 (like Linux) */

    .section .text.pvh, "ax"
    .code32
    .global pvh_start
pvh_start:
    cli
    cld
    mov     %ebx, PHYS(pvh_start_info)   /* .data: survives the .bss clearing below */
    rdtsc                                /* entry time stamp for the boot benchmark */
    mov     %eax, PHYS(pvh_entry_tsc)
    mov     %edx, PHYS(pvh_entry_tsc) + 4

    /* The ABI does not promise a zeroed .bss, and C code expects one. */
    mov     $PHYS(__bss_start), %edi
    mov     $PHYS(__kernel_end), %ecx
    sub     %edi, %ecx
    shr     $2, %ecx
    xor     %eax, %eax
    rep stosl

    /* 2048 2 MiB pages: [0, 4 GiB). */
    mov     $PHYS(pvh_pd), %edi
    mov     $PTE_PWS, %eax
    mov     $2048, %ecx
1:  mov     %eax, (%edi)
    add     $0x200000, %eax
    add     $8, %edi
    loop    1b

    /* One PDPT serves both the identity map and the direct map: its first four entries are the
     * four page directories above. */
    mov     $PHYS(pvh_pdpt), %edi
    mov     $PHYS(pvh_pd) + PTE_PW, %eax
    mov     %eax, 0(%edi)
    add     $4096, %eax
    mov     %eax, 8(%edi)
    add     $4096, %eax
    mov     %eax, 16(%edi)
    add     $4096, %eax
    mov     %eax, 24(%edi)

    /* Above 4 GiB only with 1 GiB pages (CPUID 0x80000001 EDX bit 26); else exo gets 4 GiB. */
    movl    $1, PHYS(pvh_map_limit) + 4      /* 4 GiB: high dword 1 */
    mov     $0x80000000, %eax
    cpuid
    cmp     $0x80000001, %eax
    jb      3f
    mov     $0x80000001, %eax
    cpuid
    bt      $26, %edx
    jnc     3f
    mov     $PHYS(pvh_pdpt) + 4 * 8, %edi
    mov     $4, %ecx                         /* entry i maps i GiB */
2:  mov     %ecx, %eax
    shl     $30, %eax
    or      $PTE_PWS, %eax
    mov     %eax, (%edi)
    mov     %ecx, %eax
    shr     $2, %eax
    mov     %eax, 4(%edi)
    add     $8, %edi
    inc     %ecx
    cmp     $512, %ecx
    jb      2b
    movl    $128, PHYS(pvh_map_limit) + 4    /* 512 GiB: high dword 128 */
3:
    mov     $PHYS(pvh_pdpt) + PTE_PW, %eax
    mov     %eax, PHYS(pvh_pml4)             /* identity */
    mov     %eax, PHYS(pvh_pml4) + 256 * 8   /* EXO_DIRECT_MAP */
    mov     $PHYS(pvh_pdpt_kernel) + PTE_PW, %eax
    mov     %eax, PHYS(pvh_pml4) + 511 * 8
    mov     $PHYS(pvh_pd) + PTE_PW, %eax
    mov     %eax, PHYS(pvh_pdpt_kernel) + 510 * 8  /* EXO_KERNEL_BASE -> physical 0 */

    /* Long mode: PAE, EFER.LME, then paging; the far jump loads the 64-bit code segment. */
    mov     $PHYS(pvh_pml4), %eax
    mov     %eax, %cr3
    mov     %cr4, %eax
    or      $0x20, %eax                      /* CR4.PAE */
    mov     %eax, %cr4
    mov     $0xc0000080, %ecx                /* EFER */
    rdmsr
    or      $0x100, %eax                     /* EFER.LME */
    wrmsr
    lgdt    PHYS(pvh_gdt_desc)
    mov     %cr0, %eax
    or      $0x80000001, %eax                /* CR0.PG | CR0.PE */
    mov     %eax, %cr0
    ljmp    $0x08, $PHYS(pvh_long)

    .code64
pvh_long:
    mov     $0x10, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    mov     %eax, %fs
    mov     %eax, %gs
    movabs  $pvh_high, %rax                  /* leave the identity map for the link address */
    jmp     *%rax
pvh_high:
    lea     exo_boot_stack_top(%rip), %rsp
    xor     %ebp, %ebp                       /* backtraces stop here */
    mov     pvh_start_info(%rip), %edi       /* pvh_main(start_info, tsc, map_limit) */
    mov     pvh_entry_tsc(%rip), %rsi
    mov     pvh_map_limit(%rip), %rdx
    call    pvh_main
1:  cli
    hlt
    jmp     1b

    .section .rodata
    .balign 8
pvh_gdt:                                     /* only until exo's gdt_init */
    .quad   0
    .quad   0x00af9b000000ffff               /* 0x08: 64-bit code (accessed: never written) */
    .quad   0x00cf93000000ffff               /* 0x10: flat data */
pvh_gdt_end:
pvh_gdt_desc:
    .word   pvh_gdt_end - pvh_gdt - 1
    .long   PHYS(pvh_gdt)

    .section .data
    .balign 8
pvh_start_info:
    .quad   0
pvh_entry_tsc:
    .quad   0
pvh_map_limit:
    .quad   0

    .section .bss.pvh, "aw", @nobits
    .balign 4096
pvh_pml4:
    .skip   4096
pvh_pdpt:
    .skip   4096
pvh_pdpt_kernel:
    .skip   4096
pvh_pd:
    .skip   4 * 4096

    .section .note.GNU-stack, "", @progbits
