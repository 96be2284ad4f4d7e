/* SPDX-License-Identifier: MIT */
/*
 * The NVMe back end: one namespace, identified and driven through libnvme
 * over the kernel's NVMe passthrough (the namespace's char device
 * /dev/ngXnY or its block device /dev/nvmeXnY: NVME_IOCTL_IO_CMD, which
 * needs CAP_SYS_ADMIN). SCSI READ/WRITE become NVMe Read/Write, SYNCHRONIZE
 * CACHE becomes Flush, UNMAP and WRITE SAME(16) with UNMAP become Dataset
 * Management with the Deallocate attribute. The logical block size is the
 * namespace's LBA format.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "plugins/nvme/bdev.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <libnvme.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NVME_CHUNK_MAX (128u << 10) /* bytes per NVMe command at most */
#define NVME_DSM_MAX   256          /* ranges per Dataset Management */

struct bdev_nvme {
	struct bdev b;
	int fd;
	uint32_t nsid;
	uint32_t chunk; /* bytes per Read/Write command */
};

/* libnvme returns -1 with errno for an ioctl failure, or the NVMe status
 * (> 0) of a command the controller failed. */
static int nvme_err(int r)
{
	if (r < 0)
		return errno ? -errno : -EIO;
	return r ? -EIO : 0;
}

static int nvme_rw(struct bdev *b, bool write, uint64_t lba, uint32_t blocks, void *buf)
{
	struct bdev_nvme *n = (struct bdev_nvme *)b;
	uint32_t per = n->chunk / b->geo.block_size;

	while (blocks) {
		uint32_t cnt = blocks < per ? blocks : per;
		struct nvme_io_args a = {
		    .args_size = sizeof(a),
		    .fd = n->fd,
		    .nsid = n->nsid,
		    .slba = lba,
		    .nlb = (uint16_t)(cnt - 1), /* 0's based */
		    .data = buf,
		    .data_len = cnt * b->geo.block_size,
		};
		int r = write ? nvme_write(&a) : nvme_read(&a);
		if (r)
			return nvme_err(r);
		lba += cnt;
		blocks -= cnt;
		buf = (char *)buf + (size_t)cnt * b->geo.block_size;
	}
	return 0;
}

static int nvme_flush_ns(struct bdev *b)
{
	struct bdev_nvme *n = (struct bdev_nvme *)b;
	return nvme_err(nvme_flush(n->fd, n->nsid));
}

static int nvme_discard(struct bdev *b, const struct bdev_extent *e, unsigned cnt)
{
	struct bdev_nvme *n = (struct bdev_nvme *)b;
	struct nvme_dsm_range *ranges;
	unsigned nr = 0;
	int r = 0;

	ranges = aligned_alloc(4096, 4096);
	if (!ranges)
		return -ENOMEM;
	for (unsigned i = 0; i <= cnt && !r; i++) {
		if (i < cnt && e[i].blocks) {
			memset(&ranges[nr], 0, sizeof(ranges[nr]));
			ranges[nr].nlb = htole32(e[i].blocks);
			ranges[nr].slba = htole64(e[i].lba);
			nr++;
		}
		if (nr && (nr == NVME_DSM_MAX || i == cnt)) {
			struct nvme_dsm_args a = {
			    .args_size = sizeof(a),
			    .fd = n->fd,
			    .nsid = n->nsid,
			    .attrs = NVME_DSMGMT_AD,
			    .nr_ranges = (uint16_t)nr,
			    .dsm = ranges,
			};
			r = nvme_err(nvme_dsm(&a));
			nr = 0;
		}
	}
	free(ranges);
	return r;
}

static void nvme_close_ns(struct bdev *b)
{
	struct bdev_nvme *n = (struct bdev_nvme *)b;
	close(n->fd);
	free(n);
}

static const struct bdev_ops nvme_ops = {
    .name = "nvme",
    .rw = nvme_rw,
    .flush = nvme_flush_ns,
    .discard = nvme_discard,
    .close = nvme_close_ns,
};

