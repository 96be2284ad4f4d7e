/* SPDX-License-Identifier: MIT */
/*
 * The VP run loop: one thread per VP. Each exit is decoded by the backend and
 * dispatched here to the owner of the port, range or MSR in the intercept
 * table. Unclaimed PIO/MMIO reads return all-ones and writes are dropped;
 * unclaimed MSRs raise #GP, as on hardware. Each is counted.
 */
#include "runtime/core/log.h"
#include "runtime/vm.h"
#include "runtime/vp/fallback.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>

static const char *const exit_names[PVN_EXIT__COUNT] = {
	[PVN_EXIT_PIO] = "pio",		  [PVN_EXIT_MMIO] = "mmio",
	[PVN_EXIT_MSR_READ] = "msr_read", [PVN_EXIT_MSR_WRITE] = "msr_write",
	[PVN_EXIT_HLT] = "hlt",		  [PVN_EXIT_SHUTDOWN] = "shutdown",
	[PVN_EXIT_RESET] = "reset",	  [PVN_EXIT_POWEROFF] = "poweroff",
	[PVN_EXIT_INTR] = "intr",	  [PVN_EXIT_INTERNAL] = "internal",
	[PVN_EXIT_FAIL_ENTRY] = "fail_entry", [PVN_EXIT_OTHER] = "other",
};

const char *pvn_exit_reason_name(enum pvn_exit_reason r)
{
	return (unsigned)r < PVN_EXIT__COUNT ? exit_names[r] : "?";
}

/* The first few warnings of a VP are logged as warnings, then at debug level,
 * so a misbehaving guest cannot flood the log. */
#define VP_WARN_LIMIT 16
#define vp_warn(vp, ...)                                                                           \
	do {                                                                                       \
		if ((vp)->warned < VP_WARN_LIMIT) {                                                \
			(vp)->warned++;                                                            \
			pvn_warn(__VA_ARGS__);                                                     \
		} else {                                                                           \
			pvn_debug(__VA_ARGS__);                                                    \
		}                                                                                  \
	} while (0)

static void vp_pio(struct pvn_vp *vp, struct pvn_exit *x)
{
	const struct pvn_icpt *e = pvn_icpt_lookup(&vp->vm->icpt, PVN_ICPT_PIO, x->pio.port);
	unsigned size = x->pio.size;

	if (size != 1 && size != 2 && size != 4)
		size = 1; /* cannot happen on x86; keeps memcpy bounds fixed */
	for (uint32_t i = 0; i < x->pio.count; i++) {
		uint8_t *d = x->pio.data + (size_t)i * size;
		uint32_t v = 0;
		int r = -ENODEV;

		if (x->pio.write)
			memcpy(&v, d, size);
		if (e) {
			r = e->fn.pio(e->opaque, vp->index, x->pio.port, size, x->pio.write, &v);
			if (r)
				vp->stats.handler_errors++;
		} else if (x->pio.write) {
			vp->stats.unclaimed_pio_write++;
			pvn_debug("vp%u: unclaimed pio write port 0x%x size %u value 0x%x", vp->index,
				  x->pio.port, size, v);
		} else {
			vp->stats.unclaimed_pio_read++;
			pvn_debug("vp%u: unclaimed pio read port 0x%x size %u", vp->index,
				  x->pio.port, size);
		}
		if (!x->pio.write) {
			if (r)
				v = 0xffffffffu;
			memcpy(d, &v, size);
		}
	}
}

