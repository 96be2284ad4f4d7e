/* SPDX-License-Identifier: MIT */
#include "runtime/plugin/manifest.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <string.h>

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#define HOST_RELATIVE R_X86_64_RELATIVE
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#define HOST_RELATIVE R_AARCH64_RELATIVE
#else
#error "add this machine's ELF constants"
#endif

bool pvn_plugin_name_valid(const char *name)
{
	size_t n = strlen(name);
	if (!n || n >= PVN_MANIFEST_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

int pvn_manifest_validate(const struct pvn_manifest *m, char *why, size_t whylen)
{
	if (m->format != PVN_MANIFEST_FORMAT) {
		snprintf(why, whylen, "manifest format %u is not supported (only %u)", m->format,
			 PVN_MANIFEST_FORMAT);
		return -EBADMSG;
	}
	if (!memchr(m->name, 0, sizeof(m->name)) || !memchr(m->version, 0, sizeof(m->version)) ||
	    !memchr(m->keyid, 0, sizeof(m->keyid))) {
		snprintf(why, whylen, "manifest string not NUL-terminated");
		return -EBADMSG;
	}
	if (!pvn_plugin_name_valid(m->name)) {
		snprintf(why, whylen, "manifest name '%.31s' is not [A-Za-z0-9._-]{1,31}", m->name);
		return -EBADMSG;
	}
	return 0;
}

/* The file bytes at virtual address va, at least n of them, or NULL. Only
 * allocated sections with file contents count; all bounds are checked
 * against the image length. */
static const uint8_t *va_bytes(Elf *e, const uint8_t *buf, size_t len, uint64_t va, size_t n,
			       size_t *avail)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e, scn))) {
		if (!gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC) || sh.sh_type == SHT_NOBITS)
			continue;
		if (va < sh.sh_addr || va - sh.sh_addr >= sh.sh_size)
			continue;
		uint64_t off = sh.sh_offset + (va - sh.sh_addr);
		uint64_t left = sh.sh_size - (va - sh.sh_addr);
		if (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset || left < n)
			return NULL;
		if (avail)
			*avail = left;
		return buf + off;
	}
	return NULL;
}

/* The value a pointer field at va will hold after relocation, as a vaddr. */
static bool reloc_target(Elf *e, const uint8_t *buf, size_t len, uint64_t va, uint64_t *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	const uint8_t *p;

	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELA || !sh.sh_entsize)
			continue;
		if (!(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Rela r;
			if (!gelf_getrela(d, (int)i, &r))
				break;
			if (r.r_offset == va && GELF_R_TYPE(r.r_info) == HOST_RELATIVE) {
				*out = (uint64_t)r.r_addend;
				return true;
			}
		}
	}
	/* RELR-packed or REL relocations keep the target in place. */
	p = va_bytes(e, buf, len, va, 8, NULL);
	if (!p)
		return false;
	memcpy(out, p, 8);
	return *out != 0;
}

static void read_string_field(Elf *e, const uint8_t *buf, size_t len, uint64_t field_va,
			      char *out, size_t outlen)
{
	uint64_t target;
	const uint8_t *p;
	size_t avail;

	out[0] = 0;
	if (!reloc_target(e, buf, len, field_va, &target))
		return;
	p = va_bytes(e, buf, len, target, 1, &avail);
	if (!p)
		return;
	/* Bounded by the section (avail) and by outlen. */
	size_t n = strnlen((const char *)p, avail < outlen ? avail : outlen - 1);
	if (n == outlen - 1 || n == avail)
		return; /* unterminated or too long: leave it to the dlopen-time check */
	memcpy(out, p, n);
	out[n] = 0;
}

