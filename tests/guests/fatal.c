/* SPDX-License-Identifier: MIT */
/*
 * A fatal VP error that every KVM reports the same way: at CPL0 the guest
 * jumps into the MMIO hole (0xd0000000, no RAM and no device there). The CPU
 * cannot fetch an instruction from MMIO, so the hypervisor's emulator gives
 * up and exits with an internal error; the runtime must stop every VP and
 * report the RIP. (A triple fault would not do: it is a guest reset, 124.)
 */
#include "lib/guest.h"

#define FATAL_RIP 0xd0000000ULL

static uint64_t jump_to_mmio(uint64_t arg)
{
	uint64_t (*fn)(uint64_t) = (uint64_t (*)(uint64_t))FATAL_RIP;
	return fn(arg);
}

static volatile unsigned spin;

void guest_main(unsigned vp, unsigned nr_vps)
{
	(void)nr_vps;
	if (vp == 0)
		guest_cpl0_call(jump_to_mmio, 0);
	else
		for (;;) /* the other VPs keep running until the runtime stops them */
			spin++;
}
