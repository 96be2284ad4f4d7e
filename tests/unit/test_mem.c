/* SPDX-License-Identifier: MIT */
/*
 * The guest physical memory map (runtime/mem): which overlaps are refused
 * (with both owners named), exact boundaries, and the checked translations
 * that every guest-supplied address goes through. The map allocates its RAM
 * with mmap itself, so no hypervisor is needed.
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

#define MiB (1ULL << 20)
#define VTLS (PVN_VTL0 | PVN_VTL2)

/* The last error logged, so refusals can be checked to be logged too. */
static char last_log[512];
static unsigned nr_logged;

static void capture(void *opaque, enum pvn_log_level lvl, const char *msg)
{
	(void)opaque;
	(void)lvl;
	snprintf(last_log, sizeof(last_log), "%s", msg);
	nr_logged++;
}

static int setup(void **state)
{
	static struct pvn_memmap m;
	pvn_mem_init(&m);
	last_log[0] = 0;
	nr_logged = 0;
	*state = &m;
	return 0;
}

static int teardown(void **state)
{
	pvn_mem_destroy(*state);
	return 0;
}

/* Assert that the last refusal named both owners and was logged. */
static void assert_names(const struct pvn_memmap *m, const char *a, const char *b)
{
	char qa[64], qb[64];
	snprintf(qa, sizeof(qa), "'%s'", a);
	snprintf(qb, sizeof(qb), "'%s'", b);
	if (!strstr(m->error, qa) || !strstr(m->error, qb))
		fail_msg("error \"%s\" does not name both %s and %s", m->error, qa, qb);
	if (!strstr(last_log, m->error))
		fail_msg("refusal \"%s\" was not logged (last log: \"%s\")", m->error, last_log);
}

/* ---- overlaps of every pair of kinds ---- */

static void test_ram_ram_overlap(void **state)
{
	struct pvn_memmap *m = *state;
	assert_int_equal(pvn_mem_add_ram(m, 0, 4 * MiB, VTLS, "ram-a"), 0);
	assert_int_equal(pvn_mem_add_ram(m, 2 * MiB, 4 * MiB, VTLS, "ram-b"), -EEXIST);
	assert_names(m, "ram-b", "ram-a");
	/* contained, containing, ending inside */
	assert_int_equal(pvn_mem_add_ram(m, MiB, PVN_PAGE_SIZE, VTLS, "ram-c"), -EEXIST);
	assert_names(m, "ram-c", "ram-a");
	assert_int_equal(pvn_mem_add_ram(m, 0, 8 * MiB, VTLS, "ram-d"), -EEXIST);
	assert_int_equal(pvn_mem_add_ram(m, 4 * MiB - PVN_PAGE_SIZE, 2 * PVN_PAGE_SIZE, VTLS, "ram-e"),
			 -EEXIST);
	assert_names(m, "ram-e", "ram-a");
	assert_int_equal(m->nr, 1);
}

static void test_ram_mmio_overlap(void **state)
{
	struct pvn_memmap *m = *state;
	assert_int_equal(pvn_mem_add_ram(m, 0, MiB, VTLS, "ram"), 0);
	assert_int_equal(pvn_mem_add_mmio(m, 0x8000, 0x10, "uart-mmio"), -EEXIST);
	assert_names(m, "uart-mmio", "ram");
	assert_true(strstr(m->error, "MMIO") && strstr(m->error, "RAM"));
	/* and the other way round: RAM over existing MMIO */
	assert_int_equal(pvn_mem_add_mmio(m, 2 * MiB, 0x1000, "dev"), 0);
	assert_int_equal(pvn_mem_add_ram(m, MiB, 2 * MiB, VTLS, "ram2"), -EEXIST);
	assert_names(m, "ram2", "dev");
	assert_int_equal(m->nr, 2);
}

