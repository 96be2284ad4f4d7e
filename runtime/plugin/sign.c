/* SPDX-License-Identifier: MIT */
#include "runtime/plugin/sign.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v;
	p[1] = v >> 8;
	p[2] = v >> 16;
	p[3] = v >> 24;
}

int pvn_sig_parse_trailer(const uint8_t *buf, size_t len, struct pvn_sig_trailer *t, char *why,
			  size_t whylen)
{
	const uint8_t *p;

	if (len < PVN_SIG_TRAILER_SIZE ||
	    memcmp(buf + len - 8, PVN_SIG_MAGIC, 8)) {
		snprintf(why, whylen, "not signed (no paravane signature trailer)");
		return -ENOENT;
	}
	p = buf + len - PVN_SIG_TRAILER_SIZE;
	memcpy(t->sig, p, PVN_SIG_LEN);
	memcpy(t->keyid, p + 64, PVN_KEYID_LEN);
	t->version = get_le32(p + 72);
	t->length = get_le32(p + 76);
	if (t->version != PVN_SIG_TRAILER_VERSION) {
		snprintf(why, whylen, "signature trailer version %u is not supported (only %u)",
			 t->version, PVN_SIG_TRAILER_VERSION);
		return -EBADMSG;
	}
	if (t->length != PVN_SIG_TRAILER_SIZE) {
		snprintf(why, whylen, "signature trailer length %u, expected %u", t->length,
			 PVN_SIG_TRAILER_SIZE);
		return -EBADMSG;
	}
	for (int i = 80; i < 88; i++) {
		if (p[i]) {
			snprintf(why, whylen, "signature trailer reserved bytes are not zero");
			return -EBADMSG;
		}
	}
	return 0;
}

void pvn_sig_encode_trailer(const struct pvn_sig_trailer *t, uint8_t *out)
{
	memset(out, 0, PVN_SIG_TRAILER_SIZE);
	memcpy(out, t->sig, PVN_SIG_LEN);
	memcpy(out + 64, t->keyid, PVN_KEYID_LEN);
	put_le32(out + 72, PVN_SIG_TRAILER_VERSION);
	put_le32(out + 76, PVN_SIG_TRAILER_SIZE);
	memcpy(out + 88, PVN_SIG_MAGIC, 8);
}

void pvn_keyid_hex(const uint8_t id[PVN_KEYID_LEN], char out[PVN_KEYID_HEX])
{
	for (int i = 0; i < PVN_KEYID_LEN; i++)
		snprintf(out + 2 * i, 3, "%02x", id[i]);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int pvn_hex_parse(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

void pvn_sha256(const void *data, size_t len, uint8_t out[32])
{
	EVP_Digest(data, len, out, NULL, EVP_sha256(), NULL);
}

static int key_finish(struct pvn_key *k)
{
	uint8_t raw[32], digest[32];
	size_t rawlen = sizeof(raw);

	if (EVP_PKEY_get_id(k->pkey) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(k->pkey, raw, &rawlen) != 1 || rawlen != 32)
		return -EINVAL;
	pvn_sha256(raw, rawlen, digest);
	memcpy(k->id, digest, PVN_KEYID_LEN);
	return 0;
}

int pvn_key_generate(struct pvn_key *k)
{
	memset(k, 0, sizeof(*k));
	k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!k->pkey)
		return -EIO;
	return key_finish(k);
}

int pvn_key_load(const char *path, bool private_key, struct pvn_key *k, char *why, size_t whylen)
{
	FILE *f = fopen(path, "re");

	memset(k, 0, sizeof(*k));
	if (!f) {
		int r = -errno;
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return r;
	}
	k->pkey = private_key ? (void *)PEM_read_PrivateKey(f, NULL, NULL, NULL)
			      : (void *)PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!k->pkey || key_finish(k)) {
		snprintf(why, whylen, "%s: not a PEM Ed25519 %s key", path,
			 private_key ? "private" : "public");
		pvn_key_free(k);
		return -EINVAL;
	}
	k->file = strdup(path);
	return 0;
}

