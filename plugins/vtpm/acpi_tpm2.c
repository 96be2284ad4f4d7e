/* SPDX-License-Identifier: MIT */
/* The ACPI TPM2 table and the MSFT0101 device, as bytes (see acpi_tpm2.h). */
#include "plugins/vtpm/acpi_tpm2.h"

#include <string.h>

#include "plugins/vtpm/crb_protocol.h"

static void le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}
static void le32(uint8_t *p, uint32_t v)
{
	le16(p, (uint16_t)v);
	le16(p + 2, (uint16_t)(v >> 16));
}
static void le64(uint8_t *p, uint64_t v)
{
	le32(p, (uint32_t)v);
	le32(p + 4, (uint32_t)(v >> 32));
}

void pvn_vtpm_acpi_tpm2_table(uint8_t buf[PVN_VTPM_TPM2_TABLE_LEN], uint64_t base)
{
	uint8_t sum = 0;

	memset(buf, 0, PVN_VTPM_TPM2_TABLE_LEN);
	memcpy(buf, "TPM2", 4);
	le32(buf + 4, PVN_VTPM_TPM2_TABLE_LEN);
	buf[8] = 4; /* revision */
	memcpy(buf + 10, "PRVANE", 6);
	memcpy(buf + 16, "PVNVTPM ", 8);
	le32(buf + 24, 1);
	memcpy(buf + 28, "PVN ", 4);
	le32(buf + 32, 1);
	le16(buf + 36, 0);                             /* platform class: client */
	le64(buf + 40, base + PVN_CRB_CTRL_REQ);       /* address of the control area */
	le32(buf + 48, PVN_ACPI_TPM2_START_METHOD_CRB); /* start method */
	/* 52..63: start method parameters (none for CRB); 64: LAML, 68: LASA
	 * (no event log area) */
	for (unsigned i = 0; i < PVN_VTPM_TPM2_TABLE_LEN; i++)
		sum += buf[i];
	buf[9] = (uint8_t)-sum;
}

size_t pvn_vtpm_acpi_dsdt_device(uint8_t *buf, size_t cap, uint32_t base)
{
	/* Device (TPM0) {
	 *   Name (_HID, "MSFT0101")
	 *   Name (_STA, 0x0F)
	 *   Name (_CRS, ResourceTemplate () { Memory32Fixed (ReadWrite, base, 0x1000) })
	 * } -- hand-assembled; the PkgLength of the device is one byte (< 64). */
	static const uint8_t tmpl[] = {
		0x5b, 0x82, 0x00, 'T', 'P', 'M', '0',                      /* DeviceOp, len, name */
		0x08, '_', 'H', 'I', 'D', 0x0d, 'M', 'S', 'F', 'T', '0', '1', '0', '1', 0x00,
		0x08, '_', 'S', 'T', 'A', 0x0a, 0x0f,
		0x08, '_', 'C', 'R', 'S', 0x11, 0x11, 0x0a, 0x0e,       /* Buffer(14) */
		0x86, 0x09, 0x00, 0x01, 0, 0, 0, 0, 0x00, 0x10, 0x00, 0x00, /* Memory32Fixed RW */
		0x79, 0x00,                                              /* EndTag */
	};
	size_t n = sizeof(tmpl);

	if (cap < n)
		return 0;
	memcpy(buf, tmpl, n);
	buf[2] = (uint8_t)(n - 2); /* PkgLength counts itself and what follows the opcode */
	le32(buf + 42, base);
	return n;
}
