/* SPDX-License-Identifier: MIT */
/*
 * Frame offloads done in software: Internet checksums, TCP segmentation,
 * VLAN tag insertion, and the translation of a guest's offload request into a
 * virtio-net header for a backend that does them itself (a TAP with
 * IFF_VNET_HDR). Pure C, no I/O: every function takes a frame in a buffer the
 * caller owns and checks every header against its length before use.
 *
 * Frames are Ethernet II, optionally with one 802.1Q tag; IPv4 or IPv6 (with
 * hop-by-hop, routing and destination-options extension headers); TCP or UDP.
 */
#ifndef PVN_NET_OFFLOAD_H
#define PVN_NET_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PVN_ETH_HLEN    14
#define PVN_VLAN_HLEN   4
#define PVN_ETH_P_IP    0x0800
#define PVN_ETH_P_IPV6  0x86dd
#define PVN_ETH_P_8021Q 0x8100
#define PVN_IPPROTO_TCP 6
#define PVN_IPPROTO_UDP 17

/* The virtio-net header a TAP with IFF_VNET_HDR puts before each frame
 * (struct virtio_net_hdr, little-endian on x86, 10 bytes). */
struct pvn_vnet_hdr {
	uint8_t flags;
	uint8_t gso_type;
	uint16_t hdr_len;
	uint16_t gso_size;
	uint16_t csum_start;
	uint16_t csum_offset;
} __attribute__((packed));
_Static_assert(sizeof(struct pvn_vnet_hdr) == 10, "virtio_net_hdr");

#define PVN_VNET_F_NEEDS_CSUM 1
#define PVN_VNET_F_DATA_VALID 2
#define PVN_VNET_GSO_NONE     0
#define PVN_VNET_GSO_TCPV4    1
#define PVN_VNET_GSO_UDP      3
#define PVN_VNET_GSO_TCPV6    4
#define PVN_VNET_GSO_ECN      0x80

/* Where the headers of a frame are. */
struct pvn_net_hdrs {
	uint16_t ethertype;  /* after any VLAN tag */
	uint16_t l3_off;     /* 14, or 18 with a tag */
	uint16_t l4_off;     /* 0 when not found */
	uint16_t l4_hdr_len; /* TCP: data offset * 4; UDP: 8 */
	uint8_t ip_version;  /* 4 or 6; 0: not IP */
	uint8_t l4_proto;    /* PVN_IPPROTO_TCP/UDP, or what the IP header says */
	bool fragment;       /* an IPv4 fragment or IPv6 fragment header */
};

/* Parse the L2/L3/L4 headers. 0, or -EINVAL when a header is cut short or
 * inconsistent (an IP header length beyond the frame, ...). A frame that is
 * not IP parses fine with ip_version 0. */
int pvn_net_parse(const uint8_t *f, size_t len, struct pvn_net_hdrs *h);

/* Ones'-complement sum of `len` bytes as big-endian 16-bit words, added to
 * `sum` (not folded). */
uint32_t pvn_net_csum_add(uint32_t sum, const void *data, size_t len);
/* Fold to 16 bits (not complemented). */
uint16_t pvn_net_csum_fold(uint32_t sum);
/* Pseudo-header sum for an L4 length `l4_len` (not folded). */
uint32_t pvn_net_pseudo_sum(const uint8_t *f, const struct pvn_net_hdrs *h, uint8_t proto,
                            uint32_t l4_len);
/* Recompute an IPv4 header checksum in place. */
void pvn_net_ipv4_csum(uint8_t *f, const struct pvn_net_hdrs *h);
/* Compute the full L4 checksum (TCP or UDP per `proto`) into the frame,
 * whatever the field held. -EINVAL when the L4 header does not fit. */
int pvn_net_l4_csum(uint8_t *f, size_t len, const struct pvn_net_hdrs *h, uint8_t proto);
/* True when the L4 checksum of the frame verifies (tests, the fuzzer). */
bool pvn_net_l4_csum_ok(const uint8_t *f, size_t len, const struct pvn_net_hdrs *h);

