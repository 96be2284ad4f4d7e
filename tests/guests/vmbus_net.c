/* SPDX-License-Identifier: MIT */
/*
 * The vmbus-net plugin driven from a test guest. The host signs
 * plugins/vmbus-net/vmbus-net.so, gives it one end of a socketpair as its
 * backend (backend = "socket") and plays the network on the other end: it
 * checks every frame the plugin hands it (size, IP and L4 checksums,
 * segmentation) and reflects the ones the guest asks for.
 *
 * The guest, with its own NVSP/RNDIS client (lib/netvsc_client.c):
 * negotiates NVSP (a version the device does not serve is refused, 6.1 is
 * taken), sends NDIS config and version, gives receive and send buffers,
 * initialises RNDIS, queries the MAC, MTU, link, speed, offload and RSS
 * capabilities, sets the packet filter and offload parameters; sends frames
 * through send-buffer sections and GPA-direct pages, with checksum and LSO
 * requests the plugin completes in software (this backend cannot offload);
 * receives the reflections and a flood of frames larger than its receive
 * buffer (sections are recycled by its completions), sees frames for other
 * MACs filtered, changes its MAC (NetworkAddress) and receives on the new one,
 * answers KEEPALIVE, HALTs, revokes its buffers, closes, reopens and
 * negotiates again.
 */
#define GUEST_MAC    0x02, 0x50, 0x56, 0x00, 0x00, 0x01
#define NEW_MAC      0x02, 0x50, 0x56, 0x00, 0x00, 0x42
#define HOST_MAC     0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee
#define N_TX         400 /* frames the guest sends */
#define N_FLOOD      600 /* frames the host sends at once */
#define LSO_PAYLOAD  24000
#define LSO_MSS      1448
#define SYNC_COUNT   1 /* arg: frames the host must have by now */
#define SYNC_FLOOD   2 /* arg: frames to send to the guest MAC */
#define SYNC_FILTER  3 /* 5 frames for another MAC, then one for the guest */
#define SYNC_NEWMAC  4 /* one frame for NEW_MAC */
#define KIND_COUNT   0
#define KIND_REFLECT 1

#ifdef PVN_GUEST
#include "lib/netvsc_client.h"

static uint8_t ring[NVC_RING_PAGES * 4096] __attribute__((aligned(4096)));
static uint8_t frame[65536], msg[65536];
static const uint8_t guest_mac[6] = {GUEST_MAC}, host_mac[6] = {HOST_MAC};
static uint64_t nvc_dropped;

static uint16_t csum(uint32_t s, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* UDP/IPv4 10.0.0.2:7000 -> 10.0.0.1:7001 carrying "PVNT" seq kind, then a
 * pattern. With `sw` the UDP checksum is computed here, else left 0 for
 * the device. Returns the frame length. */
static uint32_t udp_frame(uint8_t *f, uint32_t seq, uint32_t kind, uint32_t payload, bool sw)
{
	uint32_t len = 14 + 20 + 8 + payload;

	memset(f, 0, 42);
	memcpy(f, host_mac, 6);
	memcpy(f + 6, guest_mac, 6);
	put16(f + 12, 0x0800);
	f[14] = 0x45;
	put16(f + 16, len - 14);
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, "\x0a\x00\x00\x02\x0a\x00\x00\x01", 8);
	put16(f + 24, ~csum(0, f + 14, 20) & 0xffff);
	put16(f + 34, 7000);
	put16(f + 36, 7001);
	put16(f + 38, 8 + payload);
	memcpy(f + 42, "PVNT", 4);
	memcpy(f + 46, &seq, 4);
	memcpy(f + 50, &kind, 4);
	for (uint32_t i = 12; i < payload; i++)
		f[42 + i] = (uint8_t)(seq * 7 + i);
	if (sw) {
		uint32_t s = csum(17 + 8 + payload, f + 26, 8);
		uint16_t c = (uint16_t)~csum(s, f + 34, 8 + payload);
		put16(f + 40, c ? c : 0xffff);
	}
	return len;
}

