/* SPDX-License-Identifier: MIT */
/* Unit tests of the plugin wire formats: the signature trailer, the manifest
 * note, the revocation list, and signing an in-memory plugin. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/plugin/plugin.h"

static void test_trailer_roundtrip(void **state)
{
	struct pvn_sig_trailer t = {0}, u;
	uint8_t file[200] = {0};
	char why[128];

	for (int i = 0; i < PVN_SIG_LEN; i++)
		t.sig[i] = (uint8_t)i;
	memcpy(t.keyid, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	pvn_sig_encode_trailer(&t, file + sizeof(file) - PVN_SIG_TRAILER_SIZE);
	assert_int_equal(pvn_sig_parse_trailer(file, sizeof(file), &u, why, sizeof(why)), 0);
	assert_memory_equal(u.sig, t.sig, PVN_SIG_LEN);
	assert_memory_equal(u.keyid, t.keyid, PVN_KEYID_LEN);
	assert_int_equal(u.version, 1);
	assert_int_equal(u.length, PVN_SIG_TRAILER_SIZE);
	/* magic at the very end, little-endian fields at 72 and 76 */
	assert_memory_equal(file + sizeof(file) - 8, "~PVNSIG~", 8);
	assert_int_equal(file[sizeof(file) - PVN_SIG_TRAILER_SIZE + 72], 1);
	assert_int_equal(file[sizeof(file) - PVN_SIG_TRAILER_SIZE + 76], 96);
}

static void test_trailer_refusals(void **state)
{
	struct pvn_sig_trailer t = {0}, u;
	uint8_t file[200], *tr = file + sizeof(file) - PVN_SIG_TRAILER_SIZE;
	char why[128];

	memset(file, 0, sizeof(file));
	assert_int_equal(pvn_sig_parse_trailer(file, sizeof(file), &u, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "not signed"));
	assert_int_equal(pvn_sig_parse_trailer(file, 10, &u, why, sizeof(why)), -ENOENT);

	pvn_sig_encode_trailer(&t, tr);
	tr[72] = 2; /* version */
	assert_int_equal(pvn_sig_parse_trailer(file, sizeof(file), &u, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "version 2"));
	pvn_sig_encode_trailer(&t, tr);
	tr[76] = 95; /* length */
	assert_int_equal(pvn_sig_parse_trailer(file, sizeof(file), &u, why, sizeof(why)), -EBADMSG);
	pvn_sig_encode_trailer(&t, tr);
	tr[83] = 1; /* reserved */
	assert_int_equal(pvn_sig_parse_trailer(file, sizeof(file), &u, why, sizeof(why)), -EBADMSG);
	pvn_sig_encode_trailer(&t, tr);
	tr[95] ^= 1; /* magic */
	assert_int_equal(pvn_sig_parse_trailer(file, sizeof(file), &u, why, sizeof(why)), -ENOENT);
}

static void test_revocations(void **state)
{
	static const char ok[] =
		"# revoked publishers and plugins\n"
		"\n"
		"key 0011223344556677   # leaked 2025-01\n"
		"sha256 00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\n"
		"   key ffffffffffffffff\n";
	struct pvn_revocations r;
	uint8_t id[8] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77};
	uint8_t other[8] = {0};
	uint8_t d[32];
	char err[256];

	assert_int_equal(pvn_revocations_parse(ok, strlen(ok), "rl", &r, err, sizeof(err)), 0);
	assert_int_equal(r.nr_keys, 2);
	assert_int_equal(r.nr_digests, 1);
	assert_true(pvn_revoked_key(&r, id));
	assert_false(pvn_revoked_key(&r, other));
	for (int i = 0; i < 32; i++)
		d[i] = (uint8_t)((i % 16) * 0x11);
	assert_true(pvn_revoked_digest(&r, d));
	d[0] ^= 1;
	assert_false(pvn_revoked_digest(&r, d));
	pvn_revocations_free(&r);

	static const char *const bad[] = {
		"key 00112233\n",                    /* short */
		"key 001122334455667g\n",            /* not hex */
		"sha256 0011\n",                     /* short digest */
		"certificate 0011223344556677\n",    /* unknown kind */
		"key 0011223344556677 extra\n",      /* trailing junk */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[128];
		snprintf(text, sizeof(text), "# line 1\n%s", bad[i]);
		assert_int_equal(pvn_revocations_parse(text, strlen(text), "rl.txt", &r, err,
						       sizeof(err)),
				 -EINVAL);
		assert_non_null(strstr(err, "rl.txt:2:"));
	}
}

