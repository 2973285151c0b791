/*
 * inittab.c: parsing busybox's inittab format (inittab.h). Pure: no libc, no calls, so the
 * host test (tests/test_inittab.c) runs the same code init does.
 */
#include "inittab.h"

static const char *const names[] = {
    [INIT_SYSINIT] = "sysinit",   [INIT_WAIT] = "wait",
    [INIT_ONCE] = "once",         [INIT_RESPAWN] = "respawn",
    [INIT_ASKFIRST] = "askfirst", [INIT_SHUTDOWN] = "shutdown",
    [INIT_RESTART] = "restart",   [INIT_CTRLALTDEL] = "ctrlaltdel",
};

const char *inittab_action_name(enum init_action a)
{
    return a >= INIT_SYSINIT && a <= INIT_CTRLALTDEL ? names[a] : "?";
}

static int same(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    for (; i < n && word[i] && s[i] == word[i]; i++)
        ;
    return i == n && !word[i];
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* One line (no '\n'): 1 with *e filled, 0 if blank or a comment, -1 if bad. */
static int parse_line(const char *l, size_t n, struct init_entry *e)
{
    while (n && is_space(*l))
        l++, n--;
    while (n && is_space(l[n - 1]))
        n--;
    if (n == 0 || l[0] == '#')
        return 0;
    const char *f[4];
    size_t len[4], start = 0;
    int k = 0;
    for (size_t i = 0; i <= n && k < 4; i++)
        if (i == n || (l[i] == ':' && k < 3)) {
            f[k] = l + start;
            len[k] = i - start;
            k++;
            start = i + 1;
        }
    if (k != 4 || len[0] >= INIT_ID_MAX)
        return -1;
    e->action = 0;
    for (int a = INIT_SYSINIT; a <= INIT_CTRLALTDEL; a++)
        if (same(f[2], len[2], names[a]))
            e->action = (enum init_action)a;
    while (len[3] && is_space(*f[3]))
        f[3]++, len[3]--;
    if (!e->action || len[3] == 0 || len[3] >= INIT_PROCESS_MAX)
        return -1;
    for (size_t i = 0; i < len[0]; i++)
        e->id[i] = f[0][i];
    e->id[len[0]] = 0;
    for (size_t i = 0; i < len[3]; i++)
        e->process[i] = f[3][i];
    e->process[len[3]] = 0;
    return 1;
}

int inittab_parse(const char *text, size_t len, struct init_entry *out, int max, int *bad,
                  int *first_bad)
{
    int count = 0, line = 0;
    *bad = 0;
    *first_bad = 0;
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && text[j] != '\n')
            j++;
        line++;
        struct init_entry e;
        int r = parse_line(text + i, j - i, &e);
        if (r > 0 && count < max)
            out[count++] = e;
        else if (r != 0) {
            if (!*bad)
                *first_bad = line;
            (*bad)++;
        }
        i = j + 1;
    }
    return count;
}

size_t inittab_whole_lines(const char *text, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && text[n - 1] != '\n')
        n--;
    return n;
}
