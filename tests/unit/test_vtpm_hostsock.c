/* SPDX-License-Identifier: MIT */
/*
 * The vTPM host socket (plugins/vtpm/host_socket.c) without a VM: the
 * libtpms engine, the CRB device and the socket server in this process.
 *
 *   test_vtpm_hostsock             self-test: mssim and raw framing over TCP
 *                                  and Unix, tpm2-tss's mssim and swtpm TCTIs,
 *                                  socket modes, malformed input (each logged,
 *                                  the server keeps serving), the connection
 *                                  limit, the idle timeout, and host commands
 *                                  racing guest CRB commands.
 *   test_vtpm_hostsock serve PORTFILE SOCK [STATE]
 *                                  serve the TPM on 127.0.0.1:PORT/PORT+1 and
 *                                  the Unix socket SOCK until SIGTERM/SIGINT
 *                                  (at most 600 s); PORT is written to
 *                                  PORTFILE once listening. STATE: libtpms
 *                                  state file. Used by tests/plugins/vtpm_hostsock.sh.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "plugins/vtpm/crb.h"
#include "plugins/vtpm/engine.h"
#include "plugins/vtpm/host_socket.h"
#include "plugins/vtpm/tpm2_wire.h"
#include "plugins/vtpm/vtpm_log.h"

static int failures;
#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			failures++;                                                                \
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);            \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
		}                                                                                  \
	} while (0)

/* ---- log capture (the server thread logs too) ---- */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char logbuf[65536];
static size_t loglen;

static void capture(void *opaque, int level, const char *msg)
{
	(void)opaque;
	fprintf(stderr, "[log %d] %s\n", level, msg);
	pthread_mutex_lock(&log_lock);
	loglen += (size_t)snprintf(logbuf + loglen, sizeof(logbuf) - loglen, "%s\n", msg);
	if (loglen >= sizeof(logbuf))
		loglen = 0;
	pthread_mutex_unlock(&log_lock);
}

/* Wait up to 2 s for `needle` in the log since mark. */
static bool log_has(size_t mark, const char *needle)
{
	for (int i = 0; i < 200; i++) {
		bool found;
		pthread_mutex_lock(&log_lock);
		found = mark <= loglen && strstr(logbuf + mark, needle);
		pthread_mutex_unlock(&log_lock);
		if (found)
			return true;
		usleep(10000);
	}
	return false;
}

static size_t log_mark(void)
{
	size_t m;
	pthread_mutex_lock(&log_lock);
	m = loglen;
	pthread_mutex_unlock(&log_lock);
	return m;
}

