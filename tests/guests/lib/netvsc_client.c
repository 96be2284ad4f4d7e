/* SPDX-License-Identifier: MIT */
/* The guest half of a synthetic NIC for test guests: see netvsc_client.h. */
#include "netvsc_client.h"

#define PKT_INBAND 6
#define PKT_XFER   7
#define PKT_GPA    9
#define PKT_COMP   0xb

const uint8_t nvc_class[16] = {0x63, 0x51, 0x61, 0xf8, 0x3e, 0xdf, 0xc5, 0x46,
                               0x91, 0x3f, 0xf2, 0xd2, 0xf9, 0x65, 0xed, 0x0e};

uint8_t nvc_recv_buf[NVC_RECV_PAGES * 4096] __attribute__((aligned(4096)));
uint8_t nvc_send_buf[NVC_SEND_PAGES * 4096] __attribute__((aligned(4096)));
uint8_t nvc_scratch[8 * 4096] __attribute__((aligned(4096)));
static uint8_t pkt[16384];

void nvc_open(struct nvc *n, struct vmbc *c, const struct vmbc_offer *o, void *ring)
{
	memset(n, 0, sizeof(*n));
	n->c = c;
	n->o = o;
	n->next_tid = 0x100;
	n->next_req = 1;
	n->auto_complete = true;
	GUEST_ASSERT_EQ(vmbc_open(c, &n->ch, o, ring, NVC_RING_PAGES, NVC_RING_PAGES / 2), 0);
}

void nvc_close(struct nvc *n)
{
	vmbc_close(n->c, &n->ch);
}

void nvc_post(struct nvc *n, const struct nvsp_msg *m, uint32_t len, uint16_t flags, uint64_t tid)
{
	while (vmbc_send(&n->ch, PKT_INBAND, flags, tid, m, len) == -VMBC_EAGAIN)
		nvc_poll(n, 0, NULL, NULL, NULL);
}

static void complete_xfer(struct nvc *n, uint64_t tid)
{
	struct nvsp_msg c = {.type = NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE};

	c.u.rndis_complete.status = NVSP_STAT_SUCCESS;
	while (vmbc_send(&n->ch, PKT_COMP, 0, tid, &c, 8) == -VMBC_EAGAIN)
		cpu_relax();
}

void nvc_complete_held(struct nvc *n)
{
	for (unsigned i = 0; i < n->nheld; i++)
		complete_xfer(n, n->held_tid[i]);
	n->nheld = 0;
}

static void take_xfer(struct nvc *n, const struct vmbc_desc *d, uint32_t len)
{
	struct vmbus_xfer_header h;
	uint32_t hdr_end = d->offset8 * 8u - 16;

	GUEST_ASSERT(hdr_end >= sizeof(h) && hdr_end <= len);
	memcpy(&h, pkt, sizeof(h));
	GUEST_ASSERT_EQ(h.xfer_pageset_id, NVSP_RECV_BUFFER_ID);
	GUEST_ASSERT(sizeof(h) + 8ull * h.range_count <= hdr_end);
	/* The NVSP message after the ranges: SEND_RNDIS_PKT. */
	GUEST_ASSERT(len - hdr_end >= 4);
	GUEST_ASSERT_EQ(*(uint32_t *)(pkt + hdr_end), NVSP_MSG1_SEND_RNDIS_PKT);
	for (uint32_t i = 0; i < h.range_count; i++) {
		struct vmbus_xfer_range r;
		struct nvc_msg *m;

		memcpy(&r, pkt + sizeof(h) + 8 * i, 8);
		GUEST_ASSERT((uint64_t)r.byte_offset + r.byte_count <= sizeof(nvc_recv_buf));
		GUEST_ASSERT(r.byte_count <= n->sec_size && r.byte_count <= NVC_MSG_MAX);
		GUEST_ASSERT(r.byte_offset % n->sec_size == 0);
		if (n->qn == NVC_QUEUE) {
			n->dropped++;
			continue;
		}
		m = &n->q[(n->qhead + n->qn++) % NVC_QUEUE];
		m->len = r.byte_count;
		memcpy(m->b, nvc_recv_buf + r.byte_offset, r.byte_count);
		n->rx_msgs++;
	}
	n->xfers++;
	if (n->auto_complete) {
		complete_xfer(n, d->trans_id);
	} else {
		GUEST_ASSERT(n->nheld < 256);
		n->held_tid[n->nheld++] = d->trans_id;
	}
}

