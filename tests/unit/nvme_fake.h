/* SPDX-License-Identifier: MIT */
/*
 * A fake host for the nvme plugin's VSTOR layer (unit tests and fuzzers):
 * guest RAM as an array at GPA 0 with a VTL2-private hole the checked
 * accessors refuse, a queue of packets the "guest" sent, and the
 * completions the device sent back.
 */
#ifndef PVN_TEST_NVME_FAKE_H
#define PVN_TEST_NVME_FAKE_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/nvme/vstor.h"

#define FAKE_RAM     (8u << 20)
#define FAKE_VTL2_LO (6u << 20) /* [6, 7) MiB: VTL2-private */
#define FAKE_VTL2_HI (7u << 20)
#define FAKE_QUEUE   64
#define FAKE_SENT    4096

struct fake_pkt {
	struct vstor_rx rx;
	uint8_t buf[VSTOR_MAX_PFNS * 8 + 128];
};

struct fake {
	uint8_t *ram;
	struct fake_pkt q[FAKE_QUEUE];
	unsigned head, tail; /* guarded by lock */
	pthread_mutex_t lock;
	struct {
		uint64_t trans_id;
		struct vstor_packet p;
	} sent[FAKE_SENT];
	unsigned nsent;
	bool ring_full;
	unsigned refused_mem;
};

static inline bool fake_ok(struct fake *f, uint64_t gpa, size_t len)
{
	if (gpa >= FAKE_RAM || len > FAKE_RAM - gpa)
		return false;
	return gpa + len <= FAKE_VTL2_LO || gpa >= FAKE_VTL2_HI;
}

static inline int fake_recv(void *o, struct vstor_rx *rx, void *buf, size_t cap)
{
	struct fake *f = o;
	pthread_mutex_lock(&f->lock);
	if (f->head == f->tail) {
		pthread_mutex_unlock(&f->lock);
		return -EAGAIN;
	}
	struct fake_pkt *p = &f->q[f->head % FAKE_QUEUE];
	if (p->rx.len > cap) {
		rx->len = p->rx.len;
		pthread_mutex_unlock(&f->lock);
		return -EMSGSIZE;
	}
	*rx = p->rx;
	memcpy(buf, p->buf, p->rx.len);
	f->head++;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

static inline int fake_send(void *o, uint64_t tid, const void *d, size_t len)
{
	struct fake *f = o;
	if (f->ring_full)
		return -EAGAIN;
	if (len != sizeof(struct vstor_packet) || f->nsent >= FAKE_SENT)
		return -EMSGSIZE;
	f->sent[f->nsent].trans_id = tid;
	memcpy(&f->sent[f->nsent].p, d, len);
	__atomic_fetch_add(&f->nsent, 1, __ATOMIC_RELEASE);
	return 0;
}

static inline int fake_mem_read(void *o, uint64_t gpa, void *buf, size_t len)
{
	struct fake *f = o;
	if (!fake_ok(f, gpa, len)) {
		f->refused_mem++;
		return -EFAULT;
	}
	memcpy(buf, f->ram + gpa, len);
	return 0;
}

static inline int fake_mem_write(void *o, uint64_t gpa, const void *buf, size_t len)
{
	struct fake *f = o;
	if (!fake_ok(f, gpa, len)) {
		f->refused_mem++;
		return -EFAULT;
	}
	memcpy(f->ram + gpa, buf, len);
	return 0;
}

static inline void fake_init(struct fake *f, struct vstor_env *env)
{
	memset(f, 0, sizeof(*f));
	f->ram = calloc(1, FAKE_RAM);
	pthread_mutex_init(&f->lock, NULL);
	memset(env, 0, sizeof(*env));
	env->opaque = f;
	env->recv = fake_recv;
	env->send = fake_send;
	env->mem_read = fake_mem_read;
	env->mem_write = fake_mem_write;
}

static inline void fake_fini(struct fake *f)
{
	free(f->ram);
	f->ram = NULL;
}

/* Queue a raw packet: type, the bytes after the descriptor, and where the
 * vstor packet starts in them. */
static inline void fake_push_raw(struct fake *f, uint16_t type, uint64_t tid, const void *b,
                                 uint32_t len, uint32_t data_offset)
{
	pthread_mutex_lock(&f->lock);
	struct fake_pkt *p = &f->q[f->tail % FAKE_QUEUE];
	p->rx.type = type;
	p->rx.flags = 1;
	p->rx.trans_id = tid;
	p->rx.len = len < sizeof(p->buf) ? len : (uint32_t)sizeof(p->buf);
	p->rx.data_offset = data_offset;
	memcpy(p->buf, b, p->rx.len);
	f->tail++;
	pthread_mutex_unlock(&f->lock);
}

static inline void fake_push_op(struct fake *f, uint64_t tid, const struct vstor_packet *v)
{
	fake_push_raw(f, 6, tid, v, sizeof(*v), 0);
}

/* An EXECUTE_SRB, with a buffer at gpa of len bytes when len > 0 (a
 * GPA-direct packet over consecutive PFNs). */
static inline void fake_push_srb(struct fake *f, uint64_t tid, const struct vstor_packet *v,
                                 uint64_t gpa, uint32_t len)
{
	uint8_t b[sizeof(((struct fake_pkt *)0)->buf)];
	struct vstor_gpa_header h = {0, 1};
	struct vstor_gpa_range g = {len, (uint32_t)(gpa % 4096)};
	uint32_t n = (uint32_t)((gpa % 4096 + len + 4095) / 4096), off;

	if (!len) {
		fake_push_op(f, tid, v);
		return;
	}
	memcpy(b, &h, 8);
	memcpy(b + 8, &g, 8);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t pfn = gpa / 4096 + i;
		memcpy(b + 16 + i * 8, &pfn, 8);
	}
	off = 16 + n * 8;
	memcpy(b + off, v, sizeof(*v));
	fake_push_raw(f, 9, tid, b, off + (uint32_t)sizeof(*v), off);
}

static inline void fake_srb(struct vstor_packet *v, uint8_t lun, const uint8_t *cdb,
                            uint8_t cdb_len, uint8_t data_in, uint32_t len)
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

#endif
