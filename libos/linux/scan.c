/*
 * scan.c: the x86-64 length decoder and the linear sweep that finds `syscall` sites (see
 * linux_rt/scan.h). The decoder knows the general-purpose, x87, SSE, VEX and EVEX encodings
 * 64-bit code uses: legacy and REX prefixes, the one-byte, 0f, 0f 38 and 0f 3a maps, ModRM, SIB,
 * displacements and immediates. It only needs lengths (and, for the red-zone rule, the memory
 * operand's base and displacement), not meanings. Pure: host-tested against objdump.
 *
 * The sweep goes from the range's first byte, as zpoline's does (and objdump's, per section).
 * It splits the code into stretches ended by an instruction control never falls through
 * (ret, jmp, ud2, hlt, int3): roughly a function's straight-line body. A `syscall` is rewritten
 * only if its stretch decoded cleanly and never addresses memory below rsp, nor below rbp in a
 * stretch that never lowers rsp (a frame-pointer leaf's locals live in the red zone): the
 * `call *%rax` that replaces it writes its return address at rsp - 8.
 */
#include <linux_rt/scan.h>

/* One-byte map. m: ModRM; b: imm8; z: imm16/32 (operand size); M: ModRM + imm8; Z: ModRM +
 * imm16/32; w: imm16; e: imm16 + imm8 (enter); o: moffs (8 bytes, 4 with 67); v: imm16/32, or
 * imm64 with REX.W (mov r, imm); f/F: ModRM, + imm8/imm16/32 if /0 or /1 (test); r: rel32;
 * 0: the 0f escape; 4, 5: VEX (3 and 2 bytes); E: EVEX; p: prefix; '.': nothing; x: invalid. */
static const char map0[257] = "mmmmbzxxmmmmbzx0"
                              "mmmmbzxxmmmmbzxx"
                              "mmmmbzpxmmmmbzpx"
                              "mmmmbzpxmmmmbzpx"
                              "pppppppppppppppp"
                              "................"
                              "xxEmppppzZbM...."
                              "bbbbbbbbbbbbbbbb"
                              "MZxMmmmmmmmmmmmm"
                              "..........x....."
                              "oooo....bz......"
                              "bbbbbbbbvvvvvvvv"
                              "MMw.45MZe.w..bx."
                              "mmmmxxx.mmmmmmmm"
                              "bbbbbbbbrrxb...."
                              "p.pp..fF......mm";

/* 0f map. 3 and T: the 0f 38 and 0f 3a maps (ModRM; ModRM + imm8). */
static const char map1[257] = "mmmmx.....x.xm.M"
                              "mmmmmmmmmmmmmmmm"
                              "mmmmxxxxmmmmmmmm"
                              "......x.3xTxxxxx"
                              "mmmmmmmmmmmmmmmm"
                              "mmmmmmmmmmmmmmmm"
                              "mmmmmmmmmmmmmmmm"
                              "MMMMmmm.mmxxmmmm"
                              "rrrrrrrrrrrrrrrr"
                              "mmmmmmmmmmmmmmmm"
                              "...mMmxx...mMmmm"
                              "mmmmmmmmmmMmmmmm"
                              "mmMmMMMm........"
                              "mmmmmmmmmmmmmmmm"
                              "mmmmmmmmmmmmmmmm"
                              "mmmmmmmmmmmmmmmm";

static int legacy_prefix(uint8_t b)
{
    return b == 0xf0 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x36 || b == 0x3e ||
           b == 0x26 || b == 0x64 || b == 0x65 || b == 0x66 || b == 0x67;
}

/* VEX/EVEX map 1's opcodes with an imm8 (the SSE ones that have one). */
static int vex_map1_imm(uint8_t op)
{
    return (op >= 0x70 && op <= 0x73) || op == 0xc2 || op == 0xc4 || op == 0xc5 || op == 0xc6;
}

