/* SPDX-License-Identifier: MIT */
/*
 * The VSTOR state machine of the nvme plugin on a fake host (guest RAM as
 * an array with a VTL2 hole, a packet queue) with two file-backed LUNs:
 * the initialisation handshake as Linux 6.1 runs it, I/O through
 * multi-page GPA ranges (synchronously and through the worker pool), the
 * ring-full path, the bound on requests in flight, and the hostile inputs:
 * EXECUTE_SRB before init, CDB length over 16, bad sense length, transfer
 * length against the buffer and against the CDB, LBA beyond capacity,
 * PFNs outside RAM and in VTL2 memory, overlapping PFNs, a LUN and a target
 * that do not exist, bad GPA range headers, short packets, a flood of
 * unsolicited completions, UNMAP with a bad descriptor list, a write to a
 * read-only LUN.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/unit/nvme_fake.h"

static char dir[64];
static struct fake F;
static struct vstor_env env;
static struct vstor_lun luns[2];
static struct vstor_chan C;
static struct bdev_pool pool;
static uint64_t tid;

static void open_luns(bool ro1)
{
	char path[128], err[200];
	struct bdev_file_opts o = {.size = 4 << 20, .block_size = 512, .create = true};

	memset(luns, 0, sizeof(luns));
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/lun%d.img", dir, i);
		o.path = path;
		o.block_size = i ? 4096 : 512;
		o.read_only = i == 1 && ro1;
		if (o.read_only) { /* it must exist first */
			struct bdev *b;
			struct bdev_file_opts w = o;
			w.read_only = false;
			assert_int_equal(bdev_file_open(&w, &b, err, sizeof(err)), 0);
			bdev_close(b);
		}
		assert_int_equal(bdev_file_open(&o, &luns[i].bdev, err, sizeof(err)), 0);
		vstor_disk_from_geometry(&luns[i].disk, &luns[i].bdev->geo, (unsigned)i);
	}
}

static int setup(void **st)
{
	(void)st;
	strcpy(dir, "/tmp/pvn-nvme-vstor-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	fake_init(&F, &env);
	open_luns(true);
	tid = 100;
	return vstor_chan_init(&C, &env, luns, 2, 4, NULL);
}

static int teardown(void **st)
{
	char cmd[128];
	(void)st;
	vstor_chan_destroy(&C);
	for (int i = 0; i < 2; i++)
		bdev_close(luns[i].bdev);
	fake_fini(&F);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) ? -1 : 0;
}

/* Send one request and return its completion (synchronous channel). */
static struct vstor_packet *op(uint32_t operation, uint16_t version)
{
	struct vstor_packet v;
	unsigned before = F.nsent;

	memset(&v, 0, sizeof(v));
	v.operation = operation;
	v.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	v.version.major_minor = version;
	fake_push_op(&F, ++tid, &v);
	vstor_poll(&C);
	assert_int_equal(F.nsent, before + 1);
	assert_int_equal(F.sent[before].trans_id, tid);
	assert_int_equal(F.sent[before].p.operation, VSTOR_OP_COMPLETE_IO);
	return &F.sent[before].p;
}

static void handshake(void)
{
	vstor_opened(&C);
	assert_int_equal(op(VSTOR_OP_BEGIN_INITIALIZATION, 0)->status, 0);
	/* Linux 6.1 asks for 6.2 first: the highest we implement */
	assert_int_equal(op(VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_VERSION_WIN10)->status, 0);
	struct vstor_packet *p = op(VSTOR_OP_QUERY_PROPERTIES, 0);
	assert_int_equal(p->status, 0);
	assert_int_equal(p->properties.max_transfer_bytes, VSTOR_MAX_XFER);
	assert_int_equal(p->properties.flags & VSTOR_PROP_MULTI_CHANNEL, 0);
	assert_int_equal(op(VSTOR_OP_END_INITIALIZATION, 0)->status, 0);
}

