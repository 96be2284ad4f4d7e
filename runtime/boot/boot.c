/* SPDX-License-Identifier: MIT */
#include "runtime/boot/boot.h"
#include "runtime/boot/igvm_boot.h"
#include "runtime/boot/linux_protocol.h"
#include "runtime/config/config.h"
#include "runtime/core/log.h"
#include "runtime/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
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

static int setup_long64(struct pvn_vm *vm, uint64_t entry, uint64_t stack, uint64_t rsi,
			bool linux_gdt)
{
	static const uint64_t pvn_gdt[] = {
		0,
		0x00af9a000000ffffULL, /* 0x08 code64 DPL0 */
		0x00cf92000000ffffULL, /* 0x10 data DPL0 */
		0x00cff2000000ffffULL, /* 0x18 data DPL3 */
		0x00affa000000ffffULL, /* 0x20 code64 DPL3 */
	};
	/* Linux's boot GDT: __BOOT_CS = 0x10, __BOOT_DS = 0x18. */
	static const uint64_t linux_gdt_tbl[] = {
		0,
		0,
		0x00af9a000000ffffULL, /* 0x10 code64 */
		0x00cf92000000ffffULL, /* 0x18 data */
		0,
	};
	const uint64_t *gdt = linux_gdt ? linux_gdt_tbl : pvn_gdt;
	const size_t gdt_size = sizeof(pvn_gdt);
	uint16_t cs_sel = linux_gdt ? 0x10 : PVN_SEL_CODE64, ds_sel = linux_gdt ? 0x18 : PVN_SEL_DATA;
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
	memcpy(pt, gdt, gdt_size);
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

	struct pvn_segment code = {.base = 0, .limit = 0xffffffff, .selector = cs_sel,
				   .type = 0xb, .present = 1, .s = 1, .l = 1, .g = 1};
	struct pvn_segment data = {.base = 0, .limit = 0xffffffff, .selector = ds_sel,
				   .type = 0x3, .present = 1, .s = 1, .db = 1, .g = 1};
	struct pvn_segment tr = {.limit = 0xffff, .type = 0xb, .present = 1};
	struct pvn_segment ldt = {.type = 0x2, .present = 1, .limit = 0xffff};
	for (unsigned i = 0; i < vm->nr_vps; i++) {
		struct pvn_sregs s;
		struct pvn_regs regs = {.rip = entry, .rsp = stack, .rdi = i,
					.rsi = linux_gdt ? rsi : vm->nr_vps, .rflags = 0x2};
		if (i > 0 && !vm->all_vps_start)
			break;
		r = vm->be->vp_get_sregs(vm->vps[i].bvp, &s);
		if (r)
			return r;
		s.cs = code;
		s.ds = s.es = s.fs = s.gs = s.ss = data;
		s.tr = tr;
		s.ldt = ldt;
		s.gdt = (struct pvn_dtable){PVN_BOOT_GDT, gdt_size - 1};
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

int pvn_boot_setup_long64(struct pvn_vm *vm, uint64_t entry, uint64_t stack)
{
	return setup_long64(vm, entry, stack, 0, false);
}

/* The E820 map Linux gets: RAM from the memory map, minus the legacy holes
 * and reservations a PC has (and the ACPI tables Paravane puts there). */
static void linux_e820(struct pvn_vm *vm, struct linux_boot_params *bp)
{
	unsigned n = 0;
	for (size_t i = 0; i < vm->mem.nr && n + 4 < LINUX_E820_MAX; i++) {
		const struct pvn_mem_range *r = &vm->mem.ranges[i];
		if (r->kind != PVN_MEM_RAM || !(r->vtls & PVN_VTL0))
			continue;
		uint64_t start = r->gpa, end = r->gpa + r->size;
		if (start == 0) {
			/* [0, 0x9fc00) RAM, the EBDA and BIOS area reserved up to 1 MiB */
			bp->e820_table[n++] = (struct linux_e820_entry){0, 0x9fc00, LINUX_E820_RAM};
			bp->e820_table[n++] = (struct linux_e820_entry){0x9fc00, 0x100000 - 0x9fc00,
									LINUX_E820_RESERVED};
			start = 0x100000;
		}
		if (end > start)
			bp->e820_table[n++] =
				(struct linux_e820_entry){start, end - start, LINUX_E820_RAM};
	}
	bp->e820_entries = (uint8_t)n;
}

static int load_file_at(struct pvn_vm *vm, const char *path, uint64_t gpa, uint64_t *size,
			const char *what)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return -errno;
	}
	*size = (uint64_t)st.st_size;
	r = *size ? load_bytes(vm, fd, 0, gpa, *size, what) : 0;
	close(fd);
	return r;
}

