/* SPDX-License-Identifier: MIT */
/*
 * The VMBus server: channel-message state machine, GPADLs, channels. No
 * KVM here (runtime/vmbus/vmbus_hv.c binds it to runtime/hv), so unit tests
 * and fuzzers drive it through pvn_vmbus_handle_message directly.
 */
#include "runtime/vmbus/vmbus.h"
#include "runtime/core/log.h"
#include "runtime/hv/hv_protocol.h"
#include "runtime/mem/mem.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE 4096u

enum chan_state {
	CH_CLOSED,
	CH_OPEN,
	CH_BROKEN, /* the guest broke a ring: reset until it closes */
};

struct gpadl_range {
	uint32_t byte_count, byte_offset;
	uint32_t first_page, nr_pages;
};

struct gpadl {
	struct gpadl *next;
	uint32_t id, relid;
	bool complete;
	bool ring_in_use;   /* a channel's rings live in it */
	bool teardown_wait; /* TORNDOWN goes out at the last put */
	bool orphan;        /* the connection is gone; free at the last put */
	uint32_t views;     /* device views */
	/* assembly: range_buflen bytes of ranges from HEADER + BODY messages */
	uint8_t *buf;
	uint32_t buflen, have;
	uint16_t rangecount;
	/* parsed */
	uint32_t nr_ranges, nr_pages;
	struct gpadl_range *ranges;
	uint8_t **pages;
	uint64_t bytes;
};

struct pvn_vmbus_channel {
	struct pvn_vmbus *bus;
	uint32_t relid, conn_id;
	struct pvn_vmbus_offer_desc desc;
	char name[PVN_OWNER_MAX];
	const struct pvn_vmbus_channel_ops *ops;
	void *opaque;

	/* under bus->lock */
	bool offered;   /* OFFERCHANNEL sent on this connection */
	bool rescinded; /* withdrawn by the host */
	bool released;  /* relid released by the guest (or never offered) */
	struct gpadl *ring_gpadl;

	/* state is written under bus->lock + both ring locks; read under either */
	enum chan_state state;
	unsigned target_vp;
	pthread_mutex_t send_lock, recv_lock;
	struct pvn_vmbus_ring send; /* host -> guest */
	struct pvn_vmbus_ring recv; /* guest -> host */
	uint8_t **send_pages, **recv_pages;
	bool want_writable;
	uint64_t received;
};

struct pvn_vmbus {
	struct pvn_vmbus_env env;
	pthread_mutex_t lock; /* recursive: callbacks may call back in */
	bool connected;
	uint32_t version;
	unsigned msg_vp, msg_sint;
	bool offers_requested;
	struct pvn_vmbus_channel *chans[VMBUS_MAX_RELID + 1];
	uint32_t next_relid;
	struct gpadl *gpadls;
	unsigned nr_gpadls;
	struct pvn_vmbus_stats stats;
	char error[256];
};

static const uint32_t served_versions[] = {
	VMBUS_VERSION_WIN10,	 VMBUS_VERSION_WIN10_V4_1, VMBUS_VERSION_WIN10_V5,
	VMBUS_VERSION_WIN10_V5_1, VMBUS_VERSION_WIN10_V5_2, VMBUS_VERSION_WIN10_V5_3,
};

static const char *const msg_names[VMBUS_MSG__COUNT] = {
	[VMBUS_MSG_INVALID] = "INVALID",
	[VMBUS_MSG_OFFERCHANNEL] = "OFFERCHANNEL",
	[VMBUS_MSG_RESCIND_CHANNELOFFER] = "RESCIND_CHANNELOFFER",
	[VMBUS_MSG_REQUESTOFFERS] = "REQUESTOFFERS",
	[VMBUS_MSG_ALLOFFERS_DELIVERED] = "ALLOFFERS_DELIVERED",
	[VMBUS_MSG_OPENCHANNEL] = "OPENCHANNEL",
	[VMBUS_MSG_OPENCHANNEL_RESULT] = "OPENCHANNEL_RESULT",
	[VMBUS_MSG_CLOSECHANNEL] = "CLOSECHANNEL",
	[VMBUS_MSG_GPADL_HEADER] = "GPADL_HEADER",
	[VMBUS_MSG_GPADL_BODY] = "GPADL_BODY",
	[VMBUS_MSG_GPADL_CREATED] = "GPADL_CREATED",
	[VMBUS_MSG_GPADL_TEARDOWN] = "GPADL_TEARDOWN",
	[VMBUS_MSG_GPADL_TORNDOWN] = "GPADL_TORNDOWN",
	[VMBUS_MSG_RELID_RELEASED] = "RELID_RELEASED",
	[VMBUS_MSG_INITIATE_CONTACT] = "INITIATE_CONTACT",
	[VMBUS_MSG_VERSION_RESPONSE] = "VERSION_RESPONSE",
	[VMBUS_MSG_UNLOAD] = "UNLOAD",
	[VMBUS_MSG_UNLOAD_RESPONSE] = "UNLOAD_RESPONSE",
	[VMBUS_MSG_TL_CONNECT_REQUEST] = "TL_CONNECT_REQUEST",
	[VMBUS_MSG_MODIFYCHANNEL] = "MODIFYCHANNEL",
	[VMBUS_MSG_TL_CONNECT_RESULT] = "TL_CONNECT_RESULT",
	[VMBUS_MSG_MODIFYCHANNEL_RESPONSE] = "MODIFYCHANNEL_RESPONSE",
};

static const char *msg_name(uint32_t t)
{
	return t < VMBUS_MSG__COUNT && msg_names[t] ? msg_names[t] : "unknown";
}

/* Record and log why the guest's request was refused. Returns the status
 * HvPostMessage reports. */
static uint16_t __attribute__((format(printf, 2, 3))) refuse(struct pvn_vmbus *bus,
							     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(bus->error, sizeof(bus->error), fmt, ap);
	va_end(ap);
	bus->stats.bad_messages++;
	pvn_warn("vmbus: %s", bus->error);
	return HV_STATUS_INVALID_PARAMETER;
}

