/* SPDX-License-Identifier: MIT */
/*
 * igvmtool: inspect, validate and build IGVM files.
 *
 *   igvmtool dump [--json] FILE
 *   igvmtool check FILE
 *   igvmtool build [options] -o OUT IMAGE
 *   igvmtool rewrite IN OUT      (parse and re-serialise; for tests)
 *
 * The GPA layout `build` uses is documented in docs/igvm.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include <paravane/igvm.h>

static const char *prog = "igvmtool";

static void usage(FILE *o)
{
	fprintf(
	    o,
	    "usage: %s dump [--json] FILE\n"
	    "       %s check FILE\n"
	    "       %s build [--initrd FILE] [--cmdline STR] [--platform native|vsm|native,vsm]\n"
	    "                [--mem-size BYTES] [--load-addr GPA] [--entry GPA] [--v2]\n"
	    "                [--guest-abi linux|paravane] -o OUT IMAGE\n"
	    "       %s rewrite IN OUT\n"
	    "IMAGE is a bzImage, an ELF (vmlinux or test guest) or a flat binary.\n",
	    prog, prog, prog, prog);
}

static int read_file(const char *path, uint8_t **out, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, n = 0;

	if (!fp) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (n == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 1 << 16;
			nb = realloc(buf, cap);
			if (!nb) {
				fprintf(stderr, "%s: out of memory\n", prog);
				free(buf);
				fclose(fp);
				return -1;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, fp);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(fp)) {
		fprintf(stderr, "%s: %s: read error\n", prog, path);
		free(buf);
		fclose(fp);
		return -1;
	}
	fclose(fp);
	*out = buf;
	*len = n;
	return 0;
}

static int write_file(const char *path, const void *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	if (!fp || fwrite(buf, 1, len, fp) != len || fclose(fp)) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	return 0;
}

static int load_igvm(const char *path, uint8_t **buf, struct pvn_igvm **f)
{
	struct pvn_igvm_error err;
	size_t len;
	int r;

	if (read_file(path, buf, &len))
		return 2;
	r = pvn_igvm_parse(*buf, len, f, &err);
	if (r) {
		fprintf(stderr, "%s: %s: invalid IGVM file: %s: %s\n", prog, path,
		        pvn_igvm_strerror(r), err.msg);
		free(*buf);
		return 1;
	}
	return 0;
}

/* ---- dump ------------------------------------------------------------------- */

enum fkind { F_U8, F_U16, F_U32, F_U64, F_X32, F_X64, F_BYTES };

struct field {
	const char *name;
	uint16_t off;
	uint16_t len; /* F_BYTES only */
	enum fkind kind;
};

#define FLD(s, f, k)                                                                               \
	{                                                                                          \
#f, offsetof(struct s, f), 0, k                                                    \
	}
#define FLDB(s, f)                                                                                 \
	{                                                                                          \
#f, offsetof(struct s, f), sizeof(((struct s *)0)->f), F_BYTES                     \
	}
#define FEND                                                                                       \
	{                                                                                          \
		NULL, 0, 0, F_U8                                                                   \
	}

