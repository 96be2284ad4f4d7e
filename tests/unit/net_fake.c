/* SPDX-License-Identifier: MIT */
/* The fake world of the vmbus-net device model: see net_fake.h. */
#include "tests/unit/net_fake.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PKT_INBAND 6
#define PKT_XFER   7
#define PKT_GPA    9
#define PKT_COMP   0xb

/* ---- the io the device sees ---- */

static int f_send(void *o, uint16_t type, uint16_t flags, uint64_t tid, const void *hdr,
                  size_t hdr_len, const void *data, size_t len)
{
	struct net_fake *f = o;
	struct nf_sent *s;

	if (f->ring_full)
		return -EAGAIN;
	if (hdr_len % 8 || hdr_len > sizeof(s->hdr) || len > sizeof(s->data))
		abort(); /* the device never builds such a packet */
	if (f->nsent == f->sent_cap) {
		f->sent_cap = f->sent_cap ? 2 * f->sent_cap : 64;
		f->sent = realloc(f->sent, f->sent_cap * sizeof(*f->sent));
		if (!f->sent)
			abort();
	}
	s = &f->sent[f->nsent++];
	s->type = type;
	s->flags = flags;
	s->tid = tid;
	s->hdr_len = (uint32_t)hdr_len;
	s->len = (uint32_t)len;
	if (hdr_len)
		memcpy(s->hdr, hdr, hdr_len);
	if (len)
		memcpy(s->data, data, len);
	if (type == PKT_XFER) {
		/* Every range lies in the receive buffer. */
		struct vmbus_xfer_header h;
		memcpy(&h, hdr, sizeof(h));
		if (hdr_len != 8 + 8 * (size_t)h.range_count || !h.range_count)
			abort();
		for (uint32_t i = 0; i < h.range_count; i++) {
			struct vmbus_xfer_range r;
			memcpy(&r, s->hdr + 8 + 8 * i, 8);
			if ((uint64_t)r.byte_offset + r.byte_count > NF_RECV_LEN)
				abort();
		}
	}
	return 0;
}

static int f_map(void *o, uint32_t id, void **g, uint64_t *bytes)
{
	struct net_fake *f = o;

	for (int i = 0; i < 4; i++)
		if (f->gpadl[i].id == id && id) {
			f->gpadl[i].maps++;
			*g = &f->gpadl[i];
			*bytes = f->gpadl[i].len;
			return 0;
		}
	return -ENOENT;
}

static int f_io(struct net_fake *f, void *g, uint64_t off, void *buf, size_t len, bool write)
{
	typeof(f->gpadl[0]) *w = g;

	if (w < &f->gpadl[0] || w > &f->gpadl[3] || !w->maps)
		abort(); /* not a mapped GPADL: a device bug */
	if (off > w->len || len > w->len - off)
		return -EFAULT;
	if (write)
		memcpy(f->ram + w->off + off, buf, len);
	else
		memcpy(buf, f->ram + w->off + off, len);
	return 0;
}

static int f_read(void *o, void *g, uint64_t off, void *buf, size_t len)
{
	return f_io(o, g, off, buf, len, false);
}

static int f_write(void *o, void *g, uint64_t off, const void *buf, size_t len)
{
	return f_io(o, g, off, (void *)buf, len, true);
}

static void f_unmap(void *o, void *g)
{
	struct net_fake *f = o;
	typeof(f->gpadl[0]) *w = g;

	if (!w->maps)
		abort(); /* unmapped twice */
	w->maps--;
	f->unmaps++;
}

static int f_mem(void *o, uint64_t gpa, void *buf, size_t len)
{
	struct net_fake *f = o;

	if (gpa > NF_RAM || len > NF_RAM - gpa)
		return -EFAULT;
	memcpy(buf, f->ram + gpa, len);
	return 0;
}

