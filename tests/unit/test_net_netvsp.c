/* SPDX-License-Identifier: MIT */
/*
 * The vmbus-net device model (plugins/vmbus-net/netvsp.c) against a fake
 * guest (net_fake.c): NVSP negotiation and buffers, RNDIS control, frames
 * both ways with and without a backend that offloads, receive-section
 * recycling, flow control, link indications, and the refusals of malformed
 * guest input (each refused, counted, and nothing malformed reaching the
 * backend).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/net_fake.h"
#include "tests/unit/net_frames.h"

#define PKT_INBAND 6
#define PKT_XFER   7
#define PKT_GPA    9
#define PKT_COMP   0xb

static struct net_fake F;
static struct pvn_netvsp *D;
static uint8_t frame[70000], msg[70000];

static int make(unsigned mtu, bool vnet)
{
	struct pvn_netvsp_cfg c = {.mtu = mtu,
	                           .link_speed_bps = 10000000000ULL,
	                           .backend_vnet = vnet,
	                           .offloads = true,
	                           .link_up = true};
	struct pvn_netvsp_io io;

	memcpy(c.mac, nf_guest_mac, 6);
	nf_init(&F, mtu, vnet);
	F.quiet = true;
	io = nf_io(&F);
	return pvn_netvsp_create(&c, &io, &D);
}

static int setup(void **s)
{
	assert_int_equal(make(1500, false), 0);
	assert_int_equal(nf_bring_up(&F, D, NVSP_VERSION_61), 0);
	return 0;
}

static int setup_vnet(void **s)
{
	assert_int_equal(make(1500, true), 0);
	assert_int_equal(nf_bring_up(&F, D, NVSP_VERSION_61), 0);
	return 0;
}

static int teardown(void **s)
{
	pvn_netvsp_destroy(D);
	assert_int_equal(F.bad_frames, 0); /* the backend never got a malformed frame */
	nf_fini(&F);
	return 0;
}

static uint64_t refused(void)
{
	struct pvn_netvsp_stats st;
	pvn_netvsp_get_stats(D, &st);
	return st.refused;
}

static uint32_t comp_status(uint64_t tid)
{
	const struct nf_sent *c = nf_completion(&F, tid);
	uint32_t v;

	assert_non_null(c);
	assert_true(c->len >= 8);
	memcpy(&v, c->data + 4, 4);
	return v;
}

/* ---- negotiation and buffers ---- */

static void test_versions(void **s)
{
	static const uint32_t v[] = {NVSP_VERSION_1, NVSP_VERSION_2, NVSP_VERSION_4,
	                             NVSP_VERSION_5, NVSP_VERSION_6, NVSP_VERSION_61};
	struct nvsp_msg m = {.type = NVSP_MSG_INIT};
	struct pvn_netvsp_stats st;

	for (size_t i = 0; i < 6; i++) {
		assert_int_equal(make(1500, false), 0);
		assert_int_equal(nf_bring_up(&F, D, v[i]), 0);
		pvn_netvsp_get_stats(D, &st);
		assert_int_equal(st.nvsp_version, v[i]);
		assert_int_equal(st.rndis_state, 1);
		assert_int_equal(st.refused, 0);
		teardown(NULL);
	}
	/* A version nobody serves: refused, the guest tries another. */
	assert_int_equal(make(1500, false), 0);
	m.u.init.min_protocol_ver = m.u.init.max_protocol_ver = 0x70000;
	nf_nvsp(D, &m, sizeof(m), 9);
	assert_non_null(nf_completion(&F, 9));
	assert_int_equal(nf_completion(&F, 9)->data[12], NVSP_STAT_FAIL);
	/* A range: the newest inside it. */
	m.u.init.min_protocol_ver = NVSP_VERSION_2;
	m.u.init.max_protocol_ver = NVSP_VERSION_5;
	nf_nvsp(D, &m, sizeof(m), 10);
	assert_int_equal(nf_completion(&F, 10)->data[12], NVSP_STAT_SUCCESS);
	pvn_netvsp_get_stats(D, &st);
	assert_int_equal(st.nvsp_version, NVSP_VERSION_5);
	teardown(NULL);
}

static void test_buffers(void **s)
{
	const struct nf_sent *c = nf_completion(&F, 4);
	struct nvsp1_recv_buffer_section sec;
	uint32_t n;
	struct pvn_netvsp_stats st;

	assert_int_equal(c->data[0], NVSP_MSG1_SEND_RECV_BUF_COMPLETE);
	memcpy(&n, c->data + 8, 4);
	assert_int_equal(n, 1);
	memcpy(&sec, c->data + 12, sizeof(sec));
	assert_int_equal(sec.offset, 0);
	assert_int_equal(sec.sub_alloc_size, 1728);
	assert_int_equal(sec.num_sub_allocs, NF_RECV_LEN / 1728);
	assert_int_equal(sec.end_offset, sec.num_sub_allocs * 1728);
	c = nf_completion(&F, 5);
	memcpy(&n, c->data + 8, 4);
	assert_int_equal(n, PVN_NETVSP_SEND_SECTION);
	pvn_netvsp_get_stats(D, &st);
	assert_int_equal(st.send_sections, NF_SEND_LEN / PVN_NETVSP_SEND_SECTION);
	assert_int_equal(st.ndis_version, 6 << 16 | 30);
	assert_int_equal(st.guest_mtu, 1500); /* from NDIS config */
	/* A channel reset unmaps both buffers. */
	assert_int_equal(F.unmaps, 0);
	pvn_netvsp_reset(D);
	assert_int_equal(F.unmaps, 2);
	assert_int_equal(F.gpadl[0].maps + F.gpadl[1].maps, 0);
}

