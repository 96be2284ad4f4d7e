/* SPDX-License-Identifier: MIT */
/*
 * A plugin's ACPI contributions (plugin ABI 1.2) as the guest finds them.
 * The host signs tests/plugins/tp-acpi.so with a fresh key and builds the VM
 * from a config that lists it, with ACPI on; in init the plugin adds a table
 * "PVNT" (acpi_add_table) and Device (PVND) (acpi_add_device), and checks
 * that bad additions are refused. The guest scans the BIOS area for the
 * RSDP, walks the XSDT to the plugin's table (checksum fixed by the runtime,
 * payload intact), follows the FADT to the DSDT and finds the plugin's
 * Device() term in it. Then it asks the plugin (port 0x720) to add a table
 * now that the VM runs: that must fail with -EBUSY.
 */
#include "../../runtime/acpi/acpi_protocol.h"

#define LATE_PORT 0x720

#ifdef PVN_GUEST
#include "lib/guest.h"
#include "lib/guest_acpi.h"

void guest_main(unsigned vp, unsigned nr_vps)
{
	/* Device (PVND) { Name (_HID, "PVN0001") }, as the plugin wrote it */
	static const uint8_t dev[] = {0x5b, 0x82, 19, 'P', 'V', 'N', 'D', 0x08, '_', 'H', 'I',
				      'D', 0x0d, 'P', 'V', 'N', '0', '0', '0', '1', 0};
	const struct pvn_acpi_sdt_header *xsdt, *dsdt = NULL, *mine = NULL;
	struct pvn_acpi_rsdp rsdp;
	struct pvn_acpi_fadt fadt;
	uint64_t at = 0, dev_at = 0;
	unsigned nr;

	for (uint64_t a = AREA_START; a < AREA_END; a += 16)
		if (!memcmp((const void *)a, PVN_ACPI_RSDP_SIG, 8)) {
			at = a;
			break;
		}
	GUEST_ASSERT(at);
	memcpy(&rsdp, (const void *)at, sizeof(rsdp));
	GUEST_ASSERT_EQ(acpi_sum(&rsdp, sizeof(rsdp)), 0);
	xsdt = acpi_table_at(rsdp.xsdt_address);
	nr = (xsdt->length - sizeof(*xsdt)) / 8;
	for (unsigned i = 0; i < nr; i++) {
		const struct pvn_acpi_sdt_header *t;
		uint64_t p;

		memcpy(&p, (const uint8_t *)xsdt + sizeof(*xsdt) + 8 * i, 8);
		t = acpi_table_at(p);
		if (!memcmp(t->signature, "PVNT", 4)) {
			GUEST_ASSERT(!mine); /* listed once */
			mine = t;
		} else if (!memcmp(t->signature, "FACP", 4)) {
			memcpy(&fadt, t, sizeof(fadt));
			dsdt = acpi_table_at(fadt.x_dsdt);
		}
		/* The plugin's late attempt never made it in. */
		GUEST_ASSERT(memcmp(t->signature, "PVNU", 4));
	}
	GUEST_ASSERT(mine);
	GUEST_ASSERT_EQ(mine->length, 40);
	GUEST_ASSERT(!memcmp((const uint8_t *)mine + 36, "PVN!", 4));
	GUEST_ASSERT(!memcmp(mine->oem_table_id, "TESTPLUG", 8));
	GUEST_ASSERT(dsdt && !memcmp(dsdt->signature, "DSDT", 4));
	for (uint32_t off = sizeof(*dsdt); off + sizeof(dev) <= dsdt->length; off++)
		if (!memcmp((const uint8_t *)dsdt + off, dev, sizeof(dev)))
			dev_at = (uint64_t)dsdt + off;
	GUEST_ASSERT(dev_at);

	guest_value("table_len", mine->length);
	guest_value("device_offset", dev_at - (uint64_t)dsdt);
	guest_value("late_errno", inb(LATE_PORT));
	guest_done();
}
#else
#include "tests/guests/harness.h"
#include "runtime/plugin/plugin.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	char tmp[] = "/tmp/pvn-gt-plugin-tables-XXXXXX", so[1024], extra[4096];
	bool found;
	struct gt t;
	int r;

	if (!mkdtemp(tmp))
		return 1;
	if (gt_sign_plugin("tp-acpi.so", tmp, so, sizeof(so)))
		return 1;
	snprintf(extra, sizeof(extra),
		 "hyperv = false; acpi = true;\n"
		 "plugins = ( { path = \"%s\"; } );\n"
		 "plugin_policy = { trust_store = \"%s/trust\"; mode = \"enforce\"; };\n",
		 so, tmp);
	r = gt_init(&t, "plugin_acpi", extra);
	if (r == 77)
		return r;
	GT_CHECK(r == 0);
	if (!r) {
		GT_CHECK(t.inst->acpi && t.inst->plugins && t.vm->acpi_rsdp == 0xe0000);
		r = gt_run(&t);
		GT_CHECK(t.done_vps == 1);
		GT_CHECK(gt_value(&t, "table_len", &found) == 40 && found);
		GT_CHECK(gt_value(&t, "device_offset", &found) > 36 && found);
		GT_CHECK(gt_value(&t, "late_errno", &found) == EBUSY && found);
	}
	gt_fini(&t);
	snprintf(extra, sizeof(extra), "rm -rf '%s'", tmp);
	if (system(extra))
		fprintf(stderr, "cannot remove %s\n", tmp);
	return r || gt_failures ? 1 : 0;
}
#endif
