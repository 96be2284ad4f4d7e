/* SPDX-License-Identifier: MIT */
#include "runtime/boot/boot.h"
#include "runtime/config/config.h"
#include "runtime/core/log.h"
#include "runtime/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <libelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Read the whole of fd into guest RAM at [gpa, gpa+size), checked. */
static int load_bytes(struct pvn_vm *vm, int fd, off_t off, uint64_t gpa, uint64_t size,
		      const char *what)
{
	uint8_t *dst;
	int r = pvn_mem_check_loadable(&vm->mem, gpa, size, PVN_VTL0, what);
	if (r)
		return r;
	/* check_loadable proved [gpa, gpa+size) is inside one VTL0 RAM range. */
	dst = pvn_mem_gpa_to_hva(&vm->mem, gpa, size, PVN_VTL0);
	for (uint64_t done = 0; done < size;) {
		ssize_t n = pread(fd, dst + done, size - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			pvn_err("boot: %s: short read at offset %" PRIu64, what, (uint64_t)off + done);
			return n < 0 ? -errno : -EIO;
		}
		done += (uint64_t)n;
	}
	return 0;
}

int pvn_boot_load_flat(struct pvn_vm *vm, const char *path, uint64_t gpa)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0) {
		pvn_err("boot: cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fd, &st) < 0 || st.st_size == 0) {
		pvn_err("boot: %s is empty", path);
		close(fd);
		return -EINVAL;
	}
	r = load_bytes(vm, fd, 0, gpa, (uint64_t)st.st_size, "boot image");
	close(fd);
	return r;
}

