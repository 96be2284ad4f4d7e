/* SPDX-License-Identifier: MIT */
/*
 * IGVM (Independent Guest Virtual Machine) on-disk format.
 *
 * Layouts and numbers follow Microsoft's IGVM specification (the igvm_defs
 * crate). Everything on disk is little endian; these structs are only valid
 * to overlay on a little-endian host, which the static assertions below and
 * the check in igvm.c make explicit.
 */
#ifndef PARAVANE_IGVM_DEFS_H
#define PARAVANE_IGVM_DEFS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#define _Static_assert static_assert
#endif

#define IGVM_MAGIC_VALUE      0x4D564749u /* "IGVM" read as a little-endian u32 */
#define IGVM_FORMAT_VERSION_1 1u
#define IGVM_FORMAT_VERSION_2 2u
#define IGVM_PAGE_SIZE_4K     4096u
#define IGVM_PAGE_SIZE_2M     (2u * 1024 * 1024)

/* Architecture, only carried by version 2 fixed headers (v1 implies x64). */
#define IGVM_ARCH_X64     0u
#define IGVM_ARCH_AARCH64 1u

struct igvm_fixed_header {
	uint32_t magic;
	uint32_t format_version;
	uint32_t variable_header_offset;
	uint32_t variable_header_size;
	uint32_t total_file_size;
	uint32_t checksum;
};

struct igvm_fixed_header_v2 {
	uint32_t magic;
	uint32_t format_version;
	uint32_t variable_header_offset;
	uint32_t variable_header_size;
	uint32_t total_file_size;
	uint32_t checksum;
	uint32_t architecture;
	uint32_t page_size;
};

/* Variable header types. */
#define IGVM_VHT_SUPPORTED_PLATFORM           0x001u
#define IGVM_VHT_GUEST_POLICY                 0x101u
#define IGVM_VHT_RELOCATABLE_REGION           0x102u
#define IGVM_VHT_PAGE_TABLE_RELOCATION_REGION 0x103u
#define IGVM_VHT_CORIM_DOCUMENT               0x104u
#define IGVM_VHT_CORIM_SIGNATURE              0x105u
#define IGVM_VHT_CCA_POLICY                   0x106u
#define IGVM_VHT_PARAMETER_AREA               0x301u
#define IGVM_VHT_PAGE_DATA                    0x302u
#define IGVM_VHT_PARAMETER_INSERT             0x303u
#define IGVM_VHT_VP_CONTEXT                   0x304u
#define IGVM_VHT_REQUIRED_MEMORY              0x305u
#define IGVM_VHT_RESERVED_DO_NOT_USE          0x306u
#define IGVM_VHT_VP_COUNT_PARAMETER           0x307u
#define IGVM_VHT_SRAT                         0x308u
#define IGVM_VHT_MADT                         0x309u
#define IGVM_VHT_MMIO_RANGES                  0x30Au
#define IGVM_VHT_SNP_ID_BLOCK                 0x30Bu
#define IGVM_VHT_MEMORY_MAP                   0x30Cu
#define IGVM_VHT_ERROR_RANGE                  0x30Du
#define IGVM_VHT_COMMAND_LINE                 0x30Eu
#define IGVM_VHT_SLIT                         0x30Fu
#define IGVM_VHT_PPTT                         0x310u
#define IGVM_VHT_VBS_MEASUREMENT              0x311u
#define IGVM_VHT_DEVICE_TREE                  0x312u
#define IGVM_VHT_ENVIRONMENT_INFO_PARAMETER   0x313u

/* Section ranges (inclusive) and the "may be ignored" bit of a type. */
#define IGVM_VHT_RANGE_PLATFORM_FIRST  0x001u
#define IGVM_VHT_RANGE_PLATFORM_LAST   0x100u
#define IGVM_VHT_RANGE_INIT_FIRST      0x101u
#define IGVM_VHT_RANGE_INIT_LAST       0x200u
#define IGVM_VHT_RANGE_DIRECTIVE_FIRST 0x301u
#define IGVM_VHT_RANGE_DIRECTIVE_LAST  0x400u
#define IGVM_VHT_OPTIONAL_BIT          0x80000000u