static void test_mmio_mmio_overlap(void **state)
{
	struct pvn_memmap *m = *state;
	assert_int_equal(pvn_mem_add_mmio(m, 0xfed00000, 0x400, "hpet"), 0);
	assert_int_equal(pvn_mem_add_mmio(m, 0xfed003ff, 0x400, "tpm"), -EEXIST);
	assert_names(m, "tpm", "hpet");
	assert_int_equal(pvn_mem_add_mmio(m, 0xfecfffff, 2, "tpm"), -EEXIST);
	assert_names(m, "tpm", "hpet");
	assert_int_equal(m->nr, 1);
}

static void test_reserved_mmio_overlap(void **state)
{
	struct pvn_memmap *m = *state;
	assert_int_equal(pvn_mem_add_mmio(m, 0xfee00000, 0x100000, "lapic"), 0);
	assert_int_equal(pvn_mem_add_reserved(m, 0xfeeff000, 0x2000, "fw-pages"), -EEXIST);
	assert_names(m, "fw-pages", "lapic");
	/* MMIO over an existing reservation */
	assert_int_equal(pvn_mem_add_reserved(m, 0xfffbc000, 0x4000, "hypervisor-tss"), 0);
	assert_int_equal(pvn_mem_add_mmio(m, 0xfffbf000, 0x10, "rom"), -EEXIST);
	assert_names(m, "rom", "hypervisor-tss");
	assert_int_equal(m->nr, 2);
}

static void test_reserved_reserved_overlap(void **state)
{
	struct pvn_memmap *m = *state;
	assert_int_equal(pvn_mem_add_reserved(m, 0x1000, 0x7000, "boot-structures"), 0);
	assert_int_equal(pvn_mem_add_reserved(m, 0x7fff, 1, "igvm-params"), -EEXIST);
	assert_names(m, "igvm-params", "boot-structures");
	assert_int_equal(m->nr, 1);
}

static void test_reserved_inside_ram_allowed(void **state)
{
	struct pvn_memmap *m = *state;
	const struct pvn_mem_range *r;

	assert_int_equal(pvn_mem_add_ram(m, 0, 16 * MiB, VTLS, "ram"), 0);
	assert_int_equal(pvn_mem_add_reserved(m, 0x1000, 0x7000, "boot-structures"), 0);
	/* one starting at the very start of RAM, one ending at its very end */
	assert_int_equal(pvn_mem_add_reserved(m, 0, 0x1000, "real-mode-ivt"), 0);
	assert_int_equal(pvn_mem_add_reserved(m, 16 * MiB - 1, 1, "last-byte"), 0);
	/* RAM added over an existing reservation is allowed as well */
	assert_int_equal(pvn_mem_add_reserved(m, 32 * MiB, 0x1000, "early"), 0);
	assert_int_equal(pvn_mem_add_ram(m, 32 * MiB, MiB, VTLS, "ram-high"), 0);
	assert_int_equal(m->nr, 6);
	/* RAM is still RAM under the reservations */
	r = pvn_mem_find(m, 0x2000, PVN_MEM_RAM);
	assert_non_null(r);
	assert_string_equal(r->owner, "ram");
	r = pvn_mem_find(m, 0, PVN_MEM_RAM);
	assert_non_null(r);
	assert_string_equal(r->owner, "ram");
	r = pvn_mem_find(m, 32 * MiB, PVN_MEM_RAM);
	assert_non_null(r);
	assert_string_equal(r->owner, "ram-high");
	assert_non_null(pvn_mem_gpa_to_hva(m, 0, 16 * MiB, PVN_VTL0));
	/* but MMIO may not go over a reservation inside RAM, nor over the RAM */
	assert_int_equal(pvn_mem_add_mmio(m, 0x1000, 0x10, "dev"), -EEXIST);
}

/* ---- exact boundaries ---- */