static const struct field f_platform[] = {
    FLD(igvm_vhs_supported_platform, compatibility_mask, F_X32),
    FLD(igvm_vhs_supported_platform, highest_vtl, F_U8),
    FLD(igvm_vhs_supported_platform, platform_type, F_U8),
    FLD(igvm_vhs_supported_platform, platform_version, F_U16),
    FLD(igvm_vhs_supported_platform, shared_gpa_boundary, F_X64),
    FEND,
};
static const struct field f_policy[] = {
    FLD(igvm_vhs_guest_policy, policy, F_X64),
    FLD(igvm_vhs_guest_policy, compatibility_mask, F_X32),
    FEND,
};
static const struct field f_cca[] = {
    FLD(igvm_vhs_cca_policy, compatibility_mask, F_X32),
    FLD(igvm_vhs_cca_policy, attributes_required_zeroes, F_X64),
    FLD(igvm_vhs_cca_policy, attributes_required_ones, F_X64),
    FLD(igvm_vhs_cca_policy, hash_algorithm, F_U8),
    FLD(igvm_vhs_cca_policy, lfa_policy, F_U8),
    FEND,
};
static const struct field f_reloc[] = {
    FLD(igvm_vhs_relocatable_region, compatibility_mask, F_X32),
    FLD(igvm_vhs_relocatable_region, vp_index, F_U16),
    FLD(igvm_vhs_relocatable_region, vtl, F_U8),
    FLD(igvm_vhs_relocatable_region, flags, F_U8),
    FLD(igvm_vhs_relocatable_region, relocation_alignment, F_X64),
    FLD(igvm_vhs_relocatable_region, relocation_region_gpa, F_X64),
    FLD(igvm_vhs_relocatable_region, relocation_region_size, F_X64),
    FLD(igvm_vhs_relocatable_region, minimum_relocation_gpa, F_X64),
    FLD(igvm_vhs_relocatable_region, maximum_relocation_gpa, F_X64),
    FEND,
};
static const struct field f_ptreloc[] = {
    FLD(igvm_vhs_page_table_relocation, compatibility_mask, F_X32),
    FLD(igvm_vhs_page_table_relocation, vp_index, F_U16),
    FLD(igvm_vhs_page_table_relocation, vtl, F_U8),
    FLD(igvm_vhs_page_table_relocation, gpa, F_X64),
    FLD(igvm_vhs_page_table_relocation, size, F_X64),
    FLD(igvm_vhs_page_table_relocation, used_size, F_X64),
    FEND,
};
static const struct field f_corim[] = {
    FLD(igvm_vhs_corim_data, compatibility_mask, F_X32),
    FLD(igvm_vhs_corim_data, file_offset, F_X32),
    FLD(igvm_vhs_corim_data, size_bytes, F_U32),
    FEND,
};
static const struct field f_area[] = {
    FLD(igvm_vhs_parameter_area, number_of_bytes, F_X64),
    FLD(igvm_vhs_parameter_area, parameter_area_index, F_U32),
    FLD(igvm_vhs_parameter_area, file_offset, F_X32),
    FEND,
};
static const struct field f_page[] = {
    FLD(igvm_vhs_page_data, gpa, F_X64),         FLD(igvm_vhs_page_data, compatibility_mask, F_X32),
    FLD(igvm_vhs_page_data, file_offset, F_X32), FLD(igvm_vhs_page_data, flags, F_X32),
    FLD(igvm_vhs_page_data, data_type, F_U16),   FEND,
};
static const struct field f_insert[] = {
    FLD(igvm_vhs_parameter_insert, gpa, F_X64),
    FLD(igvm_vhs_parameter_insert, compatibility_mask, F_X32),
    FLD(igvm_vhs_parameter_insert, parameter_area_index, F_U32),
    FEND,
};
static const struct field f_param[] = {
    FLD(igvm_vhs_parameter, parameter_area_index, F_U32),
    FLD(igvm_vhs_parameter, byte_offset, F_X32),
    FEND,
};
static const struct field f_vp[] = {
    FLD(igvm_vhs_vp_context, gpa, F_X64),
    FLD(igvm_vhs_vp_context, compatibility_mask, F_X32),
    FLD(igvm_vhs_vp_context, file_offset, F_X32),
    FLD(igvm_vhs_vp_context, vp_index, F_U16),
    FEND,
};
static const struct field f_reqmem[] = {
    FLD(igvm_vhs_required_memory, gpa, F_X64),
    FLD(igvm_vhs_required_memory, compatibility_mask, F_X32),
    FLD(igvm_vhs_required_memory, number_of_bytes, F_X32),
    FLD(igvm_vhs_required_memory, flags, F_X32),
    FEND,
};
static const struct field f_errrange[] = {
    FLD(igvm_vhs_error_range, gpa, F_X64),
    FLD(igvm_vhs_error_range, compatibility_mask, F_X32),
    FLD(igvm_vhs_error_range, size_bytes, F_X32),
    FEND,
};
static const struct field f_idblock[] = {
    FLD(igvm_vhs_snp_id_block, compatibility_mask, F_X32),
    FLD(igvm_vhs_snp_id_block, author_key_enabled, F_U8),
    FLDB(igvm_vhs_snp_id_block, ld),
    FLDB(igvm_vhs_snp_id_block, family_id),
    FLDB(igvm_vhs_snp_id_block, image_id),
    FLD(igvm_vhs_snp_id_block, version, F_U32),
    FLD(igvm_vhs_snp_id_block, guest_svn, F_U32),
    FLD(igvm_vhs_snp_id_block, id_key_algorithm, F_U32),
    FLD(igvm_vhs_snp_id_block, author_key_algorithm, F_U32),
    FEND,
};
static const struct field f_vbsmeas[] = {
    FLD(igvm_vhs_vbs_measurement, compatibility_mask, F_X32),
    FLD(igvm_vhs_vbs_measurement, version, F_U32),
    FLD(igvm_vhs_vbs_measurement, product_id, F_U32),
    FLD(igvm_vhs_vbs_measurement, module_id, F_U32),
    FLD(igvm_vhs_vbs_measurement, security_version, F_U32),
    FLD(igvm_vhs_vbs_measurement, policy_flags, F_X32),
    FLD(igvm_vhs_vbs_measurement, boot_digest_algo, F_U32),
    FLD(igvm_vhs_vbs_measurement, signing_algo, F_U32),
    FLDB(igvm_vhs_vbs_measurement, boot_measurement_digest),
    FEND,
};

static const struct field *fields_for(uint32_t type)
{
	switch (type & ~IGVM_VHT_OPTIONAL_BIT) {
	case IGVM_VHT_SUPPORTED_PLATFORM:
		return f_platform;
	case IGVM_VHT_GUEST_POLICY:
		return f_policy;
	case IGVM_VHT_CCA_POLICY:
		return f_cca;
	case IGVM_VHT_RELOCATABLE_REGION:
		return f_reloc;
	case IGVM_VHT_PAGE_TABLE_RELOCATION_REGION:
		return f_ptreloc;
	case IGVM_VHT_CORIM_DOCUMENT:
	case IGVM_VHT_CORIM_SIGNATURE:
		return f_corim;
	case IGVM_VHT_PARAMETER_AREA:
		return f_area;
	case IGVM_VHT_PAGE_DATA:
		return f_page;
	case IGVM_VHT_PARAMETER_INSERT:
		return f_insert;
	case IGVM_VHT_VP_CONTEXT:
		return f_vp;
	case IGVM_VHT_REQUIRED_MEMORY:
		return f_reqmem;
	case IGVM_VHT_ERROR_RANGE:
		return f_errrange;
	case IGVM_VHT_SNP_ID_BLOCK:
		return f_idblock;
	case IGVM_VHT_VBS_MEASUREMENT:
		return f_vbsmeas;
	case IGVM_VHT_VP_COUNT_PARAMETER:
	case IGVM_VHT_SRAT:
	case IGVM_VHT_MADT:
	case IGVM_VHT_MMIO_RANGES:
	case IGVM_VHT_MEMORY_MAP:
	case IGVM_VHT_COMMAND_LINE:
	case IGVM_VHT_SLIT:
	case IGVM_VHT_PPTT:
	case IGVM_VHT_DEVICE_TREE:
	case IGVM_VHT_ENVIRONMENT_INFO_PARAMETER:
		return f_param;
	}
	return NULL;
}

