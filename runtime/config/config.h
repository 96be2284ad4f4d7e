/* SPDX-License-Identifier: MIT */
/*
 * The VM file, in libconfig syntax. pvn_config_load parses and validates all
 * of it before anything runs; every error names the file, the line and the
 * key. docs/operator-guide.md is the reference for the keys.
 */
#ifndef PVN_CONFIG_H
#define PVN_CONFIG_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pvn_boot_format { PVN_BOOT_AUTO, PVN_BOOT_ELF, PVN_BOOT_FLAT, PVN_BOOT_LINUX, PVN_BOOT_BZIMAGE };
enum pvn_console_output { PVN_CONSOLE_STDOUT, PVN_CONSOLE_STDERR, PVN_CONSOLE_FILE, PVN_CONSOLE_NONE };
enum pvn_plugin_mode { PVN_PLUGIN_ENFORCE, PVN_PLUGIN_PERMISSIVE };

struct pvn_plugin_cfg {
	char *path; /* resolved against the config file's directory */
	bool enabled;
	int line;
	const config_setting_t *settings; /* the plugin's own group, or NULL */
};

struct pvn_config {
	char *file; /* as given */
	char *dir;  /* directory of the file, for relative paths */
	config_t lc;
	bool lc_valid;

	char *name;
	uint64_t memory_bytes;
	uint64_t vtl2_bytes;
	unsigned vps;

	struct {
		char *image;
		enum pvn_boot_format format;
		bool has_load_address, has_entry, has_stack;
		uint64_t load_address, entry, stack;
		bool all_vps; /* every VP starts at the entry point */
		char *initrd;  /* format "linux" only */
		char *cmdline; /* format "linux" or igvm */
		char *igvm;    /* IGVM file (instead of image), resolved */
	} boot;

	bool hyperv; /* the Hyper-V interface (CPUID, MSRs, hypercalls, SynIC) */
	bool acpi;   /* ACPI tables at 0xe0000 */
	struct {
		bool enabled;       /* the VMBus server (needs hyperv) */
		unsigned echo;      /* test echo channels to offer */
	} vmbus;
	bool pit;    /* the legacy 8254 PIT (off: it makes VM teardown slow) */

	struct {
		enum pvn_console_output output;
		char *path;
	} console;

	int log_level; /* -1: not set */

	struct pvn_plugin_cfg *plugins;
	size_t nr_plugins;
	struct {
		char *trust_store;
		char *revocation_list;
		enum pvn_plugin_mode mode;
	} plugin_policy;
};

/* Load and validate. On error returns -EINVAL (or -ENOENT, ...) and writes
 * "FILE:LINE: KEY: what is wrong" into err. */
int pvn_config_load(const char *path, struct pvn_config *cfg, char *err, size_t errlen);
void pvn_config_free(struct pvn_config *cfg);

/* Resolve a path from the config against the config file's directory. */
char *pvn_config_path(const struct pvn_config *cfg, const char *p);

#endif
