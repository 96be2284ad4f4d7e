/* SPDX-License-Identifier: MIT */
/*
 * Several VPs at once: every VP starts at the entry point, checks in on a
 * shared counter, waits until all have, and reports its index; the host
 * checks that each VP thread handled its own exits.
 */
#define NR_VPS 4

#ifdef PVN_GUEST
#include "lib/guest.h"

static volatile unsigned arrived;

void guest_main(unsigned vp, unsigned nr_vps)
{
	uint32_t regs[4];

	GUEST_ASSERT_EQ(nr_vps, NR_VPS);
	cpuid(1, 0, regs);
	GUEST_ASSERT_EQ(regs[1] >> 24, vp); /* each VP has its own APIC ID */
	__atomic_fetch_add(&arrived, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&arrived, __ATOMIC_SEQ_CST) < nr_vps)
		cpu_relax();
	guest_value("vp", vp);
	guest_done();
}
#else
#include "tests/guests/harness.h"

int main(void)
{
	struct gt t;
	int r = gt_init(&t, "smp", "vps = 4;");
	if (r)
		return r;
	r = gt_run(&t);
	GT_CHECK(t.done_vps == 0xf);
	for (unsigned i = 0; i < NR_VPS; i++) {
		GT_CHECK(t.vm->vps[i].stats.exits[PVN_EXIT_PIO] >= 2);
		bool seen = false;
		for (unsigned j = 0; j < t.nr_values; j++)
			seen |= t.values[j].vp == i && t.values[j].v == i;
		GT_CHECK(seen);
	}
	gt_fini(&t);
	return r || gt_failures ? 1 : 0;
}
#endif