static void test_adjacent_ok_one_byte_refused(void **state)
{
	struct pvn_memmap *m = *state;
	assert_int_equal(pvn_mem_add_ram(m, MiB, MiB, VTLS, "ram"), 0);
	/* RAM right before and right after */
	assert_int_equal(pvn_mem_add_ram(m, 0, MiB, VTLS, "ram-before"), 0);
	assert_int_equal(pvn_mem_add_mmio(m, 2 * MiB, 0x1000, "mmio-after"), 0);
	/* MMIO ending exactly where something starts, and one byte too far */
	assert_int_equal(pvn_mem_add_mmio(m, 2 * MiB + 0x1000, 0x10, "mmio-2"), 0);
	assert_int_equal(pvn_mem_add_mmio(m, 2 * MiB + 0x1010, 0x10, "mmio-3"), 0);
	assert_int_equal(pvn_mem_add_mmio(m, 2 * MiB + 0x100f, 1, "mmio-x"), -EEXIST);
	assert_names(m, "mmio-x", "mmio-2");
	assert_int_equal(pvn_mem_add_mmio(m, 2 * MiB + 0x1020, 0x10, "mmio-4"), 0);
	/* one byte into RAM from below and from above */
	assert_int_equal(pvn_mem_add_mmio(m, 2 * MiB - 1, 1, "mmio-y"), -EEXIST);
	assert_names(m, "mmio-y", "ram");
	assert_int_equal(pvn_mem_add_reserved(m, 2 * MiB + 0x2000, 0x1000, "res"), 0);
	assert_int_equal(pvn_mem_add_reserved(m, 2 * MiB + 0x102f, 1, "res-x"), -EEXIST);
	assert_names(m, "res-x", "mmio-4");
	assert_int_equal(pvn_mem_add_reserved(m, 2 * MiB + 0x2fff, 2, "res-y"), -EEXIST);
	assert_names(m, "res-y", "res");
	assert_int_equal(pvn_mem_add_reserved(m, 2 * MiB + 0x3000, 2, "res-z"), 0);
	assert_int_equal(m->nr, 8);
	/* sorted by address */
	for (size_t i = 1; i < m->nr; i++)
		assert_true(m->ranges[i - 1].gpa <= m->ranges[i].gpa);
}

static void test_ram_alignment(void **state)
{
	struct pvn_memmap *m = *state;
	assert_int_equal(pvn_mem_add_ram(m, 0x800, MiB, VTLS, "ram"), -EINVAL);
	assert_non_null(strstr(m->error, "aligned"));
	assert_int_equal(pvn_mem_add_ram(m, 0, MiB + 1, VTLS, "ram"), -EINVAL);
	assert_int_equal(pvn_mem_add_ram(m, 1, PVN_PAGE_SIZE, VTLS, "ram"), -EINVAL);
	assert_int_equal(m->nr, 0);
	assert_int_equal(pvn_mem_add_ram(m, 0, PVN_PAGE_SIZE, VTLS, "ram"), 0);
	/* no VTL at all */
	assert_int_equal(pvn_mem_add_ram(m, MiB, PVN_PAGE_SIZE, 0, "nobody"), -EINVAL);
	/* MMIO and reservations are byte-granular */
	assert_int_equal(pvn_mem_add_mmio(m, 0x10001, 3, "odd"), 0);
	assert_int_equal(pvn_mem_add_reserved(m, 0x20003, 5, "odd-res"), 0);
	assert_int_equal(m->nr, 3);
}

