/* SPDX-License-Identifier: MIT */
/*
 * What the guest's firmware tables need for the vTPM: the ACPI TPM2 table
 * (revision 4, start method 7 = CRB) and the DSDT device (_HID MSFT0101,
 * _CRS the CRB page). Plain bytes, so the plugin needs no runtime code; the
 * plugin hands them to the ACPI builder when the ABI offers a call for it.
 */
#ifndef PVN_VTPM_ACPI_TPM2_H
#define PVN_VTPM_ACPI_TPM2_H

#include <stddef.h>
#include <stdint.h>

#define PVN_VTPM_TPM2_TABLE_LEN 76

/* Fill buf[PVN_VTPM_TPM2_TABLE_LEN] with the TPM2 table for a CRB at base
 * (checksummed). */
void pvn_vtpm_acpi_tpm2_table(uint8_t buf[PVN_VTPM_TPM2_TABLE_LEN], uint64_t base);
/* Write the AML of Device (TPM0) { _HID "MSFT0101", _STA 0x0F, _CRS
 * Memory32Fixed (ReadWrite, base, 0x1000) } to buf; returns its length, or
 * 0 when cap is too small. base must be below 4 GiB. */
size_t pvn_vtpm_acpi_dsdt_device(uint8_t *buf, size_t cap, uint32_t base);

#endif
