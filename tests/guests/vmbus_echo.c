/* SPDX-License-Identifier: MIT */
/*
 * VMBus end to end: the guest's own client connects, finds the two echo
 * channels, creates a ring GPADL that needs several GPADL_BODY messages,
 * opens, runs 100 000 echo round trips, wraps a small ring many times, fills
 * a ring while the host is paused (flow control both ways), closes and
 * reopens, and sees a channel rescinded while the other keeps working.
 */
#define ECHO_ROUNDS 100000
#define SYNC_PAUSE 1
#define SYNC_RESUME 2
#define SYNC_RESCIND 3

#ifdef PVN_GUEST
#include "lib/vmbus_client.h"

#define OUT_PAGES 65 /* 64 data pages: 256 KiB guest -> host */
#define IN_PAGES 33  /* 32 data pages: 128 KiB host -> guest */
static uint8_t ring0[(OUT_PAGES + IN_PAGES) * 4096] __attribute__((aligned(4096)));
static uint8_t ring1[4 * 4096] __attribute__((aligned(4096)));
static uint8_t tx[65536 + 64], rx[65536 + 64];
static const uint8_t echo_class[16] = {0x2e, 0x7a, 0x1f, 0x5b, 0x4c, 0x0d, 0x8e, 0x4a,
				       0x9c, 0x61, 0x7e, 0x3a, 0x0f, 0x6d, 0x2b, 0x90};

