/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the host's ring code over a ring whose control page and
 * data the fuzzer writes (as a guest would). The reader walks every packet
 * (peek, copy, consume) until empty or a violation; the writer writes
 * packets against the fuzzer's read index. Data pages are separate
 * allocations in shuffled order (the page-list path), or one flat buffer.
 * ASan checks that nothing outside them is touched.
 */
#include "runtime/vmbus/ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAGES 4

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vmbus_ring_control *ctl;
	struct pvn_vmbus_ring r;
	uint8_t *pages[MAX_PAGES], *flat = NULL, out[4 * 4096];
	struct pvn_vmbus_pkt pkt;
	unsigned nr, mode;
	bool signal;
	size_t pos;

	if (size < 20)
		return 0;
	nr = 1 + data[0] % MAX_PAGES;
	mode = data[1];
	ctl = calloc(1, sizeof(*ctl));
	ctl->write_index = rd32(data + 4);
	ctl->read_index = rd32(data + 8);
	ctl->interrupt_mask = data[12] & 1;
	ctl->pending_send_sz = rd32(data + 13) & 0x7fff;
	ctl->feature_bits = data[17] & 1;
	pos = 20;
	if (mode & 1) {
		flat = calloc(nr, 4096);
		for (unsigned i = 0; i < nr; i++)
			pages[i] = flat + (size_t)i * 4096;
	} else {
		for (unsigned i = 0; i < nr; i++)
			pages[nr - 1 - i] = calloc(1, 4096); /* reversed: not contiguous */
	}
	for (unsigned i = 0; i < nr && pos < size; i++) {
		size_t n = size - pos < 4096 ? size - pos : 4096;
		memcpy(pages[i], data + pos, n);
		pos += n;
	}
	if (!(mode & 2)) {
		if (!pvn_vmbus_ring_init(&r, ctl, flat, pages, nr * 4096, false)) {
			for (int i = 0; i < 1000; i++) {
				if (pvn_vmbus_ring_peek(&r, &pkt))
					break;
				if (pkt.len <= sizeof(out))
					pvn_vmbus_ring_copy(&r, &pkt, 0, out, pkt.len);
				pvn_vmbus_ring_copy(&r, &pkt, pkt.offset, out,
						    pkt.data_len < sizeof(out) ? pkt.data_len
									       : sizeof(out));
				if (pvn_vmbus_ring_consume(&r, &pkt, &signal))
					break;
				pvn_vmbus_ring_has_data(&r);
			}
		}
	} else if (!pvn_vmbus_ring_init(&r, ctl, flat, pages, nr * 4096, true)) {
		for (int i = 0; i < 64; i++) {
			size_t len = (size_t)data[(i + 2) % size] * 37;
			if (pvn_vmbus_ring_write(&r, 6, 0, i, NULL, 0, out, len, i & 1, &signal) ==
			    -EAGAIN)
				ctl->read_index = rd32(data + 8 + (i % 3) * 4);
		}
	}
	if (flat)
		free(flat);
	else
		for (unsigned i = 0; i < nr; i++)
			free(pages[i]);
	free(ctl);
	return 0;
}
