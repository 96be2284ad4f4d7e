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
 * So a plugin built for 1.0 runs on a 1.1 runtime, and a plugin built for 1.3
 * runs on a 1.2 runtime as long as it copes with -ENOSYS from what 1.3 added
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
 *  - VMBus channel callbacks (1.2) run on the thread of the VP that signalled
 *    or sent the channel message (see struct pvn_plugin_vmbus_ops); close
 *    also on the thread that called vmbus_rescind.
 *  A plugin locks its own state where more than one of these touch it.
 *
 * ---- Handles --------------------------------------------------------------
 * struct pvn_host, struct pvn_host_watch, struct pvn_host_channel and struct
 * pvn_host_gpadl are opaque handles owned by the runtime; the table holds no
 * pointers into runtime internals and hands out no pointers into guest memory
 * (GPADLs are read and written through calls), so a proxy can stand in for
 * it (a plugin running in a worker process).
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
#define PVN_PLUGIN_ABI_MINOR 3

#define PVN_PLUGIN_DESCRIPTOR_SYMBOL "pvn_plugin_descriptor"
#define PVN_PLUGIN_EXPORT __attribute__((visibility("default"), used))

#include "paravane/manifest.h"

struct pvn_host;       /* one per loaded plugin; identifies it to the runtime */
struct pvn_host_watch; /* a timer or fd watch */
struct pvn_host_channel; /* 1.2: a VMBus channel the plugin offered */
struct pvn_host_gpadl;   /* 1.2: a guest GPADL the plugin mapped */
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

/* ---- VMBus (1.2) -------------------------------------------------------------
 * A plugin offers VMBus channels to the guest; the runtime's VMBus server
 * (runtime/vmbus) runs the channel protocol, the rings and the GPADLs, and
 * calls the plugin back through struct pvn_plugin_vmbus_ops.
 */

/* A GUID in the byte order VMBus puts on the wire (the first three fields
 * little-endian, as Windows and Linux's guid_t store them). */
struct pvn_plugin_guid {
	uint8_t b[16];
};

/* Initialiser for {aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee}:
 *     PVN_PLUGIN_GUID(0xaaaaaaaa, 0xbbbb, 0xcccc, 0xdddd, 0xeeeeeeeeeeeeULL) */
#define PVN_PLUGIN_GUID(a, b, c, d, e)                                                             \
	{                                                                                          \
		{                                                                                  \
			(uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16),                   \
			(uint8_t)((a) >> 24), (uint8_t)(b), (uint8_t)((b) >> 8), (uint8_t)(c),     \
			(uint8_t)((c) >> 8), (uint8_t)((d) >> 8), (uint8_t)(d),                    \
			(uint8_t)((e) >> 40), (uint8_t)((e) >> 32), (uint8_t)((e) >> 24),          \
			(uint8_t)((e) >> 16), (uint8_t)((e) >> 8), (uint8_t)(e)                    \
		}                                                                                  \
	}

/* VMBus packet types and flags (the values on the wire). */
#define PVN_PLUGIN_VMBUS_PKT_DATA_INBAND 0x6
#define PVN_PLUGIN_VMBUS_PKT_DATA_USING_XFER_PAGES 0x7
#define PVN_PLUGIN_VMBUS_PKT_DATA_USING_GPADL 0x8
#define PVN_PLUGIN_VMBUS_PKT_DATA_USING_GPA_DIRECT 0x9
#define PVN_PLUGIN_VMBUS_PKT_COMP 0xb
#define PVN_PLUGIN_VMBUS_FLAG_COMPLETION_REQUESTED 0x1

#define PVN_PLUGIN_VMBUS_USER_DEF_MAX 120

/* 1.2. What a channel offer tells the guest. */
struct pvn_plugin_vmbus_offer {
	uint32_t size;                   /* sizeof(struct pvn_plugin_vmbus_offer) as built */
	uint16_t mmio_megabytes;         /* MMIO space the guest reserves for it; 0: none */
	uint16_t user_def_len;           /* bytes of user_def used, <= 120; the rest is 0 */
	struct pvn_plugin_guid class_id; /* the interface (device type) */
	struct pvn_plugin_guid instance_id; /* this device: unique in the VM */
	uint8_t user_def[PVN_PLUGIN_VMBUS_USER_DEF_MAX]; /* offer's user-defined bytes */
	const char *name;                /* for logs, copied; NULL: the plugin's name */
};

