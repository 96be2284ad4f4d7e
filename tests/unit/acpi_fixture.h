/* SPDX-License-Identifier: MIT */
/*
 * Shared by the ACPI unit tests: the extra table and device a vTPM plugin
 * would add, and the VMBus windows the tests use.
 */
#ifndef PVN_TESTS_ACPI_FIXTURE_H
#define PVN_TESTS_ACPI_FIXTURE_H

#include <string.h>

#include "runtime/acpi/acpi.h"
#include "runtime/acpi/acpi_protocol.h"
#include "runtime/acpi/aml.h"

#define FX_LOW_BASE   0xf8000000ULL
#define FX_LOW_SIZE   0x04000000ULL /* ends at 0xfbffffff */
#define FX_HIGH_BASE  0x1000000000ULL
#define FX_HIGH_SIZE  0x0040000000ULL /* ends at 0x103fffffff */
#define FX_TPM_BASE   0xfed40000u

/* A TPM2 table (TCG ACPI spec, rev 4 with the log area fields, CRB start
 * method), its checksum left wrong on purpose. */
struct fx_tpm2 {
	struct pvn_acpi_sdt_header hdr;
	uint16_t platform_class;
	uint16_t reserved;
	uint64_t control_area;
	uint32_t start_method;
	uint8_t params[12];
	uint32_t log_area_min_len;
	uint64_t log_area_addr;
} PVN_ACPI_PACKED;
_Static_assert(sizeof(struct fx_tpm2) == 76, "TPM2 size");

static inline void fx_tpm2(struct fx_tpm2 *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->hdr.signature, "TPM2", 4);
	t->hdr.length = sizeof(*t);
	t->hdr.revision = 4;
	t->hdr.checksum = 0x5a; /* the builder must fix it */
	memcpy(t->hdr.oem_id, "PVANE ", 6);
	memcpy(t->hdr.oem_table_id, "PVNVTPM ", 8);
	t->hdr.oem_revision = 1;
	memcpy(t->hdr.creator_id, "PVN ", 4);
	t->control_area = FX_TPM_BASE + 0x40;
	t->start_method = 7; /* command response buffer */
}

/* Device (TPM0) { _HID "MSFT0101", _CRS Memory32Fixed(0xfed40000, 0x5000), _STA 0x0f } */
static inline int fx_tpm_device(struct pvn_aml *a, const uint8_t **aml, size_t *len)
{
	pvn_aml_init(a);
	pvn_aml_device_begin(a, "TPM0");
	pvn_aml_name(a, "_HID");
	pvn_aml_string(a, "MSFT0101");
	pvn_aml_name(a, "_CRS");
	pvn_aml_rt_begin(a);
	pvn_aml_rt_memory32_fixed(a, true, FX_TPM_BASE, 0x5000);
	pvn_aml_rt_end(a);
	pvn_aml_method_return_int(a, "_STA", 0x0f);
	pvn_aml_end(a);
	return pvn_aml_finish(a, aml, len);
}

static inline void fx_platform(struct pvn_acpi_platform *p, unsigned vps, bool vmbus)
{
	pvn_acpi_platform_init(p, vps);
	p->vmbus = vmbus;
	p->vmbus_low_base = FX_LOW_BASE;
	p->vmbus_low_size = FX_LOW_SIZE;
	p->vmbus_high_base = FX_HIGH_BASE;
	p->vmbus_high_size = FX_HIGH_SIZE;
}

#endif
