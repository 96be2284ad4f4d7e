/* SPDX-License-Identifier: MIT */
/*
 * The nvme plugin's SCSI target: the CDB parser (every command the issue
 * lists, and the refusals with their sense), the emulated responses
 * (INQUIRY, VPD 00/80/83/B0/B1/B2, READ CAPACITY 10/16, MODE SENSE 6/10,
 * REPORT LUNS), the absent-LUN answers and the UNMAP parameter list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "plugins/nvme/scsi.h"

static const struct scsi_disk disk = {
    .blocks = 131072, /* 64 MiB of 512-byte blocks */
    .block_size = 512,
    .max_xfer_blocks = 2048,
    .discard = true,
    .vwc = true,
    .lbprz = true,
    .serial = "SER123-0",
    .id = 0x1122334455667788ULL,
};

static void expect_sense(const struct scsi_sense *s, uint8_t key, uint8_t asc)
{
	assert_int_equal(s->key, key);
	assert_int_equal(s->asc, asc);
}

static void cdb10(uint8_t *c, uint8_t op, uint32_t lba, uint16_t n)
{
	memset(c, 0, 16);
	c[0] = op;
	scsi_put_be32(c + 2, lba);
	scsi_put_be16(c + 7, n);
}

static void cdb16(uint8_t *c, uint8_t op, uint64_t lba, uint32_t n)
{
	memset(c, 0, 16);
	c[0] = op;
	scsi_put_be64(c + 2, lba);
	scsi_put_be32(c + 10, n);
}

