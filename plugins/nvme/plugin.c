/* SPDX-License-Identifier: MIT */
/*
 * The nvme plugin: a synthetic SCSI controller on VMBus (what Linux's
 * hv_storvsc drives) whose LUNs are NVMe namespaces (libnvme, kernel
 * passthrough) or raw files. Settings (docs/nvme.md):
 *
 *   settings = {
 *     queue_depth = 32;   # requests in flight per LUN
 *     workers = 4;        # I/O threads shared by the LUNs
 *     instance = 1;       # last byte of the controller's instance GUID
 *     disks = (
 *       { backend = "file"; path = "/srv/a.img"; size_mib = 64; block_size = 512; },
 *       { backend = "nvme"; device = "/dev/ng0n1"; read_only = true; }
 *     );
 *   };
 *
 * Uses plugin ABI 1.2 only: vmbus_offer/recv/send, mem_read/mem_write.
 */
#include <paravane/plugin.h>

#include <stdlib.h>
#include <string.h>

#include "plugins/nvme/bdev.h"
#include "plugins/nvme/vstor.h"

#define NVME_PLUGIN_VERSION "1.0.0"

struct nvme_plugin {
	const struct pvn_host_ops *ops;
	struct pvn_host *host;
	struct pvn_host_channel *ch;
	struct bdev_pool pool;
	bool pool_started;
	struct vstor_lun luns[VSTOR_MAX_LUNS];
	unsigned nr_luns;
	struct vstor_chan chan;
	bool chan_ready;
};

/* ---- the VSTOR layer's view of the host ---- */
static int env_recv(void *opaque, struct vstor_rx *rx, void *buf, size_t cap)
{
	struct nvme_plugin *p = opaque;
	struct pvn_plugin_vmbus_pkt pkt = {.size = sizeof(pkt)};
	int r = PVN_HOST_CALL(p->ops, vmbus_recv, p->host, p->ch, &pkt, buf, cap);

	rx->len = pkt.len;
	if (r)
		return r;
	rx->type = pkt.type;
	rx->flags = pkt.flags;
	rx->trans_id = pkt.trans_id;
	rx->data_offset = pkt.data_offset;
	return 0;
}

static int env_send(void *opaque, uint64_t trans_id, const void *data, size_t len)
{
	struct nvme_plugin *p = opaque;
	return pvn_plugin_vmbus_complete(p->ops, p->host, p->ch, trans_id, data, len);
}

static int env_mem_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	struct nvme_plugin *p = opaque;
	return PVN_HOST_CALL(p->ops, mem_read, p->host, gpa, buf, len);
}

static int env_mem_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	struct nvme_plugin *p = opaque;
	return PVN_HOST_CALL(p->ops, mem_write, p->host, gpa, buf, len);
}

static void env_log(void *opaque, int level, const char *msg)
{
	struct nvme_plugin *p = opaque;
	pvn_plugin_log(p->ops, p->host, level, "%s", msg);
}

/* ---- VMBus callbacks (VP threads) ---- */
static uint32_t ch_open(void *opaque, struct pvn_host_channel *ch, const uint8_t *ud, size_t len)
{
	struct nvme_plugin *p = opaque;
	(void)ch, (void)ud, (void)len;
	vstor_opened(&p->chan);
	return 0;
}

static void ch_close(void *opaque, struct pvn_host_channel *ch)
{
	struct nvme_plugin *p = opaque;
	(void)ch;
	vstor_closed(&p->chan);
}

static void ch_packets(void *opaque, struct pvn_host_channel *ch)
{
	struct nvme_plugin *p = opaque;
	(void)ch;
	vstor_poll(&p->chan);
}

static void ch_writable(void *opaque, struct pvn_host_channel *ch)
{
	struct nvme_plugin *p = opaque;
	(void)ch;
	vstor_writable(&p->chan);
}

static const struct pvn_plugin_vmbus_ops ch_ops = {
    .size = sizeof(struct pvn_plugin_vmbus_ops),
    .open = ch_open,
    .close = ch_close,
    .packets = ch_packets,
    .writable = ch_writable,
};

