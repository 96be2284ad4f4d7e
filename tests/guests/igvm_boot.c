/* SPDX-License-Identifier: MIT */
/*
 * boot = { igvm = "..."; }: the test guest is turned into an IGVM image with
 * `igvmtool build --guest-abi paravane` at test time, Paravane boots it, and
 * the guest checks what it finds in its IGVM parameter areas against the VM
 * config: the VP count, a memory map covering the configured RAM (the ACPI
 * tables' reservation reported as PLATFORM_RESERVED) and the command line.
 * The refusals (memory too small for REQUIRED_MEMORY, corrupted files, ...)
 * are tested through the CLI in tests/guests/igvm_boot.sh.
 */
#define TEST_VPS 2
#define TEST_MIB 64ULL
#define TEST_CMDLINE "pvn-test cmdline 42"
/* ACPI tables (runtime/acpi/acpi.h: PVN_ACPI_AREA_GPA/SIZE), reserved in RAM. */
#define TEST_ACPI_GPA 0xe0000ULL
#define TEST_ACPI_SIZE 0x20000ULL

/* The parameter pages of `igvmtool build` (docs/igvm.md, "GPA layout used by
 * igvmtool build"); the host half checks the image really puts them there. */
#define IGVM_GPA_VP_COUNT 0x11000ULL
#define IGVM_GPA_MEMORY_MAP 0x12000ULL
#define IGVM_GPA_COMMAND_LINE 0x13000ULL
#define IGVM_MEMORY_MAP_BYTES 0x1000
#define IGVM_COMMAND_LINE_BYTES 0x2000

#include <stdint.h>

/* struct igvm_vhs_memory_map_entry */
struct mmap_entry {
	uint64_t start_page, pages;
	uint16_t type, flags;
	uint32_t reserved;
};

#ifdef PVN_GUEST
#include "lib/guest.h"

void guest_main(unsigned vp, unsigned nr_vps)
{
	const volatile struct mmap_entry *e = (const volatile void *)IGVM_GPA_MEMORY_MAP;
	const volatile char *cmd = (const volatile void *)IGVM_GPA_COMMAND_LINE;
	uint32_t vps = *(const volatile uint32_t *)IGVM_GPA_VP_COUNT;
	uint64_t next = 0, ram = 0, reserved = 0;
	unsigned n, len;

	/* --guest-abi paravane: RDI = 0, RSI = 1 (only VP 0 has a context). */
	GUEST_ASSERT_EQ(vp, 0);
	GUEST_ASSERT_EQ(nr_vps, 1);

	guest_value("vp_count", vps);
	GUEST_ASSERT_EQ(vps, TEST_VPS);

	for (n = 0; n < IGVM_MEMORY_MAP_BYTES / sizeof(*e) && e[n].pages; n++) {
		uint64_t start = e[n].start_page * 4096, size = e[n].pages * 4096;

		guest_printf("memory map %u: 0x%lx-0x%lx type %u", n, (unsigned long)start,
			     (unsigned long)(start + size - 1), (unsigned)e[n].type);
		GUEST_ASSERT_EQ(start, next); /* sorted, contiguous from 0 */
		if (e[n].type == 0)           /* IGVM_MEMORY_MAP_MEMORY */
			ram += size;
		else if (e[n].type == 1) /* PLATFORM_RESERVED */
			reserved += size;
		else
			GUEST_ASSERT_EQ(e[n].type, 0);
		next = start + size;
	}
	guest_value("mmap_entries", n);
	guest_value("mmap_ram", ram);
	guest_value("mmap_reserved", reserved);
	guest_value("mmap_end", next);
	GUEST_ASSERT_EQ(next, TEST_MIB << 20);
	GUEST_ASSERT_EQ(reserved, TEST_ACPI_SIZE);

	for (len = 0; len < IGVM_COMMAND_LINE_BYTES && cmd[len]; len++)
		;
	guest_value("cmdline_len", len);
	GUEST_ASSERT_EQ(len, sizeof(TEST_CMDLINE) - 1);
	GUEST_ASSERT(!memcmp((const void *)cmd, TEST_CMDLINE, sizeof(TEST_CMDLINE)));
	guest_done();
}
#else
#include "tests/guests/harness.h"

