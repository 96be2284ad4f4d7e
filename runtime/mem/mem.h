/* SPDX-License-Identifier: MIT */
/*
 * The guest physical memory map: the runtime's own record of what lives at
 * every guest-physical address, independent of the backend's memslots.
 *
 *  - RAM ranges carry the set of VTLs that may touch them. A range that VTL0
 *    may not touch (VTL2-private) is never mapped into the backend for VTL0.
 *  - MMIO ranges carry the name of the device that owns them.
 *  - Reserved ranges mark addresses that belong to someone (the boot page
 *    tables, the hypervisor's TSS pages) so that nobody else claims or loads
 *    over them; they may lie inside RAM.
 * Any overlap that breaks these rules is refused with both owners named.
 *
 * Threading: the map is built before any VP runs and is read-only while VPs
 * run, so lookups take no lock.
 */
#ifndef PVN_MEM_H
#define PVN_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PVN_VTL0 (1u << 0)
#define PVN_VTL2 (1u << 2)

#define PVN_PAGE_SIZE 4096ULL
#define PVN_OWNER_MAX 48

enum pvn_mem_kind {
	PVN_MEM_RAM,
	PVN_MEM_MMIO,
	PVN_MEM_RESERVED,
};

struct pvn_mem_range {
	uint64_t gpa;
	uint64_t size;
	enum pvn_mem_kind kind;
	unsigned vtls; /* RAM: the VTLs that may access it */
	uint8_t *hva;  /* RAM: host mapping of the whole range */
	char owner[PVN_OWNER_MAX];
};

struct pvn_memmap {
	struct pvn_mem_range *ranges; /* sorted by gpa; RESERVED may overlap RAM */
	size_t nr, cap;
	char error[256]; /* the last refusal, also logged */
};

void pvn_mem_init(struct pvn_memmap *m);
/* Frees the RAM this map allocated. */
void pvn_mem_destroy(struct pvn_memmap *m);

/* Allocate zeroed host memory for [gpa, gpa+size) and record it as RAM the
 * given VTLs may access. Page aligned. -EEXIST on overlap (names both). */
__attribute__((warn_unused_result)) int pvn_mem_add_ram(struct pvn_memmap *m, uint64_t gpa,
							 uint64_t size, unsigned vtls,
							 const char *owner);
/* Record [gpa, gpa+size) as MMIO owned by owner. -EEXIST on overlap. */
__attribute__((warn_unused_result)) int pvn_mem_add_mmio(struct pvn_memmap *m, uint64_t gpa,
							  uint64_t size, const char *owner);
/* Reserve [gpa, gpa+size) for owner (may lie in RAM). -EEXIST on overlap
 * with MMIO or another reservation. */
__attribute__((warn_unused_result)) int pvn_mem_add_reserved(struct pvn_memmap *m, uint64_t gpa,
							      uint64_t size, const char *owner);

/* Forget the MMIO or reserved ranges of owner (RAM is never removed). */
void pvn_mem_remove_owner(struct pvn_memmap *m, enum pvn_mem_kind kind, const char *owner);

/* The range of the given kind containing gpa, or NULL. RESERVED ranges are
 * only returned when asked for; RAM and MMIO never overlap each other. */
const struct pvn_mem_range *pvn_mem_find(const struct pvn_memmap *m, uint64_t gpa,
					 enum pvn_mem_kind kind);

/* Check that [gpa, gpa+size) is RAM that vtl may touch and that no
 * reservation other than one owned by `self` covers it. Used by loaders. */
int pvn_mem_check_loadable(struct pvn_memmap *m, uint64_t gpa, uint64_t size, unsigned vtl,
			   const char *self);

/*
 * Translate a guest range to a host pointer. Returns NULL unless the whole
 * of [gpa, gpa+size) lies inside a single RAM range that `vtl` may access
 * (and gpa+size does not wrap). size 0 is refused.
 */
void *pvn_mem_gpa_to_hva(const struct pvn_memmap *m, uint64_t gpa, uint64_t size, unsigned vtl);

/* Checked copies. -EFAULT when the range is not wholly accessible RAM. */
int pvn_mem_read(const struct pvn_memmap *m, unsigned vtl, uint64_t gpa, void *buf, size_t len);
int pvn_mem_write(const struct pvn_memmap *m, unsigned vtl, uint64_t gpa, const void *buf,
		  size_t len);

const char *pvn_mem_kind_name(enum pvn_mem_kind k);

#endif
