/* SPDX-License-Identifier: MIT */
/*
 * SCSI CDB parsing and the emulated (no-I/O) commands. Every length and LBA
 * comes from the guest: each is checked against the CDB length, the disk's
 * capacity and the response buffer before it is used.
 */
#include "plugins/nvme/scsi.h"

#include <string.h>

#define ILLEGAL(s, asc) (scsi_sense_set((s), SCSI_SK_ILLEGAL_REQUEST, (asc), 0), -1)

/* CDB length from the opcode's group code (SPC-4 4.2.5.1); 0: a group we
 * do not accept (reserved or vendor specific). */
static size_t cdb_group_len(uint8_t opcode)
{
	switch (opcode >> 5) {
	case 0:
		return 6;
	case 1:
	case 2:
		return 10;
	case 4:
		return 16;
	case 5:
		return 12;
	default:
		return 0;
	}
}

/* An LBA range must lie inside the disk; checked without overflow. */
static bool range_ok(const struct scsi_disk *d, uint64_t lba, uint64_t blocks)
{
	return lba <= d->blocks && blocks <= d->blocks - lba;
}

static int parse_rw(const uint8_t *cdb, const struct scsi_disk *d, struct scsi_cmd *c,
                    struct scsi_sense *s, bool write, bool is16)
{
	uint64_t lba;
	uint32_t blocks;

	if (is16) {
		const struct scsi_cdb16 *x = (const void *)cdb;
		lba = scsi_get_be64(x->lba);
		blocks = scsi_get_be32(x->length);
	} else {
		const struct scsi_cdb10 *x = (const void *)cdb;
		lba = scsi_get_be32(x->lba);
		blocks = scsi_get_be16(x->length);
	}
	/* RDPROTECT/WRPROTECT (bits 7-5): we format no protection info. */
	if (cdb[1] & 0xe0)
		return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
	if (write && d->read_only) {
		scsi_sense_set(s, SCSI_SK_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED, 0);
		return -1;
	}
	if (!range_ok(d, lba, blocks))
		return ILLEGAL(s, SCSI_ASC_LBA_OUT_OF_RANGE);
	if (blocks > d->max_xfer_blocks)
		return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
	c->lba = lba;
	c->blocks = blocks;
	c->fua = (cdb[1] & 0x08) != 0;
	/* blocks <= max_xfer_blocks, whose byte size fits 32 bits (checked
	 * where the disk is set up). */
	c->xfer_len = blocks * d->block_size;
	if (!blocks) {
		c->action = SCSI_ACT_NONE;
		c->dir = SCSI_DIR_NONE;
	} else {
		c->action = write ? SCSI_ACT_WRITE : SCSI_ACT_READ;
		c->dir = write ? SCSI_DIR_OUT : SCSI_DIR_IN;
	}
	return 0;
}

int scsi_parse(const uint8_t *cdb, size_t len, const struct scsi_disk *d, struct scsi_cmd *c,
               struct scsi_sense *s)
{
	size_t need;
	uint8_t control;

