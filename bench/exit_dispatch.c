/* SPDX-License-Identifier: MIT */
/*
 * exit_dispatch: what the runtime's exit path costs on top of KVM's.
 *
 * One guest image (tests/guests/bench_pio.elf) makes N port writes in a
 * loop, each a userspace exit, and is run two ways in this process:
 *   runtime   an instance built from a generated config, the device claimed
 *             in the intercept table, run by pvn_instance_run: the VP thread
 *             decodes each exit in the KVM backend, looks the port up and
 *             calls the handler (the full dispatch path a plugin gets);
 *   bare_kvm  /dev/kvm driven directly: one VM, one vCPU, a KVM_RUN loop that
 *             switches on KVM_EXIT_IO and calls the same handler.
 * Both start the guest in the same 64-bit state (bench/bare_kvm.c mirrors
 * runtime/boot/boot.c), so the guest runs the same instructions. The clock
 * runs from the guest's "start" exit to the handler of its Nth exit, so the
 * set-up of either side is not counted.
 *
 * The loop runs at CPL3 and at CPL0 (--cpl). An exit can cost differently
 * from each (on a PVM host, which emulated guest CPL0, by a factor of three),
 * so the pair compared always uses the same CPL on both sides. CPL3 is how
 * the test guests do their I/O; CPL0 is where a real guest's drivers run.
 *
 * Output: JSON lines, one per path and CPL, then the ratio
 * runtime_rate / bare_rate per CPL (goal: >= 0.95). Each path is run
 * --rounds times, alternating, and the best round is kept.
 */
#include "bench/bare_kvm.h"
#include "bench/bench_pio.h"
#include "runtime/core/log.h"
#include "runtime/instance.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define POWER_PORT 0x600
#define GUEST_RAM (32ULL << 20)

struct bench {
	uint32_t n, cpl;
	uint32_t count;   /* data exits seen */
	uint32_t bad;     /* data exits out of sequence */
	bool started;
	struct timespec t0, t1;
};

/* The device: the same handler on both paths. */
static int bench_pio(void *opaque, unsigned vp, uint16_t port, unsigned size, bool write,
		     uint32_t *val)
{
	struct bench *b = opaque;
	(void)vp, (void)size;

	switch (port) {
	case BENCH_PIO_DATA:
		if (!write)
			return -EINVAL;
		if (*val != b->count)
			b->bad++;
		if (++b->count == b->n)
			clock_gettime(CLOCK_MONOTONIC, &b->t1);
		return 0;
	case BENCH_PIO_COUNT:
		*val = b->n;
		return 0;
	case BENCH_PIO_CPL:
		*val = b->cpl;
		return 0;
	case BENCH_PIO_START:
		b->started = true;
		clock_gettime(CLOCK_MONOTONIC, &b->t0);
		return 0;
	}
	*val = ~0u;
	return 0;
}

static double elapsed(const struct bench *b)
{
	return (double)(b->t1.tv_sec - b->t0.tv_sec) + (double)(b->t1.tv_nsec - b->t0.tv_nsec) / 1e9;
}

static int check_run(const struct bench *b, const char *path)
{
	if (!b->started || b->count != b->n || b->bad) {
		fprintf(stderr, "exit_dispatch: %s: guest made %u of %u exits (%u out of order)\n",
			path, b->count, b->n, b->bad);
		return -1;
	}
	return 0;
}

static int run_runtime(const char *image, struct bench *b)
{
	char cfg[] = "/tmp/pvn-bench-exit-XXXXXX", err[512] = "";
	struct pvn_instance *inst = NULL;
	FILE *f;
	int fd, r, code;

	fd = mkstemp(cfg);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		perror("exit_dispatch: config");
		return -1;
	}
	fprintf(f, "name = \"bench-exit-dispatch\";\nmemory = { size_mib = %llu; };\n"
		   "boot = { image = \"%s\"; };\nconsole = { output = \"none\"; };\n",
		GUEST_RAM >> 20, image);
	fclose(f);
	r = pvn_instance_create(cfg, &inst, err, sizeof(err));
	unlink(cfg);
	if (r) {
		fprintf(stderr, "exit_dispatch: runtime: %s\n", err);
		return -1;
	}
	r = pvn_icpt_claim(&inst->vm->icpt, PVN_ICPT_PIO, BENCH_PIO_PORT, BENCH_PIO_NR_PORTS,
			   (void (*)(void))bench_pio, b, "bench-pio");
	if (r) {
		fprintf(stderr, "exit_dispatch: runtime: claim: %s\n", strerror(-r));
		pvn_instance_destroy(inst);
		return -1;
	}
	code = pvn_instance_run(inst);
	if (code)
		fprintf(stderr, "exit_dispatch: runtime: guest exit code %d (%s)\n", code,
			inst->vm->stop_msg);
	pvn_instance_destroy(inst);
	return code ? -1 : check_run(b, "runtime");
}

