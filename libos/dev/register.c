/*
 * register.c: every device of /dev with the file system (dev.h), for pm at its start.
 */
#include <dev/dev.h>
#include <dev/mem.h>
#include <dev/tty_dev.h>

int dev_register_all(void)
{
    return dev_register(&dev_console_ops);
}

int dev_register(const struct fs_dev_ops *console)
{
    const struct {
        const char *name;
        const struct fs_dev_ops *ops;
        void *dev;
    } devs[] = {
        {"null", &dev_null_ops, 0},         {"zero", &dev_zero_ops, 0},
        {"full", &dev_full_ops, 0},         {"random", &dev_random_ops, 0},
        {"urandom", &dev_random_ops, 0},    {"tty", &dev_tty_ops, 0},
        {"console", console, &dev_console},
    };
    for (unsigned i = 0; i < sizeof devs / sizeof devs[0]; i++) {
        int r = fs_dev_register(devs[i].name, devs[i].ops, devs[i].dev);
        if (r < 0)
            return r;
    }
    return dev_pty_register(); /* /dev/ptmx, and /dev/pts/N as pairs are made */
}