/* Check a frame the host sent: UDP to `dst`, "PVNT" + seq, the pattern. */
static void check_rx(const struct nvc_msg *m, const uint8_t *dst, uint32_t want_seq)
{
	struct rndis_packet p;
	const uint8_t *f;
	uint32_t seq;

	GUEST_ASSERT_EQ(*(uint32_t *)m->b, RNDIS_MSG_PACKET);
	memcpy(&p, m->b + 8, sizeof(p));
	GUEST_ASSERT(8 + p.data_offset + p.data_len <= m->len);
	f = m->b + 8 + p.data_offset;
	GUEST_ASSERT(p.data_len >= 54);
	GUEST_ASSERT(!memcmp(f + 42, "PVNT", 4));
	memcpy(&seq, f + 46, 4);
	if (seq != want_seq)
		guest_assert_fail(__FILE__, __LINE__, "received sequence (got, want<<32|dropped)",
		                  seq, (uint64_t)want_seq << 32 | nvc_dropped);
	GUEST_ASSERT(!memcmp(f, dst, 6));
	for (uint32_t i = 12; i < p.data_len - 42; i++)
		if (f[42 + i] != (uint8_t)(seq * 7 + i))
			guest_assert_fail(__FILE__, __LINE__, "received payload differs", seq, i);
}

static void send_frame(struct nvc *n, uint32_t seq, uint32_t kind, uint32_t payload, bool gpa,
                       bool offload)
{
	uint32_t len = udp_frame(frame, seq, kind, payload, !offload);
	uint32_t cppi = offload ? NDIS_CSUM_TX_IS_IPV4 | NDIS_CSUM_TX_UDP |
	                              (34u << NDIS_CSUM_TX_L4_OFFSET_SHIFT)
	                        : 0;
	uint32_t ml = nvc_data_msg(msg, frame, len, cppi, 0);

	if (gpa)
		GUEST_ASSERT_EQ(nvc_rndis_gpa(n, msg, ml), NVSP_STAT_SUCCESS);
	else
		GUEST_ASSERT_EQ(nvc_rndis_section(n, 1 + seq % 8, msg, ml), NVSP_STAT_SUCCESS);
}

/* A TCP frame of LSO_PAYLOAD bytes the way hv_netvsc hands one over: IP
 * length and checksum 0, the pseudo-header sum without length in the TCP
 * checksum, an LSO v2 request. */
static void send_lso(struct nvc *n)
{
	uint32_t len = 54 + LSO_PAYLOAD, ml;

	memset(frame, 0, 54);
	memcpy(frame, host_mac, 6);
	memcpy(frame + 6, guest_mac, 6);
	put16(frame + 12, 0x0800);
	frame[14] = 0x45;
	put16(frame + 18, 0x4242);
	put16(frame + 20, 0x4000);
	frame[22] = 64;
	frame[23] = 6;
	memcpy(frame + 26, "\x0a\x00\x00\x02\x0a\x00\x00\x01", 8);
	put16(frame + 34, 40000);
	put16(frame + 36, 5001);
	memcpy(frame + 38, "\x00\x00\x10\x00", 4); /* seq 0x1000 */
	frame[46] = 0x50;
	frame[47] = 0x18;
	put16(frame + 48, 65535);
	put16(frame + 50, csum(6, frame + 26, 8));
	for (uint32_t i = 0; i < LSO_PAYLOAD; i++)
		frame[54 + i] = (uint8_t)(i * 13 + (i >> 8));
	ml = nvc_data_msg(msg, frame, len, 0,
	                  LSO_MSS | (34u << NDIS_LSO2_L4_OFFSET_SHIFT) | NDIS_LSO2_TYPE);
	GUEST_ASSERT_EQ(nvc_rndis_gpa(n, msg, ml), NVSP_STAT_SUCCESS);
}

