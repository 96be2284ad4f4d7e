/* SPDX-License-Identifier: MIT */
/* VMBus ring buffers, host side. See ring.h for the trust rules. */
#include "runtime/vmbus/ring.h"

#include <errno.h>
#include <string.h>

#define DESC_BYTES ((uint32_t)sizeof(struct vmbus_packet_desc))

/* Loads and stores of the shared control page: one access each, so a value
 * the guest changes under us is seen once and then validated. */
static inline uint32_t load_u32(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void store_u32(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

const char *pvn_vmbus_ring_strerror(int err)
{
	switch (-err) {
	case PVN_VMBUS_RING_EBADWIDX:
		return "guest write index past the ring or not 8-byte aligned";
	case PVN_VMBUS_RING_EBADRIDX:
		return "guest read index past the ring or not 8-byte aligned";
	case PVN_VMBUS_RING_ESHORT:
		return "fewer bytes in the ring than a packet descriptor and trailer";
	case PVN_VMBUS_RING_EBADLEN:
		return "packet length (len8) shorter than its descriptor";
	case PVN_VMBUS_RING_EOVERRUN:
		return "packet length (len8) beyond the bytes the guest wrote";
	case PVN_VMBUS_RING_EBADOFF:
		return "packet data offset (offset8) inside the descriptor or past len8";
	case EAGAIN:
		return "ring empty or full";
	case EMSGSIZE:
		return "packet larger than the ring";
	case EINVAL:
		return "invalid argument";
	default:
		return "unknown ring error";
	}
}

static bool index_ok(const struct pvn_vmbus_ring *r, uint32_t idx)
{
	return idx < r->size && (idx & 7) == 0;
}

/*
 * Copy between a host buffer and the data area at ring offset `off`,
 * wrapping at the end. In bounds: off < size and n <= size (callers check),
 * so every chunk lies in [0, size) of the data area, which is either the
 * flat mapping of `size` bytes or size / 4096 whole pages.
 */
static void ring_io(const struct pvn_vmbus_ring *r, uint32_t off, void *buf, uint32_t n,
		    bool to_ring)
{
	uint8_t *b = buf;

	while (n) {
		uint32_t chunk, in_page;
		uint8_t *p;

		if (r->flat) {
			chunk = r->size - off;
			p = r->flat + off;
		} else {
			in_page = off & (PVN_VMBUS_RING_PAGE - 1);
			chunk = PVN_VMBUS_RING_PAGE - in_page;
			p = r->pages[off / PVN_VMBUS_RING_PAGE] + in_page;
		}
		if (chunk > n)
			chunk = n;
		if (to_ring)
			memcpy(p, b, chunk);
		else
			memcpy(b, p, chunk);
		b += chunk;
		n -= chunk;
		off += chunk;
		if (off == r->size)
			off = 0;
	}
}

int pvn_vmbus_ring_init(struct pvn_vmbus_ring *r, void *ctl, uint8_t *flat, uint8_t **pages,
			uint32_t size, bool writer)
{
	uint32_t idx;

	memset(r, 0, sizeof(*r));
	if (!ctl || (!flat && !pages) || !size || size % PVN_VMBUS_RING_PAGE ||
	    size > PVN_VMBUS_RING_MAX_DATA)
		return -EINVAL;
	r->ctl = ctl;
	r->flat = flat;
	r->pages = flat ? NULL : pages;
	r->size = size;
	r->writer = writer;
	if (writer) {
		idx = load_u32(&r->ctl->write_index);
		if (!index_ok(r, idx))
			return -PVN_VMBUS_RING_EBADWIDX;
		r->priv = idx;
		/* We set pending_send_sz when blocked and read it when reading. */
		store_u32(&r->ctl->pending_send_sz, 0);
		store_u32(&r->ctl->feature_bits,
			  load_u32(&r->ctl->feature_bits) | VMBUS_RING_FEAT_PENDING_SEND_SZ);
	} else {
		idx = load_u32(&r->ctl->read_index);
		if (!index_ok(r, idx))
			return -PVN_VMBUS_RING_EBADRIDX;
		r->priv = idx;
	}
	return 0;
}

size_t pvn_vmbus_ring_packet_bytes(size_t ext_len, size_t len)
{
	return ((DESC_BYTES + ext_len + len + 7) & ~(size_t)7) + VMBUS_PKT_TRAILER;
}

/* Free bytes seen by a writer whose own index is w and reader's index rd. */
static uint32_t free_bytes(const struct pvn_vmbus_ring *r, uint32_t w, uint32_t rd)
{
	return w >= rd ? r->size - (w - rd) : rd - w;
}

int pvn_vmbus_ring_free_bytes(struct pvn_vmbus_ring *r, uint32_t *out)
{
	uint32_t rd = load_u32(&r->ctl->read_index);

	if (!r->writer)
		return -EINVAL;
	if (!index_ok(r, rd))
		return -PVN_VMBUS_RING_EBADRIDX;
	*out = free_bytes(r, r->priv, rd);
	return 0;
}

int pvn_vmbus_ring_write(struct pvn_vmbus_ring *r, uint16_t type, uint16_t flags,
			 uint64_t trans_id, const void *ext, size_t ext_len, const void *data,
			 size_t len, bool want_space, bool *signal)
{
	static const uint8_t zeros[8];
	struct vmbus_packet_desc d;
	size_t total, body;
	uint32_t rd, avail, old_w, off, pad;
	uint64_t trailer;

	*signal = false;
	if (!r->writer || (ext_len & 7) || (ext_len && !ext) || (len && !data))
		return -EINVAL;
	body = (DESC_BYTES + ext_len + len + 7) & ~(size_t)7;
	total = body + VMBUS_PKT_TRAILER;
	/* len8 is 16 bits, and a ring must keep one byte free. */
	if (body / 8 > UINT16_MAX || (DESC_BYTES + ext_len) / 8 > UINT16_MAX || total >= r->size)
		return -EMSGSIZE;
	rd = load_u32(&r->ctl->read_index);
	if (!index_ok(r, rd))
		return -PVN_VMBUS_RING_EBADRIDX;
	avail = free_bytes(r, r->priv, rd);
	/* Exactly full would look empty: a packet needs more than its size. */
	if (avail <= total) {
		if (want_space) {
			store_u32(&r->ctl->pending_send_sz, (uint32_t)total);
			r->waiting = true;
			/* The reader may have freed space before it saw pending_send_sz. */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			rd = load_u32(&r->ctl->read_index);
			if (!index_ok(r, rd))
				return -PVN_VMBUS_RING_EBADRIDX;
			avail = free_bytes(r, r->priv, rd);
		}
		if (avail <= total)
			return -EAGAIN;
	}
	if (r->waiting) {
		store_u32(&r->ctl->pending_send_sz, 0);
		r->waiting = false;
	}

	d.type = type;
	d.offset8 = (uint16_t)((DESC_BYTES + ext_len) / 8);
	d.len8 = (uint16_t)(body / 8);
	d.flags = flags;
	d.trans_id = trans_id;
	old_w = r->priv;
	off = old_w;
	/* Each piece below is < size bytes (total < size) and off stays in
	 * [0, size): ring_io wraps. */
	ring_io(r, off, &d, DESC_BYTES, true);
	off = (off + DESC_BYTES) % r->size;
	if (ext_len) {
		ring_io(r, off, (void *)ext, (uint32_t)ext_len, true);
		off = (uint32_t)((off + ext_len) % r->size);
	}
	if (len) {
		ring_io(r, off, (void *)data, (uint32_t)len, true);
		off = (uint32_t)((off + len) % r->size);
	}
	pad = (uint32_t)(body - DESC_BYTES - ext_len - len);
	if (pad) {
		ring_io(r, off, (void *)zeros, pad, true);
		off = (off + pad) % r->size;
	}
	trailer = (uint64_t)old_w << 32;
	ring_io(r, off, &trailer, sizeof(trailer), true);
	off = (off + (uint32_t)sizeof(trailer)) % r->size;
	r->priv = off;
	/* Publish the packet, then decide whether the reader needs a signal. */
	store_u32(&r->ctl->write_index, off);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (load_u32(&r->ctl->interrupt_mask))
		return 0;
	*signal = load_u32(&r->ctl->read_index) == old_w;
	return 0;
}

int pvn_vmbus_ring_peek(struct pvn_vmbus_ring *r, struct pvn_vmbus_pkt *pkt)
{
	struct vmbus_packet_desc d;
	uint32_t w, avail, len, off;

	if (r->writer)
		return -EINVAL;
	w = load_u32(&r->ctl->write_index);
	if (!index_ok(r, w))
		return -PVN_VMBUS_RING_EBADWIDX;
	avail = w >= r->priv ? w - r->priv : r->size - r->priv + w;
	if (!avail)
		return -EAGAIN;
	if (avail < DESC_BYTES + VMBUS_PKT_TRAILER)
		return -PVN_VMBUS_RING_ESHORT;
	/* In bounds: priv < size (ours) and 16 bytes <= avail < size. */
	ring_io(r, r->priv, &d, DESC_BYTES, false);
	len = (uint32_t)d.len8 * 8;
	off = (uint32_t)d.offset8 * 8;
	if (len < DESC_BYTES)
		return -PVN_VMBUS_RING_EBADLEN;
	/* len + trailer <= avail < size: the packet lies in what the guest wrote. */
	if (len + VMBUS_PKT_TRAILER > avail)
		return -PVN_VMBUS_RING_EOVERRUN;
	if (off < DESC_BYTES || off > len)
		return -PVN_VMBUS_RING_EBADOFF;
	pkt->type = d.type;
	pkt->flags = d.flags;
	pkt->trans_id = d.trans_id;
	pkt->offset = off;
	pkt->len = len;
	pkt->data_len = len - off;
	pkt->pos = r->priv;
	return 0;
}

int pvn_vmbus_ring_copy(const struct pvn_vmbus_ring *r, const struct pvn_vmbus_pkt *pkt,
			uint32_t from, void *buf, uint32_t n)
{
	/* pkt came from peek: pos < size and len < size, so [from, from + n)
	 * inside the packet is inside what the guest wrote. */
	if (r->writer || pkt->pos >= r->size || pkt->len >= r->size || from > pkt->len ||
	    n > pkt->len - from)
		return -EINVAL;
	if (n)
		ring_io(r, (uint32_t)(((uint64_t)pkt->pos + from) % r->size), buf, n, false);
	return 0;
}

int pvn_vmbus_ring_consume(struct pvn_vmbus_ring *r, const struct pvn_vmbus_pkt *pkt,
			   bool *signal)
{
	uint32_t bytes = pkt->len + VMBUS_PKT_TRAILER;
	uint32_t pending, w, free_now;

	*signal = false;
	if (r->writer || pkt->pos != r->priv || bytes >= r->size)
		return -EINVAL;
	r->priv = (uint32_t)(((uint64_t)r->priv + bytes) % r->size);
	store_u32(&r->ctl->read_index, r->priv);
	/* The guest sets pending_send_sz then re-reads read_index: order our
	 * read-index store before the pending_send_sz load. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!(load_u32(&r->ctl->feature_bits) & VMBUS_RING_FEAT_PENDING_SEND_SZ))
		return 0;
	pending = load_u32(&r->ctl->pending_send_sz);
	if (!pending)
		return 0;
	w = load_u32(&r->ctl->write_index);
	if (!index_ok(r, w))
		return 0; /* the next peek reports it */
	free_now = free_bytes(r, w, r->priv);
	/* Signal only on the "not enough" -> "enough" transition. */
	if (free_now - (free_now >= bytes ? bytes : free_now) > pending)
		return 0;
	if (free_now <= pending)
		return 0;
	*signal = true;
	return 0;
}

void pvn_vmbus_ring_set_interrupt_mask(struct pvn_vmbus_ring *r, bool masked)
{
	store_u32(&r->ctl->interrupt_mask, masked ? 1 : 0);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool pvn_vmbus_ring_has_data(const struct pvn_vmbus_ring *r)
{
	return load_u32(&r->ctl->write_index) != r->priv;
}
