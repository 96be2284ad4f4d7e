/* SPDX-License-Identifier: MIT */
/*
 * RNDIS as a synthetic NIC carries it inside NVSP: the messages, the OIDs the
 * Linux netvsc driver queries and sets, per-packet information (PPI) and the
 * NDIS offload structures. Written from the facts in Linux's
 * include/linux/rndis.h and drivers/net/hyperv/hyperv_net.h; little-endian,
 * packed as on the wire. Bit fields are given as masks and shifts, never as C
 * bit-fields.
 *
 * Every RNDIS message starts with struct rndis_header (type, total length
 * msg_len, header included); offsets inside a message body are counted from
 * the start of the body (just after the 8-byte header).
 */
#ifndef PVN_RNDIS_PROTOCOL_H
#define PVN_RNDIS_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define RNDIS_MAJOR_VERSION 1
#define RNDIS_MINOR_VERSION 0

/* ---- message types ---- */
#define RNDIS_MSG_COMPLETION  0x80000000u
#define RNDIS_MSG_PACKET      0x00000001u
#define RNDIS_MSG_INIT        0x00000002u
#define RNDIS_MSG_INIT_C      (RNDIS_MSG_INIT | RNDIS_MSG_COMPLETION)
#define RNDIS_MSG_HALT        0x00000003u
#define RNDIS_MSG_QUERY       0x00000004u
#define RNDIS_MSG_QUERY_C     (RNDIS_MSG_QUERY | RNDIS_MSG_COMPLETION)
#define RNDIS_MSG_SET         0x00000005u
#define RNDIS_MSG_SET_C       (RNDIS_MSG_SET | RNDIS_MSG_COMPLETION)
#define RNDIS_MSG_RESET       0x00000006u
#define RNDIS_MSG_RESET_C     (RNDIS_MSG_RESET | RNDIS_MSG_COMPLETION)
#define RNDIS_MSG_INDICATE    0x00000007u
#define RNDIS_MSG_KEEPALIVE   0x00000008u
#define RNDIS_MSG_KEEPALIVE_C (RNDIS_MSG_KEEPALIVE | RNDIS_MSG_COMPLETION)

/* ---- status codes ---- */
#define RNDIS_STATUS_SUCCESS           0x00000000u
#define RNDIS_STATUS_MEDIA_CONNECT     0x4001000Bu
#define RNDIS_STATUS_MEDIA_DISCONNECT  0x4001000Cu
#define RNDIS_STATUS_LINK_SPEED_CHANGE 0x40010013u
#define RNDIS_STATUS_NETWORK_CHANGE    0x40010018u
#define RNDIS_STATUS_BUFFER_OVERFLOW   0x80000005u
#define RNDIS_STATUS_FAILURE           0xC0000001u
#define RNDIS_STATUS_NOT_SUPPORTED     0xC00000BBu
#define RNDIS_STATUS_BAD_VERSION       0xC0010004u
#define RNDIS_STATUS_INVALID_LENGTH    0xC0010014u
#define RNDIS_STATUS_INVALID_DATA      0xC0010015u

/* ---- INITIALIZE completion ---- */
#define RNDIS_DF_CONNECTIONLESS 0x00000001u
#define RNDIS_MEDIUM_802_3      0x00000000u

/* ---- OIDs ---- */
#define RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE      0x00010106u
#define RNDIS_OID_GEN_LINK_SPEED              0x00010107u /* in units of 100 bit/s */
#define RNDIS_OID_GEN_CURRENT_PACKET_FILTER   0x0001010Eu
#define RNDIS_OID_GEN_MAXIMUM_TOTAL_SIZE      0x00010111u
#define RNDIS_OID_GEN_MEDIA_CONNECT_STATUS    0x00010114u
#define RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER  0x0001021Bu
#define RNDIS_OID_GEN_FRIENDLY_NAME           0x00020216u
#define RNDIS_OID_802_3_PERMANENT_ADDRESS     0x01010101u
#define RNDIS_OID_802_3_CURRENT_ADDRESS       0x01010102u
#define RNDIS_OID_802_3_MULTICAST_LIST        0x01010103u
#define RNDIS_OID_802_3_MAXIMUM_LIST_SIZE     0x01010104u
#define OID_GEN_RECEIVE_SCALE_CAPABILITIES    0x00010203u
#define OID_GEN_RECEIVE_SCALE_PARAMETERS      0x00010204u
#define OID_TCP_OFFLOAD_CURRENT_CONFIG        0xFC01020Bu
#define OID_TCP_OFFLOAD_PARAMETERS            0xFC01020Cu
#define OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES 0xFC01020Du
#define OID_OFFLOAD_ENCAPSULATION             0x0101010Au

