/* SPDX-License-Identifier: MIT */
/* Hyper-V TLFS wire formats used by runtime/hv (facts from the TLFS and
 * Linux's hyperv-tlfs.h). Every layout is checked at compile time. */
#ifndef PVN_HV_PROTOCOL_H
#define PVN_HV_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

/* CPUID leaves */
#define HV_CPUID_VENDOR 0x40000000
#define HV_CPUID_INTERFACE 0x40000001
#define HV_CPUID_VERSION 0x40000002
#define HV_CPUID_FEATURES 0x40000003
#define HV_CPUID_ENLIGHTENMENTS 0x40000004
#define HV_CPUID_LIMITS 0x40000005
#define HV_CPUID_HW_FEATURES 0x40000006
#define HV_CPUID_INTERFACE_HV1 0x31237648 /* "Hv#1" */

/* HV_CPUID_FEATURES.EAX: partition privileges (MSR access) */
#define HV_MSR_TIME_REF_COUNT_AVAILABLE (1u << 1)
#define HV_MSR_SYNIC_AVAILABLE (1u << 2)
#define HV_MSR_HYPERCALL_AVAILABLE (1u << 5)
#define HV_MSR_VP_INDEX_AVAILABLE (1u << 6)
#define HV_MSR_REFERENCE_TSC_AVAILABLE (1u << 9)
#define HV_ACCESS_FREQUENCY_MSRS (1u << 11)
#define HV_ACCESS_TSC_INVARIANT (1u << 15) /* the guest TSC is invariant; MSR 0x40000118 */
/* HV_CPUID_FEATURES.EBX: hypercall privileges */
#define HV_POST_MESSAGES (1u << 4)
#define HV_SIGNAL_EVENTS (1u << 5)
/* HV_CPUID_ENLIGHTENMENTS.EAX */
#define HV_DEPRECATING_AEOI_RECOMMENDED (1u << 9)
/* HV_CPUID_FEATURES.EDX */
#define HV_FEATURE_FREQUENCY_MSRS_AVAILABLE (1u << 8)

/* MSRs */
#define HV_MSR_GUEST_OS_ID 0x40000000
#define HV_MSR_HYPERCALL 0x40000001
#define HV_MSR_VP_INDEX 0x40000002
#define HV_MSR_RESET 0x40000003
#define HV_MSR_TIME_REF_COUNT 0x40000020
#define HV_MSR_REFERENCE_TSC 0x40000021
#define HV_MSR_TSC_FREQUENCY 0x40000022
#define HV_MSR_APIC_FREQUENCY 0x40000023
#define HV_MSR_TSC_INVARIANT_CONTROL 0x40000118 /* bit 0: expose CPUID 0x80000007 EDX[8] */
#define HV_MSR_SCONTROL 0x40000080
#define HV_MSR_SVERSION 0x40000081
#define HV_MSR_SIEFP 0x40000082
#define HV_MSR_SIMP 0x40000083
#define HV_MSR_EOM 0x40000084
#define HV_MSR_SINT0 0x40000090
#define HV_MSR_SINT15 0x4000009f

#define HV_SINT_COUNT 16
#define HV_SINT_MASKED (1ULL << 16)
#define HV_SINT_AUTO_EOI (1ULL << 17)
#define HV_SINT_POLLING (1ULL << 18)
#define HV_SYNIC_VERSION 1

/* Hypercalls */
#define HVCALL_POST_MESSAGE 0x005c
#define HVCALL_SIGNAL_EVENT 0x005d
#define HV_HYPERCALL_FAST_BIT (1ULL << 16)
#define HV_HYPERCALL_REP_COUNT_SHIFT 32
#define HV_HYPERCALL_REP_COUNT_MASK (0xfffULL << 32)

#define HV_STATUS_SUCCESS 0
#define HV_STATUS_INVALID_HYPERCALL_CODE 2
#define HV_STATUS_INVALID_HYPERCALL_INPUT 3
#define HV_STATUS_INVALID_ALIGNMENT 4
#define HV_STATUS_INVALID_PARAMETER 5
#define HV_STATUS_ACCESS_DENIED 6
#define HV_STATUS_INSUFFICIENT_MEMORY 11
#define HV_STATUS_INVALID_PORT_ID 17
#define HV_STATUS_INVALID_CONNECTION_ID 18
#define HV_STATUS_INSUFFICIENT_BUFFERS 19

/* SynIC messages */
#define HV_MESSAGE_SIZE 256
#define HV_MESSAGE_PAYLOAD_BYTES 240
#define HV_MESSAGE_NONE 0x00000000
#define HV_MESSAGE_FLAG_PENDING 0x01

struct hv_message_header {
	uint32_t message_type;
	uint8_t payload_size;
	uint8_t message_flags;
	uint16_t reserved;
	uint64_t sender; /* port id / partition id */
} __attribute__((packed));
_Static_assert(sizeof(struct hv_message_header) == 16, "hv_message_header");

struct hv_message {
	struct hv_message_header header;
	uint8_t payload[HV_MESSAGE_PAYLOAD_BYTES];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_message) == HV_MESSAGE_SIZE, "hv_message");
_Static_assert(offsetof(struct hv_message, payload) == 16, "hv_message.payload");

/* The SIMP page: one message slot per SINT. */
struct hv_message_page {
	struct hv_message sint_message[HV_SINT_COUNT];
};
_Static_assert(sizeof(struct hv_message_page) == 4096, "hv_message_page");

/* The SIEFP page: 2048 event flags per SINT. */
#define HV_EVENT_FLAGS_COUNT 2048
struct hv_event_flags {
	uint8_t flags[HV_EVENT_FLAGS_COUNT / 8];
};
_Static_assert(sizeof(struct hv_event_flags) == 256, "hv_event_flags");

/* HvPostMessage input (in guest memory at the input GPA). */
struct hv_input_post_message {
	uint32_t connection_id;
	uint32_t reserved;
	uint32_t message_type;
	uint32_t payload_size;
	uint8_t payload[HV_MESSAGE_PAYLOAD_BYTES];
} __attribute__((packed));
_Static_assert(sizeof(struct hv_input_post_message) == 256, "hv_input_post_message");
_Static_assert(offsetof(struct hv_input_post_message, payload) == 16, "post_message.payload");

/* HvSignalEvent input (memory form; the fast form carries it in RDX). */
struct hv_input_signal_event {
	uint32_t connection_id;
	uint16_t flag_number;
	uint16_t rsvd;
} __attribute__((packed));
_Static_assert(sizeof(struct hv_input_signal_event) == 8, "hv_input_signal_event");

/* The reference TSC page (only the fields the runtime writes). */
struct hv_reference_tsc_page {
	uint32_t tsc_sequence;
	uint32_t reserved1;
	uint64_t tsc_scale;
	int64_t tsc_offset;
} __attribute__((packed));
_Static_assert(sizeof(struct hv_reference_tsc_page) == 24, "hv_reference_tsc_page");

#endif