#include <libgen.h>
#include <paravane/igvm.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int run(char *const argv[])
{
	pid_t pid;
	int st;

	if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ))
		return -1;
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Which parameter each PARAMETER_INSERT GPA carries, from the image. */
static void check_layout(const char *path)
{
	uint32_t area_type[8] = {0};
	bool seen[3] = {false};
	struct pvn_igvm *f = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	FILE *fp = fopen(path, "rb");

	GT_CHECK(fp);
	if (!fp)
		return;
	fseek(fp, 0, SEEK_END);
	len = (size_t)ftell(fp);
	rewind(fp);
	buf = malloc(len);
	GT_CHECK(buf && fread(buf, 1, len, fp) == len);
	fclose(fp);
	GT_CHECK(buf && pvn_igvm_parse(buf, len, &f, NULL) == 0);
	for (const struct pvn_igvm_header *h = f ? pvn_igvm_header_next(f, NULL) : NULL; h;
	     h = pvn_igvm_header_next(f, h)) {
		uint32_t t = h->type & ~IGVM_VHT_OPTIONAL_BIT;

		if (t == IGVM_VHT_VP_COUNT_PARAMETER || t == IGVM_VHT_MEMORY_MAP ||
		    t == IGVM_VHT_COMMAND_LINE) {
			struct igvm_vhs_parameter p;
			memcpy(&p, h->body, sizeof(p));
			if (p.parameter_area_index < 8 && p.byte_offset == 0)
				area_type[p.parameter_area_index] = t;
		} else if (t == IGVM_VHT_PARAMETER_INSERT) {
			struct igvm_vhs_parameter_insert p;
			memcpy(&p, h->body, sizeof(p));
			t = p.parameter_area_index < 8 ? area_type[p.parameter_area_index] : 0;
			if (t == IGVM_VHT_VP_COUNT_PARAMETER)
				seen[0] = p.gpa == IGVM_GPA_VP_COUNT;
			if (t == IGVM_VHT_MEMORY_MAP)
				seen[1] = p.gpa == IGVM_GPA_MEMORY_MAP;
			if (t == IGVM_VHT_COMMAND_LINE)
				seen[2] = p.gpa == IGVM_GPA_COMMAND_LINE;
		}
	}
	GT_CHECK(seen[0] && seen[1] && seen[2]);
	pvn_igvm_free(f);
	free(buf);
}

/*
 * Load only (no guest code runs): a hand-written image with MADT and
 * MMIO_RANGES parameters and a VP context for each of 2 VPs. The MADT must be
 * a copy of the runtime's, the MMIO range the 3-4 GiB hole, and both VPs
 * must start at their own contexts.
 */
