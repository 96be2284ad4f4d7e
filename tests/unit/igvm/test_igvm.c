/* SPDX-License-Identifier: MIT */
/* Unit tests for libparavane-igvm: writer/parser round trips, every
 * validation error, and the loader against a fake VMM. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <paravane/igvm.h>

#define PG IGVM_PAGE_SIZE_4K

struct file {
	uint8_t *buf;
	size_t len;
};

static void file_free(struct file *f)
{
	free(f->buf);
	f->buf = NULL;
}

static struct file finish(struct pvn_igvm_writer *w, bool validate)
{
	struct pvn_igvm_error err;
	struct file f = {0};
	void *out;
	int r;

	if (!validate)
		pvn_igvm_writer_set_flags(w, PVN_IGVM_WRITER_NO_VALIDATE);
	r = pvn_igvm_writer_finish(w, &out, &f.len, &err);
	if (r)
		fail_msg("writer_finish: %s (%s)", pvn_igvm_strerror(r), err.msg);
	f.buf = out;
	pvn_igvm_writer_free(w);
	return f;
}

static void refresh_crc(struct file *f)
{
	struct igvm_fixed_header fh;
	uint32_t fixed, crc;
	uint8_t tmp[32];

	memcpy(&fh, f->buf, sizeof(fh));
	fixed = fh.format_version == 2 ? 32 : 24;
	memcpy(tmp, f->buf, fixed);
	memset(tmp + 20, 0, 4);
	crc = pvn_igvm_crc32(0, tmp, fixed);
	crc = pvn_igvm_crc32(crc, f->buf + fh.variable_header_offset, fh.variable_header_size);
	memcpy(f->buf + 20, &crc, 4);
}

/* Body of variable header number idx (counting from 0) in a raw file. */
static uint8_t *body_of(struct file *f, int idx)
{
	struct igvm_fixed_header fh;
	uint32_t pos;

	memcpy(&fh, f->buf, sizeof(fh));
	pos = fh.variable_header_offset;
	for (int i = 0; i < idx; i++) {
		struct igvm_vhs_variable_header vh;

		memcpy(&vh, f->buf + pos, sizeof(vh));
		pos += 8 + ((vh.length + 7) & ~7u);
	}
	return f->buf + pos + 8;
}

static void patch32(struct file *f, int idx, size_t off, uint32_t v)
{
	memcpy(body_of(f, idx) + off, &v, 4);
	refresh_crc(f);
}

static void patch64(struct file *f, int idx, size_t off, uint64_t v)
{
	memcpy(body_of(f, idx) + off, &v, 8);
	refresh_crc(f);
}

static void expect_err_len(const struct file *f, size_t len, int code)
{
	struct pvn_igvm_error err;
	struct pvn_igvm *p = NULL;
	int r = pvn_igvm_parse(f->buf, len, &p, &err);

	if (r != code)
		fail_msg("expected %d (%s), got %d (%s): %s", code, pvn_igvm_strerror(code), r,
		         pvn_igvm_strerror(r), err.msg);
	assert_null(p);
	assert_int_equal(err.code, code);
	assert_true(strlen(err.msg) > 0);
}

static void expect_err(const struct file *f, int code)
{
	expect_err_len(f, f->len, code);
}

static struct pvn_igvm *expect_ok(const struct file *f)
{
	struct pvn_igvm_error err;
	struct pvn_igvm *p = NULL;
	int r = pvn_igvm_parse(f->buf, f->len, &p, &err);

	if (r)
		fail_msg("parse failed: %s: %s", pvn_igvm_strerror(r), err.msg);
	return p;
}

static void fill(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static struct igvm_native_vp_context_x64 test_ctx(uint64_t rip)
{
	struct igvm_native_vp_context_x64 c = {0};

	c.rip = rip;
	c.rsp = 0x20000;
	c.cr0 = 0x80000033;
	c.cr3 = 0x9000;
	c.efer = 0x500;
	c.code_selector = 0x10;
	return c;
}

/* Minimal valid native file; extra() may add directives before the VP context. */
static struct pvn_igvm_writer *base_writer(void)
{
	struct pvn_igvm_writer *w = pvn_igvm_writer_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	uint8_t page[PG];

	assert_non_null(w);
	fill(page, sizeof(page), 1);
	assert_int_equal(pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 0x1, 0, 0), 0);
	assert_int_equal(pvn_igvm_writer_add_page_data(w, 0x100000, 0x1, 0, 0, page, PG), 0);
	return w;
}

/* ---- every header type, x64 ------------------------------------------------ */

static struct file build_x64_all(uint32_t version)
{
	struct pvn_igvm_writer *w = pvn_igvm_writer_new(version, IGVM_ARCH_X64);
	uint8_t page[PG], vmsa[PG] = {0}, corim[100];
	struct igvm_native_vp_context_x64 c = test_ctx(0x100000);
	uint32_t names[3] = {HV_X64_REGISTER_RIP, HV_X64_REGISTER_RSP, HV_X64_REGISTER_CR3};
	uint8_t vals[3][16] = {{0x00, 0x10, 0x10}, {0x00, 0x00, 0x02}, {0x00, 0x90}};
	uint8_t opt[12] = {1, 2, 3};

