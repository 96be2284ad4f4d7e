/* SPDX-License-Identifier: MIT */
#include "runtime/acpi/acpi.h"
#include "runtime/acpi/acpi_protocol.h"
#include "runtime/acpi/aml.h"
#include "runtime/chipset/chipset.h"
#include "runtime/core/log.h"
#include "runtime/vm.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OEM_ID	     "PVANE "
#define OEM_TABLE_ID "PARAVANE"
#define OEM_REVISION 1
#define CREATOR_ID   "PVN "
#define CREATOR_REV  1

struct blob {
	uint8_t *data;
	size_t len;
	char owner[PVN_OWNER_MAX];
};

struct pvn_acpi {
	struct blob tables[PVN_ACPI_MAX_TABLES];
	size_t nr_tables;
	struct blob *devices;
	size_t nr_devices;
	char error[256];
};

/* Tables this builder makes itself; nobody else may add them. */
static const char *const own_sigs[] = {"FACP", "DSDT", "APIC", "FACS", "XSDT", "RSDT"};

static int refuse(struct pvn_acpi *a, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int refuse(struct pvn_acpi *a, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->error, sizeof(a->error), fmt, ap);
	va_end(ap);
	pvn_err("acpi: %s", a->error);
	return err;
}

const char *pvn_acpi_error(const struct pvn_acpi *a)
{
	return a->error;
}

uint8_t pvn_acpi_sum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *b++);
	return s;
}

void pvn_acpi_platform_init(struct pvn_acpi_platform *p, unsigned nr_vps)
{
	memset(p, 0, sizeof(*p));
	p->nr_vps = nr_vps;
	p->lapic_base = PVN_LAPIC_BASE;
	p->ioapic_base = PVN_IOAPIC_BASE;
	p->ioapic_id = 0;
	p->ioapic_gsi_base = 0;
	p->sci_irq = PVN_ACPI_SCI_IRQ;
	p->pm1a_evt_port = PVN_ACPI_PM1A_EVT;
	p->pm1a_cnt_port = PVN_ACPI_PM1A_CNT;
	p->reset_port = PVN_ACPI_RESET_PORT;
	p->reset_value = PVN_ACPI_RESET_VALUE;
	p->s5_slp_typ = PVN_ACPI_S5_SLP_TYP;
}

int pvn_acpi_create(struct pvn_acpi **out)
{
	struct pvn_acpi *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	*out = a;
	return 0;
}

void pvn_acpi_destroy(struct pvn_acpi *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->nr_tables; i++)
		free(a->tables[i].data);
	for (size_t i = 0; i < a->nr_devices; i++)
		free(a->devices[i].data);
	free(a->devices);
	free(a);
}

