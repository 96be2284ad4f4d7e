/* SPDX-License-Identifier: MIT */
/* Private to libparavane-igvm. */
#ifndef PVN_IGVM_INTERNAL_H
#define PVN_IGVM_INTERNAL_H

#include <stdarg.h>
#include <string.h>

#include <paravane/igvm.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "libparavane-igvm overlays little-endian on-disk structs; big-endian hosts are unsupported"
#endif

#define PVN_IGVM_NO_PLATFORM 0xffu

struct pvn_igvm {
	const uint8_t *buf;
	size_t len;
	struct igvm_fixed_header_v2 fh; /* v1 files: arch/page size filled in */
	uint32_t fixed_size;
	uint32_t data_start;
	struct pvn_igvm_header *hdr;
	size_t nr_hdr;
	size_t hdr_cap;
	/* Platforms in file order; bit -> platform type for mask lookups. */
	struct igvm_vhs_supported_platform plat[32];
	size_t nr_plat;
	uint8_t bit_type[32];
	uint8_t bit_vtl[32];
};

static inline uint32_t pvn_igvm_align8(uint32_t v)
{
	return (v + 7u) & ~7u;
}

/* Fill err (if any) and return code; the message is prefixed with the header. */
int pvn_igvm_set_err(struct pvn_igvm_error *err, int code, const struct pvn_igvm *f, long idx,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Platform type of a single-bit or exact mask, PVN_IGVM_NO_PLATFORM if none. */
uint8_t pvn_igvm_mask_platform(const struct pvn_igvm *f, uint32_t mask);

#endif