#define L_GPA_MADT 0x200000ULL
#define L_GPA_MMIO 0x201000ULL
static void check_load_only(const char *dir)
{
	struct igvm_native_vp_context_x64 ctx = {
		.rflags = 2, .gdtr_base = 0x8000, .gdtr_limit = 0x1f,
		.code_selector = 0x10, .code_attributes = 0xa09b, .code_limit = 0xffffffff,
		.data_selector = 0x18, .data_attributes = 0xc093, .data_limit = 0xffffffff,
		.cr0 = 0x80000033, .cr3 = 0x9000, .cr4 = 0x20, .efer = 0x500,
	};
	static const uint8_t code[] = {0xf4, 0xeb, 0xfd}; /* hlt; jmp .-1 */
	struct pvn_igvm_writer *w = pvn_igvm_writer_new(IGVM_FORMAT_VERSION_1, IGVM_ARCH_X64);
	char path[600], extra[1024];
	struct igvm_vhs_memory_range mmio[2];
	uint8_t madt[64];
	uint32_t madt_len = 0;
	struct pvn_regs regs;
	void *out = NULL;
	size_t out_len = 0;
	struct gt t;
	FILE *fp;
	int r = -1;

	if (w && !pvn_igvm_writer_add_platform(w, IGVM_PLATFORM_NATIVE, 1, 0, 0) &&
	    !pvn_igvm_writer_add_page_data(w, 0x100000, 1, 0, IGVM_PAGE_DATA_TYPE_NORMAL, code,
					   sizeof(code)) &&
	    !pvn_igvm_writer_add_parameter_area(w, 0, 0x1000, NULL, 0) &&
	    !pvn_igvm_writer_add_parameter(w, IGVM_VHT_MADT, 0, 0) &&
	    !pvn_igvm_writer_add_parameter_insert(w, L_GPA_MADT, 1, 0) &&
	    !pvn_igvm_writer_add_parameter_area(w, 1, 0x1000, NULL, 0) &&
	    !pvn_igvm_writer_add_parameter(w, IGVM_VHT_MMIO_RANGES, 1, 0) &&
	    !pvn_igvm_writer_add_parameter_insert(w, L_GPA_MMIO, 1, 1)) {
		ctx.rip = 0x100000;
		r = pvn_igvm_writer_add_vp_context_x64(w, 1, 0, &ctx);
		ctx.rip = 0x100001;
		ctx.rdi = 1;
		if (!r)
			r = pvn_igvm_writer_add_vp_context_x64(w, 1, 1, &ctx);
		if (!r)
			r = pvn_igvm_writer_finish(w, &out, &out_len, NULL);
	}
	pvn_igvm_writer_free(w);
	GT_CHECK(r == 0);
	if (r)
		return;
	snprintf(path, sizeof(path), "%s/load.igvm", dir);
	fp = fopen(path, "wb");
	GT_CHECK(fp && fwrite(out, 1, out_len, fp) == out_len);
	if (fp)
		fclose(fp);
	free(out);
	snprintf(extra, sizeof(extra),
		 "vps = 2; memory = { size_mib = 16; }; acpi = true; boot = { igvm = \"%s\"; };",
		 path);
	if (gt_init(&t, "igvm_boot", extra)) {
		GT_CHECK(!"load-only image refused");
		gt_fini(&t);
		unlink(path);
		return;
	}
	GT_CHECK(!pvn_mem_read(&t.vm->mem, PVN_VTL0, L_GPA_MADT, madt, sizeof(madt)));
	memcpy(&madt_len, madt + 4, 4);
	GT_CHECK(!memcmp(madt, "APIC", 4) && madt_len >= 44 && madt_len <= 0x1000);
	if (madt_len >= 44 && madt_len <= 0x1000) {
		uint8_t full[0x1000], sum = 0;
		GT_CHECK(!pvn_mem_read(&t.vm->mem, PVN_VTL0, L_GPA_MADT, full, madt_len));
		for (uint32_t i = 0; i < madt_len; i++)
			sum += full[i];
		GT_CHECK(sum == 0); /* a whole, checksummed table */
	}
	GT_CHECK(!pvn_mem_read(&t.vm->mem, PVN_VTL0, L_GPA_MMIO, mmio, sizeof(mmio)));
	GT_CHECK(mmio[0].starting_gpa_page_number == 0xc0000 && mmio[0].number_of_pages == 0x40000);
	GT_CHECK(mmio[1].number_of_pages == 0);
	GT_CHECK(t.vm->all_vps_start); /* every VP has a context */
	GT_CHECK(!t.vm->be->vp_get_regs(t.vm->vps[1].bvp, &regs));
	GT_CHECK(regs.rip == 0x100001 && regs.rdi == 1);
	fprintf(stderr, "load-only image: MADT of %u bytes, MMIO 0x%llx+0x%llx pages, VP 1 rip 0x%llx\n",
		madt_len, (unsigned long long)mmio[0].starting_gpa_page_number,
		(unsigned long long)mmio[0].number_of_pages, (unsigned long long)regs.rip);
	gt_fini(&t);
	unlink(path);
}

