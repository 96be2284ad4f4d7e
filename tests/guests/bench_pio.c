/* SPDX-License-Identifier: MIT */
/*
 * The guest of bench/exit_dispatch: N port writes in a tight loop, each one
 * a userspace exit, then power off. The host says how many and at which
 * privilege level (CPL3 natively, or CPL0, which this host emulates). The
 * same image runs under the runtime and under the bench's bare KVM loop.
 */
#include "lib/guest.h"
#include "../../bench/bench_pio.h"

static uint64_t pio_loop(uint64_t n)
{
	outl(BENCH_PIO_START, 0);
	for (uint32_t i = 0; i < (uint32_t)n; i++)
		outl(BENCH_PIO_DATA, i);
	return n;
}

void guest_main(unsigned vp, unsigned nr_vps)
{
	uint32_t n, cpl;

	(void)nr_vps;
	if (vp != 0)
		return;
	n = inl(BENCH_PIO_COUNT);
	cpl = inl(BENCH_PIO_CPL);
	if (cpl == 0)
		guest_cpl0_call(pio_loop, n);
	else
		pio_loop(n);
}
