/* SPDX-License-Identifier: MIT */
/* Guest-side VMBus client for test guests; see vmbus_client.h. */
#include "vmbus_client.h"

#define MSR_GUEST_OS_ID 0x40000000
#define MSR_HYPERCALL 0x40000001
#define MSR_SCONTROL 0x40000080
#define MSR_SIEFP 0x40000082
#define MSR_SIMP 0x40000083
#define MSR_EOM 0x40000084
#define MSR_SINT0 0x40000090

#define HVCALL_POST_MESSAGE 0x5c
#define HVCALL_SIGNAL_EVENT 0x5d
#define HV_FAST (1ULL << 16)

#define MSG_FLAG_PENDING 1
#define PAGE 4096u

struct simp_slot {
	volatile uint32_t type;
	volatile uint8_t size;
	volatile uint8_t flags;
	uint16_t rsvd;
	uint64_t sender;
	uint8_t payload[240];
};

struct post_input {
	uint32_t conn_id;
	uint32_t rsvd;
	uint32_t msg_type;
	uint32_t size;
	uint8_t payload[240];
};

static uint8_t hypercall_page[PAGE] __attribute__((aligned(PAGE)));
static struct simp_slot simp[16] __attribute__((aligned(PAGE)));
static uint8_t siefp[PAGE] __attribute__((aligned(PAGE)));
static uint8_t int_page[PAGE] __attribute__((aligned(PAGE)));
static struct post_input post_in __attribute__((aligned(PAGE)));

static uint64_t pfn_of(const void *p)
{
	return (uint64_t)p >> 12; /* identity-mapped */
}

static uint64_t hv_setup(uint64_t arg)
{
	(void)arg;
	if (guest_wrmsr_safe(MSR_GUEST_OS_ID, 0x8100000000000000ULL))
		return 1;
	if (guest_wrmsr_safe(MSR_HYPERCALL, (uint64_t)hypercall_page | 1))
		return 2;
	if (guest_wrmsr_safe(MSR_SIMP, (uint64_t)simp | 1))
		return 3;
	if (guest_wrmsr_safe(MSR_SIEFP, (uint64_t)siefp | 1))
		return 4;
	if (guest_wrmsr_safe(MSR_SINT0 + VMBC_SINT, VMBC_VECTOR))
		return 5;
	if (guest_wrmsr_safe(MSR_SCONTROL, 1))
		return 6;
	return 0;
}

void vmbc_hv_init(void)
{
	uint64_t r = guest_cpl0_call(hv_setup, 0);
	GUEST_ASSERT_EQ(r, 0);
	/* The runtime wrote the trampoline: IN (0xe5) first. */
	GUEST_ASSERT_EQ(hypercall_page[0], 0xe5);
}

uint64_t vmbc_hypercall(uint64_t control, uint64_t in_gpa, uint64_t out_gpa)
{
	register uint64_t r8 __asm__("r8") = out_gpa;
	uint64_t status;

	/* x64 hypercall ABI: RCX control, RDX input, R8 output; RAX result. */
	__asm__ volatile("call *%[page]"
			 : "=a"(status), "+c"(control), "+d"(in_gpa), "+r"(r8)
			 : [page] "r"(hypercall_page)
			 : "memory", "cc");
	return status;
}

uint16_t vmbc_post_raw(uint32_t conn_id, uint32_t msg_type, const void *msg, uint32_t size)
{
	memset(&post_in, 0, sizeof(post_in));
	post_in.conn_id = conn_id;
	post_in.msg_type = msg_type;
	post_in.size = size;
	memcpy(post_in.payload, msg, size < 240 ? size : 240);
	return (uint16_t)vmbc_hypercall(HVCALL_POST_MESSAGE, (uint64_t)&post_in, 0);
}

uint16_t vmbc_post(uint32_t conn_id, const void *msg, uint32_t len)
{
	return vmbc_post_raw(conn_id, 1, msg, len);
}

uint16_t vmbc_signal(uint32_t conn_id)
{
	return (uint16_t)vmbc_hypercall(HVCALL_SIGNAL_EVENT | HV_FAST, conn_id, 0);
}

static uint64_t eom_fn(uint64_t arg)
{
	(void)arg;
	return (uint64_t)guest_wrmsr_safe(MSR_EOM, 0);
}

