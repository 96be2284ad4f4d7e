/* SPDX-License-Identifier: MIT */
/*
 * A small VMBus client for test guests, written from the protocol (the
 * facts Linux's hyperv headers record), independent of the runtime's server
 * code: its own wire structs, its own ring code. Single VP use (VP 0).
 *
 * Hyper-V set-up (guest OS id, hypercall page, SynIC pages, SINT2, SCONTROL)
 * runs once at CPL0 through guest_cpl0_call; everything else runs at CPL3:
 * hypercalls through the hypercall page (a port-I/O trampoline, so it works
 * at CPL3 with the TSS I/O bitmap), messages by polling the SIMP slot (EOM
 * is an MSR write, CPL0, only when the pending flag asks for it), ring
 * buffers by plain memory access.
 */
#ifndef PVN_GUEST_VMBUS_CLIENT_H
#define PVN_GUEST_VMBUS_CLIENT_H

#include "guest.h"

#define VMBC_SINT 2
#define VMBC_VECTOR 0x52
#define VMBC_EAGAIN 11

#define VMBC_V(major, minor) (((uint32_t)(major) << 16) | (minor))

/* channel message types */
enum {
	VMBC_OFFERCHANNEL = 1,
	VMBC_RESCIND_CHANNELOFFER = 2,
	VMBC_REQUESTOFFERS = 3,
	VMBC_ALLOFFERS_DELIVERED = 4,
	VMBC_OPENCHANNEL = 5,
	VMBC_OPENCHANNEL_RESULT = 6,
	VMBC_CLOSECHANNEL = 7,
	VMBC_GPADL_HEADER = 8,
	VMBC_GPADL_BODY = 9,
	VMBC_GPADL_CREATED = 10,
	VMBC_GPADL_TEARDOWN = 11,
	VMBC_GPADL_TORNDOWN = 12,
	VMBC_RELID_RELEASED = 13,
	VMBC_INITIATE_CONTACT = 14,
	VMBC_VERSION_RESPONSE = 15,
	VMBC_UNLOAD = 16,
	VMBC_UNLOAD_RESPONSE = 17,
	VMBC_MODIFYCHANNEL = 22,
	VMBC_MODIFYCHANNEL_RESPONSE = 24,
};

/* The ring control page, as both sides see it. */
struct vmbc_ring_ctl {
	volatile uint32_t write_index;
	volatile uint32_t read_index;
	volatile uint32_t interrupt_mask;
	volatile uint32_t pending_send_sz;
	uint32_t reserved1[12];
	volatile uint32_t feature_bits;
	uint8_t reserved2[4096 - 68];
};

struct vmbc_desc {
	uint16_t type, offset8, len8, flags;
	uint64_t trans_id;
};

struct vmbc_offer {
	uint8_t if_type[16], if_instance[16];
	uint8_t user_def[8];
	uint32_t relid, conn_id;
	bool rescinded;
};

/* One direction of a channel from the guest's side. */
struct vmbc_ring {
	struct vmbc_ring_ctl *ctl;
	uint8_t *data_pages[64]; /* 4 KiB each, in ring order */
	uint32_t size;           /* data bytes */
	uint32_t priv;           /* our index: write (out) or read (in) */
};

struct vmbc_chan {
	uint32_t relid, conn_id, gpadl;
	struct vmbc_ring out; /* guest -> host */
	struct vmbc_ring in;  /* host -> guest */
	uint64_t signals;     /* HvSignalEvent calls made */
};

#define VMBC_MAX_OFFERS 8
struct vmbc {
	uint32_t version, msg_conn_id;
	struct vmbc_offer offers[VMBC_MAX_OFFERS];
	unsigned nr_offers;
	unsigned rescinds;
	uint32_t next_gpadl;
	uint64_t eoms;
};

/* ---- Hyper-V ---- */
void vmbc_hv_init(void);
uint64_t vmbc_hypercall(uint64_t control, uint64_t in_gpa, uint64_t out_gpa);
/* HvPostMessage of `len` bytes (message type 1) on conn_id: the status. */
uint16_t vmbc_post(uint32_t conn_id, const void *msg, uint32_t len);
/* HvPostMessage with any message type and declared size (for bad-input tests). */
uint16_t vmbc_post_raw(uint32_t conn_id, uint32_t msg_type, const void *msg, uint32_t size);
/* HvSignalEvent (fast) on conn_id. */
uint16_t vmbc_signal(uint32_t conn_id);
void vmbc_eom(void);
/* Test-and-clear event flag `flag` in our SIEFP slot for SINT 2. */
bool vmbc_event_test_clear(unsigned flag);