static bool owned_by_igvm(struct pvn_vm *vm, uint64_t gpa)
{
	const struct pvn_mem_range *rg = pvn_mem_find(&vm->mem, gpa, PVN_MEM_RESERVED);
	return rg && !strcmp(rg->owner, "igvm");
}

int main(void)
{
	char exe[512], dir[512], tool[600], elf[600], tmp[] = "/tmp/pvn-igvm-boot-XXXXXX";
	char img[600], extra[1024];
	struct pvn_regs regs;
	struct gt t;
	ssize_t n;
	bool found;
	int r;

	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("SKIP: no usable /dev/kvm\n");
		return 77;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0 || !mkdtemp(tmp))
		return 1;
	exe[n] = 0;
	snprintf(dir, sizeof(dir), "%s", dirname(exe));
	snprintf(tool, sizeof(tool), "%s/../../igvmtool", dir);
	snprintf(elf, sizeof(elf), "%s/igvm_boot.elf", dir);
	snprintf(img, sizeof(img), "%s/guest.igvm", tmp);
	{
		/* REQUIRED_MEMORY [0, 32 MiB): the 64 MiB VM covers it. */
		char *argv[] = {tool, "build", "--guest-abi", "paravane", "--mem-size", "32M",
				"--cmdline", "built into the image", "-o", img, elf, NULL};
		r = run(argv);
		if (r) {
			fprintf(stderr, "igvmtool build failed (%d)\n", r);
			return 1;
		}
	}
	check_layout(img);

	snprintf(extra, sizeof(extra),
		 "vps = %d; memory = { size_mib = %llu; }; acpi = true;\n"
		 "boot = { igvm = \"%s\"; cmdline = \"%s\"; };",
		 TEST_VPS, TEST_MIB, img, TEST_CMDLINE);
	r = gt_init(&t, "igvm_boot", extra);
	if (r) {
		unlink(img);
		rmdir(tmp);
		return r;
	}
	/* The image's pages are reserved; only VP 0 had a context. */
	GT_CHECK(owned_by_igvm(t.vm, IGVM_GPA_VP_COUNT));
	GT_CHECK(owned_by_igvm(t.vm, IGVM_GPA_COMMAND_LINE + 0x1000));
	GT_CHECK(owned_by_igvm(t.vm, 0x100000)); /* the guest's code (guest.ld) */
	GT_CHECK(!owned_by_igvm(t.vm, TEST_ACPI_GPA));
	GT_CHECK(!t.vm->all_vps_start);
	GT_CHECK(!t.vm->be->vp_get_regs(t.vm->vps[0].bvp, &regs));
	GT_CHECK(regs.rip == 0x100000 && regs.rdi == 0 && regs.rsi == 1);

	r = gt_run(&t);
	GT_CHECK(t.done_vps == 1);
	GT_CHECK(gt_value(&t, "vp_count", &found) == TEST_VPS && found);
	GT_CHECK(gt_value(&t, "mmap_end", &found) == TEST_MIB << 20 && found);
	GT_CHECK(gt_value(&t, "mmap_ram", &found) == (TEST_MIB << 20) - TEST_ACPI_SIZE && found);
	GT_CHECK(gt_value(&t, "mmap_reserved", &found) == TEST_ACPI_SIZE && found);
	GT_CHECK(gt_value(&t, "mmap_entries", &found) == 3 && found);
	GT_CHECK(gt_value(&t, "cmdline_len", &found) == strlen(TEST_CMDLINE) && found);
	gt_fini(&t);
	unlink(img);
	check_load_only(tmp);
	rmdir(tmp);
	return r || gt_failures ? 1 : 0;
}
#endif
