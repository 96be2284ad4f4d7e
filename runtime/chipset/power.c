/* SPDX-License-Identifier: MIT */
/* The power/reset ports: how a guest ends its run with an exit code. */
#include "runtime/chipset/chipset.h"
#include "runtime/vm.h"

#include <errno.h>

static int power_pio(void *opaque, unsigned vp, uint16_t port, unsigned size, bool write,
		     uint32_t *val)
{
	struct pvn_vm *vm = opaque;

	if (!write) {
		*val = 0;
		return 0;
	}
	if (port == PVN_POWER_PORT)
		pvn_vm_request_stop(vm, PVN_STOP_POWEROFF, (int)(*val & 0xff),
				    "vp%u: guest powered off with code %u", vp, *val & 0xff);
	else if (port == PVN_RESET_PORT && (*val & 0x04))
		pvn_vm_request_stop(vm, PVN_STOP_RESET, PVN_EXIT_CODE_RESET,
				    "vp%u: guest reset through port 0xcf9", vp);
	return 0;
}

int pvn_power_create(struct pvn_vm *vm)
{
	int r = pvn_icpt_claim(&vm->icpt, PVN_ICPT_PIO, PVN_POWER_PORT, 4,
			       (void (*)(void))power_pio, vm, "power");
	if (!r)
		r = pvn_icpt_claim(&vm->icpt, PVN_ICPT_PIO, PVN_RESET_PORT, 1,
				   (void (*)(void))power_pio, vm, "power");
	return r;
}
