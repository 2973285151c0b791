/*
 * env.h: environments. An env is an address space (its own page tables, whose upper half is
 * exo's) plus an execution context, a capability table, and the entry points exo upcalls into.
 * exo keeps no other state for it: files, processes and policies are the libOS's business.
 */
#ifndef EXO_ENV_H
#define EXO_ENV_H

#include <exo/abi.h>
#include <exo/trap.h>

#include <stdint.h>

#define EXO_NENV 256               /* envs at once: 120+ processes, their threads, servers (lim) */
#define EXO_LIMIT_NONE 0xffffffffu /* env_limit: no bound */

enum env_state {
    ENV_FREE = 0, /* slot unused */
    ENV_READY,    /* created, no context started yet */
    ENV_RUNNABLE, /* wants the CPU */
    ENV_BLOCKED,  /* waits on an event or a protected control transfer */
};

enum cap_type { CAP_NONE = 0, CAP_ENV, CAP_PAGE, CAP_EVENT, CAP_IRQ, CAP_DEV };

/* One capability slot: the right to use object `obj` (an env id, a page number, an event
 * index...) in the ways `rights` allows. */
struct percpu;

struct cap {
    uint8_t type; /* enum cap_type */
    uint8_t reserved;
    uint16_t rights; /* EXO_RIGHT_* for envs and events, EXO_PROT_* for pages */
    uint32_t reserved2;
    uint64_t obj;
};

struct env {
    uint32_t id;     /* nonzero while the slot is used; changes each time the slot is reused */
    uint32_t parent; /* id of the env that created it (0 for init); a thread's is its owner */
    uint32_t owner;  /* id of the env whose address space, pages and capabilities it uses: its
                      * own, or for a thread (env_thread) the env it was made in (env_owner) */
    enum env_state state;
    struct percpu *oncpu; /* the CPU whose env this is (running, or in exo for it), or NULL;
                           * RUNNABLE says it wants a CPU, oncpu says it has one */
    uint32_t last_cpu;    /* 1 + the CPU it ran on last, 0 if it never ran (sched.c affinity) */
    uint64_t claim_until; /* exo tick: until then no CPU picks it (pct.c wants its context) */
    uint64_t rest_until;  /* exo tick: until then no CPU picks it (it yielded: sched_yield) */
    uint64_t pml4;        /* physical address of its top-level page table */
    struct trapframe tf;  /* its saved ring-3 context while it does not run */
    struct cap caps[EXO_NCAPS];
    uint32_t slice_left; /* timer ticks left in its slice */
    uint64_t runs;       /* entries into its ring-3 context (env_run); none while it is blocked */
    struct percpu *fpu_cpu; /* the CPU whose registers hold its extended state, or NULL: its
                             * save area does (fpu.c) */
    uint64_t calls;         /* exo calls it made (syscall_trap) */
    uint64_t reflected;     /* its `syscall`s reflected to its own handler (syscall_reflect) */
    uint64_t cpu_tsc;       /* TSC ticks it ran in ring 3 (its upcalls too), exo's own time
                             * not counted: charged at each entry into exo (env_charge) */
    uint64_t fs_base;       /* its FS base (fs_set), loaded by env_run */
    uint64_t gs_base;       /* its GS base (gs_set): env_run puts it where swapgs takes it */
    uint32_t watch;         /* event reference env_watch posts when it ends (0: none) */
    uint32_t watcher;       /* the env that set the watch: only it may change it */
    uint32_t max_creates;   /* live envs it (with its threads) may have made by env_create at
                             * once, and live threads it may have (env_limit; EXO_LIMIT_NONE) */
    uint32_t max_threads;
    uint32_t stopped; /* env_stop: never picked by the scheduler until continued */

    uint64_t upcall_rip, upcall_rsp; /* 0: no handler, faults end the env */
    uint64_t upcall_state_va, upcall_state_ppn;
    uint64_t reflect_rip; /* syscall_reflect: where an untagged `syscall` resumes (0: none) */

    uint64_t pct_rip, pct_rsp;      /* protected control transfer entry (0: none) */
    uint32_t pct_caller;            /* while serving a transfer: who waits for the reply */
    uint32_t pct_callee;            /* while BLOCKED in pct_call: whom it waits for */
    uint32_t wait_event;            /* while BLOCKED on an event: its reference (event.h) */
    uint64_t wait_deadline;         /* TSC reading that ends that wait with 0 (0: none) */
    enum env_state pct_saved_state; /* while serving: the context the transfer interrupted */
    uint32_t pct_saved_wait;        /* (pct.c restores state, wait_event, wait_deadline */
    uint64_t pct_saved_deadline;    /*  and tf at return) */
    struct trapframe pct_saved_tf;
};

extern struct env envs[EXO_NENV];
/* 1 + the highest slot in use (every slot at or above it is FREE): loops over live envs stop
 * there, so their cost follows how many envs there are, not EXO_NENV. */
extern uint32_t env_top;

/* The env whose context this CPU runs (NULL in exo's idle loop). */
struct env *env_current(void);
/* At every entry into exo from ring 3 (syscall_trap, trap_dispatch), lock held: the time
 * since env_run entered the CPU's env is charged to it (env_cputime, call 43). */
void env_charge(void);

/* The live env with this id, or NULL. */
struct env *env_by_id(uint32_t id);

/* Allocates a slot and an empty address space; the new env is READY with slot 0 of its table
 * naming itself. */
int env_alloc(uint32_t parent, struct env **out);

/* Allocates a thread of `owner` (itself no thread): a READY env with its own registers, FS
 * base, extended state and upcall registration, in owner's address space. Its pages and
 * capabilities are owner's (env_cap), its parent is owner: owner ending ends it; it ending
 * frees nothing of owner's. */
int env_alloc_thread(struct env *owner, struct env **out);

/* The env whose address space, pages and capability table e uses: e, or a thread's owner. */
struct env *env_owner(const struct env *e);

/* e's capability slot `slot` (< EXO_NCAPS): slot 0 (EXO_CAP_SELF) is e's own, every other
 * slot is its owner's table, which the owner's threads share. Every capability lookup or
 * store goes through here (never e->caps[slot] directly). */
struct cap *env_cap(const struct env *e, uint64_t slot);

/* Ends an env and all its descendants: their pages go back to exo, their mappings of others'
 * pages disappear, capabilities naming them stop resolving. */
void env_free(struct env *e);

/* A free slot in e's capability table (its owner's: env_cap), or one naming an env that has
 * ended (EXO_E_NOMEM if none). */
int cap_slot(struct env *e);

/* Resolves e's slot `slot` as an env with at least `rights`: 0 and *out, EXO_E_RANGE,
 * EXO_E_NOENT (empty slot, or the env is gone) or EXO_E_PERM. */
int cap_env(struct env *e, uint64_t slot, uint32_t rights, struct env **out);

/* Does e hold BIND on a range capability of `type` (CAP_IRQ: vectors, CAP_DEV: devices; obj =
 * first | last << 8) that covers n? */
int cap_covers(const struct env *e, enum cap_type type, uint64_t n);
/* The same for every number in first..last (one capability covering them all). */
int cap_covers_range(const struct env *e, enum cap_type type, uint64_t first, uint64_t last);

/* Enters an env's saved context on this CPU; never returns. */
void env_run(struct env *e) __attribute__((noreturn));

/* Ends e with a one-line diagnostic ("env 3 killed: ..."), then schedules. */
void env_kill(struct env *e, const char *why, const struct trapframe *tf) __attribute__((noreturn));

#endif
