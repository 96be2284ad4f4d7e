/* SPDX-License-Identifier: MIT */
/*
 * A VM built from its config file: the config, the partition, the chipset,
 * the plugins and the loaded boot image. `paravane run` is create + run;
 * host-side tests call the same functions and add their own test devices
 * between create and run.
 */
#ifndef PVN_INSTANCE_H
#define PVN_INSTANCE_H

#include <stdbool.h>
#include <stddef.h>

#include "runtime/config/config.h"
#include "runtime/vm.h"

struct pvn_uart;
struct pvn_plugin_set;
struct pvn_watch;
struct pvn_hv;
struct pvn_acpi;
struct pvn_vmbus;
struct pvn_vmbus_echo;

struct pvn_instance {
	struct pvn_config cfg;
	struct pvn_vm *vm;
	struct pvn_uart *uart;
	int console_fd;
	bool console_owned;
	struct pvn_plugin_set *plugins; /* runtime/plugin; NULL when none */
	struct pvn_hv *hv;              /* NULL with hyperv = false */
	struct pvn_acpi *acpi;          /* NULL with acpi = false */
	struct pvn_vmbus *vmbus;        /* NULL without VMBus */
	struct pvn_vmbus_echo *echo[16]; /* vmbus.echo_channels test devices */
	int sigfd;
	struct pvn_watch *sigwatch;
};

/* pvn_instance_create's return when the config and its plugins pass but the
 * host's hypervisor is unusable (no /dev/kvm): no negative errno uses it. */
#define PVN_ERR_NO_HYPERVISOR (-4096)

/* Parse cfg_path and build everything up to (not including) starting VPs:
 * config, static plugin checks, then (only if the hypervisor is usable) the
 * partition, chipset, plugins and boot image. On failure, err says why
 * (file:line: key: ... for config errors). */
int pvn_instance_create(const char *cfg_path, struct pvn_instance **out, char *err,
			size_t errlen);
/* Start the VPs and block until the VM stops; returns the exit code. */
int pvn_instance_run(struct pvn_instance *inst);
void pvn_instance_destroy(struct pvn_instance *inst);

#endif
