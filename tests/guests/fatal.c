/* SPDX-License-Identifier: MIT */
/*
 * A fatal VP error: an instruction the hypervisor cannot emulate at CPL0
 * (cmpxchg16b, on hosts that emulate guest CPL0 code; on hosts that run it
 * natively it succeeds and the guest powers off with 0 instead). The runtime
 * must stop every VP and report the RIP and the instruction bytes.
 */
#include "lib/guest.h"

static uint64_t cas16(uint64_t arg)
{
	static volatile uint64_t pair[2] __attribute__((aligned(16)));
	uint64_t lo = 0, hi = 0;
	(void)arg;
	__asm__ volatile("lock cmpxchg16b %2"
			 : "+a"(lo), "+d"(hi), "+m"(pair[0])
			 : "b"(1ULL), "c"(2ULL)
			 : "memory");
	return lo;
}

static volatile unsigned spin;

void guest_main(unsigned vp, unsigned nr_vps)
{
	(void)nr_vps;
	if (vp == 0)
		guest_cpl0_call(cas16, 0);
	else
		for (;;) /* the other VPs keep running until the runtime stops them */
			spin++;
}
