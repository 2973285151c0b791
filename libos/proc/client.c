/*
 * client.c: the pm call stub and the process's identity. A call is exo_pct_call(pm, op, 0)
 * with everything else in the mailbox; pm's reply code says whether the result is there, or
 * whether to wait (on the wake event pm posts when what we wait for changes) or yield (pm is
 * busy) and call again.
 */
#include <proc/client.h>
#include <proc/lnx.h>
#include <proc/status.h>

#include <los/los.h>
#include <signal/sig.h>
#include <thread/thread.h>

static struct proc_mbox *const mbox = (struct proc_mbox *)PROC_MBOX_VA;
static const struct proc_table *const table = (const struct proc_table *)PROC_TABLE_VA;

int proc_present;
int (*proc_interrupt)(void);
uint64_t (*proc_wait_deadline)(void);

/* The signals part's hooks (design11.md), filled here. */
static uint64_t fetch_plain(void);
uint64_t (*los_sig_fetch)(void) = fetch_plain;
void (*los_sig_die)(int sig, int core) = proc_sig_die;
void (*los_sig_stop)(int sig) = proc_sig_stop;

int proc_init(void)
{
    proc_present = exo_page_lookup(EXO_CAP_SELF, PROC_MBOX_VA) >= 0 &&
                   exo_page_lookup(EXO_CAP_SELF, PROC_TABLE_VA) >= 0 &&
                   mbox->magic == PROC_MBOX_MAGIC && table->magic == PROC_TABLE_MAGIC &&
                   table->version == PROC_TABLE_VERSION && mbox->slot < PROC_MAX;
    proc_attention_set(); /* the first call's return looks at everything (exec keeps signals) */
    return proc_present;
}

void proc_attention_set(void)
{
    if (proc_present)
        __atomic_store_n(PROC_ATTENTION, 1, __ATOMIC_SEQ_CST);
}

void proc_sig_hold(uint64_t set)
{
    if (proc_present)
        __atomic_store_n(&mbox->sig_hold, set, __ATOMIC_SEQ_CST);
}

struct pm_msg *proc_msg(void)
{
    return &mbox->msg;
}

const struct proc_entry *proc_self(void)
{
    return &table->e[mbox->slot];
}

void proc_yield(void)
{
    exo_yield(EXO_ANY);
}

long proc_call(unsigned op)
{
    if (!proc_present)
        return -LNX_ENOSYS;
    for (;;) {
        int64_t r = exo_pct_call(mbox->pm_cap, op, 0);
        if (r == PM_R_DONE)
            return mbox->msg.ret;
        if (r == PM_R_BLOCK) {
            int i = proc_interrupt ? proc_interrupt() : 0;
            if (i)
                return i;
            /* Other threads may use the mailbox while we wait: the call is then made again
             * from the start, its arguments written anew (libos/thread). */
            int held = los_thread_pm_release();
            /* pm posts it when the thing changes; an armed real-time timer ends the wait at
             * its expiry, and proc_interrupt then sees its signal (alarm during recvfrom) */
            uint64_t until = proc_wait_deadline ? proc_wait_deadline() : 0;
            if (until)
                exo_event_wait_until(mbox->wake_cap, until);
            else
                exo_event_wait(mbox->wake_cap);
            if (held) {
                los_thread_pm_reacquire(held);
                return LOS_THREAD_RECALL;
            }
            continue;
        }
        if (r == PM_R_BUSY || r == EXO_E_BUSY) {
            if (exo_yield(mbox->pm_cap) < 0) /* pm (or whom it serves) finishes first */
                exo_yield(EXO_ANY);
            continue;
        }
        return -LNX_ESRCH; /* PM_R_STRANGER, or pm is gone: no process machinery left */
    }
}

void proc_exit(int status)
{
    if (proc_present) {
        mbox->msg.a[0] = status;
        proc_call(PM_OP_exit); /* does not come back: pm destroys us */
    }
    los_exit(PROC_W_EXITSTATUS(status));
}

/* Fetches what others sent: every signal's bit, and *plain, the bits of those pm raised itself
 * (no siginfo). Those sent with a siginfo (kill's sender, sigqueue's value; each real-time
 * instance) are posted to the signal part here, in send order. */
static uint64_t fetch(uint64_t *plain)
{
    *plain = 0;
    if (!proc_present || !proc_self()->pending)
        return 0; /* the common case: one load, no call */
    long r = proc_call(PM_OP_sig_fetch);
    if (r < 0)
        return 0;
    uint64_t set = (uint64_t)proc_msg()->r[0], left = set;
    const struct pm_siginfo *in = (const struct pm_siginfo *)proc_msg()->data;
    long n = r < PM_SIGINFO_MAX ? r : PM_SIGINFO_MAX;
    for (long i = 0; i < n; i++) {
        int sig = in[i].signo;
        if (sig >= 1 && sig <= 64 && (set & 1ull << (sig - 1)))
            los_sig_post_from(sig, in[i].code, in[i].pid, in[i].uid, in[i].value);
    }
    for (long i = 0; i < n; i++)
        if (in[i].signo >= 1 && in[i].signo <= 64)
            left &= ~(1ull << (in[i].signo - 1));
    *plain = left;
    return set;
}

uint64_t proc_sig_fetch(void)
{
    uint64_t plain;
    return fetch(&plain);
}

static uint64_t fetch_plain(void)
{
    uint64_t plain;
    fetch(&plain);
    return plain;
}

void proc_sig_die(int sig, int core)
{
    proc_exit(PROC_W_SIGNALED(sig, core));
}

void proc_sig_stop(int sig)
{
    struct pm_msg *m = proc_msg();
    m->a[0] = proc_self()->pid;
    m->a[1] = sig;
    proc_call(PM_OP_kill); /* pm stops us (exo's env_stop); the reply comes once continued */
}
