/* SPDX-License-Identifier: MIT */
/*
 * The host-ops table: what a plugin may do to its VM. Each function maps a
 * plugin's request onto the runtime's own API, with the plugin's name as the
 * owner, so that its claims can be released when it is unloaded.
 */
#include "runtime/plugin/internal.h"
#include "runtime/acpi/acpi.h"
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
/* The public VMBus constants are the wire values runtime/vmbus uses. */
_Static_assert(sizeof(struct pvn_plugin_guid) == sizeof(struct vmbus_guid), "guid");
_Static_assert(PVN_PLUGIN_VMBUS_USER_DEF_MAX == VMBUS_MAX_USER_DEFINED_BYTES, "user_def");
_Static_assert(PVN_PLUGIN_VMBUS_PKT_DATA_INBAND == VMBUS_PKT_DATA_INBAND, "inband");
_Static_assert(PVN_PLUGIN_VMBUS_PKT_DATA_USING_XFER_PAGES == VMBUS_PKT_DATA_USING_XFER_PAGES,
	       "xfer pages");
_Static_assert(PVN_PLUGIN_VMBUS_PKT_DATA_USING_GPADL == VMBUS_PKT_DATA_USING_GPADL, "gpadl");
_Static_assert(PVN_PLUGIN_VMBUS_PKT_DATA_USING_GPA_DIRECT == VMBUS_PKT_DATA_USING_GPA_DIRECT,
	       "gpa direct");
_Static_assert(PVN_PLUGIN_VMBUS_PKT_COMP == VMBUS_PKT_COMP, "comp");
/* Appending to the table means a new PVN_HOST_OPS_SIZE_1_x (and a minor). */
_Static_assert(sizeof(struct pvn_host_ops) == PVN_HOST_OPS_SIZE_1_3, "host-ops size macros");
/* The public transfer-page header is the one on the wire. */
_Static_assert(sizeof(struct pvn_plugin_vmbus_xfer_header) == 8, "xfer header");

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

/* ---- VMBus (1.2) ----
 * The runtime's channel callbacks are trampolines into the plugin's (copied)
 * table, so that they can be cut off (`dead`) before the plugin's code is
 * unloaded: runtime/vmbus keeps its channel objects until the bus goes. */

#define VMBUS_DESC_BYTES 16 /* the packet descriptor in front of every packet */
#define OFFER_SIZE_1_2 (offsetof(struct pvn_plugin_vmbus_offer, name) + sizeof(const char *))
#define VMBUS_OPS_SIZE_1_2 (offsetof(struct pvn_plugin_vmbus_ops, writable) + sizeof(void *))
#define PKT_SIZE_1_2 (offsetof(struct pvn_plugin_vmbus_pkt, data_len) + sizeof(uint32_t))
#define GPADL_INFO_SIZE_1_2 (offsetof(struct pvn_plugin_gpadl_info, byte_count) + sizeof(uint32_t))

static bool channel_live(struct pvn_host_channel *c)
{
	return !__atomic_load_n(&c->dead, __ATOMIC_ACQUIRE);
}

static uint32_t tramp_open(void *opaque, struct pvn_vmbus_channel *ch, const uint8_t *userdata)
{
	struct pvn_host_channel *c = opaque;

	if (!channel_live(c))
		return PVN_VMBUS_STATUS_FAIL;
	if (!c->ops.open)
		return 0;
	return c->ops.open(c->opaque, c, userdata, VMBUS_MAX_USER_DEFINED_BYTES);
}

static void tramp_close(void *opaque, struct pvn_vmbus_channel *ch)
{
	struct pvn_host_channel *c = opaque;

	if (channel_live(c) && c->ops.close)
		c->ops.close(c->opaque, c);
}

static void tramp_packets(void *opaque, struct pvn_vmbus_channel *ch)
{
	struct pvn_host_channel *c = opaque;

	if (channel_live(c) && c->ops.packets)
		c->ops.packets(c->opaque, c);
}

static void tramp_writable(void *opaque, struct pvn_vmbus_channel *ch)
{
	struct pvn_host_channel *c = opaque;

	if (channel_live(c) && c->ops.writable)
		c->ops.writable(c->opaque, c);
}

