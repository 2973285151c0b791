/*
 * pci.h: PCI configuration space, as far as exo needs it to find devices and hand parts of
 * them to envs: reading and writing a function's registers (ECAM from the MCFG, else the
 * legacy 0xcf8/0xcfc ports), walking the buses behind bridges, BAR addresses and the
 * capability list. exo enumerates once at boot; it never reassigns what the firmware set up.
 */
#ifndef EXO_PCI_H
#define EXO_PCI_H

#include <stdint.h>

#define PCI_VENDOR 0x00
#define PCI_DEVICE 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_SUBSYSTEM 0x2e
#define PCI_CAP_PTR 0x34
#define PCI_SECONDARY_BUS 0x19

#define PCI_CMD_MEMORY (1u << 1)
#define PCI_CMD_MASTER (1u << 2)
#define PCI_CMD_INTX_OFF (1u << 10)
#define PCI_STATUS_CAPS (1u << 4)

#define PCI_CAP_MSIX 0x11
#define PCI_CAP_VENDOR 0x09

/* bus << 8 | device << 3 | function */
typedef uint32_t pci_bdf;

uint32_t pci_read32(pci_bdf f, uint16_t off);
uint16_t pci_read16(pci_bdf f, uint16_t off);
uint8_t pci_read8(pci_bdf f, uint16_t off);
void pci_write16(pci_bdf f, uint16_t off, uint16_t v);

/* Sets the configuration access up (ECAM from the ACPI MCFG if exo_acpi found one). */
int pci_init(void);

/* The root bus: functions on it are the host bridge's own (no bridge stands in for them). */
uint8_t pci_root_bus(void);

/* Calls fn for every function present, bus 0 first and then behind each bridge, in order. */
void pci_scan(void (*fn)(pci_bdf f, void *ctx), void *ctx);

/* The physical address BAR `bar` decodes (memory BARs only; 0 for I/O or unset ones). */
uint64_t pci_bar(pci_bdf f, int bar);

/* The offset of the next capability with id `id` after `from` (0: from the start), or 0. */
uint16_t pci_find_cap(pci_bdf f, uint8_t id, uint16_t from);

#endif