	memset(c, 0, sizeof(*c));
	if (len < SCSI_CDB_MIN)
		return ILLEGAL(s, SCSI_ASC_INVALID_OPCODE);
	c->opcode = cdb[0];
	need = cdb_group_len(cdb[0]);
	if (!need)
		return ILLEGAL(s, SCSI_ASC_INVALID_OPCODE);
	if (len < need)
		return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
	/* NACA and the obsolete LINK bit: no ACA, no linked commands. */
	control = cdb[need - 1];
	if (control & 0x05)
		return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);

	switch (cdb[0]) {
	case SCSI_TEST_UNIT_READY:
		c->action = SCSI_ACT_NONE;
		return 0;
	case SCSI_INQUIRY:
		if (!(cdb[1] & 0x01) && cdb[2])
			return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
		if (cdb[1] & 0xfe)
			return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
		c->action = SCSI_ACT_EMULATE;
		c->dir = SCSI_DIR_IN;
		c->xfer_len = scsi_get_be16(cdb + 3);
		return 0;
	case SCSI_MODE_SENSE_6:
		c->action = SCSI_ACT_EMULATE;
		c->dir = SCSI_DIR_IN;
		c->xfer_len = cdb[4];
		return 0;
	case SCSI_MODE_SENSE_10:
		c->action = SCSI_ACT_EMULATE;
		c->dir = SCSI_DIR_IN;
		c->xfer_len = scsi_get_be16(cdb + 7);
		return 0;
	case SCSI_READ_CAPACITY_10:
		/* PMI and a non-zero LBA are obsolete (SBC-3): refuse them. */
		if ((cdb[8] & 1) || scsi_get_be32(cdb + 2))
			return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
		c->action = SCSI_ACT_EMULATE;
		c->dir = SCSI_DIR_IN;
		c->xfer_len = sizeof(struct scsi_read_capacity10_data);
		return 0;
	case SCSI_SERVICE_ACTION_IN_16:
		if ((cdb[1] & 0x1f) != SCSI_SAI_READ_CAPACITY_16)
			return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
		c->action = SCSI_ACT_EMULATE;
		c->dir = SCSI_DIR_IN;
		c->xfer_len = scsi_get_be32(cdb + 10);
		return 0;
	case SCSI_REPORT_LUNS:
		c->action = SCSI_ACT_EMULATE;
		c->dir = SCSI_DIR_IN;
		c->xfer_len = scsi_get_be32(cdb + 6);
		if (c->xfer_len < 16 || cdb[2] > 2)
			return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
		return 0;
	case SCSI_READ_10:
		return parse_rw(cdb, d, c, s, false, false);
	case SCSI_READ_16:
		return parse_rw(cdb, d, c, s, false, true);
	case SCSI_WRITE_10:
		return parse_rw(cdb, d, c, s, true, false);
	case SCSI_WRITE_16:
		return parse_rw(cdb, d, c, s, true, true);
	case SCSI_SYNCHRONIZE_CACHE_10:
	case SCSI_SYNCHRONIZE_CACHE_16: {
		uint64_t lba, blocks;
		if (cdb[0] == SCSI_SYNCHRONIZE_CACHE_10) {
			lba = scsi_get_be32(cdb + 2);
			blocks = scsi_get_be16(cdb + 7);
		} else {
			lba = scsi_get_be64(cdb + 2);
			blocks = scsi_get_be32(cdb + 10);
		}
		if (!range_ok(d, lba, blocks))
			return ILLEGAL(s, SCSI_ASC_LBA_OUT_OF_RANGE);
		/* The range is a hint: the whole write cache is flushed. */
		c->lba = lba;
		c->blocks = (uint32_t)blocks;
		c->action = SCSI_ACT_FLUSH;
		return 0;
	}
	case SCSI_UNMAP: {
		const struct scsi_cdb_unmap *x = (const void *)cdb;
		if (!d->discard)
			return ILLEGAL(s, SCSI_ASC_INVALID_OPCODE);
		if (d->read_only) {
			scsi_sense_set(s, SCSI_SK_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED, 0);
			return -1;
		}
		if (x->anchor & 1)
			return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
		c->xfer_len = scsi_get_be16(x->param_len);
		/* 0 means no data and nothing to do (SBC-3 5.28). */
		if (!c->xfer_len) {
			c->action = SCSI_ACT_NONE;
			return 0;
		}
		if (c->xfer_len < sizeof(struct scsi_unmap_header))
			return ILLEGAL(s, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
		c->action = SCSI_ACT_UNMAP;
		c->dir = SCSI_DIR_OUT;
		return 0;
	}
	case SCSI_WRITE_SAME_16: {
		const struct scsi_cdb16 *x = (const void *)cdb;
		/* Only the discard form: UNMAP set, ANCHOR, NDOB and the
		 * protection field clear (the block is zeros: checked later). */
		if (!d->discard)
			return ILLEGAL(s, SCSI_ASC_INVALID_OPCODE);
		if ((x->flags & 0xf9) != 0x08)
			return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
		if (d->read_only) {
			scsi_sense_set(s, SCSI_SK_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED, 0);
			return -1;
		}
		c->lba = scsi_get_be64(x->lba);
		c->blocks = scsi_get_be32(x->length);
		/* WSNZ is set in the block limits page: 0 blocks is refused. */
		if (!c->blocks || c->blocks > SCSI_MAX_UNMAP_BLOCKS)
			return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
		if (!range_ok(d, c->lba, c->blocks))
			return ILLEGAL(s, SCSI_ASC_LBA_OUT_OF_RANGE);
		c->action = SCSI_ACT_WRITE_SAME_UNMAP;
		c->dir = SCSI_DIR_OUT;
		c->xfer_len = d->block_size;
		return 0;
	}
	default:
		return ILLEGAL(s, SCSI_ASC_INVALID_OPCODE);
	}
}

