/* SPDX-License-Identifier: MIT */
/*
 * The synthetic NIC's device model: NVSP and RNDIS, host side. See netvsp.h
 * for the flow; the wire formats are in nvsp_protocol.h and rndis_protocol.h.
 *
 * Receive buffer bookkeeping: the guest's receive buffer is cut into
 * `nsec` sections of `sec_size` bytes. A section is FREE, part of the batch
 * being built (BUILD), part of a transfer-page packet that the ring had no
 * room for (PENDING), or in the guest's hands (SENT). The sections of one
 * packet form a chain (`next`) from its first section; the packet's
 * transaction id names that first section and its generation, so a
 * completion frees the whole chain once, and any id the host did not send,
 * or sent and got back already, is refused.
 */
#include "plugins/vmbus-net/netvsp.h"
#include "plugins/vmbus-net/nvsp_protocol.h"
#include "plugins/vmbus-net/rndis_protocol.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* VMBus packet types and flags this device uses (the wire values). */
#define PKT_INBAND                0x6
#define PKT_XFER_PAGES            0x7
#define PKT_GPA_DIRECT            0x9
#define PKT_COMP                  0xb
#define FLAG_COMPLETION_REQUESTED 0x1

#define RX_SECTION_MIN 1728u
/* An RNDIS data message to the guest: header, checksum PPI, packet-id PPI. */
#define PPI_BYTES(n)      ((uint32_t)sizeof(struct rndis_ppi) + (n))
#define RX_OVERHEAD       (RNDIS_PACKET_BYTES + PPI_BYTES(4) + PPI_BYTES(4))
#define MAX_SECTIONS      65535u
#define MAX_SEND_SECTIONS 65536u
#define MAX_XFER_RANGES   256 /* the guest takes up to 562 */
#define MAX_RNDIS_PER_MSG 64  /* messages batched in one NVSP packet */
#define MAX_GPA_RANGES    64
#define COMP_Q            256
#define CTRL_Q            32
#define CTRL_MAX          256 /* bytes of an RNDIS control message the host sends */
#define SECTION_NONE      0xffffffffu
#define TID_RX            (1ULL << 63)
#define WORK_BYTES        (PVN_NETVSP_MAX_RNDIS + 64)
#define LSO_MAX_SIZE      64000u /* what the guest may hand us in one LSO frame */
#define MAX_GUEST_FRAME   (LSO_MAX_SIZE + 256)

enum sec_state { SEC_FREE, SEC_BUILD, SEC_PENDING, SEC_SENT };
enum rndis_state { RNDIS_UNINIT, RNDIS_READY };

struct comp {
	uint64_t tid;
	uint32_t len;
	uint32_t send_section; /* released when the completion is written */
	struct nvsp_msg msg;
};

struct ctrl {
	uint32_t len;
	uint8_t bytes[CTRL_MAX];
};

struct gpa_range {
	uint32_t count, offset;
	uint32_t pos; /* of its PFN list in the packet header */
};

struct xfer {
	uint32_t head, n;
	struct {
		struct vmbus_xfer_header h;
		struct vmbus_xfer_range r[MAX_XFER_RANGES];
	} __attribute__((packed)) hdr;
};

struct pvn_netvsp {
	struct pvn_netvsp_cfg cfg;
	struct pvn_netvsp_io io;
	uint8_t mac[6];
	bool link_up;
	uint32_t max_frame; /* MTU + Ethernet header + one VLAN tag */
	int log_budget;
	struct pvn_netvsp_stats st;

	/* NVSP */
	bool inited;
	uint32_t nvsp_version, ndis_version, guest_mtu;

	/* the guest's receive buffer */
	void *rbuf;
	uint64_t rbuf_bytes;
	uint16_t rbuf_id;
	uint32_t sec_size, nsec, sec_payload, rx_need;
	uint32_t *sec_next, *free_stack;
	uint16_t *sec_gen;
	uint8_t *sec_state;
	uint32_t nfree;

	/* the guest's send buffer */
	void *sbuf;
	uint64_t sbuf_bytes;
	uint32_t nssec;
	uint8_t *ssec_busy; /* referenced by a request whose completion is queued */

	/* RNDIS */
	enum rndis_state rndis;
	uint32_t filter;
	bool rsc; /* the guest turned receive segment coalescing on */
	uint16_t rsc_id;

	/* host -> guest */
	struct comp *comp_q;
	unsigned comp_head, comp_n;
	struct ctrl *ctrl_q;
	unsigned ctrl_head, ctrl_n;
	struct xfer batch; /* being built */
	struct xfer pend;  /* the ring had no room: waiting */
	bool pend_valid;
	bool rx_wanted; /* rx_ready said no: kick when it would say yes */

	uint8_t *txbuf; /* an RNDIS message copied out of the guest */
	uint8_t *work;  /* a frame being rewritten (VLAN tag, offloads) */
	uint8_t *seg;   /* one segment */
};

/* ---- logging ---- */

static void __attribute__((format(printf, 3, 0)))
vlog(struct pvn_netvsp *d, int level, const char *fmt, va_list ap)
{
	char msg[400];

	if (!d->io.log)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	d->io.log(d->io.opaque, level, msg);
}

static void __attribute__((format(printf, 3, 4)))
dlog(struct pvn_netvsp *d, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(d, level, fmt, ap);
	va_end(ap);
}

/* A guest protocol violation: counted, logged within the budget. */
static void __attribute__((format(printf, 2, 3))) refuse(struct pvn_netvsp *d, const char *fmt, ...)
{
	va_list ap;

	d->st.refused++;
	if (d->log_budget <= 0)
		return;
	va_start(ap, fmt);
	vlog(d, PVN_NETVSP_LOG_WARN, fmt, ap);
	va_end(ap);
	if (--d->log_budget == 0)
		dlog(d, PVN_NETVSP_LOG_WARN,
		     "further guest protocol errors on this channel are counted, not logged");
}

static uint32_t rd32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

/* ---- life cycle ---- */

int pvn_netvsp_create(const struct pvn_netvsp_cfg *cfg, const struct pvn_netvsp_io *io,
                      struct pvn_netvsp **out)
{
	struct pvn_netvsp *d;

