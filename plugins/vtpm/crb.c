/* SPDX-License-Identifier: MIT */
/* The TPM 2.0 CRB device model (see crb.h for the protocol it enforces). */
#include "plugins/vtpm/crb.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "plugins/vtpm/tpm2_wire.h"
#include "plugins/vtpm/vtpm_log.h"

#define CRB_LOG_BUDGET 32 /* guest-caused warnings per device before going quiet */
#define CRB_VID 0x5056ull /* "PV" */
#define CRB_DID 0x0001ull

__attribute__((format(printf, 2, 3))) static void crb_guest_warn(struct pvn_vtpm_crb *c,
								const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (!c->log_budget)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->log_budget--;
	vtpm_warn("crb: %s%s", msg,
		  c->log_budget ? "" : " (further guest protocol errors not logged)");
}

int pvn_vtpm_crb_init(struct pvn_vtpm_crb *c, uint64_t base, struct pvn_vtpm_engine *engine)
{
	char why[128];
	int r;

	memset(c, 0, sizeof(*c));
	r = pvn_vtpm_engine_check(engine, why, sizeof(why));
	if (r) {
		vtpm_err("crb: engine refused: %s", why);
		return r;
	}
	if (base & (PVN_CRB_PAGE_SIZE - 1))
		return -EINVAL;
	pthread_mutex_init(&c->lock, NULL);
	c->engine = engine;
	c->base = base;
	c->log_budget = CRB_LOG_BUDGET;
	pvn_vtpm_crb_reset(c);
	return 0;
}

void pvn_vtpm_crb_fini(struct pvn_vtpm_crb *c)
{
	if (c->engine)
		pthread_mutex_destroy(&c->lock);
	c->engine = NULL;
}

static void crb_reset_locked(struct pvn_vtpm_crb *c)
{
	c->loc_assigned = false;
	c->idle = true;
	c->error = false;
	c->cancel = false;
	c->cmd_size_written = false;
	c->cmd_size = PVN_CRB_DATA_SIZE;
	c->int_enable = 0;
	memset(c->data, 0, sizeof(c->data));
}

void pvn_vtpm_crb_reset(struct pvn_vtpm_crb *c)
{
	pthread_mutex_lock(&c->lock);
	crb_reset_locked(c);
	pthread_mutex_unlock(&c->lock);
}

void pvn_vtpm_crb_get_stats(struct pvn_vtpm_crb *c, struct pvn_vtpm_crb_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	pthread_mutex_unlock(&c->lock);
}

/* The value of the 32-bit register at 4-aligned offset `reg` (< 0x80). */
static uint32_t crb_reg_read(struct pvn_vtpm_crb *c, unsigned reg)
{
	uint64_t intf = PVN_CRB_INTF_TYPE_CRB | PVN_CRB_INTF_VERSION_CRB |
			PVN_CRB_INTF_CAP_XFER_64 | PVN_CRB_INTF_CAP_CRB | PVN_CRB_INTF_SEL_CRB |
			PVN_CRB_INTF_SEL_LOCK | CRB_VID << PVN_CRB_INTF_VID_SHIFT |
			CRB_DID << PVN_CRB_INTF_DID_SHIFT;
	uint64_t buf = c->base + PVN_CRB_DATA;

	switch (reg) {
	case PVN_CRB_LOC_STATE:
		return PVN_CRB_LOC_STATE_ESTABLISHED | PVN_CRB_LOC_STATE_REG_VALID |
		       (c->loc_assigned ? PVN_CRB_LOC_STATE_ASSIGNED : 0) |
		       0u << PVN_CRB_LOC_STATE_ACTIVE_SHIFT;
	case PVN_CRB_LOC_STS:
		return c->loc_assigned ? PVN_CRB_LOC_STS_GRANTED : 0;
	case PVN_CRB_INTF_ID:
		return (uint32_t)intf;
	case PVN_CRB_INTF_ID + 4:
		return (uint32_t)(intf >> 32);
	case PVN_CRB_CTRL_STS:
		return (c->error ? PVN_CRB_CTRL_STS_ERROR : 0) |
		       (c->idle ? PVN_CRB_CTRL_STS_IDLE : 0);
	case PVN_CRB_CTRL_CANCEL:
		return c->cancel ? PVN_CRB_CTRL_CANCEL_INVOKE : 0;
	case PVN_CRB_CTRL_INT_ENABLE:
		return c->int_enable;
	case PVN_CRB_CTRL_CMD_SIZE:
		return c->cmd_size;
	case PVN_CRB_CTRL_CMD_LADDR:
	case PVN_CRB_CTRL_RSP_ADDR:
		return (uint32_t)buf;
	case PVN_CRB_CTRL_CMD_HADDR:
	case PVN_CRB_CTRL_RSP_ADDR + 4:
		return (uint32_t)(buf >> 32);
	case PVN_CRB_CTRL_RSP_SIZE:
		return PVN_CRB_DATA_SIZE;
	default:
		/* LOC_CTRL, CTRL_REQ and CTRL_START complete at once and read 0;
		 * CTRL_EXT, CTRL_INT_STS and reserved space read 0. */
		return 0;
	}
}

