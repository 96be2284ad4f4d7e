/* SPDX-License-Identifier: MIT */
/*
 * The nvme plugin through the real VMBus path: a tiny guest speaks storvsc's
 * protocol to the signed plugin (two file LUNs: LUN 0 writable, 512-byte
 * blocks; LUN 1 read-only, 4096-byte blocks). It runs the VSTOR handshake
 * as Linux 6.1 does, INQUIRY/READ CAPACITY/REPORT LUNS, a multi-page write
 * and read back, SYNCHRONIZE CACHE and UNMAP, then the hostile requests: an
 * EXECUTE_SRB before init, a CDB length over 16, a transfer length that
 * disagrees with the buffer, an LBA beyond capacity, PFNs outside RAM and
 * in VTL2-private memory, overlapping PFNs, a LUN that does not exist, a bad
 * sense length, a flood of unsolicited completions, an UNMAP with a bad
 * descriptor list and a write to the read-only LUN. The host checks the
 * file holds what the guest wrote.
 *
 * With `durability` as its argument the host runs the kill -9 test
 * instead: 20 times, the guest writes 4 KiB blocks and flushes every 4,
 * reporting each flushed count through a SYNC ucall that the host logs to
 * a file (fsync'd); the parent kills the runtime with SIGKILL at a random
 * point and checks that every block acknowledged after a flush is in the
 * image. The guest tells the two modes apart by LUN 0's capacity.
 */
#define RAM_MIB    32
#define LUN0_MIB   4
#define DUR_MIB    8
#define BENCH_MIB  64 /* LUN 0 of this size: the benchmark (bench/nvme_storvsc) */
#define BENCH_QD1  2000
#define BENCH_QD32 4000
#define BENCH_SEQ  64 /* 1 MiB reads, then as many writes */
#define VTL2_BASE  ((uint64_t)RAM_MIB << 20)

#ifdef PVN_GUEST
#include "lib/vmbus_client.h"
#include "plugins/nvme/scsi_protocol.h"
#include "plugins/nvme/vstor_protocol.h"

#define OUT_PAGES 17
#define IN_PAGES  17
static uint8_t ring[(OUT_PAGES + IN_PAGES) * 4096] __attribute__((aligned(4096)));
static uint8_t dbuf[16 * 4096] __attribute__((aligned(4096)));
static uint8_t rbuf[16 * 4096] __attribute__((aligned(4096)));
static uint8_t rx[256];
static const uint8_t scsi_class[16] = {0xd9, 0x63, 0x61, 0xba, 0xa1, 0x04, 0x29, 0x4d,
                                       0xb6, 0x05, 0x72, 0xe2, 0xff, 0xb1, 0xdc, 0x7f};
static struct vmbc_chan ch;
static uint64_t tid = 1;

/* Send v (with a buffer of pfns[] when len > 0) and wait for its completion. */
static void exchange_pfns(struct vstor_packet *v, const uint64_t *pfns, uint32_t npfn, uint32_t off,
                          uint32_t len, struct vstor_packet *out)
{
	uint64_t ext[2 + 20];
	struct vmbc_desc d;
	int n;

	tid++;
	if (len || npfn) {
		uint32_t hdr[4] = {0, 1, len, off};
		memcpy(ext, hdr, 16);
		memcpy(ext + 2, pfns, npfn * 8);
		GUEST_ASSERT_EQ(vmbc_send_ext(&ch, 9, 1, tid, ext, 16 + npfn * 8, v, sizeof(*v)),
		                0);
	} else {
		GUEST_ASSERT_EQ(vmbc_send(&ch, 6, 1, tid, v, sizeof(*v)), 0);
	}
	n = vmbc_recv_wait(&ch, &d, rx, sizeof(rx));
	GUEST_ASSERT_EQ(d.type, 0xb);
	GUEST_ASSERT_EQ(d.trans_id, tid);
	GUEST_ASSERT(n >= (int)sizeof(*out));
	memcpy(out, rx, sizeof(*out));
	GUEST_ASSERT_EQ(out->operation, VSTOR_OP_COMPLETE_IO);
}

static void exchange(struct vstor_packet *v, const void *buf, uint32_t len,
                     struct vstor_packet *out)
{
	uint64_t pfns[20];
	uint64_t a = (uint64_t)buf;
	uint32_t n = len ? (uint32_t)(((a & 4095) + len + 4095) / 4096) : 0;
	for (uint32_t i = 0; i < n; i++)
		pfns[i] = (a >> 12) + i;
	exchange_pfns(v, pfns, n, (uint32_t)(a & 4095), len, out);
}

static uint32_t vop(uint32_t op, uint16_t version)
{
	struct vstor_packet v, out;
	memset(&v, 0, sizeof(v));
	v.operation = op;
	v.flags = VSTOR_FLAG_REQUEST_COMPLETION;
	v.version.major_minor = version;
	exchange(&v, NULL, 0, &out);
	return out.status;
}

