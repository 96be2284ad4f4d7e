/* SPDX-License-Identifier: MIT */
/* The power/reset ports: how a guest ends its run with an exit code. */
#include "runtime/chipset/chipset.h"
#include "runtime/vm.h"

#include <errno.h>

/* The ACPI PM1a control register: SLP_TYP (bits 10-12) with SLP_EN (bit 13)
 * enters a sleep state; the DSDT's \_S5 names type 5 for soft-off. SCI_EN
 * (bit 0) reads as set: there is no SMI_CMD, the platform is always in ACPI
 * mode. PM1a status/enable (0x608/0x60a) hold no events here. */
#define PM1_SCI_EN 0x0001
#define PM1_SLP_EN 0x2000
#define PM1_SLP_TYP(v) (((v) >> 10) & 7)
#define PM1_S5 5

static int pm1_pio(void *opaque, unsigned vp, uint16_t port, unsigned size, bool write,
		   uint32_t *val)
{
	struct pvn_vm *vm = opaque;
	uint32_t v = *val;

	if (port == PVN_PM1A_CNT_PORT) {
		if (!write) {
			*val = PM1_SCI_EN;
			return 0;
		}
		if ((v & PM1_SLP_EN) && PM1_SLP_TYP(v) == PM1_S5)
			pvn_vm_request_stop(vm, PVN_STOP_POWEROFF, 0,
					    "vp%u: guest powered off through ACPI (S5)", vp);
		return 0;
	}
	/* PM1_STS (write 1 to clear: nothing is ever set) and PM1_EN */
	if (!write)
		*val = 0;
	return 0;
}

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
	if (!r)
		r = pvn_icpt_claim(&vm->icpt, PVN_ICPT_PIO, PVN_PM1A_CNT_PORT, 2,
				   (void (*)(void))pm1_pio, vm, "power");
	if (!r)
		r = pvn_icpt_claim(&vm->icpt, PVN_ICPT_PIO, PVN_PM1A_EVT_PORT, 4,
				   (void (*)(void))pm1_pio, vm, "power");
	return r;
}
