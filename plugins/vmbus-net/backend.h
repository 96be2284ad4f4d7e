/* SPDX-License-Identifier: MIT */
/*
 * Where the NIC's frames go on the host: the backend interface. A backend is
 * one file (backend_tap.c, backend_socket.c) with a create function listed in
 * backend.c; an AF_XDP or vhost-user backend would be another file and another
 * line there, nothing else.
 *
 * A backend hands the plugin two file descriptors to watch (frames to read,
 * link events) and moves one frame per call. With `vnet_hdr` set, frames
 * carry offload metadata both ways (struct pvn_vnet_hdr: partial checksums,
 * TCP segmentation); without it they are plain, complete Ethernet frames and
 * the device does checksums and segmentation itself.
 *
 * Threads: the plugin serialises every call on one backend.
 */
#ifndef PVN_NET_BACKEND_H
#define PVN_NET_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "plugins/vmbus-net/offload.h"

struct pvn_net_backend;

struct pvn_net_backend_ops {
	const char *name;
	/* Send one frame (with its header when vnet_hdr; vh NULL otherwise).
	 * 0, or a negative errno (the frame is dropped; -EAGAIN when the host
	 * queue is full). */
	int (*tx)(struct pvn_net_backend *b, const struct pvn_vnet_hdr *vh, const void *frame,
	          size_t len);
	/* Read one frame into buf (cap bytes) and, when vnet_hdr, its header
	 * into *vh: its length, -EAGAIN when none is waiting, -ENOTCONN when
	 * the other end has gone, another negative errno on error. */
	ssize_t (*rx)(struct pvn_net_backend *b, struct pvn_vnet_hdr *vh, void *buf, size_t cap);
	/* Read pending link events from event_fd and say whether the link is
	 * up now. May be NULL (always up). */
	int (*link)(struct pvn_net_backend *b, bool *up);
	void (*destroy)(struct pvn_net_backend *b);
};

struct pvn_net_backend {
	const struct pvn_net_backend_ops *ops;
	int rx_fd;       /* readable: frames are waiting (non-blocking) */
	int event_fd;    /* readable: call ops->link; -1 when there are no events */
	bool vnet_hdr;   /* frames carry struct pvn_vnet_hdr (offloads) */
	bool rx_gso;     /* rx may return TCP GSO frames (up to 64 KiB) */
	char ifname[32]; /* for logs: the interface or "fd N" */
};

/* What the plugin's settings ask for. */
struct pvn_net_backend_cfg {
	const char *type;   /* "tap" (default) or "socket" */
	const char *ifname; /* tap: the TAP interface to create or attach */
	int fd;             /* an open TAP or socket fd to use; -1: none */
	unsigned mtu;       /* tap: set the interface MTU to it (when allowed) */
	bool offload;       /* tap: use IFF_VNET_HDR and the kernel's offloads */
	/* Notes worth the operator's eye (an MTU the backend could not set). */
	void (*log)(void *opaque, int level, const char *msg);
	void *log_opaque;
};

/* Create the backend cfg->type names. 0, or a negative errno with the reason
 * in err (and the setting it concerns in *key, e.g. "tap"). */
int pvn_net_backend_create(const struct pvn_net_backend_cfg *cfg, struct pvn_net_backend **out,
                           const char **key, char *err, size_t errlen);

/* The backends. */
int pvn_net_tap_create(const struct pvn_net_backend_cfg *cfg, struct pvn_net_backend **out,
                       const char **key, char *err, size_t errlen);
int pvn_net_socket_create(const struct pvn_net_backend_cfg *cfg, struct pvn_net_backend **out,
                          const char **key, char *err, size_t errlen);

#endif