static void mk_srb(struct vstor_packet *v, uint8_t lun, const uint8_t *cdb, uint8_t cdb_len,
                   uint8_t data_in, uint32_t len)
{
	memset(v, 0, sizeof(*v));
	v->operation = VSTOR_OP_EXECUTE_SRB;
	v->flags = VSTOR_FLAG_REQUEST_COMPLETION;
	v->srb.length = sizeof(v->srb);
	v->srb.lun = lun;
	v->srb.cdb_length = cdb_len;
	v->srb.sense_info_length = VSTOR_SENSE_MAX;
	v->srb.data_in = data_in;
	v->srb.data_transfer_length = len;
	memcpy(v->srb.cdb, cdb, cdb_len > 16 ? 16 : cdb_len);
}

static struct vstor_packet out;
static struct vstor_packet *srb(uint8_t lun, const uint8_t *cdb, uint8_t cdb_len, uint8_t data_in,
                                void *buf, uint32_t len)
{
	struct vstor_packet v;
	mk_srb(&v, lun, cdb, cdb_len, data_in, len);
	exchange(&v, buf, len, &out);
	return &out;
}

static void rw(uint8_t *c, uint8_t op, uint32_t lba, uint16_t n)
{
	memset(c, 0, 16);
	c[0] = op;
	c[2] = (uint8_t)(lba >> 24), c[3] = (uint8_t)(lba >> 16), c[4] = (uint8_t)(lba >> 8);
	c[5] = (uint8_t)lba;
	c[7] = (uint8_t)(n >> 8), c[8] = (uint8_t)n;
}

static void ok(const struct vstor_packet *p)
{
	GUEST_ASSERT_EQ(p->status, 0);
	GUEST_ASSERT_EQ(p->srb.srb_status, SRB_STATUS_SUCCESS);
	GUEST_ASSERT_EQ(p->srb.scsi_status, 0);
}

static void cc(const struct vstor_packet *p, uint8_t srb_status, uint8_t key, uint8_t asc)
{
	GUEST_ASSERT_EQ(p->srb.scsi_status, SCSI_STATUS_CHECK_CONDITION);
	GUEST_ASSERT_EQ(p->srb.srb_status, srb_status | SRB_STATUS_AUTOSENSE_VALID);
	GUEST_ASSERT_EQ(p->srb.sense_data[0], 0x70);
	GUEST_ASSERT_EQ(p->srb.sense_data[2], key);
	GUEST_ASSERT_EQ(p->srb.sense_data[12], asc);
	GUEST_ASSERT_EQ(p->srb.data_transfer_length, 0);
}

static uint64_t capacity(uint8_t lun, uint32_t *bs)
{
	uint8_t c[16] = {SCSI_SERVICE_ACTION_IN_16, SCSI_SAI_READ_CAPACITY_16};
	c[13] = 32;
	ok(srb(lun, c, 16, VSTOR_DATA_IN, rbuf, 32));
	*bs = scsi_get_be32(rbuf + 8);
	return scsi_get_be64(rbuf) + 1;
}

/* The kill -9 loop: 4 KiB blocks, a flush every 4, each flushed count
 * reported; the host kills us somewhere in here. */
static void durability(void)
{
	uint8_t c[16];
	for (uint32_t k = 0; k < 2048; k++) {
		for (uint32_t i = 0; i < 4096; i++)
			dbuf[i] = (uint8_t)(k * 31 + i);
		memcpy(dbuf, &k, 4);
		rw(c, SCSI_WRITE_10, k * 8, 8);
		ok(srb(0, c, 10, VSTOR_DATA_OUT, dbuf, 4096));
		if (k % 4 == 3) {
			rw(c, SCSI_SYNCHRONIZE_CACHE_10, 0, 0);
			ok(srb(0, c, 10, VSTOR_DATA_NONE, NULL, 0));
			guest_sync(1, k + 1);
		}
	}
	guest_done();
}

/* ---- the benchmark: 4 KiB random reads at QD1 and QD32, 1 MiB sequential
 * reads and writes; SYNC ucalls mark each phase for the host's clock ---- */
static uint8_t seqbuf[(1 << 20) + 4096] __attribute__((aligned(4096)));
static uint8_t qbuf[32][4096] __attribute__((aligned(4096)));
static uint64_t rnd = 88172645463325252ull;

static uint32_t next_lba(uint64_t blocks, uint32_t per)
{
	rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
	return (uint32_t)(rnd % (blocks / per)) * per;
}

static void send_read(uint8_t slot, uint32_t lba, uint32_t per, uint32_t bs)
{
	struct vstor_packet v;
	uint8_t c[16];
	uint32_t hdr[4] = {0, 1, 4096, 0};
	uint64_t ext[3];

	rw(c, SCSI_READ_10, lba, (uint16_t)per);
	mk_srb(&v, 0, c, 10, VSTOR_DATA_IN, per * bs);
	memcpy(ext, hdr, 16);
	ext[2] = (uint64_t)qbuf[slot] >> 12;
	while (vmbc_send_ext(&ch, 9, 1, 5000 + slot, ext, 24, &v, sizeof(v)) == -VMBC_EAGAIN)
		;
}

static uint8_t recv_done(void)
{
	struct vmbc_desc d;
	struct vstor_packet p;
	GUEST_ASSERT(vmbc_recv_wait(&ch, &d, rx, sizeof(rx)) >= (int)sizeof(p));
	memcpy(&p, rx, sizeof(p));
	ok(&p);
	GUEST_ASSERT(d.trans_id >= 5000 && d.trans_id < 5032);
	return (uint8_t)(d.trans_id - 5000);
}

