/* SPDX-License-Identifier: MIT */
/*
 * The VMBus storage protocol (VSTOR) as Linux's hv_storvsc speaks it: the
 * 64-byte vstor packet, the SRB it carries, channel properties, versions,
 * and the GPA-direct range header that precedes a data-carrying request.
 * Facts from Linux 6.1 drivers/scsi/storvsc_drv.c and include/linux/hyperv.h;
 * every field is little-endian on the wire.
 */
#ifndef PVN_NVME_VSTOR_PROTOCOL_H
#define PVN_NVME_VSTOR_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

/* The synthetic SCSI controller's class GUID {ba6163d9-04a1-4d29-b605-72e2ffb1dc7f}. */
#define VSTOR_CLASS_A 0xba6163d9u
#define VSTOR_CLASS_B 0x04a1
#define VSTOR_CLASS_C 0x4d29
#define VSTOR_CLASS_D 0xb605
#define VSTOR_CLASS_E 0x72e2ffb1dc7fULL

/* Protocol versions: major in the high byte, minor in the low one. Linux
 * 6.1 asks for WIN10, then WIN8_1, then WIN8, and stops at the first one the
 * host accepts (status 0). */
#define VSTOR_VERSION(maj, min) ((uint16_t)((((maj)&0xff) << 8) | ((min)&0xff)))
#define VSTOR_VERSION_WIN8      VSTOR_VERSION(5, 1)
#define VSTOR_VERSION_WIN8_1    VSTOR_VERSION(6, 0)
#define VSTOR_VERSION_WIN10     VSTOR_VERSION(6, 2)

enum vstor_operation {
	VSTOR_OP_COMPLETE_IO = 1,
	VSTOR_OP_REMOVE_DEVICE = 2,
	VSTOR_OP_EXECUTE_SRB = 3,
	VSTOR_OP_RESET_LUN = 4,
	VSTOR_OP_RESET_ADAPTER = 5,
	VSTOR_OP_RESET_BUS = 6,
	VSTOR_OP_BEGIN_INITIALIZATION = 7,
	VSTOR_OP_END_INITIALIZATION = 8,
	VSTOR_OP_QUERY_PROTOCOL_VERSION = 9,
	VSTOR_OP_QUERY_PROPERTIES = 10,
	VSTOR_OP_ENUMERATE_BUS = 11,
	VSTOR_OP_FCHBA_DATA = 12,
	VSTOR_OP_CREATE_SUB_CHANNELS = 13,
};

/* vstor_packet.flags */
#define VSTOR_FLAG_REQUEST_COMPLETION 0x1

/* NTSTATUS values carried in vstor_packet.status (0 = success). */
#define VSTOR_STATUS_SUCCESS              0x00000000u
#define VSTOR_STATUS_INVALID_PARAMETER    0xc000000du
#define VSTOR_STATUS_REVISION_MISMATCH    0xc0000059u
#define VSTOR_STATUS_NOT_SUPPORTED        0xc00000bbu
#define VSTOR_STATUS_INVALID_DEVICE_STATE 0xc0000184u

/* SRB status: a 6-bit code and two flag bits. */
#define SRB_STATUS_SUCCESS         0x01
#define SRB_STATUS_ABORTED         0x02
#define SRB_STATUS_ERROR           0x04
#define SRB_STATUS_INVALID_REQUEST 0x06
#define SRB_STATUS_DATA_OVERRUN    0x12
#define SRB_STATUS_INVALID_LUN     0x20
#define SRB_STATUS_QUEUE_FROZEN    0x40
#define SRB_STATUS_AUTOSENSE_VALID 0x80

/* vstor_srb.data_in */
#define VSTOR_DATA_OUT  0 /* WRITE_TYPE: guest -> device */
#define VSTOR_DATA_IN   1 /* READ_TYPE: device -> guest */
#define VSTOR_DATA_NONE 2

/* SRB flags the guest sets (informative; data_in is what we act on). */
#define SRB_FLAGS_DATA_IN  0x00000040
#define SRB_FLAGS_DATA_OUT 0x00000080

