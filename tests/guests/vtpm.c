/* SPDX-License-Identifier: MIT */
/*
 * vTPM through the CRB interface: the guest drives the TPM at 0xFED40000
 * with a small CRB driver written from the PTP specification (locality,
 * cmdReady, buffer, START, poll, response, goIdle) and runs
 * TPM2_Startup(CLEAR), GetRandom, PCR_Extend/PCR_Read on SHA-256 PCR 16 and
 * NV DefineSpace/Write/Read. It also pokes the device wrongly (no locality,
 * START while idle, a lying size field) and checks that it keeps working.
 * The host wires the CRB device to an engine picked by the executable's
 * name (vtpm: libtpms, vtpm_swtpm: swtpm, vtpm_tcti: tcti:swtpm:...) or
 * $PVN_VTPM_ENGINE, and checks the PCR value against OpenSSL.
 */
#include "plugins/vtpm/crb_protocol.h"
#include "plugins/vtpm/tpm2_wire.h"

#define PCR_INDEX 16
#define NV_INDEX 0x01500010u

/* The digest the guest extends: bytes 1, 4, 7, ... */
static inline void extend_digest(uint8_t d[32])
{
	for (unsigned i = 0; i < 32; i++)
		d[i] = (uint8_t)(i * 3 + 1);
}

#ifdef PVN_GUEST
#include "lib/guest.h"

#define CRB PVN_CRB_BASE

static uint8_t cmd[PVN_CRB_DATA_SIZE], rsp[PVN_CRB_DATA_SIZE];

static void wait_clear(uint64_t reg, uint32_t mask)
{
	for (unsigned i = 0; i < 1000000; i++)
		if (!(mmio_read32(CRB + reg) & mask))
			return;
	GUEST_ASSERT(!"CRB register bit did not clear");
}

static void crb_ready(void)
{
	mmio_write32(CRB + PVN_CRB_CTRL_REQ, PVN_CRB_CTRL_REQ_CMD_READY);
	wait_clear(PVN_CRB_CTRL_REQ, PVN_CRB_CTRL_REQ_CMD_READY);
	GUEST_ASSERT_EQ(mmio_read32(CRB + PVN_CRB_CTRL_STS) & PVN_CRB_CTRL_STS_IDLE, 0);
}

/* Copy len bytes to the buffer with 32-bit writes; the tail word is padded
 * with zeros inside the buffer. */
static void crb_put(const uint8_t *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i += 4) {
		uint32_t w = 0;
		for (uint32_t j = 0; j < 4 && i + j < len; j++)
			w |= (uint32_t)p[i + j] << (8 * j);
		mmio_write32(CRB + PVN_CRB_DATA + i, w);
	}
}

/* Run the command in cmd[0..len) and leave the response in rsp; returns
 * its response code. */
static uint32_t tpm_xfer(uint32_t len)
{
	uint32_t size, w;

	crb_ready();
	GUEST_ASSERT(len <= mmio_read32(CRB + PVN_CRB_CTRL_CMD_SIZE));
	GUEST_ASSERT_EQ(mmio_read32(CRB + PVN_CRB_CTRL_CMD_LADDR), (uint32_t)(CRB + PVN_CRB_DATA));
	crb_put(cmd, len);
	mmio_write32(CRB + PVN_CRB_CTRL_CANCEL, 0);
	mmio_write32(CRB + PVN_CRB_CTRL_START, PVN_CRB_CTRL_START_INVOKE);
	wait_clear(PVN_CRB_CTRL_START, PVN_CRB_CTRL_START_INVOKE);
	/* Read the header, then exactly what it says (bounded by our buffer). */
	for (uint32_t i = 0; i < 12; i += 4) {
		w = mmio_read32(CRB + PVN_CRB_DATA + i);
		for (uint32_t j = 0; j < 4; j++)
			rsp[i + j] = (uint8_t)(w >> (8 * j));
	}
	size = tpm2_get32(rsp + 2);
	GUEST_ASSERT(size >= TPM2_HDR_SIZE && size <= sizeof(rsp));
	for (uint32_t i = 12; i < size; i += 4) {
		w = mmio_read32(CRB + PVN_CRB_DATA + i);
		for (uint32_t j = 0; j < 4 && i + j < sizeof(rsp); j++)
			rsp[i + j] = (uint8_t)(w >> (8 * j));
	}
	return tpm2_get32(rsp + 6);
}