static const struct pvn_vmbus_channel_ops tramp_ops = {
	.open = tramp_open,
	.close = tramp_close,
	.packets = tramp_packets,
	.writable = tramp_writable,
};

static bool no_vmbus(struct pvn_host *h, const char *what)
{
	if (h->set->vmbus)
		return false;
	host_error(h, "%s: this VM has no VMBus (it needs hyperv = true and vmbus.enabled = true)",
		   what);
	return true;
}

/* A handle this plugin got from vmbus_offer (handles live until unload). */
static bool own_channel(struct pvn_host *h, const struct pvn_host_channel *c)
{
	return c && c->magic == PVN_HOST_CHANNEL_MAGIC && c->host == h;
}

static void guid_str(const uint8_t g[16], char out[37])
{
	snprintf(out, 37,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[3], g[2],
		 g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14],
		 g[15]);
}

static int op_vmbus_offer(struct pvn_host *h, const struct pvn_plugin_vmbus_offer *offer,
			  const struct pvn_plugin_vmbus_ops *ops, void *opaque,
			  struct pvn_host_channel **out)
{
	static const uint8_t zero[16];
	struct pvn_plugin_set *s = h->set;
	struct pvn_vmbus_offer_desc d;
	struct pvn_host_channel *c;
	char gs[37];
	int r;

	if (no_vmbus(h, "vmbus_offer"))
		return -ENODEV;
	if (!out || !offer || offer->size < OFFER_SIZE_1_2 || !ops || ops->size < VMBUS_OPS_SIZE_1_2) {
		host_error(h, "vmbus_offer: the offer and ops must be given, with their size set");
		return -EINVAL;
	}
	if (offer->user_def_len > PVN_PLUGIN_VMBUS_USER_DEF_MAX) {
		host_error(h, "vmbus_offer: user_def_len %u is over %u bytes", offer->user_def_len,
			   PVN_PLUGIN_VMBUS_USER_DEF_MAX);
		return -EINVAL;
	}
	if (!memcmp(offer->class_id.b, zero, 16)) {
		host_error(h, "vmbus_offer: the class GUID is zero");
		return -EINVAL;
	}
	if (offer->mmio_megabytes > (PVN_VMBUS_MMIO_SIZE >> 20)) {
		host_error(h, "vmbus_offer: mmio_megabytes %u is beyond the %llu MiB VMBus window",
			   offer->mmio_megabytes, (unsigned long long)(PVN_VMBUS_MMIO_SIZE >> 20));
		return -EINVAL;
	}
	if (!ops->packets) {
		host_error(h, "vmbus_offer: the packets callback is required");
		return -EINVAL;
	}
	/* Instance GUIDs identify devices to the guest: unique across plugins. */
	for (size_t i = 0; i < s->nr; i++) {
		struct pvn_host *o = &s->plugins[i].host;
		bool clash = false;

		if (!o->set)
			continue;
		pthread_mutex_lock(&o->lock);
		for (struct pvn_host_channel *e = o->channels; e && !clash; e = e->next)
			clash = !memcmp(e->instance, offer->instance_id.b, 16);
		pthread_mutex_unlock(&o->lock);
		if (clash) {
			guid_str(offer->instance_id.b, gs);
			host_error(h, "vmbus_offer: instance {%s} offered by '%s' is already offered "
				      "by '%s'",
				   gs, h->name, o->name);
			return -EEXIST;
		}
	}

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->magic = PVN_HOST_CHANNEL_MAGIC;
	c->host = h;
	memcpy(&c->ops, ops, ops->size < sizeof(c->ops) ? ops->size : sizeof(c->ops));
	c->ops.size = sizeof(c->ops);
	c->opaque = opaque;
	memcpy(c->instance, offer->instance_id.b, 16);
	pthread_mutex_init(&c->rx_lock, NULL);

