/* SPDX-License-Identifier: MIT */
/*
 * The Hyper-V personality, from userspace: CPUID leaves, synthetic MSRs, the
 * port-trampoline hypercall page, SynIC message and event delivery, and the
 * HvPostMessage / HvSignalEvent hypercalls. See hv.h for the design.
 */
#include "runtime/hv/hv.h"
#include "runtime/core/log.h"
#include "runtime/vm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HV_MAX_PORTS 256
#define HV_QUEUE_MAX 1024
#define MSR_IA32_TSC 0x10

struct hv_qmsg {
	struct hv_qmsg *next;
	struct hv_message msg;
};

struct hv_queue {
	struct hv_qmsg *head, *tail;
	unsigned len;
};

struct hv_vp {
	uint64_t scontrol, simp, siefp;
	uint64_t sint[HV_SINT_COUNT];
	struct hv_queue q[HV_SINT_COUNT];
};

struct hv_port {
	bool used, is_event;
	uint32_t conn_id;
	pvn_hv_message_fn msg_fn;
	pvn_hv_event_fn event_fn;
	void *opaque;
	char owner[PVN_OWNER_MAX];
};

struct pvn_hv {
	struct pvn_vm *vm;
	pthread_mutex_t lock;
	uint64_t guest_os_id;
	uint64_t hypercall;
	uint64_t ref_tsc;
	uint64_t tsc_hz;
	bool tsc_invariant;  /* the hypervisor says the guest TSC is invariant */
	uint64_t tsc_inv_ctl; /* HV_MSR_TSC_INVARIANT_CONTROL */
	struct timespec t0; /* the partition's reference time zero */
	struct hv_vp vps[PVN_MAX_VPS];
	struct hv_port ports[HV_MAX_PORTS];
	struct pvn_hv_stats stats;
};

/* ---- helpers ---- */

/* Reference time in 100 ns units since the partition started. */
static uint64_t ref_time(struct pvn_hv *hv)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t ns = (int64_t)(now.tv_sec - hv->t0.tv_sec) * 1000000000 +
		     (now.tv_nsec - hv->t0.tv_nsec);
	return (uint64_t)ns / 100;
}

/* A guest page given in an MSR (bits 12+) as a host pointer, or NULL when it
 * is not a whole page of VTL0 RAM. */
static void *msr_page(struct pvn_hv *hv, uint64_t msr)
{
	return pvn_mem_gpa_to_hva(&hv->vm->mem, msr & ~0xfffULL, 4096, PVN_VTL0);
}

static bool synic_sint_live(struct hv_vp *v, unsigned sint)
{
	return (v->scontrol & 1) && !(v->sint[sint] & HV_SINT_MASKED);
}

static void raise_sint(struct pvn_hv *hv, unsigned vp, unsigned sint)
{
	uint8_t vector = (uint8_t)hv->vps[vp].sint[sint];
	/* Fixed delivery, physical destination = the VP's APIC ID (= index). */
	pvn_irq_signal_msi(&hv->vm->irq, PVN_LAPIC_BASE | ((uint64_t)vp << 12), vector);
}