/* One SRB; the completion. */
static struct vstor_packet *srb(uint8_t lun, const uint8_t *cdb, uint8_t cdb_len, uint8_t data_in,
                                uint64_t gpa, uint32_t len)
{
	struct vstor_packet v;
	unsigned before = F.nsent;

	fake_srb(&v, lun, cdb, cdb_len, data_in, len);
	fake_push_srb(&F, ++tid, &v, gpa, len);
	vstor_poll(&C);
	assert_int_equal(F.nsent, before + 1);
	assert_int_equal(F.sent[before].trans_id, tid);
	return &F.sent[before].p;
}

static void rw10(uint8_t *c, uint8_t opc, uint32_t lba, uint16_t n)
{
	memset(c, 0, 16);
	c[0] = opc;
	scsi_put_be32(c + 2, lba);
	scsi_put_be16(c + 7, n);
}

static void expect_cc(const struct vstor_packet *p, uint8_t srb_status, uint8_t key, uint8_t asc)
{
	assert_int_equal(p->srb.scsi_status, SCSI_STATUS_CHECK_CONDITION);
	assert_int_equal(p->srb.srb_status, srb_status | SRB_STATUS_AUTOSENSE_VALID);
	assert_int_equal(p->srb.sense_info_length, 18);
	assert_int_equal(p->srb.sense_data[0], 0x70);
	assert_int_equal(p->srb.sense_data[2] & 0xf, key);
	assert_int_equal(p->srb.sense_data[12], asc);
	assert_int_equal(p->srb.data_transfer_length, 0);
}