static void misbehave(void)
{
	/* Without the locality the control registers read all-ones. */
	GUEST_ASSERT_EQ(mmio_read32(CRB + PVN_CRB_CTRL_STS), 0xffffffffu);
	mmio_write32(CRB + PVN_CRB_LOC_CTRL, PVN_CRB_LOC_CTRL_REQUEST);
	GUEST_ASSERT(mmio_read32(CRB + PVN_CRB_LOC_STATE) & PVN_CRB_LOC_STATE_ASSIGNED);
	GUEST_ASSERT(mmio_read32(CRB + PVN_CRB_LOC_STS) & PVN_CRB_LOC_STS_GRANTED);
	GUEST_ASSERT_EQ(mmio_read32(CRB + PVN_CRB_INTF_ID) & 0xf, 1); /* CRB */
	/* START while idle: ignored, error flagged, cleared by cmdReady. */
	mmio_write32(CRB + PVN_CRB_CTRL_REQ, PVN_CRB_CTRL_REQ_GO_IDLE);
	mmio_write32(CRB + PVN_CRB_CTRL_START, 1);
	GUEST_ASSERT(mmio_read32(CRB + PVN_CRB_CTRL_STS) & PVN_CRB_CTRL_STS_ERROR);
	/* A size field beyond the buffer: TPM_RC_COMMAND_SIZE. */
	uint32_t len = tpm2_cmd_get_random(cmd, sizeof(cmd), 8);
	cmd[2] = 0x7f;
	GUEST_ASSERT_EQ(tpm_xfer(len), TPM2_RC_COMMAND_SIZE);
	GUEST_ASSERT(mmio_read32(CRB + PVN_CRB_CTRL_STS) & PVN_CRB_CTRL_STS_ERROR);
}

void guest_main(unsigned vp, unsigned nr_vps)
{
	uint8_t digest[32], data[16];
	uint32_t rc, len;
	uint64_t q;

	misbehave();

	rc = tpm_xfer(tpm2_cmd_startup(cmd, sizeof(cmd), TPM2_SU_CLEAR));
	GUEST_ASSERT_EQ(rc, TPM2_RC_SUCCESS);

	GUEST_ASSERT_EQ(tpm_xfer(tpm2_cmd_get_random(cmd, sizeof(cmd), 32)), 0);
	GUEST_ASSERT_EQ(tpm2_get16(rsp + 10), 32);
	q = 0;
	for (unsigned i = 0; i < 32; i++)
		q |= rsp[TPM2_GET_RANDOM_DATA_OFF + i];
	GUEST_ASSERT(q != 0);

	extend_digest(digest);
	GUEST_ASSERT_EQ(tpm_xfer(tpm2_cmd_pcr_extend_sha256(cmd, sizeof(cmd), PCR_INDEX, digest)), 0);
	GUEST_ASSERT_EQ(tpm_xfer(tpm2_cmd_pcr_read_sha256(cmd, sizeof(cmd), PCR_INDEX)), 0);
	GUEST_ASSERT_EQ(tpm2_get32(rsp + 24), 1); /* one digest */
	GUEST_ASSERT_EQ(tpm2_get16(rsp + 28), 32); /* of 32 bytes */
	for (unsigned i = 0; i < 4; i++) {
		char name[16];
		memcpy(&q, rsp + TPM2_PCR_READ_DIGEST_OFF + 8 * i, 8);
		guest_snprintf(name, sizeof(name), "pcr_q%u", i);
		guest_value(name, q);
	}

	len = tpm2_cmd_nv_define(cmd, sizeof(cmd), NV_INDEX, sizeof(data));
	rc = tpm_xfer(len);
	GUEST_ASSERT(rc == 0 || rc == TPM2_RC_NV_DEFINED);
	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0xc0 + i);
	GUEST_ASSERT_EQ(tpm_xfer(tpm2_cmd_nv_write(cmd, sizeof(cmd), NV_INDEX, data, 16, 0)), 0);
	GUEST_ASSERT_EQ(tpm_xfer(tpm2_cmd_nv_read(cmd, sizeof(cmd), NV_INDEX, 16, 0)), 0);
	GUEST_ASSERT_EQ(tpm2_get16(rsp + 14), 16);
	GUEST_ASSERT_EQ(memcmp(rsp + TPM2_NV_READ_DATA_OFF, data, 16), 0);
	guest_value("nv_ok", 1);

	mmio_write32(CRB + PVN_CRB_CTRL_REQ, PVN_CRB_CTRL_REQ_GO_IDLE);
	mmio_write32(CRB + PVN_CRB_LOC_CTRL, PVN_CRB_LOC_CTRL_RELINQUISH);
	GUEST_ASSERT_EQ(mmio_read32(CRB + PVN_CRB_LOC_STATE) & PVN_CRB_LOC_STATE_ASSIGNED, 0);
	guest_done();
}
#else
#include "tests/guests/harness.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "plugins/vtpm/crb.h"
#include "plugins/vtpm/engine.h"
#include "plugins/vtpm/vtpm_log.h"