static void test_rw(void **st)
{
	uint8_t c[16];
	struct scsi_cmd cmd;
	struct scsi_sense s;
	struct scsi_disk ro = disk;

	(void)st;
	cdb10(c, SCSI_READ_10, 100, 8);
	assert_int_equal(scsi_parse(c, 10, &disk, &cmd, &s), 0);
	assert_int_equal(cmd.action, SCSI_ACT_READ);
	assert_int_equal(cmd.dir, SCSI_DIR_IN);
	assert_int_equal(cmd.lba, 100);
	assert_int_equal(cmd.blocks, 8);
	assert_int_equal(cmd.xfer_len, 4096);

	cdb16(c, SCSI_WRITE_16, disk.blocks - 8, 8);
	c[1] = 0x08; /* FUA */
	assert_int_equal(scsi_parse(c, 16, &disk, &cmd, &s), 0);
	assert_int_equal(cmd.action, SCSI_ACT_WRITE);
	assert_true(cmd.fua);

	/* the last block + 1, and an LBA whose sum wraps */
	cdb16(c, SCSI_READ_16, disk.blocks - 8, 9);
	assert_int_equal(scsi_parse(c, 16, &disk, &cmd, &s), -1);
	expect_sense(&s, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
	cdb16(c, SCSI_READ_16, UINT64_MAX - 2, 8);
	assert_int_equal(scsi_parse(c, 16, &disk, &cmd, &s), -1);
	expect_sense(&s, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
	/* more than one command may move */
	cdb16(c, SCSI_READ_16, 0, 2049);
	assert_int_equal(scsi_parse(c, 16, &disk, &cmd, &s), -1);
	expect_sense(&s, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	/* 0 blocks: nothing to do */
	cdb10(c, SCSI_WRITE_10, 5, 0);
	assert_int_equal(scsi_parse(c, 10, &disk, &cmd, &s), 0);
	assert_int_equal(cmd.action, SCSI_ACT_NONE);
	/* a 16-byte opcode in a 10-byte CDB; too short a CDB */
	cdb16(c, SCSI_READ_16, 0, 1);
	assert_int_equal(scsi_parse(c, 10, &disk, &cmd, &s), -1);
	expect_sense(&s, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	assert_int_equal(scsi_parse(c, 3, &disk, &cmd, &s), -1);
	/* protection information asked for */
	cdb10(c, SCSI_READ_10, 0, 1);
	c[1] = 0x20;
	assert_int_equal(scsi_parse(c, 10, &disk, &cmd, &s), -1);
	/* NACA */
	cdb10(c, SCSI_READ_10, 0, 1);
	c[9] = 0x04;
	assert_int_equal(scsi_parse(c, 10, &disk, &cmd, &s), -1);

	/* read-only: writes, UNMAP and WRITE SAME get DATA PROTECT */
	ro.read_only = true;
	cdb10(c, SCSI_WRITE_10, 0, 1);
	assert_int_equal(scsi_parse(c, 10, &ro, &cmd, &s), -1);
	expect_sense(&s, SCSI_SK_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
	cdb10(c, SCSI_READ_10, 0, 1);
	assert_int_equal(scsi_parse(c, 10, &ro, &cmd, &s), 0);
	memset(c, 0, 16);
	c[0] = SCSI_UNMAP;
	c[8] = 24;
	assert_int_equal(scsi_parse(c, 10, &ro, &cmd, &s), -1);
	expect_sense(&s, SCSI_SK_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
}

static void test_other_commands(void **st)
{
	uint8_t c[16];
	struct scsi_cmd cmd;
	struct scsi_sense s;
	struct scsi_disk nodiscard = disk;

	(void)st;
	memset(c, 0, 16);
	assert_int_equal(scsi_parse(c, 6, &disk, &cmd, &s), 0); /* TEST UNIT READY */
	assert_int_equal(cmd.action, SCSI_ACT_NONE);

	cdb10(c, SCSI_SYNCHRONIZE_CACHE_10, 0, 0);
	assert_int_equal(scsi_parse(c, 10, &disk, &cmd, &s), 0);
	assert_int_equal(cmd.action, SCSI_ACT_FLUSH);
	cdb16(c, SCSI_SYNCHRONIZE_CACHE_16, disk.blocks + 1, 0);
	assert_int_equal(scsi_parse(c, 16, &disk, &cmd, &s), -1);
	expect_sense(&s, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);

	/* WRITE SAME(16): only with UNMAP */
	cdb16(c, SCSI_WRITE_SAME_16, 10, 100);
	assert_int_equal(scsi_parse(c, 16, &disk, &cmd, &s), -1);
	c[1] = 0x08;
	assert_int_equal(scsi_parse(c, 16, &disk, &cmd, &s), 0);
	assert_int_equal(cmd.action, SCSI_ACT_WRITE_SAME_UNMAP);
	assert_int_equal(cmd.xfer_len, 512);
	scsi_put_be32(c + 10, 0); /* WSNZ */
	assert_int_equal(scsi_parse(c, 16, &disk, &cmd, &s), -1);
	nodiscard.discard = false;
	cdb16(c, SCSI_WRITE_SAME_16, 10, 100);
	c[1] = 0x08;
	assert_int_equal(scsi_parse(c, 16, &nodiscard, &cmd, &s), -1);
	expect_sense(&s, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_OPCODE);

	/* UNMAP */
	memset(c, 0, 16);
	c[0] = SCSI_UNMAP;
	scsi_put_be16(c + 7, 24);
	assert_int_equal(scsi_parse(c, 10, &disk, &cmd, &s), 0);
	assert_int_equal(cmd.action, SCSI_ACT_UNMAP);
	assert_int_equal(cmd.xfer_len, 24);
	scsi_put_be16(c + 7, 4);
	assert_int_equal(scsi_parse(c, 10, &disk, &cmd, &s), -1);
	expect_sense(&s, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);

	/* everything else: ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE */
	static const uint8_t others[] = {0x03, 0x15, 0x1b, 0x2f, 0x41,
	                                 0x55, 0x8f, 0xa3, 0xc0, 0xff};
	for (size_t i = 0; i < sizeof(others); i++) {
		memset(c, 0, 16);
		c[0] = others[i];
		assert_int_equal(scsi_parse(c, 16, &disk, &cmd, &s), -1);
		expect_sense(&s, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_OPCODE);
	}
	/* SERVICE ACTION IN(16) other than READ CAPACITY(16) */
	memset(c, 0, 16);
	c[0] = SCSI_SERVICE_ACTION_IN_16;
	c[1] = 0x12;
	assert_int_equal(scsi_parse(c, 16, &disk, &cmd, &s), -1);
	expect_sense(&s, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
}

static int emulate(uint8_t *c, size_t len, const struct scsi_disk *d, uint8_t *out)
{
	struct scsi_cmd cmd;
	struct scsi_sense s;
	assert_int_equal(scsi_parse(c, len, d, &cmd, &s), 0);
	assert_int_equal(cmd.action, SCSI_ACT_EMULATE);
	return scsi_emulate(c, len, d, 3, out, SCSI_EMULATE_MAX, &s);
}

static void test_emulated(void **st)
{
	static uint8_t out[SCSI_EMULATE_MAX];
	uint8_t c[16];
	struct scsi_sense s;
	struct scsi_disk ro = disk;
	int n;

	(void)st;
	memset(c, 0, 16);
	c[0] = SCSI_INQUIRY;
	c[4] = 96;
	n = emulate(c, 6, &disk, out);
	assert_int_equal(n, 36);
	assert_int_equal(out[0], 0);
	assert_memory_equal(out + 8, "Msft    ", 8);

	/* VPD pages Linux asks for */
	static const uint8_t want[] = {0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2};
	c[1] = 1;
	c[2] = 0;
	n = emulate(c, 6, &disk, out);
	assert_int_equal(n, 4 + sizeof(want));
	assert_memory_equal(out + 4, want, sizeof(want));
	for (size_t i = 0; i < sizeof(want); i++) {
		c[2] = want[i];
		n = emulate(c, 6, &disk, out);
		assert_true(n >= 4);
		assert_int_equal(out[1], want[i]);
		assert_int_equal(scsi_get_be16(out + 2) + 4, n);
	}
	c[2] = 0x80;
	n = emulate(c, 6, &disk, out);
	assert_memory_equal(out + 4, "SER123-0", 8);
	c[2] = 0xb0;
	emulate(c, 6, &disk, out);
	assert_int_equal(scsi_get_be32(out + 8), 2048); /* max transfer */
	assert_int_equal(scsi_get_be32(out + 20), SCSI_MAX_UNMAP_BLOCKS);
	c[2] = 0xb1;
	emulate(c, 6, &disk, out);
	assert_int_equal(scsi_get_be16(out + 4), 1); /* non-rotating */
	c[2] = 0xb2;
	emulate(c, 6, &disk, out);
	assert_int_equal(out[5] & 0xc0, 0xc0); /* LBPU, LBPWS */
	c[2] = 0x89;                           /* a page we do not have */
	{
		struct scsi_cmd cmd;
		assert_int_equal(scsi_parse(c, 6, &disk, &cmd, &s), 0);
		assert_int_equal(scsi_emulate(c, 6, &disk, 3, out, sizeof(out), &s), -1);
		expect_sense(&s, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	}

	/* READ CAPACITY */
	memset(c, 0, 16);
	c[0] = SCSI_READ_CAPACITY_10;
	n = emulate(c, 10, &disk, out);
	assert_int_equal(n, 8);
	assert_int_equal(scsi_get_be32(out), disk.blocks - 1);
	assert_int_equal(scsi_get_be32(out + 4), 512);
	memset(c, 0, 16);
	c[0] = SCSI_SERVICE_ACTION_IN_16;
	c[1] = SCSI_SAI_READ_CAPACITY_16;
	c[13] = 32;
	n = emulate(c, 16, &disk, out);
	assert_int_equal(n, 32);
	assert_int_equal(scsi_get_be64(out), disk.blocks - 1);
	assert_int_equal(out[14] & 0xc0, 0xc0); /* LBPME, LBPRZ */

	/* MODE SENSE: write cache on, write protect follows read_only */
	memset(c, 0, 16);
	c[0] = SCSI_MODE_SENSE_6;
	c[2] = 0x3f;
	c[4] = 255;
	n = emulate(c, 6, &disk, out);
	assert_int_equal(out[0] + 1, n);
	assert_int_equal(out[2] & 0x80, 0);
	assert_int_equal(out[4 + 8], 0x08);      /* caching page after the block descriptor */
	assert_int_equal(out[4 + 8 + 2] & 4, 4); /* WCE */
	n = emulate(c, 6, (ro.read_only = true, &ro), out);
	assert_int_equal(out[2] & 0x80, 0x80);
	memset(c, 0, 16);
	c[0] = SCSI_MODE_SENSE_10;
	c[1] = 0x08; /* DBD */
	c[2] = 0x08;
	c[8] = 255;
	n = emulate(c, 10, &disk, out);
	assert_int_equal(n, 8 + 20);
	assert_int_equal(scsi_get_be16(out) + 2, n);
	c[2] = 0x1c; /* a page we do not have */
	{
		struct scsi_cmd cmd;
		assert_int_equal(scsi_parse(c, 10, &disk, &cmd, &s), 0);
		assert_int_equal(scsi_emulate(c, 10, &disk, 3, out, sizeof(out), &s), -1);
	}

	/* REPORT LUNS: 3 LUNs */
	memset(c, 0, 16);
	c[0] = SCSI_REPORT_LUNS;
	scsi_put_be32(c + 6, 4096);
	n = emulate(c, 12, &disk, out);
	assert_int_equal(n, 8 + 24);
	assert_int_equal(scsi_get_be32(out), 24);
	assert_int_equal(out[8 + 16 + 1], 2);
	scsi_put_be32(c + 6, 8); /* allocation length under 16 */
	{
		struct scsi_cmd cmd;
		assert_int_equal(scsi_parse(c, 12, &disk, &cmd, &s), -1);
	}

	/* absent LUN: INQUIRY peripheral qualifier 3, others LUN NOT SUPPORTED */
	memset(c, 0, 16);
	c[0] = SCSI_INQUIRY;
	c[4] = 36;
	n = scsi_emulate_absent(c, 6, out, sizeof(out), &s);
	assert_int_equal(n, 36);
	assert_int_equal(out[0], 0x7f);
	cdb10(c, SCSI_READ_10, 0, 1);
	assert_int_equal(scsi_emulate_absent(c, 10, out, sizeof(out), &s), -1);
	expect_sense(&s, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LUN_NOT_SUPPORTED);
}

static void test_unmap_list(void **st)
{
	uint8_t p[8 + 3 * 16];
	struct scsi_extent e[4];
	struct scsi_sense s;
	unsigned n;

	(void)st;
	memset(p, 0, sizeof(p));
	scsi_put_be16(p, 6 + 32);
	scsi_put_be16(p + 2, 32);
	scsi_put_be64(p + 8, 10);
	scsi_put_be32(p + 16, 20);
	scsi_put_be64(p + 24, 1000);
	scsi_put_be32(p + 32, 8);
	assert_int_equal(scsi_unmap_parse(p, 40, &disk, e, 4, &n, &s), 0);
	assert_int_equal(n, 2);
	assert_int_equal(e[1].lba, 1000);
	assert_int_equal(e[1].blocks, 8);
	/* a descriptor length that is not whole descriptors */
	scsi_put_be16(p + 2, 20);
	assert_int_equal(scsi_unmap_parse(p, 40, &disk, e, 4, &n, &s), -1);
	expect_sense(&s, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
	/* lengths beyond what was sent */
	scsi_put_be16(p + 2, 48);
	assert_int_equal(scsi_unmap_parse(p, 40, &disk, e, 4, &n, &s), -1);
	/* an extent beyond the disk */
	scsi_put_be16(p + 2, 32);
	scsi_put_be64(p + 24, disk.blocks - 4);
	assert_int_equal(scsi_unmap_parse(p, 40, &disk, e, 4, &n, &s), -1);
	expect_sense(&s, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
	/* more descriptors than room */
	scsi_put_be64(p + 24, 0);
	assert_int_equal(scsi_unmap_parse(p, 40, &disk, e, 1, &n, &s), -1);
	expect_sense(&s, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_PARAM_LIST);
	/* short list */
	assert_int_equal(scsi_unmap_parse(p, 7, &disk, e, 4, &n, &s), -1);
}

static void test_sense(void **st)
{
	uint8_t b[32];
	struct scsi_sense s = {SCSI_SK_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED, 0};

	(void)st;
	assert_int_equal(scsi_sense_build(&s, b, sizeof(b)), 18);
	assert_int_equal(b[0], 0x70);
	assert_int_equal(b[2], 0x07);
	assert_int_equal(b[7], 10);
	assert_int_equal(b[12], 0x27);
	assert_int_equal(scsi_sense_build(&s, b, 10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rw),       cmocka_unit_test(test_other_commands),
	    cmocka_unit_test(test_emulated), cmocka_unit_test(test_unmap_list),
	    cmocka_unit_test(test_sense),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