static void bench(uint64_t blocks, uint32_t bs)
{
	uint32_t per = 4096 / bs, issued, done;
	static uint64_t ext[2 + 257];
	uint32_t hdr[4] = {0, 1, 1u << 20, 0};
	struct vstor_packet v;
	uint8_t c[16];

	guest_sync(10, 0);
	for (uint32_t i = 0; i < BENCH_QD1; i++) {
		send_read(0, next_lba(blocks, per), per, bs);
		recv_done();
	}
	guest_sync(11, BENCH_QD1);
	for (issued = 0; issued < 32; issued++)
		send_read((uint8_t)issued, next_lba(blocks, per), per, bs);
	for (done = 0; done < BENCH_QD32; done++) {
		uint8_t slot = recv_done();
		if (issued < BENCH_QD32)
			send_read(slot, next_lba(blocks, per), per, bs), issued++;
	}
	guest_sync(12, BENCH_QD32);
	memcpy(ext, hdr, 16);
	for (uint32_t i = 0; i < 256; i++)
		ext[2 + i] = ((uint64_t)seqbuf >> 12) + i;
	for (int w = 0; w < 2; w++) {
		for (uint32_t i = 0; i < BENCH_SEQ; i++) {
			uint32_t n = (1u << 20) / bs;
			uint32_t lba = (uint32_t)((i * (uint64_t)n) % (blocks - n + 1));
			rw(c, w ? SCSI_WRITE_10 : SCSI_READ_10, lba, (uint16_t)n);
			mk_srb(&v, 0, c, 10, w ? VSTOR_DATA_OUT : VSTOR_DATA_IN, 1u << 20);
			tid++;
			GUEST_ASSERT_EQ(
			    vmbc_send_ext(&ch, 9, 1, tid, ext, 16 + 256 * 8, &v, sizeof(v)), 0);
			struct vmbc_desc d;
			GUEST_ASSERT(vmbc_recv_wait(&ch, &d, rx, sizeof(rx)) >= (int)sizeof(v));
			memcpy(&out, rx, sizeof(out));
			ok(&out);
			GUEST_ASSERT_EQ(d.trans_id, tid);
		}
		guest_sync(13 + (uint64_t)w, BENCH_SEQ);
	}
}

