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
#define RAM_MIB   32
#define LUN0_MIB  4
#define DUR_MIB   8
#define VTL2_BASE ((uint64_t)RAM_MIB << 20)

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

	if (capacity(0, &bs) == (DUR_MIB << 20) / 512)
		durability();

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

int main(int argc, char **argv)
{
	char tmp[] = "/tmp/pvn-gt-nvme-XXXXXX", so[1024], extra[4096], path[1100];
	bool found;
	struct gt t;
	int r;

	if (!mkdtemp(tmp))
		return 1;
	if (gt_sign_plugin("nvme.so", tmp, so, sizeof(so)))
		return 1;
	/* LUN 1 exists before it is opened read-only */
	snprintf(path, sizeof(path), "%s/lun1.img", tmp);
	if (truncate(path, 0) &&
	    (close(open(path, O_CREAT | O_WRONLY, 0600)), truncate(path, 1 << 20)))
		return 1;
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
	snprintf(extra, sizeof(extra), "rm -rf '%s'", tmp);
	if (system(extra))
		fprintf(stderr, "cannot remove %s\n", tmp);
	return r || gt_failures ? (r == 77 ? 77 : 1) : 0;
}
#endif
