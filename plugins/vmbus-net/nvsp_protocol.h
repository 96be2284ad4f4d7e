/* SPDX-License-Identifier: MIT */
/*
 * NVSP, the Network VSP protocol that a synthetic NIC speaks over its VMBus
 * channel, and the VMBus packet headers it uses. Written from the facts in
 * Linux's drivers/net/hyperv/hyperv_net.h and include/linux/hyperv.h (message
 * numbers, field layouts); little-endian, packed as on the wire.
 *
 * Every NVSP message is a 32-bit type followed by a type-specific body. The
 * guest sends and expects whole struct nvsp_msg (40 bytes: the largest body
 * is a version-6 PacketDirect message); the fields a message uses come first.
 */
#ifndef PVN_NVSP_PROTOCOL_H
#define PVN_NVSP_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

/* The VMBus interface class of a synthetic NIC:
 * {f8615163-df3e-46c5-913f-f2d2f965ed0e}. */
#define NVSP_CLASS_ID_A 0xf8615163u
#define NVSP_CLASS_ID_B 0xdf3eu
#define NVSP_CLASS_ID_C 0x46c5u
#define NVSP_CLASS_ID_D 0x913fu
#define NVSP_CLASS_ID_E 0xf2d2f965ed0eULL

/* ---- protocol versions (the guest offers one at a time, newest first) ---- */
#define NVSP_VERSION_1  0x00002u
#define NVSP_VERSION_2  0x30002u
#define NVSP_VERSION_4  0x40000u
#define NVSP_VERSION_5  0x50000u
#define NVSP_VERSION_6  0x60000u
#define NVSP_VERSION_61 0x60001u

/* ---- message types ---- */
enum nvsp_msg_type {
	NVSP_MSG_NONE = 0,
	NVSP_MSG_INIT = 1,
	NVSP_MSG_INIT_COMPLETE = 2,
	/* version 1 */
	NVSP_MSG1_SEND_NDIS_VER = 100,
	NVSP_MSG1_SEND_RECV_BUF = 101,
	NVSP_MSG1_SEND_RECV_BUF_COMPLETE = 102,
	NVSP_MSG1_REVOKE_RECV_BUF = 103,
	NVSP_MSG1_SEND_SEND_BUF = 104,
	NVSP_MSG1_SEND_SEND_BUF_COMPLETE = 105,
	NVSP_MSG1_REVOKE_SEND_BUF = 106,
	NVSP_MSG1_SEND_RNDIS_PKT = 107,
	NVSP_MSG1_SEND_RNDIS_PKT_COMPLETE = 108,
	/* version 2: 109-124 are chimney/VMQ messages nobody sends any more */
	NVSP_MSG2_SEND_NDIS_CONFIG = 125,
	NVSP_MSG2_MAX = 127,
	/* version 4 */
	NVSP_MSG4_SEND_VF_ASSOCIATION = 128,
	NVSP_MSG4_SWITCH_DATA_PATH = 129,
	NVSP_MSG4_UPLINK_CONNECT_STATE_DEPRECATED = 130,
	/* version 5 */
	NVSP_MSG5_OID_QUERY_EX = 131,
	NVSP_MSG5_OID_QUERY_EX_COMP = 132,
	NVSP_MSG5_SUBCHANNEL = 133,
	NVSP_MSG5_SEND_INDIRECTION_TABLE = 134,
	/* version 6 (PacketDirect) */
	NVSP_MSG6_PD_API = 135,
	NVSP_MSG6_PD_POST_BATCH = 136,
};

/* ---- status values in completions ---- */
enum nvsp_status {
	NVSP_STAT_NONE = 0,
	NVSP_STAT_SUCCESS = 1,
	NVSP_STAT_FAIL = 2,
	NVSP_STAT_PROTOCOL_TOO_NEW = 3,
	NVSP_STAT_PROTOCOL_TOO_OLD = 4,
	NVSP_STAT_INVALID_RNDIS_PKT = 5,
	NVSP_STAT_BUSY = 6,
	NVSP_STAT_PROTOCOL_UNSUPPORTED = 7,
};

/* The ids the guest gives its buffers (it checks the one in transfer-page
 * packets). */
