/* SPDX-License-Identifier: MIT */
/*
 * VTL2-private memory is never served to VTL0: the host fills it with a
 * secret, the guest reads and writes it, and must see all-ones while the
 * secret stays intact. The runtime counts and reports the refusal.
 */
#define RAM_MIB 32
#define VTL2_BASE ((uint64_t)RAM_MIB << 20) /* VTL2-private RAM follows VTL0 RAM */
#define SECRET 0x5ec12e75ec12e7ULL

#ifdef PVN_GUEST
#include "lib/guest.h"

void guest_main(unsigned vp, unsigned nr_vps)
{
	GUEST_ASSERT_EQ(mmio_read64(VTL2_BASE), 0xffffffffffffffffULL);
	GUEST_ASSERT_EQ(mmio_read32(VTL2_BASE + 0x1000), 0xffffffff);
	mmio_write64(VTL2_BASE, 0);
	GUEST_ASSERT_EQ(mmio_read64(VTL2_BASE), 0xffffffffffffffffULL);
	guest_done();
}
#else
#include "tests/guests/harness.h"

int main(void)
{
	struct pvn_vp_stats s;
	uint64_t secret = SECRET, v = 0;
	struct gt t;
	int r = gt_init(&t, "vtl2", "memory = { size_mib = 32; vtl2_private_mib = 2; };");
	if (r)
		return r;
	GT_CHECK(t.vm->vtl2_base == VTL2_BASE);
	/* VTL2 may write its own memory; VTL0 may not even name it. */
	GT_CHECK(!pvn_mem_write(&t.vm->mem, PVN_VTL2, VTL2_BASE, &secret, 8));
	GT_CHECK(!pvn_mem_write(&t.vm->mem, PVN_VTL2, VTL2_BASE + 0x1000, &secret, 8));
	GT_CHECK(pvn_mem_read(&t.vm->mem, PVN_VTL0, VTL2_BASE, &v, 8) == -EFAULT);
	r = gt_run(&t);
	pvn_vm_sum_stats(t.vm, &s);
	GT_CHECK(t.done_vps == 1);
	GT_CHECK(s.vtl2_refused == 4);
	GT_CHECK(!pvn_mem_read(&t.vm->mem, PVN_VTL2, VTL2_BASE, &v, 8));
	GT_CHECK(v == SECRET);
	gt_fini(&t);
	return r || gt_failures ? 1 : 0;
}
#endif