static int find_manifest(Elf *e, const uint8_t *buf, size_t len, struct pvn_elf_info *info,
			 char *why, size_t whylen)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	size_t shstrndx;

	if (elf_getshdrstrndx(e, &shstrndx))
		return 0;
	while ((scn = elf_nextscn(e, scn))) {
		const char *name;
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t off = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || strcmp(name, PVN_NOTE_SECTION))
			continue;
		if (sh.sh_offset > len || sh.sh_size > len - sh.sh_offset) {
			snprintf(why, whylen, "%s section lies outside the file", PVN_NOTE_SECTION);
			return -EBADMSG;
		}
		if (!(d = elf_getdata(scn, NULL)))
			continue;
		while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_namesz != sizeof(PVN_NOTE_OWNER) ||
			    memcmp((const char *)d->d_buf + name_off, PVN_NOTE_OWNER,
				   sizeof(PVN_NOTE_OWNER)) ||
			    nh.n_type != PVN_NOTE_MANIFEST)
				continue;
			if (info->has_manifest) {
				snprintf(why, whylen, "more than one manifest note");
				return -EBADMSG;
			}
			if (nh.n_descsz != sizeof(struct pvn_manifest)) {
				snprintf(why, whylen, "manifest note is %u bytes, expected %zu",
					 nh.n_descsz, sizeof(struct pvn_manifest));
				return -EBADMSG;
			}
			/* gelf_getnote checked desc_off + descsz against d_size. */
			memcpy(&info->manifest, (const uint8_t *)d->d_buf + desc_off,
			       sizeof(info->manifest));
			info->manifest_offset = sh.sh_offset + desc_off;
			info->has_manifest = true;
		}
	}
	if (info->has_manifest)
		return pvn_manifest_validate(&info->manifest, why, whylen);
	return 0;
}

static void find_descriptor(Elf *e, const uint8_t *buf, size_t len, struct pvn_elf_info *info)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *d;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize)
			continue;
		if (!(d = elf_getdata(scn, NULL)))
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *name;
			const uint8_t *p;

			if (!gelf_getsym(d, (int)i, &s))
				break;
			if (s.st_shndx == SHN_UNDEF || GELF_ST_TYPE(s.st_info) != STT_OBJECT)
				continue;
			name = elf_strptr(e, sh.sh_link, s.st_name);
			if (!name || strcmp(name, PVN_PLUGIN_DESCRIPTOR_SYMBOL))
				continue;
			info->has_descriptor = true;
			info->desc_sym_size = s.st_size;
			/* The fixed fields: 8 bytes at the symbol, inside its section. */
			p = va_bytes(e, buf, len, s.st_value, 8, NULL);
			if (!p || s.st_size < 8)
				return;
			memcpy(&info->desc_struct_size, p, 4);
			memcpy(&info->desc_abi_major, p + 4, 2);
			memcpy(&info->desc_abi_minor, p + 6, 2);
			if (s.st_size >= PVN_PLUGIN_DESCRIPTOR_SIZE_1_0) {
				read_string_field(e, buf, len,
						  s.st_value +
							  offsetof(struct pvn_plugin_descriptor, name),
						  info->desc_name, sizeof(info->desc_name));
				read_string_field(e, buf, len,
						  s.st_value + offsetof(struct pvn_plugin_descriptor,
									version),
						  info->desc_version, sizeof(info->desc_version));
			}
			return;
		}
	}
}

int pvn_elf_inspect(const uint8_t *buf, size_t len, struct pvn_elf_info *info, char *why,
		    size_t whylen)
{
	GElf_Ehdr eh;
	Elf *e;
	int r;

	memset(info, 0, sizeof(*info));
	if (len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG)) {
		snprintf(why, whylen, "not an ELF file");
		return -ENOEXEC;
	}
	if (buf[EI_CLASS] != ELFCLASS64 || buf[EI_DATA] != ELFDATA2LSB) {
		snprintf(why, whylen, "not a 64-bit little-endian ELF file");
		return -ENOEXEC;
	}
	elf_version(EV_CURRENT);
	/* libelf only reads here: the image is native (checked above), so it
	 * needs no conversion. (The loader passes a read-only mapping of the
	 * sealed memfd it will dlopen: nothing here can alter those bytes.) */
	e = elf_memory((char *)buf, len);
	if (!e || !gelf_getehdr(e, &eh)) {
		snprintf(why, whylen, "malformed ELF: %s", elf_errmsg(-1));
		if (e)
			elf_end(e);
		return -ENOEXEC;
	}
	if (eh.e_type != ET_DYN || eh.e_machine != HOST_MACHINE) {
		snprintf(why, whylen, "not a shared object for this machine (type %u, machine %u)",
			 eh.e_type, eh.e_machine);
		elf_end(e);
		return -ENOEXEC;
	}
	r = find_manifest(e, buf, len, info, why, whylen);
	if (!r)
		find_descriptor(e, buf, len, info);
	elf_end(e);
	return r;
}
