/* SPDX-License-Identifier: MIT */
/*
 * The partition backend: the only layer that knows which hypervisor runs the
 * guest. kvm.c implements it on /dev/kvm; an mshv_vtl backend (running inside
 * a Hyper-V VTL2) would implement the same table. Nothing above this layer
 * includes <linux/kvm.h>, and no device or plugin ever sees these types.
 */
#ifndef PVN_BACKEND_H
#define PVN_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pvn_partition;
struct pvn_bvp;

/* General-purpose registers, in the order the x86 manuals list them. */
struct pvn_regs {
	uint64_t rax, rbx, rcx, rdx, rsi, rdi, rsp, rbp;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};

struct pvn_segment {
	uint64_t base;
	uint32_t limit;
	uint16_t selector;
	uint8_t type, present, dpl, db, s, l, g, avl, unusable;
};

struct pvn_dtable {
	uint64_t base;
	uint16_t limit;
};

struct pvn_sregs {
	struct pvn_segment cs, ds, es, fs, gs, ss, tr, ldt;
	struct pvn_dtable gdt, idt;
	uint64_t cr0, cr2, cr3, cr4, cr8, efer, apic_base;
};

struct pvn_cpuid_entry {
	uint32_t function, index, flags; /* flags: PVN_CPUID_SIGNIFICANT_INDEX */
	uint32_t eax, ebx, ecx, edx;
};
#define PVN_CPUID_SIGNIFICANT_INDEX 1u

enum pvn_exit_reason {
	PVN_EXIT_PIO,
	PVN_EXIT_MMIO,
	PVN_EXIT_MSR_READ,
	PVN_EXIT_MSR_WRITE,
	PVN_EXIT_HLT,
	PVN_EXIT_SHUTDOWN,  /* triple fault: the guest reset itself */
	PVN_EXIT_RESET,     /* platform reset requested through the hypervisor */
	PVN_EXIT_POWEROFF,  /* platform poweroff requested through the hypervisor */
	PVN_EXIT_INTR,      /* the run was interrupted by pvn_backend_ops.vp_kick */
	PVN_EXIT_INTERNAL,  /* the hypervisor could not emulate an instruction */
	PVN_EXIT_FAIL_ENTRY,
	PVN_EXIT_OTHER,
	PVN_EXIT__COUNT
};

/*
 * One VP exit, decoded. Data pointers point into backend-owned memory that
 * stays valid until the next vp_run on the same VP; a handler fills them in
 * for reads, and the next vp_run completes the access.
 */
struct pvn_exit {
	enum pvn_exit_reason reason;
	union {
		struct {
			uint16_t port;
			uint8_t size; /* 1, 2 or 4 */
			bool write;
			uint32_t count; /* > 1 for string I/O: count elements of size bytes */
			uint8_t *data;
		} pio;
		struct {
			uint64_t gpa;
			uint8_t len; /* 1..8 */
			bool write;
			uint8_t *data;
		} mmio;
		struct {
			uint32_t index;
			uint64_t *data;  /* read: fill in; write: the value */
			uint8_t *error;  /* set to 1 to inject #GP */
		} msr;
		struct {
			uint32_t suberror;
			uint8_t insn[16];
			uint8_t insn_len;
			uint64_t hw_reason;
		} internal;
		uint64_t hw_reason; /* FAIL_ENTRY and OTHER */
	};
};

struct pvn_msi {
	uint64_t address;
	uint32_t data;
};

/* Options for partition_create. */
struct pvn_partition_opts {
	unsigned nr_vps;
	bool pit; /* an in-kernel 8254 PIT on IRQ 0 */
	/* MSRs that must exit to the runtime on read and write (sorted not required). */
	const uint32_t *owned_msrs;
	size_t nr_owned_msrs;
};

struct pvn_backend_ops {
	const char *name;

	/* Is the hypervisor usable by this process: can it create a partition?
	 * 0, or a negative errno with why filled in (one line, no trailing dot). */
	int (*probe)(char *why, size_t len);

	/* Returns -ENODEV (with a logged reason) when the hypervisor is unusable. */
	int (*partition_create)(const struct pvn_partition_opts *opts, struct pvn_partition **out);
	void (*partition_destroy)(struct pvn_partition *p);

