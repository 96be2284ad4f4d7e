/* SPDX-License-Identifier: MIT */
/*
 * The plugin manifest: an ELF note that the loader reads with libelf before
 * any plugin code runs (dlopen would run constructors).
 *
 *   section  .note.paravane (SHT_NOTE, allocated)
 *   owner    "Paravane" (namesz 9, padded to 12)
 *   type     PVN_NOTE_MANIFEST (1)
 *   desc     struct pvn_manifest (104 bytes, little-endian on x86-64)
 *
 * A plugin states it once, at file scope, next to its descriptor:
 *
 *     PVN_PLUGIN_MANIFEST("hello", "1.0.0", "");
 *
 * The third argument is the publisher key id (16 hex digits). It may be left
 * empty: `paravane-sign sign` writes the id of the key it signs with into the
 * note (the field has a fixed size, so the file is patched in place) before
 * it computes the signature. The loader refuses a plugin whose manifest key
 * id differs from the key that signed it, and one whose name or ABI differs
 * from its descriptor.
 *
 * Added in ABI 1.0.
 */
#ifndef PARAVANE_MANIFEST_H
#define PARAVANE_MANIFEST_H

#include <stdint.h>

#define PVN_NOTE_SECTION ".note.paravane"
#define PVN_NOTE_OWNER "Paravane"
#define PVN_NOTE_MANIFEST 1u
#define PVN_MANIFEST_FORMAT 1u

#define PVN_MANIFEST_NAME_MAX 32
#define PVN_MANIFEST_VERSION_MAX 32
#define PVN_MANIFEST_KEYID_MAX 32

/* Every string is NUL-terminated inside its array. */
struct pvn_manifest {
	uint32_t format; /* PVN_MANIFEST_FORMAT */
	uint16_t abi_major;
	uint16_t abi_minor;
	char name[PVN_MANIFEST_NAME_MAX];       /* must equal the descriptor's name */
	char version[PVN_MANIFEST_VERSION_MAX]; /* must equal the descriptor's version */
	char keyid[PVN_MANIFEST_KEYID_MAX];     /* publisher key id, hex; set by paravane-sign */
};
_Static_assert(sizeof(struct pvn_manifest) == 104, "manifest wire size");

/* The whole note as it sits in the section. */
struct pvn_manifest_note {
	uint32_t namesz; /* 9 */
	uint32_t descsz; /* sizeof(struct pvn_manifest) */
	uint32_t type;   /* PVN_NOTE_MANIFEST */
	char owner[12];  /* "Paravane", NUL, padding */
	struct pvn_manifest desc;
};
_Static_assert(sizeof(struct pvn_manifest_note) == 128, "manifest note wire size");

/* The manifest for an explicit ABI version (tests build old and new ABIs). */
#define PVN_PLUGIN_MANIFEST_ABI(name_, version_, keyid_, major_, minor_)                           \
	__attribute__((section(PVN_NOTE_SECTION), used, aligned(4)))                             \
	static const struct pvn_manifest_note pvn_plugin_manifest_note_ = {                              \
		.namesz = sizeof(PVN_NOTE_OWNER),                                                \
		.descsz = sizeof(struct pvn_manifest),                                           \
		.type = PVN_NOTE_MANIFEST,                                                       \
		.owner = PVN_NOTE_OWNER,                                                         \
		.desc = {PVN_MANIFEST_FORMAT, (major_), (minor_), name_, version_, keyid_},      \
	}

/* The manifest for the ABI this header describes. */
#define PVN_PLUGIN_MANIFEST(name_, version_, keyid_)                                               \
	PVN_PLUGIN_MANIFEST_ABI(name_, version_, keyid_, PVN_PLUGIN_ABI_MAJOR, PVN_PLUGIN_ABI_MINOR)

#endif
