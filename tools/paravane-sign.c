/* SPDX-License-Identifier: MIT */
/*
 * paravane-sign: publisher keys and plugin signatures.
 *
 *   keygen NAME                       NAME.key (0600, PEM) and NAME.pub
 *   sign --key NAME.key PLUGIN.so     write the key id into the manifest,
 *                                     sign, append (or replace) the trailer
 *   verify --key NAME.pub PLUGIN.so   exit 0 only when the runtime would
 *   verify --trust DIR PLUGIN.so      accept the file (signature, manifest, ABI)
 *   show PLUGIN.so                    manifest, descriptor and signer
 *
 * Formats: runtime/plugin/sign.h and docs/plugin-guide.md.
 */
#include "config.h"
#include "runtime/core/log.h"
#include "runtime/plugin/plugin.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: paravane-sign COMMAND ...\n"
		"\n"
		"Commands:\n"
		"  keygen NAME                      create an Ed25519 publisher key: NAME.key\n"
		"                                   (private, mode 0600) and NAME.pub\n"
		"  sign --key NAME.key PLUGIN.so    sign PLUGIN.so in place (an existing\n"
		"                                   signature is replaced); [-o OUT] writes OUT\n"
		"  verify --key NAME.pub PLUGIN.so  check the signature with one key, or\n"
		"  verify --trust DIR PLUGIN.so     with a trust store (a directory of *.pub);\n"
		"                                   [--revocations FILE] also checks a\n"
		"                                   revocation list. Exit 0 only when valid.\n"
		"  show PLUGIN.so                   print the manifest and the signer\n"
		"\n"
		"Options: -h, --help; -V, --version\n");
}

static int cmd_keygen(int argc, char **argv)
{
	struct pvn_key k;
	char priv[4096], pub[4096], why[512], hex[PVN_KEYID_HEX];
	int r;

	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	snprintf(priv, sizeof(priv), "%s.key", argv[1]);
	snprintf(pub, sizeof(pub), "%s.pub", argv[1]);
	if (pvn_key_generate(&k)) {
		fprintf(stderr, "paravane-sign: cannot generate a key\n");
		return 1;
	}
	r = pvn_key_save(&k, priv, pub, why, sizeof(why));
	if (!r) {
		pvn_keyid_hex(k.id, hex);
		printf("key id %s: private key %s, public key %s\n", hex, priv, pub);
	} else {
		fprintf(stderr, "paravane-sign: %s\n", why);
	}
	pvn_key_free(&k);
	return r ? 1 : 0;
}

static int write_atomic(const char *path, const uint8_t *buf, size_t len, mode_t mode)
{
	char tmp[4096];
	size_t off = 0;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s.sign-XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto fail;
		off += n;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	if (rename(tmp, path) < 0) {
		int r = -errno;
		unlink(tmp);
		return r;
	}
	return 0;
fail: {
	int r = -errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return r ? r : -EIO;
}
}

static int cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"output", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	const char *keyfile = NULL, *out = NULL, *in;
	char why[512], hex[PVN_KEYID_HEX];
	struct pvn_key k;
	struct stat st;
	uint8_t *buf;
	size_t len;
	int c, r;

	while ((c = getopt_long(argc, argv, "k:o:", opts, NULL)) != -1) {
		if (c == 'k')
			keyfile = optarg;
		else if (c == 'o')
			out = optarg;
		else
			return 2;
	}
	if (!keyfile || argc - optind != 1) {
		usage(stderr);
		return 2;
	}
	in = argv[optind];
	out = out ? out : in;
	if (pvn_key_load(keyfile, true, &k, why, sizeof(why))) {
		fprintf(stderr, "paravane-sign: %s\n", why);
		return 1;
	}
	r = pvn_read_file(in, 512u << 20, &buf, &len);
	if (r) {
		fprintf(stderr, "paravane-sign: %s: %s\n", in, strerror(-r));
		pvn_key_free(&k);
		return 1;
	}
	r = pvn_plugin_sign_buffer(&k, &buf, &len, why, sizeof(why));
	if (r)
		fprintf(stderr, "paravane-sign: %s: %s\n", in, why);
	if (!r) {
		r = write_atomic(out, buf, len, stat(in, &st) ? 0755 : (st.st_mode & 07777));
		if (r)
			fprintf(stderr, "paravane-sign: %s: %s\n", out, strerror(-r));
	}
	if (!r) {
		pvn_keyid_hex(k.id, hex);
		printf("%s: signed by key %s\n", out, hex);
	}
	free(buf);
	pvn_key_free(&k);
	return r ? 1 : 0;
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"key", required_argument, NULL, 'k'},
		{"trust", required_argument, NULL, 't'},
		{"revocations", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	const char *keyfile = NULL, *trust = NULL, *revs = NULL;
	struct pvn_plugin_verifier v;
	struct pvn_plugin_image img;
	char err[1024];
	int c, r;

	while ((c = getopt_long(argc, argv, "k:t:r:", opts, NULL)) != -1) {
		if (c == 'k')
			keyfile = optarg;
		else if (c == 't')
			trust = optarg;
		else if (c == 'r')
			revs = optarg;
		else
			return 2;
	}
	if (!!keyfile == !!trust || argc - optind != 1) {
		usage(stderr);
		return 2;
	}
	memset(&v, 0, sizeof(v));
	v.mode = PVN_PLUGIN_ENFORCE;
	if (keyfile) {
		v.trust.keys = calloc(1, sizeof(*v.trust.keys));
		v.trust.dir = strdup(keyfile);
		if (!v.trust.keys || !v.trust.dir ||
		    pvn_key_load(keyfile, false, &v.trust.keys[0], err, sizeof(err))) {
			fprintf(stderr, "paravane-sign: %s\n", v.trust.keys ? err : "out of memory");
			pvn_trust_free(&v.trust);
			return 1;
		}
		v.trust.nr = 1;
		v.has_trust = true;
	} else {
		if (pvn_trust_load(trust, &v.trust, err, sizeof(err))) {
			fprintf(stderr, "paravane-sign: %s\n", err);
			return 1;
		}
		v.has_trust = true;
	}
	if (revs) {
		if (pvn_revocations_load(revs, &v.rev, err, sizeof(err))) {
			fprintf(stderr, "paravane-sign: %s\n", err);
			pvn_plugin_verifier_close(&v);
			return 1;
		}
		v.has_revocations = true;
		v.revocation_file = strdup(revs);
	}
	r = pvn_plugin_verify(&v, argv[optind], &img, err, sizeof(err));
	if (r)
		fprintf(stderr, "paravane-sign: %s\n", err);
	else
		printf("%s: ok: '%s' %s, ABI %u.%u, signed by key %s (%s)\n", argv[optind],
		       img.elf.manifest.name, img.elf.manifest.version, img.elf.manifest.abi_major,
		       img.elf.manifest.abi_minor, img.keyid, img.key_file);
	pvn_plugin_image_free(&img);
	pvn_plugin_verifier_close(&v);
	return r ? 1 : 0;
}

