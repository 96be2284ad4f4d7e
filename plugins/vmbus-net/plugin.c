/* SPDX-License-Identifier: MIT */
/*
 * The vmbus-net plugin: a synthetic NIC (VMBus class
 * {f8615163-df3e-46c5-913f-f2d2f965ed0e}) that Linux's hv_netvsc and
 * Windows' netvsc drive, on a host backend. Settings (all optional but the
 * backend's own):
 *   backend   = "tap" | "socket"                                      ("tap")
 *   tap       = "NAME": the TAP interface to create or attach      (tap: required unless fd)
 *   fd        = N: an open TAP (tap) or connected Unix datagram socket (socket)
 *   mac       = "02:00:00:00:00:01"           (derived from the VM name and `instance`)
 *   mtu       = 68-9000: the largest MTU; sets the TAP's MTU          (1500)
 *   offload   = true: checksum/TSO/RSC offloads through IFF_VNET_HDR   (true)
 *   link_speed_mbps = what the guest is told                            (10000)
 *   instance  = 0-255: tells several NICs of one VM apart               (0)
 *
 * Needs plugin ABI 1.3 (vmbus_send_ext for transfer-page packets).
 *
 * Threads: guest packets are handled on the VP thread that signalled
 * (packets, writable), frames from the backend and link changes on the
 * event-loop thread. One mutex serialises the device model (netvsp.c). The
 * VMBus open/close callbacks run under the VMBus server's lock, which
 * GPADL map/unmap take too, so they never take the mutex: they bump an epoch
 * and wake the loop; whoever takes the mutex next resets the device (and
 * unmaps the old channel's buffers) before doing anything else.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <paravane/plugin.h>

#include "plugins/vmbus-net/backend.h"
#include "plugins/vmbus-net/netvsp.h"
#include "plugins/vmbus-net/nvsp_protocol.h"

PVN_PLUGIN_MANIFEST("vmbus-net", "0.1.0", "");

#define RX_BUDGET   256 /* frames per loop callback before letting others run */
#define PKT_BUF_MIN 65536
#define PKT_BUF_MAX (4u << 20)

struct gpadl_map {
	struct pvn_host_gpadl *g;
	uint32_t base; /* byte offset of the buffer in its first page */
};

struct net {
	const struct pvn_host_ops *ops;
	struct pvn_host *host;
	pthread_mutex_t lock;
	struct pvn_netvsp *dev;
	struct pvn_net_backend *be;
	struct pvn_host_channel *ch;
	struct pvn_host_watch *w_rx, *w_ev, *w_kick;
	int kick_fd;
	uint32_t epoch;     /* atomic: bumped by open and close */
	uint32_t dev_epoch; /* the epoch the device state belongs to (lock) */
	bool be_gone;       /* the backend's other end closed (lock) */
	uint8_t *pkt;       /* a packet from the guest */
	size_t pkt_cap;
	uint8_t *frame; /* a frame from the backend */
	size_t frame_cap;
	uint8_t mac[6];
	unsigned mtu;
};

/* ---- the device model's view of the world ---- */

static void io_log(void *o, int level, const char *msg)
{
	struct net *n = o;
	n->ops->log(n->host, level, msg);
}

static int io_send(void *o, uint16_t type, uint16_t flags, uint64_t tid, const void *hdr,
                   size_t hdr_len, const void *data, size_t len)
{
	struct net *n = o;

	if (!hdr_len)
		return n->ops->vmbus_send(n->host, n->ch, type, flags, tid, data, len);
	return n->ops->vmbus_send_ext(n->host, n->ch, type, flags, tid, hdr, hdr_len, data, len);
}

