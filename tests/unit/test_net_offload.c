/* SPDX-License-Identifier: MIT */
/* vmbus-net software offloads (plugins/vmbus-net/offload.c): checksums,
 * segmentation, VLAN insertion, virtio-net headers, and the refusals of
 * requests that do not fit their frame. Results are checked with an
 * independent byte-at-a-time checksum (net_frames.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/vmbus-net/offload.h"
#include "tests/unit/net_frames.h"

static uint8_t f[70000], seg[70000];

static void test_csum_vectors(void **s)
{
	/* RFC 1071's example: 0001 f203 f4f5 f6f7 sums to 0xddf2. */
	static const uint8_t v[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	uint8_t big[1001];

	assert_int_equal(pvn_net_csum_fold(pvn_net_csum_add(0, v, 8)), 0xddf2);
	/* An odd length: the last byte is the high half of a word. */
	assert_int_equal(pvn_net_csum_fold(pvn_net_csum_add(0, v, 7)), nf_sum(0, v, 7));
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 131 + 7);
	for (size_t n = 0; n <= sizeof(big); n += 37)
		assert_int_equal(pvn_net_csum_fold(pvn_net_csum_add(0, big, n)), nf_sum(0, big, n));
	/* Unaligned starts. */
	assert_int_equal(pvn_net_csum_fold(pvn_net_csum_add(0, big + 1, 500)),
	                 nf_sum(0, big + 1, 500));
}

static void test_parse(void **s)
{
	struct pvn_net_hdrs h;
	size_t len = nf_tcp4(f, nf_host_mac, nf_guest_mac, 100, 1, false);

	assert_int_equal(pvn_net_parse(f, len, &h), 0);
	assert_int_equal(h.ip_version, 4);
	assert_int_equal(h.l3_off, 14);
	assert_int_equal(h.l4_off, 34);
	assert_int_equal(h.l4_hdr_len, 20);
	assert_int_equal(h.l4_proto, 6);
	assert_false(h.fragment);
	/* Cut short: inside the TCP header, inside the IP header. */
	assert_int_equal(pvn_net_parse(f, 40, &h), -EINVAL);
	assert_int_equal(pvn_net_parse(f, 20, &h), -EINVAL);
	/* A TCP data offset past the frame. */
	f[46] = 0xf0;
	assert_int_equal(pvn_net_parse(f, 54 + 20, &h), -EINVAL);
	f[46] = 0x50;
	/* IHL below 5. */
	f[14] = 0x44;
	assert_int_equal(pvn_net_parse(f, len, &h), -EINVAL);
	f[14] = 0x45;
	/* A fragment: no L4 header to look at. */
	nf_put16(f + 20, 0x2000);
	assert_int_equal(pvn_net_parse(f, len, &h), 0);
	assert_true(h.fragment);
	/* IPv6 with a hop-by-hop header in front of UDP. */
	len = nf_udp6(f, nf_host_mac, nf_guest_mac, 10, 2);
	memmove(f + 62, f + 54, len - 54);
	memset(f + 54, 0, 8);
	f[54] = 17; /* next: UDP */
	f[20] = 0;  /* hop-by-hop */
	len += 8;
	assert_int_equal(pvn_net_parse(f, len, &h), 0);
	assert_int_equal(h.ip_version, 6);
	assert_int_equal(h.l4_off, 62);
	assert_int_equal(h.l4_proto, 17);
	assert_int_equal(h.l4_hdr_len, 8);
	/* Not IP: fine, nothing found. */
	nf_put16(f + 12, 0x0806);
	assert_int_equal(pvn_net_parse(f, 60, &h), 0);
	assert_int_equal(h.ip_version, 0);
}

