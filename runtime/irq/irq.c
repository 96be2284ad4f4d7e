/* SPDX-License-Identifier: MIT */
#include "runtime/irq/irq.h"
#include "runtime/core/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define MSI_ROUTE_BASE 24

void pvn_irq_init(struct pvn_irqmap *m, const struct pvn_backend_ops *be, struct pvn_partition *p)
{
	memset(m, 0, sizeof(*m));
	m->be = be;
	m->part = p;
	pthread_mutex_init(&m->lock, NULL);
	for (int i = 0; i < PVN_IRQ_MAX_LINES; i++)
		m->lines[i].efd = -1;
	for (int i = 0; i < PVN_IRQ_MAX_ROUTES; i++)
		m->routes[i].efd = -1;
}

static void release(struct pvn_irqmap *m, struct pvn_irq_owner *o, uint32_t gsi, bool route)
{
	if (o->efd >= 0) {
		if (m->part)
			m->be->irqfd(m->part, o->efd, gsi, true);
		close(o->efd);
	}
	if (route && m->part)
		m->be->route_msi(m->part, gsi, NULL);
	*o = (struct pvn_irq_owner){.efd = -1};
}

void pvn_irq_destroy(struct pvn_irqmap *m)
{
	for (uint32_t i = 0; i < PVN_IRQ_MAX_LINES; i++)
		if (m->lines[i].used)
			release(m, &m->lines[i], i, false);
	for (uint32_t i = 0; i < PVN_IRQ_MAX_ROUTES; i++)
		if (m->routes[i].used)
			release(m, &m->routes[i], MSI_ROUTE_BASE + i, true);
	pthread_mutex_destroy(&m->lock);
}

static int claim_locked(struct pvn_irqmap *m, uint32_t gsi, const char *owner)
{
	struct pvn_irq_owner *o;

	if (gsi >= PVN_IRQ_MAX_LINES) {
		snprintf(m->error, sizeof(m->error), "interrupt line %u for '%s' does not exist (0-%d)",
			 gsi, owner, PVN_IRQ_MAX_LINES - 1);
		pvn_err("irq: %s", m->error);
		return -EINVAL;
	}
	o = &m->lines[gsi];
	if (o->used) {
		snprintf(m->error, sizeof(m->error),
			 "interrupt line %u claimed by '%s' is already owned by '%s'", gsi, owner,
			 o->owner);
		pvn_err("irq: %s", m->error);
		return -EEXIST;
	}
	o->used = true;
	o->level = false;
	snprintf(o->owner, sizeof(o->owner), "%s", owner);
	return 0;
}

int pvn_irq_claim_line(struct pvn_irqmap *m, uint32_t gsi, const char *owner)
{
	pthread_mutex_lock(&m->lock);
	int r = claim_locked(m, gsi, owner);
	pthread_mutex_unlock(&m->lock);
	return r;
}

int pvn_irq_alloc_line(struct pvn_irqmap *m, const char *owner, uint32_t *gsi)
{
	int r = -ENOSPC;
	pthread_mutex_lock(&m->lock);
	for (uint32_t i = 5; i < PVN_IRQ_MAX_LINES; i++) {
		if (m->lines[i].used || (PVN_IRQ_PLATFORM_MASK & (1u << i)))
			continue;
		r = claim_locked(m, i, owner);
		if (!r)
			*gsi = i;
		break;
	}
	pthread_mutex_unlock(&m->lock);
	if (r == -ENOSPC)
		pvn_err("irq: no free interrupt line for '%s'", owner);
	return r;
}

int pvn_irq_set_line(struct pvn_irqmap *m, uint32_t gsi, bool level)
{
	if (gsi >= PVN_IRQ_MAX_LINES || !m->lines[gsi].used)
		return -EINVAL;
	m->lines[gsi].level = level;
	return m->be->irq_line(m->part, gsi, level);
}

int pvn_irq_line_eventfd(struct pvn_irqmap *m, uint32_t gsi, int *efd)
{
	int r = 0;
	pthread_mutex_lock(&m->lock);
	if (gsi >= PVN_IRQ_MAX_LINES || !m->lines[gsi].used) {
		r = -EINVAL;
	} else if (m->lines[gsi].efd < 0) {
		int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd < 0)
			r = -errno;
		else if ((r = m->be->irqfd(m->part, fd, gsi, false)))
			close(fd);
		else
			m->lines[gsi].efd = fd;
	}
	if (!r)
		*efd = m->lines[gsi].efd;
	pthread_mutex_unlock(&m->lock);
	return r;
}

static bool msi_address_ok(uint64_t address)
{
	return (address & 0xfff00000ULL) == 0xfee00000ULL && !(address >> 32);
}

int pvn_irq_signal_msi(struct pvn_irqmap *m, uint64_t address, uint32_t data)
{
	struct pvn_msi msi = {address, data};
	if (!msi_address_ok(address))
		return -EINVAL;
	return m->be->signal_msi(m->part, &msi);
}

int pvn_irq_alloc_msi(struct pvn_irqmap *m, const char *owner, uint64_t address, uint32_t data,
		      uint32_t *route, int *efd)
{
	struct pvn_msi msi = {address, data};
	int r = -ENOSPC;

	if (!msi_address_ok(address))
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	for (uint32_t i = 0; i < PVN_IRQ_MAX_ROUTES; i++) {
		struct pvn_irq_owner *o = &m->routes[i];
		uint32_t gsi = MSI_ROUTE_BASE + i;
		int fd;
		if (o->used)
			continue;
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (fd < 0) {
			r = -errno;
			break;
		}
		r = m->be->route_msi(m->part, gsi, &msi);
		if (!r)
			r = m->be->irqfd(m->part, fd, gsi, false);
		if (r) {
			m->be->route_msi(m->part, gsi, NULL);
			close(fd);
			break;
		}
		*o = (struct pvn_irq_owner){.used = true, .efd = fd, .msi = msi};
		snprintf(o->owner, sizeof(o->owner), "%s", owner);
		*route = gsi;
		*efd = fd;
		break;
	}
	pthread_mutex_unlock(&m->lock);
	return r;
}

void pvn_irq_release_owner(struct pvn_irqmap *m, const char *owner)
{
	pthread_mutex_lock(&m->lock);
	for (uint32_t i = 0; i < PVN_IRQ_MAX_LINES; i++)
		if (m->lines[i].used && !strcmp(m->lines[i].owner, owner))
			release(m, &m->lines[i], i, false);
	for (uint32_t i = 0; i < PVN_IRQ_MAX_ROUTES; i++)
		if (m->routes[i].used && !strcmp(m->routes[i].owner, owner))
			release(m, &m->routes[i], MSI_ROUTE_BASE + i, true);
	pthread_mutex_unlock(&m->lock);
}
