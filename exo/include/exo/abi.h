/*
 * abi.h: the whole user-visible ABI of exo, in one header: error codes, call numbers and
 * stubs (generated from syscalls.def), capability rights, page protections, and the layout of
 * the upcall state page. User code (the libOS) includes this and nothing else from exo.
 *
 * Convention: `syscall` with the call number in rax (its top 32 bits EXO_CALL_TAG's: an env
 * that reflects its other `syscall`s, syscall_reflect, tells exo's from Linux's by them) and up
 * to five arguments in rdi, rsi, rdx, r10, r8; the result comes back in rax (>= 0 success, < 0 an
 * enum exo_error). rcx and r11 are clobbered; every other register is preserved. docs/abi.md
 * explains each call.
 */
#ifndef EXO_ABI_H
#define EXO_ABI_H

#include <stdint.h>

/* Errors: every exo call returns one of these on failure (the rows, with what each means,
 * are in errors.def, which also holds the ELF checker's and the drivers' own ranges). */
enum exo_error {
#define EXO_ERROR(value, name, doc) name = value,
#include <exo/errors.def>
};

/* Call numbers. */
enum exo_call {
#define EXO_CALL(num, name, nargs, params, doc) EXO_CALL_##name = num,
#include <exo/syscalls.def>
#undef EXO_CALL
};

/* One past the highest call number, whatever the rows' order: a union's size is its largest
 * member's, so each row's char[num + 1] makes it the highest num + 1. */
union exo_ncalls_measure {
#define EXO_CALL(num, name, nargs, params, doc) char name[num + 1];
#include <exo/syscalls.def>
#undef EXO_CALL
};
#define EXO_NCALLS ((int)sizeof(union exo_ncalls_measure))

#define EXO_ANY ((uint64_t)-1) /* "any page" for page_alloc, "anyone" for yield */
#define EXO_CAP_SELF 0         /* slot 0 of every env's table names the env itself */
#define EXO_CAP_IRQS 1         /* init only, at start: CAP_IRQ for vectors FIRST..LAST */
#define EXO_IRQ_FIRST 48       /* device vectors exo leaves to envs (irq_bind); 32..47 and */
#define EXO_IRQ_LAST 239       /* 240..255 stay exo's (timer, spurious, future IPIs) */
#define EXO_CAP_DEVS 2         /* init only, at start: CAP_DEV for virtio devices 0..254 */
#define EXO_IRQ_TEST_IPI                                                                           \
    (1ull << 16)                    /* irq_bind flag, for tests only: after binding, exo           \
                                       raises the vector once itself (LAPIC self-IPI) */
#define EXO_IRQ_UNBIND (1ull << 17) /* irq_bind flag: end the vector's binding to event */
#define EXO_POWER_OFF 0             /* power's how: ACPI soft-off */
#define EXO_POWER_RESET 1           /* power's how: reset the machine */
#define EXO_MACHINE_CPUS 0          /* machine's what: CPUs running envs */
#define EXO_MACHINE_PAGES 1         /* machine's what: RAM pages envs can hold */
#define EXO_OBSERVE_VDEV 0          /* observe's what: a virtio device */
#define EXO_OBSERVE_VQ 1            /* observe's what: one of its queues */
#define EXO_OBSERVE_IRQ 2           /* observe's what: a vector's binding */
#define EXO_OBSERVE_IRQ_COUNT 3     /* observe's what: a vector's interrupts since boot */
#define EXO_OBSERVE_NET 4           /* observe's what: a packet-filter counter (EXO_NET_*) */
#define EXO_NCAPS 320 /* capability slots per env: a process server holds 2 per process */
#define EXO_USER_TOP 0x0000800000000000ull /* user virtual addresses lie below this */
#define EXO_PAGE 4096ull                   /* bytes in a page: the unit of every page call */
#define EXO_PAGE_SHIFT 12 /* log2(EXO_PAGE): page number = address >> EXO_PAGE_SHIFT */

/* Page protections (page_map, page_protect, page_grant). */
#define EXO_PROT_R 1u
#define EXO_PROT_W 2u
#define EXO_PROT_X 4u
/* Execute-only (with EXO_PROT_X, never EXO_PROT_W): instruction fetches work, reads and writes
 * fault (#PF with the PK bit). exo puts protection key 1 on the page and keeps every CPU's
 * PKRU at access- and write-disable for key 1. EXO_E_NOSYS on a CPU without protection keys
 * (CPUID.7.0:ECX.PKU). The Linux runtime's trampoline page at VA 0 (docs/concepts/linux.md). */
