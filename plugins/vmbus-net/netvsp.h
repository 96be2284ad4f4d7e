/* SPDX-License-Identifier: MIT */
/*
 * The synthetic NIC's device model: the host side (VSP) of NVSP and of the
 * RNDIS it carries, for one VMBus channel. Pure C: it reaches the guest and
 * the backend only through struct pvn_netvsp_io, so unit tests and fuzzers
 * drive it with fakes and the plugin (plugin.c) with the host-ops calls.
 *
 * The guest is untrusted. Every NVSP and RNDIS field is checked before use;
 * guest bytes are copied out of guest memory first and parsed from the copy.
 * A bad message is refused: its completion carries NVSP_STAT_FAIL (or the
 * RNDIS response a failure status), the reason is logged (at most
 * PVN_NETVSP_LOG_BUDGET times per channel open, then counted only), and the
 * device keeps serving. Nothing reaches the backend unless it is a frame of
 * 14 bytes up to the MTU (or a segmentation that produces only such frames).
 *
 * Flow:
 *  - guest to host: the plugin takes packets from the channel and gives each
 *    to pvn_netvsp_packet (NVSP control, RNDIS messages in a send-buffer
 *    section or in guest pages (GPA direct), completions of receive
 *    transfers). Completions to the guest are queued and written by
 *    pvn_netvsp_flush, which the plugin calls after each batch.
 *  - host to guest: frames from the backend go to pvn_netvsp_rx_frame, which
 *    writes RNDIS data messages into sections of the guest's receive buffer;
 *    pvn_netvsp_rx_flush sends them as one transfer-page packet. The guest's
 *    completion returns the sections.
 *  - when the guest's ring is full (io->send returns -EAGAIN) the device
 *    keeps what it could not send and pvn_netvsp_can_receive/rx_ready turn
 *    false until pvn_netvsp_flush has sent it (call it from the channel's
 *    writable callback). io->rx_kick tells the plugin when frames may flow
 *    again after the device had to stop them.
 *
 * Not thread-safe: the caller serialises every call on one device.
 */
#ifndef PVN_NETVSP_H
#define PVN_NETVSP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/vmbus-net/offload.h"

#define PVN_NETVSP_LOG_BUDGET 64
/* Largest MTU (jumbo frames). */
#define PVN_NETVSP_MAX_MTU 9000
#define PVN_NETVSP_MIN_MTU 68
/* Send-buffer sections the host asks the guest to use. */
#define PVN_NETVSP_SEND_SECTION 6144u
/* Largest RNDIS message (one TSO frame and its headers) the host accepts. */
#define PVN_NETVSP_MAX_RNDIS (65536u + 8192u)
/* Frames per transfer-page packet the host sends. */
#define PVN_NETVSP_RX_BATCH 64

enum pvn_netvsp_log {
	PVN_NETVSP_LOG_ERROR = 0,
	PVN_NETVSP_LOG_WARN = 1,
	PVN_NETVSP_LOG_INFO = 2,
	PVN_NETVSP_LOG_DEBUG = 3,
};

struct pvn_netvsp_io {
	void *opaque;
	/* Send one VMBus packet: hdr (a multiple of 8 bytes, may be empty)
	 * between descriptor and data. 0, -EAGAIN (ring full), or another
	 * negative errno (the channel is not usable: dropped). */
	int (*send)(void *opaque, uint16_t type, uint16_t flags, uint64_t trans_id, const void *hdr,
	            size_t hdr_len, const void *data, size_t len);
	/* Map GPADL `id` of this channel; *bytes is its length. */
	int (*gpadl_map)(void *opaque, uint32_t id, void **gpadl, uint64_t *bytes);
	int (*gpadl_read)(void *opaque, void *gpadl, uint64_t off, void *buf, size_t len);
	int (*gpadl_write)(void *opaque, void *gpadl, uint64_t off, const void *buf, size_t len);
	void (*gpadl_unmap)(void *opaque, void *gpadl);
	/* Read guest memory (GPA direct pages). -EFAULT outside guest RAM. */
	int (*mem_read)(void *opaque, uint64_t gpa, void *buf, size_t len);
	/* A frame for the backend (vh NULL when the backend takes plain frames). */
	int (*tx)(void *opaque, const struct pvn_vnet_hdr *vh, const void *frame, size_t len);
	/* Frames from the backend may flow again (sections or ring room freed). */
	void (*rx_kick)(void *opaque);
	void (*log)(void *opaque, int level, const char *msg);
};