static int io_gpadl_map(void *o, uint32_t id, void **gpadl, uint64_t *bytes)
{
	struct net *n = o;
	struct pvn_plugin_gpadl_info info = {.size = sizeof(info)};
	struct gpadl_map *m = malloc(sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	r = n->ops->vmbus_gpadl_map(n->host, n->ch, id, &m->g, &info);
	if (r) {
		free(m);
		return r;
	}
	/* The buffer starts byte_offset into its first page and runs
	 * byte_count bytes; reads and writes beyond the page list are refused
	 * by the runtime anyway. */
	m->base = info.byte_offset;
	*bytes = info.byte_count;
	if ((uint64_t)info.byte_offset + info.byte_count > (uint64_t)info.nr_pages * 4096)
		*bytes = (uint64_t)info.nr_pages * 4096 - info.byte_offset;
	*gpadl = m;
	return 0;
}

static int io_gpadl_read(void *o, void *gpadl, uint64_t off, void *buf, size_t len)
{
	struct net *n = o;
	struct gpadl_map *m = gpadl;
	return n->ops->vmbus_gpadl_read(n->host, m->g, m->base + off, buf, len);
}

static int io_gpadl_write(void *o, void *gpadl, uint64_t off, const void *buf, size_t len)
{
	struct net *n = o;
	struct gpadl_map *m = gpadl;
	return n->ops->vmbus_gpadl_write(n->host, m->g, m->base + off, buf, len);
}

static void io_gpadl_unmap(void *o, void *gpadl)
{
	struct net *n = o;
	struct gpadl_map *m = gpadl;
	n->ops->vmbus_gpadl_unmap(n->host, m->g);
	free(m);
}

static int io_mem_read(void *o, uint64_t gpa, void *buf, size_t len)
{
	struct net *n = o;
	return n->ops->mem_read(n->host, gpa, buf, len);
}

static int io_tx(void *o, const struct pvn_vnet_hdr *vh, const void *frame, size_t len)
{
	struct net *n = o;

	if (n->be_gone)
		return -ENOTCONN;
	return n->be->ops->tx(n->be, vh, frame, len);
}

static void kick(struct net *n)
{
	uint64_t one = 1;

	if (write(n->kick_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, a wake-up is pending anyway */
	}
}

static void io_rx_kick(void *o)
{
	kick(o);
}

/* ---- channel state ---- */

/* With the lock held: drop the device state of a closed channel. */
static void sync_epoch(struct net *n)
{
	uint32_t e = __atomic_load_n(&n->epoch, __ATOMIC_ACQUIRE);

	if (e != n->dev_epoch) {
		pvn_netvsp_reset(n->dev);
		n->dev_epoch = e;
	}
}

static uint32_t net_open(void *opaque, struct pvn_host_channel *ch, const uint8_t *userdata,
                         size_t len)
{
	struct net *n = opaque;

	/* Under the VMBus server's lock: no device lock here (see above). */
	__atomic_fetch_add(&n->epoch, 1, __ATOMIC_ACQ_REL);
	return 0;
}

static void net_close(void *opaque, struct pvn_host_channel *ch)
{
	struct net *n = opaque;

	__atomic_fetch_add(&n->epoch, 1, __ATOMIC_ACQ_REL);
	kick(n); /* the loop thread resets the device and unmaps the buffers */
}

/* With the lock held: take packets from the guest while the device can. */
static void drain(struct net *n)
{
	for (;;) {
		bool empty = false;

		for (int i = 0; i < 64 && pvn_netvsp_can_receive(n->dev); i++) {
			struct pvn_plugin_vmbus_pkt p = {.size = sizeof(p)};
			struct pvn_netvsp_pkt dp;
			int r = n->ops->vmbus_recv(n->host, n->ch, &p, n->pkt, n->pkt_cap);

			if (r == -EMSGSIZE && p.len <= PKT_BUF_MAX) {
				uint8_t *nb = realloc(n->pkt, p.len);
				if (nb) {
					n->pkt = nb;
					n->pkt_cap = p.len;
					i--;
					continue;
				}
			}
			if (r) {
				/* -EAGAIN: empty; -ENOTCONN, -EPROTO: closed or reset
				 * (the runtime logged why); -EMSGSIZE beyond 4 MiB
				 * cannot happen with the rings Linux makes. */
				empty = true;
				break;
			}
			dp.type = p.type;
			dp.flags = p.flags;
			dp.trans_id = p.trans_id;
			dp.buf = n->pkt;
			dp.len = p.len;
			dp.data_offset = p.data_offset;
			pvn_netvsp_packet(n->dev, &dp);
		}
		if (!pvn_netvsp_flush(n->dev) || empty)
			return; /* the writable callback resumes */
		if (!pvn_netvsp_can_receive(n->dev))
			return;
	}
}

static void net_packets(void *opaque, struct pvn_host_channel *ch)
{
	struct net *n = opaque;

	pthread_mutex_lock(&n->lock);
	sync_epoch(n);
	drain(n);
	pthread_mutex_unlock(&n->lock);
}

static void net_writable(void *opaque, struct pvn_host_channel *ch)
{
	struct net *n = opaque;

	pthread_mutex_lock(&n->lock);
	sync_epoch(n);
	if (pvn_netvsp_flush(n->dev))
		drain(n);
	pthread_mutex_unlock(&n->lock);
}

static const struct pvn_plugin_vmbus_ops net_vmbus_ops = {
    .size = sizeof(struct pvn_plugin_vmbus_ops),
    .open = net_open,
    .close = net_close,
    .packets = net_packets,
    .writable = net_writable,
};

/* ---- the backend side (event-loop thread) ---- */

static void rx_pump(struct net *n)
{
	int budget;

	for (budget = RX_BUDGET; budget > 0 && !n->be_gone; budget--) {
		struct pvn_vnet_hdr vh;
		ssize_t r;

		if (!pvn_netvsp_rx_ready(n->dev))
			break; /* the device kicks when it can take more */
		r = n->be->ops->rx(n->be, &vh, n->frame, n->frame_cap);
		if (r == -EAGAIN)
			break; /* edge-triggered: the next frame wakes us */
		if (r == -ENOTCONN) {
			pvn_plugin_log(n->ops, n->host, PVN_PLUGIN_LOG_WARN,
			               "backend %s: the other end is gone; link down",
			               n->be->ifname);
			n->be_gone = true;
			pvn_netvsp_set_link(n->dev, false);
			break;
		}
		if (r < 0)
			continue;
		pvn_netvsp_rx_frame(n->dev, n->be->vnet_hdr ? &vh : NULL, n->frame, (size_t)r);
	}
	pvn_netvsp_rx_flush(n->dev);
	pvn_netvsp_flush(n->dev);
	if (!budget)
		kick(n); /* more may be waiting: come back after the other watches */
}

static void on_rx(void *opaque, int fd, uint32_t events)
{
	struct net *n = opaque;

	pthread_mutex_lock(&n->lock);
	sync_epoch(n);
	rx_pump(n);
	pthread_mutex_unlock(&n->lock);
}

static void on_kick(void *opaque, int fd, uint32_t events)
{
	struct net *n = opaque;
	uint64_t v;

	if (read(fd, &v, sizeof(v)) < 0) {
		/* EAGAIN: someone else took it */
	}
	pthread_mutex_lock(&n->lock);
	sync_epoch(n);
	pvn_netvsp_flush(n->dev);
	rx_pump(n);
	pthread_mutex_unlock(&n->lock);
}

static void on_link(void *opaque, int fd, uint32_t events)
{
	struct net *n = opaque;
	bool up = false;

	pthread_mutex_lock(&n->lock);
	sync_epoch(n);
	if (n->be->ops->link)
		n->be->ops->link(n->be, &up);
	pvn_netvsp_set_link(n->dev, up && !n->be_gone);
	pvn_netvsp_flush(n->dev);
	pthread_mutex_unlock(&n->lock);
}

/* ---- settings ---- */

static int get_str(struct net *n, const char *key, const char **out)
{
	int r = PVN_HOST_CALL(n->ops, cfg_get_string, n->host, key, out);
	if (r == -ENOENT) {
		*out = NULL;
		return 0;
	}
	return r;
}

static int get_int(struct net *n, const char *key, int64_t *out, int64_t lo, int64_t hi,
                   const char *range)
{
	int r = PVN_HOST_CALL(n->ops, cfg_get_int, n->host, key, out);
	if (r == -ENOENT)
		return 0;
	if (r)
		return r;
	if (*out < lo || *out > hi)
		return PVN_HOST_CALL(n->ops, cfg_error, n->host, key, range);
	return 0;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned v[6];
	char end;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &end) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++) {
		if (v[i] > 255)
			return -EINVAL;
		mac[i] = (uint8_t)v[i];
	}
	return 0;
}

