/* SPDX-License-Identifier: MIT */
/*
 * The TPM 2.0 CRB device model: one 4 KiB locality-0 page (registers plus a
 * 0xF80-byte data buffer that the command and the response share), as the
 * TCG PTP specification describes it and Linux's tpm_crb driver uses it.
 * Pure C: no KVM, no runtime; an MMIO handler calls pvn_vtpm_crb_mmio.
 *
 * The model is synchronous: a write of START runs the command on the engine
 * before the write returns, so software never sees START set. Commands are
 * serialised by the device lock (VPs may race on the page).
 *
 * Guest protocol checks (each logged, rate-limited, counted in stats; the
 * device keeps working):
 *  - CTRL_* registers and the data buffer are reachable only while
 *    locality 0 is assigned (LOC_CTRL.requestAccess); otherwise reads see
 *    all-ones, writes are dropped and the handler returns -EACCES.
 *  - START while idle (no CTRL_REQ.cmdReady) or with CTRL_STS.Error set is
 *    ignored and sets CTRL_STS.Error.
 *  - The command's header size field larger than the buffer (or a written
 *    CTRL_CMD_SIZE larger than the buffer) sets CTRL_STS.Error and answers
 *    TPM_RC_COMMAND_SIZE.
 *  - A header size below 10 bytes, or one that disagrees with a
 *    CTRL_CMD_SIZE that software wrote since cmdReady, answers
 *    TPM_RC_COMMAND_SIZE.
 *  - An engine failure or a malformed engine response answers
 *    TPM_RC_FAILURE.
 * CTRL_STS.Error is cleared by the next cmdReady or goIdle request.
 * CTRL_CMD_SIZE/CTRL_RSP_SIZE read as the buffer size until software writes
 * CTRL_CMD_SIZE (then the command's size must equal what it wrote).
 */
#ifndef PVN_VTPM_CRB_H
#define PVN_VTPM_CRB_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "plugins/vtpm/crb_protocol.h"
#include "plugins/vtpm/engine.h"

struct pvn_vtpm_crb_stats {
	uint64_t commands;      /* commands passed to the engine */
	uint64_t cmd_errors;    /* commands answered by the device with an error */
	uint64_t engine_errors; /* engine failures and malformed responses */
	uint64_t refused;       /* accesses without the locality */
	uint64_t bad_access;    /* bad widths, read-only or reserved writes, START while idle */
};

struct pvn_vtpm_crb {
	pthread_mutex_t lock;
	struct pvn_vtpm_engine *engine;
	uint64_t base; /* guest-physical address of the page */
	bool loc_assigned;
	bool idle;
	bool error;
	bool cancel;
	bool cmd_size_written;
	uint32_t cmd_size;
	uint32_t int_enable;
	unsigned log_budget;
	struct pvn_vtpm_crb_stats stats;
	uint8_t data[PVN_CRB_DATA_SIZE];
	uint8_t rsp[PVN_VTPM_MAX_BUF];
};

/* The device answers at `base` (normally PVN_CRB_BASE) and sends commands to
 * engine, which the caller created and powered on, and still owns. */
int pvn_vtpm_crb_init(struct pvn_vtpm_crb *c, uint64_t base, struct pvn_vtpm_engine *engine);
void pvn_vtpm_crb_fini(struct pvn_vtpm_crb *c);
/* Platform reset: idle, locality released, buffer cleared. */
void pvn_vtpm_crb_reset(struct pvn_vtpm_crb *c);

/*
 * One guest access at page offset `off` of `size` (1, 2, 4 or 8) bytes. For
 * reads the result goes to *val; for writes *val holds the data. Returns 0,
 * or a negative errno when the access was refused (*val is then all-ones
 * for reads). Any thread.
 */
int pvn_vtpm_crb_mmio(struct pvn_vtpm_crb *c, uint64_t off, unsigned size, bool write,
		      uint64_t *val);

/* The same with the runtime's MMIO handler signature (opaque = the device,
 * gpa absolute), for pvn_icpt_claim(..., PVN_ICPT_MMIO, base, 0x1000, ...). */
int pvn_vtpm_crb_mmio_handler(void *opaque, unsigned vp, uint64_t gpa, unsigned size, bool write,
			      uint64_t *val);

/* A command from the host side (e.g. measurements by another plugin through
 * the "tpm" service), serialised with the guest's commands. */
int pvn_vtpm_crb_host_transmit(struct pvn_vtpm_crb *c, const uint8_t *cmd, size_t len,
			       uint8_t *rsp, size_t *rsplen);

void pvn_vtpm_crb_get_stats(struct pvn_vtpm_crb *c, struct pvn_vtpm_crb_stats *out);

#endif
