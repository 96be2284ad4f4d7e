/* SPDX-License-Identifier: MIT */
/*
 * The Paravane plugin ABI.
 *
 * A plugin is a shared object, signed by its publisher, that provides devices
 * (or services such as a TPM engine) to a Paravane VM. It links against libc
 * and its own dependencies only: the runtime exports no symbols. Everything a
 * plugin may do to the VM goes through the host-ops table handed to init().
 *
 * A plugin exports exactly one symbol, PVN_PLUGIN_DESCRIPTOR_SYMBOL, and
 * carries a manifest note (paravane/manifest.h):
 *
 *     #include <paravane/plugin.h>
 *
 *     PVN_PLUGIN_MANIFEST("hello", "1.0.0", "");
 *     PVN_PLUGIN_EXPORT const struct pvn_plugin_descriptor pvn_plugin_descriptor = {
 *             PVN_PLUGIN_DESCRIPTOR_HEADER,
 *             .name = "hello", .version = "1.0.0", .license = "MIT",
 *             .init = hello_init, .fini = hello_fini,
 *     };
 *
 * Build with -fPIC -shared -fvisibility=hidden; sign with paravane-sign.
 * docs/plugin-guide.md walks through it.
 *
 * ---- Version policy -------------------------------------------------------
 * PVN_PLUGIN_ABI_MAJOR changes only for an incompatible change (a field
 * removed, moved or re-typed, a behaviour changed). The runtime refuses a
 * plugin whose major differs from its own, naming both versions.
 * PVN_PLUGIN_ABI_MINOR rises whenever something is appended: a host-ops
 * function, a descriptor field. Structs are append-only and start with their
 * size, so either side may be newer:
 *  - The runtime reads a descriptor field only when desc->struct_size covers
 *    it, and otherwise uses the field's documented default.
 *  - A plugin calls a host function only when ops->size covers it: use
 *    PVN_HOST_CALL(), which returns -ENOSYS instead of calling through a
 *    missing pointer, or test PVN_HOST_HAS() first.
 * So a plugin built for 1.0 runs on a 1.1 runtime, and a plugin built for 1.2
 * runs on a 1.1 runtime as long as it copes with -ENOSYS from what 1.2 added
 * (its init may fail with that -ENOSYS if it cannot do without).
 * Every declaration below says which minor added it.
 *
 * ---- Threads --------------------------------------------------------------
 *  - init() and fini() run on the main thread: init before any VP runs, fini
 *    after every VP and the event loop have stopped. Plugins are initialised
 *    in the order the VM config lists them and finalised in reverse order.
 *  - Intercept handlers (PIO, MMIO, MSR, CPUID, hypercall) run on the thread
 *    of the VP that exited; several VPs may call the same handler at once.
 *  - Timer and fd callbacks run on the VM's event-loop thread, one at a time.
 *  A plugin locks its own state where more than one of these touch it.
 *
 * ---- Handles --------------------------------------------------------------
 * struct pvn_host and struct pvn_host_watch are opaque handles owned by the
 * runtime; the table holds no pointers into runtime internals, so a proxy can
 * stand in for it (a plugin running in a worker process).
 */
#ifndef PARAVANE_PLUGIN_H
#define PARAVANE_PLUGIN_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PVN_PLUGIN_ABI_MAJOR 1
#define PVN_PLUGIN_ABI_MINOR 1

#define PVN_PLUGIN_DESCRIPTOR_SYMBOL "pvn_plugin_descriptor"
#define PVN_PLUGIN_EXPORT __attribute__((visibility("default"), used))

#include "paravane/manifest.h"

struct pvn_host;       /* one per loaded plugin; identifies it to the runtime */
struct pvn_host_watch; /* a timer or fd watch */
struct pvn_host_ops;

/* Log levels for ops->log. */
enum pvn_plugin_log_level {
	PVN_PLUGIN_LOG_ERROR = 0,
	PVN_PLUGIN_LOG_WARN = 1,
	PVN_PLUGIN_LOG_INFO = 2,
	PVN_PLUGIN_LOG_DEBUG = 3,
};

