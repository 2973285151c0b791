/*
 * cmdline.c: looking words up in the kernel command line (see cmdline.h).
 */
#include <common/cmdline.h>
#include <exo/abi.h>

/* Next word of s: sets *start and returns its length (0 at the end). */
static size_t next_word(const char **s, const char **start)
{
    while (**s == ' ' || **s == '\t')
        (*s)++;
    *start = *s;
    while (**s && **s != ' ' && **s != '\t')
        (*s)++;
    return (size_t)(*s - *start);
}

/* Length of w if `w` begins the word [p, p+len) and the word continues with `end`. */
static int word_is(const char *p, size_t len, const char *w, char end)
{
    size_t i = 0;
    for (; w[i]; i++)
        if (i >= len || p[i] != w[i])
            return 0;
    return end ? i < len && p[i] == end : i == len;
}

int exo_cmdline_flag(const char *cmdline, const char *word)
{
    const char *s = cmdline, *w;
    size_t len;
    while ((len = next_word(&s, &w)))
        if (word_is(w, len, word, 0))
            return 1;
    return 0;
}

int exo_cmdline_value(const char *cmdline, const char *key, char *val, size_t n)
{
    const char *s = cmdline, *w;
    size_t len, klen = 0;
    while (key[klen])
        klen++;
    while ((len = next_word(&s, &w))) {
        if (!word_is(w, len, key, '='))
            continue;
        size_t i = 0;
        for (; i + 1 < n && klen + 1 + i < len; i++)
            val[i] = w[klen + 1 + i];
        if (n)
            val[i] = '\0';
        return klen + 1 + i < len ? EXO_E_RANGE : EXO_OK; /* a cut value is no value */
    }
    return EXO_E_NOENT;
}
