/* SPDX-License-Identifier: MIT */
/* The host-side TPM socket server (see host_socket.h for the protocols). */
#include "plugins/vtpm/host_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "plugins/vtpm/tpm2_wire.h"
#include "plugins/vtpm/vtpm_log.h"

/* Microsoft simulator codes (command and platform channels). */
#define MSSIM_POWER_ON     1u
#define MSSIM_POWER_OFF    2u
#define MSSIM_PP_ON        3u
#define MSSIM_PP_OFF       4u
#define MSSIM_SEND_COMMAND 8u
#define MSSIM_CANCEL_ON    9u
#define MSSIM_CANCEL_OFF   10u
#define MSSIM_NV_ON        11u
#define MSSIM_NV_OFF       12u
#define MSSIM_SESSION_END  20u
#define MSSIM_STOP         21u
/* swtpm control channel: tss2-tcti-swtpm sends CMD_SET_LOCALITY (u32 5, u8
 * locality) on its control socket when it initialises. 5 is the simulator's
 * HASH_START, which no TCTI sends. */
#define SWTPM_CMD_SET_LOCALITY 5u
#define SWTPM_TPM_BAD_LOCALITY 0x3du

#define MSSIM_CMD_HDR       9u /* u32 code, u8 locality, u32 size */
#define TPM2_RC_LOCALITY    0x907u
#define HOSTSOCK_LOG_BUDGET 64
#define MAX_LISTENERS       4

enum conn_kind { CONN_DATA, CONN_PLATFORM };
enum conn_proto { PROTO_UNKNOWN, PROTO_MSSIM, PROTO_RAW };

struct conn {
	int fd;
	unsigned id;
	bool tcp;
	enum conn_kind kind;
	enum conn_proto proto;
	size_t inlen;
	size_t outlen, outoff;
	uint64_t pending_since; /* ns: when inlen or outlen became non-zero */
	uint8_t in[MSSIM_CMD_HDR + PVN_VTPM_MAX_BUF];
	uint8_t out[8 + PVN_VTPM_MAX_BUF];
};

struct listener {
	int fd;
	bool tcp;
	enum conn_kind kind;
	char what[48]; /* for messages: "tcp 127.0.0.1:2321" */
};

struct pvn_vtpm_hostsock {
	struct pvn_vtpm_crb *crb;
	pthread_t thread;
	bool thread_started;
	int wake_fd;
	struct listener lis[MAX_LISTENERS];
	unsigned nr_lis;
	struct conn **conns;
	unsigned max_conns;
	unsigned idle_timeout_ms;
	unsigned next_id;
	int port;
	char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char ctrl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool unix_bound, ctrl_bound;
	unsigned log_budget;
	pthread_mutex_t stats_lock;
	struct pvn_vtpm_hostsock_stats stats;
	uint8_t rsp[PVN_VTPM_MAX_BUF];
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Client mistakes: logged until the budget runs out, so a local client
 * cannot flood the VM's log. */
__attribute__((format(printf, 2, 3))) static void client_warn(struct pvn_vtpm_hostsock *s,
                                                              const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!s->log_budget)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->log_budget--;
	vtpm_warn("host socket: %s%s", msg,
	          s->log_budget ? "" : " (further host-socket protocol errors not logged)");
}

#define STAT_INC(s, field)                                                                         \
	do {                                                                                       \
		pthread_mutex_lock(&(s)->stats_lock);                                              \
		(s)->stats.field++;                                                                \
		pthread_mutex_unlock(&(s)->stats_lock);                                            \
	} while (0)

static void conn_close(struct pvn_vtpm_hostsock *s, unsigned slot)
{
	struct conn *c = s->conns[slot];

	close(c->fd);
	free(c);
	s->conns[slot] = NULL;
}

/* A protocol error: log, count, close. */
__attribute__((format(printf, 3, 4))) static void conn_fail(struct pvn_vtpm_hostsock *s,
                                                            unsigned slot, const char *fmt, ...)
{
	struct conn *c = s->conns[slot];
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	client_warn(s, "connection %u (%s): %s; closed", c->id,
	            c->kind == CONN_PLATFORM ? "platform" : "command", msg);
	STAT_INC(s, bad_frames);
	conn_close(s, slot);
}

static void error_response(uint8_t *rsp, size_t *len, uint32_t rc)
{
	put32(rsp + 2, TPM2_HDR_SIZE);
	rsp[0] = TPM2_ST_NO_SESSIONS >> 8;
	rsp[1] = TPM2_ST_NO_SESSIONS & 0xff;
	put32(rsp + 6, rc);
	*len = TPM2_HDR_SIZE;
}

