/* SPDX-License-Identifier: MIT */
/*
 * The vTPM state file (integrity, encryption, refusal of bad files) and the
 * libtpms engine's persistence: an NV index written in one run is read back
 * in the next. Each libtpms run is a child process (one TPM per process).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugins/vtpm/engine.h"
#include "plugins/vtpm/state.h"
#include "plugins/vtpm/tpm2_wire.h"
#include "plugins/vtpm/vtpm_log.h"

#define NV_INDEX 0x01500001u

static char dir[64], path[128], keypath[128], key2path[128];
static char lasterr[512];

static void capture(void *opaque, int level, const char *msg)
{
	(void)opaque;
	(void)level;
	snprintf(lasterr, sizeof(lasterr), "%s", msg);
}

static void write_file(const char *p, const void *buf, size_t len)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static size_t read_file(const char *p, uint8_t *buf, size_t cap)
{
	int fd = open(p, O_RDONLY);
	ssize_t n;
	assert_true(fd >= 0);
	n = read(fd, buf, cap);
	close(fd);
	assert_true(n >= 0);
	return (size_t)n;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pvn-vtpm-state-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/tpm.state", dir);
	snprintf(keypath, sizeof(keypath), "%s/key", dir);
	snprintf(key2path, sizeof(key2path), "%s/key2", dir);
	write_file(keypath, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n",
		   65);
	write_file(key2path, "0123456789abcdef0123456789abcdef", 32); /* 32 raw bytes */
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void test_roundtrip_and_refusals(void **state)
{
	struct pvn_vtpm_key k1, k2;
	uint8_t blob[300], *out, file[1024];
	char err[256];
	size_t len, flen;
	(void)state;

	for (unsigned i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i * 7);
	assert_int_equal(pvn_vtpm_key_load(keypath, &k1, err, sizeof(err)), 0);
	assert_int_equal(pvn_vtpm_key_load(key2path, &k2, err, sizeof(err)), 0);
	assert_int_equal(pvn_vtpm_key_load("/nonexistent", &k2, err, sizeof(err)), -ENOENT);
	assert_int_equal(pvn_vtpm_key_load(key2path, &k2, err, sizeof(err)), 0);
	assert_int_equal(pvn_vtpm_state_load(path, NULL, &out, &len, err, sizeof(err)), -ENOENT);

	/* plaintext */
	assert_int_equal(pvn_vtpm_state_save(path, NULL, blob, sizeof(blob), err, sizeof(err)), 0);
	assert_int_equal(pvn_vtpm_state_load(path, NULL, &out, &len, err, sizeof(err)), 0);
	assert_int_equal(len, sizeof(blob));
	assert_memory_equal(out, blob, len);
	free(out);
	assert_int_equal(pvn_vtpm_state_load(path, &k1, &out, &len, err, sizeof(err)), -EKEYREJECTED);
	assert_non_null(strstr(err, "not encrypted"));
	/* one flipped payload bit */
	flen = read_file(path, file, sizeof(file));
	file[40] ^= 1;
	write_file(path, file, flen);
	assert_int_equal(pvn_vtpm_state_load(path, NULL, &out, &len, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "digest"));

	/* encrypted */
	assert_int_equal(pvn_vtpm_state_save(path, &k1, blob, sizeof(blob), err, sizeof(err)), 0);
	flen = read_file(path, file, sizeof(file));
	assert_null(memmem(file, flen, blob + 8, 32)); /* not plaintext on disk */
	assert_int_equal(pvn_vtpm_state_load(path, &k1, &out, &len, err, sizeof(err)), 0);
	assert_memory_equal(out, blob, sizeof(blob));
	free(out);
	assert_int_equal(pvn_vtpm_state_load(path, &k2, &out, &len, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "another key"));
	assert_int_equal(pvn_vtpm_state_load(path, NULL, &out, &len, err, sizeof(err)), -EKEYREJECTED);
	/* tampered ciphertext, tampered header, truncation, bad magic */
	file[100] ^= 0x80;
	write_file(path, file, flen);
	assert_int_equal(pvn_vtpm_state_load(path, &k1, &out, &len, err, sizeof(err)), -EBADMSG);
	file[100] ^= 0x80;
	file[28] ^= 1; /* reserved */
	write_file(path, file, flen);
	assert_int_equal(pvn_vtpm_state_load(path, &k1, &out, &len, err, sizeof(err)), -EBADMSG);
	file[28] ^= 1;
	write_file(path, file, flen - 1);
	assert_int_equal(pvn_vtpm_state_load(path, &k1, &out, &len, err, sizeof(err)), -EBADMSG);
	file[0] = 'X';
	write_file(path, file, flen);
	assert_int_equal(pvn_vtpm_state_load(path, &k1, &out, &len, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "magic"));
	unlink(path);
}

/* Send one command; returns the TPM response code. */
static uint32_t xfer(struct pvn_vtpm_engine *e, const uint8_t *cmd, uint32_t len, uint8_t *rsp,
		     size_t *rsplen)
{
	*rsplen = PVN_VTPM_MAX_BUF;
	if (!len || pvn_vtpm_engine_transmit(e, cmd, len, rsp, rsplen))
		return 0xdead;
	return tpm2_rsp_rc(rsp, (uint32_t)*rsplen);
}