/* Move queued messages into free SIMP slots. Called with hv->lock held. */
static void deliver_locked(struct pvn_hv *hv, unsigned vp, unsigned sint)
{
	struct hv_vp *v = &hv->vps[vp];
	struct hv_queue *q = &v->q[sint];
	struct hv_message_page *page;
	struct hv_message *slot;

	if (!q->head || !synic_sint_live(v, sint) || !(v->simp & 1))
		return;
	page = msr_page(hv, v->simp);
	if (!page)
		return;
	/* The SIMP page is guest RAM (checked above), so the slot is in bounds;
	 * the guest may write it concurrently: read and write it atomically. */
	slot = &page->sint_message[sint];
	for (;;) {
		uint32_t type = __atomic_load_n(&slot->header.message_type, __ATOMIC_ACQUIRE);
		if (type != HV_MESSAGE_NONE) {
			/* Busy: ask for an EOM, then look again in case the guest
			 * emptied the slot before it could see the flag. */
			__atomic_fetch_or(&slot->header.message_flags, HV_MESSAGE_FLAG_PENDING,
					  __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&slot->header.message_type, __ATOMIC_SEQ_CST) !=
			    HV_MESSAGE_NONE)
				return;
			continue;
		}
		struct hv_qmsg *m = q->head;
		memcpy(slot->payload, m->msg.payload, sizeof(slot->payload));
		slot->header.payload_size = m->msg.header.payload_size;
		slot->header.sender = m->msg.header.sender;
		slot->header.message_flags = q->len > 1 ? HV_MESSAGE_FLAG_PENDING : 0;
		/* The type goes last: it tells the guest the slot is full. */
		__atomic_store_n(&slot->header.message_type, m->msg.header.message_type,
				 __ATOMIC_RELEASE);
		q->head = m->next;
		if (!q->head)
			q->tail = NULL;
		q->len--;
		free(m);
		hv->stats.messages_delivered++;
		raise_sint(hv, vp, sint);
		return;
	}
}

static void deliver_all_locked(struct pvn_hv *hv, unsigned vp)
{
	for (unsigned s = 0; s < HV_SINT_COUNT; s++)
		deliver_locked(hv, vp, s);
}

/* ---- host -> guest ---- */

int pvn_hv_post_message(struct pvn_hv *hv, unsigned vp, unsigned sint, uint32_t msg_type,
			const void *payload, size_t len)
{
	struct hv_qmsg *m;
	struct hv_queue *q;

	if (vp >= hv->vm->nr_vps || sint >= HV_SINT_COUNT || msg_type == HV_MESSAGE_NONE ||
	    len > HV_MESSAGE_PAYLOAD_BYTES)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->msg.header.message_type = msg_type;
	m->msg.header.payload_size = (uint8_t)len;
	memcpy(m->msg.payload, payload, len);
	pthread_mutex_lock(&hv->lock);
	q = &hv->vps[vp].q[sint];
	if (q->len >= HV_QUEUE_MAX) {
		pthread_mutex_unlock(&hv->lock);
		free(m);
		return -ENOSPC;
	}
	if (q->tail)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->len++;
	hv->stats.messages_queued++;
	deliver_locked(hv, vp, sint);
	pthread_mutex_unlock(&hv->lock);
	return 0;
}

int pvn_hv_signal_event(struct pvn_hv *hv, unsigned vp, unsigned sint, unsigned flag)
{
	struct hv_vp *v;
	struct hv_event_flags *page;
	uint8_t bit, old;
	int r = 0;

	if (vp >= hv->vm->nr_vps || sint >= HV_SINT_COUNT || flag >= HV_EVENT_FLAGS_COUNT)
		return -EINVAL;
	pthread_mutex_lock(&hv->lock);
	v = &hv->vps[vp];
	if (synic_sint_live(v, sint) && (v->siefp & 1) && (page = msr_page(hv, v->siefp))) {
		/* page + sint is inside the checked SIEFP page (16 x 256 bytes). */
		bit = (uint8_t)(1u << (flag % 8));
		old = __atomic_fetch_or(&page[sint].flags[flag / 8], bit, __ATOMIC_SEQ_CST);
		if (!(old & bit)) {
			hv->stats.events_signalled++;
			raise_sint(hv, vp, sint);
			r = 1;
		}
	}
	pthread_mutex_unlock(&hv->lock);
	return r;
}

/* ---- ports ---- */