	/* Map host memory [hva, hva+size) at guest-physical gpa for the guest's
	 * VTL0 view. Ranges must be page aligned and must not overlap a mapped one. */
	int (*map)(struct pvn_partition *p, uint64_t gpa, uint64_t size, void *hva, bool readonly);
	int (*unmap)(struct pvn_partition *p, uint64_t gpa, uint64_t size);

	/* Route the MSRs in owned_msrs to the runtime (replaces the previous set). */
	int (*set_owned_msrs)(struct pvn_partition *p, const uint32_t *msrs, size_t n);

	int (*vp_create)(struct pvn_partition *p, unsigned index, struct pvn_bvp **out);
	void (*vp_destroy)(struct pvn_bvp *vp);
	/* The CPUID leaves the hypervisor supports, as a starting table (malloc'd). */
	int (*supported_cpuid)(struct pvn_partition *p, struct pvn_cpuid_entry **out, size_t *n);
	int (*vp_set_cpuid)(struct pvn_bvp *vp, const struct pvn_cpuid_entry *e, size_t n);
	/* Run until the next exit the runtime must handle. Called on the VP's own thread. */
	int (*vp_run)(struct pvn_bvp *vp, struct pvn_exit *exit);
	/* Make a running or about-to-run vp_run return PVN_EXIT_INTR soon.
	 * Any thread; the caller also signals the VP's thread. */
	void (*vp_kick)(struct pvn_bvp *vp);
	int (*vp_get_regs)(struct pvn_bvp *vp, struct pvn_regs *r);
	int (*vp_set_regs)(struct pvn_bvp *vp, const struct pvn_regs *r);
	int (*vp_get_sregs)(struct pvn_bvp *vp, struct pvn_sregs *s);
	int (*vp_set_sregs)(struct pvn_bvp *vp, const struct pvn_sregs *s);
	/* runnable=false parks an application processor until the guest sends
	 * INIT/SIPI (the default for VPs other than 0); true starts it at its
	 * current register state. */
	int (*vp_set_runnable)(struct pvn_bvp *vp, bool runnable);
	/* Copy up to len bytes at guest linear address rip through the VP's page
	 * tables; returns the number of bytes read. */
	int (*vp_read_code)(struct pvn_bvp *vp, uint64_t rip, uint8_t *buf, size_t len);
	/* Read one MSR of the VP as the guest sees it (e.g. IA32_TSC). */
	int (*vp_get_msr)(struct pvn_bvp *vp, uint32_t index, uint64_t *value);
	/* Get and set the VP's MXCSR (SSE control/status). */
	int (*vp_get_mxcsr)(struct pvn_bvp *vp, uint32_t *mxcsr);
	int (*vp_set_mxcsr)(struct pvn_bvp *vp, uint32_t mxcsr);
	/* Translate a guest linear address through the VP's page tables. */
	int (*vp_translate)(struct pvn_bvp *vp, uint64_t la, uint64_t *gpa, bool *writable);
	/* The guest TSC frequency in kHz. */
	int (*tsc_khz)(struct pvn_bvp *vp, uint32_t *khz);
	/* Inject an exception vector into the VP (e.g. #BP) before its next run. */
	int (*vp_inject_exception)(struct pvn_bvp *vp, uint8_t vector, bool has_error, uint32_t error);

	/* Interrupt controller lines (IOAPIC/PIC GSIs). */
	unsigned (*nr_gsis)(struct pvn_partition *p);
	int (*irq_line)(struct pvn_partition *p, uint32_t gsi, bool level);
	int (*signal_msi)(struct pvn_partition *p, const struct pvn_msi *msi);
	/* Route gsi to an MSI (gsi >= nr_gsis()) or back to the irqchip pin. */
	int (*route_msi)(struct pvn_partition *p, uint32_t gsi, const struct pvn_msi *msi);
	/* Bind eventfd efd: a write to it raises gsi (edge). deassign=true undoes it. */
	int (*irqfd)(struct pvn_partition *p, int efd, uint32_t gsi, bool deassign);
};

extern const struct pvn_backend_ops pvn_backend_kvm;

#endif
