/*
 * sockabi.h: Linux x86-64's socket numbers and structures (address families, socket types and
 * their flags, MSG_* flags, SOL_SOCKET options, struct sockaddr_un, msghdr/cmsghdr's layout,
 * struct ucred), written out with an FS_ prefix as abi.h does the file numbers, so the file
 * layer and both of its bindings speak them with no libc or Linux header. Values are Linux's
 * (include/linux/socket.h, asm-generic/socket.h, net.h, un.h).
 */
#ifndef FS_SOCKABI_H
#define FS_SOCKABI_H

#include <stdint.h>

/* Address families (socket()'s domain). */
#define FS_AF_UNSPEC 0
#define FS_AF_UNIX 1
#define FS_AF_INET 2
#define FS_AF_INET6 10
#define FS_AF_NETLINK 16
#define FS_AF_PACKET 17
#define FS_AF_MAX 46

/* Socket types, and the flags socket(), socketpair() and accept4() take with them. */
#define FS_SOCK_STREAM 1
#define FS_SOCK_DGRAM 2
#define FS_SOCK_RAW 3
#define FS_SOCK_RDM 4
#define FS_SOCK_SEQPACKET 5
#define FS_SOCK_DCCP 6
#define FS_SOCK_PACKET 10
#define FS_SOCK_TYPE_MASK 0xf
#define FS_SOCK_NONBLOCK 04000   /* O_NONBLOCK */
#define FS_SOCK_CLOEXEC 02000000 /* O_CLOEXEC */

/* send/recv flags. */
#define FS_MSG_OOB 0x1
#define FS_MSG_PEEK 0x2
#define FS_MSG_DONTROUTE 0x4
#define FS_MSG_CTRUNC 0x8
#define FS_MSG_TRUNC 0x20
#define FS_MSG_DONTWAIT 0x40
#define FS_MSG_EOR 0x80
#define FS_MSG_WAITALL 0x100
#define FS_MSG_NOSIGNAL 0x4000
#define FS_MSG_MORE 0x8000
#define FS_MSG_CMSG_CLOEXEC 0x40000000

/* shutdown() */
#define FS_SHUT_RD 0
#define FS_SHUT_WR 1
#define FS_SHUT_RDWR 2

/* Socket options: the level and its names. */
#define FS_SOL_SOCKET 1
#define FS_SO_DEBUG 1
#define FS_SO_REUSEADDR 2
#define FS_SO_TYPE 3
#define FS_SO_ERROR 4
#define FS_SO_DONTROUTE 5
#define FS_SO_BROADCAST 6
#define FS_SO_SNDBUF 7
#define FS_SO_RCVBUF 8
#define FS_SO_KEEPALIVE 9
#define FS_SO_OOBINLINE 10
#define FS_SO_REUSEPORT 15
#define FS_SO_PASSCRED 16
#define FS_SO_PEERCRED 17
#define FS_SO_ACCEPTCONN 30
#define FS_SO_PROTOCOL 38
#define FS_SO_DOMAIN 39
#define FS_SOCK_BUF_MAX 212992 /* net.core.[rw]mem_max and _default */
#define FS_SOCK_MIN_RCVBUF 2304
#define FS_SOCK_MIN_SNDBUF 4608
#define FS_SOMAXCONN 4096

/* Control messages. */
#define FS_SCM_RIGHTS 1
#define FS_SCM_CREDENTIALS 2
#define FS_SCM_MAX_FD 253 /* descriptors one message may carry */

/* struct sockaddr_un (110 bytes): a path (NUL-terminated or filling sun_path), or an abstract
 * name (sun_path[0] == 0, the given length's bytes). */
#define FS_UNIX_PATH_MAX 108
struct fs_sockaddr_un {
    uint16_t sun_family;
    char sun_path[FS_UNIX_PATH_MAX];
};
#define FS_SOCKADDR_MAX 128 /* struct sockaddr_storage */

/* struct msghdr and struct cmsghdr of x86-64 Linux (56 and 16 bytes; CMSG_ALIGN is 8). */
struct fs_iovec {
    uint64_t iov_base;
    uint64_t iov_len;
};
struct fs_user_msghdr {
    uint64_t msg_name;
    uint32_t msg_namelen, pad0;
    uint64_t msg_iov;
    uint64_t msg_iovlen;
    uint64_t msg_control;
    uint64_t msg_controllen;
    int32_t msg_flags, pad1;
};
struct fs_cmsghdr {
    uint64_t cmsg_len; /* header and data, not the tail's alignment */
    int32_t cmsg_level;
    int32_t cmsg_type;
};
#define FS_CMSG_ALIGN(n) (((n) + 7) & ~(uint64_t)7)
#define FS_CMSG_LEN(n) (sizeof(struct fs_cmsghdr) + (n))
#define FS_CMSG_SPACE(n) (sizeof(struct fs_cmsghdr) + FS_CMSG_ALIGN(n))

/* SO_PEERCRED's answer. */
struct fs_ucred {
    int32_t pid;
    uint32_t uid, gid;
};

_Static_assert(sizeof(struct fs_sockaddr_un) == 110, "Linux's sockaddr_un");
_Static_assert(sizeof(struct fs_user_msghdr) == 56, "Linux's x86-64 msghdr");
_Static_assert(sizeof(struct fs_cmsghdr) == 16, "Linux's x86-64 cmsghdr");

#endif
