/* SPDX-License-Identifier: MIT */
/*
 * Nobody owns these: unclaimed port and MMIO reads return all-ones, writes
 * are dropped, unclaimed MSRs raise #GP, and each is counted. Also checks a
 * claimed MSR and a claimed CPUID leaf from the guest's side.
 */
#define FREE_PORT 0x7f0
#define FREE_MMIO 0xd1000000ULL
#define TEST_MSR 0x40000200
#define FREE_MSR 0x40000201
#define TEST_LEAF 0x40000080

#ifdef PVN_GUEST
#include "lib/guest.h"

static uint64_t msr_probe(uint64_t arg)
{
	uint64_t v = 0;
	int r;
	(void)arg;
	if (guest_wrmsr_safe(TEST_MSR, 0x1122334455667788ULL))
		return 1;
	if (guest_rdmsr_safe(TEST_MSR, &v) || v != 0x1122334455667788ULL)
		return 2;
	r = guest_rdmsr_safe(FREE_MSR, &v);
	if (r != -1)
		return 3;
	if (guest_wrmsr_safe(FREE_MSR, 5) != -1)
		return 4;
	return 0;
}

void guest_main(unsigned vp, unsigned nr_vps)
{
	uint32_t regs[4];

	GUEST_ASSERT_EQ(inb(FREE_PORT), 0xff);
	GUEST_ASSERT_EQ(inw(FREE_PORT), 0xffff);
	GUEST_ASSERT_EQ(inl(FREE_PORT), 0xffffffff);
	outb(FREE_PORT, 1);
	outl(FREE_PORT, 2);
	GUEST_ASSERT_EQ(mmio_read8(FREE_MMIO), 0xff);
	GUEST_ASSERT_EQ(mmio_read16(FREE_MMIO + 2), 0xffff);
	GUEST_ASSERT_EQ(mmio_read32(FREE_MMIO + 4), 0xffffffff);
	GUEST_ASSERT_EQ(mmio_read64(FREE_MMIO + 8), 0xffffffffffffffffULL);
	mmio_write32(FREE_MMIO, 0x12345678);
	GUEST_ASSERT_EQ(mmio_read32(FREE_MMIO), 0xffffffff); /* the write went nowhere */
	GUEST_ASSERT_EQ(guest_cpl0_call(msr_probe, 0), 0);
	cpuid(TEST_LEAF, 0, regs);
	GUEST_ASSERT_EQ(regs[0], 0x50564e21); /* "PVN!" */
	GUEST_ASSERT_EQ(regs[3], 7);          /* the VP index it was computed for */
	guest_done();
}
#else
#include "tests/guests/harness.h"

static uint64_t msr_val;

static int test_msr(void *opaque, unsigned vp, uint32_t msr, bool write, uint64_t *val)
{
	if (write)
		msr_val = *val;
	else
		*val = msr_val;
	return 0;
}

static void test_cpuid(void *opaque, unsigned vp, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	r[0] = 0x50564e21;
	r[3] = vp + 7;
}

int main(void)
{
	struct pvn_vp_stats s;
	struct gt t;
	int r = gt_init(&t, "unclaimed", NULL);
	if (r)
		return r;
	GT_CHECK(!pvn_icpt_claim(&t.vm->icpt, PVN_ICPT_MSR, TEST_MSR, 1, (void (*)(void))test_msr,
				 NULL, "test-msr"));
	GT_CHECK(!pvn_icpt_claim(&t.vm->icpt, PVN_ICPT_CPUID, TEST_LEAF, 1,
				 (void (*)(void))test_cpuid, NULL, "test-cpuid"));
	r = gt_run(&t);
	pvn_vm_sum_stats(t.vm, &s);
	GT_CHECK(t.done_vps == 1);
	GT_CHECK(s.unclaimed_pio_read == 3);
	GT_CHECK(s.unclaimed_pio_write == 2);
	GT_CHECK(s.unclaimed_mmio_read == 5);
	GT_CHECK(s.unclaimed_mmio_write == 1);
	GT_CHECK(s.unclaimed_msr == 2);
	GT_CHECK(msr_val == 0x1122334455667788ULL);
	pvn_vm_print_stats(t.vm, stderr);
	gt_fini(&t);
	return r || gt_failures ? 1 : 0;
}
#endif