static int register_port(struct pvn_hv *hv, uint32_t conn_id, bool is_event,
			 pvn_hv_message_fn mfn, pvn_hv_event_fn efn, void *opaque,
			 const char *owner)
{
	struct hv_port *free_slot = NULL;
	int r = 0;

	pthread_mutex_lock(&hv->lock);
	for (unsigned i = 0; i < HV_MAX_PORTS; i++) {
		struct hv_port *p = &hv->ports[i];
		if (!p->used) {
			if (!free_slot)
				free_slot = p;
		} else if (p->conn_id == conn_id && p->is_event == is_event) {
			pvn_err("hv: %s connection id %u for '%s' is already owned by '%s'",
				is_event ? "event" : "message", conn_id, owner, p->owner);
			r = -EEXIST;
			break;
		}
	}
	if (!r && !free_slot)
		r = -ENOSPC;
	if (!r) {
		*free_slot = (struct hv_port){.used = true,
					      .is_event = is_event,
					      .conn_id = conn_id,
					      .msg_fn = mfn,
					      .event_fn = efn,
					      .opaque = opaque};
		snprintf(free_slot->owner, sizeof(free_slot->owner), "%s", owner);
	}
	pthread_mutex_unlock(&hv->lock);
	return r;
}

int pvn_hv_register_message_port(struct pvn_hv *hv, uint32_t conn_id, pvn_hv_message_fn fn,
				 void *opaque, const char *owner)
{
	return register_port(hv, conn_id, false, fn, NULL, opaque, owner);
}

int pvn_hv_register_event_port(struct pvn_hv *hv, uint32_t conn_id, pvn_hv_event_fn fn,
			       void *opaque, const char *owner)
{
	return register_port(hv, conn_id, true, NULL, fn, opaque, owner);
}

void pvn_hv_unregister_port(struct pvn_hv *hv, uint32_t conn_id)
{
	pthread_mutex_lock(&hv->lock);
	for (unsigned i = 0; i < HV_MAX_PORTS; i++)
		if (hv->ports[i].used && hv->ports[i].conn_id == conn_id)
			hv->ports[i].used = false;
	pthread_mutex_unlock(&hv->lock);
}

static bool find_port(struct pvn_hv *hv, uint32_t conn_id, bool is_event, struct hv_port *out)
{
	bool found = false;
	pthread_mutex_lock(&hv->lock);
	for (unsigned i = 0; i < HV_MAX_PORTS && !found; i++) {
		if (hv->ports[i].used && hv->ports[i].conn_id == conn_id &&
		    hv->ports[i].is_event == is_event) {
			*out = hv->ports[i];
			found = true;
		}
	}
	pthread_mutex_unlock(&hv->lock);
	return found;
}

/* ---- hypercalls ---- */

static uint16_t hc_post_message(struct pvn_hv *hv, unsigned vp, uint64_t control, uint64_t in)
{
	struct hv_input_post_message msg;
	struct hv_port port;

	if (control & HV_HYPERCALL_FAST_BIT)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (in & 7)
		return HV_STATUS_INVALID_ALIGNMENT;
	if (pvn_mem_read(&hv->vm->mem, PVN_VTL0, in, &msg, sizeof(msg)))
		return HV_STATUS_INVALID_PARAMETER;
	if (msg.payload_size > HV_MESSAGE_PAYLOAD_BYTES || (msg.message_type & 0x80000000u) ||
	    msg.message_type == HV_MESSAGE_NONE)
		return HV_STATUS_INVALID_PARAMETER;
	if (!find_port(hv, msg.connection_id, false, &port))
		return HV_STATUS_INVALID_CONNECTION_ID;
	return port.msg_fn(port.opaque, vp, msg.connection_id, msg.message_type, msg.payload,
			   msg.payload_size);
}

static uint16_t hc_signal_event(struct pvn_hv *hv, unsigned vp, uint64_t control, uint64_t in)
{
	struct hv_input_signal_event ev;
	struct hv_port port;

	if (control & HV_HYPERCALL_FAST_BIT) {
		ev.connection_id = (uint32_t)in;
		ev.flag_number = (uint16_t)(in >> 32);
		ev.rsvd = (uint16_t)(in >> 48);
	} else {
		if (in & 7)
			return HV_STATUS_INVALID_ALIGNMENT;
		if (pvn_mem_read(&hv->vm->mem, PVN_VTL0, in, &ev, sizeof(ev)))
			return HV_STATUS_INVALID_PARAMETER;
	}
	if (ev.rsvd || ev.flag_number >= HV_EVENT_FLAGS_COUNT)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	if (!find_port(hv, ev.connection_id, true, &port))
		return HV_STATUS_INVALID_CONNECTION_ID;
	return port.event_fn(port.opaque, vp, ev.connection_id, ev.flag_number);
}

