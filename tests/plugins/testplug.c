/* SPDX-License-Identifier: MIT */
/*
 * The test plugin. One source, built into several .so files with -D
 * switches (tests/plugins/local.mk) to produce good and deliberately broken
 * plugins:
 *
 *   TP_NAME "x"         plugin name (default "testplug")
 *   TP_ABI_MAJOR/MINOR  ABI it claims (default: this header's)
 *   TP_MANIFEST_NAME    manifest name, when it should disagree
 *   TP_TRUNCATED        export an 8-byte descriptor
 *   TP_NO_DESCRIPTOR    export no descriptor symbol
 *   TP_NEEDS_SERVICES   init needs service_provide (ABI 1.1) or fails
 *   TP_REQUIRES "svc"   require service svc 1.0 and call it in init
 *   TP_FAIL_INIT        claim the port, then fail init with -EIO
 *   TP_PAD_BYTES n      carry n bytes of initialised data (the bench)
 *   TP_VMBUS            offer a VMBus echo channel (ABI 1.2) or fail init
 *   TP_ACPI             add an ACPI table and a DSDT device (ABI 1.2) or fail init
 *
 * TP_VMBUS: class {8a4c2f31-6e0d-4b7a-9d52-1c3e5f7a9b0d}, instance
 * {8a4c2f31-6e0d-4b7a-9d52-1c3e5f7a9b01}, user_def "tp-echo". Every in-band
 * packet comes back with the same type, trans_id and payload, except one
 * whose payload starts with "GPAD" + u32 GPADL id + u32 length: the plugin
 * maps that GPADL, sums `length` bytes from offset 0, inverts them in place,
 * unmaps it and answers with a completion packet (pvn_plugin_vmbus_complete)
 * carrying { u32 sum, u32 nr_pages, u32 byte_count, u32 0 }; and one whose
 * payload starts with "XFER": the rest comes back as the data of a
 * transfer-page packet (ABI 1.3 vmbus_send_ext, type 7) with the header
 * { pageset 0x1234, 2 ranges: {16, 32}, {48, 64} } between descriptor and
 * data, or, on a runtime before 1.3, as an in-band "NOSYS" packet.
 *
 * TP_ACPI: table "PVNT" (40 bytes, payload "PVN!") and Device (PVND) with
 * _HID "PVN0001" in \_SB. Port 0x720: a read tries to add another table
 * (after init: must fail) and returns -errno.
 *
 * The device (settings: port, default 0x710): port+0 latches a byte written
 * and reads it back; reads of port+1 return the greeting one character at a
 * time, ending with NUL (a write to port+1 rewinds it).
 *
 * A constructor appends "<name>\n" to $PVN_TEST_MARKER: the tests check that
 * a refused plugin never ran any code. fini appends "fini <name>\n" to
 * $PVN_TEST_FINI_LOG (order checks).
 */
#include <paravane/plugin.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef TP_NAME
#define TP_NAME "testplug"
#endif
#ifndef TP_MANIFEST_NAME
#define TP_MANIFEST_NAME TP_NAME
#endif
#ifndef TP_ABI_MAJOR
#define TP_ABI_MAJOR PVN_PLUGIN_ABI_MAJOR
#endif
#ifndef TP_ABI_MINOR
#define TP_ABI_MINOR PVN_PLUGIN_ABI_MINOR
#endif
#define TP_VERSION "0.1.0"

static void append(const char *env, const char *what)
{
	const char *path = getenv(env);
	int fd;

	if (!path || !*path)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	if (write(fd, what, strlen(what)) < 0) {
		/* nothing useful to do in a test marker */
	}
	close(fd);
}

__attribute__((constructor)) static void tp_ctor(void)
{
	append("PVN_TEST_MARKER", TP_NAME "\n");
}

#ifdef TP_PAD_BYTES
/* Initialised, so it takes file space (a 1 MiB plugin for the benchmark). */
__attribute__((used)) static const unsigned char tp_pad[TP_PAD_BYTES] = {1, 2, 3};
#endif