static bool sig_ok(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

static const char *owner_or(const char *owner)
{
	return owner && *owner ? owner : "?";
}

int pvn_acpi_add_table(struct pvn_acpi *a, const void *tbl, size_t len, const char *owner)
{
	struct pvn_acpi_sdt_header h;
	struct blob *b;

	owner = owner_or(owner);
	if (!tbl || len < sizeof(h))
		return refuse(a, -EINVAL,
			      "table from '%s' is %zu bytes, shorter than a header (%zu)", owner,
			      len, sizeof(h));
	memcpy(&h, tbl, sizeof(h));
	if (h.length != len)
		return refuse(a, -EINVAL,
			      "table from '%s' is %zu bytes but its header says %" PRIu32, owner,
			      len, h.length);
	if (len > PVN_ACPI_MAX_TABLE_LEN)
		return refuse(a, -E2BIG, "table from '%s' is %zu bytes, more than %u", owner, len,
			      PVN_ACPI_MAX_TABLE_LEN);
	if (!sig_ok(h.signature))
		return refuse(a, -EINVAL, "table from '%s' has a bad signature", owner);
	for (size_t i = 0; i < sizeof(own_sigs) / sizeof(own_sigs[0]); i++)
		if (!memcmp(h.signature, own_sigs[i], 4))
			return refuse(a, -EEXIST,
				      "table %.4s from '%s' clashes with the one the ACPI builder "
				      "makes itself",
				      h.signature, owner);
	if (memcmp(h.signature, "SSDT", 4))
		for (size_t i = 0; i < a->nr_tables; i++)
			if (!memcmp(a->tables[i].data, h.signature, 4))
				return refuse(a, -EEXIST,
					      "table %.4s from '%s' clashes with the one from '%s'",
					      h.signature, owner, a->tables[i].owner);
	if (a->nr_tables == PVN_ACPI_MAX_TABLES)
		return refuse(a, -ENOSPC, "table %.4s from '%s': already %d extra tables",
			      h.signature, owner, PVN_ACPI_MAX_TABLES);
	b = &a->tables[a->nr_tables];
	b->data = malloc(len);
	if (!b->data)
		return -ENOMEM;
	memcpy(b->data, tbl, len);
	b->len = len;
	snprintf(b->owner, sizeof(b->owner), "%s", owner);
	a->nr_tables++;
	return 0;
}

/* Is aml[0, len) a sequence of whole Device() terms? */
static bool devices_well_formed(const uint8_t *aml, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		uint32_t pkglen;
		int n;

		if (len - pos < 3 || aml[pos] != PVN_AML_EXT_PFX ||
		    aml[pos + 1] != PVN_AML_DEVICE_OP)
			return false;
		n = pvn_aml_pkglength_decode(aml + pos + 2, len - pos - 2, &pkglen);
		/* The PkgLength counts itself and must hold at least a NameSeg. */
		if (n < 0 || pkglen < (uint32_t)n + 1 || pkglen > len - pos - 2)
			return false;
		pos += 2 + pkglen;
	}
	return true;
}