	assert_non_null(w);
	fill(page, sizeof(page), 3);
	fill(corim, sizeof(corim), 9);
	fill(vmsa, 64, 5);
	assert_int_equal(pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 0x1, 0, 0), 0);
	assert_int_equal(pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_VSM_ISOLATION, 0x2, 2, 0),
	                 0);
	assert_int_equal(pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_SEV_SNP, 0x4, 2, 1ull << 46),
	                 0);
	assert_int_equal(pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_TDX, 0x8, 0, 1ull << 47), 0);
	assert_int_equal(pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_SEV, 0x10, 0, 0), 0);
	assert_int_equal(pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_SEV_ES, 0x20, 0, 0), 0);
	/* An optional type the parser does not know: kept, ignored. */
	assert_int_equal(
	    pvn_igvm_writer_add_header(w, IGVM_VHT_OPTIONAL_BIT | 0x80, opt, 5, NULL, 0), 0);

	{
		struct igvm_vhs_guest_policy p = {0x30000, 0x4 | 0x8, 0};
		struct igvm_vhs_relocatable_region rr = {
		    .compatibility_mask = 0x2,
		    .vp_index = 0,
		    .vtl = 2,
		    .flags =
		        IGVM_VHF_RELOCATABLE_REGION_IS_VTL2 | IGVM_VHF_RELOCATABLE_REGION_APPLY_RIP,
		    .relocation_alignment = 0x200000,
		    .relocation_region_gpa = 0x1000000,
		    .relocation_region_size = 0x200000,
		    .minimum_relocation_gpa = 0x1000000,
		    .maximum_relocation_gpa = 0x40000000,
		};
		struct igvm_vhs_page_table_relocation pt = {
		    .compatibility_mask = 0x2,
		    .vp_index = 0,
		    .vtl = 2,
		    .gpa = 0x800000,
		    .size = 0x10000,
		    .used_size = 0x4000,
		};
		struct igvm_vhs_corim_data cd = {.compatibility_mask = 0x4, .size_bytes = 100};

		assert_int_equal(
		    pvn_igvm_writer_add_header(w, IGVM_VHT_GUEST_POLICY, &p, sizeof(p), NULL, 0),
		    0);
		assert_int_equal(pvn_igvm_writer_add_header(w, IGVM_VHT_RELOCATABLE_REGION, &rr,
		                                            sizeof(rr), NULL, 0),
		                 0);
		assert_int_equal(pvn_igvm_writer_add_header(w,
		                                            IGVM_VHT_PAGE_TABLE_RELOCATION_REGION,
		                                            &pt, sizeof(pt), NULL, 0),
		                 0);
		assert_int_equal(pvn_igvm_writer_add_header(w, IGVM_VHT_CORIM_DOCUMENT, &cd,
		                                            sizeof(cd), corim, sizeof(corim)),
		                 0);
		cd.size_bytes = 40;
		assert_int_equal(pvn_igvm_writer_add_header(w, IGVM_VHT_CORIM_SIGNATURE, &cd,
		                                            sizeof(cd), corim + 60, 40),
		                 0);
		assert_int_equal(
		    pvn_igvm_writer_add_header(w, IGVM_VHT_OPTIONAL_BIT | 0x1f0, opt, 12, NULL, 0),
		    0);
	}

	assert_int_equal(pvn_igvm_writer_add_required_memory(w, 0, 0x3f, 0x1000000, 0), 0);
	assert_int_equal(pvn_igvm_writer_add_page_data(w, 0x100000, 0x3f, 0, 0, page, PG), 0);
	assert_int_equal(pvn_igvm_writer_add_page_data(w, 0x101000, 0x3f, 0, 0, page, 100), 0);
	assert_int_equal(pvn_igvm_writer_add_page_data(w, 0x102000, 0x3f,
	                                               IGVM_PAGE_DATA_FLAG_UNMEASURED, 0, NULL, 0),
	                 0);
	/* Same contents as the first page: stored once. */
	assert_int_equal(pvn_igvm_writer_add_page_data(w, 0x103000, 0x3f, 0, 0, page, PG), 0);
	assert_int_equal(pvn_igvm_writer_add_page_data(w, 0x104000, 0x4, 0,
	                                               IGVM_PAGE_DATA_TYPE_SECRETS, NULL, 0),
	                 0);
	assert_int_equal(pvn_igvm_writer_add_page_data(w, 0x105000, 0x4, 0,
	                                               IGVM_PAGE_DATA_TYPE_CPUID_DATA, page, 64),
	                 0);
	assert_int_equal(pvn_igvm_writer_add_page_data(w, 0x106000, 0x4, 0,
	                                               IGVM_PAGE_DATA_TYPE_CPUID_XF, NULL, 0),
	                 0);
	assert_int_equal(
	    pvn_igvm_writer_add_page_data(w, 0x400000, 0x1, IGVM_PAGE_DATA_FLAG_2MB, 0, page, PG),
	    0);
	assert_int_equal(pvn_igvm_writer_add_parameter_area(w, 7, 2 * PG, "init", 5), 0);
	{
		static const uint32_t params[] = {
		    IGVM_VHT_VP_COUNT_PARAMETER,
		    IGVM_VHT_SRAT,
		    IGVM_VHT_MADT,
		    IGVM_VHT_MMIO_RANGES,
		    IGVM_VHT_MEMORY_MAP,
		    IGVM_VHT_COMMAND_LINE,
		    IGVM_VHT_SLIT,
		    IGVM_VHT_PPTT,
		    IGVM_VHT_DEVICE_TREE,
		    IGVM_VHT_ENVIRONMENT_INFO_PARAMETER,
		};
		for (unsigned i = 0; i < sizeof(params) / sizeof(params[0]); i++)
			assert_int_equal(pvn_igvm_writer_add_parameter(w, params[i], 7, i * 0x100),
			                 0);
	}
	assert_int_equal(pvn_igvm_writer_add_parameter_insert(w, 0x200000, 0x3f, 7), 0);
	assert_int_equal(pvn_igvm_writer_add_parameter_area(w, 8, PG, NULL, 0), 0);
	assert_int_equal(pvn_igvm_writer_add_parameter_insert(w, 0x210000, 0x1, 8), 0);
	assert_int_equal(pvn_igvm_writer_add_vp_context_x64(w, 0x1, 0, &c), 0);
	assert_int_equal(pvn_igvm_writer_add_vp_context_x64(w, 0x1, 1, &c), 0);
	assert_int_equal(pvn_igvm_writer_add_vp_context_x64(w, 0x10, 0, &c), 0);
	assert_int_equal(
	    pvn_igvm_writer_add_vp_context_vbs(w, 0x2, 2, names, (const uint8_t(*)[16])vals, 3), 0);
	{
		struct igvm_vhs_vp_context v = {.gpa = 0x300000, .compatibility_mask = 0x4};
		struct igvm_vhs_error_range er = {0x310000, 0x3f, 0x2000};
		struct igvm_vhs_snp_id_block id;
		struct igvm_vhs_vbs_measurement vm;

		assert_int_equal(pvn_igvm_writer_add_header(w, IGVM_VHT_VP_CONTEXT, &v, sizeof(v),
		                                            vmsa, sizeof(vmsa)),
		                 0);
		v.gpa = 0x301000;
		v.compatibility_mask = 0x20;
		assert_int_equal(pvn_igvm_writer_add_header(w, IGVM_VHT_VP_CONTEXT, &v, sizeof(v),
		                                            vmsa, sizeof(vmsa)),
		                 0);
		assert_int_equal(
		    pvn_igvm_writer_add_header(w, IGVM_VHT_ERROR_RANGE, &er, sizeof(er), NULL, 0),
		    0);
		memset(&id, 0x11, sizeof(id));
		id.compatibility_mask = 0x4;
		assert_int_equal(
		    pvn_igvm_writer_add_header(w, IGVM_VHT_SNP_ID_BLOCK, &id, sizeof(id), NULL, 0),
		    0);
		memset(&vm, 0x22, sizeof(vm));
		vm.compatibility_mask = 0x2;
		assert_int_equal(pvn_igvm_writer_add_header(w, IGVM_VHT_VBS_MEASUREMENT, &vm,
		                                            sizeof(vm), NULL, 0),
		                 0);
	}
	assert_int_equal(
	    pvn_igvm_writer_add_header(w, IGVM_VHT_OPTIONAL_BIT | 0x3f0, opt, 8, NULL, 0), 0);
	return finish(w, true);
}

/* ---- every header type, aarch64 (CCA) -------------------------------------- */

