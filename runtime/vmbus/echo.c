/* SPDX-License-Identifier: MIT */
/*
 * A test device: one VMBus channel that sends every packet back. Used by
 * the guest tests and the benchmark; also the smallest example of the
 * channel API (offer, open/close, packets, flow control with writable).
 */
#include "runtime/vmbus/vmbus.h"
#include "runtime/core/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* {5b1f7a2e-0d4c-4a8e-9c61-7e3a0f6d2b90}, in the mixed-endian GUID layout */
const struct vmbus_guid pvn_vmbus_echo_class = {{0x2e, 0x7a, 0x1f, 0x5b, 0x4c, 0x0d, 0x8e, 0x4a,
						 0x9c, 0x61, 0x7e, 0x3a, 0x0f, 0x6d, 0x2b, 0x90}};

#define ECHO_MAX_PACKET (64u << 20)

struct pvn_vmbus_echo {
	struct pvn_vmbus_channel *ch;
	pthread_mutex_t lock;
	bool paused;
	bool holding; /* pkt/buf hold a packet the ring had no room for */
	struct pvn_vmbus_pkt pkt;
	uint8_t *buf;
	size_t cap;
	uint64_t count;
};

/* Read and answer until the guest's ring is empty, the host->guest ring is
 * full (the writable callback resumes) or the test paused us. */
static void echo_pump(struct pvn_vmbus_echo *e)
{
	pthread_mutex_lock(&e->lock);
	while (!e->paused) {
		int r;

		if (!e->holding) {
			r = pvn_vmbus_recv(e->ch, &e->pkt, e->buf, e->cap);
			if (r == -EMSGSIZE && e->pkt.len <= ECHO_MAX_PACKET) {
				uint8_t *nb = realloc(e->buf, e->pkt.len);
				if (!nb)
					break;
				e->buf = nb;
				e->cap = e->pkt.len;
				continue;
			}
			if (r)
				break;
			e->holding = true;
		}
		/* pkt.offset + data_len == pkt.len <= cap: inside buf. */
		r = pvn_vmbus_send(e->ch, e->pkt.type, 0, e->pkt.trans_id, e->buf + e->pkt.offset,
				   e->pkt.data_len);
		if (r == -EAGAIN)
			break;
		if (r && r != -EMSGSIZE)
			break;
		if (r == -EMSGSIZE)
			pvn_warn("vmbus-echo: %u-byte packet can never fit the guest's ring: dropped",
				 e->pkt.data_len);
		e->holding = false;
		if (!r)
			e->count++;
	}
	pthread_mutex_unlock(&e->lock);
}

static uint32_t echo_open(void *opaque, struct pvn_vmbus_channel *ch, const uint8_t *userdata)
{
	struct pvn_vmbus_echo *e = opaque;

	pthread_mutex_lock(&e->lock);
	e->holding = false;
	pthread_mutex_unlock(&e->lock);
	return 0;
}

static void echo_close(void *opaque, struct pvn_vmbus_channel *ch)
{
	struct pvn_vmbus_echo *e = opaque;

	pthread_mutex_lock(&e->lock);
	e->holding = false;
	pthread_mutex_unlock(&e->lock);
}

static void echo_packets(void *opaque, struct pvn_vmbus_channel *ch)
{
	echo_pump(opaque);
}

static const struct pvn_vmbus_channel_ops echo_ops = {
	.open = echo_open,
	.close = echo_close,
	.packets = echo_packets,
	.writable = echo_packets,
};

int pvn_vmbus_echo_create(struct pvn_vmbus *bus, uint8_t instance, struct pvn_vmbus_echo **out)
{
	struct pvn_vmbus_offer_desc d;
	struct pvn_vmbus_echo *e;
	int r;

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->cap = 65536 + 64;
	e->buf = malloc(e->cap);
	if (!e->buf) {
		free(e);
		return -ENOMEM;
	}
	pthread_mutex_init(&e->lock, NULL);
	memset(&d, 0, sizeof(d));
	d.class_id = pvn_vmbus_echo_class;
	d.instance_id = pvn_vmbus_echo_class;
	d.instance_id.b[15] = instance;
	d.instance_id.b[0] ^= 0xff;
	d.name = "vmbus-echo";
	memcpy(d.user_def, "echo", 4);
	r = pvn_vmbus_offer(bus, &d, &echo_ops, e, &e->ch);
	if (r) {
		pthread_mutex_destroy(&e->lock);
		free(e->buf);
		free(e);
		return r;
	}
	*out = e;
	return 0;
}

void pvn_vmbus_echo_pause(struct pvn_vmbus_echo *e, bool paused)
{
	pthread_mutex_lock(&e->lock);
	e->paused = paused;
	pthread_mutex_unlock(&e->lock);
	if (!paused)
		pvn_vmbus_channel_kick(e->ch);
}

struct pvn_vmbus_channel *pvn_vmbus_echo_channel(struct pvn_vmbus_echo *e)
{
	return e->ch;
}

uint64_t pvn_vmbus_echo_count(struct pvn_vmbus_echo *e)
{
	uint64_t n;

	pthread_mutex_lock(&e->lock);
	n = e->count;
	pthread_mutex_unlock(&e->lock);
	return n;
}

/* The channel stays with the bus (inert after rescind); free the device. */
void pvn_vmbus_echo_destroy(struct pvn_vmbus_echo *e)
{
	if (!e)
		return;
	pthread_mutex_destroy(&e->lock);
	free(e->buf);
	free(e);
}
