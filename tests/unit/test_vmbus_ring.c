/* SPDX-License-Identifier: MIT */
/* The host ring code against itself (a writer and a reader on the same
 * memory), flow control and signalling rules, and every violation code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/vmbus/ring.h"

#define PAGES 2
struct rings {
	struct vmbus_ring_control ctl __attribute__((aligned(4096)));
	uint8_t *pages[PAGES];
	struct pvn_vmbus_ring w, r;
};

static struct rings *mk(bool flat)
{
	struct rings *x = aligned_alloc(4096, sizeof(*x));
	uint8_t *f = flat ? aligned_alloc(4096, PAGES * 4096) : NULL;

	memset(x, 0, sizeof(*x));
	for (int i = 0; i < PAGES; i++)
		x->pages[PAGES - 1 - i] = flat ? f + i * 4096 : aligned_alloc(4096, 4096);
	if (flat)
		for (int i = 0; i < PAGES; i++)
			x->pages[i] = f + i * 4096;
	assert_int_equal(pvn_vmbus_ring_init(&x->w, &x->ctl, f, x->pages, PAGES * 4096, true), 0);
	assert_int_equal(pvn_vmbus_ring_init(&x->r, &x->ctl, f, x->pages, PAGES * 4096, false), 0);
	return x;
}

static void rm(struct rings *x, bool flat)
{
	if (flat)
		free(x->pages[0]);
	else
		for (int i = 0; i < PAGES; i++)
			free(x->pages[i]);
	free(x);
}

static void roundtrip(bool flat)
{
	struct rings *x = mk(flat);
	struct pvn_vmbus_pkt p;
	uint8_t tx[1000], rx[1100];
	bool sig;

	for (int i = 0; i < 200; i++) { /* 1 KiB packets wrap an 8 KiB ring often */
		memset(tx, i, sizeof(tx));
		assert_int_equal(pvn_vmbus_ring_write(&x->w, 6, 0, i, NULL, 0, tx, 900 + i % 100,
						      false, &sig), 0);
		assert_true(sig); /* empty -> non-empty */
		assert_int_equal(pvn_vmbus_ring_peek(&x->r, &p), 0);
		assert_int_equal(p.trans_id, (uint64_t)i);
		assert_int_equal(p.offset, 16);
		assert_int_equal(p.data_len, (900 + i % 100 + 7) & ~7);
		assert_int_equal(pvn_vmbus_ring_copy(&x->r, &p, 0, rx, p.len), 0);
		assert_memory_equal(rx + 16, tx, 900 + i % 100);
		assert_int_equal(pvn_vmbus_ring_consume(&x->r, &p, &sig), 0);
		assert_int_equal(pvn_vmbus_ring_peek(&x->r, &p), -EAGAIN);
	}
	rm(x, flat);
}

static void test_roundtrip_flat(void **s)
{
	roundtrip(true);
}

static void test_roundtrip_pages(void **s)
{
	roundtrip(false);
}

static void test_full_and_pending(void **s)
{
	struct rings *x = mk(true);
	struct pvn_vmbus_pkt p;
	uint8_t tx[1000];
	bool sig;
	int n = 0, r;

	memset(tx, 1, sizeof(tx));
	while ((r = pvn_vmbus_ring_write(&x->w, 6, 0, n, NULL, 0, tx, 1000, true, &sig)) == 0) {
		assert_true(n == 0 ? sig : !sig); /* only the first write signals */
		n++;
	}
	assert_int_equal(r, -EAGAIN);
	assert_int_equal(n, 7); /* 1024 bytes each: an 8th would fill the ring exactly */
	assert_int_equal(x->ctl.pending_send_sz, 1024);
	/* The reader (guest) frees space: it must signal once it crosses. */
	x->ctl.feature_bits |= VMBUS_RING_FEAT_PENDING_SEND_SZ;
	assert_int_equal(pvn_vmbus_ring_peek(&x->r, &p), 0);
	assert_int_equal(pvn_vmbus_ring_consume(&x->r, &p, &sig), 0);
	assert_true(sig);
	assert_int_equal(pvn_vmbus_ring_peek(&x->r, &p), 0);
	assert_int_equal(pvn_vmbus_ring_consume(&x->r, &p, &sig), 0);
	assert_false(sig); /* already enough before this read */
	assert_int_equal(pvn_vmbus_ring_write(&x->w, 6, 0, 99, NULL, 0, tx, 1000, true, &sig), 0);
	assert_int_equal(x->ctl.pending_send_sz, 0);
	/* Too big ever. */
	assert_int_equal(pvn_vmbus_ring_write(&x->w, 6, 0, 1, NULL, 0, tx, 8192, false, &sig),
			 -EMSGSIZE);
	rm(x, true);
}