void guest_main(unsigned vp, unsigned nr_vps)
{
	static struct vmbc c;
	const struct vmbc_offer *o = NULL;
	struct vstor_packet v, *p;
	uint8_t cdb[16];
	uint32_t bs;

	vmbc_hv_init();
	GUEST_ASSERT_EQ(vmbc_connect(&c, VMBC_V(5, 3)), 0);
	vmbc_request_offers(&c);
	for (unsigned i = 0; i < c.nr_offers; i++)
		if (!memcmp(c.offers[i].if_type, scsi_class, 16))
			o = &c.offers[i];
	GUEST_ASSERT(o);
	GUEST_ASSERT_EQ(vmbc_open(&c, &ch, o, ring, OUT_PAGES + IN_PAGES, OUT_PAGES), 0);

	/* hostile 1: an SRB before the handshake */
	memset(cdb, 0, 16);
	mk_srb(&v, 0, cdb, 6, VSTOR_DATA_NONE, 0);
	exchange(&v, NULL, 0, &out);
	GUEST_ASSERT_EQ(out.status, VSTOR_STATUS_INVALID_DEVICE_STATE);

	/* the handshake as Linux 6.1 runs it */
	GUEST_ASSERT_EQ(vop(VSTOR_OP_BEGIN_INITIALIZATION, 0), 0);
	GUEST_ASSERT_EQ(vop(VSTOR_OP_QUERY_PROTOCOL_VERSION, VSTOR_VERSION_WIN10), 0);
	memset(&v, 0, sizeof(v));
	v.operation = VSTOR_OP_QUERY_PROPERTIES;
	exchange(&v, NULL, 0, &out);
	GUEST_ASSERT_EQ(out.status, 0);
	GUEST_ASSERT_EQ(out.properties.max_transfer_bytes, 1u << 20);
	GUEST_ASSERT_EQ(vop(VSTOR_OP_END_INITIALIZATION, 0), 0);

	{
		uint64_t blocks = capacity(0, &bs);
		if (blocks == (DUR_MIB << 20) / 512)
			durability();
		if (blocks * bs == (uint64_t)BENCH_MIB << 20) {
			bench(blocks, bs);
			vmbc_close(&c, &ch);
			vmbc_unload(&c);
			guest_done();
			return;
		}
	}

	/* what the disks look like */
	memset(cdb, 0, 16);
	cdb[0] = SCSI_INQUIRY;
	cdb[4] = 96;
	p = srb(0, cdb, 6, VSTOR_DATA_IN, rbuf, 96);
	ok(p);
	GUEST_ASSERT_EQ(p->srb.data_transfer_length, 36);
	GUEST_ASSERT(!memcmp(rbuf + 8, "Msft", 4));
	GUEST_ASSERT_EQ(capacity(0, &bs), (LUN0_MIB << 20) / 512);
	GUEST_ASSERT_EQ(bs, 512);
	GUEST_ASSERT_EQ(capacity(1, &bs), 256);
	GUEST_ASSERT_EQ(bs, 4096);
	memset(cdb, 0, 16);
	cdb[0] = SCSI_REPORT_LUNS;
	cdb[9] = 64;
	ok(srb(0, cdb, 12, VSTOR_DATA_IN, rbuf, 64));
	GUEST_ASSERT_EQ(scsi_get_be32(rbuf), 16);
	/* VPD pages Linux asks for */
	static const uint8_t pages[] = {0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2};
	for (unsigned i = 0; i < sizeof(pages); i++) {
		memset(cdb, 0, 16);
		cdb[0] = SCSI_INQUIRY;
		cdb[1] = 1;
		cdb[2] = pages[i];
		cdb[4] = 255;
		ok(srb(0, cdb, 6, VSTOR_DATA_IN, rbuf, 255));
		GUEST_ASSERT_EQ(rbuf[1], pages[i]);
	}
	guest_value("luns", 2);

	/* 3 pages, unaligned: write, flush, read back */
	for (uint32_t i = 0; i < 8192; i++)
		dbuf[100 + i] = (uint8_t)(i * 7 + 1);
	rw(cdb, SCSI_WRITE_10, 64, 16);
	ok(srb(0, cdb, 10, VSTOR_DATA_OUT, dbuf + 100, 8192));
	rw(cdb, SCSI_SYNCHRONIZE_CACHE_10, 0, 0);
	ok(srb(0, cdb, 10, VSTOR_DATA_NONE, NULL, 0));
	memset(rbuf, 0, 8192 + 300);
	rw(cdb, SCSI_READ_10, 64, 16);
	p = srb(0, cdb, 10, VSTOR_DATA_IN, rbuf + 300, 8192);
	ok(p);
	GUEST_ASSERT_EQ(p->srb.data_transfer_length, 8192);
	GUEST_ASSERT(!memcmp(rbuf + 300, dbuf + 100, 8192));
	guest_value("io_ok", 1);

	/* hostile 2: a CDB length over 16 */
	rw(cdb, SCSI_READ_10, 0, 1);
	cc(srb(0, cdb, 17, VSTOR_DATA_IN, rbuf, 512), SRB_STATUS_INVALID_REQUEST,
	   SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_INVALID_FIELD_IN_CDB);
	/* 3: a transfer length that disagrees with the buffer */
	mk_srb(&v, 0, cdb, 10, VSTOR_DATA_IN, 4096);
	exchange(&v, rbuf, 512, &out);
	cc(&out, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
	   SCSI_ASC_INVALID_FIELD_IN_CDB);
	/* 4: an LBA beyond capacity */
	rw(cdb, SCSI_READ_10, (LUN0_MIB << 20) / 512, 1);
	cc(srb(0, cdb, 10, VSTOR_DATA_IN, rbuf, 512), SRB_STATUS_ERROR, SCSI_SK_ILLEGAL_REQUEST,
	   SCSI_ASC_LBA_OUT_OF_RANGE);
	/* 5, 6: PFNs outside RAM and in VTL2-private memory */
	{
		uint64_t bad[2] = {(1ull << 30) >> 12, VTL2_BASE >> 12};
		for (int i = 0; i < 2; i++) {
			rw(cdb, i ? SCSI_WRITE_10 : SCSI_READ_10, 0, 8);
			mk_srb(&v, 0, cdb, 10, i ? VSTOR_DATA_OUT : VSTOR_DATA_IN, 4096);
			exchange_pfns(&v, &bad[i], 1, 0, 4096, &out);
			cc(&out, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ABORTED_COMMAND, 0x4b);
		}
	}
	/* 7: overlapping PFNs: the same page twice, written and read */
	{
		uint64_t pf[2];
		pf[0] = pf[1] = (uint64_t)dbuf >> 12;
		memset(dbuf, 0x5a, 4096);
		rw(cdb, SCSI_WRITE_10, 200, 16);
		mk_srb(&v, 0, cdb, 10, VSTOR_DATA_OUT, 8192);
		exchange_pfns(&v, pf, 2, 0, 8192, &out);
		ok(&out);
	}
	/* 8: a LUN that does not exist */
	rw(cdb, SCSI_READ_10, 0, 1);
	cc(srb(9, cdb, 10, VSTOR_DATA_IN, rbuf, 512), SRB_STATUS_INVALID_LUN,
	   SCSI_SK_ILLEGAL_REQUEST, SCSI_ASC_LUN_NOT_SUPPORTED);
	/* 9: a bad sense (status) length */
	mk_srb(&v, 0, cdb, 10, VSTOR_DATA_IN, 512);
	v.srb.sense_info_length = 0xff;
	exchange(&v, rbuf, 512, &out);
	GUEST_ASSERT_EQ(out.srb.srb_status & 0x3f, SRB_STATUS_INVALID_REQUEST);
	GUEST_ASSERT(out.srb.sense_info_length <= VSTOR_SENSE_MAX);
	/* 10: a flood of completions the host never asked for */
	for (unsigned i = 0; i < 3000; i++) {
		while (vmbc_send(&ch, 0xb, 0, 777, &v, sizeof(v)) == -VMBC_EAGAIN)
			;
	}
	memset(cdb, 0, 16); /* TEST UNIT READY still answered */
	ok(srb(0, cdb, 6, VSTOR_DATA_NONE, NULL, 0));
	/* 11: UNMAP with a bad descriptor list */
	memset(dbuf, 0, 64);
	scsi_put_be16(dbuf, 22);
	scsi_put_be16(dbuf + 2, 10);
	memset(cdb, 0, 16);
	cdb[0] = SCSI_UNMAP;
	cdb[8] = 24;
	cc(srb(0, cdb, 10, VSTOR_DATA_OUT, dbuf, 24), SRB_STATUS_ERROR, SCSI_SK_ILLEGAL_REQUEST,
	   SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR);
	/* a good UNMAP: blocks 72..79 read zeros */
	scsi_put_be16(dbuf + 2, 16);
	scsi_put_be64(dbuf + 8, 72);
	scsi_put_be32(dbuf + 16, 8);
	ok(srb(0, cdb, 10, VSTOR_DATA_OUT, dbuf, 24));
	rw(cdb, SCSI_READ_10, 72, 8);
	ok(srb(0, cdb, 10, VSTOR_DATA_IN, rbuf, 4096));
	for (int i = 0; i < 4096; i++)
		GUEST_ASSERT_EQ(rbuf[i], 0);
	/* 12: a write to the read-only LUN */
	rw(cdb, SCSI_WRITE_10, 0, 1);
	cc(srb(1, cdb, 10, VSTOR_DATA_OUT, dbuf, 4096), SRB_STATUS_ERROR, SCSI_SK_DATA_PROTECT,
	   SCSI_ASC_WRITE_PROTECTED);
	guest_value("hostile_ok", 12);

	vmbc_close(&c, &ch);
	vmbc_unload(&c);
	guest_done();
}
#else
#include "tests/guests/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef NVME_BENCH_MAIN
static int log_fd = -1;

