/* SPDX-License-Identifier: MIT */
/* Guest-side helpers for reading the runtime's ACPI tables (they lie in the
 * BIOS area 0xe0000-0xfffff). Include after guest.h and acpi_protocol.h. */
#ifndef PVN_GUEST_ACPI_H
#define PVN_GUEST_ACPI_H

#define AREA_START 0xe0000UL
#define AREA_END 0x100000UL

static inline uint8_t acpi_sum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *b++);
	return s;
}

/* The table at gpa, checked: inside the BIOS area, a sane length, a zero
 * checksum. A bad pointer is an assert, not a wild read. */
static inline const struct pvn_acpi_sdt_header *acpi_table_at(uint64_t gpa)
{
	struct pvn_acpi_sdt_header h;

	GUEST_ASSERT(gpa >= AREA_START && gpa + sizeof(h) <= AREA_END);
	memcpy(&h, (const void *)gpa, sizeof(h));
	GUEST_ASSERT(h.length >= sizeof(h) && gpa + h.length <= AREA_END);
	GUEST_ASSERT_EQ(acpi_sum((const void *)gpa, h.length), 0);
	return (const void *)gpa;
}

#endif
