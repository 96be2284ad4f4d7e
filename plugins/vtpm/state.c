/* SPDX-License-Identifier: MIT */
/* The vTPM state file: atomic replacement, integrity, optional AES-256-GCM. */
#include "plugins/vtpm/state.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "plugins/vtpm/vtpm_log.h"

#define IV_LEN 12
#define TAG_LEN 16
#define DIGEST_LEN 32

static int read_all(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* short file */
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int pvn_vtpm_key_load(const char *path, struct pvn_vtpm_key *key, char *err, size_t errlen)
{
	uint8_t raw[80];
	struct stat st;
	ssize_t n;
	int fd, r = 0;

	memset(key, 0, sizeof(*key));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "key file %s: %s", path, strerror(errno));
		return r;
	}
	if (!fstat(fd, &st) && st.st_mode & 0077)
		vtpm_warn("key file %s is readable by group or others (mode %o)", path,
			  st.st_mode & 0777);
	n = read(fd, raw, sizeof(raw));
	close(fd);
	if (n == 32) {
		memcpy(key->k, raw, 32);
	} else if (n == 64 || (n == 65 && raw[64] == '\n')) {
		for (unsigned i = 0; i < 32; i++) {
			int hi = hexval(raw[2 * i]), lo = hexval(raw[2 * i + 1]);
			if (hi < 0 || lo < 0) {
				r = -EINVAL;
				break;
			}
			key->k[i] = (uint8_t)(hi << 4 | lo);
		}
	} else {
		r = -EINVAL;
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	if (r) {
		snprintf(err, errlen,
			 "key file %s: want 32 raw bytes or 64 hex digits (AES-256), got %zd bytes",
			 path, n);
		OPENSSL_cleanse(key, sizeof(*key));
		return r;
	}
	key->set = true;
	return 0;
}

void pvn_vtpm_key_wipe(struct pvn_vtpm_key *key)
{
	OPENSSL_cleanse(key, sizeof(*key));
}

static void hdr_fill(struct pvn_vtpm_state_hdr *h, bool enc, size_t len)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->magic, PVN_VTPM_STATE_MAGIC, 8);
	h->version = PVN_VTPM_STATE_VERSION; /* the host is little-endian (x86-64) */
	h->flags = enc ? PVN_VTPM_STATE_F_ENCRYPTED : 0;
	h->payload_len = len;
}

static int sha256(const void *a, size_t alen, const void *b, size_t blen, uint8_t out[32])
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	unsigned olen = 0;
	int ok = m && EVP_DigestInit_ex(m, EVP_sha256(), NULL) && EVP_DigestUpdate(m, a, alen) &&
		 EVP_DigestUpdate(m, b, blen) && EVP_DigestFinal_ex(m, out, &olen);
	EVP_MD_CTX_free(m);
	return ok && olen == 32 ? 0 : -EIO;
}

/* AES-256-GCM over in[len] with aad; enc: out gets ciphertext and tag is
 * written; dec: tag is checked (-EBADMSG on mismatch). */
static int gcm(bool enc, const uint8_t key[32], const uint8_t iv[IV_LEN], const void *aad,
	       size_t aadlen, const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[TAG_LEN])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, r = -EIO;

	if (!c || len > INT_MAX)
		goto out;
	if (!EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, IV_LEN, NULL) ||
	    !EVP_CipherInit_ex(c, NULL, NULL, key, iv, enc) ||
	    !EVP_CipherUpdate(c, NULL, &n, aad, (int)aadlen))
		goto out;
	if (len && !EVP_CipherUpdate(c, out, &n, in, (int)len))
		goto out;
	if (!enc && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag))
		goto out;
	if (!EVP_CipherFinal_ex(c, out + n, &n)) {
		r = enc ? -EIO : -EBADMSG;
		goto out;
	}
	if (enc && !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag))
		goto out;
	r = 0;
out:
	EVP_CIPHER_CTX_free(c);
	return r;
}

