/*
 * ldisc.c: the line discipline (tty.h): input processing and canonical editing with echo,
 * signals, reads (lines, VMIN/VTIME), output processing. Linux's n_tty is the reference for
 * every visible byte: echo of control characters as ^X (ECHOCTL), erase as "\b \b" (ECHOE),
 * kill erasing the line on screen (ECHOKE) or echoing the kill character and a newline,
 * WERASE as BSD's ALTWERASE (trailing non-word characters, then the word). A tab erases as one
 * column (Linux works out the tab's width from the line's start column; we do not track it).
 */
#include <posix/linux.h>
#include <tty/tty.h>

#define L(t, f) ((t)->tio.c_lflag & TTY_##f)
#define I(t, f) ((t)->tio.c_iflag & TTY_##f)
#define O(t, f) ((t)->tio.c_oflag & TTY_##f)
#define CC(t, v) ((t)->tio.c_cc[TTY_##v])

void tty_init(struct tty *t, const struct tty_ops *ops, void *ctx)
{
    static const uint8_t cc[TTY_NCCS] = {3,   034, 0177, 025, 4,   0,   1,   0, 021,
                                         023, 032, 0,    022, 017, 027, 026, 0};
    *t = (struct tty){.ops = ops, .ctx = ctx};
    t->tio.c_iflag = TTY_ICRNL | TTY_IXON;
    t->tio.c_oflag = TTY_OPOST | TTY_ONLCR;
    t->tio.c_cflag = TTY_B38400 | TTY_CS8 | TTY_CREAD | TTY_HUPCL;
    t->tio.c_lflag = TTY_ISIG | TTY_ICANON | TTY_ECHO | TTY_ECHOE | TTY_ECHOK | TTY_ECHOCTL |
                     TTY_ECHOKE | TTY_IEXTEN;
    for (int i = 0; i < TTY_NCCS; i++)
        t->tio.c_cc[i] = cc[i];
    t->ws = (struct tty_winsize){.ws_row = 25, .ws_col = 80};
}

/* --- output --------------------------------------------------------------------------------- */

/* Output processing of one byte into out[] (1 or 2 bytes): how many. */
static int opost(const struct tty *t, uint8_t c, char out[2])
{
    if (O(t, OPOST)) {
        if (c == '\n' && O(t, ONLCR)) {
            out[0] = '\r';
            out[1] = '\n';
            return 2;
        }
        if (c == '\r' && O(t, OCRNL))
            c = '\n';
    }
    out[0] = (char)c;
    return 1;
}

static unsigned long room(const struct tty *t)
{
    return t->ops->room ? t->ops->room(t->ctx) : (unsigned long)-1;
}

/* Echo goes through output processing too; it is dropped where the device has no room. */
static void echo_raw(struct tty *t, uint8_t c)
{
    char out[2];
    int n = opost(t, c, out);
    if (room(t) >= (unsigned long)n)
        t->ops->out(t->ctx, out, (unsigned long)n);
}

static int ctl_echo(const struct tty *t, uint8_t c)
{
    return L(t, ECHOCTL) && (c < 0x20 || c == 0x7f) && c != '\t' && c != '\n';
}

/* A character as ECHO shows it: ^X for control characters under ECHOCTL. */
static void echo_char(struct tty *t, uint8_t c)
{
    if (ctl_echo(t, c)) {
        echo_raw(t, '^');
        echo_raw(t, c ^ 0100);
    } else {
        echo_raw(t, c);
    }
}

long tty_write(struct tty *t, const void *buf, unsigned long len)
{
    const uint8_t *p = buf;
    unsigned long done = 0, space = room(t);
    char chunk[256]; /* the device gets whole chunks, not a call per byte */
    while (done < len) {
        unsigned long n = 0, took = done;
        while (took < len && n + 2 <= sizeof chunk) {
            char out[2];
            int k = opost(t, p[took], out);
            if (space < n + (unsigned long)k)
                break;
            chunk[n++] = out[0];
            if (k == 2)
                chunk[n++] = out[1];
            took++;
        }
        if (took == done)
            break; /* the device has no room for the next byte */
        t->ops->out(t->ctx, chunk, n);
        space -= n;
        done = took;
    }
    return done || !len ? (long)done : -LNX_EAGAIN;
}

/* --- input ---------------------------------------------------------------------------------- */

static void wake(struct tty *t)
{
    if (t->ops->wake)
        t->ops->wake(t->ctx);
}