#define RNDIS_MEDIA_STATE_CONNECTED    0u
#define RNDIS_MEDIA_STATE_DISCONNECTED 1u

/* packet filter bits */
#define NDIS_PACKET_TYPE_DIRECTED      0x00000001u
#define NDIS_PACKET_TYPE_MULTICAST     0x00000002u
#define NDIS_PACKET_TYPE_ALL_MULTICAST 0x00000004u
#define NDIS_PACKET_TYPE_BROADCAST     0x00000008u
#define NDIS_PACKET_TYPE_PROMISCUOUS   0x00000020u

/* ---- messages ---- */
struct rndis_header {
	uint32_t type;
	uint32_t msg_len; /* the whole message, this header included */
} __attribute__((packed));

struct rndis_init_request {
	uint32_t req_id;
	uint32_t major_ver;
	uint32_t minor_ver;
	uint32_t max_xfer_size;
} __attribute__((packed));

struct rndis_init_complete {
	uint32_t req_id;
	uint32_t status;
	uint32_t major_ver;
	uint32_t minor_ver;
	uint32_t dev_flags;
	uint32_t medium;
	uint32_t max_pkt_per_msg;
	uint32_t max_xfer_size;
	uint32_t pkt_alignment_factor; /* log2 of the alignment */
	uint32_t af_list_offset;
	uint32_t af_list_size;
} __attribute__((packed));

struct rndis_halt_request {
	uint32_t req_id;
} __attribute__((packed));

/* QUERY and SET requests: the information buffer is at info_buf_offset from
 * the start of this body. */
struct rndis_query_request {
	uint32_t req_id;
	uint32_t oid;
	uint32_t info_buflen;
	uint32_t info_buf_offset;
	uint32_t dev_vc_handle;
} __attribute__((packed));

struct rndis_query_complete {
	uint32_t req_id;
	uint32_t status;
	uint32_t info_buflen;
	uint32_t info_buf_offset; /* from the start of this body */
} __attribute__((packed));

struct rndis_set_request {
	uint32_t req_id;
	uint32_t oid;
	uint32_t info_buflen;
	uint32_t info_buf_offset;
	uint32_t dev_vc_handle;
} __attribute__((packed));

struct rndis_set_complete {
	uint32_t req_id;
	uint32_t status;
} __attribute__((packed));

struct rndis_reset_complete {
	uint32_t status;
	uint32_t addressing_reset;
} __attribute__((packed));

struct rndis_indicate_status {
	uint32_t status;
	uint32_t status_buflen;
	uint32_t status_buf_offset;
} __attribute__((packed));

struct rndis_keepalive_request {
	uint32_t req_id;
} __attribute__((packed));

struct rndis_keepalive_complete {
	uint32_t req_id;
	uint32_t status;
} __attribute__((packed));

/* A data message: the frame at data_offset, per-packet info at
 * per_pkt_info_offset, both counted from the start of this body. */
struct rndis_packet {
	uint32_t data_offset;
	uint32_t data_len;
	uint32_t oob_data_offset;
	uint32_t oob_data_len;
	uint32_t num_oob_data_elements;
	uint32_t per_pkt_info_offset;
	uint32_t per_pkt_info_len;
	uint32_t vc_handle;
	uint32_t reserved;
} __attribute__((packed));

#define RNDIS_HEADER_BYTES ((uint32_t)sizeof(struct rndis_header))
/* A data message's header and body before any PPI: 44 bytes. */
#define RNDIS_PACKET_BYTES ((uint32_t)(sizeof(struct rndis_header) + sizeof(struct rndis_packet)))

/* ---- per-packet information ---- */
struct rndis_ppi {
	uint32_t size;       /* this PPI, header included */
	uint32_t type;       /* RNDIS_PPI_TYPE(), RNDIS_PPI_INTERNAL */
	uint32_t ppi_offset; /* of the value, from the start of this PPI */
} __attribute__((packed));

