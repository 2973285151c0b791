/*
 * test_cmdline.c: kernel command-line lookups (common/cmdline.c).
 */
#include <check.h>

#include <common/cmdline.h>
#include <exo/abi.h>

static const char *c = "  poweroff exo.selftest=pf\tquiet=1 poweroffx x=";

TEST_CASE(flags_are_whole_words)
{
    CHECK_EQ(exo_cmdline_flag(c, "poweroff"), 1);
    CHECK_EQ(exo_cmdline_flag(c, "power"), 0); /* whole words only */
    CHECK_EQ(exo_cmdline_flag(c, "quiet"), 0); /* quiet=1 is not the flag quiet */
    CHECK_EQ(exo_cmdline_flag("", "poweroff"), 0);
}

TEST_CASE(values_are_copied_and_truncated)
{
    char v[8];
    CHECK_EQ(exo_cmdline_value(c, "exo.selftest", v, sizeof v), EXO_OK);
    CHECK_STR(v, "pf");
    CHECK_EQ(exo_cmdline_value(c, "quiet", v, sizeof v), EXO_OK);
    CHECK_STR(v, "1");
    CHECK_EQ(exo_cmdline_value(c, "x", v, sizeof v), EXO_OK);
    CHECK_STR(v, "");
    CHECK_EQ(exo_cmdline_value(c, "exo", v, sizeof v), EXO_E_NOENT);
    CHECK_EQ(exo_cmdline_value("k=0123456789", "k", v, sizeof v), EXO_E_RANGE);
    CHECK_STR(v, "0123456"); /* truncated to the buffer, and said so */
    CHECK_EQ(exo_cmdline_value("k=0123456", "k", v, sizeof v), EXO_OK); /* exactly fits */
    CHECK_STR(v, "0123456");
}
