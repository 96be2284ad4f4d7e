/* SPDX-License-Identifier: MIT */
/*
 * A plugin's VMBus channel (plugin ABI 1.2) end to end. The host signs
 * tests/plugins/tp-vmbus.so with a fresh key and builds the VM from a config
 * that lists it, with Hyper-V (and so VMBus) on; the plugin offers an echo
 * channel through vmbus_offer. The guest's own VMBus client connects, finds
 * the offer by its class GUID, opens it, runs 1000 echo round trips (sizes
 * 1-1021 bytes, and one of 16 KiB), fills the rings both ways (the plugin
 * gets -EAGAIN and resumes from its writable callback), has the plugin read
 * and rewrite a GPADL
 * through vmbus_gpadl_map/read/write (answered with a completion packet),
 * gets -ENOENT for a GPADL it never created, gets a transfer-page packet the
 * plugin sent with the ABI 1.3 vmbus_send_ext (header between descriptor and
 * data), closes, reopens, closes and unloads.
 */
#define ECHO_ROUNDS 1000

#ifdef PVN_GUEST
#include "lib/vmbus_client.h"

#define OUT_PAGES 9 /* 8 data pages each way */
#define IN_PAGES 9
#define BUF_PAGES 3
static uint8_t ring[(OUT_PAGES + IN_PAGES) * 4096] __attribute__((aligned(4096)));
static uint8_t gbuf[BUF_PAGES * 4096] __attribute__((aligned(4096)));
static uint8_t tx[16384 + 64], rx[16384 + 64];
/* {8a4c2f31-6e0d-4b7a-9d52-1c3e5f7a9b0d} in the wire layout */
static const uint8_t tp_class[16] = {0x31, 0x2f, 0x4c, 0x8a, 0x0d, 0x6e, 0x7a, 0x4b,
				     0x9d, 0x52, 0x1c, 0x3e, 0x5f, 0x7a, 0x9b, 0x0d};

static void fill(uint8_t *b, uint32_t len, uint64_t seed)
{
	for (uint32_t i = 0; i < len; i++)
		b[i] = (uint8_t)(seed * 13 + i * 5 + (i >> 7));
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
	GUEST_ASSERT_EQ(n, (len + 7) & ~7u);
	for (uint32_t i = 0; i < len; i++)
		if (rx[i] != tx[i])
			guest_assert_fail(__FILE__, __LINE__, "echo payload differs", id, i);
}

/* Ask the plugin to sum and invert `len` bytes of GPADL `id`. */
static void gpadl_op(struct vmbc_chan *ch, uint32_t id, uint32_t len, uint64_t trans,
		     uint32_t reply[4])
{
	uint8_t req[16] = {'G', 'P', 'A', 'D'};
	struct vmbc_desc d;
	int n;

	memcpy(req + 4, &id, 4);
	memcpy(req + 8, &len, 4);
	GUEST_ASSERT_EQ(vmbc_send(ch, 6, 1, trans, req, sizeof(req)), 0);
	n = vmbc_recv_wait(ch, &d, rx, sizeof(rx));
	GUEST_ASSERT_EQ(d.type, 0xb); /* a completion */
	GUEST_ASSERT_EQ(d.trans_id, trans);
	GUEST_ASSERT_EQ(n, 16);
	memcpy(reply, rx, 16);
}

