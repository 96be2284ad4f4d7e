/* SPDX-License-Identifier: MIT */
/*
 * boot = { igvm = "FILE"; }: boot a VM from an IGVM image (docs/igvm.md,
 * "Booting").
 *
 * The file is parsed and validated by libparavane-igvm, the NATIVE platform
 * is chosen (or a VSM_ISOLATION platform whose highest VTL is 0: this
 * runtime is the VTL2 and gives IGVM images no VTL2 of their own), and
 * pvn_igvm_load() replays its directives:
 *  - REQUIRED_MEMORY and every imported range are checked against the VM's
 *    VTL0 RAM (the library does that from the ranges we describe) and,
 *    again, against the runtime's memory map: nothing is written outside
 *    guest RAM or over another owner's reservation (ACPI tables, ...);
 *  - parameters are filled from the runtime's real state: VP count, the
 *    memory map (VTL0 RAM, reservations inside it reported as
 *    PLATFORM_RESERVED), boot.cmdline (else the image's own), the 3-4 GiB
 *    MMIO hole, and the MADT copied from the runtime's ACPI tables;
 *  - VP contexts program the VPs they name.
 * Afterwards the GPAs the image used are reserved as "igvm" in the memory
 * map, so nothing else loads over them.
 */
#include "runtime/boot/igvm_boot.h"
#include "runtime/config/config.h"
#include "runtime/core/log.h"
#include "runtime/vm.h"

#include <paravane/igvm.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IGVM_OWNER "igvm"

struct gpa_span {
	uint64_t gpa, size;
};

struct igvm_boot {
	struct pvn_vm *vm;
	const char *path;
	struct pvn_igvm_mem_range *ram; /* VTL0 RAM, for the library's checks */
	size_t nr_ram;
	struct gpa_span *used; /* what the image wrote, merged where adjacent */
	size_t nr_used, cap_used;
	uint64_t ctx_vps; /* bitmask of VPs that got a context */
	char detail[256]; /* why a callback failed */
};

static void set_detail(struct igvm_boot *ib, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_detail(struct igvm_boot *ib, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ib->detail, sizeof(ib->detail), fmt, ap);
	va_end(ap);
}

static int read_whole(const char *path, uint8_t **out, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		e = -errno;
		close(fd);
		return e;
	}
	/* IGVM file offsets are 32-bit: no valid file is larger. */
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)UINT32_MAX) {
		close(fd);
		return -EFBIG;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (size_t done = 0; done < (size_t)st.st_size;) {
		ssize_t n = pread(fd, buf + done, (size_t)st.st_size - done, (off_t)done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? -errno : -EIO;
			free(buf);
			close(fd);
			return e;
		}
		done += (size_t)n;
	}
	close(fd);
	*out = buf;
	*len = (size_t)st.st_size;
	return 0;
}

