/* SPDX-License-Identifier: MIT */
/*
 * VMBus wire formats: channel messages (carried in SynIC messages through
 * HvPostMessage), the ring buffer control page and the packet headers inside
 * rings. Facts from the VMBus protocol as Linux 6.1 speaks it; every size and
 * key offset is checked at compile time. Little-endian, packed.
 *
 * Nothing here acts on the data: runtime/vmbus/vmbus.c (channel messages) and
 * runtime/vmbus/ring.c (rings) do, and validate every field first.
 */
#ifndef PVN_VMBUS_PROTOCOL_H
#define PVN_VMBUS_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

/* ---- versions: major << 16 | minor ---- */
#define VMBUS_VERSION(major, minor) (((uint32_t)(major) << 16) | (uint32_t)(minor))
#define VMBUS_VERSION_WIN8 VMBUS_VERSION(2, 4)
#define VMBUS_VERSION_WIN8_1 VMBUS_VERSION(3, 0)
#define VMBUS_VERSION_WIN10 VMBUS_VERSION(4, 0)
#define VMBUS_VERSION_WIN10_V4_1 VMBUS_VERSION(4, 1)
#define VMBUS_VERSION_WIN10_V5 VMBUS_VERSION(5, 0)
#define VMBUS_VERSION_WIN10_V5_1 VMBUS_VERSION(5, 1)
#define VMBUS_VERSION_WIN10_V5_2 VMBUS_VERSION(5, 2)
#define VMBUS_VERSION_WIN10_V5_3 VMBUS_VERSION(5, 3)

/* ---- connection ids and the message SINT ---- */
#define VMBUS_MESSAGE_CONNECTION_ID 1   /* every message before 5.0 */
#define VMBUS_EVENT_CONNECTION_ID 2     /* pre-Win8 shared event connection */
#define VMBUS_MONITOR_CONNECTION_ID 3
#define VMBUS_MESSAGE_CONNECTION_ID_4 4 /* INITIATE_CONTACT for 5.0 and later */
#define VMBUS_MESSAGE_SINT 2            /* the SINT Linux uses for VMBus */
/* SynIC message type the host uses for VMBus channel messages (any
 * non-zero type that is not a hypervisor intercept type works; 1 is what the
 * guest uses in HvPostMessage). */
#define VMBUS_SYNIC_MESSAGE_TYPE 1

/* relids start at 1; the relid is also the event flag number (< 2048). */
#define VMBUS_MAX_RELID 2047

/* ---- channel messages ---- */
enum vmbus_channel_message_type {
	VMBUS_MSG_INVALID = 0,
	VMBUS_MSG_OFFERCHANNEL = 1,
	VMBUS_MSG_RESCIND_CHANNELOFFER = 2,
	VMBUS_MSG_REQUESTOFFERS = 3,
	VMBUS_MSG_ALLOFFERS_DELIVERED = 4,
	VMBUS_MSG_OPENCHANNEL = 5,
	VMBUS_MSG_OPENCHANNEL_RESULT = 6,
	VMBUS_MSG_CLOSECHANNEL = 7,
	VMBUS_MSG_GPADL_HEADER = 8,
	VMBUS_MSG_GPADL_BODY = 9,
	VMBUS_MSG_GPADL_CREATED = 10,
	VMBUS_MSG_GPADL_TEARDOWN = 11,
	VMBUS_MSG_GPADL_TORNDOWN = 12,
	VMBUS_MSG_RELID_RELEASED = 13,
	VMBUS_MSG_INITIATE_CONTACT = 14,
	VMBUS_MSG_VERSION_RESPONSE = 15,
	VMBUS_MSG_UNLOAD = 16,
	VMBUS_MSG_UNLOAD_RESPONSE = 17,
	VMBUS_MSG_TL_CONNECT_REQUEST = 21,
	VMBUS_MSG_MODIFYCHANNEL = 22,
	VMBUS_MSG_TL_CONNECT_RESULT = 23,
	VMBUS_MSG_MODIFYCHANNEL_RESPONSE = 24,
	VMBUS_MSG__COUNT
};

/* The whole channel message must fit one SynIC message payload. */
#define VMBUS_MAX_MESSAGE_SIZE 240

struct vmbus_guid {
	uint8_t b[16];
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_guid) == 16, "vmbus_guid");

struct vmbus_msg_header {
	uint32_t msgtype;
	uint32_t padding;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_header) == 8, "vmbus_msg_header");

