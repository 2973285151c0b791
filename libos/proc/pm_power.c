/*
 * pm_power.c: the end of the machine as processes ask for it. reboot(2) (op 72, root only,
 * Linux's magic numbers and commands) and busybox's way (poweroff, reboot and halt signal
 * pid 1: SIGUSR2, SIGTERM, SIGUSR1) both only set pm_init_stop and wake init's inittab loop
 * (apps/init), which runs the shutdown entries, ends every process (SIGTERM, then SIGKILL
 * after a second), syncs and unmounts the disks and calls exo's power call. A process asking
 * gets 0 and then ends with everything else.
 */
#include <los/los.h>
#include <proc/lnx.h>
#include <proc/pm.h>

#define LNX_REBOOT_MAGIC1 0xfee1deadu
#define LNX_REBOOT_MAGIC2 672274793u /* and its three alternatives */
#define LNX_REBOOT_MAGIC2A 85072278u
#define LNX_REBOOT_MAGIC2B 369367448u
#define LNX_REBOOT_MAGIC2C 537993216u
#define LNX_REBOOT_CMD_RESTART 0x01234567u
#define LNX_REBOOT_CMD_HALT 0xcdef0123u
#define LNX_REBOOT_CMD_POWER_OFF 0x4321fedcu
#define LNX_REBOOT_CMD_CAD_ON 0x89abcdefu
#define LNX_REBOOT_CMD_CAD_OFF 0x00000000u

int pm_init_keeps;
volatile int pm_init_stop;

int pm_fs_euid(struct pm_proc *p); /* libos/fs/pm_fs.c: the caller's effective user id */

static void stop(int how)
{
    if (!pm_init_stop)
        pm_init_stop = how;
    exo_event_post(pm_death_cap); /* init's loop wakes */
}

void pm_init_signal(int sig)
{
    if (sig == 12) /* SIGUSR2 */
        stop(PM_STOP_POWEROFF);
    else if (sig == LNX_SIGTERM)
        stop(PM_STOP_REBOOT);
    else if (sig == 10) /* SIGUSR1 */
        stop(PM_STOP_HALT);
}

long pm_op_reboot(struct pm_proc *p, struct pm_msg *m)
{
    uint32_t m1 = (uint32_t)m->a[0], m2 = (uint32_t)m->a[1], cmd = (uint32_t)m->a[2];
    if (pm_fs_euid(p) != 0)
        return -LNX_EPERM; /* CAP_SYS_BOOT: root's */
    if (m1 != LNX_REBOOT_MAGIC1 || (m2 != LNX_REBOOT_MAGIC2 && m2 != LNX_REBOOT_MAGIC2A &&
                                    m2 != LNX_REBOOT_MAGIC2B && m2 != LNX_REBOOT_MAGIC2C))
        return -LNX_EINVAL;
    switch (cmd) {
    case LNX_REBOOT_CMD_POWER_OFF:
        stop(PM_STOP_POWEROFF);
        return 0;
    case LNX_REBOOT_CMD_RESTART:
        stop(PM_STOP_REBOOT);
        return 0;
    case LNX_REBOOT_CMD_HALT:
        stop(PM_STOP_HALT);
        return 0;
    case LNX_REBOOT_CMD_CAD_ON:
    case LNX_REBOOT_CMD_CAD_OFF:
        return 0; /* Ctrl-Alt-Del: there is no such key path here */
    default:
        return -LNX_EINVAL;
    }
}

void pm_signal_all(int sig)
{
    for (int s = 1; s < pm_top; s++)
        if (pm_table->e[s].state == PROC_ALIVE && pm_procs[s].msg)
            pm_post_signal(&pm_procs[s], sig);
}

int pm_alive_count(void)
{
    int n = 0;
    for (int s = 1; s < pm_top; s++)
        n += pm_table->e[s].state == PROC_ALIVE;
    return n;
}
