/* SPDX-License-Identifier: MIT */
/*
 * startup: how long `paravane run` takes from exec to exit for a guest that
 * powers off at once (tests/guests/exitcode.elf: exit code 42), and its peak
 * RSS (wait4's ru_maxrss). For scale: QEMU 7.2 takes 64 ms and 37.7 MiB for
 * the same job, a bare KVM program 3 ms. Goals: under 10 ms, and under 8 MiB
 * above the guest RAM the guest touched.
 *
 * The same measurement is taken of a bare KVM program: this binary re-run
 * with --bare-child, which boots the same image with bench/bare_kvm.c and
 * exits with the guest's code. This program links libc only, so the bare
 * child pays no dynamic loading the runtime does not also pay.
 *
 * Output: one JSON line per program: wall time and max RSS, median and min
 * over --reps runs (after one warm-up run), the configured guest RAM, and
 * what the loader touches of it (the image's PT_LOAD sizes plus the boot
 * structures).
 */
#include "bench/bare_kvm.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXPECTED_CODE 42
#define BOOT_AREA_BYTES 0x7000 /* GDT + page tables at 0x1000-0x7fff */

/* The bare KVM program: boot the image, run until the power port. */
static int bare_child(const char *image, unsigned mem_mib)
{
	struct bare_vm vm;
	uint64_t entry;
	int r = bare_vm_create(&vm, (uint64_t)mem_mib << 20);

	if (!r)
		r = bare_vm_load_elf(&vm, image, &entry);
	if (!r)
		r = bare_vm_setup_long64(&vm, entry);
	if (r) {
		fprintf(stderr, "startup: bare: %s\n", vm.error);
		return 125;
	}
	for (;;) {
		struct kvm_run *run = vm.run;
		if (ioctl(vm.vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			return 125;
		}
		if (run->exit_reason != KVM_EXIT_IO)
			return 125;
		uint8_t *d = (uint8_t *)run + run->io.data_offset;
		if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == 0x600)
			return d[0]; /* exit without tearing down, as a VMM would */
		if (run->io.direction == KVM_EXIT_IO_IN)
			memset(d, 0xff, (size_t)run->io.size * run->io.count);
	}
}

/* Bytes the loader writes: every PT_LOAD's memsz (BSS is zeroed too). */
static uint64_t image_touched(const char *path)
{
	Elf64_Ehdr eh;
	uint64_t sum = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (pread(fd, &eh, sizeof(eh), 0) == sizeof(eh) && !memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		for (unsigned i = 0; i < eh.e_phnum; i++) {
			Elf64_Phdr ph;
			if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) !=
			    sizeof(ph))
				break;
			if (ph.p_type == PT_LOAD)
				sum += (ph.p_memsz + 4095) & ~4095ULL;
		}
	}
	close(fd);
	return sum;
}

struct sample {
	double ms;
	long rss_kib;
};

