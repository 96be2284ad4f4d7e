/* SPDX-License-Identifier: MIT */
/*
 * The intercept table (runtime/vp/intercept): claims of every kind, refusals
 * that name both owners, exact boundaries, sealing, and MMIO claims that go
 * into the memory map too.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/core/log.h"
#include "runtime/mem/mem.h"
#include "runtime/vp/intercept.h"

struct fixture {
	struct pvn_memmap mem;
	struct pvn_intercepts t;
};

static char last_log[512];

static void capture(void *opaque, enum pvn_log_level lvl, const char *msg)
{
	(void)opaque;
	(void)lvl;
	snprintf(last_log, sizeof(last_log), "%s", msg);
}

static int setup(void **state)
{
	static struct fixture f;
	pvn_mem_init(&f.mem);
	pvn_icpt_init(&f.t, &f.mem);
	last_log[0] = 0;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	pvn_icpt_destroy(&f->t);
	pvn_mem_destroy(&f->mem);
	return 0;
}

/* Handlers of each type; distinct functions so lookups can be told apart. */
static int pio_a(void *o, unsigned vp, uint16_t port, unsigned size, bool write, uint32_t *val)
{
	(void)o, (void)vp, (void)size, (void)write;
	*val = port;
	return 0;
}
static int pio_b(void *o, unsigned vp, uint16_t port, unsigned size, bool write, uint32_t *val)
{
	(void)o, (void)vp, (void)size, (void)write;
	*val = port + 1;
	return 0;
}
static int mmio_a(void *o, unsigned vp, uint64_t gpa, unsigned size, bool write, uint64_t *val)
{
	(void)o, (void)vp, (void)size, (void)write;
	*val = gpa;
	return 0;
}
static int msr_a(void *o, unsigned vp, uint32_t msr, bool write, uint64_t *val)
{
	(void)o, (void)vp, (void)write;
	*val = msr;
	return 0;
}
static void cpuid_a(void *o, unsigned vp, uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	(void)o, (void)vp, (void)subleaf;
	regs[0] = leaf;
}
static uint16_t hcall_a(void *o, unsigned vp, uint64_t control, uint64_t in_gpa, uint64_t out_gpa)
{
	(void)o, (void)vp, (void)in_gpa, (void)out_gpa;
	return (uint16_t)control;
}

#define FN(f) ((void (*)(void))(f))

static int claim(struct pvn_intercepts *t, enum pvn_icpt_kind k, uint64_t first, uint64_t count,
		 void (*fn)(void), const char *owner)
{
	return pvn_icpt_claim(t, k, first, count, fn, (void *)owner, owner);
}

static void assert_names(const struct pvn_intercepts *t, const char *a, const char *b)
{
	char qa[64], qb[64];
	snprintf(qa, sizeof(qa), "'%s'", a);
	snprintf(qb, sizeof(qb), "'%s'", b);
	if (!strstr(t->error, qa) || !strstr(t->error, qb))
		fail_msg("error \"%s\" does not name both %s and %s", t->error, qa, qb);
}

static void assert_owner(const struct pvn_intercepts *t, enum pvn_icpt_kind k, uint64_t addr,
			 const char *owner)
{
	const struct pvn_icpt *e = pvn_icpt_lookup(t, k, addr);
	if (!owner) {
		if (e)
			fail_msg("%s 0x%llx: expected unclaimed, owned by '%s'", pvn_icpt_kind_name(k),
				 (unsigned long long)addr, e->owner);
		return;
	}
	if (!e)
		fail_msg("%s 0x%llx: expected '%s', unclaimed", pvn_icpt_kind_name(k),
			 (unsigned long long)addr, owner);
	assert_string_equal(e->owner, owner);
	assert_ptr_equal(e->opaque, owner);
}