/* Every variable header starts 8-byte aligned; length excludes this. */
struct igvm_vhs_variable_header {
	uint32_t type;
	uint32_t length;
};

/* Platform types. */
#define IGVM_PLATFORM_NATIVE        0x00u
#define IGVM_PLATFORM_VSM_ISOLATION 0x01u
#define IGVM_PLATFORM_SEV_SNP       0x02u
#define IGVM_PLATFORM_TDX           0x03u
#define IGVM_PLATFORM_SEV           0x04u
#define IGVM_PLATFORM_SEV_ES        0x05u
#define IGVM_PLATFORM_CCA           0x06u

/* The only platform version defined for every platform type. */
#define IGVM_PLATFORM_VERSION_1 0x1u

struct igvm_vhs_supported_platform {
	uint32_t compatibility_mask;
	uint8_t highest_vtl;
	uint8_t platform_type;
	uint16_t platform_version;
	uint64_t shared_gpa_boundary;
};

struct igvm_vhs_guest_policy {
	uint64_t policy;
	uint32_t compatibility_mask;
	uint32_t reserved;
};

#define IGVM_CCA_HASH_SHA256       0x0u
#define IGVM_CCA_HASH_SHA512       0x1u
#define IGVM_CCA_HASH_SHA384       0x2u
#define IGVM_CCA_LFA_DISALLOW      0x0u
#define IGVM_CCA_LFA_ALLOW         0x1u
#define IGVM_CCA_POLICY_ATTR_DEBUG (1ull << 0)
#define IGVM_CCA_POLICY_ATTR_MEC   (1ull << 1)

struct igvm_vhs_cca_policy {
	uint32_t compatibility_mask;
	uint32_t reserved;
	uint64_t attributes_required_zeroes;
	uint64_t attributes_required_ones;
	uint8_t hash_algorithm;
	uint8_t lfa_policy;
	uint8_t reserved2[6];
};

#define IGVM_VHF_RELOCATABLE_REGION_IS_VTL2    0x1u
#define IGVM_VHF_RELOCATABLE_REGION_APPLY_RIP  0x2u
#define IGVM_VHF_RELOCATABLE_REGION_APPLY_GDTR 0x4u

struct igvm_vhs_relocatable_region {
	uint32_t compatibility_mask;
	uint16_t vp_index;
	uint8_t vtl;
	uint8_t flags;
	uint64_t relocation_alignment;
	uint64_t relocation_region_gpa;
	uint64_t relocation_region_size;
	uint64_t minimum_relocation_gpa;
	uint64_t maximum_relocation_gpa;
};

struct igvm_vhs_page_table_relocation {
	uint32_t compatibility_mask;
	uint16_t vp_index;
	uint8_t vtl;
	uint8_t reserved;
	uint64_t gpa;
	uint64_t size;
	uint64_t used_size;
};

/* CORIM_DOCUMENT and CORIM_SIGNATURE share this body. */
struct igvm_vhs_corim_data {
	uint32_t compatibility_mask;
	uint32_t file_offset;
	uint32_t size_bytes;
	uint32_t reserved;
};

struct igvm_vhs_parameter_area {
	uint64_t number_of_bytes;
	uint32_t parameter_area_index;
	uint32_t file_offset; /* 0: the area starts zeroed */
};

#define IGVM_PAGE_DATA_TYPE_NORMAL     0x0u
#define IGVM_PAGE_DATA_TYPE_SECRETS    0x1u
#define IGVM_PAGE_DATA_TYPE_CPUID_DATA 0x2u
#define IGVM_PAGE_DATA_TYPE_CPUID_XF   0x3u

#define IGVM_PAGE_DATA_FLAG_2MB        (1u << 0)
#define IGVM_PAGE_DATA_FLAG_UNMEASURED (1u << 1)
#define IGVM_PAGE_DATA_FLAG_SHARED     (1u << 2)

