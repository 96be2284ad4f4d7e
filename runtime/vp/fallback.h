/* SPDX-License-Identifier: MIT */
/*
 * Instruction fallbacks. Some hypervisors emulate guest CPL0 code and cannot
 * emulate every instruction (this machine's nested KVM fails on int3, fwait,
 * ldmxcsr, clac/stac and popcnt, among others). When a VP stops with an
 * emulation failure, the runtime completes exactly these few instructions
 * itself; anything else is reported with its RIP and bytes.
 *
 * The decoder is pure (no VP access) so it can be tested on byte strings.
 */
#ifndef PVN_VP_FALLBACK_H
#define PVN_VP_FALLBACK_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/backend/backend.h"

enum pvn_fb_kind {
	PVN_FB_NONE,    /* not an instruction the runtime completes */
	PVN_FB_INT3,    /* CC: deliver #BP after the instruction */
	PVN_FB_FWAIT,   /* 9B: no pending x87 exceptions here, so a no-op */
	PVN_FB_CLAC,    /* 0F 01 CA */
	PVN_FB_STAC,    /* 0F 01 CB */
	PVN_FB_POPCNT,  /* F3 [REX] 0F B8 /r */
	PVN_FB_LDMXCSR, /* [REX] 0F AE /2, memory operand */
	PVN_FB_STMXCSR, /* [REX] 0F AE /3, memory operand */
};

/* A decoded ModRM operand. */
struct pvn_fb_operand {
	bool is_reg;
	uint8_t reg;      /* register number 0-15 (x86 encoding order) */
	int8_t base;      /* -1: none */
	int8_t index;     /* -1: none */
	uint8_t scale;    /* 1, 2, 4, 8 */
	bool rip_rel;
	int32_t disp;
	int8_t segment;   /* -1 none, 4 = FS, 5 = GS */
};

struct pvn_fb_insn {
	enum pvn_fb_kind kind;
	uint8_t len;      /* bytes, including prefixes */
	uint8_t opsize;   /* popcnt: 2, 4 or 8 */
	uint8_t reg;      /* ModRM.reg (with REX.R) */
	struct pvn_fb_operand rm;
};

/* Decode bytes[0..n). Returns the kind (PVN_FB_NONE when unknown or the
 * bytes end too soon). */
enum pvn_fb_kind pvn_fb_decode(const uint8_t *bytes, unsigned n, struct pvn_fb_insn *out);

/* What the executor needs from a VP. */
struct pvn_fb_vp {
	void *opaque;
	/* Read len bytes at a guest linear address; 0 or negative errno. */
	int (*read_linear)(void *opaque, uint64_t la, void *buf, unsigned len);
	int (*write_linear)(void *opaque, uint64_t la, const void *buf, unsigned len);
	int (*get_mxcsr)(void *opaque, uint32_t *mxcsr);
	int (*set_mxcsr)(void *opaque, uint32_t mxcsr);
	int (*inject_bp)(void *opaque);
	uint64_t fs_base, gs_base;
};

/* Carry out a decoded instruction on regs (RIP advanced past it). Returns 0,
 * or negative errno (e.g. an unreadable operand). */
int pvn_fb_execute(const struct pvn_fb_insn *insn, struct pvn_regs *regs,
		   const struct pvn_fb_vp *vp);

const char *pvn_fb_kind_name(enum pvn_fb_kind k);

#endif
