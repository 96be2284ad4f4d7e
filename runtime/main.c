/* SPDX-License-Identifier: MIT */
/* paravane: the command line. */
#include "config.h"
#include "runtime/core/log.h"
#include "runtime/instance.h"
#include "runtime/plugin/plugin.h"
#ifdef PVN_HAVE_VTPM_CLI
#include "plugins/vtpm/provision.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: paravane [OPTIONS] COMMAND VM.cfg\n"
		"\n"
		"Paravane runs a VM described by VM.cfg (libconfig syntax; see\n"
		"docs/operator-guide.md) on /dev/kvm, with its devices provided by the\n"
		"runtime and by signed plugins.\n"
		"\n"
		"Commands:\n"
		"  run VM.cfg      build the VM and run it until the guest powers off\n"
		"  check VM.cfg    validate the config (and that its files are readable)\n"
		"                  and every plugin's signature, manifest and ABI; runs\n"
		"                  no plugin code and no guest, and needs no KVM\n"
		"  plugins VM.cfg  list the plugins VM.cfg names: path, name and version,\n"
		"                  ABI, signer key id and whether the signature, manifest\n"
		"                  and ABI checks pass under its plugin_policy. Runs no\n"
		"                  plugin code and no guest; exit 1 if one would be refused\n");
#ifdef PVN_HAVE_VTPM_CLI
	pvn_vtpm_cli_usage(f);
#endif
	fprintf(f,
		"\n"
		"Options:\n"
		"  --stats         print exit counters per reason when the VM stops\n"
		"  --log-level L   error, warn, info (default) or debug; overrides log_level\n"
		"  -h, --help      show this help\n"
		"  -V, --version   show the version\n"
		"\n"
		"Exit status of run: the code the guest wrote to the power port (0x600);\n"
		"1 when the config, a plugin or the boot image is refused before the guest\n"
		"runs; 124 when the guest reset the machine; 125 on a fatal VP error;\n"
		"128+N when stopped by signal N.\n"
		"\n"
		"On a host without a usable /dev/kvm, run stops with exit 1 and says so;\n"
		"the uninstalled binary in a build tree instead re-runs the command in the\n"
		"nested test VM (tools/testvm; PVN_TESTVM=never turns that off).\n");
}

/* `paravane plugins`: the loader's static checks, nothing dlopen'd. */
static int list_plugins(const char *file)
{
	struct pvn_plugin_verifier v;
	struct pvn_config cfg;
	char err[1024] = "";
	int bad = 0, r;

	r = pvn_config_load(file, &cfg, err, sizeof(err));
	if (r) {
		fprintf(stderr, "paravane: %s\n", err);
		pvn_config_free(&cfg);
		return 1;
	}
	printf("%s: %zu plugin(s), policy %s, trust store %s, revocation list %s; runtime ABI "
	       "%d.%d\n",
	       file, cfg.nr_plugins,
	       cfg.plugin_policy.mode == PVN_PLUGIN_PERMISSIVE ? "permissive" : "enforce",
	       cfg.plugin_policy.trust_store ? cfg.plugin_policy.trust_store : "(none)",
	       cfg.plugin_policy.revocation_list ? cfg.plugin_policy.revocation_list : "(none)",
	       PVN_PLUGIN_ABI_MAJOR, PVN_PLUGIN_ABI_MINOR);
	r = pvn_plugin_verifier_open(&cfg, &v, err, sizeof(err));
	if (r) {
		fprintf(stderr, "paravane: %s\n", err);
		pvn_config_free(&cfg);
		return 1;
	}
	for (size_t i = 0; i < cfg.nr_plugins; i++) {
		const struct pvn_plugin_cfg *p = &cfg.plugins[i];
		struct pvn_plugin_image img;
		const struct pvn_manifest *m = &img.elf.manifest;

		printf("plugins.[%zu] %s\n", i, p->path);
		if (!p->enabled) {
			printf("    disabled (enabled = false): not checked, not loaded\n");
			continue;
		}
		r = pvn_plugin_verify(&v, p->path, &img, err, sizeof(err));
		if (img.elf.has_manifest)
			printf("    name %s, version %s, ABI %u.%u\n", m->name, m->version,
			       m->abi_major, m->abi_minor);
		printf("    signer: %s%s%s\n", img.is_signed ? "key " : "unsigned",
		       img.keyid, img.trusted ? " (trusted)" : "");
		if (r) {
			printf("    verification: REFUSED: %s\n", err);
			bad++;
		} else {
			printf("    verification: ok%s%s%s; would load\n",
			       img.trusted ? " (" : (img.is_signed ? " (untrusted key, permissive)"
								: " (unsigned, permissive)"),
			       img.trusted ? img.key_file : "", img.trusted ? ")" : "");
		}
		pvn_plugin_image_free(&img);
	}
	pvn_plugin_verifier_close(&v);
	pvn_config_free(&cfg);
	return bad ? 1 : 0;
}

