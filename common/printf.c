/*
 * printf.c: the only text formatter (see printf.h), a small vsnprintf. Pure code (no I/O):
 * exo, the libOS and the host unit tests all run it.
 */
#include <common/printf.h>

#include <stdbool.h>
#include <stdint.h>

struct out {
    char *buf;
    size_t cap;
    size_t len; /* bytes the full output needs, even past cap */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->cap)
        o->buf[o->len] = c;
    o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width, bool left, char pad)
{
    int fill = width > (int)n ? width - (int)n : 0;
    if (!left)
        while (fill-- > 0)
            put(o, pad);
    for (size_t i = 0; i < n; i++)
        put(o, s[i]);
    if (left)
        while (fill-- > 0)
            put(o, ' ');
}

/* Digits of v in the given base into tmp (backwards); returns the count. */
static size_t utoa(unsigned long long v, unsigned base, bool upper, char *tmp)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    size_t n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    return n;
}

static void put_number(struct out *o, unsigned long long v, bool neg, unsigned base, bool upper,
                       int width, bool left, char pad)
{
    char tmp[24], s[26];
    size_t n = utoa(v, base, upper, tmp), k = 0;
    if (neg && pad == '0') { /* sign goes before zero padding: -0042 */
        put(o, '-');
        width--;
    } else if (neg) {
        s[k++] = '-';
    }
    while (n)
        s[k++] = tmp[--n];
    put_padded(o, s, k, width, left, pad);
}

int exo_vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
    struct out o = {buf, n, 0};
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(&o, *p);
            continue;
        }
        p++;
        bool left = false;
        char pad = ' ';
        for (;; p++) {
            if (*p == '-')
                left = true;
            else if (*p == '0')
                pad = '0';
            else
                break;
        }
        int width = 0;
        while (*p >= '0' && *p <= '9')
            width = width * 10 + (*p++ - '0');
        int lng = 0;
        while (*p == 'l' || *p == 'z') {
            lng++;
            p++;
        }
        switch (*p) {
        case 'd':
        case 'i': {
            long long v = lng ? va_arg(ap, long long) : va_arg(ap, int);
            unsigned long long u = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
            put_number(&o, u, v < 0, 10, false, width, left, pad);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            unsigned long long v = lng ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
            put_number(&o, v, false, *p == 'u' ? 10 : 16, *p == 'X', width, left, pad);
            break;
        }
        case 'p':
            put(&o, '0');
            put(&o, 'x');
            put_number(&o, (unsigned long long)(uintptr_t)va_arg(ap, void *), false, 16, false, 16,
                       false, '0');
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            size_t len = 0;
            while (s[len])
                len++;
            put_padded(&o, s, len, width, left, ' ');
            break;
        }
        case 'c': {
            char c = (char)va_arg(ap, int);
            put_padded(&o, &c, 1, width, left, ' ');
            break;
        }
        case '%':
            put(&o, '%');
            break;
        case '\0':
            p--; /* a lone '%' at the end: stop at the NUL */
            break;
        default: /* unknown conversion: show it as written */
            put(&o, '%');
            put(&o, *p);
            break;
        }
    }
    if (n)
        buf[o.len < n ? o.len : n - 1] = '\0';
    return (int)o.len;
}

int exo_snprintf(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = exo_vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return r;
}