	memset(&d, 0, sizeof(d));
	memcpy(&d.class_id, offer->class_id.b, 16);
	memcpy(&d.instance_id, offer->instance_id.b, 16);
	d.mmio_megabytes = offer->mmio_megabytes;
	memcpy(d.user_def, offer->user_def, offer->user_def_len);
	d.name = offer->name ? offer->name : h->name;
	/* Link first: the offer may reach the guest (and its callbacks run) at once. */
	pthread_mutex_lock(&h->lock);
	c->next = h->channels;
	h->channels = c;
	pthread_mutex_unlock(&h->lock);
	r = pvn_vmbus_offer(s->vmbus, &d, &tramp_ops, c, &c->ch);
	if (r) {
		struct pvn_host_channel **pp;

		pthread_mutex_lock(&h->lock);
		for (pp = &h->channels; *pp; pp = &(*pp)->next)
			if (*pp == c) {
				*pp = c->next;
				break;
			}
		pthread_mutex_unlock(&h->lock);
		pthread_mutex_destroy(&c->rx_lock);
		free(c);
		host_error(h, "vmbus_offer: the VMBus refused the offer: %s", strerror(-r));
		return r;
	}
	guid_str(offer->class_id.b, gs);
	pvn_debug("%s: offers VMBus channel %u (%s), class {%s}", h->name,
		  pvn_vmbus_channel_relid(c->ch), d.name, gs);
	*out = c;
	return 0;
}

static int op_vmbus_send(struct pvn_host *h, struct pvn_host_channel *c, uint16_t type,
			 uint16_t flags, uint64_t trans_id, const void *data, size_t len)
{
	if (!own_channel(h, c) || (!data && len))
		return -EINVAL;
	return pvn_vmbus_send(c->ch, type, flags, trans_id, data, len);
}

/* 1.3: a header between the descriptor and the data (the ring checks that
 * hdr_len is a multiple of 8 too; refusing it here gives the plugin a clear
 * -EINVAL and a log line instead). */
static int op_vmbus_send_ext(struct pvn_host *h, struct pvn_host_channel *c, uint16_t type,
			     uint16_t flags, uint64_t trans_id, const void *hdr, size_t hdr_len,
			     const void *data, size_t len)
{
	if (!own_channel(h, c) || (!data && len) || (!hdr && hdr_len))
		return -EINVAL;
	if (hdr_len % 8) {
		host_error(h, "vmbus_send_ext: a header of %zu bytes: must be a multiple of 8",
			   hdr_len);
		return -EINVAL;
	}
	return pvn_vmbus_send_ext(c->ch, type, flags, trans_id, hdr, hdr_len, data, len);
}

static int op_vmbus_recv(struct pvn_host *h, struct pvn_host_channel *c,
			 struct pvn_plugin_vmbus_pkt *info, void *buf, size_t cap)
{
	struct pvn_vmbus_pkt pkt;
	size_t limit;
	int r;

	if (!own_channel(h, c) || !info || info->size < PKT_SIZE_1_2 || (!buf && cap))
		return -EINVAL;
	/* A packet bigger than the descriptor + cap is left in the ring. */
	limit = cap > SIZE_MAX - VMBUS_DESC_BYTES ? SIZE_MAX : cap + VMBUS_DESC_BYTES;
	pthread_mutex_lock(&c->rx_lock);
	for (;;) {
		r = pvn_vmbus_recv(c->ch, &pkt, c->rx, c->rx_cap < limit ? c->rx_cap : limit);
		if (r != -EMSGSIZE)
			break;
		if (pkt.len > limit) {
			info->len = pkt.len - VMBUS_DESC_BYTES;
			break;
		}
		/* pkt.len <= cap + 16: the plugin's buffer is at least this big. */
		uint8_t *nb = realloc(c->rx, pkt.len);
		if (!nb) {
			r = -ENOMEM;
			break;
		}
		c->rx = nb;
		c->rx_cap = pkt.len;
	}
	if (!r) {
		/* The ring checked VMBUS_DESC_BYTES <= pkt.offset <= pkt.len <= cap + 16. */
		info->type = pkt.type;
		info->flags = pkt.flags;
		info->trans_id = pkt.trans_id;
		info->len = pkt.len - VMBUS_DESC_BYTES;
		info->data_offset = pkt.offset - VMBUS_DESC_BYTES;
		info->data_len = pkt.data_len;
		if (info->len)
			memcpy(buf, c->rx + VMBUS_DESC_BYTES, info->len);
	}
	pthread_mutex_unlock(&c->rx_lock);
	return r;
}