#define NVSP_RECV_BUFFER_ID 0xcafe
#define NVSP_SEND_BUFFER_ID 0
/* send_buf_section_index when the data is not in the send buffer. */
#define NVSP_INVALID_SECTION 0xffffffffu
/* channel_type of SEND_RNDIS_PKT */
#define NVSP_CHANNEL_DATA    0
#define NVSP_CHANNEL_CONTROL 1

struct nvsp_init {
	uint32_t min_protocol_ver;
	uint32_t max_protocol_ver;
} __attribute__((packed));

struct nvsp_init_complete {
	uint32_t negotiated_protocol_ver;
	uint32_t max_mdl_chain_len;
	uint32_t status;
} __attribute__((packed));

struct nvsp1_send_ndis_version {
	uint32_t ndis_major_ver;
	uint32_t ndis_minor_ver;
} __attribute__((packed));

/* SEND_RECV_BUF and SEND_SEND_BUF. */
struct nvsp1_send_buffer {
	uint32_t gpadl_handle;
	uint16_t id;
} __attribute__((packed));

struct nvsp1_recv_buffer_section {
	uint32_t offset;
	uint32_t sub_alloc_size;
	uint32_t num_sub_allocs;
	uint32_t end_offset;
} __attribute__((packed));

struct nvsp1_send_recv_buffer_complete {
	uint32_t status;
	uint32_t num_sections; /* the guest accepts exactly one, at offset 0 */
	struct nvsp1_recv_buffer_section sections[1];
} __attribute__((packed));

struct nvsp1_revoke_buffer {
	uint16_t id;
} __attribute__((packed));

struct nvsp1_send_send_buffer_complete {
	uint32_t status;
	uint32_t section_size; /* the host chooses it */
} __attribute__((packed));

struct nvsp1_send_rndis_packet {
	uint32_t channel_type;           /* NVSP_CHANNEL_* */
	uint32_t send_buf_section_index; /* or NVSP_INVALID_SECTION */
	uint32_t send_buf_section_size;  /* bytes used in that section */
} __attribute__((packed));

struct nvsp1_send_rndis_packet_complete {
	uint32_t status;
} __attribute__((packed));

/* NDIS_CONFIG capability bits (a 64-bit field). */
#define NVSP2_CAP_VMQ            (1ULL << 0)
#define NVSP2_CAP_CHIMNEY        (1ULL << 1)
#define NVSP2_CAP_SRIOV          (1ULL << 2)
#define NVSP2_CAP_IEEE8021Q      (1ULL << 3)
#define NVSP2_CAP_CORRELATION_ID (1ULL << 4)
#define NVSP2_CAP_TEAMING        (1ULL << 5)
#define NVSP2_CAP_VSUBNETID      (1ULL << 6)
#define NVSP2_CAP_RSC            (1ULL << 7)

struct nvsp2_send_ndis_config {
	uint32_t mtu; /* the guest's MTU plus the 14-byte Ethernet header */
	uint32_t reserved;
	uint64_t capability;
} __attribute__((packed));

struct nvsp4_switch_data_path {
	uint32_t active_datapath; /* 0 synthetic, 1 VF */
} __attribute__((packed));

struct nvsp4_vf_association {
	uint32_t allocated;
	uint32_t serial;
} __attribute__((packed));

#define NVSP_SUBCHANNEL_ALLOCATE 1
struct nvsp5_subchannel_request {
	uint32_t op;
	uint32_t num_subchannels;
} __attribute__((packed));

struct nvsp5_subchannel_complete {
	uint32_t status;
	uint32_t num_subchannels; /* granted */
} __attribute__((packed));

/* The whole message: the type, then a body padded to the size of the largest
 * one (a 36-byte PacketDirect completion). */
