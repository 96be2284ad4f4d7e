/* SPDX-License-Identifier: MIT */
/*
 * VMBus connection: every served version (4.0 .. 5.3) connects, lists the
 * echo offer and unloads; unserved versions and a 5.x request on the wrong
 * connection id get version_supported = 0; HvPostMessage to an unknown
 * connection id fails with HV_STATUS_INVALID_CONNECTION_ID; messages of a
 * bad type or size are refused; an EOM storm changes nothing.
 */
#ifdef PVN_GUEST
#include "lib/vmbus_client.h"

void guest_main(unsigned vp, unsigned nr_vps)
{
	static const uint32_t served[] = {VMBC_V(4, 0), VMBC_V(4, 1), VMBC_V(5, 0),
					  VMBC_V(5, 1), VMBC_V(5, 2), VMBC_V(5, 3)};
	static const uint32_t refused[] = {VMBC_V(3, 0), VMBC_V(2, 4), VMBC_V(5, 4),
					   VMBC_V(6, 0), 0};
	static struct vmbc c;
	uint8_t m[240];

	vmbc_hv_init();
	for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		GUEST_ASSERT_EQ(vmbc_connect(&c, refused[i]), -1);
	/* 5.0 and later must come on connection id 4. */
	GUEST_ASSERT_EQ(vmbc_connect_on(&c, VMBC_V(5, 2), 1), -1);
	/* Before connecting, nothing else is accepted. */
	memset(m, 0, sizeof(m));
	m[0] = VMBC_REQUESTOFFERS;
	GUEST_ASSERT_EQ(vmbc_post(1, m, 8), 5);
	for (unsigned i = 0; i < sizeof(served) / sizeof(served[0]); i++) {
		GUEST_ASSERT_EQ(vmbc_connect(&c, served[i]), 0);
		GUEST_ASSERT_EQ(c.msg_conn_id, 1);
		vmbc_request_offers(&c);
		GUEST_ASSERT_EQ(c.nr_offers, 1);
		GUEST_ASSERT(vmbc_find_offer(&c, 0));
		/* A second INITIATE_CONTACT while connected is refused. */
		memset(m, 0, sizeof(m));
		*(uint32_t *)m = VMBC_INITIATE_CONTACT;
		*(uint32_t *)(m + 8) = served[i];
		GUEST_ASSERT_EQ(vmbc_post(served[i] >= VMBC_V(5, 0) ? 4 : 1, m, 40), 5);
		vmbc_unload(&c);
		guest_value("connected_version", served[i]);
	}
	GUEST_ASSERT_EQ(vmbc_connect(&c, VMBC_V(5, 3)), 0);
	/* Unknown connection ids. */
	GUEST_ASSERT_EQ(vmbc_post(0x777, m, 8), 18);
	GUEST_ASSERT_EQ(vmbc_post(3, m, 8), 18);
	GUEST_ASSERT_EQ(vmbc_signal(0x12345), 18);
	/* Bad types and sizes. */
	memset(m, 0, sizeof(m));
	*(uint32_t *)m = 99;
	GUEST_ASSERT_EQ(vmbc_post(1, m, 16), 5);
	*(uint32_t *)m = VMBC_OFFERCHANNEL; /* host -> guest only */
	GUEST_ASSERT_EQ(vmbc_post(1, m, 196), 5);
	*(uint32_t *)m = VMBC_OPENCHANNEL; /* too short */
	GUEST_ASSERT_EQ(vmbc_post(1, m, 20), 5);
	GUEST_ASSERT_EQ(vmbc_post(1, m, 4), 5);
	*(uint32_t *)m = VMBC_GPADL_BODY; /* no header */
	GUEST_ASSERT_EQ(vmbc_post(1, m, 24), 5);
	*(uint32_t *)m = VMBC_REQUESTOFFERS; /* on connection id 4 */
	GUEST_ASSERT_EQ(vmbc_post(4, m, 8), 5);
	/* A declared size past the payload is refused by the hypervisor. */
	GUEST_ASSERT(vmbc_post_raw(1, 1, m, 241) != 0);
	/* EOM storm: nothing is pending; the connection keeps working. */
	for (int i = 0; i < 500; i++)
		vmbc_eom();
	vmbc_request_offers(&c);
	GUEST_ASSERT_EQ(c.nr_offers, 1);
	vmbc_unload(&c);
	guest_done();
}
#else
#include "tests/guests/harness.h"
#include "runtime/hv/hv.h"
#include "runtime/vmbus/vmbus.h"

int main(void)
{
	struct pvn_vmbus_echo *echo;
	struct pvn_vmbus_stats st;
	struct pvn_vmbus *bus;
	struct pvn_hv *hv;
	struct gt t;
	bool found;
	int r = gt_init(&t, "vmbus_connect", NULL);

	if (r)
		return r;
	GT_CHECK(!pvn_hv_create(t.vm, &hv));
	GT_CHECK(!pvn_vmbus_create(t.vm, hv, &bus));
	GT_CHECK(!pvn_vmbus_echo_create(bus, 0, &echo));
	r = gt_run(&t);
	GT_CHECK(gt_value(&t, "connected_version", &found) == 0x50003 && found);
	pvn_vmbus_get_stats(bus, &st);
	GT_CHECK(st.version == 0);
	GT_CHECK(st.bad_messages >= 13);
	pvn_vmbus_destroy(bus);
	pvn_vmbus_echo_destroy(echo);
	pvn_hv_destroy(hv);
	gt_fini(&t);
	return r || gt_failures ? 1 : 0;
}
#endif