/* offer.chn_flags */
#define VMBUS_CHANNEL_ENUMERATE_DEVICE_INTERFACE 0x1
#define VMBUS_CHANNEL_SERVER_SUPPORTS_TRANSFER_PAGES 0x2
#define VMBUS_CHANNEL_SERVER_SUPPORTS_GPADLS 0x4
#define VMBUS_CHANNEL_NAMED_PIPE_MODE 0x10
#define VMBUS_CHANNEL_LOOPBACK_OFFER 0x100
#define VMBUS_CHANNEL_PARENT_OFFER 0x200
#define VMBUS_CHANNEL_REQUEST_MONITORED_NOTIFICATION 0x400
#define VMBUS_CHANNEL_TLNPI_PROVIDER_OFFER 0x2000

#define VMBUS_MAX_USER_DEFINED_BYTES 120
#define VMBUS_MAX_PIPE_USER_DEFINED_BYTES 116
#define VMBUS_PIPE_TYPE_BYTE 0x0
#define VMBUS_PIPE_TYPE_MESSAGE 0x4

struct vmbus_channel_offer {
	struct vmbus_guid if_type;     /* class (device type) */
	struct vmbus_guid if_instance; /* this device */
	uint64_t reserved1, reserved2;
	uint16_t chn_flags;
	uint16_t mmio_megabytes;
	union {
		uint8_t user_def[VMBUS_MAX_USER_DEFINED_BYTES];
		struct {
			uint32_t pipe_mode;
			uint8_t user_def[VMBUS_MAX_PIPE_USER_DEFINED_BYTES];
		} __attribute__((packed)) pipe;
	} u;
	uint16_t sub_channel_index; /* 0: primary channel */
	uint16_t reserved3;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_channel_offer) == 176, "vmbus_channel_offer");
_Static_assert(offsetof(struct vmbus_channel_offer, chn_flags) == 48, "offer.chn_flags");
_Static_assert(offsetof(struct vmbus_channel_offer, u) == 52, "offer.u");
_Static_assert(offsetof(struct vmbus_channel_offer, sub_channel_index) == 172,
	       "offer.sub_channel_index");

/* OFFERCHANNEL, host -> guest */
struct vmbus_msg_offer_channel {
	struct vmbus_msg_header header;
	struct vmbus_channel_offer offer;
	uint32_t child_relid;
	uint8_t monitorid;
	uint8_t monitor_allocated; /* bit 0; bits 1-7 reserved */
	uint16_t is_dedicated_interrupt; /* bit 0; bits 1-15 reserved */
	uint32_t connection_id; /* what the guest signals with HvSignalEvent */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_offer_channel) == 196, "vmbus_msg_offer_channel");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, child_relid) == 184, "offer.child_relid");
_Static_assert(offsetof(struct vmbus_msg_offer_channel, connection_id) == 192,
	       "offer.connection_id");

/* RESCIND_CHANNELOFFER, host -> guest; RELID_RELEASED, guest -> host */
struct vmbus_msg_rescind_offer {
	struct vmbus_msg_header header;
	uint32_t child_relid;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_rescind_offer) == 12, "vmbus_msg_rescind_offer");

struct vmbus_msg_relid_released {
	struct vmbus_msg_header header;
	uint32_t child_relid;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_relid_released) == 12, "vmbus_msg_relid_released");

/* OPENCHANNEL, guest -> host */
struct vmbus_msg_open_channel {
	struct vmbus_msg_header header;
	uint32_t child_relid;
	uint32_t openid;
	uint32_t ringbuffer_gpadlhandle;
	uint32_t target_vp;
	/* The guest->host ring starts at page 0 of the GPADL; the host->guest
	 * ring starts at this page. */
	uint32_t downstream_ringbuffer_pageoffset;
	uint8_t userdata[VMBUS_MAX_USER_DEFINED_BYTES];
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_open_channel) == 148, "vmbus_msg_open_channel");
_Static_assert(offsetof(struct vmbus_msg_open_channel, downstream_ringbuffer_pageoffset) == 24,
	       "open.downstream_ringbuffer_pageoffset");

/* OPENCHANNEL_RESULT, host -> guest */
struct vmbus_msg_open_result {
	struct vmbus_msg_header header;
	uint32_t child_relid;
	uint32_t openid;
	uint32_t status; /* 0: opened */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_open_result) == 20, "vmbus_msg_open_result");

