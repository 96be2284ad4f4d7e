/* SPDX-License-Identifier: MIT */
/*
 * The Hyper-V interface from the guest's side: CPUID leaves, the synthetic
 * MSRs, the hypercall page, HvPostMessage and HvSignalEvent (fast and
 * memory forms) with their error statuses, and SynIC message delivery with
 * the pending/EOM protocol, event flags and SINT interrupts.
 */
#define MSG_CONN 0x1234
#define EVENT_CONN 0x99
#define SINT 2
#define SINT_VECTOR 0x50
#define REPLY_TYPE 0x4242
#define BURST 5

#ifdef PVN_GUEST
#include "lib/guest.h"
#include "runtime/hv/hv_protocol.h"

static uint8_t hcall_page[4096] __attribute__((aligned(4096)));
static struct hv_message_page simp __attribute__((aligned(4096)));
static struct hv_event_flags siefp[HV_SINT_COUNT] __attribute__((aligned(4096)));
static struct hv_input_post_message input __attribute__((aligned(4096)));

static uint64_t hypercall(uint64_t control, uint64_t in, uint64_t out)
{
	uint64_t status;
	register uint64_t r8 __asm__("r8") = out;
	__asm__ volatile("call *%[page]"
			 : "=a"(status), "+c"(control), "+d"(in), "+r"(r8)
			 : [page] "r"(hcall_page)
			 : "memory", "r9", "r10", "r11");
	return status;
}

static uint64_t wrmsr0(uint64_t arg)
{
	/* arg points at {msr, value} */
	uint64_t *a = (uint64_t *)arg;
	return (uint64_t)guest_wrmsr_safe((uint32_t)a[0], a[1]);
}

static int wrmsr(uint32_t msr, uint64_t v)
{
	uint64_t a[2] = {msr, v};
	return (int)guest_cpl0_call(wrmsr0, (uint64_t)a);
}

static uint64_t rdmsr0(uint64_t arg)
{
	uint64_t *a = (uint64_t *)arg;
	return (uint64_t)guest_rdmsr_safe((uint32_t)a[0], &a[1]);
}

static uint64_t rdmsr(uint32_t msr)
{
	uint64_t a[2] = {msr, 0};
	GUEST_ASSERT_EQ(guest_cpl0_call(rdmsr0, (uint64_t)a), 0);
	return a[1];
}

static uint64_t post(uint32_t conn, uint32_t type, const char *text, uint32_t size)
{
	input.connection_id = conn;
	input.message_type = type;
	input.payload_size = size;
	memcpy(input.payload, text, strlen(text) + 1);
	return hypercall(HVCALL_POST_MESSAGE, (uint64_t)&input, 0) & 0xffff;
}

/* Take the message in our SINT's slot: returns its type, copies its payload. */
static uint32_t take_message(char *buf)
{
	volatile struct hv_message *m = &simp.sint_message[SINT];
	for (unsigned long i = 0; i < 100000000UL; i++) {
		uint32_t type = m->header.message_type;
		if (type == HV_MESSAGE_NONE) {
			cpu_relax();
			continue;
		}
		memcpy(buf, (const void *)m->payload, m->header.payload_size);
		m->header.message_type = HV_MESSAGE_NONE;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (m->header.message_flags & HV_MESSAGE_FLAG_PENDING)
			wrmsr(HV_MSR_EOM, 0);
		return type;
	}
	return 0;
}

