/*
 * vdso_image.S: the vDSO's image (vdso/vdso.c, built by the host's gcc as a shared object:
 * vdso.so in the build directory) embedded in the runtime's read-only data, page-aligned, for
 * vdso_map.c to copy into every Linux process.
 */
    .section .rodata.lnx_vdso, "a"
    .balign 4096
    .globl lnx_vdso_image
lnx_vdso_image:
    .incbin "vdso.so"
    .globl lnx_vdso_image_end
lnx_vdso_image_end:
    .section .note.GNU-stack, "", @progbits
