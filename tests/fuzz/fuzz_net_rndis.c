/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the vmbus-net device model's RNDIS handling
 * (plugins/vmbus-net/netvsp.c). The device is brought up the way hv_netvsc
 * does it (NVSP 6.1, buffers, RNDIS INITIALIZE, packet filter); then each
 * input record ([how][section][len lo][len hi][bytes]) is one or more RNDIS
 * messages (control or data, with any per-packet info) sent through a
 * send-buffer section (any index, any size) or through GPA-direct pages,
 * between which the fake guest completes what the device sent it. Every
 * frame the device hands the backend is checked (malformed: abort).
 */
#include "tests/unit/net_fake.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct net_fake f;
	struct pvn_netvsp_cfg cfg = {.mac = {0x02, 0, 0, 0, 0, 1},
	                             .mtu = 1500,
	                             .link_speed_bps = 10000000000ULL,
	                             .offloads = true,
	                             .link_up = true};
	struct pvn_netvsp_io io;
	struct pvn_netvsp *d;
	uint64_t tid = 0x1000;
	size_t pos = 1;

	if (!size)
		return 0;
	cfg.backend_vnet = data[0] & 1;
	if (data[0] & 2)
		cfg.mtu = 9000;
	nf_init(&f, cfg.mtu, cfg.backend_vnet);
	f.quiet = true;
	f.abort_on_bad = true;
	io = nf_io(&f);
	if (pvn_netvsp_create(&cfg, &io, &d))
		abort();
	if (nf_bring_up(&f, d, NVSP_VERSION_61))
		abort(); /* the fake driver's bring-up must work */
	while (pos + 4 <= size) {
		uint8_t how = data[pos], sec = data[pos + 1];
		uint32_t len = (uint32_t)data[pos + 2] | (uint32_t)data[pos + 3] << 8;
		const uint8_t *b = data + pos + 4;
		unsigned from = f.nsent;

		pos += 4;
		if (len > size - pos)
			len = (uint32_t)(size - pos);
		pos += len;
		if (how & 1) {
			/* any section index, the size from the input too */
			uint32_t s = how & 2 ? sec : sec % 8;
			nf_rndis_section(&f, d, s, b, len, tid++);
		} else if (len <= 16 * 4096) {
			nf_rndis_gpa(&f, d, b, len, tid++, how & 2);
		}
		if (how & 4)
			nf_complete_rx(&f, d, from);
		if (how & 8)
			pvn_netvsp_set_link(d, how & 16);
		if (f.nsent > 4096 || f.ntx > 4096)
			nf_clear(&f);
	}
	pvn_netvsp_reset(d);
	pvn_netvsp_destroy(d);
	nf_fini(&f);
	return 0;
}
