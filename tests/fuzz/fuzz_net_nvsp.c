/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the vmbus-net device model's NVSP handling
 * (plugins/vmbus-net/netvsp.c) with the fake guest of tests/unit/net_fake.c.
 * An input is a sequence of VMBus packets ([kind][tid][len lo][len hi]
 * [bytes]): in-band NVSP messages, GPA-direct packets (header and message
 * from the input), completions of the device's receive transfers (ids from
 * the input or from what the device sent), frames from the backend, link
 * changes and the ring filling up. Inputs whose first byte is odd start
 * with the device brought up the way hv_netvsc does it (at an NVSP version
 * the byte picks), so the fuzzer reaches data and receive paths quickly.
 * Every frame the device hands the backend is checked (malformed: abort).
 */
#include "tests/unit/net_fake.h"

#include <stdlib.h>
#include <string.h>

/* VMBus packet types */
#define PKT_INBAND 6
#define PKT_XFER   7
#define PKT_GPA    9
#define PKT_COMP   0xb

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t versions[4] = {NVSP_VERSION_2, NVSP_VERSION_5, NVSP_VERSION_6,
                                     NVSP_VERSION_61};

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
	size_t pos = 1;

	if (!size)
		return 0;
	cfg.backend_vnet = data[0] & 2;
	if (data[0] & 4)
		cfg.mtu = 9000;
	nf_init(&f, cfg.mtu, cfg.backend_vnet);
	f.quiet = true;
	f.abort_on_bad = true;
	io = nf_io(&f);
	if (pvn_netvsp_create(&cfg, &io, &d))
		abort();
	if (data[0] & 1)
		nf_bring_up(&f, d, versions[data[0] >> 6]);
	while (pos + 4 <= size) {
		uint8_t kind = data[pos], tid = data[pos + 1];
		uint32_t len = (uint32_t)data[pos + 2] | (uint32_t)data[pos + 3] << 8;
		const uint8_t *b = data + pos + 4;

		pos += 4;
		if (len > size - pos)
			len = (uint32_t)(size - pos);
		pos += len;
		switch (kind % 8) {
		case 0: /* an in-band NVSP message */
		case 1:
			nf_packet(d, PKT_INBAND, kind & 0x80 ? 1 : 0, tid, NULL, 0, b, len);
			break;
		case 2: { /* GPA direct: the header is the first bytes, 8-aligned */
			uint32_t h = len >= 1 ? (b[0] % 32) * 8u : 0;
			if (h > len - (len >= 1))
				h = (len - (len >= 1)) & ~7u;
			nf_packet(d, PKT_GPA, 1, tid, b + (len >= 1), h, b + (len >= 1) + h,
			          len - (len >= 1) - h);
			break;
		}
		case 3: { /* complete a receive transfer: a sent one, or any id */
			struct {
				uint32_t type, status;
			} c = {NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE, NVSP_STAT_SUCCESS};
			uint64_t id = 0;
			for (unsigned i = f.nsent; i-- > 0;)
				if (f.sent[i].type == PKT_XFER) {
					id = f.sent[i].tid;
					break;
				}
			if (len >= 8)
				memcpy(&id, b, 8);
			nf_packet(d, PKT_COMP, 0, id, NULL, 0, &c, kind & 0x80 ? 4 : 8);
			break;
		}
		case 4: /* a frame from the backend */
			if (len >= sizeof(struct pvn_vnet_hdr) && cfg.backend_vnet) {
				struct pvn_vnet_hdr vh;
				memcpy(&vh, b, sizeof(vh));
				if (pvn_netvsp_rx_ready(d))
					pvn_netvsp_rx_frame(d, &vh, b + sizeof(vh),
					                    len - sizeof(vh));
			} else if (pvn_netvsp_rx_ready(d)) {
				pvn_netvsp_rx_frame(d, NULL, b, len);
			}
			if (kind & 0x80)
				pvn_netvsp_rx_flush(d);
			break;
		case 5:
			pvn_netvsp_set_link(d, kind & 0x80);
			break;
		case 6:
			f.ring_full = kind & 0x80;
			pvn_netvsp_flush(d);
			break;
		default: /* any packet type */
			nf_packet(d, (uint16_t)(kind >> 3), (uint16_t)tid, tid, NULL, 0, b, len);
			break;
		}
		if (f.nsent > 4096 || f.ntx > 4096)
			nf_clear(&f);
	}
	f.ring_full = false;
	pvn_netvsp_flush(d);
	pvn_netvsp_reset(d);
	pvn_netvsp_destroy(d);
	nf_fini(&f);
	return 0;
}