/* ---- messages ---- */
/* Take the next channel message if one is there: its length, or 0. */
uint32_t vmbc_poll_msg(struct vmbc *c, void *buf);
/* Wait for a message of `type` (offers and rescinds that arrive meanwhile
 * are recorded). Asserts on timeout. Returns its length. */
uint32_t vmbc_wait(struct vmbc *c, uint32_t type, void *buf);
/* Wait up to `spins` polls for any message; 0 when none came. */
uint32_t vmbc_wait_any(struct vmbc *c, void *buf, uint64_t spins);

/* ---- connection ---- */
/* INITIATE_CONTACT at `version` on the connection id the protocol says;
 * 0 when accepted, -1 when refused. */
int vmbc_connect(struct vmbc *c, uint32_t version);
/* The same on an explicit connection id. */
int vmbc_connect_on(struct vmbc *c, uint32_t version, uint32_t conn_id);
/* REQUESTOFFERS; collects offers until ALLOFFERS_DELIVERED. */
void vmbc_request_offers(struct vmbc *c);
const struct vmbc_offer *vmbc_find_offer(struct vmbc *c, uint8_t instance_last_byte);
void vmbc_unload(struct vmbc *c);
uint16_t vmbc_send_msg(struct vmbc *c, const void *msg, uint32_t len);

/* ---- GPADLs and channels ---- */
/* A GPADL over `pages` pages at the given PFNs (one range); returns the
 * creation status (0 = created) and the id in *gpadl. */
uint32_t vmbc_gpadl_create_pfns(struct vmbc *c, uint32_t relid, const uint64_t *pfns,
				uint32_t pages, uint32_t *gpadl);
uint32_t vmbc_gpadl_create(struct vmbc *c, uint32_t relid, void *buf, uint32_t pages,
			   uint32_t *gpadl);
void vmbc_gpadl_teardown(struct vmbc *c, uint32_t relid, uint32_t gpadl);
/*
 * Open `o` with rings in `pages` pages given by pfns[] (the guest->host ring
 * in the first send_pages, both rings are zeroed here). Returns the open
 * status (0 = open).
 */
uint32_t vmbc_open_pfns(struct vmbc *c, struct vmbc_chan *ch, const struct vmbc_offer *o,
			const uint64_t *pfns, uint32_t pages, uint32_t send_pages);
uint32_t vmbc_open(struct vmbc *c, struct vmbc_chan *ch, const struct vmbc_offer *o, void *buf,
		   uint32_t pages, uint32_t send_pages);
/* Close, and tear the ring GPADL down. */
void vmbc_close(struct vmbc *c, struct vmbc_chan *ch);

/* 0, or -VMBC_EAGAIN when the ring has no room. Signals the host when the
 * ring went from empty to non-empty (unless it masked interrupts). */
int vmbc_send(struct vmbc_chan *ch, uint16_t type, uint16_t flags, uint64_t trans_id,
	      const void *data, uint32_t len);
/* The same with `ext` (ext_len bytes, a multiple of 8) between the
 * descriptor and the data, e.g. the GPA ranges of a type-9 packet; the data
 * offset covers it. */
int vmbc_send_ext(struct vmbc_chan *ch, uint16_t type, uint16_t flags, uint64_t trans_id,
		  const void *ext, uint32_t ext_len, const void *data, uint32_t len);
/* Payload length, or -VMBC_EAGAIN when nothing is there. */
int vmbc_recv(struct vmbc_chan *ch, struct vmbc_desc *d, void *buf, uint32_t cap);
/* vmbc_recv, polling until a packet comes; a guest assert fails when none
 * arrives within a generous bound. */
int vmbc_recv_wait(struct vmbc_chan *ch, struct vmbc_desc *d, void *buf, uint32_t cap);
/* Free bytes in the guest->host ring. */
uint32_t vmbc_out_free(struct vmbc_chan *ch);

#endif
