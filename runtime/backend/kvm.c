/* SPDX-License-Identifier: MIT */
/*
 * The KVM partition backend.
 *
 * Interrupt controller choice: the in-kernel irqchip (KVM_CREATE_IRQCHIP:
 * LAPIC, IOAPIC and PIC in the kernel), not the split irqchip. Reasons:
 *  - IOAPIC EOIs, LAPIC timer and IPIs are handled without a userspace exit;
 *    on this machine an exit costs 10-17 us, and a Linux guest EOIs on every
 *    interrupt.
 *  - Device lines (GSIs) and MSI routes can be bound to eventfds with irqfd,
 *    so a device thread raises an interrupt without touching a VP.
 *  - The runtime needs nothing from the IOAPIC that it would have to see:
 *    Hyper-V SynIC SINTs are delivered as fixed-vector MSIs (KVM_SIGNAL_MSI),
 *    which the in-kernel LAPIC accepts.
 * The split irqchip would only pay off for a userspace IOAPIC we do not need.
 */
#include "runtime/backend/backend.h"
#include "runtime/core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define KVM_MAX_SLOTS 32
#define KVM_NR_IRQCHIP_GSIS 24
#define KVM_MAX_GSIS 1024

struct kvm_slot {
	bool used;
	uint64_t gpa, size;
	void *hva;
};

struct pvn_partition {
	int kvm_fd;
	int vm_fd;
	int run_size;
	struct kvm_slot slots[KVM_MAX_SLOTS];
	/* MSI routes for GSIs >= KVM_NR_IRQCHIP_GSIS; address 0 means unused. */
	struct pvn_msi msi_routes[KVM_MAX_GSIS];
	unsigned nr_msi_routes; /* highest used GSI + 1 */
};

struct pvn_bvp {
	struct pvn_partition *part;
	unsigned index;
	int fd;
	struct kvm_run *run;
};

static int kvm_err(const char *what)
{
	int e = errno;
	pvn_err("kvm: %s: %s", what, strerror(e));
	return -e;
}

static int kvm_probe(char *why, size_t len)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC), vm, r = 0;

	if (fd < 0) {
		r = -errno;
		snprintf(why, len, "cannot open /dev/kvm: %s%s", strerror(errno),
			 errno == EACCES ? " (is this user in the kvm group?)" : "");
		return r;
	}
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		snprintf(why, len, "/dev/kvm speaks an unsupported KVM API version");
		close(fd);
		return -ENODEV;
	}
	do
		vm = ioctl(fd, KVM_CREATE_VM, 0);
	while (vm < 0 && errno == EINTR);
	if (vm < 0) {
		r = -errno;
		snprintf(why, len, "/dev/kvm opens but cannot create a VM: %s", strerror(errno));
	} else {
		close(vm);
	}
	close(fd);
	return r;
}

