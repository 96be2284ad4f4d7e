/* SPDX-License-Identifier: MIT */
/*
 * The VSTOR host side of one channel: the initialisation handshake, SRB
 * validation, SCSI dispatch to the LUNs' back ends, and completions. It
 * reaches the VMBus channel and guest memory only through struct vstor_env,
 * so the unit tests and the fuzzer run it without a VM; plugin.c fills the
 * env with the host-ops calls.
 *
 * Threads: vstor_poll() may be called from any thread (VP threads on a
 * guest signal, workers when an I/O slot frees up); one caller at a time
 * reads the ring, the others leave it a note to look again. Completions are
 * sent from the worker that finished the I/O.
 */
#ifndef PVN_NVME_VSTOR_H
#define PVN_NVME_VSTOR_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/nvme/bdev.h"
#include "plugins/nvme/scsi.h"
#include "plugins/nvme/vstor_protocol.h"

#define VSTOR_MAX_LUNS 64
#define VSTOR_MAX_XFER (1u << 20) /* QUERY_PROPERTIES max_transfer_bytes */
#define VSTOR_MAX_PFNS (VSTOR_MAX_XFER / VSTOR_PAGE_SIZE + 1)
#define VSTOR_RX_MAX   (256u << 10) /* a bigger guest packet breaks the channel */

/* A received packet, as vmbus_recv reports it. */
struct vstor_rx {
	uint16_t type, flags;
	uint64_t trans_id;
	uint32_t len;         /* bytes in buf */
	uint32_t data_offset; /* the vstor packet starts here */
};

struct vstor_env {
	void *opaque;
	/* Take the next packet: 0, -EAGAIN (none), -EMSGSIZE (rx->len says
	 * how big it is; it stays), other negative: the channel is unusable. */
	int (*recv)(void *opaque, struct vstor_rx *rx, void *buf, size_t cap);
	/* Send a completion packet for trans_id: 0, -EAGAIN (ring full: call
	 * vstor_writable() when there is room), other negative: dropped. */
	int (*send)(void *opaque, uint64_t trans_id, const void *data, size_t len);
	/* Guest memory (checked by the host: -EFAULT outside VTL0 RAM). */
	int (*mem_read)(void *opaque, uint64_t gpa, void *buf, size_t len);
	int (*mem_write)(void *opaque, uint64_t gpa, const void *buf, size_t len);
	void (*log)(void *opaque, int level, const char *msg); /* 0 error .. 3 debug */
};

struct vstor_lun {
	struct bdev *bdev;
	struct scsi_disk disk;
	/* Guarded by the channel's lock. */
	unsigned inflight;
	struct vstor_io *wait_head, *wait_tail; /* over the queue depth: not yet submitted */
	uint64_t reads, writes, flushes, discards, errors;
};

struct vstor_stats {
	uint64_t packets, srbs, completions, check_conditions, refused, ignored, send_again;
};

enum vstor_state {
	VSTOR_S_CLOSED,
	VSTOR_S_WAIT_BEGIN,   /* channel open */
	VSTOR_S_WAIT_VERSION, /* BEGIN_INITIALIZATION done */
	VSTOR_S_NEGOTIATED,   /* a protocol version agreed */
	VSTOR_S_READY,        /* END_INITIALIZATION: SRBs accepted */
	VSTOR_S_BROKEN,       /* a packet we cannot skip: nothing more is read */
};

struct vstor_io;

struct vstor_chan {
	struct vstor_env env;
	struct vstor_lun *luns;
	unsigned nr_luns;
	unsigned queue_depth;   /* per LUN */
	struct bdev_pool *pool; /* NULL: I/O runs on the calling thread */

	pthread_mutex_t rx_lock; /* one ring reader */
	int poll_again;          /* atomic: look at the ring again */
	uint8_t *rx_buf;
	size_t rx_cap;
	enum vstor_state state; /* rx side only */
	uint16_t version;
	int reset_pending; /* atomic: open/close happened; reset on the next poll */

	pthread_mutex_t lock; /* below, and the LUNs' queues */
	unsigned gen;         /* a new generation per open: older completions are dropped */
	bool open;
	struct vstor_io *free_ios; /* pool of nr_ios */
	unsigned nr_ios, nr_free;
	struct vstor_io *pend_head, *pend_tail; /* completions the ring had no room for */
	struct vstor_io *all_ios;
	struct vstor_stats stats;
};

/* luns[] stays owned by the caller and must outlive the channel. */
int vstor_chan_init(struct vstor_chan *c, const struct vstor_env *env, struct vstor_lun *luns,
                    unsigned nr_luns, unsigned queue_depth, struct bdev_pool *pool);
/* After every I/O has completed (the pool stopped). */
void vstor_chan_destroy(struct vstor_chan *c);

/* The guest opened / closed the channel (any thread; no locks held that
 * vstor takes). */
void vstor_opened(struct vstor_chan *c);
void vstor_closed(struct vstor_chan *c);
/* Read and handle what the guest sent. */
void vstor_poll(struct vstor_chan *c);
/* The ring has room again: send what waited, then read on. */
void vstor_writable(struct vstor_chan *c);

void vstor_get_stats(struct vstor_chan *c, struct vstor_stats *s);

/* Fill a scsi_disk from a back end's geometry for LUN lun. */
void vstor_disk_from_geometry(struct scsi_disk *d, const struct bdev_geometry *g, unsigned lun);

#endif
