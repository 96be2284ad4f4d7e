/* SPDX-License-Identifier: MIT */
/*
 * ACPI table layouts as the guest reads them (ACPI 6.x, chapter 5.2). Every
 * struct is packed and little-endian; sizes and the offsets Linux and the
 * test guest rely on are pinned with _Static_assert.
 */
#ifndef PVN_ACPI_PROTOCOL_H
#define PVN_ACPI_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define PVN_ACPI_PACKED __attribute__((packed))

/* ---- Generic Address Structure (5.2.3.2) ---- */
#define PVN_ACPI_AS_SYSTEM_MEMORY 0
#define PVN_ACPI_AS_SYSTEM_IO	  1

#define PVN_ACPI_ACCESS_ANY   0
#define PVN_ACPI_ACCESS_BYTE  1
#define PVN_ACPI_ACCESS_WORD  2
#define PVN_ACPI_ACCESS_DWORD 3
#define PVN_ACPI_ACCESS_QWORD 4

struct pvn_acpi_gas {
	uint8_t space_id;
	uint8_t bit_width;
	uint8_t bit_offset;
	uint8_t access_width;
	uint64_t address;
} PVN_ACPI_PACKED;
_Static_assert(sizeof(struct pvn_acpi_gas) == 12, "GAS size");
_Static_assert(offsetof(struct pvn_acpi_gas, address) == 4, "GAS address");

/* ---- RSDP (5.2.5.3) ---- */
#define PVN_ACPI_RSDP_SIG	 "RSD PTR "
#define PVN_ACPI_RSDP_V1_LEN	 20 /* the part covered by the first checksum */
#define PVN_ACPI_RSDP_ALIGN	 16

struct pvn_acpi_rsdp {
	char signature[8];
	uint8_t checksum; /* over the first 20 bytes */
	char oem_id[6];
	uint8_t revision; /* 2 for ACPI 2.0+ */
	uint32_t rsdt_address;
	uint32_t length; /* 36 */
	uint64_t xsdt_address;
	uint8_t extended_checksum; /* over all 36 bytes */
	uint8_t reserved[3];
} PVN_ACPI_PACKED;
_Static_assert(sizeof(struct pvn_acpi_rsdp) == 36, "RSDP size");
_Static_assert(offsetof(struct pvn_acpi_rsdp, checksum) == 8, "RSDP checksum");
_Static_assert(offsetof(struct pvn_acpi_rsdp, revision) == 15, "RSDP revision");
_Static_assert(offsetof(struct pvn_acpi_rsdp, rsdt_address) == 16, "RSDP rsdt");
_Static_assert(offsetof(struct pvn_acpi_rsdp, length) == 20, "RSDP length");
_Static_assert(offsetof(struct pvn_acpi_rsdp, xsdt_address) == 24, "RSDP xsdt");
_Static_assert(offsetof(struct pvn_acpi_rsdp, extended_checksum) == 32, "RSDP ext checksum");

/* ---- System Description Table header (5.2.6) ---- */
struct pvn_acpi_sdt_header {
	char signature[4];
	uint32_t length; /* of the whole table, header included */
	uint8_t revision;
	uint8_t checksum; /* the whole table sums to 0 */
	char oem_id[6];
	char oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} PVN_ACPI_PACKED;
_Static_assert(sizeof(struct pvn_acpi_sdt_header) == 36, "SDT header size");
_Static_assert(offsetof(struct pvn_acpi_sdt_header, length) == 4, "SDT length");
_Static_assert(offsetof(struct pvn_acpi_sdt_header, checksum) == 9, "SDT checksum");
_Static_assert(offsetof(struct pvn_acpi_sdt_header, oem_id) == 10, "SDT oem_id");
_Static_assert(offsetof(struct pvn_acpi_sdt_header, oem_table_id) == 16, "SDT oem_table_id");
_Static_assert(offsetof(struct pvn_acpi_sdt_header, creator_id) == 28, "SDT creator_id");

/* ---- RSDT / XSDT (5.2.7, 5.2.8): a header and then table pointers ---- */
struct pvn_acpi_rsdt {
	struct pvn_acpi_sdt_header hdr;
	uint32_t entry[];
} PVN_ACPI_PACKED;
_Static_assert(offsetof(struct pvn_acpi_rsdt, entry) == 36, "RSDT entries");

struct pvn_acpi_xsdt {
	struct pvn_acpi_sdt_header hdr;
	uint64_t entry[]; /* unaligned: at offset 36 */
} PVN_ACPI_PACKED;
_Static_assert(offsetof(struct pvn_acpi_xsdt, entry) == 36, "XSDT entries");

/* ---- FADT (5.2.9), revision 6: 276 bytes ---- */
#define PVN_ACPI_FADT_REVISION 6