struct pvn_netvsp_cfg {
	uint8_t mac[6];
	uint32_t mtu;            /* the largest MTU the guest may use */
	uint64_t link_speed_bps; /* reported to the guest */
	bool backend_vnet;       /* the backend takes and gives struct pvn_vnet_hdr */
	bool offloads;           /* offer checksum, LSO and RSC offloads to the guest */
	bool link_up;            /* at start */
};

/* A packet from the guest, as vmbus_recv reported it: `buf` holds what
 * follows the 16-byte descriptor (for non-inband types their header, then
 * the payload at data_offset). */
struct pvn_netvsp_pkt {
	uint16_t type, flags;
	uint64_t trans_id;
	const uint8_t *buf;
	uint32_t len;         /* bytes in buf */
	uint32_t data_offset; /* payload start in buf */
};

struct pvn_netvsp_stats {
	uint64_t tx_frames, tx_bytes, tx_dropped, tx_segmented, tx_csum_sw, tx_offloaded;
	uint64_t rx_frames, rx_bytes, rx_dropped, rx_filtered, rx_rsc, rx_segmented;
	uint64_t rx_packets; /* transfer-page packets */
	uint64_t completions_in, completions_stale, completions_out;
	uint64_t refused; /* messages refused for a protocol violation */
	uint64_t control; /* RNDIS control messages */
	uint32_t nvsp_version, ndis_version, rndis_state, filter, guest_mtu;
	uint32_t recv_sections, recv_section_size, send_sections;
	bool link_up;
};

struct pvn_netvsp;

int pvn_netvsp_create(const struct pvn_netvsp_cfg *cfg, const struct pvn_netvsp_io *io,
                      struct pvn_netvsp **out);
void pvn_netvsp_destroy(struct pvn_netvsp *d);
/* The channel closed or (re)opened: forget the guest's state, unmap its
 * buffers, drop what was queued. */
void pvn_netvsp_reset(struct pvn_netvsp *d);

/* One packet from the guest. Returns 0 (handled or refused: see the stats). */
int pvn_netvsp_packet(struct pvn_netvsp *d, const struct pvn_netvsp_pkt *pkt);
/* May the caller take another packet from the guest? False while
 * completions are waiting for room in the guest's ring. */
bool pvn_netvsp_can_receive(const struct pvn_netvsp *d);
/* Send what is queued (completions, a transfer the ring had no room for,
 * RNDIS responses waiting for a section). True when nothing is left. */
bool pvn_netvsp_flush(struct pvn_netvsp *d);

/* Can the device take a frame from the backend now (receive buffer set up,
 * RNDIS initialised with a packet filter, enough free sections for the
 * largest frame, nothing stuck)? When it says no, io->rx_kick follows once
 * it would say yes. */
bool pvn_netvsp_rx_ready(struct pvn_netvsp *d);
/* A frame from the backend (vh NULL for plain frames). Copied; 0 also when
 * dropped (filtered, malformed: counted). Batched: see rx_flush. */
int pvn_netvsp_rx_frame(struct pvn_netvsp *d, const struct pvn_vnet_hdr *vh, const uint8_t *frame,
                        size_t len);
/* Send the frames batched so far. */
void pvn_netvsp_rx_flush(struct pvn_netvsp *d);

/* The backend's link went up or down: tell the guest (RNDIS indication). */
void pvn_netvsp_set_link(struct pvn_netvsp *d, bool up);
void pvn_netvsp_get_stats(const struct pvn_netvsp *d, struct pvn_netvsp_stats *out);
/* The MAC address the guest uses now (it may set its own). */
void pvn_netvsp_mac(const struct pvn_netvsp *d, uint8_t mac[6]);

#endif
