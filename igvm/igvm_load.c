/* SPDX-License-Identifier: MIT */
/*
 * IGVM loader: replays the directives of one platform into a VMM through
 * callbacks. The file was fully validated by pvn_igvm_parse(), so this only
 * checks what depends on the VMM (its memory, its parameter values).
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#include "igvm_internal.h"

struct staged_area {
	uint32_t index;
	uint64_t size;
	uint8_t *buf;
};

struct loader {
	const struct pvn_igvm *f;
	const struct pvn_igvm_load_ops *ops;
	void *opaque;
	struct pvn_igvm_error *err;
	struct staged_area *areas;
	size_t nr_areas;
};

static bool ram_covers(const struct pvn_igvm_vmm_info *info, uint64_t gpa, uint64_t size)
{
	/* Walk sorted ranges; adjacent ranges may together cover the span. */
	uint64_t cur = gpa, end = gpa + size;

	if (end < gpa)
		return false;
	if (size == 0)
		return true;
	for (size_t i = 0; i < info->nr_mem && cur < end; i++) {
		const struct pvn_igvm_mem_range *m = &info->mem[i];

		if (m->type != IGVM_MEMORY_MAP_MEMORY &&
		    m->type != IGVM_MEMORY_MAP_VTL2_PROTECTABLE &&
		    m->type != IGVM_MEMORY_MAP_PERSISTENT)
			continue;
		if (m->gpa <= cur && cur - m->gpa < m->size)
			cur = m->gpa + m->size;
	}
	return cur >= end;
}

static uint64_t ram_total(const struct pvn_igvm_vmm_info *info)
{
	uint64_t t = 0;

	for (size_t i = 0; i < info->nr_mem; i++)
		t += info->mem[i].size;
	return t;
}

long pvn_igvm_encode_memory_map(void *dst, size_t avail, const struct pvn_igvm_mem_range *mem,
                                size_t nr_mem)
{
	size_t need = nr_mem * sizeof(struct igvm_vhs_memory_map_entry);

	if (nr_mem > avail / sizeof(struct igvm_vhs_memory_map_entry) || need > LONG_MAX)
		return PVN_IGVM_E_LOAD_MEMORY_MAP;
	for (size_t i = 0; i < nr_mem; i++) {
		struct igvm_vhs_memory_map_entry e = {
		    .starting_gpa_page_number = mem[i].gpa / IGVM_PAGE_SIZE_4K,
		    .number_of_pages = mem[i].size / IGVM_PAGE_SIZE_4K,
		    .entry_type = mem[i].type,
		    .flags = mem[i].flags,
		};

		if (mem[i].gpa % IGVM_PAGE_SIZE_4K || mem[i].size % IGVM_PAGE_SIZE_4K)
			return PVN_IGVM_E_LOAD_MEMORY_MAP;
		memcpy((uint8_t *)dst + i * sizeof(e), &e, sizeof(e));
	}
	return (long)need;
}

#define LERR(ld, idx, code, ...)                                                                   \
	pvn_igvm_set_err((ld)->err, (code), (ld)->f, (long)(idx), __VA_ARGS__)

static struct staged_area *find_area(struct loader *ld, uint32_t index)
{
	for (size_t i = 0; i < ld->nr_areas; i++)
		if (ld->areas[i].buf && ld->areas[i].index == index)
			return &ld->areas[i];
	return NULL;
}

static int default_fill(struct loader *ld, size_t idx, uint32_t type, uint8_t *dst, size_t avail)
{
	const struct pvn_igvm_vmm_info *info = ld->ops->info;

	switch (type) {
	case IGVM_VHT_VP_COUNT_PARAMETER:
	case IGVM_VHT_ENVIRONMENT_INFO_PARAMETER: {
		uint32_t v =
		    type == IGVM_VHT_VP_COUNT_PARAMETER ? info->vp_count : info->environment_info;
		if (avail < sizeof(v))
			return LERR(ld, idx, PVN_IGVM_E_LOAD_PARAM_FIT, "no room for a u32");
		memcpy(dst, &v, sizeof(v));
		return 0;
	}
	case IGVM_VHT_MEMORY_MAP: {
		long n = pvn_igvm_encode_memory_map(dst, avail, info->mem, info->nr_mem);

		if (n < 0)
			return LERR(ld, idx, PVN_IGVM_E_LOAD_MEMORY_MAP,
			            "%zu memory ranges do not fit in %zu bytes or are unaligned",
			            info->nr_mem, avail);
		return 0;
	}
	case IGVM_VHT_COMMAND_LINE: {
		const char *c = info->cmdline;
		size_t n;

		if (!c) /* keep the command line the image was built with */
			return 0;
		n = strlen(c) + 1;

		if (n > avail)
			return LERR(ld, idx, PVN_IGVM_E_LOAD_PARAM_FIT,
			            "command line of %zu bytes does not fit in %zu", n, avail);
		memcpy(dst, c, n);
		return 0;
	}
	case IGVM_VHT_MMIO_RANGES:
		if (avail < sizeof(info->mmio))
			return LERR(ld, idx, PVN_IGVM_E_LOAD_PARAM_FIT, "no room for MMIO ranges");
		memcpy(dst, info->mmio, sizeof(info->mmio));
		return 0;
	default:
		/* SRAT/MADT/SLIT/PPTT/DEVICE_TREE need the VMM; left zeroed. */
		return 0;
	}
}

