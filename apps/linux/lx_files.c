/*
 * lx_files.c: file I/O from an unmodified Linux binary: create, write, seek, read back,
 * stat, rename, unlink, and the errno of what fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
    const char *path = "/tmp/lx_files.txt", *path2 = "/tmp/lx_files2.txt";
    unlink(path);
    unlink(path2);
    int fd = open(path, O_CREAT | O_EXCL | O_RDWR, 0644);
    printf("open: %d\n", fd >= 0);
    const char msg[] = "written by a Linux binary\n";
    printf("write: %zd\n", write(fd, msg, sizeof msg - 1));
    printf("lseek: %ld\n", (long)lseek(fd, 8, SEEK_SET));
    char buf[64] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    printf("read: %zd \"%s\"\n", n, buf);
    struct stat st;
    int r = fstat(fd, &st);
    printf("fstat: %d size %ld regular %d mode %o\n", r, (long)st.st_size, S_ISREG(st.st_mode),
           st.st_mode & 0777);
    printf("close: %d\n", close(fd));
    r = open(path, O_CREAT | O_EXCL | O_RDWR, 0644);
    printf("open excl again: %d errno %s\n", r, strerror(errno));
    printf("rename: %d\n", rename(path, path2));
    r = stat(path, &st);
    printf("stat old: %d errno %s\n", r, strerror(errno));
    printf("unlink: %d\n", unlink(path2));
    n = read(99, buf, 1);
    printf("read bad fd: %zd errno %s\n", n, strerror(errno));
    FILE *f = fopen("/tmp/lx_files3.txt", "w+");
    fprintf(f, "stdio %d\n", 42);
    rewind(f);
    printf("stdio: %s", fgets(buf, sizeof buf, f));
    fclose(f);
    unlink("/tmp/lx_files3.txt");
    return 0;
}
