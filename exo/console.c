/*
 * console.c: kprintf and the fan-out of console text to every sink (serial, framebuffer).
 */
#include <exo/console.h>

void console_write(const char *s, size_t len)
{
    serial_write(s, len);
    fbcon_write(s, len);
}

void kprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = exo_vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    console_write(buf, n < (int)sizeof buf ? (size_t)n : sizeof buf - 1);
}
