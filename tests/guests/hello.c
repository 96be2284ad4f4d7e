/* SPDX-License-Identifier: MIT */
/* The demo guest (examples/hello.cfg): print a line on the UART, power off. */
#include "lib/guest.h"

#define COM1 0x3f8
#define LSR_THRE 0x20

static void uart_puts(const char *s)
{
	for (; *s; s++) {
		while (!(inb(COM1 + 5) & LSR_THRE))
			cpu_relax();
		outb(COM1, (uint8_t)*s);
	}
}

void guest_main(unsigned vp, unsigned nr_vps)
{
	if (vp == 0)
		uart_puts("Hello from a Paravane guest!\n");
	(void)nr_vps;
}
