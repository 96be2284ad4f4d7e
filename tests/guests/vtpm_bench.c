/* SPDX-License-Identifier: MIT */
/*
 * Guest-driven vTPM round trip: the guest runs N TPM2_GetRandom(32) through
 * the CRB registers at 0xFED40000 at CPL3 (cmdReady, 32-bit buffer writes,
 * START, poll, header and body reads: every access is an MMIO exit), between
 * two SYNC ucalls. The host times the run between the two syncs (so one
 * ucall exit is included, negligible against N round trips) and the guest
 * reports its own rdtsc delta.
 *
 * Host half: bench/vtpm_rtt_guest [N] [engine...]   (N default 200;
 * engines libtpms swtpm tcti, the last against a swtpm it starts).
 * One JSON line per engine:
 *   {"bench":"vtpm_rtt","path":"guest","engine":E,"n":N,"mean_us":...,
 *    "accesses_per_rtt":...,"guest_tsc_per_rtt":...}
 * Each engine runs in a child process (libtpms: one TPM per process).
 */
#include "plugins/vtpm/crb_protocol.h"
#include "plugins/vtpm/tpm2_wire.h"

#define BENCH_MAX_N 100000u

#ifdef PVN_GUEST
#include "lib/guest.h"

#define CRB PVN_CRB_BASE

static uint8_t cmd[64], rsp[64];
static volatile uint64_t bench_n; /* written by the host at SYNC 0 */
static uint64_t accesses;

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint32_t rd(uint64_t reg)
{
	accesses++;
	return mmio_read32(CRB + reg);
}

static void wr(uint64_t reg, uint32_t v)
{
	accesses++;
	mmio_write32(CRB + reg, v);
}

/* One command in cmd[0..len) to rsp; returns the response code. */
static uint32_t xfer(uint32_t len)
{
	uint32_t size, w;

	wr(PVN_CRB_CTRL_REQ, PVN_CRB_CTRL_REQ_CMD_READY);
	while (rd(PVN_CRB_CTRL_REQ) & PVN_CRB_CTRL_REQ_CMD_READY)
		;
	for (uint32_t i = 0; i < len; i += 4) {
		w = 0;
		for (uint32_t j = 0; j < 4 && i + j < len; j++)
			w |= (uint32_t)cmd[i + j] << (8 * j);
		wr(PVN_CRB_DATA + i, w);
	}
	wr(PVN_CRB_CTRL_START, PVN_CRB_CTRL_START_INVOKE);
	while (rd(PVN_CRB_CTRL_START) & PVN_CRB_CTRL_START_INVOKE)
		;
	for (uint32_t i = 0; i < 12; i += 4) {
		w = rd(PVN_CRB_DATA + i);
		for (uint32_t j = 0; j < 4; j++)
			rsp[i + j] = (uint8_t)(w >> (8 * j));
	}
	size = tpm2_get32(rsp + 2);
	GUEST_ASSERT(size >= TPM2_HDR_SIZE && size <= sizeof(rsp));
	for (uint32_t i = 12; i < size; i += 4) {
		w = rd(PVN_CRB_DATA + i);
		for (uint32_t j = 0; j < 4 && i + j < sizeof(rsp); j++)
			rsp[i + j] = (uint8_t)(w >> (8 * j));
	}
	return tpm2_get32(rsp + 6);
}

void guest_main(unsigned vp, unsigned nr_vps)
{
	uint64_t n, t0, t1;
	uint32_t len;

	guest_sync(0, (uint64_t)(uintptr_t)&bench_n);
	n = bench_n;
	GUEST_ASSERT(n > 0 && n <= BENCH_MAX_N);

	mmio_write32(CRB + PVN_CRB_LOC_CTRL, PVN_CRB_LOC_CTRL_REQUEST);
	GUEST_ASSERT(mmio_read32(CRB + PVN_CRB_LOC_STS) & PVN_CRB_LOC_STS_GRANTED);
	GUEST_ASSERT_EQ(xfer(tpm2_cmd_startup(cmd, sizeof(cmd), TPM2_SU_CLEAR)), TPM2_RC_SUCCESS);
	len = tpm2_cmd_get_random(cmd, sizeof(cmd), 32);
	GUEST_ASSERT_EQ(xfer(len), 0); /* warm-up */

	accesses = 0;
	guest_sync(1, n);
	t0 = rdtsc();
	for (uint64_t i = 0; i < n; i++) {
		if (xfer(len) != 0 || tpm2_get16(rsp + 10) != 32)
			GUEST_ASSERT(!"GetRandom(32) failed");
	}
	t1 = rdtsc();
	guest_sync(2, n);
	guest_value("tsc", t1 - t0);
	guest_value("accesses", accesses);

	wr(PVN_CRB_CTRL_REQ, PVN_CRB_CTRL_REQ_GO_IDLE);
	mmio_write32(CRB + PVN_CRB_LOC_CTRL, PVN_CRB_LOC_CTRL_RELINQUISH);
	guest_done();
}
#else
#include "tests/guests/harness.h"

