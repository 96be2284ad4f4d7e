/* SPDX-License-Identifier: MIT */
/*
 * The ACPI builder: AML encodings, table layout, every checksum and pointer,
 * and refusals of malformed input. The iasl round trip is test_acpi_iasl.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/core/log.h"
#include "tests/unit/acpi_fixture.h"

#define AREA 0x20000u
#define FOUR_GIB 0x100000000ULL

/* ---- AML encodings ---- */

static void test_pkglength(void **state)
{
	static const struct {
		size_t body;
		int bytes;
	} cases[] = {
		{0, 1},		 {62, 1},	  {63, 2},	  {0xffd, 2},
		{0xffe, 3},	 {0xffffc, 3},	  {0xffffd, 4},	  {0x0ffffffb, 4},
	};
	uint8_t out[4];
	uint32_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = pvn_aml_pkglength_encode(cases[i].body, out);
		assert_int_equal(n, cases[i].bytes);
		assert_int_equal(pvn_aml_pkglength_decode(out, (size_t)n, &v), n);
		assert_int_equal(v, cases[i].body + (size_t)n);
	}
	assert_int_equal(pvn_aml_pkglength_encode(0x0ffffffc, out), -E2BIG);
	/* 63 + 2 = 65 = 0x41: lead 0x41 (1 follow byte, low nibble 1), then 0x04 */
	assert_int_equal(pvn_aml_pkglength_encode(63, out), 2);
	assert_int_equal(out[0], 0x41);
	assert_int_equal(out[1], 0x04);
	/* truncated, reserved bits set, and a length that cannot hold itself */
	out[0] = 0x81;
	assert_int_equal(pvn_aml_pkglength_decode(out, 2, &v), -EINVAL);
	out[0] = 0x51;
	assert_int_equal(pvn_aml_pkglength_decode(out, 4, &v), -EINVAL);
	out[0] = 0x00;
	assert_int_equal(pvn_aml_pkglength_decode(out, 1, &v), -EINVAL);
	assert_int_equal(pvn_aml_pkglength_decode(out, 0, &v), -EINVAL);
}

static void test_eisaid(void **state)
{
	uint32_t v;

	(void)state;
	assert_int_equal(pvn_aml_eisaid("PNP0501", &v), 0);
	assert_int_equal(v, 0x0105d041);
	assert_int_equal(pvn_aml_eisaid("PNP0A03", &v), 0);
	assert_int_equal(v, 0x030ad041);
	assert_int_equal(pvn_aml_eisaid("pnp0501", &v), -EINVAL);
	assert_int_equal(pvn_aml_eisaid("PNP050", &v), -EINVAL);
	assert_int_equal(pvn_aml_eisaid("PNP05G1", &v), -EINVAL);
	assert_int_equal(pvn_aml_eisaid("PNP05011", &v), -EINVAL);
}

static void test_namestring(void **state)
{
	uint8_t out[64];

	(void)state;
	assert_int_equal(pvn_aml_namestring_encode("_SB", out, sizeof(out)), 4);
	assert_memory_equal(out, "_SB_", 4);
	assert_int_equal(pvn_aml_namestring_encode("\\_SB.COM1", out, sizeof(out)), 10);
	assert_memory_equal(out, "\\\x2e_SB_COM1", 10);
	assert_int_equal(pvn_aml_namestring_encode("\\", out, sizeof(out)), 2);
	assert_memory_equal(out, "\\\0", 2);
	assert_int_equal(pvn_aml_namestring_encode("^^A.B.C", out, sizeof(out)), 16);
	assert_memory_equal(out, "^^\x2f\x03" "A___B___C___", 16);
	assert_int_equal(pvn_aml_namestring_encode("", out, sizeof(out)), -EINVAL);
	assert_int_equal(pvn_aml_namestring_encode("abc", out, sizeof(out)), -EINVAL);
	assert_int_equal(pvn_aml_namestring_encode("ABCDE", out, sizeof(out)), -EINVAL);
	assert_int_equal(pvn_aml_namestring_encode("1ABC", out, sizeof(out)), -EINVAL);
	assert_int_equal(pvn_aml_namestring_encode("A..B", out, sizeof(out)), -EINVAL);
	assert_int_equal(pvn_aml_namestring_encode("A.", out, sizeof(out)), -EINVAL);
	assert_int_equal(pvn_aml_namestring_encode("\\_SB.COM1", out, 5), -ENOSPC);
}

