/* SPDX-License-Identifier: MIT */
/*
 * The nvme plugin's file back end on the host: reads and writes at block
 * granularity, flush (fdatasync), discard as a hole punch (the range reads
 * zeros and the file's allocated blocks shrink), read-only refusal, a disk
 * larger than its file, and the settings it refuses. The pool runs
 * requests off the caller's thread and completes each one.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "plugins/nvme/bdev.h"

static char dir[64], path[128];

static int setup(void **st)
{
	(void)st;
	strcpy(dir, "/tmp/pvn-nvme-bdev-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/disk.img", dir);
	return 0;
}

static int teardown(void **st)
{
	char cmd[128];
	(void)st;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

static void test_file(void **st)
{
	struct bdev_file_opts o = {
	    .path = path, .size = 16 << 20, .block_size = 4096, .create = true};
	static uint8_t w[65536], rd[65536];
	struct bdev *b;
	char err[256];
	struct stat s1, s2;

	(void)st;
	assert_int_equal(bdev_file_open(&o, &b, err, sizeof(err)), 0);
	assert_int_equal(b->geo.blocks, (16 << 20) / 4096);
	assert_int_equal(b->geo.block_size, 4096);
	assert_true(b->geo.vwc);
	for (size_t i = 0; i < sizeof(w); i++)
		w[i] = (uint8_t)(i * 31 + 7);
	assert_int_equal(bdev_run_sync(b, BDEV_WRITE, 100, 16, w, NULL, 0), 0);
	assert_int_equal(bdev_run_sync(b, BDEV_FLUSH, 0, 0, NULL, NULL, 0), 0);
	assert_int_equal(bdev_run_sync(b, BDEV_READ, 100, 16, rd, NULL, 0), 0);
	assert_memory_equal(w, rd, sizeof(w));
	/* the bytes are in the file at lba * 4096 */
	{
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		assert_int_equal(fseek(f, 100 * 4096, SEEK_SET), 0);
		assert_int_equal(fread(rd, 1, sizeof(rd), f), sizeof(rd));
		fclose(f);
		assert_memory_equal(w, rd, sizeof(rd));
	}
	/* discard: a hole (fewer blocks allocated) that reads zeros */
	if (b->geo.discard) {
		struct bdev_extent e = {104, 8};
		assert_int_equal(stat(path, &s1), 0);
		assert_int_equal(bdev_run_sync(b, BDEV_DISCARD, 0, 0, NULL, &e, 1), 0);
		assert_int_equal(stat(path, &s2), 0);
		assert_true(s2.st_blocks < s1.st_blocks);
		assert_int_equal(bdev_run_sync(b, BDEV_READ, 100, 16, rd, NULL, 0), 0);
		assert_memory_equal(rd, w, 4 * 4096);
		for (int i = 4 * 4096; i < 12 * 4096; i++)
			assert_int_equal(rd[i], 0);
		assert_memory_equal(rd + 12 * 4096, w + 12 * 4096, 4 * 4096);
		assert_int_equal(s2.st_size, 16 << 20); /* size kept */
	} else {
		print_message("no hole punching on this filesystem: discard not offered\n");
	}
	bdev_close(b);

	/* read-only: writes and discards refused, reads fine */
	o.read_only = true;
	o.size = 0;
	assert_int_equal(bdev_file_open(&o, &b, err, sizeof(err)), 0);
	assert_true(b->geo.read_only);
	assert_false(b->geo.discard);
	assert_int_equal(bdev_run_sync(b, BDEV_WRITE, 0, 1, w, NULL, 0), -EROFS);
	assert_int_equal(bdev_run_sync(b, BDEV_READ, 100, 4, rd, NULL, 0), 0);
	assert_memory_equal(rd, w, 4 * 4096);
	bdev_close(b);

	/* refused settings */
	o.read_only = false;
	o.block_size = 1024;
	assert_int_equal(bdev_file_open(&o, &b, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "512 or 4096"));
	o.block_size = 512;
	o.size = 1000;
	assert_int_equal(bdev_file_open(&o, &b, err, sizeof(err)), -EINVAL);
	o.path = "/nonexistent/dir/x.img";
	o.size = 1 << 20;
	assert_true(bdev_file_open(&o, &b, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "/nonexistent/dir/x.img"));
	/* not an NVMe namespace */
	struct bdev_nvme_opts n = {.path = path};
	assert_true(bdev_nvme_open(&n, &b, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "not an NVMe namespace"));
}

/* Counts completions in the 4 bytes after each request's 64 KiB buffer. */
static void pooled_done(struct bdev_req *r)
{
	__atomic_fetch_add((int *)((char *)r->buf + 65536), 1, __ATOMIC_RELEASE);
}

static void test_pool(void **st)
{
	struct bdev_file_opts o = {
	    .path = path, .size = 8 << 20, .block_size = 512, .create = true};
	static uint8_t bufs[32][65536 + 64];
	static struct bdev_req reqs[32];
	struct bdev_pool pool;
	struct bdev *b;
	char err[256];
	int total = 0;

	(void)st;
	assert_int_equal(bdev_file_open(&o, &b, err, sizeof(err)), 0);
	assert_int_equal(bdev_pool_start(&pool, 4), 0);
	for (int i = 0; i < 32; i++) {
		memset(bufs[i], i + 1, 65536);
		memset(bufs[i] + 65536, 0, 64);
		reqs[i] = (struct bdev_req){.op = BDEV_WRITE,
		                            .lba = (uint64_t)i * 128,
		                            .blocks = 128,
		                            .buf = bufs[i],
		                            .complete = pooled_done};
		bdev_submit(&pool, b, &reqs[i]);
	}
	bdev_pool_stop(&pool); /* runs everything queued */
	for (int i = 0; i < 32; i++) {
		assert_int_equal(reqs[i].result, 0);
		total += *(int *)(bufs[i] + 65536);
	}
	assert_int_equal(total, 32);
	assert_int_equal(pool.completed, 32);
	for (int i = 0; i < 32; i++) {
		assert_int_equal(
		    bdev_run_sync(b, BDEV_READ, (uint64_t)i * 128, 128, bufs[0], NULL, 0), 0);
		assert_int_equal(bufs[0][0], i + 1);
		assert_int_equal(bufs[0][65535], i + 1);
	}
	bdev_close(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pool, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
