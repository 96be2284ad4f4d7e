/* SPDX-License-Identifier: MIT */
/*
 * TPM 2.0 Command Response Buffer (CRB) interface: the register layout of
 * one locality page, as the TCG PC Client Platform TPM Profile (PTP)
 * specification defines it, and the bits the device model uses. Wire format
 * only; the model is in crb.c.
 */
#ifndef PVN_VTPM_CRB_PROTOCOL_H
#define PVN_VTPM_CRB_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#define PVN_CRB_BASE 0xFED40000ULL /* locality 0 */
#define PVN_CRB_PAGE_SIZE 0x1000u

/* One locality's page. All registers little-endian. */
struct pvn_crb_regs {
	uint32_t loc_state;       /* 0x00 TPM_LOC_STATE_x */
	uint32_t reserved1;       /* 0x04 */
	uint32_t loc_ctrl;        /* 0x08 TPM_LOC_CTRL_x */
	uint32_t loc_sts;         /* 0x0C TPM_LOC_STS_x */
	uint8_t reserved2[0x20];  /* 0x10 */
	uint64_t intf_id;         /* 0x30 TPM_CRB_INTF_ID_x */
	uint64_t ctrl_ext;        /* 0x38 TPM_CRB_CTRL_EXT_x */
	uint32_t ctrl_req;        /* 0x40 TPM_CRB_CTRL_REQ_x */
	uint32_t ctrl_sts;        /* 0x44 TPM_CRB_CTRL_STS_x */
	uint32_t ctrl_cancel;     /* 0x48 TPM_CRB_CTRL_CANCEL_x */
	uint32_t ctrl_start;      /* 0x4C TPM_CRB_CTRL_START_x */
	uint32_t ctrl_int_enable; /* 0x50 TPM_CRB_INT_ENABLE_x */
	uint32_t ctrl_int_sts;    /* 0x54 TPM_CRB_INT_STS_x */
	uint32_t ctrl_cmd_size;   /* 0x58 TPM_CRB_CTRL_CMD_SIZE_x */
	uint32_t ctrl_cmd_laddr;  /* 0x5C TPM_CRB_CTRL_CMD_LADDR_x */
	uint32_t ctrl_cmd_haddr;  /* 0x60 TPM_CRB_CTRL_CMD_HADDR_x */
	uint32_t ctrl_rsp_size;   /* 0x64 TPM_CRB_CTRL_RSP_SIZE_x */
	uint64_t ctrl_rsp_addr;   /* 0x68 TPM_CRB_CTRL_RSP_ADDR_x (64-bit, 4-aligned) */
	uint8_t reserved3[0x10];  /* 0x70 */
	uint8_t data[0xF80];      /* 0x80 TPM_CRB_DATA_BUFFER_x */
} __attribute__((packed));

#define PVN_CRB_LOC_STATE 0x00
#define PVN_CRB_LOC_CTRL 0x08
#define PVN_CRB_LOC_STS 0x0C
#define PVN_CRB_INTF_ID 0x30
#define PVN_CRB_CTRL_EXT 0x38
#define PVN_CRB_CTRL_REQ 0x40
#define PVN_CRB_CTRL_STS 0x44
#define PVN_CRB_CTRL_CANCEL 0x48
#define PVN_CRB_CTRL_START 0x4C
#define PVN_CRB_CTRL_INT_ENABLE 0x50
#define PVN_CRB_CTRL_INT_STS 0x54
#define PVN_CRB_CTRL_CMD_SIZE 0x58
#define PVN_CRB_CTRL_CMD_LADDR 0x5C
#define PVN_CRB_CTRL_CMD_HADDR 0x60
#define PVN_CRB_CTRL_RSP_SIZE 0x64
#define PVN_CRB_CTRL_RSP_ADDR 0x68
#define PVN_CRB_DATA 0x80
#define PVN_CRB_DATA_SIZE 0xF80u

_Static_assert(offsetof(struct pvn_crb_regs, loc_state) == PVN_CRB_LOC_STATE, "LOC_STATE");
_Static_assert(offsetof(struct pvn_crb_regs, loc_ctrl) == PVN_CRB_LOC_CTRL, "LOC_CTRL");
_Static_assert(offsetof(struct pvn_crb_regs, loc_sts) == PVN_CRB_LOC_STS, "LOC_STS");
_Static_assert(offsetof(struct pvn_crb_regs, intf_id) == PVN_CRB_INTF_ID, "INTF_ID");
_Static_assert(offsetof(struct pvn_crb_regs, ctrl_ext) == PVN_CRB_CTRL_EXT, "CTRL_EXT");
_Static_assert(offsetof(struct pvn_crb_regs, ctrl_req) == PVN_CRB_CTRL_REQ, "CTRL_REQ");
_Static_assert(offsetof(struct pvn_crb_regs, ctrl_sts) == PVN_CRB_CTRL_STS, "CTRL_STS");
_Static_assert(offsetof(struct pvn_crb_regs, ctrl_cancel) == PVN_CRB_CTRL_CANCEL, "CTRL_CANCEL");
_Static_assert(offsetof(struct pvn_crb_regs, ctrl_start) == PVN_CRB_CTRL_START, "CTRL_START");
_Static_assert(offsetof(struct pvn_crb_regs, ctrl_int_enable) == PVN_CRB_CTRL_INT_ENABLE,
	       "CTRL_INT_ENABLE");
