/* SPDX-License-Identifier: MIT */
/*
 * Instructions some hypervisors cannot emulate at CPL0 (int3, fwait, clac,
 * stac, popcnt, ldmxcsr): run at CPL0 they must behave as on hardware,
 * whether the CPU ran them or the runtime's fallback completed them.
 */
#ifdef PVN_GUEST
#include "lib/guest.h"

static volatile uint64_t mem_operand = 0xf0f0f0f000000001ULL;
static volatile uint32_t mxcsr_in = 0x1f80 | 0x6000; /* default | round toward zero */

static uint64_t cpl0_body(uint64_t arg)
{
	uint64_t r1, r2, rflags, cnt16 = 0xabcd0000ffffULL;
	uint32_t mx_out = 0;
	(void)arg;

	__asm__ volatile("int3");
	__asm__ volatile("fwait");
	/* popcnt: register, 16-bit, and RIP-relative memory forms */
	__asm__ volatile("popcnt %1, %0" : "=r"(r1) : "r"(0x00ff00ff00ff00ffULL) : "cc");
	if (r1 != 32)
		return 1;
	__asm__ volatile("popcntw %w1, %w0" : "+r"(cnt16) : "r"((uint16_t)0x0007) : "cc");
	if (cnt16 != 0xabcd00000003ULL)
		return 2;
	__asm__ volatile("popcntq %1, %0" : "=r"(r2) : "m"(mem_operand) : "cc");
	if (r2 != 17)
		return 3;
	/* popcnt of zero sets ZF */
	__asm__ volatile("popcnt %2, %0; pushfq; pop %1" : "=&r"(r1), "=r"(rflags) : "r"(0ULL) : "cc");
	if (r1 != 0 || !(rflags & 0x40))
		return 4;
	__asm__ volatile("ldmxcsr %0" ::"m"(mxcsr_in));
	__asm__ volatile("stmxcsr %0" : "=m"(mx_out));
	if (mx_out != mxcsr_in)
		return 5;
	return 0;
}

/* clac/stac only exist with SMAP; check CPUID first. */
static uint64_t smap_body(uint64_t arg)
{
	uint64_t fl1, fl2;
	(void)arg;
	__asm__ volatile("stac; pushfq; pop %0; clac; pushfq; pop %1" : "=r"(fl1), "=r"(fl2));
	return ((fl1 >> 18) & 1) << 1 | ((fl2 >> 18) & 1);
}

void guest_main(unsigned vp, unsigned nr_vps)
{
	uint32_t r[4];
	GUEST_ASSERT_EQ(guest_cpl0_call(cpl0_body, 0), 0);
	GUEST_ASSERT_EQ(guest_irq_count(0, 3), 1); /* the #BP arrived once */
	cpuid(7, 0, r);
	if (r[1] & (1u << 20)) /* SMAP */
		GUEST_ASSERT_EQ(guest_cpl0_call(smap_body, 0), 2); /* AC set, then clear */
	guest_done();
	(void)vp;
	(void)nr_vps;
}
#else
#include "tests/guests/harness.h"

int main(void)
{
	struct pvn_vp_stats s;
	struct gt t;
	int r = gt_init(&t, "fallback", NULL);
	if (r)
		return r;
	r = gt_run(&t);
	pvn_vm_sum_stats(t.vm, &s);
	GT_CHECK(t.done_vps == 1);
	/* How many the runtime completed depends on the host: all six kinds on
	 * a host that emulates CPL0 code, none where the CPU runs them. */
	printf("instructions completed by the runtime's fallback: %llu\n",
	       (unsigned long long)s.fallbacks);
	gt_fini(&t);
	return r || gt_failures ? 1 : 0;
}
#endif