void guest_main(unsigned vp, unsigned nr_vps)
{
	static struct vmbc c;
	static struct nvc n;
	static struct nvc_msg m;
	const struct vmbc_offer *o = NULL;
	uint8_t b[256];
	uint32_t v, len, reflected = 0;

	vmbc_hv_init();
	GUEST_ASSERT_EQ(vmbc_connect(&c, VMBC_V(5, 3)), 0);
	vmbc_request_offers(&c);
	for (unsigned i = 0; i < c.nr_offers; i++)
		if (!memcmp(c.offers[i].if_type, nvc_class, 16))
			o = &c.offers[i];
	GUEST_ASSERT(o);
	/* The instance GUID carries the MAC. */
	GUEST_ASSERT(!memcmp(o->if_instance + 10, guest_mac, 6));

	nvc_open(&n, &c, o, ring);
	GUEST_ASSERT_EQ(nvc_init(&n, 0x70000), NVSP_STAT_FAIL);
	GUEST_ASSERT_EQ(nvc_init(&n, NVSP_VERSION_61), NVSP_STAT_SUCCESS);
	nvc_setup_buffers(&n, 1500);
	GUEST_ASSERT_EQ(n.sec_size, 1728);
	guest_value("recv_sections", n.nsec);
	nvc_rndis_init(&n);

	GUEST_ASSERT_EQ(nvc_query(&n, RNDIS_OID_802_3_PERMANENT_ADDRESS, b, &len), 0);
	GUEST_ASSERT(len == 6 && !memcmp(b, guest_mac, 6));
	GUEST_ASSERT_EQ(nvc_query(&n, RNDIS_OID_GEN_MAXIMUM_FRAME_SIZE, &v, &len), 0);
	GUEST_ASSERT_EQ(v, 1500);
	GUEST_ASSERT_EQ(nvc_query(&n, RNDIS_OID_GEN_MEDIA_CONNECT_STATUS, &v, &len), 0);
	GUEST_ASSERT_EQ(v, RNDIS_MEDIA_STATE_CONNECTED);
	GUEST_ASSERT_EQ(nvc_query(&n, RNDIS_OID_GEN_LINK_SPEED, &v, &len), 0);
	GUEST_ASSERT_EQ(v, 25000 * 10000u); /* link_speed_mbps = 25000, in 100 bit/s */
	{
		struct ndis_offload oc;
		struct ndis_recv_scale_cap rss;

		GUEST_ASSERT_EQ(nvc_query(&n, OID_TCP_OFFLOAD_HARDWARE_CAPABILITIES, &oc, &len), 0);
		GUEST_ASSERT_EQ(oc.header.type, NDIS_OBJECT_TYPE_OFFLOAD);
		GUEST_ASSERT(oc.header.size >= NDIS_OFFLOAD_SIZE_6_0 && oc.header.size <= len);
		GUEST_ASSERT(oc.lsov2.ip4_encap & NDIS_OFFLOAD_ENCAP_8023);
		GUEST_ASSERT(oc.csum.ip4_txcsum & NDIS_TXCSUM_CAP_UDP4);
		GUEST_ASSERT_EQ(oc.rsc.ip4, 0);
		GUEST_ASSERT_EQ(nvc_query(&n, OID_GEN_RECEIVE_SCALE_CAPABILITIES, &rss, &len), 0);
		GUEST_ASSERT_EQ(rss.num_recv_que, 1);
	}
	GUEST_ASSERT_EQ(nvc_query(&n, RNDIS_OID_GEN_FRIENDLY_NAME, b, &len),
	                RNDIS_STATUS_NOT_SUPPORTED);
	{
		struct ndis_offload_params op;
		memset(&op, 0, sizeof(op));
		op.header.type = NDIS_OBJECT_TYPE_DEFAULT;
		op.header.revision = 3;
		op.header.size = sizeof(op);
		op.tcp_ip_v4_csum = op.udp_ip_v4_csum = NDIS_OFFLOAD_PARAMS_TX_RX_ENABLED;
		op.lso_v2_ipv4 = NDIS_OFFLOAD_PARAMS_LSOV2_ENABLED;
		GUEST_ASSERT_EQ(nvc_set(&n, OID_TCP_OFFLOAD_PARAMETERS, &op, sizeof(op)), 0);
	}
	v = NDIS_PACKET_TYPE_DIRECTED | NDIS_PACKET_TYPE_BROADCAST | NDIS_PACKET_TYPE_ALL_MULTICAST;
	GUEST_ASSERT_EQ(nvc_set(&n, RNDIS_OID_GEN_CURRENT_PACKET_FILTER, &v, 4), 0);
	{
		/* KEEPALIVE */
		struct {
			struct rndis_header h;
			uint32_t id;
		} __attribute__((packed)) k = {{RNDIS_MSG_KEEPALIVE, 12}, 4242};
		GUEST_ASSERT_EQ(nvc_rndis_section(&n, 0, &k, sizeof(k)), NVSP_STAT_SUCCESS);
		nvc_next(&n, RNDIS_MSG_KEEPALIVE_C, &m);
		GUEST_ASSERT_EQ(*(uint32_t *)(m.b + 8), 4242);
		GUEST_ASSERT_EQ(*(uint32_t *)(m.b + 12), RNDIS_STATUS_SUCCESS);
	}

	/* Frames out: sections and pages, checksums by the guest or the
	 * device; every tenth asks to come back. */
	for (uint32_t i = 0; i < N_TX; i++) {
		bool reflect = i % 10 == 0;

		send_frame(&n, i, reflect ? KIND_REFLECT : KIND_COUNT, 16 + (i * 37) % 1400,
		           i % 3 == 0, i % 2 == 0);
		reflected += reflect;
		if (reflect) {
			nvc_next(&n, RNDIS_MSG_PACKET, &m);
			check_rx(&m, guest_mac, i);
		}
	}
	send_lso(&n);
	guest_sync(SYNC_COUNT, N_TX + (LSO_PAYLOAD + LSO_MSS - 1) / LSO_MSS);
	guest_value("tx_frames", N_TX);
	guest_value("reflected", reflected);

	/* A flood larger than the receive buffer: sections come back as we
	 * complete, the device resumes. */
	guest_sync(SYNC_FLOOD, N_FLOOD);
	for (uint32_t i = 0; i < N_FLOOD; i++) {
		static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
		nvc_next(&n, RNDIS_MSG_PACKET, &m);
		nvc_dropped = n.dropped;
		check_rx(&m, i % 2 ? guest_mac : bcast, 100000 + i);
	}
	GUEST_ASSERT(N_FLOOD > n.nsec);
	guest_value("flood_received", N_FLOOD);

	/* The filter: frames for another MAC never arrive. */
	guest_sync(SYNC_FILTER, 0);
	nvc_next(&n, RNDIS_MSG_PACKET, &m);
	check_rx(&m, guest_mac, 200005);

	/* A new MAC address (ip link set eth0 address ...). */
	{
		static const uint8_t nm[6] = {NEW_MAC};
		uint8_t cp[20 + 28 + 24];
		struct rndis_config_parameter_info p = {20, 28, RNDIS_CONFIG_PARAM_TYPE_STRING, 48,
		                                        24};
		static const char hex[] = "025056000042";

		memcpy(cp, &p, 20);
		for (int i = 0; i < 14; i++) {
			cp[20 + 2 * i] = (uint8_t) "NetworkAddress"[i];
			cp[21 + 2 * i] = 0;
		}
		for (int i = 0; i < 12; i++) {
			cp[48 + 2 * i] = (uint8_t)hex[i];
			cp[49 + 2 * i] = 0;
		}
		GUEST_ASSERT_EQ(nvc_set(&n, RNDIS_OID_GEN_RNDIS_CONFIG_PARAMETER, cp, sizeof(cp)),
		                0);
		GUEST_ASSERT_EQ(nvc_query(&n, RNDIS_OID_802_3_CURRENT_ADDRESS, b, &len), 0);
		GUEST_ASSERT(len == 6 && !memcmp(b, nm, 6));
		guest_sync(SYNC_NEWMAC, 0);
		nvc_next(&n, RNDIS_MSG_PACKET, &m);
		check_rx(&m, nm, 300000);
	}
	GUEST_ASSERT_EQ(n.dropped, 0);
	guest_value("rx_messages", n.rx_msgs);
	guest_value("xfer_packets", n.xfers);

	/* HALT, revoke, close; reopen and negotiate again. */
	{
		struct {
			struct rndis_header h;
			uint32_t id;
		} __attribute__((packed)) h = {{RNDIS_MSG_HALT, 12}, 99};
		struct nvsp_msg r;

		GUEST_ASSERT_EQ(nvc_rndis_gpa(&n, &h, sizeof(h)), NVSP_STAT_SUCCESS);
		memset(&r, 0, sizeof(r));
		r.type = NVSP_MSG1_REVOKE_RECV_BUF;
		r.u.revoke.id = NVSP_RECV_BUFFER_ID;
		nvc_post(&n, &r, sizeof(r), 0, 0);
		r.type = NVSP_MSG1_REVOKE_SEND_BUF;
		r.u.revoke.id = NVSP_SEND_BUFFER_ID;
		nvc_post(&n, &r, sizeof(r), 0, 0);
		nvc_close(&n);
		vmbc_gpadl_teardown(&c, o->relid, n.recv_gpadl);
		vmbc_gpadl_teardown(&c, o->relid, n.send_gpadl);
	}
	nvc_open(&n, &c, o, ring);
	GUEST_ASSERT_EQ(nvc_init(&n, NVSP_VERSION_5), NVSP_STAT_SUCCESS);
	nvc_setup_buffers(&n, 1500);
	nvc_rndis_init(&n);
	nvc_close(&n);
	vmbc_gpadl_teardown(&c, o->relid, n.recv_gpadl);
	vmbc_gpadl_teardown(&c, o->relid, n.send_gpadl);
	vmbc_unload(&c);
	guest_done();
}
#else
#include "tests/guests/harness.h"
#include "tests/unit/net_frames.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The network: what the host end of the socketpair saw. */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int fd;
	unsigned frames, bad, reflected, lso_segments, lso_bytes, udp, sw_ok;
	uint32_t lso_next_seq;
	unsigned cmd, cmd_arg; /* for the sender thread */
	bool stop;
} net = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static const uint8_t guest_mac[6] = {GUEST_MAC}, host_mac[6] = {HOST_MAC}, new_mac[6] = {NEW_MAC};