/* A boot refusal: the reason goes where pvn_instance_create reports it. */
static int __attribute__((format(printf, 3, 4)))
boot_refuse(struct pvn_vm *vm, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(vm->mem.error, sizeof(vm->mem.error), fmt, ap);
	va_end(ap);
	return r;
}

/*
 * The zero page, command line and initrd, shared by both Linux formats.
 * hdr: the setup header of a bzImage, as its file has it (the kernel reads
 * its own fields back), or NULL for a vmlinux (Paravane fills in the fields
 * the kernel reads). The initrd goes at the top of low RAM, below the
 * kernel's initrd_addr_max and above kernel_end, the first byte past what
 * the kernel occupies while it starts.
 */
static int linux_boot_params(struct pvn_vm *vm, const struct linux_setup_header *hdr,
			     uint64_t kernel_end, const char *initrd, const char *cmdline)
{
	struct linux_boot_params *bp;
	size_t cl = cmdline ? strlen(cmdline) : 0;
	uint32_t cl_max = hdr && hdr->cmdline_size ? hdr->cmdline_size : 4095;
	int r;

	if (cl_max > 4095)
		cl_max = 4095;
	if (cl > cl_max)
		return boot_refuse(vm, -E2BIG, "boot.cmdline: %zu bytes; this kernel takes at most %u",
				   cl, cl_max);
	r = pvn_mem_add_reserved(&vm->mem, PVN_LINUX_ZERO_PAGE, 0x2000, "linux-boot-params");
	if (r)
		return r;
	/* Both pages were reserved above, so they are ours and inside RAM. */
	bp = pvn_mem_gpa_to_hva(&vm->mem, PVN_LINUX_ZERO_PAGE, sizeof(*bp), PVN_VTL0);
	char *cmd = pvn_mem_gpa_to_hva(&vm->mem, PVN_LINUX_CMDLINE, 4096, PVN_VTL0);
	if (!bp || !cmd)
		return -EFAULT;
	memset(bp, 0, sizeof(*bp));
	memset(cmd, 0, 4096);
	memcpy(cmd, cmdline ? cmdline : "", cl);
	if (hdr) {
		bp->hdr = *hdr;
	} else {
		bp->hdr.boot_flag = LINUX_BOOT_FLAG;
		bp->hdr.header = LINUX_HDRS_MAGIC;
		bp->hdr.version = 0x020f;
		bp->hdr.kernel_alignment = 0x200000;
	}
	bp->hdr.type_of_loader = 0xff; /* "undefined" boot loader */
	bp->hdr.loadflags |= LINUX_LOADED_HIGH | LINUX_CAN_USE_HEAP;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.cmd_line_ptr = (uint32_t)PVN_LINUX_CMDLINE;
	bp->hdr.ramdisk_image = 0;
	bp->hdr.ramdisk_size = 0;
	bp->acpi_rsdp_addr = vm->acpi_rsdp;
	if (initrd) {
		const struct pvn_mem_range *low = pvn_mem_find(&vm->mem, 0, PVN_MEM_RAM);
		uint64_t top = low ? low->size : 0, size = 0, max = 0x7fffffffULL;
		struct stat st;

		if (hdr && hdr->version >= 0x0203 && hdr->initrd_addr_max)
			max = hdr->initrd_addr_max;
		if (top > max + 1)
			top = max + 1;
		if (stat(initrd, &st) < 0)
			return -errno;
		if ((uint64_t)st.st_size > top || ((top - (uint64_t)st.st_size) & ~0xfffULL) < kernel_end)
			return boot_refuse(vm, -ENOSPC,
					   "boot.initrd: %s (%lld bytes) does not fit in RAM between the "
					   "kernel's end at 0x%" PRIx64 " and 0x%" PRIx64
					   ": give the VM more memory",
					   initrd, (long long)st.st_size, kernel_end, top);
		uint64_t gpa = (top - (uint64_t)st.st_size) & ~0xfffULL;
		r = load_file_at(vm, initrd, gpa, &size, "initrd");
		if (r)
			return r;
		bp->hdr.ramdisk_image = (uint32_t)gpa;
		bp->hdr.ramdisk_size = (uint32_t)size;
	}
	linux_e820(vm, bp);
	return 0;
}