static struct file build_aarch64_all(void)
{
	struct pvn_igvm_writer *w = pvn_igvm_writer_new(IGVM_FORMAT_VERSION_2, IGVM_ARCH_AARCH64);
	struct igvm_vhs_cca_policy cp = {.compatibility_mask = 0x1,
	                                 .attributes_required_ones = IGVM_CCA_POLICY_ATTR_DEBUG,
	                                 .attributes_required_zeroes = IGVM_CCA_POLICY_ATTR_MEC,
	                                 .hash_algorithm = IGVM_CCA_HASH_SHA256};
	struct igvm_vp_context_aarch64_cca cc = {.x0 = 0x1000, .pc = 0x80000000};
	struct igvm_vhs_vp_context v = {.compatibility_mask = 0x1};
	uint32_t names[1] = {0x00040000 /* any name: aarch64 registers are not restricted */};
	uint8_t vals[1][16] = {{1}};
	uint8_t page[PG] = {0};

	assert_non_null(w);
	memcpy(page, &cc, sizeof(cc));
	assert_int_equal(pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_CCA, 0x1, 0, 0), 0);
	assert_int_equal(pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_VSM_ISOLATION, 0x2, 2, 0),
	                 0);
	assert_int_equal(
	    pvn_igvm_writer_add_header(w, IGVM_VHT_CCA_POLICY, &cp, sizeof(cp), NULL, 0), 0);
	assert_int_equal(pvn_igvm_writer_add_page_data(w, 0x80000000, 0x3, 0, 0, page, 80), 0);
	assert_int_equal(
	    pvn_igvm_writer_add_header(w, IGVM_VHT_VP_CONTEXT, &v, sizeof(v), page, PG), 0);
	assert_int_equal(
	    pvn_igvm_writer_add_vp_context_vbs(w, 0x2, 2, names, (const uint8_t(*)[16])vals, 1), 0);
	return finish(w, true);
}

static void roundtrip(struct file *f, size_t expect_headers)
{
	struct pvn_igvm *p = expect_ok(f), *p2;
	struct pvn_igvm_error err;
	struct file g;
	void *out;
	size_t n = 0, unknown = 0;
	int r;

	for (const struct pvn_igvm_header *h = pvn_igvm_header_next(p, NULL); h;
	     h = pvn_igvm_header_next(p, h), n++)
		unknown += !h->known;
	assert_int_equal(n, pvn_igvm_header_count(p));
	if (expect_headers)
		assert_int_equal(n, expect_headers);
	r = pvn_igvm_rewrite(p, &out, &g.len, &err);
	if (r)
		fail_msg("rewrite: %s", err.msg);
	g.buf = out;
	assert_int_equal(g.len, f->len);
	assert_memory_equal(g.buf, f->buf, f->len);
	p2 = expect_ok(&g);
	assert_int_equal(pvn_igvm_header_count(p2), n);
	pvn_igvm_free(p2);
	pvn_igvm_free(p);
	file_free(&g);
	(void)unknown;
}

static void test_roundtrip_x64_v1(void **state)
{
	struct file f = build_x64_all(IGVM_FORMAT_VERSION_1);
	struct pvn_igvm *p = expect_ok(&f);
	const struct pvn_igvm_header *h;
	bool seen[0x320] = {false};
	size_t unknown = 0;
	const void *d;
	size_t dl;

	(void)state;
	for (h = pvn_igvm_header_next(p, NULL); h; h = pvn_igvm_header_next(p, h)) {
		if (!h->known) {
			unknown++;
			continue;
		}
		seen[h->type & 0x3ff] = true;
	}
	assert_int_equal(unknown, 3);
	/* Every type but the CCA/aarch64 ones (covered by the next test). */
	for (uint32_t t = 0; t < 0x320; t++)
		if (pvn_igvm_type_name(t) && t != IGVM_VHT_CCA_POLICY)
			assert_true(seen[t] || !fprintf(stderr, "type 0x%x missing\n", t));
	assert_int_equal(pvn_igvm_platform_count(p), 6);
	assert_int_equal(pvn_igvm_platform_mask(p, IGVM_PLATFORM_VSM_ISOLATION), 0x2);
	assert_int_equal(pvn_igvm_platform_mask(p, IGVM_PLATFORM_CCA), 0);
	/* The short page is padded to 4K; duplicate pages share file data. */
	h = pvn_igvm_header_at(p, 15);
	assert_int_equal(h->type, IGVM_VHT_PAGE_DATA);
	pvn_igvm_header_data(p, h, &d, &dl);
	assert_int_equal(dl, PG);
	assert_int_equal(pvn_igvm_header_at(p, 14)->data_offset,
	                 pvn_igvm_header_at(p, 17)->data_offset);
	pvn_igvm_header_data(p, pvn_igvm_header_at(p, 16), &d, &dl);
	assert_null(d);
	assert_int_equal(dl, 0);
	pvn_igvm_free(p);
	roundtrip(&f, 0);
	file_free(&f);
}

static void test_roundtrip_x64_v2(void **state)
{
	struct file f = build_x64_all(IGVM_FORMAT_VERSION_2);
	struct pvn_igvm *p = expect_ok(&f);

	(void)state;
	assert_int_equal(pvn_igvm_format_version(p), 2);
	assert_int_equal(pvn_igvm_arch(p), IGVM_ARCH_X64);
	assert_int_equal(pvn_igvm_page_size(p), PG);
	pvn_igvm_free(p);
	roundtrip(&f, 0);
	file_free(&f);
}

static void test_roundtrip_aarch64(void **state)
{
	struct file f = build_aarch64_all();
	struct pvn_igvm *p = expect_ok(&f);
	struct igvm_native_vp_context_x64 x;

	(void)state;
	assert_int_equal(pvn_igvm_arch(p), IGVM_ARCH_AARCH64);
	assert_int_equal(pvn_igvm_header_at(p, 4)->vp_kind, PVN_IGVM_VP_CCA);
	assert_int_equal(pvn_igvm_header_at(p, 5)->vp_kind, PVN_IGVM_VP_VBS);
	assert_int_equal(pvn_igvm_vp_context_x64(p, pvn_igvm_header_at(p, 4), &x),
	                 PVN_IGVM_E_INVAL);
	pvn_igvm_free(p);
	roundtrip(&f, 6);
	file_free(&f);
}