static void test_zero_size(void **state)
{
	struct pvn_memmap *m = *state;
	/* RAM of size 0 is refused as empty, before anything is allocated. */
	assert_int_equal(pvn_mem_add_ram(m, 0, 0, VTLS, "ram"), -EINVAL);
	assert_non_null(strstr(m->error, "empty"));
	assert_int_equal(pvn_mem_add_mmio(m, 0x1000, 0, "mmio"), -EINVAL);
	assert_non_null(strstr(m->error, "empty"));
	assert_int_equal(pvn_mem_add_reserved(m, 0x1000, 0, "res"), -EINVAL);
	assert_non_null(strstr(m->error, "'res'"));
	assert_int_equal(m->nr, 0);
	/* inside an existing range, too */
	assert_int_equal(pvn_mem_add_ram(m, 0, MiB, VTLS, "ram"), 0);
	assert_true(pvn_mem_add_ram(m, 0x1000, 0, VTLS, "ram0") < 0);
	assert_int_equal(pvn_mem_add_reserved(m, 0x1000, 0, "res"), -EINVAL);
	assert_int_equal(m->nr, 1);
}

static void test_wrapping_ranges(void **state)
{
	struct pvn_memmap *m = *state;
	assert_int_equal(pvn_mem_add_mmio(m, UINT64_MAX - 0xff, 0x200, "wrap"), -EINVAL);
	assert_non_null(strstr(m->error, "wraps"));
	assert_int_equal(pvn_mem_add_mmio(m, 0x1000, UINT64_MAX, "wrap"), -EINVAL);
	assert_int_equal(pvn_mem_add_reserved(m, UINT64_MAX, 1, "top"), -EINVAL);
	assert_int_equal(pvn_mem_add_ram(m, 0xfffffffffffff000ULL, 0x2000, VTLS, "wrap"), -EINVAL);
	/* beyond the 52-bit physical address space, and exactly up to its end */
	assert_int_equal(pvn_mem_add_mmio(m, 1ULL << 52, 0x1000, "high"), -EINVAL);
	assert_int_equal(pvn_mem_add_mmio(m, (1ULL << 52) - 0x1000, 0x1001, "high"), -EINVAL);
	assert_int_equal(m->nr, 0);
	assert_int_equal(pvn_mem_add_mmio(m, (1ULL << 52) - 0x1000, 0x1000, "top"), 0);
	/* a wrapping range must not be taken as "no overlap" with the top range */
	assert_int_equal(pvn_mem_add_mmio(m, (1ULL << 52) - 0x800, UINT64_MAX - 0x100, "w2"),
			 -EINVAL);
	assert_int_equal(m->nr, 1);
}

/* ---- translation ---- */

static void test_gpa_to_hva_bounds(void **state)
{
	struct pvn_memmap *m = *state;
	uint8_t *base, *p;

	assert_int_equal(pvn_mem_add_ram(m, 0, MiB, VTLS, "ram-low"), 0);
	assert_int_equal(pvn_mem_add_ram(m, MiB, MiB, VTLS, "ram-next"), 0);
	assert_int_equal(pvn_mem_add_ram(m, 4 * MiB, MiB, VTLS, "ram-far"), 0);
	base = pvn_mem_gpa_to_hva(m, 0, MiB, PVN_VTL0);
	assert_non_null(base);
	assert_ptr_equal(base, m->ranges[0].hva);
	p = pvn_mem_gpa_to_hva(m, MiB - 1, 1, PVN_VTL0);
	assert_ptr_equal(p, base + MiB - 1);
	/* the whole range, but not a byte more */
	assert_null(pvn_mem_gpa_to_hva(m, 0, MiB + 1, PVN_VTL0));
	assert_null(pvn_mem_gpa_to_hva(m, MiB - 1, 2, PVN_VTL0));
	/* crossing into the adjacent RAM range: two host mappings, refused */
	assert_null(pvn_mem_gpa_to_hva(m, MiB - 8, 16, PVN_VTL0));
	/* starting in RAM and ending in the hole after it */
	assert_null(pvn_mem_gpa_to_hva(m, 2 * MiB - 0x10, 0x20, PVN_VTL0));
	assert_null(pvn_mem_gpa_to_hva(m, 5 * MiB - 1, 2, PVN_VTL2));
	/* in the hole */
	assert_null(pvn_mem_gpa_to_hva(m, 2 * MiB, 1, PVN_VTL0));
	assert_null(pvn_mem_gpa_to_hva(m, 4 * MiB - 1, 1, PVN_VTL0));
	assert_non_null(pvn_mem_gpa_to_hva(m, 4 * MiB, 1, PVN_VTL0));
	/* size 0 */
	assert_null(pvn_mem_gpa_to_hva(m, 0x1000, 0, PVN_VTL0));
	/* wrapping around 2^64, from inside RAM and from the top */
	assert_null(pvn_mem_gpa_to_hva(m, 0x1000, UINT64_MAX, PVN_VTL0));
	assert_null(pvn_mem_gpa_to_hva(m, 0x1000, UINT64_MAX - 0xfff, PVN_VTL0));
	assert_null(pvn_mem_gpa_to_hva(m, 0x1000, UINT64_MAX - 0x1000, PVN_VTL0));
	assert_null(pvn_mem_gpa_to_hva(m, UINT64_MAX, 2, PVN_VTL0));
	assert_null(pvn_mem_gpa_to_hva(m, UINT64_MAX, 1, PVN_VTL0));
	/* the pointer really is the guest's memory */
	memcpy(base + 0x1234, "abc", 3);
	char buf[3];
	assert_int_equal(pvn_mem_read(m, PVN_VTL0, 0x1234, buf, 3), 0);
	assert_memory_equal(buf, "abc", 3);
}

