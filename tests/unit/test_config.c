/* SPDX-License-Identifier: MIT */
/*
 * The VM file (runtime/config): good files give the values they say, and
 * every bad one is refused with "FILE:LINE: KEY: what" naming the right line
 * and key. Each test writes its files into a fresh temporary directory.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/config/config.h"

struct fixture {
	char dir[64]; /* short: every path below is built from it */
	char cfg_path[128];
	char image[128]; /* a readable file named guest.elf in dir */
	struct pvn_config cfg;
	char err[512];
};

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	snprintf(f.dir, sizeof(f.dir), "/tmp/pvn-test-config-XXXXXX");
	if (!mkdtemp(f.dir))
		return -1;
	snprintf(f.cfg_path, sizeof(f.cfg_path), "%s/vm.cfg", f.dir);
	snprintf(f.image, sizeof(f.image), "%s/guest.elf", f.dir);
	write_file(f.image, "not really an ELF; config does not look inside");
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[512];
	pvn_config_free(&f->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write text as vm.cfg and load it. */
static int load(struct fixture *f, const char *text)
{
	pvn_config_free(&f->cfg);
	write_file(f->cfg_path, text);
	f->err[0] = 0;
	return pvn_config_load(f->cfg_path, &f->cfg, f->err, sizeof(f->err));
}

/* The text must be refused with -EINVAL and "CFG:LINE: KEY: " + a message
 * containing `what`. */
static void expect_error(struct fixture *f, const char *text, int line, const char *key,
			 const char *what)
{
	char prefix[512];
	int r = load(f, text);

	if (r != -EINVAL)
		fail_msg("expected -EINVAL for key %s, got %d (err \"%s\")\n%s", key, r, f->err, text);
	snprintf(prefix, sizeof(prefix), "%s:%d: %s: ", f->cfg_path, line, key);
	if (strncmp(f->err, prefix, strlen(prefix)))
		fail_msg("error \"%s\" does not start with \"%s\"", f->err, prefix);
	if (!strstr(f->err + strlen(prefix), what))
		fail_msg("error \"%s\" does not say \"%s\"", f->err, what);
}

/* A valid file's first lines; tests append their own. */
#define MEM "memory = { size_mib = 64; };\n"
#define BOOT "boot = { image = \"guest.elf\"; };\n"

static void test_minimal(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, MEM BOOT), 0);
	assert_string_equal(f->err, "");
	assert_string_equal(f->cfg.name, "vm");
	assert_int_equal(f->cfg.memory_bytes, 64ULL << 20);
	assert_int_equal(f->cfg.vtl2_bytes, 0);
	assert_int_equal(f->cfg.vps, 1);
	assert_string_equal(f->cfg.boot.image, f->image);
	assert_int_equal(f->cfg.boot.format, PVN_BOOT_AUTO);
	assert_false(f->cfg.boot.has_load_address);
	assert_false(f->cfg.boot.has_entry);
	assert_false(f->cfg.boot.has_stack);
	assert_false(f->cfg.boot.all_vps);
	assert_int_equal(f->cfg.console.output, PVN_CONSOLE_STDOUT);
	assert_null(f->cfg.console.path);
	assert_int_equal(f->cfg.log_level, -1);
	assert_int_equal(f->cfg.nr_plugins, 0);
	assert_null(f->cfg.plugin_policy.trust_store);
	assert_null(f->cfg.plugin_policy.revocation_list);
	assert_int_equal(f->cfg.plugin_policy.mode, PVN_PLUGIN_ENFORCE);
	assert_string_equal(f->cfg.file, f->cfg_path);
	assert_string_equal(f->cfg.dir, f->dir);
}

