/* SPDX-License-Identifier: MIT */
/* The worker pool that makes the back ends asynchronous. */
#include "plugins/nvme/bdev.h"

#include <errno.h>
#include <string.h>

void bdev_run(struct bdev *b, struct bdev_req *r)
{
	r->bdev = b;
	if (r->prepare && r->prepare(r)) {
		r->result = -ECANCELED;
		r->complete(r);
		return;
	}
	switch (r->op) {
	case BDEV_READ:
		r->result = b->ops->rw(b, false, r->lba, r->blocks, r->buf);
		break;
	case BDEV_WRITE:
		if (b->geo.read_only) {
			r->result = -EROFS;
			break;
		}
		r->result = b->ops->rw(b, true, r->lba, r->blocks, r->buf);
		/* FUA: this write is stable before it completes. */
		if (!r->result && r->fua && b->geo.vwc)
			r->result = b->ops->flush(b);
		break;
	case BDEV_FLUSH:
		r->result = b->geo.read_only ? 0 : b->ops->flush(b);
		break;
	case BDEV_DISCARD:
		if (b->geo.read_only)
			r->result = -EROFS;
		else if (!b->geo.discard || !b->ops->discard)
			r->result = -EOPNOTSUPP;
		else
			r->result = b->ops->discard(b, r->ext, r->nr_ext);
		break;
	default:
		r->result = -EINVAL;
	}
	r->complete(r);
}

static void sync_done(struct bdev_req *r)
{
	(void)r;
}

int bdev_run_sync(struct bdev *b, enum bdev_op op, uint64_t lba, uint32_t blocks, void *buf,
                  const struct bdev_extent *ext, unsigned nr_ext)
{
	struct bdev_req r = {.op = op,
	                     .lba = lba,
	                     .blocks = blocks,
	                     .buf = buf,
	                     .ext = ext,
	                     .nr_ext = nr_ext,
	                     .complete = sync_done};

	bdev_run(b, &r);
	return r.result;
}

static void *worker(void *arg)
{
	struct bdev_pool *p = arg;
	struct bdev_req *r;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->head && !p->stop)
			pthread_cond_wait(&p->cond, &p->lock);
		r = p->head;
		if (!r)
			break; /* stopping and drained */
		p->head = r->next;
		if (!p->head)
			p->tail = NULL;
		pthread_mutex_unlock(&p->lock);
		bdev_run(r->bdev, r);
		pthread_mutex_lock(&p->lock);
		p->completed++;
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int bdev_pool_start(struct bdev_pool *p, unsigned threads)
{
	int r;

	memset(p, 0, sizeof(*p));
	if (!threads || threads > sizeof(p->threads) / sizeof(p->threads[0]))
		return -EINVAL;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	for (unsigned i = 0; i < threads; i++) {
		r = pthread_create(&p->threads[i], NULL, worker, p);
		if (r) {
			bdev_pool_stop(p);
			return -r;
		}
		p->nr_threads++;
	}
	return 0;
}

void bdev_pool_stop(struct bdev_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < p->nr_threads; i++)
		pthread_join(p->threads[i], NULL);
	p->nr_threads = 0;
}

void bdev_submit(struct bdev_pool *p, struct bdev *b, struct bdev_req *r)
{
	r->bdev = b;
	r->next = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->tail)
		p->tail->next = r;
	else
		p->head = r;
	p->tail = r;
	p->submitted++;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
}