void vmbc_eom(void)
{
	guest_cpl0_call(eom_fn, 0);
}

bool vmbc_event_test_clear(unsigned flag)
{
	uint8_t *p = &siefp[VMBC_SINT * 256 + flag / 8];
	uint8_t bit = (uint8_t)(1u << (flag % 8));
	return __atomic_fetch_and(p, (uint8_t)~bit, __ATOMIC_SEQ_CST) & bit;
}

/* ---- messages ---- */

static void record_async(struct vmbc *c, const uint8_t *m, uint32_t len)
{
	uint32_t type = *(const uint32_t *)m;

	if (type == VMBC_OFFERCHANNEL && len >= 196 && c->nr_offers < VMBC_MAX_OFFERS) {
		struct vmbc_offer *o = &c->offers[c->nr_offers++];
		memset(o, 0, sizeof(*o));
		memcpy(o->if_type, m + 8, 16);
		memcpy(o->if_instance, m + 24, 16);
		memcpy(o->user_def, m + 8 + 52, 8);
		memcpy(&o->relid, m + 184, 4);
		memcpy(&o->conn_id, m + 192, 4);
	} else if (type == VMBC_RESCIND_CHANNELOFFER && len >= 12) {
		uint32_t relid;
		memcpy(&relid, m + 8, 4);
		for (unsigned i = 0; i < c->nr_offers; i++)
			if (c->offers[i].relid == relid)
				c->offers[i].rescinded = true;
		c->rescinds++;
	}
}

uint32_t vmbc_poll_msg(struct vmbc *c, void *buf)
{
	struct simp_slot *s = &simp[VMBC_SINT];
	uint32_t len;

	if (!__atomic_load_n(&s->type, __ATOMIC_ACQUIRE))
		return 0;
	len = s->size;
	if (len > 240)
		len = 240;
	memset(buf, 0, 240);
	memcpy(buf, s->payload, len);
	/* Free the slot, then look for the pending flag: the host sets it
	 * when it has more and wants an EOM. */
	__atomic_store_n(&s->type, 0, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&s->flags, __ATOMIC_SEQ_CST) & MSG_FLAG_PENDING) {
		vmbc_eom();
		c->eoms++;
	}
	return len;
}

uint32_t vmbc_wait_any(struct vmbc *c, void *buf, uint64_t spins)
{
	for (uint64_t i = 0; i < spins; i++) {
		uint32_t n = vmbc_poll_msg(c, buf);
		if (n)
			return n;
		cpu_relax();
	}
	return 0;
}

uint32_t vmbc_wait(struct vmbc *c, uint32_t type, void *buf)
{
	for (int tries = 0; tries < 40; tries++) {
		uint32_t n = vmbc_wait_any(c, buf, 5000000);
		if (!n) {
			/* A lost wake-up would leave the host waiting for an EOM. */
			vmbc_eom();
			continue;
		}
		if (*(uint32_t *)buf == type)
			return n;
		record_async(c, buf, n);
		tries = 0;
	}
	guest_assert_fail(__FILE__, __LINE__, "no VMBus message of this type", type, 0);
}

uint16_t vmbc_send_msg(struct vmbc *c, const void *msg, uint32_t len)
{
	return vmbc_post(c->msg_conn_id, msg, len);
}

int vmbc_connect_on(struct vmbc *c, uint32_t version, uint32_t conn_id)
{
	uint8_t m[40], r[240];

	memset(m, 0, sizeof(m));
	*(uint32_t *)m = VMBC_INITIATE_CONTACT;
	*(uint32_t *)(m + 8) = version;
	*(uint32_t *)(m + 12) = 0; /* answer on VP 0 */
	if (version >= VMBC_V(5, 0))
		m[16] = VMBC_SINT;
	else
		*(uint64_t *)(m + 16) = (uint64_t)int_page;
	GUEST_ASSERT_EQ(vmbc_post(conn_id, m, sizeof(m)), 0);
	vmbc_wait(c, VMBC_VERSION_RESPONSE, r);
	if (!r[8])
		return -1;
	c->version = version;
	c->msg_conn_id = version >= VMBC_V(5, 0) ? *(uint32_t *)(r + 12) : 1;
	c->nr_offers = 0;
	c->next_gpadl = 0xe1e10;
	return 0;
}