static int kvm_partition_create(const struct pvn_partition_opts *opts, struct pvn_partition **out)
{
	struct pvn_partition *p = calloc(1, sizeof(*p));
	int r;

	if (!p)
		return -ENOMEM;
	p->vm_fd = -1;
	p->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (p->kvm_fd < 0) {
		r = -errno;
		pvn_err("kvm: cannot open /dev/kvm: %s", strerror(errno));
		free(p);
		return r == -ENOENT ? -ENODEV : r;
	}
	if (ioctl(p->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		pvn_err("kvm: unsupported KVM API version");
		r = -ENODEV;
		goto fail;
	}
	p->run_size = ioctl(p->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (p->run_size <= 0) {
		r = kvm_err("KVM_GET_VCPU_MMAP_SIZE");
		goto fail;
	}
	do
		p->vm_fd = ioctl(p->kvm_fd, KVM_CREATE_VM, 0);
	while (p->vm_fd < 0 && errno == EINTR);
	if (p->vm_fd < 0) {
		r = kvm_err("KVM_CREATE_VM");
		goto fail;
	}
	/* Needed by VMX hosts; the runtime's memory map reserves these pages. */
	ioctl(p->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000UL);
	{
		uint64_t ident = 0xfffbc000ULL;
		ioctl(p->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
	}
	if (ioctl(p->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
		r = kvm_err("KVM_CREATE_IRQCHIP");
		goto fail;
	}
	/* Only on request: a VM with a PIT takes 10-20 ms longer to tear down. */
	if (opts->pit) {
		struct kvm_pit_config pit = {.flags = KVM_PIT_SPEAKER_DUMMY};
		if (ioctl(p->vm_fd, KVM_CREATE_PIT2, &pit) < 0)
			pvn_warn("kvm: no in-kernel PIT: %s", strerror(errno));
	}
	{
		struct kvm_enable_cap cap = {.cap = KVM_CAP_X86_USER_SPACE_MSR};
		cap.args[0] = KVM_MSR_EXIT_REASON_FILTER | KVM_MSR_EXIT_REASON_UNKNOWN |
			      KVM_MSR_EXIT_REASON_INVAL;
		if (ioctl(p->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
			r = kvm_err("KVM_CAP_X86_USER_SPACE_MSR");
			goto fail;
		}
	}
	{
		/* Ask for instruction bytes on emulation failures, for clear reports. */
		struct kvm_enable_cap cap = {.cap = KVM_CAP_EXIT_ON_EMULATION_FAILURE};
		cap.args[0] = 1;
		ioctl(p->vm_fd, KVM_ENABLE_CAP, &cap);
	}
	*out = p;
	return 0;
fail:
	if (p->vm_fd >= 0)
		close(p->vm_fd);
	close(p->kvm_fd);
	free(p);
	return r;
}

static void kvm_partition_destroy(struct pvn_partition *p)
{
	if (!p)
		return;
	close(p->vm_fd);
	close(p->kvm_fd);
	free(p);
}

static int kvm_set_slot(struct pvn_partition *p, unsigned slot, uint64_t gpa, uint64_t size,
			void *hva, bool readonly)
{
	struct kvm_userspace_memory_region reg = {
		.slot = slot,
		.flags = readonly ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)hva,
	};
	if (ioctl(p->vm_fd, KVM_SET_USER_MEMORY_REGION, &reg) < 0)
		return kvm_err("KVM_SET_USER_MEMORY_REGION");
	return 0;
}

static int kvm_map(struct pvn_partition *p, uint64_t gpa, uint64_t size, void *hva, bool readonly)
{
	unsigned free_slot = KVM_MAX_SLOTS;
	int r;

	if ((gpa | size | (uintptr_t)hva) & 0xfff || !size || gpa + size < gpa)
		return -EINVAL;
	for (unsigned i = 0; i < KVM_MAX_SLOTS; i++) {
		struct kvm_slot *s = &p->slots[i];
		if (!s->used) {
			if (free_slot == KVM_MAX_SLOTS)
				free_slot = i;
			continue;
		}
		if (gpa < s->gpa + s->size && s->gpa < gpa + size)
			return -EEXIST;
	}
	if (free_slot == KVM_MAX_SLOTS)
		return -ENOSPC;
	r = kvm_set_slot(p, free_slot, gpa, size, hva, readonly);
	if (r)
		return r;
	p->slots[free_slot] = (struct kvm_slot){true, gpa, size, hva};
	return 0;
}

static int kvm_unmap(struct pvn_partition *p, uint64_t gpa, uint64_t size)
{
	for (unsigned i = 0; i < KVM_MAX_SLOTS; i++) {
		struct kvm_slot *s = &p->slots[i];
		if (s->used && s->gpa == gpa && s->size == size) {
			int r = kvm_set_slot(p, i, gpa, 0, s->hva, false);
			if (r)
				return r;
			s->used = false;
			return 0;
		}
	}
	return -ENOENT;
}

static int msr_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/*
 * The filter allows everything by default and denies (= exits to userspace
 * for) the owned MSRs. Owned MSRs within one 2048-MSR window share a range.
 */
static int kvm_set_owned_msrs(struct pvn_partition *p, const uint32_t *msrs, size_t n)
{
	enum { WINDOW = 2048 };
	static const uint8_t ones[WINDOW / 8] = {[0 ... WINDOW / 8 - 1] = 0xff};
	struct kvm_msr_filter f = {.flags = KVM_MSR_FILTER_DEFAULT_ALLOW};
	uint8_t *bitmaps = NULL;
	uint32_t *sorted = NULL;
	unsigned nr = 0;
	int r = 0;

	if (n) {
		sorted = malloc(n * sizeof(*sorted));
		bitmaps = malloc(KVM_MSR_FILTER_MAX_RANGES * sizeof(ones));
		if (!sorted || !bitmaps) {
			r = -ENOMEM;
			goto out;
		}
		memcpy(sorted, msrs, n * sizeof(*sorted));
		qsort(sorted, n, sizeof(*sorted), msr_cmp);
	}
	for (size_t i = 0; i < n; i++) {
		struct kvm_msr_filter_range *rg = nr ? &f.ranges[nr - 1] : NULL;
		if (!rg || sorted[i] >= rg->base + WINDOW) {
			if (nr == KVM_MSR_FILTER_MAX_RANGES) {
				pvn_err("kvm: owned MSRs need more than %d filter ranges",
					KVM_MSR_FILTER_MAX_RANGES);
				r = -E2BIG;
				goto out;
			}
			rg = &f.ranges[nr];
			rg->flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE;
			rg->base = sorted[i];
			rg->nmsrs = WINDOW;
			rg->bitmap = bitmaps + nr * sizeof(ones);
			memcpy(rg->bitmap, ones, sizeof(ones));
			nr++;
		}
		uint32_t bit = sorted[i] - rg->base;
		rg->bitmap[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
	}
	if (ioctl(p->vm_fd, KVM_X86_SET_MSR_FILTER, &f) < 0)
		r = kvm_err("KVM_X86_SET_MSR_FILTER");
out:
	free(sorted);
	free(bitmaps);
	return r;
}

static int kvm_vp_create(struct pvn_partition *p, unsigned index, struct pvn_bvp **out)
{
	struct pvn_bvp *vp = calloc(1, sizeof(*vp));
	if (!vp)
		return -ENOMEM;
	vp->part = p;
	vp->index = index;
	vp->fd = ioctl(p->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (vp->fd < 0) {
		int r = kvm_err("KVM_CREATE_VCPU");
		free(vp);
		return r;
	}
	vp->run = mmap(NULL, p->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vp->fd, 0);
	if (vp->run == MAP_FAILED) {
		int r = kvm_err("mmap(kvm_run)");
		close(vp->fd);
		free(vp);
		return r;
	}
	*out = vp;
	return 0;
}

static void kvm_vp_destroy(struct pvn_bvp *vp)
{
	if (!vp)
		return;
	munmap(vp->run, vp->part->run_size);
	close(vp->fd);
	free(vp);
}

static int kvm_supported_cpuid(struct pvn_partition *p, struct pvn_cpuid_entry **out, size_t *n)
{
	for (unsigned nent = 128; nent <= 4096; nent *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + nent * sizeof(c->entries[0]));
		if (!c)
			return -ENOMEM;
		c->nent = nent;
		if (ioctl(p->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
			int e = errno;
			free(c);
			if (e == E2BIG)
				continue;
			errno = e;
			return kvm_err("KVM_GET_SUPPORTED_CPUID");
		}
		struct pvn_cpuid_entry *e = calloc(c->nent ? c->nent : 1, sizeof(*e));
		if (!e) {
			free(c);
			return -ENOMEM;
		}
		for (unsigned i = 0; i < c->nent; i++) {
			struct kvm_cpuid_entry2 *k = &c->entries[i];
			e[i] = (struct pvn_cpuid_entry){
				.function = k->function,
				.index = k->index,
				.flags = (k->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX)
						 ? PVN_CPUID_SIGNIFICANT_INDEX
						 : 0,
				.eax = k->eax,
				.ebx = k->ebx,
				.ecx = k->ecx,
				.edx = k->edx,
			};
		}
		*n = c->nent;
		*out = e;
		free(c);
		return 0;
	}
	return -E2BIG;
}

static int kvm_vp_set_cpuid(struct pvn_bvp *vp, const struct pvn_cpuid_entry *e, size_t n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	int r = 0;

	if (!c)
		return -ENOMEM;
	c->nent = n;
	for (size_t i = 0; i < n; i++) {
		c->entries[i] = (struct kvm_cpuid_entry2){
			.function = e[i].function,
			.index = e[i].index,
			.flags = (e[i].flags & PVN_CPUID_SIGNIFICANT_INDEX)
					 ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX
					 : 0,
			.eax = e[i].eax,
			.ebx = e[i].ebx,
			.ecx = e[i].ecx,
			.edx = e[i].edx,
		};
	}
	if (ioctl(vp->fd, KVM_SET_CPUID2, c) < 0)
		r = kvm_err("KVM_SET_CPUID2");
	free(c);
	return r;
}

static int kvm_vp_run(struct pvn_bvp *vp, struct pvn_exit *x)
{
	struct kvm_run *run = vp->run;

	if (ioctl(vp->fd, KVM_RUN, 0) < 0) {
		if (errno == EINTR || errno == EAGAIN) {
			run->immediate_exit = 0;
			x->reason = PVN_EXIT_INTR;
			return 0;
		}
		return kvm_err("KVM_RUN");
	}
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		x->reason = PVN_EXIT_PIO;
		x->pio.port = run->io.port;
		x->pio.size = run->io.size;
		x->pio.write = run->io.direction == KVM_EXIT_IO_OUT;
		x->pio.count = run->io.count;
		/* data_offset is set by the kernel inside the shared run page; it
		 * is trusted like the rest of kvm_run. */
		x->pio.data = (uint8_t *)run + run->io.data_offset;
		return 0;
	case KVM_EXIT_MMIO:
		x->reason = PVN_EXIT_MMIO;
		x->mmio.gpa = run->mmio.phys_addr;
		x->mmio.len = run->mmio.len;
		x->mmio.write = run->mmio.is_write;
		x->mmio.data = run->mmio.data;
		return 0;
	case KVM_EXIT_X86_RDMSR:
	case KVM_EXIT_X86_WRMSR:
		x->reason = run->exit_reason == KVM_EXIT_X86_RDMSR ? PVN_EXIT_MSR_READ
								     : PVN_EXIT_MSR_WRITE;
		x->msr.index = run->msr.index;
		x->msr.data = (uint64_t *)&run->msr.data;
		x->msr.error = &run->msr.error;
		run->msr.error = 0;
		return 0;
	case KVM_EXIT_HLT:
		x->reason = PVN_EXIT_HLT;
		return 0;
	case KVM_EXIT_SHUTDOWN:
		x->reason = PVN_EXIT_SHUTDOWN;
		return 0;
	case KVM_EXIT_SYSTEM_EVENT:
		x->reason = run->system_event.type == KVM_SYSTEM_EVENT_RESET ? PVN_EXIT_RESET
									     : PVN_EXIT_POWEROFF;
		return 0;
	case KVM_EXIT_INTR:
		x->reason = PVN_EXIT_INTR;
		return 0;
	case KVM_EXIT_INTERNAL_ERROR:
		x->reason = PVN_EXIT_INTERNAL;
		x->internal.suberror = run->internal.suberror;
		x->internal.insn_len = 0;
		if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
		    (run->emulation_failure.flags &
		     KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
			unsigned len = run->emulation_failure.insn_size;
			if (len > sizeof(run->emulation_failure.insn_bytes))
				len = sizeof(run->emulation_failure.insn_bytes);
			memcpy(x->internal.insn, run->emulation_failure.insn_bytes, len);
			x->internal.insn_len = len;
		}
		return 0;
	case KVM_EXIT_FAIL_ENTRY:
		x->reason = PVN_EXIT_FAIL_ENTRY;
		x->hw_reason = run->fail_entry.hardware_entry_failure_reason;
		return 0;
	default:
		x->reason = PVN_EXIT_OTHER;
		x->hw_reason = run->exit_reason;
		return 0;
	}
}

static void kvm_vp_kick(struct pvn_bvp *vp)
{
	__atomic_store_n(&vp->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

static int kvm_vp_get_regs(struct pvn_bvp *vp, struct pvn_regs *r)
{
	struct kvm_regs k;
	if (ioctl(vp->fd, KVM_GET_REGS, &k) < 0)
		return kvm_err("KVM_GET_REGS");
	*r = (struct pvn_regs){k.rax, k.rbx, k.rcx, k.rdx, k.rsi, k.rdi, k.rsp, k.rbp,
			       k.r8,  k.r9,  k.r10, k.r11, k.r12, k.r13, k.r14, k.r15,
			       k.rip, k.rflags};
	return 0;
}

static int kvm_vp_set_regs(struct pvn_bvp *vp, const struct pvn_regs *r)
{
	struct kvm_regs k = {r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rsp, r->rbp,
			     r->r8,  r->r9,  r->r10, r->r11, r->r12, r->r13, r->r14, r->r15,
			     r->rip, r->rflags};
	if (ioctl(vp->fd, KVM_SET_REGS, &k) < 0)
		return kvm_err("KVM_SET_REGS");
	return 0;
}

static void seg_from_kvm(struct pvn_segment *d, const struct kvm_segment *s)
{
	*d = (struct pvn_segment){s->base, s->limit, s->selector, s->type, s->present, s->dpl,
				  s->db,   s->s,     s->l,        s->g,    s->avl,  s->unusable};
}

static void seg_to_kvm(struct kvm_segment *d, const struct pvn_segment *s)
{
	*d = (struct kvm_segment){.base = s->base,
				  .limit = s->limit,
				  .selector = s->selector,
				  .type = s->type,
				  .present = s->present,
				  .dpl = s->dpl,
				  .db = s->db,
				  .s = s->s,
				  .l = s->l,
				  .g = s->g,
				  .avl = s->avl,
				  .unusable = s->unusable};
}

static int kvm_vp_get_sregs(struct pvn_bvp *vp, struct pvn_sregs *s)
{
	struct kvm_sregs k;
	if (ioctl(vp->fd, KVM_GET_SREGS, &k) < 0)
		return kvm_err("KVM_GET_SREGS");
	seg_from_kvm(&s->cs, &k.cs);
	seg_from_kvm(&s->ds, &k.ds);
	seg_from_kvm(&s->es, &k.es);
	seg_from_kvm(&s->fs, &k.fs);
	seg_from_kvm(&s->gs, &k.gs);
	seg_from_kvm(&s->ss, &k.ss);
	seg_from_kvm(&s->tr, &k.tr);
	seg_from_kvm(&s->ldt, &k.ldt);
	s->gdt = (struct pvn_dtable){k.gdt.base, k.gdt.limit};
	s->idt = (struct pvn_dtable){k.idt.base, k.idt.limit};
	s->cr0 = k.cr0;
	s->cr2 = k.cr2;
	s->cr3 = k.cr3;
	s->cr4 = k.cr4;
	s->cr8 = k.cr8;
	s->efer = k.efer;
	s->apic_base = k.apic_base;
	return 0;
}

static int kvm_vp_set_sregs(struct pvn_bvp *vp, const struct pvn_sregs *s)
{
	struct kvm_sregs k;
	/* Read first so the interrupt bitmap is preserved. */
	if (ioctl(vp->fd, KVM_GET_SREGS, &k) < 0)
		return kvm_err("KVM_GET_SREGS");
	seg_to_kvm(&k.cs, &s->cs);
	seg_to_kvm(&k.ds, &s->ds);
	seg_to_kvm(&k.es, &s->es);
	seg_to_kvm(&k.fs, &s->fs);
	seg_to_kvm(&k.gs, &s->gs);
	seg_to_kvm(&k.ss, &s->ss);
	seg_to_kvm(&k.tr, &s->tr);
	seg_to_kvm(&k.ldt, &s->ldt);
	k.gdt.base = s->gdt.base;
	k.gdt.limit = s->gdt.limit;
	k.idt.base = s->idt.base;
	k.idt.limit = s->idt.limit;
	k.cr0 = s->cr0;
	k.cr2 = s->cr2;
	k.cr3 = s->cr3;
	k.cr4 = s->cr4;
	k.cr8 = s->cr8;
	k.efer = s->efer;
	k.apic_base = s->apic_base;
	if (ioctl(vp->fd, KVM_SET_SREGS, &k) < 0)
		return kvm_err("KVM_SET_SREGS");
	return 0;
}

static int kvm_vp_set_runnable(struct pvn_bvp *vp, bool runnable)
{
	struct kvm_mp_state mp = {runnable ? KVM_MP_STATE_RUNNABLE : KVM_MP_STATE_UNINITIALIZED};
	if (ioctl(vp->fd, KVM_SET_MP_STATE, &mp) < 0)
		return kvm_err("KVM_SET_MP_STATE");
	return 0;
}

static int kvm_vp_read_code(struct pvn_bvp *vp, uint64_t rip, uint8_t *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		struct kvm_translation t = {.linear_address = rip + done};
		if (ioctl(vp->fd, KVM_TRANSLATE, &t) < 0 || !t.valid)
			break;
		size_t chunk = 4096 - (t.physical_address & 4095);
		if (chunk > len - done)
			chunk = len - done;
		struct kvm_slot *hit = NULL;
		for (unsigned i = 0; i < KVM_MAX_SLOTS; i++) {
			struct kvm_slot *s = &vp->part->slots[i];
			if (s->used && t.physical_address >= s->gpa &&
			    t.physical_address + chunk <= s->gpa + s->size)
				hit = s;
		}
		if (!hit)
			break;
		memcpy(buf + done, (uint8_t *)hit->hva + (t.physical_address - hit->gpa), chunk);
		done += chunk;
	}
	return (int)done;
}

static int kvm_vp_get_msr(struct pvn_bvp *vp, uint32_t index, uint64_t *value)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = {.hdr.nmsrs = 1, .e.index = index};
	if (ioctl(vp->fd, KVM_GET_MSRS, &m) != 1)
		return kvm_err("KVM_GET_MSRS");
	*value = m.e.data;
	return 0;
}

/* MXCSR lives in the legacy region of the XSAVE area (byte 24). KVM_GET_FPU
 * does not report it on every host, so go through KVM_GET/SET_XSAVE. */
static int kvm_vp_set_mxcsr(struct pvn_bvp *vp, uint32_t mxcsr)
{
	struct kvm_xsave xs;
	if (ioctl(vp->fd, KVM_GET_XSAVE, &xs) < 0)
		return kvm_err("KVM_GET_XSAVE");
	xs.region[6] = mxcsr;
	if (ioctl(vp->fd, KVM_SET_XSAVE, &xs) < 0)
		return kvm_err("KVM_SET_XSAVE");
	return 0;
}

static int kvm_vp_get_mxcsr(struct pvn_bvp *vp, uint32_t *mxcsr)
{
	struct kvm_xsave xs;
	if (ioctl(vp->fd, KVM_GET_XSAVE, &xs) < 0)
		return kvm_err("KVM_GET_XSAVE");
	*mxcsr = xs.region[6];
	return 0;
}

static int kvm_vp_translate(struct pvn_bvp *vp, uint64_t la, uint64_t *gpa, bool *writable)
{
	struct kvm_translation t = {.linear_address = la};
	if (ioctl(vp->fd, KVM_TRANSLATE, &t) < 0)
		return kvm_err("KVM_TRANSLATE");
	if (!t.valid)
		return -EFAULT;
	*gpa = t.physical_address;
	*writable = t.writeable;
	return 0;
}

static int kvm_tsc_khz(struct pvn_bvp *vp, uint32_t *khz)
{
	int r = ioctl(vp->fd, KVM_GET_TSC_KHZ, 0);
	if (r <= 0)
		return r < 0 ? kvm_err("KVM_GET_TSC_KHZ") : -ENODEV;
	*khz = (uint32_t)r;
	return 0;
}

static int kvm_vp_inject_exception(struct pvn_bvp *vp, uint8_t vector, bool has_error,
				   uint32_t error)
{
	struct kvm_vcpu_events ev;
	if (ioctl(vp->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
		return kvm_err("KVM_GET_VCPU_EVENTS");
	ev.exception.injected = 1;
	ev.exception.nr = vector;
	ev.exception.has_error_code = has_error;
	ev.exception.error_code = error;
	ev.flags = 0;
	if (ioctl(vp->fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
		return kvm_err("KVM_SET_VCPU_EVENTS");
	return 0;
}

static unsigned kvm_nr_gsis(struct pvn_partition *p)
{
	(void)p;
	return KVM_NR_IRQCHIP_GSIS;
}

static int kvm_irq_line(struct pvn_partition *p, uint32_t gsi, bool level)
{
	struct kvm_irq_level l = {.irq = gsi, .level = level};
	if (ioctl(p->vm_fd, KVM_IRQ_LINE, &l) < 0)
		return kvm_err("KVM_IRQ_LINE");
	return 0;
}

static int kvm_signal_msi(struct pvn_partition *p, const struct pvn_msi *m)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)m->address,
		.address_hi = (uint32_t)(m->address >> 32),
		.data = m->data,
	};
	if (ioctl(p->vm_fd, KVM_SIGNAL_MSI, &msi) < 0)
		return kvm_err("KVM_SIGNAL_MSI");
	return 0;
}

/* KVM_SET_GSI_ROUTING replaces the whole table, so rebuild it: the default
 * irqchip pins for GSIs 0-23 (as KVM sets them up), then the MSI routes. */
static int kvm_push_routes(struct pvn_partition *p)
{
	size_t max = 2 * KVM_NR_IRQCHIP_GSIS + p->nr_msi_routes;
	struct kvm_irq_routing *t = calloc(1, sizeof(*t) + max * sizeof(t->entries[0]));
	unsigned n = 0;
	int r = 0;

	if (!t)
		return -ENOMEM;
	for (unsigned gsi = 0; gsi < KVM_NR_IRQCHIP_GSIS; gsi++) {
		if (gsi < 16) {
			t->entries[n].gsi = gsi;
			t->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
			t->entries[n].u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
								  : KVM_IRQCHIP_PIC_SLAVE;
			t->entries[n].u.irqchip.pin = gsi % 8;
			n++;
		}
		t->entries[n].gsi = gsi;
		t->entries[n].type = KVM_IRQ_ROUTING_IRQCHIP;
		t->entries[n].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		t->entries[n].u.irqchip.pin = gsi;
		n++;
	}
	for (unsigned gsi = KVM_NR_IRQCHIP_GSIS; gsi < p->nr_msi_routes; gsi++) {
		const struct pvn_msi *m = &p->msi_routes[gsi];
		if (!m->address)
			continue;
		t->entries[n].gsi = gsi;
		t->entries[n].type = KVM_IRQ_ROUTING_MSI;
		t->entries[n].u.msi.address_lo = (uint32_t)m->address;
		t->entries[n].u.msi.address_hi = (uint32_t)(m->address >> 32);
		t->entries[n].u.msi.data = m->data;
		n++;
	}
	t->nr = n;
	if (ioctl(p->vm_fd, KVM_SET_GSI_ROUTING, t) < 0)
		r = kvm_err("KVM_SET_GSI_ROUTING");
	free(t);
	return r;
}

static int kvm_route_msi(struct pvn_partition *p, uint32_t gsi, const struct pvn_msi *msi)
{
	if (gsi < KVM_NR_IRQCHIP_GSIS || gsi >= KVM_MAX_GSIS)
		return -EINVAL;
	if (msi && !msi->address)
		return -EINVAL;
	p->msi_routes[gsi] = msi ? *msi : (struct pvn_msi){0, 0};
	if (gsi >= p->nr_msi_routes)
		p->nr_msi_routes = gsi + 1;
	return kvm_push_routes(p);
}

static int kvm_irqfd(struct pvn_partition *p, int efd, uint32_t gsi, bool deassign)
{
	struct kvm_irqfd f = {.fd = (uint32_t)efd,
			      .gsi = gsi,
			      .flags = deassign ? KVM_IRQFD_FLAG_DEASSIGN : 0};
	if (ioctl(p->vm_fd, KVM_IRQFD, &f) < 0)
		return kvm_err("KVM_IRQFD");
	return 0;
}

const struct pvn_backend_ops pvn_backend_kvm = {
	.name = "kvm",
	.probe = kvm_probe,
	.partition_create = kvm_partition_create,
	.partition_destroy = kvm_partition_destroy,
	.map = kvm_map,
	.unmap = kvm_unmap,
	.set_owned_msrs = kvm_set_owned_msrs,
	.vp_create = kvm_vp_create,
	.vp_destroy = kvm_vp_destroy,
	.supported_cpuid = kvm_supported_cpuid,
	.vp_set_cpuid = kvm_vp_set_cpuid,
	.vp_run = kvm_vp_run,
	.vp_kick = kvm_vp_kick,
	.vp_get_regs = kvm_vp_get_regs,
	.vp_set_regs = kvm_vp_set_regs,
	.vp_get_sregs = kvm_vp_get_sregs,
	.vp_set_sregs = kvm_vp_set_sregs,
	.vp_set_runnable = kvm_vp_set_runnable,
	.vp_read_code = kvm_vp_read_code,
	.vp_get_msr = kvm_vp_get_msr,
	.tsc_khz = kvm_tsc_khz,
	.vp_set_mxcsr = kvm_vp_set_mxcsr,
	.vp_get_mxcsr = kvm_vp_get_mxcsr,
	.vp_translate = kvm_vp_translate,
	.vp_inject_exception = kvm_vp_inject_exception,
	.nr_gsis = kvm_nr_gsis,
	.irq_line = kvm_irq_line,
	.signal_msi = kvm_signal_msi,
	.route_msi = kvm_route_msi,
	.irqfd = kvm_irqfd,
};
