/*
 * test_stack.c: posix_stack_build (libos/posix/stack.c) on the host: the exact block musl's
 * _start reads (argc, argv, envp, auxv with AT_RANDOM added, AT_NULL), 16-byte alignment,
 * word splitting, and refusal when it does not fit or has too many words.
 */
#include <check.h>

#include <posix/linux.h>
#include <posix/stack.h>

#include <stdint.h>

static _Alignas(16) char area[4096];

TEST_CASE(stack)
{
    char *top = area + sizeof area;
    const uint8_t rnd[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    const uint64_t aux[] = {LNX_AT_PAGESZ, 4096, LNX_AT_PHNUM, 7, LNX_AT_NULL};
    const char *envp[] = {"TERM=vt100", NULL};

    uint64_t *v = posix_stack_build(top, sizeof area, "  hello  a bc ", envp, aux, rnd);
    CHECK_EQ(v != NULL, 1);
    CHECK_EQ((uintptr_t)v % 16, 0);
    CHECK_EQ(v[0], 3);
    CHECK_STR((char *)v[1], "hello");
    CHECK_STR((char *)v[2], "a");
    CHECK_STR((char *)v[3], "bc");
    CHECK_EQ(v[4], 0);
    CHECK_STR((char *)v[5], "TERM=vt100");
    CHECK_EQ(v[6], 0);
    CHECK_EQ(v[7], LNX_AT_PAGESZ);
    CHECK_EQ(v[8], 4096);
    CHECK_EQ(v[9], LNX_AT_PHNUM);
    CHECK_EQ(v[10], 7);
    CHECK_EQ(v[11], LNX_AT_RANDOM);
    CHECK_EQ(memcmp((void *)v[12], rnd, 16), 0);
    CHECK_EQ(v[13], LNX_AT_NULL);
    CHECK_EQ(v[14], 0);
    /* Everything lies inside [area, top): strings above the vector. */
    CHECK_EQ((char *)v[1] > (char *)&v[14] && (char *)v[1] < top, 1);
    CHECK_EQ((char *)v[12] > (char *)&v[14] && (char *)v[12] + 16 <= top, 1);

    /* No command line, no environment, no auxv: argc 0, and still 16-byte aligned. */
    v = posix_stack_build(top - 8, sizeof area - 8, NULL, NULL, NULL, rnd);
    CHECK_EQ(v != NULL, 1);
    CHECK_EQ((uintptr_t)v % 16, 0);
    CHECK_EQ(v[0], 0);
    CHECK_EQ(v[1], 0);
    CHECK_EQ(v[2], 0);
    CHECK_EQ(v[3], LNX_AT_RANDOM);
    CHECK_EQ(v[5], LNX_AT_NULL);

    /* Too little room, too many words. */
    CHECK_EQ(posix_stack_build(top, 40, "hello", NULL, aux, rnd) == NULL, 1);
    char many[2 * (POSIX_ARGV_MAX + 1) + 1];
    for (int i = 0; i < POSIX_ARGV_MAX + 1; i++) {
        many[2 * i] = 'x';
        many[2 * i + 1] = ' ';
    }
    many[sizeof many - 1] = 0;
    CHECK_EQ(posix_stack_build(top, sizeof area, many, NULL, aux, rnd) == NULL, 1);
    many[2 * POSIX_ARGV_MAX] = 0; /* exactly POSIX_ARGV_MAX words */
    v = posix_stack_build(top, sizeof area, many, NULL, aux, rnd);
    CHECK_EQ(v != NULL && v[0] == POSIX_ARGV_MAX, 1);
}

/* exec's packed strings: argv and envp copied into the block (words with spaces and empty
 * ones kept whole), refused when they do not fit. */
TEST_CASE(stack_packed)
{
    char *top = area + sizeof area;
    const uint8_t rnd[16] = {0};
    const uint64_t aux[] = {LNX_AT_PAGESZ, 4096, LNX_AT_NULL};
    static const char args[] = "prog\0two words\0\0A=1\0";
    uint64_t *v = posix_stack_build_packed(top, sizeof area, args, 3, 1, aux, rnd);
    CHECK_EQ(v != NULL, 1);
    CHECK_EQ((uintptr_t)v % 16, 0);
    CHECK_EQ(v[0], 3);
    CHECK_STR((char *)v[1], "prog");
    CHECK_STR((char *)v[2], "two words");
    CHECK_STR((char *)v[3], "");
    CHECK_EQ(v[4], 0);
    CHECK_STR((char *)v[5], "A=1");
    CHECK_EQ(v[6], 0);
    CHECK_EQ(v[7], LNX_AT_PAGESZ);
    CHECK_EQ(v[8], 4096);
    CHECK_EQ(v[9], LNX_AT_RANDOM);
    CHECK_EQ(v[11], LNX_AT_NULL);
    CHECK_EQ((char *)v[1] >= area && (char *)v[5] < top, 1); /* copies, in the block */
    CHECK_EQ((const char *)v[1] != args, 1);
    v = posix_stack_build_packed(top, sizeof area, args, 0, 0, aux, rnd);
    CHECK_EQ(v != NULL && v[0] == 0 && v[1] == 0 && v[2] == 0, 1);
    CHECK_EQ(posix_stack_build_packed(top, 40, args, 3, 1, aux, rnd) == NULL, 1);
    CHECK_EQ(posix_stack_build_packed(top, 100, args, 3, 1, aux, rnd) == NULL, 1);
}