static void test_all_keys(void **state)
{
	struct fixture *f = *state;
	char p1[512], p2[512], abs_ts[512], text[2048];

	snprintf(p1, sizeof(p1), "%s/a.so", f->dir);
	snprintf(p2, sizeof(p2), "%s/sub", f->dir);
	mkdir(p2, 0755);
	snprintf(p2, sizeof(p2), "%s/sub/b.so", f->dir);
	write_file(p1, "");
	write_file(p2, "");
	snprintf(abs_ts, sizeof(abs_ts), "%s/trust", f->dir);
	snprintf(text, sizeof(text),
		 "name = \"all-keys\";\n"
		 "memory = { size_mib = 2048; vtl2_private_mib = 16; };\n"
		 "vps = 4;\n"
		 "boot = { image = \"guest.elf\"; format = \"flat\"; load_address = 0x200000;\n"
		 "         entry = 0x200010; stack = 0x7ff000000000L; all_vps = true; };\n"
		 "console = { output = \"file\"; path = \"logs/serial.log\"; };\n"
		 "log_level = \"debug\";\n"
		 "plugins = (\n"
		 "  { path = \"a.so\"; },\n"
		 "  { path = \"sub/b.so\"; enabled = true; settings = { x = 1; y = \"z\"; }; },\n"
		 "  { path = \"missing.so\"; enabled = false; }\n"
		 ");\n"
		 "plugin_policy = { trust_store = \"%s\"; revocation_list = \"revoked.pem\";\n"
		 "                  mode = \"permissive\"; };\n",
		 abs_ts);
	assert_int_equal(load(f, text), 0);
	assert_string_equal(f->cfg.name, "all-keys");
	assert_int_equal(f->cfg.memory_bytes, 2048ULL << 20);
	assert_int_equal(f->cfg.vtl2_bytes, 16ULL << 20);
	assert_int_equal(f->cfg.vps, 4);
	assert_int_equal(f->cfg.boot.format, PVN_BOOT_FLAT);
	assert_true(f->cfg.boot.has_load_address);
	assert_int_equal(f->cfg.boot.load_address, 0x200000);
	assert_true(f->cfg.boot.has_entry);
	assert_int_equal(f->cfg.boot.entry, 0x200010);
	assert_true(f->cfg.boot.has_stack);
	assert_int_equal(f->cfg.boot.stack, 0x7ff000000000ULL);
	assert_true(f->cfg.boot.all_vps);
	assert_int_equal(f->cfg.console.output, PVN_CONSOLE_FILE);
	snprintf(p1, sizeof(p1), "%s/logs/serial.log", f->dir);
	assert_string_equal(f->cfg.console.path, p1);
	assert_int_equal(f->cfg.log_level, 3);
	assert_int_equal(f->cfg.nr_plugins, 3);
	snprintf(p1, sizeof(p1), "%s/a.so", f->dir);
	assert_string_equal(f->cfg.plugins[0].path, p1);
	assert_true(f->cfg.plugins[0].enabled);
	assert_null(f->cfg.plugins[0].settings);
	assert_int_equal(f->cfg.plugins[0].line, 9);
	assert_string_equal(f->cfg.plugins[1].path, p2);
	assert_true(f->cfg.plugins[1].enabled);
	assert_non_null(f->cfg.plugins[1].settings);
	assert_int_equal(config_setting_length(f->cfg.plugins[1].settings), 2);
	int x = 0;
	assert_true(config_setting_lookup_int(f->cfg.plugins[1].settings, "x", &x));
	assert_int_equal(x, 1);
	assert_int_equal(f->cfg.plugins[1].line, 10);
	assert_false(f->cfg.plugins[2].enabled);
	snprintf(p1, sizeof(p1), "%s/missing.so", f->dir);
	assert_string_equal(f->cfg.plugins[2].path, p1);
	assert_string_equal(f->cfg.plugin_policy.trust_store, abs_ts);
	snprintf(p1, sizeof(p1), "%s/revoked.pem", f->dir);
	assert_string_equal(f->cfg.plugin_policy.revocation_list, p1);
	assert_int_equal(f->cfg.plugin_policy.mode, PVN_PLUGIN_PERMISSIVE);
}

