/* SPDX-License-Identifier: MIT */
/* test_vtpm_hostsock: GetRandom through a tpm2-tss TCTI (loader), kept apart
 * because tss2's headers and tpm2_wire.h define the same constants. */
#include <stdint.h>
#include <stdio.h>

#include <tss2/tss2_tcti.h>
#include <tss2/tss2_tctildr.h>

uint32_t tcti_getrandom(const char *conf);

uint32_t tcti_getrandom(const char *conf)
{
	/* TPM2_GetRandom(16): tag 8001, size 12, cc 0x17B, bytesRequested 16 */
	static const uint8_t cmd[12] = {0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7b, 0, 16};
	TSS2_TCTI_CONTEXT *t = NULL;
	uint8_t rsp[4096];
	size_t rl = sizeof(rsp);
	TSS2_RC rc;

	rc = Tss2_TctiLdr_Initialize(conf, &t);
	if (rc) {
		fprintf(stderr, "TCTI %s: init 0x%x\n", conf, rc);
		return ~0u;
	}
	rc = Tss2_Tcti_Transmit(t, sizeof(cmd), cmd);
	if (!rc)
		rc = Tss2_Tcti_Receive(t, &rl, rsp, 5000);
	Tss2_TctiLdr_Finalize(&t);
	if (rc) {
		fprintf(stderr, "TCTI %s: 0x%x\n", conf, rc);
		return ~0u;
	}
	if (rl != 10 + 2 + 16 || rsp[10] != 0 || rsp[11] != 16)
		return ~1u;
	return (uint32_t)rsp[6] << 24 | (uint32_t)rsp[7] << 16 | (uint32_t)rsp[8] << 8 | rsp[9];
}
