/* SPDX-License-Identifier: MIT */
/* The VMBus server driven through pvn_vmbus_handle_message with a fake
 * SynIC (posted messages are captured) over a real memory map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/hv/hv_protocol.h"
#include "runtime/mem/mem.h"
#include "runtime/vmbus/vmbus.h"

#define RAM (1u << 20)
static struct pvn_memmap mem;
static uint8_t last[240];
static unsigned nposted, nsignals;

static int env_post(void *o, unsigned vp, unsigned sint, const void *m, size_t len)
{
	assert_true(len <= 240);
	memset(last, 0, sizeof(last));
	memcpy(last, m, len);
	nposted++;
	return 0;
}

static int env_signal(void *o, unsigned vp, unsigned sint, unsigned flag)
{
	nsignals++;
	return 0;
}

static void *env_page(void *o, uint64_t gpa)
{
	return pvn_mem_gpa_to_hva(&mem, gpa, 4096, PVN_VTL0);
}

static struct pvn_vmbus *bus;
static struct pvn_vmbus_echo *echo;

static int setup(void **s)
{
	struct pvn_vmbus_env env = {
		.nr_vps = 1, .post = env_post, .signal = env_signal, .page_to_hva = env_page,
	};
	pvn_mem_init(&mem);
	assert_int_equal(pvn_mem_add_ram(&mem, 0, RAM, PVN_VTL0, "ram"), 0);
	assert_int_equal(pvn_mem_add_ram(&mem, RAM, 65536, PVN_VTL2, "vtl2"), 0);
	assert_int_equal(pvn_vmbus_create_env(&env, &bus), 0);
	assert_int_equal(pvn_vmbus_echo_create(bus, 0, &echo), 0);
	return 0;
}

static int teardown(void **s)
{
	pvn_vmbus_destroy(bus);
	pvn_vmbus_echo_destroy(echo);
	pvn_mem_destroy(&mem);
	return 0;
}

static uint16_t msg(uint32_t conn, const void *m, size_t len)
{
	return pvn_vmbus_handle_message(bus, 0, conn, m, (uint32_t)len);
}

static void connect(uint32_t version, uint32_t conn, bool ok)
{
	struct vmbus_msg_initiate_contact ic = {
		.header.msgtype = VMBUS_MSG_INITIATE_CONTACT,
		.vmbus_version_requested = version,
		.msg_sint = 2,
	};
	assert_int_equal(msg(conn, &ic, sizeof(ic)), HV_STATUS_SUCCESS);
	assert_int_equal(((struct vmbus_msg_header *)last)->msgtype, VMBUS_MSG_VERSION_RESPONSE);
	assert_int_equal(((struct vmbus_msg_version_response *)last)->version_supported, ok);
}

static void test_versions(void **s)
{
	struct vmbus_msg_header h = {.msgtype = VMBUS_MSG_UNLOAD};

	connect(VMBUS_VERSION(3, 0), 1, false);
	connect(VMBUS_VERSION_WIN10_V5, 1, false); /* 5.0 needs connection id 4 */
	connect(VMBUS_VERSION_WIN10, 1, true);
	assert_int_equal(msg(1, &h, sizeof(h)), 0);
	assert_int_equal(((struct vmbus_msg_header *)last)->msgtype, VMBUS_MSG_UNLOAD_RESPONSE);
	connect(VMBUS_VERSION_WIN10_V5_3, 4, true);
	assert_int_equal(((struct vmbus_msg_version_response *)last)->msg_conn_id, 1);
	assert_int_equal(msg(1, &h, sizeof(h)), 0);
}

