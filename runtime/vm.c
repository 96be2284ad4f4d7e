/* SPDX-License-Identifier: MIT */
#include "runtime/vm.h"
#include "runtime/core/log.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void vm_map_ram(struct pvn_vm *vm, uint64_t gpa, uint64_t size, const char *owner, int *r)
{
	const struct pvn_mem_range *rg;

	if (*r || !size)
		return;
	*r = pvn_mem_add_ram(&vm->mem, gpa, size, PVN_VTL0 | PVN_VTL2, owner);
	if (*r)
		return;
	rg = pvn_mem_find(&vm->mem, gpa, PVN_MEM_RAM);
	*r = vm->be->map(vm->part, gpa, size, rg->hva, false);
	if (*r)
		pvn_err("vm: cannot map %s at 0x%" PRIx64 ": %s", owner, gpa, strerror(-*r));
}

int pvn_vm_create(const struct pvn_vm_opts *opts, struct pvn_vm **out)
{
	struct pvn_partition_opts popts = {.nr_vps = opts->nr_vps, .pit = opts->pit};
	uint64_t low, high;
	struct pvn_vm *vm;
	int r;

	if (!opts->nr_vps || opts->nr_vps > PVN_MAX_VPS || !opts->ram_bytes ||
	    (opts->ram_bytes | opts->vtl2_bytes) & (PVN_PAGE_SIZE - 1))
		return -EINVAL;
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->be = opts->backend ? opts->backend : &pvn_backend_kvm;
	vm->nr_vps = opts->nr_vps;
	vm->ram_bytes = opts->ram_bytes;
	vm->vtl2_bytes = opts->vtl2_bytes;
	pthread_mutex_init(&vm->stop_lock, NULL);
	pvn_mem_init(&vm->mem);
	pvn_icpt_init(&vm->icpt, &vm->mem);

	r = vm->be->partition_create(&popts, &vm->part);
	if (r) {
		pvn_mem_destroy(&vm->mem);
		free(vm);
		return r;
	}
	pvn_irq_init(&vm->irq, vm->be, vm->part);
	r = pvn_loop_create(&vm->loop);

	/* VTL0 RAM: below the MMIO hole, the rest above 4 GiB. */
	low = opts->ram_bytes < PVN_MMIO_HOLE_START ? opts->ram_bytes : PVN_MMIO_HOLE_START;
	high = opts->ram_bytes - low;
	vm_map_ram(vm, 0, low, "ram-low", &r);
	vm_map_ram(vm, PVN_4G, high, "ram-high", &r);
	/* VTL2-private RAM right after VTL0 RAM. It is the runtime's: it goes into
	 * the memory map for VTL2 only and is never given to the backend. */
	if (!r && opts->vtl2_bytes) {
		vm->vtl2_base = high ? PVN_4G + high : low;
		if (!high && low + opts->vtl2_bytes > PVN_MMIO_HOLE_START)
			vm->vtl2_base = PVN_4G;
		r = pvn_mem_add_ram(&vm->mem, vm->vtl2_base, opts->vtl2_bytes, PVN_VTL2,
				    "vtl2-private");
	}
	/* The in-kernel irqchip's windows and the hypervisor's own pages. */
	if (!r)
		r = pvn_mem_add_mmio(&vm->mem, PVN_IOAPIC_BASE, 0x1000, "ioapic");
	if (!r)
		r = pvn_mem_add_mmio(&vm->mem, PVN_LAPIC_BASE, 0x100000, "lapic");
	if (!r)
		r = pvn_mem_add_reserved(&vm->mem, 0xfffbc000ULL, 0x4000, "hypervisor-tss");
	for (unsigned i = 0; !r && i < vm->nr_vps; i++) {
		vm->vps[i].vm = vm;
		vm->vps[i].index = i;
		r = vm->be->vp_create(vm->part, i, &vm->vps[i].bvp);
	}
	if (r) {
		pvn_vm_destroy(vm);
		return r;
	}
	*out = vm;
	return 0;
}

int pvn_vm_set_vp_state(struct pvn_vm *vm, unsigned vp, const struct pvn_regs *r,
			const struct pvn_sregs *s)
{
	int e;
	if (vp >= vm->nr_vps)
		return -EINVAL;
	e = s ? vm->be->vp_set_sregs(vm->vps[vp].bvp, s) : 0;
	if (!e && r)
		e = vm->be->vp_set_regs(vm->vps[vp].bvp, r);
	return e;
}

/* CPUID: what the hypervisor offers, minus its own PV leaves, plus whatever
 * the claimed CPUID leaves say; APIC IDs set per VP. */
