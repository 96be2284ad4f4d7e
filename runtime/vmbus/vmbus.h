/* SPDX-License-Identifier: MIT */
/*
 * The VMBus server: the host side of the guest's VMBus connection.
 *
 *  - Channel messages arrive as HvPostMessage on connection id 1 (and 4 for
 *    INITIATE_CONTACT at version 5.0 and later); replies go out as SynIC
 *    messages to the VP and SINT the guest named when it connected.
 *  - Served versions: 4.0, 4.1, 5.0, 5.1, 5.2, 5.3. Any other request gets
 *    VERSION_RESPONSE with version_supported = 0 (the guest tries lower).
 *    VERSION_RESPONSE.msg_conn_id is 1: after connecting, every message
 *    comes on connection id 1.
 *  - Each channel gets a relid (1..2047, also its event flag number) and its
 *    own connection id (PVN_VMBUS_CONN_ID_BASE + relid), told to the guest
 *    in the offer: the guest signals the host with HvSignalEvent on it, the
 *    host signals the guest by setting flag `relid` in the SIEFP slot of the
 *    message SINT on the VP the guest named in OPENCHANNEL.
 *  - GPADLs: assembled from GPADL_HEADER + GPADL_BODY messages, every PFN
 *    checked against the memory map (guest RAM that VTL0 may access; never
 *    VTL2-private memory). Pages need not be contiguous on the host: rings
 *    and device views work on a page list, with a fast path when the pages
 *    happen to be one contiguous host run.
 *  - The guest is untrusted: a malformed or out-of-order message is refused
 *    with a logged reason (HvPostMessage returns HV_STATUS_INVALID_PARAMETER,
 *    or the reply carries a failure status); a ring that breaks the protocol
 *    resets that channel (logged); everything else keeps running.
 *
 * Threading: guest messages and signals are handled on the VP thread that
 * made the hypercall. Device callbacks (struct pvn_vmbus_channel_ops) run on
 * that VP thread too — see each callback. pvn_vmbus_send/recv may be called
 * from any thread; a device locks its own state where it is touched from
 * several threads.
 */
#ifndef PVN_VMBUS_H
#define PVN_VMBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/vmbus/ring.h"
#include "runtime/vmbus/vmbus_protocol.h"

struct pvn_vm;
struct pvn_hv;
struct pvn_vmbus;
struct pvn_vmbus_channel;

#define PVN_VMBUS_CONN_ID_BASE 0x10000
/* Limits on what one guest connection may ask the host to hold. */
#define PVN_VMBUS_MAX_GPADLS 4096
/* A status the host puts in OPENCHANNEL_RESULT / GPADL_CREATED on refusal
 * (NTSTATUS STATUS_UNSUCCESSFUL). */
#define PVN_VMBUS_STATUS_FAIL 0xC0000001u

/* ---- what the server needs from below (runtime/hv, the memory map) ---- */
struct pvn_vmbus_env {
	void *opaque;
	unsigned nr_vps;
	/* Post a channel message to (vp, sint). */
	int (*post)(void *opaque, unsigned vp, unsigned sint, const void *msg, size_t len);
	/* Set event flag `flag` for (vp, sint). */
	int (*signal)(void *opaque, unsigned vp, unsigned sint, unsigned flag);
	/* Host address of the 4 KiB guest page at gpa, or NULL when it is not
	 * guest RAM that VTL0 may access. */
	void *(*page_to_hva)(void *opaque, uint64_t gpa);
	/* Route HvSignalEvent on conn_id to pvn_vmbus_handle_event. */
	int (*add_event_port)(void *opaque, struct pvn_vmbus *bus, uint32_t conn_id);
	void (*del_event_port)(void *opaque, uint32_t conn_id);
	/* Called last by pvn_vmbus_destroy (unregister, free opaque). May be NULL. */
	void (*fini)(void *opaque);
};

