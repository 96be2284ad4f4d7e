/* SPDX-License-Identifier: MIT */
/*
 * The host side of one VMBus ring buffer, over guest memory the guest can
 * change at any moment. Pure C (no KVM): the ring is given host pointers to
 * its control page and data pages, already checked against the memory map
 * by the caller (runtime/vmbus/vmbus.c maps them from a GPADL).
 *
 * A channel has two rings, both in the one GPADL the guest names in
 * OPENCHANNEL: pages [0, downstream_offset) are the guest->host ring (the
 * host READS it), pages [downstream_offset, end) the host->guest ring (the
 * host WRITES it). Page 0 of each is its control page.
 *
 * Trust: the host keeps its own copy of the index it owns (write index of the
 * ring it writes, read index of the ring it reads) and never reads it back
 * from guest memory. Every value it reads from the guest (the other index,
 * pending_send_sz, interrupt_mask, packet descriptors) is loaded once into a
 * local, validated, then used; packet bytes are copied out before anyone
 * parses them.
 *
 * Errors: -EAGAIN (ring empty / not enough space), -EMSGSIZE (a packet that
 * can never fit), -EINVAL (bad arguments from the host), or one of the
 * PVN_VMBUS_RING_E* codes below, negated: the guest broke the protocol and
 * the channel should be reset. pvn_vmbus_ring_strerror names each one.
 *
 * Threading: a ring is not locked here; the channel serialises its users.
 */
#ifndef PVN_VMBUS_RING_H
#define PVN_VMBUS_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/vmbus/vmbus_protocol.h"

#define PVN_VMBUS_RING_PAGE 4096u
/* Largest data area a ring may have (the indices are 32-bit). */
#define PVN_VMBUS_RING_MAX_DATA (1u << 30)

/* Guest protocol violations (returned negated). Distinct so the log says which. */
enum pvn_vmbus_ring_err {
	PVN_VMBUS_RING_EBASE = 0x1000,
	PVN_VMBUS_RING_EBADWIDX,  /* guest's write index past the ring or not 8-aligned */
	PVN_VMBUS_RING_EBADRIDX,  /* guest's read index past the ring or not 8-aligned */
	PVN_VMBUS_RING_ESHORT,    /* data in the ring shorter than a descriptor + trailer */
	PVN_VMBUS_RING_EBADLEN,   /* len8 * 8 shorter than a descriptor */
	PVN_VMBUS_RING_EOVERRUN,  /* len8 * 8 + trailer beyond the bytes written */
	PVN_VMBUS_RING_EBADOFF,   /* offset8 below the descriptor or past len8 */
	PVN_VMBUS_RING_ELAST
};
const char *pvn_vmbus_ring_strerror(int err);
/* True for the guest-violation codes (as returned, i.e. negative). */
static inline bool pvn_vmbus_ring_is_violation(int err)
{
	return err <= -PVN_VMBUS_RING_EBADWIDX && err > -PVN_VMBUS_RING_ELAST;
}

struct pvn_vmbus_ring {
	struct vmbus_ring_control *ctl; /* guest-shared control page */
	uint8_t *flat;                  /* the data area, when contiguous on the host */
	uint8_t **pages;                /* else size / 4096 data page pointers (not owned) */
	uint32_t size;                  /* data bytes: a multiple of 4096 */
	uint32_t priv;                  /* the index the host owns (write or read) */
	bool writer;
	bool waiting;                   /* writer: pending_send_sz is set */
};

/*
 * Attach to a ring. `ctl` and the data (flat, or pages[size / 4096]) must be
 * host mappings of guest RAM the caller checked. A writer sets
 * feat_pending_send_sz in the control page; the host's own index starts from
 * the value in the control page (validated: the guest zeroes both at open).
 */
int pvn_vmbus_ring_init(struct pvn_vmbus_ring *r, void *ctl, uint8_t *flat, uint8_t **pages,
			uint32_t size, bool writer);

/* ---- writer (host -> guest) ---- */
/* Bytes a packet with ext_len + len payload bytes takes in the ring. */
size_t pvn_vmbus_ring_packet_bytes(size_t ext_len, size_t len);
/*
 * Write one packet: the descriptor (offset8 = (16 + ext_len) / 8), ext
 * (ext_len bytes, a multiple of 8: the rest of a non-inband header), data,
 * zero padding and the trailer. -EAGAIN when it does not fit now; with
 * want_space the ring then asks the guest (pending_send_sz) to signal when
 * it does. *signal says whether the guest must be signalled (the ring went
 * from empty to non-empty and the guest did not mask interrupts).
 */
int pvn_vmbus_ring_write(struct pvn_vmbus_ring *r, uint16_t type, uint16_t flags,
			 uint64_t trans_id, const void *ext, size_t ext_len, const void *data,
			 size_t len, bool want_space, bool *signal);
/* Writer: free bytes now (validating the guest's read index). */
int pvn_vmbus_ring_free_bytes(struct pvn_vmbus_ring *r, uint32_t *out);

/* ---- reader (guest -> host) ---- */
struct pvn_vmbus_pkt {
	uint16_t type, flags;
	uint64_t trans_id;
	uint32_t offset;   /* data offset from the descriptor: offset8 * 8 */
	uint32_t len;      /* packet bytes without the trailer: len8 * 8 */
	uint32_t data_len; /* len - offset */
	uint32_t pos;      /* where the descriptor starts in the data area */
};
/* Look at the next packet without consuming it: -EAGAIN when empty. */
int pvn_vmbus_ring_peek(struct pvn_vmbus_ring *r, struct pvn_vmbus_pkt *pkt);
/* Copy n bytes from offset `from` of the peeked packet (from + n <= len). */
int pvn_vmbus_ring_copy(const struct pvn_vmbus_ring *r, const struct pvn_vmbus_pkt *pkt,
			uint32_t from, void *buf, uint32_t n);
/* Consume the peeked packet and publish the read index. *signal: the guest
 * waits for space (pending_send_sz) and this read crossed its threshold. */
int pvn_vmbus_ring_consume(struct pvn_vmbus_ring *r, const struct pvn_vmbus_pkt *pkt,
			   bool *signal);
/* Reader: ask the guest not to signal (while the host drains) or to signal again. */
void pvn_vmbus_ring_set_interrupt_mask(struct pvn_vmbus_ring *r, bool masked);
/* Reader: is there unread data (a bad guest index counts as data, so the
 * next peek reports it)? */
bool pvn_vmbus_ring_has_data(const struct pvn_vmbus_ring *r);

#endif