int vmbc_connect(struct vmbc *c, uint32_t version)
{
	return vmbc_connect_on(c, version, version >= VMBC_V(5, 0) ? 4 : 1);
}

void vmbc_request_offers(struct vmbc *c)
{
	uint8_t m[8] = {VMBC_REQUESTOFFERS}, r[240];

	GUEST_ASSERT_EQ(vmbc_send_msg(c, m, sizeof(m)), 0);
	vmbc_wait(c, VMBC_ALLOFFERS_DELIVERED, r);
}

const struct vmbc_offer *vmbc_find_offer(struct vmbc *c, uint8_t instance_last_byte)
{
	for (unsigned i = 0; i < c->nr_offers; i++)
		if (c->offers[i].if_instance[15] == instance_last_byte && !c->offers[i].rescinded)
			return &c->offers[i];
	return NULL;
}

void vmbc_unload(struct vmbc *c)
{
	uint8_t m[8] = {VMBC_UNLOAD}, r[240];

	GUEST_ASSERT_EQ(vmbc_send_msg(c, m, sizeof(m)), 0);
	vmbc_wait(c, VMBC_UNLOAD_RESPONSE, r);
	c->version = 0;
}

/* ---- GPADLs ---- */

uint32_t vmbc_gpadl_create_pfns(struct vmbc *c, uint32_t relid, const uint64_t *pfns,
				uint32_t pages, uint32_t *gpadl)
{
	uint8_t m[240], r[240];
	uint32_t id = c->next_gpadl++, sent, n, body_no = 0;

	/* GPADL_HEADER: hdr(8) relid gpadl range_buflen rangecount, then one
	 * range (byte_count, byte_offset) and as many PFNs as fit. */
	memset(m, 0, sizeof(m));
	*(uint32_t *)m = VMBC_GPADL_HEADER;
	*(uint32_t *)(m + 8) = relid;
	*(uint32_t *)(m + 12) = id;
	*(uint16_t *)(m + 16) = (uint16_t)(8 + pages * 8);
	*(uint16_t *)(m + 18) = 1;
	*(uint32_t *)(m + 20) = pages * PAGE;
	*(uint32_t *)(m + 24) = 0;
	n = pages < 26 ? pages : 26;
	memcpy(m + 28, pfns, n * 8);
	GUEST_ASSERT_EQ(vmbc_send_msg(c, m, 28 + n * 8), 0);
	for (sent = n; sent < pages; sent += n) {
		n = pages - sent < 28 ? pages - sent : 28;
		memset(m, 0, sizeof(m));
		*(uint32_t *)m = VMBC_GPADL_BODY;
		*(uint32_t *)(m + 8) = ++body_no;
		*(uint32_t *)(m + 12) = id;
		memcpy(m + 16, pfns + sent, n * 8);
		if (vmbc_send_msg(c, m, 16 + n * 8))
			break; /* refused: GPADL_CREATED says why */
	}
	vmbc_wait(c, VMBC_GPADL_CREATED, r);
	GUEST_ASSERT_EQ(*(uint32_t *)(r + 12), id);
	*gpadl = id;
	return *(uint32_t *)(r + 16);
}

uint32_t vmbc_gpadl_create(struct vmbc *c, uint32_t relid, void *buf, uint32_t pages,
			   uint32_t *gpadl)
{
	static uint64_t pfns[1024];

	GUEST_ASSERT(pages <= 1024);
	for (uint32_t i = 0; i < pages; i++)
		pfns[i] = pfn_of((uint8_t *)buf + (uint64_t)i * PAGE);
	return vmbc_gpadl_create_pfns(c, relid, pfns, pages, gpadl);
}

void vmbc_gpadl_teardown(struct vmbc *c, uint32_t relid, uint32_t gpadl)
{
	uint8_t m[16], r[240];

	memset(m, 0, sizeof(m));
	*(uint32_t *)m = VMBC_GPADL_TEARDOWN;
	*(uint32_t *)(m + 8) = relid;
	*(uint32_t *)(m + 12) = gpadl;
	GUEST_ASSERT_EQ(vmbc_send_msg(c, m, sizeof(m)), 0);
	vmbc_wait(c, VMBC_GPADL_TORNDOWN, r);
	GUEST_ASSERT_EQ(*(uint32_t *)(r + 8), gpadl);
}