static void on_sync(struct gt *t, unsigned vp, uint64_t stage, uint64_t arg)
{
	char line[32];
	int n = snprintf(line, sizeof(line), "%llu\n", (unsigned long long)arg);
	(void)t, (void)vp, (void)stage;
	if (write(log_fd, line, (size_t)n) != n || fsync(log_fd))
		_exit(3);
}

static int make_cfg(char *extra, size_t len, const char *so, const char *tmp, unsigned mib)
{
	return snprintf(
	           extra, len,
	           "hyperv = true; acpi = true;\n"
	           "memory = { size_mib = %d; vtl2_private_mib = 2; };\n"
	           "plugins = ( { path = \"%s\"; settings = { queue_depth = 8; workers = 2;\n"
	           "  disks = ( { backend = \"file\"; path = \"%s/lun0.img\"; size_mib = %u;\n"
	           "              create = true; },\n"
	           "            { backend = \"file\"; path = \"%s/lun1.img\"; block_size = 4096;\n"
	           "              read_only = true; } ); }; } );\n"
	           "plugin_policy = { trust_store = \"%s/trust\"; mode = \"enforce\"; };\n",
	           RAM_MIB, so, tmp, mib, tmp, tmp) >= (int)len;
}

static int durability(const char *so, const char *tmp)
{
	char extra[4096], img[512], logp[512];
	unsigned failures = 0, runs = 0, min_acked = ~0u, max_acked = 0;

	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	snprintf(img, sizeof(img), "%s/lun0.img", tmp);
	snprintf(logp, sizeof(logp), "%s/acked.log", tmp);
	make_cfg(extra, sizeof(extra), so, tmp, DUR_MIB);
	for (int run = 0; run < 20; run++) {
		unlink(img);
		log_fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		pid_t pid = fork();
		if (!pid) {
			struct gt t;
			int r = gt_init(&t, "nvme_storvsc", extra);
			if (r)
				_exit(r);
			t.on_sync = on_sync;
			gt_run(&t);
			_exit(4); /* not killed in time: the loop ran to its end */
		}
		close(log_fd);
		/* wait for the first acknowledged flush, then kill at a random point */
		struct stat st;
		for (int i = 0; i < 60000 && (stat(logp, &st) || !st.st_size); i++) {
			int status;
			if (waitpid(pid, &status, WNOHANG) == pid) {
				fprintf(stderr,
				        "run %d: the VM ended before its first flush (%d)\n", run,
				        status);
				return WIFEXITED(status) && WEXITSTATUS(status) == 77 ? 77 : 1;
			}
			usleep(1000);
		}
		usleep((useconds_t)(rand() % 400000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);

		/* the last count logged: every block below it must be intact */
		unsigned acked = 0;
		FILE *f = fopen(logp, "r");
		char line[32];
		while (f && fgets(line, sizeof(line), f))
			acked = (unsigned)strtoul(line, NULL, 10);
		if (f)
			fclose(f);
		int fd = open(img, O_RDONLY);
		unsigned bad = 0;
		uint8_t b[4096];
		for (unsigned k = 0; k < acked; k++) {
			uint8_t want[4096];
			for (unsigned i = 0; i < 4096; i++)
				want[i] = (uint8_t)(k * 31 + i);
			memcpy(want, &k, 4);
			if (fd < 0 || pread(fd, b, 4096, (off_t)k * 4096) != 4096 ||
			    memcmp(b, want, 4096))
				bad++;
		}
		if (fd >= 0)
			close(fd);
		fprintf(stderr, "run %2d: %u blocks acknowledged after a flush, %u lost\n", run + 1,
		        acked, bad);
		if (bad || !acked)
			failures++;
		if (acked < min_acked)
			min_acked = acked;
		if (acked > max_acked)
			max_acked = acked;
		runs++;
	}
	printf("durability: %u of %u kill -9 runs kept every acknowledged block "
	       "(acknowledged %u-%u blocks per run)\n",
	       runs - failures, runs, min_acked, max_acked);
	return failures ? 1 : 0;
}

#else
#include "plugins/nvme/bdev.h"

#include <libgen.h>

/* the guest's xorshift sequence of LBAs, for the direct baseline */
static uint64_t rnd;

static uint32_t next_lba(uint64_t blocks, uint32_t per)
{
	rnd ^= rnd << 13, rnd ^= rnd >> 7, rnd ^= rnd << 17;
	return (uint32_t)(rnd % (blocks / per)) * per;
}

/* ---- the benchmark's host side: the clock and the runtime's own CPU time
 * (utime + stime - guest_time of this process, /proc/self/stat) at each
 * phase mark ---- */
static struct mark {
	double t, cpu;
} marks[8];

static double runtime_cpu(void)
{
	char b[2048], *p;
	unsigned long long ut = 0, st = 0, gt = 0;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(b, 1, sizeof(b) - 1, f) : 0;
	if (f)
		fclose(f);
	b[n] = 0;
	p = strrchr(b, ')');
	/* after ')': state is field 3; utime 14, stime 15, guest_time 43 */
	for (int field = 3; p && *p && field <= 43; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			break;
		if (field + 1 == 14)
			ut = strtoull(p + 1, NULL, 10);
		if (field + 1 == 15)
			st = strtoull(p + 1, NULL, 10);
		if (field + 1 == 43)
			gt = strtoull(p + 1, NULL, 10);
	}
	return (double)(ut + st - (gt < ut ? gt : ut)) / (double)sysconf(_SC_CLK_TCK);
}

static void on_bench_sync(struct gt *t, unsigned vp, uint64_t stage, uint64_t arg)
{
	struct timespec ts;
	(void)t, (void)vp, (void)arg;
	if (stage < 10 || stage > 14)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	marks[stage - 10].t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	marks[stage - 10].cpu = runtime_cpu();
}

struct bench_row {
	const char *test;
	unsigned n;
	double bytes;
	double seconds, cpu;
};

static void bench_rows_init(struct bench_row *rows)
{
	static const struct bench_row init[4] = {{"randread_4k_qd1", BENCH_QD1, 4096, 0, 0},
	                                         {"randread_4k_qd32", BENCH_QD32, 4096, 0, 0},
	                                         {"seqread_1m", BENCH_SEQ, 1 << 20, 0, 0},
	                                         {"seqwrite_1m", BENCH_SEQ, 1 << 20, 0, 0}};
	memcpy(rows, init, sizeof(init));
}

static void bench_print(const char *backend, const char *path, const struct bench_row *r)
{
	printf("{\"bench\":\"nvme_storvsc\",\"backend\":\"%s\",\"path\":\"%s\",\"test\":\"%s\","
	       "\"ios\":%u,\"seconds\":%.3f,\"iops\":%.0f,\"mb_per_s\":%.1f,"
	       "\"runtime_cpu_us_per_io\":%.1f}\n",
	       backend, path, r->test, r->n, r->seconds, r->n / r->seconds,
	       r->n * r->bytes / r->seconds / 1e6, r->cpu * 1e6 / r->n);
}

/* The plugin path: the tiny guest drives storvsc's protocol over VMBus. */
static int bench_guest(const char *so, const char *tmp, const char *disk, struct bench_row *rows)
{
	char extra[4096], exe[512];
	struct gt t;
	ssize_t n;
	int r;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return 1;
	exe[n] = 0;
	snprintf(extra, sizeof(extra),
	         "hyperv = true; acpi = true;\n"
	         "memory = { size_mib = %d; };\n"
	         "boot = { image = \"%s/../tests/guests/nvme_storvsc.elf\"; all_vps = true; };\n"
	         "plugins = ( { path = \"%s\"; settings = { queue_depth = 32; workers = 4;\n"
	         "  disks = ( %s ); }; } );\n"
	         "plugin_policy = { trust_store = \"%s/trust\"; mode = \"enforce\"; };\n",
	         RAM_MIB, dirname(exe), so, disk, tmp);
	memset(marks, 0, sizeof(marks));
	r = gt_init(&t, "nvme_storvsc", extra);
	if (r)
		return r;
	t.on_sync = on_bench_sync;
	r = gt_run(&t);
	gt_fini(&t);
	if (r)
		return r;
	for (unsigned i = 0; i < 4; i++) {
		rows[i].seconds = marks[i + 1].t - marks[i].t;
		rows[i].cpu = marks[i + 1].cpu - marks[i].cpu;
	}
	return 0;
}

/* The baseline: the same requests, in the same order and at the same queue
 * depth, submitted by this process straight to the plugin's back end and
 * worker pool (libpvnnvme), with no guest and no VMBus in between. The
 * ratio of the two is what the VSTOR/VMBus path costs. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned done[32], nr_done;
	int err;
} dq = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, 0, 0};

static struct bdev_req dreq[32];

static void direct_complete(struct bdev_req *r)
{
	pthread_mutex_lock(&dq.lock);
	if (r->result)
		dq.err = r->result;
	dq.done[dq.nr_done++] = (unsigned)(r - dreq);
	pthread_cond_signal(&dq.cond);
	pthread_mutex_unlock(&dq.lock);
}

static unsigned direct_wait(void)
{
	unsigned slot;
	pthread_mutex_lock(&dq.lock);
	while (!dq.nr_done)
		pthread_cond_wait(&dq.cond, &dq.lock);
	slot = dq.done[--dq.nr_done];
	pthread_mutex_unlock(&dq.lock);
	return slot;
}

static void direct_submit(struct bdev_pool *p, struct bdev *b, unsigned slot, enum bdev_op op,
                          uint64_t lba, uint32_t blocks, void *buf)
{
	memset(&dreq[slot], 0, sizeof(dreq[slot]));
	dreq[slot].op = op;
	dreq[slot].lba = lba;
	dreq[slot].blocks = blocks;
	dreq[slot].buf = buf;
	dreq[slot].complete = direct_complete;
	bdev_submit(p, b, &dreq[slot]);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int bench_direct(struct bdev *b, struct bench_row *rows)
{
	static uint8_t qb[32][4096] __attribute__((aligned(4096)));
	static uint8_t sb[1 << 20] __attribute__((aligned(4096)));
	uint32_t bs = b->geo.block_size, per = 4096 / bs, n1m = (1u << 20) / bs;
	uint64_t blocks = b->geo.blocks;
	struct bdev_pool pool;
	double t0, c0;
	unsigned issued;

	if (bdev_pool_start(&pool, 4))
		return 1;
	rnd = 88172645463325252ull; /* the guest's sequence */
	dq.err = 0;
	t0 = now_s(), c0 = runtime_cpu();
	for (unsigned i = 0; i < BENCH_QD1; i++) {
		direct_submit(&pool, b, 0, BDEV_READ, next_lba(blocks, per), per, qb[0]);
		direct_wait();
	}
	rows[0].seconds = now_s() - t0, rows[0].cpu = runtime_cpu() - c0;
	t0 = now_s(), c0 = runtime_cpu();
	for (issued = 0; issued < 32; issued++)
		direct_submit(&pool, b, issued, BDEV_READ, next_lba(blocks, per), per, qb[issued]);
	for (unsigned done = 0; done < BENCH_QD32; done++) {
		unsigned slot = direct_wait();
		if (issued < BENCH_QD32) {
			direct_submit(&pool, b, slot, BDEV_READ, next_lba(blocks, per), per,
			              qb[slot]);
			issued++;
		}
	}
	rows[1].seconds = now_s() - t0, rows[1].cpu = runtime_cpu() - c0;
	for (int w = 0; w < 2; w++) {
		t0 = now_s(), c0 = runtime_cpu();
		for (uint32_t i = 0; i < BENCH_SEQ; i++) {
			uint64_t lba = (i * (uint64_t)n1m) % (blocks - n1m + 1);
			direct_submit(&pool, b, 0, w ? BDEV_WRITE : BDEV_READ, lba, n1m, sb);
			direct_wait();
		}
		rows[2 + w].seconds = now_s() - t0, rows[2 + w].cpu = runtime_cpu() - c0;
	}
	bdev_pool_stop(&pool);
	return dq.err ? 1 : 0;
}