static int write_pem(const char *path, mode_t mode, const struct pvn_key *k, bool priv,
		     char *why, size_t whylen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	FILE *f;
	int ok;

	if (fd < 0 || fchmod(fd, mode) < 0) {
		int r = -errno;
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return r;
	}
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	ok = priv ? PEM_write_PrivateKey(f, k->pkey, NULL, NULL, 0, NULL, NULL)
		  : PEM_write_PUBKEY(f, k->pkey);
	if (fclose(f) || !ok) {
		snprintf(why, whylen, "%s: cannot write the key", path);
		return -EIO;
	}
	return 0;
}

int pvn_key_save(const struct pvn_key *k, const char *priv_path, const char *pub_path, char *why,
		 size_t whylen)
{
	int r = write_pem(priv_path, 0600, k, true, why, whylen);
	return r ? r : write_pem(pub_path, 0644, k, false, why, whylen);
}

void pvn_key_free(struct pvn_key *k)
{
	EVP_PKEY_free(k->pkey);
	free(k->file);
	memset(k, 0, sizeof(*k));
}

int pvn_sig_sign(const struct pvn_key *k, const uint8_t *data, size_t len,
		 uint8_t sig[PVN_SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t siglen = PVN_SIG_LEN;
	int ok;

	if (!ctx)
		return -ENOMEM;
	/* Ed25519 is used pure: no digest, the whole message in one call. */
	ok = EVP_DigestSignInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestSign(ctx, sig, &siglen, data, len) == 1 && siglen == PVN_SIG_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EIO;
}

int pvn_sig_verify(const struct pvn_key *k, const uint8_t *data, size_t len,
		   const uint8_t sig[PVN_SIG_LEN])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (!ctx)
		return -ENOMEM;
	ok = EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, k->pkey) == 1 &&
	     EVP_DigestVerify(ctx, sig, PVN_SIG_LEN, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : -EKEYREJECTED;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int pvn_trust_load(const char *dir, struct pvn_trust *t, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t nr = 0;
	int r = 0;

	memset(t, 0, sizeof(*t));
	if (!d) {
		r = -errno;
		snprintf(err, errlen, "trust store %s: %s", dir, strerror(errno));
		return r;
	}
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		char **nn;
		if (n < 5 || strcmp(e->d_name + n - 4, ".pub") || e->d_name[0] == '.')
			continue;
		nn = realloc(names, (nr + 1) * sizeof(*names));
		if (!nn || !(nn[nr] = strdup(e->d_name))) {
			names = nn ? nn : names;
			r = -ENOMEM;
			break;
		}
		names = nn;
		nr++;
	}
	closedir(d);
	if (!r)
		qsort(names, nr, sizeof(*names), cmp_names);
	t->dir = strdup(dir);
	t->keys = calloc(nr ? nr : 1, sizeof(*t->keys));
	if (!t->dir || !t->keys)
		r = -ENOMEM;
	for (size_t i = 0; !r && i < nr; i++) {
		char path[4096], why[512];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		r = pvn_key_load(path, false, &t->keys[t->nr], why, sizeof(why));
		if (r)
			snprintf(err, errlen, "trust store: %s", why);
		else
			t->nr++;
	}
	for (size_t i = 0; i < nr; i++)
		free(names[i]);
	free(names);
	if (r)
		pvn_trust_free(t);
	return r;
}

const struct pvn_key *pvn_trust_find(const struct pvn_trust *t, const uint8_t id[PVN_KEYID_LEN])
{
	for (size_t i = 0; t && i < t->nr; i++)
		if (!memcmp(t->keys[i].id, id, PVN_KEYID_LEN))
			return &t->keys[i];
	return NULL;
}

void pvn_trust_free(struct pvn_trust *t)
{
	for (size_t i = 0; t->keys && i < t->nr; i++)
		pvn_key_free(&t->keys[i]);
	free(t->keys);
	free(t->dir);
	memset(t, 0, sizeof(*t));
}

