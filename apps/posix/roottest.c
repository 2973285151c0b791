/*
 * roottest.c: the processes of init's inittab in the root boot test (apps/init/tests/
 * root_boot_test.py writes an /etc/inittab naming them): `roottest sysinit` counts the boots
 * in /var/roottest/boots on the ext2 root (so a second boot of the same disk finds the first's
 * count), checks what statfs says of / and /tmp, and that shared anonymous memory works on
 * this root (a fork's store seen by its parent); `roottest respawn` counts its runs in
 * /tmp/respawns and, at the third, syncs and asks for the
 * power-off (reboot(2)); `roottest askfirst` (started by askfirst after Enter) says its argv[0]
 * and waits for the end; `roottest shutdown` says it ran. Each prints exact values the test
 * matches.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

static int sysinit(void)
{
    char buf[16] = "";
    int found = 0;
    int fd = open("/var/roottest/boots", O_RDONLY);
    if (fd >= 0) {
        if (read(fd, buf, sizeof buf - 1) > 0)
            sscanf(buf, "%d", &found);
        close(fd);
    }
    mkdir("/var", 0755);
    mkdir("/var/roottest", 0755);
    fd = open("/var/roottest/boots", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int n = snprintf(buf, sizeof buf, "%d\n", found + 1);
    int ok = fd >= 0 && write(fd, buf, (size_t)n) == n && fsync(fd) == 0 && close(fd) == 0;
    printf("roottest: sysinit: boot %d (found %d)%s\n", found + 1, found, ok ? "" : " FAIL");
    struct statfs r, t;
    if (statfs("/", &r) == 0 && statfs("/tmp", &t) == 0)
        printf("roottest: / type 0x%lx bsize %ld blocks %lu; /tmp type 0x%lx\n",
               (unsigned long)r.f_type, (long)r.f_bsize, (unsigned long)r.f_blocks,
               (unsigned long)t.f_type);
    /* MAP_SHARED | MAP_ANONYMOUS: its object is pm's own RAM, whatever the root is */
    int *v = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (v == MAP_FAILED) {
        printf("roottest: shared anonymous: errno %d\n", errno);
        return 1;
    }
    pid_t c = fork();
    if (c == 0) {
        *v = 42;
        _exit(0);
    }
    int st = -1;
    waitpid(c, &st, 0);
    printf("roottest: shared anonymous: %d (status %d)\n", *v, st);
    return ok && *v == 42 ? 0 : 1;
}

static int respawn(void)
{
    int fd = open("/tmp/respawns", O_WRONLY | O_CREAT | O_APPEND, 0644);
    write(fd, "x", 1);
    close(fd);
    struct stat st;
    stat("/tmp/respawns", &st);
    printf("roottest: respawn %ld\n", (long)st.st_size);
    if (st.st_size < 3)
        return 0;
    sync();
    printf("roottest: reboot(POWER_OFF) = %d\n", reboot(RB_POWER_OFF));
    fflush(stdout);
    for (;;)
        pause(); /* init ends us with everything else */
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "sysinit") == 0)
        return sysinit();
    if (argc == 2 && strcmp(argv[1], "respawn") == 0)
        return respawn();
    if (argc == 2 && strcmp(argv[1], "askfirst") == 0) {
        printf("roottest: askfirst as %s\n", argv[0]);
        fflush(stdout);
        close(open("/tmp/askfirst_done", O_WRONLY | O_CREAT, 0644));
        for (;;)
            pause(); /* until the shutdown's SIGTERM */
    }
    if (argc == 2 && strcmp(argv[1], "shutdown") == 0) {
        printf("roottest: shutdown\n");
        return 0;
    }
    fprintf(stderr, "usage: roottest sysinit|respawn|shutdown\n");
    return 2;
}