static int op_vmbus_rescind(struct pvn_host *h, struct pvn_host_channel *c)
{
	if (!own_channel(h, c))
		return -EINVAL;
	return pvn_vmbus_rescind(c->ch);
}

static int op_vmbus_gpadl_map(struct pvn_host *h, struct pvn_host_channel *c, uint32_t id,
			      struct pvn_host_gpadl **out, struct pvn_plugin_gpadl_info *info)
{
	struct pvn_host_gpadl *g;
	int r;

	if (!own_channel(h, c) || !out || (info && info->size < GPADL_INFO_SIZE_1_2))
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->c = c;
	r = pvn_vmbus_gpadl_get(c->ch, id, &g->view);
	if (r) {
		free(g);
		return r;
	}
	if (info) {
		info->nr_pages = g->view.nr_pages;
		info->byte_offset = g->view.byte_offset;
		info->byte_count = g->view.byte_count;
	}
	pthread_rwlock_wrlock(&h->gpadl_lock);
	g->next = h->gpadls;
	h->gpadls = g;
	pthread_rwlock_unlock(&h->gpadl_lock);
	*out = g;
	return 0;
}

/* Is g one of h's mapped GPADLs? gpadl_lock held. */
static bool own_gpadl_locked(struct pvn_host *h, const struct pvn_host_gpadl *g)
{
	for (struct pvn_host_gpadl *e = h->gpadls; e; e = e->next)
		if (e == g)
			return true;
	return false;
}

static int gpadl_io(struct pvn_host *h, struct pvn_host_gpadl *g, uint64_t off, void *buf,
		    size_t len, bool write)
{
	int r;

	if (!buf && len)
		return -EINVAL;
	pthread_rwlock_rdlock(&h->gpadl_lock);
	if (!own_gpadl_locked(h, g))
		r = -ENOENT;
	else if (write)
		r = pvn_vmbus_gpadl_write(&g->view, off, buf, len);
	else
		r = pvn_vmbus_gpadl_read(&g->view, off, buf, len);
	pthread_rwlock_unlock(&h->gpadl_lock);
	return r;
}

static int op_vmbus_gpadl_read(struct pvn_host *h, struct pvn_host_gpadl *g, uint64_t off,
			       void *buf, size_t len)
{
	return gpadl_io(h, g, off, buf, len, false);
}

static int op_vmbus_gpadl_write(struct pvn_host *h, struct pvn_host_gpadl *g, uint64_t off,
				const void *buf, size_t len)
{
	return gpadl_io(h, g, off, (void *)buf, len, true);
}

static int op_vmbus_gpadl_unmap(struct pvn_host *h, struct pvn_host_gpadl *g)
{
	struct pvn_host_gpadl **pp;
	bool found = false;

	pthread_rwlock_wrlock(&h->gpadl_lock);
	for (pp = &h->gpadls; *pp; pp = &(*pp)->next)
		if (*pp == g) {
			*pp = g->next;
			found = true;
			break;
		}
	pthread_rwlock_unlock(&h->gpadl_lock);
	if (!found)
		return -ENOENT;
	pvn_vmbus_gpadl_put(g->c->ch, &g->view);
	free(g);
	return 0;
}

/* ---- ACPI (1.2): only while the plugins initialise (the tables are built
 * right after). ---- */

static int acpi_check(struct pvn_host *h, const char *what, const void *p, size_t len)
{
	if (!h->set->acpi) {
		host_error(h, "%s: this VM has no ACPI tables (acpi = false)", what);
		return -ENODEV;
	}
	if (!h->set->acpi_open) {
		host_error(h, "%s: only from init: the ACPI tables are already built", what);
		return -EBUSY;
	}
	if (!p || !len) {
		host_error(h, "%s: no bytes given", what);
		return -EINVAL;
	}
	return 0;
}

static int op_acpi_add_table(struct pvn_host *h, const void *table, size_t len)
{
	int r = acpi_check(h, "acpi_add_table", table, len);

	if (!r && (r = pvn_acpi_add_table(h->set->acpi, table, len, h->name)))
		snprintf(h->error, sizeof(h->error), "%s", pvn_acpi_error(h->set->acpi));
	else if (!r)
		pvn_debug("%s: adds ACPI table %.4s (%zu bytes)", h->name, (const char *)table, len);
	return r;
}

