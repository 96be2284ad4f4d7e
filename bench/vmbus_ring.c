/* SPDX-License-Identifier: MIT */
/*
 * VMBus ring throughput, host only: two threads share two rings in ordinary
 * memory. The "guest" thread writes packets into the guest->host ring and
 * reads the echoes; the "host" thread runs the runtime's ring code as the
 * server does (peek, copy out, consume; write back). Both poll (no
 * signalling, which on this machine would cost a hypercall exit each).
 * Prints one JSON line per packet size: packets/s, MB/s (payload, one
 * direction) and the host thread's CPU time per packet.
 *
 *   bench/vmbus_ring [seconds-per-size]
 */
#include "runtime/vmbus/ring.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RING_DATA (1u << 20)

struct shared {
	struct vmbus_ring_control *g2h_ctl, *h2g_ctl;
	uint8_t *g2h_data, *h2g_data;
	atomic_bool stop;
	uint64_t host_cpu_ns, host_packets;
};

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void *host_thread(void *arg)
{
	struct shared *s = arg;
	struct pvn_vmbus_ring in, out;
	struct pvn_vmbus_pkt pkt;
	uint8_t *buf = malloc(70000);
	uint64_t n = 0, t0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	bool holding = false, sig;

	if (pvn_vmbus_ring_init(&in, s->g2h_ctl, s->g2h_data, NULL, RING_DATA, false) ||
	    pvn_vmbus_ring_init(&out, s->h2g_ctl, s->h2g_data, NULL, RING_DATA, true))
		abort();
	while (!atomic_load_explicit(&s->stop, memory_order_relaxed)) {
		if (!holding) {
			if (pvn_vmbus_ring_peek(&in, &pkt))
				continue;
			if (pvn_vmbus_ring_copy(&in, &pkt, 0, buf, pkt.len) ||
			    pvn_vmbus_ring_consume(&in, &pkt, &sig))
				abort();
			holding = true;
		}
		if (pvn_vmbus_ring_write(&out, pkt.type, 0, pkt.trans_id, NULL, 0, buf + pkt.offset,
					 pkt.data_len, false, &sig))
			continue;
		holding = false;
		n++;
	}
	s->host_cpu_ns = now_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	s->host_packets = n;
	free(buf);
	return NULL;
}

static void run(size_t size, double secs)
{
	struct shared s;
	struct pvn_vmbus_ring out, in;
	struct pvn_vmbus_pkt pkt;
	uint8_t *tx = calloc(1, size + 64), *rx = malloc(size + 64);
	uint64_t sent = 0, got = 0, t0, t1, limit = (uint64_t)(secs * 1e9);
	pthread_t th;
	bool sig;

	memset(&s, 0, sizeof(s));
	s.g2h_ctl = aligned_alloc(4096, 4096);
	s.h2g_ctl = aligned_alloc(4096, 4096);
	s.g2h_data = aligned_alloc(4096, RING_DATA);
	s.h2g_data = aligned_alloc(4096, RING_DATA);
	memset(s.g2h_ctl, 0, 4096);
	memset(s.h2g_ctl, 0, 4096);
	if (pvn_vmbus_ring_init(&out, s.g2h_ctl, s.g2h_data, NULL, RING_DATA, true) ||
	    pvn_vmbus_ring_init(&in, s.h2g_ctl, s.h2g_data, NULL, RING_DATA, false))
		abort();
	pthread_create(&th, NULL, host_thread, &s);
	t0 = now_ns(CLOCK_MONOTONIC);
	do {
		/* Keep the pipe full, then collect what came back. */
		for (int i = 0; i < 64; i++) {
			tx[0] = (uint8_t)sent;
			if (pvn_vmbus_ring_write(&out, VMBUS_PKT_DATA_INBAND, 0, sent, NULL, 0, tx,
						 size, false, &sig))
				break;
			sent++;
		}
		while (!pvn_vmbus_ring_peek(&in, &pkt)) {
			if (pkt.trans_id != got ||
			    pvn_vmbus_ring_copy(&in, &pkt, pkt.offset, rx, pkt.data_len) ||
			    rx[0] != (uint8_t)got || pvn_vmbus_ring_consume(&in, &pkt, &sig)) {
				fprintf(stderr, "echo %lu wrong\n", (unsigned long)got);
				abort();
			}
			got++;
		}
		t1 = now_ns(CLOCK_MONOTONIC);
	} while (t1 - t0 < limit);
	atomic_store(&s.stop, true);
	pthread_join(th, NULL);
	double el = (double)(t1 - t0) / 1e9;
	printf("{\"bench\":\"vmbus_ring\",\"mode\":\"host-only-2-threads-polling\",\"packet_bytes\":%zu,"
	       "\"ring_bytes\":%u,\"seconds\":%.3f,\"round_trips\":%lu,\"packets_per_s\":%.0f,"
	       "\"mb_per_s\":%.1f,\"host_cpu_ns_per_packet\":%.1f}\n",
	       size, RING_DATA, el, (unsigned long)got, (double)got / el,
	       (double)got * (double)size / el / 1e6,
	       s.host_packets ? (double)s.host_cpu_ns / (double)s.host_packets : 0.0);
	fflush(stdout);
	free(s.g2h_ctl);
	free(s.h2g_ctl);
	free(s.g2h_data);
	free(s.h2g_data);
	free(tx);
	free(rx);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	static const size_t sizes[] = {64, 1500, 65536};

	for (size_t i = 0; i < 3; i++)
		run(sizes[i], secs);
	return 0;
}