_Static_assert(offsetof(struct pvn_crb_regs, ctrl_int_sts) == PVN_CRB_CTRL_INT_STS, "CTRL_INT_STS");
_Static_assert(offsetof(struct pvn_crb_regs, ctrl_cmd_size) == PVN_CRB_CTRL_CMD_SIZE, "CMD_SIZE");
_Static_assert(offsetof(struct pvn_crb_regs, ctrl_cmd_laddr) == PVN_CRB_CTRL_CMD_LADDR, "CMD_LADDR");
_Static_assert(offsetof(struct pvn_crb_regs, ctrl_cmd_haddr) == PVN_CRB_CTRL_CMD_HADDR, "CMD_HADDR");
_Static_assert(offsetof(struct pvn_crb_regs, ctrl_rsp_size) == PVN_CRB_CTRL_RSP_SIZE, "RSP_SIZE");
_Static_assert(offsetof(struct pvn_crb_regs, ctrl_rsp_addr) == PVN_CRB_CTRL_RSP_ADDR, "RSP_ADDR");
_Static_assert(offsetof(struct pvn_crb_regs, data) == PVN_CRB_DATA, "DATA_BUFFER");
_Static_assert(sizeof(struct pvn_crb_regs) == PVN_CRB_PAGE_SIZE, "one 4 KiB locality page");
_Static_assert(PVN_CRB_DATA + PVN_CRB_DATA_SIZE == PVN_CRB_PAGE_SIZE, "buffer ends the page");

/* TPM_LOC_STATE_x */
#define PVN_CRB_LOC_STATE_ESTABLISHED (1u << 0)
#define PVN_CRB_LOC_STATE_ASSIGNED (1u << 1)
#define PVN_CRB_LOC_STATE_ACTIVE_SHIFT 2 /* bits 4:2 */
#define PVN_CRB_LOC_STATE_REG_VALID (1u << 7)
/* TPM_LOC_CTRL_x (write-only) */
#define PVN_CRB_LOC_CTRL_REQUEST (1u << 0)
#define PVN_CRB_LOC_CTRL_RELINQUISH (1u << 1)
#define PVN_CRB_LOC_CTRL_SEIZE (1u << 2)
#define PVN_CRB_LOC_CTRL_RESET_ESTABLISHMENT (1u << 3)
/* TPM_LOC_STS_x */
#define PVN_CRB_LOC_STS_GRANTED (1u << 0)
#define PVN_CRB_LOC_STS_SEIZED (1u << 1)
/* TPM_CRB_CTRL_REQ_x */
#define PVN_CRB_CTRL_REQ_CMD_READY (1u << 0)
#define PVN_CRB_CTRL_REQ_GO_IDLE (1u << 1)
/* TPM_CRB_CTRL_STS_x */
#define PVN_CRB_CTRL_STS_ERROR (1u << 0)
#define PVN_CRB_CTRL_STS_IDLE (1u << 1)
/* TPM_CRB_CTRL_CANCEL_x / TPM_CRB_CTRL_START_x */
#define PVN_CRB_CTRL_CANCEL_INVOKE (1u << 0)
#define PVN_CRB_CTRL_START_INVOKE (1u << 0)

/* TPM_CRB_INTF_ID_x fields */
#define PVN_CRB_INTF_TYPE_CRB 0x1ull                /* 3:0 InterfaceType */
#define PVN_CRB_INTF_VERSION_CRB (0x1ull << 4)       /* 7:4 InterfaceVersion */
#define PVN_CRB_INTF_CAP_LOCALITY (1ull << 8)        /* more than locality 0 */
#define PVN_CRB_INTF_CAP_IDLE_BYPASS (1ull << 9)
#define PVN_CRB_INTF_CAP_XFER_64 (0x3ull << 11)      /* 12:11 data transfer size */
#define PVN_CRB_INTF_CAP_FIFO (1ull << 13)
#define PVN_CRB_INTF_CAP_CRB (1ull << 14)
#define PVN_CRB_INTF_SEL_CRB (0x1ull << 17)          /* 18:17 InterfaceSelector */
#define PVN_CRB_INTF_SEL_LOCK (1ull << 19)
#define PVN_CRB_INTF_RID_SHIFT 24
#define PVN_CRB_INTF_VID_SHIFT 32
#define PVN_CRB_INTF_DID_SHIFT 48

/* ACPI TPM2 table: start method for a CRB interface without ACPI start. */
#define PVN_ACPI_TPM2_START_METHOD_CRB 7
#define PVN_TPM2_ACPI_HID "MSFT0101"

#endif
