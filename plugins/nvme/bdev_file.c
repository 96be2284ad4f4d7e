/* SPDX-License-Identifier: MIT */
/*
 * The file back end: a raw image. Reads and writes are pread/pwrite at
 * lba * block_size; flush is fdatasync; discard punches a hole (the range
 * then reads as zeros, and the file's blocks are freed).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "plugins/nvme/bdev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct bdev_file {
	struct bdev b;
	int fd;
};

static int file_rw(struct bdev *b, bool write, uint64_t lba, uint32_t blocks, void *buf)
{
	struct bdev_file *f = (struct bdev_file *)b;
	size_t len = (size_t)blocks * b->geo.block_size, done = 0;
	off_t off = (off_t)(lba * b->geo.block_size);

	while (done < len) {
		ssize_t n = write ? pwrite(f->fd, (char *)buf + done, len - done, off + (off_t)done)
		                  : pread(f->fd, (char *)buf + done, len - done, off + (off_t)done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!n) {
			if (write)
				return -EIO;
			/* Past the end of a file shorter than its disk: zeros. */
			memset((char *)buf + done, 0, len - done);
			break;
		}
		done += (size_t)n;
	}
	return 0;
}

static int file_flush(struct bdev *b)
{
	struct bdev_file *f = (struct bdev_file *)b;
	return fdatasync(f->fd) ? -errno : 0;
}

static int file_discard(struct bdev *b, const struct bdev_extent *e, unsigned n)
{
	struct bdev_file *f = (struct bdev_file *)b;

	for (unsigned i = 0; i < n; i++) {
		off_t off = (off_t)(e[i].lba * b->geo.block_size);
		off_t len = (off_t)e[i].blocks * b->geo.block_size;
		if (!len)
			continue;
		if (fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len))
			return -errno;
	}
	return 0;
}

static void file_close(struct bdev *b)
{
	struct bdev_file *f = (struct bdev_file *)b;
	close(f->fd);
	free(f);
}

static const struct bdev_ops file_ops = {
    .name = "file",
    .rw = file_rw,
    .flush = file_flush,
    .discard = file_discard,
    .close = file_close,
};

int bdev_file_open(const struct bdev_file_opts *o, struct bdev **out, char *err, size_t errlen)
{
	struct bdev_file *f;
	struct stat st;
	uint64_t size;
	int fd, flags = O_CLOEXEC | (o->read_only ? O_RDONLY : O_RDWR);

	if (o->block_size != 512 && o->block_size != 4096) {
		snprintf(err, errlen, "block_size %u: must be 512 or 4096", o->block_size);
		return -EINVAL;
	}
	fd = open(o->path, flags);
	if (fd < 0 && errno == ENOENT && o->create && o->size && !o->read_only)
		fd = open(o->path, flags | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "%s: %s", o->path, strerror(e));
		return -e;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", o->path);
		close(fd);
		return -EINVAL;
	}
	size = o->size ? o->size : (uint64_t)st.st_size;
	if (!size || size % o->block_size) {
		snprintf(err, errlen, "%s: size %llu is not a positive multiple of %u", o->path,
		         (unsigned long long)size, o->block_size);
		close(fd);
		return -EINVAL;
	}
	/* A disk larger than its file grows it (sparse); a smaller one only
	 * uses its start. */
	if (!o->read_only && (uint64_t)st.st_size < size && ftruncate(fd, (off_t)size)) {
		int e = errno;
		snprintf(err, errlen, "%s: cannot extend to %llu bytes: %s", o->path,
		         (unsigned long long)size, strerror(e));
		close(fd);
		return -e;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	f->fd = fd;
	f->b.ops = &file_ops;
	f->b.geo.blocks = size / o->block_size;
	f->b.geo.block_size = o->block_size;
	f->b.geo.max_xfer = 1u << 20;
	f->b.geo.read_only = o->read_only;
	f->b.geo.vwc = true; /* the page cache: fdatasync on flush */
	off_t probe_off =
	    (off_t)(((uint64_t)st.st_size > size ? (uint64_t)st.st_size : size) + 4095) &
	    ~(off_t)4095;
	/* Probe hole punching past the end (KEEP_SIZE: nothing changes):
	 * tmpfs, ext4 and xfs have it, 9p may not. */
	f->b.geo.discard =
	    !o->read_only &&
	    !fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, probe_off, 4096);
	f->b.geo.discard_zeroes = f->b.geo.discard;
	snprintf(f->b.geo.serial, sizeof(f->b.geo.serial), "F%08llX%08llX",
	         (unsigned long long)(st.st_dev & 0xffffffff),
	         (unsigned long long)(st.st_ino & 0xffffffff));
	snprintf(f->b.desc, sizeof(f->b.desc), "file %s", o->path);
	*out = &f->b;
	return 0;
}
