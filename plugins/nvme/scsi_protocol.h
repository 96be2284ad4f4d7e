/* SPDX-License-Identifier: MIT */
/*
 * SCSI wire formats the nvme plugin parses and produces (SPC-4/SBC-3):
 * opcodes, CDB layouts, fixed-format sense data, INQUIRY data and the VPD
 * pages Linux's sd asks for, READ CAPACITY data, the UNMAP parameter list,
 * mode pages. SCSI is big-endian: multi-byte fields are byte arrays read
 * with scsi_get_be*() / written with scsi_put_be*().
 */
#ifndef PVN_NVME_SCSI_PROTOCOL_H
#define PVN_NVME_SCSI_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

/* ---- opcodes ---- */
#define SCSI_TEST_UNIT_READY      0x00
#define SCSI_REQUEST_SENSE        0x03
#define SCSI_INQUIRY              0x12
#define SCSI_MODE_SELECT_6        0x15
#define SCSI_MODE_SENSE_6         0x1a
#define SCSI_START_STOP_UNIT      0x1b
#define SCSI_PREVENT_ALLOW        0x1e
#define SCSI_READ_CAPACITY_10     0x25
#define SCSI_READ_10              0x28
#define SCSI_WRITE_10             0x2a
#define SCSI_VERIFY_10            0x2f
#define SCSI_SYNCHRONIZE_CACHE_10 0x35
#define SCSI_WRITE_SAME_10        0x41
#define SCSI_UNMAP                0x42
#define SCSI_MODE_SELECT_10       0x55
#define SCSI_MODE_SENSE_10        0x5a
#define SCSI_READ_16              0x88
#define SCSI_WRITE_16             0x8a
#define SCSI_SYNCHRONIZE_CACHE_16 0x91
#define SCSI_WRITE_SAME_16        0x93
#define SCSI_SERVICE_ACTION_IN_16 0x9e
#define SCSI_SAI_READ_CAPACITY_16 0x10
#define SCSI_REPORT_LUNS          0xa0

/* ---- status ---- */
#define SCSI_STATUS_GOOD            0x00
#define SCSI_STATUS_CHECK_CONDITION 0x02

/* ---- sense keys and additional sense codes ---- */
#define SCSI_SK_NO_SENSE        0x0
#define SCSI_SK_NOT_READY       0x2
#define SCSI_SK_MEDIUM_ERROR    0x3
#define SCSI_SK_HARDWARE_ERROR  0x4
#define SCSI_SK_ILLEGAL_REQUEST 0x5
#define SCSI_SK_UNIT_ATTENTION  0x6
#define SCSI_SK_DATA_PROTECT    0x7
#define SCSI_SK_ABORTED_COMMAND 0xb

#define SCSI_ASC_WRITE_ERROR                 0x0c
#define SCSI_ASC_UNRECOVERED_READ_ERROR      0x11
#define SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR 0x1a
#define SCSI_ASC_INVALID_OPCODE              0x20
#define SCSI_ASC_LBA_OUT_OF_RANGE            0x21
#define SCSI_ASC_INVALID_FIELD_IN_CDB        0x24
#define SCSI_ASC_LUN_NOT_SUPPORTED           0x25
#define SCSI_ASC_INVALID_FIELD_IN_PARAM_LIST 0x26
#define SCSI_ASC_WRITE_PROTECTED             0x27 /* ascq 0: write protected */
#define SCSI_ASCQ_SPACE_ALLOC_FAILED         0x07 /* with 0x27 */
#define SCSI_ASC_INTERNAL_TARGET_FAILURE     0x44

/* Fixed-format sense data (response code 0x70), 18 bytes. */
#define SCSI_SENSE_FIXED_CURRENT 0x70
struct scsi_sense_fixed {
	uint8_t response_code; /* 0x70, bit 7 VALID */
	uint8_t obsolete;
	uint8_t sense_key; /* low nibble */
	uint8_t information[4];
	uint8_t additional_length; /* bytes after this one: 10 */
	uint8_t command_specific[4];
	uint8_t asc;
	uint8_t ascq;
	uint8_t fru_code;
	uint8_t sense_key_specific[3];
};

