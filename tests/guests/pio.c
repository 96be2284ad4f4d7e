/* SPDX-License-Identifier: MIT */
/*
 * PIO intercept round trip: the host claims ports 0x700-0x703 for a small
 * device that latches what the guest writes and returns it inverted; the
 * guest writes and reads 1, 2 and 4 bytes, and uses string I/O.
 */
#ifdef PVN_GUEST
#include "lib/guest.h"

#define PORT 0x700

void guest_main(unsigned vp, unsigned nr_vps)
{
	outb(PORT, 0x5a);
	GUEST_ASSERT_EQ(inb(PORT), 0xa5);
	outw(PORT, 0x1234);
	GUEST_ASSERT_EQ(inw(PORT), 0xedcb);
	outl(PORT, 0xdeadbeef);
	GUEST_ASSERT_EQ(inl(PORT), 0x21524110);
	/* rep outsb: four elements, each a separate access to the device */
	static const uint8_t bytes[4] = {1, 2, 3, 4};
	const uint8_t *p = bytes;
	unsigned long n = 4;
	__asm__ volatile("rep outsb" : "+S"(p), "+c"(n) : "d"(PORT) : "memory");
	GUEST_ASSERT_EQ(inb(PORT + 1), 5); /* the device counts byte writes: 1 + 4 string elements */
	guest_done();
}
#else
#include "tests/guests/harness.h"

#include <stdio.h>

struct dev {
	uint32_t latch;
	unsigned writes;
};

static int dev_pio(void *opaque, unsigned vp, uint16_t port, unsigned size, bool write,
		   uint32_t *val)
{
	struct dev *d = opaque;
	uint32_t mask = size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;

	if (port == 0x701) { /* read: how many single-byte writes arrived */
		*val = write ? *val : d->writes;
		return 0;
	}
	if (write) {
		d->latch = *val;
		d->writes += size == 1;
	} else {
		*val = ~d->latch & mask;
	}
	return 0;
}

int main(void)
{
	struct dev d = {0};
	struct gt t;
	int r = gt_init(&t, "pio", NULL);
	if (r)
		return r;
	GT_CHECK(!pvn_icpt_claim(&t.vm->icpt, PVN_ICPT_PIO, 0x700, 4, (void (*)(void))dev_pio, &d,
				 "test-pio"));
	r = gt_run(&t);
	GT_CHECK(t.done_vps == 1);
	GT_CHECK(d.writes == 5); /* one outb + four from rep outsb */
	printf("pio exits: %llu\n", (unsigned long long)t.vm->vps[0].stats.exits[PVN_EXIT_PIO]);
	gt_fini(&t);
	return r || gt_failures ? 1 : 0;
}
#endif
