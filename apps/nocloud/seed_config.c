/*
 * seed_config.c: the meta-data / #cloud-config subset a per-app VM reads (seed.h). Line based:
 * "key: value" at column 0, or "key:" then indented "- item" lines; quotes around a value are
 * dropped; every other key (and its items) is skipped, as cloud-init skips modules it lacks.
 */
#include "seed.h"

/* Copies [s, e) into dst (NUL-terminated, cut to n - 1), without surrounding blanks/quotes. */
static void copy_value(char *dst, size_t n, const char *s, const char *e)
{
    while (s < e && (*s == ' ' || *s == '\t'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        e--;
    if (e - s >= 2 && (*s == '"' || *s == '\'') && e[-1] == *s)
        s++, e--;
    size_t k = 0;
    for (; s < e && k + 1 < n; s++)
        dst[k++] = *s;
    dst[k] = '\0';
}

static int is_key(const char *s, const char *e, const char *key)
{
    while (*key && s < e && *s == *key)
        s++, key++;
    return *key == '\0' && s < e && *s == ':';
}

void seed_parse(struct seed_config *c, const char *text, size_t len)
{
    enum { NONE, KEYS, CMDS } list = NONE;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *e = p;
        while (e < end && *e != '\n')
            e++;
        const char *q = p;
        while (q < e && *q == ' ')
            q++;
        if (q == e || *q == '#') {
            /* blank or comment: nothing */
        } else if (q > p || *q == '-') { /* an item of the current list */
            if (*q == '-' && list == KEYS && c->nkeys < SEED_MAX_KEYS)
                copy_value(c->keys[c->nkeys++], sizeof c->keys[0], q + 1, e);
            else if (*q == '-' && list == CMDS && c->ncmds < SEED_MAX_CMDS)
                copy_value(c->cmds[c->ncmds++], sizeof c->cmds[0], q + 1, e);
        } else {
            const char *colon = q;
            while (colon < e && *colon != ':')
                colon++;
            list = NONE;
            if (is_key(q, e, "instance-id"))
                copy_value(c->instance_id, sizeof c->instance_id, colon + 1, e);
            else if (is_key(q, e, "hostname"))
                copy_value(c->hostname, sizeof c->hostname, colon + 1, e);
            else if (is_key(q, e, "local-hostname") && !c->hostname[0])
                copy_value(c->hostname, sizeof c->hostname, colon + 1, e);
            else if (is_key(q, e, "ssh_authorized_keys"))
                list = KEYS;
            else if (is_key(q, e, "runcmd"))
                list = CMDS;
        }
        p = e + 1;
    }
}
