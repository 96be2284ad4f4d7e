/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables a guest reads: RSDP, XSDT (and RSDT), FADT, FACS, DSDT,
 * MADT, plus whole tables (TPM2, SSDTs, ...) and DSDT devices that other
 * parts of the runtime and plugins add before the tables are built.
 *
 * The FADT is a full (not hardware-reduced) PC one: Linux keeps the legacy
 * PIC and ISA interrupts (the UART's IRQ 4) only then. ACPI is always
 * enabled (SMI_CMD = 0), there is no PM timer and no GPE block.
 *
 * The DSDT holds \_S5_ = Package() {5, 5, 0, 0} and, in \_SB:
 *   UAR1  COM1: _HID PNP0501, _UID 1, IO 0x3f8/8, IRQNoFlags {4}
 *   VMOD  (when vmbus is set) _HID "VMBus", _UID 0, _STA 0x0f, and a _CRS of
 *         DWordMemory (low range) / QWordMemory (high range) windows, which
 *         Linux's hv_vmbus collects as the MMIO space for VMBus devices.
 *         Hyper-V splits this into a module device (VMOD) holding the
 *         windows and a VMBus child; hv_vmbus reads the device's own _CRS
 *         first, so one device does both.
 *   then every device added with pvn_acpi_add_device, in the order added.
 *
 * Threading: a builder is filled and built on one thread during VM set-up.
 */
#ifndef PVN_ACPI_H
#define PVN_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pvn_vm;
struct pvn_acpi;

/* Where pvn_acpi_install puts the tables: the BIOS area Linux scans for the RSDP. */
#define PVN_ACPI_AREA_GPA  0xe0000ULL
#define PVN_ACPI_AREA_SIZE 0x20000ULL

#define PVN_ACPI_MAX_TABLES   32	  /* extra tables */
#define PVN_ACPI_MAX_TABLE_LEN 0x10000u /* an extra table, or a device's AML */

/* Defaults of pvn_acpi_platform_init. */
#define PVN_ACPI_SCI_IRQ      9
#define PVN_ACPI_PM1A_EVT     0x608 /* PM1a status (2 bytes) + enable (2 bytes) */
#define PVN_ACPI_PM1A_CNT     0x604 /* PM1a control, 2 bytes */
#define PVN_ACPI_RESET_PORT   0xcf9
#define PVN_ACPI_RESET_VALUE  0x06
#define PVN_ACPI_S5_SLP_TYP   5 /* SLP_TYP the power device treats as poweroff */

struct pvn_acpi_platform {
	unsigned nr_vps;       /* one enabled LAPIC per VP, APIC IDs 0..nr_vps-1 */
	uint64_t lapic_base;   /* below 4 GiB */
	uint64_t ioapic_base;  /* below 4 GiB */
	uint8_t ioapic_id;
	uint32_t ioapic_gsi_base;
	uint8_t sci_irq;       /* ISA IRQ; overridden to level, active high */
	/* The VMBus device and its MMIO windows (size 0: that window is absent).
	 * The low window must end at or below 4 GiB, the high one start at or
	 * above it. */
	bool vmbus;
	uint64_t vmbus_low_base, vmbus_low_size;
	uint64_t vmbus_high_base, vmbus_high_size;
	/* Power management: the fixed-hardware ports the power device serves. */
	uint16_t pm1a_evt_port; /* 4 bytes */
	uint16_t pm1a_cnt_port; /* 2 bytes */
	uint16_t reset_port;
	uint8_t reset_value;
	uint8_t s5_slp_typ;
};

/* Fill p with Paravane's defaults for nr_vps VPs (VMBus off). */
void pvn_acpi_platform_init(struct pvn_acpi_platform *p, unsigned nr_vps);

__attribute__((warn_unused_result)) int pvn_acpi_create(struct pvn_acpi **out);
void pvn_acpi_destroy(struct pvn_acpi *a);

/*
 * Add a complete table (header included). The builder copies it, fixes its
 * checksum and lists it in the XSDT. Refused: a length below 36 or not equal
 * to the header's length, a length above PVN_ACPI_MAX_TABLE_LEN, a bad
 * signature, a table the builder makes itself (FACP, DSDT, APIC, FACS, XSDT,
 * RSDT), and a second table with the same signature (except SSDT); the
 * error names both owners.
 */
__attribute__((warn_unused_result)) int pvn_acpi_add_table(struct pvn_acpi *a, const void *tbl,
							    size_t len, const char *owner);
/*
 * Add AML for \_SB of the DSDT: one or more complete Device() terms (build
 * them with runtime/acpi/aml.h). The bytes are copied; anything that is not
 * a sequence of well-formed Device() terms is refused.
 */
__attribute__((warn_unused_result)) int pvn_acpi_add_device(struct pvn_acpi *a, const void *aml,
							     size_t len, const char *owner);

/*
 * Lay every table out in buf, which the guest sees at buf_gpa (16-byte
 * aligned): RSDP first, then FACS, XSDT, RSDT, FADT, DSDT, MADT and the extra
 * tables. All pointers and checksums are filled in. When the tables would
 * end above 4 GiB, the 32-bit pointers are left 0 and there is no RSDT.
 * *used gets the bytes written, *rsdp_gpa the RSDP's address.
 * -ENOSPC (nothing written past buflen) when buf is too small.
 */
__attribute__((warn_unused_result)) int pvn_acpi_build(struct pvn_acpi *a,
							const struct pvn_acpi_platform *p,
							uint8_t *buf, size_t buflen,
							uint64_t buf_gpa, size_t *used,
							uint64_t *rsdp_gpa);

/*
 * Build the tables into the VM's RAM at [PVN_ACPI_AREA_GPA, +SIZE), reserved
 * as "acpi" in the memory map (so no image is loaded over them). Call after
 * pvn_vm_create and before the boot image is loaded. p may be NULL (the
 * defaults for vm->nr_vps); p->nr_vps must match the VM. Returns the RSDP's
 * GPA (> 0), or a negative errno: -ERANGE when the VM has no RAM there
 * (less than 1 MiB of RAM).
 */
int64_t pvn_acpi_install(struct pvn_vm *vm, struct pvn_acpi *a,
			 const struct pvn_acpi_platform *p);

/* The last refusal, also logged ("" if none). */
const char *pvn_acpi_error(const struct pvn_acpi *a);

/* Byte sum of n bytes: 0 for a table whose checksum is right. */
uint8_t pvn_acpi_sum(const void *p, size_t n);

#endif