/* A locally administered unicast address from the VM name and instance:
 * FNV-1a, stable across runs and hosts. */
static void derive_mac(const char *vm, unsigned instance, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char s[300];

	snprintf(s, sizeof(s), "paravane-vmbus-net/%s/%u", vm, instance);
	for (const char *p = s; *p; p++) {
		h ^= (uint8_t)*p;
		h *= 0x100000001b3ULL;
	}
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * i));
	mac[0] = (uint8_t)((mac[0] & 0xfc) | 0x02);
}

/* ---- life cycle ---- */

static void net_fini(void *state)
{
	struct net *n = state;
	struct pvn_netvsp_stats st;

	if (!n)
		return;
	if (n->w_rx)
		PVN_HOST_CALL(n->ops, watch_remove, n->host, n->w_rx);
	if (n->w_ev)
		PVN_HOST_CALL(n->ops, watch_remove, n->host, n->w_ev);
	if (n->w_kick)
		PVN_HOST_CALL(n->ops, watch_remove, n->host, n->w_kick);
	if (n->dev) {
		pvn_netvsp_get_stats(n->dev, &st);
		pvn_plugin_log(n->ops, n->host, PVN_PLUGIN_LOG_INFO,
		               "guest->host %" PRIu64 " frames (%" PRIu64 " bytes, %" PRIu64
		               " dropped), host->guest %" PRIu64 " frames (%" PRIu64
		               " bytes, %" PRIu64 " dropped, %" PRIu64 " filtered), %" PRIu64
		               " messages refused",
		               st.tx_frames, st.tx_bytes, st.tx_dropped, st.rx_frames, st.rx_bytes,
		               st.rx_dropped, st.rx_filtered, st.refused);
		pvn_netvsp_destroy(n->dev);
	}
	if (n->be)
		n->be->ops->destroy(n->be);
	if (n->kick_fd >= 0)
		close(n->kick_fd);
	free(n->pkt);
	free(n->frame);
	pthread_mutex_destroy(&n->lock);
	free(n);
}

