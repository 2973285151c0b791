# restore.s: __restore_rt, the restorer musl's sigaction gives every handler (sa_restorer,
# SA_RESTORER). A handler returns here with rsp at its frame's ucontext; instead of musl's
# `mov $15, %rax; syscall`, rt_sigreturn is a call into the libOS with that address
# (libos/signal: the frame's context, mask and x87/SSE/AVX state come back from it).
	nop
.global __restore_rt
.hidden __restore_rt
.type __restore_rt,@function
__restore_rt:
	mov %rsp, %rsi
	mov $15, %edi
	call los_syscall
	ud2
.size __restore_rt,.-__restore_rt