/* CLOSECHANNEL, guest -> host */
struct vmbus_msg_close_channel {
	struct vmbus_msg_header header;
	uint32_t child_relid;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_close_channel) == 12, "vmbus_msg_close_channel");

/* A run of guest pages: the PFNs of every page that [byte_offset,
 * byte_offset + byte_count) touches follow the header. */
struct vmbus_gpa_range {
	uint32_t byte_count;
	uint32_t byte_offset;
	uint64_t pfn_array[];
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_gpa_range) == 8, "vmbus_gpa_range");

/* GPADL_HEADER, guest -> host. range_buflen bytes of ranges follow; what
 * does not fit this message comes in GPADL_BODY messages. */
struct vmbus_msg_gpadl_header {
	struct vmbus_msg_header header;
	uint32_t child_relid;
	uint32_t gpadl;
	uint16_t range_buflen;
	uint16_t rangecount;
	uint8_t range[]; /* struct vmbus_gpa_range, unaligned */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_gpadl_header) == 20, "vmbus_msg_gpadl_header");

/* GPADL_BODY, guest -> host: more PFNs of the range buffer. */
struct vmbus_msg_gpadl_body {
	struct vmbus_msg_header header;
	uint32_t msgnumber;
	uint32_t gpadl;
	uint64_t pfn[];
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_gpadl_body) == 16, "vmbus_msg_gpadl_body");

/* PFNs per message when a single range is sent the way Linux does. */
#define VMBUS_GPADL_HEADER_PFNS                                                                   \
	((VMBUS_MAX_MESSAGE_SIZE - sizeof(struct vmbus_msg_gpadl_header) -                        \
	  sizeof(struct vmbus_gpa_range)) / 8)
#define VMBUS_GPADL_BODY_PFNS ((VMBUS_MAX_MESSAGE_SIZE - sizeof(struct vmbus_msg_gpadl_body)) / 8)
_Static_assert(VMBUS_GPADL_HEADER_PFNS == 26, "PFNs in a GPADL_HEADER");
_Static_assert(VMBUS_GPADL_BODY_PFNS == 28, "PFNs in a GPADL_BODY");

/* GPADL_CREATED, host -> guest */
struct vmbus_msg_gpadl_created {
	struct vmbus_msg_header header;
	uint32_t child_relid;
	uint32_t gpadl;
	uint32_t creation_status; /* 0: created */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_gpadl_created) == 20, "vmbus_msg_gpadl_created");

/* GPADL_TEARDOWN, guest -> host */
struct vmbus_msg_gpadl_teardown {
	struct vmbus_msg_header header;
	uint32_t child_relid;
	uint32_t gpadl;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_gpadl_teardown) == 16, "vmbus_msg_gpadl_teardown");

/* GPADL_TORNDOWN, host -> guest */
struct vmbus_msg_gpadl_torndown {
	struct vmbus_msg_header header;
	uint32_t gpadl;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_gpadl_torndown) == 12, "vmbus_msg_gpadl_torndown");

/* INITIATE_CONTACT, guest -> host */
struct vmbus_msg_initiate_contact {
	struct vmbus_msg_header header;
	uint32_t vmbus_version_requested;
	uint32_t target_vcpu; /* the VP the host sends messages to */
	union {
		uint64_t interrupt_page; /* before 5.0 */
		struct {
			uint8_t msg_sint; /* 5.0 and later */
			uint8_t padding1[3];
			uint32_t padding2;
		} __attribute__((packed));
	};
	uint64_t monitor_page1;
	uint64_t monitor_page2;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_initiate_contact) == 40, "vmbus_msg_initiate_contact");
_Static_assert(offsetof(struct vmbus_msg_initiate_contact, msg_sint) == 16, "initiate.msg_sint");

/* VERSION_RESPONSE, host -> guest */
struct vmbus_msg_version_response {
	struct vmbus_msg_header header;
	uint8_t version_supported; /* 0: refused, try an older version */
	uint8_t connection_state;
	uint16_t padding;
	uint32_t msg_conn_id; /* 5.0+: the connection id for every later message */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_version_response) == 16, "vmbus_msg_version_response");

/* MODIFYCHANNEL, guest -> host */
struct vmbus_msg_modify_channel {
	struct vmbus_msg_header header;
	uint32_t child_relid;
	uint32_t target_vp;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_modify_channel) == 16, "vmbus_msg_modify_channel");

