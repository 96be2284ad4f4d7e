/* SPDX-License-Identifier: MIT */
/* Asks for a reset through the reset control register (0xcf9). */
#include "lib/guest.h"

void guest_main(unsigned vp, unsigned nr_vps)
{
	(void)vp;
	(void)nr_vps;
	outb(0xcf9, 0x06);
	for (;;)
		cpu_relax();
}
