/* SPDX-License-Identifier: MIT */
/*
 * VSTOR on one channel. Every field of a guest packet is checked here
 * before it is used: the VMBus packet type and lengths, the GPA-direct
 * range header (one range, offset inside the first page, a PFN array that
 * covers exactly byte_count, at most VSTOR_MAX_XFER), the SRB (length,
 * CDB length, sense length, direction, transfer length against the range),
 * the target and LUN, then the CDB (scsi.c) against the disk. Guest pages
 * are reached only through env->mem_read/mem_write, which refuse anything
 * outside VTL0 RAM (VTL2-private memory included).
 */
#include "plugins/nvme/vstor.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct vstor_io {
	struct bdev_req req; /* first: the back end's completion finds us */
	struct vstor_chan *c;
	struct vstor_lun *lun;
	unsigned gen;
	uint64_t trans_id;
	struct vstor_packet pkt; /* the request; becomes the completion */
	struct scsi_cmd cmd;
	/* The guest buffer: one range. */
	uint32_t byte_count, byte_offset, nr_pfns;
	uint64_t pfns[VSTOR_MAX_PFNS];
	uint8_t *buf; /* bounce buffer, VSTOR_MAX_XFER, 4 KiB aligned */
	struct bdev_extent ext[SCSI_MAX_UNMAP_DESC];
	struct vstor_io *next;     /* free list, LUN wait queue or pending sends */
	struct vstor_io *all_next; /* every io of the channel */
};