void guest_main(unsigned vp, unsigned nr_vps)
{
	uint32_t r[4], inv[4];
	char buf[256];

	/* A hypervisor is present (CPUID.1:ECX[31]): without it Linux never
	 * looks at the Hyper-V leaves. */
	cpuid(1, 0, r);
	GUEST_ASSERT(r[2] & (1u << 31));

	cpuid(HV_CPUID_VENDOR, 0, r);
	GUEST_ASSERT(r[0] >= 0x40000005);
	GUEST_ASSERT(!memcmp(&r[1], "Microsoft Hv", 12));
	cpuid(HV_CPUID_INTERFACE, 0, r);
	GUEST_ASSERT_EQ(r[0], HV_CPUID_INTERFACE_HV1);
	cpuid(HV_CPUID_FEATURES, 0, r);
	GUEST_ASSERT(r[0] & HV_MSR_HYPERCALL_AVAILABLE);
	GUEST_ASSERT(r[0] & HV_MSR_SYNIC_AVAILABLE);
	GUEST_ASSERT(r[0] & HV_MSR_VP_INDEX_AVAILABLE);
	GUEST_ASSERT(r[1] & HV_POST_MESSAGES);
	GUEST_ASSERT(r[1] & HV_SIGNAL_EVENTS);
	/* The TSC: its frequency through the MSRs, and TSC_INVARIANT offered
	 * exactly when the CPU's own invariant-TSC bit is set. */
	GUEST_ASSERT(r[0] & HV_ACCESS_FREQUENCY_MSRS);
	GUEST_ASSERT(r[3] & HV_FEATURE_FREQUENCY_MSRS_AVAILABLE);
	GUEST_ASSERT(rdmsr(HV_MSR_TSC_FREQUENCY) > 100000000ULL);
	cpuid(0x80000007, 0, inv);
	GUEST_ASSERT_EQ(!!(r[0] & HV_ACCESS_TSC_INVARIANT), !!(inv[3] & (1u << 8)));
	guest_value("tsc_invariant", !!(r[0] & HV_ACCESS_TSC_INVARIANT));
	if (r[0] & HV_ACCESS_TSC_INVARIANT) {
		GUEST_ASSERT_EQ(wrmsr(HV_MSR_TSC_INVARIANT_CONTROL, 1), 0);
		GUEST_ASSERT_EQ(rdmsr(HV_MSR_TSC_INVARIANT_CONTROL), 1);
	} else {
		GUEST_ASSERT_EQ(wrmsr(HV_MSR_TSC_INVARIANT_CONTROL, 1), -1); /* not offered: #GP */
	}

	GUEST_ASSERT_EQ(rdmsr(HV_MSR_VP_INDEX), vp);
	GUEST_ASSERT_EQ(wrmsr(HV_MSR_VP_INDEX, 5), -1); /* read-only: #GP */
	GUEST_ASSERT_EQ(rdmsr(HV_MSR_SVERSION), 1);
	uint64_t t1 = rdmsr(HV_MSR_TIME_REF_COUNT);
	uint64_t t2 = rdmsr(HV_MSR_TIME_REF_COUNT);
	GUEST_ASSERT(t2 >= t1);

	/* The hypercall page only turns on once the guest OS id is set. */
	wrmsr(HV_MSR_HYPERCALL, (uint64_t)hcall_page | 1);
	GUEST_ASSERT_EQ(rdmsr(HV_MSR_HYPERCALL) & 1, 0);
	wrmsr(HV_MSR_GUEST_OS_ID, 0x8100000000000000ULL); /* "open source OS" */
	wrmsr(HV_MSR_HYPERCALL, (uint64_t)hcall_page | 1);
	GUEST_ASSERT_EQ(rdmsr(HV_MSR_HYPERCALL), (uint64_t)hcall_page | 1);
	GUEST_ASSERT(hcall_page[0] != 0); /* the runtime wrote its trampoline */

	/* SynIC */
	GUEST_ASSERT_EQ(wrmsr(HV_MSR_SINT0 + SINT, 5), -1); /* vector < 16, unmasked */
	wrmsr(HV_MSR_SIMP, (uint64_t)&simp | 1);
	wrmsr(HV_MSR_SIEFP, (uint64_t)siefp | 1);
	wrmsr(HV_MSR_SINT0 + SINT, SINT_VECTOR);
	wrmsr(HV_MSR_SCONTROL, 1);
	mmio_write32(0xfee000f0, 0x1ff); /* LAPIC on, so SINT interrupts arrive */
	guest_irq_enable();

	/* Errors first: each has its own status. */
	GUEST_ASSERT_EQ(hypercall(0x7fff, 0, 0) & 0xffff, HV_STATUS_INVALID_HYPERCALL_CODE);
	GUEST_ASSERT_EQ(post(0x4321, 1, "x", 2), HV_STATUS_INVALID_CONNECTION_ID);
	GUEST_ASSERT_EQ(post(MSG_CONN, 1, "x", 241), HV_STATUS_INVALID_PARAMETER);
	GUEST_ASSERT_EQ(post(MSG_CONN, 0, "x", 2), HV_STATUS_INVALID_PARAMETER);
	GUEST_ASSERT_EQ(hypercall(HVCALL_POST_MESSAGE, (uint64_t)&input + 4, 0) & 0xffff,
			HV_STATUS_INVALID_ALIGNMENT);
	GUEST_ASSERT_EQ(hypercall(HVCALL_POST_MESSAGE, 0x7ff00000ULL, 0) & 0xffff,
			HV_STATUS_INVALID_PARAMETER); /* not guest RAM */
	GUEST_ASSERT_EQ(hypercall(HVCALL_POST_MESSAGE | (1ULL << 32), (uint64_t)&input, 0) &
				0xffff,
			HV_STATUS_INVALID_HYPERCALL_INPUT); /* a rep count */
	GUEST_ASSERT_EQ(hypercall(HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST_BIT, 0x777, 0) & 0xffff,
			HV_STATUS_INVALID_CONNECTION_ID);

	/* A message round trip: the host answers "ping" with "pong" in our slot. */
	GUEST_ASSERT_EQ(post(MSG_CONN, 1, "ping", 5), HV_STATUS_SUCCESS);
	GUEST_ASSERT_EQ(take_message(buf), REPLY_TYPE);
	GUEST_ASSERT(!memcmp(buf, "pong", 5));
	GUEST_ASSERT(guest_irq_count(0, SINT_VECTOR) >= 1);

	/* A burst: the host queues BURST messages at once; they arrive in order
	 * through the pending flag and EOM. */
	GUEST_ASSERT_EQ(post(MSG_CONN, 2, "burst", 6), HV_STATUS_SUCCESS);
	for (unsigned i = 0; i < BURST; i++) {
		GUEST_ASSERT_EQ(take_message(buf), REPLY_TYPE + 1 + i);
		GUEST_ASSERT_EQ((uint8_t)buf[0], i);
	}

	/* Events: fast HvSignalEvent; the host sets flag 7 in our SIEFP slot. */
	GUEST_ASSERT_EQ(hypercall(HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST_BIT,
				  EVENT_CONN | (3ULL << 32), 0) & 0xffff,
			HV_STATUS_SUCCESS);
	GUEST_ASSERT(siefp[SINT].flags[0] & (1u << 7));
	/* The memory form, with a flag number past the end. */
	struct hv_input_signal_event *ev = (void *)&input;
	ev->connection_id = EVENT_CONN;
	ev->flag_number = 4096;
	ev->rsvd = 0;
	GUEST_ASSERT_EQ(hypercall(HVCALL_SIGNAL_EVENT, (uint64_t)ev, 0) & 0xffff,
			HV_STATUS_INVALID_HYPERCALL_INPUT);

	/* An EOM storm changes nothing. */
	for (unsigned i = 0; i < 200; i++)
		wrmsr(HV_MSR_EOM, 0);
	GUEST_ASSERT_EQ(simp.sint_message[SINT].header.message_type, HV_MESSAGE_NONE);
	guest_irq_disable();
	guest_done();
	(void)nr_vps;
}
#else
#include "runtime/hv/hv.h"
#include "tests/guests/harness.h"