/* ---- plain socket clients ---- */
static int connect_tcp(int port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons((uint16_t)port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {.tv_sec = 5};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect tcp");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct timeval tv = {.tv_sec = 5};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect unix");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static bool send_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Read exactly len bytes; returns the number read (short on EOF/timeout). */
static size_t recv_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t got = 0;
	while (got < len) {
		ssize_t n = recv(fd, p + got, len - got, 0);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* true when the peer closed the connection (EOF within 3 s). */
static bool peer_closed(int fd)
{
	uint8_t b;
	struct timeval tv = {.tv_sec = 3};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return recv(fd, &b, 1, 0) == 0;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool platform_cmd(int fd, uint32_t code)
{
	uint8_t b[4];
	put32(b, code);
	return send_all(fd, b, 4) && recv_all(fd, b, 4) == 4 && tpm2_get32(b) == 0;
}

/* One mssim TPM_SEND_COMMAND; returns the TPM rc or ~0u on a transport
 * error. rsp (optional) gets the response. */
static uint32_t mssim_cmd(int fd, uint8_t locality, const uint8_t *cmd, uint32_t len, uint8_t *rsp,
                          uint32_t *rsplen)
{
	uint8_t hdr[9], buf[PVN_VTPM_MAX_BUF], trailer[4];
	uint32_t size;

	put32(hdr, 8);
	hdr[4] = locality;
	put32(hdr + 5, len);
	if (!send_all(fd, hdr, 9) || !send_all(fd, cmd, len))
		return ~0u;
	if (recv_all(fd, hdr, 4) != 4)
		return ~0u;
	size = tpm2_get32(hdr);
	if (size < 10 || size > sizeof(buf) || recv_all(fd, buf, size) != size ||
	    recv_all(fd, trailer, 4) != 4 || tpm2_get32(trailer) != 0)
		return ~0u;
	if (rsp) {
		memcpy(rsp, buf, size);
		*rsplen = size;
	}
	return tpm2_get32(buf + 6);
}

static uint32_t raw_cmd(int fd, const uint8_t *cmd, uint32_t len, uint8_t *rsp, uint32_t *rsplen)
{
	uint8_t buf[PVN_VTPM_MAX_BUF];
	uint32_t size;

	if (!send_all(fd, cmd, len) || recv_all(fd, buf, 10) != 10)
		return ~0u;
	size = tpm2_get32(buf + 2);
	if (size < 10 || size > sizeof(buf) || recv_all(fd, buf + 10, size - 10) != size - 10)
		return ~0u;
	if (rsp) {
		memcpy(rsp, buf, size);
		*rsplen = size;
	}
	return tpm2_get32(buf + 6);
}

static bool getrandom_ok(int port)
{
	uint8_t cmd[64], rsp[PVN_VTPM_MAX_BUF];
	uint32_t len = tpm2_cmd_get_random(cmd, sizeof(cmd), 8), rl = 0, rc;
	int fd = connect_tcp(port);
	if (fd < 0)
		return false;
	rc = mssim_cmd(fd, 0, cmd, len, rsp, &rl);
	close(fd);
	return rc == 0 && rl == 10 + 2 + 8 && tpm2_get16(rsp + 10) == 8;
}

/* tpm2-tss's TCTIs (test_vtpm_hostsock_tcti.c: tss2 headers clash with
 * tpm2_wire.h): GetRandom(16) through `conf`, the TPM rc or ~0u. */
uint32_t tcti_getrandom(const char *conf);

/* ---- guest side: a CRB driver, as bench/vtpm_rtt does it ---- */
static uint32_t crb_rd(struct pvn_vtpm_crb *c, unsigned off)
{
	uint64_t v = 0;
	pvn_vtpm_crb_mmio(c, off, 4, false, &v);
	return (uint32_t)v;
}

static void crb_wr(struct pvn_vtpm_crb *c, unsigned off, uint32_t v)
{
	uint64_t q = v;
	pvn_vtpm_crb_mmio(c, off, 4, true, &q);
}

static uint32_t crb_cmd(struct pvn_vtpm_crb *c, const uint8_t *cmd, uint32_t len, uint8_t *rsp)
{
	uint32_t size;

	crb_wr(c, PVN_CRB_CTRL_REQ, PVN_CRB_CTRL_REQ_CMD_READY);
	for (uint32_t i = 0; i < len; i += 4) {
		uint32_t w = 0;
		memcpy(&w, cmd + i, len - i < 4 ? len - i : 4);
		crb_wr(c, PVN_CRB_DATA + i, w);
	}
	crb_wr(c, PVN_CRB_CTRL_START, 1);
	for (uint32_t i = 0; i < 12; i += 4) {
		uint32_t w = crb_rd(c, PVN_CRB_DATA + i);
		memcpy(rsp + i, &w, 4);
	}
	size = tpm2_get32(rsp + 2);
	if (size > 256)
		return ~0u;
	for (uint32_t i = 12; i < size; i += 4) {
		uint32_t w = crb_rd(c, PVN_CRB_DATA + i);
		memcpy(rsp + i, &w, 4);
	}
	crb_wr(c, PVN_CRB_CTRL_REQ, PVN_CRB_CTRL_REQ_GO_IDLE);
	return tpm2_get32(rsp + 6);
}

struct race {
	struct pvn_vtpm_crb *crb;
	int n, ok;
};

static void *guest_thread(void *opaque)
{
	struct race *g = opaque;
	uint8_t cmd[64], rsp[300];
	uint32_t len = tpm2_cmd_get_random(cmd, sizeof(cmd), 24);

	crb_wr(g->crb, PVN_CRB_LOC_CTRL, PVN_CRB_LOC_CTRL_REQUEST);
	for (int i = 0; i < g->n; i++)
		if (crb_cmd(g->crb, cmd, len, rsp) == 0 && tpm2_get32(rsp + 2) == 10 + 2 + 24 &&
		    tpm2_get16(rsp + 10) == 24)
			g->ok++;
	return NULL;
}

/* ---- the self-test ---- */
static int self_test(void)
{
	struct pvn_vtpm_engine *e = NULL;
	struct pvn_vtpm_crb crb;
	struct pvn_vtpm_hostsock *hs = NULL;
	struct pvn_vtpm_hostsock_stats st;
	struct pvn_vtpm_hostsock_cfg cfg = {.tcp_port = 0, .max_conns = 6, .idle_timeout_ms = 400};
	char dir[] = "/tmp/pvn-hostsock-XXXXXX", sock[128], ctrl[160], conf[200], err[512];
	uint8_t cmd[PVN_VTPM_MAX_BUF], rsp[PVN_VTPM_MAX_BUF], frame[64];
	uint32_t len, rl = 0, rc;
	struct stat sb;
	size_t mark;
	int port, fd, pfd, r;

	pvn_vtpm_log_set(capture, NULL, PVN_VTPM_LOG_DEBUG);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(sock, sizeof(sock), "%s/tpm.sock", dir);
	snprintf(ctrl, sizeof(ctrl), "%s.ctrl", sock);
	cfg.unix_path = sock;

	r = pvn_vtpm_engine_create("libtpms", NULL, &e, err, sizeof(err));
	if (r || pvn_vtpm_engine_power_on(e) || pvn_vtpm_crb_init(&crb, PVN_CRB_BASE, e)) {
		fprintf(stderr, "engine: %s\n", err);
		return 1;
	}
	/* Off unless configured: no listener at all is refused. */
	{
		struct pvn_vtpm_hostsock_cfg none = {.tcp_port = -1};
		CHECK(pvn_vtpm_hostsock_start(&crb, &none, &hs, err, sizeof(err)) == -EINVAL, "%s",
		      err);
	}
	r = pvn_vtpm_hostsock_start(&crb, &cfg, &hs, err, sizeof(err));
	if (r) {
		fprintf(stderr, "hostsock: %s\n", err);
		return 1;
	}
	port = pvn_vtpm_hostsock_port(hs);
	printf("serving on 127.0.0.1:%d and %s\n", port, sock);
	CHECK(port > 0, "port %d", port);

	/* Unix sockets: 0600. */
	CHECK(stat(sock, &sb) == 0 && S_ISSOCK(sb.st_mode) && (sb.st_mode & 0777) == 0600,
	      "mode %o", sb.st_mode & 0777);
	CHECK(stat(ctrl, &sb) == 0 && S_ISSOCK(sb.st_mode) && (sb.st_mode & 0777) == 0600,
	      "mode %o", sb.st_mode & 0777);

	/* mssim over TCP: the platform channel as the TCTI drives it, then
	 * Startup and GetRandom on the command channel. */
	pfd = connect_tcp(port + 1);
	CHECK(pfd >= 0 && platform_cmd(pfd, 1) && platform_cmd(pfd, 11), "POWER_ON/NV_ON");
	CHECK(platform_cmd(pfd, 9) && platform_cmd(pfd, 10), "CANCEL_ON/OFF");
	fd = connect_tcp(port);
	len = tpm2_cmd_startup(cmd, sizeof(cmd), TPM2_SU_CLEAR);
	rc = mssim_cmd(fd, 0, cmd, len, rsp, &rl);
	CHECK(rc == 0, "Startup rc 0x%x", rc);
	len = tpm2_cmd_get_random(cmd, sizeof(cmd), 8);
	rc = mssim_cmd(fd, 0, cmd, len, rsp, &rl);
	CHECK(rc == 0 && rl == 20 && tpm2_get16(rsp + 10) == 8, "GetRandom rc 0x%x len %u", rc, rl);
	/* Two commands pipelined in one write. */
	{
		uint8_t two[2 * 64];
		size_t n = 0;
		for (int i = 0; i < 2; i++) {
			put32(two + n, 8);
			two[n + 4] = 0;
			put32(two + n + 5, len);
			memcpy(two + n + 9, cmd, len);
			n += 9 + len;
		}
		CHECK(send_all(fd, two, n), "send");
		for (int i = 0; i < 2; i++) {
			uint8_t got[4 + 20 + 4];
			CHECK(recv_all(fd, got, sizeof(got)) == sizeof(got) &&
			          tpm2_get32(got) == 20 && tpm2_get32(got + 24) == 0,
			      "pipelined response %d", i);
		}
	}
	/* Locality other than 0: TPM_RC_LOCALITY, connection kept. */
	rc = mssim_cmd(fd, 3, cmd, len, rsp, &rl);
	CHECK(rc == 0x907, "locality 3 rc 0x%x", rc);
	/* Header size disagreeing with the frame: TPM_RC_COMMAND_SIZE, kept. */
	{
		uint8_t bad[64];
		memcpy(bad, cmd, len);
		put32(bad + 2, len + 4);
		memset(bad + len, 0, 4);
		rc = mssim_cmd(fd, 0, bad, len, rsp, &rl);
		CHECK(rc == TPM2_RC_COMMAND_SIZE, "size mismatch rc 0x%x", rc);
	}
	rc = mssim_cmd(fd, 0, cmd, len, rsp, &rl);
	CHECK(rc == 0, "GetRandom after errors rc 0x%x", rc);
	/* SESSION_END closes. */
	put32(frame, 20);
	CHECK(send_all(fd, frame, 4) && peer_closed(fd), "SESSION_END");
	close(fd);
	put32(frame, 20);
	CHECK(send_all(pfd, frame, 4) && peer_closed(pfd), "platform SESSION_END");
	close(pfd);

	/* Raw (swtpm-style) and mssim framing over the Unix socket. */
	fd = connect_unix(sock);
	rc = raw_cmd(fd, cmd, len, rsp, &rl);
	CHECK(rc == 0 && rl == 20, "raw GetRandom rc 0x%x", rc);
	rc = raw_cmd(fd, cmd, len, rsp, &rl);
	CHECK(rc == 0 && rl == 20, "raw GetRandom again rc 0x%x", rc);
	close(fd);
	fd = connect_unix(sock);
	rc = mssim_cmd(fd, 0, cmd, len, rsp, &rl);
	CHECK(rc == 0, "unix mssim GetRandom rc 0x%x", rc);
	close(fd);
	pfd = connect_unix(ctrl);
	CHECK(pfd >= 0 && platform_cmd(pfd, 1), "unix platform POWER_ON");
	close(pfd);

	/* tpm2-tss's own TCTIs. */
	snprintf(conf, sizeof(conf), "mssim:host=127.0.0.1,port=%d", port);
	CHECK(tcti_getrandom(conf) == 0, "%s", conf);
	snprintf(conf, sizeof(conf), "mssim:path=%s", sock);
	CHECK(tcti_getrandom(conf) == 0, "%s", conf);
	snprintf(conf, sizeof(conf), "swtpm:host=127.0.0.1,port=%d", port);
	CHECK(tcti_getrandom(conf) == 0, "%s", conf);
	snprintf(conf, sizeof(conf), "swtpm:path=%s", sock);
	CHECK(tcti_getrandom(conf) == 0, "%s", conf);

	/* ---- malformed input: logged, that connection closed, the next served ---- */
	/* 1. mssim size larger than the buffer */
	mark = log_mark();
	fd = connect_tcp(port);
	put32(frame, 8);
	frame[4] = 0;
	put32(frame + 5, 0x100000);
	CHECK(send_all(fd, frame, 9) && peer_closed(fd), "oversized frame not closed");
	close(fd);
	CHECK(log_has(mark, "command size 1048576 outside"), "oversized frame not logged");
	CHECK(getrandom_ok(port), "not serving after an oversized frame");
	/* 2. raw frame with size below a header */
	mark = log_mark();
	fd = connect_unix(sock);
	memcpy(frame, cmd, 10);
	put32(frame + 2, 3);
	CHECK(send_all(fd, frame, 10) && peer_closed(fd), "undersized raw frame not closed");
	close(fd);
	CHECK(log_has(mark, "command size 3 outside"), "undersized frame not logged");
	/* 3. truncated frame: the client goes away mid-command */
	mark = log_mark();
	fd = connect_tcp(port);
	put32(frame, 8);
	frame[4] = 0;
	put32(frame + 5, len);
	memcpy(frame + 9, cmd, 5);
	CHECK(send_all(fd, frame, 14), "send");
	shutdown(fd, SHUT_WR);
	CHECK(peer_closed(fd), "truncated frame: not closed");
	close(fd);
	CHECK(log_has(mark, "truncated frame: connection ended after 14 byte(s)"),
	      "truncated frame not logged");
	CHECK(getrandom_ok(port), "not serving after a truncated frame");
	/* 4. unknown mssim command code */
	mark = log_mark();
	fd = connect_tcp(port);
	put32(frame, 7);
	CHECK(send_all(fd, frame, 4) && peer_closed(fd), "unknown command not closed");
	close(fd);
	CHECK(log_has(mark, "unknown command code 7"), "unknown command not logged");
	/* 5. unknown protocol */
	mark = log_mark();
	fd = connect_unix(sock);
	CHECK(send_all(fd, "GET / HTTP/1.0\r\n\r\n", 18) && peer_closed(fd), "garbage not closed");
	close(fd);
	CHECK(log_has(mark, "unknown protocol (first byte 0x47)"), "garbage not logged");
	/* 6. unknown platform command */
	mark = log_mark();
	pfd = connect_tcp(port + 1);
	put32(frame, 99);
	CHECK(send_all(pfd, frame, 4) && peer_closed(pfd), "unknown platform cmd not closed");
	close(pfd);
	CHECK(log_has(mark, "unknown platform command 99"), "unknown platform cmd not logged");
	/* 7. a partial frame left pending: closed after the idle timeout */
	mark = log_mark();
	fd = connect_tcp(port);
	CHECK(send_all(fd, frame, 3), "send");
	CHECK(peer_closed(fd), "stalled frame not closed");
	close(fd);
	CHECK(log_has(mark, "pending for 400 ms"), "stalled frame not logged");
	CHECK(getrandom_ok(port), "not serving after malformed input");

	/* Connection limit: the 7th is closed at once, the others still work. */
	{
		int held[6];
		for (int i = 0; i < 6; i++)
			held[i] = connect_tcp(port);
		usleep(200000);
		mark = log_mark();
		fd = connect_tcp(port);
		CHECK(peer_closed(fd), "connection over the limit not closed");
		close(fd);
		CHECK(log_has(mark, "more than 6 connections"), "limit not logged");
		rc = mssim_cmd(held[5], 0, cmd, len, rsp, &rl);
		CHECK(rc == 0, "held connection rc 0x%x", rc);
		for (int i = 0; i < 6; i++)
			close(held[i]);
		usleep(200000);
	}

	/* Host commands racing guest commands: all answered, none mixed up. */
	{
		struct race g = {.crb = &crb, .n = 300};
		pthread_t t;
		int ok = 0;
		uint32_t l2 = tpm2_cmd_get_random(cmd, sizeof(cmd), 8);
		pthread_create(&t, NULL, guest_thread, &g);
		fd = connect_tcp(port);
		for (int i = 0; i < 300; i++)
			if (mssim_cmd(fd, 0, cmd, l2, rsp, &rl) == 0 && rl == 20 &&
			    tpm2_get16(rsp + 10) == 8)
				ok++;
		close(fd);
		pthread_join(t, NULL);
		CHECK(ok == 300 && g.ok == 300, "host %d/300, guest %d/300", ok, g.ok);
	}

	pvn_vtpm_hostsock_get_stats(hs, &st);
	printf("stats: connections %llu refused %llu commands %llu platform %llu bad %llu\n",
	       (unsigned long long)st.connections, (unsigned long long)st.refused,
	       (unsigned long long)st.commands, (unsigned long long)st.platform,
	       (unsigned long long)st.bad_frames);
	CHECK(st.bad_frames >= 7 && st.refused == 1, "stats");
	pvn_vtpm_hostsock_stop(hs);
	CHECK(access(sock, F_OK) != 0 && access(ctrl, F_OK) != 0, "sockets not removed");
	pvn_vtpm_crb_fini(&crb);
	pvn_vtpm_engine_power_off(e);
	pvn_vtpm_engine_destroy(e);
	rmdir(dir);
	printf("%s\n", failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}

/* ---- serve mode, for the tpm2-tools test ---- */
static int serve(const char *portfile, const char *sock, const char *state)
{
	struct pvn_vtpm_engine_cfg ecfg = {.state_path = state};
	struct pvn_vtpm_hostsock_cfg cfg = {.tcp_port = 0, .unix_path = sock};
	struct pvn_vtpm_engine *e = NULL;
	struct pvn_vtpm_hostsock *hs = NULL;
	struct pvn_vtpm_crb crb;
	struct timespec limit = {.tv_sec = 600};
	char err[512], tmp[512];
	sigset_t set;
	FILE *f;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* before any thread starts */
	if (pvn_vtpm_engine_create("libtpms", &ecfg, &e, err, sizeof(err)) ||
	    pvn_vtpm_engine_power_on(e) || pvn_vtpm_crb_init(&crb, PVN_CRB_BASE, e)) {
		fprintf(stderr, "engine: %s\n", err);
		return 1;
	}
	if (pvn_vtpm_hostsock_start(&crb, &cfg, &hs, err, sizeof(err))) {
		fprintf(stderr, "hostsock: %s\n", err);
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", portfile);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", pvn_vtpm_hostsock_port(hs)) < 0 || fclose(f) ||
	    rename(tmp, portfile)) {
		perror(portfile);
		return 1;
	}
	sig = sigtimedwait(&set, NULL, &limit);
	fprintf(stderr, "serve: %s\n", sig > 0 ? strsignal(sig) : "time limit reached");
	pvn_vtpm_hostsock_stop(hs);
	pvn_vtpm_crb_fini(&crb);
	pvn_vtpm_engine_power_off(e);
	pvn_vtpm_engine_destroy(e);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && !strcmp(argv[1], "serve"))
		return serve(argv[2], argv[3], argc > 4 ? argv[4] : NULL);
	if (argc != 1) {
		fprintf(stderr, "usage: %s [serve PORTFILE SOCK [STATE]]\n", argv[0]);
		return 2;
	}
	return self_test();
}