int nf_check_frame(const struct net_fake *f, const struct pvn_vnet_hdr *vh, const uint8_t *frame,
                   size_t len)
{
	struct pvn_net_hdrs h;

	if (len < PVN_ETH_HLEN)
		return -1;
	if (!vh || vh->gso_type == PVN_VNET_GSO_NONE) {
		if (len > f->max_frame)
			return -2;
	}
	if (!vh)
		return 0;
	if (vh->flags & PVN_VNET_F_NEEDS_CSUM) {
		if ((size_t)vh->csum_start + vh->csum_offset + 2 > len ||
		    (vh->csum_offset != 6 && vh->csum_offset != 16))
			return -3;
	}
	if (vh->gso_type != PVN_VNET_GSO_NONE) {
		uint32_t tot;

		if ((vh->gso_type != PVN_VNET_GSO_TCPV4 && vh->gso_type != PVN_VNET_GSO_TCPV6) ||
		    !vh->gso_size || vh->hdr_len > len ||
		    (size_t)vh->hdr_len + vh->gso_size > f->max_frame ||
		    !(vh->flags & PVN_VNET_F_NEEDS_CSUM))
			return -4;
		if (pvn_net_parse(frame, len, &h) || h.l4_proto != PVN_IPPROTO_TCP ||
		    h.l4_off != vh->csum_start || h.l4_off + h.l4_hdr_len != vh->hdr_len)
			return -5;
		/* The IP length covers the frame, as the host stack checks. */
		if (h.ip_version == 4) {
			uint32_t s = 0;
			tot = (uint32_t)frame[h.l3_off + 2] << 8 | frame[h.l3_off + 3];
			for (size_t i = 0; i < (size_t)(frame[h.l3_off] & 15) * 4; i += 2)
				s += (uint32_t)frame[h.l3_off + i] << 8 | frame[h.l3_off + i + 1];
			while (s >> 16)
				s = (s & 0xffff) + (s >> 16);
			if (tot != len - h.l3_off || s != 0xffff)
				return -6;
		} else {
			tot = (uint32_t)frame[h.l3_off + 4] << 8 | frame[h.l3_off + 5];
			if (tot != len - h.l3_off - 40)
				return -6;
		}
	}
	return 0;
}

static int f_tx(void *o, const struct pvn_vnet_hdr *vh, const void *frame, size_t len)
{
	struct net_fake *f = o;
	struct nf_frame *x;
	int bad;

	if ((vh != NULL) != f->vnet)
		abort(); /* headers exactly when the backend takes them */
	bad = nf_check_frame(f, vh, frame, len);
	if (bad) {
		f->bad_frames++;
		if (f->abort_on_bad) {
			fprintf(stderr, "malformed frame for the backend (%d): %zu bytes\n", bad,
			        len);
			abort();
		}
	}
	if (f->ntx == f->tx_cap) {
		f->tx_cap = f->tx_cap ? 2 * f->tx_cap : 64;
		f->tx = realloc(f->tx, f->tx_cap * sizeof(*f->tx));
		if (!f->tx)
			abort();
	}
	x = &f->tx[f->ntx++];
	x->has_vh = vh != NULL;
	if (vh)
		x->vh = *vh;
	x->len = (uint32_t)len;
	x->data = malloc(len);
	if (!x->data)
		abort();
	memcpy(x->data, frame, len);
	return 0;
}

static void f_kick(void *o)
{
	((struct net_fake *)o)->kicks++;
}

static void f_log(void *o, int level, const char *msg)
{
	struct net_fake *f = o;

	snprintf(f->last_log, sizeof(f->last_log), "%s", msg);
	f->logs++;
	if (!f->quiet)
		fprintf(stderr, "  [netvsp %d] %s\n", level, msg);
}

struct pvn_netvsp_io nf_io(struct net_fake *f)
{
	return (struct pvn_netvsp_io){
	    .opaque = f,
	    .send = f_send,
	    .gpadl_map = f_map,
	    .gpadl_read = f_read,
	    .gpadl_write = f_write,
	    .gpadl_unmap = f_unmap,
	    .mem_read = f_mem,
	    .tx = f_tx,
	    .rx_kick = f_kick,
	    .log = f_log,
	};
}