#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plugins/vtpm/crb.h"
#include "plugins/vtpm/engine.h"
#include "plugins/vtpm/vtpm_log.h"
#include "runtime/mem/mem.h"

static uint64_t bench_n = 200, t_start, t_end;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void on_sync(struct gt *t, unsigned vp, uint64_t stage, uint64_t arg)
{
	switch (stage) {
	case 0:
		GT_CHECK(!pvn_mem_write(&t->vm->mem, PVN_VTL0, arg, &bench_n, sizeof(bench_n)));
		break;
	case 1:
		t_start = now_ns();
		break;
	case 2:
		t_end = now_ns();
		break;
	}
}

/* One engine, in this (child) process; prints its JSON line. */
static int bench_engine(const char *name)
{
	struct pvn_vtpm_swtpm_proc sw = {0};
	struct pvn_vtpm_engine *e = NULL;
	struct pvn_vtpm_crb crb;
	char err[512], spec[400], extra[4200], exe[4096];
	bool crb_ok = false;
	struct gt t;
	ssize_t n;
	int r = 1;

	snprintf(spec, sizeof(spec), "%s", strcmp(name, "tcti") ? name : "tcti:swtpm");
	if (strcmp(name, "libtpms") && !pvn_vtpm_swtpm_available(NULL)) {
		printf("{\"bench\":\"vtpm_rtt\",\"path\":\"guest\",\"engine\":\"%s\","
		       "\"skipped\":\"swtpm not installed\"}\n",
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
	if (pvn_vtpm_engine_create(spec, NULL, &e, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", name, err);
		goto out;
	}
	if (pvn_vtpm_engine_power_on(e) || pvn_vtpm_crb_init(&crb, PVN_CRB_BASE, e)) {
		fprintf(stderr, "%s: engine would not start\n", name);
		goto out;
	}
	crb_ok = true;
	/* The guest image sits next to the tests: BUILDDIR/tests/guests. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		goto out;
	exe[n] = 0;
	snprintf(extra, sizeof(extra), "boot = { image = \"%s/../tests/guests/vtpm_bench.elf\"; };",
		 dirname(exe));
	r = gt_init(&t, "vtpm_bench", extra);
	if (r) {
		if (r == 77)
			printf("{\"bench\":\"vtpm_rtt\",\"path\":\"guest\",\"engine\":\"%s\","
			       "\"skipped\":\"no usable /dev/kvm\"}\n",
			       name);
		r = r == 77 ? 0 : 1;
		goto out;
	}
	t.on_sync = on_sync;
	GT_CHECK(!pvn_icpt_claim(&t.vm->icpt, PVN_ICPT_MMIO, PVN_CRB_BASE, PVN_CRB_PAGE_SIZE,
				 (void (*)(void))pvn_vtpm_crb_mmio_handler, &crb, "vtpm"));
	r = gt_run(&t);
	if (!r && !gt_failures && t_end > t_start) {
		uint64_t tsc = gt_value(&t, "tsc", NULL), acc = gt_value(&t, "accesses", NULL);
		printf("{\"bench\":\"vtpm_rtt\",\"path\":\"guest\",\"engine\":\"%s\",\"n\":%llu,"
		       "\"mean_us\":%.2f,\"accesses_per_rtt\":%.1f,\"guest_tsc_per_rtt\":%llu}\n",
		       name, (unsigned long long)bench_n,
		       (double)(t_end - t_start) / 1000.0 / (double)bench_n,
		       (double)acc / (double)bench_n,
		       (unsigned long long)(tsc / bench_n));
		fflush(stdout);
	} else {
		fprintf(stderr, "%s: guest run failed\n", name);
		r = 1;
	}
	gt_fini(&t);
out:
	if (crb_ok)
		pvn_vtpm_crb_fini(&crb);
	pvn_vtpm_engine_destroy(e);
	pvn_vtpm_swtpm_stop(&sw);
	return r;
}

int main(int argc, char **argv)
{
	static const char *const defaults[] = {"libtpms", "swtpm", "tcti"};
	const char *const *engines = defaults;
	int nr = 3, r = 0;

	if (argc > 1) {
		long v = strtol(argv[1], NULL, 10);
		if (v <= 0 || v > (long)BENCH_MAX_N) {
			fprintf(stderr, "usage: %s [N (1-%u, default 200)] [engine...]\n", argv[0],
				BENCH_MAX_N);
			return 2;
		}
		bench_n = (uint64_t)v;
	}
	if (argc > 2) {
		engines = (const char *const *)argv + 2;
		nr = argc - 2;
	}
	pvn_vtpm_log_set(NULL, NULL, PVN_VTPM_LOG_WARN);
	for (int i = 0; i < nr; i++) {
		pid_t pid;
		int st;

		fflush(stdout);
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0)
			_exit(bench_engine(engines[i]) ? 1 : 0);
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("{\"bench\":\"vtpm_rtt\",\"path\":\"guest\",\"engine\":\"%s\","
			       "\"error\":\"failed\"}\n",
			       engines[i]);
			r = 1;
		}
	}
	return r;
}
#endif