static int run_bare(const char *image, struct bench *b)
{
	struct bare_vm vm;
	uint64_t entry;
	int r = bare_vm_create(&vm, GUEST_RAM);

	if (!r)
		r = bare_vm_load_elf(&vm, image, &entry);
	if (!r)
		r = bare_vm_setup_long64(&vm, entry);
	if (r) {
		fprintf(stderr, "exit_dispatch: bare_kvm: %s\n", vm.error);
		bare_vm_destroy(&vm);
		return -1;
	}
	for (;;) {
		struct kvm_run *run = vm.run;
		if (ioctl(vm.vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			perror("exit_dispatch: bare_kvm: KVM_RUN");
			break;
		}
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "exit_dispatch: bare_kvm: unexpected exit %u\n",
				run->exit_reason);
			break;
		}
		uint8_t *data = (uint8_t *)run + run->io.data_offset;
		bool write = run->io.direction == KVM_EXIT_IO_OUT;
		uint16_t port = run->io.port;
		if (write && port == POWER_PORT) {
			r = data[0];
			bare_vm_destroy(&vm);
			if (r)
				fprintf(stderr, "exit_dispatch: bare_kvm: guest exit code %d\n", r);
			return r ? -1 : check_run(b, "bare_kvm");
		}
		for (uint32_t i = 0; i < run->io.count; i++) {
			uint8_t *d = data + (size_t)i * run->io.size;
			uint32_t v = 0;
			if (port - BENCH_PIO_PORT >= BENCH_PIO_NR_PORTS) {
				if (!write)
					memset(d, 0xff, run->io.size);
				continue;
			}
			if (write)
				memcpy(&v, d, run->io.size);
			bench_pio(b, 0, port, run->io.size, write, &v);
			if (!write)
				memcpy(d, &v, run->io.size);
		}
	}
	bare_vm_destroy(&vm);
	return -1;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: exit_dispatch [--exits N] [--rounds R] [--cpl 0|3|both] [--image ELF]\n"
		   "Prints JSON lines: exits per second through the runtime and through a\n"
		   "bare KVM loop, and their ratio. Defaults: 20000 exits, 2 rounds, both CPLs.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"exits", required_argument, NULL, 'n'}, {"rounds", required_argument, NULL, 'r'},
		{"cpl", required_argument, NULL, 'c'},	 {"image", required_argument, NULL, 'i'},
		{"help", no_argument, NULL, 'h'},	 {NULL, 0, NULL, 0},
	};
	unsigned long exits = 20000, rounds = 2;
	int cpls[2] = {3, 0}, nr_cpls = 2, c;
	char image[1024] = "", exe[1024];
	ssize_t len;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			exits = strtoul(optarg, NULL, 0);
			if (!exits || exits > 100000000) {
				fprintf(stderr, "exit_dispatch: --exits must be 1-100000000\n");
				return 2;
			}
			break;
		case 'r':
			rounds = strtoul(optarg, NULL, 0);
			if (!rounds || rounds > 100) {
				fprintf(stderr, "exit_dispatch: --rounds must be 1-100\n");
				return 2;
			}
			break;
		case 'c':
			if (!strcmp(optarg, "both")) {
				nr_cpls = 2;
			} else if (!strcmp(optarg, "0") || !strcmp(optarg, "3")) {
				cpls[0] = atoi(optarg);
				nr_cpls = 1;
			} else {
				usage(stderr);
				return 2;
			}
			break;
		case 'i':
			snprintf(image, sizeof(image), "%s", optarg);
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!image[0]) {
		/* The build tree's image: <builddir>/bench/exit_dispatch -> <builddir>/tests/guests. */
		len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
		if (len < 0) {
			perror("exit_dispatch: /proc/self/exe");
			return 1;
		}
		exe[len] = 0;
		snprintf(image, sizeof(image), "%s/../tests/guests/bench_pio.elf", dirname(exe));
	}
	if (access(image, R_OK)) {
		fprintf(stderr, "exit_dispatch: %s: %s (build it with make)\n", image, strerror(errno));
		return 1;
	}
	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("{\"bench\":\"exit_dispatch\",\"skipped\":\"no usable /dev/kvm\"}\n");
		return 0;
	}
	pvn_log_threshold = PVN_LOG_WARN;

	for (int k = 0; k < nr_cpls; k++) {
		double best[2] = {0, 0}; /* exits per second: [0] runtime, [1] bare */
		double best_s[2] = {0, 0};
		static const char *const names[2] = {"runtime", "bare_kvm"};
		for (unsigned long round = 0; round < rounds; round++) {
			for (int p = 0; p < 2; p++) {
				/* alternate which goes first, so drift hits both alike */
				int which = (int)(round % 2) ? 1 - p : p;
				struct bench b = {.n = (uint32_t)exits, .cpl = (uint32_t)cpls[k]};
				int r = which == 0 ? run_runtime(image, &b) : run_bare(image, &b);
				if (r)
					return 1;
				double s = elapsed(&b), rate = (double)exits / s;
				if (rate > best[which]) {
					best[which] = rate;
					best_s[which] = s;
				}
			}
		}
		for (int p = 0; p < 2; p++)
			printf("{\"bench\":\"exit_dispatch\",\"path\":\"%s\",\"cpl\":%d,\"exits\":%lu,"
			       "\"rounds\":%lu,\"seconds\":%.6f,\"exits_per_s\":%.1f,\"us_per_exit\":%.3f}\n",
			       names[p], cpls[k], exits, rounds, best_s[p], best[p], 1e6 / best[p]);
		printf("{\"bench\":\"exit_dispatch\",\"cpl\":%d,\"ratio\":%.4f,\"goal\":0.95,"
		       "\"overhead_us_per_exit\":%.3f}\n",
		       cpls[k], best[0] / best[1], 1e6 / best[0] - 1e6 / best[1]);
		fflush(stdout);
	}
	return 0;
}