static void test_aml_device_bytes(void **state)
{
	/* Device (UAR1) { Name (_HID, EisaId ("PNP0501")) Name (_UID, One) } */
	static const uint8_t want[] = {0x5b, 0x82, 0x15, 'U',  'A',  'R',  '1',	 0x08, '_',
				       'H',  'I',  'D',	 0x0c, 0x41, 0xd0, 0x05, 0x01, 0x08,
				       '_',  'U',  'I',	 'D',  0x01};
	struct pvn_aml a;
	const uint8_t *out;
	size_t len;

	(void)state;
	pvn_aml_init(&a);
	pvn_aml_device_begin(&a, "UAR1");
	pvn_aml_name(&a, "_HID");
	pvn_aml_eisaid_obj(&a, "PNP0501");
	pvn_aml_name(&a, "_UID");
	pvn_aml_int(&a, 1);
	pvn_aml_end(&a);
	assert_int_equal(pvn_aml_finish(&a, &out, &len), 0);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	pvn_aml_free(&a);
}

static void test_aml_resources_and_package(void **state)
{
	/* Name (_CRS, ResourceTemplate () {
	 *	IO (Decode16, 0x3f8, 0x3f8, 1, 8) IRQNoFlags () {4} }) */
	static const uint8_t crs[] = {0x08, '_',  'C',	'R',  'S',  0x11, 0x10, 0x0a, 0x0d,
				      0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, 0x22,
				      0x10, 0x00, 0x79, 0x00};
	/* Name (_S5_, Package () { 5, 5, Zero, Zero }) */
	static const uint8_t s5[] = {0x08, '_',	 'S',  '5',  '_',  0x12, 0x08, 0x04,
				     0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00};
	struct pvn_aml a;
	const uint8_t *out;
	size_t len;

	(void)state;
	pvn_aml_init(&a);
	pvn_aml_name(&a, "_CRS");
	pvn_aml_rt_begin(&a);
	pvn_aml_rt_io(&a, true, 0x3f8, 0x3f8, 1, 8);
	pvn_aml_rt_irq_noflags(&a, 1u << 4);
	pvn_aml_rt_end(&a);
	assert_int_equal(pvn_aml_finish(&a, &out, &len), 0);
	assert_int_equal(len, sizeof(crs));
	assert_memory_equal(out, crs, sizeof(crs));
	pvn_aml_free(&a);

	pvn_aml_init(&a);
	pvn_aml_name(&a, "_S5_");
	pvn_aml_package_begin(&a);
	pvn_aml_int(&a, 5);
	pvn_aml_int(&a, 5);
	pvn_aml_zero(&a);
	pvn_aml_zero(&a);
	pvn_aml_end(&a);
	assert_int_equal(pvn_aml_finish(&a, &out, &len), 0);
	assert_int_equal(len, sizeof(s5));
	assert_memory_equal(out, s5, sizeof(s5));
	pvn_aml_free(&a);
}

static void test_aml_big_scope(void **state)
{
	struct pvn_aml a;
	const uint8_t *out;
	size_t len;
	uint32_t v;
	int n;

	/* A scope with 40 KiB of names needs a 3-byte PkgLength. */
	(void)state;
	pvn_aml_init(&a);
	pvn_aml_scope_begin(&a, "\\_SB");
	for (int i = 0; i < 4096; i++) {
		pvn_aml_name(&a, "FOO_");
		pvn_aml_int(&a, 0x12345678);
	}
	pvn_aml_end(&a);
	assert_int_equal(pvn_aml_finish(&a, &out, &len), 0);
	assert_int_equal(out[0], PVN_AML_SCOPE_OP);
	n = pvn_aml_pkglength_decode(out + 1, len - 1, &v);
	assert_int_equal(n, 3);
	assert_int_equal(v, len - 1);
	pvn_aml_free(&a);

	/* Nested packages count as one element each; 256 elements do not fit. */
	pvn_aml_init(&a);
	pvn_aml_package_begin(&a);
	pvn_aml_package_begin(&a);
	pvn_aml_end(&a);
	pvn_aml_string(&a, "x");
	pvn_aml_end(&a);
	assert_int_equal(pvn_aml_finish(&a, &out, &len), 0);
	assert_int_equal(len, 9);
	assert_int_equal(out[2], 2); /* NumElements of the outer package */
	pvn_aml_free(&a);
	pvn_aml_init(&a);
	pvn_aml_package_begin(&a);
	for (int i = 0; i < 256; i++)
		pvn_aml_zero(&a);
	pvn_aml_end(&a);
	assert_int_equal(pvn_aml_finish(&a, &out, &len), -E2BIG);
	pvn_aml_free(&a);
}