/*
 * 1.2. A channel's callbacks. `opaque` is what vmbus_offer was given; `ch` is
 * the handle it returned. Each runs on the thread of the VP whose hypercall
 * caused it (several channels, or open/packets of one channel, may run on
 * different VP threads at once). A callback may call the vmbus_* functions,
 * including on its own channel. The table is copied at offer time.
 * open and close run while the VMBus server holds its own lock: a lock they
 * take must not be held elsewhere across vmbus_offer, vmbus_rescind or
 * vmbus_gpadl_map/unmap (which take the server's lock), or the two can
 * deadlock. packets and writable run without it.
 */
struct pvn_plugin_vmbus_ops {
	uint32_t size; /* sizeof(struct pvn_plugin_vmbus_ops) as built */
	/* The guest opened the channel (its rings are mapped). `userdata` is
	 * the 120 user bytes of OPENCHANNEL. Return 0 to accept, or a non-zero
	 * NTSTATUS (e.g. 0xC0000001) to refuse. May send. May be NULL (accept). */
	uint32_t (*open)(void *opaque, struct pvn_host_channel *ch, const uint8_t *userdata,
			 size_t len);
	/* The channel closed: guest CLOSECHANNEL or UNLOAD, or vmbus_rescind
	 * (then on the rescinding thread). Unmap this channel's GPADLs (a guest
	 * teardown waits for them). May be NULL. */
	void (*close)(void *opaque, struct pvn_host_channel *ch);
	/* The guest signalled: packets may be waiting; read them with
	 * vmbus_recv until -EAGAIN (or stop early and read later, from any
	 * thread). Required. */
	void (*packets)(void *opaque, struct pvn_host_channel *ch);
	/* After vmbus_send returned -EAGAIN: the guest has freed room in the
	 * host->guest ring. May be NULL. */
	void (*writable)(void *opaque, struct pvn_host_channel *ch);
};

/* 1.2. What vmbus_recv reports about the packet it copied. */
struct pvn_plugin_vmbus_pkt {
	uint32_t size;        /* the caller sets sizeof(struct pvn_plugin_vmbus_pkt) */
	uint16_t type;        /* PVN_PLUGIN_VMBUS_PKT_* */
	uint16_t flags;       /* PVN_PLUGIN_VMBUS_FLAG_* */
	uint64_t trans_id;    /* the guest's transaction id */
	uint32_t len;         /* bytes copied to buf (with -EMSGSIZE: bytes needed) */
	uint32_t data_offset; /* where the payload starts in buf (0 for in-band) */
	uint32_t data_len;    /* payload bytes: len - data_offset */
};

/* 1.2. What vmbus_gpadl_map reports about a GPADL. */
struct pvn_plugin_gpadl_info {
	uint32_t size;        /* the caller sets sizeof(struct pvn_plugin_gpadl_info) */
	uint32_t nr_pages;    /* 4 KiB pages: offsets run over [0, nr_pages * 4096) */
	uint32_t byte_offset; /* of the first range in its first page */
	uint32_t byte_count;  /* sum over the GPADL's ranges */
};

/* 1.3. What vm_info reports about the VM. */
struct pvn_plugin_vm_info {
	uint32_t size;         /* the caller sets sizeof(struct pvn_plugin_vm_info) */
	uint32_t nr_vps;       /* virtual processors */
	const char *name;      /* the VM's `name` (never NULL); the runtime's, until fini */
	uint64_t memory_bytes; /* guest (VTL0) RAM */
};

/* 1.3. The header of a PVN_PLUGIN_VMBUS_PKT_DATA_USING_XFER_PAGES packet, as
 * vmbus_send_ext takes it: it follows the 16-byte packet descriptor, and
 * range_count ranges follow it (offsets into the transfer page set, e.g. a
 * receive buffer the guest gave the device). */