static void test_vp_context_decode(void **state)
{
	struct file f = build_x64_all(IGVM_FORMAT_VERSION_1);
	struct pvn_igvm *p = expect_ok(&f);
	struct igvm_native_vp_context_x64 x;
	bool native = false, vbs = false;

	(void)state;
	for (const struct pvn_igvm_header *h = pvn_igvm_header_next(p, NULL); h;
	     h = pvn_igvm_header_next(p, h)) {
		if (h->vp_kind == PVN_IGVM_VP_NATIVE_X64 && !native) {
			assert_int_equal(pvn_igvm_vp_context_x64(p, h, &x), 0);
			assert_int_equal(x.rip, 0x100000);
			assert_int_equal(x.cr3, 0x9000);
			native = true;
		} else if (h->vp_kind == PVN_IGVM_VP_VBS) {
			assert_int_equal(h->vtl, 2);
			assert_int_equal(pvn_igvm_vp_context_x64(p, h, &x), 0);
			assert_int_equal(x.rip, 0x101000);
			assert_int_equal(x.rsp, 0x20000);
			assert_int_equal(x.cr3, 0x9000);
			vbs = true;
		}
	}
	assert_true(native && vbs);
	pvn_igvm_free(p);
	file_free(&f);
}

/* ---- rejections -------------------------------------------------------------- */

static void test_fixed_header_errors(void **state)
{
	struct file f = finish(base_writer(), true);
	struct file g;

	(void)state;
	g.len = f.len;
	g.buf = malloc(f.len + 8);
	assert_non_null(g.buf);

	memcpy(g.buf, f.buf, f.len);
	g.buf[0] ^= 0xff;
	expect_err(&g, PVN_IGVM_E_BAD_MAGIC);

	memcpy(g.buf, f.buf, f.len);
	g.buf[4] = 3;
	expect_err(&g, PVN_IGVM_E_BAD_VERSION);

	memcpy(g.buf, f.buf, f.len);
	g.buf[24 + 8 + 4] ^= 1; /* inside the first variable header */
	expect_err(&g, PVN_IGVM_E_CHECKSUM);

	memcpy(g.buf, f.buf, f.len);
	g.buf[20] ^= 1; /* the checksum itself */
	expect_err(&g, PVN_IGVM_E_CHECKSUM);

	memcpy(g.buf, f.buf, f.len);
	expect_err_len(&g, f.len - 1, PVN_IGVM_E_TRUNCATED);
	expect_err_len(&g, 10, PVN_IGVM_E_TRUNCATED);
	expect_err_len(&g, 0, PVN_IGVM_E_TRUNCATED);
	memset(g.buf + f.len, 0, 8);
	expect_err_len(&g, f.len + 8, PVN_IGVM_E_FILE_SIZE);

	memcpy(g.buf, f.buf, f.len);
	g.buf[8] = 20; /* variable header offset inside the fixed header */
	expect_err(&g, PVN_IGVM_E_VAR_HEADER_RANGE);
	memcpy(g.buf, f.buf, f.len);
	memset(g.buf + 12, 0xff, 3); /* variable header size past the end */
	expect_err(&g, PVN_IGVM_E_VAR_HEADER_RANGE);

	file_free(&g);
	file_free(&f);

	/* v2: architecture and page size. */
	{
		struct pvn_igvm_writer *w = pvn_igvm_writer_new(2, IGVM_ARCH_X64);

		pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 1, 0, 0);
		f = finish(w, true);
		f.buf[24] = 7;
		expect_err(&f, PVN_IGVM_E_BAD_ARCH);
		f.buf[24] = 0;
		f.buf[29] = 0x20; /* page size 0x2000 */
		expect_err(&f, PVN_IGVM_E_PAGE_SIZE);
		f.buf[29] = 0x10;
		refresh_crc(&f);
		pvn_igvm_free(expect_ok(&f));
		file_free(&f);
	}
}

static void test_section_order(void **state)
{
	struct pvn_igvm_writer *w = base_writer();
	struct igvm_vhs_guest_policy gp = {0, 1, 0};
	struct file f;

	(void)state;
	pvn_igvm_writer_add_header(w, IGVM_VHT_GUEST_POLICY, &gp, sizeof(gp), NULL, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_SECTION_ORDER);
	file_free(&f);

	w = base_writer();
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_VSM_ISOLATION, 2, 2, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_SECTION_ORDER);
	file_free(&f);

	/* Directives without any platform. */
	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_page_data(w, 0, 1, 0, 0, NULL, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_NO_PLATFORM);
	file_free(&f);
	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_NO_PLATFORM);
	file_free(&f);
}

static void test_unknown_types(void **state)
{
	struct pvn_igvm_writer *w = base_writer();
	uint8_t junk[8] = {1};
	struct pvn_igvm *p;
	struct file f;

	(void)state;
	pvn_igvm_writer_add_header(w, 0x3f0, junk, sizeof(junk), NULL, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_UNKNOWN_TYPE);
	file_free(&f);

	/* Reserved/unused numbers count as unknown too. */
	w = base_writer();
	pvn_igvm_writer_add_header(w, IGVM_VHT_RESERVED_DO_NOT_USE, junk, sizeof(junk), NULL, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_UNKNOWN_TYPE);
	file_free(&f);

	w = base_writer();
	pvn_igvm_writer_add_header(w, IGVM_VHT_OPTIONAL_BIT | 0x3f0, junk, 3, NULL, 0);
	pvn_igvm_writer_add_header(w, IGVM_VHT_OPTIONAL_BIT | 0x7777, junk, 0, NULL, 0);
	f = finish(w, true);
	p = expect_ok(&f);
	assert_int_equal(pvn_igvm_header_count(p), 4);
	assert_false(pvn_igvm_header_at(p, 2)->known);
	assert_false(pvn_igvm_header_at(p, 3)->known);
	pvn_igvm_free(p);
	file_free(&f);

	/* An optional header still may not reopen an earlier section. */
	w = base_writer();
	pvn_igvm_writer_add_header(w, IGVM_VHT_OPTIONAL_BIT | 0x1f0, junk, 8, NULL, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_SECTION_ORDER);
	file_free(&f);
}

static void test_parameter_areas(void **state)
{
	struct pvn_igvm_writer *w;
	struct file f;

	(void)state;
	w = base_writer();
	pvn_igvm_writer_add_parameter_area(w, 1, PG, NULL, 0);
	pvn_igvm_writer_add_parameter_area(w, 1, PG, NULL, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_PARAM_AREA_DUPLICATE);
	file_free(&f);

	w = base_writer();
	pvn_igvm_writer_add_parameter(w, IGVM_VHT_MEMORY_MAP, 5, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_PARAM_AREA_UNDECLARED);
	file_free(&f);

	/* Using an area after it was inserted is the same as never declaring it. */
	w = base_writer();
	pvn_igvm_writer_add_parameter_area(w, 1, PG, NULL, 0);
	pvn_igvm_writer_add_parameter_insert(w, 0x5000, 1, 1);
	pvn_igvm_writer_add_parameter(w, IGVM_VHT_MEMORY_MAP, 1, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_PARAM_AREA_UNDECLARED);
	file_free(&f);

	w = base_writer();
	pvn_igvm_writer_add_parameter_insert(w, 0x5000, 1, 3);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_PARAM_INSERT_UNDECLARED);
	file_free(&f);

	w = base_writer();
	pvn_igvm_writer_add_parameter_area(w, 1, PG, NULL, 0);
	pvn_igvm_writer_add_parameter_insert(w, 0x5000, 1, 1);
	pvn_igvm_writer_add_parameter_insert(w, 0x6000, 1, 1);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_PARAM_INSERT_UNDECLARED);
	file_free(&f);

	w = base_writer();
	pvn_igvm_writer_add_parameter_area(w, 1, PG, NULL, 0);
	pvn_igvm_writer_add_parameter(w, IGVM_VHT_VP_COUNT_PARAMETER, 1, PG - 2);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_PARAM_OFFSET);
	file_free(&f);

	w = base_writer();
	pvn_igvm_writer_add_parameter_area(w, 1, 100, NULL, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_UNALIGNED_SIZE);
	file_free(&f);
}