struct tp {
	const struct pvn_host_ops *ops;
	struct pvn_host *host;
	pthread_mutex_t lock;
	uint16_t port;
	uint8_t latch;
	unsigned pos;
	char greeting[64];
	int timer_fired;
	struct pvn_host_watch *timer;
#ifdef TP_VMBUS
	struct tp_echo *echo;
#endif
};

static int tp_pio(void *opaque, unsigned vp, uint16_t port, unsigned size, bool write,
		  uint32_t *val)
{
	struct tp *t = opaque;
	size_t n = strlen(t->greeting) + 1;

	pthread_mutex_lock(&t->lock);
	if (port == t->port) {
		if (write)
			t->latch = (uint8_t)*val;
		else
			*val = t->latch;
	} else if (write) {
		t->pos = 0;
	} else {
		*val = (uint8_t)t->greeting[t->pos];
		t->pos = (t->pos + 1) % n;
	}
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static void tp_timer(void *opaque)
{
	struct tp *t = opaque;
	pthread_mutex_lock(&t->lock);
	t->timer_fired++;
	pthread_mutex_unlock(&t->lock);
}

/* A service (ABI 1.1): the vtable starts with its size. */
struct tp_svc {
	struct pvn_service_head head;
	int (*answer)(void);
};
static int tp_answer(void)
{
	return 42;
}
static const struct tp_svc tp_svc = {{sizeof(struct tp_svc)}, tp_answer};

#ifdef TP_VMBUS
/* ---- a VMBus echo channel through the ABI 1.2 calls ---- */
struct tp_echo {
	const struct pvn_host_ops *ops;
	struct pvn_host *host;
	struct pvn_host_channel *ch;
	pthread_mutex_t lock;
	bool holding; /* pkt/buf hold a packet the ring had no room for */
	bool xfer;    /* ... and it is an "XFER" request */
	bool reset;   /* atomic: the channel closed or reopened, drop what is held */
	struct pvn_plugin_vmbus_pkt pkt;
	uint8_t buf[65536 + 64];
	uint64_t count, opens, closes;
};

static void tp_gpadl_op(struct tp_echo *e)
{
	struct pvn_plugin_gpadl_info info = {.size = sizeof(info)};
	struct pvn_host_gpadl *g;
	uint32_t id, len, reply[4] = {0};
	uint8_t chunk[256];
	int r;

	memcpy(&id, e->buf + e->pkt.data_offset + 4, 4);
	memcpy(&len, e->buf + e->pkt.data_offset + 8, 4);
	r = PVN_HOST_CALL(e->ops, vmbus_gpadl_map, e->host, e->ch, id, &g, &info);
	if (r) {
		reply[3] = (uint32_t)-r;
	} else {
		reply[1] = info.nr_pages;
		reply[2] = info.byte_count;
		for (uint32_t off = 0; off < len && !r; off += sizeof(chunk)) {
			uint32_t n = len - off < sizeof(chunk) ? len - off : sizeof(chunk);
			r = e->ops->vmbus_gpadl_read(e->host, g, off, chunk, n);
			for (uint32_t i = 0; !r && i < n; i++) {
				reply[0] += chunk[i];
				chunk[i] = (uint8_t)~chunk[i];
			}
			if (!r)
				r = e->ops->vmbus_gpadl_write(e->host, g, off, chunk, n);
		}
		/* Past the end: refused, nothing touched. */
		if (!r && e->ops->vmbus_gpadl_read(e->host, g, (uint64_t)info.nr_pages * 4096 - 1,
						   chunk, 2) != -EFAULT)
			r = -EIO;
		if (r)
			reply[3] = (uint32_t)-r;
		r = e->ops->vmbus_gpadl_unmap(e->host, g);
		if (!r && e->ops->vmbus_gpadl_unmap(e->host, g) != -ENOENT)
			reply[3] = EIO;
	}
	r = pvn_plugin_vmbus_complete(e->ops, e->host, e->ch, e->pkt.trans_id, reply,
				      sizeof(reply));
	if (r)
		pvn_plugin_log(e->ops, e->host, PVN_PLUGIN_LOG_ERROR, "completion: %d", r);
}

/* "XFER": answer with a transfer-page packet through vmbus_send_ext (1.3). */
static int tp_xfer_op(struct tp_echo *e)
{
	struct {
		struct pvn_plugin_vmbus_xfer_header h;
		struct pvn_plugin_vmbus_xfer_range r[2];
	} x = {{0x1234, 0, 0, 2}, {{16, 32}, {48, 64}}};
	const uint8_t *data = e->buf + e->pkt.data_offset + 4;
	int r;

	r = PVN_HOST_CALL(e->ops, vmbus_send_ext, e->host, e->ch,
			  PVN_PLUGIN_VMBUS_PKT_DATA_USING_XFER_PAGES, 0, e->pkt.trans_id, &x,
			  sizeof(x), data, e->pkt.data_len - 4);
	if (r == -ENOSYS)
		r = e->ops->vmbus_send(e->host, e->ch, PVN_PLUGIN_VMBUS_PKT_DATA_INBAND, 0,
				       e->pkt.trans_id, "NOSYS", 5);
	/* A header that is not a multiple of 8 bytes is refused. */
	if (!r && PVN_HOST_HAS(e->ops, vmbus_send_ext) &&
	    e->ops->vmbus_send_ext(e->host, e->ch, PVN_PLUGIN_VMBUS_PKT_DATA_USING_XFER_PAGES,
				   0, 1, &x, 12, data, 4) != -EINVAL)
		r = -EPROTO;
	return r;
}

/* Read and answer until the guest's ring is empty or ours is full (the
 * writable callback resumes). */
static void tp_echo_pump(void *opaque, struct pvn_host_channel *ch)
{
	struct tp_echo *e = opaque;

	pthread_mutex_lock(&e->lock);
	if (__atomic_exchange_n(&e->reset, false, __ATOMIC_ACQ_REL))
		e->holding = e->xfer = false;
	for (;;) {
		int r;

		if (!e->holding) {
			e->pkt.size = sizeof(e->pkt);
			r = e->ops->vmbus_recv(e->host, e->ch, &e->pkt, e->buf, sizeof(e->buf));
			if (r)
				break; /* -EAGAIN: empty */
			if (e->pkt.data_len >= 12 &&
			    !memcmp(e->buf + e->pkt.data_offset, "GPAD", 4)) {
				tp_gpadl_op(e);
				continue;
			}
			if (e->pkt.data_len >= 4 &&
			    !memcmp(e->buf + e->pkt.data_offset, "XFER", 4)) {
				r = tp_xfer_op(e);
				if (r == -EAGAIN) {
					e->holding = true; /* resend from writable */
					e->xfer = true;
					break;
				}
				if (r)
					pvn_plugin_log(e->ops, e->host, PVN_PLUGIN_LOG_ERROR,
						       "xfer: %d", r);
				continue;
			}
			e->holding = true;
		}
		if (e->xfer)
			r = tp_xfer_op(e);
		else
			r = e->ops->vmbus_send(e->host, e->ch, e->pkt.type, 0, e->pkt.trans_id,
					       e->buf + e->pkt.data_offset, e->pkt.data_len);
		if (r == -EAGAIN)
			break;
		e->holding = false;
		e->xfer = false;
		if (!r)
			e->count++;
	}
	pthread_mutex_unlock(&e->lock);
}

static uint32_t tp_echo_open(void *opaque, struct pvn_host_channel *ch, const uint8_t *userdata,
			     size_t len)
{
	struct tp_echo *e = opaque;

	/* Runs under the VMBus server's lock, which tp_gpadl_op takes with
	 * e->lock held: no e->lock here. */
	__atomic_store_n(&e->reset, true, __ATOMIC_RELEASE);
	__atomic_fetch_add(&e->opens, 1, __ATOMIC_RELAXED);
	/* The guest asks for a refusal with user data "no". */
	return len >= 2 && userdata[0] == 'n' && userdata[1] == 'o' ? 0xC0000001u : 0;
}

static void tp_echo_close(void *opaque, struct pvn_host_channel *ch)
{
	struct tp_echo *e = opaque;

	__atomic_store_n(&e->reset, true, __ATOMIC_RELEASE);
	__atomic_fetch_add(&e->closes, 1, __ATOMIC_RELAXED);
}

static const struct pvn_plugin_vmbus_ops tp_echo_ops = {
	.size = sizeof(struct pvn_plugin_vmbus_ops),
	.open = tp_echo_open,
	.close = tp_echo_close,
	.packets = tp_echo_pump,
	.writable = tp_echo_pump,
};

static int tp_vmbus_init(const struct pvn_host_ops *ops, struct pvn_host *host,
			 struct tp_echo **out)
{
	struct pvn_plugin_vmbus_offer o = {
		.size = sizeof(o),
		.class_id = PVN_PLUGIN_GUID(0x8a4c2f31, 0x6e0d, 0x4b7a, 0x9d52, 0x1c3e5f7a9b0dULL),
		.instance_id = PVN_PLUGIN_GUID(0x8a4c2f31, 0x6e0d, 0x4b7a, 0x9d52, 0x1c3e5f7a9b01ULL),
		.user_def_len = 7,
		.user_def = "tp-echo",
		.name = "tp-echo",
	};
	struct pvn_host_channel *dup;
	struct tp_echo *e = calloc(1, sizeof(*e));
	int r;

	if (!e)
		return -ENOMEM;
	e->ops = ops;
	e->host = host;
	pthread_mutex_init(&e->lock, NULL);
	*out = e;
	r = PVN_HOST_CALL(ops, vmbus_offer, host, &o, &tp_echo_ops, e, &e->ch);
	if (r) {
		pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_ERROR,
			       "cannot offer the VMBus echo channel: %s (runtime ABI %u.%u)",
			       strerror(-r), ops->abi_major, ops->abi_minor);
		return r;
	}
	/* The same instance twice is refused. */
	if (ops->vmbus_offer(host, &o, &tp_echo_ops, e, &dup) != -EEXIST)
		return -EPROTO;
	return 0;
}
#endif