static void test_enum_values(void **state)
{
	struct fixture *f = *state;
	static const char *const levels[] = {"error", "warn", "info", "debug"};
	static const char *const outputs[] = {"stdout", "stderr", "none"};
	static const char *const formats[] = {"auto", "elf", "flat"};
	char text[512];

	for (int i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), MEM BOOT "log_level = \"%s\";\n", levels[i]);
		assert_int_equal(load(f, text), 0);
		assert_int_equal(f->cfg.log_level, i);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), MEM BOOT "console = { output = \"%s\"; };\n", outputs[i]);
		assert_int_equal(load(f, text), 0);
		assert_int_equal(f->cfg.console.output,
				 i == 0 ? PVN_CONSOLE_STDOUT
					: i == 1 ? PVN_CONSOLE_STDERR : PVN_CONSOLE_NONE);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), MEM "boot = { image = \"guest.elf\"; format = \"%s\"; };\n",
			 formats[i]);
		assert_int_equal(load(f, text), 0);
		assert_int_equal(f->cfg.boot.format, i);
	}
	assert_int_equal(load(f, MEM BOOT "plugin_policy = { mode = \"enforce\"; };\n"), 0);
	assert_int_equal(f->cfg.plugin_policy.mode, PVN_PLUGIN_ENFORCE);
}

static void test_limits_accepted(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(load(f, "memory = { size_mib = 2; vtl2_private_mib = 0; };\n" BOOT
				 "vps = 64;\n"),
			 0);
	assert_int_equal(f->cfg.memory_bytes, 2ULL << 20);
	assert_int_equal(f->cfg.vps, 64);
	assert_int_equal(load(f, "memory = { size_mib = 1048576; vtl2_private_mib = 65536; };\n" BOOT),
			 0);
	assert_int_equal(f->cfg.memory_bytes, 1ULL << 40);
	assert_int_equal(f->cfg.vtl2_bytes, 1ULL << 36);
	/* 64-bit integers, and the top of each address range */
	assert_int_equal(load(f, "memory = { size_mib = 64L; };\n"
				 "boot = { image = \"guest.elf\"; format = \"flat\";\n"
				 "  load_address = 0xfffffffffffffL; entry = 0xffffffffffffL;\n"
				 "  stack = 0xffffffffffffL; };\n"),
			 0);
	assert_int_equal(f->cfg.boot.load_address, (1ULL << 52) - 1);
	assert_int_equal(f->cfg.boot.entry, (1ULL << 48) - 1);
	/* A 32-bit hex constant with the top bit set is an address, not a
	 * negative number (libconfig reads it as a signed 32-bit int). */
	assert_int_equal(load(f, MEM "boot = { image = \"guest.elf\"; entry = 0xffffffff;\n"
				     "  stack = 0x80000000; };\n"),
			 0);
	assert_int_equal(f->cfg.boot.entry, 0xffffffffULL);
	assert_int_equal(f->cfg.boot.stack, 0x80000000ULL);
}

/* ---- errors: FILE:LINE: KEY: what ---- */

static void test_unknown_keys(void **state)
{
	struct fixture *f = *state;
	expect_error(f, MEM BOOT "\nmemroy = 5;\n", 4, "memroy", "unknown key");
	expect_error(f, "memory = {\n size_mib = 64;\n size_gib = 1; };\n" BOOT, 3, "memory.size_gib",
		     "unknown key");
	expect_error(f, MEM "boot = { image = \"guest.elf\";\n  kernel = \"x\"; };\n", 3,
		     "boot.kernel", "unknown key");
	expect_error(f, MEM BOOT "console = { output = \"stdout\";\n\n baud = 9600; };\n", 5,
		     "console.baud", "unknown key");
	expect_error(f, MEM BOOT "plugin_policy = {\n  trust = \"x\"; };\n", 4, "plugin_policy.trust",
		     "unknown key");
	expect_error(f, MEM BOOT "plugins = (\n { path = \"guest.elf\"; },\n { path = \"guest.elf\";\n"
				 "   enable = false; }\n);\n",
		     6, "plugins.[1].enable", "unknown key");
}