/* ---- transmit offloads a guest asks for (RNDIS per-packet info) ---- */
struct pvn_net_tx_req {
	bool csum_tcp, csum_udp; /* complete this L4 checksum */
	bool csum_ip;            /* complete the IPv4 header checksum */
	bool ipv4, ipv6;         /* what the guest says the frame is */
	uint16_t l4_off;         /* where it says the L4 header starts (0: unknown) */
	uint32_t mss;            /* TCP segmentation (LSO v2) when > 0 */
	bool vlan;               /* insert an 802.1Q tag */
	uint16_t vlan_tci;
};

/* What pvn_net_tx_prepare decided. */
struct pvn_net_tx_plan {
	struct pvn_net_hdrs h;
	bool tso;         /* segment (or have the backend segment) by mss */
	bool ip_csum;     /* complete the IPv4 header checksum */
	uint8_t proto;    /* the L4 checksum to complete, 0: none */
	uint16_t hdr_len; /* TSO: all headers; the payload starts here */
	uint32_t mss;
	uint32_t segments; /* 1 unless segmenting */
	uint32_t l4_end;   /* end of the L4 data (before any Ethernet padding) */
};

/*
 * Check a guest frame (VLAN tag already inserted, if any) against its offload
 * request and the largest frame allowed on the wire, `max_frame` (MTU + 14,
 * +4 when tagged). Fills *plan. -EINVAL with a reason in `why` (static
 * string) when the request does not fit the frame (offsets past it, LSO on a
 * non-TCP frame, an MSS that makes frames over max_frame, ...); -EMSGSIZE
 * when the frame is too big and is not to be segmented.
 */
int pvn_net_tx_prepare(const uint8_t *f, size_t len, const struct pvn_net_tx_req *req,
                       size_t max_frame, struct pvn_net_tx_plan *plan, const char **why);

/* Do the checksums of a prepared, unsegmented frame in place. */
void pvn_net_tx_csum(uint8_t *f, size_t len, const struct pvn_net_tx_plan *plan);

/* Segment a prepared TSO frame into plan->segments frames, each with its
 * headers fixed up (IP length and id, TCP sequence and flags) and complete
 * checksums; `emit` gets each one (in `seg`, valid during the call). `seg`
 * needs room for hdr_len + mss bytes. Stops at the first error emit returns. */
int pvn_net_tso_segment(const uint8_t *f, size_t len, const struct pvn_net_tx_plan *plan,
                        uint8_t *seg, int (*emit)(void *opaque, const uint8_t *seg, size_t len),
                        void *opaque);

/* For a backend that offloads: fix the headers the host stack checks (IP
 * lengths, IPv4 header checksum, the pseudo-header sum in the L4 checksum
 * field) and fill the virtio-net header that asks for the rest. */
void pvn_net_tx_vnet(uint8_t *f, size_t len, const struct pvn_net_tx_plan *plan,
                     struct pvn_vnet_hdr *vh);

/* Insert an 802.1Q tag after the MAC addresses: `out` gets len + 4 bytes.
 * -EINVAL when the frame is shorter than an Ethernet header. */
int pvn_net_vlan_insert(const uint8_t *f, size_t len, uint16_t tci, uint8_t *out);

/* ---- receive: what a backend's virtio-net header says ---- */
/* Complete a partial checksum (NEEDS_CSUM) in place. -EINVAL when
 * csum_start/csum_offset do not fit the frame. */
int pvn_net_rx_csum_complete(uint8_t *f, size_t len, const struct pvn_vnet_hdr *vh);
/* Check a GSO frame from the backend and describe it like a guest TSO
 * request would (the kernel already filled in IP lengths). */
int pvn_net_rx_gso_plan(const uint8_t *f, size_t len, const struct pvn_vnet_hdr *vh,
                        struct pvn_net_tx_plan *plan);

#endif
