/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the CRB device model: the input is a stream of
 * guest MMIO accesses (any offset, width, value, order) plus the sizes and
 * shapes of the fake engine's responses. The fake engine aborts if the
 * device ever hands it a command that breaks the device's own promises
 * (size within the buffer and equal to the header's size field).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/vtpm/crb.h"
#include "plugins/vtpm/tpm2_wire.h"
#include "plugins/vtpm/vtpm_log.h"

static const uint8_t *in;
static size_t in_left;

static uint8_t take8(void)
{
	if (!in_left)
		return 0;
	in_left--;
	return *in++;
}

static int fake_transmit(struct pvn_vtpm_engine *e, const uint8_t *cmd, size_t len, uint8_t *rsp,
			 size_t *rsplen)
{
	uint8_t how = take8();
	size_t n;

	(void)e;
	if (len < TPM2_HDR_SIZE || len > PVN_CRB_DATA_SIZE || tpm2_get32(cmd + 2) != len ||
	    *rsplen > PVN_VTPM_MAX_BUF)
		abort();
	switch (how & 3) {
	case 0: /* engine failure */
		return -5;
	case 1: /* well-formed response of a fuzzed size */
		n = TPM2_HDR_SIZE + ((size_t)take8() << 4 | take8()) % (*rsplen - TPM2_HDR_SIZE + 1);
		memset(rsp, how, n);
		tpm2_error_rsp(rsp, 0);
		rsp[2] = n >> 24;
		rsp[3] = n >> 16;
		rsp[4] = n >> 8;
		rsp[5] = n;
		*rsplen = n;
		return 0;
	case 2: /* a header that lies about its size */
		tpm2_error_rsp(rsp, 0);
		rsp[2] = take8();
		rsp[5] = take8();
		*rsplen = TPM2_HDR_SIZE + (take8() & 0x3f);
		return 0;
	default: /* echo the command back */
		memcpy(rsp, cmd, len);
		*rsplen = len;
		return 0;
	}
}

static int fake_nop(struct pvn_vtpm_engine *e)
{
	(void)e;
	return 0;
}
static int fake_loc(struct pvn_vtpm_engine *e, uint8_t l)
{
	(void)e;
	(void)l;
	return 0;
}

static const struct pvn_vtpm_engine_ops ops = {
	.size = sizeof(ops),
	.abi_major = PVN_VTPM_ENGINE_ABI_MAJOR,
	.version = PVN_VTPM_ENGINE_VERSION,
	.transmit = fake_transmit,
	.cancel = fake_nop,
	.set_locality = fake_loc,
};

static void quiet(void *opaque, int level, const char *msg)
{
	(void)opaque;
	(void)level;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pvn_vtpm_crb crb; /* 8 KiB: not on the stack */
	struct pvn_vtpm_engine e = {.size = sizeof(e), .version = PVN_VTPM_ENGINE_VERSION,
				    .ops = &ops, .name = "fuzz"};
	static const unsigned widths[4] = {1, 2, 4, 8};

	pvn_vtpm_log_set(quiet, NULL, PVN_VTPM_LOG_ERROR);
	in = data;
	in_left = size;
	if (pvn_vtpm_crb_init(&crb, PVN_CRB_BASE, &e))
		abort();
	while (in_left) {
		uint8_t op = take8();
		uint64_t off, v = 0;
		unsigned w = widths[(op >> 1) & 3];

		if (op & 0x80) {
			/* Shortcut to the interesting states: locality + cmdReady,
			 * then maybe a plausible header and START. */
			v = PVN_CRB_LOC_CTRL_REQUEST;
			pvn_vtpm_crb_mmio(&crb, PVN_CRB_LOC_CTRL, 4, true, &v);
			v = PVN_CRB_CTRL_REQ_CMD_READY;
			pvn_vtpm_crb_mmio(&crb, PVN_CRB_CTRL_REQ, 4, true, &v);
			if (op & 0x40) {
				uint8_t hdr[12];
				uint32_t n = tpm2_cmd_get_random(hdr, sizeof(hdr), 8);
				for (uint32_t i = 0; i < n; i += 4) {
					uint32_t word = 0;
					memcpy(&word, hdr + i, 4);
					v = word;
					pvn_vtpm_crb_mmio(&crb, PVN_CRB_DATA + i, 4, true, &v);
				}
				v = 1;
				pvn_vtpm_crb_mmio(&crb, PVN_CRB_CTRL_START, 4, true, &v);
			}
			continue;
		}
		off = (uint64_t)take8() << 8 | take8();
		if (!(op & 0x20))
			off &= 0x7f; /* mostly registers */
		else if (op & 0x10)
			off = PVN_CRB_DATA + off % PVN_CRB_DATA_SIZE;
		for (unsigned i = 0; i < w; i++)
			v |= (uint64_t)take8() << (8 * i);
		if (op & 0x08)
			w = op & 7; /* also invalid widths 0, 3, 5, 6, 7 */
		pvn_vtpm_crb_mmio(&crb, off, w, op & 1, &v);
	}
	pvn_vtpm_crb_fini(&crb);
	return 0;
}