static void bad(const char *why, size_t len)
{
	fprintf(stderr, "network: bad frame (%s), %zu bytes\n", why, len);
	net.bad++;
}

static void on_frame(uint8_t *f, size_t len)
{
	net.frames++;
	if (len < 14 || len > 1514 + 4)
		return bad("size", len);
	if (memcmp(f, host_mac, 6) || memcmp(f + 6, guest_mac, 6))
		return bad("addresses", len);
	if (nf_be16(f + 12) != 0x0800 || !nf_ip4_ok(f, 14) || !nf_l4_ok(f, len))
		return bad("checksums", len);
	if (f[23] == 6) {
		/* An LSO segment: in order, the pattern, at most the MSS. */
		uint32_t seq = nf_be32(f + 38), n = (uint32_t)len - 54;
		if (seq != 0x1000 + net.lso_bytes || n > LSO_MSS)
			return bad("segment order or size", len);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t k = net.lso_bytes + i;
			if (f[54 + i] != (uint8_t)(k * 13 + (k >> 8)))
				return bad("segment payload", len);
		}
		net.lso_segments++;
		net.lso_bytes += n;
		return;
	}
	if (memcmp(f + 42, "PVNT", 4))
		return bad("payload magic", len);
	net.udp++;
	if (f[50] == KIND_REFLECT) {
		memcpy(f, guest_mac, 6);
		memcpy(f + 6, host_mac, 6);
		if (send(net.fd, f, len, MSG_NOSIGNAL) != (ssize_t)len)
			bad("reflect send", len);
		net.reflected++;
	}
}