static uint16_t hv_hypercall(struct pvn_hv *hv, unsigned vp, uint64_t control, uint64_t in,
			     uint64_t out)
{
	uint16_t code = (uint16_t)control;
	const struct pvn_icpt *e;

	if (!(hv->hypercall & 1))
		return HV_STATUS_INVALID_HYPERCALL_CODE; /* hypercalls not enabled */
	switch (code) {
	case HVCALL_POST_MESSAGE:
		__atomic_fetch_add(&hv->stats.post_message, 1, __ATOMIC_RELAXED);
		if (control & HV_HYPERCALL_REP_COUNT_MASK)
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		return hc_post_message(hv, vp, control, in);
	case HVCALL_SIGNAL_EVENT:
		__atomic_fetch_add(&hv->stats.signal_event, 1, __ATOMIC_RELAXED);
		if (control & HV_HYPERCALL_REP_COUNT_MASK)
			return HV_STATUS_INVALID_HYPERCALL_INPUT;
		return hc_signal_event(hv, vp, control, in);
	}
	e = pvn_icpt_lookup(&hv->vm->icpt, PVN_ICPT_HCALL, code);
	if (e)
		return e->fn.hcall(e->opaque, vp, control, in, out);
	return HV_STATUS_INVALID_HYPERCALL_CODE;
}

static int hv_hypercall_pio(void *opaque, unsigned vp, uint16_t port, unsigned size, bool write,
			    uint32_t *val)
{
	struct pvn_hv *hv = opaque;
	struct pvn_vm *vm = hv->vm;
	struct pvn_regs regs;
	uint16_t status;

	if (write || size != 4) {
		*val = HV_STATUS_INVALID_HYPERCALL_INPUT;
		return 0;
	}
	/* The hypercall registers as the guest left them at the IN. */
	if (vm->be->vp_get_regs(vm->vps[vp].bvp, &regs))
		return -EIO;
	pthread_mutex_lock(&hv->lock);
	hv->stats.hypercalls++;
	pthread_mutex_unlock(&hv->lock);
	status = hv_hypercall(hv, vp, regs.rcx, regs.rdx, regs.r8);
	if (status != HV_STATUS_SUCCESS) {
		pthread_mutex_lock(&hv->lock);
		hv->stats.bad_hypercalls++;
		pthread_mutex_unlock(&hv->lock);
		pvn_debug("vp%u: hypercall 0x%04x failed with status %u", vp, (unsigned)regs.rcx & 0xffff,
			  status);
	}
	*val = status;
	return 0;
}

/* ---- MSRs ---- */

static void write_hypercall_page(struct pvn_hv *hv, uint64_t msr)
{
	/* in $PVN_HV_HYPERCALL_PORT, %eax ; ret ; the rest of the page int3. */
	static const uint8_t tramp[] = {0xe5, PVN_HV_HYPERCALL_PORT, 0xc3};
	uint8_t *page = msr_page(hv, msr);
	if (!page) {
		pvn_warn("hv: hypercall page at 0x%" PRIx64 " is not guest RAM; not written",
			 (uint64_t)(msr & ~0xfffULL));
		return;
	}
	memset(page, 0xcc, 4096);
	memcpy(page, tramp, sizeof(tramp));
}

