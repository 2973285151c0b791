/*
 * console.h: where exo's text goes. kprintf formats once and hands the bytes to every console
 * sink that is up: the serial port always, the framebuffer console once it has a font.
 */
#ifndef EXO_CONSOLE_H
#define EXO_CONSOLE_H

#include <common/printf.h> /* exo_snprintf, exo_vsnprintf */

#include <stddef.h>
#include <stdint.h>

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
