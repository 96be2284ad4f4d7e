/* SPDX-License-Identifier: MIT */
/*
 * The intercept table: who handles which guest access. The chipset devices
 * and (through the plugin host-ops table) plugins claim PIO ports, MMIO
 * ranges, MSRs, CPUID leaves and hypercall codes here; the VP loop looks up
 * the owner of each exit.
 *
 * A claim that overlaps an existing one is refused with both owners named.
 * Claims are made before VPs run; the table is read-only afterwards, so the
 * VP threads look up without locks.
 */
#ifndef PVN_INTERCEPT_H
#define PVN_INTERCEPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/mem/mem.h"

/*
 * Handlers run on the thread of the VP that exited (`vp` is its index).
 * For reads they store the result in *val; for writes *val holds the data
 * (zero-extended). Returning a negative errno marks the access as failed:
 * PIO/MMIO reads then see all-ones, writes are dropped, MSR accesses #GP.
 */
typedef int (*pvn_pio_fn)(void *opaque, unsigned vp, uint16_t port, unsigned size, bool write,
			  uint32_t *val);
typedef int (*pvn_mmio_fn)(void *opaque, unsigned vp, uint64_t gpa, unsigned size, bool write,
			   uint64_t *val);
typedef int (*pvn_msr_fn)(void *opaque, unsigned vp, uint32_t msr, bool write, uint64_t *val);
/* CPUID handlers adjust regs[] = {eax, ebx, ecx, edx}, pre-filled with what
 * the hypervisor offers. On KVM the result is computed once per VP, before
 * the VP first runs, so it must depend only on (vp, leaf, subleaf). */
typedef void (*pvn_cpuid_fn)(void *opaque, unsigned vp, uint32_t leaf, uint32_t subleaf,
			     uint32_t regs[4]);
/* Hypercall handlers get the hypercall input value (code in bits 0-15) and
 * the input/output GPAs; they return a Hyper-V status code. */
typedef uint16_t (*pvn_hcall_fn)(void *opaque, unsigned vp, uint64_t control, uint64_t in_gpa,
				 uint64_t out_gpa);

enum pvn_icpt_kind {
	PVN_ICPT_PIO,
	PVN_ICPT_MMIO,
	PVN_ICPT_MSR,
	PVN_ICPT_CPUID,
	PVN_ICPT_HCALL,
	PVN_ICPT__COUNT
};

struct pvn_icpt {
	uint64_t first, last; /* inclusive */
	union {
		pvn_pio_fn pio;
		pvn_mmio_fn mmio;
		pvn_msr_fn msr;
		pvn_cpuid_fn cpuid;
		pvn_hcall_fn hcall;
		void (*any)(void);
	} fn;
	void *opaque;
	char owner[PVN_OWNER_MAX];
};

struct pvn_icpt_list {
	struct pvn_icpt *e; /* sorted by first, disjoint */
	size_t nr, cap;
};

struct pvn_intercepts {
	struct pvn_icpt_list kinds[PVN_ICPT__COUNT];
	struct pvn_memmap *mem; /* MMIO claims are recorded in the memory map too */
	bool sealed;            /* set when VPs start: no more claims */
	char error[256];        /* the last refusal, also logged */
};

void pvn_icpt_init(struct pvn_intercepts *t, struct pvn_memmap *mem);
void pvn_icpt_destroy(struct pvn_intercepts *t);

/*
 * Claim [first, first+count) of the given kind for owner. `fn` must match the
 * kind. -EEXIST when any part is claimed already (the message names both
 * owners), -EINVAL for an empty or out-of-space range, -EPERM once sealed.
 */
__attribute__((warn_unused_result)) int pvn_icpt_claim(struct pvn_intercepts *t,
							enum pvn_icpt_kind kind, uint64_t first,
							uint64_t count, void (*fn)(void),
							void *opaque, const char *owner);
/* Remove every claim owned by owner (used when a plugin is unloaded). */
void pvn_icpt_release_owner(struct pvn_intercepts *t, const char *owner);

/* The claim covering `addr`, or NULL. Lock-free; safe on VP threads. */
static inline const struct pvn_icpt *pvn_icpt_lookup(const struct pvn_intercepts *t,
						     enum pvn_icpt_kind kind, uint64_t addr)
{
	const struct pvn_icpt_list *l = &t->kinds[kind];
	size_t lo = 0, hi = l->nr;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct pvn_icpt *e = &l->e[mid];
		if (addr < e->first)
			hi = mid;
		else if (addr > e->last)
			lo = mid + 1;
		else
			return e;
	}
	return NULL;
}

const char *pvn_icpt_kind_name(enum pvn_icpt_kind kind);

#endif