/* ---- channels ---- */

static void ring_setup(struct vmbc_ring *r, const uint64_t *pfns, uint32_t pages)
{
	GUEST_ASSERT(pages >= 2 && pages - 1 <= 64);
	r->ctl = (struct vmbc_ring_ctl *)(pfns[0] << 12);
	memset(r->ctl, 0, PAGE);
	for (uint32_t i = 1; i < pages; i++)
		r->data_pages[i - 1] = (uint8_t *)(pfns[i] << 12);
	r->size = (pages - 1) * PAGE;
	r->priv = 0;
}

uint32_t vmbc_open_pfns(struct vmbc *c, struct vmbc_chan *ch, const struct vmbc_offer *o,
			const uint64_t *pfns, uint32_t pages, uint32_t send_pages)
{
	uint8_t m[148], r[240];
	uint32_t st;

	memset(ch, 0, sizeof(*ch));
	ch->relid = o->relid;
	ch->conn_id = o->conn_id;
	ring_setup(&ch->out, pfns, send_pages);
	ring_setup(&ch->in, pfns + send_pages, pages - send_pages);
	/* We will set pending_send_sz when our ring is full; we poll the
	 * incoming ring, so the host need not signal us for packets. */
	ch->out.ctl->feature_bits = 1;
	ch->in.ctl->interrupt_mask = 1;
	st = vmbc_gpadl_create_pfns(c, o->relid, pfns, pages, &ch->gpadl);
	if (st)
		return st;
	memset(m, 0, sizeof(m));
	*(uint32_t *)m = VMBC_OPENCHANNEL;
	*(uint32_t *)(m + 8) = o->relid;
	*(uint32_t *)(m + 12) = o->relid; /* openid */
	*(uint32_t *)(m + 16) = ch->gpadl;
	*(uint32_t *)(m + 20) = 0; /* target VP */
	*(uint32_t *)(m + 24) = send_pages;
	GUEST_ASSERT_EQ(vmbc_send_msg(c, m, sizeof(m)), 0);
	vmbc_wait(c, VMBC_OPENCHANNEL_RESULT, r);
	GUEST_ASSERT_EQ(*(uint32_t *)(r + 8), o->relid);
	st = *(uint32_t *)(r + 16);
	return st;
}

uint32_t vmbc_open(struct vmbc *c, struct vmbc_chan *ch, const struct vmbc_offer *o, void *buf,
		   uint32_t pages, uint32_t send_pages)
{
	static uint64_t pfns[130];

	GUEST_ASSERT(pages <= 130);
	for (uint32_t i = 0; i < pages; i++)
		pfns[i] = pfn_of((uint8_t *)buf + (uint64_t)i * PAGE);
	return vmbc_open_pfns(c, ch, o, pfns, pages, send_pages);
}

void vmbc_close(struct vmbc *c, struct vmbc_chan *ch)
{
	uint8_t m[12];

	memset(m, 0, sizeof(m));
	*(uint32_t *)m = VMBC_CLOSECHANNEL;
	*(uint32_t *)(m + 8) = ch->relid;
	GUEST_ASSERT_EQ(vmbc_send_msg(c, m, sizeof(m)), 0);
	vmbc_gpadl_teardown(c, ch->relid, ch->gpadl);
}

/* Copy to/from the ring data at `off`, wrapping, page by page. */
static void ring_io(struct vmbc_ring *r, uint32_t off, void *buf, uint32_t n, bool put)
{
	uint8_t *b = buf;

	while (n) {
		uint32_t in_page = off % PAGE, chunk = PAGE - in_page;
		uint8_t *p = r->data_pages[off / PAGE] + in_page;

		if (chunk > n)
			chunk = n;
		if (((uint64_t)p | (uint64_t)b | chunk) % 8 == 0) {
			uint64_t *d = (uint64_t *)(put ? p : b), *s = (uint64_t *)(put ? b : p);
			for (uint32_t i = 0; i < chunk / 8; i++)
				d[i] = s[i];
		} else if (put) {
			memcpy(p, b, chunk);
		} else {
			memcpy(b, p, chunk);
		}
		b += chunk;
		n -= chunk;
		off = (off + chunk) % r->size;
	}
}