static void test_aml_errors(void **state)
{
	struct pvn_aml a;
	const uint8_t *out;
	size_t len;

	(void)state;
	/* a descriptor outside a resource template */
	pvn_aml_init(&a);
	pvn_aml_rt_irq_noflags(&a, 1);
	assert_int_equal(pvn_aml_finish(&a, &out, &len), -EINVAL);
	pvn_aml_free(&a);
	/* a block never closed */
	pvn_aml_init(&a);
	pvn_aml_device_begin(&a, "DEV0");
	assert_int_equal(pvn_aml_finish(&a, &out, &len), -EINVAL);
	pvn_aml_free(&a);
	/* closing what is not open; a template closed with pvn_aml_end */
	pvn_aml_init(&a);
	pvn_aml_end(&a);
	assert_int_equal(pvn_aml_finish(&a, &out, &len), -EINVAL);
	pvn_aml_free(&a);
	pvn_aml_init(&a);
	pvn_aml_rt_begin(&a);
	pvn_aml_end(&a);
	assert_int_equal(pvn_aml_finish(&a, &out, &len), -EINVAL);
	pvn_aml_free(&a);
	/* bad values */
	pvn_aml_init(&a);
	pvn_aml_method_begin(&a, "_STA", 8, false);
	assert_int_equal(pvn_aml_finish(&a, &out, &len), -EINVAL);
	pvn_aml_free(&a);
	pvn_aml_init(&a);
	pvn_aml_rt_begin(&a);
	pvn_aml_rt_dword_memory(&a, 0, PVN_AML_MEM_RW, 0xfff00000u, 0x200000u);
	pvn_aml_rt_end(&a);
	assert_int_equal(pvn_aml_finish(&a, &out, &len), -EINVAL);
	pvn_aml_free(&a);
	pvn_aml_init(&a);
	pvn_aml_rt_begin(&a);
	pvn_aml_rt_qword_memory(&a, 0, 0, 0xffffffffffff0000ULL, 0x20000);
	pvn_aml_rt_end(&a);
	assert_int_equal(pvn_aml_finish(&a, &out, &len), -EINVAL);
	pvn_aml_free(&a);
	/* the first error sticks: later good calls do not clear it */
	pvn_aml_init(&a);
	pvn_aml_name(&a, "bad");
	pvn_aml_name(&a, "GOOD");
	pvn_aml_int(&a, 1);
	assert_int_equal(pvn_aml_finish(&a, &out, &len), -EINVAL);
	pvn_aml_free(&a);
	/* the nesting limit */
	pvn_aml_init(&a);
	for (int i = 0; i <= PVN_AML_MAX_DEPTH; i++)
		pvn_aml_package_begin(&a);
	assert_int_equal(pvn_aml_finish(&a, &out, &len), -E2BIG);
	pvn_aml_free(&a);
}

/* ---- table layout ---- */

static const uint8_t *at(const uint8_t *buf, size_t used, uint64_t buf_gpa, uint64_t gpa,
			 size_t len)
{
	assert_true(gpa >= buf_gpa);
	assert_true(gpa - buf_gpa <= used);
	assert_true(len <= used - (gpa - buf_gpa));
	return buf + (gpa - buf_gpa);
}

/* The table at gpa: inside the buffer, with the signature and a good checksum. */
static const uint8_t *table(const uint8_t *buf, size_t used, uint64_t buf_gpa, uint64_t gpa,
			    const char *sig)
{
	struct pvn_acpi_sdt_header h;
	const uint8_t *t = at(buf, used, buf_gpa, gpa, sizeof(h));

	memcpy(&h, t, sizeof(h));
	if (sig)
		assert_memory_equal(h.signature, sig, 4);
	assert_true(h.length >= sizeof(h));
	t = at(buf, used, buf_gpa, gpa, h.length);
	assert_int_equal(pvn_acpi_sum(t, h.length), 0);
	assert_memory_equal(h.oem_id, "PVANE ", 6);
	return t;
}