/* Create on KVM: registers message connection ids 1 and 4 and per-channel
 * event ports with runtime/hv. Call after pvn_hv_create, before the VM runs. */
int pvn_vmbus_create(struct pvn_vm *vm, struct pvn_hv *hv, struct pvn_vmbus **out);
/* Create over any environment (unit tests, fuzzers). */
int pvn_vmbus_create_env(const struct pvn_vmbus_env *env, struct pvn_vmbus **out);
/* Rescinds nothing, tells no one: frees everything (the VM is stopped). */
void pvn_vmbus_destroy(struct pvn_vmbus *bus);

/* Entry points from runtime/hv (public for tests and fuzzers). They return a
 * Hyper-V status (HV_STATUS_*). */
uint16_t pvn_vmbus_handle_message(struct pvn_vmbus *bus, unsigned vp, uint32_t conn_id,
				  const void *msg, uint32_t len);
uint16_t pvn_vmbus_handle_event(struct pvn_vmbus *bus, unsigned vp, uint32_t conn_id);

/* ---- the channel API for devices ---- */
struct pvn_vmbus_offer_desc {
	struct vmbus_guid class_id;    /* interface type */
	struct vmbus_guid instance_id; /* unique per device */
	uint16_t mmio_megabytes;
	uint16_t chn_flags;            /* VMBUS_CHANNEL_* for the offer */
	uint32_t pipe_mode;            /* with VMBUS_CHANNEL_NAMED_PIPE_MODE */
	uint8_t user_def[VMBUS_MAX_USER_DEFINED_BYTES];
	uint16_t sub_channel_index;
	const char *name;              /* for logs; copied */
};

struct pvn_vmbus_channel_ops {
	/* The guest opened the channel (rings mapped). Return 0 to accept, or a
	 * non-zero status for OPENCHANNEL_RESULT. VP thread; may send. */
	uint32_t (*open)(void *opaque, struct pvn_vmbus_channel *ch, const uint8_t *userdata);
	/* The channel closed (guest CLOSECHANNEL, UNLOAD, or host rescind).
	 * Drop any GPADL views. VP thread, or the rescinding thread. */
	void (*close)(void *opaque, struct pvn_vmbus_channel *ch);
	/* The guest signalled: packets may be waiting. Read with pvn_vmbus_recv.
	 * VP thread that signalled (or pvn_vmbus_channel_kick's caller). */
	void (*packets)(void *opaque, struct pvn_vmbus_channel *ch);
	/* After pvn_vmbus_send returned -EAGAIN: the guest freed enough room.
	 * VP thread that signalled. May be NULL. */
	void (*writable)(void *opaque, struct pvn_vmbus_channel *ch);
};

/* Offer a channel (sent at once if the guest has asked for offers). */
__attribute__((warn_unused_result)) int pvn_vmbus_offer(struct pvn_vmbus *bus,
							 const struct pvn_vmbus_offer_desc *d,
							 const struct pvn_vmbus_channel_ops *ops,
							 void *opaque,
							 struct pvn_vmbus_channel **out);
/* Withdraw a channel: closes it (close callback), tells the guest. The
 * channel object stays valid (and inert) until pvn_vmbus_destroy. */
int pvn_vmbus_rescind(struct pvn_vmbus_channel *ch);

/*
 * Send one in-band packet to the guest. -EAGAIN when the ring is full (the
 * writable callback follows when the guest frees room), -ENOTCONN when not
 * open, -EMSGSIZE when it can never fit, -EPROTO after a reset. Any thread.
 */
int pvn_vmbus_send(struct pvn_vmbus_channel *ch, uint16_t type, uint16_t flags,
		   uint64_t trans_id, const void *data, size_t len);
/* The same with `ext` (ext_len, a multiple of 8) between the descriptor and
 * the data, for non-inband packet types. */
int pvn_vmbus_send_ext(struct pvn_vmbus_channel *ch, uint16_t type, uint16_t flags,
		       uint64_t trans_id, const void *ext, size_t ext_len, const void *data,
		       size_t len);