static void test_overlap(void **state)
{
	struct pvn_igvm_writer *w;
	struct pvn_igvm_error err;
	struct pvn_igvm *p;
	struct file f;

	(void)state;
	w = base_writer();
	pvn_igvm_writer_add_page_data(w, 0x100000, 1, 0, 0, NULL, 0);
	f = finish(w, false);
	assert_int_equal(pvn_igvm_parse(f.buf, f.len, &p, &err), PVN_IGVM_E_PAGE_DATA_OVERLAP);
	assert_int_equal(err.header_index, 2);
	assert_non_null(strstr(err.msg, "header #1"));
	file_free(&f);

	/* A 2 MiB page covering an earlier 4K page. */
	w = base_writer();
	pvn_igvm_writer_add_page_data(w, 0, 1, IGVM_PAGE_DATA_FLAG_2MB, 0, NULL, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_PAGE_DATA_OVERLAP);
	file_free(&f);

	/* A parameter insert on top of page data. */
	w = base_writer();
	pvn_igvm_writer_add_parameter_area(w, 0, 2 * PG, NULL, 0);
	pvn_igvm_writer_add_parameter_insert(w, 0xff000, 1, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_PAGE_DATA_OVERLAP);
	file_free(&f);

	/* Same GPA for disjoint platforms is fine. */
	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 1, 0, 0);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_VSM_ISOLATION, 2, 2, 0);
	pvn_igvm_writer_add_page_data(w, 0x100000, 1, 0, 0, NULL, 0);
	pvn_igvm_writer_add_page_data(w, 0x100000, 2, 0, 0, NULL, 0);
	f = finish(w, true);
	file_free(&f);
}

static void test_data_range(void **state)
{
	struct file f;

	(void)state;
	f = finish(base_writer(), true);
	/* header 1 is the PAGE_DATA; file_offset at +12 */
	patch32(&f, 1, 12, (uint32_t)f.len - 100);
	expect_err(&f, PVN_IGVM_E_DATA_RANGE);
	patch32(&f, 1, 12, 8); /* inside the headers */
	expect_err(&f, PVN_IGVM_E_DATA_RANGE);
	patch32(&f, 1, 12, 0xfffff800u);
	expect_err(&f, PVN_IGVM_E_DATA_OVERFLOW);
	file_free(&f);

	{
		struct pvn_igvm_writer *w = base_writer();

		pvn_igvm_writer_add_parameter_area(w, 0, PG, "x", 2);
		f = finish(w, true);
		/* number_of_bytes huge: offset + length overflows */
		patch64(&f, 2, 0, 0xfffffffffffff000ull);
		expect_err(&f, PVN_IGVM_E_DATA_OVERFLOW);
		patch64(&f, 2, 0, 0x100000);
		expect_err(&f, PVN_IGVM_E_DATA_RANGE);
		file_free(&f);
	}
}

static void test_vp_contexts(void **state)
{
	struct pvn_igvm_writer *w;
	struct igvm_native_vp_context_x64 c = test_ctx(0x1000);
	uint32_t name = HV_X64_REGISTER_RIP;
	uint8_t val[1][16] = {{0}};
	struct file f;

	(void)state;
	/* VSM platform with highest VTL 2 but only a VTL0 context. */
	w = base_writer();
	pvn_igvm_writer_free(w);
	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_VSM_ISOLATION, 1, 2, 0);
	pvn_igvm_writer_add_vp_context_vbs(w, 1, 0, &name, (const uint8_t(*)[16])val, 1);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_VP_CONTEXT_MISSING);
	file_free(&f);

	/* Relocation region naming VP 0 / VTL 2 with no such context. */
	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_VSM_ISOLATION, 1, 2, 0);
	{
		struct igvm_vhs_relocatable_region rr = {
		    .compatibility_mask = 1,
		    .vtl = 2,
		    .relocation_alignment = PG,
		    .relocation_region_size = PG,
		};
		pvn_igvm_writer_add_header(w, IGVM_VHT_RELOCATABLE_REGION, &rr, sizeof(rr), NULL,
		                           0);
	}
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_VP_CONTEXT_MISSING);
	file_free(&f);

	/* Native: VP 1 without VP 0. */
	w = base_writer();
	pvn_igvm_writer_add_vp_context_x64(w, 1, 1, &c);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_VP_CONTEXT_MISSING);
	file_free(&f);

	w = base_writer();
	pvn_igvm_writer_add_vp_context_x64(w, 1, 0, &c);
	pvn_igvm_writer_add_vp_context_x64(w, 1, 0, &c);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_VP_CONTEXT_DUPLICATE);
	file_free(&f);

	/* A context for TDX (no VP contexts there) and one for two platforms. */
	w = base_writer();
	pvn_igvm_writer_free(w);
	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_TDX, 1, 0, 0);
	pvn_igvm_writer_add_vp_context_x64(w, 1, 0, &c);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_VP_CONTEXT_PLATFORM);
	file_free(&f);
	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 1, 0, 0);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_SEV, 2, 0, 0);
	pvn_igvm_writer_add_vp_context_x64(w, 3, 0, &c);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_VP_CONTEXT_PLATFORM);
	file_free(&f);

	/* VBS: no registers; a register outside the allowed set. */
	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_VSM_ISOLATION, 1, 2, 0);
	pvn_igvm_writer_add_vp_context_vbs(w, 1, 2, &name, (const uint8_t(*)[16])val, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_VBS_NO_REGISTERS);
	file_free(&f);
	name = 0x00020000; /* RAX is not accepted by the reference */
	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_VSM_ISOLATION, 1, 2, 0);
	pvn_igvm_writer_add_vp_context_vbs(w, 1, 2, &name, (const uint8_t(*)[16])val, 1);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_VBS_REGISTER);
	file_free(&f);

	/* Non-zero bytes after the native context. */
	w = base_writer();
	pvn_igvm_writer_add_vp_context_x64(w, 1, 0, &c);
	f = finish(w, true);
	f.buf[f.len - 1] = 1;
	expect_err(&f, PVN_IGVM_E_VP_CONTEXT);
	file_free(&f);
}