static void test_gpa_to_hva_vtl2_private(void **state)
{
	struct pvn_memmap *m = *state;
	uint8_t *p;

	assert_int_equal(pvn_mem_add_ram(m, 0, MiB, VTLS, "ram"), 0);
	assert_int_equal(pvn_mem_add_ram(m, MiB, MiB, PVN_VTL2, "vtl2-private"), 0);
	assert_null(pvn_mem_gpa_to_hva(m, MiB, 0x1000, PVN_VTL0));
	assert_null(pvn_mem_gpa_to_hva(m, 2 * MiB - 1, 1, PVN_VTL0));
	p = pvn_mem_gpa_to_hva(m, MiB, 0x1000, PVN_VTL2);
	assert_non_null(p);
	assert_ptr_equal(p, m->ranges[1].hva);
	assert_non_null(pvn_mem_gpa_to_hva(m, 2 * MiB - 1, 1, PVN_VTL2));
	/* VTL0 RAM stays accessible to VTL2 */
	assert_non_null(pvn_mem_gpa_to_hva(m, 0, MiB, PVN_VTL2));
	/* a VTL0-only range is not VTL2's */
	assert_int_equal(pvn_mem_add_ram(m, 8 * MiB, MiB, PVN_VTL0, "vtl0-only"), 0);
	assert_null(pvn_mem_gpa_to_hva(m, 8 * MiB, 1, PVN_VTL2));
	assert_non_null(pvn_mem_gpa_to_hva(m, 8 * MiB, 1, PVN_VTL0));
}

static void test_gpa_to_hva_not_ram(void **state)
{
	struct pvn_memmap *m = *state;
	assert_int_equal(pvn_mem_add_mmio(m, 0xfee00000, 0x1000, "lapic"), 0);
	assert_int_equal(pvn_mem_add_reserved(m, 0x10000, 0x1000, "res-in-hole"), 0);
	assert_null(pvn_mem_gpa_to_hva(m, 0xfee00000, 4, PVN_VTL0));
	assert_null(pvn_mem_gpa_to_hva(m, 0xfee00000, 4, PVN_VTL2));
	assert_null(pvn_mem_gpa_to_hva(m, 0x10000, 4, PVN_VTL2));
	assert_null(pvn_mem_gpa_to_hva(m, 0, 1, PVN_VTL0));
}