/* One back end: the guest through the plugin, then the back end directly,
 * then the ratio (plugin / direct) per test. */
static int bench_backend(const char *so, const char *tmp, const char *backend, const char *disk,
                         struct bdev *b)
{
	struct bench_row g[4], d[4];
	int r;

	bench_rows_init(g);
	bench_rows_init(d);
	r = bench_guest(so, tmp, disk, g);
	if (r == 77) {
		printf("{\"bench\":\"nvme_storvsc\",\"backend\":\"%s\",\"skipped\":"
		       "\"no usable /dev/kvm\"}\n",
		       backend);
		return 0;
	}
	if (!r)
		r = bench_direct(b, d);
	if (r)
		return r;
	for (unsigned i = 0; i < 4; i++) {
		bench_print(backend, "guest_vmbus_plugin", &g[i]);
		bench_print(backend, "host_direct_bdev", &d[i]);
		printf("{\"bench\":\"nvme_storvsc\",\"backend\":\"%s\",\"test\":\"%s\","
		       "\"ratio_plugin_over_direct\":%.3f}\n",
		       backend, g[i].test, (g[i].n / g[i].seconds) / (d[i].n / d[i].seconds));
	}
	fflush(stdout);
	return 0;
}

static int bench_main(const char *so, const char *tmp)
{
	static uint8_t b[1 << 20];
	char disk[512], img[256], err[256];
	struct bdev *bd = NULL;
	int fd, r;

	/* the file back end: a 64 MiB image full of data to read */
	snprintf(img, sizeof(img), "%s/bench.img", tmp);
	fd = open(img, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	for (int i = 0; fd >= 0 && i < BENCH_MIB; i++) {
		memset(b, i + 1, sizeof(b));
		if (write(fd, b, sizeof(b)) != (ssize_t)sizeof(b))
			break;
	}
	if (fd < 0 || fsync(fd) || close(fd))
		return 1;
	snprintf(disk, sizeof(disk), "{ backend = \"file\"; path = \"%s\"; }", img);
	if (bdev_file_open(&(struct bdev_file_opts){.path = img, .block_size = 512}, &bd, err,
	                   sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	r = bench_backend(so, tmp, "file", disk, bd);
	bdev_close(bd);
	unlink(img);
	if (r)
		return r;
	/* the NVMe namespace, when there is one (tools/testvm --nvme FILE) */
	const char *dev = getenv("PVN_BENCH_NVME");
	if (!dev)
		dev = "/dev/ng0n1";
	if (access(dev, R_OK | W_OK)) {
		printf("{\"bench\":\"nvme_storvsc\",\"backend\":\"nvme\",\"skipped\":"
		       "\"no NVMe namespace %s here (bench/run-benchmarks attaches one in the "
		       "test VM)\"}\n",
		       dev);
		return 0;
	}
	if (bdev_nvme_open(&(struct bdev_nvme_opts){.path = dev}, &bd, err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	snprintf(disk, sizeof(disk), "{ backend = \"nvme\"; device = \"%s\"; }", dev);
	/* the guest needs a 64 MiB disk to run the benchmark */
	if (bd->geo.blocks * bd->geo.block_size != (uint64_t)BENCH_MIB << 20) {
		fprintf(stderr, "bench: %s is not %d MiB\n", dev, BENCH_MIB);
		bdev_close(bd);
		return 1;
	}
	r = bench_backend(so, tmp, "nvme", disk, bd);
	bdev_close(bd);
	return r;
}
#endif

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/pvn-gt-nvme-XXXXXX", so[1024], extra[4096], path[1100];
	bool found;
	struct gt t;
	int r;

	if (!mkdtemp(tmp))
		return 1;
#ifdef NVME_BENCH_MAIN
	/* from bench/: ../plugins/nvme/nvme.so, signed into TMP/nvme/ */
	snprintf(path, sizeof(path), "%s/nvme", tmp);
	mkdir(path, 0700);
	if (gt_sign_plugin("nvme/nvme.so", tmp, so, sizeof(so)))
		return 1;
#else
	if (gt_sign_plugin("nvme.so", tmp, so, sizeof(so)))
		return 1;
#endif
	/* LUN 1 exists before it is opened read-only */
	snprintf(path, sizeof(path), "%s/lun1.img", tmp);
	if (truncate(path, 0) &&
	    (close(open(path, O_CREAT | O_WRONLY, 0600)), truncate(path, 1 << 20)))
		return 1;
#ifdef NVME_BENCH_MAIN
	(void)argc, (void)argv, (void)found, (void)t;
	r = bench_main(so, tmp);
#else
	if (argc > 1 && !strcmp(argv[1], "durability")) {
		r = durability(so, tmp);
	} else {
		make_cfg(extra, sizeof(extra), so, tmp, LUN0_MIB);
		r = gt_init(&t, "nvme_storvsc", extra);
		if (r == 77)
			return r;
		GT_CHECK(r == 0);
		if (!r) {
			r = gt_run(&t);
			GT_CHECK(r == 0);
			GT_CHECK(gt_value(&t, "luns", &found) == 2 && found);
			GT_CHECK(gt_value(&t, "io_ok", &found) == 1 && found);
			GT_CHECK(gt_value(&t, "hostile_ok", &found) == 12 && found);
			gt_fini(&t);
			/* the file holds what the guest wrote at LBA 64 */
			uint8_t b[8192];
			snprintf(path, sizeof(path), "%s/lun0.img", tmp);
			int fd = open(path, O_RDONLY);
			GT_CHECK(fd >= 0 &&
			         pread(fd, b, sizeof(b), 64 * 512) == (ssize_t)sizeof(b));
			/* (blocks 72-79, its second half, were unmapped: zeros) */
			for (uint32_t i = 0; i < sizeof(b); i++)
				if (b[i] != (i < 4096 ? (uint8_t)(i * 7 + 1) : 0)) {
					GT_CHECK(!"the image holds what the guest wrote");
					break;
				}
			if (fd >= 0)
				close(fd);
		}
	}
#endif
	snprintf(extra, sizeof(extra), "rm -rf '%s'", tmp);
	if (system(extra))
		fprintf(stderr, "cannot remove %s\n", tmp);
	return r || gt_failures ? (r == 77 ? 77 : 1) : 0;
}
#endif