static void test_csum_offload(void **s)
{
	struct pvn_net_tx_req req = {.csum_tcp = true, .ipv4 = true, .l4_off = 34};
	struct pvn_net_tx_plan plan;
	const char *why;
	size_t len = nf_tcp4(f, nf_host_mac, nf_guest_mac, 999, 3, false);

	assert_int_equal(pvn_net_tx_prepare(f, len, &req, 1518, &plan, &why), 0);
	assert_int_equal(plan.proto, 6);
	assert_false(plan.tso);
	pvn_net_tx_csum(f, len, &plan);
	assert_true(nf_l4_ok(f, len));
	/* UDP over IPv6, and the "checksum 0 means none" rule. */
	len = nf_udp6(f, nf_host_mac, nf_guest_mac, 101, 9);
	req = (struct pvn_net_tx_req){.csum_udp = true, .ipv6 = true, .l4_off = 54};
	assert_int_equal(pvn_net_tx_prepare(f, len, &req, 1518, &plan, &why), 0);
	pvn_net_tx_csum(f, len, &plan);
	assert_true(nf_l4_ok(f, len));
	{
		/* Pick the last two payload bytes so the sum folds to 0xffff. */
		uint16_t rest;
		len = nf_udp6(f, nf_host_mac, nf_guest_mac, 100, 9);
		assert_int_equal(pvn_net_tx_prepare(f, len, &req, 1518, &plan, &why), 0);
		f[len - 2] = f[len - 1] = 0;
		nf_put16(f + 60, 0);
		rest = nf_sum(17 + 8 + 100 + nf_sum(0, f + 22, 32), f + 54, 8 + 100);
		nf_put16(f + len - 2, (uint16_t)(0xffff - rest));
		pvn_net_tx_csum(f, len, &plan);
		assert_int_equal(nf_be16(f + 60), 0xffff);
		assert_true(nf_l4_ok(f, len));
	}
	/* Ethernet padding after the datagram is not summed. */
	len = nf_tcp4(f, nf_host_mac, nf_guest_mac, 4, 5, false);
	memset(f + len, 0xee, 6);
	req = (struct pvn_net_tx_req){.csum_tcp = true, .csum_ip = true, .ipv4 = true};
	assert_int_equal(pvn_net_tx_prepare(f, len + 6, &req, 1518, &plan, &why), 0);
	pvn_net_tx_csum(f, len + 6, &plan);
	assert_true(nf_l4_ok(f, len + 6));
	assert_true(nf_ip4_ok(f, 14));
}

static void test_refusals(void **s)
{
	struct pvn_net_tx_plan plan;
	const char *why;
	size_t len = nf_tcp4(f, nf_host_mac, nf_guest_mac, 100, 1, false);
	struct pvn_net_tx_req req;

	/* Too short for Ethernet; too long for the MTU. */
	req = (struct pvn_net_tx_req){0};
	assert_int_equal(pvn_net_tx_prepare(f, 10, &req, 1518, &plan, &why), -EINVAL);
	assert_int_equal(pvn_net_tx_prepare(f, 1519, &req, 1518, &plan, &why), -EMSGSIZE);
	assert_non_null(why);
	/* UDP checksum asked for a TCP frame; wrong L4 offset; wrong IP version. */
	req = (struct pvn_net_tx_req){.csum_udp = true, .ipv4 = true};
	assert_int_equal(pvn_net_tx_prepare(f, len, &req, 1518, &plan, &why), -EINVAL);
	req = (struct pvn_net_tx_req){.csum_tcp = true, .ipv4 = true, .l4_off = 40};
	assert_int_equal(pvn_net_tx_prepare(f, len, &req, 1518, &plan, &why), -EINVAL);
	req = (struct pvn_net_tx_req){.csum_tcp = true, .ipv6 = true};
	assert_int_equal(pvn_net_tx_prepare(f, len, &req, 1518, &plan, &why), -EINVAL);
	/* An IP length beyond the frame. */
	nf_put16(f + 16, 2000);
	req = (struct pvn_net_tx_req){.csum_tcp = true, .ipv4 = true};
	assert_int_equal(pvn_net_tx_prepare(f, len, &req, 1518, &plan, &why), -EINVAL);
	nf_put16(f + 16, (uint16_t)(len - 14));
	/* LSO: MSS too small, MSS beyond the MTU, on UDP, on a non-IP frame. */
	req = (struct pvn_net_tx_req){.mss = 8, .ipv4 = true, .l4_off = 34};
	assert_int_equal(pvn_net_tx_prepare(f, len, &req, 1518, &plan, &why), -EINVAL);
	req.mss = 1500;
	assert_int_equal(pvn_net_tx_prepare(f, len, &req, 1518, &plan, &why), -EINVAL);
	len = nf_udp6(f, nf_host_mac, nf_guest_mac, 3000, 1);
	req = (struct pvn_net_tx_req){.mss = 1400, .ipv6 = true};
	assert_int_equal(pvn_net_tx_prepare(f, len, &req, 1518, &plan, &why), -EINVAL);
	nf_put16(f + 12, 0x0806);
	req = (struct pvn_net_tx_req){.csum_tcp = true};
	assert_int_equal(pvn_net_tx_prepare(f, 100, &req, 1518, &plan, &why), -EINVAL);
}