/* `paravane check`: the config, every static plugin check (signature, trust,
 * revocation, manifest, ABI, duplicate names) and nothing that needs a
 * hypervisor or runs plugin code. */
static int check_config(const char *file)
{
	struct pvn_plugin_staged *staged = NULL;
	struct pvn_config cfg;
	char err[1024] = "";
	int r;

	r = pvn_config_load(file, &cfg, err, sizeof(err));
	if (!r)
		r = pvn_plugin_stage(&cfg, &staged, err, sizeof(err));
	if (r) {
		fprintf(stderr, "paravane: %s\n", err[0] ? err : strerror(-r));
		pvn_config_free(&cfg);
		return 1;
	}
	printf("%s: ok: %u VP(s), %llu MiB RAM, boot %s %s, %zu plugin(s) verified\n", file,
	       cfg.vps, (unsigned long long)(cfg.memory_bytes >> 20),
	       cfg.boot.igvm ? "igvm" : "image", cfg.boot.igvm ? cfg.boot.igvm : cfg.boot.image,
	       pvn_plugin_staged_count(staged));
	pvn_plugin_staged_free(staged);
	pvn_config_free(&cfg);
	return 0;
}

/*
 * A developer's convenience: the uninstalled binary in the build tree, on a
 * host without KVM, re-runs the same command inside the nested test VM
 * (tools/testvm prints one line saying so). An installed paravane, a run
 * already inside the test VM, and PVN_TESTVM=never keep the plain error.
 */
static void run_in_test_vm(char **argv)
{
	static const char self_path[] = PVN_BUILD_DIR "/paravane";
	static const char testvm[] = PVN_SOURCE_DIR "/tools/testvm";
	char exe[4096];
	const char *mode = getenv("PVN_TESTVM");
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int argc = 0;

	if (n <= 0 || getenv("PVN_TESTVM_INSIDE") || (mode && !strcmp(mode, "never")))
		return;
	exe[n] = 0;
	if (strcmp(exe, self_path) || access(testvm, X_OK))
		return;
	while (argv[argc])
		argc++;
	char **args = calloc((size_t)argc + 4, sizeof(*args));
	if (!args)
		return;
	args[0] = (char *)testvm;
	args[1] = (char *)"--";
	args[2] = exe;
	for (int i = 1; i < argc; i++)
		args[2 + i] = argv[i];
	fflush(NULL);
	execv(testvm, args);
	fprintf(stderr, "paravane: cannot run %s: %s\n", testvm, strerror(errno));
	free(args);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"stats", no_argument, NULL, 's'},
		{"log-level", required_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	int log_level = -1, c;
	bool stats = false;
	const char *cmd, *file;
	struct pvn_instance *inst = NULL;
	char err[512] = "";
	int r;

	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("paravane %s\n", PACKAGE_VERSION);
			return 0;
		case 's':
			stats = true;
			break;
		case 'l':
			log_level = pvn_log_level_parse(optarg);
			if (log_level < 0) {
				fprintf(stderr, "paravane: unknown log level '%s'\n", optarg);
				return 2;
			}
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
#ifdef PVN_HAVE_VTPM_CLI
	if (optind < argc && !strcmp(argv[optind], "vtpm"))
		return pvn_vtpm_cli_main(argc - optind, argv + optind);
#endif
	if (argc - optind != 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	file = argv[optind + 1];
	if (log_level >= 0)
		pvn_log_threshold = log_level;

	if (!strcmp(cmd, "check"))
		return check_config(file);
	if (!strcmp(cmd, "plugins"))
		return list_plugins(file);
	if (strcmp(cmd, "run")) {
		fprintf(stderr, "paravane: unknown command '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	r = pvn_instance_create(file, &inst, err, sizeof(err));
	if (r == PVN_ERR_NO_HYPERVISOR)
		run_in_test_vm(argv); /* returns only when that does not apply */
	if (r) {
		fprintf(stderr, "paravane: %s\n", err[0] ? err : strerror(-r));
		return PVN_EXIT_CODE_SETUP;
	}
	if (log_level >= 0)
		pvn_log_threshold = log_level;
	r = pvn_instance_run(inst);
	if (stats)
		pvn_vm_print_stats(inst->vm, stderr);
	pvn_instance_destroy(inst);
	return r;
}
