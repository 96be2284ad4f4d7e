/* SPDX-License-Identifier: MIT */
#include "runtime/vp/fallback.h"

#include <errno.h>
#include <string.h>

const char *pvn_fb_kind_name(enum pvn_fb_kind k)
{
	static const char *const names[] = {"none", "int3", "fwait", "clac", "stac", "popcnt",
					    "ldmxcsr", "stmxcsr"};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

/* Decode ModRM (+SIB, +displacement) starting at b[*i]. */
static bool decode_modrm(const uint8_t *b, unsigned n, unsigned *i, uint8_t rex,
			 struct pvn_fb_insn *out)
{
	uint8_t modrm, mod, rm;

	if (*i >= n)
		return false;
	modrm = b[(*i)++];
	mod = modrm >> 6;
	rm = modrm & 7;
	out->reg = (uint8_t)(((modrm >> 3) & 7) | ((rex & 4) << 1));
	memset(&out->rm, 0, sizeof(out->rm));
	out->rm.base = out->rm.index = out->rm.segment = -1;
	out->rm.scale = 1;
	if (mod == 3) {
		out->rm.is_reg = true;
		out->rm.reg = (uint8_t)(rm | ((rex & 1) << 3));
		return true;
	}
	if (rm == 4) { /* SIB */
		uint8_t sib, base, index;
		if (*i >= n)
			return false;
		sib = b[(*i)++];
		out->rm.scale = (uint8_t)(1u << (sib >> 6));
		index = (uint8_t)(((sib >> 3) & 7) | ((rex & 2) << 2));
		base = (uint8_t)((sib & 7) | ((rex & 1) << 3));
		if (index != 4)
			out->rm.index = (int8_t)index;
		if ((sib & 7) == 5 && mod == 0)
			mod = 2 | 0x80; /* disp32, no base */
		else
			out->rm.base = (int8_t)base;
	} else if (rm == 5 && mod == 0) {
		out->rm.rip_rel = true;
		mod = 2 | 0x80;
	} else {
		out->rm.base = (int8_t)(rm | ((rex & 1) << 3));
	}
	if ((mod & 3) == 1) {
		if (*i >= n)
			return false;
		out->rm.disp = (int8_t)b[(*i)++];
	} else if ((mod & 3) == 2) {
		int32_t d;
		if (*i + 4 > n)
			return false;
		memcpy(&d, b + *i, 4);
		*i += 4;
		out->rm.disp = d;
	}
	return true;
}

enum pvn_fb_kind pvn_fb_decode(const uint8_t *b, unsigned n, struct pvn_fb_insn *out)
{
	unsigned i = 0;
	bool rep = false, opsize16 = false;
	int8_t seg = -1;
	uint8_t rex = 0;

	memset(out, 0, sizeof(*out));
	/* Legacy prefixes, then at most one REX right before the opcode. */
	for (; i < n && i < 14; i++) {
		if (b[i] == 0xf3)
			rep = true;
		else if (b[i] == 0x66)
			opsize16 = true;
		else if (b[i] == 0x64 || b[i] == 0x65)
			seg = (int8_t)(b[i] == 0x64 ? 4 : 5);
		else if (b[i] == 0x2e || b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x36)
			; /* null segment overrides in 64-bit mode */
		else
			break;
	}
	if (i < n && (b[i] & 0xf0) == 0x40)
		rex = b[i++];
	if (i >= n)
		return PVN_FB_NONE;

	if (b[i] == 0xcc && !rex && i == 0) {
		out->kind = PVN_FB_INT3;
		out->len = 1;
		return out->kind;
	}
	if (b[i] == 0x9b && !rex) {
		out->kind = PVN_FB_FWAIT;
		out->len = (uint8_t)(i + 1);
		return out->kind;
	}
	if (b[i] != 0x0f || i + 1 >= n)
		return PVN_FB_NONE;
	i++;
	if (b[i] == 0x01 && i + 1 < n && (b[i + 1] == 0xca || b[i + 1] == 0xcb)) {
		out->kind = b[i + 1] == 0xca ? PVN_FB_CLAC : PVN_FB_STAC;
		out->len = (uint8_t)(i + 2);
		return out->kind;
	}
	if (b[i] == 0xb8 && rep) {
		i++;
		if (!decode_modrm(b, n, &i, rex, out))
			return PVN_FB_NONE;
		out->kind = PVN_FB_POPCNT;
		out->opsize = (rex & 8) ? 8 : opsize16 ? 2 : 4;
		out->rm.segment = seg;
		out->len = (uint8_t)i;
		return out->kind;
	}
	if (b[i] == 0xae && !rep && !opsize16) {
		i++;
		if (!decode_modrm(b, n, &i, rex, out) || out->rm.is_reg ||
		    ((out->reg & 7) != 2 && (out->reg & 7) != 3))
			return (out->kind = PVN_FB_NONE);
		out->kind = (out->reg & 7) == 2 ? PVN_FB_LDMXCSR : PVN_FB_STMXCSR;
		out->rm.segment = seg;
		out->len = (uint8_t)i;
		return out->kind;
	}
	return PVN_FB_NONE;
}

/* x86 register number -> pvn_regs field. */
static uint64_t *reg_ptr(struct pvn_regs *r, unsigned num)
{
	uint64_t *const map[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
				   &r->rsi, &r->rdi, &r->r8,  &r->r9,  &r->r10, &r->r11,
				   &r->r12, &r->r13, &r->r14, &r->r15};
	return map[num & 15];
}

static uint64_t effective_address(const struct pvn_fb_insn *in, struct pvn_regs *r,
				  const struct pvn_fb_vp *vp)
{
	uint64_t ea = (uint64_t)(int64_t)in->rm.disp;
	if (in->rm.rip_rel)
		ea += r->rip + in->len;
	if (in->rm.base >= 0)
		ea += *reg_ptr(r, (unsigned)in->rm.base);
	if (in->rm.index >= 0)
		ea += *reg_ptr(r, (unsigned)in->rm.index) * in->rm.scale;
	if (in->rm.segment == 4)
		ea += vp->fs_base;
	else if (in->rm.segment == 5)
		ea += vp->gs_base;
	return ea;
}

int pvn_fb_execute(const struct pvn_fb_insn *in, struct pvn_regs *r, const struct pvn_fb_vp *vp)
{
	uint64_t v = 0;
	int e;

	switch (in->kind) {
	case PVN_FB_INT3:
		/* #BP is a trap: the guest sees RIP after the int3. */
		r->rip += in->len;
		return vp->inject_bp(vp->opaque);
	case PVN_FB_FWAIT:
		break;
	case PVN_FB_CLAC:
		r->rflags &= ~(1ULL << 18);
		break;
	case PVN_FB_STAC:
		r->rflags |= 1ULL << 18;
		break;
	case PVN_FB_POPCNT:
		if (in->rm.is_reg) {
			v = *reg_ptr(r, in->rm.reg);
		} else {
			e = vp->read_linear(vp->opaque, effective_address(in, r, vp), &v,
					    in->opsize);
			if (e)
				return e;
		}
		if (in->opsize == 2)
			v &= 0xffff;
		else if (in->opsize == 4)
			v &= 0xffffffff;
		{
			uint64_t *dst = reg_ptr(r, in->reg);
			uint64_t cnt = (uint64_t)__builtin_popcountll(v);
			/* 16-bit writes keep the upper bits; 32-bit writes zero-extend. */
			*dst = in->opsize == 2 ? (*dst & ~0xffffULL) | cnt : cnt;
		}
		/* ZF = (source == 0); CF, OF, SF, AF, PF cleared. */
		r->rflags &= ~(0x8d5ULL);
		if (!v)
			r->rflags |= 0x40;
		break;
	case PVN_FB_LDMXCSR: {
		uint32_t mx = 0;
		e = vp->read_linear(vp->opaque, effective_address(in, r, vp), &mx, 4);
		if (e)
			return e;
		/* Reserved MXCSR bits set would #GP on hardware; refuse them. */
		if (mx & 0xffff0000u)
			return -EINVAL;
		e = vp->set_mxcsr(vp->opaque, mx);
		if (e)
			return e;
		break;
	}
	case PVN_FB_STMXCSR: {
		uint32_t mx = 0;
		e = vp->get_mxcsr(vp->opaque, &mx);
		if (!e)
			e = vp->write_linear(vp->opaque, effective_address(in, r, vp), &mx, 4);
		if (e)
			return e;
		break;
	}
	default:
		return -ENOSYS;
	}
	r->rip += in->len;
	return 0;
}
