/*
 * uaccess.c: checked access to a caller's memory (see los/uaccess.h): the range check against
 * the user half, then the fault-recovering routines of uaccess.S.
 */
#include <los/uaccess.h>

long los_uaccess_copy(void *dst, const void *src, size_t n);
long los_uaccess_strnlen(const char *s, size_t max);
long los_uaccess_touch_read(const void *p);
long los_uaccess_touch_write(void *p);
extern const char los_uaccess_begin[], los_uaccess_end[], los_uaccess_fault[];

int los_user_range(const void *p, size_t n)
{
    uint64_t a = (uint64_t)p;
    return a + n >= a && a + n <= EXO_USER_TOP;
}

long los_copy_from_user(void *dst, const void *src, size_t n)
{
    if (!n)
        return 0;
    return los_user_range(src, n) ? los_uaccess_copy(dst, src, n) : -LOS_EFAULT;
}

long los_copy_to_user(void *dst, const void *src, size_t n)
{
    if (!n)
        return 0;
    return los_user_range(dst, n) ? los_uaccess_copy(dst, src, n) : -LOS_EFAULT;
}

long los_strnlen_user(const char *s, size_t max)
{
    if ((uint64_t)s >= EXO_USER_TOP)
        return -LOS_EFAULT;
    return los_uaccess_strnlen(s, max); /* past the user half it faults (#GP): -EFAULT */
}

/* One touch per page of [p, p + n). */
static long check(const void *p, size_t n, long (*touch)(const void *))
{
    if (!n)
        return 0;
    if (!los_user_range(p, n))
        return -LOS_EFAULT;
    uint64_t a = (uint64_t)p, end = a + n;
    for (; a < end; a = (a | (EXO_PAGE - 1)) + 1) {
        long r = touch((const void *)a);
        if (r < 0)
            return r;
    }
    return 0;
}

static long touch_write(const void *p)
{
    return los_uaccess_touch_write((void *)p);
}

long los_user_check_read(const void *p, size_t n)
{
    return check(p, n, los_uaccess_touch_read);
}

long los_user_check_write(void *p, size_t n)
{
    return check(p, n, touch_write);
}

int los_uaccess_fixup(struct exo_upcall_state *s)
{
    if (s->kind != EXO_UPCALL_FAULT || s->regs.rip < (uint64_t)los_uaccess_begin ||
        s->regs.rip >= (uint64_t)los_uaccess_end)
        return 0;
    s->regs.rip = (uint64_t)los_uaccess_fault;
    return 1;
}