static void fill(uint8_t *b, uint32_t len, uint64_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		b[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
}

static void check(const uint8_t *b, uint32_t len, uint64_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		if (b[i] != (uint8_t)(seed * 31 + i * 7 + (i >> 8)))
			guest_assert_fail(__FILE__, __LINE__, "echo payload differs", seed, i);
}

static void round_trip(struct vmbc_chan *ch, uint64_t id, uint32_t len)
{
	struct vmbc_desc d;
	int n;

	fill(tx, len, id);
	GUEST_ASSERT_EQ(vmbc_send(ch, 6, 1, id, tx, len), 0);
	n = vmbc_recv_wait(ch, &d, rx, sizeof(rx));
	GUEST_ASSERT_EQ(d.trans_id, id);
	GUEST_ASSERT_EQ(d.type, 6);
	/* In-band payloads come back padded to 8 bytes. */
	GUEST_ASSERT_EQ(n, (len + 7) & ~7u);
	check(rx, len, id);
}

void guest_main(unsigned vp, unsigned nr_vps)
{
	static struct vmbc c;
	static struct vmbc_chan ch0, ch1;
	const struct vmbc_offer *o0, *o1;
	uint32_t wraps = 0, prev, sent, got;
	struct vmbc_desc d;
	uint8_t msg[240];

	vmbc_hv_init();
	GUEST_ASSERT_EQ(vmbc_connect(&c, VMBC_V(5, 3)), 0);
	GUEST_ASSERT_EQ(c.msg_conn_id, 1);
	vmbc_request_offers(&c);
	GUEST_ASSERT_EQ(c.nr_offers, 2);
	for (unsigned i = 0; i < 2; i++) {
		for (unsigned b = 0; b < 16; b++)
			GUEST_ASSERT_EQ(c.offers[i].if_type[b], echo_class[b]);
		GUEST_ASSERT_EQ(c.offers[i].user_def[0], 'e');
	}
	o0 = vmbc_find_offer(&c, 0);
	o1 = vmbc_find_offer(&c, 1);
	GUEST_ASSERT(o0 && o1 && o0->relid != o1->relid && o0->conn_id != o1->conn_id);

	/* 98 ring pages: a GPADL_HEADER (26 PFNs) and three GPADL_BODY (28 each). */
	GUEST_ASSERT_EQ(vmbc_open(&c, &ch0, o0, ring0, OUT_PAGES + IN_PAGES, OUT_PAGES), 0);
	GUEST_ASSERT_EQ(vmbc_open(&c, &ch1, o1, ring1, 4, 2), 0);

	for (uint64_t i = 0; i < ECHO_ROUNDS; i++)
		round_trip(&ch0, i, (uint32_t)(i % 251) + 1);
	guest_value("echo_round_trips", ECHO_ROUNDS);
	round_trip(&ch0, 7777, 65536);

	/* ch1 has 4 KiB rings: 1 KiB packets wrap them every few packets. */
	prev = ch1.out.priv;
	for (uint64_t i = 0; i < 2000; i++) {
		round_trip(&ch1, i, 1000 + (uint32_t)(i % 24));
		if (ch1.out.priv < prev)
			wraps++;
		prev = ch1.out.priv;
	}
	GUEST_ASSERT(wraps > 400);
	guest_value("ring_wraps", wraps);

	/* Flow control: the host stops reading; fill our ring. */
	guest_sync(SYNC_PAUSE, 0);
	for (sent = 0;; sent++) {
		fill(tx, 1500, sent);
		if (vmbc_send(&ch0, 6, 0, sent, tx, 1500) == -VMBC_EAGAIN)
			break;
	}
	GUEST_ASSERT(sent > 100);
	guest_value("packets_to_fill_ring", sent);
	/* Ask to be signalled when there is room for one more, then let the
	 * host drain: it fills our 128 KiB incoming ring with echoes, blocks
	 * (pending_send_sz), and resumes as we read. */
	ch0.out.ctl->pending_send_sz = 1536 + 8;
	vmbc_event_test_clear(ch0.relid);
	guest_sync(SYNC_RESUME, 0);
	GUEST_ASSERT(vmbc_event_test_clear(ch0.relid));
	GUEST_ASSERT(ch0.in.ctl->pending_send_sz != 0); /* the host is waiting for room */
	ch0.out.ctl->pending_send_sz = 0;
	for (got = 0; got < sent; got++) {
		int n = vmbc_recv_wait(&ch0, &d, rx, sizeof(rx));
		GUEST_ASSERT_EQ(d.trans_id, got);
		GUEST_ASSERT_EQ(n, 1504);
		check(rx, 1500, got);
	}
	GUEST_ASSERT(ch0.signals > 0);
	round_trip(&ch0, 1, 64);

	/* Close and reopen. */
	vmbc_close(&c, &ch0);
	GUEST_ASSERT_EQ(vmbc_open(&c, &ch0, o0, ring0, OUT_PAGES + IN_PAGES, OUT_PAGES), 0);
	for (uint64_t i = 0; i < 100; i++)
		round_trip(&ch0, i, 100);

	/* The host rescinds channel 1 while it is open. */
	guest_sync(SYNC_RESCIND, o1->relid);
	vmbc_wait(&c, VMBC_RESCIND_CHANNELOFFER, msg);
	GUEST_ASSERT_EQ(*(uint32_t *)(msg + 8), o1->relid);
	vmbc_gpadl_teardown(&c, ch1.relid, ch1.gpadl);
	memset(msg, 0, 12);
	*(uint32_t *)msg = VMBC_RELID_RELEASED;
	*(uint32_t *)(msg + 8) = o1->relid;
	GUEST_ASSERT_EQ(vmbc_send_msg(&c, msg, 12), 0);
	/* Released: a second release is refused. */
	GUEST_ASSERT_EQ(vmbc_send_msg(&c, msg, 12), 5);
	for (uint64_t i = 0; i < 100; i++)
		round_trip(&ch0, i, 200);

	vmbc_close(&c, &ch0);
	vmbc_unload(&c);
	guest_value("eoms", c.eoms);
	guest_done();
}
#else
#include "tests/guests/harness.h"
#include "runtime/hv/hv.h"
#include "runtime/vmbus/vmbus.h"

static struct pvn_vmbus_echo *echo[2];

static void on_sync(struct gt *t, unsigned vp, uint64_t stage, uint64_t arg)
{
	switch (stage) {
	case SYNC_PAUSE:
		pvn_vmbus_echo_pause(echo[0], true);
		break;
	case SYNC_RESUME:
		pvn_vmbus_echo_pause(echo[0], false);
		break;
	case SYNC_RESCIND:
		GT_CHECK(pvn_vmbus_channel_relid(pvn_vmbus_echo_channel(echo[1])) == arg);
		GT_CHECK(!pvn_vmbus_rescind(pvn_vmbus_echo_channel(echo[1])));
		break;
	}
}

int main(void)
{
	struct pvn_vmbus_stats st;
	struct pvn_vmbus *bus;
	struct pvn_hv *hv;
	struct gt t;
	int r = gt_init(&t, "vmbus_echo", NULL);

	if (r)
		return r;
	t.on_sync = on_sync;
	GT_CHECK(!pvn_hv_create(t.vm, &hv));
	GT_CHECK(!pvn_vmbus_create(t.vm, hv, &bus));
	GT_CHECK(!pvn_vmbus_echo_create(bus, 0, &echo[0]));
	GT_CHECK(!pvn_vmbus_echo_create(bus, 1, &echo[1]));
	r = gt_run(&t);
	pvn_vmbus_get_stats(bus, &st);
	fprintf(stderr, "vmbus: %lu messages (%lu refused), %lu packets in, %lu out, %lu signals in, %lu out, %lu resets\n",
		(unsigned long)st.messages, (unsigned long)st.bad_messages,
		(unsigned long)st.packets_in, (unsigned long)st.packets_out,
		(unsigned long)st.signals_in, (unsigned long)st.signals_out,
		(unsigned long)st.channel_resets);
	GT_CHECK(st.channel_resets == 0);
	GT_CHECK(st.bad_messages == 1); /* the RELID_RELEASED sent twice */
	GT_CHECK(pvn_vmbus_echo_count(echo[0]) >= ECHO_ROUNDS);
	GT_CHECK(st.gpadls_created >= 3);
	pvn_vmbus_destroy(bus);
	pvn_vmbus_echo_destroy(echo[0]);
	pvn_vmbus_echo_destroy(echo[1]);
	pvn_hv_destroy(hv);
	gt_fini(&t);
	return r || gt_failures ? 1 : 0;
}
#endif
