/* SPDX-License-Identifier: MIT */
/*
 * The interrupt map: which device owns which interrupt line (an IOAPIC/PIC
 * GSI) or MSI route. Lines are routed through the backend's in-kernel
 * irqchip; a device may also get an eventfd bound with irqfd, so that any of
 * its threads raises the interrupt with one write(2) and no lock.
 *
 * Claims are made before the VM runs (or by the event loop thread while it
 * runs, under the map's lock). Raising and lowering lines is safe from any
 * thread.
 */
#ifndef PVN_IRQ_H
#define PVN_IRQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "runtime/backend/backend.h"
#include "runtime/mem/mem.h"

#define PVN_IRQ_MAX_LINES 24   /* IOAPIC pins: GSIs 0-23 */
#define PVN_IRQ_MAX_ROUTES 256 /* MSI routes: GSIs 24 .. 24+255 */

struct pvn_irq_owner {
	bool used;
	bool level; /* current level of a line */
	int efd;    /* irqfd eventfd, -1 if none */
	struct pvn_msi msi;
	char owner[PVN_OWNER_MAX];
};

struct pvn_irqmap {
	const struct pvn_backend_ops *be;
	struct pvn_partition *part;
	pthread_mutex_t lock;
	struct pvn_irq_owner lines[PVN_IRQ_MAX_LINES];
	struct pvn_irq_owner routes[PVN_IRQ_MAX_ROUTES];
	char error[256];
};

/* GSIs that belong to the platform and are never handed out by alloc:
 * 0 (timer), 2 (cascade), 8 (RTC), 13 (FPU). */
#define PVN_IRQ_PLATFORM_MASK ((1u << 0) | (1u << 2) | (1u << 8) | (1u << 13))

void pvn_irq_init(struct pvn_irqmap *m, const struct pvn_backend_ops *be, struct pvn_partition *p);
void pvn_irq_destroy(struct pvn_irqmap *m);

/* Claim GSI `gsi` for owner. -EEXIST names both owners. */
__attribute__((warn_unused_result)) int pvn_irq_claim_line(struct pvn_irqmap *m, uint32_t gsi,
							    const char *owner);
/* Claim the lowest free GSI from 5-23 that is not a platform line. */
__attribute__((warn_unused_result)) int pvn_irq_alloc_line(struct pvn_irqmap *m, const char *owner,
							    uint32_t *gsi);
/* Drive a claimed line (ISA lines are edge-triggered: raise on 0->1). */
int pvn_irq_set_line(struct pvn_irqmap *m, uint32_t gsi, bool level);
/* An eventfd whose writes pulse the line (irqfd). Owned by the map. */
int pvn_irq_line_eventfd(struct pvn_irqmap *m, uint32_t gsi, int *efd);

/* Send one MSI. The address must lie in the LAPIC window 0xFEExxxxx. */
int pvn_irq_signal_msi(struct pvn_irqmap *m, uint64_t address, uint32_t data);
/* Allocate an MSI route for owner: *efd is an eventfd whose writes send the
 * MSI, and *route identifies it for pvn_irq_release_route. */
__attribute__((warn_unused_result)) int pvn_irq_alloc_msi(struct pvn_irqmap *m, const char *owner,
							   uint64_t address, uint32_t data,
							   uint32_t *route, int *efd);

/* Release every line and route of owner (plugin unload). */
void pvn_irq_release_owner(struct pvn_irqmap *m, const char *owner);

#endif
