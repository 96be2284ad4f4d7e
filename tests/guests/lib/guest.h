/* SPDX-License-Identifier: MIT */
/*
 * The test-guest library. A test guest defines
 *     void guest_main(unsigned vp, unsigned nr_vps);
 * which runs at CPL3 with IOPL=3 (port I/O allowed) on every VP the config
 * starts, after the library's short CPL0 set-up (GDT, TSS, IDT). Results go
 * to the host through the ucall port (tests/guests/ucall.h).
 * Freestanding: no libc; build with -mgeneral-regs-only -mno-red-zone.
 */
#ifndef PVN_GUEST_H
#define PVN_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ucall.h"

#define GUEST_MAX_VPS 16
#define GUEST_POWER_PORT 0x600

void guest_main(unsigned vp, unsigned nr_vps);

/* ---- port and memory-mapped I/O ---- */
static inline void outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(p)); }
static inline void outw(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(p)); }
static inline void outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(p)); }
static inline uint8_t inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint16_t inw(uint16_t p) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint32_t inl(uint16_t p) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }

/* Explicit-width MMIO: one instruction of exactly that width. */
static inline void mmio_write8(uint64_t a, uint8_t v) { __asm__ volatile("movb %0, (%1)" ::"q"(v), "r"(a) : "memory"); }
static inline void mmio_write16(uint64_t a, uint16_t v) { __asm__ volatile("movw %0, (%1)" ::"r"(v), "r"(a) : "memory"); }
static inline void mmio_write32(uint64_t a, uint32_t v) { __asm__ volatile("movl %0, (%1)" ::"r"(v), "r"(a) : "memory"); }
static inline void mmio_write64(uint64_t a, uint64_t v) { __asm__ volatile("movq %0, (%1)" ::"r"(v), "r"(a) : "memory"); }
static inline uint8_t mmio_read8(uint64_t a) { uint8_t v; __asm__ volatile("movb (%1), %0" : "=q"(v) : "r"(a) : "memory"); return v; }
static inline uint16_t mmio_read16(uint64_t a) { uint16_t v; __asm__ volatile("movw (%1), %0" : "=r"(v) : "r"(a) : "memory"); return v; }
static inline uint32_t mmio_read32(uint64_t a) { uint32_t v; __asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(a) : "memory"); return v; }
static inline uint64_t mmio_read64(uint64_t a) { uint64_t v; __asm__ volatile("movq (%1), %0" : "=r"(v) : "r"(a) : "memory"); return v; }

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

/* ---- CPL0 ---- */
/* Run fn(arg) at CPL0 (through a DPL3 interrupt gate) and return its result.
 * CPL0 code may be emulated: keep it short. */
uint64_t guest_cpl0_call(uint64_t (*fn)(uint64_t), uint64_t arg);
/* MSR access at CPL0 that returns -1 instead of dying on #GP. */
int guest_rdmsr_safe(uint32_t msr, uint64_t *val);
int guest_wrmsr_safe(uint32_t msr, uint64_t val);

/* ---- interrupts ---- */
/* Set or clear RFLAGS.IF of the calling CPL3 code (STI/CLI need IOPL=3,
 * which hosts that run guest CPL3 natively cannot give). */
void guest_irq_enable(void);
void guest_irq_disable(void);
/* Called at CPL0 (interrupts off) for vectors 32-255; the library EOIs the LAPIC after. */
typedef void (*guest_irq_fn)(unsigned vp, unsigned vector);
void guest_set_irq_handler(guest_irq_fn fn);
/* How many times `vector` arrived on this VP, and the last vector seen. */
unsigned guest_irq_count(unsigned vp, unsigned vector);
unsigned guest_last_vector(unsigned vp);

/* ---- reporting ---- */
void guest_ucall(struct pvn_ucall *uc);
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void guest_sync(uint64_t stage, uint64_t arg);
void guest_value(const char *name, uint64_t v);
__attribute__((noreturn)) void guest_assert_fail(const char *file, unsigned line, const char *expr,
						 uint64_t a, uint64_t b);
/* Report success on this VP. The library powers off after every VP's
 * guest_main has returned. */
void guest_done(void);
__attribute__((noreturn)) void guest_poweroff(uint8_t code);

int guest_snprintf(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);
int memcmp(const void *a, const void *b, size_t n);

#define GUEST_ASSERT(e)                                                                            \
	do {                                                                                       \
		if (!(e))                                                                          \
			guest_assert_fail(__FILE__, __LINE__, #e, 0, 0);                           \
	} while (0)
/* Assert a == b, reporting both values. */
#define GUEST_ASSERT_EQ(a, b)                                                                      \
	do {                                                                                       \
		uint64_t __a = (uint64_t)(a), __b = (uint64_t)(b);                                 \
		if (__a != __b)                                                                    \
			guest_assert_fail(__FILE__, __LINE__, #a " == " #b, __a, __b);             \
	} while (0)

#endif
