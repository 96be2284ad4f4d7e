/* SPDX-License-Identifier: MIT */
#include "runtime/acpi/aml.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void pvn_aml_init(struct pvn_aml *a)
{
	memset(a, 0, sizeof(*a));
}

void pvn_aml_free(struct pvn_aml *a)
{
	free(a->buf);
	memset(a, 0, sizeof(*a));
}

static void fail(struct pvn_aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

int pvn_aml_finish(struct pvn_aml *a, const uint8_t **out, size_t *len)
{
	if (!a->err && a->depth)
		a->err = -EINVAL; /* a block was never closed */
	if (a->err)
		return a->err;
	*out = a->buf;
	*len = a->len;
	return 0;
}

/* Make room for n more bytes; false (and the error recorded) when not. */
static bool reserve(struct pvn_aml *a, size_t n)
{
	size_t cap;
	uint8_t *nb;

	if (a->err)
		return false;
	if (n > PVN_AML_MAX_LEN - a->len) {
		fail(a, -E2BIG);
		return false;
	}
	if (a->len + n <= a->cap)
		return true;
	cap = a->cap ? a->cap : 256;
	while (cap < a->len + n)
		cap *= 2;
	nb = realloc(a->buf, cap);
	if (!nb) {
		fail(a, -ENOMEM);
		return false;
	}
	a->buf = nb;
	a->cap = cap;
	return true;
}

void pvn_aml_raw(struct pvn_aml *a, const void *bytes, size_t n)
{
	if (!reserve(a, n))
		return;
	memcpy(a->buf + a->len, bytes, n);
	a->len += n;
}

static void emit8(struct pvn_aml *a, uint8_t v)
{
	pvn_aml_raw(a, &v, 1);
}

static void emit_le(struct pvn_aml *a, uint64_t v, unsigned bytes)
{
	uint8_t b[8];
	for (unsigned i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	pvn_aml_raw(a, b, bytes);
}

/* ---- pure encoders ---- */

int pvn_aml_pkglength_encode(size_t body_len, uint8_t out[4])
{
	size_t total;

	/* The value counts the PkgLength bytes themselves. */
	if (body_len + 1 <= 0x3f) {
		out[0] = (uint8_t)(body_len + 1);
		return 1;
	}
	for (unsigned n = 2; n <= 4; n++) {
		total = body_len + n;
		if (total >> (4 + 8 * (n - 1)))
			continue;
		out[0] = (uint8_t)(((n - 1) << 6) | (total & 0x0f));
		for (unsigned i = 1; i < n; i++)
			out[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
		return (int)n;
	}
	return -E2BIG;
}

int pvn_aml_pkglength_decode(const uint8_t *p, size_t avail, uint32_t *value)
{
	unsigned follow;
	uint32_t v;

	if (!avail)
		return -EINVAL;
	follow = p[0] >> 6;
	if (!follow) {
		*value = p[0] & 0x3f;
		return *value >= 1 ? 1 : -EINVAL;
	}
	/* Multi-byte form: bits 5:4 of the lead byte are reserved (zero). */
	if ((p[0] & 0x30) || avail < 1 + follow)
		return -EINVAL;
	v = p[0] & 0x0f;
	for (unsigned i = 1; i <= follow; i++)
		v |= (uint32_t)p[i] << (4 + 8 * (i - 1));
	if (v < 1 + follow)
		return -EINVAL;
	*value = v;
	return (int)(1 + follow);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int pvn_aml_eisaid(const char *id, uint32_t *out)
{
	uint32_t v = 0;

	if (!id || strlen(id) != 7)
		return -EINVAL;
	/* Three letters, 5 bits each ('A' = 1), then four hex digits. */
	for (int i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z')
			return -EINVAL;
		v |= (uint32_t)(id[i] - 0x40) << (26 - 5 * i);
	}
	for (int i = 3; i < 7; i++) {
		int h = hexval(id[i]);
		if (h < 0)
			return -EINVAL;
		v |= (uint32_t)h << (4 * (6 - i));
	}
	/* Stored big-endian in the DWORD. */
	*out = __builtin_bswap32(v);
	return 0;
}

static bool seg_char_ok(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || c == '_' || (!first && c >= '0' && c <= '9');
}

int pvn_aml_namestring_encode(const char *path, uint8_t *out, size_t outlen)
{
	const char *p = path, *s;
	size_t n = 0, nsegs = 0;

	if (!path)
		return -EINVAL;
	if (*p == '\\') {
		if (n >= outlen)
			return -ENOSPC;
		out[n++] = PVN_AML_ROOT_CHAR;
		p++;
	} else {
		while (*p == '^') {
			if (n >= outlen)
				return -ENOSPC;
			out[n++] = PVN_AML_PARENT_CHAR;
			p++;
		}
	}
	/* Count and check the segments: 1-4 characters, separated by '.'. */
	for (s = p; *s;) {
		size_t l = 0;
		while (s[l] && s[l] != '.') {
			if (l >= 4 || !seg_char_ok(s[l], l == 0))
				return -EINVAL;
			l++;
		}
		if (!l)
			return -EINVAL;
		nsegs++;
		s += l;
		if (*s == '.') {
			s++;
			if (!*s)
				return -EINVAL;
		}
	}
	if (nsegs > 255)
		return -EINVAL;
	if (!nsegs) {
		/* NullName: only valid after a prefix ("\\" is the root). */
		if (!n)
			return -EINVAL;
		if (n >= outlen)
			return -ENOSPC;
		out[n++] = 0;
		return (int)n;
	}
	if (nsegs == 2) {
		if (n >= outlen)
			return -ENOSPC;
		out[n++] = PVN_AML_DUAL_PFX;
	} else if (nsegs > 2) {
		if (n + 2 > outlen)
			return -ENOSPC;
		out[n++] = PVN_AML_MULTI_PFX;
		out[n++] = (uint8_t)nsegs;
	}
	for (s = p; *s;) {
		size_t l = 0;
		if (n + 4 > outlen)
			return -ENOSPC;
		while (s[l] && s[l] != '.')
			l++;
		/* Short segments are padded with '_' (ASL's "_SB" is "_SB_"). */
		for (size_t i = 0; i < 4; i++)
			out[n++] = i < l ? (uint8_t)s[i] : '_';
		s += l;
		if (*s == '.')
			s++;
	}
	return (int)n;
}

/* ---- terms ---- */

void pvn_aml_namestring(struct pvn_aml *a, const char *path)
{
	uint8_t tmp[2 + 256 + 4 * 255];
	int n;

	if (a->err)
		return;
	n = pvn_aml_namestring_encode(path, tmp, sizeof(tmp));
	if (n < 0) {
		fail(a, n);
		return;
	}
	pvn_aml_raw(a, tmp, (size_t)n);
}

static void open_block(struct pvn_aml *a, enum pvn_aml_block kind)
{
	if (a->err)
		return;
	if (a->depth >= PVN_AML_MAX_DEPTH) {
		fail(a, -E2BIG);
		return;
	}
	a->open[a->depth].kind = kind;
	a->open[a->depth].start = a->len;
	a->open[a->depth].items = 0;
	a->depth++;
}

/* A data object was emitted: count it in the enclosing package. */
static void item(struct pvn_aml *a)
{
	if (!a->err && a->depth && a->open[a->depth - 1].kind == PVN_AML_BLK_PACKAGE)
		a->open[a->depth - 1].items++;
}

static bool in_block(struct pvn_aml *a, enum pvn_aml_block kind)
{
	if (a->err)
		return false;
	if (!a->depth || a->open[a->depth - 1].kind != kind) {
		fail(a, -EINVAL);
		return false;
	}
	return true;
}

void pvn_aml_scope_begin(struct pvn_aml *a, const char *path)
{
	emit8(a, PVN_AML_SCOPE_OP);
	open_block(a, PVN_AML_BLK_SCOPE);
	pvn_aml_namestring(a, path);
}

void pvn_aml_device_begin(struct pvn_aml *a, const char *path)
{
	emit8(a, PVN_AML_EXT_PFX);
	emit8(a, PVN_AML_DEVICE_OP);
	open_block(a, PVN_AML_BLK_DEVICE);
	pvn_aml_namestring(a, path);
}

void pvn_aml_method_begin(struct pvn_aml *a, const char *path, unsigned nargs, bool serialized)
{
	if (nargs > 7) {
		fail(a, -EINVAL);
		return;
	}
	emit8(a, PVN_AML_METHOD_OP);
	open_block(a, PVN_AML_BLK_METHOD);
	pvn_aml_namestring(a, path);
	/* MethodFlags: ArgCount in bits 2:0, SerializeFlag in bit 3, SyncLevel 0. */
	emit8(a, (uint8_t)(nargs | (serialized ? 0x08 : 0)));
}

void pvn_aml_package_begin(struct pvn_aml *a)
{
	emit8(a, PVN_AML_PACKAGE_OP);
	open_block(a, PVN_AML_BLK_PACKAGE);
}

void pvn_aml_rt_begin(struct pvn_aml *a)
{
	emit8(a, PVN_AML_BUFFER_OP);
	open_block(a, PVN_AML_BLK_RESOURCES);
}

/* Encode the shortest integer into out: Zero/One/Ones or a prefixed const. */
static size_t encode_int(uint64_t v, uint8_t out[9])
{
	unsigned bytes;

	if (v == 0 || v == 1) {
		out[0] = v ? PVN_AML_ONE_OP : PVN_AML_ZERO_OP;
		return 1;
	}
	if (v <= 0xff) {
		out[0] = PVN_AML_BYTE_PFX;
		bytes = 1;
	} else if (v <= 0xffff) {
		out[0] = PVN_AML_WORD_PFX;
		bytes = 2;
	} else if (v <= 0xffffffffULL) {
		out[0] = PVN_AML_DWORD_PFX;
		bytes = 4;
	} else {
		out[0] = PVN_AML_QWORD_PFX;
		bytes = 8;
	}
	for (unsigned i = 0; i < bytes; i++)
		out[1 + i] = (uint8_t)(v >> (8 * i));
	return 1 + bytes;
}

/* Insert `prefix` at the start of the innermost block's body. */
static void insert_prefix(struct pvn_aml *a, size_t start, const uint8_t *prefix, size_t plen)
{
	if (!reserve(a, plen))
		return;
	memmove(a->buf + start + plen, a->buf + start, a->len - start);
	memcpy(a->buf + start, prefix, plen);
	a->len += plen;
}

void pvn_aml_end(struct pvn_aml *a)
{
	uint8_t prefix[4 + 9];
	size_t body, plen = 0, extra_len = 0;
	uint8_t extra[1] = {0};
	enum pvn_aml_block kind;
	int n;

	if (a->err)
		return;
	if (!a->depth) {
		fail(a, -EINVAL);
		return;
	}
	kind = a->open[a->depth - 1].kind;
	if (kind == PVN_AML_BLK_RESOURCES) {
		/* Only through pvn_aml_rt_end, which adds the EndTag. */
		fail(a, -EINVAL);
		return;
	}
	body = a->len - a->open[a->depth - 1].start;
	if (kind == PVN_AML_BLK_PACKAGE) {
		if (a->open[a->depth - 1].items > 255) {
			fail(a, -E2BIG);
			return;
		}
		extra[0] = (uint8_t)a->open[a->depth - 1].items; /* NumElements */
		extra_len = 1;
	}
	n = pvn_aml_pkglength_encode(body + extra_len, prefix);
	if (n < 0) {
		fail(a, n);
		return;
	}
	plen = (size_t)n;
	memcpy(prefix + plen, extra, extra_len);
	plen += extra_len;
	insert_prefix(a, a->open[a->depth - 1].start, prefix, plen);
	if (a->err)
		return;
	a->depth--;
	if (kind == PVN_AML_BLK_PACKAGE)
		item(a); /* a package is an element of an enclosing package */
}

void pvn_aml_rt_end(struct pvn_aml *a)
{
	uint8_t prefix[4 + 9], size_enc[9];
	size_t body, slen;
	int n;

	if (!in_block(a, PVN_AML_BLK_RESOURCES))
		return;
	emit8(a, PVN_AML_RES_END_TAG);
	emit8(a, 0); /* checksum 0: the descriptors are taken as valid */
	if (a->err)
		return;
	body = a->len - a->open[a->depth - 1].start;
	/* Buffer: PkgLength, BufferSize (an integer term), then the bytes. */
	slen = encode_int(body, size_enc);
	n = pvn_aml_pkglength_encode(slen + body, prefix);
	if (n < 0) {
		fail(a, n);
		return;
	}
	memcpy(prefix + n, size_enc, slen);
	insert_prefix(a, a->open[a->depth - 1].start, prefix, (size_t)n + slen);
	if (a->err)
		return;
	a->depth--;
	item(a);
}

void pvn_aml_name(struct pvn_aml *a, const char *path)
{
	emit8(a, PVN_AML_NAME_OP);
	pvn_aml_namestring(a, path);
}

void pvn_aml_return(struct pvn_aml *a)
{
	emit8(a, PVN_AML_RETURN_OP);
}

void pvn_aml_method_return_int(struct pvn_aml *a, const char *path, uint64_t v)
{
	pvn_aml_method_begin(a, path, 0, false);
	pvn_aml_return(a);
	pvn_aml_int(a, v);
	pvn_aml_end(a);
}

/* ---- data objects ---- */

void pvn_aml_int(struct pvn_aml *a, uint64_t v)
{
	uint8_t b[9];

	if (v == ~0ULL) {
		emit8(a, PVN_AML_ONES_OP);
	} else {
		size_t n = encode_int(v, b);
		pvn_aml_raw(a, b, n);
	}
	item(a);
}

static void prefixed(struct pvn_aml *a, uint8_t pfx, uint64_t v, unsigned bytes)
{
	emit8(a, pfx);
	emit_le(a, v, bytes);
	item(a);
}

void pvn_aml_byte(struct pvn_aml *a, uint8_t v)
{
	prefixed(a, PVN_AML_BYTE_PFX, v, 1);
}

void pvn_aml_word(struct pvn_aml *a, uint16_t v)
{
	prefixed(a, PVN_AML_WORD_PFX, v, 2);
}

void pvn_aml_dword(struct pvn_aml *a, uint32_t v)
{
	prefixed(a, PVN_AML_DWORD_PFX, v, 4);
}

void pvn_aml_qword(struct pvn_aml *a, uint64_t v)
{
	prefixed(a, PVN_AML_QWORD_PFX, v, 8);
}

void pvn_aml_zero(struct pvn_aml *a)
{
	emit8(a, PVN_AML_ZERO_OP);
	item(a);
}

void pvn_aml_one(struct pvn_aml *a)
{
	emit8(a, PVN_AML_ONE_OP);
	item(a);
}

void pvn_aml_string(struct pvn_aml *a, const char *s)
{
	if (a->err)
		return;
	if (!s) {
		fail(a, -EINVAL);
		return;
	}
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c > 0x7f) {
			fail(a, -EINVAL);
			return;
		}
	emit8(a, PVN_AML_STRING_PFX);
	pvn_aml_raw(a, s, strlen(s) + 1); /* NUL-terminated */
	item(a);
}

void pvn_aml_eisaid_obj(struct pvn_aml *a, const char *id)
{
	uint32_t v;
	int r;

	if (a->err)
		return;
	r = pvn_aml_eisaid(id, &v);
	if (r) {
		fail(a, r);
		return;
	}
	pvn_aml_dword(a, v);
}

/* ---- resource descriptors ---- */

void pvn_aml_rt_io(struct pvn_aml *a, bool decode16, uint16_t min, uint16_t max, uint8_t align,
		   uint8_t len)
{
	if (!in_block(a, PVN_AML_BLK_RESOURCES))
		return;
	if (min > max) {
		fail(a, -EINVAL);
		return;
	}
	emit8(a, PVN_AML_RES_IO);
	emit8(a, decode16 ? 1 : 0);
	emit_le(a, min, 2);
	emit_le(a, max, 2);
	emit8(a, align);
	emit8(a, len);
}

void pvn_aml_rt_fixed_io(struct pvn_aml *a, uint16_t base, uint8_t len)
{
	if (!in_block(a, PVN_AML_BLK_RESOURCES))
		return;
	/* Fixed I/O decodes 10 address bits only. */
	if (base > 0x3ff) {
		fail(a, -EINVAL);
		return;
	}
	emit8(a, PVN_AML_RES_FIXED_IO);
	emit_le(a, base, 2);
	emit8(a, len);
}

void pvn_aml_rt_irq_noflags(struct pvn_aml *a, uint16_t mask)
{
	if (!in_block(a, PVN_AML_BLK_RESOURCES))
		return;
	emit8(a, PVN_AML_RES_IRQ_NOFLAGS);
	emit_le(a, mask, 2);
}

void pvn_aml_rt_irq(struct pvn_aml *a, uint16_t mask, unsigned irq_flags)
{
	if (!in_block(a, PVN_AML_BLK_RESOURCES))
		return;
	if (irq_flags & ~(PVN_AML_IRQ_EDGE | PVN_AML_IRQ_ACTIVE_LOW | PVN_AML_IRQ_SHARED |
			  PVN_AML_IRQ_WAKE)) {
		fail(a, -EINVAL);
		return;
	}
	emit8(a, PVN_AML_RES_IRQ);
	emit_le(a, mask, 2);
	emit8(a, (uint8_t)irq_flags);
}

void pvn_aml_rt_memory32_fixed(struct pvn_aml *a, bool rw, uint32_t base, uint32_t len)
{
	if (!in_block(a, PVN_AML_BLK_RESOURCES))
		return;
	if (len && (uint64_t)base + len - 1 > 0xffffffffULL) {
		fail(a, -EINVAL);
		return;
	}
	emit8(a, PVN_AML_RES_MEM32_FIXED);
	emit_le(a, 9, 2); /* length of the data that follows */
	emit8(a, rw ? 1 : 0);
	emit_le(a, base, 4);
	emit_le(a, len, 4);
}

static bool addr_flags_ok(unsigned gflags, unsigned mflags)
{
	return !(gflags & ~0x0fu) && !(mflags & ~0x3fu);
}

void pvn_aml_rt_dword_memory(struct pvn_aml *a, unsigned gflags, unsigned mflags, uint32_t base,
			     uint32_t len)
{
	if (!in_block(a, PVN_AML_BLK_RESOURCES))
		return;
	if (!len || (uint64_t)base + len - 1 > 0xffffffffULL || !addr_flags_ok(gflags, mflags)) {
		fail(a, -EINVAL);
		return;
	}
	emit8(a, PVN_AML_RES_DWORD_ADDR);
	emit_le(a, 23, 2);
	emit8(a, 0); /* resource type: memory */
	emit8(a, (uint8_t)gflags);
	emit8(a, (uint8_t)mflags);
	emit_le(a, 0, 4); /* granularity */
	emit_le(a, base, 4);
	emit_le(a, base + len - 1, 4);
	emit_le(a, 0, 4); /* translation offset */
	emit_le(a, len, 4);
}

void pvn_aml_rt_qword_memory(struct pvn_aml *a, unsigned gflags, unsigned mflags, uint64_t base,
			     uint64_t len)
{
	if (!in_block(a, PVN_AML_BLK_RESOURCES))
		return;
	if (!len || base + (len - 1) < base || !addr_flags_ok(gflags, mflags)) {
		fail(a, -EINVAL);
		return;
	}
	emit8(a, PVN_AML_RES_QWORD_ADDR);
	emit_le(a, 43, 2);
	emit8(a, 0); /* resource type: memory */
	emit8(a, (uint8_t)gflags);
	emit8(a, (uint8_t)mflags);
	emit_le(a, 0, 8); /* granularity */
	emit_le(a, base, 8);
	emit_le(a, base + len - 1, 8);
	emit_le(a, 0, 8); /* translation offset */
	emit_le(a, len, 8);
}