/* ModRM (and SIB, displacement) at p[i]; i after them, or 0 if past n. */
static uint64_t modrm(const uint8_t *p, uint64_t n, uint64_t i, int rex, struct lnx_insn *in)
{
    if (i >= n)
        return 0;
    uint8_t m = p[i++];
    uint32_t mod = m >> 6, rm = m & 7;
    in->modrm = 1;
    in->reg = (m >> 3) & 7;
    in->base = -1;
    in->disp = 0;
    if (mod == 3) {
        in->rsp_dst = rm == 4 && !(rex & 1);
        return i;
    }
    in->mem = 1;
    uint32_t dlen = mod == 1 ? 1 : mod == 2 ? 4 : 0;
    if (rm == 4) { /* SIB */
        if (i >= n)
            return 0;
        uint8_t sib = p[i++];
        if ((sib & 7) == 5 && mod == 0)
            dlen = 4; /* no base: disp32 */
        else
            in->base = (int)((sib & 7) | (rex & 1) << 3);
    } else if (rm == 5 && mod == 0) {
        dlen = 4; /* rip-relative */
    } else {
        in->base = (int)(rm | (rex & 1) << 3);
    }
    if (i + dlen > n)
        return 0;
    if (dlen == 1)
        in->disp = (int8_t)p[i];
    else if (dlen == 4)
        in->disp = (int32_t)((uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                             (uint32_t)p[i + 3] << 24);
    return i + dlen;
}

uint32_t lnx_insn_decode(const uint8_t *p, uint64_t n, struct lnx_insn *in)
{
    *in = (struct lnx_insn){.base = -1};
    uint64_t i = 0;
    int rex = 0, opsize16 = 0, addr32 = 0;
    for (;; i++) {
        if (i >= n || i >= 14)
            return 0;
        if (legacy_prefix(p[i])) {
            opsize16 |= p[i] == 0x66;
            addr32 |= p[i] == 0x67;
            rex = 0; /* a REX counts only right before the opcode */
        } else if ((p[i] & 0xf0) == 0x40) {
            rex = p[i];
        } else {
            break;
        }
        in->prefixed = 1;
    }
    uint8_t op = p[i++];
    int w = !!(rex & 8);
    uint32_t iz = w ? 4 : opsize16 ? 2 : 4, imm = 0;
    char k = map0[op];
    in->map = 0;
    in->op = op;
    if (k == '0') { /* 0f */
        if (i >= n)
            return 0;
        op = p[i++];
        in->map = 1;
        in->op = op;
        k = map1[op];
        if (k == '3' || k == 'T') {
            if (i >= n)
                return 0;
            in->map = k == '3' ? 2 : 3;
            in->op = p[i++];
            k = in->map == 2 ? 'm' : 'M';
        }
    } else if (k == '4' || k == '5' || k == 'E') { /* VEX, EVEX: ModRM always (but vzero*) */
        uint64_t plen = k == '5' ? 1 : k == '4' ? 2 : 3;
        if (i + plen >= n)
            return 0;
        uint32_t mmmmm = k == '5' ? 1 : p[i] & (k == '4' ? 0x1f : 0x07);
        if (k != '5')
            rex = (~p[i] >> 5) & 1; /* the inverted B bit, as REX.B */
        else
            rex = 0;
        i += plen;
        op = p[i++];
        in->map = mmmmm;
        in->op = op;
        if (k == 'E' ? !(mmmmm == 1 || mmmmm == 2 || mmmmm == 3 || mmmmm == 5 || mmmmm == 6)
                     : !(mmmmm >= 1 && mmmmm <= 3))
            return 0;
        if (k != 'E' && mmmmm == 1 && op == 0x77)
            return in->len = (uint32_t)i; /* vzeroupper, vzeroall */
        imm = mmmmm == 3 || (mmmmm == 1 && vex_map1_imm(op)) ? 1 : 0;
        i = modrm(p, n, i, rex, in);
        if (!i || i + imm > n)
            return 0;
        return in->len = (uint32_t)(i + imm);
    }
    switch (k) {
    case 'x':
    case 'p':
    case '3':
    case 'T':
        return 0;
    case '.':
        break;
    case 'b':
        imm = 1;
        break;
    case 'z':
        imm = iz;
        break;
    case 'w':
        imm = 2;
        break;
    case 'e':
        imm = 3;
        break;
    case 'r':
        imm = 4;
        break;
    case 'o':
        imm = addr32 ? 4 : 8;
        break;
    case 'v':
        imm = w ? 8 : opsize16 ? 2 : 4;
        break;
    case 'm':
    case 'M':
    case 'Z':
    case 'f':
    case 'F':
        i = modrm(p, n, i, rex, in);
        if (!i)
            return 0;
        imm = k == 'M'   ? 1
              : k == 'Z' ? iz
              : k == 'f' ? (in->reg < 2 ? 1 : 0)
              : k == 'F' ? (in->reg < 2 ? iz : 0)
                         : 0;
        break;
    default:
        return 0;
    }
    if (i + imm > n)
        return 0;
    return in->len = (uint32_t)(i + imm);
}

/* Does control never fall through this instruction? (It ends a stretch.) */
static int ends_stretch(const struct lnx_insn *in)
{
    if (in->map == 0)
        return in->op == 0xc3 || in->op == 0xc2 || in->op == 0xcb || in->op == 0xca ||
               in->op == 0xe9 || in->op == 0xeb || in->op == 0xf4 || in->op == 0xcc ||
               (in->op == 0xff && (in->reg == 4 || in->reg == 5));
    return in->map == 1 && in->op == 0x0b; /* ud2 */
}

#define PENDING 64 /* sites held until their stretch ends; more in one stretch: unsure */
#define RSP 4
#define RBP 5

struct stretch {
    uint64_t site[PENDING];
    int nsites, unsure, below_rsp, below_rbp, lowers_rsp;
};

static void flush(struct stretch *s, void (*site)(void *, uint64_t, int), void *ctx,
                  struct lnx_scan_stats *st)
{
    int v = s->unsure                                          ? LNX_SITE_UNSURE
            : s->below_rsp || (s->below_rbp && !s->lowers_rsp) ? LNX_SITE_REDZONE
                                                               : LNX_SITE_REWRITE;
    for (int k = 0; k < s->nsites; k++) {
        st->sites[v]++;
        site(ctx, s->site[k], v);
    }
    s->nsites = s->below_rsp = s->below_rbp = s->lowers_rsp = 0;
}

void lnx_scan(const uint8_t *code, uint64_t n, void (*site)(void *ctx, uint64_t off, int verdict),
              void *ctx, struct lnx_scan_stats *st)
{
    struct stretch s = {.nsites = 0};
    for (uint64_t off = 0; off < n;) {
        struct lnx_insn in;
        uint32_t len = lnx_insn_decode(code + off, n - off, &in);
        if (!len) { /* not code we know (data, or a desync): sure again after the stretch */
            st->bad++;
            s.unsure = 1;
            off++;
            continue;
        }
        if (in.map == 1 && in.op == 0x05) { /* syscall */
            if (in.prefixed) {
                st->sites[LNX_SITE_PREFIXED]++;
                site(ctx, off + len - 2, LNX_SITE_PREFIXED);
            } else if (s.nsites == PENDING) {
                s.unsure = 1; /* too many to hold: this stretch's go untouched */
                st->sites[LNX_SITE_UNSURE]++;
                site(ctx, off, LNX_SITE_UNSURE);
            } else {
                s.site[s.nsites++] = off;
            }
        }
        if (in.mem && in.disp < 0) {
            s.below_rsp |= in.base == RSP;
            s.below_rbp |= in.base == RBP;
        }
        if (in.map == 0 && (in.op == 0x81 || in.op == 0x83) && in.rsp_dst && in.reg == 5)
            s.lowers_rsp = 1; /* sub $imm, %rsp */
        off += len;
        if (ends_stretch(&in)) {
            flush(&s, site, ctx, st);
            s.unsure = 0;
        }
    }
    flush(&s, site, ctx, st);
}

int64_t lnx_seg_range(uint64_t map_off, uint64_t map_len, uint64_t seg_off, uint64_t seg_len,
                      uint64_t *len)
{
    if (!seg_len || seg_off < map_off || seg_off - map_off >= map_len)
        return -1; /* not in the mapping, or begun before it: no boundary known */
    uint64_t at = seg_off - map_off, room = map_len - at;
    *len = seg_len < room ? seg_len : room;
    return (int64_t)at;
}
