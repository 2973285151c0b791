/*
 * console.c: the loader's text output on ConOut and the one way it gives up (power off).
 *
 * No gnu-efi Print(): a small printf subset converting ASCII to UCS-2 keeps the loader
 * independent of libefi's initialization and its varargs calling convention.
 */
#include "ldr.h"

#include <stdarg.h>

EFI_SYSTEM_TABLE *ldr_st;
EFI_BOOT_SERVICES *ldr_bs;

#define OUT_CHUNK 128

struct out {
    CHAR16 buf[OUT_CHUNK + 1];
    unsigned n;
};

void ldr_console_init(EFI_SYSTEM_TABLE *st)
{
    ldr_st = st;
    ldr_bs = st->BootServices;
}

static void out_flush(struct out *o)
{
    o->buf[o->n] = 0;
    if (o->n && ldr_st && ldr_st->ConOut)
        ldr_st->ConOut->OutputString(ldr_st->ConOut, o->buf);
    o->n = 0;
}

static void out_char(struct out *o, char c)
{
    if (o->n + 2 > OUT_CHUNK)
        out_flush(o);
    if (c == '\n')
        o->buf[o->n++] = '\r';
    o->buf[o->n++] = (CHAR16)(unsigned char)c;
}

static void out_str(struct out *o, const char *s)
{
    while (*s)
        out_char(o, *s++);
}

static void out_num(struct out *o, uint64_t v, unsigned base, int neg)
{
    char tmp[24];
    int i = 0;
    do {
        tmp[i++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg)
        out_char(o, '-');
    while (i)
        out_char(o, tmp[--i]);
}

static void out_vfmt(struct out *o, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            out_char(o, *fmt);
            continue;
        }
        int lng = 0;
        fmt++;
        while (*fmt == 'l' || *fmt == 'z') {
            lng++;
            fmt++;
        }
        switch (*fmt) {
        case 'd': {
            int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
            out_num(o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0);
            break;
        }
        case 'u':
            out_num(o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, 0);
            break;
        case 'x':
            out_num(o, lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, 0);
            break;
        case 'p':
            out_str(o, "0x");
            out_num(o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16, 0);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            out_str(o, s ? s : "(null)");
            break;
        }
        case 'c':
            out_char(o, (char)va_arg(ap, int));
            break;
        case '%':
            out_char(o, '%');
            break;
        default: /* unknown conversion: show it rather than guess */
            out_char(o, '%');
            if (!*fmt)
                return;
            out_char(o, *fmt);
        }
    }
}

void ldr_printf(const char *fmt, ...)
{
    struct out o = {.n = 0};
    va_list ap;
    va_start(ap, fmt);
    out_vfmt(&o, fmt, ap);
    va_end(ap);
    out_flush(&o);
}

static __attribute__((noreturn)) void power_off(EFI_STATUS why)
{
    /* Shutdown ends QEMU; the cold reset is a fallback (and ends QEMU under -no-reboot). */
    ldr_st->RuntimeServices->ResetSystem(EfiResetShutdown, why, 0, NULL);
    ldr_st->RuntimeServices->ResetSystem(EfiResetCold, why, 0, NULL);
    for (;;)
        __asm__ volatile("cli; hlt");
}

void ldr_fail(const char *fmt, ...)
{
    struct out o = {.n = 0};
    va_list ap;
    out_str(&o, LDR_PREFIX "error: ");
    va_start(ap, fmt);
    out_vfmt(&o, fmt, ap);
    va_end(ap);
    out_str(&o, "\n" LDR_PREFIX "powering off\n");
    out_flush(&o);
    ldr_bs->Stall(1000000); /* let a human read it */
    power_off(EFI_LOAD_ERROR);
}

/* COM1 without the firmware: 8250 transmit holding register once the line status says empty. */
static void com1_puts(const char *s)
{
    for (; *s; s++) {
        for (int spin = 0; spin < 100000; spin++) {
            uint8_t lsr;
            __asm__ volatile("inb %1, %0" : "=a"(lsr) : "Nd"((uint16_t)0x3fd));
            if (lsr & 0x20)
                break;
        }
        __asm__ volatile("outb %0, %1" : : "a"(*s), "Nd"((uint16_t)0x3f8));
    }
}

void ldr_fail_late(const char *msg)
{
    com1_puts("\r\n" LDR_PREFIX "error: ");
    com1_puts(msg);
    com1_puts("\r\n" LDR_PREFIX "powering off\r\n");
    power_off(EFI_LOAD_ERROR);
}

const char *ldr_status_str(EFI_STATUS s)
{
    switch (s) {
    case EFI_SUCCESS:
        return "EFI_SUCCESS";
    case EFI_LOAD_ERROR:
        return "EFI_LOAD_ERROR";
    case EFI_INVALID_PARAMETER:
        return "EFI_INVALID_PARAMETER";
    case EFI_UNSUPPORTED:
        return "EFI_UNSUPPORTED";
    case EFI_BUFFER_TOO_SMALL:
        return "EFI_BUFFER_TOO_SMALL";
    case EFI_DEVICE_ERROR:
        return "EFI_DEVICE_ERROR";
    case EFI_VOLUME_CORRUPTED:
        return "EFI_VOLUME_CORRUPTED";
    case EFI_OUT_OF_RESOURCES:
        return "EFI_OUT_OF_RESOURCES";
    case EFI_NOT_FOUND:
        return "EFI_NOT_FOUND";
    case EFI_ACCESS_DENIED:
        return "EFI_ACCESS_DENIED";
    case EFI_NO_MEDIA:
        return "EFI_NO_MEDIA";
    case EFI_MEDIA_CHANGED:
        return "EFI_MEDIA_CHANGED";
    default: {
        static char buf[40] = "EFI status 0x";
        char *p = buf + 13;
        for (int sh = 60; sh >= 0; sh -= 4)
            *p++ = "0123456789abcdef"[(s >> sh) & 15];
        *p = '\0';
        return buf;
    }
    }
}