	if (!cfg || !io || !io->send || !io->gpadl_map || !io->gpadl_read || !io->gpadl_write ||
	    !io->gpadl_unmap || !io->mem_read || !io->tx || cfg->mtu < PVN_NETVSP_MIN_MTU ||
	    cfg->mtu > PVN_NETVSP_MAX_MTU)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->cfg = *cfg;
	d->io = *io;
	memcpy(d->mac, cfg->mac, 6);
	d->link_up = cfg->link_up;
	d->max_frame = cfg->mtu + PVN_ETH_HLEN + PVN_VLAN_HLEN;
	d->log_budget = PVN_NETVSP_LOG_BUDGET;
	/* Sections hold a whole frame of the MTU and the RNDIS headers. */
	d->sec_size = (cfg->mtu + PVN_ETH_HLEN + PVN_VLAN_HLEN + RX_OVERHEAD + 63) & ~63u;
	if (d->sec_size < RX_SECTION_MIN)
		d->sec_size = RX_SECTION_MIN;
	d->sec_payload = d->sec_size - RX_OVERHEAD;
	d->comp_q = calloc(COMP_Q, sizeof(*d->comp_q));
	d->ctrl_q = calloc(CTRL_Q, sizeof(*d->ctrl_q));
	d->txbuf = malloc(WORK_BYTES);
	d->work = malloc(WORK_BYTES + PVN_VLAN_HLEN);
	d->seg = malloc(WORK_BYTES);
	if (!d->comp_q || !d->ctrl_q || !d->txbuf || !d->work || !d->seg) {
		pvn_netvsp_destroy(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

static void rbuf_release(struct pvn_netvsp *d)
{
	if (d->rbuf)
		d->io.gpadl_unmap(d->io.opaque, d->rbuf);
	d->rbuf = NULL;
	d->rbuf_bytes = 0;
	d->nsec = d->nfree = 0;
	free(d->sec_next);
	free(d->free_stack);
	free(d->sec_gen);
	free(d->sec_state);
	d->sec_next = d->free_stack = NULL;
	d->sec_gen = NULL;
	d->sec_state = NULL;
	d->batch.n = 0;
	d->pend_valid = false;
}

static void sbuf_release(struct pvn_netvsp *d)
{
	if (d->sbuf)
		d->io.gpadl_unmap(d->io.opaque, d->sbuf);
	d->sbuf = NULL;
	d->sbuf_bytes = 0;
	d->nssec = 0;
	free(d->ssec_busy);
	d->ssec_busy = NULL;
	/* Queued completions name sections of the buffer that is gone. */
	for (unsigned i = 0; i < d->comp_n; i++)
		d->comp_q[(d->comp_head + i) % COMP_Q].send_section = SECTION_NONE;
}

void pvn_netvsp_reset(struct pvn_netvsp *d)
{
	rbuf_release(d);
	sbuf_release(d);
	d->inited = false;
	d->nvsp_version = d->ndis_version = d->guest_mtu = 0;
	d->rndis = RNDIS_UNINIT;
	d->filter = 0;
	d->rsc = false;
	d->comp_head = d->comp_n = 0;
	d->ctrl_head = d->ctrl_n = 0;
	d->log_budget = PVN_NETVSP_LOG_BUDGET;
}

void pvn_netvsp_destroy(struct pvn_netvsp *d)
{
	if (!d)
		return;
	pvn_netvsp_reset(d);
	free(d->comp_q);
	free(d->ctrl_q);
	free(d->txbuf);
	free(d->work);
	free(d->seg);
	free(d);
}

/* ---- sending to the guest ---- */

static void ssec_release(struct pvn_netvsp *d, uint32_t s)
{
	if (s != SECTION_NONE && s < d->nssec)
		d->ssec_busy[s] = 0;
}

/* Queue the completion of the guest's request `pkt`, if it asked for one. */
static void complete(struct pvn_netvsp *d, const struct pvn_netvsp_pkt *pkt,
                     const struct nvsp_msg *m, uint32_t len, uint32_t send_section)
{
	struct comp *c;

	if (!(pkt->flags & FLAG_COMPLETION_REQUESTED)) {
		ssec_release(d, send_section);
		return;
	}
	if (d->comp_n == COMP_Q) {
		/* The caller stops taking packets long before: only a caller
		 * that ignores pvn_netvsp_can_receive gets here. */
		dlog(d, PVN_NETVSP_LOG_ERROR, "completion queue full: completion %#llx dropped",
		     (unsigned long long)pkt->trans_id);
		ssec_release(d, send_section);
		return;
	}
	c = &d->comp_q[(d->comp_head + d->comp_n++) % COMP_Q];
	c->tid = pkt->trans_id;
	c->len = len;
	c->send_section = send_section;
	memset(&c->msg, 0, sizeof(c->msg));
	if (m)
		memcpy(&c->msg, m, len);
}

static bool comp_flush(struct pvn_netvsp *d)
{
	while (d->comp_n) {
		struct comp *c = &d->comp_q[d->comp_head];
		int r = d->io.send(d->io.opaque, PKT_COMP, 0, c->tid, NULL, 0, &c->msg, c->len);

		if (r == -EAGAIN)
			return false;
		if (r)
			dlog(d, PVN_NETVSP_LOG_DEBUG, "completion %#llx not sent: %s",
			     (unsigned long long)c->tid, strerror(-r));
		else
			d->st.completions_out++;
		ssec_release(d, c->send_section);
		d->comp_head = (d->comp_head + 1) % COMP_Q;
		d->comp_n--;
	}
	return true;
}

/* ---- receive-buffer sections ---- */

static uint64_t tid_of(const struct pvn_netvsp *d, uint32_t head)
{
	return TID_RX | (uint64_t)d->sec_gen[head] << 32 | head;
}

static void chain_free(struct pvn_netvsp *d, uint32_t head)
{
	/* A chain holds each section once and ends at SECTION_NONE: the walk
	 * ends within nsec steps. */
	for (uint32_t s = head, n = 0; s != SECTION_NONE && n < d->nsec; n++) {
		uint32_t next = d->sec_next[s];

		d->sec_state[s] = SEC_FREE;
		d->sec_gen[s]++;
		d->sec_next[s] = SECTION_NONE;
		d->free_stack[d->nfree++] = s;
		s = next;
	}
}

static uint32_t sec_alloc(struct pvn_netvsp *d)
{
	uint32_t s;

	if (!d->nfree)
		return SECTION_NONE;
	s = d->free_stack[--d->nfree];
	d->sec_state[s] = SEC_BUILD;
	d->sec_next[s] = SECTION_NONE;
	if (d->batch.n == 0) {
		d->batch.head = s;
	} else {
		/* Link after the last section of the batch (the newest range). */
		uint32_t last = d->batch.hdr.r[d->batch.n - 1].byte_offset / d->sec_size;
		d->sec_next[last] = s;
	}
	return s;
}

/* The batch is a transfer-page packet; try to send it. */
static int xfer_send(struct pvn_netvsp *d, struct xfer *x, bool pending)
{
	struct nvsp_msg m;
	int r;

	memset(&m, 0, sizeof(m));
	m.type = NVSP_MSG1_SEND_RNDIS_PKT;
	m.u.rndis.channel_type = NVSP_CHANNEL_DATA;
	m.u.rndis.send_buf_section_index = NVSP_INVALID_SECTION;
	x->hdr.h.xfer_pageset_id = d->rbuf_id;
	x->hdr.h.sender_owns_set = 0;
	x->hdr.h.reserved = 0;
	x->hdr.h.range_count = x->n;
	r = d->io.send(d->io.opaque, PKT_XFER_PAGES, FLAG_COMPLETION_REQUESTED, tid_of(d, x->head),
	               &x->hdr, sizeof(x->hdr.h) + x->n * sizeof(struct vmbus_xfer_range), &m,
	               sizeof(m));
	if (r == -EAGAIN) {
		if (!pending) {
			d->sec_state[x->head] = SEC_PENDING;
			d->pend = *x;
			d->pend_valid = true;
		}
		return r;
	}
	if (r) {
		/* The channel is not usable: the guest never sees these. */
		dlog(d, PVN_NETVSP_LOG_DEBUG, "receive transfer not sent: %s", strerror(-r));
		chain_free(d, x->head);
	} else {
		d->sec_state[x->head] = SEC_SENT;
		d->st.rx_packets++;
	}
	if (pending)
		d->pend_valid = false;
	return r;
}

void pvn_netvsp_rx_flush(struct pvn_netvsp *d)
{
	if (!d->batch.n || !d->rbuf)
		return;
	if (d->pend_valid) {
		/* Keep order: the waiting packet goes first. */
		if (xfer_send(d, &d->pend, true) == -EAGAIN)
			return; /* the batch stays; rx_ready is false meanwhile */
	}
	xfer_send(d, &d->batch, false);
	d->batch.n = 0;
}

/* Write one RNDIS message (prefix, then `data`) into a new section of the
 * batch. -ENOSPC without a free section, -EFAULT when the guest's buffer is
 * not writable (the section is returned). */
static int section_put(struct pvn_netvsp *d, const void *prefix, uint32_t plen, const void *data,
                       uint32_t dlen)
{
	uint32_t s, total = plen + dlen;
	uint64_t off;
	int r;

	if (total > d->sec_size)
		return -EMSGSIZE;
	if (d->batch.n == MAX_XFER_RANGES)
		pvn_netvsp_rx_flush(d);
	if (d->batch.n == MAX_XFER_RANGES)
		return -ENOSPC;
	s = sec_alloc(d);
	if (s == SECTION_NONE)
		return -ENOSPC;
	/* s < nsec and nsec * sec_size <= rbuf_bytes: inside the buffer. */
	off = (uint64_t)s * d->sec_size;
	r = d->io.gpadl_write(d->io.opaque, d->rbuf, off, prefix, plen);
	if (!r && dlen)
		r = d->io.gpadl_write(d->io.opaque, d->rbuf, off + plen, data, dlen);
	if (r) {
		/* Unlink it again (it is the last of the batch, or the head). */
		if (d->batch.n) {
			uint32_t last = d->batch.hdr.r[d->batch.n - 1].byte_offset / d->sec_size;
			d->sec_next[last] = SECTION_NONE;
		}
		d->sec_state[s] = SEC_FREE;
		d->free_stack[d->nfree++] = s;
		return r;
	}
	d->batch.hdr.r[d->batch.n].byte_count = total;
	d->batch.hdr.r[d->batch.n].byte_offset = (uint32_t)off;
	d->batch.n++;
	return 0;
}

/* ---- RNDIS messages to the guest ---- */

static void ctrl_flush(struct pvn_netvsp *d)
{
	bool sent = false;

	while (d->ctrl_n && d->rbuf && !d->pend_valid && d->nfree) {
		struct ctrl *c = &d->ctrl_q[d->ctrl_head];
		int r = section_put(d, c->bytes, c->len, NULL, 0);

		if (r == -ENOSPC)
			break;
		if (r)
			refuse(d, "cannot write an RNDIS response into the receive buffer: %s",
			       strerror(-r));
		d->ctrl_head = (d->ctrl_head + 1) % CTRL_Q;
		d->ctrl_n--;
		sent = true;
	}
	if (sent)
		pvn_netvsp_rx_flush(d);
}

static void ctrl_send(struct pvn_netvsp *d, const void *msg, uint32_t len)
{
	struct ctrl *c;

	if (d->ctrl_n == CTRL_Q) {
		refuse(d,
		       "RNDIS responses pile up (%u waiting for receive-buffer sections): "
		       "response dropped",
		       CTRL_Q);
		return;
	}
	c = &d->ctrl_q[(d->ctrl_head + d->ctrl_n++) % CTRL_Q];
	c->len = len;
	memcpy(c->bytes, msg, len);
	ctrl_flush(d);
}

static void indicate_link(struct pvn_netvsp *d)
{
	struct {
		struct rndis_header h;
		struct rndis_indicate_status s;
	} __attribute__((packed)) m = {
	    {RNDIS_MSG_INDICATE, sizeof(m)},
	    {d->link_up ? RNDIS_STATUS_MEDIA_CONNECT : RNDIS_STATUS_MEDIA_DISCONNECT, 0, 0},
	};

	ctrl_send(d, &m, sizeof(m));
}

void pvn_netvsp_set_link(struct pvn_netvsp *d, bool up)
{
	if (d->link_up == up)
		return;
	d->link_up = up;
	dlog(d, PVN_NETVSP_LOG_INFO, "link %s", up ? "up" : "down");
	if (d->rndis == RNDIS_READY)
		indicate_link(d);
}

/* ---- RNDIS control: QUERY ---- */

static void offload_caps(const struct pvn_netvsp *d, struct ndis_offload *o)
{
	memset(o, 0, sizeof(*o));
	o->header.type = NDIS_OBJECT_TYPE_OFFLOAD;
	o->header.revision = NDIS_OFFLOAD_PARAMETERS_REVISION_3;
	o->header.size = NDIS_OFFLOAD_SIZE;
	if (!d->cfg.offloads)
		return; /* the guest does everything itself */
	/* Transmit: the device completes checksums and segments (itself, or
	 * through the backend), so everything a Linux guest asks for. */
	o->csum.ip4_txenc = o->csum.ip4_rxenc = NDIS_OFFLOAD_ENCAP_8023;
	o->csum.ip4_txcsum = NDIS_TXCSUM_CAP_TCP4 | NDIS_TXCSUM_CAP_TCP4OPT | NDIS_TXCSUM_CAP_UDP4 |
	                     NDIS_TXCSUM_CAP_IP4 | NDIS_TXCSUM_CAP_IP4OPT;
	o->csum.ip4_rxcsum = o->csum.ip4_txcsum;
	o->csum.ip6_txenc = o->csum.ip6_rxenc = NDIS_OFFLOAD_ENCAP_8023;
	o->csum.ip6_txcsum = NDIS_TXCSUM_CAP_TCP6 | NDIS_TXCSUM_CAP_TCP6OPT |
	                     NDIS_TXCSUM_CAP_IP6EXT | NDIS_TXCSUM_CAP_UDP6;
	o->csum.ip6_rxcsum = o->csum.ip6_txcsum;
	o->lsov2.ip4_encap = NDIS_OFFLOAD_ENCAP_8023;
	o->lsov2.ip4_maxsz = LSO_MAX_SIZE;
	o->lsov2.ip4_minsg = 2;
	o->lsov2.ip6_encap = NDIS_OFFLOAD_ENCAP_8023;
	o->lsov2.ip6_maxsz = LSO_MAX_SIZE;
	o->lsov2.ip6_minsg = 2;
	o->lsov2.ip6_opts = NDIS_LSOV2_CAP_IP6EXT | NDIS_LSOV2_CAP_TCP6OPT;
	/* Receive: coalesced TCP only comes from a backend that hands us GSO
	 * frames. */
	o->rsc.ip4 = o->rsc.ip6 = d->cfg.backend_vnet ? 1 : 0;
}

static void rndis_query(struct pvn_netvsp *d, const uint8_t *body, uint32_t blen)
{
	struct rndis_query_request q;
	struct {
		struct rndis_header h;
		struct rndis_query_complete c;
		uint8_t info[sizeof(struct ndis_offload)];
	} __attribute__((packed)) r;
	uint32_t status = RNDIS_STATUS_SUCCESS, n = 0, v;

	memcpy(&q, body, sizeof(q));
	memset(&r, 0, sizeof(r));
	/* The input buffer (Linux sends one with the offload and RSS queries)
	 * must lie inside the message; its contents are not needed. */
	if (q.info_buflen && (q.info_buf_offset < sizeof(q) || q.info_buf_offset > blen ||
	                      q.info_buflen > blen - q.info_buf_offset)) {
		refuse(d,
		       "RNDIS QUERY %#x: information buffer (offset %u, %u bytes) outside the "
		       "%u-byte message",
		       q.oid, q.info_buf_offset, q.info_buflen, blen);
		status = RNDIS_STATUS_INVALID_LENGTH;
		goto out;
	}
	switch (q.oid) {
	case RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE:
		v = d->cfg.mtu; /* Linux takes it as the MTU */
		goto u32;
	case RNDIS_OID_GEN_MAXIMUM_TOTAL_SIZE:
		v = d->cfg.mtu + PVN_ETH_HLEN;
		goto u32;
	case RNDIS_OID_GEN_LINK_SPEED: {
		uint64_t units = d->cfg.link_speed_bps / 100;
		v = units > UINT32_MAX ? UINT32_MAX : (uint32_t)units;
		goto u32;
	}
	case RNDIS_OID_GEN_MEDIA_CONNECT_STATUS:
		v = d->link_up ? RNDIS_MEDIA_STATE_CONNECTED : RNDIS_MEDIA_STATE_DISCONNECTED;
		goto u32;
	case RNDIS_OID_GEN_CURRENT_PACKET_FILTER:
		v = d->filter;
		goto u32;
	case RNDIS_OID_802_3_MAXIMUM_LIST_SIZE:
		v = 0;
		goto u32;
	case RNDIS_OID_802_3_PERMANENT_ADDRESS:
		memcpy(r.info, d->cfg.mac, 6);
		n = 6;
		break;
	case RNDIS_OID_802_3_CURRENT_ADDRESS:
		memcpy(r.info, d->mac, 6);
		n = 6;
		break;
	case OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES:
	case OID_TCP_OFFLOAD_CURRENT_CONFIG: {
		struct ndis_offload o;
		offload_caps(d, &o);
		memcpy(r.info, &o, sizeof(o));
		n = sizeof(o);
		break;
	}
	case OID_GEN_RECEIVE_SCALE_CAPABILITIES: {
		/* One receive queue: the guest runs single-queue and asks for
		 * no subchannels. */
		struct ndis_recv_scale_cap cap = {
		    .hdr = {NDIS_OBJECT_TYPE_RSS_CAPABILITIES,
		            NDIS_RECEIVE_SCALE_CAPABILITIES_REVISION_2, sizeof(cap)},
		    .num_int_msg = 1,
		    .num_recv_que = 1,
		};
		memcpy(r.info, &cap, sizeof(cap));
		n = sizeof(cap);
		break;
	}
	default:
		/* Including the friendly name: the guest keeps its own. */
		status = RNDIS_STATUS_NOT_SUPPORTED;
		dlog(d, PVN_NETVSP_LOG_DEBUG, "RNDIS QUERY of OID %#x: not supported", q.oid);
		break;
	}
	goto out;
u32:
	memcpy(r.info, &v, 4);
	n = 4;
out:
	r.h.type = RNDIS_MSG_QUERY_C;
	r.h.msg_len = (uint32_t)(sizeof(r.h) + sizeof(r.c) + n);
	r.c.req_id = q.req_id;
	r.c.status = status;
	r.c.info_buflen = n;
	r.c.info_buf_offset = n ? sizeof(r.c) : 0;
	ctrl_send(d, &r, r.h.msg_len);
}

/* ---- RNDIS control: SET ---- */

static int hexval(uint16_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* OID_GEN_RNDIS_CONFIG_PARAMETER: "NetworkAddress" sets the MAC address;
 * other parameters are accepted and ignored, as a Hyper-V host does. */
static uint32_t set_config_param(struct pvn_netvsp *d, const uint8_t *info, uint32_t len)
{
	static const char want[] = "NetworkAddress";
	struct rndis_config_parameter_info p;
	uint8_t mac[6];

	if (len < sizeof(p)) {
		refuse(d, "RNDIS config parameter of %u bytes", len);
		return RNDIS_STATUS_INVALID_LENGTH;
	}
	memcpy(&p, info, sizeof(p));
	if (p.name_offset > len || p.name_length > len - p.name_offset || p.value_offset > len ||
	    p.value_length > len - p.value_offset) {
		refuse(d,
		       "RNDIS config parameter: name (%u+%u) or value (%u+%u) outside its %u "
		       "bytes",
		       p.name_offset, p.name_length, p.value_offset, p.value_length, len);
		return RNDIS_STATUS_INVALID_LENGTH;
	}
	if (p.name_length != 2 * (sizeof(want) - 1))
		return RNDIS_STATUS_SUCCESS;
	for (size_t i = 0; i < sizeof(want) - 1; i++) {
		uint16_t c;
		memcpy(&c, info + p.name_offset + 2 * i, 2);
		if (c != (uint8_t)want[i])
			return RNDIS_STATUS_SUCCESS; /* another parameter */
	}
	/* Twelve hex digits in UTF-16LE. */
	if (p.type != RNDIS_CONFIG_PARAM_TYPE_STRING || p.value_length != 24) {
		refuse(d, "RNDIS NetworkAddress: type %u, %u bytes (want a 12-digit string)",
		       p.type, p.value_length);
		return RNDIS_STATUS_INVALID_DATA;
	}
	for (int i = 0; i < 12; i++) {
		uint16_t c;
		int x;
		memcpy(&c, info + p.value_offset + 2 * i, 2);
		x = hexval(c);
		if (x < 0) {
			refuse(d, "RNDIS NetworkAddress: not a hex digit at %d", i);
			return RNDIS_STATUS_INVALID_DATA;
		}
		if (i % 2 == 0)
			mac[i / 2] = (uint8_t)(x << 4);
		else
			mac[i / 2] |= (uint8_t)x;
	}
	if (mac[0] & 1) {
		refuse(d, "RNDIS NetworkAddress %02x:%02x:%02x:%02x:%02x:%02x is a group address",
		       mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
		return RNDIS_STATUS_INVALID_DATA;
	}
	memcpy(d->mac, mac, 6);
	dlog(d, PVN_NETVSP_LOG_INFO, "guest set MAC address %02x:%02x:%02x:%02x:%02x:%02x", mac[0],
	     mac[1], mac[2], mac[3], mac[4], mac[5]);
	return RNDIS_STATUS_SUCCESS;
}

static uint32_t set_offload_params(struct pvn_netvsp *d, const uint8_t *info, uint32_t len)
{
	struct ndis_offload_params p;

	if (len < NDIS_OFFLOAD_PARAMS_SIZE_V4) {
		refuse(d, "RNDIS offload parameters of %u bytes (at least %u)", len,
		       NDIS_OFFLOAD_PARAMS_SIZE_V4);
		return RNDIS_STATUS_INVALID_LENGTH;
	}
	memset(&p, 0, sizeof(p));
	memcpy(&p, info, len < sizeof(p) ? len : sizeof(p));
	if (p.header.type != NDIS_OBJECT_TYPE_DEFAULT || p.header.size > len ||
	    p.header.size < NDIS_OFFLOAD_PARAMS_SIZE_V4) {
		refuse(d, "RNDIS offload parameters: object type %#x size %u in %u bytes",
		       p.header.type, p.header.size, len);
		return RNDIS_STATUS_INVALID_DATA;
	}
	/* Transmit offloads are honoured whenever the guest asks per packet;
	 * what matters here is whether it wants coalesced receives. */
	if (len >= offsetof(struct ndis_offload_params, rsc_ip_v6) + 1 &&
	    p.header.size >= offsetof(struct ndis_offload_params, rsc_ip_v6) + 1) {
		if (p.rsc_ip_v4 == NDIS_OFFLOAD_PARAMS_RSC_ENABLED ||
		    p.rsc_ip_v6 == NDIS_OFFLOAD_PARAMS_RSC_ENABLED)
			d->rsc = d->cfg.offloads && d->cfg.backend_vnet;
		else if (p.rsc_ip_v4 == NDIS_OFFLOAD_PARAMS_RSC_DISABLED ||
		         p.rsc_ip_v6 == NDIS_OFFLOAD_PARAMS_RSC_DISABLED)
			d->rsc = false;
	}
	dlog(d, PVN_NETVSP_LOG_DEBUG,
	     "guest offloads: tcp4 csum %u udp4 %u tcp6 %u udp6 %u lso4 %u lso6 %u rsc %u/%u",
	     p.tcp_ip_v4_csum, p.udp_ip_v4_csum, p.tcp_ip_v6_csum, p.udp_ip_v6_csum, p.lso_v2_ipv4,
	     p.lso_v2_ipv6, p.rsc_ip_v4, p.rsc_ip_v6);
	return RNDIS_STATUS_SUCCESS;
}

static void rndis_set(struct pvn_netvsp *d, const uint8_t *body, uint32_t blen)
{
	struct rndis_set_request q;
	struct {
		struct rndis_header h;
		struct rndis_set_complete c;
	} __attribute__((packed)) r;
	uint32_t status = RNDIS_STATUS_SUCCESS;
	const uint8_t *info;

	memcpy(&q, body, sizeof(q));
	if (q.info_buflen && (q.info_buf_offset < sizeof(q) || q.info_buf_offset > blen ||
	                      q.info_buflen > blen - q.info_buf_offset)) {
		refuse(d,
		       "RNDIS SET %#x: information buffer (offset %u, %u bytes) outside the "
		       "%u-byte message",
		       q.oid, q.info_buf_offset, q.info_buflen, blen);
		status = RNDIS_STATUS_INVALID_LENGTH;
		goto out;
	}
	info = body + q.info_buf_offset; /* [info, info + info_buflen) is in body */
	switch (q.oid) {
	case RNDIS_OID_GEN_CURRENT_PACKET_FILTER:
		if (q.info_buflen < 4) {
			refuse(d, "RNDIS packet filter of %u bytes", q.info_buflen);
			status = RNDIS_STATUS_INVALID_LENGTH;
			break;
		}
		d->filter = rd32(info);
		dlog(d, PVN_NETVSP_LOG_DEBUG, "packet filter %#x", d->filter);
		break;
	case OID_TCP_OFFLOAD_PARAMETERS:
		status = set_offload_params(d, info, q.info_buflen);
		break;
	case RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER:
		status = set_config_param(d, info, q.info_buflen);
		break;
	case RNDIS_OID_802_3_MULTICAST_LIST:
		break; /* all multicast is delivered when the filter asks for it */
	default:
		/* RSS parameters included: there is one queue. */
		status = RNDIS_STATUS_NOT_SUPPORTED;
		dlog(d, PVN_NETVSP_LOG_DEBUG, "RNDIS SET of OID %#x: not supported", q.oid);
		break;
	}
out:
	r.h.type = RNDIS_MSG_SET_C;
	r.h.msg_len = sizeof(r);
	r.c.req_id = q.req_id;
	r.c.status = status;
	ctrl_send(d, &r, sizeof(r));
}

/* ---- RNDIS: one control message ---- */

static int rndis_control(struct pvn_netvsp *d, uint32_t type, const uint8_t *body, uint32_t blen)
{
	static const struct {
		uint32_t type;
		uint32_t need;
		const char *name;
	} min[] = {
	    {RNDIS_MSG_INIT, sizeof(struct rndis_init_request), "INITIALIZE"},
	    {RNDIS_MSG_HALT, sizeof(struct rndis_halt_request), "HALT"},
	    {RNDIS_MSG_QUERY, sizeof(struct rndis_query_request), "QUERY"},
	    {RNDIS_MSG_SET, sizeof(struct rndis_set_request), "SET"},
	    {RNDIS_MSG_RESET, 4, "RESET"},
	    {RNDIS_MSG_KEEPALIVE, sizeof(struct rndis_keepalive_request), "KEEPALIVE"},
	};
	size_t i;

	for (i = 0; i < sizeof(min) / sizeof(min[0]); i++)
		if (min[i].type == type)
			break;
	if (i == sizeof(min) / sizeof(min[0])) {
		refuse(d, "RNDIS message type %#x is not one a guest sends", type);
		return -EINVAL;
	}
	if (blen < min[i].need) {
		refuse(d, "RNDIS %s of %u bytes (needs %u after the header)", min[i].name, blen,
		       min[i].need);
		return -EINVAL;
	}
	d->st.control++;
	switch (type) {
	case RNDIS_MSG_INIT: {
		struct rndis_init_request q;
		struct {
			struct rndis_header h;
			struct rndis_init_complete c;
		} __attribute__((packed)) r;

		memcpy(&q, body, sizeof(q));
		memset(&r, 0, sizeof(r));
		r.h.type = RNDIS_MSG_INIT_C;
		r.h.msg_len = sizeof(r);
		r.c.req_id = q.req_id;
		r.c.major_ver = RNDIS_MAJOR_VERSION;
		r.c.minor_ver = RNDIS_MINOR_VERSION;
		if (q.major_ver != RNDIS_MAJOR_VERSION) {
			refuse(d, "RNDIS INITIALIZE asks for version %u.%u", q.major_ver,
			       q.minor_ver);
			r.c.status = RNDIS_STATUS_BAD_VERSION;
		} else {
			r.c.status = RNDIS_STATUS_SUCCESS;
			r.c.dev_flags = RNDIS_DF_CONNECTIONLESS;
			r.c.medium = RNDIS_MEDIUM_802_3;
			r.c.max_pkt_per_msg = 8;
			r.c.max_xfer_size = PVN_NETVSP_MAX_RNDIS;
			r.c.pkt_alignment_factor = 3; /* 8-byte aligned batches */
			d->rndis = RNDIS_READY;
			d->filter = 0;
		}
		ctrl_send(d, &r, sizeof(r));
		break;
	}
	case RNDIS_MSG_HALT:
		d->rndis = RNDIS_UNINIT;
		d->filter = 0;
		dlog(d, PVN_NETVSP_LOG_DEBUG, "RNDIS HALT");
		break;
	case RNDIS_MSG_QUERY:
		rndis_query(d, body, blen);
		break;
	case RNDIS_MSG_SET:
		rndis_set(d, body, blen);
		break;
	case RNDIS_MSG_RESET: {
		struct {
			struct rndis_header h;
			struct rndis_reset_complete c;
		} __attribute__((packed))
		r = {{RNDIS_MSG_RESET_C, sizeof(r)}, {RNDIS_STATUS_SUCCESS, 0}};
		ctrl_send(d, &r, sizeof(r));
		break;
	}
	case RNDIS_MSG_KEEPALIVE: {
		struct {
			struct rndis_header h;
			struct rndis_keepalive_complete c;
		} __attribute__((packed))
		r = {{RNDIS_MSG_KEEPALIVE_C, sizeof(r)}, {rd32(body), RNDIS_STATUS_SUCCESS}};
		ctrl_send(d, &r, sizeof(r));
		break;
	}
	}
	return 0;
}

/* ---- RNDIS: a data message (a frame for the backend) ---- */

static int emit_tx(void *opaque, const uint8_t *seg, size_t len)
{
	struct pvn_netvsp *d = opaque;
	int r = d->io.tx(d->io.opaque, NULL, seg, len);

	if (r)
		d->st.tx_dropped++;
	else {
		d->st.tx_frames++;
		d->st.tx_bytes += len;
	}
	return 0; /* a lost segment does not stop the others */
}

/* The per-packet information of a data message, checked. */
static int parse_ppi(struct pvn_netvsp *d, const uint8_t *body, uint32_t blen,
                     const struct rndis_packet *p, struct pvn_net_tx_req *req)
{
	uint32_t pos, end;

	memset(req, 0, sizeof(*req));
	if (!p->per_pkt_info_len)
		return 0;
	if (p->per_pkt_info_offset < sizeof(*p) || p->per_pkt_info_offset > blen ||
	    p->per_pkt_info_len > blen - p->per_pkt_info_offset) {
		refuse(d, "RNDIS per-packet info (offset %u, %u bytes) outside the %u-byte message",
		       p->per_pkt_info_offset, p->per_pkt_info_len, blen);
		return -EINVAL;
	}
	pos = p->per_pkt_info_offset;
	end = pos + p->per_pkt_info_len; /* <= blen */
	while (pos < end) {
		struct rndis_ppi ppi;
		uint32_t v;

		if (end - pos < sizeof(ppi)) {
			refuse(d, "RNDIS per-packet info: %u stray bytes at its end", end - pos);
			return -EINVAL;
		}
		memcpy(&ppi, body + pos, sizeof(ppi));
		if (ppi.size < sizeof(ppi) || ppi.size > end - pos ||
		    ppi.ppi_offset < sizeof(ppi) || ppi.ppi_offset > ppi.size) {
			refuse(d,
			       "RNDIS per-packet info of %u bytes (value at %u) overruns the %u "
			       "left",
			       ppi.size, ppi.ppi_offset, end - pos);
			return -EINVAL;
		}
		if (ppi.type & RNDIS_PPI_INTERNAL) {
			pos += ppi.size;
			continue;
		}
		if (ppi.size - ppi.ppi_offset < 4) {
			pos += ppi.size;
			continue; /* no 32-bit value: nothing we use */
		}
		v = rd32(body + pos + ppi.ppi_offset);
		switch (ppi.type & RNDIS_PPI_TYPE_MASK) {
		case PPI_TCPIP_CHKSUM:
			req->ipv4 = v & NDIS_CSUM_TX_IS_IPV4;
			req->ipv6 = v & NDIS_CSUM_TX_IS_IPV6;
			req->csum_tcp = v & NDIS_CSUM_TX_TCP;
			req->csum_udp = !req->csum_tcp && (v & NDIS_CSUM_TX_UDP);
			req->csum_ip = v & NDIS_CSUM_TX_IP_HEADER;
			if (req->csum_tcp || req->csum_udp)
				req->l4_off = (uint16_t)((v >> NDIS_CSUM_TX_L4_OFFSET_SHIFT) &
				                         NDIS_CSUM_TX_L4_OFFSET_MASK);
			break;
		case PPI_TCP_LARGESEND:
			if (!(v & NDIS_LSO2_TYPE)) {
				refuse(d, "RNDIS large send of version 1 (only v2 is offered)");
				return -EINVAL;
			}
			req->mss = v & NDIS_LSO2_MSS_MASK;
			if (!req->mss) {
				refuse(d, "RNDIS large send with an MSS of 0");
				return -EINVAL;
			}
			req->l4_off =
			    (uint16_t)((v >> NDIS_LSO2_L4_OFFSET_SHIFT) & NDIS_LSO2_L4_OFFSET_MASK);
			req->ipv6 = v & NDIS_LSO2_IPV6;
			req->ipv4 = !req->ipv6;
			break;
		case PPI_IEEE_8021Q:
			req->vlan = true;
			req->vlan_tci =
			    (uint16_t)(((v & NDIS_8021Q_PRI_MASK) << 13) |
			               ((v & NDIS_8021Q_CFI) ? 1u << 12 : 0) |
			               ((v >> NDIS_8021Q_VID_SHIFT) & NDIS_8021Q_VID_MASK));
			break;
		default:
			break; /* hash values, ...: nothing to do for them */
		}
		pos += ppi.size;
	}
	if (req->mss) {
		/* The segmentation request decides; a checksum request alongside
		 * it only repeats it. */
		req->csum_tcp = true;
		req->csum_udp = false;
	}
	return 0;
}

static int rndis_data(struct pvn_netvsp *d, const uint8_t *msg, uint32_t len)
{
	const uint8_t *body = msg + sizeof(struct rndis_header);
	uint32_t blen = len - (uint32_t)sizeof(struct rndis_header);
	struct pvn_net_tx_plan plan;
	struct pvn_net_tx_req req;
	struct rndis_packet p;
	const char *why;
	uint8_t *f;
	size_t flen;
	int r;

	if (d->rndis != RNDIS_READY) {
		refuse(d, "RNDIS data message before INITIALIZE");
		return -EINVAL;
	}
	if (blen < sizeof(p)) {
		refuse(d, "RNDIS data message of %u bytes", len);
		return -EINVAL;
	}
	memcpy(&p, body, sizeof(p));
	if (p.data_offset < sizeof(p) || p.data_offset > blen ||
	    p.data_len > blen - p.data_offset) {
		refuse(d, "RNDIS data (offset %u, %u bytes) overruns the %u-byte message",
		       p.data_offset, p.data_len, blen);
		return -EINVAL;
	}
	if (parse_ppi(d, body, blen, &p, &req))
		return -EINVAL;
	if (p.data_len < PVN_ETH_HLEN) {
		refuse(d, "a frame of %u bytes", p.data_len);
		return -EINVAL;
	}
	if (p.data_len > MAX_GUEST_FRAME) {
		refuse(d, "a frame of %u bytes (larger than any LSO the device offers)",
		       p.data_len);
		return -EINVAL;
	}
	/* The frame is in our own copy (txbuf): rewrite it in place, or in
	 * `work` when a VLAN tag has to go in. */
	f = (uint8_t *)body + p.data_offset;
	flen = p.data_len;
	if (req.vlan) {
		/* flen <= MAX_GUEST_FRAME: work has room for it and the tag. */
		pvn_net_vlan_insert(f, flen, req.vlan_tci, d->work);
		f = d->work;
		flen += PVN_VLAN_HLEN;
		if (req.l4_off)
			req.l4_off += PVN_VLAN_HLEN;
	}
	r = pvn_net_tx_prepare(f, flen, &req, d->max_frame, &plan, &why);
	if (r) {
		refuse(d, "frame of %zu bytes refused: %s", flen, why);
		d->st.tx_dropped++;
		return r;
	}
	if (d->cfg.backend_vnet) {
		struct pvn_vnet_hdr vh;

		pvn_net_tx_vnet(f, flen, &plan, &vh);
		if (plan.proto || plan.tso)
			d->st.tx_offloaded++;
		r = d->io.tx(d->io.opaque, &vh, f, flen);
		if (r)
			d->st.tx_dropped++;
		else {
			d->st.tx_frames++;
			d->st.tx_bytes += flen;
		}
		return 0;
	}
	if (plan.tso) {
		d->st.tx_segmented++;
		return pvn_net_tso_segment(f, flen, &plan, d->seg, emit_tx, d);
	}
	if (plan.proto || plan.ip_csum) {
		pvn_net_tx_csum(f, flen, &plan);
		d->st.tx_csum_sw++;
	}
	return emit_tx(d, f, flen);
}

/* The RNDIS messages of one SEND_RNDIS_PKT: NVSP_STAT_SUCCESS, or FAIL when
 * any was refused. */
static uint32_t rndis_messages(struct pvn_netvsp *d, const uint8_t *buf, uint32_t total)
{
	uint32_t off = 0, status = NVSP_STAT_SUCCESS;
	int n = 0;

	while (off < total) {
		struct rndis_header h;

		if (total - off < sizeof(h)) {
			refuse(d, "%u stray bytes after the RNDIS messages", total - off);
			return NVSP_STAT_FAIL;
		}
		memcpy(&h, buf + off, sizeof(h));
		if (h.msg_len < sizeof(h) || h.msg_len > total - off) {
			refuse(d, "RNDIS message length %u overruns the %u bytes sent (at %u)",
			       h.msg_len, total - off, off);
			return NVSP_STAT_FAIL;
		}
		if (++n > MAX_RNDIS_PER_MSG) {
			refuse(d, "more than %d RNDIS messages in one packet", MAX_RNDIS_PER_MSG);
			return NVSP_STAT_FAIL;
		}
		if (h.type == RNDIS_MSG_PACKET) {
			if (rndis_data(d, buf + off, h.msg_len))
				status = NVSP_STAT_FAIL;
		} else if (rndis_control(d, h.type, buf + off + sizeof(h),
		                         h.msg_len - (uint32_t)sizeof(h))) {
			status = NVSP_STAT_FAIL;
		}
		off += h.msg_len;
	}
	return status;
}

/* ---- NVSP ---- */

static const char *nvsp_name(uint32_t t)
{
	switch (t) {
	case NVSP_MSG_INIT:
		return "INIT";
	case NVSP_MSG1_SEND_NDIS_VER:
		return "SEND_NDIS_VER";
	case NVSP_MSG1_SEND_RECV_BUF:
		return "SEND_RECV_BUF";
	case NVSP_MSG1_REVOKE_RECV_BUF:
		return "REVOKE_RECV_BUF";
	case NVSP_MSG1_SEND_SEND_BUF:
		return "SEND_SEND_BUF";
	case NVSP_MSG1_REVOKE_SEND_BUF:
		return "REVOKE_SEND_BUF";
	case NVSP_MSG1_SEND_RNDIS_PKT:
		return "SEND_RNDIS_PKT";
	case NVSP_MSG2_SEND_NDIS_CONFIG:
		return "SEND_NDIS_CONFIG";
	case NVSP_MSG4_SWITCH_DATA_PATH:
		return "SWITCH_DATA_PATH";
	case NVSP_MSG5_SUBCHANNEL:
		return "SUBCHANNEL";
	default:
		return "?";
	}
}

static const uint32_t versions[] = {NVSP_VERSION_61, NVSP_VERSION_6, NVSP_VERSION_5,
                                    NVSP_VERSION_4,  NVSP_VERSION_2, NVSP_VERSION_1};

static void nvsp_init(struct pvn_netvsp *d, const struct pvn_netvsp_pkt *pkt,
                      const struct nvsp_msg *m)
{
	struct nvsp_msg r;

	memset(&r, 0, sizeof(r));
	r.type = NVSP_MSG_INIT_COMPLETE;
	r.u.init_complete.max_mdl_chain_len = 34;
	r.u.init_complete.status = NVSP_STAT_FAIL;
	if (d->inited) {
		refuse(d, "NVSP INIT after INIT (version %#x already negotiated): refused",
		       d->nvsp_version);
		complete(d, pkt, &r, sizeof(r), SECTION_NONE);
		return;
	}
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		if (versions[i] >= m->u.init.min_protocol_ver &&
		    versions[i] <= m->u.init.max_protocol_ver) {
			d->inited = true;
			d->nvsp_version = versions[i];
			r.u.init_complete.negotiated_protocol_ver = versions[i];
			r.u.init_complete.status = NVSP_STAT_SUCCESS;
			break;
		}
	}
	if (!d->inited)
		dlog(d, PVN_NETVSP_LOG_DEBUG, "NVSP versions %#x-%#x not served",
		     m->u.init.min_protocol_ver, m->u.init.max_protocol_ver);
	else
		dlog(d, PVN_NETVSP_LOG_DEBUG, "NVSP version %#x", d->nvsp_version);
	complete(d, pkt, &r, sizeof(r), SECTION_NONE);
}

static void recv_buf(struct pvn_netvsp *d, const struct pvn_netvsp_pkt *pkt,
                     const struct nvsp_msg *m)
{
	struct nvsp_msg r;
	uint64_t bytes;
	void *g;
	uint32_t n;
	int e;

	memset(&r, 0, sizeof(r));
	r.type = NVSP_MSG1_SEND_RECV_BUF_COMPLETE;
	r.u.recv_buf_complete.status = NVSP_STAT_FAIL;
	if (d->rbuf) {
		refuse(d, "a second receive buffer (GPADL %#x) while %#x... is in use",
		       m->u.send_buf.gpadl_handle, d->rbuf_id);
		goto out;
	}
	e = d->io.gpadl_map(d->io.opaque, m->u.send_buf.gpadl_handle, &g, &bytes);
	if (e) {
		refuse(d, "receive buffer GPADL %#x: %s", m->u.send_buf.gpadl_handle, strerror(-e));
		goto out;
	}
	n = (uint32_t)(bytes / d->sec_size > MAX_SECTIONS ? MAX_SECTIONS : bytes / d->sec_size);
	if (n < 2) {
		refuse(d, "receive buffer of %llu bytes: fewer than 2 sections of %u",
		       (unsigned long long)bytes, d->sec_size);
		d->io.gpadl_unmap(d->io.opaque, g);
		goto out;
	}
	d->sec_next = malloc(n * sizeof(*d->sec_next));
	d->free_stack = malloc(n * sizeof(*d->free_stack));
	d->sec_gen = calloc(n, sizeof(*d->sec_gen));
	d->sec_state = calloc(n, sizeof(*d->sec_state));
	d->rbuf = g;
	if (!d->sec_next || !d->free_stack || !d->sec_gen || !d->sec_state) {
		rbuf_release(d);
		dlog(d, PVN_NETVSP_LOG_ERROR, "out of memory for %u receive sections", n);
		goto out;
	}
	d->rbuf_bytes = bytes;
	d->rbuf_id = m->u.send_buf.id;
	d->nsec = n;
	for (uint32_t i = 0; i < n; i++) {
		d->sec_next[i] = SECTION_NONE;
		d->free_stack[i] = n - 1 - i; /* hand out low sections first */
	}
	d->nfree = n;
	d->batch.n = 0;
	/* The most sections one frame from the backend can need. */
	d->rx_need = d->cfg.backend_vnet ? (65536 + 256 + d->sec_payload - 1) / d->sec_payload : 1;
	if (d->rx_need > n)
		d->rx_need = n;
	r.u.recv_buf_complete.status = NVSP_STAT_SUCCESS;
	r.u.recv_buf_complete.num_sections = 1;
	r.u.recv_buf_complete.sections[0].offset = 0;
	r.u.recv_buf_complete.sections[0].sub_alloc_size = d->sec_size;
	r.u.recv_buf_complete.sections[0].num_sub_allocs = n;
	r.u.recv_buf_complete.sections[0].end_offset = n * d->sec_size;
	dlog(d, PVN_NETVSP_LOG_DEBUG, "receive buffer: %llu bytes, %u sections of %u",
	     (unsigned long long)bytes, n, d->sec_size);
out:
	complete(d, pkt, &r, sizeof(r), SECTION_NONE);
}

static void send_buf(struct pvn_netvsp *d, const struct pvn_netvsp_pkt *pkt,
                     const struct nvsp_msg *m)
{
	struct nvsp_msg r;
	uint64_t bytes, n;
	void *g;
	int e;

	memset(&r, 0, sizeof(r));
	r.type = NVSP_MSG1_SEND_SEND_BUF_COMPLETE;
	r.u.send_buf_complete.status = NVSP_STAT_FAIL;
	if (d->sbuf) {
		refuse(d, "a second send buffer (GPADL %#x)", m->u.send_buf.gpadl_handle);
		goto out;
	}
	e = d->io.gpadl_map(d->io.opaque, m->u.send_buf.gpadl_handle, &g, &bytes);
	if (e) {
		refuse(d, "send buffer GPADL %#x: %s", m->u.send_buf.gpadl_handle, strerror(-e));
		goto out;
	}
	n = bytes / PVN_NETVSP_SEND_SECTION;
	if (n > MAX_SEND_SECTIONS)
		n = MAX_SEND_SECTIONS;
	if (!n) {
		refuse(d, "send buffer of %llu bytes: smaller than one %u-byte section",
		       (unsigned long long)bytes, PVN_NETVSP_SEND_SECTION);
		d->io.gpadl_unmap(d->io.opaque, g);
		goto out;
	}
	d->ssec_busy = calloc(n, 1);
	if (!d->ssec_busy) {
		d->io.gpadl_unmap(d->io.opaque, g);
		goto out;
	}
	d->sbuf = g;
	d->sbuf_bytes = bytes;
	d->nssec = (uint32_t)n;
	r.u.send_buf_complete.status = NVSP_STAT_SUCCESS;
	r.u.send_buf_complete.section_size = PVN_NETVSP_SEND_SECTION;
out:
	complete(d, pkt, &r, sizeof(r), SECTION_NONE);
}

/* GPA direct: the ranges in the packet header, read into txbuf at *total. */
static int read_gpa(struct pvn_netvsp *d, const struct pvn_netvsp_pkt *pkt, uint32_t *total)
{
	struct vmbus_gpa_direct_header gh;
	uint32_t pos = sizeof(gh), hdr_end = pkt->data_offset;

	if (hdr_end < sizeof(gh)) {
		refuse(d, "GPA direct packet with a %u-byte header", hdr_end);
		return -EINVAL;
	}
	memcpy(&gh, pkt->buf, sizeof(gh));
	if (!gh.range_count || gh.range_count > MAX_GPA_RANGES) {
		refuse(d, "GPA direct packet with %u ranges", gh.range_count);
		return -EINVAL;
	}
	for (uint32_t i = 0; i < gh.range_count; i++) {
		struct vmbus_gpa_range gr;
		uint64_t npfn, in_page;
		uint32_t left;

		if (hdr_end - pos < sizeof(gr)) {
			refuse(d, "GPA direct range %u past the packet header", i);
			return -EINVAL;
		}
		memcpy(&gr, pkt->buf + pos, sizeof(gr));
		pos += sizeof(gr);
		if (gr.byte_offset >= 4096 || !gr.byte_count) {
			refuse(d, "GPA direct range %u: offset %u, %u bytes", i, gr.byte_offset,
			       gr.byte_count);
			return -EINVAL;
		}
		npfn = ((uint64_t)gr.byte_offset + gr.byte_count + 4095) / 4096;
		if (npfn > (hdr_end - pos) / 8) {
			refuse(d, "GPA direct range %u: %llu page numbers past the packet header",
			       i, (unsigned long long)npfn);
			return -EINVAL;
		}
		if (gr.byte_count > PVN_NETVSP_MAX_RNDIS - *total) {
			refuse(d, "GPA direct ranges carry more than %u bytes",
			       PVN_NETVSP_MAX_RNDIS);
			return -EINVAL;
		}
		/* Copy page by page: each PFN names its own guest page. */
		in_page = gr.byte_offset;
		left = gr.byte_count;
		for (uint64_t k = 0; k < npfn && left; k++) {
			uint64_t pfn;
			uint32_t chunk = (uint32_t)(4096 - in_page);
			int r;

			memcpy(&pfn, pkt->buf + pos + k * 8, 8);
			if (chunk > left)
				chunk = left;
			if (pfn >= (1ULL << 52)) {
				refuse(d, "GPA direct page number %#llx", (unsigned long long)pfn);
				return -EINVAL;
			}
			/* *total + chunk <= MAX_RNDIS (checked above): in txbuf. */
			r = d->io.mem_read(d->io.opaque, pfn * 4096 + in_page, d->txbuf + *total,
			                   chunk);
			if (r) {
				refuse(d, "GPA direct page %#llx is not guest memory: %s",
				       (unsigned long long)pfn, strerror(-r));
				return -EINVAL;
			}
			*total += chunk;
			left -= chunk;
			in_page = 0;
		}
		pos += (uint32_t)npfn * 8;
	}
	return 0;
}

static void rndis_pkt(struct pvn_netvsp *d, const struct pvn_netvsp_pkt *pkt,
                      const struct nvsp_msg *m)
{
	struct nvsp_msg r;
	uint32_t idx = m->u.rndis.send_buf_section_index, size = m->u.rndis.send_buf_section_size;
	uint32_t total = 0, ssec = SECTION_NONE;
	int e;

	memset(&r, 0, sizeof(r));
	r.type = NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE;
	r.u.rndis_complete.status = NVSP_STAT_FAIL;
	if (idx != NVSP_INVALID_SECTION) {
		if (!d->sbuf) {
			refuse(d, "send-buffer section %u without a send buffer", idx);
			goto out;
		}
		if (idx >= d->nssec) {
			refuse(d, "send-buffer section index %u out of range (%u sections)", idx,
			       d->nssec);
			goto out;
		}
		if (!size || size > PVN_NETVSP_SEND_SECTION) {
			refuse(d, "send-buffer section %u holds %u bytes (sections are %u)", idx,
			       size, PVN_NETVSP_SEND_SECTION);
			goto out;
		}
		if (d->ssec_busy[idx]) {
			refuse(d, "send-buffer section %u reused before its completion", idx);
			goto out;
		}
		/* idx < nssec and size <= section: inside the mapped buffer. */
		e = d->io.gpadl_read(d->io.opaque, d->sbuf, (uint64_t)idx * PVN_NETVSP_SEND_SECTION,
		                     d->txbuf, size);
		if (e) {
			refuse(d, "send-buffer section %u: %s", idx, strerror(-e));
			goto out;
		}
		total = size;
		ssec = idx;
		d->ssec_busy[idx] = 1;
	}
	if (pkt->type == PKT_GPA_DIRECT && read_gpa(d, pkt, &total))
		goto out;
	if (!total) {
		refuse(d, "SEND_RNDIS_PKT with no data (no section, no pages)");
		goto out;
	}
	r.u.rndis_complete.status = rndis_messages(d, d->txbuf, total);
out:
	complete(d, pkt, &r, NVSP_MSG_LEN(rndis_complete), ssec);
}

static const struct {
	uint32_t type;
	uint32_t len;
	uint32_t version; /* lowest NVSP version that has it */
} nvsp_min[] = {
    {NVSP_MSG_INIT, NVSP_MSG_LEN(init), 0},
    {NVSP_MSG1_SEND_NDIS_VER, NVSP_MSG_LEN(ndis_ver), NVSP_VERSION_1},
    {NVSP_MSG1_SEND_RECV_BUF, NVSP_MSG_LEN(send_buf), NVSP_VERSION_1},
    {NVSP_MSG1_REVOKE_RECV_BUF, NVSP_MSG_LEN(revoke), NVSP_VERSION_1},
    {NVSP_MSG1_SEND_SEND_BUF, NVSP_MSG_LEN(send_buf), NVSP_VERSION_1},
    {NVSP_MSG1_REVOKE_SEND_BUF, NVSP_MSG_LEN(revoke), NVSP_VERSION_1},
    {NVSP_MSG1_SEND_RNDIS_PKT, NVSP_MSG_LEN(rndis), NVSP_VERSION_1},
    {NVSP_MSG2_SEND_NDIS_CONFIG, NVSP_MSG_LEN(ndis_config), NVSP_VERSION_2},
    {NVSP_MSG4_SWITCH_DATA_PATH, NVSP_MSG_LEN(switch_dp), NVSP_VERSION_4},
    {NVSP_MSG5_SUBCHANNEL, NVSP_MSG_LEN(subchn_req), NVSP_VERSION_5},
};

static void nvsp_message(struct pvn_netvsp *d, const struct pvn_netvsp_pkt *pkt,
                         const uint8_t *data, uint32_t dlen)
{
	struct nvsp_msg m, r;
	size_t i;

	if (dlen < 4) {
		refuse(d, "NVSP message of %u bytes", dlen);
		return;
	}
	memset(&m, 0, sizeof(m));
	memcpy(&m, data, dlen < sizeof(m) ? dlen : sizeof(m));
	for (i = 0; i < sizeof(nvsp_min) / sizeof(nvsp_min[0]); i++)
		if (nvsp_min[i].type == m.type)
			break;
	memset(&r, 0, sizeof(r));
	r.type = m.type + 1; /* the completion of most requests is type + 1 */
	r.u.raw[0] = NVSP_STAT_FAIL;
	if (i == sizeof(nvsp_min) / sizeof(nvsp_min[0])) {
		refuse(d, "NVSP message type %u is not served", m.type);
		complete(d, pkt, &r, sizeof(r), SECTION_NONE);
		return;
	}
	if (dlen < nvsp_min[i].len) {
		refuse(d, "NVSP %s of %u bytes (needs %u)", nvsp_name(m.type), dlen,
		       nvsp_min[i].len);
		complete(d, pkt, &r, sizeof(r), SECTION_NONE);
		return;
	}
	if (m.type != NVSP_MSG_INIT && !d->inited) {
		refuse(d, "NVSP %s before INIT", nvsp_name(m.type));
		complete(d, pkt, &r, sizeof(r), SECTION_NONE);
		return;
	}
	if (m.type != NVSP_MSG_INIT && d->nvsp_version < nvsp_min[i].version) {
		refuse(d, "NVSP %s is not in the negotiated version %#x", nvsp_name(m.type),
		       d->nvsp_version);
		complete(d, pkt, &r, sizeof(r), SECTION_NONE);
		return;
	}
	if (m.type != NVSP_MSG1_SEND_RNDIS_PKT && pkt->type != PKT_INBAND) {
		refuse(d, "NVSP %s in a packet of type %u", nvsp_name(m.type), pkt->type);
		complete(d, pkt, &r, sizeof(r), SECTION_NONE);
		return;
	}
	switch (m.type) {
	case NVSP_MSG_INIT:
		nvsp_init(d, pkt, &m);
		break;
	case NVSP_MSG1_SEND_NDIS_VER:
		d->ndis_version =
		    m.u.ndis_ver.ndis_major_ver << 16 | (m.u.ndis_ver.ndis_minor_ver & 0xffff);
		dlog(d, PVN_NETVSP_LOG_DEBUG, "NDIS version %u.%u", m.u.ndis_ver.ndis_major_ver,
		     m.u.ndis_ver.ndis_minor_ver);
		break;
	case NVSP_MSG2_SEND_NDIS_CONFIG:
		d->guest_mtu =
		    m.u.ndis_config.mtu > PVN_ETH_HLEN ? m.u.ndis_config.mtu - PVN_ETH_HLEN : 0;
		if (d->guest_mtu > d->cfg.mtu)
			dlog(d, PVN_NETVSP_LOG_WARN,
			     "guest MTU %u is above the device's %u: larger frames are dropped",
			     d->guest_mtu, d->cfg.mtu);
		break;
	case NVSP_MSG1_SEND_RECV_BUF:
		recv_buf(d, pkt, &m);
		break;
	case NVSP_MSG1_SEND_SEND_BUF:
		send_buf(d, pkt, &m);
		break;
	case NVSP_MSG1_REVOKE_RECV_BUF:
		if (!d->rbuf || m.u.revoke.id != d->rbuf_id) {
			refuse(d, "REVOKE_RECV_BUF of buffer %#x, which is not in use",
			       m.u.revoke.id);
			break;
		}
		rbuf_release(d);
		break;
	case NVSP_MSG1_REVOKE_SEND_BUF:
		if (!d->sbuf || m.u.revoke.id != NVSP_SEND_BUFFER_ID) {
			refuse(d, "REVOKE_SEND_BUF of buffer %#x, which is not in use",
			       m.u.revoke.id);
			break;
		}
		sbuf_release(d);
		break;
	case NVSP_MSG1_SEND_RNDIS_PKT:
		rndis_pkt(d, pkt, &m);
		break;
	case NVSP_MSG4_SWITCH_DATA_PATH:
		/* There is no VF: the synthetic path stays. An empty completion
		 * is what the guest waits for. */
		dlog(d, PVN_NETVSP_LOG_DEBUG, "guest switches the data path to %s: stays synthetic",
		     m.u.switch_dp.active_datapath ? "VF" : "synthetic");
		complete(d, pkt, NULL, 0, SECTION_NONE);
		break;
	case NVSP_MSG5_SUBCHANNEL:
		memset(&r, 0, sizeof(r));
		r.type = NVSP_MSG5_SUBCHANNEL;
		r.u.subchn_complete.status = NVSP_STAT_SUCCESS;
		r.u.subchn_complete.num_subchannels = 0;
		dlog(d, PVN_NETVSP_LOG_INFO, "guest asked for %u subchannels: none (single queue)",
		     m.u.subchn_req.num_subchannels);
		complete(d, pkt, &r, sizeof(r), SECTION_NONE);
		break;
	}
}

/* A completion of one of our transfer-page packets. */
static void rx_completion(struct pvn_netvsp *d, const struct pvn_netvsp_pkt *pkt)
{
	const uint8_t *data = pkt->buf + pkt->data_offset;
	uint32_t dlen = pkt->len - pkt->data_offset, idx;
	uint64_t tid = pkt->trans_id;

	d->st.completions_in++;
	if (dlen < NVSP_MSG_LEN(rndis_complete) ||
	    rd32(data) != NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE) {
		refuse(d, "completion %#llx: %u bytes, NVSP type %u (want RNDIS_PKT_COMPLETE)",
		       (unsigned long long)tid, dlen, dlen >= 4 ? rd32(data) : 0);
		return;
	}
	idx = (uint32_t)tid;
	if (!d->rbuf) {
		d->st.completions_stale++; /* the buffer was revoked meanwhile */
		return;
	}
	if (!(tid & TID_RX) || idx >= d->nsec || d->sec_state[idx] != SEC_SENT ||
	    d->sec_gen[idx] != (uint16_t)(tid >> 32) || (tid >> 48 & 0x7fff)) {
		d->st.completions_stale++;
		refuse(d, "completion %#llx names no receive transfer in the guest's hands",
		       (unsigned long long)tid);
		return;
	}
	if (rd32(data + 4) != NVSP_STAT_SUCCESS)
		dlog(d, PVN_NETVSP_LOG_DEBUG, "guest completed receive %#llx with status %u",
		     (unsigned long long)tid, rd32(data + 4));
	chain_free(d, idx);
}

static void maybe_kick(struct pvn_netvsp *d)
{
	if (d->rx_wanted && pvn_netvsp_rx_ready(d)) {
		d->rx_wanted = false;
		if (d->io.rx_kick)
			d->io.rx_kick(d->io.opaque);
	}
}

int pvn_netvsp_packet(struct pvn_netvsp *d, const struct pvn_netvsp_pkt *pkt)
{
	if (pkt->data_offset > pkt->len) {
		refuse(d, "packet with its data at %u of %u bytes", pkt->data_offset, pkt->len);
		return 0;
	}
	switch (pkt->type) {
	case PKT_COMP:
		rx_completion(d, pkt);
		break;
	case PKT_INBAND:
	case PKT_GPA_DIRECT:
		nvsp_message(d, pkt, pkt->buf + pkt->data_offset, pkt->len - pkt->data_offset);
		break;
	default:
		refuse(d, "VMBus packet of type %u", pkt->type);
		break;
	}
	/* Sections freed, or a filter set: frames may flow. */
	ctrl_flush(d);
	maybe_kick(d);
	return 0;
}

bool pvn_netvsp_can_receive(const struct pvn_netvsp *d)
{
	/* Room for a batch of completions and the responses a batch of
	 * control messages brings. */
	return d->comp_n + 64 <= COMP_Q && d->ctrl_n + 8 <= CTRL_Q;
}

bool pvn_netvsp_flush(struct pvn_netvsp *d)
{
	bool done;

	if (d->pend_valid)
		xfer_send(d, &d->pend, true);
	if (!d->pend_valid)
		pvn_netvsp_rx_flush(d);
	ctrl_flush(d);
	done = comp_flush(d) && !d->pend_valid && !d->batch.n;
	maybe_kick(d);
	return done;
}

/* ---- frames from the backend ---- */

bool pvn_netvsp_rx_ready(struct pvn_netvsp *d)
{
	bool ready = d->rbuf && d->rndis == RNDIS_READY && d->filter && !d->pend_valid &&
	             !d->ctrl_n && d->nfree >= d->rx_need;

	if (!ready)
		d->rx_wanted = true;
	return ready;
}

static bool filter_pass(const struct pvn_netvsp *d, const uint8_t *dst)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

	if (d->filter & NDIS_PACKET_TYPE_PROMISCUOUS)
		return true;
	if (!memcmp(dst, bcast, 6))
		return d->filter & NDIS_PACKET_TYPE_BROADCAST;
	if (dst[0] & 1)
		return d->filter & (NDIS_PACKET_TYPE_MULTICAST | NDIS_PACKET_TYPE_ALL_MULTICAST);
	return (d->filter & NDIS_PACKET_TYPE_DIRECTED) && !memcmp(dst, d->mac, 6);
}

/* The RNDIS header of a data message with up to two PPIs. */
struct rx_prefix {
	struct rndis_header h;
	struct rndis_packet p;
	uint8_t ppi[2 * PPI_BYTES(4)];
} __attribute__((packed));

static uint32_t rx_prefix(struct rx_prefix *x, uint32_t len, uint32_t csum, bool pktid,
                          uint8_t frag_flags, uint16_t id)
{
	uint32_t ppi = 0;

	memset(x, 0, sizeof(*x));
	if (csum) {
		struct rndis_ppi pi = {PPI_BYTES(4), PPI_TCPIP_CHKSUM, sizeof(struct rndis_ppi)};
		memcpy(x->ppi, &pi, sizeof(pi));
		memcpy(x->ppi + sizeof(pi), &csum, 4);
		ppi += PPI_BYTES(4);
	}
	if (pktid) {
		struct rndis_ppi pi = {PPI_BYTES(4), RNDIS_PPI_INTERNAL | RNDIS_PPI_PKTINFO_ID,
		                       sizeof(struct rndis_ppi)};
		struct rndis_pktinfo_id v = {RNDIS_PKTINFO_ID_V1, frag_flags, id};
		memcpy(x->ppi + ppi, &pi, sizeof(pi));
		memcpy(x->ppi + ppi + sizeof(pi), &v, 4);
		ppi += PPI_BYTES(4);
	}
	x->h.type = RNDIS_MSG_PACKET;
	x->h.msg_len = RNDIS_PACKET_BYTES + ppi + len;
	x->p.data_offset = (uint32_t)sizeof(x->p) + ppi;
	x->p.data_len = len;
	x->p.per_pkt_info_offset = ppi ? (uint32_t)sizeof(x->p) : 0;
	x->p.per_pkt_info_len = ppi;
	return RNDIS_PACKET_BYTES + ppi;
}

static int rx_one(struct pvn_netvsp *d, const uint8_t *f, size_t len, uint32_t csum)
{
	struct rx_prefix x;
	uint32_t plen;
	int r;

	if (len > d->sec_payload) {
		d->st.rx_dropped++;
		return 0;
	}
	plen = rx_prefix(&x, (uint32_t)len, csum, false, 0, 0);
	r = section_put(d, &x, plen, f, (uint32_t)len);
	if (r) {
		if (r == -EFAULT)
			refuse(d, "receive buffer not writable at a section: frame dropped");
		d->st.rx_dropped++;
		return 0;
	}
	d->st.rx_frames++;
	d->st.rx_bytes += len;
	return 0;
}

static int emit_rx(void *opaque, const uint8_t *seg, size_t len)
{
	struct pvn_netvsp *d = opaque;

	return rx_one(d, seg, len, NDIS_CSUM_RX_TCP_SUCCEEDED | NDIS_CSUM_RX_IP_SUCCEEDED);
}

/* A coalesced TCP frame as RSC fragments: one section each, all in one
 * transfer-page packet, the first carrying the checksum verdict. */
static int rx_rsc(struct pvn_netvsp *d, const uint8_t *f, size_t len)
{
	uint32_t cap = d->sec_payload, n = (uint32_t)((len + cap - 1) / cap);
	uint32_t csum =
	    NDIS_CSUM_RX_TCP_SUCCEEDED | NDIS_CSUM_RX_IP_SUCCEEDED | NDIS_CSUM_RX_IP_VALUE_INVALID;
	uint16_t id = ++d->rsc_id;

	if (n > MAX_XFER_RANGES || n > d->nfree)
		return -ENOSPC;
	if (d->batch.n + n > MAX_XFER_RANGES)
		pvn_netvsp_rx_flush(d);
	if (d->batch.n + n > MAX_XFER_RANGES)
		return -ENOSPC;
	for (uint32_t i = 0; i < n; i++) {
		size_t off = (size_t)i * cap, fl = len - off < cap ? len - off : cap;
		uint8_t flags = RNDIS_PKTINFO_SUBALLOC;
		struct rx_prefix x;
		uint32_t plen;
		int r;

		if (i == 0)
			flags |= RNDIS_PKTINFO_1ST_FRAG;
		if (i == n - 1)
			flags |= RNDIS_PKTINFO_LAST_FRAG;
		plen = rx_prefix(&x, (uint32_t)fl, i == 0 ? csum : 0, true, flags, id);
		r = section_put(d, &x, plen, f + off, (uint32_t)fl);
		if (r) {
			/* The fragments already written stay in the batch; the
			 * guest drops an incomplete chain. */
			d->st.rx_dropped++;
			return 0;
		}
	}
	d->st.rx_frames++;
	d->st.rx_rsc++;
	d->st.rx_bytes += len;
	return 0;
}

int pvn_netvsp_rx_frame(struct pvn_netvsp *d, const struct pvn_vnet_hdr *vh, const uint8_t *frame,
                        size_t len)
{
	uint32_t csum = 0;

	if (!d->rbuf || d->rndis != RNDIS_READY || len < PVN_ETH_HLEN || len > 65536 + 256) {
		d->st.rx_dropped++;
		return 0;
	}
	if (!filter_pass(d, frame)) {
		d->st.rx_filtered++;
		return 0;
	}
	if (vh && vh->gso_type != PVN_VNET_GSO_NONE) {
		struct pvn_net_tx_plan plan;

		if (pvn_net_rx_gso_plan(frame, len, vh, &plan)) {
			d->st.rx_dropped++;
			return 0;
		}
		if (d->rsc && rx_rsc(d, frame, len) == 0)
			return 0;
		if (plan.hdr_len + plan.mss > d->sec_payload ||
		    plan.hdr_len + (size_t)plan.mss > d->max_frame) {
			d->st.rx_dropped++;
			return 0;
		}
		d->st.rx_segmented++;
		return pvn_net_tso_segment(frame, len, &plan, d->seg, emit_rx, d);
	}
	if (len > d->max_frame) {
		d->st.rx_dropped++;
		return 0;
	}
	if (vh && (vh->flags & PVN_VNET_F_NEEDS_CSUM)) {
		/* A partial checksum from the host stack: complete it (the
		 * guest has no way to take it partial). */
		memcpy(d->work, frame, len);
		if (pvn_net_rx_csum_complete(d->work, len, vh)) {
			d->st.rx_dropped++;
			return 0;
		}
		frame = d->work;
		csum =
		    vh->csum_offset == 16 ? NDIS_CSUM_RX_TCP_SUCCEEDED : NDIS_CSUM_RX_UDP_SUCCEEDED;
	} else if (vh && (vh->flags & PVN_VNET_F_DATA_VALID)) {
		struct pvn_net_hdrs h;

		if (!pvn_net_parse(frame, len, &h) && h.l4_hdr_len)
			csum = h.l4_proto == PVN_IPPROTO_TCP ? NDIS_CSUM_RX_TCP_SUCCEEDED
			                                     : NDIS_CSUM_RX_UDP_SUCCEEDED;
	}
	return rx_one(d, frame, len, csum);
}

/* ---- introspection ---- */

void pvn_netvsp_get_stats(const struct pvn_netvsp *d, struct pvn_netvsp_stats *out)
{
	*out = d->st;
	out->nvsp_version = d->nvsp_version;
	out->ndis_version = d->ndis_version;
	out->rndis_state = d->rndis;
	out->filter = d->filter;
	out->guest_mtu = d->guest_mtu;
	out->recv_sections = d->nsec;
	out->recv_section_size = d->sec_size;
	out->send_sections = d->nssec;
	out->link_up = d->link_up;
}

void pvn_netvsp_mac(const struct pvn_netvsp *d, uint8_t mac[6])
{
	memcpy(mac, d->mac, 6);
}
