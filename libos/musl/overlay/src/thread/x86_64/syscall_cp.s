/* Tessera: musl's cancellable system call, calling the libOS (los_syscall) where musl
 * executed `syscall` (libos/musl/README.md). A cancellation request seen before the call
 * still goes to __cancel; __cp_begin..__cp_end brackets the call as musl's signal code
 * expects. */
.text
.global __cp_begin
.hidden __cp_begin
.global __cp_end
.hidden __cp_end
.global __cp_cancel
.hidden __cp_cancel
.hidden __cancel
.global __syscall_cp_asm
.hidden __syscall_cp_asm
.type   __syscall_cp_asm,@function
/* __syscall_cp_asm(&cancel, nr, u, v, w, x, y, z): rdi, rsi, rdx, rcx, r8, r9, 8(%rsp),
 * 16(%rsp); los_syscall(nr, u, v, w, x, y, z) takes z on the stack. */
__syscall_cp_asm:

__cp_begin:
	mov (%rdi),%eax
	test %eax,%eax
	jnz __cp_cancel
	mov 16(%rsp),%rax
	mov %rsi,%rdi
	mov %rdx,%rsi
	mov %rcx,%rdx
	mov %r8,%rcx
	mov %r9,%r8
	mov 8(%rsp),%r9
	push %rax
	call los_syscall
__cp_end:
	add $8,%rsp
	ret
__cp_cancel:
	jmp __cancel