/* Collect segments. */
static uint8_t segs[64][1600];
static size_t seglen[64];
static int nseg;

static int collect(void *o, const uint8_t *p, size_t n)
{
	assert_true(nseg < 64 && n <= 1600);
	memcpy(segs[nseg], p, n);
	seglen[nseg++] = n;
	return 0;
}

static void test_tso(void **s)
{
	const size_t payload = 20000, mss = 1448;
	struct pvn_net_tx_req req = {.mss = mss, .ipv4 = true, .l4_off = 34, .csum_tcp = true};
	struct pvn_net_tx_plan plan;
	const char *why;
	size_t len = nf_tcp4(f, nf_host_mac, nf_guest_mac, payload, 11, true), off = 0;
	uint8_t orig[20100];

	f[47] = 0x19 | 0x80; /* FIN PSH ACK CWR */
	memcpy(orig, f, len);
	assert_int_equal(pvn_net_tx_prepare(f, len, &req, 1518, &plan, &why), 0);
	assert_true(plan.tso);
	assert_int_equal(plan.hdr_len, 54);
	assert_int_equal(plan.segments, (payload + mss - 1) / mss);
	nseg = 0;
	assert_int_equal(pvn_net_tso_segment(f, len, &plan, seg, collect, NULL), 0);
	assert_int_equal(nseg, (int)plan.segments);
	for (int i = 0; i < nseg; i++) {
		size_t n = seglen[i] - 54;
		uint8_t fl = segs[i][47];

		assert_true(n == mss || (i == nseg - 1 && n == payload - mss * (nseg - 1)));
		assert_int_equal(nf_be16(segs[i] + 16), seglen[i] - 14);
		assert_int_equal(nf_be16(segs[i] + 18), 0x1234 + i);
		assert_true(nf_ip4_ok(segs[i], 14));
		assert_true(nf_l4_ok(segs[i], seglen[i]));
		assert_int_equal(nf_be32(segs[i] + 38), 0x10203040u + (uint32_t)(i * mss));
		assert_int_equal(!!(fl & 0x01), i == nseg - 1); /* FIN */
		assert_int_equal(!!(fl & 0x08), i == nseg - 1); /* PSH */
		assert_int_equal(!!(fl & 0x80), i == 0);        /* CWR */
		assert_memory_equal(segs[i] + 54, orig + 54 + off, n);
		off += n;
	}
	assert_int_equal(off, payload);

	/* IPv6: payload length fixed, checksums complete. */
	len = nf_udp6(f, nf_host_mac, nf_guest_mac, 0, 0); /* IPv6 header, then TCP */
	f[20] = 6;
	memset(f + 54, 0, 20);
	f[54 + 12] = 0x50;
	for (size_t i = 0; i < 5000; i++)
		f[74 + i] = (uint8_t)i;
	len = 74 + 5000;
	nf_put16(f + 18, 0);
	req = (struct pvn_net_tx_req){.mss = 1200, .ipv6 = true, .l4_off = 54};
	assert_int_equal(pvn_net_tx_prepare(f, len, &req, 1518, &plan, &why), 0);
	nseg = 0;
	assert_int_equal(pvn_net_tso_segment(f, len, &plan, seg, collect, NULL), 0);
	assert_int_equal(nseg, 5);
	for (int i = 0; i < nseg; i++) {
		assert_int_equal(nf_be16(segs[i] + 18), seglen[i] - 54);
		assert_true(nf_l4_ok(segs[i], seglen[i]));
	}
}

