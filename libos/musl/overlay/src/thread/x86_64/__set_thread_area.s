/* Tessera: musl's thread-pointer setter, calling the libOS (los_syscall) where musl executed
 * `syscall`: arch_prctl(ARCH_SET_FS, p) (libos/musl/README.md). */
.text
.global __set_thread_area
.hidden __set_thread_area
.type __set_thread_area,@function
__set_thread_area:
	sub $24,%rsp            /* a6 on the stack, 16-byte aligned at the call */
	movq $0,(%rsp)
	mov %rdi,%rdx           /* a2 = p */
	mov $0x1002,%esi        /* a1 = ARCH_SET_FS */
	mov $158,%edi           /* n = SYS_arch_prctl */
	xor %ecx,%ecx
	xor %r8d,%r8d
	xor %r9d,%r9d
	call los_syscall
	add $24,%rsp
	ret
