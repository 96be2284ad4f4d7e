/* SPDX-License-Identifier: MIT */
/*
 * A 16550A UART. Transmission is instant: a byte written to THR goes to the
 * output buffer, and THR is empty again at once (raising the THRE interrupt
 * when it is enabled). There is no input yet: RBR reads 0, LSR.DR stays 0.
 * The interrupt line follows IIR and is gated by MCR.OUT2, as on a PC.
 */
#include "runtime/chipset/chipset.h"
#include "runtime/core/log.h"
#include "runtime/vm.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum {
	UART_RBR_THR = 0,
	UART_IER = 1,
	UART_IIR_FCR = 2,
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

#define IER_THRI 0x02
#define IIR_NONE 0x01
#define IIR_THRI 0x02
#define LCR_DLAB 0x80
#define MCR_OUT2 0x08
#define MCR_LOOP 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

struct pvn_uart {
	struct pvn_vm *vm;
	pthread_mutex_t lock;
	uint32_t gsi;
	int out_fd;
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool thri_pending;
	bool line;
	char buf[256];
	size_t len;
};

static void uart_flush_locked(struct pvn_uart *u)
{
	size_t off = 0;
	while (off < u->len) {
		ssize_t n = write(u->out_fd, u->buf + off, u->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the console is gone; drop rather than stall the VP */
		off += n;
	}
	u->len = 0;
}

void pvn_uart_flush(struct pvn_uart *u)
{
	pthread_mutex_lock(&u->lock);
	uart_flush_locked(u);
	pthread_mutex_unlock(&u->lock);
}

static uint8_t uart_iir(struct pvn_uart *u)
{
	uint8_t fifo = (u->fcr & 1) ? 0xc0 : 0;
	if (u->thri_pending && (u->ier & IER_THRI))
		return fifo | IIR_THRI;
	return fifo | IIR_NONE;
}

static void uart_update_irq(struct pvn_uart *u)
{
	bool level = (uart_iir(u) & IIR_NONE) == 0 && (u->mcr & MCR_OUT2);
	if (level != u->line) {
		u->line = level;
		pvn_irq_set_line(&u->vm->irq, u->gsi, level);
	}
}

static void uart_tx(struct pvn_uart *u, uint8_t c)
{
	if (u->mcr & MCR_LOOP)
		return; /* loopback mode: nothing leaves the chip */
	u->buf[u->len++] = (char)c;
	if (c == '\n' || u->len == sizeof(u->buf))
		uart_flush_locked(u);
}

static int uart_pio(void *opaque, unsigned vp, uint16_t port, unsigned size, bool write,
		    uint32_t *val)
{
	struct pvn_uart *u = opaque;
	unsigned reg = port & 7;
	uint8_t v = (uint8_t)*val;

	(void)vp;
	(void)size;
	pthread_mutex_lock(&u->lock);
	if (write) {
		switch (reg) {
		case UART_RBR_THR:
			if (u->lcr & LCR_DLAB) {
				u->dll = v;
				break;
			}
			/* Writing THR clears THRE; the byte leaves at once and THR is
			 * empty again, so the line sees a fresh edge. */
			u->thri_pending = false;
			uart_update_irq(u);
			uart_tx(u, v);
			u->thri_pending = true;
			break;
		case UART_IER:
			if (u->lcr & LCR_DLAB) {
				u->dlm = v;
				break;
			}
			/* Enabling THRI with THR empty raises it at once (16550 behaviour). */
			if ((v & IER_THRI) && !(u->ier & IER_THRI))
				u->thri_pending = true;
			u->ier = v & 0x0f;
			break;
		case UART_IIR_FCR:
			u->fcr = v;
			break;
		case UART_LCR:
			u->lcr = v;
			break;
		case UART_MCR:
			u->mcr = v & 0x1f;
			break;
		case UART_SCR:
			u->scr = v;
			break;
		default:
			break; /* LSR and MSR are read-only */
		}
	} else {
		switch (reg) {
		case UART_RBR_THR:
			v = (u->lcr & LCR_DLAB) ? u->dll : 0;
			break;
		case UART_IER:
			v = (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
			break;
		case UART_IIR_FCR:
			v = uart_iir(u);
			/* Reading IIR while it reports THRE clears that source. */
			if ((v & 0x0f) == IIR_THRI)
				u->thri_pending = false;
			break;
		case UART_LCR:
			v = u->lcr;
			break;
		case UART_MCR:
			v = u->mcr;
			break;
		case UART_LSR:
			v = LSR_THRE | LSR_TEMT;
			break;
		case UART_MSR:
			/* Loopback wires OUT2/OUT1/RTS/DTR back to DCD/RI/CTS/DSR. */
			if (u->mcr & MCR_LOOP)
				v = (uint8_t)(((u->mcr & 0x0c) << 4) | ((u->mcr & 0x01) << 5) |
					      ((u->mcr & 0x02) << 3));
			else
				v = 0xb0; /* DCD, DSR, CTS */
			break;
		case UART_SCR:
			v = u->scr;
			break;
		}
		*val = v;
	}
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return 0;
}

int pvn_uart_create(struct pvn_vm *vm, uint16_t base, uint32_t gsi, int out_fd,
		    struct pvn_uart **out)
{
	struct pvn_uart *u = calloc(1, sizeof(*u));
	int r;

	if (!u)
		return -ENOMEM;
	u->vm = vm;
	u->gsi = gsi;
	u->out_fd = out_fd;
	u->thri_pending = true;
	pthread_mutex_init(&u->lock, NULL);
	r = pvn_icpt_claim(&vm->icpt, PVN_ICPT_PIO, base, 8, (void (*)(void))uart_pio, u, "uart");
	if (!r)
		r = pvn_irq_claim_line(&vm->irq, gsi, "uart");
	if (r) {
		pvn_icpt_release_owner(&vm->icpt, "uart");
		pthread_mutex_destroy(&u->lock);
		free(u);
		return r;
	}
	*out = u;
	return 0;
}

void pvn_uart_destroy(struct pvn_uart *u)
{
	if (!u)
		return;
	pvn_uart_flush(u);
	pthread_mutex_destroy(&u->lock);
	free(u);
}