static void test_masks_and_platforms(void **state)
{
	struct pvn_igvm_writer *w;
	struct file f;

	(void)state;
	w = base_writer();
	pvn_igvm_writer_add_page_data(w, 0x200000, 0x4, 0, 0, NULL, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_COMPAT_MASK_NO_PLATFORM);
	file_free(&f);

	w = base_writer();
	pvn_igvm_writer_add_required_memory(w, 0, 0, PG, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_COMPAT_MASK_NO_PLATFORM);
	file_free(&f);

	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 3, 0, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_COMPAT_MASK);
	file_free(&f);

	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 1, 0, 0);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_VSM_ISOLATION, 1, 2, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_COMPAT_MASK);
	file_free(&f);

	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 1, 0, 0);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 2, 0, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_PLATFORM_DUPLICATE);
	file_free(&f);

	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, 9, 1, 0, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_PLATFORM_TYPE);
	file_free(&f);

	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 1, 1, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_VTL);
	file_free(&f);

	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 1, 0, 0x1000);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_SHARED_GPA_BOUNDARY);
	file_free(&f);

	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_CCA, 1, 0, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_PLATFORM_ARCH);
	file_free(&f);

	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 1, 0, 0);
	f = finish(w, true);
	patch32(&f, 0, 4, 0x00020000); /* platform_version 2 */
	expect_err(&f, PVN_IGVM_E_PLATFORM_VERSION);
	file_free(&f);

	/* CCA policy: on x64, and naming a non-CCA platform. */
	{
		struct igvm_vhs_cca_policy cp = {.compatibility_mask = 2};

		w = pvn_igvm_writer_new(2, IGVM_ARCH_AARCH64);
		pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_CCA, 1, 0, 0);
		pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_VSM_ISOLATION, 2, 2, 0);
		pvn_igvm_writer_add_header(w, IGVM_VHT_CCA_POLICY, &cp, sizeof(cp), NULL, 0);
		f = finish(w, false);
		expect_err(&f, PVN_IGVM_E_CCA_POLICY_MASK);
		file_free(&f);
		cp.compatibility_mask = 1;
		cp.attributes_required_ones = cp.attributes_required_zeroes = 1;
		w = pvn_igvm_writer_new(2, IGVM_ARCH_AARCH64);
		pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_CCA, 1, 0, 0);
		pvn_igvm_writer_add_header(w, IGVM_VHT_CCA_POLICY, &cp, sizeof(cp), NULL, 0);
		f = finish(w, false);
		expect_err(&f, PVN_IGVM_E_ONES_ZEROES);
		file_free(&f);
		cp.attributes_required_ones = 0;
		w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
		pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_VSM_ISOLATION, 1, 2, 0);
		pvn_igvm_writer_add_header(w, IGVM_VHT_CCA_POLICY, &cp, sizeof(cp), NULL, 0);
		f = finish(w, false);
		expect_err(&f, PVN_IGVM_E_HEADER_ARCH);
		file_free(&f);
	}
}

static void test_header_framing(void **state)
{
	struct pvn_igvm_writer *w;
	struct igvm_vhs_guest_policy gp = {0, 1, 5};
	uint8_t short_body[12] = {0};
	struct file f;

	(void)state;
	w = base_writer();
	pvn_igvm_writer_add_header(w, IGVM_VHT_REQUIRED_MEMORY, short_body, sizeof(short_body),
	                           NULL, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_HEADER_LENGTH);
	file_free(&f);

	w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_SEV_SNP, 1, 0, 0);
	pvn_igvm_writer_add_header(w, IGVM_VHT_GUEST_POLICY, &gp, sizeof(gp), NULL, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_RESERVED);
	file_free(&f);

	/* Non-zero padding after a 5-byte optional header. */
	w = base_writer();
	pvn_igvm_writer_add_header(w, IGVM_VHT_OPTIONAL_BIT | 0x3f0, short_body, 5, NULL, 0);
	f = finish(w, true);
	body_of(&f, 2)[6] = 1;
	refresh_crc(&f);
	expect_err(&f, PVN_IGVM_E_HEADER_PADDING);
	/* Length running past the section. */
	memcpy(body_of(&f, 2) - 4, &(uint32_t){0x1000}, 4);
	refresh_crc(&f);
	expect_err(&f, PVN_IGVM_E_HEADER_TRUNCATED);
	file_free(&f);

	w = base_writer();
	pvn_igvm_writer_add_page_data(w, 0x200800, 1, 0, 0, NULL, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_UNALIGNED_ADDRESS);
	file_free(&f);

	w = base_writer();
	pvn_igvm_writer_add_page_data(w, 0x200000, 1, 0, 9, NULL, 0);
	f = finish(w, false);
	expect_err(&f, PVN_IGVM_E_PAGE_DATA_TYPE);
	file_free(&f);
}

