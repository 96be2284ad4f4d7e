/* SPDX-License-Identifier: MIT */
/*
 * A signed plugin provides a device to the guest. The host signs
 * tests/plugins/tp-ok.so with a fresh key, puts the public key in a trust
 * store and builds the VM from a config that lists the plugin (port 0x710 in
 * its settings); pvn_instance_create loads it. The guest talks to it: port
 * 0x710 echoes the byte written, port 0x711 reads out the greeting.
 *
 * The same guest image runs the example plugin (examples/plugin-hello), which
 * speaks the same protocol, from tests/plugins/example.sh.
 */
#ifdef PVN_GUEST
#include "lib/guest.h"

#define PORT 0x710

void guest_main(unsigned vp, unsigned nr_vps)
{
	char buf[64];
	unsigned n = 0;

	outb(PORT, 0x5a);
	GUEST_ASSERT_EQ(inb(PORT), 0x5a);
	outb(PORT, 0xa5);
	GUEST_ASSERT_EQ(inb(PORT), 0xa5);
	outb(PORT + 1, 0); /* rewind the greeting */
	while (n < sizeof(buf) - 1 && (buf[n] = (char)inb(PORT + 1)))
		n++;
	buf[n] = 0;
	guest_printf("plugin says: %s", buf);
	GUEST_ASSERT(n >= 5);
	GUEST_ASSERT_EQ(buf[0], 'H');
	GUEST_ASSERT_EQ(buf[1], 'e');
	GUEST_ASSERT_EQ(buf[4], 'o');
	guest_value("greeting_len", n);
	guest_done();
}
#else
#include "tests/guests/harness.h"
#include "runtime/plugin/plugin.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_file(const char *path, const uint8_t *buf, size_t len)
{
	FILE *f = fopen(path, "we");
	if (!f)
		return -1;
	size_t n = fwrite(buf, 1, len, f);
	return fclose(f) || n != len ? -1 : 0;
}

int main(void)
{
	char exe[512], dir[512], tmp[] = "/tmp/pvn-gt-plugin-XXXXXX", path[1024], so[1024],
							       marker[1024], why[512];
	char extra[4096];
	struct pvn_key key;
	struct gt t;
	uint8_t *buf;
	size_t len;
	bool found;
	ssize_t n;
	int r;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0 || !mkdtemp(tmp))
		return 1;
	exe[n] = 0;
	snprintf(dir, sizeof(dir), "%s", dirname(exe));

	/* Sign the test plugin with a fresh publisher key; trust that key. */
	snprintf(so, sizeof(so), "%s/../plugins/tp-ok.so", dir);
	if (pvn_key_generate(&key) || pvn_read_file(so, 64 << 20, &buf, &len)) {
		fprintf(stderr, "cannot read %s or make a key\n", so);
		return 1;
	}
	GT_CHECK(!pvn_plugin_sign_buffer(&key, &buf, &len, why, sizeof(why)));
	snprintf(path, sizeof(path), "%s/trust", tmp);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/trust/test.pub", tmp);
	snprintf(so, sizeof(so), "%s/tp-ok.so", tmp);
	snprintf(marker, sizeof(marker), "%s/ctor", tmp);
	GT_CHECK(!pvn_key_save(&key, strcat(strcpy(extra, tmp), "/test.key"), path, why,
			       sizeof(why)));
	GT_CHECK(!write_file(so, buf, len));
	free(buf);
	pvn_key_free(&key);
	setenv("PVN_TEST_MARKER", marker, 1);

	snprintf(extra, sizeof(extra),
		 "plugins = ( { path = \"%s\"; settings = { port = 0x710; verbose = true; "
		 "greeting = \"Hello, guest\"; tags = [ \"a\", \"b\" ]; }; } );\n"
		 "plugin_policy = { trust_store = \"%s/trust\"; mode = \"enforce\"; };\n",
		 so, tmp);
	r = gt_init(&t, "plugin", extra);
	if (r == 77)
		return r;
	GT_CHECK(r == 0);
	GT_CHECK(access(marker, F_OK) == 0); /* the plugin's constructor ran */
	if (!r) {
		r = gt_run(&t);
		GT_CHECK(t.done_vps == 1);
		GT_CHECK(gt_value(&t, "greeting_len", &found) == strlen("Hello, guest") && found);
	}
	gt_fini(&t);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmp);
	if (system(path))
		fprintf(stderr, "cannot remove %s\n", tmp);
	return r || gt_failures ? 1 : 0;
}
#endif
