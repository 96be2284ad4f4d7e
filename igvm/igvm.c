/* SPDX-License-Identifier: MIT */
/*
 * IGVM parser and validator.
 *
 * One pass over the variable headers: platform headers come first, so by
 * the time a directive's mask is interpreted every platform is known. Rules
 * follow the reference implementation (microsoft/igvm); where it has none
 * (overlap, parameter offsets, unknown mask bits, duplicate VP contexts) the
 * rule is ours and docs/igvm.md says so.
 */
#include <stdio.h>
#include <stdlib.h>

#include "igvm_internal.h"

/* ---- small helpers -------------------------------------------------------- */

static uint32_t crc_table[256];
static int crc_table_ready;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
	__atomic_store_n(&crc_table_ready, 1, __ATOMIC_RELEASE);
}

uint32_t pvn_igvm_crc32(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	/* The table is a pure function of constants; racing initialisers agree. */
	if (!__atomic_load_n(&crc_table_ready, __ATOMIC_ACQUIRE))
		crc_init();
	crc = ~crc;
	while (len--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

static const struct {
	int code;
	const char *msg;
} err_names[] = {
    {PVN_IGVM_OK, "success"},
    {PVN_IGVM_E_NOMEM, "out of memory"},
    {PVN_IGVM_E_INVAL, "invalid argument"},
    {PVN_IGVM_E_TRUNCATED, "file truncated"},
    {PVN_IGVM_E_BAD_MAGIC, "bad magic"},
    {PVN_IGVM_E_BAD_VERSION, "unsupported format version"},
    {PVN_IGVM_E_BAD_ARCH, "invalid architecture in fixed header"},
    {PVN_IGVM_E_PAGE_SIZE, "unsupported page size"},
    {PVN_IGVM_E_FILE_SIZE, "total file size does not match"},
    {PVN_IGVM_E_VAR_HEADER_RANGE, "invalid variable header section placement"},
    {PVN_IGVM_E_CHECKSUM, "bad checksum"},
    {PVN_IGVM_E_HEADER_TRUNCATED, "variable header truncated"},
    {PVN_IGVM_E_HEADER_PADDING, "non-zero variable header padding"},
    {PVN_IGVM_E_SECTION_ORDER, "variable header sections out of order"},
    {PVN_IGVM_E_UNKNOWN_TYPE, "unknown required variable header type"},
    {PVN_IGVM_E_HEADER_LENGTH, "invalid variable header length"},
    {PVN_IGVM_E_RESERVED, "reserved field not zero"},
    {PVN_IGVM_E_NO_PLATFORM, "no platform headers"},
    {PVN_IGVM_E_PLATFORM_TYPE, "invalid platform type"},
    {PVN_IGVM_E_PLATFORM_VERSION, "invalid platform version"},
    {PVN_IGVM_E_PLATFORM_DUPLICATE, "multiple platform headers with the same isolation type"},
    {PVN_IGVM_E_PLATFORM_ARCH, "platform not supported on this architecture"},
    {PVN_IGVM_E_SHARED_GPA_BOUNDARY, "invalid shared GPA boundary"},
    {PVN_IGVM_E_VTL, "invalid VTL"},
    {PVN_IGVM_E_COMPAT_MASK, "invalid compatibility mask"},
    {PVN_IGVM_E_COMPAT_MASK_NO_PLATFORM, "compatibility mask matches no platform"},
    {PVN_IGVM_E_HEADER_ARCH, "header type not valid on this architecture"},
    {PVN_IGVM_E_CCA_POLICY_MASK, "CCA policy mask does not reference a CCA platform"},
    {PVN_IGVM_E_ONES_ZEROES, "conflicting required-ones and required-zeroes masks"},
    {PVN_IGVM_E_RELOC_SIZE, "relocation region size not 4K aligned"},
    {PVN_IGVM_E_RELOC_ALIGNMENT, "relocation alignment not a multiple of 4K"},
    {PVN_IGVM_E_RELOC_ADDRESS, "relocation address not aligned to the relocation alignment"},
    {PVN_IGVM_E_PT_REGION_SIZE, "page table region used size larger than its size"},
    {PVN_IGVM_E_MULTIPLE_PT_RELOC, "page table relocation specified twice for a platform"},
    {PVN_IGVM_E_RELOC_OVERLAP, "relocation regions overlap"},
    {PVN_IGVM_E_CORIM_DUPLICATE, "multiple CoRIM documents or signatures for a platform"},
    {PVN_IGVM_E_CORIM_MISSING_DOC, "CoRIM signature without a CoRIM document"},
    {PVN_IGVM_E_UNALIGNED_ADDRESS, "address not aligned"},
    {PVN_IGVM_E_UNALIGNED_SIZE, "size not aligned"},
    {PVN_IGVM_E_PAGE_DATA_TYPE, "invalid page data type"},
    {PVN_IGVM_E_DATA_RANGE, "file data outside the file data section"},
    {PVN_IGVM_E_DATA_OVERFLOW, "file data offset plus length overflows"},
    {PVN_IGVM_E_PARAM_AREA_DUPLICATE, "parameter area index declared twice"},
    {PVN_IGVM_E_PARAM_AREA_UNDECLARED, "parameter uses an undeclared parameter area"},
    {PVN_IGVM_E_PARAM_INSERT_UNDECLARED, "parameter insert of an undeclared parameter area"},
    {PVN_IGVM_E_PARAM_OFFSET, "parameter offset outside its parameter area"},
    {PVN_IGVM_E_PARAM_INSERT_IN_PT, "parameter insert inside a page table region"},
    {PVN_IGVM_E_PAGE_DATA_OVERLAP, "overlapping page data"},
    {PVN_IGVM_E_VP_CONTEXT_PLATFORM, "invalid VP context platform type"},
    {PVN_IGVM_E_VP_CONTEXT, "invalid VP context"},
    {PVN_IGVM_E_VBS_NO_REGISTERS, "VBS VP context has no registers"},
    {PVN_IGVM_E_VBS_REGISTER, "unsupported register in VBS VP context"},
    {PVN_IGVM_E_VP_CONTEXT_MISSING, "no matching VP context for VP index and VTL"},
    {PVN_IGVM_E_VP_CONTEXT_DUPLICATE, "VP context given twice for a VP and VTL"},
    {PVN_IGVM_E_TOO_LARGE, "file too large"},
    {PVN_IGVM_E_LOAD_PLATFORM, "platform not present in the file"},
    {PVN_IGVM_E_LOAD_REQUIRED_MEMORY, "required memory not provided by the VMM"},
    {PVN_IGVM_E_LOAD_MEMORY_MAP, "memory map does not fit"},
    {PVN_IGVM_E_LOAD_PARAM_FIT, "parameter does not fit its parameter area"},
    {PVN_IGVM_E_LOAD_GPA, "guest physical range not backed by VMM memory"},
    {PVN_IGVM_E_LOAD_VMM, "VMM callback failed"},
    {PVN_IGVM_E_LOAD_UNSUPPORTED, "directive not supported by this loader"},
};

const char *pvn_igvm_strerror(int err)
{
	for (size_t i = 0; i < sizeof(err_names) / sizeof(err_names[0]); i++)
		if (err_names[i].code == err)
			return err_names[i].msg;
	return "unknown error";
}

static const struct {
	uint32_t type;
	const char *name;
} type_names[] = {
    {IGVM_VHT_SUPPORTED_PLATFORM, "SUPPORTED_PLATFORM"},
    {IGVM_VHT_GUEST_POLICY, "GUEST_POLICY"},
    {IGVM_VHT_RELOCATABLE_REGION, "RELOCATABLE_REGION"},
    {IGVM_VHT_PAGE_TABLE_RELOCATION_REGION, "PAGE_TABLE_RELOCATION_REGION"},
    {IGVM_VHT_CORIM_DOCUMENT, "CORIM_DOCUMENT"},
    {IGVM_VHT_CORIM_SIGNATURE, "CORIM_SIGNATURE"},
    {IGVM_VHT_CCA_POLICY, "CCA_POLICY"},
    {IGVM_VHT_PARAMETER_AREA, "PARAMETER_AREA"},
    {IGVM_VHT_PAGE_DATA, "PAGE_DATA"},
    {IGVM_VHT_PARAMETER_INSERT, "PARAMETER_INSERT"},
    {IGVM_VHT_VP_CONTEXT, "VP_CONTEXT"},
    {IGVM_VHT_REQUIRED_MEMORY, "REQUIRED_MEMORY"},
    {IGVM_VHT_VP_COUNT_PARAMETER, "VP_COUNT_PARAMETER"},
    {IGVM_VHT_SRAT, "SRAT"},
    {IGVM_VHT_MADT, "MADT"},
    {IGVM_VHT_MMIO_RANGES, "MMIO_RANGES"},
    {IGVM_VHT_SNP_ID_BLOCK, "SNP_ID_BLOCK"},
    {IGVM_VHT_MEMORY_MAP, "MEMORY_MAP"},
    {IGVM_VHT_ERROR_RANGE, "ERROR_RANGE"},
    {IGVM_VHT_COMMAND_LINE, "COMMAND_LINE"},
    {IGVM_VHT_SLIT, "SLIT"},
    {IGVM_VHT_PPTT, "PPTT"},
    {IGVM_VHT_VBS_MEASUREMENT, "VBS_MEASUREMENT"},
    {IGVM_VHT_DEVICE_TREE, "DEVICE_TREE"},
    {IGVM_VHT_ENVIRONMENT_INFO_PARAMETER, "ENVIRONMENT_INFO_PARAMETER"},
};

const char *pvn_igvm_type_name(uint32_t type)
{
	type &= ~IGVM_VHT_OPTIONAL_BIT;
	for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	return NULL;
}

const char *pvn_igvm_platform_name(uint8_t t)
{
	static const char *const names[] = {"NATIVE", "VSM_ISOLATION", "SEV_SNP", "TDX",
	                                    "SEV",    "SEV_ES",        "CCA"};
	return t < sizeof(names) / sizeof(names[0]) ? names[t] : NULL;
}

int pvn_igvm_set_err(struct pvn_igvm_error *err, int code, const struct pvn_igvm *f, long idx,
                     const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (!err)
		return code;
	err->code = code;
	err->header_index = idx;
	err->header_type = 0;
	err->file_offset = 0;
	if (f && idx >= 0 && (size_t)idx < f->nr_hdr) {
		const struct pvn_igvm_header *h = &f->hdr[idx];
		const char *name = pvn_igvm_type_name(h->type);

		err->header_type = h->type;
		err->file_offset = h->offset;
		if (name)
			n = snprintf(err->msg, sizeof(err->msg), "header #%ld (%s at 0x%x): ", idx,
			             name, h->offset);
		else
			n = snprintf(err->msg, sizeof(err->msg),
			             "header #%ld (type 0x%x at 0x%x): ", idx, h->type, h->offset);
		if (n < 0 || (size_t)n >= sizeof(err->msg))
			n = 0;
	}
	va_start(ap, fmt);
	vsnprintf(err->msg + n, sizeof(err->msg) - n, fmt, ap);
	va_end(ap);
	return code;
}

uint8_t pvn_igvm_mask_platform(const struct pvn_igvm *f, uint32_t mask)
{
	if (mask == 0 || (mask & (mask - 1)))
		return PVN_IGVM_NO_PLATFORM;
	return f->bit_type[__builtin_ctz(mask)];
}

static int popcount32(uint32_t v)
{
	return __builtin_popcount(v);
}

/* ---- accessors ------------------------------------------------------------ */

void pvn_igvm_free(struct pvn_igvm *f)
{
	if (!f)
		return;
	free(f->hdr);
	free(f);
}

uint32_t pvn_igvm_format_version(const struct pvn_igvm *f)
{
	return f->fh.format_version;
}

uint32_t pvn_igvm_arch(const struct pvn_igvm *f)
{
	return f->fh.architecture;
}

uint32_t pvn_igvm_page_size(const struct pvn_igvm *f)
{
	return f->fh.page_size;
}

const struct igvm_fixed_header_v2 *pvn_igvm_fixed_header(const struct pvn_igvm *f)
{
	return &f->fh;
}

uint32_t pvn_igvm_file_data_start(const struct pvn_igvm *f)
{
	return f->data_start;
}

size_t pvn_igvm_header_count(const struct pvn_igvm *f)
{
	return f->nr_hdr;
}

const struct pvn_igvm_header *pvn_igvm_header_at(const struct pvn_igvm *f, size_t i)
{
	return i < f->nr_hdr ? &f->hdr[i] : NULL;
}

const struct pvn_igvm_header *pvn_igvm_header_next(const struct pvn_igvm *f,
                                                   const struct pvn_igvm_header *prev)
{
	size_t i = prev ? (size_t)(prev - f->hdr) + 1 : 0;

	return pvn_igvm_header_at(f, i);
}

size_t pvn_igvm_header_index(const struct pvn_igvm *f, const struct pvn_igvm_header *h)
{
	return (size_t)(h - f->hdr);
}

void pvn_igvm_header_data(const struct pvn_igvm *f, const struct pvn_igvm_header *h,
                          const void **data, size_t *len)
{
	if (h->data_offset) {
		*data = f->buf + h->data_offset;
		*len = h->data_size;
	} else {
		*data = NULL;
		*len = 0;
	}
}

size_t pvn_igvm_platform_count(const struct pvn_igvm *f)
{
	return f->nr_plat;
}

const struct igvm_vhs_supported_platform *pvn_igvm_platform_at(const struct pvn_igvm *f, size_t i)
{
	return i < f->nr_plat ? &f->plat[i] : NULL;
}

uint32_t pvn_igvm_platform_mask(const struct pvn_igvm *f, uint8_t platform_type)
{
	for (size_t i = 0; i < f->nr_plat; i++)
		if (f->plat[i].platform_type == platform_type)
			return f->plat[i].compatibility_mask;
	return 0;
}

/* ---- VP context decoding ---------------------------------------------------- */

static bool vbs_x64_register_ok(uint32_t name)
{
	switch (name) {
	case HV_X64_REGISTER_GDTR:
	case HV_X64_REGISTER_IDTR:
	case HV_X64_REGISTER_DS:
	case HV_X64_REGISTER_ES:
	case HV_X64_REGISTER_FS:
	case HV_X64_REGISTER_GS:
	case HV_X64_REGISTER_SS:
	case HV_X64_REGISTER_CS:
	case HV_X64_REGISTER_TR:
	case HV_X64_REGISTER_CR0:
	case HV_X64_REGISTER_CR3:
	case HV_X64_REGISTER_CR4:
	case HV_X64_REGISTER_EFER:
	case HV_X64_REGISTER_PAT:
	case HV_X64_REGISTER_RBP:
	case HV_X64_REGISTER_RIP:
	case HV_X64_REGISTER_RSI:
	case HV_X64_REGISTER_RSP:
	case HV_X64_REGISTER_R8:
	case HV_X64_REGISTER_R9:
	case HV_X64_REGISTER_R10:
	case HV_X64_REGISTER_R11:
	case HV_X64_REGISTER_R12:
	case HV_X64_REGISTER_RFLAGS:
	case HV_X64_REGISTER_MTRR_DEF_TYPE:
	case HV_X64_REGISTER_MTRR_FIX64K_00000:
	case HV_X64_REGISTER_MTRR_FIX16K_80000:
	case HV_X64_REGISTER_MTRR_FIX4K_E0000:
	case HV_X64_REGISTER_MTRR_FIX4K_E8000:
	case HV_X64_REGISTER_MTRR_FIX4K_F0000:
	case HV_X64_REGISTER_MTRR_FIX4K_F8000:
		return true;
	default:
		/* Only the first five variable-range MTRR pairs are allowed. */
		return (name >= HV_X64_REGISTER_MTRR_PHYS_BASE0 &&
		        name <= HV_X64_REGISTER_MTRR_PHYS_BASE0 + 4) ||
		       (name >= HV_X64_REGISTER_MTRR_PHYS_MASK0 &&
		        name <= HV_X64_REGISTER_MTRR_PHYS_MASK0 + 4);
	}
}

int pvn_igvm_vp_context_x64(const struct pvn_igvm *f, const struct pvn_igvm_header *h,
                            struct igvm_native_vp_context_x64 *out)
{
	const uint8_t *d = f->buf + h->data_offset;
	struct igvm_vbs_vp_context_header vh;

	memset(out, 0, sizeof(*out));
	if ((h->type & ~IGVM_VHT_OPTIONAL_BIT) != IGVM_VHT_VP_CONTEXT || !h->data_offset)
		return PVN_IGVM_E_INVAL;
	if (h->vp_kind == PVN_IGVM_VP_NATIVE_X64) {
		memcpy(out, d, sizeof(*out));
		return 0;
	}
	if (h->vp_kind != PVN_IGVM_VP_VBS || f->fh.architecture != IGVM_ARCH_X64)
		return PVN_IGVM_E_INVAL;

	memcpy(&vh, d, sizeof(vh));
	for (uint32_t i = 0; i < vh.register_count; i++) {
		struct igvm_vbs_vp_context_register r;
		struct hv_x64_segment_register seg;
		struct hv_x64_table_register tab;
		uint64_t v;

		memcpy(&r, d + sizeof(vh) + (size_t)i * sizeof(r), sizeof(r));
		memcpy(&v, r.register_value, sizeof(v));
		memcpy(&seg, r.register_value, sizeof(seg));
		memcpy(&tab, r.register_value, sizeof(tab));
		switch (r.register_name) {
		case HV_X64_REGISTER_RSP:
			out->rsp = v;
			break;
		case HV_X64_REGISTER_RBP:
			out->rbp = v;
			break;
		case HV_X64_REGISTER_RSI:
			out->rsi = v;
			break;
		case HV_X64_REGISTER_R8:
			out->r8 = v;
			break;
		case HV_X64_REGISTER_R9:
			out->r9 = v;
			break;
		case HV_X64_REGISTER_R10:
			out->r10 = v;
			break;
		case HV_X64_REGISTER_R11:
			out->r11 = v;
			break;
		case HV_X64_REGISTER_R12:
			out->r12 = v;
			break;
		case HV_X64_REGISTER_RIP:
			out->rip = v;
			break;
		case HV_X64_REGISTER_RFLAGS:
			out->rflags = v;
			break;
		case HV_X64_REGISTER_CR0:
			out->cr0 = v;
			break;
		case HV_X64_REGISTER_CR3:
			out->cr3 = v;
			break;
		case HV_X64_REGISTER_CR4:
			out->cr4 = v;
			break;
		case HV_X64_REGISTER_EFER:
			out->efer = v;
			break;
		case HV_X64_REGISTER_CS:
			out->code_selector = seg.selector;
			out->code_attributes = seg.attributes;
			out->code_base = (uint32_t)seg.base;
			out->code_limit = seg.limit;
			break;
		case HV_X64_REGISTER_DS:
			out->data_selector = seg.selector;
			out->data_attributes = seg.attributes;
			out->data_base = (uint32_t)seg.base;
			out->data_limit = seg.limit;
			break;
		case HV_X64_REGISTER_GS:
			out->gs_base = seg.base;
			break;
		case HV_X64_REGISTER_GDTR:
			out->gdtr_base = tab.base;
			out->gdtr_limit = tab.limit;
			break;
		case HV_X64_REGISTER_IDTR:
			out->idtr_base = tab.base;
			out->idtr_limit = tab.limit;
			break;
		default:
			/* ES/FS/SS/TR/PAT/MTRRs have no slot in the native layout. */
			break;
		}
	}
	return 0;
}

/* ---- the validator ---------------------------------------------------------- */

struct area {
	uint32_t index;
	uint64_t size;
	bool inserted;
};

struct vp_ident {
	uint32_t mask;
	uint16_t vp_index;
	uint8_t vtl;
	long hdr;
};

struct range {
	uint64_t gpa;
	uint64_t size;
	uint32_t mask;
	long hdr;
};

struct pt_region {
	uint32_t mask;
	uint64_t gpa;
	uint64_t size;
};

struct vstate {
	struct pvn_igvm *f;
	struct pvn_igvm_error *err;
	long idx;
	struct area *areas;
	size_t nr_areas, cap_areas;
	struct vp_ident *need; /* (vp, vtl) required by relocation headers */
	size_t nr_need, cap_need;
	struct vp_ident *ctx; /* VP contexts present */
	size_t nr_ctx, cap_ctx;
	struct range *pages; /* PAGE_DATA and PARAMETER_INSERT ranges */
	size_t nr_pages, cap_pages;
	struct range *relocs[32]; /* relocation + page table regions per bit */
	size_t nr_relocs[32], cap_relocs[32];
	struct pt_region *pts;
	size_t nr_pts, cap_pts;
	uint32_t pt_masks;
	uint32_t corim_doc, corim_sig;
	uint32_t all_masks;
};

#define ERR(st, code, ...) pvn_igvm_set_err((st)->err, (code), (st)->f, (st)->idx, __VA_ARGS__)

/* Grow an array by one element; returns the new slot or NULL. */
static void *push(void **arr, size_t *nr, size_t *cap, size_t elem)
{
	if (*nr == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		void *n = realloc(*arr, ncap * elem);

		if (!n)
			return NULL;
		*arr = n;
		*cap = ncap;
	}
	return (char *)*arr + (*nr)++ * elem;
}

#define PUSH(st, field)                                                                            \
	push((void **)&(st)->field, &(st)->nr_##field, &(st)->cap_##field, sizeof(*(st)->field))

static int check_data(struct vstate *st, uint32_t off, uint64_t size, const char *what)
{
	struct pvn_igvm *f = st->f;
	uint64_t end = (uint64_t)off + size;

	if (size > UINT32_MAX || end > UINT32_MAX)
		return ERR(st, PVN_IGVM_E_DATA_OVERFLOW,
		           "%s at file offset 0x%x + 0x%llx bytes overflows the 32-bit file", what,
		           off, (unsigned long long)size);
	if (off < f->data_start || end > f->len)
		return ERR(st, PVN_IGVM_E_DATA_RANGE,
		           "%s [0x%x, 0x%llx) outside the file data section [0x%x, 0x%zx)", what,
		           off, (unsigned long long)end, f->data_start, f->len);
	return 0;
}

static int check_mask(struct vstate *st, uint32_t mask)
{
	if (mask == 0)
		return ERR(st, PVN_IGVM_E_COMPAT_MASK_NO_PLATFORM, "compatibility mask is 0");
	if (mask & ~st->all_masks)
		return ERR(st, PVN_IGVM_E_COMPAT_MASK_NO_PLATFORM,
		           "compatibility mask 0x%x has bits 0x%x with no platform header", mask,
		           mask & ~st->all_masks);
	return 0;
}

static int check_len(struct vstate *st, const struct pvn_igvm_header *h, size_t want)
{
	if (h->length != want)
		return ERR(st, PVN_IGVM_E_HEADER_LENGTH, "length %u, expected %zu", h->length,
		           want);
	return 0;
}

static struct area *find_area(struct vstate *st, uint32_t index)
{
	for (size_t i = 0; i < st->nr_areas; i++)
		if (st->areas[i].index == index)
			return &st->areas[i];
	return NULL;
}

static int add_reloc(struct vstate *st, uint32_t mask, uint64_t gpa, uint64_t size)
{
	if (size == 0)
		return 0;
	for (uint32_t m = mask; m; m &= m - 1) {
		int b = __builtin_ctz(m);

		for (size_t i = 0; i < st->nr_relocs[b]; i++) {
			struct range *r = &st->relocs[b][i];

			if (gpa <= r->gpa + (r->size - 1) && r->gpa <= gpa + (size - 1))
				return ERR(
				    st, PVN_IGVM_E_RELOC_OVERLAP,
				    "region [0x%llx, +0x%llx) overlaps the region of header #%ld",
				    (unsigned long long)gpa, (unsigned long long)size, r->hdr);
		}
		struct range *r = push((void **)&st->relocs[b], &st->nr_relocs[b],
		                       &st->cap_relocs[b], sizeof(struct range));
		if (!r)
			return ERR(st, PVN_IGVM_E_NOMEM, "out of memory");
		*r = (struct range){gpa, size, mask, st->idx};
	}
	return 0;
}

static int add_need(struct vstate *st, uint32_t mask, uint16_t vp, uint8_t vtl)
{
	struct vp_ident *n = PUSH(st, need);

	if (!n)
		return ERR(st, PVN_IGVM_E_NOMEM, "out of memory");
	*n = (struct vp_ident){mask, vp, vtl, st->idx};
	return 0;
}

static int v_platform(struct vstate *st, struct pvn_igvm_header *h)
{
	struct pvn_igvm *f = st->f;
	struct igvm_vhs_supported_platform p;
	int r, bit;

	if ((r = check_len(st, h, sizeof(p))))
		return r;
	memcpy(&p, h->body, sizeof(p));
	h->compat_mask = p.compatibility_mask;
	if (popcount32(p.compatibility_mask) != 1)
		return ERR(st, PVN_IGVM_E_COMPAT_MASK,
		           "platform compatibility mask 0x%x must have exactly one bit set",
		           p.compatibility_mask);
	if (p.highest_vtl != 0 && p.highest_vtl != 2)
		return ERR(st, PVN_IGVM_E_VTL, "highest VTL %u (must be 0 or 2)", p.highest_vtl);
	if (!pvn_igvm_platform_name(p.platform_type))
		return ERR(st, PVN_IGVM_E_PLATFORM_TYPE, "platform type 0x%x", p.platform_type);
	if (p.platform_version != IGVM_PLATFORM_VERSION_1)
		return ERR(st, PVN_IGVM_E_PLATFORM_VERSION, "platform version %u for %s",
		           p.platform_version, pvn_igvm_platform_name(p.platform_type));
	if ((p.platform_type == IGVM_PLATFORM_NATIVE ||
	     p.platform_type == IGVM_PLATFORM_VSM_ISOLATION) &&
	    p.shared_gpa_boundary != 0)
		return ERR(st, PVN_IGVM_E_SHARED_GPA_BOUNDARY,
		           "shared GPA boundary 0x%llx must be 0 on %s",
		           (unsigned long long)p.shared_gpa_boundary,
		           pvn_igvm_platform_name(p.platform_type));
	if ((p.platform_type == IGVM_PLATFORM_CCA && f->fh.architecture != IGVM_ARCH_AARCH64) ||
	    (p.platform_type != IGVM_PLATFORM_CCA &&
	     p.platform_type != IGVM_PLATFORM_VSM_ISOLATION && f->fh.architecture != IGVM_ARCH_X64))
		return ERR(st, PVN_IGVM_E_PLATFORM_ARCH, "%s not supported on %s",
		           pvn_igvm_platform_name(p.platform_type),
		           f->fh.architecture == IGVM_ARCH_X64 ? "x64" : "aarch64");
	for (size_t i = 0; i < f->nr_plat; i++)
		if (f->plat[i].platform_type == p.platform_type)
			return ERR(st, PVN_IGVM_E_PLATFORM_DUPLICATE, "second %s platform header",
			           pvn_igvm_platform_name(p.platform_type));
	bit = __builtin_ctz(p.compatibility_mask);
	if (f->bit_type[bit] != PVN_IGVM_NO_PLATFORM)
		return ERR(st, PVN_IGVM_E_COMPAT_MASK,
		           "compatibility mask 0x%x already used by the %s platform",
		           p.compatibility_mask, pvn_igvm_platform_name(f->bit_type[bit]));
	/* At most 7 types exist and duplicates were refused, so this fits. */
	f->plat[f->nr_plat++] = p;
	f->bit_type[bit] = p.platform_type;
	f->bit_vtl[bit] = p.highest_vtl;
	st->all_masks |= p.compatibility_mask;
	return 0;
}

static int v_init(struct vstate *st, struct pvn_igvm_header *h)
{
	struct pvn_igvm *f = st->f;
	uint32_t t = h->type & ~IGVM_VHT_OPTIONAL_BIT;
	int r;

	switch (t) {
	case IGVM_VHT_GUEST_POLICY: {
		struct igvm_vhs_guest_policy p;

		if ((r = check_len(st, h, sizeof(p))))
			return r;
		memcpy(&p, h->body, sizeof(p));
		h->compat_mask = p.compatibility_mask;
		if (p.reserved)
			return ERR(st, PVN_IGVM_E_RESERVED, "reserved 0x%x", p.reserved);
		return check_mask(st, p.compatibility_mask);
	}
	case IGVM_VHT_CCA_POLICY: {
		struct igvm_vhs_cca_policy p;
		static const uint8_t zero6[6];

		if ((r = check_len(st, h, sizeof(p))))
			return r;
		memcpy(&p, h->body, sizeof(p));
		h->compat_mask = p.compatibility_mask;
		if (p.reserved || memcmp(p.reserved2, zero6, sizeof(zero6)))
			return ERR(st, PVN_IGVM_E_RESERVED, "reserved fields not zero");
		if (p.attributes_required_zeroes & p.attributes_required_ones)
			return ERR(st, PVN_IGVM_E_ONES_ZEROES,
			           "attribute bits 0x%llx required both one and zero",
			           (unsigned long long)(p.attributes_required_zeroes &
			                                p.attributes_required_ones));
		if (f->fh.architecture != IGVM_ARCH_AARCH64)
			return ERR(st, PVN_IGVM_E_HEADER_ARCH, "CCA policy in an x64 file");
		if ((r = check_mask(st, p.compatibility_mask)))
			return r;
		for (uint32_t m = p.compatibility_mask; m; m &= m - 1)
			if (f->bit_type[__builtin_ctz(m)] != IGVM_PLATFORM_CCA)
				return ERR(st, PVN_IGVM_E_CCA_POLICY_MASK,
				           "mask bit 0x%x is not a CCA platform", m & -m);
		return 0;
	}
	case IGVM_VHT_RELOCATABLE_REGION: {
		struct igvm_vhs_relocatable_region p;

		if ((r = check_len(st, h, sizeof(p))))
			return r;
		memcpy(&p, h->body, sizeof(p));
		h->compat_mask = p.compatibility_mask;
		if (p.vtl > 2)
			return ERR(st, PVN_IGVM_E_VTL, "VTL %u", p.vtl);
		if (p.relocation_region_size % IGVM_PAGE_SIZE_4K)
			return ERR(st, PVN_IGVM_E_RELOC_SIZE, "size 0x%llx",
			           (unsigned long long)p.relocation_region_size);
		if (p.relocation_alignment == 0 || p.relocation_alignment % IGVM_PAGE_SIZE_4K)
			return ERR(st, PVN_IGVM_E_RELOC_ALIGNMENT, "alignment 0x%llx",
			           (unsigned long long)p.relocation_alignment);
		if (p.relocation_region_gpa % p.relocation_alignment ||
		    p.minimum_relocation_gpa % p.relocation_alignment ||
		    p.maximum_relocation_gpa % p.relocation_alignment)
			return ERR(st, PVN_IGVM_E_RELOC_ADDRESS,
			           "gpa 0x%llx / min 0x%llx / max 0x%llx not aligned to 0x%llx",
			           (unsigned long long)p.relocation_region_gpa,
			           (unsigned long long)p.minimum_relocation_gpa,
			           (unsigned long long)p.maximum_relocation_gpa,
			           (unsigned long long)p.relocation_alignment);
		if ((r = check_mask(st, p.compatibility_mask)))
			return r;
		if ((r = add_reloc(st, p.compatibility_mask, p.relocation_region_gpa,
		                   p.relocation_region_size)))
			return r;
		return add_need(st, p.compatibility_mask, p.vp_index, p.vtl);
	}
	case IGVM_VHT_PAGE_TABLE_RELOCATION_REGION: {
		struct igvm_vhs_page_table_relocation p;
		struct pt_region *pt;

		if ((r = check_len(st, h, sizeof(p))))
			return r;
		memcpy(&p, h->body, sizeof(p));
		h->compat_mask = p.compatibility_mask;
		if (p.reserved)
			return ERR(st, PVN_IGVM_E_RESERVED, "reserved 0x%x", p.reserved);
		if (p.vtl > 2)
			return ERR(st, PVN_IGVM_E_VTL, "VTL %u", p.vtl);
		if (p.gpa % IGVM_PAGE_SIZE_4K)
			return ERR(st, PVN_IGVM_E_UNALIGNED_ADDRESS, "gpa 0x%llx",
			           (unsigned long long)p.gpa);
		if (p.size % IGVM_PAGE_SIZE_4K || p.used_size % IGVM_PAGE_SIZE_4K)
			return ERR(st, PVN_IGVM_E_UNALIGNED_SIZE, "size 0x%llx used 0x%llx",
			           (unsigned long long)p.size, (unsigned long long)p.used_size);
		if (p.used_size > p.size)
			return ERR(st, PVN_IGVM_E_PT_REGION_SIZE, "used 0x%llx > size 0x%llx",
			           (unsigned long long)p.used_size, (unsigned long long)p.size);
		if ((r = check_mask(st, p.compatibility_mask)))
			return r;
		if (p.compatibility_mask & st->pt_masks)
			return ERR(st, PVN_IGVM_E_MULTIPLE_PT_RELOC, "mask 0x%x",
			           p.compatibility_mask & st->pt_masks);
		st->pt_masks |= p.compatibility_mask;
		if ((r = add_reloc(st, p.compatibility_mask, p.gpa, p.size)))
			return r;
		pt = PUSH(st, pts);
		if (!pt)
			return ERR(st, PVN_IGVM_E_NOMEM, "out of memory");
		*pt = (struct pt_region){p.compatibility_mask, p.gpa, p.size};
		return add_need(st, p.compatibility_mask, p.vp_index, p.vtl);
	}
	case IGVM_VHT_CORIM_DOCUMENT:
	case IGVM_VHT_CORIM_SIGNATURE: {
		struct igvm_vhs_corim_data p;
		bool doc = t == IGVM_VHT_CORIM_DOCUMENT;

		if ((r = check_len(st, h, sizeof(p))))
			return r;
		memcpy(&p, h->body, sizeof(p));
		h->compat_mask = p.compatibility_mask;
		if (p.reserved)
			return ERR(st, PVN_IGVM_E_RESERVED, "reserved 0x%x", p.reserved);
		if (p.file_offset) {
			if ((r = check_data(st, p.file_offset, p.size_bytes, "CoRIM data")))
				return r;
			h->data_offset = p.file_offset;
			h->data_size = p.size_bytes;
		}
		if ((r = check_mask(st, p.compatibility_mask)))
			return r;
		if (doc ? (st->corim_doc & p.compatibility_mask)
		        : (st->corim_sig & p.compatibility_mask))
			return ERR(st, PVN_IGVM_E_CORIM_DUPLICATE, "second CoRIM %s for mask 0x%x",
			           doc ? "document" : "signature", p.compatibility_mask);
		if (!doc && (p.compatibility_mask & ~st->corim_doc))
			return ERR(st, PVN_IGVM_E_CORIM_MISSING_DOC,
			           "no CoRIM document before the signature for mask 0x%x",
			           p.compatibility_mask & ~st->corim_doc);
		if (doc)
			st->corim_doc |= p.compatibility_mask;
		else
			st->corim_sig |= p.compatibility_mask;
		return 0;
	}
	}
	return ERR(st, PVN_IGVM_E_UNKNOWN_TYPE, "unknown initialization header type 0x%x", h->type);
}

static int add_page_range(struct vstate *st, uint64_t gpa, uint64_t size, uint32_t mask)
{
	struct range *r = PUSH(st, pages);

	if (!r)
		return ERR(st, PVN_IGVM_E_NOMEM, "out of memory");
	*r = (struct range){gpa, size, mask, st->idx};
	return 0;
}

static int v_vp_context(struct vstate *st, struct pvn_igvm_header *h)
{
	struct pvn_igvm *f = st->f;
	struct igvm_vhs_vp_context p;
	struct vp_ident *id;
	uint8_t ptype, vtl = 0;
	int r, bit;

	if ((r = check_len(st, h, sizeof(p))))
		return r;
	memcpy(&p, h->body, sizeof(p));
	h->compat_mask = p.compatibility_mask;
	if (p.reserved)
		return ERR(st, PVN_IGVM_E_RESERVED, "reserved 0x%x", p.reserved);
	if ((r = check_mask(st, p.compatibility_mask)))
		return r;
	/* The context format depends on the platform, so one platform only. */
	ptype = pvn_igvm_mask_platform(f, p.compatibility_mask);
	if (ptype == PVN_IGVM_NO_PLATFORM)
		return ERR(st, PVN_IGVM_E_VP_CONTEXT_PLATFORM,
		           "mask 0x%x must name exactly one platform", p.compatibility_mask);
	bit = __builtin_ctz(p.compatibility_mask);

	switch (ptype) {
	case IGVM_PLATFORM_VSM_ISOLATION: {
		struct igvm_vbs_vp_context_header vh;

		if ((r = check_data(st, p.file_offset, sizeof(vh), "VBS context header")))
			return r;
		memcpy(&vh, f->buf + p.file_offset, sizeof(vh));
		if ((r = check_data(st, p.file_offset,
		                    sizeof(vh) + (uint64_t)vh.register_count *
		                                     sizeof(struct igvm_vbs_vp_context_register),
		                    "VBS register list")))
			return r;
		if (vh.register_count == 0)
			return ERR(st, PVN_IGVM_E_VBS_NO_REGISTERS, "register count is 0");
		for (uint32_t i = 0; i < vh.register_count; i++) {
			struct igvm_vbs_vp_context_register reg;

			memcpy(&reg, f->buf + p.file_offset + sizeof(vh) + (size_t)i * sizeof(reg),
			       sizeof(reg));
			if (i == 0)
				vtl = reg.vtl;
			else if (reg.vtl != vtl)
				return ERR(st, PVN_IGVM_E_VP_CONTEXT,
				           "register %u is for VTL %u, the context for VTL %u", i,
				           reg.vtl, vtl);
			if (f->fh.architecture == IGVM_ARCH_X64 &&
			    !vbs_x64_register_ok(reg.register_name))
				return ERR(st, PVN_IGVM_E_VBS_REGISTER, "register name 0x%x",
				           reg.register_name);
		}
		if (vtl > 2 || vtl > f->bit_vtl[bit])
			return ERR(st, PVN_IGVM_E_VTL,
			           "context for VTL %u, platform highest VTL %u", vtl,
			           f->bit_vtl[bit]);
		if (p.vp_index != 0)
			return ERR(st, PVN_IGVM_E_VP_CONTEXT,
			           "VBS contexts exist only for VP 0, not VP %u", p.vp_index);
		if (p.gpa)
			return ERR(st, PVN_IGVM_E_VP_CONTEXT, "gpa must be 0 on VSM_ISOLATION");
		h->vp_kind = PVN_IGVM_VP_VBS;
		h->data_size =
		    sizeof(vh) +
		    vh.register_count * (uint32_t)sizeof(struct igvm_vbs_vp_context_register);
		break;
	}
	case IGVM_PLATFORM_SEV_SNP:
	case IGVM_PLATFORM_SEV_ES:
		if ((r = check_data(st, p.file_offset, IGVM_PAGE_SIZE_4K, "VMSA")))
			return r;
		if (p.gpa % IGVM_PAGE_SIZE_4K)
			return ERR(st, PVN_IGVM_E_UNALIGNED_ADDRESS, "VMSA gpa 0x%llx",
			           (unsigned long long)p.gpa);
		h->vp_kind = PVN_IGVM_VP_SNP_VMSA;
		h->data_size = IGVM_PAGE_SIZE_4K;
		vtl = f->bit_vtl[bit];
		if ((r = add_page_range(st, p.gpa, IGVM_PAGE_SIZE_4K, p.compatibility_mask)))
			return r;
		break;
	case IGVM_PLATFORM_NATIVE:
	case IGVM_PLATFORM_SEV:
	case IGVM_PLATFORM_CCA: {
		size_t csize = ptype == IGVM_PLATFORM_CCA
		                   ? sizeof(struct igvm_vp_context_aarch64_cca)
		                   : sizeof(struct igvm_native_vp_context_x64);
		const uint8_t *d;

		if ((r = check_data(st, p.file_offset, IGVM_PAGE_SIZE_4K, "VP context")))
			return r;
		d = f->buf + p.file_offset;
		for (size_t i = csize; i < IGVM_PAGE_SIZE_4K; i++)
			if (d[i])
				return ERR(st, PVN_IGVM_E_VP_CONTEXT,
				           "non-zero byte at 0x%zx past the context", i);
		if (p.gpa)
			return ERR(st, PVN_IGVM_E_VP_CONTEXT, "gpa must be 0 on %s",
			           pvn_igvm_platform_name(ptype));
		h->vp_kind = ptype == IGVM_PLATFORM_CCA ? PVN_IGVM_VP_CCA : PVN_IGVM_VP_NATIVE_X64;
		h->data_size = IGVM_PAGE_SIZE_4K;
		break;
	}
	default:
		return ERR(st, PVN_IGVM_E_VP_CONTEXT_PLATFORM, "%s has no VP context",
		           pvn_igvm_platform_name(ptype));
	}
	h->data_offset = p.file_offset;
	h->vtl = vtl;
	for (size_t i = 0; i < st->nr_ctx; i++)
		if ((st->ctx[i].mask & p.compatibility_mask) && st->ctx[i].vp_index == p.vp_index &&
		    st->ctx[i].vtl == vtl)
			return ERR(st, PVN_IGVM_E_VP_CONTEXT_DUPLICATE,
			           "VP %u VTL %u already has a context (header #%ld)", p.vp_index,
			           vtl, st->ctx[i].hdr);
	id = PUSH(st, ctx);
	if (!id)
		return ERR(st, PVN_IGVM_E_NOMEM, "out of memory");
	*id = (struct vp_ident){p.compatibility_mask, p.vp_index, vtl, st->idx};
	return 0;
}

static int v_param(struct vstate *st, struct pvn_igvm_header *h, uint32_t t)
{
	struct igvm_vhs_parameter p;
	struct area *a;
	uint64_t need = 1;
	int r;

	if ((r = check_len(st, h, sizeof(p))))
		return r;
	memcpy(&p, h->body, sizeof(p));
	a = find_area(st, p.parameter_area_index);
	if (!a || a->inserted)
		return ERR(st, PVN_IGVM_E_PARAM_AREA_UNDECLARED, "parameter area %u %s",
		           p.parameter_area_index, a ? "was already inserted" : "is not declared");
	if (t == IGVM_VHT_VP_COUNT_PARAMETER || t == IGVM_VHT_ENVIRONMENT_INFO_PARAMETER)
		need = 4;
	else if (t == IGVM_VHT_MMIO_RANGES)
		need = sizeof(struct igvm_vhs_mmio_ranges);
	if ((uint64_t)p.byte_offset + need > a->size)
		return ERR(st, PVN_IGVM_E_PARAM_OFFSET,
		           "offset 0x%x (+%llu bytes) past the 0x%llx-byte area %u", p.byte_offset,
		           (unsigned long long)need, (unsigned long long)a->size,
		           p.parameter_area_index);
	return 0;
}

static int v_directive(struct vstate *st, struct pvn_igvm_header *h)
{
	uint32_t t = h->type & ~IGVM_VHT_OPTIONAL_BIT;
	int r;

	switch (t) {
	case IGVM_VHT_PARAMETER_AREA: {
		struct igvm_vhs_parameter_area p;
		struct area *a;

		if ((r = check_len(st, h, sizeof(p))))
			return r;
		memcpy(&p, h->body, sizeof(p));
		if (p.number_of_bytes % IGVM_PAGE_SIZE_4K)
			return ERR(st, PVN_IGVM_E_UNALIGNED_SIZE, "area size 0x%llx",
			           (unsigned long long)p.number_of_bytes);
		if (p.file_offset) {
			if ((r = check_data(st, p.file_offset, p.number_of_bytes,
			                    "initial parameter data")))
				return r;
			h->data_offset = p.file_offset;
			h->data_size = (uint32_t)p.number_of_bytes;
		}
		if (find_area(st, p.parameter_area_index))
			return ERR(st, PVN_IGVM_E_PARAM_AREA_DUPLICATE,
			           "parameter area index %u declared twice",
			           p.parameter_area_index);
		a = PUSH(st, areas);
		if (!a)
			return ERR(st, PVN_IGVM_E_NOMEM, "out of memory");
		*a = (struct area){p.parameter_area_index, p.number_of_bytes, false};
		return 0;
	}
	case IGVM_VHT_PAGE_DATA: {
		struct igvm_vhs_page_data p;
		uint32_t psize;

		if ((r = check_len(st, h, sizeof(p))))
			return r;
		memcpy(&p, h->body, sizeof(p));
		h->compat_mask = p.compatibility_mask;
		psize = (p.flags & IGVM_PAGE_DATA_FLAG_2MB) ? IGVM_PAGE_SIZE_2M : IGVM_PAGE_SIZE_4K;
		if (p.file_offset) {
			if ((r = check_data(st, p.file_offset, psize, "page data")))
				return r;
			h->data_offset = p.file_offset;
			h->data_size = psize;
		}
		if (p.reserved)
			return ERR(st, PVN_IGVM_E_RESERVED, "reserved 0x%x", p.reserved);
		if (p.gpa % psize)
			return ERR(st, PVN_IGVM_E_UNALIGNED_ADDRESS, "gpa 0x%llx not %u aligned",
			           (unsigned long long)p.gpa, psize);
		if (p.data_type > IGVM_PAGE_DATA_TYPE_CPUID_XF)
			return ERR(st, PVN_IGVM_E_PAGE_DATA_TYPE, "data type 0x%x", p.data_type);
		if ((r = check_mask(st, p.compatibility_mask)))
			return r;
		return add_page_range(st, p.gpa, psize, p.compatibility_mask);
	}
	case IGVM_VHT_PARAMETER_INSERT: {
		struct igvm_vhs_parameter_insert p;
		struct area *a;

		if ((r = check_len(st, h, sizeof(p))))
			return r;
		memcpy(&p, h->body, sizeof(p));
		h->compat_mask = p.compatibility_mask;
		if (p.gpa % IGVM_PAGE_SIZE_4K)
			return ERR(st, PVN_IGVM_E_UNALIGNED_ADDRESS, "gpa 0x%llx",
			           (unsigned long long)p.gpa);
		if ((r = check_mask(st, p.compatibility_mask)))
			return r;
		a = find_area(st, p.parameter_area_index);
		if (!a || a->inserted)
			return ERR(st, PVN_IGVM_E_PARAM_INSERT_UNDECLARED, "parameter area %u %s",
			           p.parameter_area_index,
			           a ? "was already inserted" : "is not declared");
		a->inserted = true;
		for (size_t i = 0; i < st->nr_pts; i++) {
			const struct pt_region *pt = &st->pts[i];

			if ((pt->mask & p.compatibility_mask) && p.gpa >= pt->gpa &&
			    p.gpa - pt->gpa < pt->size)
				return ERR(st, PVN_IGVM_E_PARAM_INSERT_IN_PT,
				           "gpa 0x%llx inside page table region [0x%llx, +0x%llx)",
				           (unsigned long long)p.gpa, (unsigned long long)pt->gpa,
				           (unsigned long long)pt->size);
		}
		return add_page_range(st, p.gpa, a->size, p.compatibility_mask);
	}
	case IGVM_VHT_VP_CONTEXT:
		return v_vp_context(st, h);
	case IGVM_VHT_REQUIRED_MEMORY: {
		struct igvm_vhs_required_memory p;

		if ((r = check_len(st, h, sizeof(p))))
			return r;
		memcpy(&p, h->body, sizeof(p));
		h->compat_mask = p.compatibility_mask;
		if (p.reserved)
			return ERR(st, PVN_IGVM_E_RESERVED, "reserved 0x%x", p.reserved);
		if (p.gpa % IGVM_PAGE_SIZE_4K)
			return ERR(st, PVN_IGVM_E_UNALIGNED_ADDRESS, "gpa 0x%llx",
			           (unsigned long long)p.gpa);
		if (p.number_of_bytes % IGVM_PAGE_SIZE_4K)
			return ERR(st, PVN_IGVM_E_UNALIGNED_SIZE, "size 0x%x", p.number_of_bytes);
		return check_mask(st, p.compatibility_mask);
	}
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
		return v_param(st, h, t);
	case IGVM_VHT_ERROR_RANGE: {
		struct igvm_vhs_error_range p;

		if ((r = check_len(st, h, sizeof(p))))
			return r;
		memcpy(&p, h->body, sizeof(p));
		h->compat_mask = p.compatibility_mask;
		if (p.gpa % IGVM_PAGE_SIZE_4K)
			return ERR(st, PVN_IGVM_E_UNALIGNED_ADDRESS, "gpa 0x%llx",
			           (unsigned long long)p.gpa);
		if (p.size_bytes % IGVM_PAGE_SIZE_4K)
			return ERR(st, PVN_IGVM_E_UNALIGNED_SIZE, "size 0x%x", p.size_bytes);
		return check_mask(st, p.compatibility_mask);
	}
	case IGVM_VHT_SNP_ID_BLOCK:
	case IGVM_VHT_VBS_MEASUREMENT: {
		uint32_t mask;

		if ((r = check_len(st, h,
		                   t == IGVM_VHT_SNP_ID_BLOCK
		                       ? sizeof(struct igvm_vhs_snp_id_block)
		                       : sizeof(struct igvm_vhs_vbs_measurement))))
			return r;
		memcpy(&mask, h->body, sizeof(mask)); /* both start with the mask */
		h->compat_mask = mask;
		return check_mask(st, mask);
	}
	}
	return ERR(st, PVN_IGVM_E_UNKNOWN_TYPE, "unknown directive header type 0x%x", h->type);
}

static bool known_type(uint32_t t)
{
	t &= ~IGVM_VHT_OPTIONAL_BIT;
	return t != IGVM_VHT_RESERVED_DO_NOT_USE && pvn_igvm_type_name(t) != NULL;
}

static int section_of(uint32_t t)
{
	t &= ~IGVM_VHT_OPTIONAL_BIT;
	if (t >= IGVM_VHT_RANGE_PLATFORM_FIRST && t <= IGVM_VHT_RANGE_PLATFORM_LAST)
		return PVN_IGVM_SECTION_PLATFORM;
	if (t >= IGVM_VHT_RANGE_INIT_FIRST && t <= IGVM_VHT_RANGE_INIT_LAST)
		return PVN_IGVM_SECTION_INIT;
	if (t >= IGVM_VHT_RANGE_DIRECTIVE_FIRST && t <= IGVM_VHT_RANGE_DIRECTIVE_LAST)
		return PVN_IGVM_SECTION_DIRECTIVE;
	return -1;
}

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	if (x->gpa != y->gpa)
		return x->gpa < y->gpa ? -1 : 1;
	return x->hdr < y->hdr ? -1 : x->hdr > y->hdr;
}

static int final_checks(struct vstate *st)
{
	struct pvn_igvm *f = st->f;

	/* PAGE_DATA / PARAMETER_INSERT / VMSA pages: no GPA loaded twice. */
	if (st->nr_pages > 1)
		qsort(st->pages, st->nr_pages, sizeof(*st->pages), cmp_range);
	for (size_t i = 0; i < st->nr_pages; i++) {
		const struct range *a = &st->pages[i];

		for (size_t j = i + 1; j < st->nr_pages && st->pages[j].gpa - a->gpa < a->size;
		     j++) {
			const struct range *b = &st->pages[j];

			if (a->mask & b->mask) {
				long lo = a->hdr < b->hdr ? a->hdr : b->hdr;

				st->idx = a->hdr > b->hdr ? a->hdr : b->hdr;
				return ERR(st, PVN_IGVM_E_PAGE_DATA_OVERLAP,
				           "gpa 0x%llx already loaded by header #%ld (mask 0x%x)",
				           (unsigned long long)b->gpa, lo, a->mask & b->mask);
			}
		}
	}

	/* Relocation headers name the (VP, VTL) whose context they patch. */
	for (size_t i = 0; i < st->nr_need; i++) {
		const struct vp_ident *n = &st->need[i];
		bool found = false;

		for (size_t j = 0; j < st->nr_ctx && !found; j++)
			found = (st->ctx[j].mask & n->mask) && st->ctx[j].vp_index == n->vp_index &&
			        st->ctx[j].vtl == n->vtl;
		if (!found) {
			st->idx = n->hdr;
			return ERR(st, PVN_IGVM_E_VP_CONTEXT_MISSING,
			           "no VP context for VP %u VTL %u", n->vp_index, n->vtl);
		}
	}

	/*
	 * Our rule: a platform with any VP context must start VP 0, and a
	 * VSM_ISOLATION platform must start it at its highest VTL.
	 */
	for (int bit = 0; bit < 32; bit++) {
		uint32_t m = 1u << bit;
		bool any = false, bsp = false;
		long last = -1;
		uint8_t want =
		    f->bit_type[bit] == IGVM_PLATFORM_VSM_ISOLATION ? f->bit_vtl[bit] : 0;

		if (f->bit_type[bit] == PVN_IGVM_NO_PLATFORM)
			continue;
		for (size_t j = 0; j < st->nr_ctx; j++) {
			if (!(st->ctx[j].mask & m))
				continue;
			any = true;
			last = st->ctx[j].hdr;
			if (st->ctx[j].vp_index == 0 &&
			    (f->bit_type[bit] == IGVM_PLATFORM_SEV_SNP ||
			     f->bit_type[bit] == IGVM_PLATFORM_SEV_ES || st->ctx[j].vtl == want))
				bsp = true;
		}
		if (any && !bsp) {
			st->idx = last;
			return ERR(
			    st, PVN_IGVM_E_VP_CONTEXT_MISSING,
			    "%s platform (mask 0x%x) has VP contexts but none for VP 0 VTL %u",
			    pvn_igvm_platform_name(f->bit_type[bit]), m, want);
		}
	}
	return 0;
}

static void vstate_free(struct vstate *st)
{
	free(st->areas);
	free(st->need);
	free(st->ctx);
	free(st->pages);
	free(st->pts);
	for (int i = 0; i < 32; i++)
		free(st->relocs[i]);
}

static int parse_fixed(struct pvn_igvm *f, struct pvn_igvm_error *err)
{
	struct igvm_fixed_header v1;

	if (f->len < sizeof(v1))
		return pvn_igvm_set_err(err, PVN_IGVM_E_TRUNCATED, f, -1,
		                        "file is %zu bytes, shorter than the fixed header", f->len);
	memcpy(&v1, f->buf, sizeof(v1));
	if (v1.magic != IGVM_MAGIC_VALUE)
		return pvn_igvm_set_err(err, PVN_IGVM_E_BAD_MAGIC, f, -1, "magic 0x%08x", v1.magic);
	memcpy(&f->fh, &v1, sizeof(v1));
	if (v1.format_version == IGVM_FORMAT_VERSION_1) {
		f->fixed_size = sizeof(v1);
		f->fh.architecture = IGVM_ARCH_X64;
		f->fh.page_size = IGVM_PAGE_SIZE_4K;
	} else if (v1.format_version == IGVM_FORMAT_VERSION_2) {
		if (f->len < sizeof(f->fh))
			return pvn_igvm_set_err(
			    err, PVN_IGVM_E_TRUNCATED, f, -1,
			    "file is %zu bytes, shorter than the v2 fixed header", f->len);
		memcpy(&f->fh, f->buf, sizeof(f->fh));
		f->fixed_size = sizeof(f->fh);
		if (f->fh.architecture != IGVM_ARCH_X64 && f->fh.architecture != IGVM_ARCH_AARCH64)
			return pvn_igvm_set_err(err, PVN_IGVM_E_BAD_ARCH, f, -1, "architecture %u",
			                        f->fh.architecture);
		if (f->fh.page_size != IGVM_PAGE_SIZE_4K)
			return pvn_igvm_set_err(err, PVN_IGVM_E_PAGE_SIZE, f, -1, "page size 0x%x",
			                        f->fh.page_size);
	} else {
		return pvn_igvm_set_err(err, PVN_IGVM_E_BAD_VERSION, f, -1, "format version %u",
		                        v1.format_version);
	}
	if (f->fh.total_file_size > f->len)
		return pvn_igvm_set_err(err, PVN_IGVM_E_TRUNCATED, f, -1,
		                        "file is %zu bytes, the header says %u", f->len,
		                        f->fh.total_file_size);
	if (f->fh.total_file_size != f->len)
		return pvn_igvm_set_err(err, PVN_IGVM_E_FILE_SIZE, f, -1,
		                        "file is %zu bytes, the header says %u", f->len,
		                        f->fh.total_file_size);
	if (f->fh.variable_header_offset < f->fixed_size || f->fh.variable_header_offset % 8 ||
	    f->fh.variable_header_size % 8 ||
	    (uint64_t)f->fh.variable_header_offset + f->fh.variable_header_size > f->len)
		return pvn_igvm_set_err(err, PVN_IGVM_E_VAR_HEADER_RANGE, f, -1,
		                        "variable headers at 0x%x size 0x%x in a 0x%zx-byte file",
		                        f->fh.variable_header_offset, f->fh.variable_header_size,
		                        f->len);
	f->data_start = f->fh.variable_header_offset + f->fh.variable_header_size;

	/* CRC over the fixed header with checksum 0, then the variable headers. */
	{
		uint8_t tmp[sizeof(struct igvm_fixed_header_v2)];
		uint32_t crc;

		memcpy(tmp, f->buf, f->fixed_size);
		memset(tmp + offsetof(struct igvm_fixed_header, checksum), 0, 4);
		crc = pvn_igvm_crc32(0, tmp, f->fixed_size);
		crc = pvn_igvm_crc32(crc, f->buf + f->fh.variable_header_offset,
		                     f->fh.variable_header_size);
		if (crc != f->fh.checksum)
			return pvn_igvm_set_err(err, PVN_IGVM_E_CHECKSUM, f, -1,
			                        "checksum 0x%08x, computed 0x%08x", f->fh.checksum,
			                        crc);
	}
	return 0;
}

int pvn_igvm_parse(const void *buf, size_t len, struct pvn_igvm **out, struct pvn_igvm_error *err)
{
	struct vstate st = {0};
	struct pvn_igvm *f;
	uint32_t pos, end;
	int stage = PVN_IGVM_SECTION_PLATFORM;
	int r;

	if (err) {
		memset(err, 0, sizeof(*err));
		err->header_index = -1;
	}
	if (!out || (!buf && len))
		return pvn_igvm_set_err(err, PVN_IGVM_E_INVAL, NULL, -1, "invalid argument");
	*out = NULL;
	f = calloc(1, sizeof(*f));
	if (!f)
		return pvn_igvm_set_err(err, PVN_IGVM_E_NOMEM, NULL, -1, "out of memory");
	f->buf = buf;
	f->len = len;
	memset(f->bit_type, PVN_IGVM_NO_PLATFORM, sizeof(f->bit_type));
	if (len > UINT32_MAX) {
		r = pvn_igvm_set_err(err, PVN_IGVM_E_FILE_SIZE, f, -1, "file larger than 4 GiB");
		goto fail;
	}
	if ((r = parse_fixed(f, err)))
		goto fail;

	st.f = f;
	st.err = err;
	pos = f->fh.variable_header_offset;
	end = f->data_start;
	while (pos < end) {
		struct igvm_vhs_variable_header vh;
		struct pvn_igvm_header *h;
		uint32_t padded;
		int sec;

		st.idx = (long)f->nr_hdr;
		if (end - pos < sizeof(vh)) {
			r = pvn_igvm_set_err(err, PVN_IGVM_E_HEADER_TRUNCATED, f, -1,
			                     "header #%ld at 0x%x: type/length cut off", st.idx,
			                     pos);
			goto fail;
		}
		memcpy(&vh, f->buf + pos, sizeof(vh));
		padded = pvn_igvm_align8(vh.length);
		if (vh.length > end - pos - sizeof(vh) || padded > end - pos - sizeof(vh)) {
			r = pvn_igvm_set_err(
			    err, PVN_IGVM_E_HEADER_TRUNCATED, f, -1,
			    "header #%ld at 0x%x: length %u runs past the section end 0x%x", st.idx,
			    pos, vh.length, end);
			goto fail;
		}
		h = push((void **)&f->hdr, &f->nr_hdr, &f->hdr_cap, sizeof(*h));
		if (!h) {
			r = pvn_igvm_set_err(err, PVN_IGVM_E_NOMEM, f, -1, "out of memory");
			goto fail;
		}
		memset(h, 0, sizeof(*h));
		h->type = vh.type;
		h->length = vh.length;
		h->offset = pos;
		h->body = f->buf + pos + sizeof(vh);
		for (uint32_t i = vh.length; i < padded; i++) {
			if (f->buf[pos + sizeof(vh) + i]) {
				r = ERR(&st, PVN_IGVM_E_HEADER_PADDING,
				        "padding byte %u is not zero", i - vh.length);
				goto fail;
			}
		}
		pos += sizeof(vh) + padded;

		sec = section_of(vh.type);
		h->known = known_type(vh.type);
		if (!h->known) {
			if (!(vh.type & IGVM_VHT_OPTIONAL_BIT)) {
				r = ERR(&st, PVN_IGVM_E_UNKNOWN_TYPE,
				        "unknown type 0x%x without the optional bit", vh.type);
				goto fail;
			}
			/* Ignorable; it still may not reopen an earlier section. */
			h->section =
			    sec < 0 ? (enum pvn_igvm_section)stage : (enum pvn_igvm_section)sec;
			if (sec >= 0 && sec < stage) {
				r = ERR(&st, PVN_IGVM_E_SECTION_ORDER,
				        "%s-section header after a later section",
				        sec == PVN_IGVM_SECTION_PLATFORM ? "platform"
				                                         : "initialization");
				goto fail;
			}
			if (sec > stage)
				stage = sec;
			continue;
		}
		if (sec < stage) {
			r = ERR(&st, PVN_IGVM_E_SECTION_ORDER, "%s header after %s headers",
			        sec == PVN_IGVM_SECTION_PLATFORM ? "platform" : "initialization",
			        stage == PVN_IGVM_SECTION_DIRECTIVE ? "directive"
			                                            : "initialization");
			goto fail;
		}
		if (sec > PVN_IGVM_SECTION_PLATFORM && f->nr_plat == 0) {
			r = ERR(&st, PVN_IGVM_E_NO_PLATFORM,
			        "no SUPPORTED_PLATFORM header before it");
			goto fail;
		}
		stage = sec;
		h->section = (enum pvn_igvm_section)sec;
		if (sec == PVN_IGVM_SECTION_PLATFORM)
			r = v_platform(&st, h);
		else if (sec == PVN_IGVM_SECTION_INIT)
			r = v_init(&st, h);
		else
			r = v_directive(&st, h);
		if (r)
			goto fail;
	}
	if (f->nr_plat == 0) {
		r = pvn_igvm_set_err(err, PVN_IGVM_E_NO_PLATFORM, f, -1, "no platform headers");
		goto fail;
	}
	if ((r = final_checks(&st)))
		goto fail;
	vstate_free(&st);
	*out = f;
	return 0;
fail:
	vstate_free(&st);
	pvn_igvm_free(f);
	return r;
}