/* ---- CDBs ---- */
struct scsi_cdb6 { /* INQUIRY, MODE SENSE(6), TEST UNIT READY, ... */
	uint8_t opcode;
	uint8_t byte1;  /* INQUIRY: EVPD bit 0; MODE SENSE: DBD bit 3 */
	uint8_t byte2;  /* INQUIRY: page code; MODE SENSE: PC bits 7-6, page 5-0 */
	uint8_t byte3;  /* INQUIRY: allocation length MSB; MODE SENSE: subpage */
	uint8_t length; /* allocation length (INQUIRY: LSB) */
	uint8_t control;
};

struct scsi_cdb10 { /* READ(10), WRITE(10), SYNCHRONIZE CACHE(10), ... */
	uint8_t opcode;
	uint8_t flags; /* RW: FUA bit 3 */
	uint8_t lba[4];
	uint8_t group;
	uint8_t length[2]; /* blocks */
	uint8_t control;
};

struct scsi_cdb16 { /* READ(16), WRITE(16), SYNCHRONIZE CACHE(16), WRITE SAME(16) */
	uint8_t opcode;
	uint8_t flags; /* RW: FUA bit 3; WRITE SAME: UNMAP bit 3, ANCHOR bit 4, NDOB bit 0 */
	uint8_t lba[8];
	uint8_t length[4]; /* blocks */
	uint8_t group;
	uint8_t control;
};

struct scsi_cdb_mode_sense10 {
	uint8_t opcode;
	uint8_t flags; /* DBD bit 3, LLBAA bit 4 */
	uint8_t page;  /* PC bits 7-6, page code 5-0 */
	uint8_t subpage;
	uint8_t reserved[3];
	uint8_t alloc_len[2];
	uint8_t control;
};

struct scsi_cdb_unmap {
	uint8_t opcode;
	uint8_t anchor; /* bit 0 */
	uint8_t reserved[4];
	uint8_t group;
	uint8_t param_len[2];
	uint8_t control;
};

struct scsi_cdb_read_capacity16 { /* SERVICE ACTION IN(16) / 0x10 */
	uint8_t opcode;
	uint8_t service_action; /* low 5 bits */
	uint8_t lba[8];
	uint8_t alloc_len[4];
	uint8_t pmi;
	uint8_t control;
};

struct scsi_cdb_report_luns {
	uint8_t opcode;
	uint8_t reserved;
	uint8_t select_report;
	uint8_t reserved2[3];
	uint8_t alloc_len[4];
	uint8_t reserved3;
	uint8_t control;
};

/* ---- data ---- */
/* Standard INQUIRY data, the first 36 bytes. */
struct scsi_inquiry_std {
	uint8_t peripheral; /* qualifier bits 7-5, device type 4-0 */
	uint8_t rmb;
	uint8_t version;           /* 0x06: SPC-4 */
	uint8_t response_format;   /* 0x02; HISUP bit 4 */
	uint8_t additional_length; /* n - 4 */
	uint8_t flags5;            /* TPGS, 3PC, PROTECT */
	uint8_t flags6;
	uint8_t flags7; /* CMDQUE bit 1 */
	char vendor[8];
	char product[16];
	char revision[4];
};

#define SCSI_TYPE_DISK        0x00
#define SCSI_PQ_NOT_CONNECTED 0x7f /* qualifier 011b, type 1Fh: no LU here */

/* VPD page header (every page). */
struct scsi_vpd_header {
	uint8_t peripheral;
	uint8_t page_code;
	uint8_t page_length[2];
};

/* Device identification (0x83): one designation descriptor header. */
struct scsi_designator {
	uint8_t code_set; /* protocol id 7-4, code set 3-0 (1 binary, 2 ASCII) */
	uint8_t type;     /* PIV bit 7, association 5-4, designator type 3-0 */
	uint8_t reserved;
	uint8_t length;
};
#define SCSI_DESIG_T10_VENDOR 0x1
#define SCSI_DESIG_NAA        0x3

