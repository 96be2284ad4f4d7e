/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables through the reference toolchain: every table is written to
 * a temporary directory, disassembled with `iasl -d`, and the disassembly
 * compiled back with `iasl`, which must give our bytes again; any error
 * (but the one iasl has with the "VMBus" _HID) fails the test. The DSDT's
 * disassembly must show the UART, the VMBus device with its MMIO windows,
 * the vTPM device and \_S5_. Skipped (exit 77) when iasl is not installed.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/core/log.h"
#include "tests/unit/acpi_fixture.h"

#ifndef PVN_IASL
#define PVN_IASL ""
#endif

#define AREA 0x20000u
#define GPA  0xe0000u

static char iasl[512];
static char dir[64];

/* iasl from configure, else from PATH. */
static bool find_iasl(void)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;

	if (PVN_IASL[0] && access(PVN_IASL, X_OK) == 0) {
		snprintf(iasl, sizeof(iasl), "%s", PVN_IASL);
		return true;
	}
	if (!path)
		return false;
	copy = strdup(path);
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(iasl, sizeof(iasl), "%s/iasl", d);
		if (access(iasl, X_OK) == 0) {
			free(copy);
			return true;
		}
	}
	free(copy);
	return false;
}

static char *slurp(const char *name)
{
	char path[256];
	struct stat st;
	char *s;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f || fstat(fileno(f), &st))
		fail_msg("cannot read %s", path);
	s = calloc(1, (size_t)st.st_size + 1);
	assert_non_null(s);
	assert_int_equal(fread(s, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	return s;
}

static void dump(const char *name, const uint8_t *p, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The one error iasl's compiler reports on our DSDT: it wants a 7 or 8
 * character _HID, but Linux's hv_vmbus matches the ACPI ID "VMBus" (as
 * Hyper-V's own DSDT has it). */
#define VMBUS_HID_ERROR "_HID string must be exactly 7 or 8 characters (VMBus)"

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Run iasl with args in dir; its output goes to log. Fails on a non-zero
 * exit or a reported error, unless every error is an `allow` one. */
static void run_iasl(const char *args, const char *log, const char *allow)
{
	char cmd[1024], *out;
	unsigned errors, allowed;
	int st;

	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' %s >'%s' 2>&1", dir, iasl, args, log);
	st = system(cmd);
	out = slurp(log);
	printf("---- iasl %s\n%s", args, out);
	errors = count(out, "\nError ");
	allowed = allow ? count(out, allow) : 0;
	if (errors != allowed)
		fail_msg("iasl %s reported %u error(s)", args, errors - allowed);
	if (!errors && (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0))
		fail_msg("iasl %s failed (status %d)", args, st);
	/* The disassembler flags bad input in its output, not in its status. */
	if (strstr(out, "does not contain a valid ACPI table") || strstr(out, "Warning "))
		fail_msg("iasl %s complained", args);
	free(out);
}

/* iasl's compiled table must equal ours after the header (whose compiler
 * ID and checksum iasl rewrites); from `from` on. */
static void compare_aml(const char *name, const uint8_t *p, size_t len, size_t from)
{
	char path[256];
	struct stat st;
	uint8_t *b;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st))
		fail_msg("iasl did not write %s", path);
	assert_int_equal((size_t)st.st_size, len);
	b = malloc(len);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, len, f), len);
	fclose(f);
	for (size_t i = from; i < len; i++)
		if (b[i] != p[i])
			fail_msg("%s differs from ours at byte %zu: 0x%02x, ours 0x%02x", name, i,
				 b[i], p[i]);
	free(b);
}

static const uint8_t *tbl_at(const uint8_t *buf, size_t used, uint64_t gpa, size_t *len)
{
	struct pvn_acpi_sdt_header h;

	assert_true(gpa >= GPA && gpa - GPA + sizeof(h) <= used);
	memcpy(&h, buf + (gpa - GPA), sizeof(h));
	assert_true(h.length >= sizeof(h) && gpa - GPA + h.length <= used);
	*len = h.length;
	return buf + (gpa - GPA);
}

/* Disassemble a data table, check what it says, and compile it back. */
static void check_data_table(const char *base, const uint8_t *p, size_t len)
{
	char dat[64], dsl[64], args[160], log[64];
	char *text;

	snprintf(dat, sizeof(dat), "%s.dat", base);
	snprintf(dsl, sizeof(dsl), "%s.dsl", base);
	dump(dat, p, len);
	snprintf(args, sizeof(args), "-d %s", dat);
	snprintf(log, sizeof(log), "%s.dis.log", base);
	run_iasl(args, log, NULL);
	text = slurp(dsl);
	/* Checksum and length problems are comments in the disassembly. */
	if (strstr(text, "Incorrect checksum") || strstr(text, "Invalid") ||
	    strstr(text, "**** "))
		fail_msg("%s: the disassembly flags a problem:\n%s", dsl, text);
	free(text);
	snprintf(args, sizeof(args), "%s", dsl);
	snprintf(log, sizeof(log), "%s.asm.log", base);
	run_iasl(args, log, NULL);
	snprintf(dat, sizeof(dat), "%s.aml", base);
	compare_aml(dat, p, len, memcmp(base, "facs", 4) ? sizeof(struct pvn_acpi_sdt_header) : 0);
}