int bdev_nvme_open(const struct bdev_nvme_opts *o, struct bdev **out, char *err, size_t errlen)
{
	struct nvme_id_ctrl *ctrl = NULL;
	struct nvme_id_ns *ns = NULL;
	struct bdev_nvme *n = NULL;
	uint32_t nsid = o->nsid;
	uint8_t fmt, lbads;
	size_t sl;
	int fd, r;

	fd = open(o->path, O_CLOEXEC | (o->read_only ? O_RDONLY : O_RDWR));
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "%s: %s", o->path, strerror(-r));
		return r;
	}
	if (!nsid && nvme_get_nsid(fd, &nsid)) {
		r = -errno;
		snprintf(err, errlen, "%s: not an NVMe namespace (%s)", o->path, strerror(-r));
		goto fail;
	}
	ctrl = aligned_alloc(4096, sizeof(*ctrl));
	ns = aligned_alloc(4096, sizeof(*ns));
	n = calloc(1, sizeof(*n));
	if (!ctrl || !ns || !n) {
		r = -ENOMEM;
		goto fail;
	}
	r = nvme_identify_ctrl(fd, ctrl);
	if (r) {
		r = nvme_err(r);
		snprintf(err, errlen, "%s: Identify Controller failed: %s", o->path, strerror(-r));
		goto fail;
	}
	r = nvme_identify_ns(fd, nsid, ns);
	if (r) {
		r = nvme_err(r);
		snprintf(err, errlen, "%s: Identify Namespace %u failed: %s", o->path, nsid,
		         strerror(-r));
		goto fail;
	}
	/* The LBA format in use: FLBAS bits 3-0, and 6-5 above 16 formats. */
	fmt = (uint8_t)((ns->flbas & NVME_NS_FLBAS_LOWER_MASK) |
	                (ns->nlbaf > 15 ? (ns->flbas & NVME_NS_FLBAS_HIGHER_MASK) >> 1 : 0));
	if (fmt > ns->nlbaf || fmt >= 64) {
		r = -EINVAL;
		snprintf(err, errlen, "%s: namespace %u: bad LBA format index %u", o->path, nsid,
		         fmt);
		goto fail;
	}
	lbads = ns->lbaf[fmt].ds;
	if ((lbads != 9 && lbads != 12) || le16toh(ns->lbaf[fmt].ms)) {
		r = -EINVAL;
		snprintf(err, errlen,
		         "%s: namespace %u: LBA format %u (2^%u bytes, %u metadata) is not "
		         "512 or 4096 bytes without metadata",
		         o->path, nsid, fmt, lbads, le16toh(ns->lbaf[fmt].ms));
		goto fail;
	}
	n->fd = fd;
	n->nsid = nsid;
	n->b.ops = &nvme_ops;
	n->b.geo.block_size = 1u << lbads;
	n->b.geo.blocks = le64toh(ns->nsze);
	n->b.geo.read_only = o->read_only;
	n->b.geo.vwc = ctrl->vwc & NVME_CTRL_VWC_PRESENT;
	n->b.geo.discard = !o->read_only && (le16toh(ctrl->oncs) & NVME_CTRL_ONCS_DSM);
	/* DLFEAT bits 2-0 = 001b: deallocated blocks read zeros. */
	n->b.geo.discard_zeroes = (ns->dlfeat & 0x7) == 0x1;
	n->b.geo.max_xfer = 1u << 20; /* split below into chunks the controller takes */
	/* MDTS: 2^mdts minimum pages (4 KiB assumed), 0 = no limit. */
	n->chunk = NVME_CHUNK_MAX;
	if (ctrl->mdts && ctrl->mdts < 20 && (4096u << ctrl->mdts) < n->chunk)
		n->chunk = 4096u << ctrl->mdts;
	if (n->chunk < n->b.geo.block_size)
		n->chunk = n->b.geo.block_size;
	memcpy(n->b.geo.serial, ctrl->sn, 20);
	n->b.geo.serial[20] = 0;
	for (sl = strlen(n->b.geo.serial); sl && n->b.geo.serial[sl - 1] == ' '; sl--)
		n->b.geo.serial[sl - 1] = 0;
	if (!n->b.geo.blocks) {
		r = -EINVAL;
		snprintf(err, errlen, "%s: namespace %u has no blocks", o->path, nsid);
		goto fail;
	}
	snprintf(n->b.desc, sizeof(n->b.desc), "nvme %s nsid %u (%.40s)", o->path, nsid, ctrl->mn);
	free(ctrl);
	free(ns);
	*out = &n->b;
	return 0;
fail:
	free(ctrl);
	free(ns);
	free(n);
	close(fd);
	return r;
}