/* ---- settings ---- */
static int get_int(struct nvme_plugin *p, const char *key, int64_t *v, int64_t def, int64_t lo,
                   int64_t hi, const char *range)
{
	int r = PVN_HOST_CALL(p->ops, cfg_get_int, p->host, key, v);
	if (r == -ENOENT) {
		*v = def;
		return 0;
	}
	if (r)
		return r;
	if (*v < lo || *v > hi)
		return PVN_HOST_CALL(p->ops, cfg_error, p->host, key, range);
	return 0;
}

static int get_bool(struct nvme_plugin *p, const char *key, bool *v)
{
	int r = PVN_HOST_CALL(p->ops, cfg_get_bool, p->host, key, v);
	if (r == -ENOENT) {
		*v = false;
		return 0;
	}
	return r;
}

/* A disk entry exists when it names a backend, a path or a device. */
static bool key_exists(struct nvme_plugin *p, const char *key)
{
	const char *s;
	return PVN_HOST_CALL(p->ops, cfg_get_string, p->host, key, &s) != -ENOENT;
}

static int open_disk(struct nvme_plugin *p, unsigned i)
{
	char key[64], err[256] = "";
	const char *backend = "file", *path = NULL;
	struct bdev *b = NULL;
	int64_t size_mib, size, bs, nsid;
	bool ro, create;
	int r;

#define K(name) (snprintf(key, sizeof(key), "disks.[%u]." name, i), key)
	r = PVN_HOST_CALL(p->ops, cfg_get_string, p->host, K("backend"), &backend);
	if (r && r != -ENOENT)
		return r;
	if ((r = get_bool(p, K("read_only"), &ro)))
		return r;
	if (!strcmp(backend, "file")) {
		struct bdev_file_opts o = {0};
		r = PVN_HOST_CALL(p->ops, cfg_get_string, p->host, K("path"), &path);
		if (r == -ENOENT)
			return PVN_HOST_CALL(p->ops, cfg_error, p->host, K("path"),
			                     "a file disk needs a path");
		if (r)
			return r;
		if ((r = get_int(p, K("size_mib"), &size_mib, 0, 0, 1 << 24,
		                 "must be 0-16777216")) ||
		    (r = get_int(p, K("size"), &size, 0, 0, INT64_MAX, "must be >= 0")) ||
		    (r = get_int(p, K("block_size"), &bs, 512, 512, 4096, "must be 512 or 4096")) ||
		    (r = get_bool(p, K("create"), &create)))
			return r;
		if (bs != 512 && bs != 4096)
			return PVN_HOST_CALL(p->ops, cfg_error, p->host, K("block_size"),
			                     "must be 512 or 4096");
		o.path = path;
		o.size = size ? (uint64_t)size : (uint64_t)size_mib << 20;
		o.block_size = (uint32_t)bs;
		o.read_only = ro;
		o.create = create;
		r = bdev_file_open(&o, &b, err, sizeof(err));
	} else if (!strcmp(backend, "nvme")) {
		struct bdev_nvme_opts o = {0};
		r = PVN_HOST_CALL(p->ops, cfg_get_string, p->host, K("device"), &path);
		if (r == -ENOENT)
			return PVN_HOST_CALL(
			    p->ops, cfg_error, p->host, K("device"),
			    "an nvme disk needs a device (/dev/ngXnY or /dev/nvmeXnY)");
		if (r)
			return r;
		if ((r = get_int(p, K("nsid"), &nsid, 0, 0, 0xfffffffe, "must be 0-0xfffffffe")))
			return r;
		o.path = path;
		o.nsid = (uint32_t)nsid;
		o.read_only = ro;
		r = bdev_nvme_open(&o, &b, err, sizeof(err));
	} else {
		return PVN_HOST_CALL(p->ops, cfg_error, p->host, K("backend"),
		                     "must be \"file\" or \"nvme\"");
	}
	if (r) {
		pvn_plugin_log(p->ops, p->host, PVN_PLUGIN_LOG_ERROR, "disks.[%u]: %s", i, err);
		return PVN_HOST_CALL(p->ops, cfg_error, p->host, K("backend"), err);
	}
#undef K
	p->luns[i].bdev = b;
	vstor_disk_from_geometry(&p->luns[i].disk, &b->geo, i);
	pvn_plugin_log(p->ops, p->host, PVN_PLUGIN_LOG_INFO,
	               "LUN %u: %s, %llu blocks of %u bytes%s%s%s", i, b->desc,
	               (unsigned long long)b->geo.blocks, b->geo.block_size,
	               b->geo.read_only ? ", read-only" : "", b->geo.discard ? ", discard" : "",
	               b->geo.vwc ? ", write cache" : "");
	return 0;
}

