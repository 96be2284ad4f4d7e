/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for the IGVM parser: parse, walk every header and its
 * data, decode VP contexts, re-serialise, and load valid inputs into a
 * small fake VM.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <paravane/igvm.h>

#define RAM_SIZE (16u << 20)

static int imp(void *opaque, uint64_t gpa, const void *data, uint64_t len, uint32_t flags,
               uint16_t data_type)
{
	uint8_t *ram = opaque;

	(void)data_type;
	if (gpa >= RAM_SIZE || len > RAM_SIZE - gpa)
		return -14;
	if (flags & PVN_IGVM_IMPORT_ZERO)
		memset(ram + gpa, 0, len);
	else
		memcpy(ram + gpa, data, len);
	return 0;
}

static int ctx(void *opaque, const struct pvn_igvm_vp_context *c)
{
	(void)opaque;
	return c->len > (1u << 30) ? -22 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void exercise(const uint8_t *data, size_t size);

/*
 * Mutations almost always break the checksum, so each input is also tried
 * with total_file_size and the CRC repaired, to reach the header validators.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy;

	exercise(data, size);
	if (size < 32 || size > UINT32_MAX)
		return 0;
	copy = malloc(size);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	{
		uint32_t ver, off, len, fixed, crc, total = (uint32_t)size;

		memcpy(&ver, copy + 4, 4);
		memcpy(&off, copy + 8, 4);
		memcpy(&len, copy + 12, 4);
		fixed = ver == 2 ? 32 : 24;
		memcpy(copy + 16, &total, 4);
		memset(copy + 20, 0, 4);
		if ((uint64_t)off + len <= size) {
			crc = pvn_igvm_crc32(0, copy, fixed);
			crc = pvn_igvm_crc32(crc, copy + off, len);
			memcpy(copy + 20, &crc, 4);
		}
	}
	exercise(copy, size);
	free(copy);
	return 0;
}

static void exercise(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	struct pvn_igvm_error err;
	struct pvn_igvm *f;
	uint32_t sum = 0;
	void *out;
	size_t out_len;

	if (pvn_igvm_parse(data, size, &f, &err))
		return;
	for (const struct pvn_igvm_header *h = pvn_igvm_header_next(f, NULL); h;
	     h = pvn_igvm_header_next(f, h)) {
		const void *d;
		size_t n;
		struct igvm_native_vp_context_x64 c;

		pvn_igvm_header_data(f, h, &d, &n);
		if (d)
			sum = pvn_igvm_crc32(sum, d, n);
		sum += h->length ? ((const uint8_t *)h->body)[h->length - 1] : 0;
		pvn_igvm_vp_context_x64(f, h, &c);
	}
	if (!pvn_igvm_rewrite(f, &out, &out_len, &err))
		free(out);
	if (!ram)
		ram = calloc(1, RAM_SIZE);
	if (ram) {
		struct pvn_igvm_mem_range mem = {0, RAM_SIZE, IGVM_MEMORY_MAP_MEMORY, 0};
		struct pvn_igvm_vmm_info info = {
		    .mem = &mem, .nr_mem = 1, .vp_count = 2, .cmdline = "console=ttyS0"};
		struct pvn_igvm_load_ops ops = {&info, imp, NULL, ctx};

		for (size_t i = 0; i < pvn_igvm_platform_count(f); i++)
			pvn_igvm_load(f, &ops, ram, pvn_igvm_platform_at(f, i)->compatibility_mask,
			              &err);
	}
	pvn_igvm_free(f);
	(void)sum;
}