/* Answer the command in the buffer with a device-made error response. */
static void crb_answer_error(struct pvn_vtpm_crb *c, uint32_t rc)
{
	c->stats.cmd_errors++;
	tpm2_error_rsp(c->data, rc);
}

static void crb_start(struct pvn_vtpm_crb *c)
{
	uint32_t len;
	size_t rsplen;
	int r;

	if (c->idle || c->error) {
		c->stats.bad_access++;
		crb_guest_warn(c, "START while %s: ignored", c->idle ? "idle" : "in error");
		c->error = true;
		return;
	}
	if (c->cmd_size > PVN_CRB_DATA_SIZE) {
		crb_guest_warn(c, "CTRL_CMD_SIZE %u exceeds the %u-byte buffer", c->cmd_size,
			       PVN_CRB_DATA_SIZE);
		c->error = true;
		crb_answer_error(c, TPM2_RC_COMMAND_SIZE);
		return;
	}
	/* The header is inside data[] (10 <= sizeof(data)); its size field is
	 * guest-controlled and checked against the buffer before any use. */
	len = tpm2_get32(c->data + 2);
	if (len > PVN_CRB_DATA_SIZE) {
		crb_guest_warn(c, "command size %u exceeds the %u-byte buffer", len,
			       PVN_CRB_DATA_SIZE);
		c->error = true;
		crb_answer_error(c, TPM2_RC_COMMAND_SIZE);
		return;
	}
	if (len < TPM2_HDR_SIZE) {
		crb_guest_warn(c, "command size %u is below the %u-byte header", len,
			       TPM2_HDR_SIZE);
		crb_answer_error(c, TPM2_RC_COMMAND_SIZE);
		return;
	}
	if (c->cmd_size_written && c->cmd_size != len) {
		crb_guest_warn(c, "CTRL_CMD_SIZE %u disagrees with the command's size %u",
			       c->cmd_size, len);
		crb_answer_error(c, TPM2_RC_COMMAND_SIZE);
		return;
	}

	/* data[0..len) is in bounds: len <= PVN_CRB_DATA_SIZE == sizeof(data). */
	rsplen = PVN_CRB_DATA_SIZE;
	c->stats.commands++;
	r = pvn_vtpm_engine_transmit(c->engine, c->data, len, c->rsp, &rsplen);
	if (r) {
		c->stats.engine_errors++;
		vtpm_err("crb: engine %s failed command 0x%x: %s", c->engine->name,
			 tpm2_get32(c->data + 6), strerror(-r));
		crb_answer_error(c, TPM2_RC_FAILURE);
		return;
	}
	/* The engine is trusted more than the guest but still checked: the
	 * response must fit the buffer and agree with its own header. */
	if (rsplen < TPM2_HDR_SIZE || rsplen > PVN_CRB_DATA_SIZE ||
	    tpm2_get32(c->rsp + 2) != rsplen) {
		c->stats.engine_errors++;
		vtpm_err("crb: engine %s gave a malformed %zu-byte response", c->engine->name,
			 rsplen);
		crb_answer_error(c, TPM2_RC_FAILURE);
		return;
	}
	memcpy(c->data, c->rsp, rsplen);
}