static void post(struct pvn_vmbus *bus, const void *msg, size_t len)
{
	const struct vmbus_msg_header *h = msg;
	int r;

	if (!bus->connected && h->msgtype != VMBUS_MSG_VERSION_RESPONSE)
		return;
	r = bus->env.post(bus->env.opaque, bus->msg_vp, bus->msg_sint, msg, len);
	if (r)
		pvn_warn("vmbus: cannot post %s to vp%u sint%u: %s", msg_name(h->msgtype),
			 bus->msg_vp, bus->msg_sint, strerror(-r));
}

static void signal_guest(struct pvn_vmbus_channel *ch)
{
	struct pvn_vmbus *bus = ch->bus;

	__atomic_fetch_add(&bus->stats.signals_out, 1, __ATOMIC_RELAXED);
	bus->env.signal(bus->env.opaque, ch->target_vp, bus->msg_sint, ch->relid);
}

/* ---- GPADLs ---- */

static void gpadl_free(struct gpadl *g)
{
	free(g->buf);
	free(g->ranges);
	free(g->pages);
	free(g);
}

static struct gpadl *gpadl_find(struct pvn_vmbus *bus, uint32_t id)
{
	for (struct gpadl *g = bus->gpadls; g; g = g->next)
		if (g->id == id)
			return g;
	return NULL;
}

static void gpadl_unlink(struct pvn_vmbus *bus, struct gpadl *g)
{
	for (struct gpadl **pp = &bus->gpadls; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			bus->nr_gpadls--;
			return;
		}
}

static void send_gpadl_created(struct pvn_vmbus *bus, uint32_t relid, uint32_t id, uint32_t st)
{
	struct vmbus_msg_gpadl_created m = {
		.header.msgtype = VMBUS_MSG_GPADL_CREATED,
		.child_relid = relid,
		.gpadl = id,
		.creation_status = st,
	};
	post(bus, &m, sizeof(m));
}

static void send_gpadl_torndown(struct pvn_vmbus *bus, uint32_t id)
{
	struct vmbus_msg_gpadl_torndown m = {
		.header.msgtype = VMBUS_MSG_GPADL_TORNDOWN,
		.gpadl = id,
	};
	post(bus, &m, sizeof(m));
}

/*
 * Turn the assembled range buffer into ranges and checked host pages.
 * Every length comes from the guest: each step checks that what it reads
 * lies inside buf[0, buflen).
 */
static int gpadl_parse(struct pvn_vmbus *bus, struct gpadl *g)
{
	uint32_t pos = 0, total_pages = 0;

	/* First pass: shape. */
	for (uint32_t i = 0; i < g->rangecount; i++) {
		struct vmbus_gpa_range rh;
		uint64_t n;

		if (g->buflen - pos < sizeof(rh)) {
			refuse(bus, "GPADL %#x: range %u header past range_buflen %u", g->id, i,
			       g->buflen);
			return -EINVAL;
		}
		memcpy(&rh, g->buf + pos, sizeof(rh));
		pos += sizeof(rh);
		if (!rh.byte_count || rh.byte_offset >= PAGE) {
			refuse(bus, "GPADL %#x: range %u has byte_count %u byte_offset %u", g->id,
			       i, rh.byte_count, rh.byte_offset);
			return -EINVAL;
		}
		n = ((uint64_t)rh.byte_offset + rh.byte_count + PAGE - 1) / PAGE;
		if (n > (g->buflen - pos) / 8) {
			refuse(bus, "GPADL %#x: range %u needs %" PRIu64 " PFNs, buffer has %u",
			       g->id, i, n, (g->buflen - pos) / 8);
			return -EINVAL;
		}
		pos += (uint32_t)n * 8;
		total_pages += (uint32_t)n;
	}
	if (pos != g->buflen) {
		refuse(bus, "GPADL %#x: %u bytes of range_buflen %u left over", g->id,
		       g->buflen - pos, g->buflen);
		return -EINVAL;
	}
	g->ranges = calloc(g->rangecount, sizeof(*g->ranges));
	g->pages = calloc(total_pages ? total_pages : 1, sizeof(*g->pages));
	if (!g->ranges || !g->pages)
		return -ENOMEM;
	/* Second pass: the PFNs. The first pass proved the offsets in bounds. */
	pos = 0;
	for (uint32_t i = 0; i < g->rangecount; i++) {
		struct vmbus_gpa_range rh;
		struct gpadl_range *gr = &g->ranges[i];

		memcpy(&rh, g->buf + pos, sizeof(rh));
		pos += sizeof(rh);
		gr->byte_count = rh.byte_count;
		gr->byte_offset = rh.byte_offset;
		gr->first_page = g->nr_pages;
		gr->nr_pages = (uint32_t)(((uint64_t)rh.byte_offset + rh.byte_count + PAGE - 1) / PAGE);
		for (uint32_t p = 0; p < gr->nr_pages; p++) {
			uint64_t pfn;
			void *hva;

			memcpy(&pfn, g->buf + pos, 8);
			pos += 8;
			hva = pfn < (1ULL << 40) ? bus->env.page_to_hva(bus->env.opaque, pfn * PAGE)
						 : NULL;
			if (!hva) {
				refuse(bus,
				       "GPADL %#x: PFN %#" PRIx64
				       " (range %u page %u) is not guest RAM the guest may use",
				       g->id, pfn, i, p);
				return -EFAULT;
			}
			g->pages[g->nr_pages++] = hva;
		}
		g->bytes += rh.byte_count;
	}
	g->nr_ranges = g->rangecount;
	free(g->buf);
	g->buf = NULL;
	g->complete = true;
	return 0;
}

static void gpadl_try_complete(struct pvn_vmbus *bus, struct gpadl *g)
{
	if (g->have < g->buflen)
		return;
	if (gpadl_parse(bus, g)) {
		bus->stats.gpadls_refused++;
		send_gpadl_created(bus, g->relid, g->id, PVN_VMBUS_STATUS_FAIL);
		gpadl_unlink(bus, g);
		gpadl_free(g);
		return;
	}
	bus->stats.gpadls_created++;
	pvn_debug("vmbus: GPADL %#x for relid %u: %u pages", g->id, g->relid, g->nr_pages);
	send_gpadl_created(bus, g->relid, g->id, 0);
}

/* ---- channels ---- */

static struct pvn_vmbus_channel *chan_by_relid(struct pvn_vmbus *bus, uint32_t relid)
{
	struct pvn_vmbus_channel *ch;

