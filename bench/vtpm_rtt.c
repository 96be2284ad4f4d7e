/* SPDX-License-Identifier: MIT */
/*
 * vTPM round-trip latency: TPM2_GetRandom(32) per engine, driven through
 * the CRB device model exactly as a guest driver would drive it (cmdReady,
 * 32-bit buffer writes, START, poll, 32-bit response reads), but from the
 * host: no VM exits are included. Each guest MMIO access adds one exit
 * (~10-17 us on this nested host, ~1-2 us on real KVM); the JSON carries
 * the number of accesses per round trip so the guest-side figure can be
 * estimated. One JSON line per engine.
 *
 * usage: vtpm_rtt [iterations] [engine...]   (default 2000; libtpms swtpm tcti)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugins/vtpm/crb.h"
#include "plugins/vtpm/engine.h"
#include "plugins/vtpm/tpm2_wire.h"
#include "plugins/vtpm/vtpm_log.h"

static unsigned accesses;

static uint64_t rd(struct pvn_vtpm_crb *c, unsigned off)
{
	uint64_t v = 0;
	accesses++;
	pvn_vtpm_crb_mmio(c, off, 4, false, &v);
	return v;
}

static void wr(struct pvn_vtpm_crb *c, unsigned off, uint32_t v)
{
	uint64_t q = v;
	accesses++;
	pvn_vtpm_crb_mmio(c, off, 4, true, &q);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* One GetRandom(32) as a guest CRB driver does it; returns the rc. */
static uint32_t get_random(struct pvn_vtpm_crb *c, const uint8_t *cmd, uint32_t len)
{
	uint8_t rsp[64];
	uint32_t size;

	wr(c, PVN_CRB_CTRL_REQ, PVN_CRB_CTRL_REQ_CMD_READY);
	while (rd(c, PVN_CRB_CTRL_REQ) & PVN_CRB_CTRL_REQ_CMD_READY)
		;
	for (uint32_t i = 0; i < len; i += 4) {
		uint32_t w = 0;
		memcpy(&w, cmd + i, len - i < 4 ? len - i : 4);
		wr(c, PVN_CRB_DATA + i, w);
	}
	wr(c, PVN_CRB_CTRL_START, 1);
	while (rd(c, PVN_CRB_CTRL_START) & 1)
		;
	for (uint32_t i = 0; i < 12; i += 4) {
		uint32_t w = (uint32_t)rd(c, PVN_CRB_DATA + i);
		memcpy(rsp + i, &w, 4);
	}
	size = tpm2_get32(rsp + 2);
	if (size > sizeof(rsp))
		return TPM2_RC_FAILURE;
	for (uint32_t i = 12; i < size; i += 4) {
		uint32_t w = (uint32_t)rd(c, PVN_CRB_DATA + i);
		memcpy(rsp + i, &w, 4);
	}
	return tpm2_get32(rsp + 6);
}

static int bench_engine(const char *name, unsigned n)
{
	struct pvn_vtpm_swtpm_proc sw = {0};
	struct pvn_vtpm_engine *e = NULL;
	struct pvn_vtpm_crb crb;
	uint8_t cmd[64];
	char spec[400], err[512];
	uint64_t *lat = NULL, sum = 0;
	unsigned per_rtt = 0;
	int r = 1;

	snprintf(spec, sizeof(spec), "%s", name);
	if (strcmp(name, "libtpms") && !pvn_vtpm_swtpm_available(NULL)) {
		printf("{\"bench\":\"vtpm_rtt\",\"engine\":\"%s\",\"skipped\":\"swtpm not installed\"}\n",
		       name);
		return 0;
	}
	if (!strcmp(name, "tcti")) {
		if (pvn_vtpm_swtpm_spawn(&sw, NULL, NULL, NULL, err, sizeof(err))) {
			fprintf(stderr, "swtpm: %s\n", err);
			return 1;
		}
		snprintf(spec, sizeof(spec), "tcti:swtpm:path=%s", sw.sock);
	}
	if (pvn_vtpm_engine_create(spec, NULL, &e, err, sizeof(err)) ||
	    pvn_vtpm_engine_power_on(e) || pvn_vtpm_crb_init(&crb, PVN_CRB_BASE, e)) {
		fprintf(stderr, "%s: %s\n", name, err);
		goto out;
	}
	wr(&crb, PVN_CRB_LOC_CTRL, PVN_CRB_LOC_CTRL_REQUEST);
	if (get_random(&crb, cmd, tpm2_cmd_startup(cmd, sizeof(cmd), TPM2_SU_CLEAR)))
		goto out_crb;
	lat = calloc(n, sizeof(*lat));
	if (!lat)
		goto out_crb;
	uint32_t len = tpm2_cmd_get_random(cmd, sizeof(cmd), 32);
	for (unsigned i = 0; i < 50; i++) /* warm up */
		get_random(&crb, cmd, len);
	for (unsigned i = 0; i < n; i++) {
		unsigned a0 = accesses;
		uint64_t t0 = now_ns();
		if (get_random(&crb, cmd, len)) {
			fprintf(stderr, "%s: GetRandom failed\n", name);
			goto out_crb;
		}
		lat[i] = now_ns() - t0;
		per_rtt = accesses - a0;
		sum += lat[i];
	}
	qsort(lat, n, sizeof(*lat), cmp_u64);
	printf("{\"bench\":\"vtpm_rtt\",\"engine\":\"%s\",\"path\":\"host-crb-model\","
	       "\"op\":\"GetRandom(32)\",\"n\":%u,\"mean_us\":%.2f,\"p50_us\":%.2f,"
	       "\"p99_us\":%.2f,\"min_us\":%.2f,\"mmio_accesses_per_rtt\":%u}\n",
	       name, n, sum / 1000.0 / n, lat[n / 2] / 1000.0, lat[n * 99 / 100] / 1000.0,
	       lat[0] / 1000.0, per_rtt);
	r = 0;
out_crb:
	pvn_vtpm_crb_fini(&crb);
out:
	free(lat);
	pvn_vtpm_engine_destroy(e);
	pvn_vtpm_swtpm_stop(&sw);
	return r;
}

int main(int argc, char **argv)
{
	static const char *const all[] = {"libtpms", "swtpm", "tcti"};
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
	int r = 0;

	if (!n)
		n = 2000;
	pvn_vtpm_log_set(NULL, NULL, PVN_VTPM_LOG_WARN);
	if (argc > 2)
		for (int i = 2; i < argc; i++)
			r |= bench_engine(argv[i], n);
	else
		for (unsigned i = 0; i < 3; i++)
			r |= bench_engine(all[i], n);
	return r;
}