static int note_used(struct igvm_boot *ib, uint64_t gpa, uint64_t size)
{
	struct gpa_span *last = ib->nr_used ? &ib->used[ib->nr_used - 1] : NULL;

	if (last && last->gpa + last->size == gpa) {
		last->size += size;
		return 0;
	}
	if (ib->nr_used == ib->cap_used) {
		size_t ncap = ib->cap_used ? ib->cap_used * 2 : 32;
		struct gpa_span *n = realloc(ib->used, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		ib->used = n;
		ib->cap_used = ncap;
	}
	ib->used[ib->nr_used++] = (struct gpa_span){gpa, size};
	return 0;
}

static int import_pages(void *opaque, uint64_t gpa, const void *data, uint64_t len,
			uint32_t flags, uint16_t data_type)
{
	struct igvm_boot *ib = opaque;
	struct pvn_vm *vm = ib->vm;
	uint8_t *dst;
	int r;

	(void)data_type; /* NATIVE images only carry normal pages */
	/* The library checked [gpa, gpa+len) against the RAM we described; the
	 * memory map also knows the other owners' reservations. */
	r = pvn_mem_check_loadable(&vm->mem, gpa, len, PVN_VTL0, IGVM_OWNER);
	if (r) {
		set_detail(ib, "%s", vm->mem.error);
		return r;
	}
	dst = pvn_mem_gpa_to_hva(&vm->mem, gpa, len, PVN_VTL0);
	if (!dst) {
		set_detail(ib, "0x%" PRIx64 "-0x%" PRIx64 " is not inside one RAM range", gpa,
			   gpa + len - 1);
		return -EFAULT;
	}
	if ((flags & PVN_IGVM_IMPORT_ZERO) || !data)
		memset(dst, 0, len);
	else
		memcpy(dst, data, len);
	return note_used(ib, gpa, len);
}

/* The memory map the guest gets: each VTL0 RAM range, split around the
 * reservations inside it (reported as PLATFORM_RESERVED). */
static int fill_memory_map(struct igvm_boot *ib, void *dst, size_t avail)
{
	const struct pvn_memmap *m = &ib->vm->mem;
	struct pvn_igvm_mem_range *out = NULL;
	size_t nr = 0, cap = 0;
	long n;

	for (size_t i = 0; i < m->nr; i++) {
		const struct pvn_mem_range *rg = &m->ranges[i];
		uint64_t cur = rg->gpa, end = rg->gpa + rg->size;

		if (rg->kind != PVN_MEM_RAM || !(rg->vtls & PVN_VTL0))
			continue;
		while (cur < end) {
			/* The first reservation (rounded out to pages) that ends past cur. */
			uint64_t rs = end, re = end;

			for (size_t j = 0; j < m->nr; j++) {
				const struct pvn_mem_range *x = &m->ranges[j];
				uint64_t s = x->gpa & ~(PVN_PAGE_SIZE - 1);
				uint64_t e = (x->gpa + x->size + PVN_PAGE_SIZE - 1) & ~(PVN_PAGE_SIZE - 1);

				if (x->kind != PVN_MEM_RESERVED || e <= cur || s >= end)
					continue;
				if (s < cur)
					s = cur;
				if (s < rs || (s == rs && e > re)) {
					rs = s;
					re = e < end ? e : end;
				}
			}
			for (int k = 0; k < 2; k++) {
				uint64_t a = k ? rs : cur, b = k ? re : rs;

				if (a >= b)
					continue;
				if (nr == cap) {
					size_t ncap = cap ? cap * 2 : 8;
					struct pvn_igvm_mem_range *p = realloc(out, ncap * sizeof(*p));

					if (!p) {
						free(out);
						return -ENOMEM;
					}
					out = p;
					cap = ncap;
				}
				out[nr++] = (struct pvn_igvm_mem_range){
					.gpa = a, .size = b - a,
					.type = k ? IGVM_MEMORY_MAP_PLATFORM_RESERVED
						  : IGVM_MEMORY_MAP_MEMORY,
				};
			}
			cur = re > cur ? re : end;
		}
	}
	n = pvn_igvm_encode_memory_map(dst, avail, out, nr);
	free(out);
	if (n < 0) {
		set_detail(ib, "%zu memory map entries do not fit in %zu bytes", nr, avail);
		return -ENOSPC;
	}
	return 0;
}

/* Copy the MADT ("APIC") of the runtime's ACPI tables, already in guest RAM. */
static int fill_madt(struct igvm_boot *ib, uint8_t *dst, size_t avail)
{
	const struct pvn_memmap *m = &ib->vm->mem;
	uint64_t xsdt = 0, gpa;
	uint32_t xlen = 0, len = 0;
	char sig[4];

	if (!ib->vm->acpi_rsdp)
		return 0; /* acpi = false: no tables, the MADT stays zero */
	if (pvn_mem_read(m, PVN_VTL0, ib->vm->acpi_rsdp + 24, &xsdt, 8) ||
	    pvn_mem_read(m, PVN_VTL0, xsdt + 4, &xlen, 4) || xlen < 36 || xlen > 0x10000) {
		set_detail(ib, "cannot read the XSDT");
		return -EIO;
	}
	for (uint32_t off = 36; off + 8 <= xlen; off += 8) {
		if (pvn_mem_read(m, PVN_VTL0, xsdt + off, &gpa, 8) ||
		    pvn_mem_read(m, PVN_VTL0, gpa, sig, 4))
			continue;
		if (memcmp(sig, "APIC", 4))
			continue;
		if (pvn_mem_read(m, PVN_VTL0, gpa + 4, &len, 4) || len < 44) {
			set_detail(ib, "bad MADT at 0x%" PRIx64, gpa);
			return -EIO;
		}
		if (len > avail) {
			set_detail(ib, "the MADT (%u bytes) does not fit in %zu bytes", len, avail);
			return -ENOSPC;
		}
		return pvn_mem_read(m, PVN_VTL0, gpa, dst, len) ? -EIO : 0;
	}
	return 0;
}

static int fill_parameter(void *opaque, uint32_t type, void *dst, size_t avail)
{
	struct igvm_boot *ib = opaque;

	switch (type) {
	case IGVM_VHT_MEMORY_MAP:
		return fill_memory_map(ib, dst, avail);
	case IGVM_VHT_MADT:
		return fill_madt(ib, dst, avail);
	default:
		/* VP_COUNT, COMMAND_LINE, MMIO_RANGES, ENVIRONMENT_INFO from the
		 * vmm_info; SRAT, SLIT, PPTT, DEVICE_TREE stay zero. */
		return PVN_IGVM_FILL_DEFAULT;
	}
}

/* Hyper-V style segment attributes (as in the IGVM native context). */
static struct pvn_segment seg_from(uint16_t sel, uint16_t attr, uint64_t base, uint32_t limit)
{
	struct pvn_segment s = {
		.base = base,
		.limit = limit,
		.selector = sel,
		.type = attr & 0xf,
		.s = attr >> 4 & 1,
		.dpl = attr >> 5 & 3,
		.present = attr >> 7 & 1,
		.avl = attr >> 12 & 1,
		.l = attr >> 13 & 1,
		.db = attr >> 14 & 1,
		.g = attr >> 15 & 1,
	};
	s.unusable = !s.present;
	return s;
}

static int set_vp_context(void *opaque, const struct pvn_igvm_vp_context *ctx)
{
	struct igvm_boot *ib = opaque;
	struct pvn_vm *vm = ib->vm;
	const struct igvm_native_vp_context_x64 *c = &ctx->x64;
	struct pvn_regs regs;
	struct pvn_sregs s;
	int r;

	if (ctx->kind != PVN_IGVM_VP_NATIVE_X64 && ctx->kind != PVN_IGVM_VP_VBS) {
		set_detail(ib, "VP context kind %d is not an x64 register context", ctx->kind);
		return -ENOTSUP;
	}
	if (ctx->vtl != 0) {
		set_detail(ib, "VP context for VTL %u; the guest runs at VTL0", ctx->vtl);
		return -ENOTSUP;
	}
	if (ctx->vp_index >= vm->nr_vps) {
		set_detail(ib, "VP context for VP %u, but the VM has %u VP(s) (vps)", ctx->vp_index,
			   vm->nr_vps);
		return -ERANGE;
	}
	r = vm->be->vp_get_sregs(vm->vps[ctx->vp_index].bvp, &s);
	if (r) {
		set_detail(ib, "cannot read VP %u's state", ctx->vp_index);
		return r;
	}
	regs = (struct pvn_regs){
		.rax = c->rax, .rbx = c->rbx, .rcx = c->rcx, .rdx = c->rdx,
		.rsi = c->rsi, .rdi = c->rdi, .rsp = c->rsp, .rbp = c->rbp,
		.r8 = c->r8, .r9 = c->r9, .r10 = c->r10, .r11 = c->r11,
		.r12 = c->r12, .r13 = c->r13, .r14 = c->r14, .r15 = c->r15,
		.rip = c->rip, .rflags = c->rflags | 0x2, /* bit 1 is always set */
	};
	s.cs = seg_from(c->code_selector, c->code_attributes, c->code_base, c->code_limit);
	s.ds = seg_from(c->data_selector, c->data_attributes, c->data_base, c->data_limit);
	s.es = s.fs = s.gs = s.ss = s.ds;
	s.gs.base = c->gs_base;
	/* The native context has no TR/LDT: the same placeholders as boot.c. */
	s.tr = (struct pvn_segment){.limit = 0xffff, .type = 0xb, .present = 1};
	s.ldt = (struct pvn_segment){.limit = 0xffff, .type = 0x2, .present = 1};
	s.gdt = (struct pvn_dtable){c->gdtr_base, c->gdtr_limit};
	s.idt = (struct pvn_dtable){c->idtr_base, c->idtr_limit};
	s.cr0 = c->cr0;
	s.cr3 = c->cr3;
	s.cr4 = c->cr4;
	s.efer = c->efer;
	if ((s.efer & 0x100) && (s.cr0 & 0x80000000ULL))
		s.efer |= 0x400; /* LME with paging on means long mode is active */
	r = pvn_vm_set_vp_state(vm, ctx->vp_index, &regs, &s);
	if (r) {
		set_detail(ib, "the hypervisor refused VP %u's register state (rip 0x%" PRIx64
			   ", cr0 0x%" PRIx64 ", efer 0x%" PRIx64 ")",
			   ctx->vp_index, c->rip, c->cr0, c->efer);
		return r;
	}
	ib->ctx_vps |= 1ULL << ctx->vp_index;
	return 0;
}

/* NATIVE, else a VSM_ISOLATION platform that only has VTL0. 0: none usable. */
static uint32_t pick_platform(const struct pvn_igvm *f, const char **why)
{
	uint32_t mask = pvn_igvm_platform_mask(f, IGVM_PLATFORM_NATIVE);
	const char *names = NULL;

	if (mask)
		return mask;
	for (size_t i = 0; i < pvn_igvm_platform_count(f); i++) {
		const struct igvm_vhs_supported_platform *p = pvn_igvm_platform_at(f, i);

		if (p->platform_type == IGVM_PLATFORM_VSM_ISOLATION && p->highest_vtl == 0)
			return p->compatibility_mask;
		names = pvn_igvm_platform_name(p->platform_type);
	}
	*why = names ? names : "unknown";
	return 0;
}

static int fail(struct pvn_vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct pvn_vm *vm, const char *fmt, ...)
{
	va_list ap;

	/* instance.c reports mem.error as the reason the image was refused. */
	va_start(ap, fmt);
	vsnprintf(vm->mem.error, sizeof(vm->mem.error), fmt, ap);
	va_end(ap);
	pvn_err("boot: %s", vm->mem.error);
	return -EINVAL;
}

int pvn_boot_igvm(struct pvn_vm *vm, const char *path, const char *cmdline)
{
	struct igvm_boot ib = {.vm = vm, .path = path};
	struct pvn_igvm_vmm_info info = {0};
	struct pvn_igvm_load_ops ops = {
		.info = &info,
		.import_pages = import_pages,
		.fill_parameter = fill_parameter,
		.set_vp_context = set_vp_context,
	};
	struct pvn_igvm_error err = {0};
	struct pvn_igvm *f = NULL;
	const char *why = NULL;
	uint8_t *buf = NULL;
	uint64_t all_vps;
	size_t len = 0;
	uint32_t mask;
	int r;

	r = read_whole(path, &buf, &len);
	if (r) {
		pvn_err("boot: cannot read IGVM file %s: %s", path, strerror(-r));
		return r;
	}
	r = pvn_igvm_parse(buf, len, &f, &err);
	if (r) {
		r = fail(vm, "not a valid IGVM file: %s (%s)", err.msg, pvn_igvm_strerror(err.code));
		goto out;
	}
	if (pvn_igvm_arch(f) != IGVM_ARCH_X64) {
		r = fail(vm, "the IGVM file is not for x64");
		goto out;
	}
	mask = pick_platform(f, &why);
	if (!mask) {
		r = fail(vm, "the IGVM file has no NATIVE platform (it is for %s; IGVM images run "
			 "as VTL0 guests here, this runtime gives them no VTL2 of their own)",
			 why);
		goto out;
	}

	/* The VMM's side: VTL0 RAM (sorted, as the memory map keeps it). */
	ib.ram = calloc(vm->mem.nr ? vm->mem.nr : 1, sizeof(*ib.ram));
	if (!ib.ram) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < vm->mem.nr; i++) {
		const struct pvn_mem_range *rg = &vm->mem.ranges[i];

		if (rg->kind == PVN_MEM_RAM && (rg->vtls & PVN_VTL0))
			ib.ram[ib.nr_ram++] = (struct pvn_igvm_mem_range){
				.gpa = rg->gpa, .size = rg->size, .type = IGVM_MEMORY_MAP_MEMORY};
	}
	info.mem = ib.ram;
	info.nr_mem = ib.nr_ram;
	info.vp_count = vm->nr_vps;
	info.cmdline = cmdline; /* NULL keeps the image's */
	info.mmio[0].starting_gpa_page_number = PVN_MMIO_HOLE_START / PVN_PAGE_SIZE;
	info.mmio[0].number_of_pages = (PVN_4G - PVN_MMIO_HOLE_START) / PVN_PAGE_SIZE;

	r = pvn_igvm_load(f, &ops, &ib, mask, &err);
	if (r) {
		r = fail(vm, "%s%s%s%s", err.msg, ib.detail[0] ? " (" : "", ib.detail,
			 ib.detail[0] ? ")" : "");
		goto out;
	}
	if (!(ib.ctx_vps & 1)) {
		r = fail(vm, "the IGVM file has no VP context for VP 0 on platform %s",
			 pvn_igvm_platform_name(IGVM_PLATFORM_NATIVE));
		goto out;
	}
	/* Only all-or-none start: VPs without a context wait for INIT/SIPI. */
	all_vps = vm->nr_vps >= 64 ? ~0ULL : (1ULL << vm->nr_vps) - 1;
	vm->all_vps_start = ib.ctx_vps == all_vps;
	if (!vm->all_vps_start && ib.ctx_vps != 1)
		pvn_warn("boot: %s: only some VPs have a VP context; VPs other than 0 wait for "
			 "INIT/SIPI", path);
	/* Nothing else may load over the image from now on. */
	for (size_t i = 0; i < ib.nr_used && !r; i++)
		r = pvn_mem_add_reserved(&vm->mem, ib.used[i].gpa, ib.used[i].size, IGVM_OWNER);
	if (!r)
		pvn_debug("boot: %s: loaded %zu range(s), %u VP context(s)", path, ib.nr_used,
			 (unsigned)__builtin_popcountll(ib.ctx_vps));
out:
	pvn_igvm_free(f);
	free(buf);
	free(ib.ram);
	free(ib.used);
	return r;
}