	if (relid == 0 || relid > VMBUS_MAX_RELID)
		return NULL;
	ch = bus->chans[relid];
	/* The guest knows a relid only from an offer on this connection. */
	return ch && ch->offered && !ch->released ? ch : NULL;
}

static void lock_rings(struct pvn_vmbus_channel *ch)
{
	pthread_mutex_lock(&ch->recv_lock);
	pthread_mutex_lock(&ch->send_lock);
}

static void unlock_rings(struct pvn_vmbus_channel *ch)
{
	pthread_mutex_unlock(&ch->send_lock);
	pthread_mutex_unlock(&ch->recv_lock);
}

/* Detach the rings and tell the device. bus->lock held. */
static void chan_close(struct pvn_vmbus_channel *ch, const char *why)
{
	bool was_open = ch->state != CH_CLOSED;

	if (!was_open)
		return;
	lock_rings(ch);
	ch->state = CH_CLOSED;
	ch->want_writable = false;
	free(ch->send_pages);
	free(ch->recv_pages);
	ch->send_pages = ch->recv_pages = NULL;
	memset(&ch->send, 0, sizeof(ch->send));
	memset(&ch->recv, 0, sizeof(ch->recv));
	unlock_rings(ch);
	if (ch->ring_gpadl) {
		ch->ring_gpadl->ring_in_use = false;
		ch->ring_gpadl = NULL;
	}
	pvn_debug("vmbus: channel %u (%s) closed: %s", ch->relid, ch->name, why);
	if (ch->ops->close)
		ch->ops->close(ch->opaque, ch);
}

/* A ring broke the protocol: stop serving it until the guest closes. One
 * of the ring locks is held by the caller. */
static void chan_reset_locked(struct pvn_vmbus_channel *ch, int err, const char *where)
{
	struct pvn_vmbus *bus = ch->bus;

	if (ch->state != CH_OPEN)
		return;
	__atomic_store_n(&ch->state, CH_BROKEN, __ATOMIC_RELEASE);
	__atomic_fetch_add(&bus->stats.channel_resets, 1, __ATOMIC_RELAXED);
	pvn_warn("vmbus: channel %u (%s) reset: %s ring: %s", ch->relid, ch->name, where,
		 pvn_vmbus_ring_strerror(err));
}

/* {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}: the first three fields are stored
 * little-endian, the last two as bytes (how Linux prints class_id too). */
static void guid_str(const struct vmbus_guid *g, char out[39])
{
	const uint8_t *b = g->b;
	snprintf(out, 39,
		 "{%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x}", b[3],
		 b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13],
		 b[14], b[15]);
}

static void send_offer(struct pvn_vmbus *bus, struct pvn_vmbus_channel *ch)
{
	struct vmbus_msg_offer_channel m;
	char cls[39], inst[39];

	guid_str(&ch->desc.class_id, cls);
	guid_str(&ch->desc.instance_id, inst);
	pvn_info("vmbus: offering relid %u (%s): class %s instance %s", ch->relid, ch->name, cls,
		 inst);

	memset(&m, 0, sizeof(m));
	m.header.msgtype = VMBUS_MSG_OFFERCHANNEL;
	m.offer.if_type = ch->desc.class_id;
	m.offer.if_instance = ch->desc.instance_id;
	m.offer.chn_flags = ch->desc.chn_flags;
	m.offer.mmio_megabytes = ch->desc.mmio_megabytes;
	if (ch->desc.chn_flags & VMBUS_CHANNEL_NAMED_PIPE_MODE) {
		m.offer.u.pipe.pipe_mode = ch->desc.pipe_mode;
		memcpy(m.offer.u.pipe.user_def, ch->desc.user_def,
		       VMBUS_MAX_PIPE_USER_DEFINED_BYTES);
	} else {
		memcpy(m.offer.u.user_def, ch->desc.user_def, VMBUS_MAX_USER_DEFINED_BYTES);
	}
	m.offer.sub_channel_index = ch->desc.sub_channel_index;
	m.child_relid = ch->relid;
	m.connection_id = ch->conn_id;
	ch->offered = true;
	ch->released = false;
	post(bus, &m, sizeof(m));
}

/* ---- channel messages ---- */

static uint16_t do_initiate_contact(struct pvn_vmbus *bus, uint32_t conn_id,
				    const struct vmbus_msg_initiate_contact *m)
{
	struct vmbus_msg_version_response resp = {
		.header.msgtype = VMBUS_MSG_VERSION_RESPONSE,
		.msg_conn_id = VMBUS_MESSAGE_CONNECTION_ID,
	};
	uint32_t v = m->vmbus_version_requested;
	unsigned sint = v >= VMBUS_VERSION_WIN10_V5 ? m->msg_sint : VMBUS_MESSAGE_SINT;
	bool served = false;

	if (bus->connected)
		return refuse(bus, "INITIATE_CONTACT while connected (version %#x): UNLOAD first",
			      bus->version);
	if (m->target_vcpu >= bus->env.nr_vps || sint >= HV_SINT_COUNT)
		return refuse(bus, "INITIATE_CONTACT names vp %u sint %u: no such target",
			      m->target_vcpu, sint);
	for (size_t i = 0; i < sizeof(served_versions) / sizeof(served_versions[0]); i++)
		served |= served_versions[i] == v;
	if (served && v >= VMBUS_VERSION_WIN10_V5 && conn_id != VMBUS_MESSAGE_CONNECTION_ID_4) {
		pvn_warn("vmbus: version %u.%u requested on connection id %u, not %u: refused",
			 v >> 16, v & 0xffff, conn_id, VMBUS_MESSAGE_CONNECTION_ID_4);
		served = false;
	}
	bus->msg_vp = m->target_vcpu;
	bus->msg_sint = sint;
	if (!served) {
		pvn_info("vmbus: guest asked for version %u.%u: not served", v >> 16, v & 0xffff);
		post(bus, &resp, sizeof(resp));
		return HV_STATUS_SUCCESS;
	}
	bus->connected = true;
	bus->version = v;
	bus->offers_requested = false;
	resp.version_supported = 1;
	pvn_info("vmbus: connected at version %u.%u (messages to vp%u sint%u)", v >> 16,
		 v & 0xffff, bus->msg_vp, bus->msg_sint);
	post(bus, &resp, sizeof(resp));
	return HV_STATUS_SUCCESS;
}