static void test_wrong_types(void **state)
{
	struct fixture *f = *state;
	expect_error(f, "name = 5;\n" MEM BOOT, 1, "name", "must be a string");
	expect_error(f, "name = \"\";\n" MEM BOOT, 1, "name", "must not be empty");
	expect_error(f, BOOT "memory = 64;\n", 2, "memory", "must be a group");
	expect_error(f, BOOT "memory = { size_mib = \"64\"; };\n", 2, "memory.size_mib",
		     "must be an integer");
	expect_error(f, BOOT "memory = { size_mib = 64.0; };\n", 2, "memory.size_mib",
		     "must be an integer");
	expect_error(f, BOOT "memory = { size_mib = 64; vtl2_private_mib = true; };\n", 2,
		     "memory.vtl2_private_mib", "must be an integer");
	expect_error(f, MEM BOOT "vps = \"2\";\n", 3, "vps", "must be an integer");
	expect_error(f, MEM "boot = [ \"guest.elf\" ];\n", 2, "boot", "must be a group");
	expect_error(f, MEM "boot = { image = 1; };\n", 2, "boot.image", "must be a string");
	expect_error(f, MEM "boot = { image = \"\"; };\n", 2, "boot.image", "must not be empty");
	expect_error(f, MEM "boot = { image = \"guest.elf\";\n all_vps = 1; };\n", 3, "boot.all_vps",
		     "must be true or false");
	expect_error(f, MEM "boot = { image = \"guest.elf\";\n entry = \"0x1000\"; };\n", 3,
		     "boot.entry", "must be an integer");
	expect_error(f, MEM "boot = { image = \"guest.elf\";\n format = 1; };\n", 3, "boot.format",
		     "must be a string");
	expect_error(f, MEM BOOT "console = \"stdout\";\n", 3, "console", "must be a group");
	expect_error(f, MEM BOOT "console = { output = \"file\"; path = 7; };\n", 3, "console.path",
		     "must be a string");
	expect_error(f, MEM BOOT "log_level = 3;\n", 3, "log_level", "must be a string");
	expect_error(f, MEM BOOT "plugins = \"a.so\";\n", 3, "plugins", "must be a list");
	expect_error(f, MEM BOOT "plugins = { path = \"a.so\"; };\n", 3, "plugins", "must be a list");
	/* (libconfig gives a scalar list element the line of the token after it) */
	expect_error(f, MEM BOOT "plugins = (\n  \"a.so\" );\n", 4, "plugins.[0]", "must be a group");
	expect_error(f, MEM BOOT "plugins = ( { path = \"guest.elf\";\n  enabled = \"yes\"; } );\n", 4,
		     "plugins.[0].enabled", "must be true or false");
	expect_error(f, MEM BOOT "plugins = ( { path = 5; } );\n", 3, "plugins.[0].path",
		     "must be a string");
	expect_error(f, MEM BOOT "plugin_policy = ( );\n", 3, "plugin_policy", "must be a group");
	expect_error(f, MEM BOOT "plugin_policy = { trust_store = 1; };\n", 3,
		     "plugin_policy.trust_store", "must be a string");
	expect_error(f, MEM BOOT "plugin_policy = {\n revocation_list = false; };\n", 4,
		     "plugin_policy.revocation_list", "must be a string");
}