#include <string.h>

static struct pvn_hv *hv;
static unsigned events;

static uint16_t on_message(void *opaque, unsigned vp, uint32_t conn, uint32_t type,
			   const void *payload, uint32_t len)
{
	if (type == 1 && len == 5 && !memcmp(payload, "ping", 5))
		GT_CHECK(!pvn_hv_post_message(hv, vp, SINT, REPLY_TYPE, "pong", 5));
	if (type == 2)
		for (uint8_t i = 0; i < BURST; i++)
			GT_CHECK(!pvn_hv_post_message(hv, vp, SINT, REPLY_TYPE + 1 + i, &i, 1));
	return HV_STATUS_SUCCESS;
}

static uint16_t on_event(void *opaque, unsigned vp, uint32_t conn, uint16_t flag)
{
	events++;
	GT_CHECK(flag == 3);
	GT_CHECK(pvn_hv_signal_event(hv, vp, SINT, 7) == 1);
	return HV_STATUS_SUCCESS;
}

int main(void)
{
	struct pvn_hv_stats st;
	struct gt t;
	int r = gt_init(&t, "hv", NULL);
	if (r)
		return r;
	GT_CHECK(!pvn_hv_create(t.vm, &hv));
	GT_CHECK(!pvn_hv_register_message_port(hv, MSG_CONN, on_message, NULL, "test"));
	GT_CHECK(!pvn_hv_register_event_port(hv, EVENT_CONN, on_event, NULL, "test"));
	GT_CHECK(pvn_hv_register_message_port(hv, MSG_CONN, on_message, NULL, "again") == -EEXIST);
	GT_CHECK(pvn_hv_post_message(hv, 0, 16, 1, "x", 1) == -EINVAL);
	GT_CHECK(pvn_hv_post_message(hv, 0, 2, 1, "x", 241) == -EINVAL);
	r = gt_run(&t);
	pvn_hv_get_stats(hv, &st);
	GT_CHECK(t.done_vps == 1);
	GT_CHECK(events == 1);
	GT_CHECK(st.messages_delivered == 1 + BURST);
	GT_CHECK(st.eom >= 200);
	fprintf(stderr, "hypercalls %llu (failed %llu), messages %llu, eom %llu\n",
		(unsigned long long)st.hypercalls, (unsigned long long)st.bad_hypercalls,
		(unsigned long long)st.messages_delivered, (unsigned long long)st.eom);
	gt_fini(&t);
	pvn_hv_destroy(hv);
	return r || gt_failures ? 1 : 0;
}
#endif
