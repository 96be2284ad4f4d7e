/* SPDX-License-Identifier: MIT */
#include "runtime/instance.h"
#include "runtime/acpi/acpi.h"
#include "runtime/hv/hv.h"
#include "runtime/vmbus/vmbus.h"
#include "runtime/boot/boot.h"
#include "runtime/chipset/chipset.h"
#include "runtime/core/log.h"
#include "runtime/plugin/plugin.h"
#include "runtime/backend/backend.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static int open_console(struct pvn_instance *inst, char *err, size_t errlen)
{
	switch (inst->cfg.console.output) {
	case PVN_CONSOLE_STDOUT:
		inst->console_fd = STDOUT_FILENO;
		return 0;
	case PVN_CONSOLE_STDERR:
		inst->console_fd = STDERR_FILENO;
		return 0;
	case PVN_CONSOLE_NONE:
		inst->console_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
		break;
	case PVN_CONSOLE_FILE:
		inst->console_fd = open(inst->cfg.console.path,
					O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		break;
	}
	if (inst->console_fd < 0) {
		snprintf(err, errlen, "%s: console.path: cannot open '%s': %s", inst->cfg.file,
			 inst->cfg.console.path ? inst->cfg.console.path : "/dev/null",
			 strerror(errno));
		return -errno;
	}
	inst->console_owned = true;
	return 0;
}

static void instance_on_stop(void *opaque)
{
	struct pvn_instance *inst = opaque;
	if (inst->uart)
		pvn_uart_flush(inst->uart);
}

int pvn_instance_create(const char *cfg_path, struct pvn_instance **out, char *err,
			size_t errlen)
{
	struct pvn_instance *inst = calloc(1, sizeof(*inst));
	struct pvn_vm_opts opts = {0};
	struct pvn_plugin_staged *staged = NULL;
	int r;

	if (!inst)
		return -ENOMEM;
	inst->console_fd = -1;
	inst->sigfd = -1;
	r = pvn_config_load(cfg_path, &inst->cfg, err, errlen);
	if (r)
		goto fail;
	if (inst->cfg.log_level >= 0)
		pvn_log_threshold = inst->cfg.log_level;
	/* Every static plugin check first: a refused plugin is reported before
	 * the hypervisor is touched, on any host. */
	r = pvn_plugin_stage(&inst->cfg, &staged, err, errlen);
	if (r)
		goto fail;
	{
		char why[256] = "";
		r = pvn_backend_kvm.probe(why, sizeof(why));
		if (r) {
			snprintf(err, errlen,
				 "this host has no usable KVM: %s. Paravane runs its guests on "
				 "KVM; to try it on a host without KVM, use the nested test VM "
				 "from the source tree: tools/testvm -- paravane run %s "
				 "(docs/testing.md)",
				 why, cfg_path);
			r = PVN_ERR_NO_HYPERVISOR;
			goto fail;
		}
	}
	r = open_console(inst, err, errlen);
	if (r)
		goto fail;
	opts.ram_bytes = inst->cfg.memory_bytes;
	opts.vtl2_bytes = inst->cfg.vtl2_bytes;
	opts.nr_vps = inst->cfg.vps;
	opts.pit = inst->cfg.pit;
	r = pvn_vm_create(&opts, &inst->vm);
	if (r) {
		snprintf(err, errlen, "cannot create the VM: %s", strerror(-r));
		goto fail;
	}
	inst->vm->on_stop = instance_on_stop;
	inst->vm->on_stop_opaque = inst;
	r = pvn_power_create(inst->vm);
	if (!r)
		r = pvn_uart_create(inst->vm, PVN_UART_BASE, PVN_UART_IRQ, inst->console_fd,
				    &inst->uart);
	if (!r && inst->cfg.hyperv)
		r = pvn_hv_create(inst->vm, &inst->hv);
	if (!r && inst->cfg.vmbus.enabled) {
		r = pvn_vmbus_create(inst->vm, inst->hv, &inst->vmbus);
		/* The MMIO window VMBus devices get; the DSDT describes it. */
		if (!r)
			r = pvn_mem_add_reserved(&inst->vm->mem, PVN_VMBUS_MMIO_BASE,
						 PVN_VMBUS_MMIO_SIZE, "vmbus-mmio");
		for (unsigned i = 0; !r && i < inst->cfg.vmbus.echo; i++)
			r = pvn_vmbus_echo_create(inst->vmbus, (uint8_t)i, &inst->echo[i]);
	}
	if (!r && inst->cfg.acpi)
		r = pvn_acpi_create(&inst->acpi);
	if (r) {
		snprintf(err, errlen, "cannot create the chipset: %s", strerror(-r));
		goto fail;
	}
	/* Plugins claim after the chipset (a clash names both owners) and before
	 * the image loads; a refused plugin means the VM never starts. */
	r = pvn_plugin_set_create_env(inst->vm, &(struct pvn_plugin_env){inst->vmbus, inst->acpi},
				      &inst->cfg, staged, &inst->plugins, err, errlen);
	pvn_plugin_staged_free(staged);
	staged = NULL;
	if (r)
		goto fail;
	if (inst->acpi) {
		/* After the plugins, which may have added tables and devices. */
		struct pvn_acpi_platform plat;
		pvn_acpi_platform_init(&plat, inst->cfg.vps);
		if (inst->vmbus) {
			plat.vmbus = true;
			plat.vmbus_low_base = PVN_VMBUS_MMIO_BASE;
			plat.vmbus_low_size = PVN_VMBUS_MMIO_SIZE;
		}
		int64_t rsdp = pvn_acpi_install(inst->vm, inst->acpi, &plat);
		if (rsdp < 0) {
			r = (int)rsdp;
			snprintf(err, errlen, "%s: cannot build the ACPI tables: %s (acpi = false "
				 "turns them off)", inst->cfg.file, pvn_acpi_error(inst->acpi));
			goto fail;
		}
		inst->vm->acpi_rsdp = (uint64_t)rsdp;
	}
	r = pvn_boot_load(inst->vm, &inst->cfg);
	if (r) {
		snprintf(err, errlen, "%s: %s: cannot load '%s': %s", inst->cfg.file,
			 inst->cfg.boot.igvm ? "boot.igvm" : "boot.image",
			 inst->cfg.boot.igvm ? inst->cfg.boot.igvm : inst->cfg.boot.image,
			 inst->vm->mem.error[0] ? inst->vm->mem.error : strerror(-r));
		goto fail;
	}
	*out = inst;
	return 0;
fail:
	pvn_plugin_staged_free(staged);
	pvn_instance_destroy(inst);
	return r ? r : -EINVAL;
}

static void on_signal(void *opaque, int fd, uint32_t events)
{
	struct pvn_instance *inst = opaque;
	struct signalfd_siginfo si;
	(void)events;
	if (read(fd, &si, sizeof(si)) == sizeof(si))
		pvn_vm_request_stop(inst->vm, PVN_STOP_HOST, 128 + (int)si.ssi_signo,
				    "host signal %u", si.ssi_signo);
}

int pvn_instance_run(struct pvn_instance *inst)
{
	sigset_t set;
	int r;

	/* SIGINT/SIGTERM stop the VM cleanly: blocked in every thread (the VP and
	 * loop threads inherit this mask) and read from a signalfd on the loop. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	inst->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (inst->sigfd >= 0)
		pvn_loop_add_fd(inst->vm->loop, inst->sigfd, 0x001 /* EPOLLIN */, on_signal, inst,
				&inst->sigwatch);
	r = pvn_vm_start(inst->vm);
	if (r) {
		pvn_err("cannot start the VM: %s", strerror(-r));
		pvn_vm_request_stop(inst->vm, PVN_STOP_FATAL, PVN_EXIT_CODE_SETUP, "start failed");
	}
	return pvn_vm_wait(inst->vm);
}

void pvn_instance_destroy(struct pvn_instance *inst)
{
	if (!inst)
		return;
	if (inst->vm && inst->sigwatch)
		pvn_loop_remove(inst->vm->loop, inst->sigwatch);
	if (inst->plugins) {
		/* fini runs once the VPs and the event loop have stopped. */
		if (inst->vm->started) {
			pvn_vm_request_stop(inst->vm, PVN_STOP_HOST, 0, "VM destroyed");
			pvn_vm_wait(inst->vm);
		}
		pvn_plugin_set_destroy(inst->plugins);
		inst->plugins = NULL;
	}
	pvn_vm_destroy(inst->vm);
	pvn_uart_destroy(inst->uart);
	for (unsigned i = 0; i < 16; i++)
		pvn_vmbus_echo_destroy(inst->echo[i]);
	pvn_vmbus_destroy(inst->vmbus);
	pvn_hv_destroy(inst->hv);
	pvn_acpi_destroy(inst->acpi);
	if (inst->sigfd >= 0)
		close(inst->sigfd);
	if (inst->console_owned)
		close(inst->console_fd);
	pvn_config_free(&inst->cfg);
	free(inst);
}
