/* SPDX-License-Identifier: MIT */
/* Loader internals shared by loader.c and host.c. Not part of any ABI. */
#ifndef PVN_PLUGIN_INTERNAL_H
#define PVN_PLUGIN_INTERNAL_H

#include <pthread.h>

#include "runtime/plugin/plugin.h"

struct pvn_watch;

struct pvn_host_watch {
	struct pvn_host_watch *next;
	struct pvn_watch *w;
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
	struct pvn_host_ops ops;
	struct pvn_plugin *plugins;
	size_t nr;
	struct pvn_service *services;
	size_t nr_services, cap_services;
};

/* Fill the table the runtime hands out; minor < current trims it (tests). */
void pvn_host_ops_fill(struct pvn_host_ops *ops, int minor);
/* Release every watch, claim, line, service and allocation of h. */
void pvn_host_release(struct pvn_host *h);
const struct pvn_service *pvn_service_find(const struct pvn_plugin_set *s, const char *name);

#endif