static uint16_t do_request_offers(struct pvn_vmbus *bus)
{
	struct vmbus_msg_header done = {.msgtype = VMBUS_MSG_ALLOFFERS_DELIVERED};

	if (bus->offers_requested)
		return refuse(bus, "REQUESTOFFERS sent twice on one connection");
	bus->offers_requested = true;
	for (uint32_t r = 1; r <= VMBUS_MAX_RELID; r++) {
		struct pvn_vmbus_channel *ch = bus->chans[r];
		if (ch && !ch->rescinded)
			send_offer(bus, ch);
	}
	post(bus, &done, sizeof(done));
	return HV_STATUS_SUCCESS;
}

static uint16_t do_gpadl_header(struct pvn_vmbus *bus, const struct vmbus_msg_gpadl_header *m,
				uint32_t len)
{
	uint32_t avail = len - (uint32_t)sizeof(*m);
	struct pvn_vmbus_channel *ch = chan_by_relid(bus, m->child_relid);
	struct gpadl *g;

	if (!ch)
		return refuse(bus, "GPADL_HEADER %#x for relid %u: no such channel offered",
			      m->gpadl, m->child_relid);
	if (gpadl_find(bus, m->gpadl))
		return refuse(bus, "GPADL_HEADER %#x: id in use", m->gpadl);
	if (!m->rangecount || m->range_buflen % 8 ||
	    m->range_buflen < m->rangecount * (sizeof(struct vmbus_gpa_range) + 8))
		return refuse(bus, "GPADL_HEADER %#x: rangecount %u with range_buflen %u",
			      m->gpadl, m->rangecount, m->range_buflen);
	if (avail % 8 || avail > m->range_buflen || !avail)
		return refuse(bus, "GPADL_HEADER %#x: %u range bytes in a message for %u",
			      m->gpadl, avail, m->range_buflen);
	if (bus->nr_gpadls >= PVN_VMBUS_MAX_GPADLS)
		return refuse(bus, "GPADL_HEADER %#x: more than %u GPADLs", m->gpadl,
			      PVN_VMBUS_MAX_GPADLS);
	g = calloc(1, sizeof(*g));
	if (!g || !(g->buf = malloc(m->range_buflen))) {
		free(g);
		return HV_STATUS_INSUFFICIENT_MEMORY;
	}
	g->id = m->gpadl;
	g->relid = m->child_relid;
	g->buflen = m->range_buflen;
	g->rangecount = m->rangecount;
	/* avail <= buflen: checked above. */
	memcpy(g->buf, m->range, avail);
	g->have = avail;
	g->next = bus->gpadls;
	bus->gpadls = g;
	bus->nr_gpadls++;
	gpadl_try_complete(bus, g);
	return HV_STATUS_SUCCESS;
}

static uint16_t do_gpadl_body(struct pvn_vmbus *bus, const struct vmbus_msg_gpadl_body *m,
			      uint32_t len)
{
	uint32_t avail = len - (uint32_t)sizeof(*m);
	struct gpadl *g = gpadl_find(bus, m->gpadl);

	if (!g || g->complete)
		return refuse(bus, "GPADL_BODY for %#x: no GPADL_HEADER in progress", m->gpadl);
	if (!avail || avail % 8 || avail > g->buflen - g->have) {
		uint16_t st = refuse(bus, "GPADL_BODY for %#x: %u bytes, %u expected at most",
				     m->gpadl, avail, g->buflen - g->have);
		bus->stats.gpadls_refused++;
		send_gpadl_created(bus, g->relid, g->id, PVN_VMBUS_STATUS_FAIL);
		gpadl_unlink(bus, g);
		gpadl_free(g);
		return st;
	}
	/* have + avail <= buflen: checked above. */
	memcpy(g->buf + g->have, m->pfn, avail);
	g->have += avail;
	gpadl_try_complete(bus, g);
	return HV_STATUS_SUCCESS;
}

static uint16_t do_gpadl_teardown(struct pvn_vmbus *bus, const struct vmbus_msg_gpadl_teardown *m)
{
	struct gpadl *g = gpadl_find(bus, m->gpadl);

	if (!g || g->relid != m->child_relid)
		return refuse(bus, "GPADL_TEARDOWN %#x for relid %u: no such GPADL", m->gpadl,
			      m->child_relid);
	if (g->ring_in_use)
		return refuse(bus, "GPADL_TEARDOWN %#x: the open channel %u has its rings there",
			      m->gpadl, g->relid);
	if (g->teardown_wait)
		return refuse(bus, "GPADL_TEARDOWN %#x: already being torn down", m->gpadl);
	if (g->views) {
		g->teardown_wait = true;
		return HV_STATUS_SUCCESS;
	}
	gpadl_unlink(bus, g);
	gpadl_free(g);
	send_gpadl_torndown(bus, m->gpadl);
	return HV_STATUS_SUCCESS;
}

static void send_open_result(struct pvn_vmbus *bus, const struct vmbus_msg_open_channel *m,
			     uint32_t status)
{
	struct vmbus_msg_open_result r = {
		.header.msgtype = VMBUS_MSG_OPENCHANNEL_RESULT,
		.child_relid = m->child_relid,
		.openid = m->openid,
		.status = status,
	};
	post(bus, &r, sizeof(r));
}

/* Is [first, first + n) of the page list one contiguous host run? */
static uint8_t *contiguous(uint8_t **pages, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		if (pages[i] != pages[0] + (size_t)i * PAGE)
			return NULL;
	return pages[0];
}

static int map_ring(struct pvn_vmbus_ring *r, uint8_t ***owned, struct gpadl *g, uint32_t first,
		    uint32_t n, bool writer)
{
	uint8_t **pages;
	int err;

	/* first + n <= g->nr_pages (caller); page first is the control page. */
	pages = malloc((n - 1) * sizeof(*pages));
	if (!pages)
		return -ENOMEM;
	memcpy(pages, &g->pages[first + 1], (n - 1) * sizeof(*pages));
	err = pvn_vmbus_ring_init(r, g->pages[first], contiguous(pages, n - 1), pages,
				  (n - 1) * PAGE, writer);
	if (err) {
		free(pages);
		return err;
	}
	*owned = pages;
	return 0;
}