static int cmd_show(int argc, char **argv)
{
	struct pvn_sig_trailer t;
	struct pvn_elf_info e;
	char why[256], hex[PVN_KEYID_HEX];
	uint8_t *buf, d[32];
	size_t len, elf_len;
	int r;

	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	r = pvn_read_file(argv[1], 512u << 20, &buf, &len);
	if (r) {
		fprintf(stderr, "paravane-sign: %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	printf("file:        %s (%zu bytes)\n", argv[1], len);
	pvn_sha256(buf, len, d);
	printf("sha256:      ");
	for (int i = 0; i < 32; i++)
		printf("%02x", d[i]);
	printf("\n");
	elf_len = len;
	r = pvn_sig_parse_trailer(buf, len, &t, why, sizeof(why));
	if (!r) {
		pvn_keyid_hex(t.keyid, hex);
		printf("signer:      key %s (trailer v%u, %u bytes; use verify to check it)\n", hex,
		       t.version, t.length);
		elf_len -= PVN_SIG_TRAILER_SIZE;
	} else {
		printf("signer:      none: %s\n", why);
	}
	r = pvn_elf_inspect(buf, elf_len, &e, why, sizeof(why));
	if (r) {
		printf("manifest:    unreadable: %s\n", why);
	} else if (!e.has_manifest) {
		printf("manifest:    none\n");
	} else {
		printf("manifest:    name '%s', version '%s', ABI %u.%u, publisher key '%s'\n",
		       e.manifest.name, e.manifest.version, e.manifest.abi_major,
		       e.manifest.abi_minor, e.manifest.keyid);
	}
	if (!r && e.has_descriptor)
		printf("descriptor:  %s: %u bytes (symbol %llu), ABI %u.%u, name '%s', version "
		       "'%s'\n",
		       PVN_PLUGIN_DESCRIPTOR_SYMBOL, e.desc_struct_size,
		       (unsigned long long)e.desc_sym_size, e.desc_abi_major, e.desc_abi_minor,
		       e.desc_name[0] ? e.desc_name : "?", e.desc_version[0] ? e.desc_version : "?");
	else if (!r)
		printf("descriptor:  none (no %s symbol)\n", PVN_PLUGIN_DESCRIPTOR_SYMBOL);
	free(buf);
	return r ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("paravane-sign %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, PVN_PLUGIN_ABI_MAJOR,
		       PVN_PLUGIN_ABI_MINOR);
		return 0;
	}
	/* The loader's warnings go to stderr; keep them for errors only. */
	pvn_log_threshold = PVN_LOG_ERROR;
	if (!strcmp(argv[1], "keygen"))
		return cmd_keygen(argc - 1, argv + 1);
	if (!strcmp(argv[1], "sign"))
		return cmd_sign(argc - 1, argv + 1);
	if (!strcmp(argv[1], "verify"))
		return cmd_verify(argc - 1, argv + 1);
	if (!strcmp(argv[1], "show"))
		return cmd_show(argc - 1, argv + 1);
	fprintf(stderr, "paravane-sign: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
