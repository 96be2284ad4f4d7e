/* SPDX-License-Identifier: MIT */
/*
 * Crash consistency of the vTPM state: a child drives a stream of NV writes
 * through the libtpms engine (state saved atomically on every change) and
 * is killed with SIGKILL at a random moment, over and over. After every
 * kill a fresh process must load the state and read either the last
 * acknowledged value or the one that was being written, never anything
 * else, and never fail to load.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plugins/vtpm/engine.h"
#include "plugins/vtpm/tpm2_wire.h"
#include "plugins/vtpm/vtpm_log.h"

#define NV_INDEX 0x01500002u
#define ROUNDS 25

static char dir[64], path[128], keypath[128];

static uint32_t xfer(struct pvn_vtpm_engine *e, const uint8_t *cmd, uint32_t len, uint8_t *rsp,
		     size_t *rsplen)
{
	*rsplen = PVN_VTPM_MAX_BUF;
	if (!len || pvn_vtpm_engine_transmit(e, cmd, len, rsp, rsplen))
		return 0xdead;
	return tpm2_rsp_rc(rsp, (uint32_t)*rsplen);
}

static struct pvn_vtpm_engine *open_tpm(void)
{
	struct pvn_vtpm_engine_cfg cfg = {.state_path = path, .key_path = keypath};
	struct pvn_vtpm_engine *e;
	uint8_t cmd[64], rsp[PVN_VTPM_MAX_BUF];
	char err[256];
	size_t rl;

	if (pvn_vtpm_engine_create("libtpms", &cfg, &e, err, sizeof(err))) {
		fprintf(stderr, "state refused: %s\n", err);
		exit(3);
	}
	if (pvn_vtpm_engine_power_on(e) ||
	    xfer(e, cmd, tpm2_cmd_startup(cmd, sizeof(cmd), TPM2_SU_CLEAR), rsp, &rl)) {
		fprintf(stderr, "TPM start failed\n");
		exit(4);
	}
	return e;
}

static int nv_read(struct pvn_vtpm_engine *e, uint64_t *v)
{
	uint8_t cmd[64], rsp[PVN_VTPM_MAX_BUF];
	size_t rl;
	if (xfer(e, cmd, tpm2_cmd_nv_read(cmd, sizeof(cmd), NV_INDEX, 8, 0), rsp, &rl) ||
	    rl < TPM2_NV_READ_DATA_OFF + 8)
		return -1;
	memcpy(v, rsp + TPM2_NV_READ_DATA_OFF, 8);
	return 0;
}

static int nv_write(struct pvn_vtpm_engine *e, uint64_t v)
{
	uint8_t cmd[64], rsp[PVN_VTPM_MAX_BUF];
	size_t rl;
	return xfer(e, cmd, tpm2_cmd_nv_write(cmd, sizeof(cmd), NV_INDEX, &v, 8, 0), rsp, &rl) ? -1
												  : 0;
}

/* Child: define the index and write 0. */
static int do_init(void)
{
	struct pvn_vtpm_engine *e = open_tpm();
	uint8_t cmd[64], rsp[PVN_VTPM_MAX_BUF];
	size_t rl;
	if (xfer(e, cmd, tpm2_cmd_nv_define(cmd, sizeof(cmd), NV_INDEX, 8), rsp, &rl) ||
	    nv_write(e, 0))
		return 5;
	pvn_vtpm_engine_destroy(e);
	return 0;
}

/* Child: write v+1, v+2, ... forever, reporting intent and completion. */
static int do_writer(int fd)
{
	struct pvn_vtpm_engine *e = open_tpm();
	char line[64];
	uint64_t v;

	if (nv_read(e, &v))
		return 6;
	for (;;) {
		v++;
		snprintf(line, sizeof(line), "W %" PRIu64 "\n", v);
		if (write(fd, line, strlen(line)) < 0)
			return 7;
		if (nv_write(e, v))
			return 8;
		snprintf(line, sizeof(line), "A %" PRIu64 "\n", v);
		if (write(fd, line, strlen(line)) < 0)
			return 7;
	}
}