static void test_read_write(void **state)
{
	struct pvn_memmap *m = *state;
	uint8_t buf[32], zero[32] = {0};
	uint64_t v = 0x1122334455667788ULL, w = 0;

	assert_int_equal(pvn_mem_add_ram(m, 0, MiB, VTLS, "ram"), 0);
	assert_int_equal(pvn_mem_add_ram(m, MiB, MiB, PVN_VTL2, "vtl2-private"), 0);
	assert_int_equal(pvn_mem_add_mmio(m, 4 * MiB, 0x1000, "dev"), 0);

	assert_int_equal(pvn_mem_write(m, PVN_VTL0, MiB - 8, &v, 8), 0);
	assert_int_equal(pvn_mem_read(m, PVN_VTL0, MiB - 8, &w, 8), 0);
	assert_int_equal(w, v);

	memset(buf, 0xaa, sizeof(buf));
	/* crossing the end of VTL0 RAM into VTL2-private RAM */
	assert_int_equal(pvn_mem_read(m, PVN_VTL0, MiB - 8, buf, 9), -EFAULT);
	assert_int_equal(pvn_mem_write(m, PVN_VTL0, MiB - 8, zero, 9), -EFAULT);
	/* the refused write changed nothing */
	assert_int_equal(pvn_mem_read(m, PVN_VTL0, MiB - 8, &w, 8), 0);
	assert_int_equal(w, v);
	/* VTL2-private for VTL0 */
	assert_int_equal(pvn_mem_read(m, PVN_VTL0, MiB, buf, 4), -EFAULT);
	assert_int_equal(pvn_mem_write(m, PVN_VTL0, MiB, &v, 8), -EFAULT);
	assert_int_equal(pvn_mem_write(m, PVN_VTL2, MiB, &v, 8), 0);
	assert_int_equal(pvn_mem_read(m, PVN_VTL2, MiB, &w, 8), 0);
	assert_int_equal(w, v);
	/* holes, MMIO, the end of the address space */
	assert_int_equal(pvn_mem_read(m, PVN_VTL2, 2 * MiB, buf, 1), -EFAULT);
	assert_int_equal(pvn_mem_read(m, PVN_VTL2, 2 * MiB - 1, buf, 2), -EFAULT);
	assert_int_equal(pvn_mem_read(m, PVN_VTL0, 4 * MiB, buf, 4), -EFAULT);
	assert_int_equal(pvn_mem_write(m, PVN_VTL0, 4 * MiB, &v, 4), -EFAULT);
	assert_int_equal(pvn_mem_read(m, PVN_VTL0, UINT64_MAX - 3, buf, 8), -EFAULT);
	/* the refused reads left the buffer alone */
	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0xaa);
	/* length 0 touches nothing and succeeds anywhere */
	assert_int_equal(pvn_mem_read(m, PVN_VTL0, 4 * MiB, buf, 0), 0);
	assert_int_equal(pvn_mem_write(m, PVN_VTL0, 4 * MiB, buf, 0), 0);
}

/* ---- lookups ---- */