static bool contains(const uint8_t *p, size_t n, const void *needle, size_t nl)
{
	for (size_t i = 0; i + nl <= n; i++)
		if (!memcmp(p + i, needle, nl))
			return true;
	return false;
}

struct expect {
	unsigned vps;
	bool vmbus, tpm;
};

static void verify(const uint8_t *buf, size_t used, uint64_t buf_gpa, uint64_t rsdp_gpa,
		   const struct expect *e)
{
	struct pvn_acpi_rsdp rsdp;
	struct pvn_acpi_sdt_header xh, rh = {0};
	struct pvn_acpi_fadt f;
	struct pvn_acpi_madt m;
	struct pvn_acpi_facs facs;
	bool low = buf_gpa + used <= FOUR_GIB;
	unsigned n, lapics = 0, ioapics = 0, isos = 0, nmis = 0;
	const uint8_t *x, *r = NULL, *d, *madt = NULL, *fadt = NULL, *tpm = NULL;

	/* RSDP: 16-byte aligned, both checksums */
	assert_int_equal(rsdp_gpa % 16, 0);
	memcpy(&rsdp, at(buf, used, buf_gpa, rsdp_gpa, sizeof(rsdp)), sizeof(rsdp));
	assert_memory_equal(rsdp.signature, "RSD PTR ", 8);
	assert_int_equal(pvn_acpi_sum(&rsdp, 20), 0);
	assert_int_equal(pvn_acpi_sum(&rsdp, sizeof(rsdp)), 0);
	assert_int_equal(rsdp.revision, 2);
	assert_int_equal(rsdp.length, 36);

	/* XSDT, and the RSDT with the same entries when below 4 GiB */
	x = table(buf, used, buf_gpa, rsdp.xsdt_address, "XSDT");
	memcpy(&xh, x, sizeof(xh));
	assert_int_equal((xh.length - 36) % 8, 0);
	n = (xh.length - 36) / 8;
	assert_int_equal(n, 2 + e->tpm);
	if (low) {
		r = table(buf, used, buf_gpa, rsdp.rsdt_address, "RSDT");
		memcpy(&rh, r, sizeof(rh));
		assert_int_equal(rh.length, 36 + 4 * n);
	} else {
		assert_int_equal(rsdp.rsdt_address, 0);
	}
	for (unsigned i = 0; i < n; i++) {
		uint64_t p;
		const uint8_t *t;
		memcpy(&p, x + 36 + 8 * i, 8);
		if (low) {
			uint32_t p32;
			memcpy(&p32, r + 36 + 4 * i, 4);
			assert_int_equal(p32, p);
		}
		t = table(buf, used, buf_gpa, p, NULL);
		if (!memcmp(t, "FACP", 4))
			fadt = t;
		else if (!memcmp(t, "APIC", 4))
			madt = t;
		else if (!memcmp(t, "TPM2", 4))
			tpm = t;
		else
			fail_msg("unexpected table %.4s", (const char *)t);
	}
	assert_non_null(fadt);
	assert_non_null(madt);
	assert_true(!tpm == !e->tpm);

	/* FADT */
	memcpy(&f, fadt, sizeof(f));
	assert_int_equal(f.hdr.length, 276);
	assert_int_equal(f.hdr.revision, 6);
	assert_int_equal(f.flags & PVN_FADT_F_HW_REDUCED, 0);
	assert_int_equal(f.flags, PVN_FADT_F_WBINVD | PVN_FADT_F_PROC_C1 | PVN_FADT_F_PWR_BUTTON |
					  PVN_FADT_F_SLP_BUTTON | PVN_FADT_F_RESET_REG_SUP);
	assert_int_equal(f.iapc_boot_arch,
			 PVN_FADT_BOOT_LEGACY_DEVICES | PVN_FADT_BOOT_NO_VGA); /* no 8042 */
	assert_int_equal(f.sci_int, 9);
	assert_int_equal(f.smi_cmd, 0);
	assert_int_equal(f.pm1a_evt_blk, 0x608);
	assert_int_equal(f.pm1_evt_len, 4);
	assert_int_equal(f.pm1a_cnt_blk, 0x604);
	assert_int_equal(f.pm1_cnt_len, 2);
	assert_int_equal(f.pm_tmr_blk, 0);
	assert_int_equal(f.x_pm1a_evt_blk.space_id, PVN_ACPI_AS_SYSTEM_IO);
	assert_int_equal(f.x_pm1a_evt_blk.bit_width, 32);
	assert_int_equal(f.x_pm1a_evt_blk.address, 0x608);
	assert_int_equal(f.x_pm1a_cnt_blk.bit_width, 16);
	assert_int_equal(f.x_pm1a_cnt_blk.address, 0x604);
	assert_int_equal(f.reset_reg.space_id, PVN_ACPI_AS_SYSTEM_IO);
	assert_int_equal(f.reset_reg.bit_width, 8);
	assert_int_equal(f.reset_reg.address, 0xcf9);
	assert_int_equal(f.reset_value, 6);
	if (low) {
		assert_int_equal(f.dsdt, f.x_dsdt);
		assert_int_not_equal(f.firmware_ctrl, 0);
		assert_int_equal(f.x_firmware_ctrl, 0);
	} else {
		assert_int_equal(f.dsdt, 0);
		assert_int_equal(f.firmware_ctrl, 0);
	}
	/* FACS: 64-byte aligned, no checksum */
	uint64_t facs_gpa = f.firmware_ctrl ? f.firmware_ctrl : f.x_firmware_ctrl;
	assert_int_equal(facs_gpa % 64, 0);
	memcpy(&facs, at(buf, used, buf_gpa, facs_gpa, sizeof(facs)), sizeof(facs));
	assert_memory_equal(facs.signature, "FACS", 4);
	assert_int_equal(facs.length, 64);

	/* DSDT */
	d = table(buf, used, buf_gpa, f.x_dsdt, "DSDT");
	struct pvn_acpi_sdt_header dh;
	memcpy(&dh, d, sizeof(dh));
	assert_true(contains(d, dh.length, "_S5_", 4));
	assert_true(contains(d, dh.length, "\x0c\x41\xd0\x05\x01", 5)); /* EISAID PNP0501 */
	assert_true(!contains(d, dh.length, "VMBus", 6) == !e->vmbus);
	assert_true(!contains(d, dh.length, "MSFT0101", 9) == !e->tpm);

	/* MADT */
	memcpy(&m, madt, sizeof(m));
	assert_int_equal(m.lapic_address, 0xfee00000u);
	assert_int_equal(m.flags, PVN_MADT_PCAT_COMPAT);
	for (size_t off = sizeof(m); off < m.hdr.length;) {
		struct pvn_madt_entry_header eh;
		assert_true(m.hdr.length - off >= sizeof(eh));
		memcpy(&eh, madt + off, sizeof(eh));
		assert_true(eh.length >= 2 && eh.length <= m.hdr.length - off);
		if (eh.type == PVN_MADT_LAPIC) {
			struct pvn_madt_lapic l;
			memcpy(&l, madt + off, sizeof(l));
			assert_int_equal(l.apic_id, lapics);
			assert_int_equal(l.flags, PVN_MADT_LAPIC_ENABLED);
			lapics++;
		} else if (eh.type == PVN_MADT_IOAPIC) {
			struct pvn_madt_ioapic io;
			memcpy(&io, madt + off, sizeof(io));
			assert_int_equal(io.address, 0xfec00000u);
			assert_int_equal(io.gsi_base, 0);
			ioapics++;
		} else if (eh.type == PVN_MADT_ISO) {
			struct pvn_madt_iso iso;
			memcpy(&iso, madt + off, sizeof(iso));
			if (iso.source == 0)
				assert_int_equal(iso.gsi, 2);
			else {
				assert_int_equal(iso.source, 9);
				assert_int_equal(iso.gsi, 9);
				assert_int_equal(iso.flags, 0xd); /* level, active high */
			}
			isos++;
		} else if (eh.type == PVN_MADT_LAPIC_NMI) {
			nmis++;
		}
		off += eh.length;
	}
	assert_int_equal(lapics, e->vps);
	assert_int_equal(ioapics, 1);
	assert_int_equal(isos, 2);
	assert_int_equal(nmis, 1);
}

