/*
 * test_error.c: the one error table (errors.def) as code sees it: exo_strerror names every row
 * of every range, the ranges' values are the documented ones, and no value has two names.
 */
#include <check.h>

#include <common/elf.h>
#include <exo/error.h>

TEST_CASE(every_row_named)
{
#define EXO_ERROR(value, name, doc) CHECK_STR(exo_strerror(value), #name);
#define EXO_ELF_ERROR(value, name, doc) CHECK_STR(exo_strerror(value), #name);
#define VIO_ERROR(value, name, doc) CHECK_STR(exo_strerror(value), #name);
#include <exo/errors.def>
    CHECK_STR(exo_strerror(-11), "EXO_E_?");
    CHECK_STR(exo_strerror(-1000), "EXO_E_?");
    CHECK_STR(exo_strerror(1), "EXO_E_?");
}

TEST_CASE(ranges)
{
    CHECK_EQ(EXO_E_INVAL, -1);
    CHECK_EQ(EXO_E_FAULT, -9);
    CHECK_EQ(EXO_ELF_ERR_TRUNCATED, -32);
    CHECK_EQ(EXO_ELF_ERR_SPAN, -49);
    /* Each row inside its kind's range. */
#define EXO_ERROR(value, name, doc) CHECK_EQ(value <= 0 && value >= -31, 1);
#define EXO_ELF_ERROR(value, name, doc) CHECK_EQ(value <= -32 && value >= -63, 1);
#define VIO_ERROR(value, name, doc) CHECK_EQ(value <= -64 && value >= -95, 1);
#include <exo/errors.def>
}

/* The ELF checker's messages come from the same rows. */
TEST_CASE(elf_messages_from_the_table)
{
    CHECK_STR(exo_elf_strerror(EXO_ELF_ERR_MAGIC), "not an ELF64 file (bad magic)");
    CHECK_STR(exo_elf_strerror(EXO_ELF_OK), "ok");
    CHECK_STR(exo_elf_strerror(EXO_E_INVAL), "unknown ELF error");
}
