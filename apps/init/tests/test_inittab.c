/*
 * test_inittab.c: busybox's inittab format as init parses it (apps/init/inittab.c): fields,
 * comments and blanks, every action, bad lines counted and skipped, limits.
 */
#include <check.h>
#include <string.h>

#include "../inittab.h"

static struct init_entry e[8];
static int bad, first;

static int parse(const char *t)
{
    return inittab_parse(t, strlen(t), e, 8, &bad, &first);
}

TEST_CASE(busybox_example)
{
    const char *t = "# Startup\n"
                    "::sysinit:/etc/init.d/rcS\n"
                    "\n"
                    "ttyS0::respawn:-/bin/sh -l\n"
                    "tty2::askfirst:-/bin/sh\n"
                    "::once:/bin/hello a b\n"
                    "::wait:/bin/true\n"
                    "::restart:/sbin/init\n"
                    "::ctrlaltdel:/sbin/reboot\n"
                    "::shutdown:/bin/umount -a -r";
    CHECK_EQ(parse(t), 8);
    CHECK_EQ(bad, 0);
    CHECK_EQ(first, 0);
    CHECK_EQ(e[0].action, INIT_SYSINIT);
    CHECK_STR(e[0].id, "");
    CHECK_STR(e[0].process, "/etc/init.d/rcS");
    CHECK_EQ(e[1].action, INIT_RESPAWN);
    CHECK_STR(e[1].id, "ttyS0");
    CHECK_STR(e[1].process, "-/bin/sh -l");
    CHECK_EQ(e[2].action, INIT_ASKFIRST);
    CHECK_STR(e[2].id, "tty2");
    CHECK_EQ(e[3].action, INIT_ONCE);
    CHECK_STR(e[3].process, "/bin/hello a b");
    CHECK_EQ(e[4].action, INIT_WAIT);
    CHECK_EQ(e[5].action, INIT_RESTART);
    CHECK_EQ(e[6].action, INIT_CTRLALTDEL);
    CHECK_EQ(e[7].action, INIT_SHUTDOWN);
    CHECK_STR(e[7].process, "/bin/umount -a -r"); /* no newline at the end: still a line */
    CHECK_STR(inittab_action_name(INIT_ASKFIRST), "askfirst");
    CHECK_STR(inittab_action_name(0), "?");
}

TEST_CASE(spaces_runlevels_and_colons_in_the_process)
{
    CHECK_EQ(parse("  id:2345:respawn:  /bin/sh -c 'a:b'  \r\n"), 1);
    CHECK_STR(e[0].id, "id");
    CHECK_STR(e[0].process, "/bin/sh -c 'a:b'"); /* the 4th field is the rest of the line */
    CHECK_EQ(bad, 0);
}

TEST_CASE(bad_lines_are_counted_and_skipped)
{
    const char *t = "::sysinit:/a\n"
                    "::bogus:/b\n"    /* unknown action: line 2 */
                    "::respawn\n"     /* too few fields */
                    "::respawn:   \n" /* no process */
                    "   # indented comment\n"
                    "averyveryverylongid::once:/c\n" /* id of 16+ bytes */
                    "::once:/d\n";
    CHECK_EQ(parse(t), 2);
    CHECK_EQ(bad, 4);
    CHECK_EQ(first, 2);
    CHECK_STR(e[0].process, "/a");
    CHECK_STR(e[1].process, "/d");
}

TEST_CASE(limits)
{
    char t[600];
    memset(t, 0, sizeof t);
    strcpy(t, "::once:/");
    memset(t + 8, 'x', 254); /* process of 255 bytes: fits (256 with its NUL) */
    CHECK_EQ(parse(t), 1);
    CHECK_EQ(strlen(e[0].process), 255);
    t[8 + 254] = 'x'; /* 256 bytes: too long */
    CHECK_EQ(parse(t), 0);
    CHECK_EQ(bad, 1);
    char many[200] = "";
    for (int i = 0; i < 10; i++)
        strcat(many, "::once:/p\n");
    CHECK_EQ(parse(many), 8); /* the table is full: the rest are bad lines */
    CHECK_EQ(bad, 2);
    CHECK_EQ(first, 9);
    CHECK_EQ(parse(""), 0);
    CHECK_EQ(bad, 0);
}

/* A file longer than init reads: the line the cut splits is dropped, not run cut short. */
TEST_CASE(too_long)
{
    const char *t = "::once:/a\n::respawn:/sbin/getty -L ttyS0\n";
    CHECK_EQ(inittab_whole_lines(t, strlen(t), 64), strlen(t)); /* it fits */
    CHECK_EQ(inittab_whole_lines(t, 25, 24), 10);               /* cut in line 2 */
    CHECK_EQ(inittab_whole_lines(t, 6, 5), 0);                  /* no whole line */
    CHECK_EQ(inittab_whole_lines(t, 11, 10), 10); /* the cut falls just after a newline */
}