static int vm_setup_cpuid(struct pvn_vm *vm, unsigned vpi)
{
	const struct pvn_icpt_list *claims = &vm->icpt.kinds[PVN_ICPT_CPUID];
	struct pvn_cpuid_entry *e = NULL, *tbl;
	size_t n = 0, extra = 0, w = 0;
	int r;

	r = vm->be->supported_cpuid(vm->part, &e, &n);
	if (r)
		return r;
	for (size_t i = 0; i < claims->nr; i++)
		extra += claims->e[i].last - claims->e[i].first + 1;
	if (extra > 256) {
		free(e);
		return -E2BIG;
	}
	tbl = calloc(n + extra, sizeof(*tbl));
	if (!tbl) {
		free(e);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		struct pvn_cpuid_entry c = e[i];
		/* Hide the host hypervisor's paravirt leaves; claims may add leaves there. */
		if (c.function >= 0x40000000 && c.function < 0x40000100)
			continue;
		/* CPUID.1:ECX[31]: a hypervisor is present. KVM leaves it to the
		 * VMM; without it a guest looks for no hypervisor at all (Linux
		 * then never reads the Hyper-V leaves). */
		if (c.function == 1) {
			c.ebx = (c.ebx & 0x00ffffff) | (vpi << 24);
			c.ecx |= 1u << 31;
		}
		if (c.function == 0xb || c.function == 0x1f)
			c.edx = vpi;
		tbl[w++] = c;
	}
	for (size_t i = 0; i < claims->nr; i++) {
		const struct pvn_icpt *cl = &claims->e[i];
		for (uint64_t leaf = cl->first; leaf <= cl->last; leaf++) {
			bool found = false;
			for (size_t j = 0; j < w; j++) {
				if (tbl[j].function != leaf)
					continue;
				uint32_t regs[4] = {tbl[j].eax, tbl[j].ebx, tbl[j].ecx, tbl[j].edx};
				cl->fn.cpuid(cl->opaque, vpi, (uint32_t)leaf, tbl[j].index, regs);
				tbl[j].eax = regs[0];
				tbl[j].ebx = regs[1];
				tbl[j].ecx = regs[2];
				tbl[j].edx = regs[3];
				found = true;
			}
			if (!found) {
				uint32_t regs[4] = {0};
				cl->fn.cpuid(cl->opaque, vpi, (uint32_t)leaf, 0, regs);
				tbl[w++] = (struct pvn_cpuid_entry){.function = (uint32_t)leaf,
								    .eax = regs[0],
								    .ebx = regs[1],
								    .ecx = regs[2],
								    .edx = regs[3]};
			}
		}
	}
	r = vm->be->vp_set_cpuid(vm->vps[vpi].bvp, tbl, w);
	free(tbl);
	free(e);
	return r;
}

static int vm_setup_msrs(struct pvn_vm *vm)
{
	const struct pvn_icpt_list *claims = &vm->icpt.kinds[PVN_ICPT_MSR];
	size_t n = 0, k = 0;
	uint32_t *msrs;
	int r;

	for (size_t i = 0; i < claims->nr; i++)
		n += claims->e[i].last - claims->e[i].first + 1;
	if (n > 16384) {
		pvn_err("vm: %zu MSRs claimed; the MSR filter takes at most 16384", n);
		return -E2BIG;
	}
	msrs = calloc(n ? n : 1, sizeof(*msrs));
	if (!msrs)
		return -ENOMEM;
	for (size_t i = 0; i < claims->nr; i++)
		for (uint64_t m = claims->e[i].first; m <= claims->e[i].last; m++)
			msrs[k++] = (uint32_t)m;
	r = vm->be->set_owned_msrs(vm->part, msrs, n);
	free(msrs);
	return r;
}

static void kick_handler(int sig)
{
	(void)sig;
}

