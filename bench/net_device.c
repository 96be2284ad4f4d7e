/* SPDX-License-Identifier: MIT */
/*
 * vmbus-net device model throughput, host only: the plugin's NVSP/RNDIS
 * device (plugins/vmbus-net/netvsp.c) driven by the fake guest of the unit
 * tests (tests/unit/net_fake.c: guest RAM as an array, GPADL windows, a
 * recorder for what the device sends), side by side in one run:
 *
 *   tx_1514        guest->backend, 1514-byte frames in send-buffer sections
 *   tx_lso_sw      guest->backend, 60000-byte LSO sends segmented in software
 *                  (a backend without offloads)
 *   tx_lso_vnet    the same handed to a backend that offloads (one write)
 *   rx_1514        backend->guest, 1514-byte frames into receive sections,
 *                  recycled by the guest's completions
 *   memcpy_1514    baseline: one memcpy of each frame's bytes
 *
 * Each line: frames (or sends) per second, Gbit/s of Ethernet payload, ns of
 * CPU per frame, and the ratio of its ns per frame to the memcpy baseline.
 * The fake guest's own bookkeeping (it copies every frame it is handed) is
 * inside the figures. Compare lines of one run, never absolute numbers.
 */
#include "tests/unit/net_fake.h"
#include "tests/unit/net_frames.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t frame[70000], msg[70000];

static void setup(struct net_fake *f, struct pvn_netvsp **d, bool vnet)
{
	struct pvn_netvsp_cfg cfg = {.mtu = 1500,
	                             .link_speed_bps = 10000000000ULL,
	                             .offloads = true,
	                             .link_up = true,
	                             .backend_vnet = vnet};
	struct pvn_netvsp_io io;

	memcpy(cfg.mac, nf_guest_mac, 6);
	nf_init(f, 1500, vnet);
	f->quiet = !getenv("NET_BENCH_VERBOSE");
	io = nf_io(f);
	if (pvn_netvsp_create(&cfg, &io, d) || nf_bring_up(f, *d, NVSP_VERSION_61)) {
		fprintf(stderr, "net_device: bring-up failed\n");
		exit(1);
	}
}

static void report(const char *mode, unsigned long n, double bytes_per, double secs, double base_ns)
{
	double ns = secs * 1e9 / n;

	printf("{\"bench\":\"net_device\",\"mode\":\"%s\",\"frames\":%lu,\"frames_per_s\":%.0f,"
	       "\"gbit_per_s\":%.2f,\"cpu_ns_per_frame\":%.1f,\"vs_memcpy\":%.2f}\n",
	       mode, n, n / secs, n * bytes_per * 8 / secs / 1e9, ns,
	       base_ns > 0 ? ns / base_ns : 1.0);
}

/* guest -> backend: `n` RNDIS data messages of `flen`-byte frames. */
static double tx(bool vnet, size_t payload, uint32_t lso, unsigned long n, bool gpa)
{
	struct net_fake f;
	struct pvn_netvsp *d;
	size_t flen = nf_tcp4(frame, nf_host_mac, nf_guest_mac, payload, 1, lso != 0);
	uint32_t ml,
	    csum = NDIS_CSUM_TX_IS_IPV4 | NDIS_CSUM_TX_TCP | (34u << NDIS_CSUM_TX_L4_OFFSET_SHIFT);
	double t0;

	if (lso) {
		/* hv_netvsc's LSO: the pseudo-header sum without length */
		uint32_t s = nf_sum(6, frame + 26, 8);
		nf_put16(frame + 50, (uint16_t)s);
	}
	ml = nf_data_msg(msg, frame, (uint32_t)flen, lso ? 0 : csum,
	                 lso ? (lso | (34u << NDIS_LSO2_L4_OFFSET_SHIFT) | NDIS_LSO2_TYPE) : 0, 0);
	setup(&f, &d, vnet);
	unsigned long out = 0;
	unsigned long want = n * (lso ? (unsigned long)(vnet ? 1 : (payload + lso - 1) / lso) : 1);

	t0 = cpu_now();
	for (unsigned long i = 0; i < n; i++) {
		if (gpa)
			nf_rndis_gpa(&f, d, msg, ml, 0x100 + i, false);
		else
			nf_rndis_section(&f, d, (uint32_t)(i % 64), msg, ml, 0x100 + i);
		if (f.nsent > 1024 || f.ntx > 1024) {
			out += f.ntx;
			nf_clear(&f);
		}
	}
	t0 = cpu_now() - t0;
	out += f.ntx;
	if (f.bad_frames || out != want) {
		fprintf(stderr, "net_device: %lu frames out (want %lu), %u malformed (%s)\n", out, want,
		        f.bad_frames, f.last_log);
		exit(1);
	}
	pvn_netvsp_destroy(d);
	nf_fini(&f);
	return t0;
}

static double rx(unsigned long n)
{
	struct net_fake f;
	struct pvn_netvsp *d;
	size_t flen = nf_tcp4(frame, nf_guest_mac, nf_host_mac, 1460, 2, false);
	unsigned long got = 0;
	double t0;

	setup(&f, &d, false);
	t0 = cpu_now();
	while (got < n) {
		unsigned from = f.nsent;
		while (got < n && pvn_netvsp_rx_ready(d)) {
			pvn_netvsp_rx_frame(d, NULL, frame, flen);
			got++;
		}
		pvn_netvsp_rx_flush(d);
		nf_complete_rx(&f, d, from);
		nf_clear(&f);
	}
	t0 = cpu_now() - t0;
	{
		struct pvn_netvsp_stats st;
		pvn_netvsp_get_stats(d, &st);
		if (st.rx_frames != n) {
			fprintf(stderr, "net_device: %llu frames to the guest, want %lu\n",
			        (unsigned long long)st.rx_frames, n);
			exit(1);
		}
	}
	pvn_netvsp_destroy(d);
	nf_fini(&f);
	return t0;
}

int main(void)
{
	const unsigned long n = 200000, nl = 4000;
	static uint8_t dst[1514];
	volatile uint8_t sink = 0;
	double t, base;

	t = cpu_now();
	for (unsigned long i = 0; i < n; i++) {
		frame[i % 1514] = (uint8_t)i;
		memcpy(dst, frame, sizeof(dst));
		sink ^= dst[i % 1514];
	}
	t = cpu_now() - t;
	base = t * 1e9 / n;
	report("memcpy_1514", n, 1514, t, base);
	report("tx_1514", n, 1514, tx(false, 1460, 0, n, false), base);
	report("tx_1514_gpa", n, 1514, tx(false, 1460, 0, n, true), base);
	report("tx_lso_sw", nl, 54 + 60000, tx(false, 60000, 1448, nl, true), base);
	report("tx_lso_vnet", nl, 54 + 60000, tx(true, 60000, 1448, nl, true), base);
	report("rx_1514", n, 1514, rx(n), base);
	return sink == 0x5a ? 0 : 0;
}