static void test_iasl_round_trip(void **state)
{
	struct pvn_acpi_platform p;
	struct pvn_acpi *a;
	struct fx_tpm2 t;
	struct pvn_aml aml;
	struct pvn_acpi_rsdp rsdp;
	struct pvn_acpi_fadt f = {0};
	const uint8_t *dev, *x, *tp;
	size_t devlen, used, len, xlen;
	uint64_t rsdp_gpa;
	uint8_t *buf = malloc(AREA);
	char *text;

	(void)state;
	assert_int_equal(pvn_acpi_create(&a), 0);
	fx_platform(&p, 4, true);
	fx_tpm2(&t);
	assert_int_equal(pvn_acpi_add_table(a, &t, sizeof(t), "vtpm"), 0);
	assert_int_equal(fx_tpm_device(&aml, &dev, &devlen), 0);
	assert_int_equal(pvn_acpi_add_device(a, dev, devlen, "vtpm"), 0);
	pvn_aml_free(&aml);
	assert_int_equal(pvn_acpi_build(a, &p, buf, AREA, GPA, &used, &rsdp_gpa), 0);

	/* iasl -d takes no binary RSDP (it reads a table header first); the RSDP
	 * is checked field by field in test_acpi and by the guest test. */
	memcpy(&rsdp, buf + (rsdp_gpa - GPA), sizeof(rsdp));
	x = tbl_at(buf, used, rsdp.xsdt_address, &xlen);
	check_data_table("xsdt", x, xlen);
	tp = tbl_at(buf, used, rsdp.rsdt_address, &len);
	check_data_table("rsdt", tp, len);
	for (size_t i = 0; i < (xlen - 36) / 8; i++) {
		uint64_t gpa;
		char base[8];

		memcpy(&gpa, x + 36 + 8 * i, 8);
		tp = tbl_at(buf, used, gpa, &len);
		snprintf(base, sizeof(base), "%c%c%c%c", tp[0] | 0x20, tp[1] | 0x20, tp[2] | 0x20,
			 tp[3] | 0x20);
		check_data_table(base, tp, len);
		if (!memcmp(tp, "FACP", 4))
			memcpy(&f, tp, sizeof(f));
	}
	assert_true(f.firmware_ctrl >= GPA && f.firmware_ctrl - GPA + 64 <= used);
	check_data_table("facs", buf + (f.firmware_ctrl - GPA), 64);

	/* The DSDT: disassemble, look, compile back. */
	tp = tbl_at(buf, used, f.x_dsdt, &len);
	dump("dsdt.dat", tp, len);
	run_iasl("-d dsdt.dat", "dsdt.dis.log", NULL);
	text = slurp("dsdt.dsl");
	printf("---- dsdt.dsl\n%s", text);
	static const char *const want[] = {
		"Name (_S5, Package (0x04)",
		"_S5_",
		"Scope (_SB)",
		"EisaId (\"PNP0501\")",
		"IO (Decode16,",
		"0x03F8,",
		"IRQNoFlags ()",
		"{4}",
		"Name (_HID, \"VMBus\")",
		"DWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, "
		"ReadWrite,",
		"0xF8000000,",
		"0xFBFFFFFF,",
		"0x04000000,",
		"QWordMemory (ResourceProducer, PosDecode, MinFixed, MaxFixed, NonCacheable, "
		"ReadWrite,",
		"0x0000001000000000,",
		"0x000000103FFFFFFF,",
		"0x0000000040000000,",
		"Method (_STA, 0, NotSerialized)",
		"Return (0x0F)",
		"Name (_HID, \"MSFT0101\"",
		"Memory32Fixed (ReadWrite,",
		"0xFED40000,",
		"0x00005000,",
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!strstr(text, want[i]))
			fail_msg("dsdt.dsl lacks '%s'", want[i]);
	free(text);
	/* -f: write the AML despite the one allowed error, to compare it. */
	run_iasl("-f dsdt.dsl", "dsdt.asm.log", VMBUS_HID_ERROR);
	compare_aml("dsdt.aml", tp, len, sizeof(struct pvn_acpi_sdt_header));

	pvn_acpi_destroy(a);
	free(buf);
}

static int cleanup(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	(void)state;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iasl_round_trip),
	};
	int r;

	if (!find_iasl()) {
		printf("SKIP: iasl not found (Debian package acpica-tools)\n");
		return 77;
	}
	snprintf(dir, sizeof(dir), "/tmp/pvn-acpi-iasl-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	printf("iasl: %s, files in %s\n", iasl, dir);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	/* Keep the files of a failed run for a look. */
	if (!r)
		cleanup(NULL);
	else
		printf("kept %s\n", dir);
	return r;
}
