#!/usr/bin/env python3
"""check_readmes.py: every tracked source file is named in its folder's README.md.

A folder's README says what lives in each of its files (the brief's rule). This check keeps that
true as files come and go: for each source file git tracks, the README.md of its own folder, or
of the nearest enclosing folder that has one, must name it, either by its file name or by its
path relative to that README's folder (in backticks, as the tables do: `vio.c` or
`include/exo/abi.h`). A README may name several files at once with a brace list
(`test_{elf,page}.c`) or a trailing star on a stem (`iommu*.c`).

The other way round, so a README does not outlive a file it describes: every name in backticks
that looks like one of our files (a source extension, no glob, not an `<include>`) must be a
tracked file, by its path relative to the README's folder or to the tree's top, or by its file
name somewhere in the tree.

Usage: check_readmes.py [--root DIR]; exit 1 with one line per unnamed file or stale name.
"""
import argparse
import fnmatch
import os
import re
import subprocess
import sys

SOURCE_EXT = (".c", ".h", ".S", ".s", ".py", ".sh", ".ld", ".inc", ".def", ".cmake")
# Generated or vendored elsewhere: nothing of ours to describe.
SKIP_DIRS = (".ci/", ".git/", "out/")


# Also described, though not by extension: build files, the `tessera` command, every document.
SOURCE_NAMES = ("CMakeLists.txt", "tessera")


def is_source(rel):
    base = os.path.basename(rel)
    if rel.startswith(SKIP_DIRS):
        return False
    return (rel.endswith(SOURCE_EXT) or base in SOURCE_NAMES
            or (rel.endswith(".md") and base != "README.md"))


def tracked_files(root):
    out = subprocess.run(["git", "-C", root, "ls-files"], check=True, capture_output=True,
                         text=True).stdout.split("\n")
    return [p for p in out if p]


def tracked_sources(root):
    return [p for p in tracked_files(root) if is_source(p)]


def expand_braces(name):
    m = re.search(r"\{([^{}]*)\}", name)
    if not m:
        return [name]
    head, tail = name[:m.start()], name[m.end():]
    return [x for alt in m.group(1).split(",") for x in expand_braces(head + alt + tail)]


def readme_names(path):
    """The names a README mentions in backticks, braces expanded: (all of them, and those
    from spans that hold one word; a span with blanks is a command line or a phrase, whose
    words may name files that are not ours, so only the first set counts them)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    names, single = set(), set()
    for tok in re.findall(r"`([^`\n]+)`", text):
        words = [w.strip().rstrip(":") for w in split_words(tok)]
        words = [w for w in words if w]
        for part in words:
            names.update(expand_braces(part))
            if len(words) == 1:
                single.update(expand_braces(part))
    return names, single


def split_words(tok):
    """Split on blanks and commas outside braces, so `paging.{c,h}` stays one name."""
    words, cur, depth = [], "", 0
    for ch in tok:
        depth += (ch == "{") - (ch == "}")
        if depth == 0 and (ch.isspace() or ch == ","):
            words.append(cur)
            cur = ""
        else:
            cur += ch
    return words + [cur]


def owning_readme(root, rel):
    d = os.path.dirname(rel)
    while True:
        cand = os.path.join(d, "README.md") if d else "README.md"
        if os.path.exists(os.path.join(root, cand)):
            return d, cand
        if not d:
            return None, None
        d = os.path.dirname(d)


def named(names, rel_to_readme):
    base = os.path.basename(rel_to_readme)
    for n in names:
        if "*" in n or "?" in n:
            if fnmatch.fnmatch(base, n) or fnmatch.fnmatch(rel_to_readme, n):
                return True
        elif n in (base, rel_to_readme):
            return True
    return False


def stale_names(names, readme_dir, files):
    """Names in a README that look like our files but match no tracked file."""
    paths = set(files)
    bases = {os.path.basename(f) for f in files}
    stale = []
    for n in sorted(names):
        base = os.path.basename(n)
        if ("*" in n or "?" in n) and is_source(n.replace("*", "x").replace("?", "x")):
            if not any(fnmatch.fnmatch(f, n) or fnmatch.fnmatch(os.path.basename(f), n)
                       or fnmatch.fnmatch(os.path.relpath(f, readme_dir or "."), n)
                       for f in files):
                stale.append(n)
            continue
        if any(c in n for c in "*?<>()[]=") or not is_source(n) or n.startswith(("/", "-")) \
                or base.startswith("."):
            continue
        rel = os.path.normpath(os.path.join(readme_dir, n)) if readme_dir else os.path.normpath(n)
        if rel in paths or os.path.normpath(n) in paths:
            continue
        if "/" not in n and n in bases:
            continue
        stale.append(n)
    return stale


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    a = ap.parse_args()
    root = os.path.abspath(a.root)
    cache, missing = {}, []
    for rel in tracked_sources(root):
        d, readme = owning_readme(root, rel)
        if readme is None:
            missing.append(f"{rel}: no README.md in its folder or above")
            continue
        if readme not in cache:
            cache[readme] = readme_names(os.path.join(root, readme))
        if not named(cache[readme][0], os.path.relpath(rel, d or ".")):
            missing.append(f"{rel}: not named in {readme}")
    files = tracked_files(root)
    for rel in files:
        if os.path.basename(rel) != "README.md" or rel.startswith(SKIP_DIRS):
            continue
        names = cache.get(rel) or readme_names(os.path.join(root, rel))
        for n in stale_names(names[1], os.path.dirname(rel), files):
            missing.append(f"{rel}: names `{n}`, which is no tracked file")
    for m in missing:
        print(f"check_readmes: {m}")
    print(f"check_readmes: {len(missing)} problems; {len(tracked_sources(root))} source files")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
