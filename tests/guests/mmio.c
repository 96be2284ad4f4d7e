/* SPDX-License-Identifier: MIT */
/*
 * MMIO intercept reads and writes of 1, 2, 4 and 8 bytes: the host claims a
 * page in the MMIO hole backed by a small register file; every access must
 * reach it with its exact width, offset and value.
 */
#define MMIO_BASE 0xd0000000ULL

#ifdef PVN_GUEST
#include "lib/guest.h"

void guest_main(unsigned vp, unsigned nr_vps)
{
	mmio_write8(MMIO_BASE + 0x01, 0xab);
	mmio_write16(MMIO_BASE + 0x12, 0xbeef);
	mmio_write32(MMIO_BASE + 0x24, 0xcafef00d);
	mmio_write64(MMIO_BASE + 0x38, 0x0123456789abcdefULL);
	GUEST_ASSERT_EQ(mmio_read8(MMIO_BASE + 0x01), 0xab);
	GUEST_ASSERT_EQ(mmio_read16(MMIO_BASE + 0x12), 0xbeef);
	GUEST_ASSERT_EQ(mmio_read32(MMIO_BASE + 0x24), 0xcafef00d);
	GUEST_ASSERT_EQ(mmio_read64(MMIO_BASE + 0x38), 0x0123456789abcdefULL);
	/* The device reports the width of the last access at offset 0x800. */
	GUEST_ASSERT_EQ(mmio_read8(MMIO_BASE + 0x800), 1);
	GUEST_ASSERT_EQ(mmio_read16(MMIO_BASE + 0x800), 2);
	GUEST_ASSERT_EQ(mmio_read32(MMIO_BASE + 0x800), 4);
	GUEST_ASSERT_EQ(mmio_read64(MMIO_BASE + 0x800), 8);
	/* The last byte of the claimed page is still the device's. */
	mmio_write8(MMIO_BASE + 0xfff, 0x77);
	GUEST_ASSERT_EQ(mmio_read8(MMIO_BASE + 0xfff), 0x77);
	guest_done();
}
#else
#include "tests/guests/harness.h"

#include <errno.h>
#include <string.h>

struct regs {
	uint8_t mem[0x1000];
	unsigned sizes_seen; /* bitmask of access sizes */
};

static int dev_mmio(void *opaque, unsigned vp, uint64_t gpa, unsigned size, bool write,
		    uint64_t *val)
{
	struct regs *d = opaque;
	uint64_t off = gpa - MMIO_BASE;

	d->sizes_seen |= size;
	if (off == 0x800 && !write) {
		*val = size;
		return 0;
	}
	/* off < 0x1000 because only this page is claimed; keep it inside. */
	if (off + size > sizeof(d->mem))
		return -EINVAL;
	if (write)
		memcpy(d->mem + off, val, size);
	else
		memcpy(val, d->mem + off, size);
	return 0;
}

int main(void)
{
	struct regs d = {{0}, 0};
	struct gt t;
	int r = gt_init(&t, "mmio", NULL);
	if (r)
		return r;
	GT_CHECK(!pvn_icpt_claim(&t.vm->icpt, PVN_ICPT_MMIO, MMIO_BASE, 0x1000,
				 (void (*)(void))dev_mmio, &d, "test-mmio"));
	r = gt_run(&t);
	GT_CHECK(t.done_vps == 1);
	GT_CHECK(d.sizes_seen == (1 | 2 | 4 | 8));
	GT_CHECK(d.mem[1] == 0xab);
	uint64_t q;
	memcpy(&q, d.mem + 0x38, 8);
	GT_CHECK(q == 0x0123456789abcdefULL);
	gt_fini(&t);
	return r || gt_failures ? 1 : 0;
}
#endif