static void test_vnet(void **s)
{
	struct pvn_net_tx_req req = {.mss = 1448, .ipv4 = true, .l4_off = 34};
	struct pvn_net_tx_plan plan;
	struct pvn_vnet_hdr vh;
	const char *why;
	size_t len = nf_tcp4(f, nf_host_mac, nf_guest_mac, 30000, 4, true);
	uint32_t pseudo;

	assert_int_equal(pvn_net_tx_prepare(f, len, &req, 1518, &plan, &why), 0);
	pvn_net_tx_vnet(f, len, &plan, &vh);
	assert_int_equal(vh.gso_type, PVN_VNET_GSO_TCPV4);
	assert_int_equal(vh.gso_size, 1448);
	assert_int_equal(vh.hdr_len, 54);
	assert_int_equal(vh.flags, PVN_VNET_F_NEEDS_CSUM);
	assert_int_equal(vh.csum_start, 34);
	assert_int_equal(vh.csum_offset, 16);
	/* The guest's zero IP length is fixed, with its checksum; the TCP
	 * field holds the pseudo-header sum over the whole TCP length. */
	assert_int_equal(nf_be16(f + 16), len - 14);
	assert_true(nf_ip4_ok(f, 14));
	pseudo = nf_sum(6 + (uint32_t)(len - 34), f + 26, 8);
	assert_int_equal(nf_be16(f + 50), pseudo);

	/* A checksum-only request: completing it like the host stack would
	 * gives a checksum that verifies. */
	len = nf_tcp4(f, nf_host_mac, nf_guest_mac, 777, 8, false);
	req = (struct pvn_net_tx_req){.csum_tcp = true, .ipv4 = true, .l4_off = 34};
	assert_int_equal(pvn_net_tx_prepare(f, len, &req, 1518, &plan, &why), 0);
	pvn_net_tx_vnet(f, len, &plan, &vh);
	assert_int_equal(vh.gso_type, PVN_VNET_GSO_NONE);
	assert_int_equal(vh.flags, PVN_VNET_F_NEEDS_CSUM);
	assert_false(nf_l4_ok(f, len));
	assert_int_equal(pvn_net_rx_csum_complete(f, len, &vh), 0);
	assert_true(nf_l4_ok(f, len));
	/* ... and a partial checksum header that points outside is refused. */
	vh.csum_start = (uint16_t)(len - 1);
	assert_int_equal(pvn_net_rx_csum_complete(f, len, &vh), -EINVAL);
}

static void test_vlan_and_rx_gso(void **s)
{
	struct pvn_net_tx_plan plan;
	struct pvn_vnet_hdr vh = {PVN_VNET_F_NEEDS_CSUM, PVN_VNET_GSO_TCPV4, 54, 1448, 34, 16};
	size_t len = nf_tcp4(f, nf_guest_mac, nf_host_mac, 3000, 6, false);
	uint8_t tagged[3100];

	assert_int_equal(pvn_net_vlan_insert(f, len, 0x2064, tagged), 0);
	assert_memory_equal(tagged, f, 12);
	assert_int_equal(nf_be16(tagged + 12), 0x8100);
	assert_int_equal(nf_be16(tagged + 14), 0x2064);
	assert_memory_equal(tagged + 16, f + 12, len - 12);
	assert_int_equal(pvn_net_vlan_insert(f, 13, 1, tagged), -EINVAL);

	assert_int_equal(pvn_net_rx_gso_plan(f, len, &vh, &plan), 0);
	assert_int_equal(plan.segments, 3);
	vh.gso_type = PVN_VNET_GSO_TCPV6; /* not what the frame is */
	assert_int_equal(pvn_net_rx_gso_plan(f, len, &vh, &plan), -EINVAL);
	vh.gso_type = PVN_VNET_GSO_UDP;
	assert_int_equal(pvn_net_rx_gso_plan(f, len, &vh, &plan), -EINVAL);
	vh.gso_type = PVN_VNET_GSO_TCPV4;
	vh.gso_size = 0;
	assert_int_equal(pvn_net_rx_gso_plan(f, len, &vh, &plan), -EINVAL);
	vh.gso_size = 1448;
	vh.csum_start = 30;
	assert_int_equal(pvn_net_rx_gso_plan(f, len, &vh, &plan), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_csum_vectors),
	    cmocka_unit_test(test_parse),
	    cmocka_unit_test(test_csum_offload),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_tso),
	    cmocka_unit_test(test_vnet),
	    cmocka_unit_test(test_vlan_and_rx_gso),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