static void vp_mmio(struct pvn_vp *vp, struct pvn_exit *x)
{
	struct pvn_vm *vm = vp->vm;
	const struct pvn_icpt *e = pvn_icpt_lookup(&vm->icpt, PVN_ICPT_MMIO, x->mmio.gpa);
	unsigned len = x->mmio.len;
	uint64_t v = 0;
	int r = -ENODEV;

	if (len == 0 || len > 8)
		len = 8;
	if (x->mmio.write)
		memcpy(&v, x->mmio.data, len);
	if (e) {
		r = e->fn.mmio(e->opaque, vp->index, x->mmio.gpa, len, x->mmio.write, &v);
		if (r)
			vp->stats.handler_errors++;
	} else {
		const struct pvn_mem_range *ram = pvn_mem_find(&vm->mem, x->mmio.gpa, PVN_MEM_RAM);
		if (ram && !(ram->vtls & PVN_VTL0)) {
			/* Never served: the guest sees all-ones and loses its write. */
			vp->stats.vtl2_refused++;
			vp_warn(vp,
				"vp%u: VTL0 %s of %u bytes at 0x%" PRIx64
				" refused: VTL2-private memory ('%s')",
				vp->index, x->mmio.write ? "write" : "read", len, x->mmio.gpa,
				ram->owner);
		} else if (x->mmio.write) {
			vp->stats.unclaimed_mmio_write++;
			pvn_debug("vp%u: unclaimed mmio write 0x%" PRIx64 " len %u value 0x%" PRIx64,
				  vp->index, x->mmio.gpa, len, v);
		} else {
			vp->stats.unclaimed_mmio_read++;
			pvn_debug("vp%u: unclaimed mmio read 0x%" PRIx64 " len %u", vp->index,
				  x->mmio.gpa, len);
		}
	}
	if (!x->mmio.write) {
		if (r)
			v = ~0ULL;
		memcpy(x->mmio.data, &v, len);
	}
}

static void vp_msr(struct pvn_vp *vp, struct pvn_exit *x)
{
	bool write = x->reason == PVN_EXIT_MSR_WRITE;
	const struct pvn_icpt *e = pvn_icpt_lookup(&vp->vm->icpt, PVN_ICPT_MSR, x->msr.index);
	uint64_t v = write ? *x->msr.data : 0;
	int r = -ENODEV;

	if (e) {
		r = e->fn.msr(e->opaque, vp->index, x->msr.index, write, &v);
		if (r)
			vp->stats.handler_errors++;
	} else {
		vp->stats.unclaimed_msr++;
		pvn_debug("vp%u: unclaimed msr %s 0x%x%s", vp->index, write ? "write" : "read",
			  x->msr.index, write ? "" : " (#GP)");
	}
	if (r)
		*x->msr.error = 1;
	else if (!write)
		*x->msr.data = v;
}

/* Guest linear memory for the fallbacks: translated by the VP's page tables,
 * then through the memory map's checks (VTL0 RAM only, within one page). */
static void *fb_map(struct pvn_vp *vp, uint64_t la, unsigned len, bool write)
{
	uint64_t gpa;
	bool writable;
	if ((la & 0xfff) + len > 4096 ||
	    vp->vm->be->vp_translate(vp->bvp, la, &gpa, &writable) || (write && !writable))
		return NULL;
	return pvn_mem_gpa_to_hva(&vp->vm->mem, gpa, len, PVN_VTL0);
}

