/* SPDX-License-Identifier: MIT */
/* Loader internals shared by loader.c and host.c. Not part of any ABI. */
#ifndef PVN_PLUGIN_INTERNAL_H
#define PVN_PLUGIN_INTERNAL_H

#include <pthread.h>

#include "runtime/plugin/plugin.h"
#include "runtime/vmbus/vmbus.h"

struct pvn_watch;
struct pvn_vmbus;
struct pvn_vmbus_channel;
struct pvn_acpi;

struct pvn_host_watch {
	struct pvn_host_watch *next;
	struct pvn_watch *w;
};

/* A VMBus channel a plugin offered (ABI 1.2). Lives until the plugin is
 * unloaded, even after a rescind: the runtime's channel object keeps pointing
 * at it (its callbacks check `dead`, set before the plugin is finalised). */
#define PVN_HOST_CHANNEL_MAGIC 0x4348414eu /* "CHAN" */
struct pvn_host_channel {
	uint32_t magic;
	struct pvn_host *host;
	struct pvn_host_channel *next; /* host->channels, under host->lock */
	struct pvn_vmbus_channel *ch;
	struct pvn_plugin_vmbus_ops ops; /* the plugin's, copied */
	void *opaque;
	uint8_t instance[16];
	bool dead;                       /* atomic: no more callbacks into the plugin */
	pthread_mutex_t rx_lock;         /* the receive bounce buffer */
	uint8_t *rx;
	size_t rx_cap;
};

/* A GPADL a plugin mapped (ABI 1.2). */
struct pvn_host_gpadl {
	struct pvn_host_gpadl *next; /* host->gpadls, under host->gpadl_lock */
	struct pvn_host_channel *c;
	struct pvn_vmbus_gpadl_view view;
};

/* What the opaque struct pvn_host handle points at: one per plugin. */
struct pvn_host {
	struct pvn_plugin_set *set;
	struct pvn_vm *vm;
	char name[PVN_MANIFEST_NAME_MAX]; /* owner name of every claim */
	int index;                        /* in cfg->plugins, for setting keys */
	const struct pvn_config *cfg;
	const config_setting_t *settings;
	pthread_mutex_t lock; /* watches: added/removed from any thread */
	struct pvn_host_watch *watches;
	void **allocs; /* string-list arrays handed out, freed at unload */
	size_t nr_allocs;
	char error[512]; /* the last refusal a host call reported */
	struct pvn_host_channel *channels; /* offered; under lock */
	/* mapped GPADLs: read/write hold it shared, map/unmap exclusive */
	pthread_rwlock_t gpadl_lock;
	struct pvn_host_gpadl *gpadls;
};

struct pvn_service {
	char name[PVN_MANIFEST_NAME_MAX];
	uint16_t major, minor;
	const void *vtable;
	struct pvn_host *owner;
};

struct pvn_plugin {
	struct pvn_host host;
	struct pvn_plugin_image img;
	void *dl;
	int memfd;
	const struct pvn_plugin_descriptor *desc;
	void *state;
	bool inited;
	struct pvn_plugin_timing timing;
};

struct pvn_plugin_set {
	struct pvn_vm *vm;
	struct pvn_vmbus *vmbus; /* NULL: the VM has no VMBus */
	struct pvn_acpi *acpi;   /* NULL: the VM has no ACPI tables */
	bool acpi_open;          /* plugins are initialising: ACPI additions allowed */
	struct pvn_host_ops ops;
	struct pvn_plugin *plugins;
	size_t nr;
	struct pvn_service *services;
	size_t nr_services, cap_services;
};

/* Fill the table the runtime hands out; minor < current trims it (tests). */
void pvn_host_ops_fill(struct pvn_host_ops *ops, int minor);
/* Release every watch, claim, line, service, GPADL, channel (rescinded) and
 * allocation of h. */
void pvn_host_release(struct pvn_host *h);
const struct pvn_service *pvn_service_find(const struct pvn_plugin_set *s, const char *name);

#endif
