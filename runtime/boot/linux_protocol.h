/* SPDX-License-Identifier: MIT */
/* The Linux x86 boot protocol structures the runtime fills for a direct
 * 64-bit entry into vmlinux (facts from Documentation/x86/boot.rst and
 * arch/x86/include/uapi/asm/bootparam.h). */
#ifndef PVN_LINUX_PROTOCOL_H
#define PVN_LINUX_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

struct linux_setup_header {
	uint8_t setup_sects;
	uint16_t root_flags;
	uint32_t syssize;
	uint16_t ram_size;
	uint16_t vid_mode;
	uint16_t root_dev;
	uint16_t boot_flag;
	uint16_t jump;
	uint32_t header;
	uint16_t version;
	uint32_t realmode_swtch;
	uint16_t start_sys_seg;
	uint16_t kernel_version;
	uint8_t type_of_loader;
	uint8_t loadflags;
	uint16_t setup_move_size;
	uint32_t code32_start;
	uint32_t ramdisk_image;
	uint32_t ramdisk_size;
	uint32_t bootsect_kludge;
	uint16_t heap_end_ptr;
	uint8_t ext_loader_ver;
	uint8_t ext_loader_type;
	uint32_t cmd_line_ptr;
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	uint8_t relocatable_kernel;
	uint8_t min_alignment;
	uint16_t xloadflags;
	uint32_t cmdline_size;
	uint32_t hardware_subarch;
	uint64_t hardware_subarch_data;
	uint32_t payload_offset;
	uint32_t payload_length;
	uint64_t setup_data;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t handover_offset;
	uint32_t kernel_info_offset;
} __attribute__((packed));
_Static_assert(sizeof(struct linux_setup_header) == 0x7b, "setup_header size");
_Static_assert(offsetof(struct linux_setup_header, header) == 0x202 - 0x1f1, "header");
_Static_assert(offsetof(struct linux_setup_header, type_of_loader) == 0x210 - 0x1f1, "loader");
_Static_assert(offsetof(struct linux_setup_header, cmd_line_ptr) == 0x228 - 0x1f1, "cmdline");
_Static_assert(offsetof(struct linux_setup_header, cmdline_size) == 0x238 - 0x1f1, "cmdline_size");

struct linux_e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct linux_e820_entry) == 20, "e820 entry");

#define LINUX_E820_RAM 1
#define LINUX_E820_RESERVED 2
#define LINUX_E820_ACPI 3
#define LINUX_E820_MAX 128

/* The zero page: only the fields Paravane sets are named. */
struct linux_boot_params {
	uint8_t pad0[0x70];
	uint64_t acpi_rsdp_addr; /* 0x070 */
	uint8_t pad1[0x1e8 - 0x78];
	uint8_t e820_entries; /* 0x1e8 */
	uint8_t pad2[0x1f1 - 0x1e9];
	struct linux_setup_header hdr; /* 0x1f1 */
	uint8_t pad3[0x2d0 - 0x1f1 - sizeof(struct linux_setup_header)];
	struct linux_e820_entry e820_table[LINUX_E820_MAX]; /* 0x2d0 */
	uint8_t pad4[0x1000 - 0x2d0 - LINUX_E820_MAX * 20];
} __attribute__((packed));
_Static_assert(sizeof(struct linux_boot_params) == 4096, "boot_params size");
_Static_assert(offsetof(struct linux_boot_params, acpi_rsdp_addr) == 0x70, "rsdp");
_Static_assert(offsetof(struct linux_boot_params, e820_entries) == 0x1e8, "e820_entries");
_Static_assert(offsetof(struct linux_boot_params, hdr) == 0x1f1, "hdr");
_Static_assert(offsetof(struct linux_boot_params, e820_table) == 0x2d0, "e820_table");

#define LINUX_BOOT_FLAG 0xaa55
#define LINUX_HDRS_MAGIC 0x53726448 /* "HdrS" */
#define LINUX_LOADED_HIGH 0x01
#define LINUX_CAN_USE_HEAP 0x80

/* A bzImage file: the setup header sits at 0x1f1 of the file as in the zero
 * page; setup_sects + 1 sectors of real-mode setup code precede the
 * protected-mode kernel, whose 64-bit entry (startup_64) is 0x200 past its
 * start (boot protocol 2.12+, xloadflags XLF_KERNEL_64). */
#define LINUX_SETUP_HEADER_OFFSET 0x1f1
#define LINUX_SECTOR 512
#define LINUX_DEFAULT_SETUP_SECTS 4
#define LINUX_ENTRY64_OFFSET 0x200
#define LINUX_XLF_KERNEL_64 0x0001
#define LINUX_MIN_VERSION_64BIT 0x020c
/* The header's own length: the jump at 0x200 skips it, so 0x202 + its byte. */
#define LINUX_HEADER_JUMP_OFFSET 0x201

#endif
