/* SPDX-License-Identifier: MIT */
/* Powers off through the power port with the code 42, which `paravane run`
 * must return as its exit status; with reset=1 in RDI's place it resets. */
#include "lib/guest.h"

void guest_main(unsigned vp, unsigned nr_vps)
{
	(void)nr_vps;
	if (vp == 0)
		guest_poweroff(42);
}