static void write_ref_tsc_page(struct pvn_hv *hv, unsigned vp, uint64_t msr)
{
	struct hv_reference_tsc_page *p = msr_page(hv, msr);
	uint64_t tsc = 0;

	if (!p || !hv->tsc_hz) {
		pvn_warn("hv: reference TSC page at 0x%" PRIx64 " unusable", (uint64_t)(msr & ~0xfffULL));
		return;
	}
	/* time (100 ns) = tsc * scale / 2^64 + offset, matching TIME_REF_COUNT now. */
	uint64_t scale = (uint64_t)(((unsigned __int128)10000000 << 64) / hv->tsc_hz);
	hv->vm->be->vp_get_msr(hv->vm->vps[vp].bvp, MSR_IA32_TSC, &tsc);
	uint64_t now = ref_time(hv);
	int64_t offset = (int64_t)now - (int64_t)(((unsigned __int128)tsc * scale) >> 64);
	memset(p, 0, 4096);
	p->tsc_scale = scale;
	p->tsc_offset = offset;
	__atomic_store_n(&p->tsc_sequence, 1, __ATOMIC_RELEASE);
}

static int hv_msr(void *opaque, unsigned vp, uint32_t msr, bool write, uint64_t *val)
{
	struct pvn_hv *hv = opaque;
	struct hv_vp *v = &hv->vps[vp];
	int r = 0;

	pthread_mutex_lock(&hv->lock);
	switch (msr) {
	case HV_MSR_GUEST_OS_ID:
		if (write) {
			hv->guest_os_id = *val;
			if (!*val)
				hv->hypercall &= ~1ULL; /* clearing the id disables hypercalls */
		} else {
			*val = hv->guest_os_id;
		}
		break;
	case HV_MSR_HYPERCALL:
		if (!write) {
			*val = hv->hypercall;
			break;
		}
		/* The page can be enabled only once the guest has said who it is. */
		hv->hypercall = *val & ~0xffeULL;
		if (!hv->guest_os_id)
			hv->hypercall &= ~1ULL;
		if (hv->hypercall & 1)
			write_hypercall_page(hv, hv->hypercall);
		break;
	case HV_MSR_VP_INDEX:
		if (write)
			r = -EPERM;
		else
			*val = pvn_hv_vp_index(vp);
		break;
	case HV_MSR_TIME_REF_COUNT:
		if (write)
			r = -EPERM;
		else
			*val = ref_time(hv);
		break;
	case HV_MSR_REFERENCE_TSC:
		if (!write) {
			*val = hv->ref_tsc;
			break;
		}
		hv->ref_tsc = *val & ~0xffeULL;
		if (hv->ref_tsc & 1)
			write_ref_tsc_page(hv, vp, hv->ref_tsc);
		break;
	case HV_MSR_TSC_FREQUENCY:
		if (write)
			r = -EPERM;
		else
			*val = hv->tsc_hz;
		break;
	case HV_MSR_TSC_INVARIANT_CONTROL:
		/* Offered only with HV_ACCESS_TSC_INVARIANT (the MSR is claimed
		 * only then). CPUID 0x80000007 EDX[8] is already set, from the
		 * hypervisor's own table, so bit 0 changes nothing. */
		if (write) {
			if (*val & ~1ULL)
				r = -EINVAL;
			else
				hv->tsc_inv_ctl = *val;
		} else {
			*val = hv->tsc_inv_ctl;
		}
		break;
	case HV_MSR_APIC_FREQUENCY:
		if (write)
			r = -EPERM;
		else
			*val = 1000000000ULL; /* KVM's LAPIC timer counts nanoseconds */
		break;
	case HV_MSR_SCONTROL:
		if (write) {
			v->scontrol = *val & 1;
			deliver_all_locked(hv, vp);
		} else {
			*val = v->scontrol;
		}
		break;
	case HV_MSR_SVERSION:
		if (write)
			r = -EPERM;
		else
			*val = HV_SYNIC_VERSION;
		break;
	case HV_MSR_SIMP:
	case HV_MSR_SIEFP: {
		uint64_t *reg = msr == HV_MSR_SIMP ? &v->simp : &v->siefp;
		if (!write) {
			*val = *reg;
			break;
		}
		*reg = *val & ~0xffeULL;
		if ((*reg & 1) && !msr_page(hv, *reg))
			pvn_warn("vp%u: SynIC %s page 0x%" PRIx64 " is not guest RAM: nothing "
				 "will be delivered there",
				 vp, msr == HV_MSR_SIMP ? "message" : "event", (uint64_t)(*reg & ~0xfffULL));
		deliver_all_locked(hv, vp);
		break;
	}
	case HV_MSR_EOM:
		if (!write) {
			*val = 0;
			break;
		}
		hv->stats.eom++;
		deliver_all_locked(hv, vp);
		break;
	default:
		if (msr >= HV_MSR_SINT0 && msr <= HV_MSR_SINT15) {
			unsigned s = msr - HV_MSR_SINT0;
			if (!write) {
				*val = v->sint[s];
				break;
			}
			/* Vectors 0-15 are reserved: refuse an unmasked one. */
			if (!(*val & HV_SINT_MASKED) && (*val & 0xff) < 16) {
				r = -EINVAL;
				break;
			}
			v->sint[s] = *val & (0xff | HV_SINT_MASKED | HV_SINT_AUTO_EOI |
					     HV_SINT_POLLING);
			deliver_locked(hv, vp, s);
			break;
		}
		r = -ENOENT;
	}
	pthread_mutex_unlock(&hv->lock);
	return r;
}

