/* SPDX-License-Identifier: MIT */
/*
 * What the loader learns from a plugin file without running any of it: the
 * manifest note and the descriptor's fixed fields, read with libelf from the
 * bytes in memory (dlopen would run constructors; this does not).
 */
#ifndef PVN_PLUGIN_MANIFEST_H
#define PVN_PLUGIN_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "paravane/plugin.h"

struct pvn_elf_info {
	bool has_manifest;
	struct pvn_manifest manifest;
	size_t manifest_offset; /* file offset of struct pvn_manifest (paravane-sign patches keyid) */

	bool has_descriptor;
	uint64_t desc_sym_size; /* st_size of the descriptor symbol */
	uint32_t desc_struct_size;
	uint16_t desc_abi_major, desc_abi_minor;
	/* Strings reached through the pointer fields' relocations; empty when
	 * the loader cannot tell statically (checked again after dlopen). */
	char desc_name[64];
	char desc_version[64];
};

/*
 * Inspect the ELF image [buf, buf+len) (without the signature trailer).
 * -ENOEXEC when it is not a shared object for this machine, -EBADMSG when the
 * manifest note is malformed; a missing manifest or descriptor is not an
 * error here (has_* say so). why says what is wrong.
 */
int pvn_elf_inspect(const uint8_t *buf, size_t len, struct pvn_elf_info *info, char *why,
		    size_t whylen);

/* Check a manifest's strings and format (NUL-terminated, name charset). */
int pvn_manifest_validate(const struct pvn_manifest *m, char *why, size_t whylen);

/* [A-Za-z0-9._-]{1,31} */
bool pvn_plugin_name_valid(const char *name);

#endif