static void test_out_of_range(void **state)
{
	struct fixture *f = *state;
	expect_error(f, BOOT "memory = { size_mib = 1; };\n", 2, "memory.size_mib",
		     "1 is out of range (2-1048576)");
	expect_error(f, BOOT "memory = { size_mib = 1048577; };\n", 2, "memory.size_mib",
		     "out of range");
	expect_error(f, BOOT "memory = { size_mib = -64; };\n", 2, "memory.size_mib",
		     "-64 is out of range");
	expect_error(f, BOOT "memory = { size_mib = 0x100000000000L; };\n", 2, "memory.size_mib",
		     "out of range");
	expect_error(f, BOOT "memory = { size_mib = 64;\n vtl2_private_mib = 65537; };\n", 3,
		     "memory.vtl2_private_mib", "out of range (0-65536)");
	expect_error(f, MEM BOOT "vps = 0;\n", 3, "vps", "0 is out of range (1-64)");
	expect_error(f, MEM BOOT "vps = 65;\n", 3, "vps", "out of range");
	expect_error(f, MEM "boot = { image = \"guest.elf\"; format = \"flat\";\n"
			    "  load_address = 0x10000000000000L; };\n",
		     3, "boot.load_address", "out of range");
	expect_error(f, MEM "boot = { image = \"guest.elf\";\n entry = 0x1000000000000L; };\n", 3,
		     "boot.entry", "out of range");
	expect_error(f, MEM "boot = { image = \"guest.elf\";\n stack = -1; };\n", 3, "boot.stack",
		     "out of range");
	expect_error(f, MEM "boot = { image = \"guest.elf\";\n stack = -1L; };\n", 3, "boot.stack",
		     "out of range");
}

static void test_bad_enums(void **state)
{
	struct fixture *f = *state;
	expect_error(f, MEM "boot = { image = \"guest.elf\";\n format = \"pe\"; };\n", 3,
		     "boot.format", "'pe' is not one of: auto, elf, flat");
	expect_error(f, MEM BOOT "console = {\n output = \"tty\"; };\n", 4, "console.output",
		     "'tty' is not one of: stdout, stderr, file, none");
	expect_error(f, MEM BOOT "log_level = \"trace\";\n", 3, "log_level",
		     "'trace' is not one of: error, warn, info, debug");
	expect_error(f, MEM BOOT "plugin_policy = {\n mode = \"lax\"; };\n", 4, "plugin_policy.mode",
		     "'lax' is not one of: enforce, permissive");
	expect_error(f, MEM BOOT "plugin_policy = { mode = \"\"; };\n", 3, "plugin_policy.mode",
		     "must not be empty");
}

static void test_missing(void **state)
{
	struct fixture *f = *state;
	char prefix[512];

	/* A missing top-level group has no line of its own. */
	snprintf(prefix, sizeof(prefix), "%s:", f->cfg_path);
	assert_int_equal(load(f, BOOT), -EINVAL);
	assert_true(!strncmp(f->err, prefix, strlen(prefix)));
	assert_non_null(strstr(f->err, ": memory: missing"));
	assert_int_equal(load(f, MEM "vps = 1;\n"), -EINVAL);
	assert_true(!strncmp(f->err, prefix, strlen(prefix)));
	assert_non_null(strstr(f->err, ": boot: missing"));
	assert_int_equal(load(f, ""), -EINVAL);
	assert_non_null(strstr(f->err, ": memory: missing"));
	/* Missing members are reported at their group's line. */
	expect_error(f, BOOT "\nmemory = { vtl2_private_mib = 4; };\n", 3, "memory.size_mib",
		     "missing");
	expect_error(f, MEM "\nboot = {\n format = \"elf\"; };\n", 3, "boot.image", "missing");
	expect_error(f, MEM BOOT "plugins = (\n { enabled = false; }\n);\n", 4, "plugins.[0].path",
		     "missing");
}

