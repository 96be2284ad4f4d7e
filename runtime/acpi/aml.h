/* SPDX-License-Identifier: MIT */
/*
 * A small AML byte-code builder (ACPI 6.x, chapter 20): enough to describe
 * devices in a DSDT or SSDT: Scope, Device, Name, Method returning a
 * constant, integers, strings, packages, EISA IDs and resource templates.
 *
 * Usage: open blocks with *_begin and close them with pvn_aml_end, in order;
 * the builder writes each block's PkgLength in its shortest form when it is
 * closed. Errors are sticky: the first one (bad name, value out of range, a
 * descriptor outside a resource template, no memory) is kept and every later
 * call does nothing, so a sequence of calls is checked once, by
 * pvn_aml_finish. For example, a TPM device:
 *
 *	struct pvn_aml a;
 *	pvn_aml_init(&a);
 *	pvn_aml_device_begin(&a, "TPM0");
 *	pvn_aml_name(&a, "_HID");
 *	pvn_aml_string(&a, "MSFT0101");
 *	pvn_aml_name(&a, "_CRS");
 *	pvn_aml_rt_begin(&a);
 *	pvn_aml_rt_memory32_fixed(&a, true, 0xfed40000, 0x5000);
 *	pvn_aml_rt_end(&a);
 *	pvn_aml_method_return_int(&a, "_STA", 0x0f);
 *	pvn_aml_end(&a);
 *	r = pvn_aml_finish(&a, &bytes, &len);   (bytes stay owned by a)
 *	...
 *	pvn_aml_free(&a);
 *
 * Not thread-safe: one builder per thread.
 */
#ifndef PVN_AML_H
#define PVN_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PVN_AML_MAX_DEPTH 16
#define PVN_AML_MAX_LEN	  (1u << 24) /* a builder never grows beyond 16 MiB */
#define PVN_AML_PKGLEN_MAX 0x0fffffffu

/* AML opcodes the builder emits. */
#define PVN_AML_ZERO_OP	   0x00
#define PVN_AML_ONE_OP	   0x01
#define PVN_AML_NAME_OP	   0x08
#define PVN_AML_BYTE_PFX   0x0a
#define PVN_AML_WORD_PFX   0x0b
#define PVN_AML_DWORD_PFX  0x0c
#define PVN_AML_STRING_PFX 0x0d
#define PVN_AML_QWORD_PFX  0x0e
#define PVN_AML_SCOPE_OP   0x10
#define PVN_AML_BUFFER_OP  0x11
#define PVN_AML_PACKAGE_OP 0x12
#define PVN_AML_METHOD_OP  0x14
#define PVN_AML_DUAL_PFX   0x2e
#define PVN_AML_MULTI_PFX  0x2f
#define PVN_AML_EXT_PFX	   0x5b
#define PVN_AML_DEVICE_OP  0x82 /* after PVN_AML_EXT_PFX */
#define PVN_AML_ROOT_CHAR  0x5c
#define PVN_AML_PARENT_CHAR 0x5e
#define PVN_AML_RETURN_OP  0xa4
#define PVN_AML_ONES_OP	   0xff

/* Resource descriptor tags (6.4): small items carry their length in the tag. */
#define PVN_AML_RES_IRQ_NOFLAGS 0x22
#define PVN_AML_RES_IRQ		0x23
#define PVN_AML_RES_IO		0x47
#define PVN_AML_RES_FIXED_IO	0x4b
#define PVN_AML_RES_END_TAG	0x79
#define PVN_AML_RES_MEM32_FIXED 0x86
#define PVN_AML_RES_DWORD_ADDR	0x87
#define PVN_AML_RES_QWORD_ADDR	0x8a

/* IRQ() descriptor flags */
#define PVN_AML_IRQ_EDGE       (1u << 0) /* clear: level */
#define PVN_AML_IRQ_ACTIVE_LOW (1u << 3) /* clear: active high */
#define PVN_AML_IRQ_SHARED     (1u << 4)
#define PVN_AML_IRQ_WAKE       (1u << 5)

/* Address space descriptor general flags */
#define PVN_AML_ADDR_CONSUMER  (1u << 0) /* clear: ResourceProducer */
#define PVN_AML_ADDR_SUBDECODE (1u << 1) /* clear: PosDecode */
#define PVN_AML_ADDR_MIN_FIXED (1u << 2)
#define PVN_AML_ADDR_MAX_FIXED (1u << 3)

/* Memory address space type-specific flags */
#define PVN_AML_MEM_RW		 (1u << 0) /* clear: ReadOnly */
#define PVN_AML_MEM_NONCACHEABLE (0u << 1)
#define PVN_AML_MEM_CACHEABLE	 (1u << 1)
#define PVN_AML_MEM_WRITECOMBINE (2u << 1)
#define PVN_AML_MEM_PREFETCHABLE (3u << 1)

enum pvn_aml_block {
	PVN_AML_BLK_SCOPE,
	PVN_AML_BLK_DEVICE,
	PVN_AML_BLK_METHOD,
	PVN_AML_BLK_PACKAGE,
	PVN_AML_BLK_RESOURCES,
};