/* Run one TPM command; the response goes to s->rsp. */
static size_t run_command(struct pvn_vtpm_hostsock *s, struct conn *c, const uint8_t *cmd,
                          uint32_t len, uint8_t locality)
{
	size_t rsplen = sizeof(s->rsp);
	int r;

	if (get32(cmd + 2) != len) {
		client_warn(s, "connection %u: TPM header size %u but frame of %u bytes", c->id,
		            get32(cmd + 2), len);
		error_response(s->rsp, &rsplen, TPM2_RC_COMMAND_SIZE);
		return rsplen;
	}
	if (locality != 0) {
		client_warn(s, "connection %u: locality %u refused (only 0)", c->id, locality);
		error_response(s->rsp, &rsplen, TPM2_RC_LOCALITY);
		return rsplen;
	}
	r = pvn_vtpm_crb_host_transmit(s->crb, cmd, len, s->rsp, &rsplen);
	STAT_INC(s, commands);
	if (r || rsplen < TPM2_HDR_SIZE || rsplen > sizeof(s->rsp)) {
		vtpm_err("host socket: engine failed on command 0x%x (%d)", get32(cmd + 6), r);
		error_response(s->rsp, &rsplen, TPM2_RC_FAILURE);
	}
	return rsplen;
}

static void consume(struct conn *c, size_t n)
{
	memmove(c->in, c->in + n, c->inlen - n);
	c->inlen -= n;
}

/*
 * Handle complete frames in c->in while no output is pending. Returns false
 * when the connection was closed.
 */
static bool conn_parse(struct pvn_vtpm_hostsock *s, unsigned slot)
{
	struct conn *c = s->conns[slot];

	while (c->outlen == 0 && c->inlen > 0) {
		if (c->kind == CONN_PLATFORM) {
			uint32_t code;
			if (c->inlen < 4)
				return true;
			code = get32(c->in);
			switch (code) {
			case MSSIM_POWER_ON:
			case MSSIM_POWER_OFF:
			case MSSIM_PP_ON:
			case MSSIM_PP_OFF:
			case MSSIM_CANCEL_ON:
			case MSSIM_CANCEL_OFF:
			case MSSIM_NV_ON:
			case MSSIM_NV_OFF:
			case MSSIM_STOP:
				/* Acknowledged, no effect: the VM owns the TPM's power. */
				if (code == MSSIM_STOP || code == MSSIM_POWER_OFF)
					vtpm_info(
					    "host socket: platform command %u from connection "
					    "%u acknowledged and ignored",
					    code, c->id);
				consume(c, 4);
				put32(c->out, 0);
				c->outlen = 4;
				STAT_INC(s, platform);
				break;
			case SWTPM_CMD_SET_LOCALITY:
				if (c->inlen < 5)
					return true;
				if (c->in[4])
					client_warn(s,
					            "connection %u: locality %u refused (only 0)",
					            c->id, c->in[4]);
				put32(c->out, c->in[4] ? SWTPM_TPM_BAD_LOCALITY : 0);
				c->outlen = 4;
				consume(c, 5);
				STAT_INC(s, platform);
				break;
			case MSSIM_SESSION_END:
				conn_close(s, slot);
				return false;
			default:
				conn_fail(s, slot, "unknown platform command %u", code);
				return false;
			}
			continue;
		}
		if (c->proto == PROTO_UNKNOWN) {
			if (c->in[0] == 0x00) {
				c->proto = PROTO_MSSIM;
			} else if (c->in[0] == 0x80) {
				c->proto = PROTO_RAW;
			} else {
				conn_fail(s, slot, "unknown protocol (first byte 0x%02x)",
				          c->in[0]);
				return false;
			}
		}
		if (c->proto == PROTO_MSSIM) {
			uint32_t code, size;
			size_t rsplen;
			if (c->inlen < 4)
				return true;
			code = get32(c->in);
			if (code == MSSIM_SESSION_END) {
				conn_close(s, slot);
				return false;
			}
			if (code != MSSIM_SEND_COMMAND) {
				conn_fail(s, slot, "unknown command code %u", code);
				return false;
			}
			if (c->inlen < MSSIM_CMD_HDR)
				return true;
			size = get32(c->in + 5);
			if (size < TPM2_HDR_SIZE || size > PVN_VTPM_MAX_BUF) {
				conn_fail(s, slot, "command size %u outside %u..%u", size,
				          TPM2_HDR_SIZE, PVN_VTPM_MAX_BUF);
				return false;
			}
			if (c->inlen < MSSIM_CMD_HDR + size)
				return true;
			rsplen = run_command(s, c, c->in + MSSIM_CMD_HDR, size, c->in[4]);
			put32(c->out, (uint32_t)rsplen);
			memcpy(c->out + 4, s->rsp, rsplen);
			put32(c->out + 4 + rsplen, 0);
			c->outlen = rsplen + 8;
			consume(c, MSSIM_CMD_HDR + size);
		} else {
			uint32_t size;
			size_t rsplen;
			if (c->inlen < TPM2_HDR_SIZE)
				return true;
			size = get32(c->in + 2);
			if (size < TPM2_HDR_SIZE || size > PVN_VTPM_MAX_BUF) {
				conn_fail(s, slot, "command size %u outside %u..%u", size,
				          TPM2_HDR_SIZE, PVN_VTPM_MAX_BUF);
				return false;
			}
			if (c->inlen < size)
				return true;
			rsplen = run_command(s, c, c->in, size, 0);
			memcpy(c->out, s->rsp, rsplen);
			c->outlen = rsplen;
			consume(c, size);
		}
	}
	return true;
}