/* Block limits (0xB0), page length 0x3c. */
struct scsi_vpd_block_limits {
	struct scsi_vpd_header h;
	uint8_t wsnz;
	uint8_t max_compare_write;
	uint8_t opt_xfer_granularity[2];
	uint8_t max_xfer_len[4];
	uint8_t opt_xfer_len[4];
	uint8_t max_prefetch_len[4];
	uint8_t max_unmap_lba_count[4];
	uint8_t max_unmap_desc_count[4];
	uint8_t opt_unmap_granularity[4];
	uint8_t unmap_granularity_align[4];
	uint8_t max_write_same_len[8];
	uint8_t reserved[20];
};

/* Block device characteristics (0xB1), page length 0x3c. */
struct scsi_vpd_block_chars {
	struct scsi_vpd_header h;
	uint8_t rotation_rate[2]; /* 1: non-rotating */
	uint8_t product_type;
	uint8_t form_factor;
	uint8_t flags;
	uint8_t reserved[55];
};

/* Logical block provisioning (0xB2), page length 4. */
struct scsi_vpd_lbp {
	struct scsi_vpd_header h;
	uint8_t threshold_exponent;
	uint8_t flags; /* LBPU bit 7, LBPWS bit 6, LBPWS10 bit 5, LBPRZ bits 4-2, ANC_SUP 1, DP 0 */
	uint8_t provisioning_type; /* bits 2-0: 2 = thin */
	uint8_t reserved;
};
#define SCSI_LBP_LBPU  0x80
#define SCSI_LBP_LBPWS 0x40
#define SCSI_LBP_LBPRZ 0x04 /* unmapped blocks read zero */

/* READ CAPACITY(10) and (16) data. */
struct scsi_read_capacity10_data {
	uint8_t last_lba[4];
	uint8_t block_size[4];
};

struct scsi_read_capacity16_data {
	uint8_t last_lba[8];
	uint8_t block_size[4];
	uint8_t prot;          /* P_TYPE, PROT_EN */
	uint8_t exponents;     /* logical blocks per physical block exponent 3-0 */
	uint8_t lbp_lowest[2]; /* LBPME bit 15, LBPRZ bit 14, lowest aligned LBA */
	uint8_t reserved[16];
};
#define SCSI_RC16_LBPME 0x80 /* in lbp_lowest[0] */
#define SCSI_RC16_LBPRZ 0x40

/* UNMAP parameter list: header, then 16-byte block descriptors. */
struct scsi_unmap_header {
	uint8_t data_len[2];       /* bytes after this field */
	uint8_t block_desc_len[2]; /* bytes of descriptors */
	uint8_t reserved[4];
};

struct scsi_unmap_desc {
	uint8_t lba[8];
	uint8_t count[4];
	uint8_t reserved[4];
};

/* MODE SENSE headers and the pages we report. */
struct scsi_mode_header6 {
	uint8_t data_len; /* bytes after this one */
	uint8_t medium_type;
	uint8_t device_specific; /* WP bit 7, DPOFUA bit 4 */
	uint8_t block_desc_len;
};

struct scsi_mode_header10 {
	uint8_t data_len[2];
	uint8_t medium_type;
	uint8_t device_specific;
	uint8_t flags; /* LONGLBA bit 0 */
	uint8_t reserved;
	uint8_t block_desc_len[2];
};
#define SCSI_MODE_WP     0x80
#define SCSI_MODE_DPOFUA 0x10

struct scsi_block_desc8 { /* short block descriptor */
	uint8_t density;
	uint8_t blocks[3];
	uint8_t reserved;
	uint8_t block_len[3];
};

#define SCSI_MODE_PAGE_CACHING 0x08
#define SCSI_MODE_PAGE_CONTROL 0x0a
#define SCSI_MODE_PAGE_ALL     0x3f
struct scsi_mode_caching { /* page 0x08, 20 bytes */
	uint8_t page_code;
	uint8_t page_length; /* 0x12 */
	uint8_t flags;       /* WCE bit 2, RCD bit 0 */
	uint8_t retention;
	uint8_t rest[16];
};
#define SCSI_CACHING_WCE 0x04