/* MODIFYCHANNEL_RESPONSE, host -> guest (5.3 and later) */
struct vmbus_msg_modify_channel_response {
	struct vmbus_msg_header header;
	uint32_t child_relid;
	uint32_t status;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_msg_modify_channel_response) == 16,
	       "vmbus_msg_modify_channel_response");

/* REQUESTOFFERS, ALLOFFERS_DELIVERED, UNLOAD, UNLOAD_RESPONSE: header only. */

/* ---- ring buffers ---- */
/*
 * One ring is a control page followed by the data area. The writer owns
 * write_index, the reader read_index (byte offsets into the data area,
 * 8-aligned). The reader sets interrupt_mask to ask the writer not to
 * signal; a blocked writer sets pending_send_sz so the reader signals it
 * when that many bytes are free.
 */
#define VMBUS_RING_FEAT_PENDING_SEND_SZ 0x1

struct vmbus_ring_control {
	uint32_t write_index;
	uint32_t read_index;
	uint32_t interrupt_mask;
	uint32_t pending_send_sz;
	uint32_t reserved1[12];
	uint32_t feature_bits;
	uint8_t reserved2[4096 - 68];
}; /* naturally aligned: not packed, so the indices can be accessed atomically */
_Static_assert(sizeof(struct vmbus_ring_control) == 4096, "vmbus_ring_control");
_Static_assert(offsetof(struct vmbus_ring_control, pending_send_sz) == 12, "ring.pending_send_sz");
_Static_assert(offsetof(struct vmbus_ring_control, feature_bits) == 64, "ring.feature_bits");

/* packet types */
enum vmbus_packet_type {
	VMBUS_PKT_INVALID = 0x0,
	VMBUS_PKT_SYNCH = 0x1,
	VMBUS_PKT_ADD_XFER_PAGESET = 0x2,
	VMBUS_PKT_RM_XFER_PAGESET = 0x3,
	VMBUS_PKT_ESTABLISH_GPADL = 0x4,
	VMBUS_PKT_TEARDOWN_GPADL = 0x5,
	VMBUS_PKT_DATA_INBAND = 0x6,
	VMBUS_PKT_DATA_USING_XFER_PAGES = 0x7,
	VMBUS_PKT_DATA_USING_GPADL = 0x8,
	VMBUS_PKT_DATA_USING_GPA_DIRECT = 0x9,
	VMBUS_PKT_CANCEL_REQUEST = 0xa,
	VMBUS_PKT_COMP = 0xb,
	VMBUS_PKT_DATA_USING_ADDITIONAL_PKT = 0xc,
	VMBUS_PKT_ADDITIONAL_DATA = 0xd,
};

#define VMBUS_DATA_PACKET_FLAG_COMPLETION_REQUESTED 1

/* Every packet starts with this; offset8 and len8 count 8-byte units from
 * the start of the descriptor (data at offset8 * 8, packet end at len8 * 8).
 * An 8-byte trailer follows each packet: the writer's write index before
 * the packet, shifted left by 32. */
struct vmbus_packet_desc {
	uint16_t type;
	uint16_t offset8;
	uint16_t len8;
	uint16_t flags;
	uint64_t trans_id;
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_packet_desc) == 16, "vmbus_packet_desc");
#define VMBUS_PKT_TRAILER 8

/* GPA-direct data packet: the ranges follow the header, then (at offset8)
 * the in-band data. */
struct vmbus_packet_gpa_direct {
	struct vmbus_packet_desc d;
	uint32_t reserved;
	uint32_t range_cnt;
	/* struct vmbus_gpa_range range[range_cnt] */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_packet_gpa_direct) == 24, "vmbus_packet_gpa_direct");

struct vmbus_xfer_page_range {
	uint32_t byte_count;
	uint32_t byte_offset;
} __attribute__((packed));

struct vmbus_packet_xfer_pages {
	struct vmbus_packet_desc d;
	uint16_t xfer_pageset_id;
	uint8_t sender_owns_set;
	uint8_t reserved;
	uint32_t range_cnt;
	/* struct vmbus_xfer_page_range ranges[range_cnt] */
} __attribute__((packed));
_Static_assert(sizeof(struct vmbus_packet_xfer_pages) == 24, "vmbus_packet_xfer_pages");

#endif