int pvn_boot_linux(struct pvn_vm *vm, const char *kernel, const char *initrd,
		   const char *cmdline)
{
	uint64_t entry = 0;
	int r;

	r = reserve_boot_area(vm);
	if (!r)
		r = pvn_boot_load_elf(vm, kernel, &entry);
	/* A vmlinux is loaded low; 32 MiB clear of it was the old rule. */
	if (!r)
		r = linux_boot_params(vm, NULL, 0x2000000, initrd, cmdline);
	if (r)
		return r;
	vm->all_vps_start = false;
	return setup_long64(vm, entry, 0, PVN_LINUX_ZERO_PAGE, true);
}

/* Does the file start like a bzImage (boot sector flag and "HdrS")? */
static bool is_bzimage(const char *path)
{
	uint8_t b[0x206];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	bool ok;

	if (fd < 0)
		return false;
	ok = pread(fd, b, sizeof(b), 0) == (ssize_t)sizeof(b) && b[0x1fe] == 0x55 &&
	     b[0x1ff] == 0xaa && !memcmp(b + 0x202, "HdrS", 4);
	close(fd);
	return ok;
}

int pvn_boot_bzimage(struct pvn_vm *vm, const char *kernel, const char *initrd,
		     const char *cmdline)
{
	struct linux_setup_header hdr;
	struct stat st;
	uint8_t head[0x1000];
	uint64_t setup, pm_size, load, need;
	size_t hdr_end;
	int fd, r;

	fd = open(kernel, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	memset(head, 0, sizeof(head));
	if (st.st_size < 0x268 || pread(fd, head, sizeof(head), 0) < 0x268) {
		r = boot_refuse(vm, -ENOEXEC, "%s: %lld bytes: too short for a bzImage", kernel,
				(long long)st.st_size);
		goto out;
	}
	memcpy(&hdr, head + LINUX_SETUP_HEADER_OFFSET, sizeof(hdr));
	if (hdr.boot_flag != LINUX_BOOT_FLAG || hdr.header != LINUX_HDRS_MAGIC) {
		r = boot_refuse(vm, -ENOEXEC,
				"%s: not a bzImage: boot flag 0x%04x (want 0xaa55), setup header "
				"magic 0x%08x (want 0x%08x, \"HdrS\")",
				kernel, hdr.boot_flag, hdr.header, LINUX_HDRS_MAGIC);
		goto out;
	}
	if (hdr.version < LINUX_MIN_VERSION_64BIT || !(hdr.xloadflags & LINUX_XLF_KERNEL_64)) {
		r = boot_refuse(vm, -ENOEXEC,
				"%s: boot protocol %u.%02u without a 64-bit entry point (needs 2.12 "
				"and XLF_KERNEL_64)",
				kernel, hdr.version >> 8, hdr.version & 0xff);
		goto out;
	}
	/* The header's bytes end at 0x202 + the jump's displacement; what
	 * follows in the zero page is not the file's (keep it zero). */
	hdr_end = 0x202 + (size_t)head[LINUX_HEADER_JUMP_OFFSET];
	if (hdr_end < 0x268 || hdr_end > LINUX_SETUP_HEADER_OFFSET + sizeof(hdr))
		hdr_end = LINUX_SETUP_HEADER_OFFSET + sizeof(hdr);
	memset((uint8_t *)&hdr + (hdr_end - LINUX_SETUP_HEADER_OFFSET), 0,
	       LINUX_SETUP_HEADER_OFFSET + sizeof(hdr) - hdr_end);
	setup = ((uint64_t)(hdr.setup_sects ? hdr.setup_sects : LINUX_DEFAULT_SETUP_SECTS) + 1) *
		LINUX_SECTOR;
	pm_size = (uint64_t)hdr.syssize * 16;
	/* syssize counts the protected-mode part in 16-byte units: a file that
	 * ends before it is truncated. */
	if ((uint64_t)st.st_size <= setup || (uint64_t)st.st_size - setup < pm_size) {
		r = boot_refuse(vm, -ENOEXEC,
				"%s: truncated bzImage: %lld bytes, but its header says %" PRIu64
				" bytes of setup and %" PRIu64 " of kernel",
				kernel, (long long)st.st_size, setup, pm_size);
		goto out;
	}
	pm_size = (uint64_t)st.st_size - setup;
	/* The protected-mode kernel at its preferred address (2.10+), else at
	 * 16 MiB; it needs init_size bytes there to decompress itself. */
	load = hdr.pref_address;
	if (!load || load % 0x200000 || load < 0x100000)
		load = 0x1000000;
	need = hdr.init_size > pm_size ? hdr.init_size : pm_size;
	{
		const struct pvn_mem_range *low = pvn_mem_find(&vm->mem, 0, PVN_MEM_RAM);
		uint64_t ram = low ? low->size : 0;
		if (load + need > ram) {
			r = boot_refuse(vm, -E2BIG,
					"%s: the kernel needs 0x%" PRIx64 "-0x%" PRIx64
					" (%" PRIu64 " MiB from its load address, init_size included), "
					"beyond the VM's %" PRIu64 " MiB of low RAM: raise memory.size_mib",
					kernel, load, load + need - 1, (need + 0xfffff) >> 20,
					ram >> 20);
			goto out;
		}
	}
	r = reserve_boot_area(vm);
	if (!r)
		r = pvn_mem_check_loadable(&vm->mem, load, need, PVN_VTL0, "kernel");
	if (!r)
		r = load_bytes(vm, fd, (off_t)setup, load, pm_size, "kernel");
	if (r)
		goto out;
	/* What the kernel decompresses into must start out clean. The range was
	 * checked loadable above. */
	memset((uint8_t *)pvn_mem_gpa_to_hva(&vm->mem, load, need, PVN_VTL0) + pm_size, 0,
	       need - pm_size);
	r = linux_boot_params(vm, &hdr, load + need, initrd, cmdline);
	if (r)
		goto out;
	vm->all_vps_start = false;
	r = setup_long64(vm, load + LINUX_ENTRY64_OFFSET, 0, PVN_LINUX_ZERO_PAGE, true);
out:
	close(fd);
	return r;
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
	if (cfg->boot.igvm)
		return pvn_boot_igvm(vm, cfg->boot.igvm, cfg->boot.cmdline);
	if (fmt == PVN_BOOT_AUTO)
		fmt = is_bzimage(cfg->boot.image) ? PVN_BOOT_BZIMAGE
		      : is_elf(cfg->boot.image)   ? PVN_BOOT_ELF
						  : PVN_BOOT_FLAT;
	if (fmt == PVN_BOOT_LINUX)
		return pvn_boot_linux(vm, cfg->boot.image, cfg->boot.initrd, cfg->boot.cmdline);
	if (fmt == PVN_BOOT_BZIMAGE)
		return pvn_boot_bzimage(vm, cfg->boot.image, cfg->boot.initrd, cfg->boot.cmdline);
	if (cfg->boot.initrd || cfg->boot.cmdline)
		return boot_refuse(vm, -EINVAL,
				   "boot.%s: %s is %s, not a Linux kernel (bzImage or vmlinux with "
				   "format = \"linux\"): it takes no %s",
				   cfg->boot.initrd ? "initrd" : "cmdline", cfg->boot.image,
				   fmt == PVN_BOOT_ELF ? "an ELF image" : "a flat binary",
				   cfg->boot.initrd ? "initrd" : "command line");
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