/* ---- Intercept handlers (1.0) ----------------------------------------------
 * Run on the thread of the VP that exited; `vp` is its index. For reads the
 * handler stores the result in *val; for writes *val holds the data
 * (zero-extended). A negative errno marks the access as failed: PIO/MMIO
 * reads then see all-ones, writes are dropped, MSR accesses raise #GP.
 */
typedef int (*pvn_plugin_pio_fn)(void *opaque, unsigned vp, uint16_t port, unsigned size,
				 bool write, uint32_t *val);
typedef int (*pvn_plugin_mmio_fn)(void *opaque, unsigned vp, uint64_t gpa, unsigned size,
				  bool write, uint64_t *val);
typedef int (*pvn_plugin_msr_fn)(void *opaque, unsigned vp, uint32_t msr, bool write,
				 uint64_t *val);
/* Adjusts regs[] = {eax, ebx, ecx, edx}, pre-filled with what the hypervisor
 * offers. May be computed once per VP before it runs: depend only on
 * (vp, leaf, subleaf). */
typedef void (*pvn_plugin_cpuid_fn)(void *opaque, unsigned vp, uint32_t leaf, uint32_t subleaf,
				    uint32_t regs[4]);
/* Gets the hypercall input value (code in bits 0-15) and the input/output
 * GPAs (reach them with mem_read/mem_write, never trust them); returns a
 * Hyper-V status code. */
typedef uint16_t (*pvn_plugin_hcall_fn)(void *opaque, unsigned vp, uint64_t control,
					uint64_t in_gpa, uint64_t out_gpa);

/* ---- Event-loop callbacks (1.0): run on the event-loop thread ---- */
typedef void (*pvn_plugin_timer_fn)(void *opaque);
/* `events` are epoll(7) event bits. */
typedef void (*pvn_plugin_fd_fn)(void *opaque, int fd, uint32_t events);

/* ---- Services (1.1) -----------------------------------------------------------
 * A service is a name, a version major.minor and a vtable whose first field is
 * the vtable's size (struct pvn_service_head); like this ABI, a vtable is
 * append-only within a major. Example: the vTPM plugin provides "tpm" 1.0,
 * which the secure-boot plugin looks up to measure into.
 */
struct pvn_service_head {
	uint32_t size; /* sizeof the provider's vtable */
};

/* A service named in a descriptor's provides/requires list (terminated by an
 * entry whose name is NULL). For requires, minor is the lowest acceptable. */
struct pvn_service_ref {
	const char *name;
	uint16_t major;
	uint16_t minor;
};

/* ---- The descriptor --------------------------------------------------------
 * Exported as PVN_PLUGIN_DESCRIPTOR_SYMBOL; const, initialised data (the
 * loader reads struct_size, the ABI and the name from the file before it
 * runs anything).
 */
struct pvn_plugin_descriptor {
	uint32_t struct_size; /* 1.0: sizeof(struct pvn_plugin_descriptor) as built */
	uint16_t abi_major;   /* 1.0: PVN_PLUGIN_ABI_MAJOR as built */
	uint16_t abi_minor;   /* 1.0: PVN_PLUGIN_ABI_MINOR as built */
	const char *name;     /* 1.0: [A-Za-z0-9._-]{1,31}; owner name of its claims */
	const char *version;  /* 1.0: the plugin's own version */
	const char *license;  /* 1.0: SPDX expression, e.g. "MIT" */
	/* 1.0: services it provides (from init) and requires (provided by a
	 * plugin listed earlier); NULL or {NULL}-terminated. */
	const struct pvn_service_ref *provides;
	const struct pvn_service_ref *requires;
	/*
	 * 1.0. Called once, on the main thread, before any VP runs. `ops` and
	 * `host` stay valid until fini returns. Claim what the device owns, read
	 * settings, and store the plugin's state in *state (passed to fini).
	 * Return 0, or a negative errno: the VM then does not start, and what the
	 * plugin claimed is released by the runtime (fini is not called).
	 */
	int (*init)(const struct pvn_host_ops *ops, struct pvn_host *host, void **state);
	/* 1.0. Called on the main thread after the VM stopped, in reverse load
	 * order; may be NULL. Claims, watches and services are released by the
	 * runtime after it returns. */
	void (*fini)(void *state);
};

