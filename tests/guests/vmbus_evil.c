/* SPDX-License-Identifier: MIT */
/*
 * A malicious VMBus guest: GPADLs naming PFNs outside its RAM, inside
 * VTL2-private memory or in MMIO; opens with bad GPADLs; and rings with
 * indices past the end, packets longer than the ring, data offsets past the
 * packet, and a host->guest read index past the end. Each is refused or
 * resets only the channel it hit (the host checks the count at each step);
 * the second echo channel keeps working throughout. Channel 0's rings are
 * given to the host in scrambled page order (not contiguous on the host).
 */
#define SYNC_RESETS 1

#ifdef PVN_GUEST
#include "lib/vmbus_client.h"

#define RING_PAGES 8
static uint8_t ring0[RING_PAGES * 4096] __attribute__((aligned(4096)));
static uint8_t ring1[4 * 4096] __attribute__((aligned(4096)));
static uint8_t buf[4096];
static struct vmbc c;
static struct vmbc_chan ch0, ch1;
static const struct vmbc_offer *o0, *o1;
static uint64_t pfns[64];

static void echo_ok(struct vmbc_chan *ch, uint64_t id)
{
	struct vmbc_desc d;
	int n = -VMBC_EAGAIN;

	memset(buf, (int)id, 64);
	GUEST_ASSERT_EQ(vmbc_send(ch, 6, 0, id, buf, 64), 0);
	for (uint64_t i = 0; i < 100000000ULL && n == -VMBC_EAGAIN; i++)
		n = vmbc_recv(ch, &d, buf, sizeof(buf));
	GUEST_ASSERT_EQ(n, 64);
	GUEST_ASSERT_EQ(d.trans_id, id);
}

static void open_ch0(void)
{
	/* Scrambled: each ring's data pages in reverse order. */
	uint64_t base = (uint64_t)ring0 >> 12;
	pfns[0] = base;
	pfns[1] = base + 3, pfns[2] = base + 2, pfns[3] = base + 1;
	pfns[4] = base + 4;
	pfns[5] = base + 7, pfns[6] = base + 6, pfns[7] = base + 5;
	GUEST_ASSERT_EQ(vmbc_open_pfns(&c, &ch0, o0, pfns, RING_PAGES, 4), 0);
	for (uint64_t i = 0; i < 50; i++)
		echo_ok(&ch0, i);
}

static void reset_expected(uint64_t resets)
{
	guest_sync(SYNC_RESETS, resets);
	echo_ok(&ch1, resets);
	vmbc_close(&c, &ch0);
	open_ch0();
}

static void put_desc(struct vmbc_chan *ch, uint16_t off8, uint16_t len8, uint32_t advance)
{
	struct vmbc_desc d = {6, off8, len8, 0, 99};
	uint32_t w = ch->out.priv;
	memcpy(ch->out.data_pages[w / 4096] + w % 4096, &d, sizeof(d)); /* w % 8 == 0 */
	ch->out.ctl->write_index = (w + advance) % ch->out.size;
	GUEST_ASSERT_EQ(vmbc_signal(ch->conn_id), 0);
}