static void test_find(void **state)
{
	struct pvn_memmap *m = *state;
	const struct pvn_mem_range *r;
	char name[32];

	assert_int_equal(pvn_mem_add_ram(m, 0, 2 * MiB, VTLS, "ram"), 0);
	assert_int_equal(pvn_mem_add_reserved(m, 0x1000, 0x7000, "boot"), 0);
	assert_int_equal(pvn_mem_add_reserved(m, 0, 0x1000, "ivt"), 0);
	assert_int_equal(pvn_mem_add_reserved(m, 3 * MiB, 0x1000, "res-in-hole"), 0);
	/* many MMIO ranges so the binary search has work to do */
	for (unsigned i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "dev%u", i);
		assert_int_equal(pvn_mem_add_mmio(m, 0x80000000ULL + i * 0x2000, 0x1000, name), 0);
	}
	/* first and last byte of RAM, one past, and under reservations */
	r = pvn_mem_find(m, 0, PVN_MEM_RAM);
	assert_non_null(r);
	assert_string_equal(r->owner, "ram");
	r = pvn_mem_find(m, 2 * MiB - 1, PVN_MEM_RAM);
	assert_non_null(r);
	assert_string_equal(r->owner, "ram");
	assert_null(pvn_mem_find(m, 2 * MiB, PVN_MEM_RAM));
	assert_non_null(pvn_mem_find(m, 0x7fff, PVN_MEM_RAM));
	/* kinds do not mix */
	assert_null(pvn_mem_find(m, 0x1000, PVN_MEM_MMIO));
	assert_null(pvn_mem_find(m, 0x80000000ULL, PVN_MEM_RAM));
	/* a reservation in a hole is not RAM */
	assert_null(pvn_mem_find(m, 3 * MiB, PVN_MEM_RAM));
	assert_null(pvn_mem_find(m, 3 * MiB, PVN_MEM_MMIO));
	r = pvn_mem_find(m, 3 * MiB + 0xfff, PVN_MEM_RESERVED);
	assert_non_null(r);
	assert_string_equal(r->owner, "res-in-hole");
	assert_null(pvn_mem_find(m, 3 * MiB + 0x1000, PVN_MEM_RESERVED));
	/* reservations: first and last byte, and between two of them */
	r = pvn_mem_find(m, 0xfff, PVN_MEM_RESERVED);
	assert_non_null(r);
	assert_string_equal(r->owner, "ivt");
	r = pvn_mem_find(m, 0x1000, PVN_MEM_RESERVED);
	assert_non_null(r);
	assert_string_equal(r->owner, "boot");
	r = pvn_mem_find(m, 0x7fff, PVN_MEM_RESERVED);
	assert_non_null(r);
	assert_string_equal(r->owner, "boot");
	assert_null(pvn_mem_find(m, 0x8000, PVN_MEM_RESERVED));
	/* every MMIO range at its first and last byte; the gaps between are holes */
	for (unsigned i = 0; i < 40; i++) {
		uint64_t base = 0x80000000ULL + i * 0x2000;
		snprintf(name, sizeof(name), "dev%u", i);
		r = pvn_mem_find(m, base, PVN_MEM_MMIO);
		assert_non_null(r);
		assert_string_equal(r->owner, name);
		r = pvn_mem_find(m, base + 0xfff, PVN_MEM_MMIO);
		assert_non_null(r);
		assert_string_equal(r->owner, name);
		assert_null(pvn_mem_find(m, base + 0x1000, PVN_MEM_MMIO));
		assert_null(pvn_mem_find(m, base - 1, PVN_MEM_MMIO));
	}
	/* below everything and above everything */
	assert_null(pvn_mem_find(m, UINT64_MAX, PVN_MEM_MMIO));
	assert_null(pvn_mem_find(m, UINT64_MAX, PVN_MEM_RESERVED));
}

static void test_find_empty_map(void **state)
{
	struct pvn_memmap *m = *state;
	assert_null(pvn_mem_find(m, 0, PVN_MEM_RAM));
	assert_null(pvn_mem_find(m, 0, PVN_MEM_RESERVED));
	assert_null(pvn_mem_gpa_to_hva(m, 0, 1, PVN_VTL0));
}

/* ---- loaders ---- */