#define PVN_PLUGIN_DESCRIPTOR_SIZE_1_0                                                             \
	(offsetof(struct pvn_plugin_descriptor, fini) + sizeof(void (*)(void *)))

/* The first three fields, as this header describes them. */
#define PVN_PLUGIN_DESCRIPTOR_HEADER                                                               \
	.struct_size = sizeof(struct pvn_plugin_descriptor), .abi_major = PVN_PLUGIN_ABI_MAJOR,  \
	.abi_minor = PVN_PLUGIN_ABI_MINOR

/* ---- The host-ops table --------------------------------------------------
 * Handed to init(); owned by the runtime. Every function takes the plugin's
 * `host` handle first. Unless said otherwise functions return 0 or a negative
 * errno, and strings passed in are copied (the caller keeps ownership).
 */
struct pvn_host_ops {
	uint32_t size;      /* 1.0: how much of this table the runtime provides */
	uint16_t abi_major; /* 1.0: the runtime's ABI */
	uint16_t abi_minor; /* 1.0 */

	/* 1.0. Log one message, prefixed with the plugin's name. Any thread. */
	void (*log)(struct pvn_host *h, int level, const char *msg);

	/*
	 * Settings: the plugin's `settings = { ... }` group in the VM config.
	 * `key` is a path inside it ("port", "backend.path"). Absent keys return
	 * -ENOENT and log nothing (use your default). A key of the wrong type
	 * returns -EINVAL and logs "FILE:LINE: plugins.[N].settings.KEY: must
	 * be ...". Call from init (main thread). Strings stay valid until fini.
	 */
	int (*cfg_get_string)(struct pvn_host *h, const char *key, const char **out); /* 1.0 */
	int (*cfg_get_int)(struct pvn_host *h, const char *key, int64_t *out);       /* 1.0 */
	int (*cfg_get_bool)(struct pvn_host *h, const char *key, bool *out);         /* 1.0 */
	/* 1.0. Report a setting the plugin refuses (e.g. out of range), in the
	 * same form as the getters' errors. Returns -EINVAL for convenience. */
	int (*cfg_error)(struct pvn_host *h, const char *key, const char *msg);

	/*
	 * Intercepts: claim [first, first+count) for this plugin. Only from init
	 * (the table is sealed when VPs start: -EPERM). -EEXIST when another
	 * owner holds part of it; the error names both. Handlers run on VP
	 * threads (see above); `opaque` is passed back to them.
	 */
	int (*claim_pio)(struct pvn_host *h, uint16_t first, uint32_t count, pvn_plugin_pio_fn fn,
			 void *opaque); /* 1.0 */
	int (*claim_mmio)(struct pvn_host *h, uint64_t gpa, uint64_t size, pvn_plugin_mmio_fn fn,
			  void *opaque); /* 1.0 */
	int (*claim_msr)(struct pvn_host *h, uint32_t first, uint32_t count, pvn_plugin_msr_fn fn,
			 void *opaque); /* 1.0 */
	int (*claim_cpuid)(struct pvn_host *h, uint32_t first_leaf, uint32_t count,
			   pvn_plugin_cpuid_fn fn, void *opaque); /* 1.0 */
	int (*claim_hcall)(struct pvn_host *h, uint16_t first_code, uint32_t count,
			   pvn_plugin_hcall_fn fn, void *opaque); /* 1.0 */

	/*
	 * 1.0. Copy guest (VTL0) memory. -EFAULT unless all of [gpa, gpa+len)
	 * is RAM the guest may access; nothing outside it is ever touched. Any
	 * thread. Guest memory changes under you: copy, then validate.
	 */
	int (*mem_read)(struct pvn_host *h, uint64_t gpa, void *buf, size_t len);
	int (*mem_write)(struct pvn_host *h, uint64_t gpa, const void *buf, size_t len);