static void print_field(FILE *o, const uint8_t *body, const struct field *fl, bool json)
{
	uint64_t v = 0;

	switch (fl->kind) {
	case F_U8:
		v = body[fl->off];
		break;
	case F_U16: {
		uint16_t x;
		memcpy(&x, body + fl->off, 2);
		v = x;
		break;
	}
	case F_U32:
	case F_X32: {
		uint32_t x;
		memcpy(&x, body + fl->off, 4);
		v = x;
		break;
	}
	case F_U64:
	case F_X64:
		memcpy(&v, body + fl->off, 8);
		break;
	case F_BYTES:
		fputc('"', o);
		for (unsigned i = 0; i < fl->len; i++)
			fprintf(o, "%02x", body[fl->off + i]);
		fputc('"', o);
		return;
	}
	if (fl->kind == F_X32 || fl->kind == F_X64)
		fprintf(o, json ? "\"0x%" PRIx64 "\"" : "0x%" PRIx64, v);
	else
		fprintf(o, "%" PRIu64, v);
}

static const char *vp_kind_name(enum pvn_igvm_vp_kind k)
{
	switch (k) {
	case PVN_IGVM_VP_NATIVE_X64:
		return "native_x64";
	case PVN_IGVM_VP_VBS:
		return "vbs";
	case PVN_IGVM_VP_SNP_VMSA:
		return "snp_vmsa";
	case PVN_IGVM_VP_CCA:
		return "cca";
	default:
		return "none";
	}
}

static const char *section_name(enum pvn_igvm_section s)
{
	return s == PVN_IGVM_SECTION_PLATFORM ? "platform"
	       : s == PVN_IGVM_SECTION_INIT   ? "initialization"
	                                      : "directive";
}

static void dump_x64(FILE *o, const struct igvm_native_vp_context_x64 *c, bool json)
{
	const struct {
		const char *n;
		uint64_t v;
	} regs[] = {
	    {"rip", c->rip},
	    {"rsp", c->rsp},
	    {"rsi", c->rsi},
	    {"rbp", c->rbp},
	    {"r8", c->r8},
	    {"rflags", c->rflags},
	    {"cr0", c->cr0},
	    {"cr3", c->cr3},
	    {"cr4", c->cr4},
	    {"efer", c->efer},
	    {"gdtr_base", c->gdtr_base},
	    {"gdtr_limit", c->gdtr_limit},
	    {"code_selector", c->code_selector},
	    {"code_attributes", c->code_attributes},
	    {"data_selector", c->data_selector},
	    {"data_attributes", c->data_attributes},
	};

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		if (json)
			fprintf(o, "%s\"%s\":\"0x%" PRIx64 "\"", i ? "," : "", regs[i].n,
			        regs[i].v);
		else
			fprintf(o, "%s%s=0x%" PRIx64, i ? " " : "", regs[i].n, regs[i].v);
	}
}