int pvn_vm_start(struct pvn_vm *vm)
{
	struct sigaction sa = {.sa_handler = kick_handler};
	int r;

	vm->icpt.sealed = true;
	r = vm_setup_msrs(vm);
	for (unsigned i = 0; !r && i < vm->nr_vps; i++) {
		r = vm_setup_cpuid(vm, i);
		if (!r && i > 0)
			r = vm->be->vp_set_runnable(vm->vps[i].bvp, vm->all_vps_start);
	}
	if (r)
		return r;
	/* SIGUSR1 only interrupts KVM_RUN; no SA_RESTART so the ioctl returns. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	r = pvn_loop_start(vm->loop);
	if (r)
		return r;
	vm->started = true;
	for (unsigned i = 0; i < vm->nr_vps; i++) {
		r = -pthread_create(&vm->vps[i].thread, NULL, pvn_vp_thread, &vm->vps[i]);
		if (r) {
			pvn_vm_request_stop(vm, PVN_STOP_FATAL, PVN_EXIT_CODE_FATAL,
					    "cannot start VP %u thread: %s", i, strerror(-r));
			return r;
		}
		vm->vps[i].thread_started = true;
	}
	return 0;
}

void pvn_vm_request_stop(struct pvn_vm *vm, enum pvn_stop_reason why, int exit_code,
			 const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&vm->stop_lock);
	if (atomic_load(&vm->stopping)) {
		pthread_mutex_unlock(&vm->stop_lock);
		return;
	}
	vm->stop_reason = why;
	vm->exit_code = exit_code;
	va_start(ap, fmt);
	vsnprintf(vm->stop_msg, sizeof(vm->stop_msg), fmt, ap);
	va_end(ap);
	atomic_store(&vm->stopping, true);
	pthread_mutex_unlock(&vm->stop_lock);

	if (why == PVN_STOP_FATAL)
		pvn_err("vm: stopping: %s", vm->stop_msg);
	else if (why == PVN_STOP_POWEROFF)
		pvn_debug("vm: stopping: %s", vm->stop_msg);
	else
		pvn_info("vm: stopping: %s", vm->stop_msg);
	/* Kick every VP out of the hypervisor; the flag above stops its loop. */
	for (unsigned i = 0; i < vm->nr_vps; i++) {
		struct pvn_vp *vp = &vm->vps[i];
		vm->be->vp_kick(vp->bvp);
		/* `stopping` was set above and a VP thread sets `running` before it
		 * first reads `stopping` (both seq_cst): either that thread sees the
		 * stop, or this sees it running and interrupts its vp_run. */
		if (atomic_load(&vp->running) && !pthread_equal(vp->self, pthread_self()))
			pthread_kill(vp->self, SIGUSR1);
	}
}

int pvn_vm_wait(struct pvn_vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vps; i++) {
		if (vm->vps[i].thread_started) {
			pthread_join(vm->vps[i].thread, NULL);
			vm->vps[i].thread_started = false;
		}
	}
	pvn_loop_stop(vm->loop);
	if (vm->on_stop)
		vm->on_stop(vm->on_stop_opaque);
	return vm->exit_code;
}

void pvn_vm_destroy(struct pvn_vm *vm)
{
	if (!vm)
		return;
	if (vm->started) {
		pvn_vm_request_stop(vm, PVN_STOP_HOST, 0, "VM destroyed");
		pvn_vm_wait(vm);
	}
	pvn_loop_destroy(vm->loop);
	for (unsigned i = 0; i < vm->nr_vps; i++)
		if (vm->vps[i].bvp)
			vm->be->vp_destroy(vm->vps[i].bvp);
	pvn_irq_destroy(&vm->irq);
	pvn_icpt_destroy(&vm->icpt);
	vm->be->partition_destroy(vm->part);
	pvn_mem_destroy(&vm->mem);
	pthread_mutex_destroy(&vm->stop_lock);
	free(vm);
}

void pvn_vm_sum_stats(const struct pvn_vm *vm, struct pvn_vp_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < vm->nr_vps; i++) {
		const struct pvn_vp_stats *s = &vm->vps[i].stats;
		for (int k = 0; k < PVN_EXIT__COUNT; k++)
			out->exits[k] += s->exits[k];
		out->unclaimed_pio_read += s->unclaimed_pio_read;
		out->unclaimed_pio_write += s->unclaimed_pio_write;
		out->unclaimed_mmio_read += s->unclaimed_mmio_read;
		out->unclaimed_mmio_write += s->unclaimed_mmio_write;
		out->unclaimed_msr += s->unclaimed_msr;
		out->handler_errors += s->handler_errors;
		out->vtl2_refused += s->vtl2_refused;
		out->fallbacks += s->fallbacks;
	}
}

void pvn_vm_print_stats(const struct pvn_vm *vm, FILE *f)
{
	struct pvn_vp_stats t;
	pvn_vm_sum_stats(vm, &t);
	fprintf(f, "paravane stats: %u VPs\n", vm->nr_vps);
	for (int k = 0; k < PVN_EXIT__COUNT; k++)
		if (t.exits[k])
			fprintf(f, "  exits.%-12s %" PRIu64 "\n", pvn_exit_reason_name(k), t.exits[k]);
	fprintf(f, "  unclaimed.pio_read   %" PRIu64 "\n", t.unclaimed_pio_read);
	fprintf(f, "  unclaimed.pio_write  %" PRIu64 "\n", t.unclaimed_pio_write);
	fprintf(f, "  unclaimed.mmio_read  %" PRIu64 "\n", t.unclaimed_mmio_read);
	fprintf(f, "  unclaimed.mmio_write %" PRIu64 "\n", t.unclaimed_mmio_write);
	fprintf(f, "  unclaimed.msr        %" PRIu64 "\n", t.unclaimed_msr);
	fprintf(f, "  handler_errors       %" PRIu64 "\n", t.handler_errors);
	fprintf(f, "  vtl2_refused         %" PRIu64 "\n", t.vtl2_refused);
	fprintf(f, "  insn_fallbacks       %" PRIu64 "\n", t.fallbacks);
}
