/* SPDX-License-Identifier: MIT */
#include "runtime/mem/mem.h"
#include "runtime/core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void pvn_mem_init(struct pvn_memmap *m)
{
	memset(m, 0, sizeof(*m));
}

void pvn_mem_destroy(struct pvn_memmap *m)
{
	for (size_t i = 0; i < m->nr; i++)
		if (m->ranges[i].kind == PVN_MEM_RAM && m->ranges[i].hva)
			munmap(m->ranges[i].hva, m->ranges[i].size);
	free(m->ranges);
	memset(m, 0, sizeof(*m));
}

const char *pvn_mem_kind_name(enum pvn_mem_kind k)
{
	switch (k) {
	case PVN_MEM_RAM:
		return "RAM";
	case PVN_MEM_MMIO:
		return "MMIO";
	case PVN_MEM_RESERVED:
		return "reserved";
	}
	return "?";
}

static bool overlaps(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	return a < b + bs && b < a + as;
}

/* May a new range of kind `k` overlap existing range `e`? */
static bool may_overlap(enum pvn_mem_kind k, const struct pvn_mem_range *e)
{
	return (k == PVN_MEM_RESERVED && e->kind == PVN_MEM_RAM) ||
	       (k == PVN_MEM_RAM && e->kind == PVN_MEM_RESERVED);
}

static int refuse(struct pvn_memmap *m, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(struct pvn_memmap *m, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->error, sizeof(m->error), fmt, ap);
	va_end(ap);
	pvn_err("memory map: %s", m->error);
	return err;
}

static int check_extent(struct pvn_memmap *m, uint64_t gpa, uint64_t size, enum pvn_mem_kind kind,
			const char *owner)
{
	if (!size || gpa + size < gpa || gpa + size - 1 > 0xfffffffffffffULL)
		return refuse(m, -EINVAL, "%s range 0x%" PRIx64 "+0x%" PRIx64 " for '%s' is empty or wraps",
			      pvn_mem_kind_name(kind), gpa, size, owner);
	return 0;
}

static int insert(struct pvn_memmap *m, uint64_t gpa, uint64_t size, enum pvn_mem_kind kind,
		  unsigned vtls, uint8_t *hva, const char *owner)
{
	size_t pos;
	int r = check_extent(m, gpa, size, kind, owner);

	if (r)
		return r;
	for (size_t i = 0; i < m->nr; i++) {
		const struct pvn_mem_range *e = &m->ranges[i];
		if (overlaps(gpa, size, e->gpa, e->size) && !may_overlap(kind, e))
			return refuse(m, -EEXIST,
				      "%s 0x%" PRIx64 "-0x%" PRIx64 " for '%s' overlaps %s 0x%" PRIx64
				      "-0x%" PRIx64 " owned by '%s'",
				      pvn_mem_kind_name(kind), gpa, gpa + size - 1, owner,
				      pvn_mem_kind_name(e->kind), e->gpa, e->gpa + e->size - 1,
				      e->owner);
	}
	if (m->nr == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		void *n = realloc(m->ranges, cap * sizeof(*m->ranges));
		if (!n)
			return -ENOMEM;
		m->ranges = n;
		m->cap = cap;
	}
	for (pos = 0; pos < m->nr && m->ranges[pos].gpa <= gpa; pos++)
		;
	memmove(&m->ranges[pos + 1], &m->ranges[pos], (m->nr - pos) * sizeof(*m->ranges));
	m->ranges[pos] = (struct pvn_mem_range){gpa, size, kind, vtls, hva, {0}};
	snprintf(m->ranges[pos].owner, PVN_OWNER_MAX, "%s", owner);
	m->nr++;
	return 0;
}

int pvn_mem_add_ram(struct pvn_memmap *m, uint64_t gpa, uint64_t size, unsigned vtls,
		    const char *owner)
{
	uint8_t *hva;
	int r;

	if ((gpa | size) & (PVN_PAGE_SIZE - 1))
		return refuse(m, -EINVAL, "RAM 0x%" PRIx64 "+0x%" PRIx64 " for '%s' is not page aligned",
			      gpa, size, owner);
	if (!vtls)
		return refuse(m, -EINVAL, "RAM for '%s' is accessible by no VTL", owner);
	/* Check before allocating so a refused range costs nothing. */
	r = check_extent(m, gpa, size, PVN_MEM_RAM, owner);
	if (r)
		return r;
	for (size_t i = 0; i < m->nr; i++)
		if (overlaps(gpa, size, m->ranges[i].gpa, m->ranges[i].size) &&
		    !may_overlap(PVN_MEM_RAM, &m->ranges[i]))
			return insert(m, gpa, size, PVN_MEM_RAM, vtls, NULL, owner);
	hva = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (hva == MAP_FAILED)
		return refuse(m, -ENOMEM, "cannot allocate 0x%" PRIx64 " bytes of RAM for '%s'", size,
			      owner);
	r = insert(m, gpa, size, PVN_MEM_RAM, vtls, hva, owner);
	if (r)
		munmap(hva, size);
	return r;
}

