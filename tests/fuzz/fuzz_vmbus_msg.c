/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the VMBus server's channel-message handling. Each input
 * is a sequence of messages ([len][conn-id selector][bytes]) and signals
 * fed to a fresh server with two echo channels over a 256 KiB guest RAM map
 * (a VTL2-private range above it). Inputs start connected and offered when
 * their first byte is even, so the fuzzer reaches GPADLs and opens quickly.
 */
#include "runtime/core/log.h"
#include "runtime/hv/hv_protocol.h"
#include "runtime/mem/mem.h"
#include "runtime/vmbus/vmbus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define RAM (256 * 1024)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pvn_memmap mem;
static bool ready;

static int env_post(void *o, unsigned vp, unsigned sint, const void *m, size_t len)
{
	return len > HV_MESSAGE_PAYLOAD_BYTES ? -EINVAL : 0;
}

static int env_signal(void *o, unsigned vp, unsigned sint, unsigned flag)
{
	return flag < 2048 ? 0 : -EINVAL;
}

static void *env_page(void *o, uint64_t gpa)
{
	return pvn_mem_gpa_to_hva(&mem, gpa, 4096, PVN_VTL0);
}

static void quiet(void *o, enum pvn_log_level l, const char *m)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t conns[4] = {1, 4, 3, PVN_VMBUS_CONN_ID_BASE + 1};
	struct pvn_vmbus_env env = {
		.nr_vps = 2, .post = env_post, .signal = env_signal, .page_to_hva = env_page,
	};
	struct pvn_vmbus_echo *e0, *e1;
	struct pvn_vmbus *bus;
	size_t pos = 1;

	if (!ready) {
		pvn_log_set_sink(quiet, NULL);
		pvn_mem_init(&mem);
		if (pvn_mem_add_ram(&mem, 0, RAM, PVN_VTL0 | PVN_VTL2, "ram") ||
		    pvn_mem_add_ram(&mem, RAM, 64 * 1024, PVN_VTL2, "vtl2"))
			abort();
		ready = true;
	}
	if (!size)
		return 0;
	if (pvn_vmbus_create_env(&env, &bus))
		return 0;
	if (pvn_vmbus_echo_create(bus, 0, &e0) || pvn_vmbus_echo_create(bus, 1, &e1))
		abort();
	if (!(data[0] & 1)) {
		struct vmbus_msg_initiate_contact ic = {
			.header.msgtype = VMBUS_MSG_INITIATE_CONTACT,
			.vmbus_version_requested = VMBUS_VERSION_WIN10_V5_3,
			.msg_sint = 2,
		};
		struct vmbus_msg_header ro = {.msgtype = VMBUS_MSG_REQUESTOFFERS};
		pvn_vmbus_handle_message(bus, 0, 4, &ic, sizeof(ic));
		pvn_vmbus_handle_message(bus, 0, 1, &ro, sizeof(ro));
	}
	while (pos + 2 <= size) {
		uint8_t len = data[pos], sel = data[pos + 1];
		pos += 2;
		if (sel & 0x80) {
			/* a signal on a channel's connection id */
			pvn_vmbus_handle_event(bus, 0, PVN_VMBUS_CONN_ID_BASE + (sel & 3));
			continue;
		}
		if (len > size - pos)
			len = (uint8_t)(size - pos);
		pvn_vmbus_handle_message(bus, sel & 1, conns[sel & 3], data + pos, len);
		pos += len;
	}
	if (data[0] & 2)
		pvn_vmbus_rescind(pvn_vmbus_echo_channel(e1));
	pvn_vmbus_destroy(bus);
	pvn_vmbus_echo_destroy(e0);
	pvn_vmbus_echo_destroy(e1);
	/* Guest RAM is shared across runs, like a guest's own memory. */
	return 0;
}
