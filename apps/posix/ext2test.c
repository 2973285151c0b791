/*
 * ext2test.c: ext2 in the guest (libos.ext2.boot; init.ext2=SERIAL init.run=ext2test). pm has
 * mounted the disk's root partition on /mnt; this native program reads what the host wrote
 * there with debugfs before the boot and leaves changes the host checks after the VM ends
 * (e2fsck -fn clean, debugfs reads the same bytes). Prints "ext2test: ok" or the failing step.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int fails;

#define EXPECT(cond)                                                                               \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            printf("ext2test: FAIL line %d: %s\n", __LINE__, #cond);                               \
            fails++;                                                                               \
        }                                                                                          \
    } while (0)

static unsigned char pattern(unsigned i)
{
    return (unsigned char)(i * 131 + (i >> 9) * 7 + 1);
}

int main(void)
{
    char buf[256];
    int fd = open("/mnt/from_host.txt", O_RDONLY);
    EXPECT(fd >= 0);
    ssize_t n = read(fd, buf, sizeof buf);
    EXPECT(n == 20 && memcmp(buf, "written on the host\n", 20) == 0);
    close(fd);

    EXPECT(mkdir("/mnt/gdir", 0755) == 0);
    static unsigned char data[100000];
    for (unsigned i = 0; i < sizeof data; i++)
        data[i] = pattern(i);
    fd = open("/mnt/gdir/out.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    EXPECT(fd >= 0);
    EXPECT(write(fd, data, sizeof data) == (ssize_t)sizeof data);
    EXPECT(close(fd) == 0);
    EXPECT(rename("/mnt/gdir/out.bin", "/mnt/gdir/guest.bin") == 0);
    EXPECT(symlink("gdir/guest.bin", "/mnt/link") == 0);
    EXPECT(unlink("/mnt/remove_me") == 0);
    struct stat st;
    EXPECT(stat("/mnt/link", &st) == 0 && st.st_size == (off_t)sizeof data);
    EXPECT(lstat("/mnt/link", &st) == 0 && S_ISLNK(st.st_mode));
    EXPECT(rmdir("/mnt/gdir") == -1);

    static unsigned char back[100000];
    fd = open("/mnt/link", O_RDONLY);
    EXPECT(fd >= 0);
    size_t got = 0;
    while (got < sizeof back && (n = read(fd, back + got, sizeof back - got)) > 0)
        got += (size_t)n;
    EXPECT(got == sizeof back && memcmp(back, data, sizeof data) == 0);
    close(fd);

    int seen = 0; /* the image's own files are there too */
    DIR *d = opendir("/mnt");
    EXPECT(d != NULL);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        seen += strcmp(e->d_name, "from_host.txt") == 0 && e->d_type == DT_REG;
        seen += strcmp(e->d_name, "gdir") == 0 && e->d_type == DT_DIR;
        seen += strcmp(e->d_name, "link") == 0 && e->d_type == DT_LNK;
        seen += 100 * (strcmp(e->d_name, "remove_me") == 0);
    }
    if (d)
        closedir(d);
    EXPECT(seen == 3);
    printf(fails ? "ext2test: %d failed\n" : "ext2test: ok\n", fails);
    return fails != 0;
}