static void test_check_loadable(void **state)
{
	struct pvn_memmap *m = *state;

	assert_int_equal(pvn_mem_add_ram(m, 0, 16 * MiB, VTLS, "ram"), 0);
	assert_int_equal(pvn_mem_add_ram(m, 16 * MiB, MiB, PVN_VTL2, "vtl2-private"), 0);
	assert_int_equal(pvn_mem_add_reserved(m, 0x1000, 0x7000, "boot-structures"), 0);

	assert_int_equal(pvn_mem_check_loadable(m, MiB, MiB, PVN_VTL0, "kernel"), 0);
	/* ends exactly where the reservation starts / starts where it ends */
	assert_int_equal(pvn_mem_check_loadable(m, 0, 0x1000, PVN_VTL0, "kernel"), 0);
	assert_int_equal(pvn_mem_check_loadable(m, 0x8000, 0x1000, PVN_VTL0, "kernel"), 0);
	/* one byte into it, from either side */
	assert_int_equal(pvn_mem_check_loadable(m, 0, 0x1001, PVN_VTL0, "kernel"), -EEXIST);
	assert_names(m, "kernel", "boot-structures");
	assert_int_equal(pvn_mem_check_loadable(m, 0x7fff, 0x10, PVN_VTL0, "initrd"), -EEXIST);
	assert_names(m, "initrd", "boot-structures");
	/* the owner of a reservation may load into it */
	assert_int_equal(pvn_mem_check_loadable(m, 0x2000, 0x1000, PVN_VTL0, "boot-structures"), 0);
	/* not wholly inside RAM, or not this VTL's */
	assert_int_equal(pvn_mem_check_loadable(m, 16 * MiB - 0x10, 0x20, PVN_VTL0, "kernel"),
			 -EFAULT);
	assert_non_null(strstr(m->error, "'kernel'"));
	assert_int_equal(pvn_mem_check_loadable(m, 16 * MiB, 0x1000, PVN_VTL0, "kernel"), -EFAULT);
	assert_int_equal(pvn_mem_check_loadable(m, 16 * MiB, 0x1000, PVN_VTL2, "vtl2-image"), 0);
	assert_int_equal(pvn_mem_check_loadable(m, 32 * MiB, 0x1000, PVN_VTL0, "kernel"), -EFAULT);
	assert_int_equal(pvn_mem_check_loadable(m, MiB, 0, PVN_VTL0, "kernel"), -EFAULT);
	assert_int_equal(pvn_mem_check_loadable(m, MiB, UINT64_MAX, PVN_VTL0, "kernel"), -EFAULT);
}

static void test_destroy_reinit(void **state)
{
	struct pvn_memmap *m = *state;
	for (int round = 0; round < 3; round++) {
		assert_int_equal(pvn_mem_add_ram(m, 0, 64 * MiB, VTLS, "ram"), 0);
		assert_int_equal(pvn_mem_add_mmio(m, 0xfee00000, 0x1000, "lapic"), 0);
		memset(pvn_mem_gpa_to_hva(m, 0, 64 * MiB, PVN_VTL0), round, 4096);
		pvn_mem_destroy(m);
		assert_int_equal(m->nr, 0);
		assert_null(m->ranges);
		pvn_mem_init(m);
	}
}

static void test_kind_names(void **state)
{
	(void)state;
	assert_string_equal(pvn_mem_kind_name(PVN_MEM_RAM), "RAM");
	assert_string_equal(pvn_mem_kind_name(PVN_MEM_MMIO), "MMIO");
	assert_string_equal(pvn_mem_kind_name(PVN_MEM_RESERVED), "reserved");
	assert_string_equal(pvn_mem_kind_name((enum pvn_mem_kind)42), "?");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_ram_ram_overlap),
		T(test_ram_mmio_overlap),
		T(test_mmio_mmio_overlap),
		T(test_reserved_mmio_overlap),
		T(test_reserved_reserved_overlap),
		T(test_reserved_inside_ram_allowed),
		T(test_adjacent_ok_one_byte_refused),
		T(test_ram_alignment),
		T(test_zero_size),
		T(test_wrapping_ranges),
		T(test_gpa_to_hva_bounds),
		T(test_gpa_to_hva_vtl2_private),
		T(test_gpa_to_hva_not_ram),
		T(test_read_write),
		T(test_find),
		T(test_find_empty_map),
		T(test_check_loadable),
		T(test_destroy_reinit),
		T(test_kind_names),
	};
	pvn_log_set_sink(capture, NULL);
	return cmocka_run_group_tests_name("mem", tests, NULL, NULL);
}