static void test_jumbo_sections(void **s)
{
	struct pvn_netvsp_stats st;

	assert_int_equal(make(9000, false), 0);
	assert_int_equal(nf_bring_up(&F, D, NVSP_VERSION_61), 0);
	pvn_netvsp_get_stats(D, &st);
	assert_true(st.recv_section_size >= 9000 + 18 + 76);
	teardown(NULL);
}

/* ---- RNDIS control ---- */

struct got {
	uint32_t type;
	uint8_t m[512];
	uint32_t len;
	unsigned n;
};

static void got_fn(void *o, const uint8_t *p, uint32_t len)
{
	struct got *g = o;
	struct rndis_header h;

	memcpy(&h, p, 8);
	if (h.type != g->type || len > sizeof(g->m))
		return;
	memcpy(g->m, p, len);
	g->len = len;
	g->n++;
}

/* QUERY oid; returns the status and copies the information buffer. */
static uint32_t query(uint32_t oid, void *out, uint32_t *outlen)
{
	struct {
		struct rndis_header h;
		struct rndis_query_request q;
		uint8_t in[160];
	} __attribute__((packed)) q = {{RNDIS_MSG_QUERY, 8 + 20}, {77, oid, 0, 20, 0}, {0}};
	struct got g = {.type = RNDIS_MSG_QUERY_C};
	unsigned from = F.nsent;
	struct rndis_query_complete c;

	if (oid == OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES) {
		q.h.msg_len += 156;
		q.q.info_buflen = 156;
	}
	nf_rndis_gpa(&F, D, &q, q.h.msg_len, 300 + oid % 100, false);
	assert_int_equal(comp_status(300 + oid % 100), NVSP_STAT_SUCCESS);
	nf_rx_messages(&F, from, got_fn, &g);
	nf_complete_rx(&F, D, from);
	assert_int_equal(g.n, 1);
	memcpy(&c, g.m + 8, sizeof(c));
	assert_int_equal(c.req_id, 77);
	if (c.info_buflen) {
		assert_int_equal(c.info_buf_offset, 16);
		assert_true(8 + 16 + c.info_buflen <= g.len);
		memcpy(out, g.m + 24, c.info_buflen);
	}
	*outlen = c.info_buflen;
	return c.status;
}

static uint32_t set(uint32_t oid, const void *info, uint32_t len)
{
	struct {
		struct rndis_header h;
		struct rndis_set_request q;
		uint8_t in[200];
	} __attribute__((packed)) q = {{RNDIS_MSG_SET, 8 + 20 + len}, {78, oid, len, 20, 0}, {0}};
	struct got g = {.type = RNDIS_MSG_SET_C};
	unsigned from = F.nsent;
	uint32_t st;

	memcpy(q.in, info, len);
	nf_rndis_section(&F, D, 2, &q, q.h.msg_len, 400);
	assert_int_equal(comp_status(400), NVSP_STAT_SUCCESS);
	nf_rx_messages(&F, from, got_fn, &g);
	nf_complete_rx(&F, D, from);
	assert_int_equal(g.n, 1);
	memcpy(&st, g.m + 12, 4);
	return st;
}