/* ---- CPUID ---- */

static void hv_cpuid(void *opaque, unsigned vp, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	struct pvn_hv *hv = opaque;
	(void)vp;
	(void)sub;
	memset(r, 0, 4 * sizeof(uint32_t));
	switch (leaf) {
	case HV_CPUID_VENDOR:
		r[0] = HV_CPUID_HW_FEATURES;
		memcpy(&r[1], "Micr", 4);
		memcpy(&r[2], "osof", 4);
		memcpy(&r[3], "t Hv", 4);
		break;
	case HV_CPUID_INTERFACE:
		r[0] = HV_CPUID_INTERFACE_HV1;
		break;
	case HV_CPUID_VERSION:
		r[0] = 20348; /* build number, as a Windows Server 2022 host reports */
		r[1] = (10u << 16) | 0;
		break;
	case HV_CPUID_FEATURES:
		r[0] = HV_MSR_TIME_REF_COUNT_AVAILABLE | HV_MSR_SYNIC_AVAILABLE |
		       HV_MSR_HYPERCALL_AVAILABLE | HV_MSR_VP_INDEX_AVAILABLE |
		       (hv->tsc_hz ? HV_MSR_REFERENCE_TSC_AVAILABLE | HV_ACCESS_FREQUENCY_MSRS : 0) |
		       (hv->tsc_invariant ? HV_ACCESS_TSC_INVARIANT : 0);
		r[1] = HV_POST_MESSAGES | HV_SIGNAL_EVENTS;
		r[3] = hv->tsc_hz ? HV_FEATURE_FREQUENCY_MSRS_AVAILABLE : 0;
		break;
	case HV_CPUID_ENLIGHTENMENTS:
		/* SINT interrupts are plain MSIs to the in-kernel LAPIC, which knows
		 * nothing of auto-EOI: the guest must EOI them itself. */
		r[0] = HV_DEPRECATING_AEOI_RECOMMENDED;
		r[1] = 0xffffffff; /* never notify about long spinlocks */
		break;
	case HV_CPUID_LIMITS:
		r[0] = hv->vm->nr_vps;
		r[1] = hv->vm->nr_vps;
		break;
	default:
		break;
	}
}

/* ---- life cycle ---- */

/*
 * Is the guest's TSC invariant? Only when the hypervisor says so itself
 * (CPUID 0x80000007 EDX bit 8 in what it supports, which KVM reports only on
 * a host with a constant, non-stop TSC). Then HV_ACCESS_TSC_INVARIANT tells
 * a Hyper-V guest its TSC is reliable; without it Linux marks the TSC
 * unstable ("running on Hyper-V") and keeps to the reference TSC page.
 */
static bool hv_host_tsc_invariant(struct pvn_vm *vm)
{
	struct pvn_cpuid_entry *e = NULL;
	size_t n = 0;
	bool inv = false;

	if (vm->be->supported_cpuid(vm->part, &e, &n))
		return false;
	for (size_t i = 0; i < n; i++)
		if (e[i].function == 0x80000007)
			inv = e[i].edx & (1u << 8);
	free(e);
	return inv;
}

