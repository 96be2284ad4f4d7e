/* SPDX-License-Identifier: MIT */
/*
 * Plugin signatures: the appended trailer, publisher keys, the trust store
 * and the revocation list. Shared by the loader and paravane-sign.
 *
 * Trailer (the last PVN_SIG_TRAILER_SIZE bytes of a signed plugin):
 *
 *   off  size  field
 *     0    64  Ed25519 signature over bytes [0, file_size - 96)
 *    64     8  key id of the signing key
 *    72     4  trailer version, little-endian (1)
 *    76     4  trailer length, little-endian (96)
 *    80     8  reserved, zero
 *    88     8  magic "~PVNSIG~"
 *
 * Everything before the trailer is signed with pure Ed25519 (no pre-hash).
 * A key id is the first 8 bytes of SHA-256 over the 32-byte raw public key,
 * written as 16 lower-case hex digits.
 *
 * Revocation list: a text file, one entry per line, '#' starts a comment:
 *   key <16 hex digits>       every plugin signed by that key is refused
 *   sha256 <64 hex digits>    the plugin file with that SHA-256 (of the whole
 *                             signed file, as sha256sum prints it) is refused
 */
#ifndef PVN_PLUGIN_SIGN_H
#define PVN_PLUGIN_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PVN_SIG_TRAILER_SIZE 96
#define PVN_SIG_TRAILER_VERSION 1
#define PVN_SIG_MAGIC "~PVNSIG~"
#define PVN_SIG_LEN 64
#define PVN_KEYID_LEN 8
#define PVN_KEYID_HEX (2 * PVN_KEYID_LEN + 1)

struct pvn_sig_trailer {
	uint8_t sig[PVN_SIG_LEN];
	uint8_t keyid[PVN_KEYID_LEN];
	uint32_t version;
	uint32_t length;
};

/*
 * Find and parse the trailer of [buf, buf+len). Returns 0 and fills *t;
 * -ENOENT when there is no trailer (no magic: the file is unsigned);
 * -EBADMSG when there is one but a field is wrong (why says which).
 */
int pvn_sig_parse_trailer(const uint8_t *buf, size_t len, struct pvn_sig_trailer *t, char *why,
			  size_t whylen);
/* Encode t into out[PVN_SIG_TRAILER_SIZE]. */
void pvn_sig_encode_trailer(const struct pvn_sig_trailer *t, uint8_t *out);

void pvn_keyid_hex(const uint8_t id[PVN_KEYID_LEN], char out[PVN_KEYID_HEX]);
/* Parse exactly 2*n hex digits. */
int pvn_hex_parse(const char *s, uint8_t *out, size_t n);

/* An Ed25519 key (public, or a private key with its public half). Opaque
 * wrapper around an OpenSSL EVP_PKEY. */
struct pvn_key {
	void *pkey; /* EVP_PKEY * */
	uint8_t id[PVN_KEYID_LEN];
	char *file;
};

int pvn_key_generate(struct pvn_key *k);
/* Read a PEM key. private: PKCS#8 private key, else SubjectPublicKeyInfo.
 * -EINVAL (why says) when it is not an Ed25519 key. */
int pvn_key_load(const char *path, bool private_key, struct pvn_key *k, char *why, size_t whylen);
/* Write NAME.key (0600) and NAME.pub. */
int pvn_key_save(const struct pvn_key *k, const char *priv_path, const char *pub_path, char *why,
		 size_t whylen);
void pvn_key_free(struct pvn_key *k);

int pvn_sig_sign(const struct pvn_key *k, const uint8_t *data, size_t len,
		 uint8_t sig[PVN_SIG_LEN]);
/* 0 when sig is k's valid signature of data, else -EKEYREJECTED. */
int pvn_sig_verify(const struct pvn_key *k, const uint8_t *data, size_t len,
		   const uint8_t sig[PVN_SIG_LEN]);

/* A directory of publisher public keys (*.pub). */
struct pvn_trust {
	char *dir;
	struct pvn_key *keys;
	size_t nr;
};
/* Load every *.pub in dir. A file that is not an Ed25519 public key is an
 * error naming it (a typo in a trust store must not go unnoticed). */
int pvn_trust_load(const char *dir, struct pvn_trust *t, char *err, size_t errlen);
const struct pvn_key *pvn_trust_find(const struct pvn_trust *t, const uint8_t id[PVN_KEYID_LEN]);
void pvn_trust_free(struct pvn_trust *t);

struct pvn_revocations {
	uint8_t (*keys)[PVN_KEYID_LEN];
	size_t nr_keys;
	uint8_t (*digests)[32];
	size_t nr_digests;
};
/* Parse a revocation list from text (file names it in errors: FILE:LINE). */
int pvn_revocations_parse(const char *text, size_t len, const char *file,
			  struct pvn_revocations *r, char *err, size_t errlen);
int pvn_revocations_load(const char *path, struct pvn_revocations *r, char *err, size_t errlen);
bool pvn_revoked_key(const struct pvn_revocations *r, const uint8_t id[PVN_KEYID_LEN]);
bool pvn_revoked_digest(const struct pvn_revocations *r, const uint8_t digest[32]);
void pvn_revocations_free(struct pvn_revocations *r);

void pvn_sha256(const void *data, size_t len, uint8_t out[32]);

/* Read a whole file into a malloc'd buffer (max_len guards memory). */
int pvn_read_file(const char *path, size_t max_len, uint8_t **out, size_t *len);

#endif