struct pvn_aml {
	uint8_t *buf;
	size_t len, cap;
	int err; /* first error (negative errno); later calls do nothing */
	unsigned depth;
	struct {
		enum pvn_aml_block kind;
		size_t start;	/* offset of the block's body (after its opcode) */
		unsigned items; /* packages: elements so far */
	} open[PVN_AML_MAX_DEPTH];
};

void pvn_aml_init(struct pvn_aml *a);
void pvn_aml_free(struct pvn_aml *a);
/* The first error, or -EINVAL when a block is still open; else 0 with
 * *out and *len set to the byte code (owned by a, valid until the next call). */
__attribute__((warn_unused_result)) int pvn_aml_finish(struct pvn_aml *a, const uint8_t **out,
							size_t *len);

/* ---- pure encoders ---- */
/* PkgLength for a body of body_len bytes that follow it: writes 1-4 bytes to
 * out and returns how many, or -E2BIG. The encoded value counts itself. */
int pvn_aml_pkglength_encode(size_t body_len, uint8_t out[4]);
/* Decode a PkgLength at p (at most avail bytes): returns the bytes it took
 * and sets *value (which counts those bytes), or -EINVAL. */
int pvn_aml_pkglength_decode(const uint8_t *p, size_t avail, uint32_t *value);
/* "PNP0501" -> the DWORD that EISAID("PNP0501") compiles to; -EINVAL if the
 * id is not three capitals and four hex digits. */
int pvn_aml_eisaid(const char *id, uint32_t *out);
/* Encode a NamePath ("\\_SB.COM1", "^FOO", "_HID", "\\") into out (at most
 * outlen bytes). Returns the length, -EINVAL for a bad name, -ENOSPC. */
int pvn_aml_namestring_encode(const char *path, uint8_t *out, size_t outlen);

/* ---- terms ---- */
void pvn_aml_raw(struct pvn_aml *a, const void *bytes, size_t n);
void pvn_aml_namestring(struct pvn_aml *a, const char *path);
void pvn_aml_scope_begin(struct pvn_aml *a, const char *path);
void pvn_aml_device_begin(struct pvn_aml *a, const char *path);
/* nargs 0-7; the body is yours: e.g. pvn_aml_return + pvn_aml_int. */
void pvn_aml_method_begin(struct pvn_aml *a, const char *path, unsigned nargs, bool serialized);
/* Close the innermost open block. */
void pvn_aml_end(struct pvn_aml *a);
/* Name(path, ...): follow with exactly one data object. */
void pvn_aml_name(struct pvn_aml *a, const char *path);
/* Return(...): follow with the value. */
void pvn_aml_return(struct pvn_aml *a);
/* Method(path, 0, NotSerialized) { Return (v) } — e.g. _STA. */
void pvn_aml_method_return_int(struct pvn_aml *a, const char *path, uint64_t v);

/* ---- data objects (counted as elements inside a package) ---- */
/* The shortest encoding: Zero, One, Ones, Byte/Word/DWord/QWordConst. */
void pvn_aml_int(struct pvn_aml *a, uint64_t v);
void pvn_aml_byte(struct pvn_aml *a, uint8_t v);
void pvn_aml_word(struct pvn_aml *a, uint16_t v);
void pvn_aml_dword(struct pvn_aml *a, uint32_t v);
void pvn_aml_qword(struct pvn_aml *a, uint64_t v);
void pvn_aml_zero(struct pvn_aml *a);
void pvn_aml_one(struct pvn_aml *a);
/* ASCII 0x01-0x7f only. */
void pvn_aml_string(struct pvn_aml *a, const char *s);
/* EISAID("PNP0501"): a DWordConst. */
void pvn_aml_eisaid_obj(struct pvn_aml *a, const char *id);
/* Package() { ... }: up to 255 elements. */
void pvn_aml_package_begin(struct pvn_aml *a);

/* ---- resource templates: a Buffer of descriptors ended by an EndTag ---- */
void pvn_aml_rt_begin(struct pvn_aml *a);
/* Appends the EndTag (checksum 0: "assume valid") and closes the buffer. */
void pvn_aml_rt_end(struct pvn_aml *a);
void pvn_aml_rt_io(struct pvn_aml *a, bool decode16, uint16_t min, uint16_t max, uint8_t align,
		   uint8_t len);
void pvn_aml_rt_fixed_io(struct pvn_aml *a, uint16_t base, uint8_t len);
/* IRQNoFlags(){...}: edge, active high, exclusive. mask: bit n = IRQ n. */
void pvn_aml_rt_irq_noflags(struct pvn_aml *a, uint16_t mask);
void pvn_aml_rt_irq(struct pvn_aml *a, uint16_t mask, unsigned irq_flags);
void pvn_aml_rt_memory32_fixed(struct pvn_aml *a, bool rw, uint32_t base, uint32_t len);
/* DWordMemory / QWordMemory over [base, base+len) with granularity and
 * translation 0; gflags PVN_AML_ADDR_*, mflags PVN_AML_MEM_*. */
void pvn_aml_rt_dword_memory(struct pvn_aml *a, unsigned gflags, unsigned mflags, uint32_t base,
			     uint32_t len);
void pvn_aml_rt_qword_memory(struct pvn_aml *a, unsigned gflags, unsigned mflags, uint64_t base,
			     uint64_t len);

#endif
