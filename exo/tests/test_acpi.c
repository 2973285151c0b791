/*
 * test_acpi.c: finding SLP_TYPa for S5 in AML (exo/acpi.c), on byte strings shaped like the
 * \_S5 objects QEMU's and real firmware's DSDTs carry.
 */
#include "check.h"

#include <exo/acpi.h>

#include <stdint.h>

#define S5(...) ((const uint8_t[]){0x08, '_', 'S', '5', '_', __VA_ARGS__})

int main(void)
{
    /* Name(_S5, Package(4){Zero, Zero, Zero, Zero}), as QEMU builds it */
    CHECK_EQ(acpi_find_s5(S5(0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00), 12), 0);
    CHECK_EQ(acpi_find_s5(S5(0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0, 0), 14), 5);
    CHECK_EQ(acpi_find_s5(S5(0x12, 0x06, 0x04, 0x01, 0x01, 0, 0), 12), 1);
    /* two-byte PkgLength */
    CHECK_EQ(acpi_find_s5(S5(0x12, 0x40, 0x01, 0x04, 0x0a, 0x07, 0, 0), 13), 7);
    /* _S5_ not followed by a package, or cut short, or absent */
    CHECK_EQ(acpi_find_s5(S5(0x0a, 0x05, 0, 0, 0, 0, 0), 12), -1);
    CHECK_EQ(acpi_find_s5(S5(0x12, 0x06, 0x04, 0x0a), 9), -1);
    CHECK_EQ(acpi_find_s5((const uint8_t *)"no sleep states here", 20), -1);
    return check_summary();
}
