/*
 * printf.h: the one text formatter (common/printf.c), a small vsnprintf. exo's kprintf, the
 * libOS's los_printf and the host tests all format through it.
 */
#ifndef COMMON_PRINTF_H
#define COMMON_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* Format into buf (always NUL-terminated when n > 0); returns the length the full output would
 * have. Supports %d %i %u %x %X %p %s %c %%, the l/ll/z length modifiers, '0' and '-' flags,
 * and a field width. */
int exo_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int exo_snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