static int op_acpi_add_device(struct pvn_host *h, const void *aml, size_t len)
{
	int r = acpi_check(h, "acpi_add_device", aml, len);

	if (!r && (r = pvn_acpi_add_device(h->set->acpi, aml, len, h->name)))
		snprintf(h->error, sizeof(h->error), "%s", pvn_acpi_error(h->set->acpi));
	else if (!r)
		pvn_debug("%s: adds %zu bytes of DSDT device AML", h->name, len);
	return r;
}

/* ---- the VM (1.3) ---- */

#define VM_INFO_SIZE_1_3 (offsetof(struct pvn_plugin_vm_info, memory_bytes) + sizeof(uint64_t))

static int op_vm_info(struct pvn_host *h, struct pvn_plugin_vm_info *info)
{
	if (!info || info->size < VM_INFO_SIZE_1_3)
		return -EINVAL;
	info->nr_vps = h->cfg->vps;
	info->name = h->cfg->name ? h->cfg->name : "";
	info->memory_bytes = h->cfg->memory_bytes;
	return 0;
}

/* GPADLs first (a guest teardown may wait for them), then the channels:
 * cut off from the plugin, then rescinded. The structs are freed: the VM
 * is stopped, so no callback is under way, and the runtime's channel
 * objects, which keep pointing at them, call nothing once rescinded. */
static void release_vmbus(struct pvn_host *h)
{
	struct pvn_host_channel *c;
	struct pvn_host_gpadl *g;

	pthread_rwlock_wrlock(&h->gpadl_lock);
	g = h->gpadls;
	h->gpadls = NULL;
	pthread_rwlock_unlock(&h->gpadl_lock);
	while (g) {
		struct pvn_host_gpadl *n = g->next;
		pvn_vmbus_gpadl_put(g->c->ch, &g->view);
		free(g);
		g = n;
	}
	pthread_mutex_lock(&h->lock);
	c = h->channels;
	h->channels = NULL;
	pthread_mutex_unlock(&h->lock);
	while (c) {
		struct pvn_host_channel *n = c->next;
		__atomic_store_n(&c->dead, true, __ATOMIC_RELEASE);
		if (pvn_vmbus_rescind(c->ch) == 0)
			pvn_debug("%s: VMBus channel %u rescinded at unload", h->name,
				  pvn_vmbus_channel_relid(c->ch));
		c->magic = 0;
		pthread_mutex_destroy(&c->rx_lock);
		free(c->rx);
		free(c);
		c = n;
	}
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
	release_vmbus(h);
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
	ops->vmbus_offer = op_vmbus_offer;
	ops->vmbus_send = op_vmbus_send;
	ops->vmbus_recv = op_vmbus_recv;
	ops->vmbus_rescind = op_vmbus_rescind;
	ops->vmbus_gpadl_map = op_vmbus_gpadl_map;
	ops->vmbus_gpadl_read = op_vmbus_gpadl_read;
	ops->vmbus_gpadl_write = op_vmbus_gpadl_write;
	ops->vmbus_gpadl_unmap = op_vmbus_gpadl_unmap;
	ops->acpi_add_table = op_acpi_add_table;
	ops->acpi_add_device = op_acpi_add_device;
	ops->vmbus_send_ext = op_vmbus_send_ext;
	ops->vm_info = op_vm_info;
	if (minor >= 0 && minor < PVN_PLUGIN_ABI_MINOR) {
		/* Test-only: look like a 1.0, 1.1 or 1.2 runtime. The pointers past
		 * the size are cleared too, so a plugin that ignores size crashes
		 * loudly instead of working by accident. */
		static const size_t sizes[] = {PVN_HOST_OPS_SIZE_1_0, PVN_HOST_OPS_SIZE_1_1,
					       PVN_HOST_OPS_SIZE_1_2};
		_Static_assert(sizeof(sizes) / sizeof(sizes[0]) == PVN_PLUGIN_ABI_MINOR,
			       "a size for every older minor");
		size_t keep = sizes[minor];
		ops->abi_minor = (uint16_t)minor;
		ops->size = (uint32_t)keep;
		memset((char *)ops + keep, 0, sizeof(*ops) - keep);
	}
}
