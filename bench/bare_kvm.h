/* SPDX-License-Identifier: MIT */
/*
 * A bare KVM VM for benchmarks: the least a program needs to run a test
 * guest on /dev/kvm (one VM, one vCPU, one memory slot, its CPUID), with the
 * guest's entry state built exactly as runtime/boot/boot.c builds it (same
 * GDT, page tables, registers), so the same guest image runs the same
 * instructions as under the runtime. Depends on libc only.
 */
#ifndef PVN_BENCH_BARE_KVM_H
#define PVN_BENCH_BARE_KVM_H

#include <stddef.h>
#include <stdint.h>

struct kvm_run;

struct bare_vm {
	int kvm_fd, vm_fd, vcpu_fd;
	int run_size;
	struct kvm_run *run;
	uint8_t *mem;
	uint64_t mem_size;
	char error[256];
};

/* Create the VM with mem_size bytes of RAM at guest-physical 0. */
int bare_vm_create(struct bare_vm *b, uint64_t mem_size);
/* Load an x86-64 ELF's PT_LOAD segments (zeroing their BSS) at p_paddr. */
int bare_vm_load_elf(struct bare_vm *b, const char *path, uint64_t *entry);
/* 64-bit entry state as the runtime's direct boot sets it (VP 0 of 1). */
int bare_vm_setup_long64(struct bare_vm *b, uint64_t entry);
void bare_vm_destroy(struct bare_vm *b);

#endif
