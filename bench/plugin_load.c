/* SPDX-License-Identifier: MIT */
/*
 * bench/plugin_load: how long loading a signed plugin takes, split into
 *   verify  read the file, check the trailer and Ed25519 signature against
 *           the trust store, stage the bytes in a sealed memfd, read the
 *           manifest and descriptor with libelf
 *   dlopen  dlopen of the memfd, dlsym and the live descriptor checks
 *   init    the plugin's init (claims, settings, a timer)
 * for tests/plugins/tp-big.so (the test plugin carrying 1 MiB of data).
 * One JSON object per line: one per iteration, then a summary with medians.
 *
 *   bench/plugin_load [ITERATIONS] [PLUGIN.so]
 */
#include "runtime/instance.h"
#include "runtime/plugin/plugin.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double median_us(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) / 1000.0;
}

int main(int argc, char **argv)
{
	int iters = argc > 1 ? atoi(argv[1]) : 20;
	char exe[512], dir[512], tmp[] = "/tmp/pvn-bench-plugin-XXXXXX", so[1024], path[1024],
							     cfgp[1024], why[512], err[1024];
	uint64_t *v, *d, *in, *tot;
	struct pvn_key key;
	struct stat st;
	uint8_t *buf;
	size_t len;
	ssize_t n;
	FILE *f;

	if (iters < 1)
		iters = 1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0 || !mkdtemp(tmp))
		return 1;
	exe[n] = 0;
	snprintf(dir, sizeof(dir), "%s", dirname(exe));
	if (argc > 2)
		snprintf(so, sizeof(so), "%s", argv[2]);
	else
		snprintf(so, sizeof(so), "%s/../tests/plugins/tp-big.so", dir);
	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("SKIP: no usable /dev/kvm (the benchmark loads into a real VM)\n");
		return 77;
	}
	if (pvn_key_generate(&key) || pvn_read_file(so, 256 << 20, &buf, &len) ||
	    pvn_plugin_sign_buffer(&key, &buf, &len, why, sizeof(why))) {
		fprintf(stderr, "cannot sign %s\n", so);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/trust", tmp);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/trust/bench.pub", tmp);
	snprintf(cfgp, sizeof(cfgp), "%s/bench.key", tmp);
	if (pvn_key_save(&key, cfgp, path, why, sizeof(why)))
		return 1;
	snprintf(path, sizeof(path), "%s/plugin.so", tmp);
	f = fopen(path, "we");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
		return 1;
	free(buf);
	pvn_key_free(&key);
	snprintf(cfgp, sizeof(cfgp), "%s/bench.cfg", tmp);
	f = fopen(cfgp, "we");
	if (!f)
		return 1;
	fprintf(f,
		"memory = { size_mib = 16; };\nboot = { image = \"%s/../tests/guests/plugin.elf\"; };\n"
		"console = { output = \"none\"; };\nlog_level = \"warn\";\n"
		"plugins = ( { path = \"%s\"; settings = { port = 0x710; }; } );\n"
		"plugin_policy = { trust_store = \"%s/trust\"; };\n",
		dir, path, tmp);
	fclose(f);
	stat(path, &st);

	v = calloc(iters, sizeof(*v));
	d = calloc(iters, sizeof(*d));
	in = calloc(iters, sizeof(*in));
	tot = calloc(iters, sizeof(*tot));
	for (int i = 0; i < iters; i++) {
		struct pvn_instance *inst;
		struct pvn_plugin_timing t;
		if (pvn_instance_create(cfgp, &inst, err, sizeof(err))) {
			fprintf(stderr, "load failed: %s\n", err);
			return 1;
		}
		if (pvn_plugin_set_timing(inst->plugins, 0, &t))
			return 1;
		v[i] = t.verify_ns;
		d[i] = t.dlopen_ns;
		in[i] = t.init_ns;
		tot[i] = v[i] + d[i] + in[i];
		printf("{\"bench\":\"plugin_load\",\"plugin\":\"%s\",\"file_bytes\":%zu,\"iter\":%d,"
		       "\"verify_us\":%.1f,\"dlopen_us\":%.1f,\"init_us\":%.1f,\"total_us\":%.1f}\n",
		       t.name, t.file_bytes, i, v[i] / 1000.0, d[i] / 1000.0, in[i] / 1000.0,
		       tot[i] / 1000.0);
		pvn_instance_destroy(inst);
	}
	double total = median_us(tot, iters);
	printf("{\"bench\":\"plugin_load\",\"summary\":true,\"file_bytes\":%lld,\"iterations\":%d,"
	       "\"verify_us_median\":%.1f,\"dlopen_us_median\":%.1f,\"init_us_median\":%.1f,"
	       "\"total_us_median\":%.1f,\"goal_us\":2000,\"goal_met\":%s}\n",
	       (long long)st.st_size, iters, median_us(v, iters), median_us(d, iters),
	       median_us(in, iters), total, total < 2000 ? "true" : "false");
	free(v);
	free(d);
	free(in);
	free(tot);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmp);
	return system(path) ? 1 : 0;
}