static void *receiver(void *arg)
{
	static uint8_t f[70000];

	for (;;) {
		ssize_t n = recv(net.fd, f, sizeof(f), 0);
		if (n <= 0)
			return NULL;
		pthread_mutex_lock(&net.lock);
		on_frame(f, (size_t)n);
		pthread_cond_broadcast(&net.cond);
		pthread_mutex_unlock(&net.lock);
	}
}

/* A UDP frame from the network to dst with "PVNT" seq and the pattern. */
static size_t host_frame(uint8_t *f, const uint8_t *dst, uint32_t seq, uint32_t payload)
{
	size_t len = 42 + payload;
	uint32_t s;

	memset(f, 0, 42);
	memcpy(f, dst, 6);
	memcpy(f + 6, host_mac, 6);
	nf_put16(f + 12, 0x0800);
	f[14] = 0x45;
	nf_put16(f + 16, (uint16_t)(len - 14));
	f[22] = 64;
	f[23] = 17;
	memcpy(f + 26, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	nf_put16(f + 24, (uint16_t)~nf_sum(0, f + 14, 20));
	nf_put16(f + 34, 7001);
	nf_put16(f + 36, 7000);
	nf_put16(f + 38, (uint16_t)(8 + payload));
	memcpy(f + 42, "PVNT", 4);
	memcpy(f + 46, &seq, 4);
	for (uint32_t i = 12; i < payload; i++)
		f[42 + i] = (uint8_t)(seq * 7 + i);
	s = nf_sum(17 + 8 + payload, f + 26, 8);
	nf_put16(f + 40, (uint16_t)~nf_sum(s, f + 34, 8 + payload));
	return len;
}

static void send_to(const uint8_t *dst, uint32_t seq, uint32_t payload)
{
	uint8_t f[1600];
	size_t len = host_frame(f, dst, seq, payload);

	if (send(net.fd, f, len, MSG_NOSIGNAL) != (ssize_t)len)
		bad("send", len);
}

/* Sends what on_sync asked for, off the VP thread (the guest must run to
 * take the frames). */
static void *sender(void *arg)
{
	pthread_mutex_lock(&net.lock);
	for (;;) {
		unsigned cmd, a;

		while (!net.cmd && !net.stop)
			pthread_cond_wait(&net.cond, &net.lock);
		if (net.stop)
			break;
		cmd = net.cmd;
		a = net.cmd_arg;
		net.cmd = 0;
		pthread_mutex_unlock(&net.lock);
		if (cmd == SYNC_FLOOD)
			for (unsigned i = 0; i < a; i++)
				send_to(i % 2 ? guest_mac
				              : (const uint8_t *)"\xff\xff\xff\xff\xff\xff",
				        100000 + i, 64 + (i * 53) % 1400);
		else if (cmd == SYNC_FILTER) {
			for (unsigned i = 0; i < 5; i++)
				send_to((const uint8_t *)"\x02\x50\x56\x00\x00\x99", 200000 + i,
				        100);
			send_to(guest_mac, 200005, 100);
		} else if (cmd == SYNC_NEWMAC) {
			send_to(guest_mac, 299999, 100); /* the old address: filtered now */
			send_to(new_mac, 300000, 100);
		}
		pthread_mutex_lock(&net.lock);
	}
	pthread_mutex_unlock(&net.lock);
	return NULL;
}

static void on_sync(struct gt *t, unsigned vp, uint64_t stage, uint64_t arg)
{
	pthread_mutex_lock(&net.lock);
	if (stage == SYNC_COUNT) {
		/* Frames are written to the socket before their completion, so
		 * they are all there (or will be within moments). */
		for (int i = 0; i < 200 && net.frames < arg; i++) {
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&net.cond, &net.lock, &ts);
		}
		GT_CHECK(net.frames == arg);
	} else {
		net.cmd = (unsigned)stage;
		net.cmd_arg = (unsigned)arg;
		pthread_cond_broadcast(&net.cond);
	}
	pthread_mutex_unlock(&net.lock);
}

