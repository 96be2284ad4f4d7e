/* SPDX-License-Identifier: MIT */
/*
 * IGVM benchmark: build a 64 MiB image in memory, then time parse+validate,
 * load (page data copied into a fake guest RAM) and a plain memcpy of the
 * same number of bytes. Prints one JSON line per measurement (best of N).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <paravane/igvm.h>

#define IMAGE_BYTES (64u << 20)
#define BASE_GPA    0x100000ull
#define RAM_BYTES   (IMAGE_BYTES + (16u << 20))
#define REPEAT      5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int import(void *opaque, uint64_t gpa, const void *data, uint64_t len, uint32_t flags,
                  uint16_t data_type)
{
	uint8_t *ram = opaque;

	(void)data_type;
	if (gpa + len > RAM_BYTES)
		return -14;
	if (flags & PVN_IGVM_IMPORT_ZERO)
		memset(ram + gpa, 0, len);
	else
		memcpy(ram + gpa, data, len);
	return 0;
}

static void report(const char *name, double bytes, double secs, double memcpy_secs)
{
	printf("{\"bench\":\"%s\",\"bytes\":%.0f,\"seconds\":%.6f,\"mb_per_s\":%.1f,"
	       "\"ratio_vs_memcpy\":%.3f}\n",
	       name, bytes, secs, bytes / secs / 1e6, memcpy_secs > 0 ? memcpy_secs / secs : 1.0);
}

int main(void)
{
	struct pvn_igvm_writer *w = pvn_igvm_writer_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	struct igvm_native_vp_context_x64 ctx = {.rip = BASE_GPA};
	struct pvn_igvm_mem_range mem = {0, RAM_BYTES, IGVM_MEMORY_MAP_MEMORY, 0};
	struct pvn_igvm_vmm_info info = {.mem = &mem, .nr_mem = 1, .vp_count = 1};
	struct pvn_igvm_load_ops ops = {&info, import, NULL, NULL};
	struct pvn_igvm_error err;
	uint8_t *page = malloc(IGVM_PAGE_SIZE_4K), *ram = malloc(RAM_BYTES), *dst;
	void *file;
	size_t len;
	double t, best_write, best_memcpy = 1e9, best_parse = 1e9, best_load = 1e9;

	if (!w || !page || !ram)
		return 1;
	memset(ram, 1, RAM_BYTES); /* fault the pages in before timing */
	t = now();
	pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 1, 0, 0);
	pvn_igvm_writer_add_required_memory(w, 0, 1, RAM_BYTES, 0);
	for (uint32_t i = 0; i < IMAGE_BYTES / IGVM_PAGE_SIZE_4K; i++) {
		/* Distinct pages, so the writer's de-duplication does not shrink the file. */
		for (uint32_t j = 0; j < IGVM_PAGE_SIZE_4K; j += 4) {
			uint32_t v = i * 2654435761u + j;
			memcpy(page + j, &v, 4);
		}
		pvn_igvm_writer_add_page_data(w, BASE_GPA + (uint64_t)i * IGVM_PAGE_SIZE_4K, 1, 0,
		                              0, page, IGVM_PAGE_SIZE_4K);
	}
	pvn_igvm_writer_add_parameter_area(w, 0, IGVM_PAGE_SIZE_4K, NULL, 0);
	pvn_igvm_writer_add_parameter(w, IGVM_VHT_MEMORY_MAP, 0, 0);
	pvn_igvm_writer_add_parameter_insert(w, 0x10000, 1, 0);
	pvn_igvm_writer_add_vp_context_x64(w, 1, 0, &ctx);
	if (pvn_igvm_writer_finish(w, &file, &len, &err)) {
		fprintf(stderr, "igvm_bench: %s\n", err.msg);
		return 1;
	}
	best_write = now() - t;
	pvn_igvm_writer_free(w);
	dst = malloc(len);
	if (!dst)
		return 1;
	memset(dst, 0, len);

	for (int r = 0; r < REPEAT; r++) {
		struct pvn_igvm *f;
		double d;

		t = now();
		memcpy(dst, file, len);
		__asm__ volatile("" : : "r"(dst) : "memory");
		d = now() - t;
		if (d < best_memcpy)
			best_memcpy = d;

		t = now();
		if (pvn_igvm_parse(file, len, &f, &err)) {
			fprintf(stderr, "igvm_bench: parse: %s\n", err.msg);
			return 1;
		}
		d = now() - t;
		if (d < best_parse)
			best_parse = d;

		t = now();
		if (pvn_igvm_load(f, &ops, ram, 1, &err)) {
			fprintf(stderr, "igvm_bench: load: %s\n", err.msg);
			return 1;
		}
		d = now() - t;
		if (d < best_load)
			best_load = d;
		pvn_igvm_free(f);
	}
	if (memcmp(ram + BASE_GPA, (uint8_t *)file + (len - IMAGE_BYTES - IGVM_PAGE_SIZE_4K), 64)) {
		fprintf(stderr, "igvm_bench: loaded data mismatch\n");
		return 1;
	}
	report("memcpy", (double)len, best_memcpy, best_memcpy);
	report("igvm_write", (double)len, best_write, best_memcpy);
	report("igvm_parse", (double)len, best_parse, best_memcpy);
	report("igvm_load", (double)len, best_load, best_memcpy);
	free(file);
	free(dst);
	free(ram);
	free(page);
	return 0;
}