size_t scsi_sense_build(const struct scsi_sense *s, uint8_t *out, size_t cap)
{
	struct scsi_sense_fixed f;

	if (cap < sizeof(f))
		return 0;
	memset(&f, 0, sizeof(f));
	f.response_code = SCSI_SENSE_FIXED_CURRENT;
	f.sense_key = s->key & 0x0f;
	f.additional_length = sizeof(f) - 8;
	f.asc = s->asc;
	f.ascq = s->ascq;
	memcpy(out, &f, sizeof(f));
	return sizeof(f);
}

static void pad_copy(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);
	memset(dst, ' ', n);
	memcpy(dst, src, l < n ? l : n);
}

static int inquiry_std(uint8_t *out, uint8_t peripheral)
{
	struct scsi_inquiry_std q;

	memset(&q, 0, sizeof(q));
	q.peripheral = peripheral;
	q.version = 0x06;                /* SPC-4 */
	q.response_format = 0x02 | 0x10; /* format 2, HISUP */
	q.additional_length = sizeof(q) - 5;
	q.flags7 = 0x02; /* CMDQUE */
	/* "Msft": Linux's storvsc gives a Msft device on a WIN10 host
	 * WRITE SAME (discard through WRITE SAME(16)). */
	pad_copy(q.vendor, sizeof(q.vendor), "Msft");
	pad_copy(q.product, sizeof(q.product), "Paravane Disk");
	pad_copy(q.revision, sizeof(q.revision), "1.0");
	memcpy(out, &q, sizeof(q));
	return sizeof(q);
}

static int vpd(uint8_t page, const struct scsi_disk *d, uint8_t *out, struct scsi_sense *s)
{
	struct scsi_vpd_header *h = (void *)out;
	size_t n = 0;

	memset(out, 0, 256);
	h->peripheral = SCSI_TYPE_DISK;
	h->page_code = page;
	switch (page) {
	case 0x00: {
		static const uint8_t pages[] = {0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2};
		memcpy(out + 4, pages, sizeof(pages));
		n = sizeof(pages);
		break;
	}
	case 0x80:
		n = strlen(d->serial);
		memcpy(out + 4, d->serial, n);
		break;
	case 0x83: {
		/* T10 vendor id: vendor + serial (ASCII), then an 8-byte NAA
		 * locally assigned id (binary), both for the LU. */
		struct scsi_designator *t = (void *)(out + 4);
		size_t sl = strlen(d->serial);
		t->code_set = 0x2;
		t->type = SCSI_DESIG_T10_VENDOR;
		t->length = (uint8_t)(8 + sl);
		memcpy(out + 8, "Msft    ", 8);
		memcpy(out + 16, d->serial, sl);
		n = 4 + 8 + sl;
		struct scsi_designator *a = (void *)(out + 4 + n);
		a->code_set = 0x1;
		a->type = SCSI_DESIG_NAA;
		a->length = 8;
		scsi_put_be64(out + 8 + n, (d->id & 0x0fffffffffffffffULL) | 0x3000000000000000ULL);
		n += 12;
		break;
	}
	case 0xb0: {
		struct scsi_vpd_block_limits *b = (void *)out;
		n = sizeof(*b) - 4;
		b->wsnz = 1;
		scsi_put_be16(b->opt_xfer_granularity, 1);
		scsi_put_be32(b->max_xfer_len, d->max_xfer_blocks);
		scsi_put_be32(b->opt_xfer_len, d->max_xfer_blocks);
		if (d->discard) {
			scsi_put_be32(b->max_unmap_lba_count, SCSI_MAX_UNMAP_BLOCKS);
			scsi_put_be32(b->max_unmap_desc_count, SCSI_MAX_UNMAP_DESC);
			scsi_put_be32(b->opt_unmap_granularity, 1);
			scsi_put_be64(b->max_write_same_len, SCSI_MAX_UNMAP_BLOCKS);
		}
		break;
	}
	case 0xb1: {
		struct scsi_vpd_block_chars *b = (void *)out;
		n = sizeof(*b) - 4;
		scsi_put_be16(b->rotation_rate, 1); /* non-rotating */
		break;
	}
	case 0xb2: {
		struct scsi_vpd_lbp *b = (void *)out;
		n = sizeof(*b) - 4;
		if (d->discard) {
			b->flags = SCSI_LBP_LBPU | SCSI_LBP_LBPWS | (d->lbprz ? SCSI_LBP_LBPRZ : 0);
			b->provisioning_type = 0x2; /* thin */
		}
		break;
	}
	default:
		return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
	}
	scsi_put_be16(h->page_length, (uint16_t)n);
	return (int)(n + 4);
}

/* The mode pages asked for (0x08, 0x0a or 0x3f for all), current or
 * changeable (all zero: nothing can be changed). */