static void nvme_fini(void *state)
{
	struct nvme_plugin *p = state;

	if (!p)
		return;
	if (p->pool_started)
		bdev_pool_stop(&p->pool); /* runs what is queued: every I/O completes */
	if (p->chan_ready)
		vstor_chan_destroy(&p->chan);
	for (unsigned i = 0; i < p->nr_luns; i++)
		bdev_close(p->luns[i].bdev);
	free(p);
}

static int nvme_init(const struct pvn_host_ops *ops, struct pvn_host *host, void **state)
{
	struct nvme_plugin *p = calloc(1, sizeof(*p));
	int64_t qd, workers, instance;
	char key[32];
	int r;

	if (!p)
		return -ENOMEM;
	p->ops = ops;
	p->host = host;
	if ((r = get_int(p, "queue_depth", &qd, 32, 1, 256, "must be 1-256")) ||
	    (r = get_int(p, "workers", &workers, 4, 1, 64, "must be 1-64")) ||
	    (r = get_int(p, "instance", &instance, 1, 0, 255, "must be 0-255")))
		goto fail;
	for (unsigned i = 0; i < VSTOR_MAX_LUNS; i++) {
		snprintf(key, sizeof(key), "disks.[%u]", i);
		char k2[48];
		snprintf(k2, sizeof(k2), "%s.backend", key);
		bool any = key_exists(p, k2);
		snprintf(k2, sizeof(k2), "%s.path", key);
		any = any || key_exists(p, k2);
		snprintf(k2, sizeof(k2), "%s.device", key);
		any = any || key_exists(p, k2);
		if (!any)
			break;
		r = open_disk(p, i);
		if (r)
			goto fail;
		p->nr_luns++;
	}
	if (!p->nr_luns) {
		r = PVN_HOST_CALL(ops, cfg_error, host, "disks", "at least one disk is needed");
		goto fail;
	}
	r = bdev_pool_start(&p->pool, (unsigned)workers);
	if (r)
		goto fail;
	p->pool_started = true;
	struct vstor_env env = {
	    .opaque = p,
	    .recv = env_recv,
	    .send = env_send,
	    .mem_read = env_mem_read,
	    .mem_write = env_mem_write,
	    .log = env_log,
	};
	r = vstor_chan_init(&p->chan, &env, p->luns, p->nr_luns, (unsigned)qd, &p->pool);
	if (r)
		goto fail;
	p->chan_ready = true;

	struct pvn_plugin_vmbus_offer o = {
	    .size = sizeof(o),
	    .class_id = PVN_PLUGIN_GUID(VSTOR_CLASS_A, VSTOR_CLASS_B, VSTOR_CLASS_C, VSTOR_CLASS_D,
	                                VSTOR_CLASS_E),
	    /* {5056ab00-6e76-4d65-9c53-6373692d00NN}: NN = instance */
	    .instance_id = PVN_PLUGIN_GUID(0x5056ab00, 0x6e76, 0x4d65, 0x9c53,
	                                   0x6373692d0000ULL | (uint64_t)instance),
	    .name = "scsi",
	};
	r = PVN_HOST_CALL(ops, vmbus_offer, host, &o, &ch_ops, p, &p->ch);
	if (r)
		goto fail;
	pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_INFO,
	               "SCSI controller offered: %u LUNs, queue depth %lld, %lld workers",
	               p->nr_luns, (long long)qd, (long long)workers);
	*state = p;
	return 0;
fail:
	nvme_fini(p);
	return r;
}

PVN_PLUGIN_MANIFEST("nvme", NVME_PLUGIN_VERSION, "");

PVN_PLUGIN_EXPORT const struct pvn_plugin_descriptor pvn_plugin_descriptor = {
    PVN_PLUGIN_DESCRIPTOR_HEADER,
    .name = "nvme",
    .version = NVME_PLUGIN_VERSION,
    .license = "MIT",
    .init = nvme_init,
    .fini = nvme_fini,
};
