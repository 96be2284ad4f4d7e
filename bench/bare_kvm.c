/* SPDX-License-Identifier: MIT */
#include "bench/bare_kvm.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int fail(struct bare_vm *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct bare_vm *b, const char *fmt, ...)
{
	int e = errno ? errno : EINVAL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(b->error, sizeof(b->error), fmt, ap);
	va_end(ap);
	return -e;
}

int bare_vm_create(struct bare_vm *b, uint64_t mem_size)
{
	struct kvm_userspace_memory_region reg = {0};
	struct kvm_cpuid2 *cpuid;
	int nent = 256;

	memset(b, 0, sizeof(*b));
	b->kvm_fd = b->vm_fd = b->vcpu_fd = -1;
	b->mem = MAP_FAILED;
	b->run = MAP_FAILED;
	errno = 0;
	b->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (b->kvm_fd < 0)
		return fail(b, "open /dev/kvm: %s", strerror(errno));
	b->vm_fd = ioctl(b->kvm_fd, KVM_CREATE_VM, 0);
	if (b->vm_fd < 0)
		return fail(b, "KVM_CREATE_VM: %s", strerror(errno));
	/* What VMX hosts need before the first run; the runtime does the same. */
	ioctl(b->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL);
	b->mem_size = mem_size;
	b->mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (b->mem == MAP_FAILED)
		return fail(b, "mmap guest RAM: %s", strerror(errno));
	reg.memory_size = mem_size;
	reg.userspace_addr = (uintptr_t)b->mem;
	if (ioctl(b->vm_fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0)
		return fail(b, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	b->vcpu_fd = ioctl(b->vm_fd, KVM_CREATE_VCPU, 0);
	if (b->vcpu_fd < 0)
		return fail(b, "KVM_CREATE_VCPU: %s", strerror(errno));
	b->run_size = ioctl(b->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (b->run_size <= 0)
		return fail(b, "KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
	b->run = mmap(NULL, (size_t)b->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, b->vcpu_fd, 0);
	if (b->run == MAP_FAILED)
		return fail(b, "mmap kvm_run: %s", strerror(errno));
	/* KVM refuses EFER.LME unless the vCPU's CPUID offers long mode. */
	cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return fail(b, "out of memory");
	cpuid->nent = nent;
	if (ioctl(b->kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0 ||
	    ioctl(b->vcpu_fd, KVM_SET_CPUID2, cpuid) < 0) {
		free(cpuid);
		return fail(b, "CPUID: %s", strerror(errno));
	}
	free(cpuid);
	return 0;
}

int bare_vm_load_elf(struct bare_vm *b, const char *path, uint64_t *entry)
{
	Elf64_Ehdr eh;
	int fd, loaded = 0;

	errno = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(b, "%s: %s", path, strerror(errno));
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_machine != EM_X86_64 ||
	    eh.e_phentsize != sizeof(Elf64_Phdr)) {
		close(fd);
		errno = ENOEXEC;
		return fail(b, "%s: not an x86-64 ELF file", path);
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + i * sizeof(ph))) != sizeof(ph))
			break;
		if (ph.p_type != PT_LOAD || !ph.p_memsz)
			continue;
		/* Bounds: the segment must lie inside guest RAM (our own image, but
		 * checked all the same). */
		if (ph.p_filesz > ph.p_memsz || ph.p_paddr >= b->mem_size ||
		    ph.p_memsz > b->mem_size - ph.p_paddr) {
			close(fd);
			errno = ENOEXEC;
			return fail(b, "%s: segment %u outside guest RAM", path, i);
		}
		if (pread(fd, b->mem + ph.p_paddr, ph.p_filesz, (off_t)ph.p_offset) !=
		    (ssize_t)ph.p_filesz) {
			close(fd);
			errno = EIO;
			return fail(b, "%s: short read", path);
		}
		memset(b->mem + ph.p_paddr + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		loaded++;
	}
	close(fd);
	if (!loaded) {
		errno = ENOEXEC;
		return fail(b, "%s: nothing to load", path);
	}
	*entry = eh.e_entry;
	return 0;
}

/* Mirrors pvn_boot_setup_long64 (runtime/boot/boot.c); keep them alike. */
int bare_vm_setup_long64(struct bare_vm *b, uint64_t entry)
{
	static const uint64_t gdt[] = {0, 0x00af9a000000ffffULL, 0x00cf92000000ffffULL,
				       0x00cff2000000ffffULL, 0x00affa000000ffffULL};
	struct kvm_segment code = {.base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 0xb,
				   .present = 1, .s = 1, .l = 1, .g = 1};
	struct kvm_segment data = {.base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 0x3,
				   .present = 1, .s = 1, .db = 1, .g = 1};
	struct kvm_regs regs = {.rip = entry, .rdi = 0, .rsi = 1, .rflags = 0x2};
	struct kvm_sregs s;
	uint64_t *pml4, *pdpt, *pd;

	errno = 0;
	if (b->mem_size < 0x8000)
		return fail(b, "guest RAM too small for the boot structures");
	memset(b->mem + 0x1000, 0, 0x7000);
	memcpy(b->mem + 0x1000, gdt, sizeof(gdt));
	pml4 = (uint64_t *)(b->mem + 0x2000);
	pdpt = (uint64_t *)(b->mem + 0x3000);
	pd = (uint64_t *)(b->mem + 0x4000);
	pml4[0] = 0x3000 | 0x7;
	for (int i = 0; i < 4; i++)
		pdpt[i] = (0x4000 + 0x1000ULL * i) | 0x7;
	for (uint64_t i = 0; i < 2048; i++) {
		uint64_t addr = i << 21;
		pd[i] = addr | 0x87;
		if (addr >= 0xC0000000ULL)
			pd[i] |= 0x18;
	}
	if (ioctl(b->vcpu_fd, KVM_GET_SREGS, &s) < 0)
		return fail(b, "KVM_GET_SREGS: %s", strerror(errno));
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.tr = (struct kvm_segment){.limit = 0xffff, .type = 0xb, .present = 1};
	s.ldt = (struct kvm_segment){.limit = 0xffff, .type = 0x2, .present = 1};
	s.gdt.base = 0x1000;
	s.gdt.limit = sizeof(gdt) - 1;
	s.idt.base = 0;
	s.idt.limit = 0;
	s.cr0 = 0x80050033;
	s.cr3 = 0x2000;
	s.cr4 = 0x20 | 0x600;
	s.efer = 0x500;
	if (ioctl(b->vcpu_fd, KVM_SET_SREGS, &s) < 0)
		return fail(b, "KVM_SET_SREGS: %s", strerror(errno));
	if (ioctl(b->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return fail(b, "KVM_SET_REGS: %s", strerror(errno));
	return 0;
}

void bare_vm_destroy(struct bare_vm *b)
{
	if (b->run != MAP_FAILED && b->run)
		munmap(b->run, (size_t)b->run_size);
	if (b->vcpu_fd >= 0)
		close(b->vcpu_fd);
	if (b->mem != MAP_FAILED && b->mem)
		munmap(b->mem, b->mem_size);
	if (b->vm_fd >= 0)
		close(b->vm_fd);
	if (b->kvm_fd >= 0)
		close(b->kvm_fd);
	b->run = MAP_FAILED;
	b->mem = MAP_FAILED;
	b->kvm_fd = b->vm_fd = b->vcpu_fd = -1;
}
