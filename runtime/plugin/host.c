/* SPDX-License-Identifier: MIT */
/*
 * The host-ops table: what a plugin may do to its VM. Each function maps a
 * plugin's request onto the runtime's own API, with the plugin's name as the
 * owner, so that its claims can be released when it is unloaded.
 */
#include "runtime/plugin/internal.h"
#include "runtime/core/log.h"
#include "runtime/vm.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The public handler types must be the runtime's: handlers are registered
 * directly, without a trampoline. */
_Static_assert(__builtin_types_compatible_p(pvn_plugin_pio_fn, pvn_pio_fn), "pio handler");
_Static_assert(__builtin_types_compatible_p(pvn_plugin_mmio_fn, pvn_mmio_fn), "mmio handler");
_Static_assert(__builtin_types_compatible_p(pvn_plugin_msr_fn, pvn_msr_fn), "msr handler");
_Static_assert(__builtin_types_compatible_p(pvn_plugin_cpuid_fn, pvn_cpuid_fn), "cpuid handler");
_Static_assert(__builtin_types_compatible_p(pvn_plugin_hcall_fn, pvn_hcall_fn), "hcall handler");
_Static_assert(__builtin_types_compatible_p(pvn_plugin_timer_fn, pvn_timer_fn), "timer cb");
_Static_assert(__builtin_types_compatible_p(pvn_plugin_fd_fn, pvn_fd_fn), "fd cb");
_Static_assert(PVN_PLUGIN_LOG_DEBUG == (int)PVN_LOG_DEBUG, "log levels");

static void host_error(struct pvn_host *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void host_error(struct pvn_host *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(h->error, sizeof(h->error), fmt, ap);
	va_end(ap);
	pvn_err("%s: %s", h->name, h->error);
}

static void op_log(struct pvn_host *h, int level, const char *msg)
{
	if (level < PVN_LOG_ERROR)
		level = PVN_LOG_ERROR;
	if (level > PVN_LOG_DEBUG)
		level = PVN_LOG_DEBUG;
	if (!msg)
		return;
	pvn_log(level, "%s: %s", h->name, msg);
}

/* ---- settings ---- */

static const config_setting_t *setting(struct pvn_host *h, const char *key)
{
	if (!h->settings || !key || !*key)
		return NULL;
	/* libconfig takes a non-const pointer but only reads here. */
	return config_setting_lookup((config_setting_t *)h->settings, key);
}

static int key_error(struct pvn_host *h, const config_setting_t *s, const char *key,
		     const char *msg)
{
	int line = s ? (int)config_setting_source_line(s)
		     : (h->settings ? (int)config_setting_source_line(h->settings) : 0);
	host_error(h, "%s:%d: plugins.[%d].settings.%s: %s", h->cfg->file, line, h->index, key,
		   msg);
	return -EINVAL;
}

static int op_cfg_get_string(struct pvn_host *h, const char *key, const char **out)
{
	const config_setting_t *s = setting(h, key);
	if (!s)
		return -ENOENT;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return key_error(h, s, key, "must be a string");
	*out = config_setting_get_string(s);
	return 0;
}

static int op_cfg_get_int(struct pvn_host *h, const char *key, int64_t *out)
{
	const config_setting_t *s = setting(h, key);
	if (!s)
		return -ENOENT;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
		return key_error(h, s, key, "must be an integer");
	*out = config_setting_get_int64(s);
	return 0;
}

static int op_cfg_get_bool(struct pvn_host *h, const char *key, bool *out)
{
	const config_setting_t *s = setting(h, key);
	if (!s)
		return -ENOENT;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return key_error(h, s, key, "must be true or false");
	*out = config_setting_get_bool(s);
	return 0;
}

static int op_cfg_error(struct pvn_host *h, const char *key, const char *msg)
{
	return key_error(h, setting(h, key), key ? key : "?", msg ? msg : "invalid");
}

static int op_cfg_get_string_list(struct pvn_host *h, const char *key, const char *const **items,
				  size_t *count)
{
	const config_setting_t *s = setting(h, key);
	const char **arr;
	void **na;
	int n;

	if (!s)
		return -ENOENT;
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST)
		return key_error(h, s, key, "must be a list of strings [ \"...\", ... ]");
	n = config_setting_length(s);
	for (int i = 0; i < n; i++)
		if (config_setting_type(config_setting_get_elem(s, i)) != CONFIG_TYPE_STRING)
			return key_error(h, config_setting_get_elem(s, i), key,
					 "must be a list of strings [ \"...\", ... ]");
	arr = calloc(n + 1, sizeof(*arr));
	na = realloc(h->allocs, (h->nr_allocs + 1) * sizeof(*na));
	if (!arr || !na) {
		free(arr);
		if (na)
			h->allocs = na;
		return -ENOMEM;
	}
	h->allocs = na;
	h->allocs[h->nr_allocs++] = arr;
	for (int i = 0; i < n; i++)
		arr[i] = config_setting_get_string(config_setting_get_elem(s, i));
	*items = arr;
	*count = (size_t)n;
	return 0;
}