int pvn_vtpm_state_load(const char *path, const struct pvn_vtpm_key *key, uint8_t **blob,
			size_t *len, char *err, size_t errlen)
{
	struct pvn_vtpm_state_hdr h;
	uint8_t *file = NULL, *out = NULL;
	bool want_enc = key && key->set;
	size_t fsize, need;
	struct stat st;
	int fd, r;

	*blob = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "state file %s: %s", path, strerror(errno));
		return r;
	}
	if (fstat(fd, &st)) {
		r = -errno;
		snprintf(err, errlen, "state file %s: %s", path, strerror(errno));
		goto out;
	}
	fsize = (size_t)st.st_size;
	if (fsize < sizeof(h) || fsize > PVN_VTPM_STATE_MAX) {
		r = -EBADMSG;
		snprintf(err, errlen, "state file %s: corrupt (size %zu)", path, fsize);
		goto out;
	}
	file = malloc(fsize);
	if (!file) {
		r = -ENOMEM;
		snprintf(err, errlen, "state file %s: out of memory", path);
		goto out;
	}
	r = read_all(fd, file, fsize);
	if (r) {
		snprintf(err, errlen, "state file %s: read: %s", path, strerror(-r));
		goto out;
	}
	memcpy(&h, file, sizeof(h));
	r = -EBADMSG;
	if (memcmp(h.magic, PVN_VTPM_STATE_MAGIC, 8)) {
		snprintf(err, errlen, "state file %s: not a paravane vTPM state file (bad magic)",
			 path);
		goto out;
	}
	if (h.version != PVN_VTPM_STATE_VERSION || h.reserved ||
	    h.flags & ~PVN_VTPM_STATE_F_ENCRYPTED) {
		snprintf(err, errlen, "state file %s: unsupported format version %u flags 0x%x",
			 path, h.version, h.flags);
		goto out;
	}
	if (!!(h.flags & PVN_VTPM_STATE_F_ENCRYPTED) != want_enc) {
		r = -EKEYREJECTED;
		snprintf(err, errlen,
			 want_enc ? "state file %s is not encrypted but a key file is configured"
				  : "state file %s is encrypted and no key file is configured",
			 path);
		goto out;
	}
	/* payload_len comes from the file: bound it before any arithmetic. */
	need = want_enc ? IV_LEN + TAG_LEN : DIGEST_LEN;
	if (h.payload_len > PVN_VTPM_STATE_MAX || fsize != sizeof(h) + h.payload_len + need) {
		snprintf(err, errlen, "state file %s: corrupt (length %zu, header says %llu)", path,
			 fsize, (unsigned long long)h.payload_len);
		goto out;
	}
	out = malloc(h.payload_len ? h.payload_len : 1);
	if (!out) {
		r = -ENOMEM;
		goto out;
	}
	if (want_enc) {
		const uint8_t *iv = file + sizeof(h), *ct = iv + IV_LEN;
		uint8_t tag[TAG_LEN];
		memcpy(tag, ct + h.payload_len, TAG_LEN);
		r = gcm(false, key->k, iv, &h, sizeof(h), ct, h.payload_len, out, tag);
		if (r) {
			snprintf(err, errlen,
				 "state file %s: authentication failed (tampered, corrupt, or "
				 "encrypted under another key)",
				 path);
			r = -EBADMSG;
			goto out;
		}
	} else {
		uint8_t d[DIGEST_LEN];
		r = sha256(&h, sizeof(h), file + sizeof(h), h.payload_len, d);
		if (!r && CRYPTO_memcmp(d, file + sizeof(h) + h.payload_len, DIGEST_LEN))
			r = -EBADMSG;
		if (r) {
			snprintf(err, errlen, "state file %s: corrupt (digest mismatch)", path);
			goto out;
		}
		memcpy(out, file + sizeof(h), h.payload_len);
	}
	*blob = out;
	*len = h.payload_len;
	out = NULL;
	r = 0;
out:
	if (file) {
		OPENSSL_cleanse(file, fsize);
		free(file);
	}
	free(out);
	close(fd);
	return r;
}

static int fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, r = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd))
		r = -errno;
	close(fd);
	return r;
}

int pvn_vtpm_state_save(const char *path, const struct pvn_vtpm_key *key, const uint8_t *blob,
			size_t len, char *err, size_t errlen)
{
	bool enc = key && key->set;
	struct pvn_vtpm_state_hdr h;
	char tmp[PATH_MAX];
	uint8_t *file;
	size_t fsize;
	int fd, r;

	if (len > PVN_VTPM_STATE_MAX) {
		snprintf(err, errlen, "state of %zu bytes is too large", len);
		return -EFBIG;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		snprintf(err, errlen, "state path too long");
		return -ENAMETOOLONG;
	}
	fsize = sizeof(h) + len + (enc ? IV_LEN + TAG_LEN : DIGEST_LEN);
	file = malloc(fsize);
	if (!file) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	hdr_fill(&h, enc, len);
	memcpy(file, &h, sizeof(h));
	if (enc) {
		uint8_t *iv = file + sizeof(h), *ct = iv + IV_LEN;
		/* A fresh random IV per write: GCM must never reuse (key, IV). */
		r = RAND_bytes(iv, IV_LEN) == 1 ? 0 : -EIO;
		if (!r)
			r = gcm(true, key->k, iv, &h, sizeof(h), blob, len, ct, ct + len);
	} else {
		memcpy(file + sizeof(h), blob, len);
		r = sha256(&h, sizeof(h), blob, len, file + sizeof(h) + len);
	}
	if (r) {
		snprintf(err, errlen, "state %s: cannot %s", path, enc ? "encrypt" : "digest");
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "state %s: %s", tmp, strerror(errno));
		goto out;
	}
	r = write_all(fd, file, fsize);
	if (!r && fsync(fd))
		r = -errno;
	if (close(fd) && !r)
		r = -errno;
	if (r) {
		snprintf(err, errlen, "state %s: write: %s", tmp, strerror(-r));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path)) {
		r = -errno;
		snprintf(err, errlen, "state %s: rename: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	r = fsync_dir_of(path);
	if (r)
		snprintf(err, errlen, "state %s: fsync of the directory: %s", path, strerror(-r));
out:
	OPENSSL_cleanse(file, fsize);
	free(file);
	return r;
}