static int cmd_dump(int argc, char **argv)
{
	bool json = false;
	const char *path = NULL;
	struct pvn_igvm *f;
	const struct igvm_fixed_header_v2 *fh;
	uint8_t *buf;
	FILE *o = stdout;
	int r;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!path)
			path = argv[i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (!path) {
		usage(stderr);
		return 2;
	}
	if ((r = load_igvm(path, &buf, &f)))
		return r;
	fh = pvn_igvm_fixed_header(f);
	if (json)
		fprintf(o,
		        "{\"format_version\":%u,\"architecture\":\"%s\",\"page_size\":%u,"
		        "\"variable_header_offset\":%u,\"variable_header_size\":%u,"
		        "\"total_file_size\":%u,\"checksum\":\"0x%08x\",\"headers\":[",
		        fh->format_version, fh->architecture == IGVM_ARCH_X64 ? "x64" : "aarch64",
		        fh->page_size, fh->variable_header_offset, fh->variable_header_size,
		        fh->total_file_size, fh->checksum);
	else
		printf("IGVM v%u %s page_size=%u var_headers=0x%x+0x%x total=%u checksum=0x%08x\n",
		       fh->format_version, fh->architecture == IGVM_ARCH_X64 ? "x64" : "aarch64",
		       fh->page_size, fh->variable_header_offset, fh->variable_header_size,
		       fh->total_file_size, fh->checksum);

	for (const struct pvn_igvm_header *h = pvn_igvm_header_next(f, NULL); h;
	     h = pvn_igvm_header_next(f, h)) {
		size_t idx = pvn_igvm_header_index(f, h);
		const char *name = pvn_igvm_type_name(h->type);
		const struct field *fl = h->known ? fields_for(h->type) : NULL;
		const void *data;
		size_t dlen;

		pvn_igvm_header_data(f, h, &data, &dlen);
		if (json) {
			fprintf(
			    o,
			    "%s{\"index\":%zu,\"offset\":%u,\"section\":\"%s\",\"type\":\"%s\","
			    "\"type_value\":\"0x%x\",\"optional\":%s,\"known\":%s,\"length\":%u",
			    idx ? "," : "", idx, h->offset, section_name(h->section),
			    name && h->known ? name : "UNKNOWN", h->type,
			    (h->type & IGVM_VHT_OPTIONAL_BIT) ? "true" : "false",
			    h->known ? "true" : "false", h->length);
			if (fl) {
				fputs(",\"fields\":{", o);
				for (int i = 0; fl[i].name; i++) {
					fprintf(o, "%s\"%s\":", i ? "," : "", fl[i].name);
					print_field(o, h->body, &fl[i], true);
				}
				fputc('}', o);
			}
			if (data)
				fprintf(
				    o,
				    ",\"data\":{\"offset\":%u,\"size\":%zu,\"crc32\":\"0x%08x\"}",
				    h->data_offset, dlen, pvn_igvm_crc32(0, data, dlen));
			if (h->vp_kind != PVN_IGVM_VP_NONE) {
				struct igvm_native_vp_context_x64 c;

				fprintf(o, ",\"vp_kind\":\"%s\",\"vtl\":%u",
				        vp_kind_name(h->vp_kind), h->vtl);
				if (!pvn_igvm_vp_context_x64(f, h, &c)) {
					fputs(",\"x64\":{", o);
					dump_x64(o, &c, true);
					fputc('}', o);
				}
			}
			fputc('}', o);
		} else {
			printf("[%3zu] %-14s %-28s", idx, section_name(h->section),
			       name && h->known ? name : "UNKNOWN(optional)");
			if (!h->known)
				printf(" type=0x%x length=%u", h->type, h->length);
			if (fl)
				for (int i = 0; fl[i].name; i++) {
					if (fl[i].kind == F_BYTES)
						continue;
					printf(" %s=", fl[i].name);
					print_field(o, h->body, &fl[i], false);
				}
			if (data)
				printf(" data=%zu@0x%x crc=0x%08x", dlen, h->data_offset,
				       pvn_igvm_crc32(0, data, dlen));
			if (h->vp_kind != PVN_IGVM_VP_NONE) {
				struct igvm_native_vp_context_x64 c;

				printf(" kind=%s vtl=%u", vp_kind_name(h->vp_kind), h->vtl);
				if (!pvn_igvm_vp_context_x64(f, h, &c)) {
					printf("\n      ");
					dump_x64(o, &c, false);
				}
			}
			putchar('\n');
		}
	}
	if (json)
		fputs("]}\n", o);
	pvn_igvm_free(f);
	free(buf);
	return ferror(o) ? 1 : 0;
}

static int cmd_check(int argc, char **argv)
{
	struct pvn_igvm *f;
	uint8_t *buf;
	int r;

	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	if ((r = load_igvm(argv[1], &buf, &f)))
		return r;
	printf("%s: valid IGVM v%u file, %zu headers, %zu platform(s)\n", argv[1],
	       pvn_igvm_format_version(f), pvn_igvm_header_count(f), pvn_igvm_platform_count(f));
	pvn_igvm_free(f);
	free(buf);
	return 0;
}

static int cmd_rewrite(int argc, char **argv)
{
	struct pvn_igvm_error err;
	struct pvn_igvm *f;
	uint8_t *buf;
	void *out;
	size_t len;
	int r;

	if (argc != 3) {
		usage(stderr);
		return 2;
	}
	if ((r = load_igvm(argv[1], &buf, &f)))
		return r;
	r = pvn_igvm_rewrite(f, &out, &len, &err);
	pvn_igvm_free(f);
	free(buf);
	if (r) {
		fprintf(stderr, "%s: rewrite failed: %s\n", prog, err.msg);
		return 1;
	}
	r = write_file(argv[2], out, len) ? 1 : 0;
	free(out);
	return r;
}

/* ---- build -------------------------------------------------------------------- */

/* Guest physical layout (docs/igvm.md, "GPA layout"). */
#define GPA_GDT          0x8000ull
#define GPA_PML4         0x9000ull
#define GPA_PDPT         0xA000ull
#define GPA_PD           0xB000ull /* 4 pages: identity map of 0-4 GiB, 2 MiB pages */
#define GPA_BOOT_PARAMS  0x10000ull
#define GPA_PARAM_VP     0x11000ull /* area 0: VP_COUNT at offset 0 */
#define GPA_PARAM_MMAP   0x12000ull /* area 1: MEMORY_MAP */
#define GPA_PARAM_CMD    0x13000ull /* area 2: COMMAND_LINE, 2 pages */
#define CMDLINE_BYTES    0x2000u
#define GPA_STACK_TOP    0x20000ull
#define GPA_DEFAULT_LOAD 0x100000ull

#define SEL_CODE  0x10
#define SEL_DATA  0x18
#define ATTR_CODE 0xa09b /* present, DPL0, code exec/read, L=1, G=1 */
#define ATTR_DATA 0xc093 /* present, DPL0, data read/write, D/B=1, G=1 */