	/*
	 * Interrupts. Lines are IOAPIC GSIs. claim/alloc: from init; -EEXIST
	 * names the owner. set/pulse: only lines this plugin holds (-EPERM
	 * otherwise); any thread. send_msi: address in 0xFEExxxxx; any thread.
	 */
	int (*irq_claim_line)(struct pvn_host *h, uint32_t gsi);                /* 1.0 */
	int (*irq_alloc_line)(struct pvn_host *h, uint32_t *gsi);               /* 1.0 */
	int (*irq_set_line)(struct pvn_host *h, uint32_t gsi, bool level);      /* 1.0 */
	int (*irq_pulse_line)(struct pvn_host *h, uint32_t gsi);                /* 1.0 */
	int (*irq_send_msi)(struct pvn_host *h, uint64_t address, uint32_t data); /* 1.0 */

	/*
	 * Event loop. A timer first fires after first_ns, then every period_ns
	 * (0 = once); an fd watch calls fn for `events` (epoll bits) on fd (the
	 * plugin keeps owning fd). Callbacks run on the event-loop thread, which
	 * starts with the VM. *out (may be NULL) is a handle owned by the
	 * runtime, valid until watch_remove or fini; whatever is left is removed
	 * after fini. Add/remove from init or any thread while the VM runs;
	 * after watch_remove returns, the callback is not called again (except
	 * one already running on the loop thread).
	 */
	int (*timer_add)(struct pvn_host *h, uint64_t first_ns, uint64_t period_ns,
			 pvn_plugin_timer_fn fn, void *opaque, struct pvn_host_watch **out); /* 1.0 */
	int (*timer_set)(struct pvn_host *h, struct pvn_host_watch *w, uint64_t first_ns,
			 uint64_t period_ns); /* 1.0 */
	int (*fd_watch_add)(struct pvn_host *h, int fd, uint32_t events, pvn_plugin_fd_fn fn,
			    void *opaque, struct pvn_host_watch **out); /* 1.0 */
	int (*watch_remove)(struct pvn_host *h, struct pvn_host_watch *w); /* 1.0 */

	/* ---- added in 1.1 ---- */

	/* 1.1. A list of strings: key = [ "a", "b" ] or ( "a", "b" ). *items is
	 * an array of *count strings owned by the runtime, valid until fini.
	 * Errors as for the other getters. From init. */
	int (*cfg_get_string_list)(struct pvn_host *h, const char *key, const char *const **items,
				   size_t *count);
	/* 1.1. Offer service name major.minor. vtable starts with struct
	 * pvn_service_head and stays valid (and callable from any thread) until
	 * fini. -EEXIST names the plugin that already provides `name`. From init. */
	int (*service_provide)(struct pvn_host *h, const char *name, uint16_t major, uint16_t minor,
			       const void *vtable);
	/* 1.1. Find service `name` with the same major and a minor >= min_minor.
	 * *vtable is the provider's (check its size before touching a field);
	 * *minor (may be NULL) gets the provider's minor. -ENOENT when nobody
	 * provides it, -EPROTO when the version does not fit. From init. */
	int (*service_lookup)(struct pvn_host *h, const char *name, uint16_t major,
			      uint16_t min_minor, const void **vtable, uint16_t *minor);
};

#define PVN_HOST_OPS_SIZE_1_0 (offsetof(struct pvn_host_ops, watch_remove) + sizeof(void *))
#define PVN_HOST_OPS_SIZE_1_1 (offsetof(struct pvn_host_ops, service_lookup) + sizeof(void *))

/* True when the runtime's table has `fn` (both its size and the pointer). */
#define PVN_HOST_HAS(ops, fn)                                                                      \
	((ops) && (ops)->size >= offsetof(struct pvn_host_ops, fn) + sizeof((ops)->fn) &&         \
	 (ops)->fn != NULL)

/* Call an int-returning host function, or evaluate to -ENOSYS when the
 * runtime's table is too old to have it:
 *     r = PVN_HOST_CALL(ops, claim_pio, host, port, 2, my_pio, st); */
#define PVN_HOST_CALL(ops, fn, ...) (PVN_HOST_HAS(ops, fn) ? (ops)->fn(__VA_ARGS__) : -ENOSYS)

/* printf-style logging through ops->log (1.0). Any thread. */
static inline __attribute__((format(printf, 4, 5))) void
pvn_plugin_log(const struct pvn_host_ops *ops, struct pvn_host *h, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!PVN_HOST_HAS(ops, log))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ops->log(h, level, msg);
}

#endif