static void test_claim_each_kind(void **state)
{
	struct fixture *f = *state;
	struct pvn_intercepts *t = &f->t;
	const struct pvn_icpt *e;
	uint32_t v32 = 0, regs[4] = {0};
	uint64_t v64 = 0;

	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x3f8, 8, FN(pio_a), "uart"), 0);
	assert_int_equal(claim(t, PVN_ICPT_MMIO, 0xfed40000, 0x5000, FN(mmio_a), "tpm"), 0);
	assert_int_equal(claim(t, PVN_ICPT_MSR, 0x40000000, 0x100, FN(msr_a), "hv"), 0);
	assert_int_equal(claim(t, PVN_ICPT_CPUID, 0x40000000, 6, FN(cpuid_a), "hv-cpuid"), 0);
	assert_int_equal(claim(t, PVN_ICPT_HCALL, 0x5c, 1, FN(hcall_a), "hv-hcall"), 0);

	e = pvn_icpt_lookup(t, PVN_ICPT_PIO, 0x3fa);
	assert_non_null(e);
	assert_int_equal(e->first, 0x3f8);
	assert_int_equal(e->last, 0x3ff);
	assert_int_equal(e->fn.pio(e->opaque, 0, 0x3fa, 1, false, &v32), 0);
	assert_int_equal(v32, 0x3fa);
	e = pvn_icpt_lookup(t, PVN_ICPT_MMIO, 0xfed44fff);
	assert_non_null(e);
	assert_int_equal(e->fn.mmio(e->opaque, 0, 0xfed44fff, 4, false, &v64), 0);
	assert_int_equal(v64, 0xfed44fff);
	e = pvn_icpt_lookup(t, PVN_ICPT_MSR, 0x400000ff);
	assert_non_null(e);
	assert_int_equal(e->fn.msr(e->opaque, 0, 0x400000ff, false, &v64), 0);
	assert_int_equal(v64, 0x400000ff);
	e = pvn_icpt_lookup(t, PVN_ICPT_CPUID, 0x40000005);
	assert_non_null(e);
	e->fn.cpuid(e->opaque, 0, 0x40000005, 0, regs);
	assert_int_equal(regs[0], 0x40000005);
	e = pvn_icpt_lookup(t, PVN_ICPT_HCALL, 0x5c);
	assert_non_null(e);
	assert_int_equal(e->fn.hcall(e->opaque, 0, 0x5c, 0, 0), 0x5c);

	/* the kinds are separate spaces: the same number in another kind is free */
	assert_owner(t, PVN_ICPT_PIO, 0x5c, NULL);
	assert_owner(t, PVN_ICPT_MSR, 0x3f8, NULL);
	assert_owner(t, PVN_ICPT_CPUID, 0x5c, NULL);
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x5c, 1, FN(pio_b), "pio-5c"), 0);
	assert_int_equal(claim(t, PVN_ICPT_CPUID, 0x3f8, 1, FN(cpuid_a), "leaf-3f8"), 0);
	assert_owner(t, PVN_ICPT_HCALL, 0x5c, "hv-hcall");
	assert_owner(t, PVN_ICPT_PIO, 0x5c, "pio-5c");

	assert_string_equal(pvn_icpt_kind_name(PVN_ICPT_PIO), "pio");
	assert_string_equal(pvn_icpt_kind_name(PVN_ICPT_HCALL), "hypercall");
	assert_string_equal(pvn_icpt_kind_name(PVN_ICPT__COUNT), "?");
}

static void test_overlap_refused(void **state)
{
	struct fixture *f = *state;
	struct pvn_intercepts *t = &f->t;

	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x100, 0x10, FN(pio_a), "first"), 0);
	/* the same range, overlapping the start, the end, inside, around */
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x100, 0x10, FN(pio_b), "same"), -EEXIST);
	assert_names(t, "same", "first");
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0xf8, 9, FN(pio_b), "start"), -EEXIST);
	assert_names(t, "start", "first");
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x10f, 4, FN(pio_b), "end"), -EEXIST);
	assert_names(t, "end", "first");
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x104, 1, FN(pio_b), "inside"), -EEXIST);
	assert_names(t, "inside", "first");
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0, 0x1000, FN(pio_b), "around"), -EEXIST);
	assert_names(t, "around", "first");
	assert_non_null(strstr(last_log, t->error));
	/* refusals left the table as it was */
	assert_int_equal(t->kinds[PVN_ICPT_PIO].nr, 1);
	assert_owner(t, PVN_ICPT_PIO, 0xff, NULL);
	assert_owner(t, PVN_ICPT_PIO, 0x110, NULL);

	/* a range spanning two claims names the first one it meets */
	assert_int_equal(claim(t, PVN_ICPT_MSR, 0x10, 1, FN(msr_a), "msr-10"), 0);
	assert_int_equal(claim(t, PVN_ICPT_MSR, 0x20, 1, FN(msr_a), "msr-20"), 0);
	assert_int_equal(claim(t, PVN_ICPT_MSR, 0x15, 0x10, FN(msr_a), "msr-x"), -EEXIST);
	assert_names(t, "msr-x", "msr-20");
	assert_int_equal(claim(t, PVN_ICPT_MSR, 0x11, 0xf, FN(msr_a), "msr-gap"), 0);
	assert_int_equal(t->kinds[PVN_ICPT_MSR].nr, 3);
}