/* Child process bodies: exit 0 on success. */
static int run_write(const char *key, const char *value)
{
	struct pvn_vtpm_engine_cfg cfg = {.state_path = path, .key_path = key};
	struct pvn_vtpm_engine *e, *e2;
	uint8_t cmd[256], rsp[PVN_VTPM_MAX_BUF];
	char err[256];
	size_t rl;

	if (pvn_vtpm_engine_create("libtpms", &cfg, &e, err, sizeof(err))) {
		fprintf(stderr, "create: %s\n", err);
		return 1;
	}
	/* libtpms is one per process: a second one is refused, clearly. */
	if (pvn_vtpm_engine_create("libtpms", NULL, &e2, err, sizeof(err)) != -EBUSY ||
	    !strstr(err, "one TPM per process"))
		return 2;
	if (pvn_vtpm_engine_power_on(e))
		return 3;
	if (xfer(e, cmd, tpm2_cmd_startup(cmd, sizeof(cmd), TPM2_SU_CLEAR), rsp, &rl))
		return 4;
	if (xfer(e, cmd, tpm2_cmd_nv_define(cmd, sizeof(cmd), NV_INDEX, 16), rsp, &rl))
		return 5;
	if (xfer(e, cmd, tpm2_cmd_nv_write(cmd, sizeof(cmd), NV_INDEX, value, 16, 0), rsp, &rl))
		return 6;
	pvn_vtpm_engine_destroy(e); /* no orderly shutdown: like a crash after the write */
	return 0;
}

static int run_read(const char *key, const char *value)
{
	struct pvn_vtpm_engine_cfg cfg = {.state_path = path, .key_path = key};
	struct pvn_vtpm_engine *e;
	uint8_t cmd[256], rsp[PVN_VTPM_MAX_BUF];
	char err[256];
	size_t rl;

	if (pvn_vtpm_engine_create("libtpms", &cfg, &e, err, sizeof(err))) {
		fprintf(stderr, "create: %s\n", err);
		return 10;
	}
	if (pvn_vtpm_engine_power_on(e))
		return 11;
	if (xfer(e, cmd, tpm2_cmd_startup(cmd, sizeof(cmd), TPM2_SU_CLEAR), rsp, &rl))
		return 12;
	if (xfer(e, cmd, tpm2_cmd_nv_read(cmd, sizeof(cmd), NV_INDEX, 16, 0), rsp, &rl))
		return 13;
	if (rl < TPM2_NV_READ_DATA_OFF + 16 || memcmp(rsp + TPM2_NV_READ_DATA_OFF, value, 16))
		return 14;
	pvn_vtpm_engine_destroy(e);
	return 0;
}

static int in_child(int (*fn)(const char *, const char *), const char *key, const char *v)
{
	int status;
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn(key, v));
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

static void test_libtpms_persists(void **state)
{
	(void)state;
	unlink(path);
	assert_int_equal(in_child(run_write, NULL, "persisted-value!"), 0);
	assert_int_equal(in_child(run_read, NULL, "persisted-value!"), 0);
	unlink(path);
	assert_int_equal(in_child(run_write, keypath, "encrypted-value!"), 0);
	assert_int_equal(in_child(run_read, keypath, "encrypted-value!"), 0);
}

static void test_libtpms_refuses_bad_state(void **state)
{
	struct pvn_vtpm_engine_cfg cfg = {.state_path = path, .key_path = key2path};
	struct pvn_vtpm_engine *e;
	uint8_t before[65536], after[65536];
	size_t nb, na;
	char err[256];
	(void)state;

	/* The state written by the previous test under keypath. */
	nb = read_file(path, before, sizeof(before));
	assert_true(nb > 1000);
	/* wrong key: refused, never reset */
	assert_int_equal(pvn_vtpm_engine_create("libtpms", &cfg, &e, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "authentication failed"));
	/* no key: refused */
	cfg.key_path = NULL;
	assert_int_equal(pvn_vtpm_engine_create("libtpms", &cfg, &e, err, sizeof(err)),
			 -EKEYREJECTED);
	/* corrupt: refused */
	before[nb / 2] ^= 0xff;
	write_file(path, before, nb);
	cfg.key_path = keypath;
	assert_int_equal(pvn_vtpm_engine_create("libtpms", &cfg, &e, err, sizeof(err)), -EBADMSG);
	na = read_file(path, after, sizeof(after));
	assert_int_equal(na, nb);
	assert_memory_equal(after, before, nb); /* left exactly as it was */
	/* unknown engines are named */
	assert_int_equal(pvn_vtpm_engine_create("bogus", NULL, &e, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "bogus"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_and_refusals),
		cmocka_unit_test(test_libtpms_persists),
		cmocka_unit_test(test_libtpms_refuses_bad_state),
	};
	pvn_vtpm_log_set(capture, NULL, PVN_VTPM_LOG_WARN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