/* Child: read the value and print it on fd. */
static int do_check(int fd)
{
	struct pvn_vtpm_engine *e = open_tpm();
	char line[64];
	uint64_t v;
	if (nv_read(e, &v))
		return 9;
	snprintf(line, sizeof(line), "%" PRIu64 "\n", v);
	if (write(fd, line, strlen(line)) < 0)
		return 7;
	pvn_vtpm_engine_destroy(e);
	return 0;
}

static pid_t spawn(int (*fn)(int), int *rfd)
{
	int p[2];
	pid_t pid;
	if (pipe(p))
		exit(2);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(fn(p[1]));
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

static size_t slurp(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t r;
	while (n + 1 < cap && (r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	buf[n] = 0;
	close(fd);
	return n;
}

static int init_wrap(int fd)
{
	close(fd);
	return do_init();
}

int main(void)
{
	static char out[1 << 22];
	unsigned mid_write = 0, new_value = 0, failures = 0;
	uint64_t total_acked = 0, expect;
	int fd, status;
	pid_t pid;

	snprintf(dir, sizeof(dir), "/tmp/pvn-vtpm-crash-XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/tpm.state", dir);
	snprintf(keypath, sizeof(keypath), "%s/key", dir);
	fd = open(keypath, O_WRONLY | O_CREAT, 0600);
	if (fd < 0 || write(fd, "k3y-for-the-crash-test-32-bytes!", 32) != 32)
		return 1;
	close(fd);
	srand((unsigned)time(NULL) ^ (unsigned)getpid());

	pid = spawn(init_wrap, &fd);
	close(fd);
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "init failed (status 0x%x)\n", status);
		return 1;
	}
	expect = 0;

	for (unsigned round = 1; round <= ROUNDS; round++) {
		uint64_t acked = expect, intent = expect, got;
		unsigned delay_us = 2000 + (unsigned)rand() % 60000;
		char *line;

		pid = spawn(do_writer, &fd);
		usleep(delay_us);
		kill(pid, SIGKILL);
		slurp(fd, out, sizeof(out));
		waitpid(pid, &status, 0);
		if (!WIFSIGNALED(status)) {
			fprintf(stderr, "round %u: writer ended by itself (status 0x%x)\n", round,
				status);
			failures++;
		}
		for (line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
			uint64_t v = strtoull(line + 2, NULL, 10);
			if (line[0] == 'W')
				intent = v;
			else
				acked = v;
		}
		total_acked += acked - expect;

		pid = spawn(do_check, &fd);
		slurp(fd, out, sizeof(out));
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) || !out[0]) {
			fprintf(stderr, "round %u: state did not load or read (status 0x%x)\n", round,
				status);
			failures++;
			break;
		}
		got = strtoull(out, NULL, 10);
		if (got != acked && got != intent) {
			fprintf(stderr,
				"round %u: read %" PRIu64 ", want acked %" PRIu64 " or in-flight %" PRIu64
				"\n",
				round, got, acked, intent);
			failures++;
		}
		if (intent != acked)
			mid_write++;
		if (got == intent && intent != acked)
			new_value++;
		printf("round %2u: killed after %5u us, acked %" PRIu64 ", in flight %s, read %" PRIu64
		       "\n",
		       round, delay_us, acked, intent != acked ? "yes" : "no", got);
		expect = got;
	}
	printf("%u rounds, %" PRIu64 " acknowledged writes, %u kills during a write (%u of them "
	       "kept the new value), %u failures\n",
	       ROUNDS, total_acked, mid_write, new_value, failures);
	snprintf(out, sizeof(out), "rm -rf '%s'", dir);
	if (system(out))
		return 1;
	return failures ? 1 : 0;
}