int main(void)
{
	char tmp[] = "/tmp/pvn-gt-vmbus-net-XXXXXX", so[1024], extra[4096];
	pthread_t rx, tx;
	int sv[2];
	bool found;
	struct gt t;
	int r;

	if (!mkdtemp(tmp))
		return 1;
	if (gt_sign_plugin("../../plugins/vmbus-net/vmbus-net.so", tmp, so, sizeof(so)))
		return 1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return 1;
	net.fd = sv[0];
	snprintf(extra, sizeof(extra),
	         "hyperv = true; acpi = true;\n"
	         "plugins = ( { path = \"%s\"; settings = { backend = \"socket\"; fd = %d;\n"
	         "  mac = \"02:50:56:00:00:01\"; link_speed_mbps = 25000; }; } );\n"
	         "plugin_policy = { trust_store = \"%s/trust\"; mode = \"enforce\"; };\n",
	         so, sv[1], tmp);
	r = gt_init(&t, "vmbus_net", extra);
	if (r == 77)
		return r;
	GT_CHECK(r == 0);
	if (!r) {
		t.on_sync = on_sync;
		pthread_create(&rx, NULL, receiver, NULL);
		pthread_create(&tx, NULL, sender, NULL);
		r = gt_run(&t);
		GT_CHECK(t.done_vps == 1);
		GT_CHECK(gt_value(&t, "flood_received", &found) == N_FLOOD && found);
		GT_CHECK(gt_value(&t, "recv_sections", &found) < N_FLOOD && found);
		pthread_mutex_lock(&net.lock);
		net.stop = true;
		pthread_cond_broadcast(&net.cond);
		pthread_mutex_unlock(&net.lock);
		/* Ends the receiver, and a sender blocked on a full socket when
		 * the guest stopped taking frames. */
		shutdown(sv[0], SHUT_RDWR);
		pthread_join(tx, NULL);
		pthread_join(rx, NULL);
		fprintf(stderr,
		        "network: %u frames (%u UDP, %u LSO segments = %u bytes), %u reflected, "
		        "%u bad\n",
		        net.frames, net.udp, net.lso_segments, net.lso_bytes, net.reflected,
		        net.bad);
		GT_CHECK(net.bad == 0);
		GT_CHECK(net.udp == N_TX);
		GT_CHECK(net.lso_bytes == LSO_PAYLOAD);
		GT_CHECK(net.lso_segments == (LSO_PAYLOAD + LSO_MSS - 1) / LSO_MSS);
		GT_CHECK(net.reflected == gt_value(&t, "reflected", &found) && found);
	}
	gt_fini(&t);
	close(sv[0]);
	snprintf(extra, sizeof(extra), "rm -rf '%s'", tmp);
	if (system(extra))
		fprintf(stderr, "cannot remove %s\n", tmp);
	return r || gt_failures ? 1 : 0;
}
#endif