int nvc_poll(struct nvc *n, uint64_t want_tid, struct nvsp_msg *reply, uint32_t *replylen,
             bool *got)
{
	struct vmbc_desc d;
	int len = vmbc_recv_raw(&n->ch, &d, pkt, sizeof(pkt));

	if (len == -VMBC_EAGAIN)
		return 0;
	if (d.type == PKT_XFER) {
		take_xfer(n, &d, (uint32_t)len);
	} else if (d.type == PKT_COMP && want_tid && d.trans_id == want_tid) {
		uint32_t off = d.offset8 * 8u - 16, pl = (uint32_t)len - off;
		if (reply) {
			memset(reply, 0, sizeof(*reply));
			memcpy(reply, pkt + off, pl < sizeof(*reply) ? pl : sizeof(*reply));
		}
		if (replylen)
			*replylen = pl;
		if (got)
			*got = true;
	} else {
		n->stray_completions++;
	}
	return 1;
}

uint32_t nvc_wait_completion(struct nvc *n, uint64_t tid, struct nvsp_msg *reply)
{
	uint32_t rl = 0;
	bool got = false;

	for (uint64_t i = 0; i < 400000000ULL && !got; i++)
		if (!nvc_poll(n, tid, reply, &rl, &got))
			cpu_relax();
	if (!got)
		guest_assert_fail(__FILE__, __LINE__, "no completion came", tid, 0);
	return rl;
}

uint32_t nvc_request(struct nvc *n, const struct nvsp_msg *m, uint32_t len, struct nvsp_msg *reply)
{
	uint64_t tid = n->next_tid++;

	nvc_post(n, m, len, 1, tid);
	return nvc_wait_completion(n, tid, reply);
}

uint32_t nvc_init(struct nvc *n, uint32_t version)
{
	struct nvsp_msg m = {.type = NVSP_MSG_INIT}, r;

	m.u.init.min_protocol_ver = m.u.init.max_protocol_ver = version;
	GUEST_ASSERT(nvc_request(n, &m, sizeof(m), &r) >= NVSP_MSG_LEN(init_complete));
	GUEST_ASSERT_EQ(r.type, NVSP_MSG_INIT_COMPLETE);
	if (r.u.init_complete.status == NVSP_STAT_SUCCESS) {
		GUEST_ASSERT_EQ(r.u.init_complete.negotiated_protocol_ver, version);
		n->nvsp_version = version;
	}
	return r.u.init_complete.status;
}

void nvc_setup_buffers(struct nvc *n, uint32_t mtu)
{
	struct nvsp_msg m, r;

	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG2_SEND_NDIS_CONFIG;
	m.u.ndis_config.mtu = mtu + 14;
	m.u.ndis_config.capability = NVSP2_CAP_IEEE8021Q | NVSP2_CAP_SRIOV | NVSP2_CAP_TEAMING;
	nvc_post(n, &m, sizeof(m), 0, 0);
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_NDIS_VER;
	m.u.ndis_ver.ndis_major_ver = 6;
	m.u.ndis_ver.ndis_minor_ver = 30;
	nvc_post(n, &m, sizeof(m), 0, 0);

	GUEST_ASSERT_EQ(
	    vmbc_gpadl_create(n->c, n->o->relid, nvc_recv_buf, NVC_RECV_PAGES, &n->recv_gpadl), 0);
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_RECV_BUF;
	m.u.send_buf.gpadl_handle = n->recv_gpadl;
	m.u.send_buf.id = NVSP_RECV_BUFFER_ID;
	nvc_request(n, &m, sizeof(m), &r);
	GUEST_ASSERT_EQ(r.type, NVSP_MSG1_SEND_RECV_BUF_COMPLETE);
	GUEST_ASSERT_EQ(r.u.recv_buf_complete.status, NVSP_STAT_SUCCESS);
	GUEST_ASSERT_EQ(r.u.recv_buf_complete.num_sections, 1);
	GUEST_ASSERT_EQ(r.u.recv_buf_complete.sections[0].offset, 0);
	n->sec_size = r.u.recv_buf_complete.sections[0].sub_alloc_size;
	n->nsec = r.u.recv_buf_complete.sections[0].num_sub_allocs;
	GUEST_ASSERT(n->sec_size >= mtu + 14 &&
	             (uint64_t)n->sec_size * n->nsec <= sizeof(nvc_recv_buf));

	GUEST_ASSERT_EQ(
	    vmbc_gpadl_create(n->c, n->o->relid, nvc_send_buf, NVC_SEND_PAGES, &n->send_gpadl), 0);
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_SEND_BUF;
	m.u.send_buf.gpadl_handle = n->send_gpadl;
	m.u.send_buf.id = NVSP_SEND_BUFFER_ID;
	nvc_request(n, &m, sizeof(m), &r);
	GUEST_ASSERT_EQ(r.type, NVSP_MSG1_SEND_SEND_BUF_COMPLETE);
	GUEST_ASSERT_EQ(r.u.send_buf_complete.status, NVSP_STAT_SUCCESS);
	n->send_section = r.u.send_buf_complete.section_size;
	GUEST_ASSERT(n->send_section >= 68);
}

