/*
 * main.c: exo's boot sequence, from the loader's hand-over to an idle (or powered-off) machine.
 * Each step is one call into the file that owns the concept; the order matters only where a
 * comment says why.
 */
#include <exo/acpi.h>
#include <common/archive.h>
#include <common/cmdline.h>
#include <exo/cons_in.h>
#include <exo/console.h>
#include <exo/cpu.h>
#include <exo/error.h>
#include <exo/ksym.h>
#include <exo/lapic.h>
#include <exo/lock.h>
#include <exo/env_load.h>
#include <exo/memmap.h>
#include <exo/percpu.h>
#include <exo/power.h>
#include <exo/sched.h>
#include <exo/selftest.h>
#include <exo/smp.h>
#include <exo/vio.h>
#include <exo/vm.h>
#include <exo/x86.h>

#define EXO_VERSION "0.1.0"
#define MIB ((uint64_t)1024 * 1024)

struct exo_bootinfo exo_bootinfo; /* exo's own copy: the loader's pages are never read again */
struct exo_pages exo_pages;
struct exo_ksyms exo_ksyms;

static void take_bootinfo(uint64_t bi_phys)
{
    const struct exo_bootinfo *loader = phys_to_virt(bi_phys);
    if (loader->magic != EXO_BOOTINFO_MAGIC || loader->size != sizeof exo_bootinfo)
        exo_fail("boot info from the loader has the wrong magic or size");
    exo_bootinfo = *loader;
    int r = exo_bootinfo_check(&exo_bootinfo);
    if (r < 0) {
        kprintf("exo: boot info rejected: %s\n", exo_strerror(r));
        exo_fail("cannot start without a valid boot info");
    }
}

/* The page table lives in the lowest free run big enough, found before any allocator exists. */
static void memory_init(const struct exo_bootinfo *bi)
{
    struct exo_memmap m = {phys_to_virt(bi->mmap_phys), bi->mmap_size, bi->mmap_desc_size};
    struct exo_memmap_summary s;
    if (exo_memmap_check(&m) < 0)
        exo_fail("the UEFI memory map is malformed");
    exo_memmap_summarize(&m, &s);
    uint64_t count = s.ram_top / EXO_PAGE, storage;
    if (exo_memmap_find_free(&m, exo_pages_bytes(count), bi->map_top, &storage) < 0)
        exo_fail("no room for the physical page table");
    exo_pages_init(&exo_pages, phys_to_virt(storage), count);
    exo_memmap_populate(&m, &exo_pages);
    exo_pages_raise(&exo_pages, storage / EXO_PAGE,
                    (exo_pages_bytes(count) + EXO_PAGE - 1) / EXO_PAGE, EXO_PAGE_KERNEL);
    if (exo_cmdline_flag(bi->cmdline, "exo.memmap"))
        for (uint64_t i = 0; i < s.ndesc; i++) {
            const struct exo_efi_memdesc *d = exo_memmap_desc(&m, i);
            kprintf("exo: memmap: %016lx-%016lx type %2u\n", d->phys,
                    (uint64_t)(d->phys + d->pages * EXO_PAGE), d->type);
        }
    /* The map leaves out the legacy VGA/BIOS hole and what firmware reserved, so a machine
     * given N MiB shows a little less; whole MiB rounded up is what the machine was given. */
    kprintf("exo: memory: ram=%lu MiB (%lu KiB in %lu descriptors), top 0x%lx\n",
            (s.ram_bytes + MIB - 1) / MIB, s.ram_bytes / 1024, s.ndesc, s.ram_top);
}

static void memory_report(void)
{
    const uint64_t *n = exo_pages.nstate;
    kprintf("exo: pages: free=%lu kernel=%lu firmware=%lu (%lu KiB free)\n", n[EXO_PAGE_FREE],
            n[EXO_PAGE_KERNEL], n[EXO_PAGE_FIRMWARE],
            (uint64_t)(n[EXO_PAGE_FREE] * EXO_PAGE / 1024));
}

static const void *archive(void)
{
    return phys_to_virt(exo_bootinfo.archive_phys);
}

static void console_init(void)
{
    struct exo_archive_entry font;
    int r = exo_bootinfo.archive_size
                ? exo_archive_find(archive(), exo_bootinfo.archive_size, "font.psf", &font)
                : EXO_E_NOENT;
    if (r == EXO_OK)
        r = fbcon_init(&exo_bootinfo, font.data, font.size);
    if (r < 0)
        kprintf("exo: no framebuffer console (%s)\n", exo_strerror(r));
}