void nf_init(struct net_fake *f, unsigned mtu, bool vnet)
{
	memset(f, 0, sizeof(*f));
	f->ram = calloc(1, NF_RAM);
	if (!f->ram)
		abort();
	f->gpadl[0].id = NF_RECV_GPADL;
	f->gpadl[0].off = NF_RECV_OFF;
	f->gpadl[0].len = NF_RECV_LEN;
	f->gpadl[1].id = NF_SEND_GPADL;
	f->gpadl[1].off = NF_SEND_OFF;
	f->gpadl[1].len = NF_SEND_LEN;
	f->max_frame = mtu + 18;
	f->vnet = vnet;
}

void nf_clear(struct net_fake *f)
{
	for (unsigned i = 0; i < f->ntx; i++)
		free(f->tx[i].data);
	f->ntx = 0;
	f->nsent = 0;
}

void nf_fini(struct net_fake *f)
{
	nf_clear(f);
	free(f->tx);
	free(f->sent);
	free(f->ram);
}

/* ---- the guest side ---- */

void nf_packet(struct pvn_netvsp *d, uint16_t type, uint16_t flags, uint64_t tid, const void *hdr,
               uint32_t hdr_len, const void *data, uint32_t len)
{
	static uint8_t buf[65536];
	struct pvn_netvsp_pkt p = {type, flags, tid, buf, hdr_len + len, hdr_len};

	if (hdr_len + len > sizeof(buf))
		abort();
	if (hdr_len)
		memcpy(buf, hdr, hdr_len);
	if (len)
		memcpy(buf + hdr_len, data, len);
	pvn_netvsp_packet(d, &p);
	pvn_netvsp_flush(d);
}

void nf_nvsp(struct pvn_netvsp *d, const struct nvsp_msg *m, uint32_t len, uint64_t tid)
{
	nf_packet(d, PKT_INBAND, 1, tid, NULL, 0, m, len);
}

void nf_rndis_section(struct net_fake *f, struct pvn_netvsp *d, uint32_t section, const void *msg,
                      uint32_t len, uint64_t tid)
{
	struct nvsp_msg m = {.type = NVSP_MSG1_SEND_RNDIS_PKT};

	if ((uint64_t)section * PVN_NETVSP_SEND_SECTION + len <= NF_SEND_LEN)
		memcpy(f->ram + NF_SEND_OFF + (size_t)section * PVN_NETVSP_SEND_SECTION, msg, len);
	m.u.rndis.channel_type = NVSP_CHANNEL_CONTROL;
	m.u.rndis.send_buf_section_index = section;
	m.u.rndis.send_buf_section_size = len;
	nf_nvsp(d, &m, sizeof(m), tid);
}

void nf_rndis_gpa(struct net_fake *f, struct pvn_netvsp *d, const void *msg, uint32_t len,
                  uint64_t tid, bool split)
{
	struct nvsp_msg m = {.type = NVSP_MSG1_SEND_RNDIS_PKT};
	uint8_t hdr[8 + 8 + 8 * 20];
	uint32_t in_page = split ? 4096 - 24 : 0, npfn = (in_page + len + 4095) / 4096;
	struct vmbus_gpa_direct_header gh = {0, 1};
	struct vmbus_gpa_range gr = {len, in_page};

	if (npfn > 20)
		abort();
	memcpy(f->ram + NF_PAGE_OFF + in_page, msg, len);
	memcpy(hdr, &gh, 8);
	memcpy(hdr + 8, &gr, 8);
	for (uint32_t i = 0; i < npfn; i++) {
		uint64_t pfn = NF_PAGE_OFF / 4096 + i;
		memcpy(hdr + 16 + 8 * i, &pfn, 8);
	}
	m.u.rndis.channel_type = NVSP_CHANNEL_CONTROL;
	m.u.rndis.send_buf_section_index = NVSP_INVALID_SECTION;
	nf_packet(d, PKT_GPA, 1, tid, hdr, 16 + 8 * npfn, &m, sizeof(m));
}