static __attribute__((format(printf, 3, 4))) void vlog(struct vstor_chan *c, int level,
                                                       const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (!c->env.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->env.log(c->env.opaque, level, msg);
}

/* A refused guest request is always counted and logged, but a flood of
 * them only at the first 50 and then every 1000th (with the count). */
#define REFUSE(c, ...)                                                                             \
	do {                                                                                       \
		uint64_t n_ = __atomic_add_fetch(&(c)->stats.refused, 1, __ATOMIC_RELAXED);        \
		if (n_ <= 50 || n_ % 1000 == 0) {                                                  \
			if (n_ > 50)                                                               \
				vlog((c), 1, "%llu guest requests refused so far",                 \
				     (unsigned long long)n_);                                      \
			vlog((c), 1, __VA_ARGS__);                                                 \
		}                                                                                  \
	} while (0)

void vstor_disk_from_geometry(struct scsi_disk *d, const struct bdev_geometry *g, unsigned lun)
{
	uint64_t h = 1469598103934665603ULL;

	memset(d, 0, sizeof(*d));
	d->blocks = g->blocks;
	d->block_size = g->block_size;
	d->max_xfer_blocks =
	    (g->max_xfer < VSTOR_MAX_XFER ? g->max_xfer : VSTOR_MAX_XFER) / g->block_size;
	d->read_only = g->read_only;
	d->discard = g->discard;
	d->vwc = g->vwc;
	d->lbprz = g->discard && g->discard_zeroes;
	snprintf(d->serial, sizeof(d->serial), "%.16s-%u", g->serial, lun);
	for (const char *p = d->serial; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	d->id = h ^ lun;
}

int vstor_chan_init(struct vstor_chan *c, const struct vstor_env *env, struct vstor_lun *luns,
                    unsigned nr_luns, unsigned queue_depth, struct bdev_pool *pool)
{
	memset(c, 0, sizeof(*c));
	if (!env->recv || !env->send || !env->mem_read || !env->mem_write ||
	    nr_luns > VSTOR_MAX_LUNS || !queue_depth || queue_depth > 1024)
		return -EINVAL;
	c->env = *env;
	c->luns = luns;
	c->nr_luns = nr_luns;
	c->queue_depth = queue_depth;
	c->pool = pool;
	c->state = VSTOR_S_CLOSED;
	pthread_mutex_init(&c->rx_lock, NULL);
	pthread_mutex_init(&c->lock, NULL);
	c->rx_cap = 8192;
	c->rx_buf = malloc(c->rx_cap);
	if (!c->rx_buf)
		return -ENOMEM;
	/* Every LUN's queue depth, plus a few for emulated commands. The
	 * structs (and their bounce buffers) are made when first needed. */
	c->nr_ios = nr_luns * queue_depth + 8;
	c->nr_free = c->nr_ios;
	return 0;
}

void vstor_chan_destroy(struct vstor_chan *c)
{
	struct vstor_io *io = c->all_ios, *n;

	while (io) {
		n = io->all_next;
		free(io->buf);
		free(io);
		io = n;
	}
	c->all_ios = NULL;
	free(c->rx_buf);
	c->rx_buf = NULL;
	pthread_mutex_destroy(&c->rx_lock);
	pthread_mutex_destroy(&c->lock);
}

/* ---- io structs: at most nr_ios exist; lock held ---- */
static struct vstor_io *io_get_locked(struct vstor_chan *c)
{
	struct vstor_io *io;

	if (!c->nr_free)
		return NULL;
	io = c->free_ios;
	if (io) {
		c->free_ios = io->next;
	} else {
		io = calloc(1, sizeof(*io));
		if (!io)
			return NULL;
		io->buf = aligned_alloc(4096, VSTOR_MAX_XFER);
		if (!io->buf) {
			free(io);
			return NULL;
		}
		io->c = c;
		io->all_next = c->all_ios;
		c->all_ios = io;
	}
	c->nr_free--;
	io->next = NULL;
	io->lun = NULL;
	return io;
}

static void io_put_locked(struct vstor_chan *c, struct vstor_io *io)
{
	io->next = c->free_ios;
	c->free_ios = io;
	c->nr_free++;
}

/* ---- completions ---- */

/* Send io's completion or queue it for vstor_writable; lock held. Returns
 * true when io can be reused now. */
static bool send_locked(struct vstor_chan *c, struct vstor_io *io)
{
	int r;

	if (!c->open || io->gen != c->gen)
		return true; /* the guest closed the channel since: drop */
	if (c->pend_head) {
		/* Keep completions in order behind the ones waiting for room. */
		c->pend_tail->next = io;
		c->pend_tail = io;
		io->next = NULL;
		return false;
	}
	r = c->env.send(c->env.opaque, io->trans_id, &io->pkt, sizeof(io->pkt));
	if (r == -EAGAIN) {
		c->stats.send_again++;
		io->next = NULL;
		c->pend_head = c->pend_tail = io;
		return false;
	}
	if (r)
		vlog(c, 1, "completion for transaction %llu not sent: %s",
		     (unsigned long long)io->trans_id, strerror(-r));
	else
		c->stats.completions++;
	return true;
}

/* io is answered: send its completion and recycle it. Any thread, no lock. */
static void finish(struct vstor_io *io)
{
	struct vstor_chan *c = io->c;
	bool reuse;

	pthread_mutex_lock(&c->lock);
	reuse = send_locked(c, io);
	if (reuse)
		io_put_locked(c, io);
	pthread_mutex_unlock(&c->lock);
	/* A slot came free: the ring reader may have stopped for want of one. */
	if (reuse)
		vstor_poll(c);
}

static void complete_vstor(struct vstor_io *io, uint32_t status)
{
	io->pkt.operation = VSTOR_OP_COMPLETE_IO;
	io->pkt.flags = 0;
	io->pkt.status = status;
}

static void complete_srb(struct vstor_io *io, uint8_t srb_status, uint8_t scsi_status,
                         const struct scsi_sense *s, uint32_t transferred)
{
	struct vstor_srb *srb = &io->pkt.srb;
	uint8_t want = srb->sense_info_length;
	uint8_t sense[VSTOR_SENSE_MAX];
	size_t n;

	complete_vstor(io, VSTOR_STATUS_SUCCESS);
	srb->srb_status = srb_status;
	srb->scsi_status = scsi_status;
	srb->data_transfer_length = transferred;
	memset(srb->sense_data, 0, sizeof(srb->sense_data));
	if (s) {
		n = scsi_sense_build(s, sense, sizeof(sense));
		if (want > VSTOR_SENSE_MAX)
			want = VSTOR_SENSE_MAX;
		if (n > want)
			n = want; /* fixed-format sense may be truncated */
		memcpy(srb->sense_data, sense, n);
		srb->sense_info_length = (uint8_t)n;
		srb->srb_status |= SRB_STATUS_AUTOSENSE_VALID;
	} else {
		srb->sense_info_length = 0;
	}
}

static void check_condition(struct vstor_io *io, uint8_t srb_status, const struct scsi_sense *s)
{
	__atomic_fetch_add(&io->c->stats.check_conditions, 1, __ATOMIC_RELAXED);
	complete_srb(io, srb_status, SCSI_STATUS_CHECK_CONDITION, s, 0);
}

static void check_condition3(struct vstor_io *io, uint8_t srb_status, uint8_t key, uint8_t asc,
                             uint8_t ascq)
{
	struct scsi_sense s;
	scsi_sense_set(&s, key, asc, ascq);
	check_condition(io, srb_status, &s);
}

/* ---- guest buffer access (one range of nr_pfns 4 KiB pages) ---- */

/* Copy len bytes at offset off of the request's buffer to/from host
 * memory. Each piece stays inside one guest page; the host checks it. */
static int gpa_copy(struct vstor_io *io, uint32_t off, void *buf, uint32_t len, bool to_guest)
{
	struct vstor_chan *c = io->c;
	uint32_t done = 0;

	/* off + len <= byte_count (callers), and byte_offset + byte_count
	 * <= nr_pfns * 4096 (checked when the range was parsed). */
	while (done < len) {
		uint64_t at = (uint64_t)io->byte_offset + off + done;
		uint64_t page = at / VSTOR_PAGE_SIZE;
		uint32_t in = (uint32_t)(at % VSTOR_PAGE_SIZE);
		uint32_t n = VSTOR_PAGE_SIZE - in;
		uint64_t gpa = io->pfns[page] * VSTOR_PAGE_SIZE + in;
		int r;

		if (n > len - done)
			n = len - done;
		r = to_guest ? c->env.mem_write(c->env.opaque, gpa, (uint8_t *)buf + done, n)
		             : c->env.mem_read(c->env.opaque, gpa, (uint8_t *)buf + done, n);
		if (r)
			return r;
		done += n;
	}
	return 0;
}

/* Before a read's I/O: every page it will write must be guest RAM (the
 * first and last byte of each piece; the host maps RAM in whole pages). */
static int gpa_probe(struct vstor_io *io, uint32_t len)
{
	struct vstor_chan *c = io->c;
	uint8_t b;

	for (uint32_t off = 0; off < len;) {
		uint64_t at = (uint64_t)io->byte_offset + off;
		uint64_t page = at / VSTOR_PAGE_SIZE;
		uint32_t in = (uint32_t)(at % VSTOR_PAGE_SIZE), n = VSTOR_PAGE_SIZE - in;
		uint64_t gpa = io->pfns[page] * VSTOR_PAGE_SIZE;
		if (n > len - off)
			n = len - off;
		if (c->env.mem_read(c->env.opaque, gpa + in, &b, 1) ||
		    c->env.mem_read(c->env.opaque, gpa + in + n - 1, &b, 1))
			return -EFAULT;
		off += n;
	}
	return 0;
}

/* ---- I/O through the back end ---- */

static void submit_locked(struct vstor_chan *c, struct vstor_io *io)
{
	io->lun->inflight++;
	if (c->pool)
		bdev_submit(c->pool, io->lun->bdev, &io->req);
}

/* Run or queue io on its LUN (lock not held). */
static void start_io(struct vstor_chan *c, struct vstor_io *io)
{
	struct vstor_lun *l = io->lun;
	bool now = false;

	pthread_mutex_lock(&c->lock);
	if (l->inflight < c->queue_depth && !l->wait_head) {
		if (c->pool)
			submit_locked(c, io);
		else
			l->inflight++, now = true;
	} else {
		io->next = NULL;
		if (l->wait_tail)
			l->wait_tail->next = io;
		else
			l->wait_head = io;
		l->wait_tail = io;
	}
	pthread_mutex_unlock(&c->lock);
	if (now)
		bdev_run(l->bdev, &io->req);
}

static void sense_for_error(struct vstor_io *io, int err)
{
	bool write = io->req.op != BDEV_READ;

	if (err == -ENOSPC)
		check_condition3(io, SRB_STATUS_ERROR, SCSI_SK_DATA_PROTECT,
		                 SCSI_ASC_WRITE_PROTECTED, SCSI_ASCQ_SPACE_ALLOC_FAILED);
	else if (err == -EROFS)
		check_condition3(io, SRB_STATUS_ERROR, SCSI_SK_DATA_PROTECT,
		                 SCSI_ASC_WRITE_PROTECTED, 0);
	else
		check_condition3(io, SRB_STATUS_ERROR, SCSI_SK_MEDIUM_ERROR,
		                 write ? SCSI_ASC_WRITE_ERROR : SCSI_ASC_UNRECOVERED_READ_ERROR, 0);
}

static bool is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Runs on the worker before the back end's op: fetch what the guest sends
 * (write data, UNMAP parameter list, the WRITE SAME block) or check the
 * pages a read will fill. Returns 0, or -1 with the completion built. */
static int io_prepare(struct vstor_io *io)
{
	struct vstor_chan *c = io->c;
	struct scsi_sense s;
	unsigned n;

	switch (io->cmd.action) {
	case SCSI_ACT_READ:
		if (gpa_probe(io, io->cmd.xfer_len))
			goto fault;
		return 0;
	case SCSI_ACT_WRITE:
		if (gpa_copy(io, 0, io->buf, io->cmd.xfer_len, false))
			goto fault;
		return 0;
	case SCSI_ACT_UNMAP:
		if (gpa_copy(io, 0, io->buf, io->cmd.xfer_len, false))
			goto fault;
		{
			struct scsi_extent e[SCSI_MAX_UNMAP_DESC];
			if (scsi_unmap_parse(io->buf, io->cmd.xfer_len, &io->lun->disk, e,
			                     SCSI_MAX_UNMAP_DESC, &n, &s)) {
				REFUSE(c,
				       "LUN %u: UNMAP parameter list refused (sense %x/%02x/%02x)",
				       io->pkt.srb.lun, s.key, s.asc, s.ascq);
				check_condition(io, SRB_STATUS_ERROR, &s);
				return -1;
			}
			for (unsigned i = 0; i < n; i++) {
				io->ext[i].lba = e[i].lba;
				io->ext[i].blocks = e[i].blocks;
			}
			io->req.ext = io->ext;
			io->req.nr_ext = n;
		}
		return 0;
	case SCSI_ACT_WRITE_SAME_UNMAP:
		if (gpa_copy(io, 0, io->buf, io->cmd.xfer_len, false))
			goto fault;
		/* Unmapped blocks read as zeros (LBPRZ): only a zero block may
		 * be written by unmapping. */
		if (!io->lun->disk.lbprz || !is_zero(io->buf, io->cmd.xfer_len)) {
			REFUSE(c, "LUN %u: WRITE SAME(16) with UNMAP of a non-zero block",
			       io->pkt.srb.lun);
			check_condition3(io, SRB_STATUS_ERROR, SCSI_SK_ILLEGAL_REQUEST,
			                 SCSI_ASC_INVALID_FIELD_IN_CDB, 0);
			return -1;
		}
		io->ext[0].lba = io->cmd.lba;
		io->ext[0].blocks = io->cmd.blocks;
		io->req.ext = io->ext;
		io->req.nr_ext = 1;
		return 0;
	default:
		return 0;
	}
fault:
	REFUSE(c, "LUN %u: transaction %llu names guest pages outside RAM", io->pkt.srb.lun,
	       (unsigned long long)io->trans_id);
	check_condition3(io, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ABORTED_COMMAND, 0x4b, 0x00);
	return -1;
}

/* A back end request done (worker thread, or the caller's without a pool). */
static void io_done(struct bdev_req *r)
{
	struct vstor_io *io = (struct vstor_io *)r;
	struct vstor_chan *c = io->c;
	struct vstor_lun *l = io->lun;
	struct vstor_io *next = NULL;
	bool stale;

	pthread_mutex_lock(&c->lock);
	stale = !c->open || io->gen != c->gen;
	pthread_mutex_unlock(&c->lock);

	if (r->result == -ECANCELED) {
		/* io_prepare refused it: the completion is built. */
	} else if (r->result) {
		__atomic_fetch_add(&l->errors, 1, __ATOMIC_RELAXED);
		vlog(c, 0, "LUN %u: %s failed: %s", io->pkt.srb.lun,
		     r->op == BDEV_READ    ? "read"
		     : r->op == BDEV_WRITE ? "write"
		     : r->op == BDEV_FLUSH ? "flush"
		                           : "discard",
		     strerror(-r->result));
		sense_for_error(io, r->result);
	} else if (r->op == BDEV_READ && !stale &&
	           gpa_copy(io, 0, io->buf, io->cmd.xfer_len, true)) {
		REFUSE(c, "LUN %u: read data could not be written to guest pages", io->pkt.srb.lun);
		check_condition3(io, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ABORTED_COMMAND, 0x4b, 0);
	} else {
		uint32_t moved = (r->op == BDEV_READ || r->op == BDEV_WRITE) ? io->cmd.xfer_len
		                 : r->op == BDEV_DISCARD                     ? io->byte_count
		                                                             : 0;
		complete_srb(io, SRB_STATUS_SUCCESS, SCSI_STATUS_GOOD, NULL, moved);
	}

	/* Start the next request that waited for this LUN's queue. */
	pthread_mutex_lock(&c->lock);
	l->inflight--;
	if (l->wait_head && l->inflight < c->queue_depth) {
		next = l->wait_head;
		l->wait_head = next->next;
		if (!l->wait_head)
			l->wait_tail = NULL;
		if (c->pool) {
			submit_locked(c, next);
			next = NULL;
		} else {
			l->inflight++;
		}
	}
	pthread_mutex_unlock(&c->lock);
	finish(io);
	if (next)
		bdev_run(l->bdev, &next->req);
}

static int io_prepare_cb(struct bdev_req *r)
{
	return io_prepare((struct vstor_io *)r);
}

/* Build the back end request for a parsed command. */
static void setup_req(struct vstor_io *io)
{
	struct bdev_req *r = &io->req;

	memset(r, 0, sizeof(*r));
	r->lba = io->cmd.lba;
	r->blocks = io->cmd.blocks;
	r->buf = io->buf;
	r->fua = io->cmd.fua;
	r->prepare = io_prepare_cb;
	r->complete = io_done;
	switch (io->cmd.action) {
	case SCSI_ACT_READ:
		r->op = BDEV_READ;
		break;
	case SCSI_ACT_WRITE:
		r->op = BDEV_WRITE;
		break;
	case SCSI_ACT_FLUSH:
		r->op = BDEV_FLUSH;
		break;
	default:
		r->op = BDEV_DISCARD;
		break;
	}
}

/* ---- SRBs ---- */

static void execute_srb(struct vstor_chan *c, struct vstor_io *io, bool has_range)
{
	struct vstor_srb *srb = &io->pkt.srb;
	struct vstor_lun *l;
	struct scsi_sense s;
	uint8_t cdb[VSTOR_CDB_MAX];
	unsigned cdb_len = srb->cdb_length;
	uint32_t dtl = srb->data_transfer_length;
	int n;

	__atomic_fetch_add(&c->stats.srbs, 1, __ATOMIC_RELAXED);
	/* The SRB itself. */
	if (srb->length != sizeof(struct vstor_srb) || cdb_len < 1 || cdb_len > VSTOR_CDB_MAX ||
	    srb->sense_info_length > VSTOR_SENSE_MAX || srb->data_in > VSTOR_DATA_NONE) {
		REFUSE(c, "SRB refused: length %u, cdb_length %u, sense_info_length %u, data_in %u",
		       srb->length, cdb_len, srb->sense_info_length, srb->data_in);
		if (srb->sense_info_length > VSTOR_SENSE_MAX)
			srb->sense_info_length = VSTOR_SENSE_MAX;
		check_condition3(io, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		                 SCSI_ASC_INVALID_FIELD_IN_CDB, 0);
		goto answer;
	}
	/* The transfer length must be the buffer the guest described. */
	if ((has_range && dtl != io->byte_count) || (!has_range && dtl) ||
	    (has_range && srb->data_in == VSTOR_DATA_NONE)) {
		REFUSE(c, "SRB refused: data_transfer_length %u, buffer %u bytes, data_in %u", dtl,
		       has_range ? io->byte_count : 0, srb->data_in);
		check_condition3(io, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		                 SCSI_ASC_INVALID_FIELD_IN_CDB, 0);
		goto answer;
	}
	memcpy(cdb, srb->cdb, VSTOR_CDB_MAX);

	/* Target 0 on path 0 holds the LUNs; everything else is empty. */
	if (srb->path_id || srb->target_id || srb->lun >= c->nr_luns) {
		n = scsi_emulate_absent(cdb, cdb_len, io->buf, VSTOR_MAX_XFER, &s);
		if (n < 0) {
			check_condition(io, SRB_STATUS_INVALID_LUN, &s);
			goto answer;
		}
		goto emulated;
	}
	l = &c->luns[srb->lun];
	io->lun = l;
	if (scsi_parse(cdb, cdb_len, &l->disk, &io->cmd, &s)) {
		/* An opcode Linux probes for is routine: log at debug level. */
		if (s.asc == SCSI_ASC_INVALID_OPCODE)
			vlog(c, 3, "LUN %u: opcode 0x%02x not supported", srb->lun, cdb[0]);
		else
			REFUSE(c, "LUN %u: CDB %02x refused (sense %x/%02x/%02x)", srb->lun, cdb[0],
			       s.key, s.asc, s.ascq);
		check_condition(io, SRB_STATUS_ERROR, &s);
		goto answer;
	}
	/* The direction the command moves data must be the SRB's. */
	if (io->cmd.dir != SCSI_DIR_NONE && dtl &&
	    srb->data_in != (io->cmd.dir == SCSI_DIR_IN ? VSTOR_DATA_IN : VSTOR_DATA_OUT)) {
		REFUSE(c, "LUN %u: CDB %02x moves data the other way than data_in %u", srb->lun,
		       cdb[0], srb->data_in);
		check_condition3(io, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
		                 SCSI_ASC_INVALID_FIELD_IN_CDB, 0);
		goto answer;
	}
	switch (io->cmd.action) {
	case SCSI_ACT_NONE:
		complete_srb(io, SRB_STATUS_SUCCESS, SCSI_STATUS_GOOD, NULL, 0);
		goto answer;
	case SCSI_ACT_EMULATE:
		n = scsi_emulate(cdb, cdb_len, &l->disk, c->nr_luns, io->buf, VSTOR_MAX_XFER, &s);
		if (n < 0) {
			REFUSE(c, "LUN %u: CDB %02x refused (sense %x/%02x/%02x)", srb->lun, cdb[0],
			       s.key, s.asc, s.ascq);
			check_condition(io, SRB_STATUS_ERROR, &s);
			goto answer;
		}
		goto emulated;
	case SCSI_ACT_READ:
	case SCSI_ACT_WRITE:
	case SCSI_ACT_WRITE_SAME_UNMAP:
		/* Exactly the bytes the command moves. */
		if (dtl != io->cmd.xfer_len) {
			REFUSE(c, "LUN %u: CDB %02x moves %u bytes, the buffer is %u", srb->lun,
			       cdb[0], io->cmd.xfer_len, dtl);
			check_condition3(io, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
			                 SCSI_ASC_INVALID_FIELD_IN_CDB, 0);
			goto answer;
		}
		break;
	case SCSI_ACT_UNMAP:
		if (dtl < io->cmd.xfer_len) {
			REFUSE(c, "LUN %u: UNMAP parameter list of %u bytes in a %u-byte buffer",
			       srb->lun, io->cmd.xfer_len, dtl);
			check_condition3(io, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
			                 SCSI_ASC_PARAMETER_LIST_LENGTH_ERROR, 0);
			goto answer;
		}
		break;
	case SCSI_ACT_FLUSH:
		break;
	default:
		break;
	}
	setup_req(io);
	start_io(c, io);
	return;

emulated:
	/* n bytes of response: the guest gets at most its allocation length
	 * (for REPORT LUNS etc.) and at most its buffer. */
	{
		uint32_t len = (uint32_t)n;
		if (io->lun && len > io->cmd.xfer_len)
			len = io->cmd.xfer_len;
		if (!io->lun) {
			/* absent LUN: INQUIRY/REPORT LUNS allocation lengths */
			uint32_t alloc = cdb[0] == SCSI_INQUIRY ? scsi_get_be16(cdb + 3)
			                                        : scsi_get_be32(cdb + 6);
			if (len > alloc)
				len = alloc;
		}
		if (len > dtl)
			len = dtl;
		if (len && srb->data_in != VSTOR_DATA_IN) {
			REFUSE(c, "CDB %02x returns data, data_in is %u", cdb[0], srb->data_in);
			check_condition3(io, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ILLEGAL_REQUEST,
			                 SCSI_ASC_INVALID_FIELD_IN_CDB, 0);
			goto answer;
		}
		if (len && gpa_copy(io, 0, io->buf, len, true)) {
			REFUSE(c, "transaction %llu names guest pages outside RAM",
			       (unsigned long long)io->trans_id);
			check_condition3(io, SRB_STATUS_INVALID_REQUEST, SCSI_SK_ABORTED_COMMAND,
			                 0x4b, 0);
			goto answer;
		}
		complete_srb(io, SRB_STATUS_SUCCESS, SCSI_STATUS_GOOD, NULL, len);
	}
answer:
	io->lun = NULL;
	finish(io);
}

/* ---- the handshake and the dispatcher ---- */

static bool version_ok(uint16_t v)
{
	return v == VSTOR_VERSION_WIN10 || v == VSTOR_VERSION_WIN8_1 || v == VSTOR_VERSION_WIN8;
}

static void handle_vstor(struct vstor_chan *c, struct vstor_io *io, bool has_range)
{
	struct vstor_packet *p = &io->pkt;
	uint32_t op = p->operation;

	if (has_range && op != VSTOR_OP_EXECUTE_SRB) {
		REFUSE(c, "operation %u carries a data buffer", op);
		complete_vstor(io, VSTOR_STATUS_INVALID_PARAMETER);
		finish(io);
		return;
	}
	switch (op) {
	case VSTOR_OP_BEGIN_INITIALIZATION:
		c->state = VSTOR_S_WAIT_VERSION;
		c->version = 0;
		complete_vstor(io, VSTOR_STATUS_SUCCESS);
		break;
	case VSTOR_OP_QUERY_PROTOCOL_VERSION:
		if (c->state != VSTOR_S_WAIT_VERSION && c->state != VSTOR_S_NEGOTIATED) {
			REFUSE(c, "QUERY_PROTOCOL_VERSION before BEGIN_INITIALIZATION");
			complete_vstor(io, VSTOR_STATUS_INVALID_DEVICE_STATE);
			break;
		}
		if (!version_ok(p->version.major_minor)) {
			vlog(c, 3, "protocol version %u.%u not offered",
			     p->version.major_minor >> 8, p->version.major_minor & 0xff);
			complete_vstor(io, VSTOR_STATUS_REVISION_MISMATCH);
			break;
		}
		c->version = p->version.major_minor;
		c->state = VSTOR_S_NEGOTIATED;
		complete_vstor(io, VSTOR_STATUS_SUCCESS);
		break;
	case VSTOR_OP_QUERY_PROPERTIES:
		if (c->state != VSTOR_S_NEGOTIATED && c->state != VSTOR_S_READY) {
			REFUSE(c, "QUERY_PROPERTIES before a protocol version was agreed");
			complete_vstor(io, VSTOR_STATUS_INVALID_DEVICE_STATE);
			break;
		}
		memset(p->buffer, 0, sizeof(p->buffer));
		/* No subchannels offered yet: the primary channel carries all. */
		p->properties.max_channel_count = 0;
		p->properties.flags = 0;
		p->properties.max_transfer_bytes = VSTOR_MAX_XFER;
		complete_vstor(io, VSTOR_STATUS_SUCCESS);
		break;
	case VSTOR_OP_END_INITIALIZATION:
		if (c->state != VSTOR_S_NEGOTIATED) {
			REFUSE(c, "END_INITIALIZATION without a protocol version");
			complete_vstor(io, VSTOR_STATUS_INVALID_DEVICE_STATE);
			break;
		}
		c->state = VSTOR_S_READY;
		vlog(c, 2, "guest initialised the controller: protocol %u.%u, %u LUNs",
		     c->version >> 8, c->version & 0xff, c->nr_luns);
		complete_vstor(io, VSTOR_STATUS_SUCCESS);
		break;
	case VSTOR_OP_CREATE_SUB_CHANNELS:
		if (c->state != VSTOR_S_READY && c->state != VSTOR_S_NEGOTIATED) {
			complete_vstor(io, VSTOR_STATUS_INVALID_DEVICE_STATE);
			break;
		}
		/* Granted: 0 subchannels. */
		p->sub_channel_count = 0;
		complete_vstor(io, VSTOR_STATUS_SUCCESS);
		break;
	case VSTOR_OP_RESET_LUN:
	case VSTOR_OP_RESET_ADAPTER:
	case VSTOR_OP_RESET_BUS:
		/* Nothing is queued inside the device beyond what completes on
		 * its own; a reset has nothing to abort. */
		complete_vstor(io, c->state == VSTOR_S_READY ? VSTOR_STATUS_SUCCESS
		                                             : VSTOR_STATUS_INVALID_DEVICE_STATE);
		break;
	case VSTOR_OP_EXECUTE_SRB:
		if (c->state != VSTOR_S_READY) {
			REFUSE(c, "EXECUTE_SRB before END_INITIALIZATION");
			complete_vstor(io, VSTOR_STATUS_INVALID_DEVICE_STATE);
			io->pkt.srb.srb_status = SRB_STATUS_INVALID_REQUEST;
			io->pkt.srb.scsi_status = 0;
			io->pkt.srb.data_transfer_length = 0;
			io->pkt.srb.sense_info_length = 0;
			break;
		}
		execute_srb(c, io, has_range);
		return;
	default:
		REFUSE(c, "operation %u not supported", op);
		complete_vstor(io, VSTOR_STATUS_NOT_SUPPORTED);
		break;
	}
	finish(io);
}

/* One packet from the ring, in c->rx_buf. */
static void dispatch(struct vstor_chan *c, const struct vstor_rx *rx)
{
	const uint8_t *b = c->rx_buf;
	struct vstor_io *io;
	bool has_range = false;

	__atomic_fetch_add(&c->stats.packets, 1, __ATOMIC_RELAXED);
	if (rx->type != 6 && rx->type != 9) {
		/* Completions and other packets the host never asked for. */
		__atomic_fetch_add(&c->stats.ignored, 1, __ATOMIC_RELAXED);
		REFUSE(c, "packet of type %u ignored", rx->type);
		return;
	}
	pthread_mutex_lock(&c->lock);
	io = io_get_locked(c);
	pthread_mutex_unlock(&c->lock);
	if (!io) { /* the caller checked nr_free; only allocation can fail */
		vlog(c, 0, "out of memory: transaction %llu dropped",
		     (unsigned long long)rx->trans_id);
		return;
	}
	io->trans_id = rx->trans_id;
	io->byte_count = io->byte_offset = io->nr_pfns = 0;
	memset(&io->cmd, 0, sizeof(io->cmd));
	memset(&io->pkt, 0, sizeof(io->pkt));
	pthread_mutex_lock(&c->lock);
	io->gen = c->gen;
	pthread_mutex_unlock(&c->lock);

	/* The vstor packet: all 64 bytes (protocol >= 5.1). */
	if (rx->data_offset > rx->len || rx->len - rx->data_offset < sizeof(struct vstor_packet)) {
		REFUSE(c, "transaction %llu: %u-byte packet, a vstor packet is %zu",
		       (unsigned long long)rx->trans_id, rx->len - rx->data_offset,
		       sizeof(struct vstor_packet));
		if (rx->data_offset <= rx->len)
			memcpy(&io->pkt, b + rx->data_offset, rx->len - rx->data_offset);
		complete_vstor(io, VSTOR_STATUS_INVALID_PARAMETER);
		finish(io);
		return;
	}
	memcpy(&io->pkt, b + rx->data_offset, sizeof(io->pkt));

	if (rx->type == 9) {
		struct vstor_gpa_header h;
		struct vstor_gpa_range g;
		uint64_t end;
		const char *why = NULL;

		if (rx->data_offset < sizeof(h) + sizeof(g)) {
			why = "no room for the range header";
		} else {
			memcpy(&h, b, sizeof(h));
			memcpy(&g, b + sizeof(h), sizeof(g));
			end = (uint64_t)g.byte_offset + g.byte_count;
			if (h.range_count != 1)
				why = "range_count is not 1";
			else if (!g.byte_count || g.byte_count > VSTOR_MAX_XFER)
				why = "byte_count is 0 or over max_transfer_bytes";
			else if (g.byte_offset >= VSTOR_PAGE_SIZE)
				why = "byte_offset is not inside the first page";
			else if (sizeof(h) + sizeof(g) +
			             ((end + VSTOR_PAGE_SIZE - 1) / VSTOR_PAGE_SIZE) * 8 >
			         rx->data_offset)
				why = "the PFN array is shorter than the range";
		}
		if (why) {
			REFUSE(c, "transaction %llu: bad GPA range: %s",
			       (unsigned long long)rx->trans_id, why);
			if (io->pkt.operation == VSTOR_OP_EXECUTE_SRB) {
				if (io->pkt.srb.sense_info_length > VSTOR_SENSE_MAX)
					io->pkt.srb.sense_info_length = VSTOR_SENSE_MAX;
				check_condition3(io, SRB_STATUS_INVALID_REQUEST,
				                 SCSI_SK_ILLEGAL_REQUEST,
				                 SCSI_ASC_INVALID_FIELD_IN_CDB, 0);
			} else {
				complete_vstor(io, VSTOR_STATUS_INVALID_PARAMETER);
			}
			finish(io);
			return;
		}
		io->byte_count = g.byte_count;
		io->byte_offset = g.byte_offset;
		io->nr_pfns = (uint32_t)((end + VSTOR_PAGE_SIZE - 1) / VSTOR_PAGE_SIZE);
		memcpy(io->pfns, b + sizeof(h) + sizeof(g), (size_t)io->nr_pfns * 8);
		/* A PFN whose address does not fit 64 bits can never be RAM;
		 * refuse it here rather than let the product wrap. */
		for (uint32_t i = 0; i < io->nr_pfns; i++)
			if (io->pfns[i] >> 52) {
				REFUSE(c, "transaction %llu: PFN %#llx out of range",
				       (unsigned long long)rx->trans_id,
				       (unsigned long long)io->pfns[i]);
				io->pfns[i] = (1ULL << 52) - 1; /* never RAM: mem_* refuse it */
			}
		has_range = true;
	}
	handle_vstor(c, io, has_range);
}

static void reset_rx(struct vstor_chan *c)
{
	c->state = VSTOR_S_WAIT_BEGIN;
	c->version = 0;
}

static void rx_loop(struct vstor_chan *c)
{
	struct vstor_rx rx;
	int r;

	if (__atomic_exchange_n(&c->reset_pending, 0, __ATOMIC_ACQ_REL))
		reset_rx(c);
	for (;;) {
		bool room;

		if (c->state == VSTOR_S_BROKEN)
			return;
		pthread_mutex_lock(&c->lock);
		room = c->nr_free > 0 && c->open;
		pthread_mutex_unlock(&c->lock);
		if (!room)
			return; /* a completion frees a slot and polls again */
		memset(&rx, 0, sizeof(rx));
		r = c->env.recv(c->env.opaque, &rx, c->rx_buf, c->rx_cap);
		if (r == -EAGAIN)
			return;
		if (r == -EMSGSIZE && rx.len > c->rx_cap && rx.len <= VSTOR_RX_MAX) {
			uint8_t *nb = realloc(c->rx_buf, rx.len);
			if (nb) {
				c->rx_buf = nb;
				c->rx_cap = rx.len;
				continue;
			}
		}
		if (r) {
			vlog(c, 0,
			     "channel unusable (%s, packet of %u bytes): no more requests are "
			     "read until the guest reopens it",
			     strerror(-r), rx.len);
			c->state = VSTOR_S_BROKEN;
			return;
		}
		dispatch(c, &rx);
	}
}

void vstor_poll(struct vstor_chan *c)
{
	for (;;) {
		__atomic_store_n(&c->poll_again, 1, __ATOMIC_SEQ_CST);
		if (pthread_mutex_trylock(&c->rx_lock))
			return; /* the reader will look again */
		while (__atomic_exchange_n(&c->poll_again, 0, __ATOMIC_SEQ_CST))
			rx_loop(c);
		pthread_mutex_unlock(&c->rx_lock);
		if (!__atomic_load_n(&c->poll_again, __ATOMIC_SEQ_CST))
			return;
	}
}

void vstor_writable(struct vstor_chan *c)
{
	struct vstor_io *io;
	bool freed = false;
	int r;

	pthread_mutex_lock(&c->lock);
	while ((io = c->pend_head)) {
		if (c->open && io->gen == c->gen) {
			r = c->env.send(c->env.opaque, io->trans_id, &io->pkt, sizeof(io->pkt));
			if (r == -EAGAIN)
				break;
			if (!r)
				c->stats.completions++;
		}
		c->pend_head = io->next;
		if (!c->pend_head)
			c->pend_tail = NULL;
		io_put_locked(c, io);
		freed = true;
	}
	pthread_mutex_unlock(&c->lock);
	if (freed)
		vstor_poll(c);
}

void vstor_opened(struct vstor_chan *c)
{
	pthread_mutex_lock(&c->lock);
	c->gen++;
	c->open = true;
	pthread_mutex_unlock(&c->lock);
	__atomic_store_n(&c->reset_pending, 1, __ATOMIC_RELEASE);
	/* The reader starts over (WAIT_BEGIN) on its next poll. */
}

void vstor_closed(struct vstor_chan *c)
{
	struct vstor_io *io;

	pthread_mutex_lock(&c->lock);
	c->gen++;
	c->open = false;
	/* Completions waiting for ring room belong to the closed session. */
	while ((io = c->pend_head)) {
		c->pend_head = io->next;
		io_put_locked(c, io);
	}
	c->pend_tail = NULL;
	pthread_mutex_unlock(&c->lock);
	__atomic_store_n(&c->reset_pending, 1, __ATOMIC_RELEASE);
}

void vstor_get_stats(struct vstor_chan *c, struct vstor_stats *s)
{
	pthread_mutex_lock(&c->lock);
	*s = c->stats;
	s->packets = __atomic_load_n(&c->stats.packets, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&c->lock);
}