void guest_main(unsigned vp, unsigned nr_vps)
{
	uint32_t id;

	vmbc_hv_init();
	GUEST_ASSERT_EQ(vmbc_connect(&c, VMBC_V(5, 3)), 0);
	vmbc_request_offers(&c);
	o0 = vmbc_find_offer(&c, 0);
	o1 = vmbc_find_offer(&c, 1);
	GUEST_ASSERT(o0 && o1);

	/* GPADLs over memory the guest may not hand out. */
	for (unsigned i = 0; i < 40; i++)
		pfns[i] = ((uint64_t)ring0 >> 12) + (i % RING_PAGES);
	pfns[3] = 0x100000; /* 4 GiB: no RAM there */
	GUEST_ASSERT(vmbc_gpadl_create_pfns(&c, o0->relid, pfns, 8, &id) != 0);
	pfns[3] = 0x2000; /* 32 MiB: VTL2-private */
	GUEST_ASSERT(vmbc_gpadl_create_pfns(&c, o0->relid, pfns, 8, &id) != 0);
	pfns[3] = (uint64_t)ring0 >> 12;
	pfns[33] = 0xfee00; /* the LAPIC, in a GPADL_BODY */
	GUEST_ASSERT(vmbc_gpadl_create_pfns(&c, o0->relid, pfns, 40, &id) != 0);
	pfns[33] = ~0ULL >> 4; /* absurd PFN */
	GUEST_ASSERT(vmbc_gpadl_create_pfns(&c, o0->relid, pfns, 40, &id) != 0);
	guest_value("bad_gpadls_refused", 4);

	/* Open with a GPADL that does not hold a ring layout: page offset 0. */
	for (unsigned i = 0; i < RING_PAGES; i++)
		pfns[i] = ((uint64_t)ring0 >> 12) + i;
	GUEST_ASSERT_EQ(vmbc_gpadl_create_pfns(&c, o0->relid, pfns, RING_PAGES, &id), 0);
	for (uint32_t off = 0; off < 3; off++) {
		uint8_t m[148], r[240];
		memset(m, 0, sizeof(m));
		*(uint32_t *)m = VMBC_OPENCHANNEL;
		*(uint32_t *)(m + 8) = o0->relid;
		*(uint32_t *)(m + 16) = off == 2 ? id + 100 : id; /* 2: no such GPADL */
		*(uint32_t *)(m + 24) = off; /* 0, 1: a ring of less than two pages */
		GUEST_ASSERT_EQ(vmbc_send_msg(&c, m, sizeof(m)), 0);
		vmbc_wait(&c, VMBC_OPENCHANNEL_RESULT, r);
		GUEST_ASSERT(*(uint32_t *)(r + 16) != 0);
	}
	vmbc_gpadl_teardown(&c, o0->relid, id);

	GUEST_ASSERT_EQ(vmbc_open(&c, &ch1, o1, ring1, 4, 2), 0);
	open_ch0();

	/* 1: write index past the end of the ring. */
	ch0.out.ctl->write_index = ch0.out.size + 8;
	GUEST_ASSERT_EQ(vmbc_signal(ch0.conn_id), 0);
	reset_expected(1);
	/* 2: a packet longer than the ring (len8 * 8 = 256 KiB). */
	put_desc(&ch0, 2, 0x8000, 24);
	reset_expected(2);
	/* 3: data offset past the packet's end. */
	put_desc(&ch0, 5, 3, 32);
	reset_expected(3);
	/* 4: a descriptor that claims less than itself. */
	put_desc(&ch0, 1, 1, 16);
	reset_expected(4);
	/* 5: the host->guest ring's read index past the end: the echo fails. */
	ch0.in.ctl->read_index = 0x7ff1;
	memset(buf, 0, 8);
	GUEST_ASSERT_EQ(vmbc_send(&ch0, 6, 0, 1, buf, 8), 0);
	reset_expected(5);
	/* 6: a write index that is not 8-aligned. */
	ch0.out.ctl->write_index = 12;
	GUEST_ASSERT_EQ(vmbc_signal(ch0.conn_id), 0);
	reset_expected(6);
	/* Tearing down the rings of an open channel is refused. */
	{
		uint8_t m[16] = {VMBC_GPADL_TEARDOWN};
		*(uint32_t *)(m + 8) = ch0.relid;
		*(uint32_t *)(m + 12) = ch0.gpadl;
		GUEST_ASSERT_EQ(vmbc_send_msg(&c, m, sizeof(m)), 5);
	}
	echo_ok(&ch0, 1234);
	echo_ok(&ch1, 1234);
	vmbc_close(&c, &ch0);
	vmbc_close(&c, &ch1);
	vmbc_unload(&c);
	guest_done();
}
#else
#include "tests/guests/harness.h"
#include "runtime/hv/hv.h"
#include "runtime/vmbus/vmbus.h"

static struct pvn_vmbus *bus;

static void on_sync(struct gt *t, unsigned vp, uint64_t stage, uint64_t arg)
{
	struct pvn_vmbus_stats st;

	pvn_vmbus_get_stats(bus, &st);
	if (st.channel_resets != arg)
		fprintf(stderr, "expected %lu resets, have %lu\n", (unsigned long)arg,
			(unsigned long)st.channel_resets);
	GT_CHECK(st.channel_resets == arg);
}

int main(void)
{
	struct pvn_vmbus_echo *echo[2];
	struct pvn_vmbus_stats st;
	struct pvn_hv *hv;
	struct gt t;
	int r = gt_init(&t, "vmbus_evil", "memory = { size_mib = 32; vtl2_private_mib = 2; };");

	if (r)
		return r;
	t.on_sync = on_sync;
	GT_CHECK(!pvn_hv_create(t.vm, &hv));
	GT_CHECK(!pvn_vmbus_create(t.vm, hv, &bus));
	GT_CHECK(!pvn_vmbus_echo_create(bus, 0, &echo[0]));
	GT_CHECK(!pvn_vmbus_echo_create(bus, 1, &echo[1]));
	r = gt_run(&t);
	pvn_vmbus_get_stats(bus, &st);
	GT_CHECK(st.channel_resets == 6);
	GT_CHECK(st.gpadls_refused == 4);
	pvn_vmbus_destroy(bus);
	pvn_vmbus_echo_destroy(echo[0]);
	pvn_vmbus_echo_destroy(echo[1]);
	pvn_hv_destroy(hv);
	gt_fini(&t);
	return r || gt_failures ? 1 : 0;
}
#endif