static int append(void **arr, size_t *nr, size_t elem, const void *v)
{
	void *n = realloc(*arr, (*nr + 1) * elem);
	if (!n)
		return -ENOMEM;
	memcpy((uint8_t *)n + *nr * elem, v, elem);
	*arr = n;
	(*nr)++;
	return 0;
}

int pvn_revocations_parse(const char *text, size_t len, const char *file,
			  struct pvn_revocations *rv, char *err, size_t errlen)
{
	size_t pos = 0;
	unsigned lineno = 0;
	int r = 0;

	memset(rv, 0, sizeof(*rv));
	while (!r && pos < len) {
		char line[256], kind[16], value[128], extra[8];
		size_t end = pos, n;
		uint8_t buf[32];
		char *hash;

		while (end < len && text[end] != '\n')
			end++;
		n = end - pos;
		lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, errlen, "%s:%u: line too long", file, lineno);
			r = -EINVAL;
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = 0;
		pos = end + 1;
		if ((hash = strchr(line, '#')))
			*hash = 0;
		int f = sscanf(line, "%15s %127s %7s", kind, value, extra);
		if (f <= 0)
			continue; /* blank or comment */
		if (f == 2 && !strcmp(kind, "key") && !pvn_hex_parse(value, buf, PVN_KEYID_LEN)) {
			r = append((void **)&rv->keys, &rv->nr_keys, PVN_KEYID_LEN, buf);
		} else if (f == 2 && !strcmp(kind, "sha256") && !pvn_hex_parse(value, buf, 32)) {
			r = append((void **)&rv->digests, &rv->nr_digests, 32, buf);
		} else {
			snprintf(err, errlen,
				 "%s:%u: expected 'key <16 hex digits>' or 'sha256 <64 hex digits>'",
				 file, lineno);
			r = -EINVAL;
		}
	}
	if (r)
		pvn_revocations_free(rv);
	return r;
}

int pvn_revocations_load(const char *path, struct pvn_revocations *rv, char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len;
	int r = pvn_read_file(path, 16 << 20, &buf, &len);

	memset(rv, 0, sizeof(*rv));
	if (r) {
		snprintf(err, errlen, "revocation list %s: %s", path, strerror(-r));
		return r;
	}
	r = pvn_revocations_parse((const char *)buf, len, path, rv, err, errlen);
	free(buf);
	return r;
}

bool pvn_revoked_key(const struct pvn_revocations *rv, const uint8_t id[PVN_KEYID_LEN])
{
	for (size_t i = 0; rv && i < rv->nr_keys; i++)
		if (!memcmp(rv->keys[i], id, PVN_KEYID_LEN))
			return true;
	return false;
}

bool pvn_revoked_digest(const struct pvn_revocations *rv, const uint8_t digest[32])
{
	for (size_t i = 0; rv && i < rv->nr_digests; i++)
		if (!memcmp(rv->digests[i], digest, 32))
			return true;
	return false;
}

void pvn_revocations_free(struct pvn_revocations *rv)
{
	free(rv->keys);
	free(rv->digests);
	memset(rv, 0, sizeof(*rv));
}

int pvn_read_file(const char *path, size_t max_len, uint8_t **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	int r;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > max_len) {
		close(fd);
		return S_ISREG(st.st_mode) ? -EFBIG : -EINVAL;
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	/* Read until EOF: what we check is exactly what we read, even if the
	 * file changed size since fstat. */
	for (;;) {
		ssize_t n;
		if (got == (size_t)st.st_size) {
			uint8_t probe;
			n = read(fd, &probe, 1);
			if (n == 0)
				break;
			r = n < 0 ? -errno : -EAGAIN; /* grew under us */
			goto fail;
		}
		n = read(fd, buf + got, st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			r = n < 0 ? -errno : -EAGAIN; /* shrank under us */
			goto fail;
		}
		got += n;
	}
	close(fd);
	*out = buf;
	*len = got;
	return 0;
fail:
	free(buf);
	close(fd);
	return r;
}
