/* SPDX-License-Identifier: MIT */
/*
 * libparavane-igvm: read, validate, write and load IGVM files.
 *
 * Conventions:
 *  - Functions return 0 (or a count) on success and a negative
 *    enum pvn_igvm_err value on failure; pvn_igvm_strerror() names it.
 *  - Functions that can fail on file contents take an optional
 *    struct pvn_igvm_error *, filled with the code, the index/type/offset of
 *    the offending variable header and a one-line message.
 *  - The library keeps no global state; all objects are independent.
 */
#ifndef PARAVANE_IGVM_H
#define PARAVANE_IGVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <paravane/igvm_defs.h>

#ifdef __cplusplus
extern "C" {
#endif

enum pvn_igvm_err {
	PVN_IGVM_OK = 0,
	PVN_IGVM_E_NOMEM = -1, /* allocation failed */
	PVN_IGVM_E_INVAL = -2, /* bad argument to an API call */
	/* fixed header */
	PVN_IGVM_E_TRUNCATED = -10, /* buffer shorter than the fixed header */
	PVN_IGVM_E_BAD_MAGIC = -11,
	PVN_IGVM_E_BAD_VERSION = -12,
	PVN_IGVM_E_BAD_ARCH = -13,         /* v2 architecture unknown */
	PVN_IGVM_E_PAGE_SIZE = -14,        /* v2 page size other than 4 KiB */
	PVN_IGVM_E_FILE_SIZE = -15,        /* total_file_size != buffer length */
	PVN_IGVM_E_VAR_HEADER_RANGE = -16, /* variable header section misplaced */
	PVN_IGVM_E_CHECKSUM = -17,
	/* variable header framing */
	PVN_IGVM_E_HEADER_TRUNCATED = -20, /* TLV runs past the section */
	PVN_IGVM_E_HEADER_PADDING = -21,   /* non-zero alignment padding */
	PVN_IGVM_E_SECTION_ORDER = -22,    /* platform < init < directive violated */
	PVN_IGVM_E_UNKNOWN_TYPE = -23,     /* unknown type without the optional bit */
	PVN_IGVM_E_HEADER_LENGTH = -24,    /* known type, wrong body length */
	PVN_IGVM_E_RESERVED = -25,         /* reserved field not zero */
	/* platform headers */
	PVN_IGVM_E_NO_PLATFORM = -30,
	PVN_IGVM_E_PLATFORM_TYPE = -31,
	PVN_IGVM_E_PLATFORM_VERSION = -32,
	PVN_IGVM_E_PLATFORM_DUPLICATE = -33, /* two headers, same isolation type */
	PVN_IGVM_E_PLATFORM_ARCH = -34,      /* platform not valid on the file's arch */
	PVN_IGVM_E_SHARED_GPA_BOUNDARY = -35,
	PVN_IGVM_E_VTL = -36,
	PVN_IGVM_E_COMPAT_MASK = -37,             /* platform mask not exactly one (free) bit */
	PVN_IGVM_E_COMPAT_MASK_NO_PLATFORM = -38, /* mask 0 or names no declared platform */
	/* initialization headers */
	PVN_IGVM_E_HEADER_ARCH = -40, /* header type not valid on the file's arch */
	PVN_IGVM_E_CCA_POLICY_MASK = -41,
	PVN_IGVM_E_ONES_ZEROES = -42,
	PVN_IGVM_E_RELOC_SIZE = -43,
	PVN_IGVM_E_RELOC_ALIGNMENT = -44,
	PVN_IGVM_E_RELOC_ADDRESS = -45,
	PVN_IGVM_E_PT_REGION_SIZE = -46,
	PVN_IGVM_E_MULTIPLE_PT_RELOC = -47,
	PVN_IGVM_E_RELOC_OVERLAP = -48,
	PVN_IGVM_E_CORIM_DUPLICATE = -49,
	PVN_IGVM_E_CORIM_MISSING_DOC = -50,
	/* directive headers */
	PVN_IGVM_E_UNALIGNED_ADDRESS = -60,
	PVN_IGVM_E_UNALIGNED_SIZE = -61,
	PVN_IGVM_E_PAGE_DATA_TYPE = -62,
	PVN_IGVM_E_DATA_RANGE = -63,              /* file data outside the file data section */
	PVN_IGVM_E_DATA_OVERFLOW = -64,           /* file offset + length overflows */
	PVN_IGVM_E_PARAM_AREA_DUPLICATE = -65,    /* PARAMETER_AREA index declared twice */
	PVN_IGVM_E_PARAM_AREA_UNDECLARED = -66,   /* parameter names no live area */
	PVN_IGVM_E_PARAM_INSERT_UNDECLARED = -67, /* insert of no live area */
	PVN_IGVM_E_PARAM_OFFSET = -68,            /* parameter byte_offset past the area */
	PVN_IGVM_E_PARAM_INSERT_IN_PT = -69,      /* insert inside a page table region */
	PVN_IGVM_E_PAGE_DATA_OVERLAP = -70,
	PVN_IGVM_E_VP_CONTEXT_PLATFORM = -71, /* mask names no VP-context platform */
	PVN_IGVM_E_VP_CONTEXT = -72,          /* malformed VP context data */
	PVN_IGVM_E_VBS_NO_REGISTERS = -73,
	PVN_IGVM_E_VBS_REGISTER = -74, /* register not allowed in a VBS context */
	PVN_IGVM_E_VP_CONTEXT_MISSING = -75,
	PVN_IGVM_E_VP_CONTEXT_DUPLICATE = -76,
	/* writer */
	PVN_IGVM_E_TOO_LARGE = -80, /* file would exceed 4 GiB */
	/* loader */
	PVN_IGVM_E_LOAD_PLATFORM = -90,        /* requested platform not in the file */
	PVN_IGVM_E_LOAD_REQUIRED_MEMORY = -91, /* REQUIRED_MEMORY not backed by RAM */
	PVN_IGVM_E_LOAD_MEMORY_MAP = -92,      /* memory map does not fit / is invalid */
	PVN_IGVM_E_LOAD_PARAM_FIT = -93,       /* parameter value does not fit the area */
	PVN_IGVM_E_LOAD_GPA = -94,             /* page/insert GPA not backed by RAM */
	PVN_IGVM_E_LOAD_VMM = -95,             /* a VMM callback failed */
	PVN_IGVM_E_LOAD_UNSUPPORTED = -96,     /* directive this loader cannot honour */
};

/* Name of an error code ("bad checksum", ...); never NULL. */
const char *pvn_igvm_strerror(int err);

/* Details of a failure. header_index is -1 when no header is involved. */
struct pvn_igvm_error {
	int code;
	long header_index;
	uint32_t header_type;
	uint32_t file_offset; /* of the header's TLV, or of the bad field */
	char msg[256];
};

/* "PAGE_DATA", "SUPPORTED_PLATFORM", ... or NULL for unknown types. */
const char *pvn_igvm_type_name(uint32_t type);
/* "NATIVE", "VSM_ISOLATION", ... or NULL. */
const char *pvn_igvm_platform_name(uint8_t platform_type);
/* CRC-32 (IEEE 802.3, the one zlib computes), chainable: start with crc=0. */
uint32_t pvn_igvm_crc32(uint32_t crc, const void *buf, size_t len);

/* ---- parsing ------------------------------------------------------------ */

enum pvn_igvm_section {
	PVN_IGVM_SECTION_PLATFORM = 0,
	PVN_IGVM_SECTION_INIT = 1,
	PVN_IGVM_SECTION_DIRECTIVE = 2,
};

/* Kind of a VP_CONTEXT's file data, decided by the platform its mask names. */
enum pvn_igvm_vp_kind {
	PVN_IGVM_VP_NONE = 0,
	PVN_IGVM_VP_NATIVE_X64, /* struct igvm_native_vp_context_x64, 4 KiB */
	PVN_IGVM_VP_VBS,        /* igvm_vbs_vp_context_header + registers */
	PVN_IGVM_VP_SNP_VMSA,   /* 4 KiB SEV-ES/SNP VMSA */
	PVN_IGVM_VP_CCA,        /* struct igvm_vp_context_aarch64_cca, 4 KiB */
};

/* One variable header of a parsed file. Points into the caller's buffer. */
struct pvn_igvm_header {
	uint32_t type;    /* as on disk, optional bit included */
	uint32_t length;  /* body length */
	uint32_t offset;  /* file offset of the TLV */
	const void *body; /* the body (length bytes), unaligned in general */
	enum pvn_igvm_section section;
	bool known;                    /* false: unknown optional type, to be ignored */
	uint32_t compat_mask;          /* 0 for headers without one */
	uint32_t data_offset;          /* file data referenced, 0 if none */
	uint32_t data_size;            /* its size in bytes */
	uint8_t vtl;                   /* VP_CONTEXT: VTL the context is for */
	enum pvn_igvm_vp_kind vp_kind; /* VP_CONTEXT only */
};

struct pvn_igvm;

/*
 * Parse and fully validate an IGVM file held in memory. The returned object
 * borrows buf: keep it alive and unchanged until pvn_igvm_free(). On error
 * *out is NULL and err (if given) says what and where.
 */
int pvn_igvm_parse(const void *buf, size_t len, struct pvn_igvm **out, struct pvn_igvm_error *err);
void pvn_igvm_free(struct pvn_igvm *f);

uint32_t pvn_igvm_format_version(const struct pvn_igvm *f);
uint32_t pvn_igvm_arch(const struct pvn_igvm *f); /* IGVM_ARCH_* */
uint32_t pvn_igvm_page_size(const struct pvn_igvm *f);
/* The fixed header as read (v1 files: architecture=X64, page_size=4096). */
const struct igvm_fixed_header_v2 *pvn_igvm_fixed_header(const struct pvn_igvm *f);
/* Start of the file data section (fixed + variable headers). */
uint32_t pvn_igvm_file_data_start(const struct pvn_igvm *f);

size_t pvn_igvm_header_count(const struct pvn_igvm *f);
const struct pvn_igvm_header *pvn_igvm_header_at(const struct pvn_igvm *f, size_t i);
/* Iterate: pass NULL to get the first header; NULL at the end. */
const struct pvn_igvm_header *pvn_igvm_header_next(const struct pvn_igvm *f,
                                                   const struct pvn_igvm_header *prev);
size_t pvn_igvm_header_index(const struct pvn_igvm *f, const struct pvn_igvm_header *h);
/*
 * The file data a header references (PAGE_DATA, PARAMETER_AREA initial
 * contents, VP_CONTEXT, CORIM_*). Sets *data=NULL,*len=0 when the header
 * references none (file_offset 0 means "zeroes").
 */
void pvn_igvm_header_data(const struct pvn_igvm *f, const struct pvn_igvm_header *h,
                          const void **data, size_t *len);

/* Number of SUPPORTED_PLATFORM headers and access to them. */
size_t pvn_igvm_platform_count(const struct pvn_igvm *f);
const struct igvm_vhs_supported_platform *pvn_igvm_platform_at(const struct pvn_igvm *f, size_t i);
/* Compatibility mask bit of the platform of that type, 0 if absent. */
uint32_t pvn_igvm_platform_mask(const struct pvn_igvm *f, uint8_t platform_type);

/*
 * Decode an x64 VP_CONTEXT (native or VBS register list) into the native
 * layout, so a VMM has one format to program. Returns PVN_IGVM_E_INVAL for
 * other kinds.
 */
int pvn_igvm_vp_context_x64(const struct pvn_igvm *f, const struct pvn_igvm_header *h,
                            struct igvm_native_vp_context_x64 *out);

/* ---- writing -------------------------------------------------------------- */

struct pvn_igvm_writer;

/* version: IGVM_FORMAT_VERSION_1 (x64 only) or _2; arch: IGVM_ARCH_*. */
struct pvn_igvm_writer *pvn_igvm_writer_new(uint32_t version, uint32_t arch);
void pvn_igvm_writer_free(struct pvn_igvm_writer *w);

/*
 * Append any variable header. body/len is the header body as on disk. If
 * data is non-NULL it is placed in the file data section (identical blobs
 * are stored once) and the header's file_offset field is set to it; for
 * types without such a field data must be NULL. Sections must be added in
 * order, which pvn_igvm_writer_finish() checks by parsing its own output.
 */
int pvn_igvm_writer_add_header(struct pvn_igvm_writer *w, uint32_t type, const void *body,
                               uint32_t len, const void *data, size_t data_len);

int pvn_igvm_writer_add_platform(struct pvn_igvm_writer *w, uint8_t platform_type,
                                 uint32_t compat_mask, uint8_t highest_vtl,
                                 uint64_t shared_gpa_boundary);
/* data may be shorter than a page (zero padded) or NULL (zero page). */
int pvn_igvm_writer_add_page_data(struct pvn_igvm_writer *w, uint64_t gpa, uint32_t compat_mask,
                                  uint32_t flags, uint16_t data_type, const void *data, size_t len);
/* init may be NULL (zeroed area) or shorter than bytes (zero padded). */
int pvn_igvm_writer_add_parameter_area(struct pvn_igvm_writer *w, uint32_t index, uint64_t bytes,
                                       const void *init, size_t init_len);
/* type: VP_COUNT_PARAMETER, MEMORY_MAP, COMMAND_LINE, MADT, SRAT, ... */
int pvn_igvm_writer_add_parameter(struct pvn_igvm_writer *w, uint32_t type, uint32_t index,
                                  uint32_t byte_offset);
int pvn_igvm_writer_add_parameter_insert(struct pvn_igvm_writer *w, uint64_t gpa,
                                         uint32_t compat_mask, uint32_t index);
int pvn_igvm_writer_add_required_memory(struct pvn_igvm_writer *w, uint64_t gpa,
                                        uint32_t compat_mask, uint32_t bytes, uint32_t flags);
/* Native x64 context, padded to 4 KiB in the file. */
int pvn_igvm_writer_add_vp_context_x64(struct pvn_igvm_writer *w, uint32_t compat_mask,
                                       uint16_t vp_index,
                                       const struct igvm_native_vp_context_x64 *ctx);
/* VBS (VSM_ISOLATION) context: all registers for one VTL. */
int pvn_igvm_writer_add_vp_context_vbs(struct pvn_igvm_writer *w, uint32_t compat_mask, uint8_t vtl,
                                       const uint32_t *names, const uint8_t (*values)[16],
                                       uint32_t count);

/* Writer flags: skip the final self-check (only for building bad test files). */
#define PVN_IGVM_WRITER_NO_VALIDATE (1u << 0)
void pvn_igvm_writer_set_flags(struct pvn_igvm_writer *w, unsigned flags);

/*
 * Lay out the file (fixed header, variable headers, file data), compute the
 * checksum and validate the result with pvn_igvm_parse(). On success *out is
 * a malloc'd buffer of *out_len bytes the caller frees.
 */
int pvn_igvm_writer_finish(struct pvn_igvm_writer *w, void **out, size_t *out_len,
                           struct pvn_igvm_error *err);

/*
 * Re-serialise a parsed file through the writer (unknown optional headers
 * are kept). For files made by this writer the output is byte-identical.
 */
int pvn_igvm_rewrite(const struct pvn_igvm *f, void **out, size_t *out_len,
                     struct pvn_igvm_error *err);

/* ---- loading into a VM ---------------------------------------------------- */

/* A range of guest physical memory, page aligned. */
struct pvn_igvm_mem_range {
	uint64_t gpa;
	uint64_t size;
	uint16_t type;  /* IGVM_MEMORY_MAP_* as reported in MEMORY_MAP */
	uint16_t flags; /* reported as-is in MEMORY_MAP entries */
};

/* What the VMM offers the guest; used for checks and default parameters. */
struct pvn_igvm_vmm_info {
	const struct pvn_igvm_mem_range *mem; /* sorted by gpa, non-overlapping */
	size_t nr_mem;
	uint32_t vp_count;
	const char *cmdline;                  /* COMMAND_LINE; NULL: keep the image's */
	struct igvm_vhs_memory_range mmio[2]; /* MMIO_RANGES, in pages */
	uint32_t environment_info;            /* IGVM_ENVIRONMENT_INFO_* */
};

/* Flags passed to import_pages(). */
#define PVN_IGVM_IMPORT_UNMEASURED (1u << 0) /* parameter areas, unmeasured data */
#define PVN_IGVM_IMPORT_SHARED     (1u << 1) /* host-visible */
#define PVN_IGVM_IMPORT_ZERO       (1u << 2) /* data is NULL: fill with zeroes */

/* A VP context handed to the VMM. */
struct pvn_igvm_vp_context {
	uint16_t vp_index;
	uint8_t vtl;
	enum pvn_igvm_vp_kind kind;
	uint64_t gpa;     /* SNP VMSA placement; 0 otherwise */
	const void *data; /* raw file data */
	size_t len;
	/* Decoded for NATIVE_X64 and (x64) VBS kinds; else zero. */
	struct igvm_native_vp_context_x64 x64;
};

/* Return value of fill_parameter() asking for the library's default fill. */
#define PVN_IGVM_FILL_DEFAULT 1

struct pvn_igvm_load_ops {
	/* The VMM's memory; every imported page must lie inside it. */
	const struct pvn_igvm_vmm_info *info;
	/*
	 * Copy len bytes to guest memory at gpa (page aligned, len a page
	 * multiple). data is NULL with PVN_IGVM_IMPORT_ZERO. data_type is an
	 * IGVM_PAGE_DATA_TYPE_*. Return 0 or a negative errno.
	 */
	int (*import_pages)(void *opaque, uint64_t gpa, const void *data, uint64_t len,
	                    uint32_t flags, uint16_t data_type);
	/*
	 * Optional. Fill parameter `type` at dst (avail bytes until the end of
	 * the area). Return 0 when done, PVN_IGVM_FILL_DEFAULT to let the
	 * library fill it from info (VP_COUNT, MEMORY_MAP, COMMAND_LINE,
	 * MMIO_RANGES, ENVIRONMENT_INFO; others stay zero), or a negative
	 * errno. NULL behaves as always returning PVN_IGVM_FILL_DEFAULT.
	 */
	int (*fill_parameter)(void *opaque, uint32_t type, void *dst, size_t avail);
	/* Receive a VP context for the selected platform. */
	int (*set_vp_context)(void *opaque, const struct pvn_igvm_vp_context *ctx);
};

/*
 * Load a parsed file into a VM for one platform. platform_mask is the
 * compatibility mask bit of the chosen SUPPORTED_PLATFORM (see
 * pvn_igvm_platform_mask()), or 0 for the file's first platform.
 *
 * Walks the directives in file order, honouring only those whose mask
 * includes the platform: PAGE_DATA -> import_pages(); PARAMETER_AREA is
 * staged in memory, its parameters filled (fill_parameter() or defaults),
 * and imported unmeasured at PARAMETER_INSERT; VP_CONTEXT ->
 * set_vp_context(); REQUIRED_MEMORY and every imported range are checked
 * against info->mem. Fails (err names the header) if the VMM's memory
 * cannot satisfy REQUIRED_MEMORY, a memory map does not fit its area, a
 * parameter does not fit, or a callback fails. Headers for other
 * platforms, measurement/policy headers and unknown optional headers are
 * skipped.
 */
int pvn_igvm_load(const struct pvn_igvm *f, const struct pvn_igvm_load_ops *ops, void *opaque,
                  uint32_t platform_mask, struct pvn_igvm_error *err);

/*
 * Encode a MEMORY_MAP parameter: one igvm_vhs_memory_map_entry per range.
 * Returns the number of bytes written, or PVN_IGVM_E_LOAD_MEMORY_MAP if
 * the ranges do not fit in avail bytes or are not page aligned.
 */
long pvn_igvm_encode_memory_map(void *dst, size_t avail, const struct pvn_igvm_mem_range *mem,
                                size_t nr_mem);

#ifdef __cplusplus
}
#endif

#endif /* PARAVANE_IGVM_H */