static void test_adjacent_and_lookup_edges(void **state)
{
	struct fixture *f = *state;
	struct pvn_intercepts *t = &f->t;

	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x200, 4, FN(pio_a), "mid"), 0);
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x204, 4, FN(pio_b), "after"), 0);
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x1fc, 4, FN(pio_b), "before"), 0);
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x300, 1, FN(pio_a), "single"), 0);
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0, 1, FN(pio_a), "port0"), 0);
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0xffff, 1, FN(pio_a), "top"), 0);
	assert_owner(t, PVN_ICPT_PIO, 0x1fb, NULL);
	assert_owner(t, PVN_ICPT_PIO, 0x1fc, "before");
	assert_owner(t, PVN_ICPT_PIO, 0x1ff, "before");
	assert_owner(t, PVN_ICPT_PIO, 0x200, "mid");
	assert_owner(t, PVN_ICPT_PIO, 0x203, "mid");
	assert_owner(t, PVN_ICPT_PIO, 0x204, "after");
	assert_owner(t, PVN_ICPT_PIO, 0x207, "after");
	assert_owner(t, PVN_ICPT_PIO, 0x208, NULL);
	assert_owner(t, PVN_ICPT_PIO, 0x2ff, NULL);
	assert_owner(t, PVN_ICPT_PIO, 0x300, "single");
	assert_owner(t, PVN_ICPT_PIO, 0x301, NULL);
	assert_owner(t, PVN_ICPT_PIO, 0, "port0");
	assert_owner(t, PVN_ICPT_PIO, 1, NULL);
	assert_owner(t, PVN_ICPT_PIO, 0xfffe, NULL);
	assert_owner(t, PVN_ICPT_PIO, 0xffff, "top");
	assert_owner(t, PVN_ICPT_PIO, 0x10000, NULL);
	assert_owner(t, PVN_ICPT_PIO, UINT64_MAX, NULL);
	/* the list stays sorted and disjoint whatever the claim order */
	const struct pvn_icpt_list *l = &t->kinds[PVN_ICPT_PIO];
	assert_int_equal(l->nr, 6);
	for (size_t i = 1; i < l->nr; i++)
		assert_true(l->e[i - 1].last < l->e[i].first);
	/* lookups in an empty kind */
	assert_owner(t, PVN_ICPT_HCALL, 0, NULL);
}

static void test_many_claims(void **state)
{
	struct fixture *f = *state;
	struct pvn_intercepts *t = &f->t;
	char name[32];

	/* more than the initial capacity, claimed in a scrambled order */
	for (unsigned i = 0; i < 100; i++) {
		unsigned k = (i * 37) % 100;
		snprintf(name, sizeof(name), "msr%u", k);
		assert_int_equal(pvn_icpt_claim(t, PVN_ICPT_MSR, 0xc0000000u + 4 * k, 2, FN(msr_a),
						NULL, name),
				 0);
	}
	for (unsigned k = 0; k < 100; k++) {
		snprintf(name, sizeof(name), "msr%u", k);
		const struct pvn_icpt *e = pvn_icpt_lookup(t, PVN_ICPT_MSR, 0xc0000000u + 4 * k + 1);
		assert_non_null(e);
		assert_string_equal(e->owner, name);
		assert_null(pvn_icpt_lookup(t, PVN_ICPT_MSR, 0xc0000000u + 4 * k + 2));
	}
}

static void test_sealed(void **state)
{
	struct fixture *f = *state;
	struct pvn_intercepts *t = &f->t;

	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x60, 1, FN(pio_a), "kbd"), 0);
	t->sealed = true;
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x70, 2, FN(pio_a), "late-plugin"), -EPERM);
	assert_non_null(strstr(t->error, "'late-plugin'"));
	assert_int_equal(claim(t, PVN_ICPT_MMIO, 0xfed00000, 0x1000, FN(mmio_a), "late-mmio"),
			 -EPERM);
	assert_int_equal(claim(t, PVN_ICPT_MSR, 0x10, 1, FN(msr_a), "late-msr"), -EPERM);
	assert_owner(t, PVN_ICPT_PIO, 0x70, NULL);
	assert_owner(t, PVN_ICPT_PIO, 0x60, "kbd");
	/* the refused MMIO claim did not reach the memory map either */
	assert_null(pvn_mem_find(&f->mem, 0xfed00000, PVN_MEM_MMIO));
}

