/* SPDX-License-Identifier: MIT */
/*
 * The Hyper-V interface the runtime gives its guest, implemented from
 * userspace (this machine's KVM has no in-kernel Hyper-V emulation):
 *
 *  - CPUID 0x40000000-0x40000006: "Microsoft Hv", interface "Hv#1", and only
 *    the features implemented here (hypercall, VP index, SynIC, partition
 *    reference counter and reference TSC page).
 *  - MSRs: guest OS id, hypercall page, VP index, time reference count,
 *    reference TSC page, SynIC (SCONTROL, SVERSION, SIMP, SIEFP, EOM,
 *    SINT0-15), TSC/APIC frequency.
 *  - The hypercall page. A guest VMCALL never reaches userspace under this
 *    KVM, so the page the runtime writes is a port-I/O trampoline:
 *        in $PVN_HV_HYPERCALL_PORT, %eax ; ret
 *    The IN exits to the runtime, which reads the hypercall registers (RCX =
 *    control, RDX = input GPA or fast input, R8 = output GPA or fast input)
 *    from the VP and completes the IN with the 32-bit result, so RAX =
 *    status (bits 0-15) | reps completed (bits 32-43, always 0: no rep
 *    hypercalls are implemented). RCX/RDX/R8 are left as they were.
 *    Unlike VMCALL, the IN is not refused at CPL3 by the CPU: guest user
 *    code reaches the port only if its kernel grants the I/O permission
 *    (Paravane's own test guests do, to run their workload at CPL3).
 *  - SynIC message and event-flag delivery with the pending/EOM protocol,
 *    interrupts delivered as fixed-vector MSIs to the VP's LAPIC.
 *  - Hypercalls: HvPostMessage (0x5c) and HvSignalEvent (0x5d, fast or
 *    memory), routed by connection id to the registered port; every other
 *    code goes to the hypercall intercepts (PVN_ICPT_HCALL) or fails with
 *    HV_STATUS_INVALID_HYPERCALL_CODE.
 */
#ifndef PVN_HV_H
#define PVN_HV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/hv/hv_protocol.h"

struct pvn_vm;
struct pvn_hv;

/* The I/O port the hypercall page uses (an immediate-port IN). */
#define PVN_HV_HYPERCALL_PORT 0xec

/* Claim the CPUID leaves, MSRs and the hypercall port. Call before the VM starts. */
int pvn_hv_create(struct pvn_vm *vm, struct pvn_hv **out);
void pvn_hv_destroy(struct pvn_hv *hv);

/*
 * Host -> guest: queue a SynIC message for (vp, sint). It is copied into the
 * VP's SIMP slot for that SINT as soon as the slot is free (message type 0),
 * and the SINT's vector is raised. Messages to one (vp, sint) are delivered
 * in order. Any thread. -ENOSPC when the queue is full (1024 messages),
 * -EINVAL for a bad vp/sint/type/length (payload <= 240 bytes).
 */
int pvn_hv_post_message(struct pvn_hv *hv, unsigned vp, unsigned sint, uint32_t msg_type,
			const void *payload, size_t len);

/*
 * Host -> guest: set event flag `flag` (0-2047) in the VP's SIEFP slot for
 * `sint` and raise the SINT if the flag was clear. Any thread. Returns 1 if
 * an interrupt was raised, 0 if the flag was already set (or the SynIC or
 * SINT is not enabled: nothing is delivered), negative on bad arguments.
 */
int pvn_hv_signal_event(struct pvn_hv *hv, unsigned vp, unsigned sint, unsigned flag);

/* Guest -> host. Handlers run on the VP thread that made the hypercall and
 * return a Hyper-V status (HV_STATUS_*). The payload points into a copy. */
typedef uint16_t (*pvn_hv_message_fn)(void *opaque, unsigned vp, uint32_t conn_id,
				      uint32_t msg_type, const void *payload, uint32_t len);
typedef uint16_t (*pvn_hv_event_fn)(void *opaque, unsigned vp, uint32_t conn_id, uint16_t flag);

/* Route HvPostMessage / HvSignalEvent for conn_id to fn. -EEXIST (naming
 * both owners) when the connection id is taken. Any thread. */
int pvn_hv_register_message_port(struct pvn_hv *hv, uint32_t conn_id, pvn_hv_message_fn fn,
				 void *opaque, const char *owner);
int pvn_hv_register_event_port(struct pvn_hv *hv, uint32_t conn_id, pvn_hv_event_fn fn,
			       void *opaque, const char *owner);
void pvn_hv_unregister_port(struct pvn_hv *hv, uint32_t conn_id);

/* The VP index the guest sees for VP `vp` (they are equal here). */
static inline uint32_t pvn_hv_vp_index(unsigned vp)
{
	return vp;
}

/* Counters for tests and --stats. */
struct pvn_hv_stats {
	uint64_t hypercalls, post_message, signal_event, bad_hypercalls;
	uint64_t messages_delivered, messages_queued, eom, events_signalled;
};
void pvn_hv_get_stats(struct pvn_hv *hv, struct pvn_hv_stats *out);

#endif