static void archive_report(void)
{
    struct exo_archive_entry e;
    uint64_t off = 0, n = 0;
    int r;
    if (!exo_bootinfo.archive_size) {
        kprintf("exo: archive: none\n");
        return;
    }
    while ((r = exo_archive_next(archive(), exo_bootinfo.archive_size, &off, &e)) == 1)
        if ((e.mode & 0170000) == 0100000) {
            kprintf("exo: archive: %s (%lu bytes)\n", e.name, e.size);
            n++;
        }
    kprintf("exo: archive: %lu files%s\n", n, r < 0 ? ", then corrupt" : "");
}

static void acpi_report(void)
{
    int r = acpi_init(exo_bootinfo.acpi_rsdp);
    if (r < 0) {
        kprintf("exo: acpi: unavailable (%s)\n", exo_strerror(r));
        return;
    }
    kprintf("exo: acpi: %d tables:", exo_acpi.ntables);
    for (int i = 0; i < exo_acpi.ntables; i++)
        kprintf(" %s", exo_acpi.sigs[i]);
    kprintf("; S5 = port 0x%x slp_typ %d\n", exo_acpi.pm1a_cnt, exo_acpi.s5_slp_typ);
}

static void timer_init(void)
{
    lapic_init();
    time_calibrate(20);
    kprintf("exo: timer: lapic id %u (%s), tsc %lu kHz, lapic timer %lu kHz\n", lapic_id(),
            lapic_x2apic ? "x2apic" : "xapic", exo_tsc_hz / 1000, exo_lapic_hz / 1000);
    lapic_timer_start();
    sti();
    while (exo_ticks < 10)
        hlt(); /* the timer interrupt wakes us */
    kprintf("exo: timer: %lu ticks at %u Hz\n", exo_ticks, EXO_HZ);
}

/* init, from the boot archive; without one exo idles (or powers off if asked to). */
static void start_init(void)
{
    int r = exo_bootinfo.archive_size
                ? env_load_init(archive(), exo_bootinfo.archive_size, exo_bootinfo.cmdline)
                : EXO_E_NOENT;
    if (r > 0)
        kprintf("exo: init is env %d\n", r);
    else
        kprintf("exo: no init (%s); idling (Ctrl-A X leaves QEMU)\n", exo_strerror(r));
}

void exo_main(uint64_t bi_phys, uint64_t tsc_entry)
{
    serial_init();
    take_bootinfo(bi_phys);
    cpu_detect();
    gdt_init(0); /* before leaving the loader's tables: its GDT lives in identity-mapped memory */
    percpu_attach(0); /* after gdt_init, which clears the GS base */
    idt_init();
    memory_init(&exo_bootinfo);
    if (vm_init(&exo_bootinfo, &exo_pages) < 0)
        exo_fail("out of memory building the kernel page tables");
    exo_ksyms_init(&exo_ksyms, phys_to_virt(exo_bootinfo.kernel_file_phys),
                   exo_bootinfo.kernel_file_size);
    console_init();
    uint64_t tsc_banner = rdtsc();
    kprintf("Tessera exo " EXO_VERSION " (x86_64): an exokernel\n");
    kprintf("exo: cmdline: \"%s\"\n", exo_bootinfo.cmdline);
    if (exo_bootinfo.exit_boot_attempts) /* 0: not booted through the EFI loader */
        kprintf("exo: loader: ExitBootServices succeeded on attempt %u\n",
                exo_bootinfo.exit_boot_attempts);
    kprintf("exo: cpu: %s nx=%d x2apic=%d smep=%d smap=%d pku=%d\n", cpu_features.vendor,
            cpu_features.nx, cpu_features.x2apic, cpu_features.smep, cpu_features.smap,
            cpu_features.pku);
    memory_report();
    archive_report();
    acpi_report();
    timer_init();
    vio_init();     /* after acpi (MCFG) and the LAPIC (where interrupts go) */
    cons_in_init(); /* after the IOMMU (vio_init): remapping decides the route */
    kprintf("exo: boot-times tsc_hz=%lu loader_entry=%lu exit_boot=%lu exo_entry=%lu "
            "banner=%lu\n",
            exo_tsc_hz, exo_bootinfo.tsc_loader_entry, exo_bootinfo.tsc_exit_boot, tsc_entry,
            tsc_banner);
    selftest_run(exo_bootinfo.cmdline);
    percpu_init();
    cli(); /* from here on exo runs with interrupts off and the lock held (lock.h) */
    bkl_lock();
    /* after percpu_init: the other CPUs copy this one's control registers */
    smp_init(exo_cmdline_flag(exo_bootinfo.cmdline, "exo.smpbench"));
    start_init();
    sched_run();
}
