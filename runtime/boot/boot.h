/* SPDX-License-Identifier: MIT */
/*
 * Loading a boot image and setting the VPs' entry state.
 *
 * Paravane's direct 64-bit entry (format "elf" or "flat"): the runtime builds
 * the structures a long-mode guest needs, so the guest spends no emulated
 * CPL0 instructions on them, and reserves them in the memory map:
 *   0x1000  GDT: 0x08 code64 DPL0, 0x10 data DPL0, 0x18 data DPL3,
 *           0x20 code64 DPL3 (no TSS: the guest installs its own)
 *   0x2000  PML4, 0x3000 PDPT, 0x4000-0x7fff four page directories:
 *           the first 4 GiB identity-mapped with 2 MiB pages, user-accessible,
 *           the 3-4 GiB MMIO hole uncached
 * Each starting VP gets CR0.PE|PG, CR4.PAE, EFER.LME|LMA, CS=0x08, SS/DS=0x10,
 * RIP = entry, RSP = boot.stack (or 0), RDI = VP index, RSI = VP count,
 * RFLAGS = 0x2 (interrupts off).
 */
#ifndef PVN_BOOT_H
#define PVN_BOOT_H

#include <stdint.h>

struct pvn_vm;
struct pvn_config;

#define PVN_BOOT_GDT 0x1000ULL
#define PVN_BOOT_PML4 0x2000ULL
#define PVN_BOOT_AREA_END 0x8000ULL

#define PVN_SEL_CODE64 0x08
#define PVN_SEL_DATA 0x10
#define PVN_SEL_UDATA 0x18
#define PVN_SEL_UCODE64 0x20

/*
 * format "linux": an x86-64 vmlinux ELF entered directly at its 64-bit entry
 * point (Linux boot protocol 2.15, "64-bit boot"), skipping the kernel's own
 * decompressor. The zero page goes at PVN_LINUX_ZERO_PAGE, the command line
 * at PVN_LINUX_CMDLINE, the initrd at the top of low RAM; the GDT has
 * __BOOT_CS = 0x10 and __BOOT_DS = 0x18, RSI = the zero page.
 */
#define PVN_LINUX_ZERO_PAGE 0x8000ULL
#define PVN_LINUX_CMDLINE 0x9000ULL
int pvn_boot_linux(struct pvn_vm *vm, const char *kernel, const char *initrd,
		   const char *cmdline);

/*
 * format "bzimage" (picked by "auto" too): a bzImage as distributions ship
 * it, following the 64-bit boot protocol: the setup header is checked
 * (boot flag, "HdrS", protocol 2.12+ with XLF_KERNEL_64, setup_sects,
 * syssize against the file's size), the protected-mode code goes at its
 * preferred address with init_size bytes of RAM for it, the zero page (the
 * file's setup header, then the loader's fields) at PVN_LINUX_ZERO_PAGE, and
 * the VP enters startup_64 (0x200 into the code) with RSI = the zero page.
 * Every refusal says why in vm->mem.error.
 */
int pvn_boot_bzimage(struct pvn_vm *vm, const char *kernel, const char *initrd,
		     const char *cmdline);

/* Load cfg->boot.image and set every starting VP's registers. */
int pvn_boot_load(struct pvn_vm *vm, const struct pvn_config *cfg);

/* The pieces, for tests and other loaders. */
int pvn_boot_load_elf(struct pvn_vm *vm, const char *path, uint64_t *entry);
int pvn_boot_load_flat(struct pvn_vm *vm, const char *path, uint64_t gpa);
int pvn_boot_setup_long64(struct pvn_vm *vm, uint64_t entry, uint64_t stack);

#endif
