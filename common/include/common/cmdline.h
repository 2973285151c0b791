/*
 * cmdline.h: the kernel command line, space-separated words, each a flag ("poweroff") or a
 * key=value pair ("exo.selftest=ud").
 */
#ifndef COMMON_CMDLINE_H
#define COMMON_CMDLINE_H

#include <stddef.h>

/* 1 if `word` appears as a whole flag. */
int exo_cmdline_flag(const char *cmdline, const char *word);

/* Copies the value of `key=` into val (NUL-terminated, truncated to n-1); 0 if found whole,
 * EXO_E_RANGE if it did not fit (val then holds its first n-1 bytes), EXO_E_NOENT if absent. */
int exo_cmdline_value(const char *cmdline, const char *key, char *val, size_t n);

#endif