/* ---- intercepts ---- */

static int claim(struct pvn_host *h, enum pvn_icpt_kind kind, uint64_t first, uint64_t count,
		 void (*fn)(void), void *opaque)
{
	int r = pvn_icpt_claim(&h->vm->icpt, kind, first, count, fn, opaque, h->name);
	if (r)
		snprintf(h->error, sizeof(h->error), "%s", h->vm->icpt.error);
	return r;
}

static int op_claim_pio(struct pvn_host *h, uint16_t first, uint32_t count, pvn_plugin_pio_fn fn,
			void *opaque)
{
	return claim(h, PVN_ICPT_PIO, first, count, (void (*)(void))fn, opaque);
}

static int op_claim_mmio(struct pvn_host *h, uint64_t gpa, uint64_t size, pvn_plugin_mmio_fn fn,
			 void *opaque)
{
	return claim(h, PVN_ICPT_MMIO, gpa, size, (void (*)(void))fn, opaque);
}

static int op_claim_msr(struct pvn_host *h, uint32_t first, uint32_t count, pvn_plugin_msr_fn fn,
			void *opaque)
{
	return claim(h, PVN_ICPT_MSR, first, count, (void (*)(void))fn, opaque);
}

static int op_claim_cpuid(struct pvn_host *h, uint32_t first, uint32_t count,
			  pvn_plugin_cpuid_fn fn, void *opaque)
{
	return claim(h, PVN_ICPT_CPUID, first, count, (void (*)(void))fn, opaque);
}

static int op_claim_hcall(struct pvn_host *h, uint16_t first, uint32_t count,
			  pvn_plugin_hcall_fn fn, void *opaque)
{
	return claim(h, PVN_ICPT_HCALL, first, count, (void (*)(void))fn, opaque);
}

/* ---- guest memory: pvn_mem_read/write refuse anything that is not wholly
 * VTL0-accessible RAM, so a guest-supplied GPA cannot reach host memory. ---- */

static int op_mem_read(struct pvn_host *h, uint64_t gpa, void *buf, size_t len)
{
	if (!buf && len)
		return -EINVAL;
	return pvn_mem_read(&h->vm->mem, PVN_VTL0, gpa, buf, len);
}

static int op_mem_write(struct pvn_host *h, uint64_t gpa, const void *buf, size_t len)
{
	if (!buf && len)
		return -EINVAL;
	return pvn_mem_write(&h->vm->mem, PVN_VTL0, gpa, buf, len);
}

/* ---- interrupts ---- */

static int op_irq_claim_line(struct pvn_host *h, uint32_t gsi)
{
	int r = pvn_irq_claim_line(&h->vm->irq, gsi, h->name);
	if (r)
		snprintf(h->error, sizeof(h->error), "%s", h->vm->irq.error);
	return r;
}

static int op_irq_alloc_line(struct pvn_host *h, uint32_t *gsi)
{
	int r = pvn_irq_alloc_line(&h->vm->irq, h->name, gsi);
	if (r)
		snprintf(h->error, sizeof(h->error), "%s", h->vm->irq.error);
	return r;
}

static bool owns_line(struct pvn_host *h, uint32_t gsi)
{
	struct pvn_irqmap *m = &h->vm->irq;
	bool mine;

	if (gsi >= PVN_IRQ_MAX_LINES)
		return false;
	pthread_mutex_lock(&m->lock);
	mine = m->lines[gsi].used && !strcmp(m->lines[gsi].owner, h->name);
	pthread_mutex_unlock(&m->lock);
	return mine;
}