struct pvn_plugin_vmbus_xfer_range {
	uint32_t byte_count;
	uint32_t byte_offset;
};
struct pvn_plugin_vmbus_xfer_header {
	uint16_t xfer_pageset_id;
	uint8_t sender_owns_set;
	uint8_t reserved;
	uint32_t range_count;
	/* struct pvn_plugin_vmbus_xfer_range ranges[range_count]; */
};
#ifndef __cplusplus
_Static_assert(sizeof(struct pvn_plugin_vmbus_xfer_range) == 8, "xfer range");
_Static_assert(sizeof(struct pvn_plugin_vmbus_xfer_header) == 8, "xfer header");
#endif

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

	/* ---- added in 1.2 ---- */

	/*
	 * VMBus channels. -ENODEV (logged) when the VM has no VMBus (hyperv =
	 * false or vmbus.enabled = false). Handles are owned by the runtime and
	 * stay valid until fini returns; channels still offered then are
	 * rescinded by the runtime afterwards (without calling close), and
	 * GPADLs still mapped are unmapped.
	 */
	/* 1.2. Offer a channel. From init, or any thread while the VM runs (the
	 * guest sees it at once if it already asked for offers). `offer` and
	 * `ops` are copied. -EINVAL (logged) for a bad offer (size, user_def_len
	 * > 120, a zero class GUID, mmio_megabytes beyond the VMBus window, no
	 * packets callback); -EEXIST when another plugin's channel has the same
	 * instance GUID (the error names it). */
	int (*vmbus_offer)(struct pvn_host *h, const struct pvn_plugin_vmbus_offer *offer,
			   const struct pvn_plugin_vmbus_ops *ops, void *opaque,
			   struct pvn_host_channel **out);
	/* 1.2. Send one packet of `type` (in-band: PVN_PLUGIN_VMBUS_PKT_DATA_INBAND)
	 * with `len` bytes of data (copied into the ring; padded to 8 bytes).
	 * -EAGAIN when the host->guest ring is full (the writable callback
	 * follows when the guest frees room), -ENOTCONN when the channel is not
	 * open, -EMSGSIZE when it can never fit, -EPROTO after the guest broke
	 * the ring (the channel is reset until the guest closes it). Any thread. */
	int (*vmbus_send)(struct pvn_host *h, struct pvn_host_channel *ch, uint16_t type,
			  uint16_t flags, uint64_t trans_id, const void *data, size_t len);
	/* 1.2. Take the next packet from the guest: copies what follows its
	 * descriptor to buf (for in-band packets the payload; for other types
	 * their header, e.g. GPA ranges, then the payload at pkt->data_offset)
	 * and fills *pkt (pkt->size set by the caller). -EAGAIN when none,
	 * -EMSGSIZE when cap < pkt->len (left in the ring; pkt->len says how
	 * much is needed), -ENOTCONN, -EPROTO as for vmbus_send. The bytes are
	 * a copy: validate them. Any thread. */
	int (*vmbus_recv)(struct pvn_host *h, struct pvn_host_channel *ch,
			  struct pvn_plugin_vmbus_pkt *pkt, void *buf, size_t cap);
	/* 1.2. Withdraw the offer: closes the channel (close callback, on this
	 * thread) and tells the guest. The handle stays valid, and inert
	 * (-ENOTCONN), until fini. -EALREADY when already rescinded. Any thread. */
	int (*vmbus_rescind)(struct pvn_host *h, struct pvn_host_channel *ch);
	/* 1.2. Map GPADL `gpadl_id`, which the guest created for channel ch
	 * (e.g. a buffer named in a packet: never trust the id). *out is a
	 * handle for vmbus_gpadl_read/write; *info (may be NULL; info->size set
	 * by the caller) describes it. The GPADL's pages stay the guest's: a
	 * guest teardown is answered once it is unmapped. -ENOENT when ch has
	 * no such complete GPADL. Any thread. */
	int (*vmbus_gpadl_map)(struct pvn_host *h, struct pvn_host_channel *ch, uint32_t gpadl_id,
			       struct pvn_host_gpadl **out, struct pvn_plugin_gpadl_info *info);
	/* 1.2. Copy len bytes at byte `off` of the GPADL's page list (checked:
	 * -EFAULT when [off, off+len) leaves it; -ENOENT for a handle that is
	 * not one of this plugin's mapped GPADLs). Any thread. */
	int (*vmbus_gpadl_read)(struct pvn_host *h, struct pvn_host_gpadl *g, uint64_t off,
				void *buf, size_t len);
	int (*vmbus_gpadl_write)(struct pvn_host *h, struct pvn_host_gpadl *g, uint64_t off,
				 const void *buf, size_t len);
	/* 1.2. Release the mapping; the handle is invalid afterwards. Any thread. */
	int (*vmbus_gpadl_unmap)(struct pvn_host *h, struct pvn_host_gpadl *g);

	/*
	 * ACPI. Only from init: the tables are built once every plugin's init
	 * has returned; later calls return -EBUSY. -ENODEV (logged) when the VM
	 * has no ACPI tables (acpi = false). The bytes are copied. A refusal is
	 * logged and names the plugin (and the other owner, for a clash).
	 */
	/* 1.2. Add a complete table (header included; e.g. TPM2 or an SSDT).
	 * The runtime fixes its checksum and lists it in the XSDT. -EINVAL: a
	 * length under 36 or not the header's, or a bad signature; -E2BIG: over
	 * 64 KiB; -EEXIST: a table the runtime builds itself (FACP, DSDT, APIC,
	 * FACS, XSDT, RSDT) or a second table with the same signature (except
	 * SSDT); -ENOSPC: too many extra tables in the VM (32). */
	int (*acpi_add_table)(struct pvn_host *h, const void *table, size_t len);
	/* 1.2. Add AML to \_SB of the DSDT: one or more complete Device() terms
	 * (ExtOpPrefix 0x5b, DeviceOp 0x82, PkgLength, NameSeg, body). Anything
	 * else is refused with -EINVAL. */
	int (*acpi_add_device)(struct pvn_host *h, const void *aml, size_t len);

	/* ---- added in 1.3 ---- */

	/*
	 * 1.3. vmbus_send with a header between the packet descriptor and the
	 * data, for packet types whose descriptor is followed by more than the
	 * payload: PVN_PLUGIN_VMBUS_PKT_DATA_USING_XFER_PAGES takes a struct
	 * pvn_plugin_vmbus_xfer_header and its ranges there (a network device
	 * hands received frames to the guest that way). The packet's data offset
	 * (offset8) points past `hdr`, where the `len` bytes of data start.
	 * `hdr_len` must be a multiple of 8 (-EINVAL otherwise; with 0 this is
	 * vmbus_send). Header and data are copied into the ring; the runtime
	 * does not interpret the header (its ranges are the plugin's to get
	 * right: they name memory the guest owns). Errors as for vmbus_send:
	 * -EAGAIN (the writable callback follows), -ENOTCONN, -EMSGSIZE,
	 * -EPROTO. Any thread.
	 */
	int (*vmbus_send_ext)(struct pvn_host *h, struct pvn_host_channel *ch, uint16_t type,
			      uint16_t flags, uint64_t trans_id, const void *hdr, size_t hdr_len,
			      const void *data, size_t len);
	/* 1.3. Describe the VM (e.g. to derive a stable MAC address from its
	 * name): fills *info up to info->size, which the caller sets (-EINVAL
	 * when it is smaller than the 1.3 struct). Any thread. */
	int (*vm_info)(struct pvn_host *h, struct pvn_plugin_vm_info *info);
};

#define PVN_HOST_OPS_SIZE_1_0 (offsetof(struct pvn_host_ops, watch_remove) + sizeof(void *))
#define PVN_HOST_OPS_SIZE_1_1 (offsetof(struct pvn_host_ops, service_lookup) + sizeof(void *))
#define PVN_HOST_OPS_SIZE_1_2 (offsetof(struct pvn_host_ops, acpi_add_device) + sizeof(void *))
#define PVN_HOST_OPS_SIZE_1_3 (offsetof(struct pvn_host_ops, vm_info) + sizeof(void *))

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

/* 1.2. Complete a guest request: a completion packet (PVN_PLUGIN_VMBUS_PKT_COMP)
 * for trans_id carrying `len` bytes of data, through vmbus_send (same errors,
 * -ENOSYS on a runtime without it). Any thread. */
static inline int pvn_plugin_vmbus_complete(const struct pvn_host_ops *ops, struct pvn_host *h,
					    struct pvn_host_channel *ch, uint64_t trans_id,
					    const void *data, size_t len)
{
	return PVN_HOST_CALL(ops, vmbus_send, h, ch, PVN_PLUGIN_VMBUS_PKT_COMP, 0, trans_id, data,
			     len);
}

#endif
