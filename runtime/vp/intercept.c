/* SPDX-License-Identifier: MIT */
#include "runtime/vp/intercept.h"
#include "runtime/core/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint64_t kind_limit[PVN_ICPT__COUNT] = {
	[PVN_ICPT_PIO] = 0xffff,
	[PVN_ICPT_MMIO] = 0xfffffffffffffULL, /* 52-bit guest physical space */
	[PVN_ICPT_MSR] = 0xffffffffULL,
	[PVN_ICPT_CPUID] = 0xffffffffULL,
	[PVN_ICPT_HCALL] = 0xffff,
};

static const char *const kind_names[PVN_ICPT__COUNT] = {"pio", "mmio", "msr", "cpuid",
							"hypercall"};

const char *pvn_icpt_kind_name(enum pvn_icpt_kind kind)
{
	return kind < PVN_ICPT__COUNT ? kind_names[kind] : "?";
}

void pvn_icpt_init(struct pvn_intercepts *t, struct pvn_memmap *mem)
{
	memset(t, 0, sizeof(*t));
	t->mem = mem;
}

void pvn_icpt_destroy(struct pvn_intercepts *t)
{
	for (int k = 0; k < PVN_ICPT__COUNT; k++)
		free(t->kinds[k].e);
	memset(t, 0, sizeof(*t));
}

int pvn_icpt_claim(struct pvn_intercepts *t, enum pvn_icpt_kind kind, uint64_t first,
		   uint64_t count, void (*fn)(void), void *opaque, const char *owner)
{
	struct pvn_icpt_list *l;
	uint64_t last;
	size_t pos;

	if (kind >= PVN_ICPT__COUNT || !fn || !owner || !*owner)
		return -EINVAL;
	l = &t->kinds[kind];
	if (t->sealed) {
		snprintf(t->error, sizeof(t->error), "%s claim by '%s' after the VM started",
			 kind_names[kind], owner);
		pvn_err("intercepts: %s", t->error);
		return -EPERM;
	}
	if (!count || first > kind_limit[kind] || count - 1 > kind_limit[kind] - first) {
		snprintf(t->error, sizeof(t->error),
			 "%s claim 0x%" PRIx64 "+%" PRIu64 " by '%s' is empty or out of range",
			 kind_names[kind], first, count, owner);
		pvn_err("intercepts: %s", t->error);
		return -EINVAL;
	}
	last = first + count - 1;
	for (pos = 0; pos < l->nr && l->e[pos].last < first; pos++)
		;
	if (pos < l->nr && l->e[pos].first <= last) {
		snprintf(t->error, sizeof(t->error),
			 "%s 0x%" PRIx64 "-0x%" PRIx64 " claimed by '%s' is already claimed "
			 "(0x%" PRIx64 "-0x%" PRIx64 ") by '%s'",
			 kind_names[kind], first, last, owner, l->e[pos].first, l->e[pos].last,
			 l->e[pos].owner);
		pvn_err("intercepts: %s", t->error);
		return -EEXIST;
	}
	if (kind == PVN_ICPT_MMIO && t->mem) {
		int r = pvn_mem_add_mmio(t->mem, first, count, owner);
		if (r) {
			snprintf(t->error, sizeof(t->error), "%s", t->mem->error);
			return r;
		}
	}
	if (l->nr == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 16;
		void *n = realloc(l->e, cap * sizeof(*l->e));
		if (!n)
			return -ENOMEM;
		l->e = n;
		l->cap = cap;
	}
	memmove(&l->e[pos + 1], &l->e[pos], (l->nr - pos) * sizeof(*l->e));
	l->e[pos] = (struct pvn_icpt){.first = first, .last = last, .opaque = opaque};
	l->e[pos].fn.any = fn;
	snprintf(l->e[pos].owner, sizeof(l->e[pos].owner), "%s", owner);
	l->nr++;
	return 0;
}

void pvn_icpt_release_owner(struct pvn_intercepts *t, const char *owner)
{
	for (int k = 0; k < PVN_ICPT__COUNT; k++) {
		struct pvn_icpt_list *l = &t->kinds[k];
		size_t w = 0;
		for (size_t i = 0; i < l->nr; i++)
			if (strcmp(l->e[i].owner, owner))
				l->e[w++] = l->e[i];
		l->nr = w;
	}
	if (t->mem)
		pvn_mem_remove_owner(t->mem, PVN_MEM_MMIO, owner);
}