static void test_rndis_queries(void **s)
{
	uint8_t b[200];
	uint32_t n, v;
	struct ndis_offload o;
	struct ndis_recv_scale_cap rss;

	assert_int_equal(query(RNDIS_OID_802_3_PERMANENT_ADDRESS, b, &n), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(b, nf_guest_mac, 6);
	assert_int_equal(query(RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE, &v, &n), 0);
	assert_int_equal(v, 1500);
	assert_int_equal(query(RNDIS_OID_GEN_LINK_SPEED, &v, &n), 0);
	assert_int_equal(v, 100000000); /* 10 Gbit/s in 100 bit/s units */
	assert_int_equal(query(RNDIS_OID_GEN_MEDIA_CONNECT_STATUS, &v, &n), 0);
	assert_int_equal(v, RNDIS_MEDIA_STATE_CONNECTED);
	assert_int_equal(query(OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, &o, &n), 0);
	assert_int_equal(n, 156);
	assert_int_equal(o.header.type, NDIS_OBJECT_TYPE_OFFLOAD);
	assert_int_equal(o.header.size, 156);
	assert_true(o.lsov2.ip4_encap & NDIS_OFFLOAD_ENCAP_8023);
	assert_int_equal(o.csum.ip4_txcsum & (NDIS_TXCSUM_CAP_TCP4 | NDIS_TXCSUM_CAP_TCP4OPT),
	                 NDIS_TXCSUM_CAP_TCP4 | NDIS_TXCSUM_CAP_TCP4OPT);
	assert_int_equal(o.rsc.ip4, 0); /* a plain backend: no coalesced receives */
	assert_int_equal(query(OID_GEN_RECEIVE_SCALE_CAPABILITIES, &rss, &n), 0);
	assert_int_equal(rss.num_recv_que, 1); /* the guest runs single-queue */
	assert_int_equal(query(RNDIS_OID_GEN_FRIENDLY_NAME, b, &n), RNDIS_STATUS_NOT_SUPPORTED);
	assert_int_equal(n, 0);
	assert_int_equal(refused(), 0);
}

/* NetworkAddress as hv_netvsc sends it: UTF-16 name and 12 hex digits. */
static uint32_t set_mac(const char *hex)
{
	uint8_t b[20 + 28 + 24];
	struct rndis_config_parameter_info p = {20, 28, RNDIS_CONFIG_PARAM_TYPE_STRING, 48, 24};

	memcpy(b, &p, 20);
	for (int i = 0; i < 14; i++) {
		b[20 + 2 * i] = (uint8_t) "NetworkAddress"[i];
		b[21 + 2 * i] = 0;
	}
	for (int i = 0; i < 12; i++) {
		b[48 + 2 * i] = (uint8_t)hex[i];
		b[49 + 2 * i] = 0;
	}
	return set(RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER, b, sizeof(b));
}

static void test_rndis_set(void **s)
{
	uint8_t mac[6], b[16];
	uint32_t n;
	struct ndis_offload_params op = {.header = {NDIS_OBJECT_TYPE_DEFAULT, 3, sizeof(op)}};

	assert_int_equal(set_mac("0225aabbccdd"), 0);
	pvn_netvsp_mac(D, mac);
	assert_memory_equal(mac, "\x02\x25\xaa\xbb\xcc\xdd", 6);
	assert_int_equal(query(RNDIS_OID_802_3_CURRENT_ADDRESS, b, &n), 0);
	assert_memory_equal(b, "\x02\x25\xaa\xbb\xcc\xdd", 6);
	/* The permanent address stays. */
	assert_int_equal(query(RNDIS_OID_802_3_PERMANENT_ADDRESS, b, &n), 0);
	assert_memory_equal(b, nf_guest_mac, 6);
	/* A group address and a non-hex digit are refused. */
	assert_int_equal(set_mac("0125aabbccdd"), RNDIS_STATUS_INVALID_DATA);
	assert_int_equal(set_mac("02x5aabbccdd"), RNDIS_STATUS_INVALID_DATA);
	pvn_netvsp_mac(D, mac);
	assert_memory_equal(mac, "\x02\x25\xaa\xbb\xcc\xdd", 6);
	assert_int_equal(refused(), 2);
	/* Offload parameters, RSS parameters (no RSS), a short filter. */
	op.tcp_ip_v4_csum = NDIS_OFFLOAD_PARAMS_TX_RX_ENABLED;
	assert_int_equal(set(OID_TCP_OFFLOAD_PARAMETERS, &op, sizeof(op)), 0);
	assert_int_equal(set(OID_GEN_RECEIVE_SCALE_PARAMETERS, &op, 8), RNDIS_STATUS_NOT_SUPPORTED);
	assert_int_equal(set(RNDIS_OID_GEN_CURRENT_PACKET_FILTER, &op, 2),
	                 RNDIS_STATUS_INVALID_LENGTH);
	/* KEEPALIVE. */
	{
		struct {
			struct rndis_header h;
			uint32_t id;
		} __attribute__((packed)) k = {{RNDIS_MSG_KEEPALIVE, 12}, 55};
		struct got g = {.type = RNDIS_MSG_KEEPALIVE_C};
		unsigned from = F.nsent;
		uint32_t v[2];

		nf_rndis_gpa(&F, D, &k, sizeof(k), 500, true);
		nf_rx_messages(&F, from, got_fn, &g);
		assert_int_equal(g.n, 1);
		memcpy(v, g.m + 8, 8);
		assert_int_equal(v[0], 55);
		assert_int_equal(v[1], RNDIS_STATUS_SUCCESS);
	}
}

/* ---- frames: guest to host ---- */

static void test_tx_plain(void **s)
{
	size_t len = nf_tcp4(frame, nf_host_mac, nf_guest_mac, 500, 1, false);
	uint32_t ml = nf_data_msg(msg, frame, (uint32_t)len, 0, 0, 0);

	nf_clear(&F);
	nf_rndis_section(&F, D, 0, msg, ml, 1000);
	assert_int_equal(comp_status(1000), NVSP_STAT_SUCCESS);
	assert_int_equal(F.ntx, 1);
	assert_int_equal(F.tx[0].len, len);
	assert_memory_equal(F.tx[0].data, frame, len);
	/* The same section again, after its completion: fine. */
	nf_rndis_section(&F, D, 0, msg, ml, 1001);
	assert_int_equal(comp_status(1001), NVSP_STAT_SUCCESS);
	/* Through guest pages, across a page boundary. */
	nf_rndis_gpa(&F, D, msg, ml, 1002, true);
	assert_int_equal(comp_status(1002), NVSP_STAT_SUCCESS);
	assert_int_equal(F.ntx, 3);
	assert_memory_equal(F.tx[2].data, frame, len);
	/* Two messages batched in one section (8-byte aligned), as hv_netvsc
	 * does under load. */
	{
		uint32_t a = (ml + 7) & ~7u;
		struct rndis_header h;
		memcpy(&h, msg, 8);
		h.msg_len = a;
		memcpy(msg, &h, 8);
		memcpy(msg + a, msg, ml);
		h.msg_len = ml;
		memcpy(msg + a, &h, 8);
		nf_rndis_section(&F, D, 1, msg, a + ml, 1003);
		assert_int_equal(comp_status(1003), NVSP_STAT_SUCCESS);
		assert_int_equal(F.ntx, 5);
	}
	assert_int_equal(refused(), 0);
}

static void test_tx_offloads_sw(void **s)
{
	size_t len;
	uint32_t ml;
	size_t got = 0;

	/* Checksum request: the backend gets a complete checksum. */
	len = nf_tcp4(frame, nf_host_mac, nf_guest_mac, 900, 2, false);
	ml = nf_data_msg(msg, frame, (uint32_t)len, 0, 0, 0);
	ml = nf_data_msg(
	    msg, frame, (uint32_t)len,
	    NDIS_CSUM_TX_IS_IPV4 | NDIS_CSUM_TX_TCP | (34u << NDIS_CSUM_TX_L4_OFFSET_SHIFT), 0, 0);
	nf_clear(&F);
	nf_rndis_gpa(&F, D, msg, ml, 2000, false);
	assert_int_equal(comp_status(2000), NVSP_STAT_SUCCESS);
	assert_int_equal(F.ntx, 1);
	assert_true(nf_l4_ok(F.tx[0].data, F.tx[0].len));

	/* LSO of 40 KB, the way hv_netvsc sends it (IP length 0): frames of
	 * at most the MTU, each with complete checksums, the bytes in order. */
	len = nf_tcp4(frame, nf_host_mac, nf_guest_mac, 40000, 3, true);
	ml = nf_data_msg(msg, frame, (uint32_t)len, 0,
	                 1448 | (34u << NDIS_LSO2_L4_OFFSET_SHIFT) | NDIS_LSO2_TYPE, 0);
	nf_clear(&F);
	nf_rndis_gpa(&F, D, msg, ml, 2001, true);
	assert_int_equal(comp_status(2001), NVSP_STAT_SUCCESS);
	assert_int_equal(F.ntx, (40000 + 1447) / 1448);
	for (unsigned i = 0; i < F.ntx; i++) {
		assert_true(F.tx[i].len <= 1514);
		assert_true(nf_ip4_ok(F.tx[i].data, 14));
		assert_true(nf_l4_ok(F.tx[i].data, F.tx[i].len));
		assert_memory_equal(F.tx[i].data + 54, frame + 54 + got, F.tx[i].len - 54);
		got += F.tx[i].len - 54;
	}
	assert_int_equal(got, 40000);

	/* VLAN tag from the per-packet info. */
	len = nf_tcp4(frame, nf_host_mac, nf_guest_mac, 100, 4, false);
	ml = nf_data_msg(msg, frame, (uint32_t)len, 0, 0, 3 | (100u << NDIS_8021Q_VID_SHIFT));
	nf_clear(&F);
	nf_rndis_section(&F, D, 5, msg, ml, 2002);
	assert_int_equal(F.ntx, 1);
	assert_int_equal(F.tx[0].len, len + 4);
	assert_int_equal(nf_be16(F.tx[0].data + 12), 0x8100);
	assert_int_equal(nf_be16(F.tx[0].data + 14), 3 << 13 | 100);
	assert_int_equal(refused(), 0);
}

static void test_tx_offloads_vnet(void **s)
{
	size_t len = nf_tcp4(frame, nf_host_mac, nf_guest_mac, 60000, 5, true);
	uint32_t ml = nf_data_msg(msg, frame, (uint32_t)len, 0,
	                          1448 | (34u << NDIS_LSO2_L4_OFFSET_SHIFT) | NDIS_LSO2_TYPE, 0);
	struct ndis_offload o;
	uint32_t n;

	nf_clear(&F);
	nf_rndis_gpa(&F, D, msg, ml, 3000, false);
	assert_int_equal(comp_status(3000), NVSP_STAT_SUCCESS);
	/* One write of the whole LSO frame, with a GSO header (nf_check_frame
	 * checked it). */
	assert_int_equal(F.ntx, 1);
	assert_true(F.tx[0].has_vh);
	assert_int_equal(F.tx[0].vh.gso_type, PVN_VNET_GSO_TCPV4);
	assert_int_equal(F.tx[0].vh.gso_size, 1448);
	assert_int_equal(F.tx[0].len, len);
	/* A backend that offloads: coalesced receives are offered. */
	assert_int_equal(query(OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, &o, &n), 0);
	assert_int_equal(o.rsc.ip4, 1);
}

/* ---- frames: host to guest ---- */

struct rxc {
	uint8_t data[70000];
	size_t len;
	unsigned msgs, frags;
	uint32_t csum;
	bool first, last;
};

static void rx_fn(void *o, const uint8_t *m, uint32_t len)
{
	struct rxc *x = o;
	struct rndis_header h;
	struct rndis_packet p;
	uint32_t pos;

	memcpy(&h, m, 8);
	assert_int_equal(h.type, RNDIS_MSG_PACKET);
	assert_int_equal(h.msg_len, len);
	memcpy(&p, m + 8, sizeof(p));
	assert_true(p.data_offset + p.data_len + 8 <= len);
	for (pos = p.per_pkt_info_offset; pos < p.per_pkt_info_offset + p.per_pkt_info_len;) {
		struct rndis_ppi ppi;
		uint32_t v;
		memcpy(&ppi, m + 8 + pos, 12);
		assert_int_equal(ppi.size, 16);
		assert_int_equal(ppi.ppi_offset, 12);
		memcpy(&v, m + 8 + pos + 12, 4);
		if (ppi.type == PPI_TCPIP_CHKSUM)
			x->csum = v;
		if (ppi.type == (RNDIS_PPI_INTERNAL | RNDIS_PPI_PKTINFO_ID)) {
			x->frags++;
			if (v >> 8 & RNDIS_PKTINFO_1ST_FRAG)
				x->first = true;
			if (v >> 8 & RNDIS_PKTINFO_LAST_FRAG)
				x->last = true;
		}
		pos += ppi.size;
	}
	assert_true(x->len + p.data_len <= sizeof(x->data));
	memcpy(x->data + x->len, m + 8 + p.data_offset, p.data_len);
	x->len += p.data_len;
	x->msgs++;
}

static void test_rx(void **s)
{
	static struct rxc x;
	size_t len = nf_tcp4(frame, nf_guest_mac, nf_host_mac, 1000, 6, false);
	struct pvn_netvsp_stats st;
	unsigned from;

	nf_clear(&F);
	assert_true(pvn_netvsp_rx_ready(D));
	assert_int_equal(pvn_netvsp_rx_frame(D, NULL, frame, len), 0);
	/* Not ours, filtered; broadcast, delivered. */
	memcpy(frame, "\x02\x99\x99\x99\x99\x99", 6);
	assert_int_equal(pvn_netvsp_rx_frame(D, NULL, frame, len), 0);
	memset(frame, 0xff, 6);
	assert_int_equal(pvn_netvsp_rx_frame(D, NULL, frame, len), 0);
	pvn_netvsp_rx_flush(D);
	assert_int_equal(F.nsent, 1);
	assert_int_equal(F.sent[0].type, PKT_XFER);
	assert_int_equal(F.sent[0].hdr[0] | F.sent[0].hdr[1] << 8, NVSP_RECV_BUFFER_ID);
	memset(&x, 0, sizeof(x));
	assert_int_equal(nf_rx_messages(&F, 0, rx_fn, &x), 2);
	assert_int_equal(x.len, 2 * len);
	assert_memory_equal(x.data + len, frame, len);
	pvn_netvsp_get_stats(D, &st);
	assert_int_equal(st.rx_frames, 2);
	assert_int_equal(st.rx_filtered, 1);
	/* Completion: the sections come back; again: refused (stale). */
	nf_complete_rx(&F, D, 0);
	assert_int_equal(refused(), 0);
	nf_complete_rx(&F, D, 0);
	assert_int_equal(refused(), 1);
	/* Frames until every section is out: then not ready; completing makes
	 * it ready again, and the device kicks. */
	from = F.nsent;
	memcpy(frame, nf_guest_mac, 6);
	while (pvn_netvsp_rx_ready(D))
		pvn_netvsp_rx_frame(D, NULL, frame, len);
	pvn_netvsp_rx_flush(D);
	pvn_netvsp_get_stats(D, &st);
	assert_int_equal(st.rx_frames, 2 + NF_RECV_LEN / 1728);
	F.kicks = 0;
	nf_complete_rx(&F, D, from);
	assert_true(F.kicks > 0);
	assert_true(pvn_netvsp_rx_ready(D));
}

static void test_rx_offloads(void **s)
{
	static struct rxc x;
	struct ndis_offload_params op = {.header = {NDIS_OBJECT_TYPE_DEFAULT, 3, sizeof(op)}};
	struct pvn_vnet_hdr vh = {PVN_VNET_F_NEEDS_CSUM, PVN_VNET_GSO_TCPV4, 54, 1448, 34, 16};
	size_t len = nf_tcp4(frame, nf_guest_mac, nf_host_mac, 30000, 7, false);
	uint8_t orig[30100];
	struct pvn_netvsp_stats st;

	memcpy(orig, frame, len);
	/* RSC on: one transfer, the frame in fragments, first and last marked. */
	op.rsc_ip_v4 = op.rsc_ip_v6 = NDIS_OFFLOAD_PARAMS_RSC_ENABLED;
	assert_int_equal(set(OID_TCP_OFFLOAD_PARAMETERS, &op, sizeof(op)), 0);
	nf_clear(&F);
	assert_int_equal(pvn_netvsp_rx_frame(D, &vh, frame, len), 0);
	pvn_netvsp_rx_flush(D);
	memset(&x, 0, sizeof(x));
	nf_rx_messages(&F, 0, rx_fn, &x);
	assert_int_equal(F.nsent, 1);
	assert_true(x.msgs > 1 && x.frags == x.msgs && x.first && x.last);
	assert_int_equal(x.len, len);
	assert_memory_equal(x.data, orig, len);
	assert_true(x.csum & NDIS_CSUM_RX_TCP_SUCCEEDED);
	nf_complete_rx(&F, D, 0);
	/* RSC off: segments with complete checksums. */
	op.rsc_ip_v4 = op.rsc_ip_v6 = NDIS_OFFLOAD_PARAMS_RSC_DISABLED;
	assert_int_equal(set(OID_TCP_OFFLOAD_PARAMETERS, &op, sizeof(op)), 0);
	nf_clear(&F);
	assert_int_equal(pvn_netvsp_rx_frame(D, &vh, frame, len), 0);
	pvn_netvsp_rx_flush(D);
	pvn_netvsp_get_stats(D, &st);
	assert_int_equal(st.rx_segmented, 1);
	assert_int_equal(nf_rx_messages(&F, 0, NULL, NULL), (30000 + 1447) / 1448);
	nf_complete_rx(&F, D, 0);
	/* A partial checksum is completed. */
	len = nf_tcp4(frame, nf_guest_mac, nf_host_mac, 300, 8, false);
	vh = (struct pvn_vnet_hdr){PVN_VNET_F_NEEDS_CSUM, 0, 0, 0, 34, 16};
	{
		uint32_t ps = nf_sum(6 + 320, frame + 26, 8);
		nf_put16(frame + 50, (uint16_t)ps);
	}
	nf_clear(&F);
	assert_int_equal(pvn_netvsp_rx_frame(D, &vh, frame, len), 0);
	pvn_netvsp_rx_flush(D);
	memset(&x, 0, sizeof(x));
	nf_rx_messages(&F, 0, rx_fn, &x);
	assert_int_equal(x.len, len);
	assert_true(nf_l4_ok(x.data, x.len));
	nf_complete_rx(&F, D, 0);
}

static void test_flow_control(void **s)
{
	size_t len = nf_tcp4(frame, nf_guest_mac, nf_host_mac, 100, 9, false);
	struct nvsp_msg m = {.type = NVSP_MSG1_SEND_RNDIS_PKT};
	uint32_t ml;

	/* The guest's ring is full: completions and transfers wait. */
	nf_clear(&F);
	F.ring_full = true;
	pvn_netvsp_rx_frame(D, NULL, frame, len);
	pvn_netvsp_rx_flush(D);
	assert_false(pvn_netvsp_rx_ready(D));
	len = nf_tcp4(frame, nf_host_mac, nf_guest_mac, 100, 9, false);
	ml = nf_data_msg(msg, frame, (uint32_t)len, 0, 0, 0);
	memcpy(F.ram + NF_SEND_OFF, msg, ml);
	m.u.rndis.send_buf_section_index = 0;
	m.u.rndis.send_buf_section_size = ml;
	nf_nvsp(D, &m, sizeof(m), 4000);
	assert_null(nf_completion(&F, 4000));
	assert_false(pvn_netvsp_flush(D));
	/* Room again: the transfer and the completion go out, and the
	 * device says frames may flow. */
	F.ring_full = false;
	F.kicks = 0;
	assert_true(pvn_netvsp_flush(D));
	assert_non_null(nf_completion(&F, 4000));
	assert_int_equal(F.sent[0].type, PKT_XFER);
	assert_true(F.kicks > 0);
	assert_true(pvn_netvsp_rx_ready(D));
}

static void test_link(void **s)
{
	struct got g = {.type = RNDIS_MSG_INDICATE};
	uint32_t status, v, n;

	nf_clear(&F);
	pvn_netvsp_set_link(D, false);
	nf_rx_messages(&F, 0, got_fn, &g);
	assert_int_equal(g.n, 1);
	memcpy(&status, g.m + 8, 4);
	assert_int_equal(status, RNDIS_STATUS_MEDIA_DISCONNECT);
	assert_int_equal(query(RNDIS_OID_GEN_MEDIA_CONNECT_STATUS, &v, &n), 0);
	assert_int_equal(v, RNDIS_MEDIA_STATE_DISCONNECTED);
	nf_clear(&F);
	pvn_netvsp_set_link(D, true);
	memset(&g, 0, sizeof(g));
	g.type = RNDIS_MSG_INDICATE;
	nf_rx_messages(&F, 0, got_fn, &g);
	memcpy(&status, g.m + 8, 4);
	assert_int_equal(status, RNDIS_STATUS_MEDIA_CONNECT);
}

/* ---- a hostile guest: each refused, counted, the device serving on ---- */

static void expect_refused(uint64_t tid, uint64_t before, const char *what)
{
	if (refused() != before + 1)
		fail_msg("%s: refused %llu, expected %llu (last log: %s)", what,
		         (unsigned long long)refused(), (unsigned long long)before + 1, F.last_log);
	if (tid)
		assert_int_equal(comp_status(tid), NVSP_STAT_FAIL);
}

static void test_hostile(void **s)
{
	size_t len = nf_tcp4(frame, nf_host_mac, nf_guest_mac, 200, 10, false);
	uint32_t ml = nf_data_msg(msg, frame, (uint32_t)len, 0, 0, 0);
	struct nvsp_msg m;
	uint64_t r;
	uint8_t hdr[64];

	nf_clear(&F);
	/* INIT after INIT. */
	r = refused();
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG_INIT;
	m.u.init.min_protocol_ver = m.u.init.max_protocol_ver = NVSP_VERSION_61;
	nf_nvsp(D, &m, sizeof(m), 5000);
	assert_int_equal(nf_completion(&F, 5000)->data[12], NVSP_STAT_FAIL);
	assert_int_equal(refused(), r + 1);
	/* A truncated NVSP message; an unknown type; a second receive buffer. */
	r = refused();
	m.type = NVSP_MSG1_SEND_RNDIS_PKT;
	nf_nvsp(D, &m, 8, 5001);
	expect_refused(5001, r, "truncated SEND_RNDIS_PKT");
	r = refused();
	m.type = 999;
	nf_nvsp(D, &m, sizeof(m), 5002);
	expect_refused(0, r, "unknown NVSP type");
	r = refused();
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_RECV_BUF;
	m.u.send_buf.gpadl_handle = NF_SEND_GPADL;
	nf_nvsp(D, &m, sizeof(m), 5003);
	expect_refused(5003, r, "second receive buffer");
	/* Send-buffer section index out of range; size past the section. */
	r = refused();
	nf_rndis_section(&F, D, NF_SEND_LEN / PVN_NETVSP_SEND_SECTION, msg, ml, 5004);
	expect_refused(5004, r, "section index out of range");
	r = refused();
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_RNDIS_PKT;
	m.u.rndis.send_buf_section_index = 1;
	m.u.rndis.send_buf_section_size = PVN_NETVSP_SEND_SECTION + 8;
	nf_nvsp(D, &m, sizeof(m), 5005);
	expect_refused(5005, r, "section size past the section");
	/* RNDIS length overrunning what was sent. */
	r = refused();
	{
		struct rndis_header h;
		memcpy(&h, msg, 8);
		h.msg_len = ml + 100;
		memcpy(msg, &h, 8);
		nf_rndis_section(&F, D, 1, msg, ml, 5006);
		expect_refused(5006, r, "RNDIS length overrun");
		h.msg_len = ml;
		memcpy(msg, &h, 8);
	}
	/* Data offset past the message; PPI overrunning it. */
	r = refused();
	{
		struct rndis_packet p;
		memcpy(&p, msg + 8, sizeof(p));
		p.data_offset = ml;
		memcpy(msg + 8, &p, sizeof(p));
		nf_rndis_section(&F, D, 1, msg, ml, 5007);
		expect_refused(5007, r, "data offset past the message");
		p.data_offset = 36;
		p.per_pkt_info_offset = 36;
		p.per_pkt_info_len = ml;
		memcpy(msg + 8, &p, sizeof(p));
		r = refused();
		nf_rndis_section(&F, D, 1, msg, ml, 5008);
		expect_refused(5008, r, "PPI overrun");
		ml = nf_data_msg(msg, frame, (uint32_t)len, 0, 0, 0);
	}
	/* GPA direct: an offset past the page; a page outside guest RAM; a
	 * page list longer than the header. */
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_RNDIS_PKT;
	m.u.rndis.send_buf_section_index = NVSP_INVALID_SECTION;
	{
		struct vmbus_gpa_direct_header gh = {0, 1};
		struct vmbus_gpa_range gr = {100, 4096};
		uint64_t pfn = NF_PAGE_OFF / 4096;

		memcpy(hdr, &gh, 8);
		memcpy(hdr + 8, &gr, 8);
		memcpy(hdr + 16, &pfn, 8);
		r = refused();
		nf_packet(D, PKT_GPA, 1, 5009, hdr, 24, &m, sizeof(m));
		expect_refused(5009, r, "GPA offset past the page");
		gr.byte_offset = 0;
		memcpy(hdr + 8, &gr, 8);
		pfn = NF_RAM / 4096 + 5;
		memcpy(hdr + 16, &pfn, 8);
		r = refused();
		nf_packet(D, PKT_GPA, 1, 5010, hdr, 24, &m, sizeof(m));
		expect_refused(5010, r, "GPA page outside RAM");
		gr.byte_count = 3 * 4096;
		memcpy(hdr + 8, &gr, 8);
		r = refused();
		nf_packet(D, PKT_GPA, 1, 5011, hdr, 24, &m, sizeof(m));
		expect_refused(5011, r, "GPA page list past the header");
	}
	/* An oversize frame (over the MTU, no LSO): nothing reaches the backend. */
	nf_clear(&F);
	len = nf_tcp4(frame, nf_host_mac, nf_guest_mac, 1500, 11, false);
	ml = nf_data_msg(msg, frame, (uint32_t)len, 0, 0, 0);
	r = refused();
	nf_rndis_gpa(&F, D, msg, ml, 5012, false);
	expect_refused(5012, r, "oversize frame");
	assert_int_equal(F.ntx, 0);
	/* A section reused before its completion went out. */
	len = nf_tcp4(frame, nf_host_mac, nf_guest_mac, 200, 12, false);
	ml = nf_data_msg(msg, frame, (uint32_t)len, 0, 0, 0);
	memcpy(F.ram + NF_SEND_OFF + 3 * PVN_NETVSP_SEND_SECTION, msg, ml);
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_RNDIS_PKT;
	m.u.rndis.send_buf_section_index = 3;
	m.u.rndis.send_buf_section_size = ml;
	{
		struct pvn_netvsp_pkt p = {PKT_INBAND, 1, 5013, (const uint8_t *)&m, sizeof(m), 0};
		r = refused();
		pvn_netvsp_packet(D, &p);
		p.trans_id = 5014;
		pvn_netvsp_packet(D, &p);
		pvn_netvsp_flush(D);
		assert_int_equal(comp_status(5013), NVSP_STAT_SUCCESS);
		expect_refused(5014, r, "section reused before its completion");
		assert_int_equal(F.ntx, 1);
		/* After the completion went out, the section is the guest's again. */
		p.trans_id = 5015;
		pvn_netvsp_packet(D, &p);
		pvn_netvsp_flush(D);
		assert_int_equal(comp_status(5015), NVSP_STAT_SUCCESS);
	}
	/* Completions for ids never sent, and a storm of them. */
	{
		struct nvsp_msg c = {.type = NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE};
		c.u.rndis_complete.status = NVSP_STAT_SUCCESS;
		r = refused();
		nf_packet(D, PKT_COMP, 0, 0x8000000000000000ULL | 12345, NULL, 0, &c, 8);
		expect_refused(0, r, "completion for an id never sent");
		for (int i = 0; i < 100000; i++)
			nf_packet(D, PKT_COMP, 0, (uint64_t)i * 7919, NULL, 0, &c, 8);
		assert_int_equal(refused(), r + 1 + 100000);
		/* A completion that is not an RNDIS_PKT_COMPLETE. */
		c.type = 5;
		r = refused();
		nf_packet(D, PKT_COMP, 0, 1, NULL, 0, &c, 8);
		expect_refused(0, r, "completion of the wrong type");
	}
	/* After all that, frames still flow both ways. */
	nf_clear(&F);
	nf_rndis_section(&F, D, 7, msg, ml, 5020);
	assert_int_equal(comp_status(5020), NVSP_STAT_SUCCESS);
	assert_int_equal(F.ntx, 1);
	len = nf_tcp4(frame, nf_guest_mac, nf_host_mac, 64, 13, false);
	assert_true(pvn_netvsp_rx_ready(D));
	pvn_netvsp_rx_frame(D, NULL, frame, len);
	pvn_netvsp_rx_flush(D);
	assert_int_equal(nf_rx_messages(&F, 0, NULL, NULL), 1);
}

static void test_before_init(void **s)
{
	struct nvsp_msg m = {.type = NVSP_MSG1_SEND_RECV_BUF};
	size_t len;
	uint32_t ml;

	assert_int_equal(make(1500, false), 0);
	m.u.send_buf.gpadl_handle = NF_RECV_GPADL;
	nf_nvsp(D, &m, sizeof(m), 1);
	assert_int_equal(comp_status(1), NVSP_STAT_FAIL);
	assert_int_equal(refused(), 1);
	assert_int_equal(F.gpadl[0].maps, 0);
	/* Data before RNDIS INITIALIZE. */
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG_INIT;
	m.u.init.min_protocol_ver = m.u.init.max_protocol_ver = NVSP_VERSION_5;
	nf_nvsp(D, &m, sizeof(m), 2);
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_SEND_BUF;
	m.u.send_buf.gpadl_handle = NF_SEND_GPADL;
	nf_nvsp(D, &m, sizeof(m), 3);
	len = nf_tcp4(frame, nf_host_mac, nf_guest_mac, 100, 1, false);
	ml = nf_data_msg(msg, frame, (uint32_t)len, 0, 0, 0);
	nf_rndis_section(&F, D, 0, msg, ml, 4);
	assert_int_equal(comp_status(4), NVSP_STAT_FAIL);
	assert_int_equal(F.ntx, 0);
	/* A GPADL the guest never made. */
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_RECV_BUF;
	m.u.send_buf.gpadl_handle = 0x777;
	nf_nvsp(D, &m, sizeof(m), 5);
	assert_int_equal(comp_status(5), NVSP_STAT_FAIL);
	assert_false(pvn_netvsp_rx_ready(D));
	teardown(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_versions),
	    cmocka_unit_test_setup_teardown(test_buffers, setup, teardown),
	    cmocka_unit_test(test_jumbo_sections),
	    cmocka_unit_test_setup_teardown(test_rndis_queries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rndis_set, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_plain, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_offloads_sw, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tx_offloads_vnet, setup_vnet, teardown),
	    cmocka_unit_test_setup_teardown(test_rx, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_offloads, setup_vnet, teardown),
	    cmocka_unit_test_setup_teardown(test_flow_control, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_link, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
	    cmocka_unit_test(test_before_init),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