/* Returns false when the connection was closed. */
static bool conn_flush(struct pvn_vtpm_hostsock *s, unsigned slot)
{
	struct conn *c = s->conns[slot];

	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0) {
			vtpm_debug("host socket: connection %u: send: %s", c->id, strerror(errno));
			conn_close(s, slot);
			return false;
		}
		c->outoff += (size_t)n;
	}
	c->outlen = c->outoff = 0;
	c->pending_since = now_ns();
	return true;
}

static void conn_input(struct pvn_vtpm_hostsock *s, unsigned slot)
{
	struct conn *c = s->conns[slot];
	ssize_t n;

	if (c->outlen)
		return;
	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
	if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		if (c->inlen)
			conn_fail(s, slot, "truncated frame: connection ended after %zu byte(s)",
			          c->inlen);
		else
			conn_close(s, slot);
		return;
	}
	if (c->tcp) {
		/* Clients write the mssim header and the command separately; a
		 * delayed ACK here would hold the second write back (Nagle) for
		 * ~40 ms per command. QUICKACK is not sticky: set it per read. */
		int one = 1;
		setsockopt(c->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	}
	if (c->inlen == 0)
		c->pending_since = now_ns();
	c->inlen += (size_t)n;
	if (!conn_parse(s, slot))
		return;
	if (s->conns[slot]->outlen && conn_flush(s, slot))
		conn_parse(s, slot); /* pipelined commands already buffered */
}

static void accept_one(struct pvn_vtpm_hostsock *s, struct listener *l)
{
	struct conn *c;
	unsigned slot;
	int fd;

	fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			vtpm_warn("host socket: accept on %s: %s", l->what, strerror(errno));
		return;
	}
	for (slot = 0; slot < s->max_conns && s->conns[slot]; slot++)
		;
	if (slot == s->max_conns) {
		client_warn(s, "%s: more than %u connections; refused", l->what, s->max_conns);
		STAT_INC(s, refused);
		close(fd);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->id = ++s->next_id;
	c->kind = l->kind;
	c->tcp = l->tcp;
	c->pending_since = now_ns();
	if (c->tcp) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
	}
	s->conns[slot] = c;
	STAT_INC(s, connections);
	vtpm_debug("host socket: connection %u on %s", c->id, l->what);
}