uint32_t nvc_rndis_section(struct nvc *n, uint32_t section, const void *msg, uint32_t len)
{
	struct nvsp_msg m = {.type = NVSP_MSG1_SEND_RNDIS_PKT}, r;

	GUEST_ASSERT((uint64_t)(section + 1) * n->send_section <= sizeof(nvc_send_buf));
	GUEST_ASSERT(len <= n->send_section);
	memcpy(nvc_send_buf + section * n->send_section, msg, len);
	m.u.rndis.channel_type = NVSP_CHANNEL_DATA;
	m.u.rndis.send_buf_section_index = section;
	m.u.rndis.send_buf_section_size = len;
	GUEST_ASSERT(nvc_request(n, &m, sizeof(m), &r) >= 8);
	GUEST_ASSERT_EQ(r.type, NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE);
	return r.u.rndis_complete.status;
}

uint32_t nvc_rndis_gpa(struct nvc *n, const void *msg, uint32_t len)
{
	struct nvsp_msg m = {.type = NVSP_MSG1_SEND_RNDIS_PKT}, r;
	struct {
		struct vmbus_gpa_direct_header h;
		struct vmbus_gpa_range r;
		uint64_t pfn[8];
	} __attribute__((packed)) g;
	uint32_t off = 4096 - 200, npfn = (off + len + 4095) / 4096; /* crosses a page */
	uint64_t tid = n->next_tid++;

	GUEST_ASSERT(npfn <= 8);
	memcpy(nvc_scratch + off, msg, len);
	g.h.reserved = 0;
	g.h.range_count = 1;
	g.r.byte_count = len;
	g.r.byte_offset = off;
	for (uint32_t i = 0; i < 8; i++)
		g.pfn[i] = ((uint64_t)(uintptr_t)nvc_scratch >> 12) + i; /* identity-mapped */
	m.u.rndis.channel_type = NVSP_CHANNEL_CONTROL;
	m.u.rndis.send_buf_section_index = NVSP_INVALID_SECTION;
	while (vmbc_send_ext(&n->ch, PKT_GPA, 1, tid, &g, 16 + 8 * npfn, &m, sizeof(m)) ==
	       -VMBC_EAGAIN)
		nvc_poll(n, 0, NULL, NULL, NULL);
	GUEST_ASSERT(nvc_wait_completion(n, tid, &r) >= 8);
	return r.u.rndis_complete.status;
}

bool nvc_take(struct nvc *n, struct nvc_msg *out)
{
	/* One packet at a time until something is queued: what the host sends
	 * meanwhile waits in the ring (its sections still in our hands). */
	while (!n->qn && nvc_poll(n, 0, NULL, NULL, NULL))
		;
	if (!n->qn)
		return false;
	*out = n->q[n->qhead];
	n->qhead = (n->qhead + 1) % NVC_QUEUE;
	n->qn--;
	return true;
}

void nvc_next(struct nvc *n, uint32_t type, struct nvc_msg *out)
{
	for (uint64_t i = 0; i < 400000000ULL; i++) {
		if (!nvc_take(n, out)) {
			cpu_relax();
			continue;
		}
		if (*(uint32_t *)out->b == type)
			return;
		n->dropped++;
	}
	guest_assert_fail(__FILE__, __LINE__, "no RNDIS message of this type came", type, 0);
}

void nvc_rndis_init(struct nvc *n)
{
	struct {
		struct rndis_header h;
		struct rndis_init_request r;
	} __attribute__((packed))
	q = {{RNDIS_MSG_INIT, sizeof(q)},
	     {n->next_req++, RNDIS_MAJOR_VERSION, RNDIS_MINOR_VERSION, 0x4000}};
	struct rndis_init_complete c;
	struct nvc_msg m;

	GUEST_ASSERT_EQ(nvc_rndis_gpa(n, &q, sizeof(q)), NVSP_STAT_SUCCESS);
	nvc_next(n, RNDIS_MSG_INIT_C, &m);
	GUEST_ASSERT(m.len >= 8 + sizeof(c));
	memcpy(&c, m.b + 8, sizeof(c));
	GUEST_ASSERT_EQ(c.req_id, q.r.req_id);
	GUEST_ASSERT_EQ(c.status, RNDIS_STATUS_SUCCESS);
	GUEST_ASSERT_EQ(c.major_ver, 1);
	GUEST_ASSERT_EQ(c.medium, RNDIS_MEDIUM_802_3);
	GUEST_ASSERT(c.max_pkt_per_msg >= 1);
}