#define EXO_PROT_XONLY 16u
/* In page_lookup's result only: the page is shared (page_share), held by its mappings. */
#define EXO_LOOKUP_SHARED 8u

/* Capability rights. */
#define EXO_RIGHT_MAP 1u     /* env: allocate, free, map, unmap pages in it; copy caps to it */
#define EXO_RIGHT_RUN 2u     /* env: start it, yield to it */
#define EXO_RIGHT_DESTROY 4u /* env: destroy it, reclaim its pages */
#define EXO_RIGHT_CALL 8u    /* env: protected control transfer into it */
#define EXO_RIGHT_POST 16u   /* event */
#define EXO_RIGHT_WAIT 32u   /* event */
#define EXO_RIGHT_BIND 64u   /* irq: bind its vectors to events (irq_bind); dev: vio_* calls */
#define EXO_RIGHTS_ENV (EXO_RIGHT_MAP | EXO_RIGHT_RUN | EXO_RIGHT_DESTROY | EXO_RIGHT_CALL)

/* Why exo entered the env's upcall handler (struct exo_upcall_state.kind). */
enum exo_upcall_kind {
    EXO_UPCALL_FAULT = 1,  /* a CPU exception in the env: vector, error, addr (CR2) */
    EXO_UPCALL_REVOKE = 2, /* exo asks for page addr back before tick `error` */
    EXO_UPCALL_SLICE = 3,  /* the env's time slice ended at tick `error` of the CPU it ran on
                              (each CPU counts its own; `vector` is that CPU's number); it was
                              preempted and now resumes in its handler */
    /* (EXO_UPCALL_SYSCALL = 5: a reflected `syscall`, syscall_reflect. It uses no state page:
     * exo enters the handler with every register as `syscall` left it. 4 is the libOS's.) */
    EXO_UPCALL_SYSCALL = 5,
};

/* The registers of an env's execution context, as saved at an upcall. */
struct exo_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t rip, rflags, rsp;
};

#define EXO_REVOKE_LOG 16

/* The upcall state page: one page the env owns and registers with upcall_set. exo writes it
 * at each upcall and reads only in_upcall; the handler resumes the saved context itself. The
 * x87/SSE/AVX registers are not in it: exo leaves them as the interrupted context had them. */
struct exo_upcall_state {
    uint64_t in_upcall; /* exo sets 1 on entry; the handler clears it before resuming. A
                           fault while it is 1 ends the env (no nested upcalls). */
    uint64_t kind;      /* enum exo_upcall_kind */
    uint64_t vector;    /* FAULT: exception vector; SLICE: the CPU's number */
    uint64_t error;     /* FAULT: error code; REVOKE: deadline (exo tick); SLICE: the CPU's tick */
    uint64_t addr;      /* FAULT: CR2 for page faults; REVOKE: the page number asked for */
    struct exo_regs regs;
    uint64_t nrevoked;                /* pages the abort protocol took, ever */
    uint64_t revoked[EXO_REVOKE_LOG]; /* their numbers, oldest overwritten first */
};

/* Virtio devices (vio_* calls). exo numbers the virtio 1.x PCI functions it finds 0, 1, ...
 * in bus order; a device's queues are exo's until an env opens one. */
#define EXO_VIO_CONFIG 256 /* bytes of device configuration vio_info copies */
#define EXO_VQ_MAX 8       /* queues per device exo hands out */
struct exo_vio_info {
    uint16_t pci_vendor, pci_device;
    uint16_t type;                  /* virtio device id: 1 net, 2 blk, 3 console, 4 rng, ... */
    uint16_t nqueues;               /* queues exo can hand out (the device's, at most EXO_VQ_MAX) */
    uint16_t queue_size;            /* entries per queue (a power of two, at most EXO_VQ_SIZE) */
    uint16_t config_len;            /* valid bytes in config */
    uint32_t bdf;                   /* PCI bus << 8 | device << 3 | function */
    uint64_t offered;               /* feature bits the device offers */
    uint64_t accepted;              /* feature bits in use since vio_setup (0: not set up) */
    uint8_t config[EXO_VIO_CONFIG]; /* the device-specific configuration, read at the call */
    uint32_t doorbell[EXO_VQ_MAX];  /* queue q's doorbell: offset in the page vio_direct maps,
                                       where a 16-bit store of q notifies (valid once set up) */
    uint32_t direct_ok; /* 1: vio_direct can give the device to one env (an IOMMU confines it,
                           and its doorbells have a page to themselves) */
};