#define NVSP_BODY_BYTES 36
struct nvsp_msg {
	uint32_t type;
	union {
		struct nvsp_init init;
		struct nvsp_init_complete init_complete;
		struct nvsp1_send_ndis_version ndis_ver;
		struct nvsp1_send_buffer send_buf; /* RECV_BUF and SEND_BUF */
		struct nvsp1_send_recv_buffer_complete recv_buf_complete;
		struct nvsp1_revoke_buffer revoke;
		struct nvsp1_send_send_buffer_complete send_buf_complete;
		struct nvsp1_send_rndis_packet rndis;
		struct nvsp1_send_rndis_packet_complete rndis_complete;
		struct nvsp2_send_ndis_config ndis_config;
		struct nvsp4_switch_data_path switch_dp;
		struct nvsp4_vf_association vf_assoc;
		struct nvsp5_subchannel_request subchn_req;
		struct nvsp5_subchannel_complete subchn_complete;
		uint8_t raw[NVSP_BODY_BYTES];
	} __attribute__((packed)) u;
} __attribute__((packed));

/* Bytes of a message of `body` type that the host needs to read. */
#define NVSP_MSG_LEN(member)                                                                       \
	(offsetof(struct nvsp_msg, u) + sizeof(((struct nvsp_msg *)0)->u.member))

_Static_assert(sizeof(struct nvsp_init) == 8, "init");
_Static_assert(sizeof(struct nvsp_init_complete) == 12, "init complete");
_Static_assert(sizeof(struct nvsp1_send_buffer) == 6, "send buffer");
_Static_assert(sizeof(struct nvsp1_recv_buffer_section) == 16, "recv section");
_Static_assert(sizeof(struct nvsp1_send_recv_buffer_complete) == 24, "recv buf complete");
_Static_assert(sizeof(struct nvsp1_send_send_buffer_complete) == 8, "send buf complete");
_Static_assert(sizeof(struct nvsp1_send_rndis_packet) == 12, "rndis packet");
_Static_assert(sizeof(struct nvsp2_send_ndis_config) == 16, "ndis config");
_Static_assert(offsetof(struct nvsp2_send_ndis_config, capability) == 8, "capability");
_Static_assert(sizeof(struct nvsp5_subchannel_complete) == 8, "subchannel complete");
_Static_assert(sizeof(struct nvsp_msg) == 40, "the whole NVSP message is 40 bytes");
_Static_assert(offsetof(struct nvsp_msg, u) == 4, "body after the type");
_Static_assert(NVSP_MSG_LEN(recv_buf_complete) == 28, "recv buf complete length");
_Static_assert(NVSP_MSG_LEN(rndis_complete) == 8, "rndis complete length");

/* ---- VMBus packet headers NVSP uses ----------------------------------------
 * What follows the 16-byte VMBus packet descriptor in the two non-inband
 * packet types of this protocol; the NVSP message follows them, at the
 * descriptor's data offset. */

/* DATA_USING_XFER_PAGES (type 7), host to guest: received frames, as ranges
 * of the receive buffer (transfer page set NVSP_RECV_BUFFER_ID). */
struct vmbus_xfer_range {
	uint32_t byte_count;
	uint32_t byte_offset;
} __attribute__((packed));

struct vmbus_xfer_header {
	uint16_t xfer_pageset_id;
	uint8_t sender_owns_set;
	uint8_t reserved;
	uint32_t range_count;
	/* struct vmbus_xfer_range ranges[range_count]; */
} __attribute__((packed));

/* DATA_USING_GPA_DIRECT (type 9), guest to host: an RNDIS message (or the
 * rest of one) in guest pages. `range_count` multi-page ranges follow, each
 * a struct vmbus_gpa_range and then (byte_offset + byte_count + 4095) / 4096
 * page frame numbers. */
struct vmbus_gpa_direct_header {
	uint32_t reserved;
	uint32_t range_count;
} __attribute__((packed));

struct vmbus_gpa_range {
	uint32_t byte_count;
	uint32_t byte_offset; /* in the first page: < 4096 */
	                      /* uint64_t pfn[]; */
} __attribute__((packed));

_Static_assert(sizeof(struct vmbus_xfer_range) == 8, "xfer range");
_Static_assert(sizeof(struct vmbus_xfer_header) == 8, "xfer header");
_Static_assert(offsetof(struct vmbus_xfer_header, range_count) == 4, "range count");
_Static_assert(sizeof(struct vmbus_gpa_direct_header) == 8, "gpa direct header");
_Static_assert(sizeof(struct vmbus_gpa_range) == 8, "gpa range");

#endif