static void *server_thread(void *opaque)
{
	struct pvn_vtpm_hostsock *s = opaque;
	unsigned nfds_max = 1 + s->nr_lis + s->max_conns;
	struct pollfd *pfd = calloc(nfds_max, sizeof(*pfd));
	unsigned *slot_of = calloc(nfds_max, sizeof(*slot_of));

	if (!pfd || !slot_of) {
		vtpm_err("host socket: out of memory; server not running");
		free(pfd);
		free(slot_of);
		return NULL;
	}
	for (;;) {
		unsigned n = 0, first_conn;
		uint64_t now, limit = (uint64_t)s->idle_timeout_ms * 1000000ull;
		int r;

		pfd[n++] = (struct pollfd){.fd = s->wake_fd, .events = POLLIN};
		for (unsigned i = 0; i < s->nr_lis; i++)
			pfd[n++] = (struct pollfd){.fd = s->lis[i].fd, .events = POLLIN};
		first_conn = n;
		for (unsigned i = 0; i < s->max_conns; i++) {
			struct conn *c = s->conns[i];
			if (!c)
				continue;
			slot_of[n] = i;
			pfd[n++] =
			    (struct pollfd){.fd = c->fd, .events = c->outlen ? POLLOUT : POLLIN};
		}
		r = poll(pfd, n, 1000);
		if (r < 0 && errno != EINTR) {
			vtpm_err("host socket: poll: %s; server stopped", strerror(errno));
			break;
		}
		if (pfd[0].revents)
			break; /* stop requested */
		for (unsigned i = first_conn; r > 0 && i < n; i++) {
			unsigned slot = slot_of[i];
			if (!pfd[i].revents || !s->conns[slot])
				continue;
			if (s->conns[slot]->outlen) {
				if (conn_flush(s, slot))
					conn_parse(s, slot);
			} else {
				conn_input(s, slot);
			}
		}
		for (unsigned i = 1; r > 0 && i < first_conn; i++)
			if (pfd[i].revents & POLLIN)
				accept_one(s, &s->lis[i - 1]);
		/* A partial frame (or an unread response) pending too long. */
		now = now_ns();
		for (unsigned i = 0; i < s->max_conns; i++) {
			struct conn *c = s->conns[i];
			if (c && (c->inlen || c->outlen) && now - c->pending_since > limit)
				conn_fail(s, i, "incomplete frame (%zu byte(s)) pending for %u ms",
				          c->inlen, s->idle_timeout_ms);
		}
	}
	free(pfd);
	free(slot_of);
	return NULL;
}

static int listen_tcp(struct pvn_vtpm_hostsock *s, uint16_t port, enum conn_kind kind, char *err,
                      size_t errlen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET,
	                         .sin_port = htons(port),
	                         .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct listener *l = &s->lis[s->nr_lis];
	int one = 1, fd, e;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 8)) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "127.0.0.1:%u: %s", port, strerror(e));
		return -e;
	}
	l->fd = fd;
	l->tcp = true;
	l->kind = kind;
	snprintf(l->what, sizeof(l->what), "tcp 127.0.0.1:%u", port);
	s->nr_lis++;
	return 0;
}

static void unlisten_last(struct pvn_vtpm_hostsock *s)
{
	close(s->lis[--s->nr_lis].fd);
}

static int listen_tcp_pair(struct pvn_vtpm_hostsock *s, int port, char *err, size_t errlen)
{
	int r;

	if (port > 0) {
		if (port > 65534) {
			snprintf(err, errlen, "host_port %d: must be 1..65534 (it uses port+1 too)",
			         port);
			return -EINVAL;
		}
		if ((r = listen_tcp(s, (uint16_t)port, CONN_DATA, err, errlen)))
			return r;
		if ((r = listen_tcp(s, (uint16_t)(port + 1), CONN_PLATFORM, err, errlen))) {
			unlisten_last(s);
			return r;
		}
		s->port = port;
		return 0;
	}
	/* Pick a free pair in the dynamic range, starting somewhere random. */
	uint32_t seed = (uint32_t)now_ns() ^ (uint32_t)getpid();
	for (int tries = 0; tries < 200; tries++) {
		uint16_t p = (uint16_t)(20000 + (seed + (uint32_t)tries * 7919u) % 40000u);
		if (listen_tcp(s, p, CONN_DATA, err, errlen))
			continue;
		if (listen_tcp(s, (uint16_t)(p + 1), CONN_PLATFORM, err, errlen)) {
			unlisten_last(s);
			continue;
		}
		s->port = p;
		return 0;
	}
	snprintf(err, errlen, "no free pair of TCP ports on 127.0.0.1");
	return -EADDRINUSE;
}

/* A Unix socket at path, mode 0600. A stale socket there is replaced;
 * anything else is refused. */
static int listen_unix(struct pvn_vtpm_hostsock *s, const char *path, enum conn_kind kind,
                       char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct listener *l = &s->lis[s->nr_lis];
	struct stat st;
	int fd, e;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: path too long for a Unix socket", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, errlen, "%s exists and is not a socket", path);
			return -EEXIST;
		}
		unlink(path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Linux creates the socket file with the socket inode's mode (less the
	 * umask): set it first, so the file is never more open than 0600. */
	fchmod(fd, 0600);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		e = errno;
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	if (chmod(path, 0600) || listen(fd, 8)) {
		e = errno;
		close(fd);
		unlink(path);
		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	l->fd = fd;
	l->tcp = false;
	l->kind = kind;
	snprintf(l->what, sizeof(l->what), "unix %.40s", path);
	s->nr_lis++;
	return 0;
}