struct page {
	uint64_t gpa;
	uint8_t *data; /* NULL: zero page */
};

struct image {
	struct page *pages; /* sorted by gpa */
	size_t nr, cap;
};

static struct page *image_page(struct image *im, uint64_t gpa)
{
	size_t lo = 0, hi = im->nr;

	/* Appends are the common case: check the tail first. */
	if (im->nr && im->pages[im->nr - 1].gpa < gpa)
		lo = im->nr;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (im->pages[mid].gpa == gpa)
			return &im->pages[mid];
		if (im->pages[mid].gpa < gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (im->nr == im->cap) {
		size_t ncap = im->cap ? im->cap * 2 : 256;
		struct page *n = realloc(im->pages, ncap * sizeof(*n));

		if (!n)
			return NULL;
		im->pages = n;
		im->cap = ncap;
	}
	memmove(&im->pages[lo + 1], &im->pages[lo], (im->nr - lo) * sizeof(*im->pages));
	im->nr++;
	im->pages[lo] = (struct page){gpa, NULL};
	return &im->pages[lo];
}

/* Copy len bytes to gpa; data NULL marks the range as (measured) zeroes. */
static int image_put(struct image *im, uint64_t gpa, const void *data, uint64_t len)
{
	while (len) {
		uint64_t base = gpa & ~(uint64_t)(IGVM_PAGE_SIZE_4K - 1);
		uint64_t off = gpa - base, n = IGVM_PAGE_SIZE_4K - off;
		struct page *p = image_page(im, base);

		if (!p)
			return -1;
		if (n > len)
			n = len;
		if (data) {
			if (!p->data && !(p->data = calloc(1, IGVM_PAGE_SIZE_4K)))
				return -1;
			memcpy(p->data + off, data, n);
			data = (const uint8_t *)data + n;
		}
		gpa += n;
		len -= n;
	}
	return 0;
}

static void image_free(struct image *im)
{
	for (size_t i = 0; i < im->nr; i++)
		free(im->pages[i].data);
	free(im->pages);
}

struct build_opts {
	const char *image, *initrd, *cmdline, *out;
	bool native, vsm, v2;
	uint64_t mem_size;
	uint64_t load_addr;
	bool have_load_addr;
	uint64_t entry;
	bool have_entry;
	bool pvn_abi; /* --guest-abi paravane: tests/guests' entry state */
};

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, 2);
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Place the kernel; returns entry point and the end of what it occupies. */
static int place_bzimage(struct image *im, const uint8_t *k, size_t len, uint8_t *zp,
                         uint64_t *entry, uint64_t *end)
{
	unsigned setup_sects = k[0x1f1] ? k[0x1f1] : 4;
	size_t setup = (setup_sects + 1) * 512u, hdr_end;
	uint16_t version = rd16(k + 0x206);
	uint64_t load = GPA_DEFAULT_LOAD, init_size = 0;

	if (version < 0x20c || !(rd16(k + 0x236) & 1)) {
		fprintf(stderr, "%s: bzImage boot protocol 0x%x lacks a 64-bit entry point\n", prog,
		        version);
		return -1;
	}
	if (setup >= len) {
		fprintf(stderr, "%s: bzImage truncated\n", prog);
		return -1;
	}
	memcpy(&load, k + 0x258, sizeof(load)); /* pref_address */
	init_size = rd32(k + 0x260);
	if (load % IGVM_PAGE_SIZE_2M || load < GPA_DEFAULT_LOAD)
		load = 0x1000000;
	/* Zero page: the setup header as the kernel file has it, then our fields. */
	hdr_end = 0x202 + (size_t)k[0x201];
	if (hdr_end > 0x290)
		hdr_end = 0x290;
	memcpy(zp + 0x1f1, k + 0x1f1, hdr_end - 0x1f1);
	zp[0x210] = 0xff; /* type_of_loader: undefined */
	if (image_put(im, load, k + setup, len - setup))
		return -1;
	*entry = load + 0x200; /* startup_64 */
	*end = load + (init_size > len - setup ? init_size : len - setup);
	return 0;
}

static int place_elf(struct image *im, const uint8_t *buf, size_t len, uint64_t *entry,
                     uint64_t *end)
{
	Elf *e;
	GElf_Ehdr eh;
	size_t n;
	int r = -1;
	bool found = false;

	elf_version(EV_CURRENT);
	e = elf_memory((char *)buf, len);
	if (!e || !gelf_getehdr(e, &eh) || elf_getphdrnum(e, &n)) {
		fprintf(stderr, "%s: bad ELF: %s\n", prog, elf_errmsg(-1));
		goto out;
	}
	*entry = eh.e_entry;
	*end = 0;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset ||
		    ph.p_filesz > ph.p_memsz) {
			fprintf(stderr, "%s: ELF segment %zu out of bounds\n", prog, i);
			goto out;
		}
		if (image_put(im, ph.p_paddr, buf + ph.p_offset, ph.p_filesz) ||
		    image_put(im, ph.p_paddr + ph.p_filesz, NULL, ph.p_memsz - ph.p_filesz))
			goto out;
		if (eh.e_entry >= ph.p_vaddr && eh.e_entry - ph.p_vaddr < ph.p_memsz) {
			*entry = eh.e_entry - ph.p_vaddr + ph.p_paddr;
			found = true;
		}
		if (ph.p_paddr + ph.p_memsz > *end)
			*end = ph.p_paddr + ph.p_memsz;
	}
	if (!found && *entry >= (1ull << 32))
		fprintf(stderr, "%s: warning: ELF entry 0x%" PRIx64 " is in no segment\n", prog,
		        *entry);
	r = 0;