/* A complete line ends at edit: readable from now on. */
static int push_line(struct tty *t)
{
    if (t->ends_head - t->ends_tail >= TTY_LINES)
        return 0;
    t->ends[t->ends_head++ % TTY_LINES] = t->edit;
    t->commit = t->edit;
    wake(t);
    return 1;
}

static void put(struct tty *t, uint8_t c)
{
    t->buf[t->edit++ % TTY_BUF] = c;
}

void tty_flush_input(struct tty *t)
{
    t->tail = t->commit = t->edit;
    t->ends_tail = t->ends_head;
    t->lnext = 0;
}

/* Visually erases one echoed character c (ECHOE): one column, two for a ^X. */
static void rub(struct tty *t, uint8_t c)
{
    for (int w = ctl_echo(t, c) ? 2 : 1; w > 0; w--) {
        echo_raw(t, '\b');
        echo_raw(t, ' ');
        echo_raw(t, '\b');
    }
}

static int word_char(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

enum erase { ERASE, WERASE, KILL };

/* ERASE, WERASE or KILL on the line being edited, with n_tty's echo. */
static void erase(struct tty *t, enum erase kind, uint8_t c)
{
    if (t->edit == t->commit)
        return;
    if (kind == KILL && (!L(t, ECHO) || !L(t, ECHOK) || !L(t, ECHOKE) || !L(t, ECHOE))) {
        t->edit = t->commit;
        if (L(t, ECHO)) {
            echo_char(t, c);
            if (L(t, ECHOK))
                echo_raw(t, '\n');
        }
        return;
    }
    int seen_word = 0;
    while (t->edit != t->commit) {
        uint8_t last = t->buf[(t->edit - 1) % TTY_BUF];
        if (kind == WERASE) {
            if (word_char(last))
                seen_word = 1;
            else if (seen_word)
                break;
        }
        t->edit--;
        if (L(t, ECHO)) {
            if (L(t, ECHOE))
                rub(t, last);
            else if (kind == ERASE)
                echo_char(t, c); /* no ECHOE: the erase character itself shows */
        }
        if (kind == ERASE)
            break;
    }
}

/* ISIG: ^C, ^\ or ^Z. */
static void isig(struct tty *t, uint8_t c, int sig)
{
    if (!L(t, NOFLSH))
        tty_flush_input(t);
    if (L(t, ECHO))
        echo_char(t, c);
    t->ops->signal(t->ctx, t->pgrp, sig);
}

static int is(const struct tty *t, uint8_t c, int v)
{
    return t->tio.c_cc[v] != 0 && c == t->tio.c_cc[v]; /* 0 disables a character (Linux) */
}

/* Space left in the buffer for the line being edited (one kept for its newline). */
static uint32_t space(const struct tty *t)
{
    return TTY_BUF - (t->edit - t->tail);
}

/* One input byte: 1 if taken, 0 if the buffer has no room for it (non-canonical). */
static int input_one(struct tty *t, uint8_t c)
{
    if (I(t, ISTRIP))
        c &= 0x7f;
    if (t->lnext) {
        t->lnext = 0;
        goto ordinary;
    }
    if (c == '\r') {
        if (I(t, IGNCR))
            return 1;
        if (I(t, ICRNL))
            c = '\n';
    } else if (c == '\n' && I(t, INLCR)) {
        c = '\r';
    }
    if (L(t, ISIG)) {
        int sig = is(t, c, TTY_VINTR)   ? TTY_SIGINT
                  : is(t, c, TTY_VQUIT) ? TTY_SIGQUIT
                  : is(t, c, TTY_VSUSP) ? TTY_SIGTSTP
                                        : 0;
        if (sig) {
            isig(t, c, sig);
            return 1;
        }
    }
    if (I(t, IXON) && (is(t, c, TTY_VSTART) || is(t, c, TTY_VSTOP)))
        return 1; /* flow control: taken; output is never stopped here */
    if (L(t, IEXTEN) && is(t, c, TTY_VLNEXT)) {
        t->lnext = 1;
        if (L(t, ECHO) && L(t, ICANON)) {
            echo_raw(t, '^');
            echo_raw(t, '\b');
        }
        return 1;
    }
    if (L(t, ICANON)) {
        if (is(t, c, TTY_VERASE)) {
            erase(t, ERASE, c);
            return 1;
        }
        if (is(t, c, TTY_VKILL)) {
            erase(t, KILL, c);
            return 1;
        }
        if (L(t, IEXTEN) && is(t, c, TTY_VWERASE)) {
            erase(t, WERASE, c);
            return 1;
        }
        if (is(t, c, TTY_VEOF)) {
            push_line(t); /* the line without the ^D; at a line start: an end of file */
            return 1;
        }
        if (c == '\n' || is(t, c, TTY_VEOL) || is(t, c, TTY_VEOL2)) {
            if (space(t) < 1)
                return 1;
            if (L(t, ECHO) || (c == '\n' && L(t, ECHONL)))
                echo_char(t, c);
            put(t, c);
            push_line(t);
            return 1;
        }
    }
ordinary:
    if (L(t, ICANON)) {
        if (space(t) <= 1)
            return 1; /* the line is full: only its end is taken */
    } else if (space(t) < 1) {
        return 0;
    }
    if (L(t, ECHO))
        echo_char(t, c);
    put(t, c);
    if (!L(t, ICANON)) {
        t->commit = t->edit;
        wake(t);
    }
    return 1;
}

unsigned long tty_input(struct tty *t, const void *buf, unsigned long len, uint64_t now_ms)
{
    const uint8_t *p = buf;
    unsigned long n = 0;
    while (n < len && input_one(t, p[n]))
        n++;
    if (n)
        t->last_in = now_ms;
    return n;
}

/* --- reading -------------------------------------------------------------------------------- */

unsigned long tty_readable(const struct tty *t)
{
    if (!L(t, ICANON))
        return t->commit - t->tail;
    return t->ends_head != t->ends_tail ? t->ends[t->ends_tail % TTY_LINES] - t->tail : 0;
}

unsigned tty_poll(const struct tty *t)
{
    int ready = L(t, ICANON) ? t->ends_head != t->ends_tail : t->commit != t->tail;
    return ready ? TTY_POLLIN : 0;
}

/* Takes up to len of the first n readable bytes. Canonical: the line's end, once reached, is
 * dropped (one: the next may be an end of file at the same place); raw: every end passed. */
static unsigned long take(struct tty *t, uint8_t *out, unsigned long len, unsigned long n)
{
    if (n > len)
        n = len;
    for (unsigned long i = 0; i < n; i++)
        out[i] = t->buf[(t->tail + i) % TTY_BUF];
    t->tail += (uint32_t)n;
    if (L(t, ICANON)) {
        if (t->ends_head != t->ends_tail && t->ends[t->ends_tail % TTY_LINES] == t->tail)
            t->ends_tail++;
    } else {
        while (t->ends_head != t->ends_tail &&
               (int32_t)(t->ends[t->ends_tail % TTY_LINES] - t->tail) <= 0)
            t->ends_tail++;
    }
    return n;
}

long tty_read(struct tty *t, void *buf, unsigned long len, int nonblock, uint64_t now_ms,
              uint64_t *wake_at)
{
    *wake_at = 0;
    if (!len)
        return 0; /* as Linux: a read of nothing returns at once, and takes nothing */
    if (L(t, ICANON)) {
        if (t->ends_head == t->ends_tail)
            return -LNX_EAGAIN;
        uint32_t end = t->ends[t->ends_tail % TTY_LINES];
        if (end == t->tail) { /* an end of file */
            t->ends_tail++;
            return 0;
        }
        return (long)take(t, buf, len, end - t->tail);
    }
    unsigned long have = t->commit - t->tail;
    unsigned vmin = CC(t, VMIN), vtime = CC(t, VTIME);
    uint64_t span = (uint64_t)vtime * 100; /* tenths of a second */
    if (nonblock)
        return have ? (long)take(t, buf, len, have) : -LNX_EAGAIN;
    if (vmin == 0 && vtime == 0)
        return (long)take(t, buf, len, have); /* polling read: whatever is there, maybe 0 */
    if (vmin == 0) { /* a timer from the read's start: any byte, or 0 when it expires */
        if (have) {
            t->timing = 0;
            return (long)take(t, buf, len, have);
        }
        if (!t->timing) {
            t->timing = 1;
            t->timer = now_ms;
        }
        if (now_ms - t->timer >= span) {
            t->timing = 0;
            return 0;
        }
        *wake_at = t->timer + span;
        return -LNX_EAGAIN;
    }
    /* VMIN > 0: wait for that many (or len); with VTIME, an inter-byte timer after the first */
    unsigned long want = vmin < len ? vmin : len;
    if (have >= want || (have && vtime && now_ms - t->last_in >= span))
        return (long)take(t, buf, len, have);
    if (have && vtime)
        *wake_at = t->last_in + span;
    return -LNX_EAGAIN;
}