struct igvm_vhs_page_data {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t file_offset; /* from the start of the file; 0: a zero page */
	uint32_t flags;
	uint16_t data_type;
	uint16_t reserved;
};

struct igvm_vhs_parameter_insert {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t parameter_area_index;
};

/* Body of every "parameter" directive (VP_COUNT, MEMORY_MAP, ...). */
struct igvm_vhs_parameter {
	uint32_t parameter_area_index;
	uint32_t byte_offset;
};

/*
 * The spec declares gpa as an unaligned little-endian u64, so the body is
 * 20 bytes with 4-byte alignment (its TLV is padded to 24 on disk).
 */
struct __attribute__((packed, aligned(4))) igvm_vhs_vp_context {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t file_offset;
	uint16_t vp_index;
	uint16_t reserved;
};

struct igvm_vhs_error_range {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t size_bytes;
};

/* File data of a VP_CONTEXT on NATIVE (and SEV) x64 platforms, 4 KiB padded. */
struct igvm_native_vp_context_x64 {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip;
	uint64_t rflags;
	uint64_t idtr_base;
	uint16_t idtr_limit;
	uint16_t reserved[2];
	uint16_t gdtr_limit;
	uint64_t gdtr_base;
	uint16_t code_selector;
	uint16_t code_attributes;
	uint32_t code_base;
	uint32_t code_limit;
	uint16_t data_selector;
	uint16_t data_attributes;
	uint32_t data_base;
	uint32_t data_limit;
	uint64_t gs_base;
	uint64_t cr0;
	uint64_t cr3;
	uint64_t cr4;
	uint64_t efer;
};

/* File data of a VP_CONTEXT on VSM_ISOLATION: a count, then registers. */
struct igvm_vbs_vp_context_header {
	uint32_t register_count;
};

struct __attribute__((packed)) igvm_vbs_vp_context_register {
	uint8_t vtl;
	uint32_t register_name; /* Hyper-V register name (HV_REGISTER_*) */
	uint8_t mbz[11];
	uint8_t register_value[16];
};

/* Hyper-V x64 register names the VBS VP context may carry. */
#define HV_X64_REGISTER_RSP               0x00020004u
#define HV_X64_REGISTER_RBP               0x00020005u
#define HV_X64_REGISTER_RSI               0x00020006u
#define HV_X64_REGISTER_R8                0x00020008u
#define HV_X64_REGISTER_R9                0x00020009u
#define HV_X64_REGISTER_R10               0x0002000au
#define HV_X64_REGISTER_R11               0x0002000bu
#define HV_X64_REGISTER_R12               0x0002000cu
#define HV_X64_REGISTER_RIP               0x00020010u
#define HV_X64_REGISTER_RFLAGS            0x00020011u
#define HV_X64_REGISTER_CR0               0x00040000u
#define HV_X64_REGISTER_CR3               0x00040002u
#define HV_X64_REGISTER_CR4               0x00040003u
#define HV_X64_REGISTER_ES                0x00060000u
#define HV_X64_REGISTER_CS                0x00060001u
#define HV_X64_REGISTER_SS                0x00060002u
#define HV_X64_REGISTER_DS                0x00060003u
#define HV_X64_REGISTER_FS                0x00060004u
#define HV_X64_REGISTER_GS                0x00060005u
#define HV_X64_REGISTER_TR                0x00060007u
#define HV_X64_REGISTER_IDTR              0x00070000u
#define HV_X64_REGISTER_GDTR              0x00070001u
#define HV_X64_REGISTER_EFER              0x00080001u
#define HV_X64_REGISTER_PAT               0x00080004u
#define HV_X64_REGISTER_MTRR_DEF_TYPE     0x0008000eu
#define HV_X64_REGISTER_MTRR_PHYS_BASE0   0x00080010u /* ..4: +0..+4 */
#define HV_X64_REGISTER_MTRR_PHYS_MASK0   0x00080040u /* ..4: +0..+4 */
#define HV_X64_REGISTER_MTRR_FIX64K_00000 0x00080070u
#define HV_X64_REGISTER_MTRR_FIX16K_80000 0x00080071u
#define HV_X64_REGISTER_MTRR_FIX4K_E0000  0x00080077u
#define HV_X64_REGISTER_MTRR_FIX4K_E8000  0x00080078u
#define HV_X64_REGISTER_MTRR_FIX4K_F0000  0x00080079u
#define HV_X64_REGISTER_MTRR_FIX4K_F8000  0x0008007au