struct scsi_mode_control { /* page 0x0a, 12 bytes */
	uint8_t page_code;
	uint8_t page_length; /* 0x0a */
	uint8_t flags2;
	uint8_t flags3;
	uint8_t flags4;
	uint8_t flags5;
	uint8_t obsolete[2];
	uint8_t busy_timeout[2];
	uint8_t self_test_time[2];
};

_Static_assert(sizeof(struct scsi_sense_fixed) == 18, "fixed sense is 18 bytes");
_Static_assert(offsetof(struct scsi_sense_fixed, asc) == 12, "ASC at byte 12");
_Static_assert(sizeof(struct scsi_cdb6) == 6, "6-byte CDB");
_Static_assert(sizeof(struct scsi_cdb10) == 10, "10-byte CDB");
_Static_assert(offsetof(struct scsi_cdb10, length) == 7, "CDB10 transfer length");
_Static_assert(sizeof(struct scsi_cdb16) == 16, "16-byte CDB");
_Static_assert(offsetof(struct scsi_cdb16, length) == 10, "CDB16 transfer length");
_Static_assert(sizeof(struct scsi_cdb_mode_sense10) == 10, "MODE SENSE(10) CDB");
_Static_assert(sizeof(struct scsi_cdb_unmap) == 10, "UNMAP CDB");
_Static_assert(offsetof(struct scsi_cdb_unmap, param_len) == 7, "UNMAP parameter list length");
_Static_assert(sizeof(struct scsi_cdb_read_capacity16) == 16, "READ CAPACITY(16) CDB");
_Static_assert(sizeof(struct scsi_cdb_report_luns) == 12, "REPORT LUNS CDB");
_Static_assert(sizeof(struct scsi_inquiry_std) == 36, "standard INQUIRY data");
_Static_assert(offsetof(struct scsi_inquiry_std, vendor) == 8, "T10 vendor id at 8");
_Static_assert(sizeof(struct scsi_vpd_header) == 4, "VPD header");
_Static_assert(sizeof(struct scsi_designator) == 4, "designation descriptor header");
_Static_assert(sizeof(struct scsi_vpd_block_limits) == 64, "block limits VPD");
_Static_assert(offsetof(struct scsi_vpd_block_limits, max_unmap_lba_count) == 20, "B0 layout");
_Static_assert(offsetof(struct scsi_vpd_block_limits, max_write_same_len) == 36, "B0 layout");
_Static_assert(sizeof(struct scsi_vpd_block_chars) == 64, "block characteristics VPD");
_Static_assert(sizeof(struct scsi_vpd_lbp) == 8, "logical block provisioning VPD");
_Static_assert(sizeof(struct scsi_read_capacity10_data) == 8, "READ CAPACITY(10) data");
_Static_assert(sizeof(struct scsi_read_capacity16_data) == 32, "READ CAPACITY(16) data");
_Static_assert(offsetof(struct scsi_read_capacity16_data, lbp_lowest) == 14, "RC16 layout");
_Static_assert(sizeof(struct scsi_unmap_header) == 8, "UNMAP parameter list header");
_Static_assert(sizeof(struct scsi_unmap_desc) == 16, "UNMAP block descriptor");
_Static_assert(sizeof(struct scsi_mode_header6) == 4, "mode parameter header(6)");
_Static_assert(sizeof(struct scsi_mode_header10) == 8, "mode parameter header(10)");
_Static_assert(sizeof(struct scsi_block_desc8) == 8, "short block descriptor");
_Static_assert(sizeof(struct scsi_mode_caching) == 20, "caching mode page");
_Static_assert(sizeof(struct scsi_mode_control) == 12, "control mode page");

static inline uint16_t scsi_get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t scsi_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t scsi_get_be64(const uint8_t *p)
{
	return (uint64_t)scsi_get_be32(p) << 32 | scsi_get_be32(p + 4);
}
static inline void scsi_put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}
static inline void scsi_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
static inline void scsi_put_be64(uint8_t *p, uint64_t v)
{
	scsi_put_be32(p, (uint32_t)(v >> 32));
	scsi_put_be32(p + 4, (uint32_t)v);
}

#endif
