/* SPDX-License-Identifier: MIT */
#include "guest.h"

#include <stdarg.h>

#define KSTACK_SIZE 8192
#define USTACK_SIZE 16384
#define LAPIC_EOI 0xfee000b0ULL
#define TSS_SEL 0x28
/* The DPL3 gate for guest_cpl0_call. Some nested hypervisors (PVM) answer
 * INT n from CPL3 with #UD instead of using the gate, so the #UD handler
 * treats an "int $0x81" at the faulting RIP as the same call. */
#define GUEST_CPL0_VECTOR 0x81

struct tss {
	uint32_t rsvd0;
	uint64_t rsp0, rsp1, rsp2;
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3, iomap;
	/* All ports allowed at CPL3: hosts that run guest CPL3 natively cannot
	 * honour RFLAGS.IOPL, so the I/O permission bitmap grants the ports. */
	uint8_t iobitmap[65536 / 8 + 1];
} __attribute__((packed));

struct idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, rsvd;
};

struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

uint8_t guest_kstacks[GUEST_MAX_VPS][KSTACK_SIZE] __attribute__((aligned(16)));
static uint8_t ustacks[GUEST_MAX_VPS][USTACK_SIZE] __attribute__((aligned(16)));
static uint64_t gdts[GUEST_MAX_VPS][8] __attribute__((aligned(16)));
static struct tss tsses[GUEST_MAX_VPS] __attribute__((aligned(16)));
static struct idt_gate idt[256] __attribute__((aligned(16)));
static volatile unsigned idt_ready;
static volatile unsigned vps_finished;
static unsigned nr_vps_total;
static guest_irq_fn irq_handler;
static volatile unsigned irq_counts[GUEST_MAX_VPS][256];
static volatile unsigned last_vectors[GUEST_MAX_VPS];
static struct pvn_ucall ucalls[GUEST_MAX_VPS];

extern char guest_trap_stubs[];
extern char guest_rdmsr_safe_insn[], guest_rdmsr_safe_fixup[];
extern char guest_wrmsr_safe_insn[], guest_wrmsr_safe_fixup[];
void guest_enter_user(uint64_t rip, uint64_t rsp, uint64_t arg) __attribute__((noreturn));
void guest_cpl0_init(uint64_t vp, uint64_t nr_vps) __attribute__((noreturn));
void guest_trap(struct trap_frame *f);

static unsigned this_vp(void)
{
	/* The user stack this code runs on says which VP it is. */
	uint64_t sp = (uint64_t)__builtin_frame_address(0);
	uint64_t base = (uint64_t)ustacks;
	if (sp >= base && sp < base + sizeof(ustacks))
		return (unsigned)((sp - base) / USTACK_SIZE);
	base = (uint64_t)guest_kstacks;
	return (unsigned)((sp - base) / KSTACK_SIZE);
}

void *memset(void *d, int c, size_t n)
{
	uint8_t *p = d;
	while (n--)
		*p++ = (uint8_t)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	uint8_t *p = d;
	const uint8_t *q = s;
	while (n--)
		*p++ = *q++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *p = a, *q = b;
	for (; n; n--, p++, q++)
		if (*p != *q)
			return *p - *q;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static void user_start(uint64_t vp);

/* CPL0, emulated on some hosts: only what cannot be done at CPL3. */
void guest_cpl0_init(uint64_t vp, uint64_t nr_vps)
{
	static const uint64_t flat[5] = {0, 0x00af9a000000ffffULL, 0x00cf92000000ffffULL,
					 0x00cff2000000ffffULL, 0x00affa000000ffffULL};
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr, idtr;
	uint64_t *gdt = gdts[vp];
	uint64_t tss = (uint64_t)&tsses[vp];

	if (vp >= GUEST_MAX_VPS)
		guest_poweroff(99);
	nr_vps_total = (unsigned)nr_vps;
	memcpy(gdt, flat, sizeof(flat));
	gdt[5] = (sizeof(struct tss) - 1) | ((tss & 0xffffff) << 16) | (0x89ULL << 40) |
		 ((tss >> 24 & 0xff) << 56);
	gdt[6] = tss >> 32;
	tsses[vp].rsp0 = (uint64_t)guest_kstacks[vp + 1];
	tsses[vp].iomap = __builtin_offsetof(struct tss, iobitmap);
	tsses[vp].iobitmap[65536 / 8] = 0xff; /* the bitmap's terminator */
	gdtr.limit = 7 * 8 - 1;
	gdtr.base = (uint64_t)gdt;
	idtr.limit = sizeof(idt) - 1;
	idtr.base = (uint64_t)idt;
	__asm__ volatile("lgdt %0; lidt %1; ltr %w2" ::"m"(gdtr), "m"(idtr), "r"(TSS_SEL));
	guest_enter_user((uint64_t)user_start, (uint64_t)ustacks[vp + 1], vp);
}

static void idt_fill(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = (uint64_t)guest_trap_stubs + 16 * v;
		idt[v] = (struct idt_gate){
			.off0 = (uint16_t)a,
			.sel = 0x08,
			/* 0x8e: interrupt gate, DPL0; the cpl0_call vector is DPL3 */
			.type = v == GUEST_CPL0_VECTOR ? 0xee : 0x8e,
			.off1 = (uint16_t)(a >> 16),
			.off2 = (uint32_t)(a >> 32),
		};
	}
}