static void test_unreadable_files(void **state)
{
	struct fixture *f = *state;
	char what[512];

	snprintf(what, sizeof(what), "cannot read '%s/nope.elf': No such file or directory", f->dir);
	expect_error(f, MEM "boot = {\n image = \"nope.elf\"; };\n", 3, "boot.image", what);
	snprintf(what, sizeof(what), "cannot read '%s/nope.so'", f->dir);
	expect_error(f, MEM BOOT "plugins = (\n { path = \"guest.elf\"; },\n { path = \"nope.so\"; }\n);\n",
		     5, "plugins.[1].path", what);
	expect_error(f, MEM BOOT "plugins = (\n { path = \"nope.so\";\n   enabled = true; }\n);\n", 4,
		     "plugins.[0].path", what);
	/* a disabled plugin's file need not exist */
	assert_int_equal(load(f, MEM BOOT "plugins = ( { path = \"nope.so\"; enabled = false; } );\n"),
			 0);
	assert_int_equal(f->cfg.nr_plugins, 1);
	assert_false(f->cfg.plugins[0].enabled);
	/* nor the trust store's: the plugin loader opens it */
	assert_int_equal(load(f, MEM BOOT "plugin_policy = { trust_store = \"nope.pem\"; };\n"), 0);
}

static void test_console_and_boot_rules(void **state)
{
	struct fixture *f = *state;
	expect_error(f, MEM BOOT "\nconsole = {\n output = \"file\"; };\n", 4, "console.path",
		     "missing (needed by output = \"file\")");
	expect_error(f, MEM BOOT "console = { output = \"stderr\";\n  path = \"x.log\"; };\n", 4,
		     "console.path", "only applies to output = \"file\"");
	/* no output given means stdout, so a path alone is refused too */
	expect_error(f, MEM BOOT "console = {\n path = \"x.log\"; };\n", 4, "console.path",
		     "only applies to output = \"file\"");
	expect_error(f, MEM "boot = { image = \"guest.elf\"; format = \"elf\";\n"
			    "  load_address = 0x100000; };\n",
		     3, "boot.load_address", "only applies to format = \"flat\"");
	/* with format flat a load address is fine */
	assert_int_equal(load(f, MEM "boot = { image = \"guest.elf\"; format = \"flat\";\n"
				     "  load_address = 0x100000; };\n"),
			 0);
	assert_true(f->cfg.boot.has_load_address);
}

static void test_plugins(void **state)
{
	struct fixture *f = *state;
	expect_error(f, MEM BOOT "plugins = ( { path = \"guest.elf\";\n settings = 5; } );\n", 4,
		     "plugins.[0].settings", "must be a group");
	expect_error(f, MEM BOOT "plugins = ( { path = \"guest.elf\"; },\n"
				 "  { path = \"guest.elf\"; settings = ( 1 ); } );\n",
		     4, "plugins.[1].settings", "must be a group");
	/* an empty list is no plugins */
	assert_int_equal(load(f, MEM BOOT "plugins = ( );\n"), 0);
	assert_int_equal(f->cfg.nr_plugins, 0);
	/* the plugin's own settings are not checked here (the plugin does it) */
	assert_int_equal(load(f, MEM BOOT "plugins = ( { path = \"guest.elf\"; settings = {\n"
					  "  anything = \"goes\"; nested = { a = 1; }; }; } );\n"),
			 0);
	assert_int_equal(f->cfg.nr_plugins, 1);
	assert_non_null(f->cfg.plugins[0].settings);
	assert_int_equal(f->cfg.plugins[0].line, 3);
}

