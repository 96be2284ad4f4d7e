/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: VSTOR packets from a hostile guest into the nvme
 * plugin's channel (tests/unit/nvme_fake.h: guest RAM with a VTL2 hole,
 * two file LUNs in a temporary directory, one of them read-only). The input
 * is a list of packets { u8 type selector, u8 flags, u16 len, u16
 * data_offset, bytes }; the first byte chooses whether the handshake runs
 * first. Every completion must be a whole vstor packet; sanitizers catch
 * the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/nvme_fake.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fake F;
static struct vstor_env env;
static struct vstor_lun luns[2];
static bool ready;

static void setup(void)
{
	char dir[] = "/tmp/pvn-fuzz-nvme-XXXXXX", path[128], err[200];

	if (!mkdtemp(dir))
		abort();
	fake_init(&F, &env);
	for (int i = 0; i < 2; i++) {
		struct bdev_file_opts o = {
		    .size = 1 << 20, .block_size = i ? 4096 : 512, .create = true};
		snprintf(path, sizeof(path), "%s/l%d.img", dir, i);
		o.path = path;
		if (bdev_file_open(&o, &luns[i].bdev, err, sizeof(err)))
			abort();
		unlink(path); /* the open fd keeps it; nothing left behind */
		vstor_disk_from_geometry(&luns[i].disk, &luns[i].bdev->geo, (unsigned)i);
		if (i)
			luns[i].disk.read_only = true;
	}
	rmdir(dir);
	ready = true;
}

static void init_op(struct vstor_chan *c, uint32_t op, uint16_t ver)
{
	struct vstor_packet v;
	memset(&v, 0, sizeof(v));
	v.operation = op;
	v.version.major_minor = ver;
	fake_push_op(&F, 1, &v);
	vstor_poll(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint16_t types[] = {6, 9, 7, 8, 0xb, 6, 9, 9};
	struct vstor_chan c;

	if (!ready)
		setup();
	if (!size)
		return 0;
	F.nsent = 0;
	F.head = F.tail = 0;
	if (vstor_chan_init(&c, &env, luns, 2, 2, NULL))
		abort();
	vstor_opened(&c);
	if (data[0] & 1) {
		init_op(&c, VSTOR_OP_BEGIN_INITIALIZATION, 0);
		init_op(&c, VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_VERSION_WIN10);
		init_op(&c, VSTOR_OP_END_INITIALIZATION, 0);
	}
	F.ring_full = data[0] & 2;
	data++, size--;
	while (size >= 6) {
		uint16_t len = (uint16_t)(data[2] | data[3] << 8),
		         off = (uint16_t)(data[4] | data[5] << 8);
		uint8_t sel = data[0];
		data += 6, size -= 6;
		if (len > size)
			len = (uint16_t)size;
		fake_push_raw(&F, types[sel & 7], sel, data, len, off);
		data += len, size -= len;
		vstor_poll(&c);
		if (F.ring_full && (sel & 0x80)) {
			F.ring_full = false;
			vstor_writable(&c);
		}
		if (F.nsent > FAKE_SENT - 64)
			F.nsent = 0;
	}
	F.ring_full = false;
	vstor_writable(&c);
	vstor_closed(&c);
	vstor_chan_destroy(&c);
	return 0;
}
