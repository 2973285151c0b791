/* arch/cc.h: Tessera's compiler and platform definitions for lwIP (libos/net/README.md).
 * Nothing here needs a C library beyond the compiler's own freestanding headers (<stddef.h>,
 * <stdint.h>, <limits.h>) and <string.h>: no <inttypes.h>, <ctype.h> or <unistd.h>, and lwIP's
 * diagnostics and failed assertions go to the port's hooks (lwip_port.h) instead of printf and
 * abort. */
#ifndef TESSERA_LWIP_ARCH_CC_H
#define TESSERA_LWIP_ARCH_CC_H

#include <stdint.h>

/* ssize_t (etharp_find_addr): the C library's when there is one, else long, as musl's is. */
#if __STDC_HOSTED__
#include <sys/types.h>
#else
typedef long ssize_t;
#ifndef SSIZE_MAX
#define SSIZE_MAX __LONG_MAX__
#endif
#endif

/* x86-64: little endian (lwIP's own default; the C library's <endian.h> may have said so
 * already), byte swaps by the compiler. */
#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif
#define lwip_htons(x) ((u16_t)__builtin_bswap16((u16_t)(x)))
#define lwip_htonl(x) ((u32_t)__builtin_bswap32((u32_t)(x)))

/* The headers a freestanding build has not got: lwIP's fallbacks instead. */
#define LWIP_NO_INTTYPES_H 1
#define LWIP_NO_CTYPE_H 1
#define LWIP_NO_UNISTD_H 1

/* printf formats of lwIP's types (u32_t is unsigned int on x86-64; size_t is unsigned long). */
#define X8_F "02x"
#define U16_F "hu"
#define S16_F "hd"
#define X16_F "hx"
#define U32_F "u"
#define S32_F "d"
#define X32_F "x"
#define SZT_F "zu"

/* Packed protocol structures: gcc's attribute, one per structure. */
#define PACK_STRUCT_STRUCT __attribute__((packed))

/* Diagnostics (x is a parenthesised printf argument list) and assertions, to the port's hooks. */
void lwip_port_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void lwip_port_assert(const char *msg, const char *file, int line) __attribute__((noreturn));
#define LWIP_PLATFORM_DIAG(x)                                                                      \
    do {                                                                                           \
        lwip_port_diag x;                                                                          \
    } while (0)
#define LWIP_PLATFORM_ASSERT(x) lwip_port_assert((x), __FILE__, __LINE__)

/* Random numbers (DNS query ids and ports, DHCP transaction ids, first local ports). */
uint32_t lwip_port_rand(void);
#define LWIP_RAND() ((u32_t)lwip_port_rand())

#endif