static void test_bad_messages(void **s)
{
	uint8_t m[240] __attribute__((aligned(8))) = {0};

	assert_int_equal(msg(1, m, 4), HV_STATUS_INVALID_PARAMETER);
	*(uint32_t *)m = 200;
	assert_int_equal(msg(1, m, 16), HV_STATUS_INVALID_PARAMETER);
	*(uint32_t *)m = VMBUS_MSG_REQUESTOFFERS; /* not connected */
	assert_int_equal(msg(1, m, 8), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(msg(1, m, 241), HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(pvn_vmbus_handle_event(bus, 0, 77), HV_STATUS_INVALID_CONNECTION_ID);
}

/* A full session: offers, a 60-page GPADL (header + 2 bodies), open, one
 * packet through the rings, close, teardown; and refusals on the way. */
static void test_session(void **s)
{
	uint8_t m[240] __attribute__((aligned(8)));
	struct vmbus_msg_gpadl_header *gh = (void *)m;
	struct vmbus_msg_gpadl_body *gb = (void *)m;
	struct vmbus_msg_open_channel op;
	struct vmbus_msg_close_channel cl = {.header.msgtype = VMBUS_MSG_CLOSECHANNEL};
	struct vmbus_msg_gpadl_teardown td = {.header.msgtype = VMBUS_MSG_GPADL_TEARDOWN};
	struct vmbus_ring_control *g2h, *h2g;
	struct vmbus_packet_desc *d;
	uint64_t pfns[60];
	uint32_t relid, sent = 0;
	uint8_t *ram = pvn_mem_gpa_to_hva(&mem, 0, RAM, PVN_VTL0);

	connect(VMBUS_VERSION_WIN10_V5_3, 4, true);
	memset(m, 0, sizeof(m));
	*(uint32_t *)m = VMBUS_MSG_REQUESTOFFERS;
	nposted = 0;
	assert_int_equal(msg(1, m, 8), 0);
	assert_int_equal(nposted, 2); /* one offer + ALLOFFERS_DELIVERED */
	assert_int_equal(msg(1, m, 8), HV_STATUS_INVALID_PARAMETER);
	relid = pvn_vmbus_channel_relid(pvn_vmbus_echo_channel(echo));

	for (int i = 0; i < 60; i++)
		pfns[i] = 0x40 + i; /* 256 KiB.. */
	memset(m, 0, sizeof(m));
	gh->header.msgtype = VMBUS_MSG_GPADL_HEADER;
	gh->child_relid = relid;
	gh->gpadl = 7;
	gh->range_buflen = 8 + 60 * 8;
	gh->rangecount = 1;
	*(uint32_t *)(m + 20) = 60 * 4096;
	memcpy(m + 28, pfns, 26 * 8);
	assert_int_equal(msg(1, m, 28 + 26 * 8), 0);
	sent = 26;
	while (sent < 60) {
		uint32_t n = 60 - sent < 28 ? 60 - sent : 28;
		memset(m, 0, sizeof(m));
		gb->header.msgtype = VMBUS_MSG_GPADL_BODY;
		gb->gpadl = 7;
		memcpy(m + 16, pfns + sent, n * 8);
		assert_int_equal(msg(1, m, 16 + n * 8), 0);
		sent += n;
	}
	assert_int_equal(((struct vmbus_msg_gpadl_created *)last)->header.msgtype,
			 VMBUS_MSG_GPADL_CREATED);
	assert_int_equal(((struct vmbus_msg_gpadl_created *)last)->creation_status, 0);

	/* A GPADL reaching into VTL2 memory is refused. */
	memset(m, 0, sizeof(m));
	gh->header.msgtype = VMBUS_MSG_GPADL_HEADER;
	gh->child_relid = relid;
	gh->gpadl = 8;
	gh->range_buflen = 8 + 2 * 8;
	gh->rangecount = 1;
	*(uint32_t *)(m + 20) = 2 * 4096;
	pfns[0] = 0x50;
	pfns[1] = RAM / 4096;
	memcpy(m + 28, pfns, 16); /* (unaligned in the message) */
	assert_int_equal(msg(1, m, 44), 0); /* refused in GPADL_CREATED */
	assert_int_not_equal(((struct vmbus_msg_gpadl_created *)last)->creation_status, 0);

	memset(&op, 0, sizeof(op));
	op.header.msgtype = VMBUS_MSG_OPENCHANNEL;
	op.child_relid = relid;
	op.ringbuffer_gpadlhandle = 7;
	op.downstream_ringbuffer_pageoffset = 30;
	g2h = (void *)(ram + 0x40000);
	h2g = (void *)(ram + 0x40000 + 30 * 4096);
	memset(g2h, 0, 60 * 4096);
	assert_int_equal(msg(1, &op, sizeof(op)), 0);
	assert_int_equal(((struct vmbus_msg_open_result *)last)->status, 0);
	assert_true(h2g->feature_bits & 1);
	/* A packet from the "guest": 8 bytes of payload. */
	d = (void *)(ram + 0x41000);
	*d = (struct vmbus_packet_desc){6, 2, 3, 0, 42};
	memcpy(d + 1, "pingpong", 8);
	g2h->write_index = 32;
	nsignals = 0;
	assert_int_equal(pvn_vmbus_handle_event(bus, 0, PVN_VMBUS_CONN_ID_BASE + relid), 0);
	assert_int_equal(g2h->read_index, 32);
	assert_int_equal(h2g->write_index, 32);
	assert_int_equal(nsignals, 1);
	d = (void *)(ram + 0x40000 + 31 * 4096);
	assert_int_equal(d->trans_id, 42);
	assert_memory_equal(d + 1, "pingpong", 8);
	assert_int_equal(pvn_vmbus_echo_count(echo), 1);
	/* A transfer-page packet: a 24-byte header between descriptor and data,
	 * offset8 past it; a header that is not a multiple of 8 is refused. */
	{
		static const uint8_t hdr[24] = {0x34, 0x12, 0, 0, 2, 0, 0, 0, 16, 0, 0, 0,
						32, 0, 0, 0, 48, 0, 0, 0, 64, 0, 0, 0};
		struct pvn_vmbus_channel *ch = pvn_vmbus_echo_channel(echo);
		uint8_t *p = ram + 0x40000 + 31 * 4096 + 32;

		assert_int_equal(pvn_vmbus_send_ext(ch, VMBUS_PKT_DATA_USING_XFER_PAGES, 0, 99,
						    hdr, sizeof(hdr), "xferdata", 8),
				 0);
		d = (void *)p;
		assert_int_equal(d->type, VMBUS_PKT_DATA_USING_XFER_PAGES);
		assert_int_equal(d->offset8, 5);
		assert_int_equal(d->len8, 6);
		assert_int_equal(d->trans_id, 99);
		assert_memory_equal(p + 16, hdr, sizeof(hdr));
		assert_memory_equal(p + 40, "xferdata", 8);
		assert_int_equal(h2g->write_index, 32 + 48 + 8);
		assert_int_equal(pvn_vmbus_send_ext(ch, VMBUS_PKT_DATA_USING_XFER_PAGES, 0, 1, hdr,
						    12, "x", 1),
				 -EINVAL);
		assert_int_equal(h2g->write_index, 32 + 48 + 8);
	}
	/* Teardown of the open ring GPADL is refused; close, then it works. */
	td.child_relid = relid;
	td.gpadl = 7;
	assert_int_equal(msg(1, &td, sizeof(td)), HV_STATUS_INVALID_PARAMETER);
	cl.child_relid = relid;
	assert_int_equal(msg(1, &cl, sizeof(cl)), 0);
	assert_int_equal(msg(1, &td, sizeof(td)), 0);
	assert_int_equal(((struct vmbus_msg_header *)last)->msgtype, VMBUS_MSG_GPADL_TORNDOWN);
	assert_int_equal(msg(1, &op, sizeof(op)), 0); /* GPADL gone: refused */
	assert_int_not_equal(((struct vmbus_msg_open_result *)last)->status, 0);
	/* Rescind: the guest is told. */
	assert_int_equal(pvn_vmbus_rescind(pvn_vmbus_echo_channel(echo)), 0);
	assert_int_equal(((struct vmbus_msg_header *)last)->msgtype,
			 VMBUS_MSG_RESCIND_CHANNELOFFER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