int pvn_boot_load_elf(struct pvn_vm *vm, const char *path, uint64_t *entry)
{
	Elf *e = NULL;
	GElf_Ehdr eh;
	size_t nph;
	int fd, r = 0, loaded = 0;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -ENOSYS;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pvn_err("boot: cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    elf_getphdrnum(e, &nph)) {
		pvn_err("boot: %s is not an x86-64 ELF file", path);
		r = -ENOEXEC;
		goto out;
	}
	for (size_t i = 0; i < nph && !r; i++) {
		GElf_Phdr ph;
		uint8_t *seg;
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		if (ph.p_filesz > ph.p_memsz) {
			pvn_err("boot: %s: segment %zu has filesz > memsz", path, i);
			r = -ENOEXEC;
			break;
		}
		r = pvn_mem_check_loadable(&vm->mem, ph.p_paddr, ph.p_memsz, PVN_VTL0, "boot image");
		if (r)
			break;
		if (ph.p_filesz)
			r = load_bytes(vm, fd, (off_t)ph.p_offset, ph.p_paddr, ph.p_filesz,
				       "boot image");
		/* Zero the BSS part; the range was checked above. */
		seg = pvn_mem_gpa_to_hva(&vm->mem, ph.p_paddr, ph.p_memsz, PVN_VTL0);
		if (!r)
			memset(seg + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		loaded++;
	}
	if (!r && !loaded) {
		pvn_err("boot: %s has no loadable segment", path);
		r = -ENOEXEC;
	}
	*entry = eh.e_entry;
out:
	if (e)
		elf_end(e);
	close(fd);
	return r;
}

static int reserve_boot_area(struct pvn_vm *vm)
{
	const struct pvn_mem_range *rg = pvn_mem_find(&vm->mem, PVN_BOOT_GDT, PVN_MEM_RESERVED);
	if (rg && !strcmp(rg->owner, "boot-structures"))
		return 0;
	return pvn_mem_add_reserved(&vm->mem, PVN_BOOT_GDT, PVN_BOOT_AREA_END - PVN_BOOT_GDT,
				    "boot-structures");
}

int pvn_boot_setup_long64(struct pvn_vm *vm, uint64_t entry, uint64_t stack)
{
	static const uint64_t gdt[] = {
		0,
		0x00af9a000000ffffULL, /* 0x08 code64 DPL0 */
		0x00cf92000000ffffULL, /* 0x10 data DPL0 */
		0x00cff2000000ffffULL, /* 0x18 data DPL3 */
		0x00affa000000ffffULL, /* 0x20 code64 DPL3 */
	};
	uint64_t *pt;
	int r;

	r = reserve_boot_area(vm);
	if (r)
		return r;
	pt = pvn_mem_gpa_to_hva(&vm->mem, PVN_BOOT_GDT, PVN_BOOT_AREA_END - PVN_BOOT_GDT,
				PVN_VTL0);
	if (!pt) {
		pvn_err("boot: guest RAM does not cover the boot structures at 0x1000-0x7fff");
		return -EFAULT;
	}
	memset(pt, 0, PVN_BOOT_AREA_END - PVN_BOOT_GDT);
	memcpy(pt, gdt, sizeof(gdt));
	/* pt indexes 8-byte entries from 0x1000: PML4 at +0x1000, PDPT +0x2000, PDs +0x3000. */
	uint64_t *pml4 = pt + 0x1000 / 8, *pdpt = pt + 0x2000 / 8, *pd = pt + 0x3000 / 8;
	pml4[0] = 0x3000 | 0x7; /* present, writable, user */
	for (int i = 0; i < 4; i++)
		pdpt[i] = (0x4000 + 0x1000ULL * i) | 0x7;
	for (uint64_t i = 0; i < 2048; i++) {
		uint64_t addr = i << 21;
		pd[i] = addr | 0x87; /* present, writable, user, 2 MiB page */
		if (addr >= PVN_MMIO_HOLE_START)
			pd[i] |= 0x18; /* PWT|PCD: the MMIO hole is uncached */
	}

	struct pvn_segment code = {.base = 0, .limit = 0xffffffff, .selector = PVN_SEL_CODE64,
				   .type = 0xb, .present = 1, .s = 1, .l = 1, .g = 1};
	struct pvn_segment data = {.base = 0, .limit = 0xffffffff, .selector = PVN_SEL_DATA,
				   .type = 0x3, .present = 1, .s = 1, .db = 1, .g = 1};
	struct pvn_segment tr = {.limit = 0xffff, .type = 0xb, .present = 1};
	struct pvn_segment ldt = {.type = 0x2, .present = 1, .limit = 0xffff};
	for (unsigned i = 0; i < vm->nr_vps; i++) {
		struct pvn_sregs s;
		struct pvn_regs regs = {.rip = entry, .rsp = stack, .rdi = i, .rsi = vm->nr_vps,
					.rflags = 0x2};
		if (i > 0 && !vm->all_vps_start)
			break;
		r = vm->be->vp_get_sregs(vm->vps[i].bvp, &s);
		if (r)
			return r;
		s.cs = code;
		s.ds = s.es = s.fs = s.gs = s.ss = data;
		s.tr = tr;
		s.ldt = ldt;
		s.gdt = (struct pvn_dtable){PVN_BOOT_GDT, sizeof(gdt) - 1};
		s.idt = (struct pvn_dtable){0, 0};
		s.cr0 = 0x80050033; /* PG, AM, WP, NE, ET, MP, PE */
		s.cr3 = PVN_BOOT_PML4;
		s.cr4 = 0x20 | 0x600; /* PAE, OSFXSR, OSXMMEXCPT */
		s.efer = 0x500;       /* LME, LMA */
		r = pvn_vm_set_vp_state(vm, i, &regs, &s);
		if (r)
			return r;
	}
	return 0;
}

static bool is_elf(const char *path)
{
	uint8_t m[4] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = read(fd, m, 4) == 4 && !memcmp(m, ELFMAG, SELFMAG);
	close(fd);
	return ok;
}

int pvn_boot_load(struct pvn_vm *vm, const struct pvn_config *cfg)
{
	enum pvn_boot_format fmt = cfg->boot.format;
	uint64_t entry = 0;
	int r;

	vm->all_vps_start = cfg->boot.all_vps;
	if (fmt == PVN_BOOT_AUTO)
		fmt = is_elf(cfg->boot.image) ? PVN_BOOT_ELF : PVN_BOOT_FLAT;
	/* Reserve the boot structures first so an image that overlaps them is refused. */
	if (fmt == PVN_BOOT_ELF) {
		r = reserve_boot_area(vm);
		if (!r)
			r = pvn_boot_load_elf(vm, cfg->boot.image, &entry);
	} else {
		uint64_t gpa = cfg->boot.has_load_address ? cfg->boot.load_address : 0x100000;
		r = reserve_boot_area(vm);
		if (!r)
			r = pvn_boot_load_flat(vm, cfg->boot.image, gpa);
		entry = gpa;
	}
	if (r)
		return r;
	if (cfg->boot.has_entry)
		entry = cfg->boot.entry;
	return pvn_boot_setup_long64(vm, entry, cfg->boot.has_stack ? cfg->boot.stack : 0);
}