static int mode_pages(uint8_t pc, uint8_t page, uint8_t sub, const struct scsi_disk *d,
                      uint8_t *out, struct scsi_sense *s)
{
	size_t n = 0;

	if (pc == 3)                     /* saved values */
		return ILLEGAL(s, 0x39); /* SAVING PARAMETERS NOT SUPPORTED */
	if (sub && !(page == SCSI_MODE_PAGE_ALL && sub == 0xff))
		return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
	if (page != SCSI_MODE_PAGE_CACHING && page != SCSI_MODE_PAGE_CONTROL &&
	    page != SCSI_MODE_PAGE_ALL)
		return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
	if (page == SCSI_MODE_PAGE_CACHING || page == SCSI_MODE_PAGE_ALL) {
		struct scsi_mode_caching c;
		memset(&c, 0, sizeof(c));
		c.page_code = SCSI_MODE_PAGE_CACHING;
		c.page_length = sizeof(c) - 2;
		if (pc == 0 || pc == 2)
			c.flags = d->vwc ? SCSI_CACHING_WCE : 0;
		memcpy(out + n, &c, sizeof(c));
		n += sizeof(c);
	}
	if (page == SCSI_MODE_PAGE_CONTROL || page == SCSI_MODE_PAGE_ALL) {
		struct scsi_mode_control c;
		memset(&c, 0, sizeof(c));
		c.page_code = SCSI_MODE_PAGE_CONTROL;
		c.page_length = sizeof(c) - 2;
		if (pc != 1)
			c.flags3 = 0x10; /* QUEUE ALGORITHM MODIFIER 1: unrestricted */
		memcpy(out + n, &c, sizeof(c));
		n += sizeof(c);
	}
	return (int)n;
}

static int mode_sense(const uint8_t *cdb, const struct scsi_disk *d, uint8_t *out,
                      struct scsi_sense *s)
{
	bool ten = cdb[0] == SCSI_MODE_SENSE_10;
	bool dbd = (cdb[1] & 0x08) != 0;
	size_t hdr = ten ? sizeof(struct scsi_mode_header10) : sizeof(struct scsi_mode_header6);
	size_t bd = dbd ? 0 : sizeof(struct scsi_block_desc8);
	uint8_t dev = (uint8_t)((d->read_only ? SCSI_MODE_WP : 0) | SCSI_MODE_DPOFUA);
	int n;

	memset(out, 0, 256);
	if (ten && (cdb[1] & 0x10)) /* LLBAA: long descriptors not offered */
		bd = dbd ? 0 : sizeof(struct scsi_block_desc8);
	n = mode_pages(cdb[2] >> 6, cdb[2] & 0x3f, cdb[3], d, out + hdr + bd, s);
	if (n < 0)
		return -1;
	if (bd) {
		struct scsi_block_desc8 b;
		memset(&b, 0, sizeof(b));
		/* blocks: 0xffffff when the count does not fit 24 bits */
		uint32_t cnt = d->blocks > 0xffffff ? 0xffffff : (uint32_t)d->blocks;
		b.blocks[0] = (uint8_t)(cnt >> 16);
		b.blocks[1] = (uint8_t)(cnt >> 8);
		b.blocks[2] = (uint8_t)cnt;
		b.block_len[0] = (uint8_t)(d->block_size >> 16);
		b.block_len[1] = (uint8_t)(d->block_size >> 8);
		b.block_len[2] = (uint8_t)d->block_size;
		memcpy(out + hdr, &b, sizeof(b));
	}
	if (ten) {
		struct scsi_mode_header10 *h = (void *)out;
		scsi_put_be16(h->data_len, (uint16_t)(hdr + bd + (size_t)n - 2));
		h->device_specific = dev;
		scsi_put_be16(h->block_desc_len, (uint16_t)bd);
	} else {
		struct scsi_mode_header6 *h = (void *)out;
		h->data_len = (uint8_t)(hdr + bd + (size_t)n - 1);
		h->device_specific = dev;
		h->block_desc_len = (uint8_t)bd;
	}
	return (int)(hdr + bd + (size_t)n);
}

static int report_luns(unsigned nr_luns, uint8_t *out, size_t cap)
{
	/* 8-byte header, then one 8-byte entry per LUN (single level,
	 * peripheral device addressing: LUN in byte 1). */
	size_t n = 8 + (size_t)nr_luns * 8;
	if (n > cap)
		n = cap - cap % 8, nr_luns = (unsigned)(n / 8 - 1);
	memset(out, 0, n);
	scsi_put_be32(out, nr_luns * 8);
	for (unsigned i = 0; i < nr_luns; i++)
		out[8 + i * 8 + 1] = (uint8_t)i;
	return (int)n;
}