int pvn_vtpm_hostsock_start(struct pvn_vtpm_crb *crb, const struct pvn_vtpm_hostsock_cfg *cfg,
                            struct pvn_vtpm_hostsock **out, char *err, size_t errlen)
{
	struct pvn_vtpm_hostsock *s;
	int r;

	*out = NULL;
	if (!cfg->unix_path && cfg->tcp_port < 0) {
		snprintf(err, errlen, "neither a Unix socket nor a TCP port configured");
		return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->crb = crb;
	s->port = -1;
	s->max_conns = cfg->max_conns ? cfg->max_conns : 16;
	s->idle_timeout_ms = cfg->idle_timeout_ms ? cfg->idle_timeout_ms : 30000;
	s->log_budget = HOSTSOCK_LOG_BUDGET;
	pthread_mutex_init(&s->stats_lock, NULL);
	s->conns = calloc(s->max_conns, sizeof(*s->conns));
	s->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!s->conns || s->wake_fd < 0) {
		r = s->conns ? -errno : -ENOMEM;
		snprintf(err, errlen, "%s", strerror(-r));
		goto fail;
	}
	if (cfg->tcp_port >= 0 && (r = listen_tcp_pair(s, cfg->tcp_port, err, errlen)))
		goto fail;
	if (cfg->unix_path) {
		if (strlen(cfg->unix_path) + 5 >= sizeof(s->ctrl_path)) {
			snprintf(err, errlen, "%s: path too long for a Unix socket",
			         cfg->unix_path);
			r = -ENAMETOOLONG;
			goto fail;
		}
		snprintf(s->unix_path, sizeof(s->unix_path), "%s", cfg->unix_path);
		snprintf(s->ctrl_path, sizeof(s->ctrl_path), "%s.ctrl", cfg->unix_path);
		if ((r = listen_unix(s, s->unix_path, CONN_DATA, err, errlen)))
			goto fail;
		s->unix_bound = true;
		if ((r = listen_unix(s, s->ctrl_path, CONN_PLATFORM, err, errlen)))
			goto fail;
		s->ctrl_bound = true;
	}
	r = pthread_create(&s->thread, NULL, server_thread, s);
	if (r) {
		snprintf(err, errlen, "cannot start the server thread: %s", strerror(r));
		r = -r;
		goto fail;
	}
	s->thread_started = true;
	if (s->port > 0)
		vtpm_info("host socket: mssim protocol on 127.0.0.1:%d (platform %d)", s->port,
		          s->port + 1);
	if (s->unix_bound)
		vtpm_info("host socket: %s (platform %s), mode 0600", s->unix_path, s->ctrl_path);
	*out = s;
	return 0;
fail:
	pvn_vtpm_hostsock_stop(s);
	return r;
}

int pvn_vtpm_hostsock_port(const struct pvn_vtpm_hostsock *s)
{
	return s ? s->port : -1;
}

void pvn_vtpm_hostsock_get_stats(struct pvn_vtpm_hostsock *s, struct pvn_vtpm_hostsock_stats *out)
{
	pthread_mutex_lock(&s->stats_lock);
	*out = s->stats;
	pthread_mutex_unlock(&s->stats_lock);
}

void pvn_vtpm_hostsock_stop(struct pvn_vtpm_hostsock *s)
{
	if (!s)
		return;
	if (s->thread_started) {
		uint64_t one = 1;
		if (write(s->wake_fd, &one, sizeof(one)) != sizeof(one))
			vtpm_err("host socket: cannot wake the server thread: %s", strerror(errno));
		pthread_join(s->thread, NULL);
	}
	for (unsigned i = 0; s->conns && i < s->max_conns; i++)
		if (s->conns[i])
			conn_close(s, i);
	while (s->nr_lis)
		unlisten_last(s);
	if (s->unix_bound)
		unlink(s->unix_path);
	if (s->ctrl_bound)
		unlink(s->ctrl_path);
	if (s->wake_fd > 0)
		close(s->wake_fd);
	pthread_mutex_destroy(&s->stats_lock);
	free(s->conns);
	free(s);
}