static int run_once(char *const argv[], struct sample *s)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			close(null);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s->ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	s->rss_kib = ru.ru_maxrss;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != EXPECTED_CODE) {
		fprintf(stderr, "startup: %s exited with %d, expected %d\n", argv[0],
			WIFEXITED(status) ? WEXITSTATUS(status) : -1, EXPECTED_CODE);
		return -1;
	}
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int measure(const char *name, char *const argv[], unsigned reps, unsigned mem_mib,
		   uint64_t touched)
{
	double *ms = calloc(reps, sizeof(*ms)), *rss = calloc(reps, sizeof(*rss));
	struct sample s;
	int r = -1;

	if (!ms || !rss)
		goto out;
	if (run_once(argv, &s)) /* warm-up: page cache, first KVM VM */
		goto out;
	for (unsigned i = 0; i < reps; i++) {
		if (run_once(argv, &s))
			goto out;
		ms[i] = s.ms;
		rss[i] = (double)s.rss_kib;
	}
	qsort(ms, reps, sizeof(ms[0]), cmp_double);
	qsort(rss, reps, sizeof(rss[0]), cmp_double);
	double med_ms = reps % 2 ? ms[reps / 2] : (ms[reps / 2 - 1] + ms[reps / 2]) / 2;
	double med_rss = reps % 2 ? rss[reps / 2] : (rss[reps / 2 - 1] + rss[reps / 2]) / 2;
	printf("{\"bench\":\"startup\",\"path\":\"%s\",\"reps\":%u,\"wall_ms_median\":%.3f,"
	       "\"wall_ms_min\":%.3f,\"maxrss_mib_median\":%.2f,\"maxrss_mib_min\":%.2f,"
	       "\"guest_ram_mib\":%u,\"guest_touched_mib\":%.2f,\"rss_over_touched_mib\":%.2f,"
	       "\"goal_wall_ms\":10,\"goal_rss_over_touched_mib\":8}\n",
	       name, reps, med_ms, ms[0], med_rss / 1024, rss[0] / 1024, mem_mib,
	       (double)touched / (1 << 20), med_rss / 1024 - (double)touched / (1 << 20));
	fflush(stdout);
	r = 0;
out:
	free(ms);
	free(rss);
	return r;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: startup [--reps N] [--memory-mib M] [--paravane PATH] [--image ELF]\n"
		   "              [--no-bare]\n"
		   "Prints JSON lines: exec-to-exit wall time and peak RSS of `paravane run`\n"
		   "(and of a bare KVM program) for a guest that powers off at once.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"reps", required_argument, NULL, 'r'},
		{"memory-mib", required_argument, NULL, 'm'},
		{"paravane", required_argument, NULL, 'p'},
		{"image", required_argument, NULL, 'i'},
		{"no-bare", no_argument, NULL, 'B'},
		{"bare-child", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char exe[1024], dir[1024], paravane[1200] = "", image[1200] = "", cfg[] =
		"/tmp/pvn-bench-startup-XXXXXX";
	unsigned reps = 11, mem_mib = 16;
	const char *bare_image = NULL;
	bool bare = true;
	ssize_t len;
	int c, fd, r;
	FILE *f;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			reps = (unsigned)strtoul(optarg, NULL, 0);
			if (!reps || reps > 1000) {
				fprintf(stderr, "startup: --reps must be 1-1000\n");
				return 2;
			}
			break;
		case 'm':
			mem_mib = (unsigned)strtoul(optarg, NULL, 0);
			if (mem_mib < 2 || mem_mib > 65536) {
				fprintf(stderr, "startup: --memory-mib must be 2-65536\n");
				return 2;
			}
			break;
		case 'p':
			snprintf(paravane, sizeof(paravane), "%s", optarg);
			break;
		case 'i':
			snprintf(image, sizeof(image), "%s", optarg);
			break;
		case 'B':
			bare = false;
			break;
		case 'b':
			bare_image = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (bare_image)
		return bare_child(bare_image, mem_mib);

	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len < 0) {
		perror("startup: /proc/self/exe");
		return 1;
	}
	exe[len] = 0;
	{
		char tmp[1024];
		snprintf(tmp, sizeof(tmp), "%s", exe);
		snprintf(dir, sizeof(dir), "%s/..", dirname(tmp)); /* the build dir */
	}
	if (!paravane[0])
		snprintf(paravane, sizeof(paravane), "%s/paravane", dir);
	if (!image[0])
		snprintf(image, sizeof(image), "%s/tests/guests/exitcode.elf", dir);
	if (access(paravane, X_OK) || access(image, R_OK)) {
		fprintf(stderr, "startup: need %s and %s (build them with make)\n", paravane, image);
		return 1;
	}
	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("{\"bench\":\"startup\",\"skipped\":\"no usable /dev/kvm\"}\n");
		return 0;
	}
	fd = mkstemp(cfg);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		perror("startup: config");
		return 1;
	}
	fprintf(f, "memory = { size_mib = %u; };\nboot = { image = \"%s\"; };\n"
		   "console = { output = \"none\"; };\n",
		mem_mib, image);
	fclose(f);

	uint64_t touched = image_touched(image) + BOOT_AREA_BYTES;
	char *run_argv[] = {paravane, "run", cfg, NULL};
	r = measure("paravane", run_argv, reps, mem_mib, touched);
	unlink(cfg);
	if (!r && bare) {
		char mem[16];
		snprintf(mem, sizeof(mem), "%u", mem_mib);
		char *bare_argv[] = {exe, "--memory-mib", mem, "--bare-child", image, NULL};
		r = measure("bare_kvm", bare_argv, reps, mem_mib, touched);
	}
	return r ? 1 : 0;
}
