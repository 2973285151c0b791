/*
 * uaccess.h: reading and writing memory a caller named, without trusting it. A POSIX call's
 * pointer may be NULL, unmapped, read-only or in the kernel's half; Linux answers EFAULT and so
 * must the libOS, never a crash. The copies run in core/uaccess.S: a fault inside them comes
 * back as a fault upcall, whose dispatch (core/upcall.c) sees the faulting rip inside the copy
 * routines and resumes at their error exit (an exception table of one range). Addresses
 * outside the user half are refused before any access. Every function returns 0 (or a
 * length) on success and -14 (Linux's EFAULT) on a bad address; nothing is partly reported.
 * Needs the upcall handler (los_upcall_init): native programs have it from their start.
 */
#ifndef LOS_UACCESS_H
#define LOS_UACCESS_H

#include <exo/abi.h>

#include <stddef.h>
#include <stdint.h>

#define LOS_EFAULT 14

/* n bytes from src (the caller's pointer) to dst (the libOS's): 0 or -EFAULT. */
long los_copy_from_user(void *dst, const void *src, size_t n);

/* n bytes from src (the libOS's) to dst (the caller's pointer): 0 or -EFAULT. */
long los_copy_to_user(void *dst, const void *src, size_t n);

/* The length of the string at s if a NUL lies in its first max bytes, else max; -EFAULT if a
 * byte before the NUL (or the max-th) cannot be read. */
long los_strnlen_user(const char *s, size_t max);

/* 0 if every byte of [p, p + n) can be read (resp. written, checked without changing a byte:
 * a locked OR of 0 per page), else -EFAULT. For calls that must fail before they act. */
long los_user_check_read(const void *p, size_t n);
long los_user_check_write(void *p, size_t n);

/* dst[0] = a, dst[1] = b (dst in the user half: los_user_range): 0 or -EFAULT. Two stores, no
 * copy loop: for a fast path's timespec. */
long los_uaccess_put2(uint64_t *dst, uint64_t a, uint64_t b);

/* 1 if [p, p + n) lies in the user half (no wrap-around), else 0. No access is made. */
int los_user_range(const void *p, size_t n);

/* Inside the fault upcall: if the faulting rip lies in the copy routines, points the saved
 * context at their error exit and returns 1 (resume it); else 0. core/upcall.c calls it. */
int los_uaccess_fixup(struct exo_upcall_state *s);

#endif
