/* SPDX-License-Identifier: MIT */
/*
 * guest_ioqd: a tiny block I/O load generator for the bench/linux_io guest
 * (busybox has no fio, and Debian's fio drags in a hundred libraries). It is
 * linked statically and shipped in the initramfs.
 *
 *   guest_ioqd DEVICE randread|seqread|seqwrite BLOCK_BYTES QUEUE_DEPTH COUNT
 *
 * Keeps QUEUE_DEPTH O_DIRECT requests of BLOCK_BYTES in flight through Linux
 * AIO (io_submit/io_getevents, raw system calls) until COUNT have completed;
 * randread picks block-aligned offsets uniformly over the device. On success
 * it prints one line
 *   ioqd mode=M bs=B qd=Q ios=N bytes=T usec=U
 * and exits 0; any failed request is an error (exit 1). The host does its own
 * timing (bench/linux_io_host.py); usec is the guest's own view.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_QD 256

static int die(const char *what)
{
	fprintf(stderr, "guest_ioqd: %s: %s\n", what, strerror(errno));
	return 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: good enough to spread offsets over the device */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

int main(int argc, char **argv)
{
	static struct iocb cbs[MAX_QD];
	static struct io_event evs[MAX_QD];
	static unsigned free_slots[MAX_QD];
	unsigned nfree;
	struct iocb *one[1];
	aio_context_t ctx = 0;
	unsigned long long dev_bytes;
	uint64_t bs, qd, count, issued = 0, done = 0, seq_off = 0, seed = 0x9e3779b97f4a7c15ULL;
	uint64_t blocks, t0, t1;
	char *bufs;
	int fd, write, random;

	if (argc != 6) {
		fprintf(
		    stderr,
		    "usage: guest_ioqd DEVICE randread|seqread|seqwrite BLOCK_BYTES QD COUNT\n");
		return 2;
	}
	random = !strcmp(argv[2], "randread");
	write = !strcmp(argv[2], "seqwrite");
	if (!random && !write && strcmp(argv[2], "seqread")) {
		fprintf(stderr, "guest_ioqd: unknown mode %s\n", argv[2]);
		return 2;
	}
	bs = strtoull(argv[3], NULL, 0);
	qd = strtoull(argv[4], NULL, 0);
	count = strtoull(argv[5], NULL, 0);
	if (bs < 512 || bs > (8u << 20) || bs % 512 || !qd || qd > MAX_QD || !count) {
		fprintf(stderr, "guest_ioqd: block size 512..8M in 512s, QD 1..%d, count > 0\n",
		        MAX_QD);
		return 2;
	}
	fd = open(argv[1], (write ? O_WRONLY : O_RDONLY) | O_DIRECT);
	if (fd < 0)
		return die(argv[1]);
	if (ioctl(fd, BLKGETSIZE64, &dev_bytes)) {
		struct stat st; /* a regular file (trying it on the host) */

		if (fstat(fd, &st) || !S_ISREG(st.st_mode))
			return die("BLKGETSIZE64");
		dev_bytes = (unsigned long long)st.st_size;
	}
	blocks = dev_bytes / bs;
	if (!blocks) {
		fprintf(stderr, "guest_ioqd: %s is smaller than one block\n", argv[1]);
		return 1;
	}
	if (posix_memalign((void **)&bufs, 4096, bs * qd))
		return die("posix_memalign");
	memset(bufs, 0x5a, bs * qd);
	if (syscall(SYS_io_setup, (long)qd, &ctx))
		return die("io_setup");

	for (nfree = 0; nfree < qd; nfree++)
		free_slots[nfree] = (unsigned)(qd - 1 - nfree);
	t0 = now_us();
	while (done < count) {
		/* top up: one io_submit per free slot keeps the code simple */
		while (nfree && issued < count) {
			unsigned slot = free_slots[--nfree];
			struct iocb *cb = &cbs[slot];
			uint64_t off;

			if (random) {
				off = (rng_next(&seed) % blocks) * bs;
			} else {
				off = seq_off;
				seq_off += bs;
				if (seq_off + bs > blocks * bs)
					seq_off = 0;
			}
			memset(cb, 0, sizeof(*cb));
			cb->aio_data = slot;
			cb->aio_fildes = (uint32_t)fd;
			cb->aio_lio_opcode = write ? IOCB_CMD_PWRITE : IOCB_CMD_PREAD;
			cb->aio_buf = (uint64_t)(uintptr_t)(bufs + slot * bs);
			cb->aio_nbytes = bs;
			cb->aio_offset = (int64_t)off;
			one[0] = cb;
			if (syscall(SYS_io_submit, ctx, 1L, one) != 1)
				return die("io_submit");
			issued++;
		}
		long n = syscall(SYS_io_getevents, ctx, 1L, (long)MAX_QD, evs, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return die("io_getevents");
		}
		for (long i = 0; i < n; i++) {
			if (evs[i].res != (int64_t)bs) {
				fprintf(stderr,
				        "guest_ioqd: a request returned %lld, not %" PRIu64 "\n",
				        (long long)evs[i].res, bs);
				return 1;
			}
			if (evs[i].data >= qd)
				return die("io_getevents: a completion for no slot");
			free_slots[nfree++] = (unsigned)evs[i].data;
		}
		done += (uint64_t)n;
	}
	t1 = now_us();
	printf("ioqd mode=%s bs=%" PRIu64 " qd=%" PRIu64 " ios=%" PRIu64 " bytes=%" PRIu64
	       " usec=%" PRIu64 "\n",
	       argv[2], bs, qd, done, done * bs, t1 - t0);
	syscall(SYS_io_destroy, ctx);
	close(fd);
	return 0;
}
