/* SPDX-License-Identifier: MIT */
/*
 * The "tpm" service (1.0) the vTPM plugin provides through the plugin ABI's
 * service_provide: other plugins (secure boot's measured boot) send TPM
 * commands to the VM's TPM with it. Append-only; check `head.size` before
 * touching a field. Callable from any thread (serialised with the guest).
 */
#ifndef PVN_VTPM_TPM_SERVICE_H
#define PVN_VTPM_TPM_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include <paravane/plugin.h>

#define PVN_TPM_SERVICE_NAME "tpm"
#define PVN_TPM_SERVICE_MAJOR 1
#define PVN_TPM_SERVICE_MINOR 0

struct pvn_tpm_service {
	struct pvn_service_head head; /* sizeof(struct pvn_tpm_service) */
	void *ctx;
	/* 1.0: one TPM 2.0 command; *rsplen: capacity in, length out. */
	int (*transmit)(void *ctx, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t *rsplen);
};

#endif
