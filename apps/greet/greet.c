/*
 * greet.c: the app of the smallest per-app image (apps/greet/app.toml). It greets, then prints
 * what the image carries for it in the boot archive: its argv (app/args), its environment
 * (app/env), one line per entry, and a file the manifest's [files] put there, then ends.
 */
#include <los/los.h>
#include <los/spawn.h>

#define LINE_MAX 160

/* Prints "greet: WHAT N: LINE" for each line of archive entry NAME; the entry's count. */
static int print_lines(const char *what, const char *name)
{
    const void *data;
    uint64_t size;
    if (los_archive_find(name, &data, &size) < 0) {
        los_printf("greet: no %s in the archive\n", name);
        return 0;
    }
    const char *p = data, *end = p + size;
    int n = 0;
    while (p < end) {
        char line[LINE_MAX];
        size_t len = 0;
        for (; p < end && *p != '\n'; p++)
            if (len < sizeof line - 1) /* longer lines are cut, not overrun */
                line[len++] = *p;
        line[len] = '\0';
        los_printf("greet: %s %d: %s\n", what, n++, line);
        p++; /* past the '\n' */
    }
    return n;
}

int main(uint64_t arg0, uint64_t arg1)
{
    (void)arg0;
    (void)arg1;
    los_printf("greet: main reached\n"); /* docs/per-app-images.md times boots to this line */
    print_lines("arg", "app/args");
    print_lines("env", "app/env");
    print_lines("file", "etc/greeting");
    los_printf("greet: done\n");
    return 0;
}
