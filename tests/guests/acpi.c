/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables as a guest finds them: the host installs them for two VPs
 * with the VMBus device and one extra table; the guest scans the BIOS area
 * for the RSDP as Linux does, checks both of its checksums, walks the XSDT
 * checking every table, counts the enabled LAPICs in the MADT, follows the
 * FADT to the DSDT and FACS, and reports what it found.
 */
#include "../../runtime/acpi/acpi_protocol.h"

#define NR_VPS 2

#ifdef PVN_GUEST
#include "lib/guest.h"
#include "lib/guest_acpi.h"

static bool same(const void *a, const char *b, size_t n)
{
	const uint8_t *p = a;
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)b[i])
			return false;
	return true;
}

static unsigned count_lapics(const struct pvn_acpi_sdt_header *t)
{
	const uint8_t *p = (const uint8_t *)t;
	unsigned n = 0;

	for (uint32_t off = sizeof(struct pvn_acpi_madt); off + 2 <= t->length;) {
		struct pvn_madt_lapic l;
		GUEST_ASSERT(p[off + 1] >= 2 && off + p[off + 1] <= t->length);
		if (p[off] == PVN_MADT_LAPIC) {
			memcpy(&l, p + off, sizeof(l));
			n += l.flags & PVN_MADT_LAPIC_ENABLED;
		}
		off += p[off + 1];
	}
	return n;
}

void guest_main(unsigned vp, unsigned nr_vps)
{
	struct pvn_acpi_rsdp rsdp;
	struct pvn_acpi_fadt fadt;
	const struct pvn_acpi_sdt_header *xsdt, *dsdt;
	uint64_t at = 0, facs;
	unsigned tables = 0, lapics = 0, nr;
	bool have_fadt = false;

	GUEST_ASSERT_EQ(nr_vps, NR_VPS);
	if (vp) {
		guest_done();
		return;
	}
	/* Linux's scan: 16-byte steps over 0xe0000-0xfffff. */
	for (uint64_t a = AREA_START; a < AREA_END; a += 16)
		if (same((const void *)a, PVN_ACPI_RSDP_SIG, 8)) {
			at = a;
			break;
		}
	GUEST_ASSERT(at);
	memcpy(&rsdp, (const void *)at, sizeof(rsdp));
	GUEST_ASSERT_EQ(acpi_sum(&rsdp, PVN_ACPI_RSDP_V1_LEN), 0);
	GUEST_ASSERT_EQ(rsdp.revision, 2);
	GUEST_ASSERT_EQ(rsdp.length, sizeof(rsdp));
	GUEST_ASSERT_EQ(acpi_sum(&rsdp, sizeof(rsdp)), 0);

	xsdt = acpi_table_at(rsdp.xsdt_address);
	GUEST_ASSERT(same(xsdt->signature, "XSDT", 4));
	nr = (xsdt->length - sizeof(*xsdt)) / 8;
	for (unsigned i = 0; i < nr; i++) {
		const struct pvn_acpi_sdt_header *t;
		uint64_t p;

		memcpy(&p, (const uint8_t *)xsdt + sizeof(*xsdt) + 8 * i, 8);
		t = acpi_table_at(p);
		tables++;
		if (same(t->signature, "APIC", 4)) {
			lapics = count_lapics(t);
		} else if (same(t->signature, "FACP", 4)) {
			GUEST_ASSERT_EQ(t->length, sizeof(fadt));
			memcpy(&fadt, t, sizeof(fadt));
			have_fadt = true;
		}
	}
	GUEST_ASSERT(have_fadt);
	GUEST_ASSERT_EQ(fadt.flags & PVN_FADT_F_HW_REDUCED, 0);
	GUEST_ASSERT_EQ(fadt.dsdt, fadt.x_dsdt);
	dsdt = acpi_table_at(fadt.x_dsdt);
	GUEST_ASSERT(same(dsdt->signature, "DSDT", 4));
	facs = fadt.firmware_ctrl ? fadt.firmware_ctrl : fadt.x_firmware_ctrl;
	GUEST_ASSERT(facs >= AREA_START && facs + 64 <= AREA_END && !(facs & 63));
	GUEST_ASSERT(same((const void *)facs, "FACS", 4));

	guest_value("rsdp", at);
	guest_value("tables", tables);
	guest_value("lapics", lapics);
	guest_value("dsdt_len", dsdt->length);
	guest_done();
}
#else
#include "tests/guests/harness.h"
#include "runtime/acpi/acpi.h"

#include <stdlib.h>
#include <string.h>

/* With less than 1 MiB of RAM there is no room for the tables. */
static void tiny_vm(void)
{
	struct pvn_vm_opts o = {.ram_bytes = 512 << 10, .nr_vps = 1};
	struct pvn_acpi *a;
	struct pvn_vm *vm;

	GT_CHECK(!pvn_vm_create(&o, &vm));
	GT_CHECK(!pvn_acpi_create(&a));
	GT_CHECK(pvn_acpi_install(vm, a, NULL) == -ERANGE);
	GT_CHECK(strstr(pvn_acpi_error(a), "1 MiB") != NULL);
	pvn_acpi_destroy(a);
	pvn_vm_destroy(vm);
}

int main(void)
{
	struct pvn_acpi_platform p;
	struct pvn_acpi_sdt_header extra = {.signature = {'T', 'E', 'S', 'T'},
					    .length = sizeof(extra),
					    .revision = 1};
	struct pvn_acpi *a;
	bool found;
	int64_t rsdp;
	struct gt t;
	int r = gt_init(&t, "acpi", "vps = 2;");

	if (r)
		return r;
	GT_CHECK(!pvn_acpi_create(&a));
	GT_CHECK(!pvn_acpi_add_table(a, &extra, sizeof(extra), "test"));
	pvn_acpi_platform_init(&p, NR_VPS);
	p.vmbus = true;
	p.vmbus_low_base = 0xf8000000;
	p.vmbus_low_size = 0x4000000;
	p.vmbus_high_base = 0x1000000000ULL;
	p.vmbus_high_size = 0x40000000;
	rsdp = pvn_acpi_install(t.vm, a, &p);
	GT_CHECK(rsdp == 0xe0000);
	/* The area is now reserved: nobody (not even a second build) lands there. */
	GT_CHECK(pvn_acpi_install(t.vm, a, &p) == -EEXIST);
	p.nr_vps = 3;
	GT_CHECK(pvn_acpi_install(t.vm, a, &p) == -EINVAL);
	r = gt_run(&t);
	GT_CHECK(t.done_vps == 0x3);
	GT_CHECK(gt_value(&t, "rsdp", &found) == 0xe0000 && found);
	GT_CHECK(gt_value(&t, "tables", &found) == 3 && found); /* FADT, MADT, TEST */
	GT_CHECK(gt_value(&t, "lapics", &found) == NR_VPS && found);
	GT_CHECK(gt_value(&t, "dsdt_len", &found) > 36 && found);
	gt_fini(&t);
	pvn_acpi_destroy(a);
	tiny_vm();
	return r || gt_failures ? 1 : 0;
}
#endif