static void test_relative_paths(void **state)
{
	struct fixture *f = *state;
	char cwd[PATH_MAX], sub[512], want[512];

	/* absolute paths are kept as they are */
	snprintf(want, sizeof(want), MEM "boot = { image = \"%s\"; };\n", f->image);
	assert_int_equal(load(f, want), 0);
	assert_string_equal(f->cfg.boot.image, f->image);

	/* a config file named by a relative path resolves against its own
	 * directory, not the current one */
	snprintf(sub, sizeof(sub), "%s/sub", f->dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(want, sizeof(want), "%s/sub/vm.cfg", f->dir);
	write_file(want, MEM "boot = { image = \"../guest.elf\"; };\n"
			     "console = { output = \"file\"; path = \"serial.log\"; };\n");
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	pvn_config_free(&f->cfg);
	int r = pvn_config_load("sub/vm.cfg", &f->cfg, f->err, sizeof(f->err));
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(r, 0);
	assert_string_equal(f->cfg.boot.image, "sub/../guest.elf");
	assert_string_equal(f->cfg.console.path, "sub/serial.log");
	/* and errors name the file as given */
	assert_int_equal(chdir(f->dir), 0);
	write_file("sub/bad.cfg", MEM "boot = { image = \"guest.elf\"; };\n");
	pvn_config_free(&f->cfg);
	r = pvn_config_load("sub/bad.cfg", &f->cfg, f->err, sizeof(f->err));
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(r, -EINVAL);
	assert_true(!strncmp(f->err, "sub/bad.cfg:2: boot.image: cannot read 'sub/guest.elf'",
			     strlen("sub/bad.cfg:2: boot.image: cannot read 'sub/guest.elf'")));

	/* pvn_config_path itself */
	assert_null(pvn_config_path(&f->cfg, NULL));
	char *p = pvn_config_path(&f->cfg, "/abs");
	assert_string_equal(p, "/abs");
	free(p);
	p = pvn_config_path(&f->cfg, "rel");
	assert_string_equal(p, "sub/rel");
	free(p);
}

static void test_syntax_errors(void **state)
{
	struct fixture *f = *state;
	char want[512];

	assert_int_equal(load(f, MEM BOOT "vps = = 2;\n"), -EINVAL);
	snprintf(want, sizeof(want), "%s:3: syntax error: ", f->cfg_path);
	if (strncmp(f->err, want, strlen(want)))
		fail_msg("\"%s\" does not start with \"%s\"", f->err, want);
	assert_int_equal(load(f, MEM "\n\nboot = { image = \"guest.elf\"\n"), -EINVAL);
	assert_non_null(strstr(f->err, "syntax error"));
	assert_int_equal(load(f, MEM "memory = { size_mib = 32; };\n" BOOT), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: syntax error: duplicate setting name", f->cfg_path);
	assert_string_equal(f->err, want);
	assert_int_equal(load(f, MEM BOOT "name = \"unterminated;\n"), -EINVAL);
	assert_non_null(strstr(f->err, "syntax error"));
}

static void test_missing_file(void **state)
{
	struct fixture *f = *state;
	char path[256], want[512];
	snprintf(path, sizeof(path), "%s/absent.cfg", f->dir);
	pvn_config_free(&f->cfg);
	assert_int_equal(pvn_config_load(path, &f->cfg, f->err, sizeof(f->err)), -ENOENT);
	snprintf(want, sizeof(want), "%s: No such file or directory", path);
	assert_string_equal(f->err, want);
}

/* The first error wins and a refused load can be freed (under ASan: no leak
 * from any of the paths above, which all end in pvn_config_free). */
static void test_free_after_error(void **state)
{
	struct fixture *f = *state;
	expect_error(f, MEM BOOT "plugins = ( { path = \"guest.elf\"; },\n { path = 1; } );\n", 4,
		     "plugins.[1].path", "must be a string");
	assert_int_equal(f->cfg.nr_plugins, 1);
	pvn_config_free(&f->cfg);
	assert_int_equal(f->cfg.nr_plugins, 0);
	pvn_config_free(&f->cfg); /* twice is harmless */
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_minimal),
		T(test_all_keys),
		T(test_enum_values),
		T(test_limits_accepted),
		T(test_unknown_keys),
		T(test_wrong_types),
		T(test_out_of_range),
		T(test_bad_enums),
		T(test_missing),
		T(test_unreadable_files),
		T(test_console_and_boot_rules),
		T(test_plugins),
		T(test_relative_paths),
		T(test_syntax_errors),
		T(test_missing_file),
		T(test_free_after_error),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