static uint16_t do_open(struct pvn_vmbus *bus, const struct vmbus_msg_open_channel *m)
{
	struct pvn_vmbus_channel *ch = chan_by_relid(bus, m->child_relid);
	struct gpadl *g = gpadl_find(bus, m->ringbuffer_gpadlhandle);
	uint32_t off = m->downstream_ringbuffer_pageoffset, st;
	int err;

	if (!ch)
		return refuse(bus, "OPENCHANNEL for relid %u: no such channel offered",
			      m->child_relid);
	if (ch->rescinded || ch->state != CH_CLOSED) {
		refuse(bus, "OPENCHANNEL relid %u: channel is %s", ch->relid,
		       ch->rescinded ? "rescinded" : "already open");
		send_open_result(bus, m, PVN_VMBUS_STATUS_FAIL);
		return HV_STATUS_SUCCESS;
	}
	if (!g || !g->complete || g->relid != ch->relid || g->ring_in_use || g->teardown_wait ||
	    g->nr_ranges != 1 || g->ranges[0].byte_offset != 0 ||
	    g->ranges[0].byte_count != g->nr_pages * PAGE) {
		refuse(bus, "OPENCHANNEL relid %u: GPADL %#x is not a usable ring buffer",
		       ch->relid, m->ringbuffer_gpadlhandle);
		send_open_result(bus, m, PVN_VMBUS_STATUS_FAIL);
		return HV_STATUS_SUCCESS;
	}
	if (off < 2 || off > g->nr_pages - 2 || m->target_vp >= bus->env.nr_vps) {
		refuse(bus, "OPENCHANNEL relid %u: ring page offset %u of %u pages, target vp %u",
		       ch->relid, off, g->nr_pages, m->target_vp);
		send_open_result(bus, m, PVN_VMBUS_STATUS_FAIL);
		return HV_STATUS_SUCCESS;
	}
	lock_rings(ch);
	/* [0, off) and [off, nr_pages): both inside the GPADL, >= 2 pages each. */
	err = map_ring(&ch->recv, &ch->recv_pages, g, 0, off, false);
	if (!err) {
		err = map_ring(&ch->send, &ch->send_pages, g, off, g->nr_pages - off, true);
		if (err) {
			free(ch->recv_pages);
			ch->recv_pages = NULL;
		}
	}
	if (err) {
		unlock_rings(ch);
		refuse(bus, "OPENCHANNEL relid %u: rings refused: %s", ch->relid,
		       pvn_vmbus_ring_strerror(err));
		send_open_result(bus, m, PVN_VMBUS_STATUS_FAIL);
		return HV_STATUS_SUCCESS;
	}
	ch->target_vp = m->target_vp;
	ch->state = CH_OPEN;
	ch->want_writable = false;
	unlock_rings(ch);
	g->ring_in_use = true;
	ch->ring_gpadl = g;
	st = ch->ops->open ? ch->ops->open(ch->opaque, ch, m->userdata) : 0;
	if (st) {
		chan_close(ch, "the device refused the open");
		send_open_result(bus, m, st);
		return HV_STATUS_SUCCESS;
	}
	pvn_debug("vmbus: channel %u (%s) open, rings %u+%u pages", ch->relid, ch->name, off,
		  g->nr_pages - off);
	send_open_result(bus, m, 0);
	return HV_STATUS_SUCCESS;
}

static uint16_t do_close(struct pvn_vmbus *bus, const struct vmbus_msg_close_channel *m)
{
	struct pvn_vmbus_channel *ch = chan_by_relid(bus, m->child_relid);

	if (!ch)
		return refuse(bus, "CLOSECHANNEL for relid %u: no such channel offered",
			      m->child_relid);
	if (ch->state == CH_CLOSED) {
		pvn_debug("vmbus: CLOSECHANNEL for relid %u: not open", ch->relid);
		return HV_STATUS_SUCCESS;
	}
	chan_close(ch, "guest CLOSECHANNEL");
	return HV_STATUS_SUCCESS;
}

static uint16_t do_relid_released(struct pvn_vmbus *bus, const struct vmbus_msg_relid_released *m)
{
	struct pvn_vmbus_channel *ch = chan_by_relid(bus, m->child_relid);

	if (!ch || !ch->rescinded)
		return refuse(bus, "RELID_RELEASED for relid %u: not a rescinded channel",
			      m->child_relid);
	ch->released = true;
	return HV_STATUS_SUCCESS;
}

static uint16_t do_modify(struct pvn_vmbus *bus, const struct vmbus_msg_modify_channel *m)
{
	struct pvn_vmbus_channel *ch = chan_by_relid(bus, m->child_relid);
	struct vmbus_msg_modify_channel_response r = {
		.header.msgtype = VMBUS_MSG_MODIFYCHANNEL_RESPONSE,
		.child_relid = m->child_relid,
	};
	uint16_t st = HV_STATUS_SUCCESS;

	if (!ch || ch->state != CH_OPEN || m->target_vp >= bus->env.nr_vps) {
		st = refuse(bus, "MODIFYCHANNEL relid %u to vp %u: no open channel or no such vp",
			    m->child_relid, m->target_vp);
		r.status = PVN_VMBUS_STATUS_FAIL;
	} else {
		ch->target_vp = m->target_vp;
	}
	if (bus->version >= VMBUS_VERSION_WIN10_V5_3)
		post(bus, &r, sizeof(r));
	return st;
}

/* Drop the connection's state: channels closed, GPADLs gone. */
static void disconnect(struct pvn_vmbus *bus)
{
	struct gpadl *g, *next;

	for (uint32_t r = 1; r <= VMBUS_MAX_RELID; r++) {
		struct pvn_vmbus_channel *ch = bus->chans[r];
		if (!ch)
			continue;
		chan_close(ch, "guest UNLOAD");
		ch->offered = false;
		ch->released = ch->rescinded;
	}
	for (g = bus->gpadls; g; g = next) {
		next = g->next;
		if (g->views) {
			g->orphan = true; /* freed at its last put */
			g->next = NULL;
			continue;
		}
		gpadl_free(g);
	}
	bus->gpadls = NULL;
	bus->nr_gpadls = 0;
	bus->connected = false;
	bus->offers_requested = false;
}

static uint16_t do_unload(struct pvn_vmbus *bus)
{
	struct vmbus_msg_header resp = {.msgtype = VMBUS_MSG_UNLOAD_RESPONSE};

	post(bus, &resp, sizeof(resp));
	disconnect(bus);
	bus->version = 0;
	pvn_info("vmbus: guest unloaded");
	return HV_STATUS_SUCCESS;
}