int main(int argc, char **argv)
{
	struct pvn_vtpm_swtpm_proc sw = {0};
	struct pvn_vtpm_engine *e = NULL;
	struct pvn_vtpm_crb crb;
	struct pvn_vtpm_crb_stats st;
	uint8_t zero_digest[64] = {0}, expect[32], got[32];
	const char *me = basename(argv[0]), *spec;
	char err[512], tcti[400];
	unsigned mdlen = 0;
	struct gt t;
	int r = 1;

	(void)argc;
	spec = getenv("PVN_VTPM_ENGINE");
	if (!spec)
		spec = !strcmp(me, "vtpm_swtpm") ? "swtpm"
		       : !strcmp(me, "vtpm_tcti") ? "tcti:swtpm"
						  : "libtpms";
	if (strcmp(spec, "libtpms") && !pvn_vtpm_swtpm_available(NULL)) {
		printf("SKIP: swtpm is not installed (Debian package 'swtpm')\n");
		return 77;
	}
	if (!strcmp(spec, "tcti:swtpm")) {
		/* A swtpm of our own for the TCTI to reach. */
		if (pvn_vtpm_swtpm_spawn(&sw, NULL, NULL, NULL, err, sizeof(err))) {
			fprintf(stderr, "cannot start swtpm: %s\n", err);
			return 1;
		}
		snprintf(tcti, sizeof(tcti), "tcti:swtpm:path=%s", sw.sock);
		spec = tcti;
	}
	fprintf(stderr, "engine: %s\n", spec);
	if (pvn_vtpm_engine_create(spec, NULL, &e, err, sizeof(err))) {
		fprintf(stderr, "engine %s: %s\n", spec, err);
		goto out;
	}
	if (pvn_vtpm_engine_power_on(e) || pvn_vtpm_crb_init(&crb, PVN_CRB_BASE, e)) {
		fprintf(stderr, "engine %s would not start\n", spec);
		goto out;
	}
	r = gt_init(&t, "vtpm", NULL);
	if (r) {
		pvn_vtpm_crb_fini(&crb);
		goto out;
	}
	GT_CHECK(!pvn_icpt_claim(&t.vm->icpt, PVN_ICPT_MMIO, PVN_CRB_BASE, PVN_CRB_PAGE_SIZE,
				 (void (*)(void))pvn_vtpm_crb_mmio_handler, &crb, "vtpm"));
	r = gt_run(&t);
	GT_CHECK(t.done_vps == 1);

	/* PCR 16 starts at zero after Startup(CLEAR): SHA-256(0^32 || d). */
	extend_digest(zero_digest + 32);
	GT_CHECK(EVP_Digest(zero_digest, 64, expect, &mdlen, EVP_sha256(), NULL) && mdlen == 32);
	for (unsigned i = 0; i < 4; i++) {
		char name[16];
		bool found;
		uint64_t q;
		snprintf(name, sizeof(name), "pcr_q%u", i);
		q = gt_value(&t, name, &found);
		GT_CHECK(found);
		memcpy(got + 8 * i, &q, 8);
	}
	fprintf(stderr, "PCR%u read by the guest: ", PCR_INDEX);
	for (unsigned i = 0; i < 32; i++)
		fprintf(stderr, "%02x", got[i]);
	fprintf(stderr, "\nPCR%u computed (OpenSSL): ", PCR_INDEX);
	for (unsigned i = 0; i < 32; i++)
		fprintf(stderr, "%02x", expect[i]);
	fprintf(stderr, "\n");
	GT_CHECK(!memcmp(got, expect, 32));
	GT_CHECK(gt_value(&t, "nv_ok", NULL) == 1);
	pvn_vtpm_crb_get_stats(&crb, &st);
	fprintf(stderr,
		"crb stats: %llu commands, %llu device-answered errors, %llu engine errors, "
		"%llu refused, %llu bad accesses\n",
		(unsigned long long)st.commands, (unsigned long long)st.cmd_errors,
		(unsigned long long)st.engine_errors, (unsigned long long)st.refused,
		(unsigned long long)st.bad_access);
	GT_CHECK(st.engine_errors == 0 && st.cmd_errors == 1 && st.refused >= 1);
	gt_fini(&t);
	pvn_vtpm_crb_fini(&crb);
	r = r || gt_failures ? 1 : 0;
out:
	pvn_vtpm_engine_destroy(e);
	pvn_vtpm_swtpm_stop(&sw);
	return r;
}
#endif
