/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the nvme plugin's SCSI CDB parser and emulated
 * commands. The input is a CDB (its length from the first byte), then an
 * UNMAP parameter list; every result must stay inside its buffers and agree
 * with the disk (an accepted I/O lies inside the capacity).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/nvme/scsi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[SCSI_EMULATE_MAX];
	struct scsi_disk d = {.blocks = 1 << 20,
	                      .block_size = 512,
	                      .max_xfer_blocks = 2048,
	                      .discard = true,
	                      .vwc = true,
	                      .lbprz = true,
	                      .serial = "FUZZ-0"};
	struct scsi_extent e[SCSI_MAX_UNMAP_DESC];
	struct scsi_cmd c;
	struct scsi_sense s;
	unsigned n;
	size_t cl;

	if (size < 2)
		return 0;
	d.read_only = data[0] & 0x80;
	d.block_size = data[0] & 0x40 ? 4096 : 512;
	cl = data[0] & 0x1f;
	data++, size--;
	if (cl > size)
		cl = size;
	if (!scsi_parse(data, cl, &d, &c, &s)) {
		if (c.action == SCSI_ACT_READ || c.action == SCSI_ACT_WRITE ||
		    c.action == SCSI_ACT_WRITE_SAME_UNMAP)
			if (c.lba > d.blocks || c.blocks > d.blocks - c.lba)
				abort();
		if (c.action == SCSI_ACT_WRITE && d.read_only)
			abort();
		if (c.action == SCSI_ACT_EMULATE) {
			int r = scsi_emulate(data, cl, &d, 3, out, sizeof(out), &s);
			if (r > (int)sizeof(out))
				abort();
		}
	}
	scsi_emulate_absent(data, cl, out, sizeof(out), &s);
	if (!scsi_unmap_parse(data + cl, size - cl, &d, e, SCSI_MAX_UNMAP_DESC, &n, &s))
		for (unsigned i = 0; i < n; i++)
			if (e[i].lba > d.blocks || e[i].blocks > d.blocks - e[i].lba)
				abort();
	return 0;
}