static void test_relocations(void **state)
{
	struct pvn_igvm_writer *w;
	struct file f;
	struct igvm_vhs_relocatable_region rr = {
	    .compatibility_mask = 1,
	    .relocation_alignment = 0x200000,
	    .relocation_region_gpa = 0x200000,
	    .relocation_region_size = 0x200000,
	    .minimum_relocation_gpa = 0x200000,
	    .maximum_relocation_gpa = 0x400000,
	};
	struct igvm_vhs_page_table_relocation pt = {
	    .compatibility_mask = 1,
	    .gpa = 0x300000,
	    .size = 0x4000,
	    .used_size = 0x1000,
	};
	struct igvm_native_vp_context_x64 c = test_ctx(0x1000);

	(void)state;
#define RELOC_CASE(code, ...)                                                                      \
	do {                                                                                       \
		w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);                                         \
		pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 1, 0, 0);                    \
		__VA_ARGS__;                                                                       \
		pvn_igvm_writer_add_vp_context_x64(w, 1, 0, &c);                                   \
		f = finish(w, false);                                                              \
		expect_err(&f, code);                                                              \
		file_free(&f);                                                                     \
	} while (0)
	RELOC_CASE(
	    PVN_IGVM_E_RELOC_OVERLAP,
	    pvn_igvm_writer_add_header(w, IGVM_VHT_RELOCATABLE_REGION, &rr, sizeof(rr), NULL, 0);
	    pvn_igvm_writer_add_header(w, IGVM_VHT_PAGE_TABLE_RELOCATION_REGION, &pt, sizeof(pt),
	                               NULL, 0));
	pt.gpa = 0x800000;
	RELOC_CASE(PVN_IGVM_E_MULTIPLE_PT_RELOC,
	           pvn_igvm_writer_add_header(w, IGVM_VHT_PAGE_TABLE_RELOCATION_REGION, &pt,
	                                      sizeof(pt), NULL, 0);
	           pvn_igvm_writer_add_header(w, IGVM_VHT_PAGE_TABLE_RELOCATION_REGION, &pt,
	                                      sizeof(pt), NULL, 0));
	RELOC_CASE(PVN_IGVM_E_PARAM_INSERT_IN_PT,
	           pvn_igvm_writer_add_header(w, IGVM_VHT_PAGE_TABLE_RELOCATION_REGION, &pt,
	                                      sizeof(pt), NULL, 0);
	           pvn_igvm_writer_add_parameter_area(w, 0, PG, NULL, 0);
	           pvn_igvm_writer_add_parameter_insert(w, 0x801000, 1, 0));
	pt.used_size = 0x8000;
	RELOC_CASE(PVN_IGVM_E_PT_REGION_SIZE,
	           pvn_igvm_writer_add_header(w, IGVM_VHT_PAGE_TABLE_RELOCATION_REGION, &pt,
	                                      sizeof(pt), NULL, 0));
	rr.relocation_region_size = 0x1800;
	RELOC_CASE(PVN_IGVM_E_RELOC_SIZE, pvn_igvm_writer_add_header(w, IGVM_VHT_RELOCATABLE_REGION,
	                                                             &rr, sizeof(rr), NULL, 0));
	rr.relocation_region_size = 0x200000;
	rr.relocation_alignment = 0x1800;
	RELOC_CASE(
	    PVN_IGVM_E_RELOC_ALIGNMENT,
	    pvn_igvm_writer_add_header(w, IGVM_VHT_RELOCATABLE_REGION, &rr, sizeof(rr), NULL, 0));
	rr.relocation_alignment = 0x200000;
	rr.minimum_relocation_gpa = 0x1000;
	RELOC_CASE(
	    PVN_IGVM_E_RELOC_ADDRESS,
	    pvn_igvm_writer_add_header(w, IGVM_VHT_RELOCATABLE_REGION, &rr, sizeof(rr), NULL, 0));
	{
		struct igvm_vhs_corim_data cd = {.compatibility_mask = 1};

		RELOC_CASE(PVN_IGVM_E_CORIM_MISSING_DOC,
		           pvn_igvm_writer_add_header(w, IGVM_VHT_CORIM_SIGNATURE, &cd, sizeof(cd),
		                                      NULL, 0));
		RELOC_CASE(PVN_IGVM_E_CORIM_DUPLICATE,
		           pvn_igvm_writer_add_header(w, IGVM_VHT_CORIM_DOCUMENT, &cd, sizeof(cd),
		                                      NULL, 0);
		           pvn_igvm_writer_add_header(w, IGVM_VHT_CORIM_DOCUMENT, &cd, sizeof(cd),
		                                      NULL, 0));
	}
#undef RELOC_CASE
}

static void test_strerror_distinct(void **state)
{
	static const int codes[] = {
	    PVN_IGVM_E_TRUNCATED,
	    PVN_IGVM_E_BAD_MAGIC,
	    PVN_IGVM_E_BAD_VERSION,
	    PVN_IGVM_E_CHECKSUM,
	    PVN_IGVM_E_SECTION_ORDER,
	    PVN_IGVM_E_UNKNOWN_TYPE,
	    PVN_IGVM_E_PARAM_AREA_DUPLICATE,
	    PVN_IGVM_E_PARAM_AREA_UNDECLARED,
	    PVN_IGVM_E_PARAM_INSERT_UNDECLARED,
	    PVN_IGVM_E_PAGE_DATA_OVERLAP,
	    PVN_IGVM_E_DATA_RANGE,
	    PVN_IGVM_E_DATA_OVERFLOW,
	    PVN_IGVM_E_VP_CONTEXT_MISSING,
	    PVN_IGVM_E_COMPAT_MASK_NO_PLATFORM,
	    PVN_IGVM_E_LOAD_REQUIRED_MEMORY,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_string_not_equal(pvn_igvm_strerror(codes[i]), "unknown error");
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(pvn_igvm_strerror(codes[i]),
			                        pvn_igvm_strerror(codes[j]));
	}
	assert_string_equal(pvn_igvm_strerror(12345), "unknown error");
	assert_int_equal(pvn_igvm_crc32(0, "123456789", 9), 0xCBF43926u);
}

/* ---- loader ------------------------------------------------------------------------ */

struct fake_vmm {
	uint8_t *ram;
	uint64_t ram_size;
	int imports;
	int contexts;
	struct pvn_igvm_vp_context last;
	bool madt_called;
};

static int fake_import(void *opaque, uint64_t gpa, const void *data, uint64_t len, uint32_t flags,
                       uint16_t data_type)
{
	struct fake_vmm *v = opaque;

	(void)data_type;
	if (gpa + len > v->ram_size)
		return -14;
	if (flags & PVN_IGVM_IMPORT_ZERO)
		memset(v->ram + gpa, 0, len);
	else
		memcpy(v->ram + gpa, data, len);
	v->imports++;
	return 0;
}

static int fake_fill(void *opaque, uint32_t type, void *dst, size_t avail)
{
	struct fake_vmm *v = opaque;

	if (type != IGVM_VHT_MADT)
		return PVN_IGVM_FILL_DEFAULT;
	v->madt_called = true;
	assert_true(avail >= 4);
	memcpy(dst, "APIC", 4);
	return 0;
}

static int fake_ctx(void *opaque, const struct pvn_igvm_vp_context *c)
{
	struct fake_vmm *v = opaque;

	v->contexts++;
	v->last = *c;
	return 0;
}

static struct file build_loadable(uint32_t required)
{
	struct pvn_igvm_writer *w = pvn_igvm_writer_new(1, IGVM_ARCH_X64);
	struct igvm_native_vp_context_x64 c = test_ctx(0x100000);
	uint8_t page[PG];

	fill(page, sizeof(page), 42);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 1, 0, 0);
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_VSM_ISOLATION, 2, 2, 0);
	pvn_igvm_writer_add_required_memory(w, 0, 3, required, 0);
	pvn_igvm_writer_add_page_data(w, 0x100000, 3, 0, 0, page, PG);
	pvn_igvm_writer_add_page_data(w, 0x101000, 3, 0, 0, NULL, 0);
	pvn_igvm_writer_add_page_data(w, 0x102000, 2, 0, 0, page, 16); /* VSM only */
	pvn_igvm_writer_add_parameter_area(w, 0, 2 * PG, NULL, 0);
	pvn_igvm_writer_add_parameter(w, IGVM_VHT_VP_COUNT_PARAMETER, 0, 0);
	pvn_igvm_writer_add_parameter(w, IGVM_VHT_MEMORY_MAP, 0, 0x100);
	pvn_igvm_writer_add_parameter(w, IGVM_VHT_MADT, 0, 0x1000);
	pvn_igvm_writer_add_parameter(w, IGVM_VHT_MMIO_RANGES, 0, 0x1800);
	pvn_igvm_writer_add_parameter_insert(w, 0x11000, 3, 0);
	pvn_igvm_writer_add_parameter_area(w, 1, PG, "builtin", 8);
	pvn_igvm_writer_add_parameter(w, IGVM_VHT_COMMAND_LINE, 1, 0);
	pvn_igvm_writer_add_parameter_insert(w, 0x13000, 3, 1);
	pvn_igvm_writer_add_vp_context_x64(w, 1, 0, &c);
	{
		uint32_t name = HV_X64_REGISTER_RIP;
		uint8_t val[1][16] = {{0x00, 0x20, 0x10}};

		pvn_igvm_writer_add_vp_context_vbs(w, 2, 2, &name, (const uint8_t(*)[16])val, 1);
	}
	return finish(w, true);
}