/*
 * Receive (and consume) the next packet: the whole packet, descriptor
 * included, is copied to buf (pkt->len bytes; the payload starts at
 * pkt->offset). -EAGAIN when empty, -EMSGSIZE when cap < pkt->len (not
 * consumed; pkt says how big), -ENOTCONN, -EPROTO when the guest broke the
 * ring (the channel is reset, logged). Any thread.
 */
int pvn_vmbus_recv(struct pvn_vmbus_channel *ch, struct pvn_vmbus_pkt *pkt, void *buf,
		   size_t cap);
/* Run the packets/writable callbacks now, as if the guest had signalled
 * (a device that paused reading resumes with this). Calling thread. */
void pvn_vmbus_channel_kick(struct pvn_vmbus_channel *ch);

uint32_t pvn_vmbus_channel_relid(const struct pvn_vmbus_channel *ch);
bool pvn_vmbus_channel_is_open(const struct pvn_vmbus_channel *ch);

/* A device's view of a GPADL the guest created for its channel. */
struct pvn_vmbus_gpadl_view {
	uint32_t id;
	uint32_t nr_pages;
	uint8_t *const *pages; /* host addresses of the pages, checked */
	uint32_t byte_offset;  /* of the first range */
	uint32_t byte_count;   /* sum over ranges */
	void *priv;
};
/* Look up GPADL `id` of this channel (complete, not being torn down). Held
 * until put; a teardown meanwhile is answered when the last view is put. */
int pvn_vmbus_gpadl_get(struct pvn_vmbus_channel *ch, uint32_t id,
			struct pvn_vmbus_gpadl_view *v);
void pvn_vmbus_gpadl_put(struct pvn_vmbus_channel *ch, struct pvn_vmbus_gpadl_view *v);
/* Checked copies at byte `off` of the GPADL's page list. -EFAULT out of range. */
int pvn_vmbus_gpadl_read(const struct pvn_vmbus_gpadl_view *v, uint64_t off, void *buf,
			 size_t len);
int pvn_vmbus_gpadl_write(const struct pvn_vmbus_gpadl_view *v, uint64_t off, const void *buf,
			  size_t len);

/* ---- introspection ---- */
struct pvn_vmbus_stats {
	uint64_t messages, bad_messages, channel_resets, signals_in, signals_out;
	uint64_t packets_in, packets_out, gpadls_created, gpadls_refused;
	uint32_t version; /* 0 when not connected */
};
void pvn_vmbus_get_stats(struct pvn_vmbus *bus, struct pvn_vmbus_stats *out);
/* The reason for the last refusal or reset (also logged). */
void pvn_vmbus_last_error(struct pvn_vmbus *bus, char *buf, size_t n);

/* ---- the test echo device (runtime/vmbus/echo.c) ---- */
struct pvn_vmbus_echo;
/* Class GUID of the echo device: {5b1f7a2e-0d4c-4a8e-9c61-7e3a0f6d2b90}. */
extern const struct vmbus_guid pvn_vmbus_echo_class;
/* Offer an echo channel; `instance` distinguishes several. Every packet the
 * guest sends comes back with the same type (in-band), flags 0, trans_id and
 * payload. */
int pvn_vmbus_echo_create(struct pvn_vmbus *bus, uint8_t instance, struct pvn_vmbus_echo **out);
/* Stop reading the guest's ring (to let it fill), or resume and drain. */
void pvn_vmbus_echo_pause(struct pvn_vmbus_echo *e, bool paused);
struct pvn_vmbus_channel *pvn_vmbus_echo_channel(struct pvn_vmbus_echo *e);
uint64_t pvn_vmbus_echo_count(struct pvn_vmbus_echo *e);
void pvn_vmbus_echo_destroy(struct pvn_vmbus_echo *e);

#endif