static void build_and_verify(unsigned vps, bool vmbus, bool tpm, uint64_t gpa)
{
	struct pvn_acpi_platform p;
	struct expect e = {vps, vmbus, tpm};
	struct pvn_acpi *a;
	struct fx_tpm2 t;
	struct pvn_aml aml;
	const uint8_t *dev;
	size_t devlen, used = 0;
	uint64_t rsdp = 0;
	uint8_t *buf = malloc(AREA);

	assert_non_null(buf);
	assert_int_equal(pvn_acpi_create(&a), 0);
	fx_platform(&p, vps, vmbus);
	if (tpm) {
		fx_tpm2(&t);
		assert_int_equal(pvn_acpi_add_table(a, &t, sizeof(t), "vtpm"), 0);
		assert_int_equal(fx_tpm_device(&aml, &dev, &devlen), 0);
		assert_int_equal(pvn_acpi_add_device(a, dev, devlen, "vtpm"), 0);
		pvn_aml_free(&aml);
	}
	assert_int_equal(pvn_acpi_build(a, &p, buf, AREA, gpa, &used, &rsdp), 0);
	assert_int_equal(rsdp, gpa); /* RSDP first */
	assert_true(used > 0 && used < AREA);
	verify(buf, used, gpa, rsdp, &e);
	pvn_acpi_destroy(a);
	free(buf);
}