static int op_irq_set_line(struct pvn_host *h, uint32_t gsi, bool level)
{
	if (!owns_line(h, gsi))
		return -EPERM;
	return pvn_irq_set_line(&h->vm->irq, gsi, level);
}

static int op_irq_pulse_line(struct pvn_host *h, uint32_t gsi)
{
	int r;
	if (!owns_line(h, gsi))
		return -EPERM;
	r = pvn_irq_set_line(&h->vm->irq, gsi, true);
	return r ? r : pvn_irq_set_line(&h->vm->irq, gsi, false);
}

static int op_irq_send_msi(struct pvn_host *h, uint64_t address, uint32_t data)
{
	return pvn_irq_signal_msi(&h->vm->irq, address, data);
}

/* ---- event loop ---- */

static int add_watch(struct pvn_host *h, struct pvn_watch *w, struct pvn_host_watch **out)
{
	struct pvn_host_watch *hw = calloc(1, sizeof(*hw));
	if (!hw) {
		pvn_loop_remove(h->vm->loop, w);
		return -ENOMEM;
	}
	hw->w = w;
	pthread_mutex_lock(&h->lock);
	hw->next = h->watches;
	h->watches = hw;
	pthread_mutex_unlock(&h->lock);
	if (out)
		*out = hw;
	return 0;
}

static int op_timer_add(struct pvn_host *h, uint64_t first_ns, uint64_t period_ns,
			pvn_plugin_timer_fn fn, void *opaque, struct pvn_host_watch **out)
{
	struct pvn_watch *w;
	int r = pvn_loop_add_timer(h->vm->loop, first_ns, period_ns, fn, opaque, &w);
	return r ? r : add_watch(h, w, out);
}

static int op_fd_watch_add(struct pvn_host *h, int fd, uint32_t events, pvn_plugin_fd_fn fn,
			   void *opaque, struct pvn_host_watch **out)
{
	struct pvn_watch *w;
	int r = pvn_loop_add_fd(h->vm->loop, fd, events, fn, opaque, &w);
	return r ? r : add_watch(h, w, out);
}

