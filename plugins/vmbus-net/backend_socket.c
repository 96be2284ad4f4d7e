/* SPDX-License-Identifier: MIT */
/*
 * The socket backend: one frame per datagram on a connected Unix socket
 * (SOCK_SEQPACKET or SOCK_DGRAM) handed over as `fd = N`, e.g. one end of a
 * socketpair made by the program that embeds the VM, or a user-space switch.
 * Frames are plain and complete: no virtio-net header, so the device does
 * checksums and segmentation itself. The link is up until the other end
 * closes.
 */
#include "plugins/vmbus-net/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct sock {
	struct pvn_net_backend b;
	int fd;
	bool eof;
};

static int sock_tx(struct pvn_net_backend *b, const struct pvn_vnet_hdr *vh, const void *frame,
                   size_t len)
{
	struct sock *s = (struct sock *)b;

	(void)vh;
	if (send(s->fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

static ssize_t sock_rx(struct pvn_net_backend *b, struct pvn_vnet_hdr *vh, void *buf, size_t cap)
{
	struct sock *s = (struct sock *)b;
	ssize_t r;

	(void)vh;
	for (;;) {
		r = recv(s->fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN
			       : errno == ECONNRESET                   ? -ENOTCONN
			                                               : -errno;
		if (r == 0) {
			s->eof = true; /* SOCK_SEQPACKET: the other end closed */
			return -ENOTCONN;
		}
		if ((size_t)r <= cap && r >= PVN_ETH_HLEN)
			return r;
		/* Truncated or runt: not a frame. Take the next. */
	}
}

static int sock_link(struct pvn_net_backend *b, bool *up)
{
	*up = !((struct sock *)b)->eof;
	return 0;
}

static void sock_destroy(struct pvn_net_backend *b)
{
	free(b);
}

static const struct pvn_net_backend_ops sock_ops = {
    .name = "socket",
    .tx = sock_tx,
    .rx = sock_rx,
    .link = sock_link,
    .destroy = sock_destroy,
};

int pvn_net_socket_create(const struct pvn_net_backend_cfg *cfg, struct pvn_net_backend **out,
                          const char **key, char *err, size_t errlen)
{
	int type = 0, fl;
	socklen_t tl = sizeof(type);
	struct sock *s;

	*key = "fd";
	if (cfg->fd < 0) {
		snprintf(err, errlen,
		         "the socket backend needs fd = N (a connected SOCK_SEQPACKET "
		         "or SOCK_DGRAM Unix socket)");
		return -EINVAL;
	}
	if (getsockopt(cfg->fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 ||
	    (type != SOCK_SEQPACKET && type != SOCK_DGRAM)) {
		snprintf(err, errlen, "fd %d is not a SOCK_SEQPACKET or SOCK_DGRAM socket",
		         cfg->fd);
		return -EINVAL;
	}
	fl = fcntl(cfg->fd, F_GETFL);
	if (fl < 0 || fcntl(cfg->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "fd %d: %s", cfg->fd, strerror(errno));
		return -errno;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->b.ops = &sock_ops;
	s->b.rx_fd = s->fd = cfg->fd;
	s->b.event_fd = -1;
	snprintf(s->b.ifname, sizeof(s->b.ifname), "fd %d", cfg->fd);
	*out = &s->b;
	return 0;
}
