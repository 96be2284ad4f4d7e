/* SPDX-License-Identifier: MIT */
/*
 * A Paravane VM (partition): the object every room hangs off. Nothing about
 * a VM lives in a global.
 *
 * Lifecycle: pvn_vm_create (memory map, irqchip) -> devices and plugins claim
 * intercepts and lines -> image loaded -> pvn_vm_start (seals the intercept
 * table, programs CPUID and the MSR filter, starts VP threads and the event
 * loop) -> pvn_vm_wait -> pvn_vm_destroy.
 */
#ifndef PVN_VM_H
#define PVN_VM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "runtime/backend/backend.h"
#include "runtime/core/loop.h"
#include "runtime/irq/irq.h"
#include "runtime/mem/mem.h"
#include "runtime/vp/intercept.h"

#define PVN_MAX_VPS 64

/* Where guest RAM goes: below the 32-bit MMIO hole, then above 4 GiB. */
#define PVN_MMIO_HOLE_START 0xC0000000ULL
#define PVN_4G 0x100000000ULL
#define PVN_LAPIC_BASE 0xFEE00000ULL
#define PVN_IOAPIC_BASE 0xFEC00000ULL
/* The 32-bit MMIO window handed to VMBus devices (described in the DSDT). */
#define PVN_VMBUS_MMIO_BASE 0xF8000000ULL
#define PVN_VMBUS_MMIO_SIZE 0x4000000ULL

/* Process exit codes the runtime uses itself (the guest's power-port code is
 * passed through otherwise; guests should use 0-123). */
enum pvn_exit_code {
	PVN_EXIT_CODE_SETUP = 1,   /* config, plugin or image refused before the guest ran */
	PVN_EXIT_CODE_RESET = 124, /* the guest reset the machine (reset port, triple fault) */
	PVN_EXIT_CODE_FATAL = 125, /* a VP hit an error the runtime cannot continue from */
};

enum pvn_stop_reason {
	PVN_STOP_NONE,
	PVN_STOP_POWEROFF,
	PVN_STOP_RESET,
	PVN_STOP_FATAL,
	PVN_STOP_HOST, /* the host asked (signal, test harness) */
};

/* Exit counters of one VP; summed for --stats. */
struct pvn_vp_stats {
	uint64_t exits[PVN_EXIT__COUNT];
	uint64_t unclaimed_pio_read, unclaimed_pio_write;
	uint64_t unclaimed_mmio_read, unclaimed_mmio_write;
	uint64_t unclaimed_msr;
	uint64_t handler_errors;
	uint64_t vtl2_refused; /* VTL0 accesses to VTL2-private memory */
	uint64_t fallbacks;    /* instructions completed by runtime/vp/fallback.c */
};

struct pvn_vm;

struct pvn_vp {
	struct pvn_vm *vm;
	unsigned index;
	struct pvn_bvp *bvp;
	pthread_t thread;
	bool thread_started;   /* for joining: set by the creating thread */
	pthread_t self;        /* set by the VP thread itself before `running` */
	atomic_bool running;   /* the VP thread is up: a stop must signal it */
	struct pvn_vp_stats stats;
	unsigned warned; /* rate limit for per-VP warnings */
};

struct pvn_vm_opts {
	uint64_t ram_bytes;  /* VTL0 RAM */
	uint64_t vtl2_bytes; /* VTL2-private RAM (never mapped for VTL0) */
	unsigned nr_vps;
	bool pit;
	const struct pvn_backend_ops *backend; /* NULL: KVM */
};

struct pvn_vm {
	const struct pvn_backend_ops *be;
	struct pvn_partition *part;
	struct pvn_memmap mem;
	struct pvn_intercepts icpt;
	struct pvn_irqmap irq;
	struct pvn_loop *loop;
	unsigned nr_vps;
	struct pvn_vp vps[PVN_MAX_VPS];
	uint64_t ram_bytes, vtl2_base, vtl2_bytes;
	/* Which VPs start at the boot entry point; the rest wait for INIT/SIPI. */
	bool all_vps_start;
	/* Guest-physical address of the ACPI RSDP, 0 when there are no tables. */
	uint64_t acpi_rsdp;

	/* Stop state: written once by the first pvn_vm_request_stop. */
	atomic_bool stopping;
	pthread_mutex_t stop_lock;
	enum pvn_stop_reason stop_reason;
	int exit_code;
	char stop_msg[256];
	/* Called (on the stopping thread) when the VM stops; chipset flushes. */
	void (*on_stop)(void *opaque);
	void *on_stop_opaque;
	bool started;
};

int pvn_vm_create(const struct pvn_vm_opts *opts, struct pvn_vm **out);
/* Set the initial register state of a VP (from the boot loader). */
int pvn_vm_set_vp_state(struct pvn_vm *vm, unsigned vp, const struct pvn_regs *r,
			const struct pvn_sregs *s);
int pvn_vm_start(struct pvn_vm *vm);
/* Block until every VP has stopped; returns the process exit code. */
int pvn_vm_wait(struct pvn_vm *vm);
/* Stop every VP. The first request wins; later ones are ignored. Any thread. */
void pvn_vm_request_stop(struct pvn_vm *vm, enum pvn_stop_reason why, int exit_code,
			 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void pvn_vm_destroy(struct pvn_vm *vm);

void pvn_vm_sum_stats(const struct pvn_vm *vm, struct pvn_vp_stats *out);
void pvn_vm_print_stats(const struct pvn_vm *vm, FILE *f);

/* The VP loop (runtime/vp/vp.c). */
void *pvn_vp_thread(void *arg);
const char *pvn_exit_reason_name(enum pvn_exit_reason r);

#endif