/* Register value layouts inside register_value[16]. */
struct hv_x64_segment_register {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint16_t attributes;
};

struct hv_x64_table_register {
	uint16_t pad[3];
	uint16_t limit;
	uint64_t base;
};

/* File data of a VP_CONTEXT on CCA (AArch64), 4 KiB padded. */
struct igvm_vp_context_aarch64_cca {
	uint64_t x0, x1, x2, x3, x4, x5, x6, x7;
	uint64_t pc;
	uint64_t flags;
};

#define IGVM_REQUIRED_MEMORY_FLAG_VTL2_PROTECTABLE (1u << 0)

struct igvm_vhs_required_memory {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t number_of_bytes;
	uint32_t flags;
	uint32_t reserved;
};

struct igvm_vhs_memory_range {
	uint64_t starting_gpa_page_number;
	uint64_t number_of_pages;
};

/* What the loader writes for an MMIO_RANGES parameter. */
struct igvm_vhs_mmio_ranges {
	struct igvm_vhs_memory_range mmio_ranges[2];
};

struct igvm_vhs_snp_id_block_signature {
	uint8_t r_comp[72];
	uint8_t s_comp[72];
};

struct igvm_vhs_snp_id_block_public_key {
	uint32_t curve;
	uint32_t reserved;
	uint8_t qx[72];
	uint8_t qy[72];
};

struct igvm_vhs_snp_id_block {
	uint32_t compatibility_mask;
	uint8_t author_key_enabled;
	uint8_t reserved[3];
	uint8_t ld[48];
	uint8_t family_id[16];
	uint8_t image_id[16];
	uint32_t version;
	uint32_t guest_svn;
	uint32_t id_key_algorithm;
	uint32_t author_key_algorithm;
	struct igvm_vhs_snp_id_block_signature id_key_signature;
	struct igvm_vhs_snp_id_block_public_key id_public_key;
	struct igvm_vhs_snp_id_block_signature author_key_signature;
	struct igvm_vhs_snp_id_block_public_key author_public_key;
};

struct igvm_vhs_vbs_measurement {
	uint32_t compatibility_mask;
	uint32_t version;
	uint32_t product_id;
	uint32_t module_id;
	uint32_t security_version;
	uint32_t policy_flags;
	uint32_t boot_digest_algo;
	uint32_t signing_algo;
	uint8_t boot_measurement_digest[64];
	uint8_t signature[256];
	uint8_t public_key[512];
};

/* Memory map entry types, what the loader writes for MEMORY_MAP. */
#define IGVM_MEMORY_MAP_MEMORY            0x0u
#define IGVM_MEMORY_MAP_PLATFORM_RESERVED 0x1u
#define IGVM_MEMORY_MAP_PERSISTENT        0x2u
#define IGVM_MEMORY_MAP_VTL2_PROTECTABLE  0x3u
#define IGVM_MEMORY_MAP_SPECIFIC_PURPOSE  0x4u
#define IGVM_MEMORY_MAP_HIDDEN            0x5u

struct igvm_vhs_memory_map_entry {
	uint64_t starting_gpa_page_number;
	uint64_t number_of_pages;
	uint16_t entry_type;
	uint16_t flags;
	uint32_t reserved;
};

