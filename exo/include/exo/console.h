/*
 * console.h: where exo's text goes. kprintf formats once and hands the bytes to every console
 * sink that is up: the serial port always, the framebuffer console once it has a font.
 */
#ifndef EXO_CONSOLE_H
#define EXO_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Format into buf (always NUL-terminated when n > 0); returns the length the full output would
 * have. Supports %d %i %u %x %X %p %s %c %%, the l/ll/z length modifiers, '0' and '-' flags,
 * and a field width. */
int exo_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int exo_snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, size_t len);

void serial_init(void);
void serial_write(const char *s, size_t len);

struct exo_bootinfo;
/* Starts the framebuffer console if the loader found a framebuffer and the boot archive holds
 * font.psf; returns 0 or a negative exo error. */
int fbcon_init(const struct exo_bootinfo *bi, const void *font, size_t font_len);
void fbcon_write(const char *s, size_t len);

#endif
