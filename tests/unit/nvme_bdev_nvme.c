/* SPDX-License-Identifier: MIT */
/*
 * The nvme plugin's NVMe back end on a real controller: run inside the test
 * VM on QEMU's emulated NVMe controller (tests/unit/nvme_bdev_nvme.sh
 * attaches one backed by a host file). Identifies the namespace through
 * libnvme, writes a pattern with NVMe Write, reads it back with NVMe Read,
 * flushes, deallocates a range with Dataset Management and reads zeros
 * there. The host side then finds the pattern in the backing file.
 *   nvme_bdev_nvme DEVICE EXPECTED_BLOCKS
 * Prints "geometry BLOCKS BLOCK_SIZE vwc=V discard=D".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/nvme/bdev.h"

#define FAIL(...) (fprintf(stderr, "FAIL: " __VA_ARGS__), fputc('\n', stderr), exit(1))

int main(int argc, char **argv)
{
	struct bdev_nvme_opts o = {0};
	struct bdev *b;
	char err[256];
	uint8_t *w, *r;
	uint32_t n;
	int rc;

	if (argc != 3)
		FAIL("usage: nvme_bdev_nvme DEVICE EXPECTED_BLOCKS");
	o.path = argv[1];
	rc = bdev_nvme_open(&o, &b, err, sizeof(err));
	if (rc)
		FAIL("open: %s", err);
	printf("%s: geometry %llu %u vwc=%d discard=%d serial=%s\n", b->desc,
	       (unsigned long long)b->geo.blocks, b->geo.block_size, b->geo.vwc, b->geo.discard,
	       b->geo.serial);
	if (b->geo.blocks != strtoull(argv[2], NULL, 0))
		FAIL("namespace has %llu blocks, expected %s", (unsigned long long)b->geo.blocks,
		     argv[2]);
	/* 1 MiB at LBA 2048: more than one NVMe command's worth */
	n = (1u << 20) / b->geo.block_size;
	w = aligned_alloc(4096, 1 << 20);
	r = aligned_alloc(4096, 1 << 20);
	for (uint32_t i = 0; i < (1u << 20); i++)
		w[i] = (uint8_t)(i * 13 + (i >> 12));
	if ((rc = bdev_run_sync(b, BDEV_WRITE, 2048, n, w, NULL, 0)))
		FAIL("write: %s", strerror(-rc));
	if ((rc = bdev_run_sync(b, BDEV_FLUSH, 0, 0, NULL, NULL, 0)))
		FAIL("flush: %s", strerror(-rc));
	memset(r, 0, 1 << 20);
	if ((rc = bdev_run_sync(b, BDEV_READ, 2048, n, r, NULL, 0)))
		FAIL("read: %s", strerror(-rc));
	if (memcmp(w, r, 1 << 20))
		FAIL("read back differs");
	/* a second pattern to deallocate: it must read zeros afterwards */
	if (b->geo.discard && b->geo.discard_zeroes) {
		struct bdev_extent e = {2048 + n, n};
		if ((rc = bdev_run_sync(b, BDEV_WRITE, 2048 + n, n, w, NULL, 0)) ||
		    (rc = bdev_run_sync(b, BDEV_DISCARD, 0, 0, NULL, &e, 1)))
			FAIL("write+discard: %s", strerror(-rc));
		if ((rc = bdev_run_sync(b, BDEV_READ, 2048 + n, n, r, NULL, 0)))
			FAIL("read after discard: %s", strerror(-rc));
		for (uint32_t i = 0; i < (1u << 20); i++)
			if (r[i])
				FAIL("deallocated byte %u reads %u", i, r[i]);
		printf("discard: deallocated range reads zeros\n");
	} else {
		FAIL("the emulated controller offers no deallocate that reads zeros");
	}
	if ((rc = bdev_run_sync(b, BDEV_READ, b->geo.blocks - 1, 1, r, NULL, 0)))
		FAIL("read of the last block: %s", strerror(-rc));
	bdev_close(b);
	free(w);
	free(r);
	printf("nvme back end ok\n");
	return 0;
}