/* Smallest size of each message the guest may send; 0: not from a guest. */
static const uint32_t guest_msg_min[VMBUS_MSG__COUNT] = {
	[VMBUS_MSG_REQUESTOFFERS] = sizeof(struct vmbus_msg_header),
	[VMBUS_MSG_OPENCHANNEL] = sizeof(struct vmbus_msg_open_channel),
	[VMBUS_MSG_CLOSECHANNEL] = sizeof(struct vmbus_msg_close_channel),
	[VMBUS_MSG_GPADL_HEADER] = sizeof(struct vmbus_msg_gpadl_header) + 8,
	[VMBUS_MSG_GPADL_BODY] = sizeof(struct vmbus_msg_gpadl_body) + 8,
	[VMBUS_MSG_GPADL_TEARDOWN] = sizeof(struct vmbus_msg_gpadl_teardown),
	[VMBUS_MSG_RELID_RELEASED] = sizeof(struct vmbus_msg_relid_released),
	[VMBUS_MSG_INITIATE_CONTACT] = sizeof(struct vmbus_msg_initiate_contact),
	[VMBUS_MSG_UNLOAD] = sizeof(struct vmbus_msg_header),
	[VMBUS_MSG_MODIFYCHANNEL] = sizeof(struct vmbus_msg_modify_channel),
};

uint16_t pvn_vmbus_handle_message(struct pvn_vmbus *bus, unsigned vp, uint32_t conn_id,
				  const void *msg, uint32_t len)
{
	/* An aligned copy: the fields are read from here, never from `msg` again. */
	union {
		uint8_t b[VMBUS_MAX_MESSAGE_SIZE];
		uint64_t align;
		struct vmbus_msg_header h;
		struct vmbus_msg_initiate_contact initiate;
		struct vmbus_msg_gpadl_header gpadl_header;
		struct vmbus_msg_gpadl_body gpadl_body;
		struct vmbus_msg_gpadl_teardown gpadl_teardown;
		struct vmbus_msg_open_channel open;
		struct vmbus_msg_close_channel close;
		struct vmbus_msg_relid_released released;
		struct vmbus_msg_modify_channel modify;
	} m;
	uint32_t type;
	uint16_t st;

	if (len < sizeof(m.h) || len > sizeof(m.b)) {
		pthread_mutex_lock(&bus->lock);
		st = refuse(bus, "vp%u: channel message of %u bytes", vp, len);
		pthread_mutex_unlock(&bus->lock);
		return st;
	}
	memset(&m, 0, sizeof(m));
	memcpy(m.b, msg, len);
	type = m.h.msgtype;

	pthread_mutex_lock(&bus->lock);
	bus->stats.messages++;
	if (type >= VMBUS_MSG__COUNT || !guest_msg_min[type]) {
		st = refuse(bus, "vp%u: message type %u (%s) is not one a guest sends", vp, type,
			    msg_name(type));
		goto out;
	}
	if (len < guest_msg_min[type]) {
		st = refuse(bus, "vp%u: %s of %u bytes, needs %u", vp, msg_name(type), len,
			    guest_msg_min[type]);
		goto out;
	}
	if (conn_id == VMBUS_MESSAGE_CONNECTION_ID_4 && type != VMBUS_MSG_INITIATE_CONTACT) {
		st = refuse(bus, "vp%u: %s on connection id 4 (only INITIATE_CONTACT goes there)",
			    vp, msg_name(type));
		goto out;
	}
	if (type == VMBUS_MSG_INITIATE_CONTACT) {
		st = do_initiate_contact(bus, conn_id, &m.initiate);
		goto out;
	}
	if (!bus->connected) {
		st = refuse(bus, "vp%u: %s before INITIATE_CONTACT", vp, msg_name(type));
		goto out;
	}
	switch (type) {
	case VMBUS_MSG_REQUESTOFFERS:
		st = do_request_offers(bus);
		break;
	case VMBUS_MSG_GPADL_HEADER:
		st = do_gpadl_header(bus, &m.gpadl_header, len);
		break;
	case VMBUS_MSG_GPADL_BODY:
		st = do_gpadl_body(bus, &m.gpadl_body, len);
		break;
	case VMBUS_MSG_GPADL_TEARDOWN:
		st = do_gpadl_teardown(bus, &m.gpadl_teardown);
		break;
	case VMBUS_MSG_OPENCHANNEL:
		st = do_open(bus, &m.open);
		break;
	case VMBUS_MSG_CLOSECHANNEL:
		st = do_close(bus, &m.close);
		break;
	case VMBUS_MSG_RELID_RELEASED:
		st = do_relid_released(bus, &m.released);
		break;
	case VMBUS_MSG_MODIFYCHANNEL:
		st = do_modify(bus, &m.modify);
		break;
	case VMBUS_MSG_UNLOAD:
		st = do_unload(bus);
		break;
	default:
		st = refuse(bus, "vp%u: %s not handled", vp, msg_name(type));
		break;
	}
out:
	pthread_mutex_unlock(&bus->lock);
	return st;
}

/* ---- signals and packets ---- */

static void run_callbacks(struct pvn_vmbus_channel *ch)
{
	bool writable = false;
	uint32_t free_bytes;

	pthread_mutex_lock(&ch->send_lock);
	if (ch->state == CH_OPEN && ch->want_writable && ch->ops->writable) {
		int r = pvn_vmbus_ring_free_bytes(&ch->send, &free_bytes);
		if (r)
			chan_reset_locked(ch, r, "host->guest");
		else if (free_bytes > __atomic_load_n(&ch->send.ctl->pending_send_sz,
						      __ATOMIC_ACQUIRE)) {
			ch->want_writable = false;
			writable = true;
		}
	}
	pthread_mutex_unlock(&ch->send_lock);
	if (writable)
		ch->ops->writable(ch->opaque, ch);

	/* Packets: mask the guest's signals while the device drains; after
	 * unmasking, look again (the guest did not signal what it wrote while
	 * masked). Stop when the device stops consuming (it paused). */
	for (int round = 0; round < 64; round++) {
		uint64_t before;
		bool more;

		pthread_mutex_lock(&ch->recv_lock);
		if (ch->state != CH_OPEN) {
			pthread_mutex_unlock(&ch->recv_lock);
			return;
		}
		before = ch->received;
		pvn_vmbus_ring_set_interrupt_mask(&ch->recv, true);
		pthread_mutex_unlock(&ch->recv_lock);

		if (ch->ops->packets)
			ch->ops->packets(ch->opaque, ch);

		pthread_mutex_lock(&ch->recv_lock);
		if (ch->state != CH_OPEN) {
			pthread_mutex_unlock(&ch->recv_lock);
			return;
		}
		pvn_vmbus_ring_set_interrupt_mask(&ch->recv, false);
		more = pvn_vmbus_ring_has_data(&ch->recv) && ch->received != before;
		pthread_mutex_unlock(&ch->recv_lock);
		if (!more)
			return;
	}
}