uint32_t nvc_query(struct nvc *n, uint32_t oid, void *out, uint32_t *outlen)
{
	struct {
		struct rndis_header h;
		struct rndis_query_request q;
		uint8_t in[sizeof(struct ndis_offload)];
	} __attribute__((packed)) q;
	struct rndis_query_complete c;
	struct nvc_msg m;

	memset(&q, 0, sizeof(q));
	q.h.type = RNDIS_MSG_QUERY;
	q.h.msg_len = 8 + sizeof(q.q);
	q.q.req_id = n->next_req++;
	q.q.oid = oid;
	q.q.info_buf_offset = sizeof(q.q);
	if (oid == OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES) {
		/* hv_netvsc sends the object header it understands */
		struct ndis_object_header oh = {NDIS_OBJECT_TYPE_OFFLOAD, 3,
		                                sizeof(struct ndis_offload)};
		memcpy(q.in, &oh, sizeof(oh));
		q.q.info_buflen = sizeof(struct ndis_offload);
		q.h.msg_len += sizeof(struct ndis_offload);
	}
	GUEST_ASSERT_EQ(nvc_rndis_gpa(n, &q, q.h.msg_len), NVSP_STAT_SUCCESS);
	nvc_next(n, RNDIS_MSG_QUERY_C, &m);
	memcpy(&c, m.b + 8, sizeof(c));
	GUEST_ASSERT_EQ(c.req_id, q.q.req_id);
	*outlen = 0;
	if (c.status == RNDIS_STATUS_SUCCESS && c.info_buflen) {
		GUEST_ASSERT(c.info_buf_offset >= sizeof(c));
		GUEST_ASSERT(8 + c.info_buf_offset + c.info_buflen <= m.len);
		memcpy(out, m.b + 8 + c.info_buf_offset, c.info_buflen);
		*outlen = c.info_buflen;
	}
	return c.status;
}

uint32_t nvc_set(struct nvc *n, uint32_t oid, const void *info, uint32_t len)
{
	static struct {
		struct rndis_header h;
		struct rndis_set_request q;
		uint8_t in[256];
	} __attribute__((packed)) q;
	struct rndis_set_complete c;
	struct nvc_msg m;

	GUEST_ASSERT(len <= sizeof(q.in));
	memset(&q, 0, sizeof(q));
	q.h.type = RNDIS_MSG_SET;
	q.h.msg_len = 8 + sizeof(q.q) + len;
	q.q.req_id = n->next_req++;
	q.q.oid = oid;
	q.q.info_buflen = len;
	q.q.info_buf_offset = sizeof(q.q);
	memcpy(q.in, info, len);
	GUEST_ASSERT_EQ(nvc_rndis_section(n, 0, &q, q.h.msg_len), NVSP_STAT_SUCCESS);
	nvc_next(n, RNDIS_MSG_SET_C, &m);
	memcpy(&c, m.b + 8, sizeof(c));
	GUEST_ASSERT_EQ(c.req_id, q.q.req_id);
	return c.status;
}

uint32_t nvc_data_msg(uint8_t *out, const uint8_t *frame, uint32_t len, uint32_t csum_ppi,
                      uint32_t lso_ppi)
{
	struct rndis_header h = {RNDIS_MSG_PACKET, 0};
	struct rndis_packet p;
	uint32_t ppi = 0;

	memset(&p, 0, sizeof(p));
	if (csum_ppi) {
		struct rndis_ppi x = {16, PPI_TCPIP_CHKSUM, 12};
		memcpy(out + RNDIS_PACKET_BYTES + ppi, &x, 12);
		memcpy(out + RNDIS_PACKET_BYTES + ppi + 12, &csum_ppi, 4);
		ppi += 16;
	}
	if (lso_ppi) {
		struct rndis_ppi x = {16, PPI_TCP_LARGESEND, 12};
		memcpy(out + RNDIS_PACKET_BYTES + ppi, &x, 12);
		memcpy(out + RNDIS_PACKET_BYTES + ppi + 12, &lso_ppi, 4);
		ppi += 16;
	}
	p.data_offset = sizeof(p) + ppi;
	p.data_len = len;
	p.per_pkt_info_offset = ppi ? sizeof(p) : 0;
	p.per_pkt_info_len = ppi;
	h.msg_len = RNDIS_PACKET_BYTES + ppi + len;
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), &p, sizeof(p));
	memcpy(out + RNDIS_PACKET_BYTES + ppi, frame, len);
	return h.msg_len;
}