static void test_build_1vp(void **state)
{
	(void)state;
	build_and_verify(1, false, false, 0xe0000);
	build_and_verify(1, true, false, 0xe0000);
}

static void test_build_4vp(void **state)
{
	(void)state;
	build_and_verify(4, false, false, 0xe0000);
	build_and_verify(4, true, false, 0xe0000);
	build_and_verify(4, true, true, 0xe0000);
}

static void test_build_extra(void **state)
{
	(void)state;
	build_and_verify(1, false, true, 0xe0000);
	build_and_verify(64, true, true, 0x7ff00010); /* odd but 16-byte aligned */
}

static void test_build_above_4g(void **state)
{
	(void)state;
	build_and_verify(2, true, true, FOUR_GIB + 0x1000);
}

static void test_vmbus_crs(void **state)
{
	struct pvn_acpi_platform p;
	struct pvn_acpi *a;
	size_t used;
	uint64_t rsdp;
	uint8_t *buf = malloc(AREA);
	uint32_t lo_min = FX_LOW_BASE, lo_max = FX_LOW_BASE + FX_LOW_SIZE - 1;
	uint64_t hi_min = FX_HIGH_BASE, hi_max = FX_HIGH_BASE + FX_HIGH_SIZE - 1;

	(void)state;
	assert_int_equal(pvn_acpi_create(&a), 0);
	fx_platform(&p, 1, true);
	assert_int_equal(pvn_acpi_build(a, &p, buf, AREA, 0xe0000, &used, &rsdp), 0);
	/* DWordMemory then QWordMemory, with the windows' bounds */
	assert_true(contains(buf, used, "\x87\x17\x00\x00\x0c\x01", 6));
	assert_true(contains(buf, used, &lo_min, 4));
	assert_true(contains(buf, used, &lo_max, 4));
	assert_true(contains(buf, used, "\x8a\x2b\x00\x00\x0c\x01", 6));
	assert_true(contains(buf, used, &hi_min, 8));
	assert_true(contains(buf, used, &hi_max, 8));
	/* only the high window */
	p.vmbus_low_size = 0;
	assert_int_equal(pvn_acpi_build(a, &p, buf, AREA, 0xe0000, &used, &rsdp), 0);
	assert_false(contains(buf, used, "\x87\x17\x00\x00\x0c\x01", 6));
	assert_true(contains(buf, used, "\x8a\x2b\x00\x00\x0c\x01", 6));
	pvn_acpi_destroy(a);
	free(buf);
}

/* ---- refusals ---- */