uint16_t pvn_vmbus_handle_event(struct pvn_vmbus *bus, unsigned vp, uint32_t conn_id)
{
	struct pvn_vmbus_channel *ch = NULL;
	uint32_t relid = conn_id - PVN_VMBUS_CONN_ID_BASE;

	__atomic_fetch_add(&bus->stats.signals_in, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&bus->lock);
	if (conn_id > PVN_VMBUS_CONN_ID_BASE && relid <= VMBUS_MAX_RELID)
		ch = bus->chans[relid];
	pthread_mutex_unlock(&bus->lock);
	if (!ch)
		return HV_STATUS_INVALID_CONNECTION_ID;
	/* Channel objects live until pvn_vmbus_destroy; the state is checked
	 * under the ring locks. */
	run_callbacks(ch);
	return HV_STATUS_SUCCESS;
}

void pvn_vmbus_channel_kick(struct pvn_vmbus_channel *ch)
{
	run_callbacks(ch);
}

int pvn_vmbus_send_ext(struct pvn_vmbus_channel *ch, uint16_t type, uint16_t flags,
		       uint64_t trans_id, const void *ext, size_t ext_len, const void *data,
		       size_t len)
{
	bool signal = false;
	int r;

	pthread_mutex_lock(&ch->send_lock);
	if (ch->state != CH_OPEN) {
		r = ch->state == CH_BROKEN ? -EPROTO : -ENOTCONN;
		goto out;
	}
	r = pvn_vmbus_ring_write(&ch->send, type, flags, trans_id, ext, ext_len, data, len, true,
				 &signal);
	if (r == -EAGAIN)
		ch->want_writable = true;
	else if (pvn_vmbus_ring_is_violation(r)) {
		chan_reset_locked(ch, r, "host->guest");
		r = -EPROTO;
	} else if (!r)
		__atomic_fetch_add(&ch->bus->stats.packets_out, 1, __ATOMIC_RELAXED);
out:
	pthread_mutex_unlock(&ch->send_lock);
	if (signal)
		signal_guest(ch);
	return r;
}

int pvn_vmbus_send(struct pvn_vmbus_channel *ch, uint16_t type, uint16_t flags,
		   uint64_t trans_id, const void *data, size_t len)
{
	return pvn_vmbus_send_ext(ch, type, flags, trans_id, NULL, 0, data, len);
}

int pvn_vmbus_recv(struct pvn_vmbus_channel *ch, struct pvn_vmbus_pkt *pkt, void *buf,
		   size_t cap)
{
	bool signal = false;
	int r;

	pthread_mutex_lock(&ch->recv_lock);
	if (ch->state != CH_OPEN) {
		r = ch->state == CH_BROKEN ? -EPROTO : -ENOTCONN;
		goto out;
	}
	r = pvn_vmbus_ring_peek(&ch->recv, pkt);
	if (r == -EAGAIN)
		goto out;
	if (r) {
		chan_reset_locked(ch, r, "guest->host");
		r = -EPROTO;
		goto out;
	}
	if (cap < pkt->len) {
		r = -EMSGSIZE;
		goto out;
	}
	/* pkt->len <= cap: the copy fits buf. */
	r = pvn_vmbus_ring_copy(&ch->recv, pkt, 0, buf, pkt->len);
	if (!r)
		r = pvn_vmbus_ring_consume(&ch->recv, pkt, &signal);
	if (!r) {
		ch->received++;
		__atomic_fetch_add(&ch->bus->stats.packets_in, 1, __ATOMIC_RELAXED);
	}
out:
	pthread_mutex_unlock(&ch->recv_lock);
	if (signal)
		signal_guest(ch);
	return r;
}

/* ---- offers ---- */

int pvn_vmbus_offer(struct pvn_vmbus *bus, const struct pvn_vmbus_offer_desc *d,
		    const struct pvn_vmbus_channel_ops *ops, void *opaque,
		    struct pvn_vmbus_channel **out)
{
	struct pvn_vmbus_channel *ch;
	int r;

	if (!d || !ops)
		return -EINVAL;
	pthread_mutex_lock(&bus->lock);
	if (bus->next_relid > VMBUS_MAX_RELID) {
		pthread_mutex_unlock(&bus->lock);
		return -ENOSPC;
	}
	ch = calloc(1, sizeof(*ch));
	if (!ch) {
		pthread_mutex_unlock(&bus->lock);
		return -ENOMEM;
	}
	ch->bus = bus;
	ch->relid = bus->next_relid;
	ch->conn_id = PVN_VMBUS_CONN_ID_BASE + ch->relid;
	ch->desc = *d;
	snprintf(ch->name, sizeof(ch->name), "%s", d->name ? d->name : "vmbus-device");
	ch->desc.name = ch->name;
	ch->ops = ops;
	ch->opaque = opaque;
	ch->released = true;
	pthread_mutex_init(&ch->send_lock, NULL);
	pthread_mutex_init(&ch->recv_lock, NULL);
	r = bus->env.add_event_port ? bus->env.add_event_port(bus->env.opaque, bus, ch->conn_id)
				    : 0;
	if (r) {
		pthread_mutex_unlock(&bus->lock);
		pthread_mutex_destroy(&ch->send_lock);
		pthread_mutex_destroy(&ch->recv_lock);
		free(ch);
		return r;
	}
	bus->next_relid++;
	bus->chans[ch->relid] = ch;
	if (bus->connected && bus->offers_requested)
		send_offer(bus, ch);
	pthread_mutex_unlock(&bus->lock);
	*out = ch;
	return 0;
}

