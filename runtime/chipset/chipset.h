/* SPDX-License-Identifier: MIT */
/*
 * The few legacy devices every guest needs. They register through the same
 * intercept API that plugins use.
 *
 *  - uart: a 16550A at 0x3f8, IRQ 4. Output goes to a file descriptor (the
 *    console or a log file), line-buffered.
 *  - power: port 0x600 (write: power off; the value's low byte is the exit
 *    code), the reset control register at 0xcf9 (bit 2 resets), and the ACPI
 *    PM1a control (0x604, S5 = power off with code 0) and event (0x608)
 *    blocks that the FADT names.
 */
#ifndef PVN_CHIPSET_H
#define PVN_CHIPSET_H

#include <stdint.h>

struct pvn_vm;
struct pvn_uart;

#define PVN_UART_BASE 0x3f8
#define PVN_UART_IRQ 4
#define PVN_POWER_PORT 0x600
#define PVN_RESET_PORT 0xcf9
#define PVN_PM1A_CNT_PORT 0x604
#define PVN_PM1A_EVT_PORT 0x608

/* out_fd receives the guest's serial output; the UART does not close it. */
int pvn_uart_create(struct pvn_vm *vm, uint16_t base, uint32_t gsi, int out_fd,
		    struct pvn_uart **out);
void pvn_uart_flush(struct pvn_uart *u);
void pvn_uart_destroy(struct pvn_uart *u);

int pvn_power_create(struct pvn_vm *vm);

#endif