#define CLAIM(kind, first, count, fn)                                                              \
	(r ? r : pvn_icpt_claim(&vm->icpt, kind, first, count, (void (*)(void))fn, hv, "hyperv"))

int pvn_hv_create(struct pvn_vm *vm, struct pvn_hv **out)
{
	struct pvn_hv *hv = calloc(1, sizeof(*hv));
	uint32_t khz = 0;
	int r = 0;

	if (!hv)
		return -ENOMEM;
	hv->vm = vm;
	pthread_mutex_init(&hv->lock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &hv->t0);
	if (vm->be->tsc_khz && !vm->be->tsc_khz(vm->vps[0].bvp, &khz))
		hv->tsc_hz = (uint64_t)khz * 1000;
	hv->tsc_invariant = hv_host_tsc_invariant(vm);
	pvn_info("hv: guest TSC %s (%" PRIu64 " kHz): %s", hv->tsc_invariant ? "invariant" : "not invariant",
		 hv->tsc_hz / 1000,
		 hv->tsc_invariant ? "offering TSC_INVARIANT, the guest may use its TSC directly"
				   : "the guest should use the reference TSC page");
	for (unsigned i = 0; i < PVN_MAX_VPS; i++)
		for (unsigned s = 0; s < HV_SINT_COUNT; s++)
			hv->vps[i].sint[s] = HV_SINT_MASKED;
	r = CLAIM(PVN_ICPT_CPUID, HV_CPUID_VENDOR, HV_CPUID_HW_FEATURES - HV_CPUID_VENDOR + 1,
		  hv_cpuid);
	r = CLAIM(PVN_ICPT_MSR, HV_MSR_GUEST_OS_ID, 3, hv_msr);
	r = CLAIM(PVN_ICPT_MSR, HV_MSR_TIME_REF_COUNT, 4, hv_msr);
	r = CLAIM(PVN_ICPT_MSR, HV_MSR_SCONTROL, 5, hv_msr);
	r = CLAIM(PVN_ICPT_MSR, HV_MSR_SINT0, HV_SINT_COUNT, hv_msr);
	if (hv->tsc_invariant)
		r = CLAIM(PVN_ICPT_MSR, HV_MSR_TSC_INVARIANT_CONTROL, 1, hv_msr);
	r = CLAIM(PVN_ICPT_PIO, PVN_HV_HYPERCALL_PORT, 1, hv_hypercall_pio);
	if (!r) {
		uint32_t f[4], h[4];
		hv_cpuid(hv, 0, HV_CPUID_FEATURES, 0, f);
		hv_cpuid(hv, 0, HV_CPUID_ENLIGHTENMENTS, 0, h);
		/* Linux prints the same words: "privilege flags low, high, hints, misc". */
		pvn_info("hv: offering Microsoft Hv: privileges low 0x%x high 0x%x, hints 0x%x, "
			 "misc 0x%x",
			 f[0], f[1], h[0], f[3]);
	}
	if (r) {
		pvn_icpt_release_owner(&vm->icpt, "hyperv");
		pthread_mutex_destroy(&hv->lock);
		free(hv);
		return r;
	}
	*out = hv;
	return 0;
}

void pvn_hv_destroy(struct pvn_hv *hv)
{
	if (!hv)
		return;
	for (unsigned i = 0; i < PVN_MAX_VPS; i++) {
		for (unsigned s = 0; s < HV_SINT_COUNT; s++) {
			struct hv_qmsg *m = hv->vps[i].q[s].head;
			while (m) {
				struct hv_qmsg *n = m->next;
				free(m);
				m = n;
			}
		}
	}
	pthread_mutex_destroy(&hv->lock);
	free(hv);
}

void pvn_hv_get_stats(struct pvn_hv *hv, struct pvn_hv_stats *out)
{
	pthread_mutex_lock(&hv->lock);
	*out = hv->stats;
	pthread_mutex_unlock(&hv->lock);
}