static bool crb_reg_needs_locality(unsigned reg)
{
	return reg >= PVN_CRB_CTRL_REQ;
}

static void crb_reg_write(struct pvn_vtpm_crb *c, unsigned reg, uint32_t v)
{
	switch (reg) {
	case PVN_CRB_LOC_CTRL:
		if (v & PVN_CRB_LOC_CTRL_REQUEST && !(v & PVN_CRB_LOC_CTRL_RELINQUISH)) {
			if (!c->loc_assigned)
				pvn_vtpm_engine_set_locality(c->engine, 0);
			c->loc_assigned = true;
		} else if (v & PVN_CRB_LOC_CTRL_RELINQUISH && !(v & PVN_CRB_LOC_CTRL_REQUEST)) {
			c->loc_assigned = false;
		} else if (v) {
			/* Seize and resetEstablishment belong to localities 3/4, which
			 * this page is not; request+relinquish together is undefined. */
			c->stats.bad_access++;
			crb_guest_warn(c, "LOC_CTRL 0x%x not supported at locality 0: ignored", v);
		}
		return;
	case PVN_CRB_LOC_STATE:
	case PVN_CRB_LOC_STS:
		c->stats.bad_access++;
		crb_guest_warn(c, "write 0x%x to read-only register 0x%x dropped", v, reg);
		return;
	}

	/* CTRL_* belong to the locality's owner. */
	if (crb_reg_needs_locality(reg) && !c->loc_assigned) {
		c->stats.refused++;
		crb_guest_warn(c, "write 0x%x to 0x%x without locality 0: dropped", v, reg);
		return;
	}
	switch (reg) {
	case PVN_CRB_CTRL_REQ:
		if (v == PVN_CRB_CTRL_REQ_CMD_READY) {
			c->idle = false;
			c->error = false;
			c->cmd_size_written = false;
			c->cmd_size = PVN_CRB_DATA_SIZE;
		} else if (v == PVN_CRB_CTRL_REQ_GO_IDLE) {
			c->idle = true;
			c->error = false;
			c->cmd_size_written = false;
			c->cmd_size = PVN_CRB_DATA_SIZE;
		} else if (v) {
			c->stats.bad_access++;
			crb_guest_warn(c, "CTRL_REQ 0x%x: ignored", v);
		}
		return;
	case PVN_CRB_CTRL_CANCEL:
		c->cancel = v & PVN_CRB_CTRL_CANCEL_INVOKE;
		/* Commands complete before START's write returns, so there is
		 * never one in flight to cancel; tell the engine anyway. */
		if (c->cancel)
			pvn_vtpm_engine_cancel(c->engine);
		return;
	case PVN_CRB_CTRL_START:
		if (v & PVN_CRB_CTRL_START_INVOKE)
			crb_start(c);
		return;
	case PVN_CRB_CTRL_INT_ENABLE:
		/* Recorded only: the ACPI table advertises polling, no interrupt. */
		c->int_enable = v;
		return;
	case PVN_CRB_CTRL_INT_STS:
		return; /* write-1-to-clear of bits that are never set */
	case PVN_CRB_CTRL_CMD_SIZE:
		c->cmd_size = v;
		c->cmd_size_written = true;
		return;
	default:
		c->stats.bad_access++;
		crb_guest_warn(c, "write 0x%x to read-only or reserved offset 0x%x dropped", v,
			       reg);
		return;
	}
}

