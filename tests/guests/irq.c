/* SPDX-License-Identifier: MIT */
/*
 * Device interrupts reach the guest at the vector it programmed: an IOAPIC
 * line raised by the host, the same through an irqfd, a directly sent MSI,
 * and an MSI route driven through its eventfd.
 */
#define LINE_A 10
#define LINE_B 11
#define VEC_LINE_A 0x41
#define VEC_MSI 0x42
#define VEC_LINE_B 0x43
#define VEC_MSI_ROUTE 0x44

#ifdef PVN_GUEST
#include "lib/guest.h"

#define LAPIC 0xfee00000ULL
#define IOAPIC 0xfec00000ULL

static void ioapic_route(unsigned pin, unsigned vector)
{
	mmio_write32(IOAPIC, 0x10 + 2 * pin + 1);
	mmio_write32(IOAPIC + 0x10, 0); /* destination APIC ID 0 */
	mmio_write32(IOAPIC, 0x10 + 2 * pin);
	mmio_write32(IOAPIC + 0x10, vector); /* fixed, physical, edge, high, unmasked */
}

static void wait_for(unsigned vector)
{
	for (unsigned long i = 0; i < 400000000UL; i++)
		if (guest_irq_count(0, vector))
			return;
	guest_assert_fail(__FILE__, __LINE__, "interrupt never arrived", vector, 0);
}

void guest_main(unsigned vp, unsigned nr_vps)
{
	/* The 8259 PICs see ISA lines too and reach the LAPIC through LINT0
	 * (ExtINT after reset): mask both, as an OS that uses the IOAPIC does. */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	mmio_write32(LAPIC + 0x350, 0x10000); /* LVT LINT0 masked */
	mmio_write32(LAPIC + 0xf0, 0x1ff); /* software enable, spurious vector 0xff */
	mmio_write32(LAPIC + 0x80, 0);     /* TPR: accept everything */
	ioapic_route(LINE_A, VEC_LINE_A);
	ioapic_route(LINE_B, VEC_LINE_B);
	guest_irq_enable();

	guest_sync(1, 0); /* host raises line A */
	wait_for(VEC_LINE_A);
	GUEST_ASSERT_EQ(guest_last_vector(0), VEC_LINE_A);
	guest_sync(2, 0); /* host sends an MSI */
	wait_for(VEC_MSI);
	GUEST_ASSERT_EQ(guest_last_vector(0), VEC_MSI);
	guest_sync(3, 0); /* host writes line B's irqfd */
	wait_for(VEC_LINE_B);
	GUEST_ASSERT_EQ(guest_last_vector(0), VEC_LINE_B);
	guest_sync(4, 0); /* host writes the MSI route's eventfd */
	wait_for(VEC_MSI_ROUTE);
	GUEST_ASSERT_EQ(guest_irq_count(0, VEC_LINE_A), 1);
	GUEST_ASSERT_EQ(guest_irq_count(0, VEC_MSI), 1);
	GUEST_ASSERT_EQ(guest_irq_count(0, VEC_LINE_B), 1);
	GUEST_ASSERT_EQ(guest_irq_count(0, VEC_MSI_ROUTE), 1);
	guest_irq_disable();
	guest_done();
}
#else
#include "tests/guests/harness.h"

#include <string.h>
#include <unistd.h>

static int efd_line_b, efd_route;

static void kick(int fd)
{
	uint64_t one = 1;
	GT_CHECK(write(fd, &one, sizeof(one)) == sizeof(one));
}

static void on_sync(struct gt *t, unsigned vp, uint64_t stage, uint64_t arg)
{
	switch (stage) {
	case 1:
		GT_CHECK(!pvn_irq_set_line(&t->vm->irq, LINE_A, true));
		GT_CHECK(!pvn_irq_set_line(&t->vm->irq, LINE_A, false));
		break;
	case 2:
		GT_CHECK(!pvn_irq_signal_msi(&t->vm->irq, 0xfee00000ULL, VEC_MSI));
		break;
	case 3:
		kick(efd_line_b);
		break;
	case 4:
		kick(efd_route);
		break;
	}
}

int main(void)
{
	uint32_t route;
	struct gt t;
	int r = gt_init(&t, "irq", NULL);
	if (r)
		return r;
	t.on_sync = on_sync;
	GT_CHECK(!pvn_irq_claim_line(&t.vm->irq, LINE_A, "test-irq-a"));
	GT_CHECK(!pvn_irq_claim_line(&t.vm->irq, LINE_B, "test-irq-b"));
	/* A second claim names both owners. */
	GT_CHECK(pvn_irq_claim_line(&t.vm->irq, LINE_A, "intruder") == -EEXIST);
	GT_CHECK(strstr(t.vm->irq.error, "test-irq-a") && strstr(t.vm->irq.error, "intruder"));
	GT_CHECK(pvn_irq_claim_line(&t.vm->irq, 4, "intruder") == -EEXIST); /* the UART's */
	GT_CHECK(!pvn_irq_line_eventfd(&t.vm->irq, LINE_B, &efd_line_b));
	GT_CHECK(!pvn_irq_alloc_msi(&t.vm->irq, "test-msi", 0xfee00000ULL, VEC_MSI_ROUTE, &route,
				    &efd_route));
	GT_CHECK(pvn_irq_signal_msi(&t.vm->irq, 0x12345678, 0x30) == -EINVAL);
	r = gt_run(&t);
	GT_CHECK(t.done_vps == 1);
	GT_CHECK(t.syncs == 4);
	gt_fini(&t);
	return r || gt_failures ? 1 : 0;
}
#endif