#ifdef TP_ACPI
/* ---- ACPI contributions through the ABI 1.2 calls ---- */
struct tp_acpi_table {
	char signature[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem_id[6], oem_table_id[8];
	uint32_t oem_revision, creator_id, creator_revision;
	char payload[4];
} __attribute__((packed));

static const struct pvn_host_ops *tp_acpi_ops;
static struct pvn_host *tp_acpi_host;

static int tp_acpi_pio(void *opaque, unsigned vp, uint16_t port, unsigned size, bool write,
		       uint32_t *val)
{
	struct tp_acpi_table t = {{'P', 'V', 'N', 'U'}, sizeof(t), 1, 0, "PVN", "LATE", 1, 0, 0,
				  "late"};

	if (!write)
		*val = (uint32_t)-tp_acpi_ops->acpi_add_table(tp_acpi_host, &t, sizeof(t));
	return 0;
}

static int tp_acpi_init(const struct pvn_host_ops *ops, struct pvn_host *host)
{
	struct tp_acpi_table t = {{'P', 'V', 'N', 'T'}, sizeof(t), 1, 0, "PVN", "TESTPLUG", 1, 0, 0,
				  "PVN!"};
	struct tp_acpi_table bad = t;
	/* Device (PVND) { Name (_HID, "PVN0001") } */
	static const uint8_t dev[] = {0x5b, 0x82, 19, 'P', 'V', 'N', 'D', 0x08, '_', 'H', 'I',
				      'D', 0x0d, 'P', 'V', 'N', '0', '0', '0', '1', 0};
	static const uint8_t junk[] = {0x08, '_', 'X', 'Y', 'Z', 0x01};
	int r;

	tp_acpi_ops = ops;
	tp_acpi_host = host;
	r = PVN_HOST_CALL(ops, acpi_add_table, host, &t, sizeof(t));
	if (!r)
		r = PVN_HOST_CALL(ops, acpi_add_device, host, dev, sizeof(dev));
	if (r) {
		pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_ERROR,
			       "cannot add ACPI table/device: %s (runtime ABI %u.%u)",
			       strerror(-r), ops->abi_major, ops->abi_minor);
		return r;
	}
	/* Refusals: a table the runtime builds itself, a duplicate, not a Device(). */
	memcpy(bad.signature, "FACP", 4);
	if (ops->acpi_add_table(host, &bad, sizeof(bad)) != -EEXIST ||
	    ops->acpi_add_table(host, &t, sizeof(t)) != -EEXIST ||
	    ops->acpi_add_device(host, junk, sizeof(junk)) != -EINVAL) {
		pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_ERROR, "a bad ACPI addition was accepted");
		return -EPROTO;
	}
	return PVN_HOST_CALL(ops, claim_pio, host, 0x720, 1, tp_acpi_pio, NULL);
}
#endif