const struct nf_sent *nf_completion(const struct net_fake *f, uint64_t tid)
{
	for (unsigned i = f->nsent; i-- > 0;)
		if (f->sent[i].type == PKT_COMP && f->sent[i].tid == tid)
			return &f->sent[i];
	return NULL;
}

unsigned nf_rx_messages(const struct net_fake *f, unsigned from,
                        void (*fn)(void *opaque, const uint8_t *msg, uint32_t len), void *opaque)
{
	unsigned n = 0;

	for (unsigned i = from; i < f->nsent; i++) {
		const struct nf_sent *s = &f->sent[i];
		struct vmbus_xfer_header h;

		if (s->type != PKT_XFER)
			continue;
		memcpy(&h, s->hdr, sizeof(h));
		for (uint32_t k = 0; k < h.range_count; k++) {
			struct vmbus_xfer_range r;
			memcpy(&r, s->hdr + 8 + 8 * k, 8);
			if (fn)
				fn(opaque, f->ram + NF_RECV_OFF + r.byte_offset, r.byte_count);
			n++;
		}
	}
	return n;
}

void nf_complete_rx(struct net_fake *f, struct pvn_netvsp *d, unsigned from)
{
	unsigned end = f->nsent;

	for (unsigned i = from; i < end; i++) {
		struct nvsp_msg m = {.type = NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE};

		if (f->sent[i].type != PKT_XFER)
			continue;
		m.u.rndis_complete.status = NVSP_STAT_SUCCESS;
		nf_packet(d, PKT_COMP, 0, f->sent[i].tid, NULL, 0, &m, 8);
	}
}

/* Find the last RNDIS message of `type` among the transfers since from. */
struct find {
	uint32_t type;
	uint8_t msg[512];
	uint32_t len;
	bool found;
};

static void find_fn(void *o, const uint8_t *msg, uint32_t len)
{
	struct find *x = o;
	struct rndis_header h;

	memcpy(&h, msg, sizeof(h));
	if (h.type == x->type && len <= sizeof(x->msg)) {
		memcpy(x->msg, msg, len);
		x->len = len;
		x->found = true;
	}
}

static int rndis_req(struct net_fake *f, struct pvn_netvsp *d, const void *msg, uint32_t len,
                     uint32_t want, struct find *x, uint64_t tid)
{
	unsigned from = f->nsent;
	const struct nf_sent *c;

	nf_rndis_gpa(f, d, msg, len, tid, false);
	c = nf_completion(f, tid);
	if (!c || c->len < 8 || c->data[4] != NVSP_STAT_SUCCESS)
		return -1;
	memset(x, 0, sizeof(*x));
	x->type = want;
	nf_rx_messages(f, from, find_fn, x);
	nf_complete_rx(f, d, from);
	return x->found ? 0 : -1;
}