int pvn_mem_add_mmio(struct pvn_memmap *m, uint64_t gpa, uint64_t size, const char *owner)
{
	return insert(m, gpa, size, PVN_MEM_MMIO, 0, NULL, owner);
}

int pvn_mem_add_reserved(struct pvn_memmap *m, uint64_t gpa, uint64_t size, const char *owner)
{
	return insert(m, gpa, size, PVN_MEM_RESERVED, 0, NULL, owner);
}

void pvn_mem_remove_owner(struct pvn_memmap *m, enum pvn_mem_kind kind, const char *owner)
{
	size_t w = 0;
	for (size_t i = 0; i < m->nr; i++) {
		struct pvn_mem_range *r = &m->ranges[i];
		if (r->kind == kind && kind != PVN_MEM_RAM && !strcmp(r->owner, owner))
			continue;
		m->ranges[w++] = *r;
	}
	m->nr = w;
}

const struct pvn_mem_range *pvn_mem_find(const struct pvn_memmap *m, uint64_t gpa,
					 enum pvn_mem_kind kind)
{
	/* Ranges are sorted by start; RAM/MMIO never overlap each other, so a
	 * binary search for the last start <= gpa finds the candidate. Reserved
	 * ranges can sit inside RAM, so for them (rare, slow path) scan. */
	if (kind == PVN_MEM_RESERVED) {
		for (size_t i = 0; i < m->nr; i++)
			if (m->ranges[i].kind == kind && gpa >= m->ranges[i].gpa &&
			    gpa - m->ranges[i].gpa < m->ranges[i].size)
				return &m->ranges[i];
		return NULL;
	}
	size_t lo = 0, hi = m->nr;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->ranges[mid].gpa <= gpa)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo is the first range starting after gpa; walk back past reservations. */
	for (size_t i = lo; i-- > 0;) {
		const struct pvn_mem_range *r = &m->ranges[i];
		if (r->kind == PVN_MEM_RESERVED)
			continue;
		if (gpa - r->gpa < r->size)
			return r->kind == kind ? r : NULL;
		return NULL;
	}
	return NULL;
}

void *pvn_mem_gpa_to_hva(const struct pvn_memmap *m, uint64_t gpa, uint64_t size, unsigned vtl)
{
	const struct pvn_mem_range *r;

	if (!size || gpa + size < gpa)
		return NULL;
	r = pvn_mem_find(m, gpa, PVN_MEM_RAM);
	if (!r || !(r->vtls & vtl) || !r->hva)
		return NULL;
	/* gpa >= r->gpa (find guarantees it); the end must not pass the range's
	 * end. Written without gpa+size to stay clear of overflow. */
	if (size > r->size || gpa - r->gpa > r->size - size)
		return NULL;
	return r->hva + (gpa - r->gpa);
}

int pvn_mem_read(const struct pvn_memmap *m, unsigned vtl, uint64_t gpa, void *buf, size_t len)
{
	void *src;
	if (!len)
		return 0;
	src = pvn_mem_gpa_to_hva(m, gpa, len, vtl);
	if (!src)
		return -EFAULT;
	memcpy(buf, src, len);
	return 0;
}

int pvn_mem_write(const struct pvn_memmap *m, unsigned vtl, uint64_t gpa, const void *buf,
		  size_t len)
{
	void *dst;
	if (!len)
		return 0;
	dst = pvn_mem_gpa_to_hva(m, gpa, len, vtl);
	if (!dst)
		return -EFAULT;
	memcpy(dst, buf, len);
	return 0;
}

int pvn_mem_check_loadable(struct pvn_memmap *m, uint64_t gpa, uint64_t size, unsigned vtl,
			   const char *self)
{
	if (!pvn_mem_gpa_to_hva(m, gpa, size, vtl))
		return refuse(m, -EFAULT,
			      "'%s' needs 0x%" PRIx64 "-0x%" PRIx64
			      ", which is not wholly inside guest RAM",
			      self, gpa, gpa + size - 1);
	for (size_t i = 0; i < m->nr; i++) {
		const struct pvn_mem_range *e = &m->ranges[i];
		if (e->kind == PVN_MEM_RESERVED && overlaps(gpa, size, e->gpa, e->size) &&
		    strcmp(e->owner, self))
			return refuse(m, -EEXIST,
				      "'%s' at 0x%" PRIx64 "-0x%" PRIx64
				      " overlaps reserved 0x%" PRIx64 "-0x%" PRIx64 " owned by '%s'",
				      self, gpa, gpa + size - 1, e->gpa, e->gpa + e->size - 1,
				      e->owner);
	}
	return 0;
}
