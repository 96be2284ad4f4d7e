/* SPDX-License-Identifier: MIT */
/* The instruction-fallback decoder and executor, on byte strings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/vp/fallback.h"

static uint8_t fake_mem[64];
static uint64_t fake_base = 0x1000;
static uint32_t fake_mxcsr;
static int bp_injected;

static int fake_read(void *o, uint64_t la, void *buf, unsigned len)
{
	(void)o;
	if (la < fake_base || la + len > fake_base + sizeof(fake_mem))
		return -14;
	memcpy(buf, fake_mem + (la - fake_base), len);
	return 0;
}

static int fake_write(void *o, uint64_t la, const void *buf, unsigned len)
{
	(void)o;
	if (la < fake_base || la + len > fake_base + sizeof(fake_mem))
		return -14;
	memcpy(fake_mem + (la - fake_base), buf, len);
	return 0;
}

static int fake_get_mx(void *o, uint32_t *m)
{
	(void)o;
	*m = fake_mxcsr;
	return 0;
}

static int fake_set_mx(void *o, uint32_t m)
{
	(void)o;
	fake_mxcsr = m;
	return 0;
}

static int fake_bp(void *o)
{
	(void)o;
	bp_injected++;
	return 0;
}

static const struct pvn_fb_vp vp = {NULL,	 fake_read, fake_write, fake_get_mx,
				    fake_set_mx, fake_bp,	0x10000,    0x20000};

static enum pvn_fb_kind dec(const char *bytes, unsigned n, struct pvn_fb_insn *in)
{
	return pvn_fb_decode((const uint8_t *)bytes, n, in);
}

static void test_simple(void **state)
{
	struct pvn_fb_insn in;
	struct pvn_regs r = {.rip = 0x5000, .rflags = 0x2};
	(void)state;
	assert_int_equal(dec("\xcc", 1, &in), PVN_FB_INT3);
	assert_int_equal(in.len, 1);
	assert_int_equal(pvn_fb_execute(&in, &r, &vp), 0);
	assert_int_equal(r.rip, 0x5001);
	assert_int_equal(bp_injected, 1);
	assert_int_equal(dec("\x9b", 1, &in), PVN_FB_FWAIT);
	assert_int_equal(dec("\x0f\x01\xcb", 3, &in), PVN_FB_STAC);
	assert_int_equal(pvn_fb_execute(&in, &r, &vp), 0);
	assert_true(r.rflags & (1 << 18));
	assert_int_equal(r.rip, 0x5004);
	assert_int_equal(dec("\x0f\x01\xca", 3, &in), PVN_FB_CLAC);
	assert_int_equal(pvn_fb_execute(&in, &r, &vp), 0);
	assert_false(r.rflags & (1 << 18));
}

static void test_unknown_and_truncated(void **state)
{
	struct pvn_fb_insn in;
	(void)state;
	assert_int_equal(dec("\x90", 1, &in), PVN_FB_NONE);         /* nop */
	assert_int_equal(dec("\x0f\xc7\x0e", 3, &in), PVN_FB_NONE); /* cmpxchg8b: not ours */
	assert_int_equal(dec("\xf3\x0f", 2, &in), PVN_FB_NONE);     /* cut short */
	assert_int_equal(dec("\xf3\x0f\xb8", 3, &in), PVN_FB_NONE); /* no ModRM */
	assert_int_equal(dec("\x0f\xb8\xc1", 3, &in), PVN_FB_NONE); /* popcnt needs F3 */
	assert_int_equal(dec("\x0f\xae\xd0", 3, &in), PVN_FB_NONE); /* register form of /2 */
	assert_int_equal(dec("\x0f\xae\x3e", 3, &in), PVN_FB_NONE); /* /7 clflush */
	assert_int_equal(dec("\xf3\x48\x0f\xb8\x05\x01\x02", 7, &in), PVN_FB_NONE); /* disp32 short */
	assert_int_equal(dec("", 0, &in), PVN_FB_NONE);
}