static int do_param(struct loader *ld, size_t idx, const struct pvn_igvm_header *h, uint32_t type)
{
	struct igvm_vhs_parameter p;
	struct staged_area *a;
	int r = PVN_IGVM_FILL_DEFAULT;

	memcpy(&p, h->body, sizeof(p));
	a = find_area(ld, p.parameter_area_index);
	if (!a) /* area declared but not used by this platform: validated already */
		return LERR(ld, idx, PVN_IGVM_E_PARAM_AREA_UNDECLARED,
		            "parameter area %u not staged", p.parameter_area_index);
	if (ld->ops->fill_parameter)
		r = ld->ops->fill_parameter(ld->opaque, type, a->buf + p.byte_offset,
		                            a->size - p.byte_offset);
	if (r < 0)
		return LERR(ld, idx, PVN_IGVM_E_LOAD_VMM, "fill_parameter failed: %s",
		            strerror(-r));
	if (r == PVN_IGVM_FILL_DEFAULT)
		return default_fill(ld, idx, type, a->buf + p.byte_offset, a->size - p.byte_offset);
	return 0;
}

static int import(struct loader *ld, size_t idx, uint64_t gpa, const void *data, uint64_t len,
                  uint32_t flags, uint16_t data_type)
{
	int r;

	if (!ram_covers(ld->ops->info, gpa, len))
		return LERR(ld, idx, PVN_IGVM_E_LOAD_GPA,
		            "[0x%llx, 0x%llx) is not in the VMM's guest RAM",
		            (unsigned long long)gpa, (unsigned long long)(gpa + len));
	r = ld->ops->import_pages(ld->opaque, gpa, data, len, flags, data_type);
	if (r < 0)
		return LERR(ld, idx, PVN_IGVM_E_LOAD_VMM, "import_pages at 0x%llx failed: %s",
		            (unsigned long long)gpa, strerror(-r));
	return 0;
}