static uint32_t ring_free(const struct vmbc_ring *r, uint32_t w, uint32_t rd)
{
	return w >= rd ? r->size - (w - rd) : rd - w;
}

uint32_t vmbc_out_free(struct vmbc_chan *ch)
{
	return ring_free(&ch->out, ch->out.priv, ch->out.ctl->read_index);
}

int vmbc_send(struct vmbc_chan *ch, uint16_t type, uint16_t flags, uint64_t trans_id,
	      const void *data, uint32_t len)
{
	return vmbc_send_ext(ch, type, flags, trans_id, NULL, 0, data, len);
}

int vmbc_send_ext(struct vmbc_chan *ch, uint16_t type, uint16_t flags, uint64_t trans_id,
		  const void *ext, uint32_t ext_len, const void *data, uint32_t len)
{
	struct vmbc_ring *r = &ch->out;
	uint32_t hdr = 16 + ext_len;
	uint32_t body = (hdr + len + 7) & ~7u, total = body + 8, old = r->priv, pad;
	struct vmbc_desc d = {type, (uint16_t)(hdr / 8), (uint16_t)(body / 8), flags, trans_id};
	uint64_t trailer = (uint64_t)old << 32, zero = 0;

	if (ring_free(r, old, __atomic_load_n(&r->ctl->read_index, __ATOMIC_ACQUIRE)) <= total)
		return -VMBC_EAGAIN;
	ring_io(r, old, &d, 16, true);
	if (ext_len)
		ring_io(r, (old + 16) % r->size, (void *)ext, ext_len, true);
	ring_io(r, (old + hdr) % r->size, (void *)data, len, true);
	pad = body - hdr - len;
	if (pad)
		ring_io(r, (old + hdr + len) % r->size, &zero, pad, true);
	ring_io(r, (old + body) % r->size, &trailer, 8, true);
	r->priv = (old + total) % r->size;
	__atomic_store_n(&r->ctl->write_index, r->priv, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->ctl->interrupt_mask, __ATOMIC_SEQ_CST))
		return 0;
	if (__atomic_load_n(&r->ctl->read_index, __ATOMIC_SEQ_CST) == old) {
		ch->signals++;
		GUEST_ASSERT_EQ(vmbc_signal(ch->conn_id), 0);
	}
	return 0;
}

int vmbc_recv(struct vmbc_chan *ch, struct vmbc_desc *d, void *buf, uint32_t cap)
{
	struct vmbc_ring *r = &ch->in;
	uint32_t w = __atomic_load_n(&r->ctl->write_index, __ATOMIC_ACQUIRE), len, off, start;
	uint32_t pending, free_now;

	if (w == r->priv)
		return -VMBC_EAGAIN;
	start = r->priv;
	ring_io(r, start, d, 16, false);
	len = d->len8 * 8u;
	off = d->offset8 * 8u;
	GUEST_ASSERT(off >= 16 && off <= len && len - off <= cap);
	ring_io(r, (start + off) % r->size, buf, len - off, false);
	r->priv = (start + len + 8) % r->size;
	__atomic_store_n(&r->ctl->read_index, r->priv, __ATOMIC_SEQ_CST);
	/* The host waits for room (pending_send_sz): signal when this read
	 * took the free space from "not enough" to "enough". */
	if (!(r->ctl->feature_bits & 1))
		return (int)(len - off);
	pending = __atomic_load_n(&r->ctl->pending_send_sz, __ATOMIC_SEQ_CST);
	if (pending) {
		free_now = ring_free(r, __atomic_load_n(&r->ctl->write_index, __ATOMIC_SEQ_CST),
				     r->priv);
		if (free_now > pending && free_now - (len + 8) <= pending) {
			ch->signals++;
			GUEST_ASSERT_EQ(vmbc_signal(ch->conn_id), 0);
		}
	}
	return (int)(len - off);
}

int vmbc_recv_wait(struct vmbc_chan *ch, struct vmbc_desc *d, void *buf, uint32_t cap)
{
	for (uint64_t i = 0; i < 400000000ULL; i++) {
		int n = vmbc_recv(ch, d, buf, cap);
		if (n != -VMBC_EAGAIN)
			return n;
		cpu_relax();
	}
	guest_assert_fail(__FILE__, __LINE__, "no packet came back", ch->relid, 0);
}