/* ENVIRONMENT_INFO parameter value bits. */
#define IGVM_ENVIRONMENT_INFO_MEMORY_IS_SHARED (1u << 0)

/* Layout checks: a wrong offset here silently corrupts every file. */
#define IGVM_CHECK_SIZE(t, n)   _Static_assert(sizeof(struct t) == (n), #t " size")
#define IGVM_CHECK_OFF(t, f, n) _Static_assert(offsetof(struct t, f) == (n), #t "." #f)

IGVM_CHECK_SIZE(igvm_fixed_header, 24);
IGVM_CHECK_OFF(igvm_fixed_header, magic, 0);
IGVM_CHECK_OFF(igvm_fixed_header, format_version, 4);
IGVM_CHECK_OFF(igvm_fixed_header, variable_header_offset, 8);
IGVM_CHECK_OFF(igvm_fixed_header, variable_header_size, 12);
IGVM_CHECK_OFF(igvm_fixed_header, total_file_size, 16);
IGVM_CHECK_OFF(igvm_fixed_header, checksum, 20);
IGVM_CHECK_SIZE(igvm_fixed_header_v2, 32);
IGVM_CHECK_OFF(igvm_fixed_header_v2, checksum, 20);
IGVM_CHECK_OFF(igvm_fixed_header_v2, architecture, 24);
IGVM_CHECK_OFF(igvm_fixed_header_v2, page_size, 28);
IGVM_CHECK_SIZE(igvm_vhs_variable_header, 8);
IGVM_CHECK_OFF(igvm_vhs_variable_header, length, 4);
IGVM_CHECK_SIZE(igvm_vhs_supported_platform, 16);
IGVM_CHECK_OFF(igvm_vhs_supported_platform, highest_vtl, 4);
IGVM_CHECK_OFF(igvm_vhs_supported_platform, platform_type, 5);
IGVM_CHECK_OFF(igvm_vhs_supported_platform, platform_version, 6);
IGVM_CHECK_OFF(igvm_vhs_supported_platform, shared_gpa_boundary, 8);
IGVM_CHECK_SIZE(igvm_vhs_guest_policy, 16);
IGVM_CHECK_OFF(igvm_vhs_guest_policy, compatibility_mask, 8);
IGVM_CHECK_OFF(igvm_vhs_guest_policy, reserved, 12);
IGVM_CHECK_SIZE(igvm_vhs_cca_policy, 32);
IGVM_CHECK_OFF(igvm_vhs_cca_policy, attributes_required_zeroes, 8);
IGVM_CHECK_OFF(igvm_vhs_cca_policy, attributes_required_ones, 16);
IGVM_CHECK_OFF(igvm_vhs_cca_policy, hash_algorithm, 24);
IGVM_CHECK_OFF(igvm_vhs_cca_policy, lfa_policy, 25);
IGVM_CHECK_OFF(igvm_vhs_cca_policy, reserved2, 26);
IGVM_CHECK_SIZE(igvm_vhs_relocatable_region, 48);
IGVM_CHECK_OFF(igvm_vhs_relocatable_region, vp_index, 4);
IGVM_CHECK_OFF(igvm_vhs_relocatable_region, vtl, 6);
IGVM_CHECK_OFF(igvm_vhs_relocatable_region, flags, 7);
IGVM_CHECK_OFF(igvm_vhs_relocatable_region, relocation_alignment, 8);
IGVM_CHECK_OFF(igvm_vhs_relocatable_region, relocation_region_gpa, 16);
IGVM_CHECK_OFF(igvm_vhs_relocatable_region, relocation_region_size, 24);
IGVM_CHECK_OFF(igvm_vhs_relocatable_region, minimum_relocation_gpa, 32);
IGVM_CHECK_OFF(igvm_vhs_relocatable_region, maximum_relocation_gpa, 40);
IGVM_CHECK_SIZE(igvm_vhs_page_table_relocation, 32);
IGVM_CHECK_OFF(igvm_vhs_page_table_relocation, vp_index, 4);
IGVM_CHECK_OFF(igvm_vhs_page_table_relocation, vtl, 6);
IGVM_CHECK_OFF(igvm_vhs_page_table_relocation, reserved, 7);
IGVM_CHECK_OFF(igvm_vhs_page_table_relocation, gpa, 8);
IGVM_CHECK_OFF(igvm_vhs_page_table_relocation, size, 16);
IGVM_CHECK_OFF(igvm_vhs_page_table_relocation, used_size, 24);
IGVM_CHECK_SIZE(igvm_vhs_corim_data, 16);
IGVM_CHECK_OFF(igvm_vhs_corim_data, file_offset, 4);
IGVM_CHECK_OFF(igvm_vhs_corim_data, size_bytes, 8);
IGVM_CHECK_OFF(igvm_vhs_corim_data, reserved, 12);
IGVM_CHECK_SIZE(igvm_vhs_parameter_area, 16);
IGVM_CHECK_OFF(igvm_vhs_parameter_area, parameter_area_index, 8);
IGVM_CHECK_OFF(igvm_vhs_parameter_area, file_offset, 12);
IGVM_CHECK_SIZE(igvm_vhs_page_data, 24);
IGVM_CHECK_OFF(igvm_vhs_page_data, compatibility_mask, 8);
IGVM_CHECK_OFF(igvm_vhs_page_data, file_offset, 12);
IGVM_CHECK_OFF(igvm_vhs_page_data, flags, 16);
IGVM_CHECK_OFF(igvm_vhs_page_data, data_type, 20);
IGVM_CHECK_OFF(igvm_vhs_page_data, reserved, 22);
IGVM_CHECK_SIZE(igvm_vhs_parameter_insert, 16);
IGVM_CHECK_OFF(igvm_vhs_parameter_insert, compatibility_mask, 8);
IGVM_CHECK_OFF(igvm_vhs_parameter_insert, parameter_area_index, 12);
IGVM_CHECK_SIZE(igvm_vhs_parameter, 8);
IGVM_CHECK_OFF(igvm_vhs_parameter, byte_offset, 4);
IGVM_CHECK_SIZE(igvm_vhs_vp_context, 20);
IGVM_CHECK_OFF(igvm_vhs_vp_context, compatibility_mask, 8);
IGVM_CHECK_OFF(igvm_vhs_vp_context, file_offset, 12);
IGVM_CHECK_OFF(igvm_vhs_vp_context, vp_index, 16);
IGVM_CHECK_OFF(igvm_vhs_vp_context, reserved, 18);
IGVM_CHECK_SIZE(igvm_vhs_error_range, 16);
IGVM_CHECK_OFF(igvm_vhs_error_range, compatibility_mask, 8);
IGVM_CHECK_OFF(igvm_vhs_error_range, size_bytes, 12);
IGVM_CHECK_SIZE(igvm_native_vp_context_x64, 232);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, rip, 128);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, rflags, 136);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, idtr_base, 144);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, idtr_limit, 152);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, gdtr_limit, 158);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, gdtr_base, 160);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, code_selector, 168);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, code_attributes, 170);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, code_base, 172);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, code_limit, 176);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, data_selector, 180);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, data_attributes, 182);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, data_base, 184);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, data_limit, 188);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, gs_base, 192);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, cr0, 200);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, cr3, 208);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, cr4, 216);
IGVM_CHECK_OFF(igvm_native_vp_context_x64, efer, 224);
IGVM_CHECK_SIZE(igvm_vbs_vp_context_header, 4);
IGVM_CHECK_SIZE(igvm_vbs_vp_context_register, 32);
IGVM_CHECK_OFF(igvm_vbs_vp_context_register, register_name, 1);
IGVM_CHECK_OFF(igvm_vbs_vp_context_register, mbz, 5);
IGVM_CHECK_OFF(igvm_vbs_vp_context_register, register_value, 16);
IGVM_CHECK_SIZE(hv_x64_segment_register, 16);
IGVM_CHECK_OFF(hv_x64_segment_register, limit, 8);
IGVM_CHECK_OFF(hv_x64_segment_register, selector, 12);
IGVM_CHECK_OFF(hv_x64_segment_register, attributes, 14);
IGVM_CHECK_SIZE(hv_x64_table_register, 16);
IGVM_CHECK_OFF(hv_x64_table_register, limit, 6);
IGVM_CHECK_OFF(hv_x64_table_register, base, 8);
IGVM_CHECK_SIZE(igvm_vp_context_aarch64_cca, 80);
IGVM_CHECK_OFF(igvm_vp_context_aarch64_cca, pc, 64);
IGVM_CHECK_OFF(igvm_vp_context_aarch64_cca, flags, 72);
IGVM_CHECK_SIZE(igvm_vhs_required_memory, 24);
IGVM_CHECK_OFF(igvm_vhs_required_memory, compatibility_mask, 8);
IGVM_CHECK_OFF(igvm_vhs_required_memory, number_of_bytes, 12);
IGVM_CHECK_OFF(igvm_vhs_required_memory, flags, 16);
IGVM_CHECK_OFF(igvm_vhs_required_memory, reserved, 20);
IGVM_CHECK_SIZE(igvm_vhs_memory_range, 16);
IGVM_CHECK_OFF(igvm_vhs_memory_range, number_of_pages, 8);
IGVM_CHECK_SIZE(igvm_vhs_mmio_ranges, 32);
IGVM_CHECK_SIZE(igvm_vhs_snp_id_block_signature, 144);
IGVM_CHECK_SIZE(igvm_vhs_snp_id_block_public_key, 152);
IGVM_CHECK_OFF(igvm_vhs_snp_id_block_public_key, qx, 8);
IGVM_CHECK_SIZE(igvm_vhs_snp_id_block, 696);
IGVM_CHECK_OFF(igvm_vhs_snp_id_block, author_key_enabled, 4);
IGVM_CHECK_OFF(igvm_vhs_snp_id_block, ld, 8);
IGVM_CHECK_OFF(igvm_vhs_snp_id_block, family_id, 56);
IGVM_CHECK_OFF(igvm_vhs_snp_id_block, image_id, 72);
IGVM_CHECK_OFF(igvm_vhs_snp_id_block, version, 88);
IGVM_CHECK_OFF(igvm_vhs_snp_id_block, guest_svn, 92);
IGVM_CHECK_OFF(igvm_vhs_snp_id_block, id_key_algorithm, 96);
IGVM_CHECK_OFF(igvm_vhs_snp_id_block, author_key_algorithm, 100);
IGVM_CHECK_OFF(igvm_vhs_snp_id_block, id_key_signature, 104);
IGVM_CHECK_OFF(igvm_vhs_snp_id_block, id_public_key, 248);
IGVM_CHECK_OFF(igvm_vhs_snp_id_block, author_key_signature, 400);
IGVM_CHECK_OFF(igvm_vhs_snp_id_block, author_public_key, 544);
IGVM_CHECK_SIZE(igvm_vhs_vbs_measurement, 864);
IGVM_CHECK_OFF(igvm_vhs_vbs_measurement, boot_measurement_digest, 32);
IGVM_CHECK_OFF(igvm_vhs_vbs_measurement, signature, 96);
IGVM_CHECK_OFF(igvm_vhs_vbs_measurement, public_key, 352);
IGVM_CHECK_SIZE(igvm_vhs_memory_map_entry, 24);
IGVM_CHECK_OFF(igvm_vhs_memory_map_entry, entry_type, 16);
IGVM_CHECK_OFF(igvm_vhs_memory_map_entry, flags, 18);
IGVM_CHECK_OFF(igvm_vhs_memory_map_entry, reserved, 20);

#undef IGVM_CHECK_SIZE
#undef IGVM_CHECK_OFF

#ifdef __cplusplus
}
#endif

#endif /* PARAVANE_IGVM_DEFS_H */