__attribute__((unused)) static int tp_init(const struct pvn_host_ops *ops, struct pvn_host *host, void **state)
{
	struct tp *t = calloc(1, sizeof(*t));
	int64_t port = 0x710;
	const char *greet = "Hello from " TP_NAME;
	bool verbose = false;
	int r;

	if (!t)
		return -ENOMEM;
	t->ops = ops;
	t->host = host;
	pthread_mutex_init(&t->lock, NULL);
	*state = t;

	r = PVN_HOST_CALL(ops, cfg_get_int, host, "port", &port);
	if (r && r != -ENOENT)
		return r;
	if (port < 0 || port > 0xfffe)
		return PVN_HOST_CALL(ops, cfg_error, host, "port", "must be 0-0xfffe");
	t->port = (uint16_t)port;
	r = PVN_HOST_CALL(ops, cfg_get_string, host, "greeting", &greet);
	if (r && r != -ENOENT)
		return r;
	snprintf(t->greeting, sizeof(t->greeting), "%s", greet);
	r = PVN_HOST_CALL(ops, cfg_get_bool, host, "verbose", &verbose);
	if (r && r != -ENOENT)
		return r;

	/* 1.1 features, used only when the runtime has them. */
	if (PVN_HOST_HAS(ops, cfg_get_string_list)) {
		const char *const *tags;
		size_t n;
		r = ops->cfg_get_string_list(host, "tags", &tags, &n);
		if (r && r != -ENOENT)
			return r;
		for (size_t i = 0; !r && i < n; i++)
			pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_INFO, "tag %s", tags[i]);
	}
