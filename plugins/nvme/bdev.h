/* SPDX-License-Identifier: MIT */
/*
 * The block back ends behind the SCSI target, one small interface:
 * geometry, and requests (read, write, flush, discard) submitted to a
 * worker pool and completed by a callback on a worker thread. Two back
 * ends: a raw file (bdev_file.c) and an NVMe namespace through libnvme
 * (bdev_nvme.c). A back end's own functions are synchronous and run on the
 * workers; bdev_submit() makes them asynchronous for the VSTOR layer, so no
 * I/O ever runs on a VP thread.
 */
#ifndef PVN_NVME_BDEV_H
#define PVN_NVME_BDEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bdev_geometry {
	uint64_t blocks;     /* capacity in blocks */
	uint32_t block_size; /* bytes: 512 or 4096 */
	uint32_t max_xfer;   /* bytes one read/write may move (the pool splits nothing) */
	bool read_only;
	bool discard;        /* discard supported (hole punch, NVMe DSM deallocate) */
	bool vwc;            /* volatile write cache: flush matters */
	bool discard_zeroes; /* a discarded range reads zeros */
	char serial[21];
};

struct bdev_extent {
	uint64_t lba;
	uint32_t blocks;
};

struct bdev;
struct bdev_ops {
	const char *name;
	/* Synchronous; called on a worker. Return 0 or a negative errno. */
	int (*rw)(struct bdev *b, bool write, uint64_t lba, uint32_t blocks, void *buf);
	int (*flush)(struct bdev *b); /* everything written so far is on stable storage */
	int (*discard)(struct bdev *b, const struct bdev_extent *e, unsigned n);
	void (*close)(struct bdev *b);
};

struct bdev {
	const struct bdev_ops *ops;
	struct bdev_geometry geo;
	char desc[160]; /* for logs: "file disk.img" */
};

enum bdev_op { BDEV_READ, BDEV_WRITE, BDEV_FLUSH, BDEV_DISCARD };

struct bdev_req {
	enum bdev_op op;
	bool fua; /* a write that must be stable before it completes */
	uint64_t lba;
	uint32_t blocks;
	void *buf;
	const struct bdev_extent *ext;
	unsigned nr_ext;
	/* Optional, on the worker before the op: non-zero skips the op, and
	 * complete() sees result -ECANCELED. */
	int (*prepare)(struct bdev_req *r);
	int result; /* set before complete() */
	void (*complete)(struct bdev_req *r);
	struct bdev *bdev;
	struct bdev_req *next; /* the pool's queue */
};

/* A pool of worker threads shared by a controller's LUNs. */
struct bdev_pool {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct bdev_req *head, *tail;
	bool stop;
	unsigned nr_threads;
	pthread_t threads[64];
	uint64_t submitted, completed;
};

int bdev_pool_start(struct bdev_pool *p, unsigned threads);
/* Runs every queued request, then joins the threads. */
void bdev_pool_stop(struct bdev_pool *p);
/* Queue r; r->complete runs on a worker when it is done. */
void bdev_submit(struct bdev_pool *p, struct bdev *b, struct bdev_req *r);
/* Run r now on this thread (tests, fuzzing): r->complete before it returns. */
void bdev_run(struct bdev *b, struct bdev_req *r);
/* One request of op run now on this thread (tests, tools); its result. */
int bdev_run_sync(struct bdev *b, enum bdev_op op, uint64_t lba, uint32_t blocks, void *buf,
                  const struct bdev_extent *ext, unsigned nr_ext);

/* ---- the back ends ---- */
struct bdev_file_opts {
	const char *path;
	uint64_t size;       /* bytes; 0: the file's size (it must exist) */
	uint32_t block_size; /* 512 or 4096 */
	bool read_only;
	bool create; /* create (sparse) when missing; needs size */
};
int bdev_file_open(const struct bdev_file_opts *o, struct bdev **out, char *err, size_t errlen);

struct bdev_nvme_opts {
	const char *path; /* /dev/ngXnY or /dev/nvmeXnY */
	uint32_t nsid;    /* 0: the one the device node is */
	bool read_only;
};
int bdev_nvme_open(const struct bdev_nvme_opts *o, struct bdev **out, char *err, size_t errlen);

static inline void bdev_close(struct bdev *b)
{
	if (b)
		b->ops->close(b);
}

#endif