static void test_manifest_validate(void **state)
{
	struct pvn_manifest m = {PVN_MANIFEST_FORMAT, 1, 1, "good-name_1.0", "1", ""};
	char why[128];

	assert_int_equal(pvn_manifest_validate(&m, why, sizeof(why)), 0);
	m.format = 2;
	assert_int_equal(pvn_manifest_validate(&m, why, sizeof(why)), -EBADMSG);
	m.format = PVN_MANIFEST_FORMAT;
	memset(m.version, 'x', sizeof(m.version));
	assert_int_equal(pvn_manifest_validate(&m, why, sizeof(why)), -EBADMSG);
	assert_non_null(strstr(why, "NUL"));
	strcpy(m.version, "1");
	strcpy(m.name, "bad name");
	assert_int_equal(pvn_manifest_validate(&m, why, sizeof(why)), -EBADMSG);
	strcpy(m.name, "");
	assert_int_equal(pvn_manifest_validate(&m, why, sizeof(why)), -EBADMSG);
}

/* The real test plugin: manifest and descriptor read without running it. */
static void test_elf_inspect_and_sign(void **state)
{
	const char *b = getenv("PVN_BUILDDIR");
	char path[1024], why[256], hex[PVN_KEYID_HEX];
	struct pvn_elf_info e;
	struct pvn_sig_trailer t;
	struct pvn_key k;
	uint8_t *buf;
	size_t len, len1;

	snprintf(path, sizeof(path), "%s/tests/plugins/tp-ok.so", b ? b : ".");
	assert_int_equal(pvn_read_file(path, 64 << 20, &buf, &len), 0);
	assert_int_equal(pvn_elf_inspect(buf, len, &e, why, sizeof(why)), 0);
	assert_true(e.has_manifest);
	assert_string_equal(e.manifest.name, "testplug");
	assert_string_equal(e.manifest.version, "0.1.0");
	assert_int_equal(e.manifest.abi_major, PVN_PLUGIN_ABI_MAJOR);
	assert_int_equal(e.manifest.abi_minor, PVN_PLUGIN_ABI_MINOR);
	assert_string_equal(e.manifest.keyid, "");
	assert_true(e.has_descriptor);
	assert_int_equal(e.desc_struct_size, sizeof(struct pvn_plugin_descriptor));
	assert_int_equal(e.desc_sym_size, sizeof(struct pvn_plugin_descriptor));
	assert_string_equal(e.desc_name, "testplug"); /* through its relocation */
	assert_string_equal(e.desc_version, "0.1.0");

	/* Sign: key id into the manifest, trailer appended, signature valid. */
	assert_int_equal(pvn_key_generate(&k), 0);
	assert_int_equal(pvn_plugin_sign_buffer(&k, &buf, &len, why, sizeof(why)), 0);
	assert_int_equal(pvn_sig_parse_trailer(buf, len, &t, why, sizeof(why)), 0);
	assert_memory_equal(t.keyid, k.id, PVN_KEYID_LEN);
	assert_int_equal(pvn_sig_verify(&k, buf, len - PVN_SIG_TRAILER_SIZE, t.sig), 0);
	assert_int_equal(pvn_elf_inspect(buf, len - PVN_SIG_TRAILER_SIZE, &e, why, sizeof(why)), 0);
	pvn_keyid_hex(k.id, hex);
	assert_string_equal(e.manifest.keyid, hex);
	/* Re-signing replaces the trailer rather than stacking a second one. */
	len1 = len;
	assert_int_equal(pvn_plugin_sign_buffer(&k, &buf, &len, why, sizeof(why)), 0);
	assert_int_equal(len, len1);
	/* One flipped bit anywhere in the signed part breaks it. */
	buf[len / 2] ^= 0x10;
	assert_int_equal(pvn_sig_verify(&k, buf, len - PVN_SIG_TRAILER_SIZE, t.sig), -EKEYREJECTED);
	pvn_key_free(&k);
	free(buf);
}