static int load_one(struct loader *ld, size_t idx, const struct pvn_igvm_header *h)
{
	const struct pvn_igvm *f = ld->f;
	uint32_t t = h->type & ~IGVM_VHT_OPTIONAL_BIT;
	const void *data;
	size_t len;
	int r;

	pvn_igvm_header_data(f, h, &data, &len);
	switch (t) {
	case IGVM_VHT_PAGE_DATA: {
		struct igvm_vhs_page_data p;
		uint64_t psize;
		uint32_t flags = 0;

		memcpy(&p, h->body, sizeof(p));
		psize = (p.flags & IGVM_PAGE_DATA_FLAG_2MB) ? IGVM_PAGE_SIZE_2M : IGVM_PAGE_SIZE_4K;
		if (p.flags & IGVM_PAGE_DATA_FLAG_UNMEASURED)
			flags |= PVN_IGVM_IMPORT_UNMEASURED;
		if (p.flags & IGVM_PAGE_DATA_FLAG_SHARED)
			flags |= PVN_IGVM_IMPORT_SHARED;
		if (!data)
			flags |= PVN_IGVM_IMPORT_ZERO;
		return import(ld, idx, p.gpa, data, psize, flags, p.data_type);
	}
	case IGVM_VHT_PARAMETER_AREA: {
		struct igvm_vhs_parameter_area p;
		struct staged_area *n, *a;

		memcpy(&p, h->body, sizeof(p));
		/* Staged in host memory before insertion: bound it by guest RAM. */
		if (p.number_of_bytes > ram_total(ld->ops->info))
			return LERR(ld, idx, PVN_IGVM_E_LOAD_GPA,
			            "parameter area of 0x%llx bytes is larger than guest RAM",
			            (unsigned long long)p.number_of_bytes);
		n = realloc(ld->areas, (ld->nr_areas + 1) * sizeof(*n));
		if (!n)
			return LERR(ld, idx, PVN_IGVM_E_NOMEM, "out of memory");
		ld->areas = n;
		a = &ld->areas[ld->nr_areas];
		a->index = p.parameter_area_index;
		a->size = p.number_of_bytes;
		a->buf = calloc(1, p.number_of_bytes ? p.number_of_bytes : 1);
		if (!a->buf)
			return LERR(ld, idx, PVN_IGVM_E_NOMEM, "out of memory");
		ld->nr_areas++;
		if (data)
			memcpy(a->buf, data, len);
		return 0;
	}
	case IGVM_VHT_PARAMETER_INSERT: {
		struct igvm_vhs_parameter_insert p;
		struct staged_area *a;

		memcpy(&p, h->body, sizeof(p));
		a = find_area(ld, p.parameter_area_index);
		if (!a)
			return LERR(ld, idx, PVN_IGVM_E_PARAM_INSERT_UNDECLARED,
			            "parameter area %u not staged", p.parameter_area_index);
		r = import(ld, idx, p.gpa, a->buf, a->size, PVN_IGVM_IMPORT_UNMEASURED,
		           IGVM_PAGE_DATA_TYPE_NORMAL);
		free(a->buf);
		a->buf = NULL;
		return r;
	}
	case IGVM_VHT_VP_CONTEXT: {
		struct igvm_vhs_vp_context p;
		struct pvn_igvm_vp_context c = {0};

		memcpy(&p, h->body, sizeof(p));
		c.vp_index = p.vp_index;
		c.vtl = h->vtl;
		c.kind = h->vp_kind;
		c.gpa = p.gpa;
		c.data = data;
		c.len = len;
		if (c.kind == PVN_IGVM_VP_NATIVE_X64 ||
		    (c.kind == PVN_IGVM_VP_VBS && f->fh.architecture == IGVM_ARCH_X64))
			pvn_igvm_vp_context_x64(f, h, &c.x64);
		if (c.kind == PVN_IGVM_VP_SNP_VMSA &&
		    !ram_covers(ld->ops->info, p.gpa, IGVM_PAGE_SIZE_4K))
			return LERR(ld, idx, PVN_IGVM_E_LOAD_GPA, "VMSA gpa 0x%llx not in RAM",
			            (unsigned long long)p.gpa);
		if (!ld->ops->set_vp_context)
			return 0;
		r = ld->ops->set_vp_context(ld->opaque, &c);
		if (r < 0)
			return LERR(ld, idx, PVN_IGVM_E_LOAD_VMM, "set_vp_context failed: %s",
			            strerror(-r));
		return 0;
	}
	case IGVM_VHT_REQUIRED_MEMORY: {
		struct igvm_vhs_required_memory p;

		memcpy(&p, h->body, sizeof(p));
		if (!ram_covers(ld->ops->info, p.gpa, p.number_of_bytes))
			return LERR(
			    ld, idx, PVN_IGVM_E_LOAD_REQUIRED_MEMORY,
			    "[0x%llx, 0x%llx) is required but the VMM's RAM does not cover it",
			    (unsigned long long)p.gpa,
			    (unsigned long long)(p.gpa + p.number_of_bytes));
		return 0;
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
		return do_param(ld, idx, h, t);
	case IGVM_VHT_ERROR_RANGE: {
		struct igvm_vhs_error_range p;

		memcpy(&p, h->body, sizeof(p));
		/* The guest reports errors there; it only has to exist. */
		if (!ram_covers(ld->ops->info, p.gpa, p.size_bytes))
			return LERR(ld, idx, PVN_IGVM_E_LOAD_GPA, "error range not in RAM");
		return 0;
	}
	default:
		/* Policies, measurements, ID blocks, relocation hints: not ours. */
		return 0;
	}
}

int pvn_igvm_load(const struct pvn_igvm *f, const struct pvn_igvm_load_ops *ops, void *opaque,
                  uint32_t platform_mask, struct pvn_igvm_error *err)
{
	struct loader ld = {f, ops, opaque, err, NULL, 0};
	int r = 0;

	if (err) {
		memset(err, 0, sizeof(*err));
		err->header_index = -1;
	}
	if (!f || !ops || !ops->info || !ops->import_pages)
		return pvn_igvm_set_err(err, PVN_IGVM_E_INVAL, NULL, -1, "invalid argument");
	if (platform_mask == 0 && f->nr_plat)
		platform_mask = f->plat[0].compatibility_mask;
	if (pvn_igvm_mask_platform(f, platform_mask) == PVN_IGVM_NO_PLATFORM)
		return pvn_igvm_set_err(err, PVN_IGVM_E_LOAD_PLATFORM, f, -1,
		                        "no platform with compatibility mask 0x%x", platform_mask);
	for (size_t i = 0; i < ops->info->nr_mem; i++) {
		const struct pvn_igvm_mem_range *m = &ops->info->mem[i];

		if (m->gpa % IGVM_PAGE_SIZE_4K || m->size % IGVM_PAGE_SIZE_4K ||
		    (i && m->gpa < ops->info->mem[i - 1].gpa + ops->info->mem[i - 1].size))
			return pvn_igvm_set_err(err, PVN_IGVM_E_LOAD_MEMORY_MAP, f, -1,
			                        "VMM memory range %zu [0x%llx, +0x%llx) unaligned, "
			                        "unsorted or overlapping",
			                        i, (unsigned long long)m->gpa,
			                        (unsigned long long)m->size);
	}

	for (size_t i = 0; i < f->nr_hdr && !r; i++) {
		const struct pvn_igvm_header *h = &f->hdr[i];

		if (!h->known || h->section != PVN_IGVM_SECTION_DIRECTIVE)
			continue;
		/* Parameter areas and parameters carry no mask: they apply to all. */
		if (h->compat_mask && !(h->compat_mask & platform_mask))
			continue;
		r = load_one(&ld, i, h);
	}
	for (size_t i = 0; i < ld.nr_areas; i++)
		free(ld.areas[i].buf);
	free(ld.areas);
	return r;
}
