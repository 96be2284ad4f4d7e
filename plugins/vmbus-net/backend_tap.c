/* SPDX-License-Identifier: MIT */
/*
 * The TAP backend: frames to and from a Linux TAP interface through
 * /dev/net/tun. With offloads on, the TAP carries a virtio-net header
 * (IFF_VNET_HDR) and takes partial checksums and TCP segmentation from us
 * (TUNSETOFFLOAD), so a guest's 64 KiB LSO frame crosses as one write.
 *
 * `tap = "NAME"` creates the interface (needs CAP_NET_ADMIN) or attaches to
 * a persistent one the operator made (`ip tuntap add NAME mode tap user U`);
 * `fd = N` uses a TAP descriptor opened by whoever started the VM. The link
 * the guest sees follows the interface: up when it is administratively up
 * and has carrier. Changes arrive on an rtnetlink socket (RTMGRP_LINK),
 * which only says "look again": the state is read with SIOCGIFFLAGS.
 */
#include "plugins/vmbus-net/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

struct tap {
	struct pvn_net_backend b;
	int fd, nl, ctl; /* the TAP, rtnetlink, an AF_INET socket for ioctls */
	bool own_fd;
};

static void tap_log(const struct pvn_net_backend_cfg *cfg, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void tap_log(const struct pvn_net_backend_cfg *cfg, int level, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	if (!cfg->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfg->log(cfg->log_opaque, level, msg);
}

static int tap_tx(struct pvn_net_backend *b, const struct pvn_vnet_hdr *vh, const void *frame,
                  size_t len)
{
	struct tap *t = (struct tap *)b;
	struct pvn_vnet_hdr zero = {0};
	struct iovec iov[2];
	int n = 0;
	ssize_t w;

	if (b->vnet_hdr) {
		iov[n].iov_base = (void *)(vh ? vh : &zero);
		iov[n++].iov_len = sizeof(*vh);
	}
	iov[n].iov_base = (void *)frame;
	iov[n++].iov_len = len;
	w = writev(t->fd, iov, n);
	if (w < 0)
		return -errno;
	return 0;
}

static ssize_t tap_rx(struct pvn_net_backend *b, struct pvn_vnet_hdr *vh, void *buf, size_t cap)
{
	struct tap *t = (struct tap *)b;
	struct iovec iov[2];
	size_t hl = b->vnet_hdr ? sizeof(*vh) : 0;
	int n = 0;
	ssize_t r;

	if (b->vnet_hdr) {
		iov[n].iov_base = vh;
		iov[n++].iov_len = sizeof(*vh);
	}
	iov[n].iov_base = buf;
	iov[n++].iov_len = cap;
	r = readv(t->fd, iov, n);
	if (r < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN
		       : errno == EBADFD || errno == EIO       ? -ENOTCONN
		                                               : -errno;
	if ((size_t)r < hl + PVN_ETH_HLEN)
		return -EIO; /* the tun driver never does this */
	return r - (ssize_t)hl;
}

static int tap_link(struct pvn_net_backend *b, bool *up)
{
	struct tap *t = (struct tap *)b;
	char buf[4096];
	struct ifreq ifr;

	/* Drain the notifications; the flags say how things are now. */
	while (t->nl >= 0 && recv(t->nl, buf, sizeof(buf), MSG_DONTWAIT) > 0)
		;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%.15s", b->ifname);
	if (ioctl(t->ctl, SIOCGIFFLAGS, &ifr) < 0) {
		*up = false; /* gone, or moved to another namespace */
		return -errno;
	}
	*up = (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
	return 0;
}

static void tap_destroy(struct pvn_net_backend *b)
{
	struct tap *t = (struct tap *)b;

	if (t->own_fd && t->fd >= 0)
		close(t->fd);
	if (t->nl >= 0)
		close(t->nl);
	if (t->ctl >= 0)
		close(t->ctl);
	free(t);
}

static const struct pvn_net_backend_ops tap_ops = {
    .name = "tap",
    .tx = tap_tx,
    .rx = tap_rx,
    .link = tap_link,
    .destroy = tap_destroy,
};

/* Bring the interface MTU to cfg->mtu when it differs (CAP_NET_ADMIN). */
static void tap_mtu(struct tap *t, const struct pvn_net_backend_cfg *cfg)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%.15s", t->b.ifname);
	if (ioctl(t->ctl, SIOCGIFMTU, &ifr) < 0 || (unsigned)ifr.ifr_mtu == cfg->mtu)
		return;
	ifr.ifr_mtu = (int)cfg->mtu;
	if (ioctl(t->ctl, SIOCSIFMTU, &ifr) < 0)
		tap_log(cfg, 1, "tap %s: cannot set its MTU to %u (%s): set it on the host",
		        t->b.ifname, cfg->mtu, strerror(errno));
}

int pvn_net_tap_create(const struct pvn_net_backend_cfg *cfg, struct pvn_net_backend **out,
                       const char **key, char *err, size_t errlen)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
	struct ifreq ifr;
	struct tap *t;
	int r;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->b.ops = &tap_ops;
	t->fd = t->nl = t->ctl = -1;
	memset(&ifr, 0, sizeof(ifr));
	if (cfg->fd >= 0) {
		*key = "fd";
		t->fd = cfg->fd;
		if (ioctl(t->fd, TUNGETIFF, &ifr) < 0) {
			r = -errno;
			snprintf(err, errlen, "fd %d is not a TAP device: %s", cfg->fd,
			         strerror(errno));
			goto fail;
		}
		if (!(ifr.ifr_flags & IFF_TAP) || !(ifr.ifr_flags & IFF_NO_PI)) {
			r = -EINVAL;
			snprintf(err, errlen,
			         "fd %d: %s is not a TAP without packet info (IFF_TAP | "
			         "IFF_NO_PI)",
			         cfg->fd, ifr.ifr_name);
			goto fail;
		}
		t->b.vnet_hdr = (ifr.ifr_flags & IFF_VNET_HDR) && cfg->offload;
		if ((ifr.ifr_flags & IFF_VNET_HDR) && !cfg->offload) {
			r = -EINVAL;
			snprintf(err, errlen, "fd %d: %s has IFF_VNET_HDR but offload = false",
			         cfg->fd, ifr.ifr_name);
			goto fail;
		}
		if (fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) | O_NONBLOCK) < 0) {
			r = -errno;
			snprintf(err, errlen, "fd %d: %s", cfg->fd, strerror(errno));
			goto fail;
		}
	} else {
		*key = "tap";
		if (!cfg->ifname || !*cfg->ifname || strlen(cfg->ifname) >= IFNAMSIZ) {
			r = -EINVAL;
			snprintf(err, errlen,
			         "the TAP interface name must be 1-%d characters "
			         "(tap = \"NAME\"), or give an open TAP as fd",
			         IFNAMSIZ - 1);
			goto fail;
		}
		t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (t->fd < 0) {
			r = -errno;
			snprintf(err, errlen, "cannot open /dev/net/tun: %s", strerror(errno));
			goto fail;
		}
		t->own_fd = true;
		ifr.ifr_flags = IFF_TAP | IFF_NO_PI | (cfg->offload ? IFF_VNET_HDR : 0);
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", cfg->ifname);
		if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
			r = -errno;
			snprintf(
			    err, errlen,
			    "cannot create or attach TAP %s: %s (creating one needs "
			    "CAP_NET_ADMIN; or make it persistent for this user: ip tuntap add "
			    "%s mode tap user USER)",
			    cfg->ifname, strerror(errno), cfg->ifname);
			goto fail;
		}
		t->b.vnet_hdr = cfg->offload;
	}
	snprintf(t->b.ifname, sizeof(t->b.ifname), "%s", ifr.ifr_name);
	if (t->b.vnet_hdr) {
		int sz = sizeof(struct pvn_vnet_hdr);
		unsigned off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

		if (ioctl(t->fd, TUNSETVNETHDRSZ, &sz) < 0) {
			r = -errno;
			snprintf(err, errlen, "TAP %s: cannot set the virtio-net header size: %s",
			         t->b.ifname, strerror(errno));
			goto fail;
		}
		/* Let the host stack hand us partial checksums and TCP GSO. */
		if (ioctl(t->fd, TUNSETOFFLOAD, off) < 0)
			tap_log(cfg, 1, "tap %s: no receive offloads (%s): frames arrive segmented",
			        t->b.ifname, strerror(errno));
		else
			t->b.rx_gso = true;
	}
	t->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (t->ctl < 0) {
		r = -errno;
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	if (cfg->mtu)
		tap_mtu(t, cfg);
	/* Link changes: without rtnetlink the link is read once and stays. */
	t->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (t->nl >= 0 && bind(t->nl, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		tap_log(cfg, 1, "tap %s: rtnetlink: %s: link changes will not be seen", t->b.ifname,
		        strerror(errno));
		close(t->nl);
		t->nl = -1;
	}
	t->b.rx_fd = t->fd;
	t->b.event_fd = t->nl;
	*out = &t->b;
	return 0;
fail:
	tap_destroy(&t->b);
	return r;
}