#ifdef TP_NEEDS_SERVICES
	r = PVN_HOST_CALL(ops, service_provide, host, "testsvc", 1, 1, &tp_svc);
	if (r) {
		pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_ERROR,
			       "cannot provide service testsvc: %s (runtime ABI %u.%u)",
			       strerror(-r), ops->abi_major, ops->abi_minor);
		return r;
	}
#else
	(void)tp_svc;
#endif
#ifdef TP_REQUIRES
	{
		const struct tp_svc *svc;
		uint16_t minor;
		r = PVN_HOST_CALL(ops, service_lookup, host, TP_REQUIRES, 1, 0,
				  (const void **)&svc, &minor);
		if (r)
			return r;
		if (svc->head.size < sizeof(*svc) || svc->answer() != 42)
			return -EPROTO;
		pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_INFO, "service %s 1.%u answers %d",
			       TP_REQUIRES, minor, svc->answer());
	}
#endif

	r = PVN_HOST_CALL(ops, claim_pio, host, t->port, 2, tp_pio, t);
	if (r)
		return r;
	r = PVN_HOST_CALL(ops, timer_add, host, 1000000, 0, tp_timer, t, &t->timer);
	if (r)
		return r;
#ifdef TP_VMBUS
	r = tp_vmbus_init(ops, host, &t->echo);
	if (r)
		return r;
#endif
#ifdef TP_ACPI
	r = tp_acpi_init(ops, host);
	if (r)
		return r;
#endif
#ifdef TP_FAIL_INIT
	pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_ERROR, "failing init on purpose");
	return -EIO;