int scsi_emulate(const uint8_t *cdb, size_t len, const struct scsi_disk *d, unsigned nr_luns,
                 uint8_t *out, size_t cap, struct scsi_sense *s)
{
	if (len < SCSI_CDB_MIN || cap < SCSI_EMULATE_MAX)
		return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
	switch (cdb[0]) {
	case SCSI_INQUIRY:
		if (cdb[1] & 0x01)
			return vpd(cdb[2], d, out, s);
		return inquiry_std(out, SCSI_TYPE_DISK);
	case SCSI_MODE_SENSE_6:
	case SCSI_MODE_SENSE_10:
		return mode_sense(cdb, d, out, s);
	case SCSI_READ_CAPACITY_10: {
		struct scsi_read_capacity10_data r;
		uint64_t last = d->blocks ? d->blocks - 1 : 0;
		/* 0xffffffff: too big for READ CAPACITY(10), ask with (16). */
		scsi_put_be32(r.last_lba, last > 0xfffffffeULL ? 0xffffffffu : (uint32_t)last);
		scsi_put_be32(r.block_size, d->block_size);
		memcpy(out, &r, sizeof(r));
		return sizeof(r);
	}
	case SCSI_SERVICE_ACTION_IN_16: {
		struct scsi_read_capacity16_data r;
		memset(&r, 0, sizeof(r));
		scsi_put_be64(r.last_lba, d->blocks ? d->blocks - 1 : 0);
		scsi_put_be32(r.block_size, d->block_size);
		if (d->discard)
			r.lbp_lowest[0] = SCSI_RC16_LBPME | (d->lbprz ? SCSI_RC16_LBPRZ : 0);
		memcpy(out, &r, sizeof(r));
		return sizeof(r);
	}
	case SCSI_REPORT_LUNS:
		return report_luns(nr_luns, out, cap);
	default:
		return ILLEGAL(s, SCSI_ASC_INVALID_OPCODE);
	}
}

int scsi_emulate_absent(const uint8_t *cdb, size_t len, uint8_t *out, size_t cap,
                        struct scsi_sense *s)
{
	if (len < SCSI_CDB_MIN || cap < SCSI_EMULATE_MAX)
		return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_CDB);
	if (cdb[0] == SCSI_INQUIRY && !(cdb[1] & 1))
		return inquiry_std(out, SCSI_PQ_NOT_CONNECTED);
	if (cdb[0] == SCSI_REPORT_LUNS && len >= 12 && scsi_get_be32(cdb + 6) >= 16)
		return report_luns(0, out, cap);
	return ILLEGAL(s, SCSI_ASC_LUN_NOT_SUPPORTED);
}

int scsi_unmap_parse(const uint8_t *p, size_t len, const struct scsi_disk *d,
                     struct scsi_extent *out, unsigned max, unsigned *n, struct scsi_sense *s)
{
	const struct scsi_unmap_header *h = (const void *)p;
	size_t data_len, desc_len, count;

	*n = 0;
	if (len < sizeof(*h))
		return ILLEGAL(s, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
	data_len = scsi_get_be16(h->data_len);
	desc_len = scsi_get_be16(h->block_desc_len);
	/* Both lengths must describe what was sent, descriptors whole. */
	if (data_len + 2 > len || desc_len + sizeof(*h) > len || desc_len + 6 > data_len ||
	    desc_len % sizeof(struct scsi_unmap_desc))
		return ILLEGAL(s, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
	count = desc_len / sizeof(struct scsi_unmap_desc);
	if (count > max || count > SCSI_MAX_UNMAP_DESC)
		return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_PARAM_LIST);
	for (size_t i = 0; i < count; i++) {
		const struct scsi_unmap_desc *e =
		    (const void *)(p + sizeof(*h) + i * sizeof(struct scsi_unmap_desc));
		uint64_t lba = scsi_get_be64(e->lba);
		uint32_t blocks = scsi_get_be32(e->count);
		if (blocks > SCSI_MAX_UNMAP_BLOCKS)
			return ILLEGAL(s, SCSI_ASC_INVALID_FIELD_IN_PARAM_LIST);
		if (!range_ok(d, lba, blocks))
			return ILLEGAL(s, SCSI_ASC_LBA_OUT_OF_RANGE);
		out[i].lba = lba;
		out[i].blocks = blocks;
	}
	*n = (unsigned)count;
	return 0;
}
