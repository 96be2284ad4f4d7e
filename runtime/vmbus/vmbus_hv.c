/* SPDX-License-Identifier: MIT */
/* Binds the VMBus server to runtime/hv (SynIC messages and events) and to
 * the VM's memory map. Everything else is in vmbus.c, which has no KVM. */
#include "runtime/vmbus/vmbus.h"
#include "runtime/hv/hv.h"
#include "runtime/vm.h"

#include <errno.h>
#include <stdlib.h>

struct vmbus_hv_ctx {
	struct pvn_vm *vm;
	struct pvn_hv *hv;
	struct pvn_vmbus *bus;
};

static int hv_post(void *opaque, unsigned vp, unsigned sint, const void *msg, size_t len)
{
	struct vmbus_hv_ctx *c = opaque;
	return pvn_hv_post_message(c->hv, vp, sint, VMBUS_SYNIC_MESSAGE_TYPE, msg, len);
}

static int hv_signal(void *opaque, unsigned vp, unsigned sint, unsigned flag)
{
	struct vmbus_hv_ctx *c = opaque;
	int r = pvn_hv_signal_event(c->hv, vp, sint, flag);
	return r < 0 ? r : 0;
}

static void *hv_page_to_hva(void *opaque, uint64_t gpa)
{
	struct vmbus_hv_ctx *c = opaque;
	/* NULL unless the whole page is RAM VTL0 may access: never
	 * VTL2-private memory, MMIO or a hole. */
	return pvn_mem_gpa_to_hva(&c->vm->mem, gpa, PVN_PAGE_SIZE, PVN_VTL0);
}

static uint16_t on_message(void *opaque, unsigned vp, uint32_t conn_id, uint32_t msg_type,
			   const void *payload, uint32_t len)
{
	struct vmbus_hv_ctx *c = opaque;
	return pvn_vmbus_handle_message(c->bus, vp, conn_id, payload, len);
}

static uint16_t on_event(void *opaque, unsigned vp, uint32_t conn_id, uint16_t flag)
{
	struct vmbus_hv_ctx *c = opaque;
	return pvn_vmbus_handle_event(c->bus, vp, conn_id);
}

static int hv_add_event_port(void *opaque, struct pvn_vmbus *bus, uint32_t conn_id)
{
	struct vmbus_hv_ctx *c = opaque;
	return pvn_hv_register_event_port(c->hv, conn_id, on_event, c, "vmbus");
}

static void hv_del_event_port(void *opaque, uint32_t conn_id)
{
	struct vmbus_hv_ctx *c = opaque;
	pvn_hv_unregister_port(c->hv, conn_id);
}

static void hv_fini(void *opaque)
{
	struct vmbus_hv_ctx *c = opaque;
	pvn_hv_unregister_port(c->hv, VMBUS_MESSAGE_CONNECTION_ID);
	pvn_hv_unregister_port(c->hv, VMBUS_MESSAGE_CONNECTION_ID_4);
	free(c);
}

int pvn_vmbus_create(struct pvn_vm *vm, struct pvn_hv *hv, struct pvn_vmbus **out)
{
	struct vmbus_hv_ctx *c = calloc(1, sizeof(*c));
	struct pvn_vmbus_env env = {
		.nr_vps = vm->nr_vps,
		.post = hv_post,
		.signal = hv_signal,
		.page_to_hva = hv_page_to_hva,
		.add_event_port = hv_add_event_port,
		.del_event_port = hv_del_event_port,
		.fini = hv_fini,
	};
	int r;

	if (!c)
		return -ENOMEM;
	c->vm = vm;
	c->hv = hv;
	env.opaque = c;
	r = pvn_vmbus_create_env(&env, &c->bus);
	if (r) {
		free(c);
		return r;
	}
	r = pvn_hv_register_message_port(hv, VMBUS_MESSAGE_CONNECTION_ID, on_message, c, "vmbus");
	if (!r) {
		r = pvn_hv_register_message_port(hv, VMBUS_MESSAGE_CONNECTION_ID_4, on_message, c,
						 "vmbus");
		if (r)
			pvn_hv_unregister_port(hv, VMBUS_MESSAGE_CONNECTION_ID);
	}
	if (r) {
		pvn_vmbus_destroy(c->bus);
		return r;
	}
	*out = c->bus;
	return 0;
}
