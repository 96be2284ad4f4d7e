/* SPDX-License-Identifier: MIT */
/*
 * A fake world for the vmbus-net device model (plugins/vmbus-net/netvsp.c):
 * guest RAM as one array, GPADLs as windows on it, a recorder for the VMBus
 * packets the device sends and the frames it hands the backend, and a small
 * "guest driver" that speaks NVSP and RNDIS the way Linux's hv_netvsc does.
 * Used by tests/unit/test_net_netvsp.c and the two fuzzers.
 *
 * Every frame the device hands the backend is checked here
 * (net_fake_check_frame): the backend must never get a malformed frame.
 */
#ifndef PVN_TESTS_NET_FAKE_H
#define PVN_TESTS_NET_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/vmbus-net/netvsp.h"
#include "plugins/vmbus-net/nvsp_protocol.h"
#include "plugins/vmbus-net/rndis_protocol.h"

#define NF_RAM (8u << 20)
/* Where the driver puts its buffers in fake RAM, and their GPADL ids. */
#define NF_RECV_GPADL 0x100
#define NF_RECV_OFF   (1u << 20)
#define NF_RECV_LEN   (2u << 20)
#define NF_SEND_GPADL 0x200
#define NF_SEND_OFF   (4u << 20)
#define NF_SEND_LEN   (1u << 20)
#define NF_PAGE_OFF   (6u << 20) /* scratch pages for GPA direct */

struct nf_sent {
	uint16_t type, flags;
	uint64_t tid;
	uint32_t hdr_len, len;
	uint8_t hdr[8 + 8 * 256];
	uint8_t data[64];
};

struct nf_frame {
	bool has_vh;
	struct pvn_vnet_hdr vh;
	uint32_t len;
	uint8_t *data;
};

struct net_fake {
	uint8_t *ram;
	struct {
		uint32_t id;
		uint64_t off, len;
		int maps;
	} gpadl[4];
	struct nf_sent *sent;
	unsigned nsent, sent_cap;
	struct nf_frame *tx;
	unsigned ntx, tx_cap;
	bool ring_full; /* send returns -EAGAIN */
	int kicks, unmaps;
	size_t max_frame;  /* MTU + 18: the largest frame the backend may get */
	bool vnet;         /* frames carry virtio-net headers */
	bool abort_on_bad; /* fuzzers: abort() on a malformed frame */
	unsigned bad_frames;
	char last_log[400];
	unsigned logs;
	bool quiet;
};

void nf_init(struct net_fake *f, unsigned mtu, bool vnet);
void nf_fini(struct net_fake *f);
struct pvn_netvsp_io nf_io(struct net_fake *f);
/* Forget what was recorded. */
void nf_clear(struct net_fake *f);
/* 0 when `frame` is something a backend may be handed. */
int nf_check_frame(const struct net_fake *f, const struct pvn_vnet_hdr *vh, const uint8_t *frame,
                   size_t len);

/* ---- the guest side ---- */
/* Give the device one packet. */
void nf_packet(struct pvn_netvsp *d, uint16_t type, uint16_t flags, uint64_t tid, const void *hdr,
               uint32_t hdr_len, const void *data, uint32_t len);
/* An in-band NVSP message asking for a completion. */
void nf_nvsp(struct pvn_netvsp *d, const struct nvsp_msg *m, uint32_t len, uint64_t tid);
/* RNDIS message `msg` through send-buffer section `section` (its
 * SEND_RNDIS_PKT has transaction id tid). */
void nf_rndis_section(struct net_fake *f, struct pvn_netvsp *d, uint32_t section, const void *msg,
                      uint32_t len, uint64_t tid);
/* The same through GPA direct from scratch pages (split across two pages
 * when `split`). */
void nf_rndis_gpa(struct net_fake *f, struct pvn_netvsp *d, const void *msg, uint32_t len,
                  uint64_t tid, bool split);
/* The last completion sent for tid, or NULL. */
const struct nf_sent *nf_completion(const struct net_fake *f, uint64_t tid);
/* Walk the RNDIS messages of transfer-page packets sent since `from`:
 * calls fn for each (bytes copied out of the receive buffer). */
unsigned nf_rx_messages(const struct net_fake *f, unsigned from,
                        void (*fn)(void *opaque, const uint8_t *msg, uint32_t len), void *opaque);
/* Complete every transfer-page packet sent since `from`. */
void nf_complete_rx(struct net_fake *f, struct pvn_netvsp *d, unsigned from);
/* INIT (at `version`), NDIS version, NDIS config, buffers, RNDIS INIT and the
 * packet filter: what hv_netvsc does at probe. 0 when every step worked. */
int nf_bring_up(struct net_fake *f, struct pvn_netvsp *d, uint32_t version);
/* An RNDIS data message around `frame` with optional PPIs (value 0 = none). */
uint32_t nf_data_msg(uint8_t *out, const uint8_t *frame, uint32_t len, uint32_t csum_ppi,
                     uint32_t lso_ppi, uint32_t vlan_ppi);

#endif