#endif
	if (verbose)
		pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_INFO, "port 0x%x, ABI %d.%d on runtime %u.%u",
			       t->port, TP_ABI_MAJOR, TP_ABI_MINOR, ops->abi_major, ops->abi_minor);
	/* 1.3: the VM's name, when the runtime can say it. */
	if (verbose && PVN_HOST_HAS(ops, vm_info)) {
		struct pvn_plugin_vm_info vi = {.size = sizeof(vi)};
		struct pvn_plugin_vm_info tiny = {.size = 4};
		r = ops->vm_info(host, &vi);
		if (r || ops->vm_info(host, &tiny) != -EINVAL)
			return r ? r : -EPROTO;
		pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_INFO, "VM '%s': %u VP(s), %llu MiB", vi.name,
			       vi.nr_vps, (unsigned long long)(vi.memory_bytes >> 20));
	} else if (verbose) {
		pvn_plugin_log(ops, host, PVN_PLUGIN_LOG_INFO, "no vm_info on runtime %u.%u",
			       ops->abi_major, ops->abi_minor);
	}
	return 0;
}

__attribute__((unused)) static void tp_fini(void *state)
{
	struct tp *t = state;
	append("PVN_TEST_FINI_LOG", "fini " TP_NAME "\n");
	if (!t)
		return;
	if (t->timer)
		PVN_HOST_CALL(t->ops, watch_remove, t->host, t->timer);
#ifdef TP_VMBUS
	if (t->echo) {
		struct tp_echo *e = t->echo;
		pvn_plugin_log(t->ops, t->host, PVN_PLUGIN_LOG_INFO,
			       "echo channel: %llu packets echoed, %llu opens, %llu closes",
			       (unsigned long long)e->count, (unsigned long long)e->opens,
			       (unsigned long long)e->closes);
		pthread_mutex_destroy(&e->lock);
		free(e);
	}
#endif
	pthread_mutex_destroy(&t->lock);
	free(t);
}

#if defined(TP_NEEDS_SERVICES)
static const struct pvn_service_ref tp_provides[] = {{"testsvc", 1, 1}, {NULL, 0, 0}};
#else
#define tp_provides NULL
#endif
#if defined(TP_REQUIRES)
static const struct pvn_service_ref tp_requires[] = {{TP_REQUIRES, 1, 0}, {NULL, 0, 0}};
#else
#define tp_requires NULL
#endif

PVN_PLUGIN_MANIFEST_ABI(TP_MANIFEST_NAME, TP_VERSION, "", TP_ABI_MAJOR, TP_ABI_MINOR);

#if defined(TP_NO_DESCRIPTOR)
/* Exports something, but not the descriptor. */
PVN_PLUGIN_EXPORT const struct pvn_plugin_descriptor pvn_plugin_descriptr = {
	PVN_PLUGIN_DESCRIPTOR_HEADER, .name = TP_NAME, .version = TP_VERSION, .init = tp_init,
};
#elif defined(TP_TRUNCATED)
struct tp_short_descriptor {
	uint32_t struct_size;
	uint16_t abi_major, abi_minor;
};
PVN_PLUGIN_EXPORT const struct tp_short_descriptor pvn_plugin_descriptor = {
	sizeof(struct tp_short_descriptor), TP_ABI_MAJOR, TP_ABI_MINOR};
#elif TP_ABI_MINOR > PVN_PLUGIN_ABI_MINOR
/* A plugin from the future: its descriptor has a field this runtime has
 * never heard of, and it says so in struct_size. */
struct tp_future_descriptor {
	struct pvn_plugin_descriptor d;
	const char *future_field;
};
PVN_PLUGIN_EXPORT const struct tp_future_descriptor pvn_plugin_descriptor = {
	.d = {.struct_size = sizeof(struct tp_future_descriptor), .abi_major = TP_ABI_MAJOR,
	      .abi_minor = TP_ABI_MINOR, .name = TP_NAME, .version = TP_VERSION,
	      .license = "MIT", .provides = tp_provides, .requires = tp_requires,
	      .init = tp_init, .fini = tp_fini},
	.future_field = "from ABI 1." "x",
};
#else
PVN_PLUGIN_EXPORT const struct pvn_plugin_descriptor pvn_plugin_descriptor = {
	.struct_size = sizeof(struct pvn_plugin_descriptor),
	.abi_major = TP_ABI_MAJOR,
	.abi_minor = TP_ABI_MINOR,
	.name = TP_NAME,
	.version = TP_VERSION,
	.license = "MIT",
	.provides = tp_provides,
	.requires = tp_requires,
	.init = tp_init,
	.fini = tp_fini,
};
#endif