/* A queue as its env sees it, at the va given to vio_queue_open: the env writes descriptors
 * and available entries into the first two pages; vio_kick checks and copies what is new into
 * the device's own ring (which the env cannot write: an entry it could change after the check
 * would escape it). The device's used ring is mapped read-only on the third page: completions
 * are read from memory, no call needed. Layouts are the virtio 1.x split ring's. */
#define EXO_VQ_SIZE 256 /* entries per queue, at most */
#define EXO_VQ_PAGES 3
#define EXO_VQ_DESC_OFF 0              /* struct exo_vq_desc[queue_size] */
#define EXO_VQ_AVAIL_OFF EXO_PAGE      /* struct exo_vq_avail */
#define EXO_VQ_USED_OFF (2 * EXO_PAGE) /* struct exo_vq_used, read-only */
#define EXO_VQ_F_NEXT 1u               /* descriptor flags */
#define EXO_VQ_F_WRITE 2u              /* the device writes this buffer */
#define EXO_VQ_F_INDIRECT 4u           /* refused by vio_kick */
struct exo_vq_desc {
    uint64_t addr; /* physical address: the pages must be the submitter's */
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
struct exo_vq_avail {
    uint16_t flags; /* 1: no interrupt wanted (copied to the device's ring at each kick) */
    uint16_t idx;   /* ignored by exo: vio_kick's argument says how far to go */
    uint16_t ring[EXO_VQ_SIZE];
};
struct exo_vq_used_elem {
    uint32_t id;  /* head of the finished chain */
    uint32_t len; /* bytes the device wrote */
};
struct exo_vq_used {
    uint16_t flags;
    uint16_t idx;
    struct exo_vq_used_elem ring[EXO_VQ_SIZE];
};

/* Packet filters (nf_* calls, docs/concepts/packet-filters.md): an env's claim of the frames
 * sent to one (ethertype, IP protocol, local address, local port), and the machine's identity
 * on the link. Numbers are host order: address 10.0.0.1 is 0x0a000001. */
#define EXO_NF_MAX 64      /* claims machine-wide */
#define EXO_NF_PER_ENV 8   /* claims one env may hold */
#define EXO_NF_NADDR 4     /* local addresses per family */
#define EXO_NF_IPV4 0x0800 /* the ethertypes a claim may name */
#define EXO_NF_IPV6 0x86dd
#define EXO_NF_TCP 6 /* the IP protocols a claim may name */
#define EXO_NF_UDP 17

/* One claim. env: its owner (nonzero; nf_claim sets it to the env its capability names);
 * ethertype EXO_NF_IPV4 or EXO_NF_IPV6; proto EXO_NF_TCP or EXO_NF_UDP; addr: the local IPv4
 * address, or 0 for every local address (IPv6 claims: 0 only, every local IPv6 address); port
 * 1..65535. pad and pad2 are zero. A table slot whose env is 0 is free. */
struct exo_nf {
    uint32_t env;
    uint16_t ethertype;
    uint8_t proto;
    uint8_t pad;
    uint32_t addr;
    uint16_t port;
    uint16_t pad2;
};

/* The machine's own identity on the link (nf_config): its MAC address (every frame sent must
 * carry it as source) and its addresses (a claim of address 0 receives what is sent to one of
 * them; no env sends from an address not here): n4 IPv4 and n6 IPv6 addresses, the rest of
 * v4 and v6 ignored. */
struct exo_nf_local {
    uint8_t mac[6];
    uint8_t n4, n6;
    uint32_t v4[EXO_NF_NADDR];
    uint8_t v6[EXO_NF_NADDR][16];
};

/* A receive ring (nf_ring): the npages pages (1..EXO_NF_RING_MAX_PAGES, virtually contiguous in
 * the env) through which exo hands an env the frames its claims match, or the default env what
 * nobody claimed (exo/net_ring.h, exo/net_rx.c). exo produces, the env consumes. The header
 * below is at the start of the first page; data[] is the rest of the npages pages,
 * EXO_NF_RING_DATA(npages) bytes, and holds records, each 4-byte aligned: a 32-bit length, then
 * that many bytes of frame (from the Ethernet destination on). A record never wraps: where the
 * next one would not fit before the end of data[], exo writes the length EXO_NF_RING_WRAP and
 * the next record starts at data[0]. head and tail count bytes modulo 2 * EXO_NF_RING_DATA(npages)
 * (a record's place is the count modulo EXO_NF_RING_DATA(npages); equal counts: empty): exo
 * advances head after the record is written, the env tail after it has read one (past a wrap
 * marker: to the next multiple of EXO_NF_RING_DATA(npages)). drops counts the frames exo could
 * not deliver because the ring was full. A record may cross a page boundary: exo writes each
 * page through its own mapping, the env reads them where it mapped them, contiguously. */
#define EXO_NF_RING_MAX_PAGES 128 /* 512 KiB: a 256 KiB TCP window twice over */
#define EXO_NF_RING_DATA(npages) ((uint32_t)(npages)*EXO_PAGE - 16u)
#define EXO_NF_RING_WRAP 0xffffffffu
#define EXO_NF_RING_MAX_FRAME 2048 /* longer frames are not delivered (none is, at MTU 1500) */
struct exo_nf_ring {
    uint32_t head;  /* written by exo */
    uint32_t tail;  /* written by the env */
    uint32_t drops; /* written by exo */
    uint32_t pad;
    uint8_t data[]; /* EXO_NF_RING_DATA(npages) bytes */
};
#define EXO_NF_SEND_MAX 1514 /* nf_send: the longest frame (MTU 1500 and its Ethernet header) */

/* observe(EXO_OBSERVE_NET, counter): the packet filters' data path since boot. */
#define EXO_NET_RECEIVED 0  /* frames the device handed exo */
#define EXO_NET_DELIVERED 1 /* put into an env's ring */
#define EXO_NET_MALFORMED 2 /* dropped: exo_nf_classify could not parse them */
#define EXO_NET_NO_RING 3   /* dropped: their env (or no default env) had no ring */
#define EXO_NET_RING_FULL 4 /* dropped: the ring was full (its drops counts them too) */
#define EXO_NET_SENT 5      /* frames nf_send queued */

/* The top 32 bits of rax that mark an exo call ("EXO!"). Linux's numbers are below 2^32,
 * so a Linux binary's `syscall` never carries it; an env without syscall_reflect may omit it. */
#define EXO_CALL_TAG 0x45584f2100000000ull
#define EXO_CALL_TAG_HI 0x45584f21u

/* The raw trap (a number of 2^32 or more goes as it is, never tagged: the fuzzer's). */
static inline int64_t exo_syscall(uint64_t n, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
                                  uint64_t a4)
{
    register uint64_t r10 __asm__("r10") = a3;
    register uint64_t r8 __asm__("r8") = a4;
    int64_t ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n < (1ull << 32) ? n | EXO_CALL_TAG : n), "D"(a0), "S"(a1), "d"(a2),
                       "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
}