static void test_handshake(void **st)
{
	(void)st;
	vstor_opened(&C);
	/* out of order: version before BEGIN, SRB before END */
	assert_int_equal(op(VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_VERSION_WIN10)->status,
	                 VSTOR_STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(op(VSTOR_OP_BEGIN_INITIALIZATION, 0)->status, 0);
	assert_int_equal(op(VSTOR_OP_QUERY_PROPERTIES, 0)->status,
	                 VSTOR_STATUS_INVALID_DEVICE_STATE);
	assert_int_equal(op(VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_VERSION(7, 0))->status,
	                 VSTOR_STATUS_REVISION_MISMATCH);
	assert_int_equal(op(VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_VERSION(4, 2))->status,
	                 VSTOR_STATUS_REVISION_MISMATCH);
	assert_int_equal(op(VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_VERSION_WIN8)->status, 0);
	assert_int_equal(op(VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_VERSION_WIN10)->status, 0);
	{
		uint8_t cdb[16] = {0};
		struct vstor_packet *p = srb(0, cdb, 6, VSTOR_DATA_NONE, 0, 0);
		assert_int_equal(p->status, VSTOR_STATUS_INVALID_DEVICE_STATE);
		assert_int_equal(p->srb.srb_status, SRB_STATUS_INVALID_REQUEST);
	}
	assert_int_equal(op(VSTOR_OP_QUERY_PROPERTIES, 0)->status, 0);
	assert_int_equal(op(VSTOR_OP_END_INITIALIZATION, 0)->status, 0);
	/* subchannels: granted 0 */
	{
		struct vstor_packet *p = op(VSTOR_OP_CREATE_SUB_CHANNELS, 0);
		assert_int_equal(p->status, 0);
		assert_int_equal(p->sub_channel_count, 0);
	}
	assert_int_equal(op(VSTOR_OP_RESET_BUS, 0)->status, 0);
	assert_int_equal(op(99, 0)->status, VSTOR_STATUS_NOT_SUPPORTED);
	/* a reopen starts over */
	vstor_closed(&C);
	handshake();
}

static void test_io(void **st)
{
	uint8_t cdb[16];
	struct vstor_packet *p;
	const uint64_t buf = 0x10064; /* not page aligned: 3 pages for 8 KiB */

	(void)st;
	handshake();
	for (uint32_t i = 0; i < 8192; i++)
		F.ram[buf + i] = (uint8_t)(i * 7 + 3);
	rw10(cdb, SCSI_WRITE_10, 40, 16);
	p = srb(0, cdb, 10, VSTOR_DATA_OUT, buf, 8192);
	assert_int_equal(p->srb.srb_status, SRB_STATUS_SUCCESS);
	assert_int_equal(p->srb.scsi_status, 0);
	assert_int_equal(p->srb.data_transfer_length, 8192);
	memset(F.ram + 0x40000, 0, 8192);
	rw10(cdb, SCSI_READ_10, 40, 16);
	p = srb(0, cdb, 10, VSTOR_DATA_IN, 0x40000, 8192);
	assert_int_equal(p->srb.srb_status, SRB_STATUS_SUCCESS);
	assert_memory_equal(F.ram + 0x40000, F.ram + buf, 8192);
	/* SYNCHRONIZE CACHE */
	rw10(cdb, SCSI_SYNCHRONIZE_CACHE_10, 0, 0);
	p = srb(0, cdb, 10, VSTOR_DATA_NONE, 0, 0);
	assert_int_equal(p->srb.srb_status, SRB_STATUS_SUCCESS);
	/* INQUIRY with a 255-byte buffer gets 36 bytes */
	memset(cdb, 0, 16);
	cdb[0] = SCSI_INQUIRY;
	cdb[4] = 255;
	p = srb(1, cdb, 6, VSTOR_DATA_IN, 0x50000, 255);
	assert_int_equal(p->srb.srb_status, SRB_STATUS_SUCCESS);
	assert_int_equal(p->srb.data_transfer_length, 36);
	assert_memory_equal(F.ram + 0x50008, "Msft", 4);
	/* READ CAPACITY(16) of LUN 1: 4096-byte blocks */
	memset(cdb, 0, 16);
	cdb[0] = SCSI_SERVICE_ACTION_IN_16;
	cdb[1] = SCSI_SAI_READ_CAPACITY_16;
	cdb[13] = 32;
	p = srb(1, cdb, 16, VSTOR_DATA_IN, 0x50000, 32);
	assert_int_equal(scsi_get_be64(F.ram + 0x50000), (4 << 20) / 4096 - 1);
	assert_int_equal(scsi_get_be32(F.ram + 0x50008), 4096);
	/* UNMAP a range: reads back zeros */
	{
		uint8_t *pl = F.ram + 0x60000;
		memset(pl, 0, 24);
		scsi_put_be16(pl, 22);
		scsi_put_be16(pl + 2, 16);
		scsi_put_be64(pl + 8, 40);
		scsi_put_be32(pl + 16, 8);
		memset(cdb, 0, 16);
		cdb[0] = SCSI_UNMAP;
		scsi_put_be16(cdb + 7, 24);
		p = srb(0, cdb, 10, VSTOR_DATA_OUT, 0x60000, 24);
		assert_int_equal(p->srb.srb_status, SRB_STATUS_SUCCESS);
		rw10(cdb, SCSI_READ_10, 40, 16);
		srb(0, cdb, 10, VSTOR_DATA_IN, 0x40000, 8192);
		for (int i = 0; i < 4096; i++)
			assert_int_equal(F.ram[0x40000 + i], 0);
		assert_memory_equal(F.ram + 0x40000 + 4096, F.ram + buf + 4096, 4096);
	}
}

static void test_hostile(void **st)
{
	uint8_t cdb[16], before[4096];
	struct vstor_packet v, *p;
	unsigned n0;

	(void)st;
	handshake();
	/* 1. CDB length over 16 */
	rw10(cdb, SCSI_READ_10, 0, 1);
	p = srb(0, cdb, 17, VSTOR_DATA_IN, 0x40000, 512);
	expect_cc(p, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
	          SCSI_ASC_INVALID_FIELD_IN_CDB);
	/* 2. transfer length that disagrees with the buffer ... */
	fake_srb(&v, 0, cdb, 10, VSTOR_DATA_IN, 4096);
	fake_push_srb(&F, ++tid, &v, 0x40000, 512);
	vstor_poll(&C);
	expect_cc(&F.sent[F.nsent - 1].p, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
	          SCSI_ASC_INVALID_FIELD_IN_CDB);
	/* ... and with the CDB */
	rw10(cdb, SCSI_READ_10, 0, 2);
	p = srb(0, cdb, 10, VSTOR_DATA_IN, 0x40000, 512);
	expect_cc(p, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
	          SCSI_ASC_INVALID_FIELD_IN_CDB);
	/* 3. LBA beyond capacity */
	rw10(cdb, SCSI_READ_10, 8192, 1);
	p = srb(0, cdb, 10, VSTOR_DATA_IN, 0x40000, 512);
	expect_cc(p, SRB_STATUS_ERROR, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
	/* 4. PFNs outside RAM and in VTL2 memory: refused, nothing written */
	memcpy(before, F.ram, sizeof(before));
	rw10(cdb, SCSI_READ_10, 0, 8);
	p = srb(0, cdb, 10, VSTOR_DATA_IN, FAKE_RAM - 1024, 4096);
	expect_cc(p, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ABORTED_COMMAND, 0x4b);
	p = srb(0, cdb, 10, VSTOR_DATA_IN, FAKE_VTL2_LO + 4096, 4096);
	expect_cc(p, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ABORTED_COMMAND, 0x4b);
	rw10(cdb, SCSI_WRITE_10, 0, 8);
	p = srb(0, cdb, 10, VSTOR_DATA_OUT, FAKE_VTL2_LO - 2048, 4096);
	expect_cc(p, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ABORTED_COMMAND, 0x4b);
	p = srb(0, cdb, 10, VSTOR_DATA_OUT, 1ULL << 50, 4096);
	expect_cc(p, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ABORTED_COMMAND, 0x4b);
	assert_memory_equal(before, F.ram, sizeof(before));
	assert_true(F.refused_mem >= 4);
	/* 5. overlapping PFNs (the same page twice): done, deterministic */
	{
		uint8_t b[256];
		struct vstor_gpa_header h = {0, 1};
		struct vstor_gpa_range g = {8192, 0};
		uint64_t pfn = 0x45;
		memset(F.ram + 0x45000, 0xab, 4096);
		rw10(cdb, SCSI_WRITE_10, 100, 16);
		fake_srb(&v, 0, cdb, 10, VSTOR_DATA_OUT, 8192);
		memcpy(b, &h, 8);
		memcpy(b + 8, &g, 8);
		memcpy(b + 16, &pfn, 8);
		memcpy(b + 24, &pfn, 8);
		memcpy(b + 32, &v, sizeof(v));
		n0 = F.nsent;
		fake_push_raw(&F, 9, ++tid, b, 32 + sizeof(v), 32);
		vstor_poll(&C);
		assert_int_equal(F.nsent, n0 + 1);
		assert_int_equal(F.sent[n0].p.srb.srb_status, SRB_STATUS_SUCCESS);
		rw10(cdb, SCSI_READ_10, 100, 16);
		srb(0, cdb, 10, VSTOR_DATA_IN, 0x40000, 8192);
		for (int i = 0; i < 8192; i++)
			assert_int_equal(F.ram[0x40000 + i], 0xab);
	}
	/* 6. a LUN and a target that do not exist */
	rw10(cdb, SCSI_READ_10, 0, 1);
	p = srb(7, cdb, 10, VSTOR_DATA_IN, 0x40000, 512);
	expect_cc(p, SRB_STATUS_INVALID_LUN, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LUN_NOT_SUPPORTED);
	memset(cdb, 0, 16);
	cdb[0] = SCSI_INQUIRY;
	cdb[4] = 36;
	fake_srb(&v, 0, cdb, 6, VSTOR_DATA_IN, 36);
	v.srb.target_id = 1;
	fake_push_srb(&F, ++tid, &v, 0x40000, 36);
	vstor_poll(&C);
	assert_int_equal(F.sent[F.nsent - 1].p.srb.srb_status, SRB_STATUS_SUCCESS);
	assert_int_equal(F.ram[0x40000], 0x7f);
	/* 7. bad status (sense) length */
	rw10(cdb, SCSI_READ_10, 0, 1);
	fake_srb(&v, 0, cdb, 10, VSTOR_DATA_IN, 512);
	v.srb.sense_info_length = 200;
	fake_push_srb(&F, ++tid, &v, 0x40000, 512);
	vstor_poll(&C);
	p = &F.sent[F.nsent - 1].p;
	assert_int_equal(p->srb.srb_status & 0x3f, SRB_STATUS_INVALID_REQUEST);
	assert_true(p->srb.sense_info_length <= VSTOR_SENSE_MAX);
	/* a wrong SRB length, and a wrong direction */
	fake_srb(&v, 0, cdb, 10, VSTOR_DATA_IN, 512);
	v.srb.length = 36;
	fake_push_srb(&F, ++tid, &v, 0x40000, 512);
	vstor_poll(&C);
	assert_int_equal(F.sent[F.nsent - 1].p.srb.srb_status & 0x3f, SRB_STATUS_INVALID_REQUEST);
	p = srb(0, cdb, 10, VSTOR_DATA_OUT, 0x40000, 512);
	assert_int_equal(p->srb.srb_status & 0x3f, SRB_STATUS_INVALID_REQUEST);
	/* 8. bad GPA range headers: two ranges, offset past the page, a PFN
	 * array shorter than the range, an empty range */
	{
		uint8_t b[256];
		struct vstor_gpa_header h = {0, 2};
		struct vstor_gpa_range g = {512, 0};
		uint64_t pfn = 0x40;
		fake_srb(&v, 0, cdb, 10, VSTOR_DATA_IN, 512);
		for (int k = 0; k < 4; k++) {
			h.range_count = k == 0 ? 2 : 1;
			g.byte_offset = k == 1 ? 4096 : 0;
			g.byte_count = k == 2 ? 8192 : k == 3 ? 0 : 512;
			memcpy(b, &h, 8);
			memcpy(b + 8, &g, 8);
			memcpy(b + 16, &pfn, 8);
			memcpy(b + 24, &v, sizeof(v));
			n0 = F.nsent;
			fake_push_raw(&F, 9, ++tid, b, 24 + sizeof(v), 24);
			vstor_poll(&C);
			assert_int_equal(F.nsent, n0 + 1);
			expect_cc(&F.sent[n0].p, SRB_STATUS_INVALID_REQUEST,
			          SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
		}
	}
	/* 9. a short vstor packet */
	n0 = F.nsent;
	fake_push_raw(&F, 6, ++tid, &v, 20, 0);
	vstor_poll(&C);
	assert_int_equal(F.nsent, n0 + 1);
	assert_int_equal(F.sent[n0].p.status, VSTOR_STATUS_INVALID_PARAMETER);
	/* 10. a flood of completions the host never asked for: ignored */
	n0 = F.nsent;
	for (int i = 0; i < 10000; i++) {
		fake_push_raw(&F, 0xb, (uint64_t)i, &v, sizeof(v), 0);
		if (i % 32 == 31)
			vstor_poll(&C);
	}
	vstor_poll(&C);
	assert_int_equal(F.nsent, n0);
	{
		struct vstor_stats s;
		vstor_get_stats(&C, &s);
		assert_true(s.ignored >= 10000);
	}
	/* 11. UNMAP with a bad descriptor list */
	{
		uint8_t *pl = F.ram + 0x60000;
		memset(pl, 0, 24);
		scsi_put_be16(pl, 22);
		scsi_put_be16(pl + 2, 12); /* not whole descriptors */
		memset(cdb, 0, 16);
		cdb[0] = SCSI_UNMAP;
		scsi_put_be16(cdb + 7, 24);
		p = srb(0, cdb, 10, VSTOR_DATA_OUT, 0x60000, 24);
		expect_cc(p, SRB_STATUS_ERROR, SCSI_SK_ILLEGAL_REQUEST,
		          SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
		scsi_put_be16(pl + 2, 16);
		scsi_put_be64(pl + 8, 8190);
		scsi_put_be32(pl + 16, 8);
		p = srb(0, cdb, 10, VSTOR_DATA_OUT, 0x60000, 24);
		expect_cc(p, SRB_STATUS_ERROR, SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LBA_OUT_OF_RANGE);
	}
	/* 12. a write to the read-only LUN: DATA PROTECT */
	rw10(cdb, SCSI_WRITE_10, 0, 1);
	p = srb(1, cdb, 10, VSTOR_DATA_OUT, 0x40000, 4096);
	expect_cc(p, SRB_STATUS_ERROR, SCSI_SK_DATA_PROTECT, SCSI_ASC_WRITE_PROTECTED);
	/* still serving */
	rw10(cdb, SCSI_READ_10, 0, 1);
	p = srb(1, cdb, 10, VSTOR_DATA_IN, 0x40000, 4096);
	assert_int_equal(p->srb.srb_status, SRB_STATUS_SUCCESS);
}

static void test_ring_full_and_bound(void **st)
{
	uint8_t cdb[16] = {0};
	struct vstor_packet v;
	unsigned i;

	(void)st;
	handshake();
	/* The ring is full: completions wait, and the reader stops once every
	 * request slot (2 LUNs * depth 4 + 8) holds one. */
	F.ring_full = true;
	fake_srb(&v, 0, cdb, 6, VSTOR_DATA_NONE, 0); /* TEST UNIT READY */
	for (i = 0; i < 30; i++)
		fake_push_op(&F, 1000 + i, &v);
	vstor_poll(&C);
	assert_int_equal(F.head, F.tail - (30 - 16));
	F.ring_full = false;
	unsigned n0 = F.nsent;
	vstor_writable(&C);
	assert_int_equal(F.nsent, n0 + 30);
	for (i = 0; i < 30; i++)
		assert_int_equal(F.sent[n0 + i].trans_id, 1000 + i); /* in order */
}

static void test_pool(void **st)
{
	uint8_t cdb[16];
	struct vstor_packet v;
	const unsigned N = 48;

	(void)st;
	/* The same channel, I/O on four workers. */
	vstor_chan_destroy(&C);
	assert_int_equal(bdev_pool_start(&pool, 4), 0);
	assert_int_equal(vstor_chan_init(&C, &env, luns, 2, 4, &pool), 0);
	handshake();
	for (unsigned i = 0; i < N; i++) {
		memset(F.ram + 0x100000 + i * 4096, (int)i + 1, 4096);
		rw10(cdb, SCSI_WRITE_10, i * 8, 8);
		fake_srb(&v, 0, cdb, 10, VSTOR_DATA_OUT, 4096);
		fake_push_srb(&F, 5000 + i, &v, 0x100000 + i * 4096, 4096);
		vstor_poll(&C);
	}
	unsigned n0 = F.nsent - 0;
	for (int spins = 0; spins < 5000 && __atomic_load_n(&F.nsent, __ATOMIC_ACQUIRE) < 4 + N;
	     spins++)
		usleep(1000);
	(void)n0;
	bdev_pool_stop(&pool);
	assert_int_equal(F.nsent, 4 + N);
	for (unsigned i = 4; i < 4 + N; i++)
		assert_int_equal(F.sent[i].p.srb.srb_status, SRB_STATUS_SUCCESS);
	/* read them back synchronously */
	vstor_chan_destroy(&C);
	assert_int_equal(vstor_chan_init(&C, &env, luns, 2, 4, NULL), 0);
	F.nsent = 0;
	handshake();
	for (unsigned i = 0; i < N; i++) {
		rw10(cdb, SCSI_READ_10, i * 8, 8);
		srb(0, cdb, 10, VSTOR_DATA_IN, 0x300000, 4096);
		assert_int_equal(F.ram[0x300000], i + 1);
		assert_int_equal(F.ram[0x300000 + 4095], i + 1);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_handshake, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_io, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hostile, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ring_full_and_bound, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pool, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