void guest_main(unsigned vp, unsigned nr_vps)
{
	static struct vmbc c;
	static struct vmbc_chan ch;
	const struct vmbc_offer *o = NULL;
	uint32_t gpadl, sum = 0, reply[4], sent;

	vmbc_hv_init();
	GUEST_ASSERT_EQ(vmbc_connect(&c, VMBC_V(5, 3)), 0);
	vmbc_request_offers(&c);
	for (unsigned i = 0; i < c.nr_offers; i++)
		if (!memcmp(c.offers[i].if_type, tp_class, 16))
			o = &c.offers[i];
	GUEST_ASSERT(o);
	GUEST_ASSERT(!memcmp(o->user_def, "tp-echo", 8));
	GUEST_ASSERT_EQ(o->if_instance[15], 0x01); /* ...-1c3e5f7a9b01 */
	guest_value("offers", c.nr_offers);

	GUEST_ASSERT_EQ(vmbc_open(&c, &ch, o, ring, OUT_PAGES + IN_PAGES, OUT_PAGES), 0);
	for (uint64_t i = 0; i < ECHO_ROUNDS; i++)
		round_trip(&ch, i, (uint32_t)(i * 37 % 1021) + 1);
	round_trip(&ch, 4242, 16384);
	guest_value("echo_round_trips", ECHO_ROUNDS + 1);

	/* Flow control both ways: send without reading until our ring is full
	 * (the plugin filled ours, got -EAGAIN and stopped reading), then read
	 * everything back (the plugin resumes from its writable callback). */
	for (sent = 0;; sent++) {
		fill(tx, 1000, 10000 + sent);
		if (vmbc_send(&ch, 6, 0, 10000 + sent, tx, 1000) == -VMBC_EAGAIN)
			break;
		GUEST_ASSERT(sent < 1000);
	}
	GUEST_ASSERT(sent > 40);
	for (uint32_t got = 0; got < sent; got++) {
		struct vmbc_desc d;
		GUEST_ASSERT_EQ(vmbc_recv_wait(&ch, &d, rx, sizeof(rx)), 1000);
		GUEST_ASSERT_EQ(d.trans_id, 10000 + got);
		fill(tx, 1000, 10000 + got);
		GUEST_ASSERT(!memcmp(rx, tx, 1000));
	}
	GUEST_ASSERT(ch.signals > 0);
	round_trip(&ch, 1, 64);
	guest_value("flow_control_packets", sent);

	/* The plugin reads and rewrites a GPADL through the checked calls. */
	fill(gbuf, sizeof(gbuf), 99);
	for (uint32_t i = 0; i < sizeof(gbuf) - 100; i++)
		sum += gbuf[i];
	GUEST_ASSERT_EQ(vmbc_gpadl_create(&c, ch.relid, gbuf, BUF_PAGES, &gpadl), 0);
	gpadl_op(&ch, gpadl, sizeof(gbuf) - 100, 77, reply);
	GUEST_ASSERT_EQ(reply[3], 0);
	GUEST_ASSERT_EQ(reply[0], sum);
	GUEST_ASSERT_EQ(reply[1], BUF_PAGES);
	GUEST_ASSERT_EQ(reply[2], BUF_PAGES * 4096);
	fill(tx, sizeof(gbuf), 99);
	for (uint32_t i = 0; i < sizeof(gbuf); i++)
		GUEST_ASSERT_EQ(gbuf[i], i < sizeof(gbuf) - 100 ? (uint8_t)~tx[i] : tx[i]);
	/* The plugin unmapped it: the teardown is answered at once. */
	vmbc_gpadl_teardown(&c, ch.relid, gpadl);
	gpadl_op(&ch, gpadl, 16, 78, reply);
	GUEST_ASSERT_EQ(reply[3], 2); /* ENOENT: gone */
	guest_value("gpadl_sum", sum);

	/* ABI 1.3: a transfer-page packet, header { pageset 0x1234, 2 ranges }
	 * between the descriptor and the data. */
	{
		static const uint8_t want_hdr[24] = {0x34, 0x12, 0, 0, 2, 0, 0, 0, 16, 0, 0, 0,
						     32, 0, 0, 0, 48, 0, 0, 0, 64, 0, 0, 0};
		struct vmbc_desc d;
		int n;

		memcpy(tx, "XFER", 4);
		fill(tx + 4, 20, 555);
		GUEST_ASSERT_EQ(vmbc_send(&ch, 6, 1, 4321, tx, 24), 0);
		n = vmbc_recv_raw(&ch, &d, rx, sizeof(rx));
		GUEST_ASSERT_EQ(d.type, 7);
		GUEST_ASSERT_EQ(d.trans_id, 4321);
		GUEST_ASSERT_EQ(d.offset8, 5); /* (16 + 24) / 8 */
		GUEST_ASSERT_EQ(n, 48);        /* 24 of header, 20 of data, padding */
		GUEST_ASSERT(!memcmp(rx, want_hdr, sizeof(want_hdr)));
		GUEST_ASSERT(!memcmp(rx + 24, tx + 4, 20));
		guest_value("xfer_pages_packet", 1);
	}

	vmbc_close(&c, &ch);
	GUEST_ASSERT_EQ(vmbc_open(&c, &ch, o, ring, OUT_PAGES + IN_PAGES, OUT_PAGES), 0);
	for (uint64_t i = 0; i < 50; i++)
		round_trip(&ch, i, 200);
	vmbc_close(&c, &ch);
	vmbc_unload(&c);
	guest_done();
}
#else
#include "tests/guests/harness.h"
#include "runtime/plugin/plugin.h"
#include "runtime/vmbus/vmbus.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	char tmp[] = "/tmp/pvn-gt-vmbus-plugin-XXXXXX", so[1024], extra[4096];
	struct pvn_vmbus_stats st;
	bool found;
	struct gt t;
	int r;

	if (!mkdtemp(tmp))
		return 1;
	if (gt_sign_plugin("tp-vmbus.so", tmp, so, sizeof(so)))
		return 1;
	snprintf(extra, sizeof(extra),
		 "hyperv = true; acpi = true;\n"
		 "plugins = ( { path = \"%s\"; } );\n"
		 "plugin_policy = { trust_store = \"%s/trust\"; mode = \"enforce\"; };\n",
		 so, tmp);
	r = gt_init(&t, "vmbus_plugin", extra);
	if (r == 77)
		return r;
	GT_CHECK(r == 0);
	if (!r) {
		GT_CHECK(t.inst->vmbus && t.inst->plugins);
		r = gt_run(&t);
		GT_CHECK(t.done_vps == 1);
		GT_CHECK(gt_value(&t, "offers", &found) == 1 && found);
		GT_CHECK(gt_value(&t, "echo_round_trips", &found) == ECHO_ROUNDS + 1 && found);
		GT_CHECK(gt_value(&t, "gpadl_sum", &found) > 0 && found);
		GT_CHECK(gt_value(&t, "xfer_pages_packet", &found) == 1 && found);
		pvn_vmbus_get_stats(t.inst->vmbus, &st);
		fprintf(stderr, "vmbus: %lu messages (%lu refused), %lu packets in, %lu out, "
				"%lu resets, %lu GPADLs\n",
			(unsigned long)st.messages, (unsigned long)st.bad_messages,
			(unsigned long)st.packets_in, (unsigned long)st.packets_out,
			(unsigned long)st.channel_resets, (unsigned long)st.gpadls_created);
		GT_CHECK(gt_value(&t, "flow_control_packets", &found) > 40 && found);
		GT_CHECK(st.packets_in >= ECHO_ROUNDS + 53 + 40);
		GT_CHECK(st.packets_out >= ECHO_ROUNDS + 53 + 40);
		GT_CHECK(st.channel_resets == 0);
		GT_CHECK(st.bad_messages == 0);
	}
	gt_fini(&t); /* fini, then the plugin's channel is rescinded */
	snprintf(extra, sizeof(extra), "rm -rf '%s'", tmp);
	if (system(extra))
		fprintf(stderr, "cannot remove %s\n", tmp);
	return r || gt_failures ? 1 : 0;
}
#endif