static int fb_read_linear(void *opaque, uint64_t la, void *buf, unsigned len)
{
	void *p = fb_map(opaque, la, len, false);
	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

static int fb_write_linear(void *opaque, uint64_t la, const void *buf, unsigned len)
{
	void *p = fb_map(opaque, la, len, true);
	if (!p)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}

static int fb_get_mxcsr(void *opaque, uint32_t *mxcsr)
{
	struct pvn_vp *vp = opaque;
	return vp->vm->be->vp_get_mxcsr(vp->bvp, mxcsr);
}

static int fb_set_mxcsr(void *opaque, uint32_t mxcsr)
{
	struct pvn_vp *vp = opaque;
	return vp->vm->be->vp_set_mxcsr(vp->bvp, mxcsr);
}

static int fb_inject_bp(void *opaque)
{
	struct pvn_vp *vp = opaque;
	return vp->vm->be->vp_inject_exception(vp->bvp, 3, false, 0);
}

/* Complete one of the instructions the hypervisor could not emulate.
 * Returns true when the VP can go on. */
static bool vp_fallback(struct pvn_vp *vp, struct pvn_regs *regs, const uint8_t *bytes, int n)
{
	struct pvn_vm *vm = vp->vm;
	struct pvn_fb_vp ops = {vp,	    fb_read_linear, fb_write_linear, fb_get_mxcsr,
				fb_set_mxcsr, fb_inject_bp,   0,		 0};
	struct pvn_fb_insn in;
	struct pvn_sregs s;
	int r;

	if (n <= 0 || pvn_fb_decode(bytes, (unsigned)n, &in) == PVN_FB_NONE)
		return false;
	if (in.rm.segment >= 0 && !vm->be->vp_get_sregs(vp->bvp, &s)) {
		ops.fs_base = s.fs.base;
		ops.gs_base = s.gs.base;
	}
	r = pvn_fb_execute(&in, regs, &ops);
	if (!r)
		r = vm->be->vp_set_regs(vp->bvp, regs);
	if (r) {
		pvn_err("vp%u: fallback for %s at rip 0x%" PRIx64 " failed: %s", vp->index,
			pvn_fb_kind_name(in.kind), regs->rip, strerror(-r));
		return false;
	}
	vp->stats.fallbacks++;
	pvn_debug("vp%u: completed %s at rip 0x%" PRIx64, vp->index, pvn_fb_kind_name(in.kind),
		  regs->rip - in.len);
	return true;
}

static void vp_internal(struct pvn_vp *vp, struct pvn_exit *x)
{
	struct pvn_vm *vm = vp->vm;
	struct pvn_regs regs = {0};
	uint8_t bytes[16];
	char hex[3 * sizeof(bytes) + 1] = "";
	int n = x->internal.insn_len;

	vm->be->vp_get_regs(vp->bvp, &regs);
	if (n)
		memcpy(bytes, x->internal.insn, n);
	else
		n = vm->be->vp_read_code(vp->bvp, regs.rip, bytes, sizeof(bytes));
	if (vp_fallback(vp, &regs, bytes, n))
		return;
	for (int i = 0; i < n; i++)
		snprintf(hex + 3 * i, 4, "%02x ", bytes[i]);
	pvn_vm_request_stop(vm, PVN_STOP_FATAL, PVN_EXIT_CODE_FATAL,
			    "vp%u: the hypervisor cannot emulate the instruction at rip 0x%" PRIx64
			    " (suberror %u, bytes: %s)",
			    vp->index, regs.rip, x->internal.suberror, n > 0 ? hex : "unreadable");
}

void *pvn_vp_thread(void *arg)
{
	struct pvn_vp *vp = arg;
	struct pvn_vm *vm = vp->vm;
	sigset_t set;
	struct pvn_exit x;

	/* Only this VP's kicks (SIGUSR1) should interrupt it. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	vp->self = pthread_self();
	atomic_store(&vp->running, true);

	while (!atomic_load(&vm->stopping)) {
		int r = vm->be->vp_run(vp->bvp, &x);
		if (r) {
			pvn_vm_request_stop(vm, PVN_STOP_FATAL, PVN_EXIT_CODE_FATAL,
					    "vp%u: run failed: %s", vp->index, strerror(-r));
			break;
		}
		vp->stats.exits[x.reason]++;
		switch (x.reason) {
		case PVN_EXIT_PIO:
			vp_pio(vp, &x);
			break;
		case PVN_EXIT_MMIO:
			vp_mmio(vp, &x);
			break;
		case PVN_EXIT_MSR_READ:
		case PVN_EXIT_MSR_WRITE:
			vp_msr(vp, &x);
			break;
		case PVN_EXIT_INTR:
		case PVN_EXIT_HLT:
			break;
		case PVN_EXIT_SHUTDOWN:
			pvn_vm_request_stop(vm, PVN_STOP_RESET, PVN_EXIT_CODE_RESET,
					    "vp%u: triple fault (guest reset)", vp->index);
			break;
		case PVN_EXIT_RESET:
			pvn_vm_request_stop(vm, PVN_STOP_RESET, PVN_EXIT_CODE_RESET,
					    "vp%u: guest requested reset", vp->index);
			break;
		case PVN_EXIT_POWEROFF:
			pvn_vm_request_stop(vm, PVN_STOP_POWEROFF, 0, "vp%u: guest powered off",
					    vp->index);
			break;
		case PVN_EXIT_INTERNAL:
			vp_internal(vp, &x);
			break;
		case PVN_EXIT_FAIL_ENTRY:
		case PVN_EXIT_OTHER:
		default:
			pvn_vm_request_stop(vm, PVN_STOP_FATAL, PVN_EXIT_CODE_FATAL,
					    "vp%u: unexpected exit '%s' (hardware reason 0x%" PRIx64
					    ")",
					    vp->index, pvn_exit_reason_name(x.reason), x.hw_reason);
			break;
		}
	}
	return NULL;
}