/* The loader's static checks through pvn_plugin_verify, for the case that
 * paravane-sign cannot produce: a manifest naming another publisher. */
static void test_verify_manifest_keyid(void **state)
{
	const char *b = getenv("PVN_BUILDDIR");
	char path[1024], tmp[] = "/tmp/pvn-formats-XXXXXX", why[256], err[1024];
	struct pvn_plugin_verifier v = {0};
	struct pvn_plugin_image img;
	struct pvn_sig_trailer t = {0};
	struct pvn_elf_info e;
	uint8_t *buf;
	size_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/tests/plugins/tp-ok.so", b ? b : ".");
	assert_int_equal(pvn_read_file(path, 64 << 20, &buf, &len), 0);
	v.mode = PVN_PLUGIN_ENFORCE;
	v.has_trust = true;
	v.trust.keys = calloc(1, sizeof(*v.trust.keys));
	v.trust.dir = strdup("test");
	v.trust.nr = 1;
	assert_int_equal(pvn_key_generate(&v.trust.keys[0]), 0);
	v.trust.keys[0].file = strdup("test.pub");

	/* Properly signed: passes. */
	assert_int_equal(pvn_plugin_sign_buffer(&v.trust.keys[0], &buf, &len, why, sizeof(why)), 0);
	fd = mkstemp(tmp);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	assert_int_equal(pvn_plugin_verify(&v, tmp, &img, err, sizeof(err)), 0);
	assert_true(img.trusted);
	pvn_plugin_image_free(&img);

	/* Another key id in the manifest, then a valid signature over that. */
	len -= PVN_SIG_TRAILER_SIZE;
	assert_int_equal(pvn_elf_inspect(buf, len, &e, why, sizeof(why)), 0);
	memcpy(buf + e.manifest_offset + offsetof(struct pvn_manifest, keyid), "0000000000000000", 16);
	memcpy(t.keyid, v.trust.keys[0].id, PVN_KEYID_LEN);
	assert_int_equal(pvn_sig_sign(&v.trust.keys[0], buf, len, t.sig), 0);
	buf = realloc(buf, len + PVN_SIG_TRAILER_SIZE);
	pvn_sig_encode_trailer(&t, buf + len);
	len += PVN_SIG_TRAILER_SIZE;
	assert_int_equal(pwrite(fd, buf, len, 0), (ssize_t)len);
	assert_int_equal(pvn_plugin_verify(&v, tmp, &img, err, sizeof(err)), -EKEYREJECTED);
	assert_non_null(strstr(err, "the manifest names publisher key '0000000000000000'"));
	pvn_plugin_image_free(&img);

	close(fd);
	unlink(tmp);
	free(buf);
	pvn_trust_free(&v.trust);
}

static void test_hex(void **state)
{
	uint8_t id[8] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03}, back[8];
	char hex[PVN_KEYID_HEX];

	pvn_keyid_hex(id, hex);
	assert_string_equal(hex, "deadbeef00010203");
	assert_int_equal(pvn_hex_parse(hex, back, 8), 0);
	assert_memory_equal(back, id, 8);
	assert_int_equal(pvn_hex_parse("deadbeef0001020", back, 8), -EINVAL);
	assert_true(pvn_plugin_name_valid("a.b-c_d"));
	assert_false(pvn_plugin_name_valid("a/b"));
	assert_false(pvn_plugin_name_valid("0123456789012345678901234567890123"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trailer_roundtrip),
		cmocka_unit_test(test_trailer_refusals),
		cmocka_unit_test(test_revocations),
		cmocka_unit_test(test_manifest_validate),
		cmocka_unit_test(test_elf_inspect_and_sign),
		cmocka_unit_test(test_verify_manifest_keyid),
		cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