static void test_add_table_malformed(void **state)
{
	struct pvn_acpi *a;
	struct fx_tpm2 t;
	uint8_t big[PVN_ACPI_MAX_TABLE_LEN + 8];

	(void)state;
	assert_int_equal(pvn_acpi_create(&a), 0);
	fx_tpm2(&t);
	assert_int_equal(pvn_acpi_add_table(a, &t, 35, "vtpm"), -EINVAL);
	assert_non_null(strstr(pvn_acpi_error(a), "vtpm"));
	assert_int_equal(pvn_acpi_add_table(a, NULL, 64, "vtpm"), -EINVAL);
	assert_int_equal(pvn_acpi_add_table(a, &t, 40, "vtpm"), -EINVAL); /* header says 76 */
	assert_non_null(strstr(pvn_acpi_error(a), "header says 76"));
	t.hdr.length = 100;
	assert_int_equal(pvn_acpi_add_table(a, &t, sizeof(t), "vtpm"), -EINVAL);
	fx_tpm2(&t);
	memcpy(t.hdr.signature, "tp\n2", 4);
	assert_int_equal(pvn_acpi_add_table(a, &t, sizeof(t), "vtpm"), -EINVAL);
	fx_tpm2(&t);
	memcpy(t.hdr.signature, "APIC", 4);
	assert_int_equal(pvn_acpi_add_table(a, &t, sizeof(t), "rogue"), -EEXIST);
	assert_non_null(strstr(pvn_acpi_error(a), "rogue"));
	memset(big, 0, sizeof(big));
	memcpy(big, "BIGT", 4);
	uint32_t bl = sizeof(big);
	memcpy(big + 4, &bl, 4);
	assert_int_equal(pvn_acpi_add_table(a, big, sizeof(big), "huge"), -E2BIG);

	/* duplicates name both owners; SSDTs may repeat */
	fx_tpm2(&t);
	assert_int_equal(pvn_acpi_add_table(a, &t, sizeof(t), "vtpm"), 0);
	assert_int_equal(pvn_acpi_add_table(a, &t, sizeof(t), "other-tpm"), -EEXIST);
	assert_non_null(strstr(pvn_acpi_error(a), "vtpm"));
	assert_non_null(strstr(pvn_acpi_error(a), "other-tpm"));
	memcpy(t.hdr.signature, "SSDT", 4);
	assert_int_equal(pvn_acpi_add_table(a, &t, sizeof(t), "one"), 0);
	assert_int_equal(pvn_acpi_add_table(a, &t, sizeof(t), "two"), 0);
	/* the table limit */
	for (int i = 3; i < PVN_ACPI_MAX_TABLES; i++)
		assert_int_equal(pvn_acpi_add_table(a, &t, sizeof(t), "many"), 0);
	assert_int_equal(pvn_acpi_add_table(a, &t, sizeof(t), "many"), -ENOSPC);
	pvn_acpi_destroy(a);
}

static void test_add_device_malformed(void **state)
{
	static const uint8_t not_device[] = {0x08, '_', 'H', 'I', 'D', 0x01};
	static const uint8_t truncated[] = {0x5b, 0x82, 0x20, 'D', 'E', 'V', '0'};
	static const uint8_t no_name[] = {0x5b, 0x82, 0x01};
	static const uint8_t ok[] = {0x5b, 0x82, 0x05, 'D', 'E', 'V', '0'};
	uint8_t trailing[sizeof(ok) + 1];
	struct pvn_acpi *a;

	(void)state;
	assert_int_equal(pvn_acpi_create(&a), 0);
	assert_int_equal(pvn_acpi_add_device(a, ok, 0, "x"), -EINVAL);
	assert_int_equal(pvn_acpi_add_device(a, not_device, sizeof(not_device), "x"), -EINVAL);
	assert_non_null(strstr(pvn_acpi_error(a), "'x'"));
	assert_int_equal(pvn_acpi_add_device(a, truncated, sizeof(truncated), "x"), -EINVAL);
	assert_int_equal(pvn_acpi_add_device(a, no_name, sizeof(no_name), "x"), -EINVAL);
	memcpy(trailing, ok, sizeof(ok));
	trailing[sizeof(ok)] = 0x5b;
	assert_int_equal(pvn_acpi_add_device(a, trailing, sizeof(trailing), "x"), -EINVAL);
	assert_int_equal(pvn_acpi_add_device(a, ok, sizeof(ok), "x"), 0);
	pvn_acpi_destroy(a);
}