int pvn_vmbus_rescind(struct pvn_vmbus_channel *ch)
{
	struct pvn_vmbus *bus = ch->bus;
	struct vmbus_msg_rescind_offer m = {
		.header.msgtype = VMBUS_MSG_RESCIND_CHANNELOFFER,
		.child_relid = ch->relid,
	};

	pthread_mutex_lock(&bus->lock);
	if (ch->rescinded) {
		pthread_mutex_unlock(&bus->lock);
		return -EALREADY;
	}
	ch->rescinded = true;
	chan_close(ch, "rescinded by the host");
	if (bus->env.del_event_port)
		bus->env.del_event_port(bus->env.opaque, ch->conn_id);
	if (ch->offered && !ch->released && bus->connected)
		post(bus, &m, sizeof(m));
	else
		ch->released = true;
	pthread_mutex_unlock(&bus->lock);
	return 0;
}

uint32_t pvn_vmbus_channel_relid(const struct pvn_vmbus_channel *ch)
{
	return ch->relid;
}

bool pvn_vmbus_channel_is_open(const struct pvn_vmbus_channel *ch)
{
	return __atomic_load_n(&ch->state, __ATOMIC_ACQUIRE) == CH_OPEN;
}

/* ---- device GPADL views ---- */

int pvn_vmbus_gpadl_get(struct pvn_vmbus_channel *ch, uint32_t id, struct pvn_vmbus_gpadl_view *v)
{
	struct pvn_vmbus *bus = ch->bus;
	struct gpadl *g;
	int r = 0;

	pthread_mutex_lock(&bus->lock);
	g = gpadl_find(bus, id);
	if (!g || !g->complete || g->relid != ch->relid || g->teardown_wait || g->orphan) {
		r = -ENOENT;
	} else {
		g->views++;
		v->id = id;
		v->nr_pages = g->nr_pages;
		v->pages = g->pages;
		v->byte_offset = g->ranges[0].byte_offset;
		v->byte_count = g->bytes > UINT32_MAX ? UINT32_MAX : (uint32_t)g->bytes;
		v->priv = g;
	}
	pthread_mutex_unlock(&bus->lock);
	return r;
}

void pvn_vmbus_gpadl_put(struct pvn_vmbus_channel *ch, struct pvn_vmbus_gpadl_view *v)
{
	struct pvn_vmbus *bus = ch->bus;
	struct gpadl *g = v->priv;

	if (!g)
		return;
	pthread_mutex_lock(&bus->lock);
	if (--g->views == 0) {
		if (g->orphan) {
			gpadl_free(g);
		} else if (g->teardown_wait) {
			uint32_t id = g->id;
			gpadl_unlink(bus, g);
			gpadl_free(g);
			send_gpadl_torndown(bus, id);
		}
	}
	pthread_mutex_unlock(&bus->lock);
	memset(v, 0, sizeof(*v));
}

static int gpadl_io(const struct pvn_vmbus_gpadl_view *v, uint64_t off, void *buf, size_t len,
		    bool write)
{
	uint64_t total = (uint64_t)v->nr_pages * PAGE;
	uint8_t *b = buf;

	/* The view covers nr_pages whole pages, each a checked guest page. */
	if (off > total || len > total - off)
		return -EFAULT;
	while (len) {
		uint32_t in_page = (uint32_t)(off % PAGE);
		size_t chunk = PAGE - in_page;
		uint8_t *p = v->pages[off / PAGE] + in_page;

		if (chunk > len)
			chunk = len;
		if (write)
			memcpy(p, b, chunk);
		else
			memcpy(b, p, chunk);
		b += chunk;
		off += chunk;
		len -= chunk;
	}
	return 0;
}

int pvn_vmbus_gpadl_read(const struct pvn_vmbus_gpadl_view *v, uint64_t off, void *buf,
			 size_t len)
{
	return gpadl_io(v, off, buf, len, false);
}

int pvn_vmbus_gpadl_write(const struct pvn_vmbus_gpadl_view *v, uint64_t off, const void *buf,
			  size_t len)
{
	return gpadl_io(v, off, (void *)buf, len, true);
}

/* ---- lifecycle ---- */

int pvn_vmbus_create_env(const struct pvn_vmbus_env *env, struct pvn_vmbus **out)
{
	struct pvn_vmbus *bus;
	pthread_mutexattr_t a;

	if (!env || !env->post || !env->signal || !env->page_to_hva || !env->nr_vps)
		return -EINVAL;
	bus = calloc(1, sizeof(*bus));
	if (!bus)
		return -ENOMEM;
	bus->env = *env;
	bus->next_relid = 1;
	bus->msg_sint = VMBUS_MESSAGE_SINT;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&bus->lock, &a);
	pthread_mutexattr_destroy(&a);
	*out = bus;
	return 0;
}

void pvn_vmbus_destroy(struct pvn_vmbus *bus)
{
	struct gpadl *g, *next;

	if (!bus)
		return;
	for (uint32_t r = 1; r <= VMBUS_MAX_RELID; r++) {
		struct pvn_vmbus_channel *ch = bus->chans[r];
		if (!ch)
			continue;
		free(ch->send_pages);
		free(ch->recv_pages);
		if (bus->env.del_event_port && !ch->rescinded)
			bus->env.del_event_port(bus->env.opaque, ch->conn_id);
		pthread_mutex_destroy(&ch->send_lock);
		pthread_mutex_destroy(&ch->recv_lock);
		free(ch);
	}
	for (g = bus->gpadls; g; g = next) {
		next = g->next;
		gpadl_free(g);
	}
	pthread_mutex_destroy(&bus->lock);
	if (bus->env.fini)
		bus->env.fini(bus->env.opaque);
	free(bus);
}

void pvn_vmbus_get_stats(struct pvn_vmbus *bus, struct pvn_vmbus_stats *out)
{
	pthread_mutex_lock(&bus->lock);
	*out = bus->stats;
	out->version = bus->connected ? bus->version : 0;
	pthread_mutex_unlock(&bus->lock);
}

void pvn_vmbus_last_error(struct pvn_vmbus *bus, char *buf, size_t n)
{
	pthread_mutex_lock(&bus->lock);
	snprintf(buf, n, "%s", bus->error);
	pthread_mutex_unlock(&bus->lock);
}