out:
	if (e)
		elf_end(e);
	return r;
}

/*
 * user: the paravane test-guest ABI, whose code runs at CPL3: every level is
 * user-accessible and the 3-4 GiB MMIO hole is uncached, as in the runtime's
 * own boot tables (runtime/boot/boot.h).
 */
static void build_pagetables(struct image *im, uint8_t *gdt, bool user)
{
	uint64_t u = user ? 4 : 0;
	uint8_t pg[IGVM_PAGE_SIZE_4K];

	memset(pg, 0, sizeof(pg));
	wr64(pg, GPA_PDPT | 3 | u);
	image_put(im, GPA_PML4, pg, sizeof(pg));
	memset(pg, 0, sizeof(pg));
	for (int i = 0; i < 4; i++)
		wr64(pg + i * 8, (GPA_PD + i * IGVM_PAGE_SIZE_4K) | 3 | u);
	image_put(im, GPA_PDPT, pg, sizeof(pg));
	for (int i = 0; i < 4; i++) {
		memset(pg, 0, sizeof(pg));
		for (int j = 0; j < 512; j++) {
			uint64_t a = ((uint64_t)i * 512 + j) << 21;

			wr64(pg + j * 8, a | 0x83 | u | (user && a >= 0xC0000000ull ? 0x18 : 0));
		}
		image_put(im, GPA_PD + i * IGVM_PAGE_SIZE_4K, pg, sizeof(pg));
	}
	wr64(gdt + SEL_CODE, 0x00af9b000000ffffull);
	wr64(gdt + SEL_DATA, 0x00cf93000000ffffull);
	image_put(im, GPA_GDT, gdt, IGVM_PAGE_SIZE_4K);
}

static void fill_context(struct igvm_native_vp_context_x64 *c, uint64_t entry, bool pvn_abi)
{
	memset(c, 0, sizeof(*c));
	c->rip = entry;
	c->rsp = GPA_STACK_TOP;
	c->rsi = GPA_BOOT_PARAMS;
	c->r8 = GPA_PARAM_VP;
	if (pvn_abi) {
		/* tests/guests/lib/start.S: RDI = VP index, RSI = VPs started. Only
		 * VP 0 has a context; the VP_COUNT parameter has the real count. */
		c->rdi = 0;
		c->rsi = 1;
	}
	c->rflags = 0x2;
	c->gdtr_base = GPA_GDT;
	c->gdtr_limit = 0x1f;
	c->code_selector = SEL_CODE;
	c->code_attributes = ATTR_CODE;
	c->code_limit = 0xffffffff;
	c->data_selector = SEL_DATA;
	c->data_attributes = ATTR_DATA;
	c->data_limit = 0xffffffff;
	c->cr0 = 0x80000033; /* PG | NE | ET | MP | PE */
	c->cr3 = GPA_PML4;
	c->cr4 = 0x20;   /* PAE */
	c->efer = 0x500; /* LME | LMA */
}

static int add_vbs_context(struct pvn_igvm_writer *w, uint32_t mask,
                           const struct igvm_native_vp_context_x64 *c)
{
	uint32_t names[24];
	uint8_t vals[24][16];
	uint32_t n = 0;

#define REG64(name, v)                                                                             \
	do {                                                                                       \
		uint64_t x_ = (v);                                                                 \
		names[n] = (name);                                                                 \
		memset(vals[n], 0, 16);                                                            \
		memcpy(vals[n], &x_, 8);                                                           \
		n++;                                                                               \
	} while (0)
#define SEG(name, sel, attr)                                                                       \
	do {                                                                                       \
		struct hv_x64_segment_register s_ = {0, 0xffffffff, (sel), (attr)};                \
		names[n] = (name);                                                                 \
		memcpy(vals[n], &s_, 16);                                                          \
		n++;                                                                               \
	} while (0)

	REG64(HV_X64_REGISTER_RIP, c->rip);
	REG64(HV_X64_REGISTER_RSP, c->rsp);
	REG64(HV_X64_REGISTER_RSI, c->rsi);
	REG64(HV_X64_REGISTER_R8, c->r8);
	REG64(HV_X64_REGISTER_RFLAGS, c->rflags);
	REG64(HV_X64_REGISTER_CR0, c->cr0);
	REG64(HV_X64_REGISTER_CR3, c->cr3);
	REG64(HV_X64_REGISTER_CR4, c->cr4);
	REG64(HV_X64_REGISTER_EFER, c->efer);
	REG64(HV_X64_REGISTER_PAT, 0x0007040600070406ull);
	SEG(HV_X64_REGISTER_CS, SEL_CODE, ATTR_CODE);
	SEG(HV_X64_REGISTER_DS, SEL_DATA, ATTR_DATA);
	SEG(HV_X64_REGISTER_ES, SEL_DATA, ATTR_DATA);
	SEG(HV_X64_REGISTER_SS, SEL_DATA, ATTR_DATA);
	SEG(HV_X64_REGISTER_FS, SEL_DATA, ATTR_DATA);
	SEG(HV_X64_REGISTER_GS, SEL_DATA, ATTR_DATA);
	{
		struct hv_x64_table_register t = {{0, 0, 0}, (uint16_t)c->gdtr_limit, c->gdtr_base};
		names[n] = HV_X64_REGISTER_GDTR;
		memcpy(vals[n], &t, 16);
		n++;
	}
#undef REG64
#undef SEG
	return pvn_igvm_writer_add_vp_context_vbs(w, mask, 2, names, (const uint8_t(*)[16])vals, n);
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s)
		return false;
	switch (*end) {
	case 'K':
	case 'k':
		x <<= 10;
		end++;
		break;
	case 'M':
	case 'm':
		x <<= 20;
		end++;
		break;
	case 'G':
	case 'g':
		x <<= 30;
		end++;
		break;
	}
	if (*end)
		return false;
	*v = x;
	return true;
}