/* CPL3, native: fill the IDT (VP 0), run the test, then power off. */
static void user_start(uint64_t vp)
{
	if (vp == 0) {
		idt_fill();
		__atomic_store_n(&idt_ready, 1, __ATOMIC_RELEASE);
	}
	while (!__atomic_load_n(&idt_ready, __ATOMIC_ACQUIRE))
		cpu_relax();
	guest_main((unsigned)vp, nr_vps_total);
	__atomic_fetch_add(&vps_finished, 1, __ATOMIC_SEQ_CST);
	if (vp == 0) {
		while (__atomic_load_n(&vps_finished, __ATOMIC_SEQ_CST) < nr_vps_total)
			cpu_relax();
		guest_poweroff(0);
	}
	for (;;)
		cpu_relax();
}

void guest_trap(struct trap_frame *f)
{
	unsigned vp = this_vp();

	if (f->vector == 6 && (f->cs & 3) == 3 && ((uint8_t *)f->rip)[0] == 0xcd &&
	    ((uint8_t *)f->rip)[1] == GUEST_CPL0_VECTOR) {
		f->rip += 2; /* resume after the int instruction, as the gate would */
		f->vector = GUEST_CPL0_VECTOR;
	}
	if (f->vector == GUEST_CPL0_VECTOR && f->rax <= 1) {
		/* guest_irq_enable/disable: change the caller's IF */
		f->rflags = f->rax ? f->rflags | 0x200 : f->rflags & ~0x200ULL;
		return;
	}
	if (f->vector == GUEST_CPL0_VECTOR) {
		/* guest_cpl0_call: rax = fn, rdi = arg */
		uint64_t (*fn)(uint64_t) = (uint64_t(*)(uint64_t))f->rax;
		f->rax = fn(f->rdi);
		return;
	}
	if (f->vector == 13 && f->rip == (uint64_t)guest_rdmsr_safe_insn) {
		f->rip = (uint64_t)guest_rdmsr_safe_fixup;
		f->rax = f->rdx = 0xffffffff;
		f->r9 = (uint64_t)-1;
		return;
	}
	if (f->vector == 13 && f->rip == (uint64_t)guest_wrmsr_safe_insn) {
		f->rip = (uint64_t)guest_wrmsr_safe_fixup;
		f->r9 = (uint64_t)-1;
		return;
	}
	if (f->vector == 3 && vp < GUEST_MAX_VPS) {
		/* int3 is a trap: RIP is already past it; count it and go on. */
		irq_counts[vp][3]++;
		return;
	}
	if (f->vector < 32)
		guest_assert_fail("exception", (unsigned)f->vector, "unexpected CPU exception", f->rip,
				  f->error);
	if (vp < GUEST_MAX_VPS) {
		irq_counts[vp][f->vector]++;
		last_vectors[vp] = (unsigned)f->vector;
	}
	if (irq_handler)
		irq_handler(vp, (unsigned)f->vector);
	mmio_write32(LAPIC_EOI, 0);
}

uint64_t guest_cpl0_call(uint64_t (*fn)(uint64_t), uint64_t arg)
{
	uint64_t r;
	__asm__ volatile("int $0x81" : "=a"(r) : "a"(fn), "D"(arg) : "memory", "rcx", "rdx", "rsi",
			 "r8", "r9", "r10", "r11");
	return r;
}

void guest_irq_enable(void)
{
	__asm__ volatile("int $0x81" ::"a"(1ULL) : "memory");
}

void guest_irq_disable(void)
{
	__asm__ volatile("int $0x81" ::"a"(0ULL) : "memory");
}

void guest_set_irq_handler(guest_irq_fn fn)
{
	irq_handler = fn;
}