static void test_out_of_range(void **state)
{
	struct fixture *f = *state;
	struct pvn_intercepts *t = &f->t;

	assert_int_equal(claim(t, PVN_ICPT_PIO, 0xffff, 2, FN(pio_a), "p"), -EINVAL);
	assert_non_null(strstr(t->error, "'p'"));
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x10000, 1, FN(pio_a), "p"), -EINVAL);
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x100, 0, FN(pio_a), "p"), -EINVAL);
	assert_non_null(strstr(t->error, "empty"));
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0, 0x10001, FN(pio_a), "p"), -EINVAL);
	assert_int_equal(claim(t, PVN_ICPT_PIO, 1, UINT64_MAX, FN(pio_a), "p"), -EINVAL);
	assert_int_equal(claim(t, PVN_ICPT_MSR, 0xffffffffULL, 2, FN(msr_a), "m"), -EINVAL);
	assert_int_equal(claim(t, PVN_ICPT_MSR, 0x100000000ULL, 1, FN(msr_a), "m"), -EINVAL);
	assert_int_equal(claim(t, PVN_ICPT_CPUID, 0, 0x100000001ULL, FN(cpuid_a), "c"), -EINVAL);
	assert_int_equal(claim(t, PVN_ICPT_HCALL, 0xffff, 2, FN(hcall_a), "h"), -EINVAL);
	assert_int_equal(claim(t, PVN_ICPT_MMIO, 1ULL << 52, 1, FN(mmio_a), "io"), -EINVAL);
	assert_int_equal(claim(t, PVN_ICPT_MMIO, UINT64_MAX, 2, FN(mmio_a), "io"), -EINVAL);
	for (int k = 0; k < PVN_ICPT__COUNT; k++)
		assert_int_equal(t->kinds[k].nr, 0);
	/* bad arguments */
	assert_int_equal(claim(t, PVN_ICPT__COUNT, 0, 1, FN(pio_a), "x"), -EINVAL);
	assert_int_equal(pvn_icpt_claim(t, PVN_ICPT_PIO, 0, 1, NULL, NULL, "x"), -EINVAL);
	assert_int_equal(pvn_icpt_claim(t, PVN_ICPT_PIO, 0, 1, FN(pio_a), NULL, NULL), -EINVAL);
	assert_int_equal(pvn_icpt_claim(t, PVN_ICPT_PIO, 0, 1, FN(pio_a), NULL, ""), -EINVAL);
	/* the last element of each space is claimable */
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0xfffe, 2, FN(pio_a), "p"), 0);
	assert_int_equal(claim(t, PVN_ICPT_MSR, 0xffffffffULL, 1, FN(msr_a), "m"), 0);
	assert_int_equal(claim(t, PVN_ICPT_HCALL, 0xffff, 1, FN(hcall_a), "h"), 0);
	assert_int_equal(claim(t, PVN_ICPT_MMIO, (1ULL << 52) - 1, 1, FN(mmio_a), "io"), 0);
	/* and a whole space at once */
	assert_int_equal(claim(t, PVN_ICPT_CPUID, 0, 0x100000000ULL, FN(cpuid_a), "all"), 0);
	assert_owner(t, PVN_ICPT_CPUID, 0xffffffffULL, "all");
	assert_owner(t, PVN_ICPT_CPUID, 0, "all");
}

static void test_mmio_in_memory_map(void **state)
{
	struct fixture *f = *state;
	struct pvn_intercepts *t = &f->t;
	const struct pvn_mem_range *r;

	assert_int_equal(pvn_mem_add_ram(&f->mem, 0, 1 << 20, PVN_VTL0 | PVN_VTL2, "ram-low"), 0);
	assert_int_equal(claim(t, PVN_ICPT_MMIO, 0xfed40000, 0x5000, FN(mmio_a), "tpm"), 0);
	r = pvn_mem_find(&f->mem, 0xfed44fff, PVN_MEM_MMIO);
	assert_non_null(r);
	assert_string_equal(r->owner, "tpm");
	assert_int_equal(r->gpa, 0xfed40000);
	assert_int_equal(r->size, 0x5000);
	/* over RAM: refused by the memory map, both named, nothing recorded */
	assert_int_equal(claim(t, PVN_ICPT_MMIO, 0xff000, 0x2000, FN(mmio_a), "bad-dev"), -EEXIST);
	assert_names(t, "bad-dev", "ram-low");
	assert_owner(t, PVN_ICPT_MMIO, 0xff000, NULL);
	assert_owner(t, PVN_ICPT_MMIO, 0x100000, NULL);
	assert_null(pvn_mem_find(&f->mem, 0x100000, PVN_MEM_MMIO));
	/* over an MMIO range someone put in the map directly (the irqchip) */
	assert_int_equal(pvn_mem_add_mmio(&f->mem, 0xfee00000, 0x100000, "lapic"), 0);
	assert_int_equal(claim(t, PVN_ICPT_MMIO, 0xfeef0000, 0x1000, FN(mmio_a), "dev2"), -EEXIST);
	assert_names(t, "dev2", "lapic");
	assert_int_equal(t->kinds[PVN_ICPT_MMIO].nr, 1);
	/* a table without a memory map takes MMIO claims on its own */
	struct pvn_intercepts lone;
	pvn_icpt_init(&lone, NULL);
	assert_int_equal(claim(&lone, PVN_ICPT_MMIO, 0, 0x1000, FN(mmio_a), "dev"), 0);
	assert_owner(&lone, PVN_ICPT_MMIO, 0xfff, "dev");
	pvn_icpt_destroy(&lone);
}