#define VSTOR_CDB_MAX   16
#define VSTOR_SENSE_MAX 20

/* The SCSI request block (the "win8" layout, 52 bytes). */
struct vstor_srb {
	uint16_t length; /* sizeof(struct vstor_srb) */
	uint8_t srb_status;
	uint8_t scsi_status;
	uint8_t port_number;
	uint8_t path_id;
	uint8_t target_id;
	uint8_t lun;
	uint8_t cdb_length;
	uint8_t sense_info_length;
	uint8_t data_in;
	uint8_t reserved;
	uint32_t data_transfer_length;
	union {
		uint8_t cdb[VSTOR_CDB_MAX];
		uint8_t sense_data[VSTOR_SENSE_MAX];
	};
	uint16_t reserve;
	uint8_t queue_tag;
	uint8_t queue_action;
	uint32_t srb_flags;
	uint32_t time_out_value;
	uint32_t queue_sort_key;
} __attribute__((packed));

/* Answer to QUERY_PROPERTIES. */
#define VSTOR_PROP_MULTI_CHANNEL 0x1
struct vstor_properties {
	uint32_t reserved;
	uint16_t max_channel_count;
	uint16_t reserved1;
	uint32_t flags;
	uint32_t max_transfer_bytes;
	uint64_t reserved2;
} __attribute__((packed));

struct vstor_version {
	uint16_t major_minor;
	uint16_t revision;
} __attribute__((packed));

#define VSTOR_PACKET_PAYLOAD 0x34
struct vstor_packet {
	uint32_t operation; /* enum vstor_operation */
	uint32_t flags;
	uint32_t status;
	union {
		struct vstor_srb srb;
		struct vstor_properties properties;
		struct vstor_version version;
		uint16_t sub_channel_count;
		uint8_t buffer[VSTOR_PACKET_PAYLOAD];
	};
} __attribute__((packed));

/*
 * A GPA-direct packet (VMBus type 9) from storvsc: after the 16-byte VMBus
 * descriptor come { reserved, range_count } and one multi-page range
 * { byte_count, byte_offset, pfn[] } (4 KiB Hyper-V pages), then the vstor
 * packet at the descriptor's data offset. vmbus_recv hands us everything
 * after the descriptor.
 */
struct vstor_gpa_header {
	uint32_t reserved;
	uint32_t range_count;
} __attribute__((packed));

struct vstor_gpa_range {
	uint32_t byte_count;
	uint32_t byte_offset; /* into the first page */
	                      /* uint64_t pfn[] follows */
} __attribute__((packed));

#define VSTOR_PAGE_SIZE 4096u

_Static_assert(sizeof(struct vstor_srb) == 52, "vmscsi_request is 52 bytes (win8 layout)");
_Static_assert(offsetof(struct vstor_srb, data_transfer_length) == 12, "srb layout");
_Static_assert(offsetof(struct vstor_srb, cdb) == 16, "srb layout");
_Static_assert(offsetof(struct vstor_srb, reserve) == 36, "srb layout");
_Static_assert(offsetof(struct vstor_srb, srb_flags) == 40, "srb layout");
_Static_assert(offsetof(struct vstor_srb, queue_sort_key) == 48, "srb layout");
_Static_assert(sizeof(struct vstor_properties) == 24, "vmstorage_channel_properties");
_Static_assert(offsetof(struct vstor_properties, max_transfer_bytes) == 12, "properties layout");
_Static_assert(sizeof(struct vstor_version) == 4, "vmstorage_protocol_version");
_Static_assert(sizeof(struct vstor_packet) == 64, "vstor_packet is 64 bytes");
_Static_assert(offsetof(struct vstor_packet, srb) == 12, "vstor_packet payload at 12");
_Static_assert(sizeof(struct vstor_gpa_header) == 8, "GPA-direct header");
_Static_assert(sizeof(struct vstor_gpa_range) == 8, "hv_mpb_array header");

#endif