static void test_build_too_small(void **state)
{
	struct pvn_acpi_platform p;
	struct pvn_acpi *a;
	struct fx_tpm2 t;
	size_t need, used;
	uint64_t rsdp;
	uint8_t *buf = malloc(AREA);

	(void)state;
	assert_int_equal(pvn_acpi_create(&a), 0);
	fx_tpm2(&t);
	assert_int_equal(pvn_acpi_add_table(a, &t, sizeof(t), "vtpm"), 0);
	fx_platform(&p, 4, true);
	assert_int_equal(pvn_acpi_build(a, &p, buf, AREA, 0xe0000, &need, &rsdp), 0);
	free(buf);
	/* Every size short of `need`, in an exact-size allocation (ASan sees any
	 * write past it), fails cleanly and says how much is needed. */
	for (size_t len = 0; len < need; len++) {
		uint8_t *small = malloc(len ? len : 1);
		used = 12345;
		assert_int_equal(pvn_acpi_build(a, &p, small, len, 0xe0000, &used, &rsdp),
				 -ENOSPC);
		assert_int_equal(used, 12345);
		free(small);
	}
	assert_non_null(strstr(pvn_acpi_error(a), "need"));
	buf = malloc(need);
	assert_int_equal(pvn_acpi_build(a, &p, buf, need, 0xe0000, &used, &rsdp), 0);
	assert_int_equal(used, need);
	free(buf);
	pvn_acpi_destroy(a);
}

static void test_bad_platform(void **state)
{
	struct pvn_acpi_platform p;
	struct pvn_acpi *a;
	size_t used;
	uint64_t rsdp;
	uint8_t *buf = malloc(AREA);

	(void)state;
	assert_int_equal(pvn_acpi_create(&a), 0);
	fx_platform(&p, 0, false);
	assert_int_equal(pvn_acpi_build(a, &p, buf, AREA, 0xe0000, &used, &rsdp), -EINVAL);
	fx_platform(&p, 256, false);
	assert_int_equal(pvn_acpi_build(a, &p, buf, AREA, 0xe0000, &used, &rsdp), -EINVAL);
	fx_platform(&p, 1, true);
	p.vmbus_low_base = 0xffff0000;
	assert_int_equal(pvn_acpi_build(a, &p, buf, AREA, 0xe0000, &used, &rsdp), -EINVAL);
	assert_non_null(strstr(pvn_acpi_error(a), "low MMIO"));
	fx_platform(&p, 1, true);
	p.vmbus_high_base = 0x80000000;
	assert_int_equal(pvn_acpi_build(a, &p, buf, AREA, 0xe0000, &used, &rsdp), -EINVAL);
	p.vmbus_high_base = 0xffffffffffff0000ULL;
	p.vmbus_high_size = 0x20000;
	assert_int_equal(pvn_acpi_build(a, &p, buf, AREA, 0xe0000, &used, &rsdp), -EINVAL);
	/* without VMBus the windows do not matter */
	p.vmbus = false;
	assert_int_equal(pvn_acpi_build(a, &p, buf, AREA, 0xe0000, &used, &rsdp), 0);
	/* unaligned or wrapping buffer addresses */
	assert_int_equal(pvn_acpi_build(a, &p, buf, AREA, 0xe0008, &used, &rsdp), -EINVAL);
	assert_int_equal(pvn_acpi_build(a, &p, buf, AREA, 0xfffffffffffffff0ULL, &used, &rsdp),
			 -EINVAL);
	pvn_acpi_destroy(a);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pkglength),
		cmocka_unit_test(test_eisaid),
		cmocka_unit_test(test_namestring),
		cmocka_unit_test(test_aml_device_bytes),
		cmocka_unit_test(test_aml_resources_and_package),
		cmocka_unit_test(test_aml_big_scope),
		cmocka_unit_test(test_aml_errors),
		cmocka_unit_test(test_build_1vp),
		cmocka_unit_test(test_build_4vp),
		cmocka_unit_test(test_build_extra),
		cmocka_unit_test(test_build_above_4g),
		cmocka_unit_test(test_vmbus_crs),
		cmocka_unit_test(test_add_table_malformed),
		cmocka_unit_test(test_add_device_malformed),
		cmocka_unit_test(test_build_too_small),
		cmocka_unit_test(test_bad_platform),
	};
	/* Refusals are expected here; keep the log to real surprises. */
	pvn_log_threshold = -1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