#define RNDIS_PPI_TYPE_MASK 0x7fffffffu
#define RNDIS_PPI_INTERNAL  0x80000000u

enum rndis_ppi_type {
	PPI_TCPIP_CHKSUM = 0,
	PPI_IPSEC = 1,
	PPI_TCP_LARGESEND = 2,
	PPI_CLASSIFICATION_HANDLE = 3,
	PPI_SG_LIST = 5,
	PPI_IEEE_8021Q = 6,
	PPI_ORIGINAL = 7,
	PPI_NBL_HASH_VALUE = 8,
};
/* Internal PPI (type with RNDIS_PPI_INTERNAL): a packet id that marks the
 * fragments of a coalesced (RSC) receive. */
#define RNDIS_PPI_PKTINFO_ID    1
#define RNDIS_PKTINFO_ID_V1     1
#define RNDIS_PKTINFO_SUBALLOC  0x01
#define RNDIS_PKTINFO_1ST_FRAG  0x02
#define RNDIS_PKTINFO_LAST_FRAG 0x04

struct rndis_pktinfo_id {
	uint8_t ver;
	uint8_t flag;
	uint16_t pkt_id;
} __attribute__((packed));

/* TCPIP_CHKSUM, transmit (guest to host) */
#define NDIS_CSUM_TX_IS_IPV4         (1u << 0)
#define NDIS_CSUM_TX_IS_IPV6         (1u << 1)
#define NDIS_CSUM_TX_TCP             (1u << 2)
#define NDIS_CSUM_TX_UDP             (1u << 3)
#define NDIS_CSUM_TX_IP_HEADER       (1u << 4)
#define NDIS_CSUM_TX_L4_OFFSET_SHIFT 16
#define NDIS_CSUM_TX_L4_OFFSET_MASK  0x3ffu
/* TCPIP_CHKSUM, receive (host to guest) */
#define NDIS_CSUM_RX_TCP_FAILED        (1u << 0)
#define NDIS_CSUM_RX_UDP_FAILED        (1u << 1)
#define NDIS_CSUM_RX_IP_FAILED         (1u << 2)
#define NDIS_CSUM_RX_TCP_SUCCEEDED     (1u << 3)
#define NDIS_CSUM_RX_UDP_SUCCEEDED     (1u << 4)
#define NDIS_CSUM_RX_IP_SUCCEEDED      (1u << 5)
#define NDIS_CSUM_RX_LOOPBACK          (1u << 6)
#define NDIS_CSUM_RX_TCP_VALUE_INVALID (1u << 7)
#define NDIS_CSUM_RX_IP_VALUE_INVALID  (1u << 8)

/* TCP_LARGESEND, LSO version 2 transmit */
#define NDIS_LSO2_MSS_MASK        0xfffffu
#define NDIS_LSO2_L4_OFFSET_SHIFT 20
#define NDIS_LSO2_L4_OFFSET_MASK  0x3ffu
#define NDIS_LSO2_TYPE            (1u << 30) /* 1: LSO v2 */
#define NDIS_LSO2_IPV6            (1u << 31) /* ip_version: 0 IPv4, 1 IPv6 */

/* IEEE_8021Q */
#define NDIS_8021Q_PRI_MASK  0x7u
#define NDIS_8021Q_CFI       (1u << 3)
#define NDIS_8021Q_VID_SHIFT 4
#define NDIS_8021Q_VID_MASK  0xfffu

/* ---- NDIS objects ---- */
struct ndis_object_header {
	uint8_t type;
	uint8_t revision;
	uint16_t size;
} __attribute__((packed));

#define NDIS_OBJECT_TYPE_DEFAULT          0x80
#define NDIS_OBJECT_TYPE_RSS_CAPABILITIES 0x88
#define NDIS_OBJECT_TYPE_RSS_PARAMETERS   0x89
#define NDIS_OBJECT_TYPE_OFFLOAD          0xa7

#define NDIS_OFFLOAD_PARAMETERS_REVISION_1 1
#define NDIS_OFFLOAD_PARAMETERS_REVISION_2 2
#define NDIS_OFFLOAD_PARAMETERS_REVISION_3 3

/* OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES */
#define NDIS_OFFLOAD_ENCAP_8023 0x0002u
#define NDIS_TXCSUM_CAP_IP4OPT  0x001u
#define NDIS_TXCSUM_CAP_TCP4OPT 0x004u
#define NDIS_TXCSUM_CAP_TCP4    0x010u
#define NDIS_TXCSUM_CAP_UDP4    0x040u
#define NDIS_TXCSUM_CAP_IP4     0x100u
#define NDIS_TXCSUM_CAP_IP6EXT  0x001u
#define NDIS_TXCSUM_CAP_TCP6OPT 0x004u
#define NDIS_TXCSUM_CAP_TCP6    0x010u
#define NDIS_TXCSUM_CAP_UDP6    0x040u
#define NDIS_LSOV2_CAP_IP6EXT   0x001u
#define NDIS_LSOV2_CAP_TCP6OPT  0x004u

struct ndis_csum_offload {
	uint32_t ip4_txenc, ip4_txcsum, ip4_rxenc, ip4_rxcsum;
	uint32_t ip6_txenc, ip6_txcsum, ip6_rxenc, ip6_rxcsum;
} __attribute__((packed));

struct ndis_lsov1_offload {
	uint32_t encap, maxsize, minsegs, opts;
} __attribute__((packed));

struct ndis_ipsecv1_offload {
	uint32_t encap, ah_esp, xport_tun, ip4_opts, flags, ip4_ah, ip4_esp;
} __attribute__((packed));

struct ndis_lsov2_offload {
	uint32_t ip4_encap, ip4_maxsz, ip4_minsg;
	uint32_t ip6_encap, ip6_maxsz, ip6_minsg, ip6_opts;
} __attribute__((packed));

struct ndis_ipsecv2_offload {
	uint32_t encap;
	uint8_t ip6, ip4opt, ip6ext, ah, esp, ah_esp, xport, tun, xport_tun, lso, extseq;
	uint32_t udp_esp, auth, crypto, sa_caps;
} __attribute__((packed));

struct ndis_rsc_offload {
	uint8_t ip4, ip6;
} __attribute__((packed));

struct ndis_encap_offload {
	uint32_t flags, maxhdr;
} __attribute__((packed));

/* The object as Linux lays it out: natural alignment of the C structs (the
 * ipsecv2 block is padded to a 4-byte boundary), which is what its size
 * checks expect. */
struct ndis_offload {
	struct ndis_object_header header;
	struct ndis_csum_offload csum;
	struct ndis_lsov1_offload lsov1;
	struct ndis_ipsecv1_offload ipsecv1;
	struct ndis_lsov2_offload lsov2;
	uint32_t flags;
	/* NDIS 6.1 */
	uint32_t ipsecv2_encap;
	uint8_t ipsecv2_bytes[11];
	uint8_t pad1;
	uint32_t ipsecv2_udp_esp, ipsecv2_auth, ipsecv2_crypto, ipsecv2_sa_caps;
	/* NDIS 6.30 */
	struct ndis_rsc_offload rsc;
	uint8_t pad2[2];
	struct ndis_encap_offload encap_gre;
} __attribute__((packed));

#define NDIS_OFFLOAD_SIZE_6_0 offsetof(struct ndis_offload, ipsecv2_encap)
#define NDIS_OFFLOAD_SIZE_6_1 offsetof(struct ndis_offload, rsc)
#define NDIS_OFFLOAD_SIZE     ((uint16_t)sizeof(struct ndis_offload))

/* OID_TCP_OFFLOAD_PARAMETERS values (u8 each; 0: no change) */
#define NDIS_OFFLOAD_PARAMS_NO_CHANGE              0
#define NDIS_OFFLOAD_PARAMS_TX_RX_DISABLED         1
#define NDIS_OFFLOAD_PARAMS_TX_ENABLED_RX_DISABLED 2
#define NDIS_OFFLOAD_PARAMS_RX_ENABLED_TX_DISABLED 3
#define NDIS_OFFLOAD_PARAMS_TX_RX_ENABLED          4
#define NDIS_OFFLOAD_PARAMS_LSOV2_DISABLED         1
#define NDIS_OFFLOAD_PARAMS_LSOV2_ENABLED          2
#define NDIS_OFFLOAD_PARAMS_RSC_DISABLED           1
#define NDIS_OFFLOAD_PARAMS_RSC_ENABLED            2