static void test_interrupt_mask(void **s)
{
	struct rings *x = mk(true);
	bool sig;

	x->ctl.interrupt_mask = 1;
	assert_int_equal(pvn_vmbus_ring_write(&x->w, 6, 0, 1, NULL, 0, "abc", 3, false, &sig), 0);
	assert_false(sig);
	rm(x, true);
}

static void test_violations(void **s)
{
	struct rings *x = mk(true);
	struct vmbus_packet_desc d = {6, 2, 2, 0, 0};
	struct pvn_vmbus_pkt p;
	bool sig;

	x->ctl.write_index = 8192; /* past the end */
	assert_int_equal(pvn_vmbus_ring_peek(&x->r, &p), -PVN_VMBUS_RING_EBADWIDX);
	x->ctl.write_index = 12; /* unaligned */
	assert_int_equal(pvn_vmbus_ring_peek(&x->r, &p), -PVN_VMBUS_RING_EBADWIDX);
	x->ctl.write_index = 16; /* less than descriptor + trailer */
	assert_int_equal(pvn_vmbus_ring_peek(&x->r, &p), -PVN_VMBUS_RING_ESHORT);
	d.len8 = 1;
	memcpy(x->pages[0], &d, sizeof(d));
	x->ctl.write_index = 24;
	assert_int_equal(pvn_vmbus_ring_peek(&x->r, &p), -PVN_VMBUS_RING_EBADLEN);
	d.len8 = 0xffff; /* larger than the ring */
	memcpy(x->pages[0], &d, sizeof(d));
	assert_int_equal(pvn_vmbus_ring_peek(&x->r, &p), -PVN_VMBUS_RING_EOVERRUN);
	d.len8 = 2;
	d.offset8 = 3;
	memcpy(x->pages[0], &d, sizeof(d));
	assert_int_equal(pvn_vmbus_ring_peek(&x->r, &p), -PVN_VMBUS_RING_EBADOFF);
	d.offset8 = 1;
	memcpy(x->pages[0], &d, sizeof(d));
	assert_int_equal(pvn_vmbus_ring_peek(&x->r, &p), -PVN_VMBUS_RING_EBADOFF);
	assert_true(pvn_vmbus_ring_is_violation(-PVN_VMBUS_RING_EBADOFF));
	assert_false(pvn_vmbus_ring_is_violation(-EAGAIN));
	x->ctl.read_index = 8200;
	assert_int_equal(pvn_vmbus_ring_write(&x->w, 6, 0, 1, NULL, 0, "x", 1, false, &sig),
			 -PVN_VMBUS_RING_EBADRIDX);
	assert_string_equal(pvn_vmbus_ring_strerror(-PVN_VMBUS_RING_EBADRIDX),
			    "guest read index past the ring or not 8-byte aligned");
	rm(x, true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_flat),
		cmocka_unit_test(test_roundtrip_pages),
		cmocka_unit_test(test_full_and_pending),
		cmocka_unit_test(test_interrupt_mask),
		cmocka_unit_test(test_violations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