static int cmd_build(int argc, char **argv)
{
	static const struct option lopts[] = {
	    {"initrd", required_argument, NULL, 'i'},
	    {"cmdline", required_argument, NULL, 'c'},
	    {"platform", required_argument, NULL, 'p'},
	    {"mem-size", required_argument, NULL, 'm'},
	    {"load-addr", required_argument, NULL, 'l'},
	    {"entry", required_argument, NULL, 'e'},
	    {"v2", no_argument, NULL, '2'},
	    {"guest-abi", required_argument, NULL, 'g'},
	    {"output", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	struct build_opts o = {.mem_size = 256ull << 20, .native = true};
	struct image im = {0};
	struct pvn_igvm_writer *w = NULL;
	struct pvn_igvm_error err;
	struct igvm_native_vp_context_x64 ctx;
	uint8_t *kbuf = NULL, *ibuf = NULL, *zp = NULL, *gdt = NULL;
	size_t klen = 0, ilen = 0;
	uint64_t entry = 0, kend = 0;
	uint32_t mask_native = 0, mask_vsm = 0, all;
	void *out = NULL;
	size_t out_len;
	int c, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:", lopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			o.initrd = optarg;
			break;
		case 'c':
			o.cmdline = optarg;
			break;
		case 'o':
			o.out = optarg;
			break;
		case '2':
			o.v2 = true;
			break;
		case 'g':
			if (strcmp(optarg, "linux") && strcmp(optarg, "paravane")) {
				fprintf(stderr, "%s: --guest-abi must be linux or paravane\n",
				        prog);
				return 2;
			}
			o.pvn_abi = !strcmp(optarg, "paravane");
			break;
		case 'p':
			o.native = strstr(optarg, "native") != NULL;
			o.vsm = strstr(optarg, "vsm") != NULL;
			if (!o.native && !o.vsm) {
				fprintf(stderr,
				        "%s: --platform must be native, vsm or native,vsm\n", prog);
				return 2;
			}
			break;
		case 'm':
			if (!parse_u64(optarg, &o.mem_size) || o.mem_size % IGVM_PAGE_SIZE_2M ||
			    o.mem_size < (16ull << 20)) {
				fprintf(stderr, "%s: --mem-size must be a 2 MiB multiple >= 16M\n",
				        prog);
				return 2;
			}
			break;
		case 'l':
			if (!parse_u64(optarg, &o.load_addr) || o.load_addr % IGVM_PAGE_SIZE_4K ||
			    o.load_addr < GPA_STACK_TOP) {
				fprintf(stderr, "%s: --load-addr must be page aligned, >= 0x%llx\n",
				        prog, GPA_STACK_TOP);
				return 2;
			}
			o.have_load_addr = true;
			break;
		case 'e':
			if (!parse_u64(optarg, &o.entry))
				return 2;
			o.have_entry = true;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !o.out) {
		usage(stderr);
		return 2;
	}
	o.image = argv[optind];
	if (o.cmdline && strlen(o.cmdline) >= CMDLINE_BYTES) {
		fprintf(stderr, "%s: command line longer than %u bytes\n", prog, CMDLINE_BYTES - 1);
		return 2;
	}
	if (read_file(o.image, &kbuf, &klen) || (o.initrd && read_file(o.initrd, &ibuf, &ilen)))
		goto out;
	zp = calloc(1, IGVM_PAGE_SIZE_4K);
	gdt = calloc(1, IGVM_PAGE_SIZE_4K);
	if (!zp || !gdt)
		goto out;

	if (klen >= 0x268 && rd32(kbuf + 0x202) == 0x53726448 /* "HdrS" */) {
		if (place_bzimage(&im, kbuf, klen, zp, &entry, &kend))
			goto out;
	} else if (klen >= 4 && !memcmp(kbuf, "\177ELF", 4)) {
		if (place_elf(&im, kbuf, klen, &entry, &kend))
			goto out;
	} else {
		uint64_t load = o.have_load_addr ? o.load_addr : GPA_DEFAULT_LOAD;

		if (image_put(&im, load, kbuf, klen))
			goto out;
		entry = load;
		kend = load + klen;
	}
	if (o.have_entry)
		entry = o.entry;
	if (im.nr && im.pages[0].gpa < GPA_STACK_TOP) {
		fprintf(stderr, "%s: image overlaps the boot structures below 0x%llx\n", prog,
		        GPA_STACK_TOP);
		goto out;
	}
	if (kend > o.mem_size) {
		fprintf(stderr, "%s: image ends at 0x%" PRIx64 ", beyond --mem-size\n", prog, kend);
		goto out;
	}

	/* Zero page for Linux (harmless for other guests): cmdline, initrd, e820. */
	wr32(zp + 0x228, (uint32_t)GPA_PARAM_CMD);
	if (ibuf) {
		uint64_t at = (kend + IGVM_PAGE_SIZE_2M - 1) & ~(uint64_t)(IGVM_PAGE_SIZE_2M - 1);

		if (at + ilen > o.mem_size || at + ilen > 0xffffffffull) {
			fprintf(stderr, "%s: initrd does not fit below --mem-size / 4 GiB\n", prog);
			goto out;
		}
		if (image_put(&im, at, ibuf, ilen))
			goto out;
		wr32(zp + 0x218, (uint32_t)at);
		wr32(zp + 0x21c, (uint32_t)ilen);
	}
	zp[0x1e8] = 2; /* e820_entries */
	wr64(zp + 0x2d0, 0);
	wr64(zp + 0x2d8, 0xa0000);
	wr32(zp + 0x2e0, 1);
	wr64(zp + 0x2e4, GPA_DEFAULT_LOAD);
	wr64(zp + 0x2ec, o.mem_size - GPA_DEFAULT_LOAD);
	wr32(zp + 0x2f4, 1);
	image_put(&im, GPA_BOOT_PARAMS, zp, IGVM_PAGE_SIZE_4K);
	build_pagetables(&im, gdt, o.pvn_abi);

	w = pvn_igvm_writer_new(o.v2 ? IGVM_FORMAT_VERSION_2 : IGVM_FORMAT_VERSION_1,
	                        IGVM_ARCH_X64);
	if (!w)
		goto out;
	if (o.native)
		mask_native = 0x1;
	if (o.vsm)
		mask_vsm = o.native ? 0x2 : 0x1;
	all = mask_native | mask_vsm;
	if (mask_native)
		pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, mask_native, 0, 0);
	if (mask_vsm)
		pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_VSM_ISOLATION, mask_vsm, 2, 0);

	/* Required memory first, so a loader refuses before importing anything. */
	for (uint64_t at = 0; at < o.mem_size;) {
		uint64_t n = o.mem_size - at;

		if (n > 0x80000000ull)
			n = 0x80000000ull;
		if (mask_native)
			pvn_igvm_writer_add_required_memory(w, at, mask_native, (uint32_t)n, 0);
		if (mask_vsm)
			pvn_igvm_writer_add_required_memory(
			    w, at, mask_vsm, (uint32_t)n,
			    IGVM_REQUIRED_MEMORY_FLAG_VTL2_PROTECTABLE);
		at += n;
	}
	for (size_t i = 0; i < im.nr; i++)
		pvn_igvm_writer_add_page_data(w, im.pages[i].gpa, all, 0,
		                              IGVM_PAGE_DATA_TYPE_NORMAL, im.pages[i].data,
		                              im.pages[i].data ? IGVM_PAGE_SIZE_4K : 0);

	pvn_igvm_writer_add_parameter_area(w, 0, IGVM_PAGE_SIZE_4K, NULL, 0);
	pvn_igvm_writer_add_parameter(w, IGVM_VHT_VP_COUNT_PARAMETER, 0, 0);
	pvn_igvm_writer_add_parameter_insert(w, GPA_PARAM_VP, all, 0);
	pvn_igvm_writer_add_parameter_area(w, 1, IGVM_PAGE_SIZE_4K, NULL, 0);
	pvn_igvm_writer_add_parameter(w, IGVM_VHT_MEMORY_MAP, 1, 0);
	pvn_igvm_writer_add_parameter_insert(w, GPA_PARAM_MMAP, all, 1);
	pvn_igvm_writer_add_parameter_area(w, 2, CMDLINE_BYTES, o.cmdline,
	                                   o.cmdline ? strlen(o.cmdline) + 1 : 0);
	pvn_igvm_writer_add_parameter(w, IGVM_VHT_COMMAND_LINE, 2, 0);
	pvn_igvm_writer_add_parameter_insert(w, GPA_PARAM_CMD, all, 2);

	fill_context(&ctx, entry, o.pvn_abi);
	if (mask_native)
		pvn_igvm_writer_add_vp_context_x64(w, mask_native, 0, &ctx);
	if (mask_vsm)
		add_vbs_context(w, mask_vsm, &ctx);

	if (pvn_igvm_writer_finish(w, &out, &out_len, &err)) {
		fprintf(stderr, "%s: cannot build: %s\n", prog, err.msg);
		goto out;
	}
	if (write_file(o.out, out, out_len))
		goto out;
	ret = 0;
out:
	free(out);
	pvn_igvm_writer_free(w);
	image_free(&im);
	free(kbuf);
	free(ibuf);
	free(zp);
	free(gdt);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "dump"))
		return cmd_dump(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check"))
		return cmd_check(argc - 1, argv + 1);
	if (!strcmp(argv[1], "build"))
		return cmd_build(argc - 1, argv + 1);
	if (!strcmp(argv[1], "rewrite"))
		return cmd_rewrite(argc - 1, argv + 1);
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
