/*
 * test_vio_pci.c: finding a virtio device's register blocks from its PCI capability list
 * (vio_pci_find_caps), on configuration spaces laid out like QEMU's virtio-pci devices and
 * on broken ones: duplicates, reserved BARs, short notify capabilities, loops.
 */
#include <check.h>

#include <common/vio_pci.h>
#include <exo/abi.h>

static uint8_t cfg[256];

static uint8_t rd(void *ctx, uint16_t off)
{
    return ((const uint8_t *)ctx)[off];
}

/* A virtio vendor capability at off: type, BAR, offset, length (len 16, or 20 with mult). */
static void vcap(uint8_t off, uint8_t next, uint8_t type, uint8_t bar, uint32_t o, uint32_t l,
                 int mult)
{
    cfg[off] = 0x09;
    cfg[off + 1] = next;
    cfg[off + 2] = mult >= 0 ? 20 : 16;
    cfg[off + 3] = type;
    cfg[off + 4] = bar;
    memcpy(cfg + off + 8, &o, 4);
    memcpy(cfg + off + 12, &l, 4);
    if (mult >= 0)
        memcpy(cfg + off + 16, &(uint32_t){(uint32_t)mult}, 4);
}

/* QEMU's order: MSI-X, then common, isr, device, notify, pci-cfg, all in BAR 4. */
static void qemu_layout(void)
{
    memset(cfg, 0, sizeof cfg);
    cfg[0x40] = 0x11;
    cfg[0x41] = 0x50;
    vcap(0x50, 0x60, 1, 4, 0x0000, 0x1000, -1);
    vcap(0x60, 0x70, 3, 4, 0x1000, 0x1000, -1);
    vcap(0x70, 0x80, 4, 4, 0x2000, 0x1000, -1);
    vcap(0x80, 0x98, 2, 4, 0x3000, 0x1000, 4);
    vcap(0x98, 0x00, 5, 0, 0, 0, -1);
}

TEST_CASE(qemu_layout_found)
{
    struct vio_pci_caps c;
    qemu_layout();
    CHECK_EQ(vio_pci_find_caps(rd, cfg, 0x40, &c), 0);
    CHECK_EQ(c.common.bar, 4);
    CHECK_EQ(c.common.offset, 0);
    CHECK_EQ(c.common.length, 0x1000);
    CHECK_EQ(c.isr.offset, 0x1000);
    CHECK_EQ(c.device.offset, 0x2000);
    CHECK_EQ(c.notify.offset, 0x3000);
    CHECK_EQ(c.notify_mult, 4);
}

/* a second common capability later in the list does not replace the first */
TEST_CASE(first_of_each_type_wins)
{
    struct vio_pci_caps c;
    qemu_layout();
    vcap(0x98, 0x00, 1, 2, 0x8000, 0x100, -1);
    CHECK_EQ(vio_pci_find_caps(rd, cfg, 0x40, &c), 0);
    CHECK_EQ(c.common.bar, 4);
    CHECK_EQ(c.common.offset, 0);
}

/* a notify capability too short to carry its multiplier is ignored: no modern interface */
TEST_CASE(short_notify_ignored)
{
    struct vio_pci_caps c;
    qemu_layout();
    vcap(0x80, 0x98, 2, 4, 0x3000, 0x1000, -1);
    CHECK_EQ(vio_pci_find_caps(rd, cfg, 0x40, &c), EXO_E_NOENT);
    CHECK_EQ(c.notify.bar, 0xff);
}

/* BAR 6 and up do not exist */
TEST_CASE(reserved_bars_ignored)
{
    struct vio_pci_caps c;
    qemu_layout();
    vcap(0x50, 0x60, 1, 6, 0, 0x1000, -1);
    CHECK_EQ(vio_pci_find_caps(rd, cfg, 0x40, &c), EXO_E_NOENT);
    CHECK_EQ(c.common.bar, 0xff);
}

/* a list that points back at itself ends; what it saw still counts */
TEST_CASE(looping_list_ends)
{
    struct vio_pci_caps c;
    qemu_layout();
    cfg[0x81] = 0x50;
    CHECK_EQ(vio_pci_find_caps(rd, cfg, 0x40, &c), 0);
    CHECK_EQ(c.notify_mult, 4);
}

/* no capabilities at all, or a pointer into the header */
TEST_CASE(no_capabilities)
{
    struct vio_pci_caps c;
    memset(cfg, 0, sizeof cfg);
    CHECK_EQ(vio_pci_find_caps(rd, cfg, 0x00, &c), EXO_E_NOENT);
    CHECK_EQ(vio_pci_find_caps(rd, cfg, 0x10, &c), EXO_E_NOENT);
}
