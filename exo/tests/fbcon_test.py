#!/usr/bin/env python3
"""fbcon_test.py: ctest `exo.fbcon`. What exo's framebuffer console shows, checked pixel-exact.

Boots the image with an empty command line; when exo says it idles, QEMU saves the display
(QMP screendump, PPM) and quits. Independently, this script draws the text the console must
show -- every serial line from `exo: fbcon:` to the idling line -- the way exo/fbcon.c does:
PSF glyphs from the same font file, cells from the top-left, fg 0xc0c0c0 on black, '\\n' to the
next row (wrapping to the top and clearing the row ahead). Every pixel must match.
    fbcon_test.py --image out/tessera.img --font out/stage/archive/font.psf
"""
import argparse
import os
import re
import struct
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build"))
import qemu  # noqa: E402

FIRST = "exo: fbcon:"
IDLE = "exo: no envs left"  # init has run and ended; exo idles
FG, BG = b"\xc0\xc0\xc0", b"\x00\x00\x00"  # as RGB triples, which is what a PPM holds


def parse_psf(data):
    """(width, height, nglyphs, bytes_per_glyph, glyphs) like exo_psf_parse (PSF1 or PSF2)."""
    if data[:2] == b"\x36\x04":
        n = 512 if data[2] & 1 else 256
        return 8, data[3], n, data[3], data[4:]
    if struct.unpack_from("<I", data)[0] == 0x864ab572:
        _, _, hdr, _, n, bpg, h, w = struct.unpack_from("<8I", data)
        return w, h, n, bpg, data[hdr:]
    raise ValueError("not a PSF font")


def read_ppm(path):
    """(width, height, RGB bytes) of a binary P6 PPM with maxval 255."""
    with open(path, "rb") as f:
        data = f.read()
    tokens, pos = [], 0
    while len(tokens) < 4:  # magic, width, height, maxval; '#' comments allowed
        m = re.compile(rb"\s*(#[^\n]*\n\s*)*(\S+)").match(data, pos)
        tokens.append(m.group(2))
        pos = m.end()
    if tokens[0] != b"P6" or tokens[3] != b"255":
        raise ValueError(f"{path}: not a P6/255 PPM")
    w, h = int(tokens[1]), int(tokens[2])
    pixels = data[pos + 1:pos + 1 + w * h * 3]  # one whitespace byte ends the header
    if len(pixels) != w * h * 3:
        raise ValueError(f"{path}: {len(pixels)} pixel bytes, expected {w * h * 3}")
    return w, h, pixels


def render(text, width, height, font):
    """The screen after fbcon_init + fbcon_write(text): (RGB bytes, set of rows touched)."""
    fw, fh, nglyphs, bpg, glyphs = font
    cols, rows = width // fw, height // fh
    screen = bytearray(BG * (width * height))
    touched = {0}
    col = row = 0

    def clear_row(r):
        for y in range(r * fh, (r + 1) * fh):
            screen[y * width * 3:(y * width + cols * fw) * 3] = BG * (cols * fw)

    def newline():
        nonlocal col, row
        col, row = 0, (row + 1) % rows
        clear_row(row)
        touched.add(row)

    bpr = (fw + 7) // 8
    for ch in text.encode("latin-1"):
        if ch == 0x0a:
            newline()
        elif ch == 0x0d:
            col = 0
        else:
            c = ch if ch < nglyphs else (ord("?") if ord("?") < nglyphs else 0)
            g = glyphs[c * bpg:(c + 1) * bpg]
            for y in range(fh):
                base = ((row * fh + y) * width + col * fw) * 3
                for x in range(fw):
                    on = g[y * bpr + x // 8] & (0x80 >> (x % 8))
                    screen[base + x * 3:base + x * 3 + 3] = FG if on else BG
            col += 1
            if col == cols:
                newline()
    return bytes(screen), touched


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--image", required=True)
    p.add_argument("--font", required=True, help="the PSF font the image's exo uses")
    a = p.parse_args()
    with open(a.font, "rb") as f:
        font = parse_psf(f.read())

    with tempfile.TemporaryDirectory(prefix="tessera-fbcon.") as tmp:
        ppm = os.path.join(tmp, "screen.ppm")
        # init.root=ram: a RAM root from the boot archive, which has no /etc/inittab, so init
        # ends (the disk's root would run its login shell and never reach IDLE)
        r = qemu.boot(a.image, cmdline="init.root=ram", timeout=120, screendump=(IDLE, ppm))
        print(f"serial log: {r.log_path}")
        fail = []
        if r.screendump is None:
            fail.append(f"no screendump ({r.screendump_error or 'idle line never seen'}; "
                        f"timed_out={r.timed_out} exit={r.exit_code})")
        else:
            w, h, shot = read_ppm(ppm)
        texts = [l for _, l in r.lines]
        start = next((i for i, l in enumerate(texts) if l.startswith(FIRST)), None)
        end = next((i for i, l in enumerate(texts) if l.startswith(IDLE)), None)
        if start is None or end is None or end < start:
            fail.append(f"serial lines {FIRST!r} .. {IDLE!r} not both seen, in order")
        if 'exo: cmdline: "init.root=ram"' not in texts:
            fail.append("serial line 'exo: cmdline: \"init.root=ram\"'")
        if fail:
            for f in fail:
                print(f"FAIL: {f} (see {r.log_path})")
            return 1

        m = re.match(r"exo: fbcon: (\d+)x(\d+) pixels, (\d+)x(\d+) cells, font (\d+)x(\d+)$",
                     texts[start])
        dims = tuple(int(x) for x in m.groups()) if m else None
        want = (w, h, w // font[0], h // font[1], font[0], font[1])
        if dims != want:
            print(f"FAIL: {texts[start]!r} does not match the screendump and font {want} "
                  f"(see {r.log_path})")
            return 1
        shown = texts[start:end + 1]
        expected, touched = render("\n".join(shown) + "\n", w, h, font)

    # Count per pixel, separately inside the text rows and on the rest of the screen.
    diff_text = diff_rest = 0
    first_bad = None
    for y in range(h):
        lo, hi = y * w * 3, (y + 1) * w * 3
        if expected[lo:hi] == shot[lo:hi]:
            continue  # the common case; pixel by pixel only where a line differs
        for i in range(lo, hi, 3):
            if expected[i:i + 3] != shot[i:i + 3]:
                if y // font[1] in touched:
                    diff_text += 1
                else:
                    diff_rest += 1
                if first_bad is None:
                    first_bad = (i // 3 % w, y, shot[i:i + 3].hex(), expected[i:i + 3].hex())
    print(f"screen {w}x{h}, {len(shown)} lines on {len(touched)} text rows")
    print(f"differing pixels: {diff_text} in the text rows, {diff_rest} elsewhere")
    if diff_text or diff_rest:
        x, y, got, exp = first_bad
        print(f"FAIL: first differing pixel at ({x},{y}) = cell ({x // font[0]},{y // font[1]}): "
              f"screen #{got}, expected #{exp} (serial log {r.log_path})")
        return 1
    print("PASS: framebuffer console matches the serial lines pixel for pixel")
    return 0


if __name__ == "__main__":
    sys.exit(main())
