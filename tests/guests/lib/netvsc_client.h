/* SPDX-License-Identifier: MIT */
/*
 * A small NVSP/RNDIS client for test guests: the guest half of a synthetic
 * NIC, as Linux's hv_netvsc drives one, over the VMBus client library
 * (vmbus_client.h). It uses the wire structs of plugins/vmbus-net (facts
 * about the protocol, checked there with _Static_assert) and nothing else of
 * the plugin. Single VP, polling.
 *
 * Packets from the host are taken one at a time: completions are matched to
 * the request that waits for them, transfer-page packets are unpacked into a
 * queue of RNDIS messages (copied out of the receive buffer) and completed
 * at once, so the host gets its sections back.
 */
#ifndef PVN_GUEST_NETVSC_CLIENT_H
#define PVN_GUEST_NETVSC_CLIENT_H

#include "vmbus_client.h"

#include "plugins/vmbus-net/nvsp_protocol.h"
#include "plugins/vmbus-net/rndis_protocol.h"

#define NVC_RECV_PAGES 64  /* 256 KiB receive buffer */
#define NVC_SEND_PAGES 16  /* 64 KiB send buffer */
#define NVC_RING_PAGES 34  /* 16 data pages each way */
#define NVC_QUEUE      256 /* the device sends up to 256 ranges in one transfer */
#define NVC_MSG_MAX    2048

/* {f8615163-df3e-46c5-913f-f2d2f965ed0e} as VMBus puts it on the wire */
extern const uint8_t nvc_class[16];

struct nvc_msg {
	uint32_t len;
	uint8_t b[NVC_MSG_MAX];
};

struct nvc {
	struct vmbc *c;
	struct vmbc_chan ch;
	const struct vmbc_offer *o;
	uint32_t recv_gpadl, send_gpadl;
	uint32_t sec_size, nsec, send_section;
	uint32_t nvsp_version;
	uint64_t next_tid;
	uint32_t next_req;
	/* received RNDIS messages, oldest first */
	struct nvc_msg q[NVC_QUEUE];
	unsigned qhead, qn;
	uint64_t xfers, rx_msgs, dropped;
	/* the last completion taken that nobody waited for */
	uint64_t stray_completions;
	bool auto_complete;     /* complete transfer-page packets at once (default) */
	uint64_t held_tid[256]; /* with auto_complete off: transfers not completed yet */
	unsigned nheld;
};

extern uint8_t nvc_recv_buf[NVC_RECV_PAGES * 4096];
extern uint8_t nvc_send_buf[NVC_SEND_PAGES * 4096];
extern uint8_t nvc_scratch[8 * 4096]; /* GPA-direct pages */

/* Open the NIC's channel (rings in `ring`, NVC_RING_PAGES pages). */
void nvc_open(struct nvc *n, struct vmbc *c, const struct vmbc_offer *o, void *ring);
void nvc_close(struct nvc *n);

/* Send an in-band NVSP message asking for a completion; wait for it and copy
 * its payload to reply (up to 40 bytes); returns the payload length. */
uint32_t nvc_request(struct nvc *n, const struct nvsp_msg *m, uint32_t len, struct nvsp_msg *reply);
/* Send without waiting (flags 0: no completion asked). */
void nvc_post(struct nvc *n, const struct nvsp_msg *m, uint32_t len, uint16_t flags, uint64_t tid);
/* Take one packet from the host, if any: 1 when one was handled. A
 * completion for `want_tid` is copied to reply and *got set. */
int nvc_poll(struct nvc *n, uint64_t want_tid, struct nvsp_msg *reply, uint32_t *replylen,
             bool *got);
/* Wait for the completion of want_tid (asserting within a bound). */
uint32_t nvc_wait_completion(struct nvc *n, uint64_t tid, struct nvsp_msg *reply);

/* INIT at `version`: the status of INIT_COMPLETE. */
uint32_t nvc_init(struct nvc *n, uint32_t version);
/* NDIS config and version, receive and send buffers; asserts success. */
void nvc_setup_buffers(struct nvc *n, uint32_t mtu);

/* An RNDIS message through send-buffer section `section` (wait: the
 * completion status) or through GPA direct pages. Both return the NVSP
 * completion status. */
uint32_t nvc_rndis_section(struct nvc *n, uint32_t section, const void *msg, uint32_t len);
uint32_t nvc_rndis_gpa(struct nvc *n, const void *msg, uint32_t len);
/* Wait for the next queued RNDIS message of `type` (others before it are
 * dropped and counted). */
void nvc_next(struct nvc *n, uint32_t type, struct nvc_msg *out);
/* Non-blocking: take the oldest queued message, if any (after polling). */
bool nvc_take(struct nvc *n, struct nvc_msg *out);

/* RNDIS requests: INITIALIZE, QUERY (returns the status, the value in out),
 * SET (returns the status). */
void nvc_rndis_init(struct nvc *n);
uint32_t nvc_query(struct nvc *n, uint32_t oid, void *out, uint32_t *outlen);
uint32_t nvc_set(struct nvc *n, uint32_t oid, const void *info, uint32_t len);

/* Build an RNDIS data message around `frame` into out, with the given PPI
 * values (0: none). Returns its length. */
uint32_t nvc_data_msg(uint8_t *out, const uint8_t *frame, uint32_t len, uint32_t csum_ppi,
                      uint32_t lso_ppi);
/* Complete the transfers held with auto_complete off. */
void nvc_complete_held(struct nvc *n);

#endif