int nf_bring_up(struct net_fake *f, struct pvn_netvsp *d, uint32_t version)
{
	struct nvsp_msg m;
	const struct nf_sent *c;
	struct find x;
	uint32_t status;

	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG_INIT;
	m.u.init.min_protocol_ver = m.u.init.max_protocol_ver = version;
	nf_nvsp(d, &m, sizeof(m), 1);
	c = nf_completion(f, 1);
	if (!c || c->data[0] != NVSP_MSG_INIT_COMPLETE || c->data[12] != NVSP_STAT_SUCCESS)
		return -1;
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG2_SEND_NDIS_CONFIG;
	m.u.ndis_config.mtu = 1514;
	m.u.ndis_config.capability = NVSP2_CAP_IEEE8021Q | NVSP2_CAP_SRIOV | NVSP2_CAP_TEAMING;
	if (version > NVSP_VERSION_1) /* as hv_netvsc: NDIS config from version 2 on */
		nf_packet(d, PKT_INBAND, 0, 2, NULL, 0, &m, sizeof(m));
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_NDIS_VER;
	m.u.ndis_ver.ndis_major_ver = 6;
	m.u.ndis_ver.ndis_minor_ver = 30;
	nf_packet(d, PKT_INBAND, 0, 3, NULL, 0, &m, sizeof(m));
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_RECV_BUF;
	m.u.send_buf.gpadl_handle = NF_RECV_GPADL;
	m.u.send_buf.id = NVSP_RECV_BUFFER_ID;
	nf_nvsp(d, &m, sizeof(m), 4);
	c = nf_completion(f, 4);
	if (!c || c->data[4] != NVSP_STAT_SUCCESS)
		return -2;
	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_SEND_BUF;
	m.u.send_buf.gpadl_handle = NF_SEND_GPADL;
	m.u.send_buf.id = NVSP_SEND_BUFFER_ID;
	nf_nvsp(d, &m, sizeof(m), 5);
	c = nf_completion(f, 5);
	if (!c || c->data[4] != NVSP_STAT_SUCCESS)
		return -3;
	{
		struct {
			struct rndis_header h;
			struct rndis_init_request r;
		} __attribute__((packed))
		init = {{RNDIS_MSG_INIT, sizeof(init)},
		        {7, RNDIS_MAJOR_VERSION, RNDIS_MINOR_VERSION, 0x4000}};
		if (rndis_req(f, d, &init, sizeof(init), RNDIS_MSG_INIT_C, &x, 6))
			return -4;
		memcpy(&status, x.msg + 12, 4);
		if (status != RNDIS_STATUS_SUCCESS)
			return -5;
	}
	{
		struct {
			struct rndis_header h;
			struct rndis_set_request r;
			uint32_t filter;
		} __attribute__((packed))
		set = {{RNDIS_MSG_SET, sizeof(set)},
		       {8, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, 4, sizeof(struct rndis_set_request),
		        0},
		       NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST |
		           NDIS_PACKET_TYPE_ALL_MULTICAST};
		if (rndis_req(f, d, &set, sizeof(set), RNDIS_MSG_SET_C, &x, 7))
			return -6;
		memcpy(&status, x.msg + 12, 4);
		if (status != RNDIS_STATUS_SUCCESS)
			return -7;
	}
	return 0;
}

uint32_t nf_data_msg(uint8_t *out, const uint8_t *frame, uint32_t len, uint32_t csum_ppi,
                     uint32_t lso_ppi, uint32_t vlan_ppi)
{
	struct rndis_header h = {RNDIS_MSG_PACKET, 0};
	struct rndis_packet p;
	uint32_t ppi = 0;
	uint8_t *pp = out + RNDIS_PACKET_BYTES;
	const uint32_t vals[3] = {csum_ppi, lso_ppi, vlan_ppi};
	const uint32_t types[3] = {PPI_TCPIP_CHKSUM, PPI_TCP_LARGESEND, PPI_IEEE_8021Q};

	for (int i = 0; i < 3; i++) {
		struct rndis_ppi x = {16, types[i], 12};
		if (!vals[i])
			continue;
		memcpy(pp + ppi, &x, 12);
		memcpy(pp + ppi + 12, &vals[i], 4);
		ppi += 16;
	}
	memset(&p, 0, sizeof(p));
	p.data_offset = (uint32_t)sizeof(p) + ppi;
	p.data_len = len;
	p.per_pkt_info_offset = ppi ? (uint32_t)sizeof(p) : 0;
	p.per_pkt_info_len = ppi;
	h.msg_len = RNDIS_PACKET_BYTES + ppi + len;
	memcpy(out, &h, sizeof(h));
	memcpy(out + sizeof(h), &p, sizeof(p));
	memcpy(out + RNDIS_PACKET_BYTES + ppi, frame, len);
	return h.msg_len;
}
