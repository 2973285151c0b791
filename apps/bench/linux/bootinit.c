/*
 * bootinit.c: `./tessera bench boot --prompt`'s Linux guest: the /init of an initramfs (gcc
 * -static), the smallest user space that says it runs. It prints its first line
 *     bootinit: tsc=T boottime_ns=N
 * (T: the guest's TSC, counted from the machine's reset; N: CLOCK_BOOTTIME, the kernel's own
 * time from its clock's start to running /init) and powers the machine off. Under -icount
 * shift=0 both count guest instructions.
 */
#define _GNU_SOURCE
#include <linux/reboot.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    struct timespec t;
    clock_gettime(CLOCK_BOOTTIME, &t);
    printf("bootinit: tsc=%llu boottime_ns=%lld\n", (unsigned long long)hi << 32 | lo,
           (long long)t.tv_sec * 1000000000ll + t.tv_nsec);
    fflush(stdout);
    sync();
    reboot(LINUX_REBOOT_CMD_POWER_OFF);
    return 0;
}