struct ndis_offload_params {
	struct ndis_object_header header;
	uint8_t ip_v4_csum;
	uint8_t tcp_ip_v4_csum;
	uint8_t udp_ip_v4_csum;
	uint8_t tcp_ip_v6_csum;
	uint8_t udp_ip_v6_csum;
	uint8_t lso_v1;
	uint8_t ip_sec_v1;
	uint8_t lso_v2_ipv4;
	uint8_t lso_v2_ipv6;
	uint8_t tcp_connection_ip_v4;
	uint8_t tcp_connection_ip_v6;
	uint8_t pad; /* Linux's struct puts flags at its natural alignment */
	uint32_t flags;
	uint8_t ip_sec_v2;
	uint8_t ip_sec_v2_ip_v4;
	uint8_t rsc_ip_v4;
	uint8_t rsc_ip_v6;
	uint8_t encapsulated_packet_task_offload;
	uint8_t encapsulation_types;
	uint8_t pad2[2];
} __attribute__((packed));

/* The smallest offload-parameters object (NVSP 4 and older). */
#define NDIS_OFFLOAD_PARAMS_SIZE_V4 22u

/* OID_GEN_RECEIVE_SCALE_CAPABILITIES */
struct ndis_recv_scale_cap {
	struct ndis_object_header hdr;
	uint32_t cap_flag;
	uint32_t num_int_msg;
	uint32_t num_recv_que;
	uint16_t num_indirect_tabent;
} __attribute__((packed));
#define NDIS_RECEIVE_SCALE_CAPABILITIES_REVISION_2 2

/* OID_GEN_RNDIS_CONFIG_PARAMETER: name and value in UTF-16LE, offsets from
 * the start of this struct. */
struct rndis_config_parameter_info {
	uint32_t name_offset;
	uint32_t name_length; /* bytes */
	uint32_t type;        /* RNDIS_CONFIG_PARAM_TYPE_* */
	uint32_t value_offset;
	uint32_t value_length; /* bytes */
} __attribute__((packed));
#define RNDIS_CONFIG_PARAM_TYPE_INTEGER 0
#define RNDIS_CONFIG_PARAM_TYPE_STRING  2

_Static_assert(sizeof(struct rndis_header) == 8, "header");
_Static_assert(sizeof(struct rndis_init_request) == 16, "init request");
_Static_assert(sizeof(struct rndis_init_complete) == 44, "init complete");
_Static_assert(sizeof(struct rndis_query_request) == 20, "query request");
_Static_assert(sizeof(struct rndis_query_complete) == 16, "query complete");
_Static_assert(sizeof(struct rndis_set_request) == 20, "set request");
_Static_assert(sizeof(struct rndis_set_complete) == 8, "set complete");
_Static_assert(sizeof(struct rndis_indicate_status) == 12, "indicate status");
_Static_assert(sizeof(struct rndis_keepalive_complete) == 8, "keepalive complete");
_Static_assert(sizeof(struct rndis_packet) == 36, "packet");
_Static_assert(RNDIS_PACKET_BYTES == 44, "data message header");
_Static_assert(sizeof(struct rndis_ppi) == 12, "ppi");
_Static_assert(sizeof(struct rndis_pktinfo_id) == 4, "pktinfo id");
_Static_assert(sizeof(struct ndis_csum_offload) == 32, "csum offload");
_Static_assert(sizeof(struct ndis_lsov2_offload) == 28, "lsov2 offload");
_Static_assert(offsetof(struct ndis_offload, csum) == 4, "offload csum");
_Static_assert(offsetof(struct ndis_offload, lsov2) == 80, "offload lsov2");
_Static_assert(NDIS_OFFLOAD_SIZE_6_0 == 112, "offload 6.0");
_Static_assert(NDIS_OFFLOAD_SIZE_6_1 == 144, "offload 6.1");
_Static_assert(sizeof(struct ndis_offload) == 156, "offload 6.30");
_Static_assert(offsetof(struct ndis_offload_params, flags) == 16, "params flags");
_Static_assert(offsetof(struct ndis_offload_params, rsc_ip_v4) == 22, "params rsc");
_Static_assert(sizeof(struct ndis_offload_params) == 28, "offload params");
_Static_assert(sizeof(struct ndis_recv_scale_cap) == 18, "rss caps");
_Static_assert(sizeof(struct rndis_config_parameter_info) == 20, "config parameter");

#endif