int pvn_acpi_add_device(struct pvn_acpi *a, const void *aml, size_t len, const char *owner)
{
	struct blob *n;

	owner = owner_or(owner);
	if (!aml || !len)
		return refuse(a, -EINVAL, "device AML from '%s' is empty", owner);
	if (len > PVN_ACPI_MAX_TABLE_LEN)
		return refuse(a, -E2BIG, "device AML from '%s' is %zu bytes, more than %u", owner,
			      len, PVN_ACPI_MAX_TABLE_LEN);
	if (!devices_well_formed(aml, len))
		return refuse(a, -EINVAL,
			      "device AML from '%s' is not a sequence of complete Device() terms",
			      owner);
	n = realloc(a->devices, (a->nr_devices + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	a->devices = n;
	n = &a->devices[a->nr_devices];
	n->data = malloc(len);
	if (!n->data)
		return -ENOMEM;
	memcpy(n->data, aml, len);
	n->len = len;
	snprintf(n->owner, sizeof(n->owner), "%s", owner);
	a->nr_devices++;
	return 0;
}

static int check_platform(struct pvn_acpi *a, const struct pvn_acpi_platform *p)
{
	if (!p->nr_vps || p->nr_vps > 255)
		return refuse(a, -EINVAL, "platform: %u VPs (1-255 fit xAPIC MADT entries)",
			      p->nr_vps);
	if (p->lapic_base >= PVN_4G || p->ioapic_base >= PVN_4G)
		return refuse(a, -EINVAL, "platform: LAPIC/IOAPIC base above 4 GiB");
	if (p->sci_irq > 15)
		return refuse(a, -EINVAL, "platform: SCI IRQ %u is not an ISA IRQ", p->sci_irq);
	if (!p->pm1a_evt_port || !p->pm1a_cnt_port)
		return refuse(a, -EINVAL, "platform: PM1a event and control ports are required");
	if (!p->vmbus)
		return 0;
	if (p->vmbus_low_size && (p->vmbus_low_size >= PVN_4G || p->vmbus_low_base >= PVN_4G ||
				  p->vmbus_low_base + p->vmbus_low_size > PVN_4G))
		return refuse(a, -EINVAL,
			      "platform: VMBus low MMIO 0x%" PRIx64 "+0x%" PRIx64
			      " does not end below 4 GiB",
			      p->vmbus_low_base, p->vmbus_low_size);
	if (p->vmbus_high_size &&
	    (p->vmbus_high_base < PVN_4G ||
	     p->vmbus_high_base + (p->vmbus_high_size - 1) < p->vmbus_high_base))
		return refuse(a, -EINVAL,
			      "platform: VMBus high MMIO 0x%" PRIx64 "+0x%" PRIx64
			      " does not lie above 4 GiB",
			      p->vmbus_high_base, p->vmbus_high_size);
	return 0;
}

/* A fixed MMIO window the device decodes (what Hyper-V gives VMBus). */
#define WINDOW (PVN_AML_ADDR_MIN_FIXED | PVN_AML_ADDR_MAX_FIXED)
#define WINDOW_MEM (PVN_AML_MEM_RW | PVN_AML_MEM_NONCACHEABLE)

/* The DSDT's AML body (after the header). */
static int build_dsdt_aml(struct pvn_acpi *a, const struct pvn_acpi_platform *p,
			  struct pvn_aml *aml)
{
	const uint8_t *bytes;
	size_t len;
	int r;

	/* Names at the DSDT's top level are in the root scope already: no '\\'
	 * (what iasl emits too, so its output compares byte for byte).
	 * \_S5_: SLP_TYPa, SLP_TYPb, reserved, reserved. */
	pvn_aml_name(aml, "_S5_");
	pvn_aml_package_begin(aml);
	pvn_aml_int(aml, p->s5_slp_typ);
	pvn_aml_int(aml, p->s5_slp_typ);
	pvn_aml_zero(aml);
	pvn_aml_zero(aml);
	pvn_aml_end(aml);

	pvn_aml_scope_begin(aml, "_SB");

	pvn_aml_device_begin(aml, "UAR1");
	pvn_aml_name(aml, "_HID");
	pvn_aml_eisaid_obj(aml, "PNP0501");
	pvn_aml_name(aml, "_UID");
	pvn_aml_int(aml, 1);
	pvn_aml_name(aml, "_CRS");
	pvn_aml_rt_begin(aml);
	pvn_aml_rt_io(aml, true, PVN_UART_BASE, PVN_UART_BASE, 1, 8);
	pvn_aml_rt_irq_noflags(aml, 1u << PVN_UART_IRQ);
	pvn_aml_rt_end(aml);
	pvn_aml_end(aml);

	if (p->vmbus) {
		/* hv_vmbus matches the ACPI string ID "VMBus" (not an EISAID) and
		 * takes the Address (not Memory) descriptors of _CRS as its MMIO. */
		pvn_aml_device_begin(aml, "VMOD");
		pvn_aml_name(aml, "_HID");
		pvn_aml_string(aml, "VMBus");
		pvn_aml_name(aml, "_UID");
		pvn_aml_int(aml, 0);
		pvn_aml_method_return_int(aml, "_STA", 0x0f);
		pvn_aml_name(aml, "_CRS");
		pvn_aml_rt_begin(aml);
		if (p->vmbus_low_size)
			pvn_aml_rt_dword_memory(aml, WINDOW, WINDOW_MEM,
						(uint32_t)p->vmbus_low_base,
						(uint32_t)p->vmbus_low_size);
		if (p->vmbus_high_size)
			pvn_aml_rt_qword_memory(aml, WINDOW, WINDOW_MEM,
						p->vmbus_high_base, p->vmbus_high_size);
		pvn_aml_rt_end(aml);
		pvn_aml_end(aml);
	}
	for (size_t i = 0; i < a->nr_devices; i++)
		pvn_aml_raw(aml, a->devices[i].data, a->devices[i].len);
	pvn_aml_end(aml); /* \_SB */

	r = pvn_aml_finish(aml, &bytes, &len);
	if (r)
		return refuse(a, r, "cannot build the DSDT's AML: %s", strerror(-r));
	return 0;
}

static void fill_header(struct pvn_acpi_sdt_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = OEM_REVISION;
	memcpy(h->creator_id, CREATOR_ID, 4);
	h->creator_revision = CREATOR_REV;
}

static struct pvn_acpi_gas io_gas(uint16_t port, unsigned bytes, uint8_t access)
{
	return (struct pvn_acpi_gas){
		.space_id = PVN_ACPI_AS_SYSTEM_IO,
		.bit_width = (uint8_t)(8 * bytes),
		.bit_offset = 0,
		.access_width = access,
		.address = port,
	};
}

#define CKSUM offsetof(struct pvn_acpi_sdt_header, checksum)

/* Set a table's checksum so that its bytes sum to 0. */
static void fix_checksum(uint8_t *tbl, size_t len, size_t cksum_off)
{
	tbl[cksum_off] = 0;
	tbl[cksum_off] = (uint8_t)(0x100 - pvn_acpi_sum(tbl, len));
}

/* Where each table goes, as offsets into the build buffer. */
struct layout {
	size_t rsdp, facs, xsdt, rsdt, fadt, dsdt, madt;
	size_t extra[PVN_ACPI_MAX_TABLES];
	size_t xsdt_len, rsdt_len, dsdt_len, madt_len;
	size_t end;
	bool low; /* everything below 4 GiB: 32-bit pointers usable */
};

/* Offset of the next `align`-aligned guest address at or after buf_gpa + *cur. */
static size_t place(uint64_t buf_gpa, size_t *cur, uint64_t align, size_t len)
{
	uint64_t gpa = buf_gpa + *cur;
	size_t off = *cur + (size_t)(((gpa + align - 1) & ~(align - 1)) - gpa);
	*cur = off + len;
	return off;
}

static size_t madt_len(unsigned nr_vps)
{
	return sizeof(struct pvn_acpi_madt) + nr_vps * sizeof(struct pvn_madt_lapic) +
	       sizeof(struct pvn_madt_ioapic) + 2 * sizeof(struct pvn_madt_iso) +
	       sizeof(struct pvn_madt_lapic_nmi);
}

static void plan(const struct pvn_acpi *a, unsigned nr_vps, size_t dsdt_len, uint64_t buf_gpa,
		 struct layout *l)
{
	size_t cur = 0, entries = 2 + a->nr_tables; /* FADT, MADT, extras */

	memset(l, 0, sizeof(*l));
	l->xsdt_len = sizeof(struct pvn_acpi_sdt_header) + 8 * entries;
	l->rsdt_len = sizeof(struct pvn_acpi_sdt_header) + 4 * entries;
	l->dsdt_len = sizeof(struct pvn_acpi_sdt_header) + dsdt_len;
	l->madt_len = madt_len(nr_vps);
	/* Tables are small against the area, so these sums cannot overflow:
	 * extras are at most 32 x 64 KiB, the DSDT at most 16 MiB + 64 KiB each. */
	l->rsdp = place(buf_gpa, &cur, PVN_ACPI_RSDP_ALIGN, sizeof(struct pvn_acpi_rsdp));
	l->facs = place(buf_gpa, &cur, PVN_ACPI_FACS_ALIGN, sizeof(struct pvn_acpi_facs));
	l->xsdt = place(buf_gpa, &cur, 8, l->xsdt_len);
	l->rsdt = place(buf_gpa, &cur, 8, l->rsdt_len);
	l->fadt = place(buf_gpa, &cur, 8, sizeof(struct pvn_acpi_fadt));
	l->dsdt = place(buf_gpa, &cur, 8, l->dsdt_len);
	l->madt = place(buf_gpa, &cur, 8, l->madt_len);
	for (size_t i = 0; i < a->nr_tables; i++)
		l->extra[i] = place(buf_gpa, &cur, 8, a->tables[i].len);
	l->end = cur;
	l->low = buf_gpa + l->end <= PVN_4G;
}

/* Copy into the build buffer; every write goes through here. */
static int put(uint8_t *buf, size_t buflen, size_t off, const void *src, size_t len)
{
	if (off > buflen || len > buflen - off)
		return -ENOSPC;
	memcpy(buf + off, src, len);
	return 0;
}

static int write_madt(const struct pvn_acpi_platform *p, uint8_t *buf, size_t buflen,
		      const struct layout *l)
{
	struct pvn_acpi_madt m;
	size_t off = l->madt;
	int r;

	fill_header(&m.hdr, "APIC", (uint32_t)l->madt_len, 4);
	m.lapic_address = (uint32_t)p->lapic_base;
	m.flags = PVN_MADT_PCAT_COMPAT; /* the in-kernel irqchip has the 8259s too */
	r = put(buf, buflen, off, &m, sizeof(m));
	off += sizeof(m);
	for (unsigned i = 0; !r && i < p->nr_vps; i++) {
		struct pvn_madt_lapic e = {
			.h = {PVN_MADT_LAPIC, sizeof(e)},
			.processor_uid = (uint8_t)i,
			.apic_id = (uint8_t)i,
			.flags = PVN_MADT_LAPIC_ENABLED,
		};
		r = put(buf, buflen, off, &e, sizeof(e));
		off += sizeof(e);
	}
	struct pvn_madt_ioapic io = {
		.h = {PVN_MADT_IOAPIC, sizeof(io)},
		.ioapic_id = p->ioapic_id,
		.address = (uint32_t)p->ioapic_base,
		.gsi_base = p->ioapic_gsi_base,
	};
	/* The PIT (IRQ 0) is wired to IOAPIC pin 2; the SCI is level, active high. */
	struct pvn_madt_iso pit = {
		.h = {PVN_MADT_ISO, sizeof(pit)},
		.bus = 0,
		.source = 0,
		.gsi = 2,
		.flags = PVN_MADT_POLARITY_CONFORMS | PVN_MADT_TRIGGER_CONFORMS,
	};
	struct pvn_madt_iso sci = {
		.h = {PVN_MADT_ISO, sizeof(sci)},
		.bus = 0,
		.source = p->sci_irq,
		.gsi = p->sci_irq,
		.flags = PVN_MADT_POLARITY_HIGH | PVN_MADT_TRIGGER_LEVEL,
	};
	/* LINT1 of every processor is the NMI input. */
	struct pvn_madt_lapic_nmi nmi = {
		.h = {PVN_MADT_LAPIC_NMI, sizeof(nmi)},
		.processor_uid = 0xff,
		.flags = PVN_MADT_POLARITY_CONFORMS | PVN_MADT_TRIGGER_CONFORMS,
		.lint = 1,
	};
	if (!r)
		r = put(buf, buflen, off, &io, sizeof(io));
	off += sizeof(io);
	if (!r)
		r = put(buf, buflen, off, &pit, sizeof(pit));
	off += sizeof(pit);
	if (!r)
		r = put(buf, buflen, off, &sci, sizeof(sci));
	off += sizeof(sci);
	if (!r)
		r = put(buf, buflen, off, &nmi, sizeof(nmi));
	if (!r)
		fix_checksum(buf + l->madt, l->madt_len, CKSUM);
	return r;
}

static int write_fadt(const struct pvn_acpi_platform *p, uint8_t *buf, size_t buflen,
		      uint64_t buf_gpa, const struct layout *l)
{
	struct pvn_acpi_fadt f;
	uint64_t facs = buf_gpa + l->facs, dsdt = buf_gpa + l->dsdt;

	memset(&f, 0, sizeof(f));
	fill_header(&f.hdr, "FACP", sizeof(f), PVN_ACPI_FADT_REVISION);
	/* The FACS has one pointer: the 32-bit one when it fits (ACPI 6 5.2.9). */
	if (l->low)
		f.firmware_ctrl = (uint32_t)facs;
	else
		f.x_firmware_ctrl = facs;
	f.dsdt = l->low ? (uint32_t)dsdt : 0;
	f.x_dsdt = dsdt;
	f.sci_int = p->sci_irq;
	f.smi_cmd = 0; /* no SMI: ACPI is always enabled */
	f.pm1a_evt_blk = p->pm1a_evt_port;
	f.pm1a_cnt_blk = p->pm1a_cnt_port;
	f.pm1_evt_len = 4;
	f.pm1_cnt_len = 2;
	/* no PM timer, no GPE blocks; C2/C3 latencies above the limits: unsupported */
	f.p_lvl2_lat = 101;
	f.p_lvl3_lat = 1001;
	f.iapc_boot_arch = PVN_FADT_BOOT_LEGACY_DEVICES | PVN_FADT_BOOT_NO_VGA;
	f.flags = PVN_FADT_F_WBINVD | PVN_FADT_F_PROC_C1 | PVN_FADT_F_PWR_BUTTON |
		  PVN_FADT_F_SLP_BUTTON | PVN_FADT_F_RESET_REG_SUP;
	f.reset_reg = io_gas(p->reset_port, 1, PVN_ACPI_ACCESS_BYTE);
	f.reset_value = p->reset_value;
	f.x_pm1a_evt_blk = io_gas(p->pm1a_evt_port, 4, PVN_ACPI_ACCESS_ANY);
	f.x_pm1a_cnt_blk = io_gas(p->pm1a_cnt_port, 2, PVN_ACPI_ACCESS_ANY);
	fix_checksum((uint8_t *)&f, sizeof(f), CKSUM);
	return put(buf, buflen, l->fadt, &f, sizeof(f));
}

int pvn_acpi_build(struct pvn_acpi *a, const struct pvn_acpi_platform *p, uint8_t *buf,
		   size_t buflen, uint64_t buf_gpa, size_t *used, uint64_t *rsdp_gpa)
{
	struct pvn_aml aml;
	struct layout l;
	const uint8_t *dsdt_aml;
	size_t dsdt_aml_len, entries;
	int r;

	if (!p || !buf || !used || !rsdp_gpa)
		return refuse(a, -EINVAL, "build: missing argument");
	if (buf_gpa & (PVN_ACPI_RSDP_ALIGN - 1))
		return refuse(a, -EINVAL, "build: buffer GPA 0x%" PRIx64 " is not 16-byte aligned",
			      buf_gpa);
	if (buf_gpa + buflen < buf_gpa)
		return refuse(a, -EINVAL, "build: buffer GPA 0x%" PRIx64 " + %zu wraps", buf_gpa,
			      buflen);
	r = check_platform(a, p);
	if (r)
		return r;

	pvn_aml_init(&aml);
	r = build_dsdt_aml(a, p, &aml);
	if (r)
		goto out;
	r = pvn_aml_finish(&aml, &dsdt_aml, &dsdt_aml_len);
	if (r)
		goto out;
	plan(a, p->nr_vps, dsdt_aml_len, buf_gpa, &l);
	if (l.end > buflen) {
		r = refuse(a, -ENOSPC, "the tables need %zu bytes, the buffer has %zu", l.end,
			   buflen);
		goto out;
	}
	memset(buf, 0, l.end);

	/* FACS: no checksum */
	struct pvn_acpi_facs facs = {.signature = {'F', 'A', 'C', 'S'},
				     .length = sizeof(facs),
				     .version = 2};
	r = put(buf, buflen, l.facs, &facs, sizeof(facs));

	/* DSDT */
	struct pvn_acpi_sdt_header dh;
	fill_header(&dh, "DSDT", (uint32_t)l.dsdt_len, 2); /* revision 2: 64-bit integers */
	if (!r)
		r = put(buf, buflen, l.dsdt, &dh, sizeof(dh));
	if (!r)
		r = put(buf, buflen, l.dsdt + sizeof(dh), dsdt_aml, dsdt_aml_len);
	if (!r)
		fix_checksum(buf + l.dsdt, l.dsdt_len, CKSUM);

	if (!r)
		r = write_fadt(p, buf, buflen, buf_gpa, &l);
	if (!r)
		r = write_madt(p, buf, buflen, &l);

	/* Extra tables, checksums fixed. */
	for (size_t i = 0; !r && i < a->nr_tables; i++) {
		r = put(buf, buflen, l.extra[i], a->tables[i].data, a->tables[i].len);
		if (!r)
			fix_checksum(buf + l.extra[i], a->tables[i].len, CKSUM);
	}

	/* XSDT and RSDT: FADT, MADT, then the extras in the order added. */
	entries = 2 + a->nr_tables;
	struct pvn_acpi_sdt_header xh, rh;
	fill_header(&xh, "XSDT", (uint32_t)l.xsdt_len, 1);
	fill_header(&rh, "RSDT", (uint32_t)l.rsdt_len, 1);
	if (!r)
		r = put(buf, buflen, l.xsdt, &xh, sizeof(xh));
	if (!r && l.low)
		r = put(buf, buflen, l.rsdt, &rh, sizeof(rh));
	for (size_t i = 0; !r && i < entries; i++) {
		size_t off = i == 0 ? l.fadt : i == 1 ? l.madt : l.extra[i - 2];
		uint64_t x = buf_gpa + off;
		uint32_t x32 = (uint32_t)x;
		r = put(buf, buflen, l.xsdt + sizeof(xh) + 8 * i, &x, 8);
		if (!r && l.low)
			r = put(buf, buflen, l.rsdt + sizeof(rh) + 4 * i, &x32, 4);
	}
	if (!r) {
		fix_checksum(buf + l.xsdt, l.xsdt_len, CKSUM);
		if (l.low)
			fix_checksum(buf + l.rsdt, l.rsdt_len, CKSUM);
	}

	/* RSDP: the first checksum covers the ACPI 1.0 part, the second all of it. */
	struct pvn_acpi_rsdp rsdp;
	memset(&rsdp, 0, sizeof(rsdp));
	memcpy(rsdp.signature, PVN_ACPI_RSDP_SIG, 8);
	memcpy(rsdp.oem_id, OEM_ID, 6);
	rsdp.revision = 2;
	rsdp.rsdt_address = l.low ? (uint32_t)(buf_gpa + l.rsdt) : 0;
	rsdp.length = sizeof(rsdp);
	rsdp.xsdt_address = buf_gpa + l.xsdt;
	rsdp.checksum = (uint8_t)(0x100 - pvn_acpi_sum(&rsdp, PVN_ACPI_RSDP_V1_LEN));
	rsdp.extended_checksum = (uint8_t)(0x100 - pvn_acpi_sum(&rsdp, sizeof(rsdp)));
	if (!r)
		r = put(buf, buflen, l.rsdp, &rsdp, sizeof(rsdp));
	if (r) {
		refuse(a, r, "cannot write the tables: %s", strerror(-r));
		goto out;
	}
	*used = l.end;
	*rsdp_gpa = buf_gpa + l.rsdp;
out:
	pvn_aml_free(&aml);
	return r;
}

int64_t pvn_acpi_install(struct pvn_vm *vm, struct pvn_acpi *a, const struct pvn_acpi_platform *p)
{
	struct pvn_acpi_platform def;
	uint64_t rsdp = 0;
	uint8_t *dst, *tmp;
	size_t used = 0;
	int r;

	if (!p) {
		pvn_acpi_platform_init(&def, vm->nr_vps);
		p = &def;
	}
	if (p->nr_vps != vm->nr_vps)
		return refuse(a, -EINVAL, "install: the tables describe %u VPs, the VM has %u",
			      p->nr_vps, vm->nr_vps);
	/* gpa_to_hva proves the whole area is one VTL0 RAM range: dst is valid
	 * for PVN_ACPI_AREA_SIZE bytes. */
	dst = pvn_mem_gpa_to_hva(&vm->mem, PVN_ACPI_AREA_GPA, PVN_ACPI_AREA_SIZE, PVN_VTL0);
	if (!dst)
		return refuse(a, -ERANGE,
			      "install: ACPI needs guest RAM at 0x%llx-0x%llx (the VM has %" PRIu64
			      " KiB of RAM; give it at least 1 MiB)",
			      PVN_ACPI_AREA_GPA, PVN_ACPI_AREA_GPA + PVN_ACPI_AREA_SIZE - 1,
			      vm->ram_bytes >> 10);
	/* Build aside first, so that a refused build leaves no reservation. */
	tmp = calloc(1, PVN_ACPI_AREA_SIZE);
	if (!tmp)
		return -ENOMEM;
	r = pvn_acpi_build(a, p, tmp, PVN_ACPI_AREA_SIZE, PVN_ACPI_AREA_GPA, &used, &rsdp);
	if (!r) {
		r = pvn_mem_add_reserved(&vm->mem, PVN_ACPI_AREA_GPA, PVN_ACPI_AREA_SIZE, "acpi");
		if (r)
			refuse(a, r, "install: cannot reserve the ACPI area: %s", vm->mem.error);
	}
	if (!r)
		memcpy(dst, tmp, PVN_ACPI_AREA_SIZE);
	free(tmp);
	if (r)
		return r;
	pvn_debug("acpi: %zu bytes of tables at 0x%llx, RSDP at 0x%" PRIx64, used,
		 PVN_ACPI_AREA_GPA, rsdp);
	return (int64_t)rsdp;
}