int pvn_vtpm_crb_mmio(struct pvn_vtpm_crb *c, uint64_t off, unsigned size, bool write,
		      uint64_t *val)
{
	int r = 0;

	if ((size != 1 && size != 2 && size != 4 && size != 8) || off >= PVN_CRB_PAGE_SIZE ||
	    off + size > PVN_CRB_PAGE_SIZE) {
		if (!write)
			*val = ~0ull;
		pthread_mutex_lock(&c->lock);
		c->stats.bad_access++;
		crb_guest_warn(c, "%u-byte access at offset 0x%" PRIx64 " outside the page", size,
			       off);
		pthread_mutex_unlock(&c->lock);
		return -EINVAL;
	}

	pthread_mutex_lock(&c->lock);
	if (off >= PVN_CRB_DATA) {
		/* The buffer: [off, off+size) lies within the page (checked
		 * above) and at or after 0x80, so data[off-0x80 .. +size) is
		 * inside data[PVN_CRB_DATA_SIZE]. */
		uint8_t *p = c->data + (off - PVN_CRB_DATA);
		if (!c->loc_assigned) {
			c->stats.refused++;
			crb_guest_warn(c, "buffer %s at 0x%" PRIx64 " without locality 0: refused",
				       write ? "write" : "read", off);
			r = -EACCES;
		} else if (write && c->idle) {
			c->stats.bad_access++;
			crb_guest_warn(c, "buffer write at 0x%" PRIx64 " while idle: dropped", off);
			r = -EIO;
		} else if (write) {
			memcpy(p, val, size); /* little-endian host, as the guest */
		} else {
			*val = 0;
			memcpy(val, p, size);
		}
	} else if (!write) {
		/* Registers: compose the bytes of [off, off+size) from the 32-bit
		 * registers that hold them, so any width and alignment works. */
		uint64_t v = 0;
		for (unsigned i = 0; i < size; i++) {
			unsigned byte = (unsigned)off + i;
			unsigned reg = byte & ~3u;
			if (byte >= PVN_CRB_DATA) {
				/* A read straddling into the buffer (e.g. 8 bytes at 0x7c). */
				v |= (uint64_t)(c->loc_assigned ? c->data[byte - PVN_CRB_DATA] : 0xff)
				     << (8 * i);
				continue;
			}
			if (crb_reg_needs_locality(reg) && !c->loc_assigned) {
				c->stats.refused++;
				crb_guest_warn(c, "read at 0x%" PRIx64 " without locality 0: refused",
					       off);
				r = -EACCES;
				break;
			}
			v |= (uint64_t)((crb_reg_read(c, reg) >> (8 * (byte & 3))) & 0xff) << (8 * i);
		}
		*val = r ? ~0ull : v;
	} else if (off & 3 || (size == 8 && off + 8 > PVN_CRB_DATA)) {
		c->stats.bad_access++;
		crb_guest_warn(c, "unaligned %u-byte register write at 0x%" PRIx64 ": dropped", size,
			       off);
		r = -EINVAL;
	} else {
		/* Aligned register write: narrower writes are zero-extended,
		 * an 8-byte one is two register writes, low first. */
		unsigned reg = (unsigned)off;
		uint64_t v = *val;
		if (size < 4)
			v &= (1ull << (8 * size)) - 1;
		if (!c->loc_assigned && crb_reg_needs_locality(reg))
			r = -EACCES;
		crb_reg_write(c, reg, (uint32_t)v);
		if (size == 8)
			crb_reg_write(c, reg + 4, (uint32_t)(v >> 32));
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

int pvn_vtpm_crb_mmio_handler(void *opaque, unsigned vp, uint64_t gpa, unsigned size, bool write,
			      uint64_t *val)
{
	struct pvn_vtpm_crb *c = opaque;

	(void)vp;
	/* The runtime calls us only for the page we claimed; a gpa outside it
	 * is refused by the range check in pvn_vtpm_crb_mmio anyway. */
	return pvn_vtpm_crb_mmio(c, gpa - c->base, size, write, val);
}

int pvn_vtpm_crb_host_transmit(struct pvn_vtpm_crb *c, const uint8_t *cmd, size_t len,
			       uint8_t *rsp, size_t *rsplen)
{
	int r;

	if (len < TPM2_HDR_SIZE || len > PVN_VTPM_MAX_BUF)
		return -EINVAL;
	pthread_mutex_lock(&c->lock);
	r = pvn_vtpm_engine_transmit(c->engine, cmd, len, rsp, rsplen);
	pthread_mutex_unlock(&c->lock);
	return r;
}