static void test_release_owner(void **state)
{
	struct fixture *f = *state;
	struct pvn_intercepts *t = &f->t;

	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x100, 4, FN(pio_a), "plugin-a"), 0);
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x104, 4, FN(pio_a), "plugin-b"), 0);
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x108, 4, FN(pio_a), "plugin-a"), 0);
	assert_int_equal(claim(t, PVN_ICPT_MSR, 0x10, 1, FN(msr_a), "plugin-a"), 0);
	assert_int_equal(claim(t, PVN_ICPT_CPUID, 0x40000000, 1, FN(cpuid_a), "plugin-a"), 0);
	assert_int_equal(claim(t, PVN_ICPT_HCALL, 0x1, 1, FN(hcall_a), "plugin-b"), 0);

	pvn_icpt_release_owner(t, "plugin-a");
	assert_owner(t, PVN_ICPT_PIO, 0x100, NULL);
	assert_owner(t, PVN_ICPT_PIO, 0x10b, NULL);
	assert_owner(t, PVN_ICPT_PIO, 0x104, "plugin-b");
	assert_owner(t, PVN_ICPT_MSR, 0x10, NULL);
	assert_owner(t, PVN_ICPT_CPUID, 0x40000000, NULL);
	assert_owner(t, PVN_ICPT_HCALL, 0x1, "plugin-b");
	assert_int_equal(t->kinds[PVN_ICPT_PIO].nr, 1);
	/* what was released can be claimed again */
	assert_int_equal(claim(t, PVN_ICPT_PIO, 0x100, 4, FN(pio_b), "plugin-c"), 0);
	assert_int_equal(claim(t, PVN_ICPT_MSR, 0x10, 1, FN(msr_a), "plugin-c"), 0);
	assert_owner(t, PVN_ICPT_PIO, 0x103, "plugin-c");
	/* an owner with nothing claimed, and a second release, change nothing */
	pvn_icpt_release_owner(t, "nobody");
	pvn_icpt_release_owner(t, "plugin-a");
	assert_int_equal(t->kinds[PVN_ICPT_PIO].nr, 2);
	/* the list is still sorted and lookups still work after compaction */
	assert_owner(t, PVN_ICPT_PIO, 0x107, "plugin-b");
	assert_owner(t, PVN_ICPT_PIO, 0x108, NULL);
	pvn_icpt_release_owner(t, "plugin-b");
	pvn_icpt_release_owner(t, "plugin-c");
	for (int k = 0; k < PVN_ICPT__COUNT; k++)
		assert_int_equal(t->kinds[k].nr, 0);
}

/* A released MMIO claim leaves the memory map too, so it can be claimed again. */
static void test_release_owner_mmio(void **state)
{
	struct fixture *f = *state;
	struct pvn_intercepts *t = &f->t;

	assert_int_equal(claim(t, PVN_ICPT_MMIO, 0xd0000000, 0x1000, FN(mmio_a), "plugin-a"), 0);
	assert_non_null(pvn_mem_find(t->mem, 0xd0000000, PVN_MEM_MMIO));
	pvn_icpt_release_owner(t, "plugin-a");
	assert_null(pvn_mem_find(t->mem, 0xd0000000, PVN_MEM_MMIO));
	assert_int_equal(claim(t, PVN_ICPT_MMIO, 0xd0000000, 0x1000, FN(mmio_a), "plugin-b"), 0);
	assert_owner(t, PVN_ICPT_MMIO, 0xd0000fff, "plugin-b");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_claim_each_kind),
		T(test_overlap_refused),
		T(test_adjacent_and_lookup_edges),
		T(test_many_claims),
		T(test_sealed),
		T(test_release_owner_mmio),
		T(test_out_of_range),
		T(test_mmio_in_memory_map),
		T(test_release_owner),
	};
	pvn_log_set_sink(capture, NULL);
	return cmocka_run_group_tests_name("intercept", tests, NULL, NULL);
}