/* The handle, if it is one of h's (a stale or foreign handle is refused). */
static bool own_watch(struct pvn_host *h, struct pvn_host_watch *hw, bool unlink)
{
	struct pvn_host_watch **pp;
	bool found = false;

	pthread_mutex_lock(&h->lock);
	for (pp = &h->watches; *pp; pp = &(*pp)->next) {
		if (*pp == hw) {
			if (unlink)
				*pp = hw->next;
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&h->lock);
	return found;
}

static int op_timer_set(struct pvn_host *h, struct pvn_host_watch *hw, uint64_t first_ns,
			uint64_t period_ns)
{
	if (!own_watch(h, hw, false))
		return -ENOENT;
	return pvn_loop_timer_set(h->vm->loop, hw->w, first_ns, period_ns);
}

static int op_watch_remove(struct pvn_host *h, struct pvn_host_watch *hw)
{
	if (!own_watch(h, hw, true))
		return -ENOENT;
	pvn_loop_remove(h->vm->loop, hw->w);
	free(hw);
	return 0;
}

/* ---- services ---- */

const struct pvn_service *pvn_service_find(const struct pvn_plugin_set *s, const char *name)
{
	for (size_t i = 0; i < s->nr_services; i++)
		if (!strcmp(s->services[i].name, name))
			return &s->services[i];
	return NULL;
}

static int op_service_provide(struct pvn_host *h, const char *name, uint16_t major,
			      uint16_t minor, const void *vtable)
{
	struct pvn_plugin_set *s = h->set;
	const struct pvn_service *old;
	struct pvn_service *sv;

	if (!name || !pvn_plugin_name_valid(name)) {
		host_error(h, "service name '%.40s' is not [A-Za-z0-9._-]{1,31}", name ? name : "");
		return -EINVAL;
	}
	if (!vtable || ((const struct pvn_service_head *)vtable)->size < sizeof(uint32_t)) {
		host_error(h, "service '%s': the vtable must start with its size", name);
		return -EINVAL;
	}
	if ((old = pvn_service_find(s, name))) {
		host_error(h, "service '%s' %u.%u provided by '%s' is already provided by '%s'",
			   name, major, minor, h->name, old->owner->name);
		return -EEXIST;
	}
	if (s->nr_services == s->cap_services) {
		size_t cap = s->cap_services ? 2 * s->cap_services : 8;
		void *n = realloc(s->services, cap * sizeof(*s->services));
		if (!n)
			return -ENOMEM;
		s->services = n;
		s->cap_services = cap;
	}
	sv = &s->services[s->nr_services++];
	snprintf(sv->name, sizeof(sv->name), "%s", name);
	sv->major = major;
	sv->minor = minor;
	sv->vtable = vtable;
	sv->owner = h;
	pvn_debug("%s: provides service %s %u.%u", h->name, name, major, minor);
	return 0;
}

static int op_service_lookup(struct pvn_host *h, const char *name, uint16_t major,
			     uint16_t min_minor, const void **vtable, uint16_t *minor)
{
	const struct pvn_service *sv;

	if (!name || !vtable)
		return -EINVAL;
	sv = pvn_service_find(h->set, name);
	if (!sv)
		return -ENOENT;
	if (sv->major != major || sv->minor < min_minor) {
		snprintf(h->error, sizeof(h->error),
			 "service '%s' is %u.%u (from '%s'), '%s' wants %u.%u or a later minor", name,
			 sv->major, sv->minor, sv->owner->name, h->name, major, min_minor);
		return -EPROTO;
	}
	*vtable = sv->vtable;
	if (minor)
		*minor = sv->minor;
	return 0;
}

void pvn_host_release(struct pvn_host *h)
{
	struct pvn_plugin_set *s = h->set;
	struct pvn_host_watch *hw;

	pthread_mutex_lock(&h->lock);
	hw = h->watches;
	h->watches = NULL;
	pthread_mutex_unlock(&h->lock);
	while (hw) {
		struct pvn_host_watch *n = hw->next;
		pvn_loop_remove(h->vm->loop, hw->w);
		free(hw);
		hw = n;
	}
	pvn_icpt_release_owner(&h->vm->icpt, h->name);
	pvn_irq_release_owner(&h->vm->irq, h->name);
	for (size_t i = 0; i < s->nr_services;) {
		if (s->services[i].owner == h) {
			memmove(&s->services[i], &s->services[i + 1],
				(s->nr_services - i - 1) * sizeof(*s->services));
			s->nr_services--;
		} else {
			i++;
		}
	}
	for (size_t i = 0; i < h->nr_allocs; i++)
		free(h->allocs[i]);
	free(h->allocs);
	h->allocs = NULL;
	h->nr_allocs = 0;
}

void pvn_host_ops_fill(struct pvn_host_ops *ops, int minor)
{
	memset(ops, 0, sizeof(*ops));
	ops->abi_major = PVN_PLUGIN_ABI_MAJOR;
	ops->abi_minor = PVN_PLUGIN_ABI_MINOR;
	ops->size = sizeof(*ops);
	ops->log = op_log;
	ops->cfg_get_string = op_cfg_get_string;
	ops->cfg_get_int = op_cfg_get_int;
	ops->cfg_get_bool = op_cfg_get_bool;
	ops->cfg_error = op_cfg_error;
	ops->claim_pio = op_claim_pio;
	ops->claim_mmio = op_claim_mmio;
	ops->claim_msr = op_claim_msr;
	ops->claim_cpuid = op_claim_cpuid;
	ops->claim_hcall = op_claim_hcall;
	ops->mem_read = op_mem_read;
	ops->mem_write = op_mem_write;
	ops->irq_claim_line = op_irq_claim_line;
	ops->irq_alloc_line = op_irq_alloc_line;
	ops->irq_set_line = op_irq_set_line;
	ops->irq_pulse_line = op_irq_pulse_line;
	ops->irq_send_msi = op_irq_send_msi;
	ops->timer_add = op_timer_add;
	ops->timer_set = op_timer_set;
	ops->fd_watch_add = op_fd_watch_add;
	ops->watch_remove = op_watch_remove;
	ops->cfg_get_string_list = op_cfg_get_string_list;
	ops->service_provide = op_service_provide;
	ops->service_lookup = op_service_lookup;
	if (minor == 0) {
		/* Test-only: look like a 1.0 runtime. The pointers past the size
		 * are cleared too, so a plugin that ignores size crashes loudly
		 * instead of working by accident. */
		ops->abi_minor = 0;
		ops->size = PVN_HOST_OPS_SIZE_1_0;
		ops->cfg_get_string_list = NULL;
		ops->service_provide = NULL;
		ops->service_lookup = NULL;
	}
}