unsigned guest_irq_count(unsigned vp, unsigned vector)
{
	return vp < GUEST_MAX_VPS && vector < 256 ? irq_counts[vp][vector] : 0;
}

unsigned guest_last_vector(unsigned vp)
{
	return vp < GUEST_MAX_VPS ? last_vectors[vp] : 0;
}

void guest_ucall(struct pvn_ucall *uc)
{
	/* The image sits below 4 GiB, identity-mapped: the pointer is the GPA. */
	outl(PVN_UCALL_PORT, (uint32_t)(uint64_t)uc);
}

static struct pvn_ucall *my_ucall(uint32_t cmd)
{
	struct pvn_ucall *uc = &ucalls[this_vp() % GUEST_MAX_VPS];
	memset(uc, 0, sizeof(*uc));
	uc->cmd = cmd;
	return uc;
}

/* ---- a small vsnprintf: %s %c %d %u %x %p with l/ll and 0/width ---- */
static int fmt_num(char *b, size_t n, size_t o, uint64_t v, unsigned base, bool neg, int width,
		   char pad)
{
	char tmp[24];
	int len = 0;
	do {
		tmp[len++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[len++] = '-';
	while (len < width)
		tmp[len++] = pad;
	while (len--) {
		if (o + 1 < n)
			b[o] = tmp[len];
		o++;
	}
	return (int)o;
}

static int guest_vsnprintf(char *b, size_t n, const char *f, va_list ap)
{
	size_t o = 0;
	for (; *f; f++) {
		if (*f != '%') {
			if (o + 1 < n)
				b[o] = *f;
			o++;
			continue;
		}
		f++;
		char pad = ' ';
		int width = 0, lng = 0;
		if (*f == '0')
			pad = '0', f++;
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (*f++ - '0');
		while (*f == 'l')
			lng++, f++;
		switch (*f) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			for (; s && *s; s++, o++)
				if (o + 1 < n)
					b[o] = *s;
			break;
		}
		case 'c':
			if (o + 1 < n)
				b[o] = (char)va_arg(ap, int);
			o++;
			break;
		case 'd': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);
			o = (size_t)fmt_num(b, n, o, v < 0 ? (uint64_t)-v : (uint64_t)v, 10, v < 0,
					    width, pad);
			break;
		}
		case 'u':
		case 'x': {
			uint64_t v = lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
			o = (size_t)fmt_num(b, n, o, v, *f == 'u' ? 10 : 16, false, width, pad);
			break;
		}
		case 'p':
			o = (size_t)fmt_num(b, n, o, (uint64_t)va_arg(ap, void *), 16, false, width,
					    pad);
			break;
		case '%':
			if (o + 1 < n)
				b[o] = '%';
			o++;
			break;
		default:
			break;
		}
	}
	if (n)
		b[o < n ? o : n - 1] = 0;
	return (int)o;
}

int guest_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = guest_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

void guest_printf(const char *fmt, ...)
{
	struct pvn_ucall *uc = my_ucall(PVN_UCALL_PRINT);
	va_list ap;
	va_start(ap, fmt);
	guest_vsnprintf(uc->msg, sizeof(uc->msg), fmt, ap);
	va_end(ap);
	guest_ucall(uc);
}

void guest_sync(uint64_t stage, uint64_t arg)
{
	struct pvn_ucall *uc = my_ucall(PVN_UCALL_SYNC);
	uc->args[0] = stage;
	uc->args[1] = arg;
	guest_ucall(uc);
}

void guest_value(const char *name, uint64_t v)
{
	struct pvn_ucall *uc = my_ucall(PVN_UCALL_VALUE);
	guest_snprintf(uc->msg, sizeof(uc->msg), "%s", name);
	uc->args[0] = v;
	guest_ucall(uc);
}

void guest_assert_fail(const char *file, unsigned line, const char *expr, uint64_t a, uint64_t b)
{
	struct pvn_ucall *uc = my_ucall(PVN_UCALL_ASSERT);
	guest_snprintf(uc->file, sizeof(uc->file), "%s", file);
	guest_snprintf(uc->msg, sizeof(uc->msg), "%s", expr);
	uc->line = line;
	uc->args[0] = a;
	uc->args[1] = b;
	guest_ucall(uc);
	guest_poweroff(1);
}

void guest_done(void)
{
	guest_ucall(my_ucall(PVN_UCALL_DONE));
}

void guest_poweroff(uint8_t code)
{
	for (;;)
		outb(GUEST_POWER_PORT, code);
}
