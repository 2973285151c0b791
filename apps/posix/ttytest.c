/*
 * ttytest.c: typing at the console (libos.boot.tty, libos/posix/tests/native_boot_test.py):
 * prints a prompt line, reads what the host types, prints exactly what read() returned
 * (escaped). Lines with erase, word-erase and kill; raw mode with VMIN; ^D; ^C, which ends it.
 * The host checks the echo and the results byte for byte.
 */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void show(long n, const char *b)
{
    printf("ttytest: read %ld bytes \"", n);
    for (long i = 0; i < n; i++) {
        unsigned char c = (unsigned char)b[i];
        if (c == '\n')
            printf("\\n");
        else if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            printf("\\x%02x", c);
        else
            putchar(c);
    }
    printf("\"\n");
}

static void read_once(void)
{
    char b[256];
    long n = read(0, b, sizeof b);
    show(n, b);
}

int main(void)
{
    printf("ttytest: type a line\n");
    read_once();
    printf("ttytest: type a line\n");
    read_once();
    struct termios saved, raw;
    tcgetattr(0, &saved);
    raw = saved;
    raw.c_lflag &= ~(ICANON | ECHO | ISIG);
    raw.c_cc[VMIN] = 3;
    raw.c_cc[VTIME] = 0;
    tcsetattr(0, TCSANOW, &raw);
    printf("ttytest: type raw\n");
    read_once();
    tcsetattr(0, TCSAFLUSH, &saved);
    printf("ttytest: type eof\n");
    read_once();
    read_once();
    printf("ttytest: type ^C\n");
    read_once(); /* SIGINT ends us here */
    printf("ttytest: still here after ^C\n");
    return 1;
}
