/* SPDX-License-Identifier: MIT */
/*
 * The vTPM's permanent state on disk: one file, replaced atomically (temp
 * file, fsync, rename, fsync of the directory), so a crash at any point
 * leaves either the old or the new state.
 *
 * Format (all integers little-endian):
 *   header  32 bytes: magic "PVNTPMST", u32 format version (1), u32 flags
 *           (bit 0: encrypted), u64 payload length, u64 reserved (0)
 *   plain:      payload, then SHA-256 over header||payload
 *   encrypted:  12-byte IV, AES-256-GCM ciphertext of the payload, 16-byte
 *               tag; the header is the additional authenticated data
 * A file that fails any check (magic, version, length, digest, tag, or an
 * encryption mode that does not match the configured key) is refused with
 * a message saying which; it is never replaced by a fresh state.
 */
#ifndef PVN_VTPM_STATE_H
#define PVN_VTPM_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PVN_VTPM_STATE_MAGIC "PVNTPMST"
#define PVN_VTPM_STATE_VERSION 1u
#define PVN_VTPM_STATE_F_ENCRYPTED 1u
#define PVN_VTPM_STATE_MAX (64u << 20) /* refuse absurd files before reading them */

struct pvn_vtpm_state_hdr {
	char magic[8];
	uint32_t version;
	uint32_t flags;
	uint64_t payload_len;
	uint64_t reserved;
};
_Static_assert(sizeof(struct pvn_vtpm_state_hdr) == 32, "state header is 32 bytes");

struct pvn_vtpm_key {
	bool set;
	uint8_t k[32];
};

/* Read an AES-256 key: a file of exactly 32 bytes, or 64 hex digits
 * (optionally followed by a newline). Warns when others may read it. */
int pvn_vtpm_key_load(const char *path, struct pvn_vtpm_key *key, char *err, size_t errlen);
void pvn_vtpm_key_wipe(struct pvn_vtpm_key *key);

/* Load and verify the state at path into a malloc'd blob. -ENOENT when
 * there is no file (a new TPM); -EBADMSG for a corrupt, tampered or
 * wrongly keyed file; -EKEYREJECTED when the encryption mode does not
 * match `key` (key may be NULL or unset: plaintext expected). */
int pvn_vtpm_state_load(const char *path, const struct pvn_vtpm_key *key, uint8_t **blob,
			size_t *len, char *err, size_t errlen);
/* Write blob atomically (see above). */
int pvn_vtpm_state_save(const char *path, const struct pvn_vtpm_key *key, const uint8_t *blob,
			size_t len, char *err, size_t errlen);

#endif