static void test_popcnt(void **state)
{
	struct pvn_fb_insn in;
	struct pvn_regs r = {.rip = 0x100, .rcx = 0xff00ff00ff00ff00ULL, .rflags = 0x8d7};
	(void)state;
	/* popcnt rax, rcx */
	assert_int_equal(dec("\xf3\x48\x0f\xb8\xc1", 5, &in), PVN_FB_POPCNT);
	assert_int_equal(in.len, 5);
	assert_int_equal(in.opsize, 8);
	assert_int_equal(pvn_fb_execute(&in, &r, &vp), 0);
	assert_int_equal(r.rax, 32);
	assert_int_equal(r.rip, 0x105);
	assert_int_equal(r.rflags & 0x8d5, 0); /* flags cleared, ZF clear */
	/* popcnt r9d, ecx: 32-bit zero-extends */
	r.r9 = ~0ULL;
	assert_int_equal(dec("\xf3\x44\x0f\xb8\xc9", 5, &in), PVN_FB_POPCNT);
	assert_int_equal(pvn_fb_execute(&in, &r, &vp), 0);
	assert_int_equal(r.r9, 16);
	/* popcnt dx, cx (16-bit keeps the upper bits) */
	r.rdx = 0xaaaa0000ffffULL;
	assert_int_equal(dec("\x66\xf3\x0f\xb8\xd1", 5, &in), PVN_FB_POPCNT);
	assert_int_equal(in.opsize, 2);
	assert_int_equal(pvn_fb_execute(&in, &r, &vp), 0);
	assert_int_equal(r.rdx, 0xaaaa00000008ULL);
	/* popcnt rax, [rsi + rbx*4 + 8] with memory */
	uint64_t v = 0x7;
	memcpy(fake_mem + 16, &v, 8);
	r.rsi = fake_base;
	r.rbx = 2;
	assert_int_equal(dec("\xf3\x48\x0f\xb8\x44\x9e\x08", 7, &in), PVN_FB_POPCNT);
	assert_int_equal(in.rm.base, 6);
	assert_int_equal(in.rm.index, 3);
	assert_int_equal(in.rm.scale, 4);
	assert_int_equal(pvn_fb_execute(&in, &r, &vp), 0);
	assert_int_equal(r.rax, 3);
	/* zero source sets ZF */
	r.rcx = 0;
	assert_int_equal(dec("\xf3\x48\x0f\xb8\xc1", 5, &in), PVN_FB_POPCNT);
	assert_int_equal(pvn_fb_execute(&in, &r, &vp), 0);
	assert_true(r.rflags & 0x40);
	/* an unreadable operand is an error, RIP untouched */
	r.rsi = 0xdead0000;
	uint64_t rip = r.rip;
	assert_int_equal(dec("\xf3\x48\x0f\xb8\x06", 5, &in), PVN_FB_POPCNT);
	assert_true(pvn_fb_execute(&in, &r, &vp) < 0);
	assert_int_equal(r.rip, rip);
}

static void test_mxcsr(void **state)
{
	struct pvn_fb_insn in;
	struct pvn_regs r = {.rip = 0x2000};
	uint32_t want = 0x7f80, got = 0;
	(void)state;
	/* ldmxcsr [rip + 0x10]: RIP-relative from the next instruction (0x2007) */
	fake_base = 0x2000;
	memcpy(fake_mem + 0x17, &want, 4);
	assert_int_equal(dec("\x0f\xae\x15\x10\x00\x00\x00", 7, &in), PVN_FB_LDMXCSR);
	assert_true(in.rm.rip_rel);
	assert_int_equal(pvn_fb_execute(&in, &r, &vp), 0);
	assert_int_equal(fake_mxcsr, 0x7f80);
	/* reserved bits refused */
	want = 0x10000;
	memcpy(fake_mem + 0x17 + 7, &want, 4);
	assert_int_equal(pvn_fb_execute(&in, &r, &vp), -22);
	/* stmxcsr gs:[rax] */
	fake_base = 0x20000;
	r.rax = 4;
	assert_int_equal(dec("\x65\x0f\xae\x18", 4, &in), PVN_FB_STMXCSR);
	assert_int_equal(in.rm.segment, 5);
	assert_int_equal(pvn_fb_execute(&in, &r, &vp), 0);
	memcpy(&got, fake_mem + 4, 4);
	assert_int_equal(got, 0x7f80);
	fake_base = 0x1000;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_unknown_and_truncated),
		cmocka_unit_test(test_popcnt),
		cmocka_unit_test(test_mxcsr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