static void test_load_native(void **state)
{
	struct file f = build_loadable(0x800000);
	struct pvn_igvm *p = expect_ok(&f);
	struct fake_vmm v = {.ram_size = 16 << 20};
	struct pvn_igvm_mem_range mem[2] = {
	    {0, 0xa0000, IGVM_MEMORY_MAP_MEMORY, 0},
	    {0x100000, (16 << 20) - 0x100000, IGVM_MEMORY_MAP_MEMORY, 0},
	};
	struct pvn_igvm_vmm_info info = {.mem = mem,
	                                 .nr_mem = 2,
	                                 .vp_count = 4,
	                                 .mmio = {{0xf0000, 0x100}, {0x100000000ull >> 12, 1}}};
	struct pvn_igvm_load_ops ops = {&info, fake_import, fake_fill, fake_ctx};
	struct pvn_igvm_error err;
	struct igvm_vhs_memory_map_entry e[3];
	uint8_t page[PG];
	uint32_t vps;

	(void)state;
	v.ram = calloc(1, v.ram_size);
	assert_non_null(v.ram);
	memset(v.ram + 0x101000, 0xee, PG); /* zero page data must clear this */
	/* The VMM's RAM has a hole at 0xa0000-0x100000; REQUIRED_MEMORY spans it. */
	assert_int_equal(pvn_igvm_load(p, &ops, &v, 0, &err), PVN_IGVM_E_LOAD_REQUIRED_MEMORY);
	assert_int_equal(err.header_index, 2);
	assert_non_null(strstr(err.msg, "REQUIRED_MEMORY"));
	pvn_igvm_free(p);
	file_free(&f);

	f = build_loadable(0x90000);
	p = expect_ok(&f);
	v.imports = v.contexts = 0;
	if (pvn_igvm_load(p, &ops, &v, pvn_igvm_platform_mask(p, IGVM_PLATFORM_NATIVE), &err))
		fail_msg("load: %s", err.msg);
	fill(page, sizeof(page), 42);
	assert_memory_equal(v.ram + 0x100000, page, PG);
	for (unsigned i = 0; i < PG; i++)
		assert_int_equal(v.ram[0x101000 + i], 0);
	assert_int_equal(v.ram[0x102000], 0); /* VSM-only page skipped */
	memcpy(&vps, v.ram + 0x11000, 4);
	assert_int_equal(vps, 4);
	memcpy(e, v.ram + 0x11100, sizeof(e));
	assert_int_equal(e[0].starting_gpa_page_number, 0);
	assert_int_equal(e[0].number_of_pages, 0xa0);
	assert_int_equal(e[1].starting_gpa_page_number, 0x100);
	assert_int_equal(e[2].number_of_pages, 0); /* terminator: the area was zeroed */
	assert_true(v.madt_called);
	assert_memory_equal(v.ram + 0x12000, "APIC", 4);
	assert_memory_equal(v.ram + 0x12800, info.mmio, sizeof(info.mmio));
	assert_string_equal((char *)v.ram + 0x13000, "builtin");
	assert_int_equal(v.imports, 2 + 2);
	assert_int_equal(v.contexts, 1);
	assert_int_equal(v.last.kind, PVN_IGVM_VP_NATIVE_X64);
	assert_int_equal(v.last.x64.rip, 0x100000);

	/* VSM platform: the VBS context arrives decoded; VMM command line wins. */
	info.cmdline = "console=ttyS0";
	memset(v.ram, 0, v.ram_size);
	if (pvn_igvm_load(p, &ops, &v, 2, &err))
		fail_msg("load vsm: %s", err.msg);
	assert_int_equal(v.last.kind, PVN_IGVM_VP_VBS);
	assert_int_equal(v.last.vtl, 2);
	assert_int_equal(v.last.x64.rip, 0x102000);
	assert_int_equal(v.ram[0x102000], 42);
	assert_string_equal((char *)v.ram + 0x13000, "console=ttyS0");

	/* Unknown platform, too many memory ranges, command line too long. */
	assert_int_equal(pvn_igvm_load(p, &ops, &v, 4, &err), PVN_IGVM_E_LOAD_PLATFORM);
	{
		struct pvn_igvm_mem_range many[400];

		many[0] = (struct pvn_igvm_mem_range){0, 0x200000, 0, 0};
		for (int i = 1; i < 400; i++)
			many[i] =
			    (struct pvn_igvm_mem_range){0x200000 + (uint64_t)i * 2 * PG, PG, 0, 0};
		info.mem = many;
		info.nr_mem = 400;
		assert_int_equal(pvn_igvm_load(p, &ops, &v, 1, &err), PVN_IGVM_E_LOAD_MEMORY_MAP);
		assert_non_null(strstr(err.msg, "MEMORY_MAP"));
		info.mem = mem;
		info.nr_mem = 2;
	}
	{
		char *longcmd = malloc(2 * PG);

		memset(longcmd, 'a', 2 * PG - 1);
		longcmd[2 * PG - 1] = 0;
		info.cmdline = longcmd;
		assert_int_equal(pvn_igvm_load(p, &ops, &v, 1, &err), PVN_IGVM_E_LOAD_PARAM_FIT);
		free(longcmd);
		info.cmdline = NULL;
	}
	/* RAM too small for the page data. */
	mem[1].size = 0x1000;
	assert_int_equal(pvn_igvm_load(p, &ops, &v, 1, &err), PVN_IGVM_E_LOAD_GPA);

	pvn_igvm_free(p);
	file_free(&f);
	free(v.ram);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip_x64_v1),
	    cmocka_unit_test(test_roundtrip_x64_v2),
	    cmocka_unit_test(test_roundtrip_aarch64),
	    cmocka_unit_test(test_vp_context_decode),
	    cmocka_unit_test(test_fixed_header_errors),
	    cmocka_unit_test(test_section_order),
	    cmocka_unit_test(test_unknown_types),
	    cmocka_unit_test(test_parameter_areas),
	    cmocka_unit_test(test_overlap),
	    cmocka_unit_test(test_data_range),
	    cmocka_unit_test(test_vp_contexts),
	    cmocka_unit_test(test_masks_and_platforms),
	    cmocka_unit_test(test_header_framing),
	    cmocka_unit_test(test_relocations),
	    cmocka_unit_test(test_strerror_distinct),
	    cmocka_unit_test(test_load_native),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