/* One stub per call: exo_<name>(parameters...), each parameter a uint64_t. */
#define EXO_DECL0()
#define EXO_DECL1(a) uint64_t a
#define EXO_DECL2(a, b) uint64_t a, uint64_t b
#define EXO_DECL3(a, b, c) uint64_t a, uint64_t b, uint64_t c
#define EXO_DECL4(a, b, c, d) uint64_t a, uint64_t b, uint64_t c, uint64_t d
#define EXO_DECL5(a, b, c, d, e) uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e
#define EXO_PASS0() 0, 0, 0, 0, 0
#define EXO_PASS1(a) a, 0, 0, 0, 0
#define EXO_PASS2(a, b) a, b, 0, 0, 0
#define EXO_PASS3(a, b, c) a, b, c, 0, 0
#define EXO_PASS4(a, b, c, d) a, b, c, d, 0
#define EXO_PASS5(a, b, c, d, e) a, b, c, d, e
#ifndef EXO_KERNEL
#define EXO_CALL(num, name, nargs, params, doc)                                                    \
    static inline int64_t exo_##name(EXO_DECL##nargs params)                                       \
    {                                                                                              \
        return exo_syscall(num, EXO_PASS##nargs params);                                           \
    }
#include <exo/syscalls.def>
#undef EXO_CALL
#endif

#endif