static void be_log(void *o, int level, const char *msg)
{
	struct net *n = o;
	n->ops->log(n->host, level, msg);
}

static int net_init(const struct pvn_host_ops *ops, struct pvn_host *host, void **state)
{
	struct pvn_net_backend_cfg bc = {.fd = -1, .offload = true, .mtu = 1500};
	struct pvn_netvsp_cfg dc = {
	    .mtu = 1500, .link_speed_bps = 10000000000ULL, .offloads = true};
	struct pvn_plugin_vm_info vi = {.size = sizeof(vi)};
	struct pvn_netvsp_io io;
	const char *mac = NULL, *key = "backend";
	int64_t v;
	int64_t instance = 0;
	char err[400];
	struct net *n;
	bool up = true;
	int r;

	if (!PVN_HOST_HAS(ops, log))
		return -ENOSYS;
	if (!PVN_HOST_HAS(ops, vmbus_send_ext) || !PVN_HOST_HAS(ops, vm_info)) {
		pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_ERROR,
		               "needs plugin ABI 1.3 (vmbus_send_ext for transfer-page packets); "
		               "the runtime has %u.%u",
		               ops->abi_major, ops->abi_minor);
		return -ENOSYS;
	}
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	n->ops = ops;
	n->host = host;
	n->kick_fd = -1;
	pthread_mutex_init(&n->lock, NULL);

	/* settings */
	if ((r = get_str(n, "backend", &bc.type)) || (r = get_str(n, "tap", &bc.ifname)) ||
	    (r = get_str(n, "mac", &mac)))
		goto fail;
	v = -1;
	if ((r = get_int(n, "fd", &v, 0, 65535, "must be an open file descriptor (0-65535)")))
		goto fail;
	bc.fd = (int)v;
	v = 1500;
	if ((r = get_int(n, "mtu", &v, PVN_NETVSP_MIN_MTU, PVN_NETVSP_MAX_MTU, "must be 68-9000")))
		goto fail;
	dc.mtu = bc.mtu = n->mtu = (unsigned)v;
	v = 10000;
	if ((r = get_int(n, "link_speed_mbps", &v, 1, 1000000, "must be 1-1000000")))
		goto fail;
	dc.link_speed_bps = (uint64_t)v * 1000000;
	if ((r = get_int(n, "instance", &instance, 0, 255, "must be 0-255")))
		goto fail;
	r = PVN_HOST_CALL(ops, cfg_get_bool, host, "offload", &bc.offload);
	if (r && r != -ENOENT)
		goto fail;
	if ((r = ops->vm_info(host, &vi)))
		goto fail;
	if (mac) {
		if (parse_mac(mac, n->mac) || (n->mac[0] & 1) ||
		    !memcmp(n->mac, "\0\0\0\0\0\0", 6)) {
			r = PVN_HOST_CALL(ops, cfg_error, host, "mac",
			                  "must be a unicast address like \"02:00:00:00:00:01\"");
			goto fail;
		}
	} else {
		derive_mac(vi.name, (unsigned)instance, n->mac);
	}
	memcpy(dc.mac, n->mac, 6);

	/* backend */
	bc.log = be_log;
	bc.log_opaque = n;
	r = pvn_net_backend_create(&bc, &n->be, &key, err, sizeof(err));
	if (r) {
		PVN_HOST_CALL(ops, cfg_error, host, key, err);
		goto fail;
	}
	if (n->be->ops->link)
		n->be->ops->link(n->be, &up);
	dc.backend_vnet = n->be->vnet_hdr;
	dc.offloads = true; /* checksums and LSO are done in software otherwise */
	dc.link_up = up;
	n->frame_cap = 65536 + 512;
	n->pkt_cap = PKT_BUF_MIN;
	n->frame = malloc(n->frame_cap);
	n->pkt = malloc(n->pkt_cap);
	if (!n->frame || !n->pkt) {
		r = -ENOMEM;
		goto fail;
	}

	/* the device model */
	io = (struct pvn_netvsp_io){
	    .opaque = n,
	    .send = io_send,
	    .gpadl_map = io_gpadl_map,
	    .gpadl_read = io_gpadl_read,
	    .gpadl_write = io_gpadl_write,
	    .gpadl_unmap = io_gpadl_unmap,
	    .mem_read = io_mem_read,
	    .tx = io_tx,
	    .rx_kick = io_rx_kick,
	    .log = io_log,
	};
	r = pvn_netvsp_create(&dc, &io, &n->dev);
	if (r)
		goto fail;

	/* the event loop: frames (edge-triggered: the pump reads until the
	 * TAP is empty or the device is full, and the device kicks when it
	 * has room again), link changes, kicks */
	n->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (n->kick_fd < 0) {
		r = -errno;
		goto fail;
	}
	if ((r = ops->fd_watch_add(host, n->kick_fd, EPOLLIN, on_kick, n, &n->w_kick)) ||
	    (r = ops->fd_watch_add(host, n->be->rx_fd, EPOLLIN | EPOLLET, on_rx, n, &n->w_rx)))
		goto fail;
	if (n->be->event_fd >= 0 &&
	    (r = ops->fd_watch_add(host, n->be->event_fd, EPOLLIN, on_link, n, &n->w_ev)))
		goto fail;

	/* the VMBus channel, instance {504e56ii-0000-4e45-8054-MMMMMMMMMMMM}
	 * (ii the instance setting, M the MAC): stable, and unique per NIC */
	{
		struct pvn_plugin_vmbus_offer o = {
		    .size = sizeof(o),
		    .class_id = PVN_PLUGIN_GUID(NVSP_CLASS_ID_A, NVSP_CLASS_ID_B, NVSP_CLASS_ID_C,
		                                NVSP_CLASS_ID_D, NVSP_CLASS_ID_E),
		    .instance_id = PVN_PLUGIN_GUID(0x504e5600u, 0, 0x4e45, 0x8054, 0ULL),
		    .name = "vmbus-net",
		};

		o.instance_id.b[0] = (uint8_t)instance;
		memcpy(&o.instance_id.b[10], n->mac, 6);
		r = PVN_HOST_CALL(ops, vmbus_offer, host, &o, &net_vmbus_ops, n, &n->ch);
		if (r) {
			pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_ERROR,
			               "cannot offer the network channel: %s", strerror(-r));
			goto fail;
		}
	}
	pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_INFO,
	               "NIC %02x:%02x:%02x:%02x:%02x:%02x, MTU up to %u, backend %s %s%s, link %s",
	               n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5], n->mtu,
	               n->be->ops->name, n->be->ifname,
	               n->be->vnet_hdr
	                   ? (n->be->rx_gso ? " (offloads both ways)" : " (transmit offloads)")
	                   : " (offloads in software)",
	               up ? "up" : "down");
	*state = n;
	return 0;
fail:
	net_fini(n);
	return r < 0 ? r : -EINVAL;
}

PVN_PLUGIN_EXPORT const struct pvn_plugin_descriptor pvn_plugin_descriptor = {
    PVN_PLUGIN_DESCRIPTOR_HEADER,
    .name = "vmbus-net",
    .version = "0.1.0",
    .license = "MIT",
    .init = net_init,
    .fini = net_fini,
};