/* Fixed feature flags */
#define PVN_FADT_F_WBINVD	 (1u << 0)
#define PVN_FADT_F_PROC_C1	 (1u << 2)
#define PVN_FADT_F_PWR_BUTTON	 (1u << 4) /* set: no fixed-feature power button */
#define PVN_FADT_F_SLP_BUTTON	 (1u << 5) /* set: no fixed-feature sleep button */
#define PVN_FADT_F_RESET_REG_SUP (1u << 10)
#define PVN_FADT_F_HW_REDUCED	 (1u << 20)

/* IA-PC boot architecture flags */
#define PVN_FADT_BOOT_LEGACY_DEVICES (1u << 0)
#define PVN_FADT_BOOT_8042	     (1u << 1)
#define PVN_FADT_BOOT_NO_VGA	     (1u << 2)
#define PVN_FADT_BOOT_NO_MSI	     (1u << 3)
#define PVN_FADT_BOOT_NO_ASPM	     (1u << 4)
#define PVN_FADT_BOOT_NO_CMOS_RTC    (1u << 5)

struct pvn_acpi_fadt {
	struct pvn_acpi_sdt_header hdr; /* "FACP" */
	uint32_t firmware_ctrl;		/* FACS, 32-bit */
	uint32_t dsdt;
	uint8_t reserved0; /* INT_MODEL in ACPI 1.0 */
	uint8_t preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable;
	uint8_t acpi_disable;
	uint8_t s4bios_req;
	uint8_t pstate_cnt;
	uint32_t pm1a_evt_blk;
	uint32_t pm1b_evt_blk;
	uint32_t pm1a_cnt_blk;
	uint32_t pm1b_cnt_blk;
	uint32_t pm2_cnt_blk;
	uint32_t pm_tmr_blk;
	uint32_t gpe0_blk;
	uint32_t gpe1_blk;
	uint8_t pm1_evt_len;
	uint8_t pm1_cnt_len;
	uint8_t pm2_cnt_len;
	uint8_t pm_tmr_len;
	uint8_t gpe0_blk_len;
	uint8_t gpe1_blk_len;
	uint8_t gpe1_base;
	uint8_t cst_cnt;
	uint16_t p_lvl2_lat;
	uint16_t p_lvl3_lat;
	uint16_t flush_size;
	uint16_t flush_stride;
	uint8_t duty_offset;
	uint8_t duty_width;
	uint8_t day_alrm;
	uint8_t mon_alrm;
	uint8_t century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct pvn_acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl;
	uint64_t x_dsdt;
	struct pvn_acpi_gas x_pm1a_evt_blk;
	struct pvn_acpi_gas x_pm1b_evt_blk;
	struct pvn_acpi_gas x_pm1a_cnt_blk;
	struct pvn_acpi_gas x_pm1b_cnt_blk;
	struct pvn_acpi_gas x_pm2_cnt_blk;
	struct pvn_acpi_gas x_pm_tmr_blk;
	struct pvn_acpi_gas x_gpe0_blk;
	struct pvn_acpi_gas x_gpe1_blk;
	struct pvn_acpi_gas sleep_control_reg;
	struct pvn_acpi_gas sleep_status_reg;
	uint64_t hypervisor_vendor_id;
} PVN_ACPI_PACKED;
_Static_assert(sizeof(struct pvn_acpi_fadt) == 276, "FADT rev 6 size");
_Static_assert(offsetof(struct pvn_acpi_fadt, firmware_ctrl) == 36, "FADT FIRMWARE_CTRL");
_Static_assert(offsetof(struct pvn_acpi_fadt, dsdt) == 40, "FADT DSDT");
_Static_assert(offsetof(struct pvn_acpi_fadt, sci_int) == 46, "FADT SCI_INT");
_Static_assert(offsetof(struct pvn_acpi_fadt, smi_cmd) == 48, "FADT SMI_CMD");
_Static_assert(offsetof(struct pvn_acpi_fadt, pm1a_evt_blk) == 56, "FADT PM1a_EVT_BLK");
_Static_assert(offsetof(struct pvn_acpi_fadt, pm1a_cnt_blk) == 64, "FADT PM1a_CNT_BLK");
_Static_assert(offsetof(struct pvn_acpi_fadt, pm_tmr_blk) == 76, "FADT PM_TMR_BLK");
_Static_assert(offsetof(struct pvn_acpi_fadt, pm1_evt_len) == 88, "FADT PM1_EVT_LEN");
_Static_assert(offsetof(struct pvn_acpi_fadt, iapc_boot_arch) == 109, "FADT IAPC_BOOT_ARCH");
_Static_assert(offsetof(struct pvn_acpi_fadt, flags) == 112, "FADT flags");
_Static_assert(offsetof(struct pvn_acpi_fadt, reset_reg) == 116, "FADT RESET_REG");
_Static_assert(offsetof(struct pvn_acpi_fadt, reset_value) == 128, "FADT RESET_VALUE");
_Static_assert(offsetof(struct pvn_acpi_fadt, minor_version) == 131, "FADT minor version");
_Static_assert(offsetof(struct pvn_acpi_fadt, x_firmware_ctrl) == 132, "FADT X_FIRMWARE_CTRL");
_Static_assert(offsetof(struct pvn_acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
_Static_assert(offsetof(struct pvn_acpi_fadt, x_pm1a_evt_blk) == 148, "FADT X_PM1a_EVT_BLK");
_Static_assert(offsetof(struct pvn_acpi_fadt, x_pm1a_cnt_blk) == 172, "FADT X_PM1a_CNT_BLK");
_Static_assert(offsetof(struct pvn_acpi_fadt, x_pm_tmr_blk) == 208, "FADT X_PM_TMR_BLK");
_Static_assert(offsetof(struct pvn_acpi_fadt, sleep_control_reg) == 244, "FADT SLEEP_CONTROL");
_Static_assert(offsetof(struct pvn_acpi_fadt, hypervisor_vendor_id) == 268, "FADT hypervisor id");

/* ---- FACS (5.2.10): no checksum, 64-byte aligned ---- */
#define PVN_ACPI_FACS_ALIGN 64

struct pvn_acpi_facs {
	char signature[4]; /* "FACS" */
	uint32_t length;   /* 64 */
	uint32_t hardware_signature;
	uint32_t firmware_waking_vector;
	uint32_t global_lock;
	uint32_t flags;
	uint64_t x_firmware_waking_vector;
	uint8_t version; /* 2 */
	uint8_t reserved0[3];
	uint32_t ospm_flags;
	uint8_t reserved1[24];
} PVN_ACPI_PACKED;
_Static_assert(sizeof(struct pvn_acpi_facs) == 64, "FACS size");
_Static_assert(offsetof(struct pvn_acpi_facs, version) == 32, "FACS version");

/* ---- MADT (5.2.12) ---- */
#define PVN_MADT_PCAT_COMPAT 1u /* dual 8259s are present too */

enum pvn_madt_type {
	PVN_MADT_LAPIC = 0,
	PVN_MADT_IOAPIC = 1,
	PVN_MADT_ISO = 2, /* interrupt source override */
	PVN_MADT_LAPIC_NMI = 4,
};

#define PVN_MADT_LAPIC_ENABLED 1u

/* MPS INTI flags of overrides and NMI entries */
#define PVN_MADT_POLARITY_CONFORMS   0x0
#define PVN_MADT_POLARITY_HIGH	     0x1
#define PVN_MADT_POLARITY_LOW	     0x3
#define PVN_MADT_TRIGGER_CONFORMS    (0x0 << 2)
#define PVN_MADT_TRIGGER_EDGE	     (0x1 << 2)
#define PVN_MADT_TRIGGER_LEVEL	     (0x3 << 2)

struct pvn_acpi_madt {
	struct pvn_acpi_sdt_header hdr; /* "APIC" */
	uint32_t lapic_address;
	uint32_t flags;
	/* followed by entries, each starting with type and length */
} PVN_ACPI_PACKED;
_Static_assert(sizeof(struct pvn_acpi_madt) == 44, "MADT size");

struct pvn_madt_entry_header {
	uint8_t type;
	uint8_t length;
} PVN_ACPI_PACKED;

struct pvn_madt_lapic {
	struct pvn_madt_entry_header h;
	uint8_t processor_uid;
	uint8_t apic_id;
	uint32_t flags;
} PVN_ACPI_PACKED;
_Static_assert(sizeof(struct pvn_madt_lapic) == 8, "MADT LAPIC size");
_Static_assert(offsetof(struct pvn_madt_lapic, flags) == 4, "MADT LAPIC flags");

struct pvn_madt_ioapic {
	struct pvn_madt_entry_header h;
	uint8_t ioapic_id;
	uint8_t reserved;
	uint32_t address;
	uint32_t gsi_base;
} PVN_ACPI_PACKED;
_Static_assert(sizeof(struct pvn_madt_ioapic) == 12, "MADT IOAPIC size");
_Static_assert(offsetof(struct pvn_madt_ioapic, address) == 4, "MADT IOAPIC address");

struct pvn_madt_iso {
	struct pvn_madt_entry_header h;
	uint8_t bus; /* 0: ISA */
	uint8_t source;
	uint32_t gsi;
	uint16_t flags;
} PVN_ACPI_PACKED;
_Static_assert(sizeof(struct pvn_madt_iso) == 10, "MADT ISO size");
_Static_assert(offsetof(struct pvn_madt_iso, gsi) == 4, "MADT ISO gsi");

struct pvn_madt_lapic_nmi {
	struct pvn_madt_entry_header h;
	uint8_t processor_uid; /* 0xff: all processors */
	uint16_t flags;
	uint8_t lint;
} PVN_ACPI_PACKED;
_Static_assert(sizeof(struct pvn_madt_lapic_nmi) == 6, "MADT LAPIC NMI size");
_Static_assert(offsetof(struct pvn_madt_lapic_nmi, lint) == 5, "MADT LAPIC NMI lint");

#endif
